"""The White background tab's handlers, called as Gradio calls them (the browser test covers the page): each
answers with {component: value} for what it changes on the page."""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import gradio as gr
import pytest
from PIL import Image

from app import create_services
from pipelines.errors import InvalidOptions
from studio.settings import StudioSettings
from studio.whitebg_tab import build_whitebg_tab
from tests.conftest import product_photo


@pytest.fixture
def tab(data_dir, store):
    """The tab as app.py builds it in the embedded mode: jobs run on the in-process worker thread."""
    settings = StudioSettings(data_dir=data_dir)
    services = create_services(settings)
    with gr.Blocks():
        tab = build_whitebg_tab(settings, services.batches, services.models)
    yield tab
    services.stop()


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "lamp.jpg"
    product_photo((600, 400)).save(path, quality=92)
    return str(path)


def quiet(*args, **kwargs):
    return None


def test_custom_size_with_shadow(tab, photo):
    page = tab.page
    shown = tab.run([photo], "custom", 1200, 900, 0.1, True, "u2netp", {}, quiet)
    downloads, rows = shown[page.downloads], shown[page.report]
    result = Image.open(downloads[1])
    assert result.size == (1200, 900)
    assert rows[0][:2] == ["lamp.jpg", "PASS"] and "shadow" in rows[0][5]
    assert len(shown[page.gallery]) == len(shown[page.pairs]) == 1
    before, after = (Image.open(p) for p in shown[page.compare])
    assert before.size == after.size  # the slider compares like with like
    assert downloads[0].endswith("white-backgrounds.zip")


def test_two_clicks_draw_a_box_that_the_run_uses(tab, photo):
    name, page = "lamp.jpg", tab.page
    first = tab.click_corner([photo], name, {}, None, SimpleNamespace(index=(0, 0)))
    assert first[page.corner] == (0, 0) and page.boxes not in first and page.box_text not in first
    second = tab.click_corner([photo], name, {}, (0, 0), SimpleNamespace(index=(300, 400)))
    boxes = second[page.boxes]
    assert boxes == {name: (0, 0, 300, 400)} and second[page.box_text] == "0, 0, 300, 400"
    assert second[page.corner] is None
    assert tuple(second[page.box_image][200, 300]) == (255, 40, 90)  # the box is drawn on the preview
    shown = tab.run([photo], "transparent", None, None, None, False, "u2netp", boxes, quiet)
    assert "restricted to the box" in shown[page.report][0][5]
    mask_alpha = Image.open(shown[page.downloads][1]).getchannel("A")
    assert mask_alpha.crop((301, 0, 600, 400)).getextrema() == (0, 0)


def test_a_typed_box_must_have_four_numbers(tab, photo):
    with pytest.raises(InvalidOptions, match="give four numbers"):
        tab.type_box([photo], "lamp.jpg", "10, 20, 30", {})
    shown = tab.type_box([photo], "lamp.jpg", "10; 20; 300; 200", {})
    assert shown[tab.page.boxes] == {"lamp.jpg": (10, 20, 300, 200)}
    assert shown[tab.page.box_text] == "10, 20, 300, 200"
    assert tab.type_box([photo], "lamp.jpg", " ", shown[tab.page.boxes])[tab.page.boxes] == {}  # empty: no box


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
