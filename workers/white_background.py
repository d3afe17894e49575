"""The white-background job. Two ways to run it, one schema:

- `run_white_background_item`: one stored image -> one result; what a Celery worker (or the embedded
  thread) runs for each item of a batch from the studio tab or the HTTP API.
- `run_white_background`: named inputs in, one outcome per input out, in order, pipelined in this
  process; what the `studio whitebg` command runs.
Every input goes through the safe image decoder and one bad image never stops the rest.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Iterable, Iterator, Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipelines import DEFAULT_MODEL, REGISTRY, ModelStore, WhiteBackgroundOptions
from pipelines.errors import StudioError
from pipelines.image_input import ImageLimits, InputItem, load_image
from pipelines.cutout.segmentation import Box
from pipelines.cutout.white_background import (
    STEPS, WhiteBackgroundResult, check_options, make_white_background, make_white_backgrounds,
)
from workers.errors import JobFailed
from workers.records import JobOutput, JobRecord
from workers.runtime import JobRuntime, Step
from workers.schema import parse_fields

log = logging.getLogger(__name__)


class WhiteBackgroundJob(BaseModel):
    """What a user asks for; the wire schema of the job (validated before any image is touched)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    preset: Literal["amazon", "shopify", "aliexpress", "transparent", "custom"] = "amazon"
    width: int | None = Field(None, ge=64, le=10_000)
    height: int | None = Field(None, ge=64, le=10_000)
    margin: float | None = Field(None, ge=0.0, le=0.4)
    shadow: bool = False
    model: str = DEFAULT_MODEL
    box: tuple[int, int, int, int] | None = None
    previews: bool = False  # also store 1024 px before/after previews (the studio's comparison slider)

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        if value not in REGISTRY:
            raise ValueError(f"unknown model {value!r}; available: {', '.join(REGISTRY)}")
        return value

    @classmethod
    def parse(cls, **fields) -> "WhiteBackgroundJob":
        """Build from user-supplied fields; bad values raise InvalidOptions naming the field and the rule."""
        return parse_fields(cls, fields)

    def options(self, box: tuple[int, int, int, int] | None = None) -> WhiteBackgroundOptions:
        chosen = box or self.box
        return WhiteBackgroundOptions(
            preset=self.preset, width=self.width, height=self.height, margin=self.margin, shadow=self.shadow,
            model=self.model, box=Box(*chosen) if chosen else None,
        )


@dataclass(frozen=True)
class ItemOutcome:
    """One input's outcome: `result` on success, `error` (a message for the user) on failure."""

    name: str
    source: Image.Image | None = None
    result: WhiteBackgroundResult | None = None
    error: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.result is not None

    def mask_png(self) -> bytes:
        buffer = io.BytesIO()
        self.result.mask.save(buffer, "PNG")
        return buffer.getvalue()


def check_job(job: WhiteBackgroundJob) -> None:
    """Reject option combinations before the batch starts, so nothing is half done."""
    check_options(job.options())


def run_white_background(
    items: Iterable[InputItem],
    job: WhiteBackgroundJob,
    store: ModelStore,
    limits: ImageLimits = ImageLimits(),
    boxes: dict[str, tuple[int, int, int, int]] | None = None,
) -> Iterator[ItemOutcome]:
    """Run the job over the items; yields one outcome per item, in order."""
    check_job(job)
    job_id = uuid.uuid4().hex[:12]
    store.session(job.model)  # fetch/load once, up front: a missing model fails the job, not each item
    decoded: deque[tuple[InputItem, Image.Image | None, tuple[str, ...], str | None]] = deque()

    def images() -> Iterator[tuple[Image.Image, WhiteBackgroundOptions]]:
        for item in items:
            if item.error is not None:
                decoded.append((item, None, (), item.error))
                continue
            try:
                loaded = load_image(item.data, limits)
            except StudioError as exc:
                decoded.append((item, None, (), str(exc)))
                continue
            except Exception:  # a decoder bug must cost one item, not the batch
                log.exception("job %s: decoding %s failed unexpectedly", job_id, item.name)
                decoded.append((item, None, (), f"unexpected failure while reading the image (job {job_id})"))
                continue
            decoded.append((item, loaded.image, loaded.notes, None))
            yield loaded.image, job.options((boxes or {}).get(item.name))

    produced = make_white_backgrounds(images(), store=store)
    for outcome in produced:
        # outcomes arrive in order; report the inputs that never reached the pipeline before each one
        while decoded and decoded[0][3] is not None:
            item, _, _, error = decoded.popleft()
            yield ItemOutcome(item.name, error=error)
        item, image, notes, _ = decoded.popleft()
        if isinstance(outcome, StudioError):
            yield ItemOutcome(item.name, source=image, error=str(outcome), notes=notes)
        elif isinstance(outcome, Exception):
            log.error("job %s item %s failed", job_id, item.name, exc_info=outcome)
            yield ItemOutcome(item.name, source=image, error=str(JobFailed(f"unexpected failure (job {job_id})")))
        else:
            yield ItemOutcome(item.name, source=image, result=outcome, notes=notes)
    for item, _, _, error in decoded:
        yield ItemOutcome(item.name, error=error)


def run_white_background_item(job: JobRecord, data: bytes, runtime: JobRuntime, step: Step) -> JobOutput:
    """One image of a batch: decode safely, make the white background, return the file and its report."""
    options = WhiteBackgroundJob.parse(**job.options)
    total = STEPS + 1
    step(1, total, "reading the image")
    loaded = load_image(data, runtime.limits)
    result = make_white_background(loaded.image, options.options(), store=runtime.models,
                                   progress=lambda done, _, message: step(done + 1, total, message))
    blobs = {"result": result.encoded}
    if options.previews:
        blobs["before"] = _preview(result.aligned_source(loaded.image))
        blobs["after"] = _preview(result.image)
    stem = PurePosixPath(job.name).stem or "image"
    summary = {
        "file_name": f"{stem}{result.extension}",
        "media_type": "image/jpeg" if result.preset.format == "JPEG" else "image/png",
        "report": result.report.as_dict(),
        "notes": list(loaded.notes),
    }
    return JobOutput(blobs, summary)


def _preview(image: Image.Image, side: int = 1024) -> bytes:
    image = image.convert("RGB")
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()
