"""Fixtures for the worker tier: job stores of both kinds and real Celery workers (the private redis-server
fixture, `redis_server`, is in tests/conftest.py, shared with the studio's conversation store tests)."""

from __future__ import annotations

import pytest

from pipelines import ModelStore
from tests.services import CeleryWorker
from workers.runtime import JobRuntime
from workers.local_store import LocalJobStore
from workers.redis_store import RedisJobStore


@pytest.fixture(params=["local", "redis"])
def job_store(request, tmp_path):
    """The same contract, both implementations."""
    if request.param == "local":
        store = LocalJobStore(tmp_path / "jobs")
        yield store
        store.close()
    else:
        yield RedisJobStore.from_url(request.getfixturevalue("redis_server").url)


@pytest.fixture
def runtime(tmp_path, data_dir, store) -> JobRuntime:
    """What the embedded mode runs jobs with: a local store and the real u2netp model."""
    jobs = LocalJobStore(tmp_path / "jobs")
    yield JobRuntime(jobs, ModelStore(data_dir / "models"))
    jobs.close()


@pytest.fixture
def workers(redis_server, data_dir, store):
    """Start real `celery -A workers worker` processes: workers(name="w1", **STUDIO_settings)."""
    started: list[CeleryWorker] = []

    def start(name: str = "w1", **settings) -> CeleryWorker:
        worker = CeleryWorker(redis_server.url, data_dir, name, **settings).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
