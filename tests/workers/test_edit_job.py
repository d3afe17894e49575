"""An editing round's and a selection's fields are checked before anything is stored, in plain words."""

from __future__ import annotations

import pytest

from pipelines.errors import InvalidOptions
from workers.edit import EditJob, SelectJob


@pytest.mark.parametrize("fields, message", [
    (dict(operation="add", box=(0.5, 0.1, 0.2, 0.9)), "box (0.5, 0.1, 0.2, 0.9) is empty: it needs x0 < x1"),
    (dict(operation="move", source_box=(0, 0, 1.5, 1)), "source_box (0, 0, 1.5, 1) reaches outside the picture"),
    (dict(operation="add", model="nope"), "model: unknown editor 'nope'; available: sd15, sdxl, tiny"),
    (dict(operation="add", seed=-1), "seed: Input should be greater than or equal to 0 (got -1)"),
    (dict(operation="paint"), "operation: Input should be 'add', 'replace'"),
    (dict(operation="add", num_inference_steps=0), "num_inference_steps: Input should be greater than or equal to 1"),
])
def test_bad_round_fields_are_named_with_what_is_allowed(fields, message):
    with pytest.raises(InvalidOptions) as error:
        EditJob.parse(**fields)
    assert message in str(error.value)


def test_strength_defaults_to_the_operations_own():
    assert EditJob.parse(operation="restyle").params().strength == 0.6
    assert EditJob.parse(operation="add").params().strength == 1.0
    assert EditJob.parse(operation="restyle", strength=0.3).params().strength == 0.3


def test_a_selection_needs_exactly_one_prompt():
    with pytest.raises(InvalidOptions, match="either a point .* or a box"):
        SelectJob.parse()
    with pytest.raises(InvalidOptions, match="either a point"):
        SelectJob.parse(point=(1, 2), box=(0, 0, 5, 5))
