"""The Chat editor in a real headless Chromium, on the tiny random-weight editor (STUDIO_EDIT_MODEL=tiny):
upload a picture, ask for a lamp, see the plan drawn on the picture and a new version, undo, branch,
compare two versions side by side, and find it all again after a reload."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from tests.services import StudioServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def editor_url(tmp_path_factory, models_dir):
    data = tmp_path_factory.mktemp("editor-data")
    (data / "models").mkdir()
    for model in models_dir.iterdir():  # u2netp (verified) from the test model folder
        if model.is_dir() and not model.name.startswith("."):
            os.symlink(model, data / "models" / model.name)
    server = StudioServer(data, edit_model="tiny").start()
    yield server.url, data
    server.stop()


@pytest.fixture(scope="module")
def page(chromium, editor_url):
    context = chromium.new_context(viewport={"width": 1500, "height": 1200})
    page = context.new_page()
    page.goto(editor_url[0])
    page.wait_for_selector("#editor-upload")
    yield page
    context.close()


def _scene(path: Path) -> Path:
    pixels = np.zeros((240, 320, 3), np.uint8)
    pixels[:] = (225, 210, 190)
    pixels[160:] = (120, 90, 60)
    pixels[80:200, 130:190] = (30, 60, 160)
    Image.fromarray(pixels).save(path)
    return path


def _status(page, text: str, timeout=180_000) -> str:
    page.wait_for_function(
        "t => (document.querySelector('#editor-status')?.innerText || '').includes(t)", arg=text, timeout=timeout)
    return page.inner_text("#editor-status")


def _picture(page) -> np.ndarray:
    src = page.get_attribute("#editor-picture img", "src")
    body = page.request.get(src).body() if not src.startswith("data:") else None
    if body is None:
        import base64
        body = base64.b64decode(src.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))


def _set_slider(page, slider: str, value: int) -> None:
    """Type into the slider's number box until the slider itself shows the value (as a person would check)."""
    for _ in range(5):
        page.fill(f"{slider} input[type=number]", str(value))
        page.press(f"{slider} input[type=number]", "Tab")
        try:
            page.wait_for_function("([s, v]) => document.querySelector(s + ' input[type=range]')?.value === v",
                                   arg=[slider, str(value)], timeout=3000)
            return
        except Exception:  # the accordion was still opening; type again
            continue
    raise AssertionError(f"{slider} did not take the value {value}")


def _choose(page, dropdown: str, label_start: str) -> None:
    page.click(f"{dropdown} input")
    page.locator("[role=option]", has_text=label_start).first.click()


def test_a_conversation_with_rounds_undo_branch_and_compare(page, tmp_path):
    upload = _scene(tmp_path / "desk.png")
    with page.expect_file_chooser() as chooser:
        page.click("#editor-upload")
    chooser.value.set_files(str(upload))
    _status(page, "New conversation")
    original = _picture(page)
    assert original.shape == (240, 320, 3)

    # fewer steps so the round is quick on a CPU; the parameter is visible under its diffusers name
    page.click("text=Parameters")
    _set_slider(page, "#editor-steps", 2)

    page.fill("#editor-message textarea", "put a lamp in the bottom left")
    page.click("#editor-plan")
    assert "add" in _status(page, "Plan:") and "r3c1" in page.inner_text("#editor-status")
    time.sleep(0.5)
    overlay = _picture(page)
    changed = np.any(overlay != original, axis=2)
    # the overlay marks the bottom-left cell (and the grid lines), the rest of the picture is untouched
    assert changed[200, 40] and not changed[40, 260]

    page.click("#editor-send")
    _status(page, "Version 2 ready")
    chat = page.inner_text("#editor-chat")
    assert "put a lamp in the bottom left" in chat and "2 steps" in chat, chat
    second = _picture(page)
    assert np.any(second != original)
    assert np.array_equal(second[:100, 160:], original[:100, 160:]), "pixels outside the edit changed"

    page.click("#editor-undo")
    _status(page, "Undone.")
    assert np.array_equal(_picture(page), original)

    # a new round from version 1 starts a second branch next to version 2
    page.fill("#editor-message textarea", "put a vase in the top right")
    page.click("#editor-send")
    _status(page, "Version 3 ready")
    third = _picture(page)

    _choose(page, "#editor-versions", "v2")
    page.click("#editor-branch")
    _status(page, "Continuing from version 2")
    assert np.array_equal(_picture(page), second)

    _choose(page, "#editor-compare-with", "v3")
    page.click("#editor-compare")
    page.wait_for_function("document.querySelectorAll('#editor-slider img').length >= 2", timeout=30_000)

    page.reload()
    page.wait_for_selector("#editor-upload")
    _status(page, "Version 2 of 3")
    assert np.array_equal(_picture(page), second)
    assert not np.array_equal(third, second)


def _upload(page, path: Path, timeout=180_000) -> None:
    with page.expect_file_chooser() as chooser:
        page.click("#editor-upload")
    chooser.value.set_files(str(path))
    page.wait_for_function(
        "name => (document.querySelector('#editor-status')?.innerText || '').includes('New conversation “' + name)",
        arg=path.name, timeout=timeout)


def _chat_texts(page) -> list[str]:
    return page.eval_on_selector_all("#editor-chat .message", "ms => ms.map(m => m.innerText)")


def test_an_instruction_that_cannot_be_planned_is_answered_in_the_chat(page, tmp_path):
    _upload(page, _scene(tmp_path / "shelf.png"))
    original = _picture(page)
    page.fill("#editor-message textarea", "remove the giraffe")
    page.click("#editor-send")
    _status(page, "the answer is in the conversation")
    page.wait_for_function("document.querySelector('#editor-chat').innerText.includes('giraffe')", timeout=30_000)
    chat = page.inner_text("#editor-chat")
    assert "I could not do that" in chat and "Select object" in chat, chat
    assert page.input_value("#editor-message textarea") == "remove the giraffe"  # what was typed stays
    assert page.locator("#editor-picture img").is_visible()  # the picture stays, no error badge over it
    assert np.array_equal(_picture(page), original)
    assert page.locator(".toast-body").count() == 0 or "error" not in page.inner_text(".toast-body").lower()


def test_remove_the_product_on_a_real_photo_and_pick_a_version_by_its_thumbnail(page, ecssd, tmp_path):
    photo = tmp_path / "real-photo.png"
    Image.open(ecssd / "images" / "0029.jpg").convert("RGB").save(photo)
    _upload(page, photo)
    original = _picture(page)
    page.click("#editor-objects")
    assert "the product" in _status(page, "I see")

    page.fill("#editor-message textarea", "remove the product")
    page.click("#editor-send")
    _status(page, "Version 2 ready", timeout=240_000)
    after = _picture(page)
    truth = np.asarray(Image.open(ecssd / "masks" / "0029.png").convert("L")) > 127
    changed = np.any(after != original, axis=2)
    assert changed[truth].mean() > 0.9, "most of the product was not removed"
    # far from the product (beyond the removal's own margin and fill) nothing changed
    far = ~np.asarray(Image.fromarray(truth.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(41))).astype(bool)
    assert not changed[far].any()

    # each version's thumbnail sits under its message; clicking the first one selects version 1
    page.wait_for_function("document.querySelectorAll('#editor-chat img').length >= 2", timeout=30_000)
    page.locator("#editor-chat img").first.click()
    page.wait_for_function(
        "() => (document.querySelector('#editor-versions input')?.value || '').startsWith('v1')", timeout=30_000)
    assert "Version 1 selected" in _status(page, "selected")
