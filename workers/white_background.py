"""The white-background job. Two ways to run it, one schema:

- `run_white_background_item`: one stored image -> one result; what a Celery worker (or the embedded
  thread) runs for each item of a batch from the studio tab or the HTTP API.
- `run_white_background`: named inputs in, one outcome per input out, in order, pipelined in this
  process; what the `studio whitebg` command runs. A helper thread decodes the next inputs while the
  network works on the current one (see pipelines.cutout.white_background for the rest of the overlap).
Every input goes through the safe image decoder and one bad image never stops the rest.
"""

from __future__ import annotations

import io
import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
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


@dataclass(frozen=True)
class _Decoded:
    """An input after the safe decoder: `image` when it decoded, `error` (for the user) when it never
    reaches the pipeline."""

    item: InputItem
    image: Image.Image | None = None
    notes: tuple[str, ...] = ()
    error: str | None = None


DECODE_AHEAD = 2  # inputs decoded ahead of the network: enough to hide decoding, few enough to hold in memory


def _reference(job_id: str | None) -> str:
    """What a user's error message adds so that it can be matched with the log."""
    return f" (job {job_id})" if job_id else ""


def _decode(item: InputItem, limits: ImageLimits, job_id: str | None) -> _Decoded:
    if item.error is not None:
        return _Decoded(item, error=item.error)
    try:
        loaded = load_image(item.data, limits)
    except StudioError as exc:
        return _Decoded(item, error=str(exc))
    except Exception:  # a decoder bug must cost one item, not the batch
        log.exception("job %s: decoding %s failed unexpectedly", job_id or "-", item.name)
        return _Decoded(item, error=f"unexpected failure while reading the image{_reference(job_id)}")
    return _Decoded(item, loaded.image, loaded.notes)


def _decoded_ahead(items: Iterable[InputItem], limits: ImageLimits, job_id: str | None) -> Iterator[_Decoded]:
    """The items decoded in order on a helper thread, up to DECODE_AHEAD ahead of the caller."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="whitebg-decode") as decoder:
        ahead: deque[Future] = deque()
        for item in items:
            ahead.append(decoder.submit(_decode, item, limits, job_id))
            if len(ahead) > DECODE_AHEAD:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def run_white_background(
    items: Iterable[InputItem],
    job: WhiteBackgroundJob,
    store: ModelStore,
    limits: ImageLimits = ImageLimits(),
    boxes: dict[str, tuple[int, int, int, int]] | None = None,
    *,
    job_id: str | None = None,
) -> Iterator[ItemOutcome]:
    """Run the job over the items; yields one outcome per item, in order.

    job_id: the caller's id for this run (a job record's id, a batch id), named in logs and in the
    messages of unexpected failures so the two can be matched."""
    check_job(job)
    store.session(job.model)  # fetch/load once, up front: a missing model fails the job, not each item
    waiting: deque[_Decoded] = deque()  # decoded inputs, in order, whose outcome is not out yet

    def images() -> Iterator[tuple[Image.Image, WhiteBackgroundOptions]]:
        for decoded in _decoded_ahead(items, limits, job_id):
            waiting.append(decoded)
            if decoded.error is None:
                yield decoded.image, job.options((boxes or {}).get(decoded.item.name))

    for outcome in make_white_backgrounds(images(), store=store):
        # outcomes arrive in order; report the inputs that never reached the pipeline before each one
        while waiting[0].error is not None:
            failed = waiting.popleft()
            yield ItemOutcome(failed.item.name, error=failed.error)
        done = waiting.popleft()
        name = done.item.name
        if isinstance(outcome, StudioError):
            yield ItemOutcome(name, source=done.image, error=str(outcome), notes=done.notes)
        elif isinstance(outcome, Exception):
            log.error("job %s: item %s failed", job_id or "-", name, exc_info=outcome)
            yield ItemOutcome(name, source=done.image, error=str(JobFailed(f"unexpected failure{_reference(job_id)}")))
        else:
            yield ItemOutcome(name, source=done.image, result=outcome, notes=done.notes)
    for failed in waiting:
        yield ItemOutcome(failed.item.name, error=failed.error)


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
