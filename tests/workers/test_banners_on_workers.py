"""Banner sets in Redis mode: the studio's services as app.py builds them enqueue with Celery, and real
`celery -A workers worker` processes make the zip — template backgrounds on a segmentation worker, generated
backgrounds only on a worker holding a generative editor (here the tiny development one)."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from PIL import Image

import app
from studio.settings import StudioSettings
from tests.conftest import encode, wait_until
from tests.workers.test_banners_job import PLAIN, rgba_product
from workers.banners import BannersJob

pytestmark = pytest.mark.usefixtures("redis_server")


def _wait(banners, job_id, timeout=240):
    return wait_until(lambda: banners.job(job_id), lambda job: job.terminal, timeout, "still running")


@pytest.fixture
def services(redis_server, tmp_path):
    built = app.create_services(StudioSettings(data_dir=tmp_path / "web", redis_url=redis_server.url))
    yield built
    built.stop()


def test_a_banner_set_is_made_by_a_worker(services, workers):
    worker = workers("banners", worker_models="u2netp")
    job = BannersJob.parse(template=PLAIN, sizes=["square", "hero"],
                           copies=[{"language": "en", "headline": "Summer sale"},
                                   {"language": "he", "headline": "מבצע קיץ"}])
    batch_id, job_id, created = services.banners.submit_banners("", job, encode(rgba_product()))
    assert created and services.banners.job(job_id).queue == "batch.salient"
    record = _wait(services.banners, job_id)
    assert record.state == "done", f"{record.error}\n{worker.log()}"
    data, summary = services.banners.output(job_id)
    names = sorted(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.endswith(".jpg"))
    assert names == ["hero/jobs-plain-hero-en.jpg", "hero/jobs-plain-hero-he.jpg",
                     "square/jobs-plain-square-en.jpg", "square/jobs-plain-square-he.jpg"]
    assert [b["error"] for b in summary["banners"]] == [None] * 4
    assert services.batches.view(batch_id, "").state == "done"  # the API's batch view follows it too


def test_generated_backgrounds_wait_for_an_editor_worker(services, workers):
    workers("cutouts", worker_models="u2netp")  # no generative editor: takes template backgrounds only
    generated = {**PLAIN, "background": {"type": "generated", "prompt": "a marble table"}}
    job = BannersJob.parse(template=generated, sizes=["square"], copies=[{"language": "en", "headline": "Sale"}],
                           edit_model="tiny", num_inference_steps=2, seed=3)
    _, job_id, _ = services.banners.submit_banners("", job, encode(rgba_product()))
    assert services.banners.job(job_id).queue == "batch.diffusion"
    time.sleep(3)
    assert services.banners.job(job_id).state == "queued"

    editor = workers("editor", worker_models="u2netp,tiny")
    record = _wait(services.banners, job_id)
    assert record.state == "done", f"{record.error}\n{editor.log()}"
    data, _ = services.banners.output(job_id)
    banner = Image.open(io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read("square/jobs-plain-square-en.jpg")))
    assert banner.size == (1080, 1080)
