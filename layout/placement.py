"""Refinements of a placed box: nudges ("a bit higher") and resizing ("bigger")."""

from __future__ import annotations

from layout.grid import Box, move, scale

THIRD = 1 / 3
NUDGE = {"small": 0.25 * THIRD, "normal": 0.5 * THIRD, "large": THIRD}
GROW = {"small": 1.15, "normal": 1.3, "large": 1.6}


def nudge(box: Box, direction: str, amount: str) -> Box:
    step = NUDGE[amount]
    dx, dy = {"left": (-step, 0), "right": (step, 0), "up": (0, -step), "down": (0, step)}[direction]
    return move(box, dx, dy)


def resize(box: Box, bigger: bool, amount: str) -> Box:
    factor = GROW[amount]
    return scale(box, factor if bigger else 1 / factor)
