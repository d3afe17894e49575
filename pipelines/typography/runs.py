"""Runs: stretches of a line set with one font in one direction, and their visual order.

Each grapheme cluster gets a font: a letter takes the first font of its script's list in the family that
has all its code points (so Latin words in Arabic copy are set in the family's Latin face and Chinese in
the CJK face); digits, spaces and punctuation stay with the font before them when it has them. Each
cluster also gets a resolved direction, a reduced form of the Unicode bidi algorithm that serves copy
with one paragraph direction and embedded words or numbers of the other: digits follow the strong
letter before them, other neutrals take the direction of their neighbours when both agree and the
paragraph's otherwise. Runs are then laid out in visual order (UBA rule L2); raqm shapes each run and
orders what is inside it (digits inside an Arabic run, mirrored brackets).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from pipelines.typography.fonts import FontLibrary
from pipelines.typography.scripts import RTL_SCRIPTS, char_script

logger = logging.getLogger(__name__)

_IGNORABLE = frozenset("\u200c\u200d\u2060\ufeff") | frozenset(chr(p) for p in range(0xFE00, 0xFE10))


@dataclass(frozen=True)
class Run:
    start: int          # cluster indices into the paragraph, end exclusive
    end: int
    font: str           # font key in the library
    direction: str      # "ltr" | "rtl"
    script: str | None  # the script of its letters, None for digits/punctuation only


def _needs(cluster: str) -> list[int]:
    return [ord(char) for char in cluster if char not in _IGNORABLE]


def assign_fonts(clusters: list[str], fonts: FontLibrary, family: str, script: str) -> list[str]:
    """The font key for each cluster (see the module docstring)."""
    cmaps = _Cmaps(fonts)
    chosen: list[str | None] = [None] * len(clusters)
    for index, cluster in enumerate(clusters):
        own = char_script(cluster[0])
        if own is not None:
            chosen[index] = _first_covering(cluster, fonts.chain(family, own), cmaps)
    primary = fonts.chain(family, script)
    for index, cluster in enumerate(clusters):
        if chosen[index] is not None:
            continue
        needed = _needs(cluster)
        previous = chosen[index - 1] if index else None
        following = next((key for key in chosen[index + 1:] if key is not None), None)
        for candidate in (previous, following):
            if candidate is not None and all(point in cmaps[candidate] for point in needed):
                chosen[index] = candidate
                break
        else:
            chosen[index] = _first_covering(cluster, primary, cmaps)
    return [key for key in chosen if key is not None]


class _Cmaps(dict):
    """Font key -> cmap, fetched from the library once per call."""

    def __init__(self, fonts: FontLibrary):
        super().__init__()
        self.fonts = fonts

    def __missing__(self, key: str) -> frozenset[int]:
        cmap = self[key] = self.fonts.info(key).cmap
        return cmap


def _first_covering(cluster: str, chain: tuple[str, ...], cmaps: _Cmaps) -> str:
    needed = _needs(cluster)
    for key in chain:
        cmap = cmaps[key]
        if all(point in cmap for point in needed):
            return key
    for key in chain:
        if needed and needed[0] in cmaps[key]:
            return key
    logger.warning("no font of the family has %r (U+%04X); it will show as a missing glyph",
                   cluster, ord(cluster[0]))
    return chain[0]


def _strong(cluster: str) -> str | None:
    base = cluster[0]
    category = unicodedata.category(base)
    if category[0] == "L":
        return "R" if char_script(base) in RTL_SCRIPTS else "L"
    if category == "Nd":
        return "EN"
    return None


def resolve_directions(clusters: list[str], direction: str) -> list[str]:
    """"L" or "R" for each cluster of a paragraph whose base direction is `direction`."""
    base = "R" if direction == "rtl" else "L"
    kinds = [_strong(cluster) for cluster in clusters]
    last_strong = base
    for index, kind in enumerate(kinds):
        if kind == "EN":
            kinds[index] = "L" if last_strong == "L" else "R"
        elif kind is not None:
            last_strong = kind
    resolved: list[str] = list(kinds)  # type: ignore[arg-type]
    index = 0
    while index < len(kinds):
        if kinds[index] is not None:
            index += 1
            continue
        end = index
        while end < len(kinds) and kinds[end] is None:
            end += 1
        before = kinds[index - 1] if index else base
        after = kinds[end] if end < len(kinds) else base
        fill = before if before == after else base
        resolved[index:end] = [fill] * (end - index)
        index = end
    return resolved


def split_runs(clusters: list[str], fonts_of: list[str], directions: list[str], start: int, end: int) -> list[Run]:
    """Runs of clusters [start, end) in logical order: a new run wherever the font or direction changes."""
    runs: list[Run] = []
    first = start
    for index in range(start + 1, end + 1):
        if index == end or fonts_of[index] != fonts_of[first] or directions[index] != directions[first]:
            letters = [char_script(clusters[i][0]) for i in range(first, index)
                       if unicodedata.category(clusters[i][0])[0] == "L"]
            script = max(set(letters), key=letters.count) if letters else None
            runs.append(Run(first, index, fonts_of[first], "rtl" if directions[first] == "R" else "ltr", script))
            first = index
    return runs


def visual_order(runs: list[Run], direction: str) -> list[Run]:
    """The runs of one line from left to right (UBA L2 over levels 0/1 for ltr, 1/2 for rtl paragraphs)."""
    if direction == "rtl":
        levels = [1 if run.direction == "rtl" else 2 for run in runs]
    else:
        levels = [1 if run.direction == "rtl" else 0 for run in runs]
    order = list(range(len(runs)))
    if not levels:
        return []
    lowest_odd = min(level for level in levels if level % 2 == 1) if any(lv % 2 for lv in levels) else 1
    for level in range(max(levels), lowest_odd - 1, -1):
        index = 0
        while index < len(order):
            if levels[order[index]] >= level:
                end = index
                while end < len(order) and levels[order[end]] >= level:
                    end += 1
                order[index:end] = reversed(order[index:end])
                index = end
            else:
                index += 1
    return [runs[i] for i in order]
