"""The chat editor in Redis mode: the studio's services as app.py builds them (conversations in Redis, rounds
enqueued with Celery) and a real `celery -A workers worker` holding the tiny development editor."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

import app
from studio.settings import StudioSettings
from tests.conftest import wait_until

from studio.editor import Override, RoundSettings
from workers.edit import SelectJob

pytestmark = pytest.mark.usefixtures("redis_server")


def _scene() -> bytes:
    pixels = np.zeros((120, 160, 3), np.uint8)
    pixels[:] = (225, 210, 190)
    pixels[40:100, 64:96] = (30, 60, 160)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _wait(rounds, job_id, timeout=180):
    return wait_until(lambda: rounds.job(job_id), lambda job: job.terminal, timeout, "still running")


@pytest.fixture
def services(redis_server, tmp_path):
    # the web process has its own (empty) data directory: models live with the workers
    settings = StudioSettings(data_dir=tmp_path / "web", redis_url=redis_server.url)
    built = app.create_services(settings)
    yield built
    built.stop()


def test_a_round_and_a_selection_run_on_an_editor_worker(services, workers, redis_server, tmp_path):
    worker = workers("editor", worker_models="u2netp,tiny")
    editor = services.editor
    conversation, first = editor.open(_scene(), "desk.png")

    planned = editor.plan(conversation.id, "put a lamp in the bottom left")
    ticket = editor.submit(conversation.id, conversation.revision, planned,
                           RoundSettings(model="tiny", seed=5, num_inference_steps=2))
    job = _wait(editor.rounds, ticket.job_id)
    assert job.state == "done", job.error + worker.log()
    conversation, version, warning = editor.finish(ticket)
    assert warning is None and conversation.head == version.id and version.model == "tiny"

    # the conversation lives in Redis: a second studio process sees it
    other = app.create_services(StudioSettings(data_dir=tmp_path / "web2", redis_url=redis_server.url))
    assert other.editor.head(conversation.id)[1].id == version.id

    # a click selects with the development SAM (random weights: any mask, but a mask of the picture's size)
    picture = editor.conversations.image(conversation.id, version.id)
    select = editor.rounds.submit_select(conversation.id, SelectJob.parse(point=(80, 70)), picture)
    job = _wait(editor.rounds, select)
    assert job.state == "done", job.error
    assert job.result["model"] == "tiny-sam" and "development" in job.result["notes"][0]
    assert Image.open(io.BytesIO(editor.rounds.output(select).image)).size == (160, 120)

    # a selection steers the next round: remove exactly that object (no generative weights needed)
    product = np.zeros((120, 160), np.uint8)
    product[36:104, 60:100] = 255
    out = io.BytesIO()
    Image.fromarray(product).save(out, format="PNG")
    chosen = Override(mask=out.getvalue())
    planned = editor.plan(conversation.id, "remove the box", chosen)
    ticket = editor.submit(conversation.id, conversation.revision, planned,
                           RoundSettings(model="tiny", seed=5, num_inference_steps=2), chosen)
    job = _wait(editor.rounds, ticket.job_id)
    assert job.state == "done", job.error
    conversation, removed, _ = editor.finish(ticket)
    after = np.asarray(Image.open(io.BytesIO(editor.conversations.image(conversation.id, removed.id))))
    assert after[70, 80, 0] > 100, "the blue product is still there"


def test_rounds_wait_for_an_editor_worker_instead_of_failing(services, workers):
    workers("cutouts", worker_models="u2netp")  # takes white-background jobs only
    editor = services.editor
    conversation, _ = editor.open(_scene(), "desk.png")
    planned = editor.plan(conversation.id, "put a lamp in the bottom left")
    ticket = editor.submit(conversation.id, conversation.revision, planned,
                           RoundSettings(model="tiny", seed=5, num_inference_steps=2))
    time.sleep(3)
    assert editor.rounds.job(ticket.job_id).state == "queued"
    workers("editor", worker_models="tiny")
    assert _wait(editor.rounds, ticket.job_id).state == "done"
