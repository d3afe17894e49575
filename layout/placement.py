"""Where things go: boxes for absolute places, for relations between objects, and for nudges."""

from __future__ import annotations

from layout import lexicon
from layout.grid import Box, box_at, center, move, scale

THIRD = 1 / 3
# place key -> (centre x or None, centre y or None)
PLACE_CENTRES = {
    "l": (1 / 6, None), "r": (5 / 6, None), "t": (None, 1 / 6), "b": (None, 5 / 6), "c": (0.5, 0.5),
    "tl": (1 / 6, 1 / 6), "tr": (5 / 6, 1 / 6), "bl": (1 / 6, 5 / 6), "br": (5 / 6, 5 / 6),
    "ut": (None, 1 / 6), "lt": (None, 5 / 6), "lc": (0.42, None), "rc": (0.58, None),
    "bg": (None, 0.38), "fg": (None, 0.75), "mr": (None, 0.5), "mc": (0.5, None),
}
VERTICAL_DEFAULT = {"low": 0.72, "high": 0.2, "mid": 0.5, "center": 0.5}
NUDGE = {"small": 0.25 * THIRD, "normal": 0.5 * THIRD, "large": THIRD}
GROW = {"small": 1.15, "normal": 1.3, "large": 1.6}


def size_of(name_en: str) -> tuple[float, float]:
    known = lexicon.NOUNS.get(name_en)
    return (known[1], known[2]) if known else (0.25, 0.3)


def vertical_default(name_en: str) -> float:
    known = lexicon.NOUNS.get(name_en)
    return VERTICAL_DEFAULT[known[0]] if known else 0.5


def absolute(name_en: str, places: list[str]) -> Box:
    """A box for an object at the named places (later words refine earlier ones: 'top' + 'left')."""
    cx = cy = None
    for key in places:
        px, py = PLACE_CENTRES[key]
        cx = px if px is not None else cx
        cy = py if py is not None else cy
    w, h = size_of(name_en)
    if "bg" in places:
        w, h = w * 0.75, h * 0.75
    if "fg" in places:
        w, h = w * 1.2, h * 1.2
    w, h = min(w, THIRD * 0.95) if cx not in (None, 0.5) else w, min(h, THIRD * 0.95) if cy not in (None, 0.5) else h
    return box_at(0.5 if cx is None else cx, vertical_default(name_en) if cy is None else cy, w, h)


def pair(relation: str, target: str, reference: str, ref_box: Box | None) -> tuple[Box, Box]:
    """Boxes for a target placed in relation to a reference (placed now unless it has a box already)."""
    tw, th = size_of(target)
    rw, rh = size_of(reference)
    tw, th, rw, rh = min(tw, 0.4), min(th, 0.45), min(rw, 0.45), min(rh, 0.5)
    if ref_box is None:
        rx, ry = {"left_of": (0.68, None), "right_of": (0.32, None), "above": (0.5, 0.7), "on": (0.5, 0.72),
                  "below": (0.5, 0.3), "next_to": (0.35, None), "near": (0.35, None),
                  "in_front_of": (0.5, 0.5), "behind": (0.5, 0.6)}.get(relation, (0.5, None))
        ref_box = box_at(rx, vertical_default(reference) if ry is None else ry, rw, rh)
        if relation in ("left_of", "right_of", "next_to", "near"):  # both new: a balanced pair
            tx = 1.0 - center(ref_box)[0]
            return box_at(tx, center(ref_box)[1], tw, th), ref_box
    cx, cy = center(ref_box)
    rw, rh = ref_box[2] - ref_box[0], ref_box[3] - ref_box[1]
    gap = 0.03
    if relation == "left_of":
        box = box_at(ref_box[0] - gap - tw / 2, cy, tw, th)
    elif relation in ("right_of", "next_to", "near"):
        box = box_at(ref_box[2] + gap + tw / 2, cy, tw, th)
        if box[0] < ref_box[2] - 1e-6:  # no room on the right: the left side instead
            box = box_at(ref_box[0] - gap - tw / 2, cy, tw, th)
    elif relation in ("above", "on"):
        bottom = ref_box[1] + (0.02 if relation == "on" else -gap)
        box = box_at(cx, bottom - th / 2, tw, th)
    elif relation == "below":
        box = box_at(cx, ref_box[3] + gap + th / 2, tw, th)
    elif relation == "in_front_of":
        box = box_at(cx, min(0.97 - th * 1.1 / 2, cy + rh * 0.35), tw * 1.1, th * 1.1)
    else:  # behind
        box = box_at(cx, max(th * 0.85 / 2 + 0.02, cy - rh * 0.35), tw * 0.85, th * 0.85)
    return box, ref_box


def between(target: str, refs: list[str], boxes: list[Box | None]) -> tuple[Box, list[Box]]:
    placed = []
    for i, (name, box) in enumerate(zip(refs, boxes)):
        w, h = size_of(name)
        placed.append(box or box_at((0.18, 0.82)[i], vertical_default(name), min(w, 0.3), min(h, 0.45)))
    (ax, ay), (bx, by) = center(placed[0]), center(placed[1])
    tw, th = size_of(target)
    span = max(abs(bx - ax), abs(by - ay))
    return box_at((ax + bx) / 2, (ay + by) / 2, min(tw, span * 0.6), min(th, 0.45)), placed


def nudge(box: Box, direction: str, amount: str) -> Box:
    step = NUDGE[amount]
    dx, dy = {"left": (-step, 0), "right": (step, 0), "up": (0, -step), "down": (0, step)}[direction]
    return move(box, dx, dy)


def resize(box: Box, bigger: bool, amount: str) -> Box:
    factor = GROW[amount]
    return scale(box, factor if bigger else 1 / factor)
