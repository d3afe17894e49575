"""The studio driven by a gradio_client script, as README's "Driving the studio from a script" shows: every
event a script can call has a name that says what it does, the page's own plumbing is not offered, and the
named events do the real work (a white background, a chat editor plan) in a running app.py."""

from __future__ import annotations

import json
import os
import re
import urllib.request

import pytest
from gradio_client import Client, handle_file
from PIL import Image

from tests.conftest import product_photo
from tests.services import StudioServer

# the API that README documents: a new public event is named on purpose and documented, or it fails here
DOCUMENTED = {
    "/editor_upload", "/editor_open", "/editor_delete", "/editor_clear_pointing", "/editor_paint",
    "/editor_plan", "/editor_send", "/editor_rerun", "/editor_cancel", "/editor_undo", "/editor_redo",
    "/editor_branch", "/editor_restore", "/editor_compare", "/editor_version_settings", "/editor_objects",
    "/white_background", "/white_background_box",
    "/banners_upload_product", "/banners_preview", "/banners_load_copy", "/banners_make", "/banners_cancel",
}


@pytest.fixture(scope="module")
def studio(tmp_path_factory, models_dir, store):
    """app.py as a user starts it, with the verified u2netp and the tiny editor (no download, quick rounds)."""
    data = tmp_path_factory.mktemp("client-data")
    (data / "models").mkdir()
    for model in models_dir.iterdir():
        if model.is_dir() and not model.name.startswith("."):
            os.symlink(model, data / "models" / model.name)
    server = StudioServer(data, edit_model="tiny").start()
    yield server
    server.stop()


@pytest.fixture
def client(studio, tmp_path):
    """One script's session: what one call leaves in the page (an open conversation) the next call finds."""
    return Client(studio.url, verbose=False, analytics_enabled=False, download_files=str(tmp_path / "downloads"))


def test_every_public_endpoint_has_a_meaningful_name(studio, client):
    with urllib.request.urlopen(studio.url + "/gradio_api/info", timeout=30) as response:
        info = json.load(response)
    named = set(info["named_endpoints"])
    assert not info["unnamed_endpoints"]
    generated = {name for name in named if re.fullmatch(r"/(lambda\w*|\w+_\d+)", name)}
    assert not generated, f"names Gradio made up (give them an api_name, or make them private): {generated}"
    assert named == DOCUMENTED
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == DOCUMENTED
    # the page's plumbing (page load, thumbnails, clicks on pictures, list refreshes) is not offered
    assert not named & {"/restore_page", "/gallery", "/list_photos", "/point", "/show_pair", "/size_choices"}


def test_a_script_makes_a_white_background(client, tmp_path):
    photo = tmp_path / "mug.jpg"
    product_photo((480, 360)).save(photo, quality=92)
    compare, gallery, report, downloads = client.predict(  # the rest default to what the page starts with
        files=[handle_file(str(photo))], preset="aliexpress", api_name="/white_background")
    rows = report["data"]
    assert [row[:2] for row in rows] == [["mug.jpg", "PASS"]] and "100.00% white" in rows[0][2]
    assert [os.path.basename(path) for path in downloads] == ["white-backgrounds.zip", "mug.jpg"]
    assert Image.open(downloads[1]).size == (1000, 1000)  # AliExpress: square, at least 800 px
    assert len(gallery) == 1 and len(compare) == 2  # one result, before and after


def test_a_script_opens_a_conversation_plans_and_runs_a_round(client, tmp_path):
    picture = tmp_path / "desk.png"
    product_photo((320, 240)).save(picture)
    conversation, shown, chat, versions, other, status = client.predict(
        path=handle_file(str(picture)), api_name="/editor_upload")
    assert status.startswith("New conversation “desk.png”") and Image.open(shown).size == (320, 240)
    planned, status = client.predict(message="put a lamp in the bottom left", api_name="/editor_plan")
    assert status.startswith("Plan: **add** lamp") and "r3c1" in status  # the open conversation, from the session
    assert Image.open(planned).size == (320, 240)
    job = client.submit(message="put a lamp in the bottom left", seed=7, randomize=False, num_inference_steps=2,
                        api_name="/editor_send")
    statuses = [update[5] for update in job if isinstance(update[5], str)]
    assert "queued" in statuses[0] and re.fullmatch(r"Version 2 ready \(\w+, seed 7\)\.", statuses[-1])
    assert job.outputs()[-1][-1] == 7  # the seed the round used
    again = Client(client.src, verbose=False, analytics_enabled=False, download_files=False)
    # a list in the page comes back with its choices: {"value": the conversation id, "choices": [...]}
    *_, status = again.predict(conversation_id=conversation["value"], api_name="/editor_open")  # a later script
    assert status == "Version 2 of 2 · “desk.png”"  # the round it made is there
