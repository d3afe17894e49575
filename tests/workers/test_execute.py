"""One job run by the function every worker runs (`workers.execute.execute`), and the embedded queue."""

from __future__ import annotations

import io
import threading

from PIL import Image

from pipelines.image_input import InputItem
from tests.conftest import encode, product_photo
from tests.services import wait_for
from workers.batches import Batches
from workers.embedded import EmbeddedQueue
from workers.execute import describe_failure, execute
from workers.white_background import WhiteBackgroundJob


def _job(runtime, data, name="lamp.png", **options):
    batch = runtime.store.create_batch("", {}, "")
    job = WhiteBackgroundJob(**options).model_dump(mode="json")
    return runtime.store.add_job(batch.id, name, "white_background", job, "batch.salient", data=data)


def test_a_job_produces_its_result_report_and_previews(runtime):
    job = _job(runtime, encode(product_photo((500, 400))), preset="shopify", previews=True)
    assert execute(job.id, runtime) == "done"
    done = runtime.store.job(job.id)
    assert done.state == "done" and done.attempts == 1 and done.step == done.total_steps == 6
    assert done.result["file_name"] == "lamp.jpg" and done.result["media_type"] == "image/jpeg"
    assert done.result["report"]["passed"] and done.result["report"]["size"] == [2048, 2048]
    assert Image.open(io.BytesIO(runtime.store.read_blob(job.id, "result"))).size == (2048, 2048)
    before = Image.open(io.BytesIO(runtime.store.read_blob(job.id, "before")))
    after = Image.open(io.BytesIO(runtime.store.read_blob(job.id, "after")))
    assert before.size == after.size == (1024, 1024)  # the studio's slider compares like with like


def test_a_second_delivery_of_a_done_job_changes_nothing(runtime):
    job = _job(runtime, encode(product_photo()))
    execute(job.id, runtime)
    first = runtime.store.read_blob(job.id, "result")
    assert execute(job.id, runtime) == "skip"
    assert runtime.store.read_blob(job.id, "result") == first and runtime.store.job(job.id).attempts == 1


def test_a_corrupt_image_fails_with_a_message_for_the_user(runtime):
    job = _job(runtime, b"\xff\xd8\xff\xe0 not really a jpeg", name="broken.jpg")
    assert execute(job.id, runtime) == "failed"
    failed = runtime.store.job(job.id)
    assert "corrupt" in failed.error and "Traceback" not in failed.error
    assert runtime.store.read_blob(job.id, "result") is None


def test_cancel_while_running_stops_at_the_next_step(runtime):
    job = _job(runtime, encode(product_photo((3000, 2400)), "JPEG", quality=90))
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("state", execute(job.id, runtime)))
    thread.start()
    wait_for(lambda: runtime.store.job(job.id).state == "running", 30, "the job to start", interval=0.005)
    runtime.store.cancel([job.id])
    thread.join(60)
    assert outcome["state"] == "cancelled" and runtime.store.job(job.id).state == "cancelled"
    assert runtime.store.read_blob(job.id, "result") is None


def test_out_of_memory_and_time_limits_are_named_as_such(runtime):
    class OutOfMemoryError(RuntimeError):  # the name torch.cuda raises under
        pass

    class SoftTimeLimitExceeded(Exception):  # the name Celery raises in the task at the soft limit
        pass

    assert "ran out of memory" in describe_failure(OutOfMemoryError("CUDA out of memory. Tried to allocate"), "j", runtime)
    assert "ran out of memory" in describe_failure(MemoryError(), "j", runtime)
    assert "time limit" in describe_failure(SoftTimeLimitExceeded(), "j", runtime)
    generic = describe_failure(KeyError("internal detail"), "job-42", runtime)
    assert "job-42" in generic and "internal detail" not in generic


def test_embedded_queue_runs_interactive_jobs_first_and_resumes_after_a_restart(runtime):
    photo = encode(product_photo((400, 300)))
    batch = [_job(runtime, photo, name=f"b{i}.png") for i in range(3)]
    interactive = runtime.store.add_job(batch[0].batch_id, "now.png", "white_background",
                                        WhiteBackgroundJob().model_dump(mode="json"), "interactive.salient", data=photo)
    # "restart": the jobs were queued by an earlier process; a new queue resumes them from the store
    queue = EmbeddedQueue(runtime).start()
    try:
        ids = [j.id for j in batch] + [interactive.id]
        wait_for(lambda: all(j.state == "done" for j in runtime.store.jobs(ids)), 60, "all jobs to finish")
        started = {j.name: j.started for j in runtime.store.jobs(ids)}
        # resumed jobs keep their order; the interactive one goes ahead of every batch item
        assert started["now.png"] < started["b0.png"] < started["b1.png"] < started["b2.png"]
    finally:
        queue.stop(10)


def test_batches_in_the_embedded_mode_fail_a_bad_item_alone(runtime):
    queue = EmbeddedQueue(runtime).start()
    try:
        batches = Batches(runtime.store, queue)
        items = [InputItem("good.png", encode(product_photo())), InputItem("notes.txt", b"hello"),
                 InputItem("missing.jpg", error="no such file or folder: missing.jpg")]
        view, created = batches.submit("", WhiteBackgroundJob(), items)
        assert created and view.state in ("queued", "running")
        view = wait_for(lambda: (v := batches.view(view.id, "")).state == "done" and v, 60, "the batch")
        states = {j.name: (j.state, j.error) for j in view.jobs}
        assert states["good.png"] == ("done", None)
        assert states["notes.txt"][0] == "failed" and "not an image" in states["notes.txt"][1]
        assert states["missing.jpg"] == ("failed", "no such file or folder: missing.jpg")
        assert view.counts == {"total": 3, "queued": 0, "running": 0, "done": 1, "failed": 2, "cancelled": 0}
    finally:
        queue.stop(10)


def test_an_unreadable_store_entry_does_not_stop_the_embedded_worker(runtime):
    queue = EmbeddedQueue(runtime).start()
    try:
        queue.enqueue("no-such-job", "batch.salient")
        job = _job(runtime, encode(product_photo()))
        queue.enqueue(job.id, "batch.salient")
        wait_for(lambda: runtime.store.job(job.id).state == "done", 60, "the next job")
    finally:
        queue.stop(10)
