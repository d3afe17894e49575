"""The banner jobs' wire schema: what a banner set and a cut-out ask for, and the files a set takes along.

    job = BannersJob.parse(template=definition, sizes=["square", "story"], copies=[{"language": "de", ...}])
    job.plan(photo)                               the checked template, sizes and copies (a BannerPlan)
    BannerInputs(product, logo, photo).pack()     the job's stored input

A set's generation settings (generated backgrounds only) are the shared GenerationSettings, sent flat as
`prompt`, `seed`, … with the editor as `edit_model`: `model` is the segmentation model here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines import DEFAULT_MODEL, REGISTRY
from pipelines.banners.copy import MAX_CELL, MAX_LANGUAGES, BannerCopy, language_code
from pipelines.banners.sizes import MAX_SIZES, CanvasSize, resolve_sizes
from pipelines.editing.inpaint import InpaintParams
from pipelines.errors import InvalidOptions
from workers.banners.plan import BannerPlan
from workers.banners.templates import check_template
from workers.bundle import pack, unpack
from workers.generation import GeneratingJob
from workers.schema import one_of, parse_fields

BANNERS_KIND = "banners"
CUTOUT_KIND = "cutout"
MARKETING_HARMONIZE = 0.35  # marketing images move the product's light toward the scene a little by default
SegmentationModel = Annotated[str, one_of(REGISTRY, "segmentation model")]


class CopyFields(BaseModel):
    """One language's copy; an empty slot is left out of the banner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str = Field(min_length=1, max_length=20)
    headline: str = Field("", max_length=MAX_CELL)
    subline: str = Field("", max_length=MAX_CELL)
    price: str = Field("", max_length=MAX_CELL)
    badge: str = Field("", max_length=MAX_CELL)
    cta: str = Field("", max_length=MAX_CELL)


class BannersJob(GeneratingJob):
    """A banner set: the template's whole definition (the web tier resolves an id or an uploaded file to it),
    the canvas sizes, the copy per language and, for generated backgrounds, the generation settings."""

    WIRE_NAMES = {"model": "edit_model"}

    template: dict
    sizes: list[str] = Field(min_length=1, max_length=MAX_SIZES)
    copies: list[CopyFields] = Field(default_factory=list, max_length=MAX_LANGUAGES)
    text: bool = True  # False: marketing images (the product on the template's scene, no copy)
    harmonize: float | None = Field(None, ge=0.0, le=1.0)  # None: 0 for banners, 0.35 for marketing images
    format: Literal["jpeg", "png"] = "jpeg"
    quality: int = Field(92, ge=50, le=100)
    model: SegmentationModel = DEFAULT_MODEL  # when the product photo has no transparency of its own

    @classmethod
    def parse(cls, *, photo: bytes | None = None, **fields) -> "BannersJob":
        """Build from user-supplied fields and check them all (template, sizes, languages) before anything
        is stored: InvalidTemplate / InvalidOptions naming every bad field and what is allowed. `photo` is
        the job's photo input, standing in for a photo background's own file (see `check_template`)."""
        job = parse_fields(cls, fields)
        job.plan(photo)
        return job

    def plan(self, photo: bytes | None = None) -> BannerPlan:
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
        return self.generation.inpaint_params()

    def batch_options(self) -> dict:
        """What the batch record shows (GET /v1/batches/{id}): the template by id, not its whole definition."""
        options = self.model_dump(mode="json", exclude={"template", "copies"})
        return {"kind": BANNERS_KIND, "template": self.template.get("id"),
                "languages": [c.language for c in self.copies], **options}


class CutoutJob(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    model: SegmentationModel = DEFAULT_MODEL

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
