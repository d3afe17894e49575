"""Banner jobs: one product photo + a template + copy -> a zip of banners in every size and language.

    job = BannersJob.parse(template=definition, sizes=["square", "story"], copies=[{"language": "de", ...}])
    make_banners(job, job.plan(), BannerInputs(product_png), models, limits, step)   # a MadeBanner per banner
    run_banners_item(record, data, runtime, step)     the job a worker runs: the zip + report.csv + copy.csv
    run_cutout_item(record, data, runtime, step)      a product photo -> its cut-out (PNG RGBA, cropped)
    BannerJobs(store, dispatcher)                     what the web tier submits, follows and collects

A banner that cannot be made (copy too long for its slot) fails only itself and is listed with its reason;
the job fails only when none could be made. Template backgrounds need no generative model and run on the
segmentation model's queues; generated backgrounds run on the chat editor's ("diffusion") workers.

One idea per module:
    schema.py     the wire schema: BannersJob (its GenerationSettings nested), CutoutJob, BannerInputs
    plan.py       BannerPlan: the checked template, sizes and copies, and the queue family that makes them
    templates.py  a job's template checked as it travels, and the photo a user's template takes along
    make.py       rendering: cut-out, generated backgrounds, every size x language (MadeBanner)
    archive.py    the zip: banners, report.csv, copy.csv
    summary.py    what the jobs leave on their records (BannersSummary, CutoutSummary)
    run.py        the job functions a worker runs
    service.py    BannerJobs: submit, follow, cancel, collect
"""

from workers.banners.archive import REPORT_COLUMNS, BannerArchive, none_made
from workers.banners.make import MadeBanner, default_fonts, make_banners
from workers.banners.plan import BannerPlan
from workers.banners.run import run_banners_item, run_cutout_item
from workers.banners.schema import (
    BANNERS_KIND,
    CUTOUT_KIND,
    MARKETING_HARMONIZE,
    BannerInputs,
    BannersJob,
    CopyFields,
    CutoutJob,
)
from workers.banners.service import BannerJobs
from workers.banners.summary import BannerRow, BannersSummary, CutoutSummary
from workers.banners.templates import check_template, own_photo

__all__ = [
    "BANNERS_KIND", "CUTOUT_KIND", "MARKETING_HARMONIZE", "REPORT_COLUMNS", "BannerArchive", "BannerInputs",
    "BannerJobs", "BannerPlan", "BannerRow", "BannersJob", "BannersSummary", "CopyFields", "CutoutJob",
    "CutoutSummary", "MadeBanner", "check_template", "default_fonts", "make_banners", "none_made", "own_photo",
    "run_banners_item", "run_cutout_item",
]
