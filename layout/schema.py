"""The plan: one JSON object per instruction. `PLAN_SCHEMA` is its JSON Schema; `validate_plan` checks a
dict against it (and the invariants the schema cannot say) and returns the list of problems.

    {"action": "add|move|remove|replace|resize|restyle|background|compose|none",
     "language": "en|zh|ja|ko|es|pt|fr|de|ru|id",
     "placement": "planned|unchanged|none",     # none: nothing spatial was said (see "reason")
     "reason": str | null,
     "objects": [{"name": as written, "name_en": English, "box": [x0, y0, x1, y1] in 0..1 (origin top-left),
                  "cells": [[row, col], ...] (row 0 top, col 0 left; cells the box covers),
                  "role": "target|reference"}],
     "prompt_en": text for the generation model, "confidence": 0..1, "notes": [str]}
"""

from __future__ import annotations

from layout.grid import cells_of
from layout.vocab import available

ACTIONS = ("add", "move", "remove", "replace", "resize", "restyle", "background", "compose", "none")
LANGUAGES = available()  # one per file in layout/languages/
PLACEMENTS = ("planned", "unchanged", "none")

PLAN_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Storefront Studio layout plan",
    "type": "object",
    "required": ["action", "language", "placement", "reason", "objects", "prompt_en", "confidence", "notes"],
    "additionalProperties": False,
    "properties": {
        "action": {"enum": list(ACTIONS)},
        "language": {"enum": list(LANGUAGES)},
        "placement": {"enum": list(PLACEMENTS)},
        "reason": {"type": ["string", "null"]},
        "objects": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "name_en", "box", "cells", "role"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "name_en": {"type": "string", "minLength": 1},
                    "box": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1},
                            "minItems": 4, "maxItems": 4},
                    "cells": {"type": "array", "items": {"type": "array", "items": {"type": "integer", "minimum": 0,
                              "maximum": 2}, "minItems": 2, "maxItems": 2}},
                    "role": {"enum": ["target", "reference"]},
                },
            },
        },
        "prompt_en": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "notes": {"type": "array", "items": {"type": "string"}},
    },
}


def validate_plan(plan: object) -> list[str]:
    """Problems with a plan dict (empty list = valid)."""
    if not isinstance(plan, dict):
        return ["the plan must be a JSON object"]
    problems = []
    required = PLAN_SCHEMA["required"]
    problems += [f"missing field {k!r}" for k in required if k not in plan]
    problems += [f"unknown field {k!r}" for k in plan if k not in PLAN_SCHEMA["properties"]]
    if problems:
        return problems
    for field, allowed in (("action", ACTIONS), ("language", LANGUAGES), ("placement", PLACEMENTS)):
        if plan[field] not in allowed:
            problems.append(f"{field} {plan[field]!r} is not one of {', '.join(allowed)}")
    if not isinstance(plan["confidence"], (int, float)) or not 0 <= plan["confidence"] <= 1:
        problems.append("confidence must be a number in 0..1")
    if not isinstance(plan["prompt_en"], str):
        problems.append("prompt_en must be a string")
    if not isinstance(plan["notes"], list) or not all(isinstance(n, str) for n in plan["notes"]):
        problems.append("notes must be a list of strings")
    if not isinstance(plan["objects"], list):
        return problems + ["objects must be a list"]
    for i, obj in enumerate(plan["objects"]):
        problems += [f"objects[{i}]: {p}" for p in _object_problems(obj)]
    if plan["placement"] == "none" and not plan["reason"]:
        problems.append("a plan with no placement must say why (reason)")
    return problems


def _object_problems(obj: object) -> list[str]:
    if not isinstance(obj, dict):
        return ["must be an object"]
    fields = PLAN_SCHEMA["properties"]["objects"]["items"]
    problems = [f"missing field {k!r}" for k in fields["required"] if k not in obj]
    problems += [f"unknown field {k!r}" for k in obj if k not in fields["properties"]]
    if problems:
        return problems
    for key in ("name", "name_en"):
        if not isinstance(obj[key], str) or not obj[key]:
            problems.append(f"{key} must be a non-empty string")
    box = obj["box"]
    if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box)):
        return problems + ["box must be [x0, y0, x1, y1]"]
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        problems.append(f"box {box} must satisfy 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1")
    elif obj["cells"] != cells_of(tuple(box)):
        problems.append(f"cells {obj['cells']} do not match the box (expected {cells_of(tuple(box))})")
    if obj["role"] not in ("target", "reference"):
        problems.append(f"role {obj['role']!r} is not target or reference")
    return problems
