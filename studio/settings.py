"""Settings of the studio's entry points (app.py and the `studio` command), read once from STUDIO_* variables.

    STUDIO_HOST, STUDIO_PORT      where the studio listens (127.0.0.1:7860)
    STUDIO_DATA_DIR               models, uploads, outputs, the embedded job store (~/.local/share/storefront-studio)
    STUDIO_REDIS_URL              the worker tier's Redis; unset = embedded mode, no server needed
    STUDIO_API_KEYS               comma-separated keys for /v1 (X-API-Key header); unset = no key needed
    STUDIO_MAX_UPLOAD_MB          per-image cap (50); STUDIO_MAX_REQUEST_MB: per API request (2048)
    STUDIO_MAX_BATCH_ITEMS        images per batch, zips expanded (10000)
    STUDIO_MAX_FILES_PER_REQUEST  file parts per API request (1000; a larger catalog goes in .zip files)
    STUDIO_DEFAULT_MODEL          white-background model used when none is chosen (u2netp)
    STUDIO_EDIT_MODEL             the chat editor's generative model (sd15; `tiny` = development models)
    STUDIO_TEMPLATES_DIR          your own banner templates (*.json), listed beside the built-in ones
Conversations live under STUDIO_DATA_DIR/conversations, or in Redis when STUDIO_REDIS_URL is set; they do not
expire (delete them from the studio).
Job timing and retention: see workers/settings.py. A `.env` file in the working directory is read too.
"""

from __future__ import annotations

import hashlib

from pydantic import Field

from workers.settings import TierSettings


class StudioSettings(TierSettings):
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    api_keys: str = ""
    max_request_mb: int = Field(2048, ge=1)
    max_batch_items: int = Field(10_000, ge=1)
    max_files_per_request: int = Field(1_000, ge=1)
    default_model: str = "u2netp"
    queue_size: int = Field(64, ge=1)
    # `studio whitebg` on many images: ONNX Runtime threads per image (1: one image per core at once, the
    # best throughput on a CPU; 0: every core on one image at a time). A single image always gets every core.
    whitebg_threads: int = Field(1, ge=0)

    @property
    def temp_dir(self):
        """Uploads and the studio's downloadable results; the only folder the web server may serve from."""
        return self.data_dir / "tmp"

    @property
    def conversations_dir(self):
        return self.data_dir / "conversations"

    @property
    def api_key_owners(self) -> dict[str, str]:
        """Each configured API key -> the owner id its batches are stored under (a hash, never the key)."""
        keys = [k.strip() for k in self.api_keys.split(",") if k.strip()]
        return {key: hashlib.sha256(key.encode()).hexdigest()[:16] for key in keys}
