"""Composition root: read the settings once, build the services, serve the studio and the batch API.

    python app.py            # http://127.0.0.1:7860, embedded mode (no Redis, no GPU needed)

Embedded mode (no STUDIO_REDIS_URL): jobs run on a thread of this process against a job store under the
data directory. With STUDIO_REDIS_URL set, this process only enqueues and reads results; Celery workers
(`celery -A workers worker`) run the jobs, on this machine or others. See studio/settings.py.
"""

from __future__ import annotations

import logging
import os
import tempfile
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from studio.settings import StudioSettings
from workers.settings import load_settings

if TYPE_CHECKING:  # the real types, without importing the tiers before the settings are applied
    from pipelines import ModelStore
    from pipelines.banners.library import TemplateLibrary
    from studio.editor import ChatEditor
    from workers.banners import BannerJobs
    from workers.batches import Batches, Dispatcher
    from workers.store import JobStore

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


@dataclass(frozen=True)
class Services:
    """What the studio and the API are built on; app.py makes one per process."""

    batches: Batches
    models: ModelStore | None  # the embedded mode's warm models; with Redis the workers hold them
    stop: Callable[[], None]  # stops the embedded worker thread (a no-op with Redis)
    editor: ChatEditor | None = None  # conversations + editing rounds on the same jobs
    banners: BannerJobs | None = None  # banner sets and cut-outs on the same jobs
    templates: TemplateLibrary | None = None  # built-in + STUDIO_TEMPLATES_DIR


def create_editor(settings: StudioSettings, store: JobStore, dispatcher: Dispatcher) -> ChatEditor:
    """The chat editor: conversations in Redis when configured, else under the data directory."""
    from studio.editor import ChatEditor
    from workers.rounds import Rounds

    if settings.redis_url:
        from studio.conversations.redis_store import RedisConversationStore

        conversations = RedisConversationStore.from_url(settings.redis_url)
    else:
        from studio.conversations.local_store import LocalConversationStore

        conversations = LocalConversationStore(settings.conversations_dir)
    from studio.scenes import Scenes

    rounds = Rounds(store, dispatcher)
    return ChatEditor(conversations, rounds, settings.image_limits(), settings.edit_model,
                      scenes=Scenes(conversations, rounds))


def create_services(settings: StudioSettings) -> Services:
    from pipelines.banners.library import TemplateLibrary
    from workers.banners import BannerJobs
    from workers.batches import Batches

    templates = TemplateLibrary.load(settings.templates_dir)  # a broken user file is skipped and logged
    if settings.redis_url:
        from workers.queue import CeleryDispatcher, create_celery
        from workers.redis_store import RedisJobStore

        store = RedisJobStore.from_url(settings.redis_url, settings.retention_s)
        dispatcher = CeleryDispatcher(create_celery(settings.queue_config()))
        batches = Batches(store, dispatcher, settings.image_limits())
        return Services(batches, None, lambda: None, create_editor(settings, store, dispatcher),
                        BannerJobs(store, dispatcher), templates)

    from pipelines import ModelStore
    from workers.embedded import EmbeddedQueue
    from workers.runtime import JobRuntime
    from workers.local_store import LocalJobStore

    store = LocalJobStore(settings.jobs_dir)
    store.prune(settings.retention_s)
    models = ModelStore(settings.models_dir, development=settings.development)
    queue = EmbeddedQueue(JobRuntime(store, models, settings.image_limits())).start()
    return Services(Batches(store, queue, settings.image_limits()), models, queue.stop,
                    create_editor(settings, store, queue), BannerJobs(store, queue), templates)


def create_app(settings: StudioSettings, services: Services | None = None):
    prepare_environment(settings)
    import gradio as gr
    from fastapi import FastAPI

    from studio.api import create_api
    from studio.api_banners import create_banners_api
    from studio.api_errors import BodyLimit, install_error_handlers, install_unmatched
    from studio.ui import build_ui

    services = services or create_services(settings)

    @asynccontextmanager
    async def lifespan(_app):
        yield
        services.stop()  # the embedded worker thread finishes its current job; unfinished ones resume next start

    app = FastAPI(title="Storefront Studio", docs_url="/docs", lifespan=lifespan,
                  description="Catalog white backgrounds and banners from templates over HTTP. Send `X-API-Key` "
                              "when keys are configured.")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok", "mode": "redis" if settings.redis_url else "embedded"}

    app.include_router(create_api(settings, services.batches))
    app.include_router(create_banners_api(settings, services.banners, services.batches, services.templates))
    install_unmatched(app)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_mb * 1024 * 1024)
    if not settings.api_key_owners and settings.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("the batch API on %s has no API keys: anyone who can reach it can use it "
                    "(set STUDIO_API_KEYS)", settings.host)

    blocks = build_ui(settings, services.batches, services.models, services.editor, banners=services.banners,
                      templates=services.templates)
    return gr.mount_gradio_app(
        app, blocks, path="/", allowed_paths=[], max_file_size=f"{settings.max_upload_mb}mb",
        show_error=False, enable_monitoring=False, footer_links=[], ssr_mode=False,
    )


def main() -> None:
    settings = load_settings(StudioSettings)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import uvicorn

    app = create_app(settings)
    log.info("Storefront Studio on http://%s:%s (data in %s, %s mode)", settings.host, settings.port,
             settings.data_dir, "redis" if settings.redis_url else "embedded")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
