"""The Banners tab in a real headless Chromium, the studio in its embedded mode: upload a cut-out, pick a template,
edit the headline and see the preview change, tick two sizes, add a second language, make the set and download
its zip."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from tests.services import StudioServer
from tests.studio.test_banners_tab import cutout_png

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def studio_url(tmp_path_factory):
    """app.py as a user starts it; a PNG with its own transparency needs no segmentation model."""
    server = StudioServer(tmp_path_factory.mktemp("banners-studio")).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def page(chromium, studio_url):
    context = chromium.new_context(viewport={"width": 1500, "height": 1300}, accept_downloads=True)
    page = context.new_page()
    page.goto(studio_url)
    page.get_by_role("tab", name="Banners").click()  # the Chat editor is the first tab
    page.wait_for_selector("#banners-templates img", timeout=60_000)
    yield page
    context.close()


def _wait_text(page, selector: str, text: str, timeout=60_000) -> str:
    page.wait_for_function("([s, t]) => (document.querySelector(s)?.innerText || '').includes(t)",
                           arg=[selector, text], timeout=timeout)
    return page.inner_text(selector)


def _preview_src(page) -> str | None:
    image = page.locator("#banners-preview img")
    return image.first.get_attribute("src") if image.count() else None


def _new_preview(page, before: str | None) -> np.ndarray:
    """Wait until the preview shows a different picture than `before`, then read its pixels (a PNG)."""
    page.wait_for_function("([b]) => { const i = document.querySelector('#banners-preview img');"
                           " return i && i.src && i.src !== b && i.complete; }", arg=[before], timeout=60_000)
    body = page.request.get(_preview_src(page)).body()
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))


def _edit_cell(page, row: int, column: int, text: str) -> None:
    """Type into a cell of the copy table until the cell shows the text (as a person would check)."""
    cell = f"#banners-copy [data-testid=cell-{row}-{column}]"
    for _ in range(3):
        page.dblclick(cell)
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
        page.keyboard.press("Enter")
        try:
            page.wait_for_function("([c, t]) => (document.querySelector(c)?.innerText || '').includes(t)",
                                   arg=[cell, text], timeout=3000)
            return
        except Exception:  # the table was still re-drawing; type again
            continue
    raise AssertionError(f"{cell} did not take {text!r}")


def test_from_a_cut_out_to_a_zip_of_banners(page, tmp_path):
    product = tmp_path / "bottle.png"
    product.write_bytes(cutout_png())
    page.wait_for_selector("#banners-preview img", timeout=60_000)  # the sample copy is previewed at once

    page.set_input_files("#banners-product input[type=file]", str(product))
    _wait_text(page, "#banners-product-status", "Cut-out ready")
    assert "own transparency" in page.inner_text("#banners-product-status")

    page.click("#banners-templates img[alt^='Tech grid']")
    _wait_text(page, "#banners-template-info", "Tech grid")
    _wait_text(page, "#banners-preview-note", "Preview: Tech grid · landscape")
    first = _new_preview(page, None)
    assert first.shape == (628, 1200, 3)  # the first ticked size, landscape

    shown = _preview_src(page)
    _edit_cell(page, 0, 1, "Winter warmers")
    edited = _new_preview(page, shown)
    changed = np.any(np.abs(edited.astype(int) - first.astype(int)) > 40, axis=2)
    assert 0.002 < changed.mean() < 0.3  # the headline changed, the rest of the banner did not

    for name in ("landscape", "square"):  # the ticked defaults off, two other sizes on
        page.click(f"#banners-sizes input[name='{name}']")
    for name in ("aliexpress-square", "hero"):
        page.click(f"#banners-sizes input[name='{name}']")

    page.click("#banners-copy [data-testid=cell-0-0]")  # a selected cell shows its ⋮ menu
    page.click("#banners-copy [data-testid=cell-0-0] button[aria-label='Open cell menu']")
    page.get_by_text("Add row below").click()
    _edit_cell(page, 1, 0, "de")
    _edit_cell(page, 1, 1, "Winterzeit")

    page.click("#banners-make")
    assert _wait_text(page, "#banners-status", "ready", timeout=90_000).startswith("4 of 4 banners ready")
    page.wait_for_function("document.querySelectorAll('#banners-results img').length === 4")
    captions = page.locator("#banners-results img").evaluate_all("els => els.map(e => e.alt)")
    assert sorted(captions) == ["aliexpress-square · de", "aliexpress-square · en", "hero · de", "hero · en"]

    link = page.locator("#banners-zip a").first
    body = page.request.get(link.get_attribute("href")).body()
    with zipfile.ZipFile(io.BytesIO(body)) as bundle:
        images = sorted(n for n in bundle.namelist() if n.endswith(".jpg"))
        assert len(images) == 4 and images[0].startswith("aliexpress-square/tech-grid-")
        assert Image.open(bundle.open(next(n for n in images if n.startswith("hero/")))).size == (1920, 600)

    with page.expect_download() as download:  # the table as a CSV, to edit in a spreadsheet and load again
        page.click("#banners-copy-download")
    saved = tmp_path / "copy.csv"
    download.value.save_as(saved)
    assert "de,Winterzeit," in saved.read_text(encoding="utf-8-sig")
