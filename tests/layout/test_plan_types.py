"""The typed plan other packages work with (layout.Plan) carries exactly the JSON plan."""

import dataclasses

import pytest

from layout import EMPTY, Plan, make_plan, plan_layout, validate_plan

PHRASES = ["put the desk lamp on the left", "两只猫在左边", "remove the cup", "a bluetooth speaker between the books "
           "and the lamp", "Stell die Kaffeemühle rechts neben den Wasserkocher", "make the background warmer", ""]


@pytest.mark.parametrize("text", PHRASES)
def test_typed_plan_round_trips_to_the_json_plan(text):
    plan, state = make_plan(text, EMPTY)
    expected, expected_state = plan_layout(text, EMPTY)
    assert plan.to_dict() == expected and validate_plan(plan.to_dict()) == []
    assert state == expected_state
    assert Plan.from_dict(expected) == plan


def test_typed_plan_is_frozen_and_names_its_target():
    plan, _ = make_plan("put a small succulent next to the laptop")
    assert plan.target is not None and plan.target.name_en == "succulent" and plan.target.role == "target"
    assert [o.name_en for o in plan.objects if o.role == "reference"] == ["laptop"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.action = "remove"
