"""Banner jobs: one product photo + a template + copy -> a zip of banners in every size and language.

    job = BannersJob.parse(template=definition, sizes=["square", "story"], copies=[{"language": "de", ...}])
    make_banners(job, job.plan(), BannerInputs(product_png), models, limits, step)   # a MadeBanner per banner
    run_banners_item(record, data, runtime, step)     the job a worker runs: the zip + report.csv + copy.csv
    run_cutout_item(record, data, runtime, step)      a product photo -> its cut-out (PNG RGBA, cropped)
    BannerJobs(store, dispatcher)                     what the web tier submits, follows and collects

A banner that cannot be made (copy too long for its slot) fails only itself and is listed with its reason;
the job fails only when none could be made. Template backgrounds need no generative model and run on the
segmentation model's queues; generated backgrounds run on the chat editor's ("diffusion") workers.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterator, Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines import DEFAULT_MODEL, REGISTRY, ModelStore
from pipelines.banners.copy import MAX_CELL, MAX_LANGUAGES, BannerCopy, copy_table_csv, language_code
from pipelines.banners.render import render_set
from pipelines.banners.sizes import MAX_SIZES, CanvasSize, resolve_sizes
from pipelines.banners.template import Template, load_template, templates_dir
from pipelines.cutout.product import cut_out_product, has_real_alpha
from pipelines.errors import InvalidOptions
from pipelines.image_input import ImageLimits, load_image
from pipelines.editing.inpaint import InpaintParams
from pipelines.models.generative import DEFAULT_EDITOR, EDITORS
from pipelines.typography import FontLibrary
from workers.batches import Dispatcher
from workers.bundle import pack, unpack
from workers.edit import DEFAULT_NEGATIVE, FAMILY as GENERATIVE_FAMILY
from workers.errors import BatchNotFound, IdempotencyConflict, NotReady
from workers.records import JobOutput, JobRecord, queue_name
from workers.runtime import JobRuntime, Step
from workers.schema import parse_fields
from workers.store import JobStore

BANNERS_KIND = "banners"
CUTOUT_KIND = "cutout"
MARKETING_HARMONIZE = 0.35  # marketing images move the product's light toward the scene a little by default
REPORT_COLUMNS = ("size", "width", "height", "language", "file", "notes", "error")



def _check_model(model: str) -> None:
    if model not in REGISTRY:
        raise ValueError(f"model: unknown segmentation model {model!r}; available: {', '.join(REGISTRY)}")


class CopyFields(BaseModel):
    """One language's copy; an empty slot is left out of the banner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str = Field(min_length=1, max_length=20)
    headline: str = Field("", max_length=MAX_CELL)
    subline: str = Field("", max_length=MAX_CELL)
    price: str = Field("", max_length=MAX_CELL)
    badge: str = Field("", max_length=MAX_CELL)
    cta: str = Field("", max_length=MAX_CELL)


