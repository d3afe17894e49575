"""Making a banner set: cut the product out, generate the backgrounds a template asks for, render every
size x language; each banner is yielded as it is made.

    for banner in make_banners(job, job.plan(photo), BannerInputs(product_png), models, limits, step): ...
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Callable, Iterator

from PIL import Image

from pipelines import ModelStore
from pipelines.banners.render import render_set
from pipelines.banners.sizes import CanvasSize
from pipelines.cutout.product import cut_out_product
from pipelines.image_input import ImageLimits, load_image
from pipelines.typography import FontLibrary
from workers.banners.plan import BannerPlan
from workers.banners.schema import BannerInputs, BannersJob
from workers.banners.summary import BannerRow
from workers.runtime import Step


@dataclass(frozen=True)
class MadeBanner:
    """One banner of the set: its encoded file, or the reason it could not be made."""

    size: CanvasSize
    language: str | None
    file: str
    data: bytes | None = None
    notes: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def row(self) -> BannerRow:
        return BannerRow(size=self.size.name, width=self.size.width, height=self.size.height,
                         language=self.language or "", file=self.file if self.ok else "", notes=self.notes,
                         error=self.error)


@functools.lru_cache(maxsize=1)
def default_fonts() -> FontLibrary:
    """One font library per process: its fonts stay loaded from one banner (and job) to the next."""
    return FontLibrary.default()


def make_banners(job: BannersJob, plan: BannerPlan, inputs: BannerInputs, models: ModelStore, limits: ImageLimits,
                 step: Step) -> Iterator[MadeBanner]:
    """Cut the product out, make the backgrounds (generated ones with the job's editor), render every size x
    language of `plan` (the job's, checked); yields each banner as it is made. Steps: the cut-out, generation
    (one per size), one per banner."""
    generate = plan.generated and inputs.photo is None  # the merchant's own photo replaces any background
    generation = len(plan.sizes) if generate else 0
    total = 1 + generation + plan.count
    step(0, total, "reading the images")
    product = load_image(inputs.product, limits).image
    logo = load_image(inputs.logo, limits).image if inputs.logo is not None else None
    photo = load_image(inputs.photo, limits).image.convert("RGB") if inputs.photo is not None else None
    step(0, total, "cutting out the product")
    cutout = cut_out_product(product, store=models, model=job.model)
    step(1, total, "product cut out")
    backgrounds = None
    if generate:
        backgrounds = _generate(job, plan, cutout, models, lambda done, message: step(1 + done, total, message))
    extension = "jpg" if job.format == "jpeg" else "png"
    items = render_set(plan.template, cutout, plan.copies, plan.sizes, fonts=default_fonts(), logo=logo,
                       photo=photo, backgrounds=backgrounds, harmonize=job.effective_harmonize)
    for index, item in enumerate(items, start=1):
        name = "-".join(x for x in (plan.template.id, item.size.name, item.language) if x)
        file = f"{item.size.name}/{name}.{extension}"
        if item.banner is None:
            made = MadeBanner(item.size, item.language, file, error=item.error or "the banner could not be made")
        else:
            made = MadeBanner(item.size, item.language, file, _encode(item.banner.image, job), tuple(item.banner.notes))
        step(1 + generation + index, total, f"{item.size.name} {item.language or ''}".strip())
        yield made


def _generate(job: BannersJob, plan: BannerPlan, cutout: Image.Image, models: ModelStore,
              progress: Callable[[int, str], None]) -> dict[str, Image.Image]:
    """A scene per size (and reading direction) from the job's generative editor, around the product."""
    from pipelines.banners.generated import generate_backgrounds  # torch: workers only

    editor_name = job.generation.model
    progress(0, f"loading the {editor_name} editor")
    editor = models.editor(editor_name, control="inpaint",
                           progress=lambda done, total, message: progress(0, message))
    units = len(plan.sizes)

    def step(done: int, total: int, message: str) -> None:  # its steps, spread over one unit per size
        progress(min(units, units * done // total) if total else 0, message)

    return generate_backgrounds(plan.template, cutout, plan.sizes, editor, job.params(), step,
                                fonts=default_fonts(), copies=plan.copies)


def _encode(image: Image.Image, job: BannersJob) -> bytes:
    out = io.BytesIO()
    if job.format == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=job.quality, optimize=True)
    else:
        image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()
