"""The banner jobs a worker runs (workers.execute.KINDS): a set into its zip, a product photo into its cut-out."""

from __future__ import annotations

import io

from pipelines.cutout.product import cut_out_product, has_real_alpha
from pipelines.image_input import load_image
from workers.banners.archive import BannerArchive, none_made
from workers.banners.make import make_banners
from workers.banners.schema import BannerInputs, BannersJob, CutoutJob
from workers.banners.summary import BannersSummary, CutoutSummary
from workers.records import JobOutput, JobRecord
from workers.runtime import JobRuntime, Step
from workers.schema import parse_fields


def run_banners_item(record: JobRecord, data: bytes, runtime: JobRuntime, step: Step) -> JobOutput:
    """A banner set: every size x language into one zip with report.csv (and copy.csv)."""
    inputs = BannerInputs.unpack(data)
    job = parse_fields(BannersJob, record.options)
    plan = job.plan(inputs.photo)  # InvalidTemplate / InvalidOptions: the job fails with every problem
    out = io.BytesIO()
    with BannerArchive(out) as archive:
        for banner in make_banners(job, plan, inputs, runtime.models, runtime.limits, step):
            archive.add(banner)
        archive.close(plan.copies)
    if not archive.succeeded:
        raise none_made(archive.made)
    summary = BannersSummary(
        file_name=f"{plan.template.id}-banners.zip", media_type="application/zip", template=plan.template.id,
        made=archive.succeeded, failed=len(archive.made) - archive.succeeded,
        banners=tuple(banner.row() for banner in archive.made),
    )
    return JobOutput({"result": out.getvalue()}, summary.to_dict())


def run_cutout_item(record: JobRecord, data: bytes, runtime: JobRuntime, step: Step) -> JobOutput:
    """The product cut out of its photo: PNG RGBA cropped to the product (alpha 255 = product)."""
    job = CutoutJob.parse(**record.options)
    step(0, 2, "reading the image")
    image = load_image(BannerInputs.unpack(data).product, runtime.limits).image
    own = has_real_alpha(image)
    step(1, 2, "cutting out the product")
    cutout = cut_out_product(image, store=runtime.models, model=job.model)
    step(2, 2, "cut out")
    out = io.BytesIO()
    cutout.save(out, "PNG", compress_level=1)
    notes = ("the photo's own transparency was used",) if own else (f"cut out with {job.model}",)
    summary = CutoutSummary(file_name="cutout.png", media_type="image/png", width=cutout.width,
                            height=cutout.height, notes=notes)
    return JobOutput({"result": out.getvalue()}, summary.to_dict())
