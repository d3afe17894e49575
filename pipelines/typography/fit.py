"""Fit copy into a box: the largest font size at which it wraps into the allowed lines.

1. Prepare: case mapping, paragraphs at "\n", clusters, fonts, units and their widths in em.
2. Search: binary search over integer sizes in [min_size, max_size]; a size fits when the greedy line
   count is within max_lines, every unit fits the width and the lines' height fits the box.
3. Set: balanced breaks at that size; each line's runs get their shaped advance and ink (see
   layout.py); if ink reaches outside the box (overhanging glyphs, tall marks), step down and set again.
4. Nothing fits at min_size: TextDoesNotFit, with the size of the problem and a length to aim for.

Nothing is rendered here: measurements come from the font library's em caches, so fitting the same
copy into many boxes (every banner size, a stack shrinking step by step) stays cheap. Lines are
rendered when first drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pipelines.errors import InvalidOptions, TextDoesNotFit
from pipelines.typography.clusters import graphemes
from pipelines.typography.fonts import FontLibrary
from pipelines.typography.layout import TextLayout, lay_out
from pipelines.typography.linebreak import balance, count_lines
from pipelines.typography.paragraph import Paragraph, Setting, prepare
from pipelines.typography.scripts import language_info, upper_case
from pipelines.typography.style import TextStyle


@dataclass(frozen=True)
class FittedText:
    text: str                       # after case mapping
    lines: tuple[str, ...]          # logical order per line
    size: int                       # font size in px
    width: int                      # the widest line: its advance, widened by any ink overhang, px
    height: int                     # lines x line pitch, grown where ink reaches outside, px
    language: str
    direction: str                  # "ltr" | "rtl"
    layout: TextLayout = field(default_factory=lambda: TextLayout((), 0, 0), repr=False, compare=False)


def fit_text(text: str, width: int, height: int, *, style: TextStyle, language: str, fonts: FontLibrary,
             max_size: int, min_size: int, max_lines: int, label: str = "text") -> FittedText:
    """The largest size in [min_size, max_size] at which `text` fits `width` x `height` px in at most
    `max_lines` lines (see the module docstring); TextDoesNotFit names `label` (the slot) when none does."""
    _check(width, height, max_size, min_size, max_lines)
    info = language_info(language)
    if style.family not in fonts.families():
        raise InvalidOptions(f"font family {style.family!r} is not known; families: {', '.join(fonts.families())}")
    source = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    cased = upper_case(source, info) if style.case == "upper" else source
    if not cased.strip():
        return FittedText(cased, (), int(max_size), 0, 0, info.code, info.direction)
    setting = Setting(fonts, style, info)
    search = _Search([prepare(part, setting) for part in cased.split("\n")], setting, width, height, max_lines)
    size = search.largest(min_size, max_size)
    while size is not None:
        layout = lay_out(search.breaks(size), size, setting)
        if layout.width <= width and layout.height <= height:
            return FittedText(cased, tuple(line.text for line in layout.lines), size, layout.width, layout.height,
                              info.code, info.direction, layout)
        smaller = min(size - 1, math.floor(size * min(width / layout.width, height / layout.height)))
        size = search.largest(min_size, smaller) if smaller >= min_size else None
    raise TextDoesNotFit(search.message(label, source, min_size))


def _check(width: int, height: int, max_size: int, min_size: int, max_lines: int) -> None:
    if width < 1 or height < 1:
        raise InvalidOptions(f"the text box must be at least 1 x 1 px, not {width} x {height}")
    if not 1 <= min_size <= max_size:
        raise InvalidOptions(f"font sizes must satisfy 1 <= min_size <= max_size, not {min_size}..{max_size}")
    if max_lines < 1:
        raise InvalidOptions(f"max_lines must be at least 1, not {max_lines}")


@dataclass
class _Search:
    paragraphs: list[Paragraph]
    setting: Setting
    width: int
    height: int
    max_lines: int

    def __post_init__(self) -> None:
        fonts, style = self.setting.fonts, self.setting.style
        used = {key for paragraph in self.paragraphs for key in paragraph.fonts}
        self.stroke_em = max((fonts.faux_bold(key, style.weight) for key in used), default=0.0)
        self.pitch_em = style.line_pitch(self.setting.language.script)

    def limit(self, size: int) -> float:
        """Width the advances of a line may take at `size` (room for faux-bold strokes on both ends)."""
        stroke = max(1, round(size * self.stroke_em)) if self.stroke_em else 0
        return self.width - 2 * stroke

    def line_counts(self, size: int) -> list[int] | None:
        limit_em = self.limit(size) / size
        counts = []
        for paragraph in self.paragraphs:
            count = count_lines(paragraph.widths, paragraph.glues, limit_em) if paragraph.units else 1
            if count is None:
                return None
            counts.append(count)
        return counts

    def fits(self, size: int) -> bool:
        counts = self.line_counts(size)
        if counts is None:
            return False
        lines = sum(counts)
        return lines <= self.max_lines and lines * self.pitch_em * size <= self.height

    def largest(self, low: int, high: int) -> int | None:
        if high < low or not self.fits(low):
            return None
        while low < high:
            middle = (low + high + 1) // 2
            if self.fits(middle):
                low = middle
            else:
                high = middle - 1
        return low

    def breaks(self, size: int) -> list[tuple[Paragraph, list[tuple[int, int]]]]:
        """Each paragraph with its lines as cluster ranges, balanced at `size`."""
        counts = self.line_counts(size) or [1] * len(self.paragraphs)
        result = []
        for paragraph, count in zip(self.paragraphs, counts):
            units = paragraph.units
            if not units:
                result.append((paragraph, [(0, 0)]))
                continue
            widths = [width * size for width in paragraph.widths]
            glues = [glue * size for glue in paragraph.glues]
            starts = [0, *balance(widths, glues, count, self.limit(size)), len(units)]
            result.append((paragraph, [(units[a].start, units[b - 1].end) for a, b in zip(starts, starts[1:])]))
        return result

    def message(self, label: str, source: str, size: int) -> str:
        """Why the copy does not fit even at `size` (min_size), and about how long it may be."""
        shown = source.replace("\n", " / ")
        shown = shown if len(shown) <= 80 else shown[:77].rstrip() + "…"
        characters = len(graphemes(source.replace("\n", "")))
        lines = "1 line" if self.max_lines == 1 else f"{self.max_lines} lines"
        head = (f"the {label} “{shown}” ({characters} characters) does not fit a {self.width} x {self.height} px "
                f"box in {lines} even at {size} px")
        pitch = self.pitch_em * size
        room = min(self.max_lines, int(self.height // pitch))
        if len(self.paragraphs) > self.max_lines:
            return f"{head}: it has {len(self.paragraphs)} lines of its own (line breaks); join some of them"
        if room < 1:
            return f"{head}: one line at {size} px needs {math.ceil(pitch)} px of height"
        limit_em = self.limit(size) / size
        for paragraph in self.paragraphs:
            for unit, width in zip(paragraph.units, paragraph.widths):
                if width > limit_em:
                    word = paragraph.text(unit.start, unit.end)
                    return (f"{head}: “{word}” alone is {math.ceil(width * size)} px wide; shorten it or put a "
                            f"space in it")
        fit = max(1, min(self._prefix_that_fits(limit_em, room), characters - 1))
        return f"{head}; shorten it to about {fit} characters"

    def _prefix_that_fits(self, limit_em: float, room: int) -> int:
        """Characters in the longest run of whole units from the start that fits `room` lines."""
        flat = [(index, unit) for index, paragraph in enumerate(self.paragraphs) for unit in paragraph.units]

        def lines_for(keep: int) -> int:
            total, taken = 0, 0
            for paragraph in self.paragraphs:
                part = min(len(paragraph.units), keep - taken)
                if part <= 0:
                    break
                taken += part
                total += count_lines(paragraph.widths[:part], paragraph.glues[:part], limit_em) or room + 1
            return total

        low, high = 0, len(flat)
        while low < high:
            middle = (low + high + 1) // 2
            if lines_for(middle) <= room:
                low = middle
            else:
                high = middle - 1
        if low == 0:
            return 1
        index, last = flat[low - 1]
        kept = [self.paragraphs[i] for i in range(index)]
        characters = sum(len(p.clusters) for p in kept) + len(kept)
        return characters + last.end
