"""The layout planner: what a user types -> an edit plan placed on the picture's nine-grid.

Pure Python (no torch, gradio, redis or I/O outside the command line in __main__).

    from layout import plan_layout, EMPTY
    plan, state = plan_layout("put the desk lamp on the left", EMPTY)
    plan, state = plan_layout("a bit higher", state)
"""

from layout.planner import plan_layout
from layout.schema import PLAN_SCHEMA, validate_plan
from layout.state import EMPTY, LayoutState

__all__ = ["EMPTY", "PLAN_SCHEMA", "LayoutState", "plan_layout", "validate_plan"]
