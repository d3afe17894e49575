"""The white-background job: one outcome per input, in order; bad inputs fail alone; options checked first."""

from __future__ import annotations

import pytest

from pipelines.errors import InvalidOptions
from pipelines.image_input import InputItem
from tests.conftest import encode, product_photo
from workers.white_background import WhiteBackgroundJob, run_white_background


def test_outcomes_keep_order_and_bad_inputs_fail_alone(store):
    good = encode(product_photo(), "JPEG", quality=92)
    items = [
        InputItem("a.jpg", data=good),
        InputItem("notes.txt", data=b"not an image"),
        InputItem("gone.jpg", error="no such file or folder: gone.jpg"),
        InputItem("b.png", data=encode(product_photo(seed=1))),
        InputItem("empty.jpg", data=b""),
    ]
    outcomes = list(run_white_background(items, WhiteBackgroundJob(preset="aliexpress"), store))
    assert [o.name for o in outcomes] == ["a.jpg", "notes.txt", "gone.jpg", "b.png", "empty.jpg"]
    assert [o.ok for o in outcomes] == [True, False, False, True, False]
    assert "not an image" in outcomes[1].error and "empty" in outcomes[4].error
    assert outcomes[0].result.image.size == (1000, 1000) and outcomes[0].result.report.passed


def test_per_image_box_reaches_the_pipeline(store):
    photo = product_photo((400, 300))
    items = [InputItem("a.png", data=encode(photo)), InputItem("b.png", data=encode(photo))]
    outcomes = list(run_white_background(items, WhiteBackgroundJob(preset="transparent"), store,
                                         boxes={"b.png": (0, 0, 200, 300)}))
    assert outcomes[0].result.source_box[2] > 250  # the whole ellipse
    assert outcomes[1].result.source_box[2] <= 200  # cut at the box


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"preset": "ebay"}, "preset: Input should be 'amazon'"),
        ({"width": 10}, "width: Input should be greater than or equal to 64"),
        ({"model": "u3net"}, "unknown model 'u3net'"),
        ({"shadow": True, "preset": "transparent"}, None),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_bad_job_fields_are_named_before_anything_runs(store, fields, message):
    if message is None:
        job = WhiteBackgroundJob.parse(**fields)
        with pytest.raises(InvalidOptions, match="contact shadow needs a background"):
            next(run_white_background([InputItem("a.png", data=encode(product_photo()))], job, store))
        return
    with pytest.raises(InvalidOptions, match=message):
        WhiteBackgroundJob.parse(**fields)


def test_unexpected_failures_name_the_callers_job_id(store, monkeypatch, caplog):
    from workers import white_background

    real_load = white_background.load_image

    def load(data, limits):
        if data == b"crash":
            raise RuntimeError("decoder bug")
        return real_load(data, limits)

    monkeypatch.setattr(white_background, "load_image", load)
    items = [InputItem("crash.jpg", data=b"crash"), InputItem("a.png", data=encode(product_photo()))]
    with caplog.at_level("ERROR", logger="workers.white_background"):
        outcomes = list(run_white_background(items, WhiteBackgroundJob(preset="aliexpress"), store, job_id="batch-7"))
    assert [o.ok for o in outcomes] == [False, True]
    assert outcomes[0].error == "unexpected failure while reading the image (job batch-7)"
    assert any("job batch-7" in record.getMessage() and "crash.jpg" in record.getMessage() for record in caplog.records)


def test_a_bug_in_the_pipeline_costs_one_item_and_names_the_job(store, monkeypatch, caplog):
    from pipelines.cutout import white_background as pipeline

    real_finish = pipeline._finish

    def finish(seg, options, progress):
        if seg.rgb.shape[1] == 333:
            raise ZeroDivisionError("a bug")
        return real_finish(seg, options, progress)

    monkeypatch.setattr(pipeline, "_finish", finish)
    items = [InputItem("bug.png", data=encode(product_photo((333, 250)))), InputItem("a.png", data=encode(product_photo()))]
    with caplog.at_level("ERROR", logger="workers.white_background"):
        outcomes = list(run_white_background(items, WhiteBackgroundJob(preset="aliexpress"), store, job_id="j-1"))
    assert [o.ok for o in outcomes] == [False, True]
    assert "unexpected failure (job j-1)" in outcomes[0].error
    assert any("job j-1" in record.getMessage() and "bug.png" in record.getMessage() for record in caplog.records)
