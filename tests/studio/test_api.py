"""The batch API as a client sees it (embedded mode, the app exactly as app.py builds it)."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app import create_app
from studio.settings import StudioSettings
from tests.conftest import encode, product_photo, wait_until

KEYS = {"alice": "key-alice-0123456789", "bob": "key-bob-0123456789"}


@pytest.fixture(scope="module")
def client(tmp_path_factory, store, models_dir):
    data = tmp_path_factory.mktemp("api-data")
    shutil.copytree(models_dir, data / "models")
    settings = StudioSettings(data_dir=data, api_keys=",".join(KEYS.values()), max_request_mb=3,
                              max_batch_items=5, max_files_per_request=5, max_upload_mb=1)
    with TestClient(create_app(settings)) as client:
        yield client


def _as(who):
    return {"X-API-Key": KEYS[who]}


def _photo(name="shoe.jpg", seed=0):
    return ("files", (name, encode(product_photo((400, 300), seed=seed), "JPEG", quality=90), "image/jpeg"))


def _wait(client, batch, who="alice"):
    return wait_until(lambda: client.get(f"/v1/batches/{batch['id']}", headers=_as(who)).json(),
                      lambda body: body["state"] in ("done", "cancelled"), 90, "batch not finished")


def _error(response, status):
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["message"] and "Traceback" not in body["message"]
    return body


def test_submit_follow_and_download_a_batch(client):
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("mugs/red.png", encode(product_photo((300, 300), colour=(200, 20, 20))))
        zf.writestr("mugs/readme.txt", "not an image")
    response = client.post("/v1/batches", headers=_as("alice"),
                           files=[_photo(), ("files", ("catalog.zip", zipped.getvalue(), "application/zip"))],
                           data={"preset": "shopify", "shadow": "true", "margin": "0.1"})
    assert response.status_code == 202, response.text
    batch = response.json()
    assert response.headers["location"] == f"/v1/batches/{batch['id']}"
    brief = client.get(f"/v1/batches/{batch['id']}?items=false", headers=_as("alice")).json()
    assert "items" not in brief and brief["counts"]["total"] == 3
    assert [i["name"] for i in batch["items"]] == ["shoe.jpg", "catalog/mugs/red.png", "catalog/mugs/readme.txt"]
    assert batch["options"]["preset"] == "shopify" and batch["options"]["shadow"] is True
    done = _wait(client, batch)
    assert done["counts"] == {"total": 3, "queued": 0, "running": 0, "done": 2, "failed": 1, "cancelled": 0}
    bad = done["items"][2]
    assert bad["state"] == "failed" and "not an image" in bad["error"]

    item = done["items"][0]
    result = client.get(item["result_url"], headers=_as("alice"))
    assert result.status_code == 200 and result.headers["content-type"] == "image/jpeg"
    assert 'filename="shoe.jpg"' in result.headers["content-disposition"]
    assert Image.open(io.BytesIO(result.content)).size == (2048, 2048)

    archive = client.get(done["results_url"], headers=_as("alice"))
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert sorted(names) == ["red.jpg", "report.csv", "shoe.jpg"]
    report = zipfile.ZipFile(io.BytesIO(archive.content)).read("report.csv").decode()
    assert "readme.txt" in report and "failed" in report


def test_the_same_idempotency_key_returns_the_same_batch(client):
    headers = {**_as("alice"), "Idempotency-Key": "catalog-2026-11-21"}
    first = client.post("/v1/batches", headers=headers, files=[_photo()])
    again = client.post("/v1/batches", headers=headers, files=[_photo()])
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"] == "true"
    assert len(again.json()["items"]) == 1  # nothing was added twice
    other = client.post("/v1/batches", headers=headers, files=[_photo(seed=5)])
    assert _error(other, 409)["type"] == "idempotency_conflict"
    # keys are per API key: bob's same key is his own new batch
    bob = client.post("/v1/batches", headers={**_as("bob"), "Idempotency-Key": "catalog-2026-11-21"},
                      files=[_photo()])
    assert bob.status_code == 202 and bob.json()["id"] != first.json()["id"]


def test_cancel_what_has_not_run(client):
    files = [_photo(f"p{i}.jpg", seed=i) for i in range(5)]
    batch = client.post("/v1/batches", headers=_as("alice"), files=files).json()
    cancelled = client.delete(f"/v1/batches/{batch['id']}", headers=_as("alice"))
    assert cancelled.status_code == 200
    body = _wait(client, cancelled.json())
    assert body["state"] == "cancelled" and body["counts"]["cancelled"] >= 3
    assert body["counts"]["done"] + body["counts"]["cancelled"] == 5
    skipped = next(i for i in body["items"] if i["state"] == "cancelled")
    assert _error(client.get(f"/v1/batches/{batch['id']}/items/{skipped['id']}", headers=_as("alice")),
                  409)["type"] == "not_ready"


def test_api_keys(client):
    batch = client.post("/v1/batches", headers=_as("alice"), files=[_photo()]).json()
    url = f"/v1/batches/{batch['id']}"
    missing = client.get(url)
    assert _error(missing, 401)["type"] == "unauthorized" and "X-API-Key" in missing.json()["error"]["message"]
    assert _error(client.get(url, headers={"X-API-Key": "guess"}), 401)["message"] == "the API key is not valid"
    assert _error(client.post("/v1/batches", files=[_photo()]), 401)
    for method, path in (("GET", url), ("GET", url + "/results.zip"), ("DELETE", url),
                         ("GET", f"{url}/items/{batch['items'][0]['id']}")):
        assert _error(client.request(method, path, headers=_as("bob")), 403)["type"] == "forbidden"
    assert client.get(url, headers={"Authorization": f"Bearer {KEYS['alice']}"}).status_code == 200


@pytest.mark.parametrize("data, message", [
    ({"preset": "ebay"}, "should be 'amazon', 'shopify', 'aliexpress', 'transparent' or 'custom' (got 'ebay')"),
    ({"margin": "wide"}, "margin: 'wide' is not a number"),
    ({"margin": "0.9"}, "margin"),
    ({"shadow": "maybe"}, "shadow: 'maybe' is not true or false"),
    ({"preset": "transparent", "shadow": "true"}, "contact shadow needs a background"),
    ({"model": "gpt-image"}, "unknown model 'gpt-image'"),
    ({"width": "800"}, "apply to the 'custom' preset only"),
    ({"preset": "custom", "width": "12.5"}, "width: '12.5' is not a whole number of pixels"),
    ({"colour": "red"}, "unknown field 'colour'"),
])
def test_bad_options_are_400_with_what_is_allowed(client, data, message):
    response = client.post("/v1/batches", headers=_as("alice"), files=[_photo()], data=data)
    assert message in _error(response, 400)["message"]


def test_bad_requests_on_every_endpoint(client):
    only_options = client.post("/v1/batches", headers=_as("alice"), files=[("preset", (None, "amazon"))])
    assert "no `files`" in _error(only_options, 400)["message"]
    form_encoded = client.post("/v1/batches", headers=_as("alice"), data={"preset": "amazon"})
    assert _error(form_encoded, 415)["type"] == "unsupported_media_type"
    as_json = client.post("/v1/batches", headers=_as("alice"), json={"files": []})
    assert _error(as_json, 415)["message"].startswith("send multipart/form-data")
    text_files = client.post("/v1/batches", headers=_as("alice"), data={"files": "shoe.jpg"},
                             files=[("other", ("x.jpg", b"x", "image/jpeg"))])
    assert _error(text_files, 400)
    bad_key = client.post("/v1/batches", headers={**_as("alice"), "Idempotency-Key": "x" * 300}, files=[_photo()])
    assert "Idempotency-Key" in _error(bad_key, 400)["message"]
    too_many = client.post("/v1/batches", headers=_as("alice"), files=[_photo(f"{i}.jpg") for i in range(6)])
    assert "at most 5 files per request" in _error(too_many, 413)["message"]
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        for i in range(6):
            zf.writestr(f"{i}.png", encode(product_photo((64, 64))))
    too_many_zipped = client.post("/v1/batches", headers=_as("alice"),
                                  files=[("files", ("all.zip", zipped.getvalue(), "application/zip"))])
    assert "6 images (zips expanded); the limit is 5" in _error(too_many_zipped, 413)["message"]
    too_big = client.post("/v1/batches", headers=_as("alice"),
                          files=[("files", ("big.bin", b"\0" * (4 * 1024 * 1024), "image/jpeg"))])
    assert "larger than the limit of 3 MB" in _error(too_big, 413)["message"]
    assert _error(client.get("/v1/batches/nope", headers=_as("alice")), 404)["type"] == "not_found"
    assert _error(client.get("/v1/batches/nope/results.zip", headers=_as("alice")), 404)
    assert _error(client.delete("/v1/batches/nope", headers=_as("alice")), 404)
    batch = client.post("/v1/batches", headers=_as("alice"), files=[_photo()]).json()
    assert _error(client.get(f"/v1/batches/{batch['id']}/items/nope", headers=_as("alice")), 404)


def test_an_oversized_image_fails_its_item_only(client):
    big = ("files", ("poster.png", encode(Image.effect_noise((900, 900), 60).convert("RGB")), "image/png"))
    batch = client.post("/v1/batches", headers=_as("alice"), files=[_photo(), big]).json()
    done = _wait(client, batch)
    states = {i["name"]: (i["state"], i["error"]) for i in done["items"]}
    assert states["shoe.jpg"] == ("done", None)
    assert states["poster.png"][0] == "failed" and "limit per image" in states["poster.png"][1]


def test_openapi_documents_the_batch_routes(client):
    spec = client.get("/openapi.json").json()
    assert {"/v1/batches", "/v1/batches/{batch_id}", "/v1/batches/{batch_id}/items/{item_id}",
            "/v1/batches/{batch_id}/results.zip"} <= set(spec["paths"])
    body = spec["paths"]["/v1/batches"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "files" in body["properties"] and "preset" in body["properties"]
