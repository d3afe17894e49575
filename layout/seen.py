"""What the editor sees in the picture, as planner input: objects with English names and boxes.

    seen = (SeenObject("laptop", (0.3, 0.4, 0.8, 0.8)), SeenObject("cup", (0.1, 0.6, 0.2, 0.8)))
    plan, state = plan_layout("put a small succulent next to the laptop", state, seen)

The scene is data computed elsewhere (the workers' salient-object model and detector); layout/ only reads it.
`merge` folds it into the conversation's layout state: every object found gets an entry (seen=True) under a
key that is unique in the picture ("bottle #1", "bottle #2" from left to right when there are several), and
an object an earlier round placed that is found again keeps its key and history and takes the real box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from layout.grid import Box
from layout.state import LayoutState, Placed

MATCH_OVERLAP = 0.2  # a planned object and a found one of the same name are one object from this IoU on
PRODUCT = "product"  # what the salient-object model finds: the picture's main object
_NUMBERED = re.compile(r" #\d+$")


@dataclass(frozen=True)
class SeenObject:
    name_en: str  # English, singular: the detector's label, or "product" for the salient object
    box: Box  # fractions of the picture (x0, y0, x1, y1), origin top-left
    score: float = 1.0

    def __post_init__(self):
        x0, y0, x1, y1 = self.box
        if not (0.0 <= x0 < x1 <= 1.0 and 0.0 <= y0 < y1 <= 1.0):
            raise ValueError(f"a seen object's box must be fractions with x0 < x1 and y0 < y1, got {self.box}")
        if not self.name_en.strip():
            raise ValueError("a seen object needs a name")


def plain(key: str) -> str:
    """The name to show or prompt with: 'bottle #2' -> 'bottle'."""
    return _NUMBERED.sub("", key)


def _iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def keys(objects: tuple[SeenObject, ...]) -> list[str]:
    """Unique keys: the name alone when it is the only one of its name, else numbered from left to right."""
    names = [o.name_en.strip().lower() for o in objects]
    keys = list(names)
    for name in set(names):
        same = sorted((i for i, n in enumerate(names) if n == name),
                      key=lambda i: (objects[i].box[0] + objects[i].box[2], objects[i].box[1]))
        if len(same) > 1:
            for number, i in enumerate(same, 1):
                keys[i] = f"{name} #{number}"
    return keys


def merge(state: LayoutState, objects) -> LayoutState:
    """The layout state with the picture's objects in it (the scene replaces what earlier scenes found)."""
    objects = tuple(objects)
    planned = [o for o in state.objects if not o.seen]
    kept: list[Placed] = []
    taken: set[int] = set()
    for key, found in zip(keys(objects), objects):
        name = plain(key)
        best, best_iou = None, MATCH_OVERLAP
        for i, placed in enumerate(planned):
            overlap = _iou(placed.box, found.box)
            if i not in taken and plain(placed.name_en) == name and overlap >= best_iou:
                best, best_iou = i, overlap
        if best is not None:  # an object a round placed, found again: its key and history, the real box
            taken.add(best)
            match = planned[best]
            history = match.history if match.box == found.box else (*match.history, match.box)[-8:]
            kept.append(replace(match, box=found.box, history=history, seen=True))
        else:
            previous = state.find(key)
            history = previous.history if previous is not None and previous.seen else ()
            kept.append(Placed(name, key, found.box, history, seen=True))
    used = {p.name_en for p in kept}
    rest = [p for i, p in enumerate(planned) if i not in taken and p.name_en not in used]
    merged = (*rest, *kept)
    last = state.last if any(p.name_en == state.last for p in merged) else None
    products = [p for p in kept if plain(p.name_en) == PRODUCT]
    if last is None and (len(kept) == 1 or len(products) == 1):  # "make it bigger" on a product photo: 'it' is
        last = (products or kept)[0].name_en                     # the product
    return LayoutState(merged, last)


__all__ = ["PRODUCT", "SeenObject", "keys", "merge", "plain"]
