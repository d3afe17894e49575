"""The scene job: its fields checked in plain words; whole jobs on the embedded worker (the real u2netp; the
tiny random-weight OWLv2 and SAM of the development setting built by the model store) returning each object's
name, box, score and mask; and one job on a real `celery -A workers worker`."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

import app
from pipelines import ModelStore
from pipelines.editing.objects import DEFAULT_QUERIES
from pipelines.errors import InvalidOptions
from studio.settings import StudioSettings
from tests.conftest import encode, wait_until
from tests.pipelines.test_select import iou, two_products
from workers.bundle import pack
from workers.embedded import EmbeddedQueue
from workers.errors import JobCancelled, NotReady
from workers.execute import KINDS
from workers.local_store import LocalJobStore
from workers.records import JobRecord
from workers.rounds import Rounds
from workers.runtime import JobRuntime
from workers.scene import SCENE_KIND, SceneJob, run_scene_item


# -- the job's fields --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fields, message", [
    (dict(queries=["cup!"]), "queries: 'cup!' is not an English noun: use letters"),
    (dict(queries=["tea cup", "Tea cup"]), "'Tea cup' is given twice"),
    (dict(queries=[f"thing {chr(97 + i)}" for i in range(31)]), "31 extra names to look for are too many; at most 30"),
    (dict(detector="maybe"), "detector: Input should be a valid boolean"),
    (dict(model="owlv2-base"), "model: Extra inputs are not permitted"),
])
def test_bad_scene_fields_are_named_with_what_is_allowed(fields, message):
    with pytest.raises(InvalidOptions) as error:
        SceneJob.parse(**fields)
    assert message in str(error.value)


def test_the_jobs_nouns_join_the_common_ones_once():
    job = SceneJob.parse(queries=["espresso machine", "Cup"])
    assert job.all_queries() == (*DEFAULT_QUERIES, "espresso machine")
    assert SceneJob().all_queries() == DEFAULT_QUERIES and SCENE_KIND in KINDS


# -- whole jobs on the embedded worker ---------------------------------------------------------------------------
def _masks(scene) -> list[np.ndarray]:
    return [np.asarray(Image.open(io.BytesIO(data))) for _, data in scene.objects]


def _run(runtime, job: SceneJob, image: Image.Image):
    queue = EmbeddedQueue(runtime).start()
    try:
        rounds = Rounds(runtime.store, queue)
        job_id = rounds.submit_scene("conversation-1", job, encode(image))
        assert rounds.job(job_id).queue == "interactive.diffusion"
        record = wait_until(lambda: rounds.job(job_id), lambda r: r.terminal, 120, "the scene job")
        assert record.state == "done", record.error
        return rounds, job_id
    finally:
        queue.stop(timeout=60)


def test_the_products_of_a_picture_without_a_detector(runtime):
    """A store with only u2netp (no OWLv2): the products, and a note on how to get the detector."""
    image, truths = two_products()
    rounds, job_id = _run(runtime, SceneJob(), image)
    scene = rounds.scene(job_id)
    summary = scene.summary
    assert (summary.width, summary.height, summary.models) == (320, 240, ("u2netp",))
    assert [(o.name, o.source, o.mask) for o in summary.objects] == [("product", "salient", "mask-0"),
                                                                      ("product", "salient", "mask-1")]
    assert any("`studio models pull owlv2-base`" in note for note in summary.notes)
    masks = _masks(scene)
    for item, mask, truth in zip(summary.objects, masks, truths):
        assert mask.shape == (240, 320) and iou(Image.fromarray(mask), truth) > 0.9
        x0, y0, x1, y1 = item.box  # fractions of the picture, 4 places
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 and all(round(v, 4) == v for v in item.box)
        ys, xs = np.nonzero(truth)
        assert abs(x0 * 320 - xs.min()) <= 3 and abs(y1 * 240 - ys.max() - 1) <= 3
    # the deliverable is the same scene as JSON, and the record reads back typed
    document = json.loads(rounds.output(job_id).image)
    assert document["objects"] == [o.model_dump(mode="json") for o in summary.objects]
    assert rounds.output(job_id).scene == summary


def test_a_real_photos_product(runtime, ecssd):
    photo = Image.open(ecssd / "images" / "0087.jpg").convert("RGB")
    truth = np.asarray(Image.open(ecssd / "masks" / "0087.png").convert("L")) > 127
    rounds, job_id = _run(runtime, SceneJob(detector=False), photo)
    scene = rounds.scene(job_id)
    assert scene.summary.objects[0].name == "product"
    assert iou(Image.fromarray(_masks(scene)[0]), truth) > 0.8
    assert any("detector=false" in note for note in scene.summary.notes)


def test_the_development_detector_names_objects_with_masks(tmp_path, data_dir):
    """In a development store the tiny OWLv2 (random weights: boxes of the picture, names at random) and the
    tiny SAM run after u2netp; every object has a box and a mask of the picture's size."""
    jobs = LocalJobStore(tmp_path / "jobs")
    models = ModelStore(data_dir / "models", development=True, allow_download=False, device="cpu")
    try:
        image, _ = two_products()
        rounds, job_id = _run(JobRuntime(jobs, models), SceneJob(queries=("espresso machine",)), image)
        scene = rounds.scene(job_id)
    finally:
        jobs.close()
    summary = scene.summary
    assert summary.models == ("u2netp", "tiny-owlv2", "tiny-sam")
    assert any("random weights: the development setting" in note for note in summary.notes)
    detected = [o for o in summary.objects if o.source == "detector"]
    assert detected and len(summary.objects) <= 2 + 20
    assert {o.name for o in detected} <= {*DEFAULT_QUERIES, "espresso machine"}
    assert [o.score for o in detected] == sorted((o.score for o in detected), reverse=True)
    for item, mask in zip(summary.objects, _masks(scene)):
        x0, y0, x1, y1 = item.box
        assert mask.shape == (240, 320) and 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 and 0 <= item.score <= 1
        outside = np.ones(mask.shape, bool)  # a detector's mask stays inside its box
        outside[round(y0 * 240):round(y1 * 240), round(x0 * 320):round(x1 * 320)] = False
        assert item.source == "salient" or not mask[outside].any()
    assert [o.mask for o in summary.objects] == [f"mask-{i}" for i in range(len(summary.objects))]


