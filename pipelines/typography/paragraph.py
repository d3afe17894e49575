"""A paragraph ready for fitting: clusters with their fonts and directions, its units and their widths.

Everything here is independent of the font size: widths are in em (raqm's advances scale exactly with
the size), so the search for the largest size that fits is arithmetic on these numbers. Words are
measured alone (shaping does not reach across a space); the space between two words is measured with
the letters on either side, because fonts kern against spaces (Noto Sans CJK widens a space between
Hangul by a quarter), and so is the seam between two CJK characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.typography.clusters import grapheme_spans
from pipelines.typography.fonts import FontLibrary
from pipelines.typography.linebreak import Unit, split_units
from pipelines.typography.runs import Run, assign_fonts, resolve_directions, split_runs
from pipelines.typography.scripts import CASED_SCRIPTS, Language
from pipelines.typography.style import TextStyle

_ZWSP = "\u200b"
_SPACE_RUN = re.compile(r"[ \t\u2000-\u200a\u205f]+")


@dataclass(frozen=True)
class Setting:
    """What every paragraph of one piece of copy shares."""

    fonts: FontLibrary
    style: TextStyle
    language: Language

    def run_language(self, run: Run) -> str | None:
        """The language tag raqm gets for a run: the copy's language for its own script (and for runs of
        digits and punctuation), none for words of another script."""
        return self.language.code if run.script in (None, self.language.script) else None

    def tracked(self, run: Run) -> bool:
        script = run.script or self.language.script
        return bool(self.style.tracking) and script in CASED_SCRIPTS

    def em(self, run: Run, text: str) -> float:
        """Advance of `text` set as part of `run`, in em."""
        return self.fonts.em_width(run.font, self.style.weight, text, run.direction, self.run_language(run))


@dataclass(frozen=True)
class Paragraph:
    clusters: list[str]
    fonts: list[str]           # font key per cluster
    directions: list[str]      # "L" / "R" per cluster
    units: list[Unit]
    widths: list[float]        # em per unit
    glues: list[float]         # em from the end of the unit before to the start of this one (0 for the first)
    edges: tuple[int, ...]     # cluster indices where a unit or the space before it begins or ends
    starts: dict[int, int]     # cluster index where a unit begins -> the unit's index

    def runs(self, start: int, end: int) -> list[Run]:
        return split_runs(self.clusters, self.fonts, self.directions, start, end)

    def text(self, start: int, end: int) -> str:
        return "".join(self.clusters[start:end])

    def pieces(self, run: Run, setting: Setting) -> list[tuple[str, float]]:
        """The run as the pieces it was measured in (clusters when letter-spaced, else words and the spaces
        between them), each with its advance in em; they sum to the run's advance."""
        if setting.tracked(run):
            return [(cluster, setting.em(run, cluster) + setting.style.tracking)
                    for cluster in self.clusters[run.start:run.end]]
        cuts = [run.start, *(edge for edge in self.edges if run.start < edge < run.end), run.end]
        pieces = []
        for first, end in zip(cuts, cuts[1:]):
            index = self._unit_at(end) if end < run.end else None
            if index is not None and self.units[index].glue == first < self.units[index].start and first > run.start:
                pieces.append((self.text(first, end), self.glues[index]))     # a space, measured in context
                continue
            advance = setting.em(run, self.text(first, end))
            index = self._unit_at(first)
            if index and self.units[index].glue == first and first > run.start:
                advance += self.glues[index]                                 # the seam between two characters
            pieces.append((self.text(first, end), advance))
        return pieces

    def _unit_at(self, start: int) -> int | None:
        """The unit that begins at cluster `start`, if one does."""
        return self.starts.get(start)


def prepare(raw: str, setting: Setting) -> Paragraph:
    """One paragraph (no "\\n" inside) split, assigned fonts and measured."""
    cleaned, zero_width_breaks = _clean(raw)
    spans = grapheme_spans(cleaned)
    clusters = [cleaned[start:end] for start, end in spans]
    cluster_at = {start: index for index, (start, _) in enumerate(spans)}
    breaks = frozenset(cluster_at[position] for position in zero_width_breaks if position in cluster_at)
    fonts = assign_fonts(clusters, setting.fonts, setting.style.family, setting.language.script)
    directions = resolve_directions(clusters, setting.language.direction)
    units = split_units(clusters, breaks)
    edges = tuple(sorted({edge for unit in units for edge in (unit.glue, unit.start, unit.end)}))
    starts = {unit.start: index for index, unit in enumerate(units)}
    paragraph = Paragraph(clusters, fonts, directions, units, [], [], edges, starts)
    for index, unit in enumerate(units):
        runs = paragraph.runs(unit.start, unit.end)
        paragraph.widths.append(sum(advance for run in runs for _, advance in paragraph.pieces(run, setting)))
        paragraph.glues.append(_glue(paragraph, units[index - 1], unit, setting) if index else 0.0)
    return paragraph


def _glue(paragraph: Paragraph, before: Unit, unit: Unit, setting: Setting) -> float:
    """Em from the end of `before` to the start of `unit`: the space (if any) with the kerning it gets
    from its neighbours, when they are set in one run; otherwise the space alone."""
    last, first = before.end - 1, unit.start
    runs = paragraph.runs(last, first + 1)
    if len(runs) == 1 and not setting.tracked(runs[0]):
        run = runs[0]
        left, right = paragraph.clusters[last], paragraph.clusters[first]
        space = paragraph.text(unit.glue, unit.start)
        return setting.em(run, left + space + right) - setting.em(run, left) - setting.em(run, right)
    return sum(advance for run in paragraph.runs(unit.glue, unit.start) for _, advance in paragraph.pieces(run, setting))


def _clean(raw: str) -> tuple[str, list[int]]:
    """Spaces collapsed and trimmed; zero-width spaces removed, their positions kept as break chances."""
    text = _SPACE_RUN.sub(" ", raw).strip(" \u3000" + _ZWSP)
    cleaned: list[str] = []
    breaks: list[int] = []
    for char in text:
        if char == _ZWSP:
            breaks.append(len(cleaned))
        else:
            cleaned.append(char)
    return "".join(cleaned), breaks
