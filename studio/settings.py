"""Settings of the studio's entry points (app.py and the `studio` command), read once from STUDIO_* variables.

    STUDIO_HOST, STUDIO_PORT      where the studio listens (127.0.0.1:7860)
    STUDIO_DATA_DIR               models, uploads and outputs (~/.local/share/storefront-studio)
    STUDIO_REDIS_URL              the worker tier's Redis; unset = embedded mode, no server needed
    STUDIO_MAX_UPLOAD_MB          per-file upload cap in the studio (50)
    STUDIO_DEFAULT_MODEL          white-background model used when none is chosen (u2netp)
A `.env` file in the working directory is read too.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.image_input import ArchiveLimits, ImageLimits


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "storefront-studio"


class StudioSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STUDIO_", env_file=".env", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    data_dir: Path = Field(default_factory=_default_data_dir)
    redis_url: str | None = None
    max_upload_mb: int = Field(50, ge=1, le=2048)
    max_zip_mb: int = Field(2048, ge=1)
    max_image_pixels: int = Field(60_000_000, ge=1_000_000)
    default_model: str = "u2netp"
    queue_size: int = Field(64, ge=1)
    log_level: str = "INFO"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def temp_dir(self) -> Path:
        """Uploads and the studio's downloadable results; the only folder the web server may serve from."""
        return self.data_dir / "tmp"

    def image_limits(self) -> ImageLimits:
        return ImageLimits(max_bytes=self.max_upload_mb * 1024 * 1024, max_pixels=self.max_image_pixels)

    def archive_limits(self) -> ArchiveLimits:
        return ArchiveLimits(
            max_entry_bytes=self.max_upload_mb * 1024 * 1024, max_total_bytes=self.max_zip_mb * 1024 * 1024
        )
