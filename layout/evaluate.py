"""Scoring the planner against a labelled set (one JSON case per line): what bench/planner.py and the
tests share. A case is right when the language, action, objects and their places all match."""

from __future__ import annotations

from layout.grid import center
from layout import wordnet
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


# -- the development set (tests/data/planner_dev.jsonl: public sources, labels from their annotations) ----



IRREGULAR = {"men": "man", "women": "woman", "people": "person", "children": "child", "feet": "foot",
             "teeth": "tooth", "mice": "mouse", "geese": "goose", "knives": "knife", "leaves": "leaf"}


def singular(word: str) -> str:
    """English singular by the spelling rules, for comparing labels ('shelves', 'men') with names."""
    if word in IRREGULAR:
        return IRREGULAR[word]
    for plural, one in (("ves", "f"), ("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("sses", "ss"), ("xes", "x")):
        if word.endswith(plural) and len(word) > len(plural) + 1:
            return word[: -len(plural)] + one
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def same_object(label: str, name_en: str) -> bool:
    """A plan's object is the labelled one when their head nouns agree ('dining table' ~ 'table',
    'shelves' ~ 'shelf')."""
    a, b = label.lower().split(), name_en.lower().split()
    if not a or not b:
        return False
    if a[-1] == b[-1] or singular(a[-1]) == singular(b[-1]):
        return True
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return len(shorter) < len(longer) and all(w in longer for w in shorter)  # 'palm' ~ 'palm tree'


def _find(plan: dict, label: str, taken: tuple = (), role: str | None = None,
          synonyms: bool = False) -> dict | None:
    """The plan's object for a label: the same name first, then the same head noun; one not taken by
    another label of the same relation, and of the role asked for when two have one name ('the basket
    above the other basket'). With synonyms, then a WordNet synonym, kind or category of it ('bicycle' for
    'bike', 'car' for 'vehicle')."""
    free = [o for o in plan["objects"] if not any(o is t for t in taken)]
    free.sort(key=lambda o: o["role"] != role)  # stable: the plan's order within a role
    exact = [o for o in free if o["name_en"].lower() == label.lower()]
    if exact:
        return exact[0]
    found = next((o for o in free if same_object(label, o["name_en"])), None)
    if found is None and synonyms:
        found = next((o for o in free if wordnet.related(label, o["name_en"])), None)
    return found


def _relation_holds(relation: str, t: dict, refs: list[dict]) -> bool:
    tx, ty = center(t["box"])
    if relation == "between":
        (ax, ay), (bx, by) = center(refs[0]["box"]), center(refs[1]["box"])
        if abs(ax - bx) >= abs(ay - by):
            return min(ax, bx) < tx < max(ax, bx)
        return min(ay, by) < ty < max(ay, by)
    rx, ry = center(refs[0]["box"])
    r = refs[0]["box"]
    return {
        "left_of": tx < rx, "right_of": tx > rx, "above": ty < ry, "on": ty < ry, "below": ty > ry,
        "in_front_of": ty > ry, "behind": ty < ry,
        # close, and side by side for "next to": far-apart objects are neither
        "next_to": 0.05 < abs(tx - rx) < 0.5 and abs(ty - ry) < 0.25,
        "near": 0.05 < ((tx - rx) ** 2 + (ty - ry) ** 2) ** 0.5 < 0.45,
        "inside": r[0] <= tx <= r[2] and r[1] <= ty <= r[3],
    }[relation]


def check_item(item: dict, plan: dict, synonyms: bool = False) -> tuple[bool, str]:
    """Whether a plan places what a dev-set item describes: the language, every labelled object (by head
    noun; with synonyms, also by a WordNet synonym or kind: see layout/wordnet.py), every relation between
    them (on box centres) and every place on the picture."""
    if item["language"] != plan["language"]:
        return False, f"language {plan['language']}"
    for rel in item.get("relations", []):
        refs_labels = rel["reference"] if isinstance(rel["reference"], list) else [rel["reference"]]
        refs = []
        for r in refs_labels:
            refs.append(_find(plan, r, tuple(x for x in refs if x is not None), "reference", synonyms))
        t = _find(plan, rel["target"], tuple(x for x in refs if x is not None), "target", synonyms)
        if t is None or any(r is None for r in refs):
            return False, f"objects {[o['name_en'] for o in plan['objects']]}"
        if any(r is t for r in refs):
            return False, "target and reference are one object"
        if t["role"] != "target":
            return False, f"{rel['target']} is not what the plan places (role {t['role']})"
        if not _relation_holds(rel["relation"], t, refs):
            return False, f"{rel['relation']} not satisfied"
    for place in item.get("places", []):
        t = _find(plan, place["object"], synonyms=synonyms)
        if t is None:
            return False, f"objects {[o['name_en'] for o in plan['objects']]}"
        if not REGIONS[place["where"]](*center(t["box"])):
            return False, f"{place['object']} not {place['where']}"
    return True, ""
