"""Scoring a plan against a labelled grounding case: an instruction about a picture whose objects are known.

    right, why = check_grounding(case, objects, plan)     # case: one line of bench/data/grounding/instructions.jsonl

Kinds of case (the label's "expect"):
    referent  the plan acts on object i (its key in the picture) with the expected action; a move also ends
              in the expected place of the nine-grid when one was said
    relation  a new object is placed so that the relation to object i holds, with i as the plan's reference
    between   a new object between objects i and j, both the plan's references
    question  no plan, a question back (several objects answer to the name)
"""

from __future__ import annotations

from layout.scene import Constraint
from layout.seen import SeenObject, keys
from layout.solve import IN_PLACE, holds
from layout.grid import center


def seen_objects(scene: dict) -> tuple[SeenObject, ...]:
    return tuple(SeenObject(o["name"], tuple(o["box"])) for o in scene["objects"])


def check_grounding(case: dict, objects: tuple[SeenObject, ...], plan: dict) -> tuple[bool, str]:
    expect = case["expect"]
    names = keys(objects)
    by_key = {o["name_en"]: o for o in plan["objects"]}
    kind = expect["kind"]
    if kind == "question":
        asked = plan["placement"] == "none" and (plan["reason"] or "").startswith("which")
        return asked, "" if asked else f"expected a question, got {plan['action']} {_objects(plan)}"
    if plan["placement"] == "none":
        return False, f"no plan: {plan['reason']}"
    if kind == "referent":
        key = names[expect["object"]]
        if plan["action"] != expect["action"]:
            return False, f"action {plan['action']} instead of {expect['action']} ({_objects(plan)})"
        if key not in by_key:
            return False, f"acted on {_objects(plan)} instead of {key}"
        where = expect.get("to")
        if where and not IN_PLACE[where](*center(tuple(by_key[key]["box"]))):
            return False, f"{key} moved to {by_key[key]['box']}, not {where}"
        return True, ""
    references = [names[i] for i in (expect["references"] if kind == "between" else [expect["reference"]])]
    missing = [r for r in references if by_key.get(r, {}).get("role") != "reference"]
    if missing:
        return False, f"reference {missing} not used ({_objects(plan)})"
    # an add places a new object even when one of its kind is there ('a plant next to the laptop' by a plant)
    new = [o for o in plan["objects"] if o["role"] == "target" and (
        plan["action"] in ("add", "compose") or o["name_en"] not in names)]
    if not new:
        return False, f"nothing new placed ({_objects(plan)})"
    boxes = {0: tuple(new[0]["box"]), **{k + 1: tuple(by_key[r]["box"]) for k, r in enumerate(references)}}
    if kind == "between":
        constraint = Constraint("between", 0, "", (1, 2))
    else:
        constraint = Constraint("relation", 0, expect["relation"], (1,))
    if not holds(constraint, boxes):
        return False, f"{new[0]['name_en']} at {new[0]['box']} is not {expect.get('relation', 'between')} {references}"
    return True, ""


def _objects(plan: dict) -> str:
    return ", ".join(f"{o['name_en']}:{o['role']}" for o in plan["objects"]) or "no objects"
