"""The nine-grid: boxes are (x0, y0, x1, y1) in 0..1 (origin top-left, x right, y down); cells are
(row, col) with row 0 = top and col 0 = left. A box covers a cell when it overlaps at least a tenth of
the cell's area; the cell holding the box's centre is always covered."""

from __future__ import annotations

Box = tuple[float, float, float, float]
THIRD = 1.0 / 3.0
MIN_COVER = 0.1


def clamp_box(box: Box) -> Box:
    """Shift (never squash) a box back inside the picture; shrink only if it is bigger than the picture."""
    x0, y0, x1, y1 = box
    w, h = min(1.0, x1 - x0), min(1.0, y1 - y0)
    x0 = min(max(0.0, x0), 1.0 - w)
    y0 = min(max(0.0, y0), 1.0 - h)
    return (round(x0, 4), round(y0, 4), round(x0 + w, 4), round(y0 + h, 4))


def center(box: Box) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def cells_of(box: Box) -> list[list[int]]:
    x0, y0, x1, y1 = box
    covered = set()
    for row in range(3):
        for col in range(3):
            cx0, cy0 = col * THIRD, row * THIRD
            overlap = max(0.0, min(x1, cx0 + THIRD) - max(x0, cx0)) * max(0.0, min(y1, cy0 + THIRD) - max(y0, cy0))
            if overlap >= MIN_COVER * THIRD * THIRD:
                covered.add((row, col))
    cx, cy = center(box)
    covered.add((min(2, int(cy * 3)), min(2, int(cx * 3))))
    return [list(cell) for cell in sorted(covered)]


def box_at(cx: float, cy: float, width: float, height: float) -> Box:
    return clamp_box((cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2))


def move(box: Box, dx: float, dy: float) -> Box:
    return clamp_box((box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy))


def scale(box: Box, factor: float) -> Box:
    cx, cy = center(box)
    w, h = (box[2] - box[0]) * factor, (box[3] - box[1]) * factor
    return box_at(cx, cy, min(1.0, max(0.04, w)), min(1.0, max(0.04, h)))
