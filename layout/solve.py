"""Placing a scene: every object gets a box so that what was said holds (hard constraints) and the layout
looks right (soft preferences: where such a thing usually sits, its size, not covering other objects).

A small beam search: objects in an order where what others depend on comes first; for each, candidate
centres (a 5x5 lattice, the spot each relation or place asks for); cost = 10 per broken constraint + the
soft terms. What cannot hold together is returned, so the plan can say so.
"""

from __future__ import annotations

from layout import names
from layout.grid import Box, center
from layout.scene import Constraint, Scene

LATTICE = (0.15, 0.32, 0.5, 0.68, 0.85)
COARSE = (0.2, 0.5, 0.8)  # where what was said already proposes spots, a coarse lattice is enough
GAP = 0.03
BEAM = 6
HARD = 10.0
SIZE_FACTOR = {"small": 0.7, "normal": 1.0, "large": 1.35}
BANDS = {"surface": (0.0, 0.74, 1.0, 1.0), "sky": (0.0, 0.0, 1.0, 0.24), "wall": (0.0, 0.0, 1.0, 0.62)}
VERTICAL = {"low": 0.7, "mid": 0.5, "high": 0.2, "center": 0.5}
PLACE_CENTRES = {
    "l": (1 / 6, None), "r": (5 / 6, None), "t": (None, 1 / 6), "b": (None, 5 / 6), "c": (0.5, 0.5),
    "tl": (1 / 6, 1 / 6), "tr": (5 / 6, 1 / 6), "bl": (1 / 6, 5 / 6), "br": (5 / 6, 5 / 6),
    "ut": (None, 1 / 6), "lt": (None, 5 / 6), "lc": (0.42, None), "rc": (0.58, None),
    "bg": (None, 0.38), "fg": (None, 0.75), "mr": (None, 0.5), "mc": (0.5, None),
}
THIRD = 1 / 3
IN_PLACE = {
    "l": lambda x, y: x < THIRD, "r": lambda x, y: x > 2 * THIRD, "t": lambda x, y: y < THIRD,
    "b": lambda x, y: y > 2 * THIRD, "c": lambda x, y: THIRD < x < 2 * THIRD and THIRD < y < 2 * THIRD,
    "tl": lambda x, y: x < THIRD and y < THIRD, "tr": lambda x, y: x > 2 * THIRD and y < THIRD,
    "bl": lambda x, y: x < THIRD and y > 2 * THIRD, "br": lambda x, y: x > 2 * THIRD and y > 2 * THIRD,
    "ut": lambda x, y: y < THIRD, "lt": lambda x, y: y > 2 * THIRD, "lc": lambda x, y: THIRD < x < 0.5,
    "rc": lambda x, y: 0.5 < x < 2 * THIRD, "mr": lambda x, y: THIRD < y < 2 * THIRD,
    "mc": lambda x, y: THIRD < x < 2 * THIRD, "bg": lambda x, y: y < 0.5, "fg": lambda x, y: y > 0.5,
}
INVERSE = {"left_of": "right_of", "right_of": "left_of", "above": "below", "below": "above", "on": "below",
           "in_front_of": "behind", "behind": "in_front_of", "next_to": "next_to", "near": "near",
           "inside": "around"}


BETWEEN_OFF_LINE = 0.12  # how far off the line joining its two references a thing 'between' them may sit