class BannersJob(BaseModel):
    """A banner set: the template's whole definition (the web tier resolves an id or an uploaded file to it),
    the canvas sizes, the copy per language and, for generated backgrounds, diffusers' parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    template: dict
    sizes: list[str] = Field(min_length=1, max_length=MAX_SIZES)
    copies: list[CopyFields] = Field(default_factory=list, max_length=MAX_LANGUAGES)
    text: bool = True  # False: marketing images (the product on the template's scene, no copy)
    harmonize: float | None = Field(None, ge=0.0, le=1.0)  # None: 0 for banners, 0.35 for marketing images
    format: Literal["jpeg", "png"] = "jpeg"
    quality: int = Field(92, ge=50, le=100)
    model: str = DEFAULT_MODEL  # segmentation, when the product photo has no transparency of its own
    # generated backgrounds only (template background type "generated")
    prompt: str = Field("", max_length=1000)  # added to the template's own prompt
    negative_prompt: str = Field(DEFAULT_NEGATIVE, max_length=1000)
    num_inference_steps: int = Field(25, ge=1, le=150)
    guidance_scale: float = Field(7.5, ge=0.0, le=30.0)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    edit_model: str = DEFAULT_EDITOR

    @model_validator(mode="after")
    def _known_models(self):
        _check_model(self.model)
        if self.edit_model not in EDITORS:
            raise ValueError(f"edit_model: unknown editor {self.edit_model!r}; available: {', '.join(EDITORS)}")
        return self

    @classmethod
    def parse(cls, *, photo: bytes | None = None, **fields) -> "BannersJob":
        """Build from user-supplied fields and check them all (template, sizes, languages) before anything
        is stored: InvalidTemplate / InvalidOptions naming every bad field and what is allowed. `photo` is
        the job's photo input, standing in for a photo background's own file (see `check_template`)."""
        job = parse_fields(cls, fields)
        job.plan(photo)
        return job

    def plan(self, photo: bytes | None = None) -> "BannerPlan":
        """The checked template, sizes and copies; every problem in one InvalidOptions."""
        template = check_template(self.template, f"template {self.template.get('id', '')!r}", photo)
        problems: list[str] = []
        sizes: tuple[CanvasSize, ...] = ()
        try:
            sizes = resolve_sizes(self.sizes)
        except InvalidOptions as exc:
            problems.append(f"sizes: {exc}")
        copies, copy_problems = self._copies()
        problems += copy_problems
        if problems:
            raise InvalidOptions("; ".join(problems))
        return BannerPlan(template, sizes, copies)

    def _copies(self) -> tuple[tuple[BannerCopy, ...] | None, list[str]]:
        """The copy per language (codes in their known spelling, 'EN' -> 'en'), and what is wrong with it."""
        if not self.text:
            unused = ["copies: marketing images (text=false) carry no copy; leave the copy out"]
            return None, unused if self.copies else []
        if not self.copies:
            return None, ["copies: no copy given; give at least one language with a headline (or text=false for "
                          "marketing images without copy)"]
        problems, copies, seen = [], [], set()
        for index, fields in enumerate(self.copies):
            where = f"copies[{index}]"
            try:
                language = language_code(fields.language)
            except InvalidOptions as exc:
                problems.append(f"{where}.language: {exc}")
                continue
            if language in seen:
                problems.append(f"{where}.language: {language!r} is given twice; one copy per language")
            seen.add(language)
            if not fields.headline.strip():
                problems.append(f"{where}.headline ({language}): empty; every language needs a headline")
            copies.append(BannerCopy(**{**fields.model_dump(), "language": language}))
        return tuple(copies), problems

    @property
    def effective_harmonize(self) -> float:
        if self.harmonize is not None:
            return self.harmonize
        return 0.0 if self.text else MARKETING_HARMONIZE

    def params(self) -> InpaintParams:
        """The generation parameters; the prompt is the user's words, added to the template's own prompt."""
        return InpaintParams(prompt=self.prompt, negative_prompt=self.negative_prompt,
                             num_inference_steps=self.num_inference_steps, guidance_scale=self.guidance_scale,
                             seed=self.seed)

    def batch_options(self) -> dict:
        """What the batch record shows (GET /v1/batches/{id}): the template by id, not its whole definition."""
        options = self.model_dump(mode="json", exclude={"template", "copies"})
        return {"kind": BANNERS_KIND, "template": self.template.get("id"),
                "languages": [c.language for c in self.copies], **options}


def check_template(data: dict | bytes, source: str, photo: bytes | None = None) -> Template:
    """load_template, where the job's `photo` (when given) stands in for a photo background's own file: a
    template from the user's folder carries its photo with the job, as workers have only assets/templates/."""
    with tempfile.TemporaryDirectory(prefix="template-") as folder:
        stand_in = _stand_in(data, photo, Path(folder))
        template = load_template(data, source=source, folder=stand_in)
    template._folder = None  # the stand-in folder is gone; the photo travels with the job
    return template


