"""The generation settings: one model in every job that generates, the pipeline's ranges and defaults, flat on
the wire as clients have always sent them, and one mapping to the pipeline's parameters."""

from __future__ import annotations

import dataclasses

import pytest

from pipelines.editing.inpaint import DEFAULT_NEGATIVE_PROMPT, LIMITS, InpaintParams
from pipelines.errors import InvalidOptions
from tests.workers.test_banners_job import PLAIN
from workers.banners import BannersJob
from workers.edit import DEFAULT_NEGATIVE, EditJob
from workers.generation import GenerationSettings

SET = dict(template=PLAIN, sizes=["square"], copies=[{"language": "en", "headline": "Sale"}])


def test_defaults_are_the_pipelines_own_and_there_is_one_negative_prompt():
    pipeline = InpaintParams(prompt="")
    for job in (EditJob.parse(operation="add"), BannersJob.parse(**SET)):
        assert job.params() == dataclasses.replace(pipeline, strength=1.0)
    assert DEFAULT_NEGATIVE == DEFAULT_NEGATIVE_PROMPT == GenerationSettings().negative_prompt


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_each_range_is_the_pipelines_own(name):
    limit = LIMITS[name]
    assert GenerationSettings.limits(name)["minimum"] == limit.low
    assert GenerationSettings.limits(name)["maximum"] == limit.high
    below = limit.low if name == "strength" else limit.low - 1  # strength must be above 0
    for job, fields in ((EditJob, dict(operation="add")), (BannersJob, SET)):
        job.parse(**fields, **{name: limit.high})
        with pytest.raises(InvalidOptions, match=f"^{name}: "):
            job.parse(**fields, **{name: below})
        with pytest.raises(InvalidOptions, match=f"^{name}: "):
            job.parse(**fields, **{name: limit.high + 1})


def test_a_slider_reads_its_range_and_default():
    assert EditJob.limits("num_inference_steps") == {"minimum": 1, "maximum": 150, "value": 25}
    assert BannersJob.limits("guidance_scale") == {"minimum": 0.0, "maximum": 30.0, "value": 7.5}
    assert EditJob.limits("strength")["value"] is None  # the operation's own


def test_flat_on_the_wire_nested_inside():
    job = BannersJob.parse(**SET, prompt="on marble", seed=7, edit_model="tiny", model="u2netp")
    assert (job.generation.prompt, job.generation.seed, job.generation.model, job.model) == (
        "on marble", 7, "tiny", "u2netp")  # `model` is the segmentation model; the editor is `edit_model`
    wire = job.model_dump(mode="json")
    assert "generation" not in wire and wire["edit_model"] == "tiny" and wire["seed"] == 7
    assert wire["model"] == "u2netp" and BannersJob.model_validate(wire) == job
    nested = BannersJob.parse(**SET, model="u2netp", generation={"prompt": "on marble", "seed": 7, "model": "tiny"})
    assert nested == job

    edit = EditJob.parse(operation="restyle", model="tiny", seed=3, strength=0.4, control="canny")
    wire = edit.model_dump(mode="json")
    assert wire["model"] == "tiny" and wire["strength"] == 0.4 and "generation" not in wire
    assert EditJob.model_validate(wire) == edit
    assert edit.params() == InpaintParams(prompt="", seed=3, strength=0.4, control="canny")


def test_messages_name_the_field_as_it_was_sent():
    with pytest.raises(InvalidOptions, match="^edit_model: unknown editor 'nope'; available: sd15, sdxl, tiny"):
        BannersJob.parse(**SET, edit_model="nope")
    with pytest.raises(InvalidOptions, match="^seed: Input should be greater than or equal to 0"):
        BannersJob.parse(**SET, generation={"seed": -1})
    with pytest.raises(InvalidOptions, match="flat \\(seed\\) or nested as `generation`, not both"):
        EditJob.parse(operation="add", seed=1, generation={"seed": 2})
    with pytest.raises(InvalidOptions, match="^edit_model: Extra inputs are not permitted"):
        EditJob.parse(operation="add", edit_model="tiny")  # an editing round names its editor `model`