def holds(c: Constraint, boxes: dict[int, Box]) -> bool:
    """Whether a constraint holds for the boxes (judged on centres, as a viewer of the grid would)."""
    tx, ty = center(boxes[c.target])
    if c.kind == "place":
        return IN_PLACE[c.key](tx, ty)
    if c.kind in ("row", "column"):
        return True  # made of relations between neighbours
    if c.kind == "between":  # on the segment between the two centres, not just inside their span on one axis
        (ax, ay), (bx, by) = center(boxes[c.refs[0]]), center(boxes[c.refs[1]])
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        if length2 < 1e-6:
            return False
        along = ((tx - ax) * dx + (ty - ay) * dy) / length2
        across = abs((tx - ax) * dy - (ty - ay) * dx) / length2 ** 0.5
        return 0.0 < along < 1.0 and across < BETWEEN_OFF_LINE
    ref = boxes[c.refs[0]]
    rx, ry = center(ref)
    key = c.key
    if key == "left_of":
        return tx < rx - 0.02
    if key == "right_of":
        return tx > rx + 0.02
    if key in ("above", "on"):
        return ty < ry - 0.02
    if key == "below":
        return ty > ry + 0.02
    if key == "in_front_of":
        return ty > ry + 0.01
    if key == "behind":
        return ty < ry - 0.01
    if key == "next_to":  # beside it and close: side by side, not across the picture
        return 0.1 <= abs(tx - rx) < 0.45 and abs(ty - ry) < 0.2
    if key == "near":
        return 0.08 < ((tx - rx) ** 2 + (ty - ry) ** 2) ** 0.5 < 0.4
    if key == "inside":
        return ref[0] < tx < ref[2] and ref[1] < ty < ref[3]
    if key == "around":  # the inverse of inside: the reference is inside the target
        t = boxes[c.target]
        return t[0] < rx < t[2] and t[1] < ry < t[3]
    return True


REFERENCE_SCALE = (0.4, 2.5)  # how far a real reference's size may rescale a new object's usual size


def sizes(scene: Scene, fixed: dict[int, Box] | None = None,
          current: dict[int, Box] | None = None) -> dict[int, tuple[float, float]]:
    """Each object's size: its own when it is already in the picture (`current`: a move keeps it); else its
    usual size, scaled like the real object it is placed against (a mug next to a laptop the picture shows
    large is drawn as large as a mug beside that laptop), within the crowd's caps."""
    fixed, current = fixed or {}, current or {}
    crowd = len(scene.things)
    cap_w = 0.45 if crowd > 1 else 0.9
    cap_h = 0.5 if crowd > 1 else 0.9
    if crowd > 3:
        cap_w, cap_h = 0.9 / crowd + 0.08, 0.38
    out = {}
    for thing in scene.things:
        if thing.id in current:
            out[thing.id] = _kept_size(thing.id, current[thing.id], scene)
            continue
        w, h = names.info(thing.name_en).size
        f = SIZE_FACTOR.get(thing.size, 1.0) * _reference_scale(thing.id, scene, fixed)
        out[thing.id] = (max(0.05, min(cap_w, w * f)), max(0.05, min(cap_h, h * f)))
    return out


PLACE_ROOM = 0.6  # a moved object at most this share of the picture along the axis its new place is on


def _kept_size(t: int, box: Box, scene: Scene) -> tuple[float, float]:
    """A moved object's own size, made just small enough (uniformly) that the place it was sent to can hold
    it: 'move the product to the left' on a photo the product fills still ends with it on the left."""
    w, h = box[2] - box[0], box[3] - box[1]
    factor = 1.0
    for c in scene.constraints:
        if c.kind == "place" and c.target == t:
            px, py = PLACE_CENTRES[c.key]
            if px is not None and px != 0.5 and w > PLACE_ROOM:
                factor = min(factor, PLACE_ROOM / w)
            if py is not None and py != 0.5 and h > PLACE_ROOM:
                factor = min(factor, PLACE_ROOM / h)
    return w * factor, h * factor


def _reference_scale(t: int, scene: Scene, fixed: dict[int, Box]) -> float:
    """How much bigger than usual the real objects this one is related to are (1 when none is real)."""
    factors = []
    for c in scene.constraints:
        if c.target != t or c.kind not in ("relation", "between"):
            continue
        for r in c.refs:
            if r in fixed and scene.things[r].name_en != "product":
                box = fixed[r]
                w, h = names.info(scene.things[r].name_en).size
                factors.append(((box[2] - box[0]) * (box[3] - box[1]) / (w * h)) ** 0.5)
    if not factors:
        return 1.0
    return min(REFERENCE_SCALE[1], max(REFERENCE_SCALE[0], sum(factors) / len(factors)))


