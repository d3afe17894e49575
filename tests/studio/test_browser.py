"""The studio in a real headless Chromium: upload a photo, get a white background and its report."""

from __future__ import annotations

import zipfile

import pytest

from tests.conftest import product_photo
from tests.services import StudioServer

@pytest.fixture(scope="module")
def studio_url(tmp_path_factory):
    """app.py as a user starts it: a fresh data directory, so the model is fetched on first use."""
    data = tmp_path_factory.mktemp("studio-data")
    server = StudioServer(data).start()
    yield server.url, data
    server.stop()


@pytest.fixture
def page(chromium, studio_url):
    context = chromium.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    page.goto(studio_url[0])
    page.get_by_role("tab", name="White background").click()  # the Chat editor is the first tab
    page.wait_for_selector("#whitebg-files")
    yield page
    context.close()


def _report_text(page) -> str:
    return page.inner_text("#whitebg-report")


def _upload(page, *paths) -> None:
    page.set_input_files("#whitebg-files input[type=file]", [str(p) for p in paths])
    for path in paths:
        page.wait_for_selector(f"#whitebg-files td[aria-label='{path.name}']")


def _run_and_wait(page) -> None:
    page.click("#whitebg-run")
    page.wait_for_selector("#whitebg-downloads td[aria-label='white-backgrounds.zip']", timeout=120_000)


def test_upload_a_photo_and_get_a_white_background_with_its_report(page, studio_url, tmp_path):
    photo = tmp_path / "desk-lamp.jpg"
    product_photo((640, 480)).save(photo, quality=92)
    _upload(page, photo)
    page.click("#whitebg-run")
    page.wait_for_selector("text=first use only", timeout=60_000)  # the visible first-use fetch message
    page.wait_for_selector("#whitebg-downloads td[aria-label='white-backgrounds.zip']", timeout=120_000)
    report = _report_text(page)
    assert "desk-lamp.jpg" in report and "100.00% white" in report and "2000×2000" in report
    assert page.locator("#whitebg-gallery img").count() >= 1
    assert page.locator("#whitebg-compare img").count() == 2  # before and after
    with page.expect_download() as download:
        page.locator("#whitebg-downloads tr:has(td[aria-label='white-backgrounds.zip']) a").first.click()
    saved = tmp_path / "all.zip"
    download.value.save_as(saved)
    assert set(zipfile.ZipFile(saved).namelist()) == {"desk-lamp.jpg", "report.csv"}
    assert (studio_url[1] / "models" / "u2netp" / "u2netp.onnx").exists()


def test_a_bad_file_is_reported_and_the_good_one_still_done(page, tmp_path):
    good, bad = tmp_path / "vase.png", tmp_path / "broken.jpg"
    product_photo((400, 400), colour=(20, 40, 200)).save(good)
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    _upload(page, good, bad)
    _run_and_wait(page)
    report = _report_text(page)
    assert "vase.png" in report and "PASS" in report
    assert "broken.jpg" in report and "FAILED" in report


def test_running_with_nothing_uploaded_says_what_to_do(page):
    page.click("#whitebg-run")
    page.wait_for_selector("text=upload at least one product photo", timeout=30_000)


def test_draw_a_box_by_clicking_two_corners(page, tmp_path):
    photo = tmp_path / "shelf.jpg"
    product_photo((600, 400)).save(photo, quality=92)
    _upload(page, photo)
    page.click("text=Restrict to a box")
    for fx, fy in ((0.35, 0.2), (0.6, 0.8)):
        image = page.locator("#whitebg-box img").first
        image.wait_for()
        box = image.bounding_box()
        image.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
        page.wait_for_timeout(1500)
    typed = page.locator("textarea, input[type=text]").evaluate_all(
        "els => els.map(e => e.value).filter(v => /^\\d+, \\d+, \\d+, \\d+$/.test(v))")
    assert len(typed) == 1
    x0, y0, x1, y1 = map(int, typed[0].split(", "))
    assert 0 <= x0 < x1 <= 600 and 0 <= y0 < y1 <= 400
    _run_and_wait(page)
    assert "segmentation restricted to the box" in _report_text(page)
