"""The studio in Redis mode: the web side only enqueues and reads; a Celery worker with its own data
directory does the work. They share nothing but Redis, so this is how workers on other machines run."""

from __future__ import annotations

import io
import time
import zipfile

import gradio as gr
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app import create_app, create_services
from studio.settings import StudioSettings
from studio.whitebg_tab import build_whitebg_tab
from tests.conftest import encode, product_photo


@pytest.fixture
def web_settings(tmp_path, redis_server):
    """A web process with its own, empty data directory: no models, no job files."""
    return StudioSettings(data_dir=tmp_path / "web", redis_url=redis_server.url)


def test_api_in_redis_mode_with_a_worker(web_settings, workers):
    workers()
    with TestClient(create_app(web_settings)) as client:
        assert client.get("/healthz").json()["mode"] == "redis"
        files = [("files", (f"bag-{i}.jpg", encode(product_photo((500, 400), seed=i), "JPEG"), "image/jpeg"))
                 for i in range(3)]
        batch = client.post("/v1/batches", files=files, data={"preset": "aliexpress"}).json()
        deadline = time.monotonic() + 90
        while (body := client.get(f"/v1/batches/{batch['id']}").json())["state"] != "done":
            assert time.monotonic() < deadline, body
            time.sleep(0.1)
        assert body["counts"]["done"] == 3
        result = client.get(body["items"][1]["result_url"])
        assert Image.open(io.BytesIO(result.content)).size == (1000, 1000)
        names = zipfile.ZipFile(io.BytesIO(client.get(body["results_url"]).content)).namelist()
        assert sorted(names) == ["bag-0.jpg", "bag-1.jpg", "bag-2.jpg", "report.csv"]
    assert not (web_settings.data_dir / "models").exists()  # the web side never loaded a model
    assert not (web_settings.data_dir / "jobs").exists()  # nor kept jobs of its own


def test_api_answers_503_when_redis_is_down(web_settings, redis_server):
    with TestClient(create_app(web_settings)) as client:
        redis_server.stop()
        response = client.get("/v1/batches/whatever")
        assert response.status_code == 503
        assert response.json()["error"]["type"] == "queue_unavailable"
        assert "try again" in response.json()["error"]["message"]


def test_the_studio_tab_runs_its_photos_on_the_workers(web_settings, workers, tmp_path):
    workers()
    services = create_services(web_settings)
    assert services.models is None  # in Redis mode the web side holds no models
    with gr.Blocks():
        tab = build_whitebg_tab(web_settings, services.batches, services.models)
    photos = []
    for i, name in enumerate(("mug.jpg", "lamp.png")):
        path = tmp_path / name
        product_photo((600, 450), seed=i).save(path)
        photos.append(str(path))
    shown = tab.run(photos, "amazon", None, None, None, True, "u2netp", {}, lambda *a, **k: None)
    page = tab.page
    compare, gallery, rows, pairs = shown[page.compare], shown[page.gallery], shown[page.report], shown[page.pairs]
    assert [r[:2] for r in rows] == [["mug.jpg", "PASS"], ["lamp.png", "PASS"]]
    assert len(gallery) == 2 and len(pairs) == 2
    before, after = (Image.open(p) for p in compare)
    assert before.size == after.size
    store = services.batches.store
    job_ids = [k.decode().split(":")[2] for k in store.client.scan_iter("studio:job:*") if k.count(b":") == 2]
    jobs = store.jobs(job_ids)
    assert len(jobs) == 2 and {j.queue for j in jobs} == {"interactive.salient"}  # a person is waiting
    assert {j.state for j in jobs} == {"done"}
