"""Scoring the planner against a labelled set (one JSON case per line): what bench/planner.py and the
tests share. A case is right when the language, action, objects and their places all match."""

from __future__ import annotations

from layout.grid import center
from layout.planner import plan_layout

REGIONS = {
    "left": lambda x, y: x < 1 / 3, "right": lambda x, y: x > 2 / 3, "top": lambda x, y: y < 1 / 3,
    "bottom": lambda x, y: y > 2 / 3, "center": lambda x, y: 1 / 3 < x < 2 / 3 and 1 / 3 < y < 2 / 3,
    "top right": lambda x, y: x > 2 / 3 and y < 1 / 3, "top left": lambda x, y: x < 1 / 3 and y < 1 / 3,
    "bottom left": lambda x, y: x < 1 / 3 and y > 2 / 3, "bottom right": lambda x, y: x > 2 / 3 and y > 2 / 3,
    "right of center": lambda x, y: 0.5 < x < 2 / 3, "left of center": lambda x, y: 1 / 3 < x < 0.5,
}


def check_case(case: dict) -> tuple[bool, str]:
    plan, _ = plan_layout(case["instruction"])
    if case["type"] != "mixed" and plan["language"] != case["language"]:
        return False, f"language {plan['language']}"
    if "placement" in case:
        return plan["placement"] == case["placement"], f"placement {plan['placement']}"
    if "action" in case and plan["action"] != case["action"] and case["type"] != "relation":
        return False, f"action {plan['action']}"
    objects = {o["name_en"]: o for o in plan["objects"]}
    if "target" in case:
        target = objects.get(case["target"])
        if target is None or target["role"] != "target":
            return False, f"objects {list(objects)}"
        tx, ty = center(target["box"])
        if "where" in case and not REGIONS[case["where"]](tx, ty):
            return False, f"target at {tx:.2f},{ty:.2f}"
        if "reference" in case:
            ref = objects.get(case["reference"])
            if ref is None or ref["role"] != "reference":
                return False, f"reference missing in {list(objects)}"
            rx, ry = center(ref["box"])
            ok = {"left_of": tx < rx, "right_of": tx > rx, "above": ty < ry, "below": ty > ry,
                  "next_to": abs(tx - rx) > 0.05, "between": True}[case["relation"]]
            if case["relation"] == "between":
                others = [center(o["box"])[0] for o in plan["objects"] if o["role"] == "reference"]
                ok = len(others) == 2 and min(others) < tx < max(others)
            if not ok:
                return False, f"relation {case['relation']} not satisfied"
    return True, ""