def _spot(key: str, ref: Box, w: float, h: float) -> list[tuple[float, float, float, float]]:
    """Where a target of size w x h goes for `key` relative to a reference box: (cx, cy, w, h) options."""
    rx, ry = center(ref)
    rw, rh = ref[2] - ref[0], ref[3] - ref[1]
    if key == "left_of":
        return [(ref[0] - GAP - w / 2, ry, w, h)]
    if key == "right_of":
        return [(ref[2] + GAP + w / 2, ry, w, h)]
    if key == "above":
        return [(rx, ref[1] - GAP - h / 2, w, h)]
    if key == "below":
        return [(rx, ref[3] + GAP + h / 2, w, h)]
    if key == "on":
        bottom = ref[1] + 0.25 * rh
        return [(rx, bottom - h / 2, min(w, max(rw * 0.8, 0.08)), h)]
    if key == "in_front_of":
        return [(rx, ry + rh * 0.35, w * 1.1, h * 1.1)]
    if key == "behind":
        return [(rx, ry - rh * 0.35, w * 0.85, h * 0.85)]
    if key in ("next_to", "near"):
        gap = GAP if key == "next_to" else 0.06
        return [(ref[2] + gap + w / 2, ry, w, h), (ref[0] - gap - w / 2, ry, w, h)]
    if key == "inside":  # in its upper part: 'em', 'na', 'в', 'di' mean in or on, and both then hold
        iw, ih = min(w, rw * 0.6), min(h, rh * 0.6)
        return [(rx, ry - min(rh * 0.15, (rh - ih) / 2), iw, ih)]
    if key == "around":
        return [(rx, ry, max(w, rw * 1.4), max(h, rh * 1.4))]
    return []


def _candidates(t: int, size, mine: list[Constraint], placed: dict[int, Box], kinds: dict[int, str],
                vertical: float):
    w, h = size
    spots = []
    for c in mine:
        if c.kind == "place" and c.target == t:
            px, py = PLACE_CENTRES[c.key]
            xs = [px] if px is not None else [0.5, 1 / 6, 5 / 6]
            ys = [py] if py is not None else [vertical, 0.5]
            spots += [(x, y, w, h) for x in xs for y in ys]
            # room for several of one thing in one place ('six apples on the left')
            spots += [(x + dx, y + dy, w, h) for x in xs[:1] for y in ys[:1]
                      for dx in (-w * 0.6, 0.0, w * 0.6) for dy in (-h * 0.6, 0.0, h * 0.6) if dx or dy]
        elif c.kind == "relation" and c.target == t and c.refs[0] in placed:
            spots += _spot(c.key, placed[c.refs[0]], w, h)
        elif c.kind == "relation" and t in c.refs and c.target in placed:
            spots += _spot(INVERSE.get(c.key, c.key), placed[c.target], w, h)
        elif c.kind == "between" and c.target == t and all(r in placed for r in c.refs):
            (ax, ay), (bx, by) = center(placed[c.refs[0]]), center(placed[c.refs[1]])
            span = max(abs(bx - ax), abs(by - ay))
            spots.append(((ax + bx) / 2, (ay + by) / 2, min(w, span * 0.6), min(h, 0.45)))
        elif c.kind == "between" and t in c.refs and c.target in placed:
            tx, ty = center(placed[c.target])
            side = -1 if t == c.refs[0] else 1
            spots.append((tx + side * (0.06 + w / 2 + (placed[c.target][2] - placed[c.target][0]) / 2), ty, w, h))
    grid = COARSE if spots or kinds[t] in BANDS else LATTICE
    spots += [(x, y, w, h) for x in grid for y in grid]
    boxes = [_box(x, y, bw, bh) for x, y, bw, bh in spots]
    if kinds[t] in BANDS:  # the floor is the bottom band, unless what was said puts it elsewhere
        boxes.insert(0, BANDS[kinds[t]])
    return boxes


def _box(cx: float, cy: float, w: float, h: float) -> Box:
    """A box of size w x h centred at (cx, cy), shifted (never squashed) inside the picture; unrounded
    (the plan rounds), since the search builds thousands of them."""
    w, h = min(1.0, max(0.04, w)), min(1.0, max(0.04, h))
    x0 = min(max(0.0, cx - w / 2), 1.0 - w)
    y0 = min(max(0.0, cy - h / 2), 1.0 - h)
    return (x0, y0, x0 + w, y0 + h)


