"""A job submitted on its own (an editing round, a banner set, a cut-out) is a one-job batch: stored, sealed and
enqueued in one helper, with the Idempotency-Key rules of any batch; its summary reads back typed."""

from __future__ import annotations

import pytest

from workers.banners import BannerRow, BannersSummary
from workers.batches import OneJob, Submitted, submit_one
from workers.edit import EditSummary
from workers.errors import IdempotencyConflict
from workers.local_store import LocalJobStore


class Recorder:
    def __init__(self):
        self.enqueued: list[tuple[str, str]] = []

    def enqueue(self, job_id: str, queue: str) -> None:
        self.enqueued.append((job_id, queue))


@pytest.fixture
def store(tmp_path):
    jobs = LocalJobStore(tmp_path / "jobs")
    yield jobs
    jobs.close()


def test_one_job_is_a_sealed_one_job_batch_and_enqueued(store):
    dispatcher = Recorder()
    done = submit_one(store, dispatcher, "alice", OneJob("edit", "add round", {"seed": 1}, "interactive.diffusion",
                                                         b"input"))
    assert done.created and dispatcher.enqueued == [(done.job_id, "interactive.diffusion")]
    batch, job = store.batch(done.batch_id), store.job(done.job_id)
    assert batch.owner == "alice" and batch.options == {"kind": "edit"} and not batch.receiving
    assert store.batch_job_ids(done.batch_id) == [done.job_id]
    assert (job.kind, job.name, job.options, job.state) == ("edit", "add round", {"seed": 1}, "queued")
    assert store.read_input(done.job_id) == b"input"


def test_the_same_idempotency_key_gives_the_same_batch(store):
    dispatcher = Recorder()
    job = OneJob("banners", "set", {}, "batch.salient", b"x", batch_options={"kind": "banners", "template": "t"})
    first = submit_one(store, dispatcher, "alice", job, idempotency_key="k", fingerprint="a")
    again = submit_one(store, dispatcher, "alice", job, idempotency_key="k", fingerprint="a")
    assert again == Submitted(first.batch_id, first.job_id, created=False) and len(dispatcher.enqueued) == 1
    assert store.batch(first.batch_id).options == {"kind": "banners", "template": "t"}
    with pytest.raises(IdempotencyConflict, match="already used for a different request"):
        submit_one(store, dispatcher, "alice", job, idempotency_key="k", fingerprint="b")
    other = submit_one(store, dispatcher, "bob", job, idempotency_key="k", fingerprint="b")  # keys are per owner
    assert other.created and other.batch_id != first.batch_id


def test_summaries_are_json_on_the_record_and_typed_where_read():
    edit = EditSummary(file_name="result.png", media_type="image/png", engine="paste", notes=("moved",),
                       width=640, height=480)
    stored = edit.to_dict()
    assert stored == {"file_name": "result.png", "media_type": "image/png", "engine": "paste", "notes": ["moved"],
                      "width": 640, "height": 480, "model": None}
    assert EditSummary.from_dict(stored) == edit
    row = BannerRow(size="square", width=1080, height=1080, language="en", file="square/t-square-en.jpg")
    banners = BannersSummary(file_name="t-banners.zip", media_type="application/zip", template="t", made=1,
                             failed=0, banners=(row,))
    assert banners.to_dict()["banners"][0]["error"] is None
    assert BannersSummary.from_dict({**banners.to_dict(), "added_later": 1}) == banners  # newer records read
