"""The worker tier with real parts: a private redis-server (assets/redis.conf) and real
`celery -A workers worker` processes, killed with SIGKILL the way crashes happen."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from pipelines.image_input import InputItem
from tests.conftest import encode, product_photo
from tests.services import wait_for
from workers.batches import Batches
from workers.queue import CeleryDispatcher, QueueConfig, create_celery
from workers.redis_store import RedisJobStore
from workers.settings import WorkerSettings
from workers.white_background import WhiteBackgroundJob
from workers.worker import worker_queues

# short limits so a vanished worker's job comes back within seconds (defaults are 300 / 360 / 900 s)
FAST = {"soft_time_limit_s": 10, "time_limit_s": 12, "visibility_timeout_s": 15}


@pytest.fixture
def batches(redis_server):
    store = RedisJobStore.from_url(redis_server.url, retries=12)
    return Batches(store, CeleryDispatcher(create_celery(QueueConfig(redis_server.url))))


def _photos(n, size=(480, 360)):
    return [InputItem(f"item-{i:02d}.jpg", encode(product_photo(size, seed=i), "JPEG", quality=90)) for i in range(n)]


def _finish(batches, view, timeout):
    return wait_for(lambda: (v := batches.view(view.id, "")).state in ("done", "cancelled") and v,
                    timeout, f"batch {view.id} to finish", interval=0.1)


def _zip_names(batches, view):
    buffer = io.BytesIO()
    batches.write_zip(view.id, "", buffer)
    return zipfile.ZipFile(buffer).namelist()


def test_a_batch_round_trip_through_a_worker(workers, batches):
    workers()
    view, _ = batches.submit("", WhiteBackgroundJob(preset="aliexpress"), [*_photos(2), InputItem("x.png", b"junk")])
    view = _finish(batches, view, 90)
    assert view.counts["done"] == 2 and view.counts["failed"] == 1
    assert all(j.queue == "batch.salient" for j in view.jobs)
    data, job = batches.result(view.id, view.jobs[0].id, "")
    assert data[:3] == b"\xff\xd8\xff" and job.result["report"]["size"] == [1000, 1000]
    assert sorted(_zip_names(batches, view)) == ["item-00.jpg", "item-01.jpg", "report.csv"]


def test_killed_worker_child_mid_job_the_job_still_completes_once(workers, batches):
    worker = workers(**FAST)
    view, _ = batches.submit("", WhiteBackgroundJob(), _photos(6, (2400, 1800)))
    running = wait_for(lambda: next((j for j in batches.view(view.id, "").jobs if j.state == "running"), None),
                       60, "a job to start", interval=0.01)
    worker.kill_child()
    view = _finish(batches, view, 180)
    assert view.counts["done"] == 6, [(j.name, j.state, j.error) for j in view.jobs]
    again = next(j for j in view.jobs if j.id == running.id)
    assert again.attempts == 2  # re-queued at once when its process died, run again, done once
    assert sorted(_zip_names(batches, view)) == [f"item-{i:02d}.jpg" for i in range(6)] + ["report.csv"]


def test_killed_whole_worker_its_job_completes_after_the_visibility_timeout(workers, batches):
    first = workers("w1", **FAST)
    view, _ = batches.submit("", WhiteBackgroundJob(), _photos(3, (2400, 1800)))
    running = wait_for(lambda: next((j for j in batches.view(view.id, "").jobs if j.state == "running"), None),
                       60, "a job to start", interval=0.01)
    first.kill()
    killed_at = time.monotonic()
    workers("w2", **FAST)
    view = _finish(batches, view, 120)
    assert view.counts["done"] == 3, [(j.name, j.state, j.error) for j in view.jobs]
    again = next(j for j in view.jobs if j.id == running.id)
    assert again.attempts == 2
    assert time.monotonic() - killed_at >= FAST["visibility_timeout_s"] - 5  # it waited for the timeout
    assert len(_zip_names(batches, view)) == 4


def test_redis_killed_and_restarted_mid_batch_loses_nothing(workers, batches, redis_server):
    workers(**FAST)
    view, _ = batches.submit("", WhiteBackgroundJob(preset="aliexpress"), _photos(12, (640, 480)))
    wait_for(lambda: batches.view(view.id, "").counts["done"] >= 2, 90, "two items done")
    time.sleep(1.2)  # AOF everysec: what was acknowledged more than a second ago is on disk
    redis_server.kill()
    time.sleep(1.0)
    redis_server.start()  # same port and folder: it replays the append-only file
    view = _finish(batches, view, 180)
    assert view.counts["done"] == 12, [(j.name, j.state, j.error) for j in view.jobs]
    assert len(_zip_names(batches, view)) == 13


def test_cancel_a_batch_while_it_runs(workers, batches):
    workers()
    view, _ = batches.submit("", WhiteBackgroundJob(), _photos(10, (1600, 1200)))
    wait_for(lambda: batches.view(view.id, "").counts["running"] == 1, 60, "a job to start", interval=0.01)
    cancelled = batches.cancel(view.id, "")
    assert cancelled.counts["queued"] == 0 and cancelled.counts["cancelled"] >= 8
    view = _finish(batches, view, 60)
    assert view.state == "cancelled" and view.counts["done"] + view.counts["cancelled"] == 10
    assert view.counts["done"] <= 2  # at most the running one (and one finishing as we cancelled)
    assert all(batches.store.read_blob(j.id, "result") is None for j in view.jobs if j.state == "cancelled")


def test_interactive_jobs_go_ahead_of_batch_items(workers, batches):
    job = WhiteBackgroundJob(preset="aliexpress")
    view, _ = batches.submit("", job, _photos(6, (1200, 900)))
    urgent, _ = batches.submit("", job, _photos(3), priority="interactive")
    workers()  # the worker starts with both queues full
    _finish(batches, view, 120)
    _finish(batches, urgent, 60)
    started = sorted((j.started, j.queue) for j in [*batches.view(view.id, "").jobs, *batches.view(urgent.id, "").jobs])
    order = [q for _, q in started]
    # all three interactive jobs run before the batch items (one batch item may already have been taken);
    # taking the two queues in turn would put them at positions like 0, 2, 4
    assert [i for i, q in enumerate(order) if q == "interactive.salient"] in ([0, 1, 2], [1, 2, 3]), order


def test_soft_time_limit_fails_the_job_with_a_clear_message(workers, batches):
    workers(soft_time_limit_s=1, time_limit_s=20, visibility_timeout_s=30)
    # 42 MP takes several seconds here (a 12 MP photo once finished in 0.99 s and the limit never fired)
    view, _ = batches.submit("", WhiteBackgroundJob(), _photos(1, (7500, 5600)))
    view = _finish(batches, view, 60)
    (job,) = view.jobs
    assert job.state == "failed" and "time limit of 1 s" in job.error


def test_workers_take_the_queues_of_the_model_families_they_hold():
    settings = WorkerSettings(redis_url="redis://127.0.0.1:1/0", worker_models="u2netp,u2net")
    assert worker_queues(settings) == ["interactive.salient", "batch.salient"]
    with pytest.raises(ValueError, match="unknown model"):
        WorkerSettings(redis_url="redis://127.0.0.1:1/0", worker_models="no-such-model")
    with pytest.raises(ValueError, match="needs STUDIO_REDIS_URL"):
        WorkerSettings(redis_url=None)
    with pytest.raises(ValueError, match="visibility_timeout_s"):
        WorkerSettings(redis_url="redis://x", time_limit_s=100, visibility_timeout_s=50)