def _overlap(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller > 0 else 0.0


def _cost(t: int, box: Box, placed: dict[int, Box], mine: list[Constraint], related: dict[int, set[int]],
          vertical: dict[int, float], kinds: dict[int, str], siblings: dict[int, set[int]]) -> float:
    boxes = {**placed, t: box}
    cost = 0.0
    constrained_y = False
    for c in mine:
        if c.target not in boxes or any(a not in boxes for a in c.refs):
            continue
        if not holds(c, boxes):
            cost += HARD
        elif c.kind == "relation" and c.target == t:
            ideal = _spot(c.key, boxes[c.refs[0]], box[2] - box[0], box[3] - box[1])
            if ideal:
                cx, cy = center(box)
                cost += 0.8 * min(abs(cx - x) + abs(cy - y) for x, y, _, _ in ideal)
        if c.kind == "place" and c.target == t:
            px, py = PLACE_CENTRES[c.key]
            cx, cy = center(box)
            cost += 0.8 * ((abs(cx - px) if px is not None else 0.0) + (abs(cy - py) if py is not None else 0.0))
            constrained_y = constrained_y or py is not None
    cx, cy = center(box)
    if kinds[t] in BANDS and box != BANDS[kinds[t]]:
        cost += 0.5
    if kinds[t] not in BANDS:
        cost += (0.15 if constrained_y else 0.6) * abs(cy - vertical[t])
        cost += 0.15 * abs(cx - 0.5)
        if kinds[t] == "center":
            cost += 1.0 * (abs(cx - 0.5) + abs(cy - 0.5))
        for other, obox in placed.items():
            if other not in related[t] and kinds[other] not in BANDS:
                cost += (6.0 if other in siblings.get(t, ()) else 2.0) * _overlap(box, obox)  # copies apart
    return cost


def _order(scene: Scene, fixed: dict[int, Box]) -> list[int]:
    score = {t.id: 0.0 for t in scene.things}
    for c in scene.constraints:
        if c.kind == "place" and c.target in score:
            score[c.target] += 3
        for r in c.refs:
            if r in score:
                score[r] += 2
        if c.target in score:
            score[c.target] -= 0.5
    free = [t.id for t in scene.things if t.id not in fixed]
    return sorted(free, key=lambda i: (-score[i], i))


def solve(scene: Scene, fixed: dict[int, Box] | None = None,
          current: dict[int, Box] | None = None) -> tuple[dict[int, Box], list[Constraint]]:
    """Boxes for every object of the scene (`fixed` ones stay where they are; `current` ones, moved, keep
    their size) and the constraints that could not be met."""
    fixed = dict(fixed or {})
    size = sizes(scene, fixed, current)
    kinds = {}
    vertical = {}
    for thing in scene.things:
        known = names.info(thing.name_en)
        kinds[thing.id] = "center" if known.vertical == "center" else known.kind
        vertical[thing.id] = VERTICAL.get(known.vertical, 0.5)
    related: dict[int, set[int]] = {t.id: set() for t in scene.things}
    for c in scene.constraints:
        if c.kind in ("relation", "between") and c.target in related:
            for r in c.refs:
                if r in related and (c.key in ("on", "inside", "in_front_of", "behind", "around", "below")
                                     or kinds.get(r) in BANDS):
                    related[c.target].add(r)
                    related[r].add(c.target)
    siblings = {t.id: {o.id for o in scene.things if o.name_en == t.name_en and o.id != t.id} for t in scene.things}
    by_thing: dict[int, list[Constraint]] = {t.id: [] for t in scene.things}
    for c in scene.constraints:
        for a in {c.target, *c.refs}:
            if a in by_thing:
                by_thing[a].append(c)
    beam: list[tuple[float, dict[int, Box]]] = [(0.0, fixed)]
    for t in _order(scene, fixed):
        grown = []
        mine = by_thing[t]
        for total, placed in beam:
            seen = set()
            for box in _candidates(t, size[t], mine, placed, kinds, vertical[t]):
                if box in seen:
                    continue
                seen.add(box)
                grown.append((total + _cost(t, box, placed, mine, related, vertical, kinds, siblings),
                              {**placed, t: box}))
        grown.sort(key=lambda g: g[0])
        beam = grown[:BEAM]
    boxes = beam[0][1]
    broken = [c for c in scene.constraints
              if all(a in boxes for a in (c.target, *c.refs)) and not holds(c, boxes)]
    return boxes, broken
