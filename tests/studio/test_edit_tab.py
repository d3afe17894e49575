"""The Chat editor tab's handlers as the page calls them: pointing at the picture (cell, box, painted region)
steers the next round, the plan is drawn before it runs, Undo and Redo are enabled only when they can do
something, and mistakes get plain messages. Handlers answer with {component: value} for what they change."""

from __future__ import annotations

import io

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from pipelines.errors import InvalidOptions
from studio.edit_tab import build_edit_tab
from studio.settings import StudioSettings
from tests.studio.test_editor import Session, _picture


@pytest.fixture
def tab(tmp_path, data_dir):
    session = Session(tmp_path, data_dir / "models")
    upload = tmp_path / "desk.png"
    upload.write_bytes(_picture(300, 240))
    with gr.Blocks() as blocks:
        tab = build_edit_tab(StudioSettings(data_dir=tmp_path / "studio", edit_model="tiny"), session.editor, blocks)
    yield tab, upload
    session.close()


def _click(x, y):
    return gr.SelectData(None, {"index": [x, y], "value": None})


def _opened(tab, upload):
    view = tab.upload(str(upload))
    return view[tab.page.conversation_id], view[tab.page.revision]


def _interactive(view, button) -> bool:
    return view[button]["interactive"]


def test_a_clicked_cell_is_where_the_next_round_goes(tab):
    tab, upload = tab
    conversation_id, _ = _opened(tab, upload)
    page = tab.page
    pointed = tab.point(conversation_id, "Click a cell", {}, _click(250, 20))
    override = pointed[page.override]
    assert override["cells"] == [[0, 2]] and "row 1, column 3" in pointed[page.status]
    assert pointed[page.picture][40, 250].tolist() != [225, 210, 190]  # the chosen cell is tinted
    planned = tab.show_plan(conversation_id, "put a lamp here", override)
    assert "r1c3" in planned[page.status] and "placement chosen by hand" in planned[page.status]


def test_two_clicks_draw_a_box_and_a_painted_region_becomes_the_mask(tab):
    tab, upload = tab
    conversation_id, _ = _opened(tab, upload)
    page = tab.page
    pointed = tab.point(conversation_id, "Draw a box", {}, _click(30, 150))
    assert "opposite corner" in pointed[page.status]
    override = tab.point(conversation_id, "Draw a box", pointed[page.override], _click(90, 230))[page.override]
    assert override["box"] == [0.1, 0.625, 0.3, 0.9583]
    with pytest.raises(InvalidOptions, match="paint over the region first"):
        tab.paint(conversation_id, {"background": None, "layers": [], "composite": None}, override)
    strokes = Image.new("RGBA", (300, 240))
    strokes.paste((255, 0, 0, 255), (100, 80, 200, 200))
    override = tab.paint(conversation_id, {"background": None, "layers": [strokes], "composite": None},
                         override)[page.override]
    mask = np.asarray(Image.open(io.BytesIO(override["mask"])))
    assert mask[100, 150] == 255 and mask[10, 10] == 0


def test_pointing_needs_a_mode_and_a_picture(tab):
    tab, upload = tab
    with pytest.raises(InvalidOptions, match="upload a picture first"):
        tab.point(None, "Click a cell", {}, _click(1, 1))
    conversation_id, _ = _opened(tab, upload)
    with pytest.raises(InvalidOptions, match="choose how to point"):
        tab.point(conversation_id, "Planner decides", {}, _click(1, 1))


def test_a_round_from_the_tab_streams_progress_then_shows_the_new_version(tab):
    tab, upload = tab
    conversation_id, revision = _opened(tab, upload)
    page = tab.page
    updates = list(tab.send(conversation_id, revision, "put a lamp in the bottom left", {}, "tiny", 5, False,
                            "", 2, 2.0, 0, 0.8, "inpaint", ""))
    statuses = [u[page.status] for u in updates]
    assert "queued" in statuses[0] and statuses[-1].startswith("Version 2 ready")
    assert updates[0][page.running] and page.conversation_id not in updates[0]  # progress leaves the view alone
    final = updates[-1]
    assert final[page.revision] == revision + 1 and "seed 5" in statuses[-1] and final[page.running] is None
    assert any(m["content"] == "put a lamp in the bottom left" for m in final[page.chat])
    # a second window still on the old revision gets a conflict, not an overwrite
    with pytest.raises(Exception, match="changed since you loaded it"):
        list(tab.send(conversation_id, revision, "a bit higher", {}, "tiny", 5, False, "", 2, 2.0, 0, 0.8,
                      "inpaint", ""))


def test_deleting_a_conversation_opens_the_next_one(tab):
    tab, upload = tab
    first, _ = _opened(tab, upload)
    second, _ = _opened(tab, upload)
    page = tab.page
    view = tab.delete(second)
    assert view[page.conversation_id] == first and view[page.status].startswith("Deleted “desk.png”")
    assert [c.id for c in tab.editor.conversations.conversations("studio")] == [first]
    view = tab.delete(first)
    assert view[page.conversation_id] is None and "Upload a picture" in view[page.status]
    assert tab.delete(None) == {page.status: "Nothing was deleted."}  # also what a "no" to the confirmation sends


def test_undo_and_redo_are_enabled_only_when_they_can_do_something(tab):
    tab, upload = tab
    page = tab.page
    assert not page.undo.interactive and not page.redo.interactive  # nothing open yet
    view = tab.upload(str(upload))
    assert not _interactive(view, page.undo) and not _interactive(view, page.redo)  # the first version
    conversation_id, revision = view[page.conversation_id], view[page.revision]
    *_, view = tab.send(conversation_id, revision, "put a lamp in the bottom left", {}, "tiny", 5, False, "", 2,
                        2.0, 0, 0.8, "inpaint", "")
    assert _interactive(view, page.undo) and not _interactive(view, page.redo)
    view = tab.undo(conversation_id, view[page.revision])
    assert not _interactive(view, page.undo) and _interactive(view, page.redo)
    view = tab.redo(conversation_id, view[page.revision])
    assert _interactive(view, page.undo) and not _interactive(view, page.redo)
    assert not _interactive(tab.switch(None), page.undo)