def test_a_cancelled_scene_stops_at_its_next_step(runtime):
    record = JobRecord("j1", "b1", "scene", SCENE_KIND, {}, "interactive.diffusion", "running")
    seen = []

    def step(done, total, message):
        seen.append(message)
        raise JobCancelled("cancelled")

    with pytest.raises(JobCancelled):
        run_scene_item(record, pack({"image": encode(two_products()[0])}), runtime, step)
    assert seen == ["finding the product"]


def test_an_unfinished_scene_is_not_ready(runtime):
    rounds = Rounds(runtime.store, EmbeddedQueue(runtime))  # never started: the job stays queued
    job_id = rounds.submit_scene("c", SceneJob(), encode(two_products()[0]))
    with pytest.raises(NotReady, match="the scene is queued"):
        rounds.scene(job_id)


# -- on a real Celery worker ---------------------------------------------------------------------------------------
@pytest.fixture
def services(redis_server, tmp_path):
    built = app.create_services(StudioSettings(data_dir=tmp_path / "web", redis_url=redis_server.url))
    yield built
    built.stop()


def test_a_scene_runs_on_an_editor_worker(services, workers):
    worker = workers("scenes", worker_models="u2netp,tiny")  # the development setting: tiny OWLv2 and SAM
    rounds = services.editor.rounds
    job_id = rounds.submit_scene("conversation-1", SceneJob(), encode(two_products()[0]))
    record = wait_until(lambda: rounds.job(job_id), lambda r: r.terminal, 180, "the scene job")
    assert record.state == "done", f"{record.error}\n{worker.log()}"
    scene = rounds.scene(job_id)
    assert [o.name for o in scene.summary.objects[:2]] == ["product", "product"]
    assert scene.summary.models[:2] == ("u2netp", "tiny-owlv2")
    assert all(mask.shape == (240, 320) for mask in _masks(scene))
