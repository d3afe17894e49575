"""The job store contract, on both implementations (SQLite + files for embedded, Redis for workers)."""

from __future__ import annotations

import time

from workers.records import JobOutput


def _batch_with(store, *names, data=b"image"):
    batch = store.create_batch("owner-a", {"preset": "amazon"}, "fp")
    jobs = [store.add_job(batch.id, n, "white_background", {"preset": "amazon"}, "batch.salient", data=data)
            for n in names]
    store.seal_batch(batch.id)
    return batch, jobs


def test_batch_keeps_its_items_in_upload_order(job_store):
    batch, jobs = _batch_with(job_store, "c.jpg", "a.jpg", "b.jpg")
    assert job_store.batch_job_ids(batch.id) == [j.id for j in jobs]
    record = job_store.batch(batch.id)
    assert record.owner == "owner-a" and record.options == {"preset": "amazon"} and not record.receiving
    assert [j.name for j in job_store.jobs(job_store.batch_job_ids(batch.id))] == ["c.jpg", "a.jpg", "b.jpg"]
    assert job_store.read_input(jobs[0].id) == b"image"
    assert job_store.batch("no-such-batch") is None and job_store.job("no-such-job") is None


def test_a_rerun_of_a_finished_job_writes_nothing(job_store):
    _, (job,) = _batch_with(job_store, "a.jpg")
    assert job_store.begin(job.id, 3).action == "run"
    assert job_store.finish(job.id, JobOutput({"result": b"first"}, {"file_name": "a.jpg"}))
    # a redelivered copy of the same job (a worker died after finishing, before acknowledging)
    assert job_store.begin(job.id, 3).action == "skip"
    assert not job_store.finish(job.id, JobOutput({"result": b"second"}, {"file_name": "a.jpg"}))
    assert job_store.read_blob(job.id, "result") == b"first"
    done = job_store.job(job.id)
    assert done.state == "done" and done.attempts == 1 and done.result == {"file_name": "a.jpg"}
    assert job_store.read_input(job.id) is None  # the input is dropped once the result exists


def test_two_copies_running_at_once_produce_one_result(job_store):
    _, (job,) = _batch_with(job_store, "a.jpg")
    assert job_store.begin(job.id, 3).action == "run"
    assert job_store.begin(job.id, 3).action == "run"  # a duplicate delivery while the first still runs
    assert job_store.finish(job.id, JobOutput({"result": b"one"}, {}))
    assert not job_store.finish(job.id, JobOutput({"result": b"two"}, {}))
    assert not job_store.fail(job.id, "late failure of the duplicate")
    assert job_store.read_blob(job.id, "result") == b"one" and job_store.job(job.id).state == "done"


def test_gives_up_after_three_attempts_with_a_clear_failure(job_store):
    _, (job,) = _batch_with(job_store, "huge.jpg")
    for attempt in (1, 2, 3):  # each time the worker process died mid-job
        start = job_store.begin(job.id, 3)
        assert (start.action, start.attempts) == ("run", attempt)
    start = job_store.begin(job.id, 3)
    assert (start.action, start.attempts) == ("gave_up", 3)
    failed = job_store.job(job.id)
    assert failed.state == "failed" and "gave up after 3 attempts" in failed.error


def test_cancel_stops_queued_jobs_now_and_flags_running_ones(job_store):
    _, (queued, running, finished) = _batch_with(job_store, "q.jpg", "r.jpg", "f.jpg")
    job_store.begin(running.id, 3)
    job_store.begin(finished.id, 3)
    job_store.finish(finished.id, JobOutput({"result": b"x"}, {}))
    job_store.cancel([queued.id, running.id, finished.id])
    states = {j.name: j for j in job_store.jobs([queued.id, running.id, finished.id])}
    assert states["q.jpg"].state == "cancelled"
    assert states["r.jpg"].state == "running" and states["r.jpg"].cancel_requested
    assert job_store.progress(running.id, 3, 6, "placing")  # the running job learns at its next step
    assert states["f.jpg"].state == "done" and not states["f.jpg"].cancel_requested
    assert job_store.begin(queued.id, 3).action == "skip"  # its message still arrives at a worker: skipped
    assert job_store.mark_cancelled(running.id) and job_store.job(running.id).state == "cancelled"


def test_a_cancelled_job_redelivered_is_not_run(job_store):
    _, (job,) = _batch_with(job_store, "a.jpg")
    job_store.begin(job.id, 3)
    job_store.cancel([job.id])  # running: flagged
    assert job_store.begin(job.id, 3).action == "cancelled"  # the worker died; the redelivery sees the flag
    assert job_store.job(job.id).state == "cancelled"


def test_an_item_that_failed_at_upload_is_recorded_as_failed(job_store):
    batch = job_store.create_batch("", {}, "")
    job = job_store.add_job(batch.id, "notes.txt", "white_background", {}, "batch.salient",
                            error="the content is not an image")
    assert job.state == "failed"
    stored = job_store.job(job.id)
    assert stored.state == "failed" and stored.error == "the content is not an image"
    assert job_store.begin(job.id, 3).action == "skip"


def test_idempotency_keys_belong_to_their_owner(job_store):
    first = job_store.create_batch("owner-a", {}, "")
    second = job_store.create_batch("owner-a", {}, "")
    assert job_store.lookup_key("owner-a", "k1") is None
    assert job_store.claim_key("owner-a", "k1", first.id) == first.id
    assert job_store.claim_key("owner-a", "k1", second.id) == first.id  # the first claim wins
    assert job_store.lookup_key("owner-a", "k1") == first.id
    assert job_store.lookup_key("owner-b", "k1") is None


def test_progress_is_visible_while_running(job_store):
    _, (job,) = _batch_with(job_store, "a.jpg")
    job_store.begin(job.id, 3)
    assert not job_store.progress(job.id, 2, 6, "finding the product")  # no cancel requested
    seen = job_store.job(job.id)
    assert (seen.state, seen.step, seen.total_steps, seen.message) == ("running", 2, 6, "finding the product")


def test_the_local_store_forgets_old_finished_batches(tmp_path):
    from workers.local_store import LocalJobStore

    store = LocalJobStore(tmp_path / "jobs")
    old, (done,) = _batch_with(store, "a.jpg")
    store.begin(done.id, 3)
    store.finish(done.id, JobOutput({"result": b"x"}, {}))
    store.claim_key("owner-a", "k", old.id)
    _, (pending,) = _batch_with(store, "b.jpg")
    time.sleep(0.05)
    assert store.prune(0.01) == 1  # the batch still queued is kept, whatever its age
    assert store.batch(old.id) is None and store.read_blob(done.id, "result") is None
    assert store.lookup_key("owner-a", "k") is None
    assert store.job(pending.id).state == "queued" and store.read_input(pending.id) == b"image"
    store.close()
