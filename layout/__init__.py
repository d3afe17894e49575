"""The layout planner: what a user types -> an edit plan placed on the picture's nine-grid.

Pure Python (no torch, gradio, redis or I/O outside the command line in __main__).

    from layout import plan_layout, EMPTY
    plan, state = plan_layout("put the desk lamp on the left", EMPTY)
    plan, state = plan_layout("a bit higher", state)       # the plan as its JSON dict
    plan, state = make_plan("a bit higher", state)         # the same as a typed Plan (for other packages)
    plan, state = make_plan("remove the cup", state, seen) # seen: what is in the picture (SeenObject)
"""

from layout.plan import Plan, PlanObject
from layout.planner import plan_layout
from layout.schema import PLAN_SCHEMA, validate_plan
from layout.seen import SeenObject
from layout.state import EMPTY, LayoutState


def make_plan(instruction: str, state: LayoutState = EMPTY, seen=None,
              bound: dict[str, str] | None = None) -> tuple[Plan, LayoutState]:
    """`plan_layout` with the plan as a frozen `Plan` (what code outside layout/ works with); `seen`: the
    objects found in the picture (SeenObject: English name, box), which names, 'it' and relations refer to;
    `bound`: names already settled by a question ({"bottle": "bottle #1"}, see layout.grounding.choose)."""
    plan, after = plan_layout(instruction, state, seen, bound)
    return Plan.from_dict(plan), after


__all__ = ["EMPTY", "PLAN_SCHEMA", "LayoutState", "Plan", "PlanObject", "SeenObject", "make_plan", "plan_layout", "validate_plan"]
