"""Settings shared by every process of the worker tier, and the worker's own entry-point settings.

    STUDIO_REDIS_URL              Redis for jobs (broker, results, job store); unset = embedded mode
    STUDIO_DATA_DIR               models and the embedded job store (~/.local/share/storefront-studio)
    STUDIO_SOFT_TIME_LIMIT_S      a job is asked to stop after this (300)
    STUDIO_TIME_LIMIT_S           and its process is killed after this (360)
    STUDIO_VISIBILITY_TIMEOUT_S   a job whose worker vanished is redelivered after this (900; > the hard limit)
    STUDIO_RETENTION_DAYS         batches, inputs and results are kept this long (7)
    STUDIO_WORKER_MODELS          models a worker loads at start and whose families' queues it takes (u2netp);
                                  an editor name (sd15, sdxl, tiny) makes it a chat-editor worker
    STUDIO_WORKER_COMPILE         torch.compile the editors on a GPU worker (false)
    STUDIO_EDIT_MODEL             the chat editor's default generative model (sd15); `tiny` = random-weight
                                  development models, built locally, to exercise the whole flow without weights
    STUDIO_TEMPLATES_DIR          a folder of your own banner templates (*.json) beside the built-in ones
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TypeVar

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines import REGISTRY
from pipelines.models.generative import DEFAULT_EDITOR, EDITORS
from pipelines.image_input import ArchiveLimits, ImageLimits
from workers.queue import QueueConfig


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "storefront-studio"


Settings = TypeVar("Settings", bound=BaseSettings)


def load_settings(settings_class: type[Settings], status: int = 1) -> Settings:
    """An entry point's settings from the environment; a bad value exits with `status` and one line naming the
    variable, what it was given and what is allowed (no traceback)."""
    try:
        return settings_class()
    except ValidationError as exc:
        prefix = settings_class.model_config.get("env_prefix", "")
        problems = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            if error["loc"]:
                name = prefix + "_".join(map(str, error["loc"])).upper()
                problems.append(f"{name}={error['input']!r}: {message}")
            else:
                problems.append(message)
        print("error: bad setting: " + "; ".join(problems), file=sys.stderr)
        raise SystemExit(status) from None


class TierSettings(BaseSettings):
    """Fields every entry point of the product reads the same way."""

    model_config = SettingsConfigDict(env_prefix="STUDIO_", env_file=".env", extra="ignore", frozen=True)

    data_dir: Path = Field(default_factory=_default_data_dir)
    redis_url: str | None = None
    max_upload_mb: int = Field(50, ge=1, le=2048)
    max_zip_mb: int = Field(2048, ge=1)
    max_image_pixels: int = Field(60_000_000, ge=1_000_000)
    soft_time_limit_s: int = Field(300, ge=1)
    time_limit_s: int = Field(360, ge=1)
    visibility_timeout_s: int = Field(900, ge=1)
    retention_days: float = Field(7.0, gt=0)
    edit_model: str = DEFAULT_EDITOR
    templates_dir: Path | None = None
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _known_editor(self):
        if self.edit_model not in EDITORS:
            raise ValueError(f"STUDIO_EDIT_MODEL: unknown editor {self.edit_model!r}; available: {', '.join(EDITORS)}")
        return self

    @model_validator(mode="after")
    def _limits_in_order(self):
        if not self.soft_time_limit_s < self.time_limit_s < self.visibility_timeout_s:
            raise ValueError(
                "time limits must satisfy soft_time_limit_s < time_limit_s < visibility_timeout_s (got "
                f"{self.soft_time_limit_s} / {self.time_limit_s} / {self.visibility_timeout_s}): a job redelivered "
                "while it still runs would run twice at once"
            )
        return self

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"

    @property
    def development(self) -> bool:
        """Random-weight development models may be built and used (STUDIO_EDIT_MODEL=tiny)."""
        return EDITORS[self.edit_model].development

    @property
    def retention_s(self) -> int:
        return int(self.retention_days * 24 * 3600)

    def image_limits(self) -> ImageLimits:
        return ImageLimits(max_bytes=self.max_upload_mb * 1024 * 1024, max_pixels=self.max_image_pixels)

    def archive_limits(self) -> ArchiveLimits:
        return ArchiveLimits(
            max_entry_bytes=self.max_upload_mb * 1024 * 1024, max_total_bytes=self.max_zip_mb * 1024 * 1024
        )

    def queue_config(self) -> QueueConfig:
        if not self.redis_url:
            raise ValueError("STUDIO_REDIS_URL is not set")
        return QueueConfig(self.redis_url, self.soft_time_limit_s, self.time_limit_s, self.visibility_timeout_s)


class WorkerSettings(TierSettings):
    """`celery -A workers worker`: read once when the worker starts."""

    worker_models: str = "u2netp"
    worker_compile: bool = False  # torch.compile the editors' denoisers (CUDA; slower start, faster rounds)

    @model_validator(mode="after")
    def _worker_ready(self):
        if not self.redis_url:
            raise ValueError("a worker needs STUDIO_REDIS_URL (e.g. redis://localhost:6379/0); "
                             "without it the studio runs jobs in its own process and needs no worker")
        unknown = [m for m in self.models if m not in REGISTRY and m not in EDITORS]
        if unknown or not self.models:
            raise ValueError(f"STUDIO_WORKER_MODELS: unknown model(s) {', '.join(unknown) or '(none given)'}; "
                             f"available: {', '.join(REGISTRY)}")
        return self

    @property
    def models(self) -> list[str]:
        return [m.strip() for m in self.worker_models.split(",") if m.strip()]

    @property
    def families(self) -> list[str]:
        return list(dict.fromkeys(REGISTRY[m].family if m in REGISTRY else EDITORS[m].family for m in self.models))

    @property
    def development(self) -> bool:
        """…or when a development editor is one of the worker's models."""
        return super().development or any(EDITORS[m].development for m in self.models if m in EDITORS)
