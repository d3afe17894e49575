"""Where lines may break, and the balanced set of breaks.

Break opportunities: spaces (and the ideographic space) in every script; zero-width spaces (U+200B,
how Thai copy marks phrases); between grapheme clusters next to a Han/Kana character or CJK punctuation
(Chinese and Japanese break between characters). Korean breaks at spaces only (keep-all), as Korean
headlines are set. Never inside a grapheme cluster. Kinsoku: a unit starting with a character that may
not start a line (closing brackets, 。、, small kana, ー, …) joins the unit before it; a unit ending with
one that may not end a line (opening brackets) joins the one after it. The same rule keeps French
" !" / "« … »" and spaced dashes with their words.

Breaking: the fewest lines that fit the width (greedy), then the break set with those lines that
minimises the longest line; among those, the most even lines; no orphan (see `balance`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.typography.scripts import char_script

NO_START = frozenset(
    "、。，．・：；！？）」』】〕〉》〙〗〟｝］｠〜～ー々〻ゝゞヽヾぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    "ㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ゠‐–—…‥％｡｣､･ｰ!?),.:;]}%»›”’‰"
)
NO_END = frozenset("（「『【〔〈《〘〖〝｛［｟｢([{«‹“‘¿¡")
SPACES = frozenset(" \u3000")


@dataclass(frozen=True)
class Unit:
    """Clusters [start, end) that stay on one line; clusters [glue, start) are the space before it."""

    glue: int
    start: int
    end: int


def _ideographic(cluster: str) -> bool:
    return char_script(cluster[0]) == "cjk"


def split_units(clusters: Sequence[str], breaks: frozenset[int] = frozenset()) -> list[Unit]:
    """The unbreakable units of a paragraph (clusters, no leading or trailing spaces). `breaks` holds
    cluster indices before which a zero-width space allowed a break."""
    units: list[Unit] = []
    start: int | None = None
    glue = 0
    for index, cluster in enumerate(clusters):
        if cluster in SPACES:
            if start is not None:
                units.append(Unit(glue, start, index))
                start, glue = None, index
            continue
        if start is None:
            start = index
            continue
        if index in breaks or _ideographic(cluster) or _ideographic(clusters[index - 1]):
            units.append(Unit(glue, start, index))
            start = glue = index
    if start is not None:
        units.append(Unit(glue, start, len(clusters)))
    return _kinsoku(units, clusters)


def _kinsoku(units: list[Unit], clusters: Sequence[str]) -> list[Unit]:
    merged: list[Unit] = []
    for unit in units:
        if merged and (clusters[unit.start][0] in NO_START or clusters[merged[-1].end - 1][-1] in NO_END):
            merged[-1] = Unit(merged[-1].glue, merged[-1].start, unit.end)
        else:
            merged.append(unit)
    return merged


def count_lines(widths: Sequence[float], glues: Sequence[float], limit: float) -> int | None:
    """Lines a greedy fill needs at `limit`; None when a unit alone is wider."""
    if not widths:
        return 1
    lines, current = 1, widths[0]
    if current > limit:
        return None
    for width, glue in zip(widths[1:], glues[1:]):
        if width > limit:
            return None
        if current + glue + width <= limit:
            current += glue + width
        else:
            lines, current = lines + 1, width
    return lines


def balance(widths: Sequence[float], glues: Sequence[float], lines: int, limit: float) -> list[int]:
    """Indices of the units that start lines 2..`lines` (the break set); every line stays within `limit`.

    No orphan first: with 3+ units the last line holds 2+ units or is at least a third of the shortest
    possible longest line. Then the longest line as short as can be (to a quarter pixel), then the most
    even lines (least squared slack). When no break set avoids an orphan, the orphan stays.
    """
    count = len(widths)
    if lines <= 1 or count <= 1:
        return []
    lines = min(lines, count)
    cumulative = [0.0]
    for width, glue in zip(widths, glues):
        cumulative.append(cumulative[-1] + glue + width)

    def span(first: int, end: int) -> float:
        return cumulative[end] - cumulative[first] - (glues[first] if first else 0.0)

    def longest_at_most(low: float, high: float, fits) -> float:
        while high - low > 0.25:
            middle = (low + high) / 2
            if fits(middle):
                high = middle
            else:
                low = middle
        return high

    def greedy_fits(cap: float) -> bool:
        needed = count_lines(widths, glues, cap)
        return needed is not None and needed <= lines

    shortest = longest_at_most(max(widths), limit, greedy_fits)
    threshold = shortest / 3 if count >= 3 else 0.0
    found = _even_breaks(span, count, lines, min(shortest + 0.5, limit), threshold)
    if found is not None:
        return found
    if _even_breaks(span, count, lines, limit, threshold) is not None:
        cap = longest_at_most(shortest, limit,
                              lambda cap: _even_breaks(span, count, lines, cap, threshold) is not None)
        return _even_breaks(span, count, lines, min(cap + 0.5, limit), threshold) or []
    return _even_breaks(span, count, lines, min(shortest + 0.5, limit), 0.0) or []


def _even_breaks(span, count: int, lines: int, cap: float, orphan_below: float) -> list[int] | None:
    """The most even break set with every line <= cap and, when `orphan_below` > 0, a last line of 2+
    units or at least `orphan_below` wide; None when there is none."""
    infinite = float("inf")
    # cost[line][end]: least squared slack setting units [0, end) on `line` lines; back: where the last began
    cost = [[infinite] * (count + 1) for _ in range(lines + 1)]
    back = [[-1] * (count + 1) for _ in range(lines + 1)]
    cost[0][0] = 0.0
    for line in range(1, lines + 1):
        ends = [count] if line == lines else range(line, count - (lines - line) + 1)
        for end in ends:
            for first in range(end - 1, line - 2, -1):
                width = span(first, end)
                if width > cap + 1e-9:
                    break
                previous = cost[line - 1][first]
                if previous == infinite:
                    continue
                if line == lines and orphan_below and end - first < 2 and width < orphan_below:
                    continue
                total = previous + (cap - width) ** 2
                if total < cost[line][end]:
                    cost[line][end], back[line][end] = total, first
    if cost[lines][count] == infinite:
        return None
    starts, end = [], count
    for line in range(lines, 1, -1):
        end = back[line][end]
        starts.append(end)
    return sorted(starts)
