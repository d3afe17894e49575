"""The banner API as a client sees it (embedded mode, the app exactly as app.py builds it): templates,
a banner set submitted, followed and downloaded, and every kind of bad request answered in plain words."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app import create_app
from studio.settings import StudioSettings
from tests.conftest import encode, wait_until
from tests.workers.test_banners_job import rgba_product

KEYS = {"alice": "key-alice-0123456789", "bob": "key-bob-0123456789"}
TEMPLATES = Path(__file__).resolve().parents[1] / "data" / "templates_jobs"


@pytest.fixture(scope="module")
def client(tmp_path_factory, store, models_dir):
    data = tmp_path_factory.mktemp("api-banners-data")
    shutil.copytree(models_dir, data / "models")
    settings = StudioSettings(data_dir=data, api_keys=",".join(KEYS.values()), templates_dir=TEMPLATES)
    with TestClient(create_app(settings)) as client:
        yield client


def _as(who):
    return {"X-API-Key": KEYS[who]}


def _product(image=None):
    return ("product", ("bottle.png", encode(image or rgba_product()), "image/png"))


def _copy(text: str):
    return ("copy", ("copy.csv", text.encode(), "text/csv"))


def _error(response, status):
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["message"] and "Traceback" not in body["message"]
    return body


def _wait(client, batch, who="alice"):
    return wait_until(lambda: client.get(f"/v1/batches/{batch['id']}", headers=_as(who)).json(),
                      lambda body: body["state"] in ("done", "cancelled"), 120, "banner set not finished")


def test_templates_sizes_and_languages(client):
    body = client.get("/v1/templates", headers=_as("alice")).json()
    ids = [t["id"] for t in body["templates"]]
    assert "jobs-plain" in ids and "bold-sale" in ids  # the user's folder beside the built-ins
    plain = next(t for t in body["templates"] if t["id"] == "jobs-plain")
    assert plain["background"] == "solid" and plain["builtin"] is False and plain["tags"] == ["test"]
    square = next(s for s in body["sizes"] if s["name"] == "square")
    assert (square["width"], square["height"], square["layout_class"]) == (1080, 1080, "square")
    arabic = next(lang for lang in body["languages"] if lang["code"] == "ar")
    assert arabic["direction"] == "rtl" and arabic["script"] == "arabic"
    definition = client.get(plain["url"], headers=_as("alice")).json()
    assert definition["id"] == "jobs-plain" and set(definition["layouts"]) == {"wide", "landscape", "square",
                                                                                  "portrait"}
    assert "bold-sale" in _error(client.get("/v1/templates/nope", headers=_as("alice")), 400)["message"]


def test_make_follow_and_download_a_banner_set(client):
    response = client.post("/v1/banners", headers=_as("alice"),
                           files=[_product(), _copy("language,headline,price\nen,Summer sale,$49\nde,Sommer,49 €\n")],
                           data={"template": "jobs-plain", "sizes": "square, landscape"})
    assert response.status_code == 202, response.text
    batch = response.json()
    assert response.headers["location"] == f"/v1/batches/{batch['id']}"
    assert batch["options"]["template"] == "jobs-plain" and batch["options"]["languages"] == ["en", "de"]
    assert batch["options"]["sizes"] == ["square", "landscape"] and len(batch["items"]) == 1
    done = _wait(client, batch)
    item = done["items"][0]
    assert item["state"] == "done", item["error"]

    result = client.get(item["result_url"], headers=_as("alice"))
    assert result.status_code == 200 and result.headers["content-type"] == "application/zip"
    assert 'filename="jobs-plain-banners.zip"' in result.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(result.content))
    assert sorted(archive.namelist()) == [
        "copy.csv", "landscape/jobs-plain-landscape-de.jpg", "landscape/jobs-plain-landscape-en.jpg",
        "report.csv", "square/jobs-plain-square-de.jpg", "square/jobs-plain-square-en.jpg"]
    assert Image.open(io.BytesIO(archive.read("landscape/jobs-plain-landscape-en.jpg"))).size == (1200, 628)
    report = list(csv.DictReader(io.StringIO(archive.read("report.csv").decode())))
    assert [(r["size"], r["language"], r["error"]) for r in report] == [
        ("square", "en", ""), ("square", "de", ""), ("landscape", "en", ""), ("landscape", "de", "")]


def test_single_language_fields_an_own_template_file_and_marketing_images(client):
    own = json.loads((TEMPLATES / "jobs-plain.json").read_text())
    own["id"] = "my-brand"
    response = client.post("/v1/banners", headers=_as("alice"), files=[
        _product(), ("template_file", ("my-brand.json", json.dumps(own).encode(), "application/json"))],
        data={"sizes": "1500x500", "language": "ja", "headline": "夏のセール", "format": "png"})
    assert response.status_code == 202, response.text
    item = _wait(client, response.json())["items"][0]
    assert item["state"] == "done", item["error"]
    names = zipfile.ZipFile(io.BytesIO(client.get(item["result_url"], headers=_as("alice")).content)).namelist()
    assert "1500x500/my-brand-1500x500-ja.png" in names

    marketing = client.post("/v1/banners", headers=_as("alice"), files=[_product()],
                            data={"template": "jobs-plain", "sizes": "square", "text": "false"})
    assert marketing.status_code == 202, marketing.text
    assert marketing.json()["options"]["text"] is False


def test_a_user_template_with_its_own_photo_background(client):
    response = client.post("/v1/banners", headers=_as("alice"), files=[_product()],
                           data={"template": "jobs-photo", "sizes": "landscape", "language": "en", "headline": "Hi"})
    assert response.status_code == 202, response.text
    item = _wait(client, response.json())["items"][0]
    assert item["state"] == "done", item["error"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(item["result_url"], headers=_as("alice")).content))
    banner = Image.open(io.BytesIO(archive.read("landscape/jobs-photo-landscape-en.jpg"))).convert("RGB")
    corner = banner.getpixel((3, banner.height - 3))
    assert all(abs(a - b) <= 12 for a, b in zip(corner, (60, 140, 90))), corner  # the wall beside the template

    # the same template uploaded as a file: the uploaded `photo` stands in for the wall beside it
    uploaded = client.post("/v1/banners", headers=_as("alice"), data={"sizes": "square", "language": "en",
                                                                      "headline": "Hi"},
                           files=[_product(), ("template_file", ("jobs-photo.json",
                                                                 (TEMPLATES / "jobs-photo.json").read_bytes(),
                                                                 "application/json")),
                                  ("photo", ("wall.png", encode(Image.new("RGB", (300, 200), (200, 40, 40))),
                                             "image/png"))])
    assert uploaded.status_code == 202, uploaded.text
    item = _wait(client, uploaded.json())["items"][0]
    assert item["state"] == "done", item["error"]
    without = client.post("/v1/banners", headers=_as("alice"), data={"sizes": "square", "language": "en",
                                                                     "headline": "Hi"},
                          files=[_product(), ("template_file", ("jobs-photo.json",
                                                                (TEMPLATES / "jobs-photo.json").read_bytes(),
                                                                "application/json"))])
    assert "'jobs-wall.png' is not in assets/templates/" in _error(without, 400)["message"]


@pytest.mark.parametrize("files, data, status, words", [
    (["logo"], {"template": "jobs-plain", "sizes": "square", "language": "en", "headline": "Hi"}, 400,
     ["product: no product photo", "`product`"]),
    ([("product", ("notes.txt", b"not an image at all", "text/plain"))],
     {"template": "jobs-plain", "sizes": "square", "language": "en", "headline": "Hi"}, 400,
     ["product:", "not an image"]),
    (["product"], {"template": "nope", "sizes": "square", "language": "en", "headline": "Hi"}, 400,
     ["template 'nope' is not known", "bold-sale", "jobs-plain"]),
    (["product"], {"sizes": "square", "language": "en", "headline": "Hi"}, 400,
     ["either `template`", "`template_file`"]),
    (["product"], {"template": "jobs-plain", "sizes": "square,huge", "language": "en", "headline": "Hi"}, 400,
     ["size 'huge' is not known", "story", "WIDTHxHEIGHT"]),
    (["product"], {"template": "jobs-plain", "language": "en", "headline": "Hi"}, 400,
     ["sizes: List should have at least 1 item"]),
    (["product", "bad-csv"], {"template": "jobs-plain", "sizes": "square"}, 400,
     ["copy (copy.csv)", "row 3, column language: 'xx' is not known"]),
    (["product", "csv"], {"template": "jobs-plain", "sizes": "square", "headline": "Hi"}, 400,
     ["either as a CSV file (`copy`) or as single-language fields"]),
    (["product"], {"template": "jobs-plain", "sizes": "square", "headline": "Hi"}, 400,
     ["language: give the copy's language"]),
    (["product"], {"template": "jobs-plain", "sizes": "square"}, 400, ["copies: no copy given"]),
    (["product"], {"template": "jobs-plain", "sizes": "square", "text": "maybe"}, 400, ["text: 'maybe' is not true"]),
    (["product"], {"template": "jobs-plain", "sizes": "square", "language": "en", "headline": "Hi",
                   "harmonize": "lots"}, 400, ["harmonize: Input should be a valid number"]),
    (["product"], {"template": "jobs-plain", "sizes": "square", "language": "en", "headline": "Hi",
                   "colour": "red"}, 400, ["unknown field 'colour'", "template_file"]),
    (["product", "broken-template"], {"sizes": "square", "language": "en", "headline": "Hi"}, 400,
     ["broken.json: id: 'Broken Id' is not an id", "broken.json: layouts.square.product.cells: 'r4c1'",
      "'hedline' is not one of headline", "broken.json: layouts.portrait: missing"]),
])
def test_bad_requests_name_the_field_and_what_is_allowed(client, files, data, status, words):
    parts = []
    for part in files:
        if part == "product":
            parts.append(_product())
        elif part == "logo":
            parts.append(("logo", ("logo.png", encode(rgba_product((120, 60))), "image/png")))
        elif part == "csv":
            parts.append(_copy("language,headline\nen,Hi\n"))
        elif part == "bad-csv":
            parts.append(_copy("language,headline\nen,Hi\nxx,Oops\n"))
        elif part == "broken-template":
            broken = (TEMPLATES / "broken" / "broken.json").read_bytes()
            parts.append(("template_file", ("broken.json", broken, "application/json")))
        else:
            parts.append(part)
    response = client.post("/v1/banners", headers=_as("alice"), files=parts, data=data)
    message = _error(response, status)["message"]
    for word in words:
        assert word in message, message


def test_not_multipart_is_415(client):
    response = client.post("/v1/banners", headers=_as("alice"), json={"template": "jobs-plain"})
    assert _error(response, 415)["type"] == "unsupported_media_type"


def test_the_same_idempotency_key_returns_the_same_set(client):
    headers = {**_as("alice"), "Idempotency-Key": "summer-2026"}
    fields = {"template": "jobs-plain", "sizes": "square", "language": "en", "headline": "Summer sale"}
    first = client.post("/v1/banners", headers=headers, files=[_product()], data=fields)
    again = client.post("/v1/banners", headers=headers, files=[_product()], data=fields)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.headers["idempotent-replayed"] == "true"
    other = client.post("/v1/banners", headers=headers, files=[_product()], data={**fields, "headline": "Sale"})
    assert _error(other, 409)["type"] == "idempotency_conflict"
    bob = client.post("/v1/banners", headers={**_as("bob"), "Idempotency-Key": "summer-2026"}, files=[_product()],
                      data=fields)
    assert bob.status_code == 202 and bob.json()["id"] != first.json()["id"]


def test_api_keys(client):
    fields = {"template": "jobs-plain", "sizes": "square", "language": "en", "headline": "Summer sale"}
    assert _error(client.get("/v1/templates"), 401)["type"] == "unauthorized"
    assert _error(client.post("/v1/banners", files=[_product()], data=fields), 401)["type"] == "unauthorized"
    wrong = {"X-API-Key": "nope"}
    assert _error(client.post("/v1/banners", headers=wrong, files=[_product()], data=fields), 401)
    batch = client.post("/v1/banners", headers={"Authorization": f"Bearer {KEYS['alice']}"}, files=[_product()],
                        data=fields).json()
    assert _error(client.get(f"/v1/batches/{batch['id']}", headers=_as("bob")), 403)["type"] == "forbidden"
