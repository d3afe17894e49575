"""A Celery worker process for the product's jobs: one job at a time, models loaded in the child at start.

    STUDIO_REDIS_URL=redis://host:6379/0 STUDIO_WORKER_MODELS=u2netp celery -A workers worker -n gpu0@%h

The child process (where jobs run) loads its models in `worker_process_init`: CUDA and ONNX sessions do
not survive a fork, so nothing heavy is loaded in the parent. The parent only watches the child; when the
child overruns the hard time limit the parent marks the job failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from celery import Celery
from celery.signals import worker_process_init
from celery.worker.request import Request

from pipelines import ModelStore
from pipelines.errors import StudioError
from pipelines.models.generative import EDITORS
from workers.execute import execute
from workers.runtime import JobRuntime
from workers.queue import TASK_NAME, create_celery
from workers.records import PRIORITIES, queue_name
from workers.redis_store import RedisJobStore
from workers.settings import WorkerSettings

log = logging.getLogger(__name__)


@dataclass
class _Process:
    """What this worker process holds: the job runtime (child) or a store to report timeouts (parent)."""

    runtime: JobRuntime | None = None
    parent_store: RedisJobStore | None = None


def worker_queues(settings: WorkerSettings) -> list[str]:
    """Interactive queues of every family the worker holds, then its batch queues."""
    return [queue_name(priority, family) for priority in PRIORITIES for family in settings.families]


def create_worker_app(settings: WorkerSettings) -> Celery:
    app = create_celery(settings.queue_config(), worker_queues(settings))
    process = _Process()

    def store() -> RedisJobStore:
        # generous retries: a worker rides out a Redis restart instead of failing the job it holds
        return RedisJobStore.from_url(settings.redis_url, settings.retention_s, retries=12)

    @worker_process_init.connect(weak=False)
    def load_models(**_) -> None:
        models = ModelStore(settings.models_dir, max_loaded=max(2, len(settings.models)),
                            development=settings.development, compile=settings.worker_compile)
        for name in settings.models:
            try:
                models.editor(name) if name in EDITORS else models.session(name)
                log.info("worker: %s loaded", name)
            except StudioError as exc:  # jobs for this model fail with the same message until it is installed
                log.error("worker: %s is not available: %s", name, exc)
        if any(name in EDITORS for name in settings.models) and models.detector_installed():
            try:  # this worker answers the chat editor's scene jobs: their detector warm too
                models.detector()
                log.info("worker: %s loaded", models.detector_name())
            except StudioError as exc:
                log.error("worker: the object detector is not available: %s", exc)
        process.runtime = JobRuntime(store(), models, settings.image_limits(),
                                     soft_time_limit_s=settings.soft_time_limit_s)

    class JobRequest(Request):
        def on_timeout(self, soft, timeout):
            super().on_timeout(soft, timeout)
            if not soft:  # the child was killed: the job cannot mark itself
                if process.parent_store is None:
                    process.parent_store = store()
                process.parent_store.fail(self.id, f"the job ran past the hard time limit of {timeout} s and "
                                                   "its worker process was stopped")

    @app.task(name=TASK_NAME, Request=JobRequest)
    def run_job(job_id: str) -> str:
        if process.runtime is None:  # `--pool solo` has no child process and sends no worker_process_init
            load_models()
        return execute(job_id, process.runtime)

    return app