def _stand_in(data, photo: bytes | None, folder: Path) -> Path | None:
    if photo is not None and isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            return None  # load_template says what is wrong with the JSON
    background = data.get("background") if isinstance(data, dict) else None
    file = background.get("file") if isinstance(background, dict) and background.get("type") == "photo" else None
    if photo is None or not isinstance(file, str):
        return None
    path = PurePosixPath(file)
    if path.is_absolute() or not path.parts or any(part in ("..", "") for part in path.parts) or "\\" in file:
        return None  # load_template names what is wrong with the file name
    target = folder.joinpath(*path.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(photo)
    return folder


def own_photo(template: Template) -> bytes | None:
    """A template's photo background when it lives beside the template file (the user's folder), not under
    assets/templates/ where every worker has it: the job takes it along as its photo input."""
    found = template.background_file()
    if found is None or found.resolve().is_relative_to(templates_dir().resolve()):
        return None
    return found.read_bytes()


@dataclass(frozen=True)
class BannerPlan:
    template: Template
    sizes: tuple[CanvasSize, ...]
    copies: tuple[BannerCopy, ...] | None  # None: marketing images

    @property
    def generated(self) -> bool:
        return self.template.background.type == "generated"

    @property
    def count(self) -> int:
        return len(self.sizes) * (len(self.copies) if self.copies is not None else 1)

    def family(self, model: str, photo: bool = False) -> str:
        """The workers that can make this set: a generative editor's for generated backgrounds (unless the
        merchant's own photo replaces the background)."""
        return GENERATIVE_FAMILY if self.generated and not photo else REGISTRY[model].family


class CutoutJob(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = DEFAULT_MODEL

    @model_validator(mode="after")
    def _known_model(self):
        _check_model(self.model)
        return self

    @classmethod
    def parse(cls, **fields) -> "CutoutJob":
        return parse_fields(cls, fields)


@dataclass(frozen=True)
class BannerInputs:
    """The job's files: the product photo, and optionally a logo and a photo for `photo` backgrounds."""

    product: bytes
    logo: bytes | None = None
    photo: bytes | None = None

    def pack(self) -> bytes:
        return pack({name: data for name, data in (("product", self.product), ("logo", self.logo),
                                                   ("photo", self.photo)) if data is not None})

    @classmethod
    def unpack(cls, data: bytes) -> "BannerInputs":
        parts = unpack(data)
        if "product" not in parts:
            raise InvalidOptions("the job's stored input has no product photo; submit it again")
        return cls(parts["product"], parts.get("logo"), parts.get("photo"))


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

    def row(self) -> dict:
        return {"size": self.size.name, "width": self.size.width, "height": self.size.height,
                "language": self.language or "", "file": self.file if self.ok else "",
                "notes": list(self.notes), "error": self.error}


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

    progress(0, f"loading the {job.edit_model} editor")
    editor = models.editor(job.edit_model, control="inpaint",
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


@dataclass
class BannerArchive:
    """The zip a banner set is delivered in: `<size>/<template>-<size>-<language>.jpg`, report.csv, copy.csv."""

    out: BinaryIO
    made: list[MadeBanner] = field(default_factory=list)

    def __post_init__(self):
        self._zip = zipfile.ZipFile(self.out, "w", compression=zipfile.ZIP_STORED)  # JPEG/PNG are compressed

    def __enter__(self) -> "BannerArchive":
        return self

    def __exit__(self, *_) -> None:
        self._zip.close()  # after close(): nothing more; after a failure: the zip is ended, not left open

    def add(self, banner: MadeBanner) -> None:
        if banner.ok:
            self._zip.writestr(banner.file, banner.data)
        self.made.append(replace(banner, data=None))  # the bytes are in the zip now

    def close(self, copies: tuple[BannerCopy, ...] | None) -> None:
        report = io.StringIO()
        table = csv.writer(report)
        table.writerow(REPORT_COLUMNS)
        for banner in self.made:
            row = banner.row()
            table.writerow([row["size"], row["width"], row["height"], row["language"], row["file"],
                            "; ".join(row["notes"]), row["error"] or ""])
        self._zip.writestr("report.csv", report.getvalue())
        if copies:
            self._zip.writestr("copy.csv", copy_table_csv(copies))
        self._zip.close()

    @property
    def succeeded(self) -> int:
        return sum(1 for banner in self.made if banner.ok)


def none_made(made: list[MadeBanner]) -> InvalidOptions:
    """Why a whole set failed: each banner's own reason (the same one, once, when they agree)."""
    reasons = list(dict.fromkeys(b.error for b in made if b.error))
    shown = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
    return InvalidOptions(f"none of the {len(made)} banners could be made: {shown}")


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
    summary = {
        "file_name": f"{plan.template.id}-banners.zip", "media_type": "application/zip",
        "template": plan.template.id, "made": archive.succeeded, "failed": len(archive.made) - archive.succeeded,
        "banners": [banner.row() for banner in archive.made],
    }
    return JobOutput({"result": out.getvalue()}, summary)


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
    notes = ["the photo's own transparency was used"] if own else [f"cut out with {job.model}"]
    summary = {"file_name": "cutout.png", "media_type": "image/png", "width": cutout.width,
               "height": cutout.height, "notes": notes}
    return JobOutput({"result": out.getvalue()}, summary)


@dataclass(frozen=True)
class BannerJobs:
    """Banner sets and cut-outs on the worker tier. A banner set is a one-job batch, so GET /v1/batches/{id},
    its item result (the zip) and DELETE work on it as on any batch."""

    store: JobStore
    dispatcher: Dispatcher

    def submit_cutout(self, owner: str, image: bytes, model: str = DEFAULT_MODEL) -> str:
        job = CutoutJob.parse(model=model)
        queue = queue_name("interactive", REGISTRY[job.model].family)
        record = self.store.create_batch(owner, {"kind": CUTOUT_KIND, "model": job.model})
        added = self.store.add_job(record.id, "cut-out", CUTOUT_KIND, job.model_dump(mode="json"), queue,
                                   data=BannerInputs(image).pack())
        self.store.seal_batch(record.id)
        self.dispatcher.enqueue(added.id, queue)
        return added.id

    def submit_banners(self, owner: str, job: BannersJob, product: bytes, *, logo: bytes | None = None,
                       photo: bytes | None = None, priority: str = "batch", idempotency_key: str | None = None,
                       fingerprint: str = "") -> tuple[str, str, bool]:
        """Store and enqueue the set; returns (batch id, job id, created). With an Idempotency-Key this owner
        already used, returns that set (IdempotencyConflict when the request differs)."""
        if idempotency_key is not None:
            existing = self.store.lookup_key(owner, idempotency_key)
            if existing is not None and (found := self._replay(existing, fingerprint)) is not None:
                return (*found, False)
        plan = job.plan(photo)
        queue = queue_name(priority, plan.family(job.model, photo is not None))
        record = self.store.create_batch(owner, job.batch_options(), fingerprint)
        name = f"{plan.template.id} {'banners' if job.text else 'marketing images'}"
        added = self.store.add_job(record.id, name, BANNERS_KIND, job.model_dump(mode="json"), queue,
                                   data=BannerInputs(product, logo, photo).pack())
        self.store.seal_batch(record.id)
        if idempotency_key is not None:
            winner = self.store.claim_key(owner, idempotency_key, record.id)
            if winner != record.id:  # a concurrent request with the same key stored its set first
                self.store.cancel([added.id])
                found = self._replay(winner, fingerprint)
                if found is None:
                    raise IdempotencyConflict("this Idempotency-Key belongs to a banner set that is still being "
                                              "stored or has expired; retry in a moment, or use a new key")
                return (*found, False)
        self.dispatcher.enqueue(added.id, queue)
        return record.id, added.id, True

    def job(self, job_id: str) -> JobRecord:
        job = self.store.job(job_id)
        if job is None or job.kind not in (BANNERS_KIND, CUTOUT_KIND):
            raise BatchNotFound(f"no banner job {job_id!r} (it may have expired)")
        return job

    def cancel(self, job_id: str) -> JobRecord:
        """A queued job is cancelled at once; a running one stops after its current banner."""
        self.store.cancel([self.job(job_id).id])
        return self.job(job_id)

    def output(self, job_id: str) -> tuple[bytes, dict]:
        job = self.job(job_id)
        if job.state != "done":
            raise NotReady(job.error or f"the job is {job.state}")
        data = self.store.read_blob(job_id, "result")
        if data is None:
            raise BatchNotFound("the result has expired; make it again")
        return data, dict(job.result)

    def _replay(self, batch_id: str, fingerprint: str) -> tuple[str, str] | None:
        record = self.store.batch(batch_id)
        job_ids = self.store.batch_job_ids(batch_id) if record is not None else []
        if not job_ids:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyConflict("this Idempotency-Key was already used for a different request (other files "
                                      "or options); use a new key for a new banner set")
        return batch_id, job_ids[0]
