"""The White background tab's handlers, called as Gradio calls them (the browser test covers the page)."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import pytest
from PIL import Image

from app import create_services
from pipelines.errors import InvalidOptions
from studio.settings import StudioSettings
from studio.whitebg_tab import WhiteBackgroundTab
from tests.conftest import product_photo


@pytest.fixture
def tab(data_dir, store):
    """The tab as app.py builds it in the embedded mode: jobs run on the in-process worker thread."""
    settings = StudioSettings(data_dir=data_dir)
    services = create_services(settings)
    yield WhiteBackgroundTab(settings, services.batches, services.models)
    services.stop()


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "lamp.jpg"
    product_photo((600, 400)).save(path, quality=92)
    return str(path)


def quiet(*args, **kwargs):
    return None


def test_custom_size_with_shadow(tab, photo):
    compare, gallery, rows, downloads, pairs = tab.run([photo], "custom", 1200, 900, 0.1, True, "u2netp", {}, quiet)
    result = Image.open(downloads[1])
    assert result.size == (1200, 900)
    assert rows[0][:2] == ["lamp.jpg", "PASS"] and "shadow" in rows[0][5]
    before, after = (Image.open(p) for p in compare)
    assert before.size == after.size  # the slider compares like with like
    assert downloads[0].endswith("white-backgrounds.zip")


def test_two_clicks_draw_a_box_that_the_run_uses(tab, photo):
    name = "lamp.jpg"
    _, _, boxes, corner = tab.click_corner([photo], name, {}, None, SimpleNamespace(index=(0, 0)))
    assert corner == (0, 0) and boxes == {}
    preview, text, boxes, corner = tab.click_corner([photo], name, boxes, corner, SimpleNamespace(index=(300, 400)))
    assert boxes == {name: (0, 0, 300, 400)} and text == "0, 0, 300, 400" and corner is None
    assert tuple(preview[200, 300]) == (255, 40, 90)  # the box is drawn on the preview
    *_, rows, downloads, pairs = tab.run([photo], "transparent", None, None, None, False, "u2netp", boxes, quiet)
    assert "restricted to the box" in rows[0][5]
    mask_alpha = Image.open(downloads[1]).getchannel("A")
    assert mask_alpha.crop((301, 0, 600, 400)).getextrema() == (0, 0)


def test_a_typed_box_must_have_four_numbers(tab, photo):
    with pytest.raises(InvalidOptions, match="give four numbers"):
        tab.type_box([photo], "lamp.jpg", "10, 20, 30", {})
    _, boxes = tab.type_box([photo], "lamp.jpg", "10, 20, 300, 200", {})
    assert boxes == {"lamp.jpg": (10, 20, 300, 200)}


def test_nothing_uploaded(tab):
    with pytest.raises(InvalidOptions, match="upload at least one product photo"):
        tab.run([], "amazon", None, None, None, False, "u2netp", {}, quiet)


def test_old_results_are_pruned(tab, photo):
    old = tab.settings.temp_dir / "results" / "old-run"
    old.mkdir(parents=True)
    stale = time.time() - 2 * 24 * 3600
    os.utime(old, (stale, stale))
    tab.run([photo], "aliexpress", None, None, None, False, "u2netp", {}, quiet)
    assert not old.exists()
