"""Lines set at one size: runs placed in visual order, their ink, and the baselines of the block.

Setting is arithmetic on measurements the font library caches in em (a run's advance, and the ink box
of each word, taken once at a reference size with the same direction and language as drawing), so
fitting the same copy at many sizes costs no font rendering. Ink estimates keep a pixel of margin for
anti-aliasing (two vertically, for hinting). A line is rendered into a coverage mask only when first
drawn, then kept.

The block follows the CSS line-box model: every line is `pitch` tall, its baseline where the face's
ascent and descent (getmetrics) centre in it. Ink that reaches outside (an accent over a capital, Thai
tone marks, a descender below the last line) grows the block, so ink lies inside `width` x `height`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from pipelines.typography.fonts import FontLibrary
from pipelines.typography.paragraph import Paragraph, Setting
from pipelines.typography.runs import visual_order

# px around estimated ink for anti-aliasing and rounding, and vertically for hinting (which snaps heights)
INK_MARGIN, INK_MARGIN_Y = 1.5, 2.0


@dataclass(frozen=True)
class PlacedRun:
    text: str
    font_key: str                                    # the font in the library (its cmap: fonts.info(key))
    direction: str
    language: str | None
    stroke: int                                      # faux bold, px
    x: float                                         # pen position from the line's origin
    advance: float
    clusters: tuple[tuple[str, float], ...] = ()     # letter-spaced runs: each cluster and its offset


@dataclass(frozen=True)
class LaidLine:
    text: str                      # logical order
    runs: tuple[PlacedRun, ...]    # visual order, left to right
    advance: float
    left: int                      # from the origin: min(0, ink left)
    right: int                     # max(advance, ink right)
    top: int                       # ink from the baseline (negative = above); top == bottom: no ink
    bottom: int
    baseline: int = 0              # from the top of the block


@dataclass(frozen=True)
class TextLayout:
    lines: tuple[LaidLine, ...]
    width: int
    height: int
    size: int = 0
    weight: str = "Regular"
    fonts: FontLibrary | None = field(default=None, repr=False, compare=False)
    _masks: dict = field(default_factory=dict, repr=False, compare=False)

    def line_ink(self, index: int) -> tuple[Image.Image | None, tuple[int, int]]:
        """Line `index` rendered ("L", 255 = ink, cropped to the ink) and where its top-left lies from
        the line's origin on its baseline. Rendered on first use, then kept."""
        found = self._masks.get(index)
        if found is None:
            found = self._masks[index] = _render(self.lines[index], self.size, self.weight, self.fonts)
        return found


def lay_out(paragraphs: list[tuple[Paragraph, list[tuple[int, int]]]], size: int, setting: Setting) -> TextLayout:
    """Set each paragraph's lines (cluster ranges) at `size` px."""
    laid = [_line(paragraph, start, end, size, setting) for paragraph, ranges in paragraphs
            for start, end in ranges]
    fonts, style, language = setting.fonts, setting.style, setting.language
    ascent, descent = fonts.metrics_em(fonts.chain(style.family, language.script)[0], style.weight)
    pitch = style.line_pitch(language.script) * size
    first = (pitch - (ascent + descent) * size) / 2 + ascent * size
    baselines = [round(first + index * pitch) for index in range(len(laid))]
    inked = [(base, line) for base, line in zip(baselines, laid) if line.top < line.bottom]
    shift = max(0, -min(base + line.top for base, line in inked)) if inked else 0
    bottom = max((base + line.bottom for base, line in inked), default=0)
    height = shift + max(math.ceil(len(laid) * pitch - 1e-6), bottom)
    lines = tuple(LaidLine(line.text, line.runs, line.advance, line.left, line.right, line.top, line.bottom,
                           base + shift) for base, line in zip(baselines, laid))
    width = max((line.right - line.left for line in lines), default=0)
    return TextLayout(lines, width, height, size, style.weight, fonts)


def _line(paragraph: Paragraph, start: int, end: int, size: int, setting: Setting) -> LaidLine:
    fonts, style = setting.fonts, setting.style
    placed: list[PlacedRun] = []
    ink = [math.inf, math.inf, -math.inf, -math.inf]       # left, top, right, bottom in px
    x = 0.0
    for run in visual_order(paragraph.runs(start, end), setting.language.direction):
        language = setting.run_language(run)
        tracked = setting.tracked(run)
        stroke_em = fonts.faux_bold(run.font, style.weight)
        stroke = max(1, round(size * stroke_em)) if stroke_em else 0
        pieces = [(text, advance * size, fonts.ink_em(run.font, style.weight, text, run.direction, language))
                  for text, advance in paragraph.pieces(run, setting)]
        width = sum(advance for _, advance, _ in pieces)
        if not tracked and width > 0:
            # raqm shapes the run as a whole (script context reaches digits and spaces), so its advance is
            # measured whole and the pieces, there for their ink, are spread over it
            whole = setting.em(run, paragraph.text(run.start, run.end)) * size
            pieces = [(text, advance * whole / width, box) for text, advance, box in pieces]
            width = whole
        pen = x
        for _, advance, box in (pieces if run.direction == "ltr" else reversed(pieces)):
            if box is not None:
                left, top, right, bottom = box
                ink = [min(ink[0], pen + left * size - stroke), min(ink[1], top * size - stroke),
                       max(ink[2], pen + right * size + stroke), max(ink[3], bottom * size + stroke)]
            pen += advance
        clusters: tuple[tuple[str, float], ...] = ()
        if tracked:
            offsets = [0.0]
            for _, advance, _ in pieces[:-1]:
                offsets.append(offsets[-1] + advance)
            clusters = tuple((text, offset) for (text, _, _), offset in zip(pieces, offsets))
        placed.append(PlacedRun(paragraph.text(run.start, run.end), run.font, run.direction, language, stroke, x,
                                width, clusters))
        x += width
    if placed and placed[-1].clusters:
        x -= style.tracking * size                  # letter spacing goes between letters, not after the last
    text = paragraph.text(start, end)
    if ink[0] == math.inf:
        return LaidLine(text, tuple(placed), x, 0, math.ceil(x - 1e-6), 0, 0)
    return LaidLine(text, tuple(placed), x, min(0, math.floor(ink[0] - INK_MARGIN)),
                    max(math.ceil(x - 1e-6), math.ceil(ink[2] + INK_MARGIN)),
                    math.floor(ink[1] - INK_MARGIN_Y), math.ceil(ink[3] + INK_MARGIN_Y))


def _render(line: LaidLine, size: int, weight: str, fonts: FontLibrary | None,
            ) -> tuple[Image.Image | None, tuple[int, int]]:
    if not line.runs or fonts is None:
        return None, (0, 0)
    stroke = max(run.stroke for run in line.runs)
    pad = max(-line.left, line.right - math.ceil(line.advance), 0) + size // 2 + stroke + 2
    above, below = -line.top + size // 2 + stroke + 2, line.bottom + size // 2 + stroke + 2
    canvas = Image.new("L", (math.ceil(line.advance) + 2 * pad, above + below), 0)
    draw = ImageDraw.Draw(canvas)
    for run in line.runs:
        font = fonts.face(run.font_key, weight, size).font
        for text, offset in run.clusters or ((run.text, 0.0),):
            draw.text((pad + run.x + offset, above), text, fill=255, font=font, anchor="ls", direction=run.direction,
                      language=run.language, stroke_width=run.stroke, stroke_fill=255)
    box = canvas.getbbox()
    if box is None:
        return None, (0, 0)
    return canvas.crop(box), (box[0] - pad, box[1] - above)
