"""The white-background job: named inputs (bytes or an error) in, one outcome per input out, in order.

Entry points (studio tab, CLI, later the batch API and Celery workers) all run catalog images through
here, so every input goes through the safe image decoder and one bad image never stops the rest.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipelines import DEFAULT_MODEL, REGISTRY, ModelStore, WhiteBackgroundOptions
from pipelines.errors import InvalidOptions, StudioError
from pipelines.image_input import ImageLimits, InputItem, load_image
from pipelines.segmentation import Box
from pipelines.white_background import WhiteBackgroundResult, check_options, make_white_backgrounds
from workers.errors import JobFailed

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

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        if value not in REGISTRY:
            raise ValueError(f"unknown model {value!r}; available: {', '.join(REGISTRY)}")
        return value

    @classmethod
    def parse(cls, **fields) -> "WhiteBackgroundJob":
        """Build from user-supplied fields; bad values raise InvalidOptions naming the field and the rule."""
        try:
            return cls(**fields)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors())
            raise InvalidOptions(problems) from None

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
