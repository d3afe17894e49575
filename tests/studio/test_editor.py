"""The chat editor's rounds end to end in the embedded mode: instruction -> plan -> job -> version, with the
tiny random-weight editor built by the model store (the development setting) and the real u2netp."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from pipelines import ModelStore
from pipelines.errors import InvalidOptions
from pipelines.image_input import ImageLimits
from studio.conversations import ConversationConflict
from studio.conversations.local_store import LocalConversationStore
from studio.editor import ChatEditor, NothingToDo, Override, RoundSettings, cell_box
from workers.embedded import EmbeddedQueue
from workers.runtime import JobRuntime
from workers.local_store import LocalJobStore
from workers.rounds import Rounds

FAST = dict(num_inference_steps=2, guidance_scale=2.0)


def _picture(width=160, height=120) -> bytes:
    """A table-top scene: warm wall, darker table, a box-shaped product in the middle."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:] = (225, 210, 190)
    pixels[height * 2 // 3:] = (120, 90, 60)
    pixels[height // 3:height * 5 // 6, width * 2 // 5:width * 3 // 5] = (30, 60, 160)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


class Session:
    def __init__(self, root, models_dir, model="tiny"):
        self.jobs = LocalJobStore(root / "jobs")
        models = ModelStore(models_dir, development=model == "tiny")  # as app.py: development only for tiny
        self.queue = EmbeddedQueue(JobRuntime(self.jobs, models)).start()
        self.editor = ChatEditor(LocalConversationStore(root / "conversations"), Rounds(self.jobs, self.queue),
                                 ImageLimits(), model)

    def run(self, ticket, timeout=240.0):
        deadline = time.monotonic() + timeout
        while not (job := self.editor.rounds.job(ticket.job_id)).terminal:
            assert time.monotonic() < deadline, f"round still {job.state} after {timeout} s"
            time.sleep(0.05)
        return job

    def close(self):
        self.queue.stop(timeout=60)
        self.jobs.close()


@pytest.fixture
def session(tmp_path, data_dir):
    opened = Session(tmp_path, data_dir / "models")
    yield opened
    opened.close()


def _round(session, conversation_id, instruction, override=Override(), seed=7, model="tiny", **settings):
    editor = session.editor
    conversation = editor.conversations.conversation(conversation_id)
    planned = editor.plan(conversation_id, instruction, override)
    ticket = editor.submit(conversation_id, conversation.revision, planned,
                           RoundSettings(model=model, seed=seed, **{**FAST, **settings}), override)
    job = session.run(ticket)
    return planned, ticket, job


def test_a_round_makes_a_new_version_that_records_how_it_was_made(session):
    editor = session.editor
    conversation, first = editor.open(_picture(), "desk.png")
    planned, ticket, job = _round(session, conversation.id, "put a lamp in the bottom left")
    assert job.state == "done", job.error
    assert planned.operation == "add" and planned.cells == [[2, 0]]
    conversation, version, warning = editor.finish(ticket)
    assert warning is None
    assert (version.number, version.parent_id, conversation.head) == (2, first.id, version.id)
    assert version.instruction == "put a lamp in the bottom left" and version.seed == 7
    assert version.model == "tiny" and version.parameters["num_inference_steps"] == 2
    assert version.plan["objects"][0]["name_en"] == "lamp"
    assert version.layout["objects"][0]["name_en"] == "lamp"
    before, after = _pixels(editor.conversations.image(conversation.id, first.id)), _pixels(
        editor.conversations.image(conversation.id, version.id))
    changed = np.any(before != after, axis=2)
    ys, xs = np.nonzero(changed)
    assert changed.any(), "the round changed nothing"
    # only the planned bottom-left region may change
    assert xs.max() < before.shape[1] * 0.45 and ys.min() > before.shape[0] * 0.5


def test_rerun_with_the_same_seed_gives_the_same_pixels(session):
    editor = session.editor
    conversation, _ = editor.open(_picture(), "desk.png")
    _, ticket, _ = _round(session, conversation.id, "put a lamp in the bottom left", seed=11)
    conversation, version, _ = editor.finish(ticket)
    again = editor.rerun(conversation.id, version.id)
    assert session.run(again).state == "done"
    conversation, rerun, _ = editor.finish(again)
    assert rerun.parent_id == version.parent_id and rerun.source_id == version.id
    assert np.array_equal(_pixels(editor.conversations.image(conversation.id, version.id)),
                          _pixels(editor.conversations.image(conversation.id, rerun.id)))
    _, other, _ = _round(session, conversation.id, "put a lamp in the bottom left", seed=12)
    _, different, _ = editor.finish(other)
    assert not np.array_equal(_pixels(editor.conversations.image(conversation.id, different.id)),
                              _pixels(editor.conversations.image(conversation.id, version.id)))


def test_a_clicked_cell_overrides_the_plan_and_the_next_round_continues_from_it(session):
    editor = session.editor
    conversation, _ = editor.open(_picture(), "desk.png")
    chosen = Override(box=cell_box(0, 2))
    planned, ticket, job = _round(session, conversation.id, "put a lamp in the bottom left", chosen)
    assert planned.box == cell_box(0, 2) and planned.cells == [[0, 2]]
    editor.finish(ticket)
    nudged = editor.plan(conversation.id, "a bit lower")
    assert nudged.operation == "move" and nudged.source_box == cell_box(0, 2)
    assert nudged.box[1] > cell_box(0, 2)[1]


def test_remove_runs_without_weights_and_generative_rounds_say_which_model_is_missing(tmp_path, data_dir):
    session = Session(tmp_path, data_dir / "models", model="sd15")
    try:
        editor = session.editor
        conversation, first = editor.open(_picture(), "desk.png")
        # the product in the middle, selected as a box by hand
        planned, ticket, job = _round(session, conversation.id, "remove the box",
                                      Override(box=(0.38, 0.3, 0.62, 0.86)), model="sd15")
        assert job.state == "done", job.error
        assert job.result["engine"] == "patchmatch"
        conversation, version, _ = editor.finish(ticket)
        after = _pixels(editor.conversations.image(conversation.id, version.id))
        assert after[70, 80, 0] > 100, "the blue product is still there"  # product red 30, wall and table ≥ 120
        _, _, job = _round(session, conversation.id, "put a lamp in the bottom left", model="sd15")
        assert job.state == "failed"
        assert "sd15" in job.error and "studio models pull" in job.error
    finally:
        session.close()


def test_an_edit_based_on_an_old_revision_is_kept_on_a_branch_not_lost(session):
    editor = session.editor
    conversation, first = editor.open(_picture(), "desk.png")
    tickets = []
    for instruction in ("put a lamp in the bottom left", "put a vase on the right"):
        planned = editor.plan(conversation.id, instruction)
        tickets.append(editor.submit(conversation.id, conversation.revision, planned,
                                     RoundSettings(model="tiny", seed=3, **FAST)))
    for ticket in tickets:
        assert session.run(ticket).state == "done"
    won, winner, warning = editor.finish(tickets[0])
    assert warning is None
    after, loser, warning = editor.finish(tickets[1])
    assert "changed" in warning and f"version {loser.number}" in warning
    assert after.head == winner.id and loser.parent_id == first.id
    assert {v.id for v in editor.conversations.versions(conversation.id)} >= {winner.id, loser.id}
    with pytest.raises(ConversationConflict):
        editor.submit(conversation.id, conversation.revision, editor.plan(conversation.id, "a bit higher"),
                      RoundSettings(model="tiny", seed=1, **FAST))


def test_cancelling_a_round_leaves_the_conversation_unchanged(session):
    editor = session.editor
    conversation, first = editor.open(_picture(320, 240), "desk.png")
    planned = editor.plan(conversation.id, "put a lamp in the bottom left")
    ticket = editor.submit(conversation.id, conversation.revision, planned,
                           RoundSettings(model="tiny", seed=1, num_inference_steps=150))
    deadline = time.monotonic() + 120
    while editor.rounds.job(ticket.job_id).step < 2:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    editor.cancel(ticket)
    assert session.run(ticket).state == "cancelled"
    assert editor.conversations.conversation(conversation.id).head == first.id


def test_conversations_survive_a_restart(tmp_path, data_dir):
    first_run = Session(tmp_path, data_dir / "models")
    conversation, _ = first_run.editor.open(_picture(), "desk.png")
    _, ticket, _ = _round(first_run, conversation.id, "put a lamp in the bottom left")
    _, version, _ = first_run.editor.finish(ticket)
    first_run.close()
    second_run = Session(tmp_path, data_dir / "models")
    try:
        conversation, head = second_run.editor.head(conversation.id)
        assert head.id == version.id and head.layout["objects"][0]["name_en"] == "lamp"
        assert second_run.editor.plan(conversation.id, "a bit higher").source_box == tuple(
            head.layout["objects"][0]["box"])
    finally:
        second_run.close()


def test_instructions_the_editor_cannot_act_on_get_a_clear_message(session):
    editor = session.editor
    conversation, _ = editor.open(_picture(), "desk.png")
    with pytest.raises(InvalidOptions, match="type what to change"):
        editor.plan(conversation.id, "   ")
    with pytest.raises(InvalidOptions, match="don't know where the"):
        editor.plan(conversation.id, "remove the cup")
    with pytest.raises((NothingToDo, InvalidOptions)):
        editor.plan(conversation.id, "hello there")


def test_a_click_selects_the_object_with_the_salient_model_when_sam_is_not_installed(tmp_path, data_dir):
    session = Session(tmp_path, data_dir / "models", model="sd15")  # not a development store: no tiny SAM
    try:
        from workers.edit import SelectJob

        editor = session.editor
        conversation, first = editor.open(_picture(), "desk.png")
        job_id = editor.rounds.submit_select(conversation.id, SelectJob.parse(point=(80, 70)),
                                             editor.conversations.image(conversation.id, first.id))
        deadline = time.monotonic() + 120
        while not (job := editor.rounds.job(job_id)).terminal:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert job.state == "done", job.error
        assert job.result["model"] == "u2netp" and "sam-vit-b" in job.result["notes"][0]
        mask = np.asarray(Image.open(io.BytesIO(editor.rounds.output(job_id).image)))
        assert mask[70, 80] == 255 and mask[10, 10] == 0 and mask[110, 10] == 0
    finally:
        session.close()
