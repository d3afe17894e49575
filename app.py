"""Composition root: read the settings once, build the services, serve the studio.

    python app.py            # http://127.0.0.1:7860, embedded mode (no Redis, no GPU needed)

Environment: STUDIO_HOST, STUDIO_PORT, STUDIO_DATA_DIR, STUDIO_REDIS_URL, … (see studio/settings.py).
"""

from __future__ import annotations

import logging
import os
import tempfile

from studio.settings import StudioSettings

log = logging.getLogger("studio")


def prepare_environment(settings: StudioSettings) -> None:
    """Before Gradio is imported: no outbound calls, uploads and results under the data directory."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings.temp_dir.mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(settings.temp_dir / "uploads")
    # Gradio serves handler results only from allowed places; this keeps that place inside the data dir
    tempfile.tempdir = str(settings.temp_dir)


def create_app(settings: StudioSettings):
    prepare_environment(settings)
    import gradio as gr
    from fastapi import FastAPI

    from pipelines import ModelStore
    from studio.ui import build_ui

    store = ModelStore(settings.models_dir)
    app = FastAPI(title="Storefront Studio", docs_url="/docs")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok", "mode": "redis" if settings.redis_url else "embedded"}

    blocks = build_ui(settings, store)
    return gr.mount_gradio_app(
        app, blocks, path="/", allowed_paths=[], max_file_size=f"{settings.max_upload_mb}mb",
        show_error=False, enable_monitoring=False, footer_links=[], ssr_mode=False,
    )


def main() -> None:
    settings = StudioSettings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import uvicorn

    app = create_app(settings)
    log.info("Storefront Studio on http://%s:%s (data in %s, %s mode)", settings.host, settings.port,
             settings.data_dir, "redis" if settings.redis_url else "embedded")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
