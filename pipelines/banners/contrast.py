"""Text contrast (WCAG 2.x): luminance, contrast ratios, and the smallest change that makes a text readable.

    fix = fix_contrast(canvas, glyphs, (255, 255, 255), large=True, alternatives=[(17, 17, 17)],
                       label="headline", surface="the photo")
    if fix.scrim is not None:
        apply_scrim(canvas, fix.box, fix.scrim, fix.radius)
    # then draw the text in fix.color; fix.note says what changed and why

The background is measured where the text will be: under its glyphs grown by a few pixels (the eye reads
the letter against what touches it). On a busy background (a pattern, a photo) one mean says little, so the
worst case counts: the 5th and 95th percentile luminance. A text colour between the two is unreadable
somewhere (ratio 1). Fixes, least intrusive first: the colour as designed; the first alternative colour
that passes; a scrim (a dark box behind light text, a light box behind dark text) with the smallest alpha
that reaches the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
from PIL import Image

from pipelines.errors import InvalidOptions

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]
Box = tuple[int, int, int, int]

NORMAL_TEXT, LARGE_TEXT = 4.5, 3.0  # WCAG 2.x AA: large = at least 24 px, or 18.66 px bold
LOW, HIGH = 5.0, 95.0  # percentiles of the background's luminance taken as its worst case
GROW = 2  # px the glyphs are grown by before the background under them is measured
MARGIN = 0.1  # a scrim aims this far above the target, so rounding and JPEG cannot pull it back under
MAX_SAMPLES = 40_000
DARK_SCRIM, LIGHT_SCRIM = (0, 0, 0), (255, 255, 255)
PREFERRED_SCRIM_ALPHA = 0.85  # above this the box reads as a solid panel: try another text colour first


def to_linear(values) -> np.ndarray:
    """sRGB channel values 0..255 -> linear light 0..1 (IEC 61966-2-1, the curve WCAG 2.x uses)."""
    c = np.asarray(values, np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _luminance(pixels) -> np.ndarray:
    linear = to_linear(np.asarray(pixels)[..., :3])
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def relative_luminance(rgb) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (r, g, b[, a]); alpha is ignored."""
    return float(_luminance(np.asarray(rgb[:3])))


def _ratio(a, b):
    lighter, darker = np.maximum(a, b), np.minimum(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_ratio(a, b) -> float:
    """WCAG 2.x contrast ratio of two sRGB colours: 1 (same) .. 21 (black on white)."""
    return float(_ratio(relative_luminance(a), relative_luminance(b)))


@dataclass(frozen=True)
class ContrastFix:
    """How to draw one text so it is readable: its colour, and maybe a scrim box to draw first."""

    color: RGB
    scrim: RGBA | None  # None = no scrim
    box: Box | None  # where the scrim goes (x0, y0, x1, y1), canvas pixels
    radius: int  # the scrim's corner radius
    ratio_before: float  # worst-case ratio of the colour as designed, on the background as painted
    ratio_after: float  # the same for what will be drawn
    note: str | None  # for the banner's report; None when nothing changed


def _worst(text_luminance: float, low: float, high: float) -> float:
    """The smallest ratio of a text against a background whose luminance spans low..high."""
    if text_luminance < low:
        return float(_ratio(text_luminance, low))
    if text_luminance > high:
        return float(_ratio(text_luminance, high))
    return 1.0


def _spread(samples: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(_luminance(samples), [LOW, HIGH])
    return float(low), float(high)


def _name(color) -> str:
    if tuple(color[:3]) == (255, 255, 255):
        return "white"
    if max(color[:3]) <= 34:
        return "near-black" if max(color[:3]) else "black"
    return "#{:02X}{:02X}{:02X}".format(*color[:3])


def _rgb(color, what: str) -> RGB:
    try:
        values = tuple(int(v) for v in color)
    except (TypeError, ValueError):
        raise InvalidOptions(f"{what} {color!r} must be an (r, g, b) colour of 0..255 values") from None
    if len(values) not in (3, 4) or not all(0 <= v <= 255 for v in values):
        raise InvalidOptions(f"{what} {color!r} must be an (r, g, b) colour of 0..255 values")
    return values[:3]  # type: ignore[return-value]


def _line_height(ink: np.ndarray) -> int:
    """The median height of the runs of inked rows: about one line of the text."""
    rows = np.concatenate([[0], ink.any(axis=1).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(rows))
    runs = edges[1::2] - edges[::2]
    return int(np.median(runs)) if runs.size else 0


def _scrim_for(text_luminance: float) -> RGB:
    """Dark behind light text, light behind dark text: whichever extreme the text stands out from more."""
    return DARK_SCRIM if _ratio(text_luminance, 0.0) >= _ratio(text_luminance, 1.0) else LIGHT_SCRIM


def _scrim_alpha(samples: np.ndarray, text_luminance: float, scrim: RGB, goal: float) -> float | None:
    """The smallest alpha (to 1/255) of the scrim colour over the samples reaching `goal`, or None."""
    pixels = samples.astype(np.float64)
    colour = np.asarray(scrim, np.float64)

    def reaches(a: float) -> bool:
        blended = np.round(pixels * (1.0 - a) + colour * a)
        return _worst(text_luminance, *_spread(blended)) >= goal

    if not reaches(1.0):
        return None
    low, high = 0, 255
    while low < high:  # each pixel moves monotonically toward the scrim colour, so do the percentiles
        middle = (low + high) // 2
        if reaches(middle / 255):
            high = middle
        else:
            low = middle + 1
    return high / 255


def fix_contrast(canvas: Image.Image, glyphs: Image.Image, color, *, large: bool,
                 alternatives: Sequence = (), label: str = "text",
                 surface: str = "the background") -> ContrastFix:
    """Decide how to draw a text readably on `canvas` (the background without the text).

    glyphs: mode L, canvas size, 255 = ink (the text drawn alone). large: WCAG large text (target 3:1,
    else 4.5:1). alternatives: colours to try, in order of preference, when `color` does not pass.
    label and surface only word the note ("headline: contrast 2.1:1 on the photo → white text 6.3:1")."""
    # 1 check inputs
    if not isinstance(canvas, Image.Image) or not isinstance(glyphs, Image.Image):
        raise InvalidOptions("fix_contrast needs the canvas and the glyph mask as images")
    if glyphs.size != canvas.size or glyphs.mode != "L":
        raise InvalidOptions(f"the glyph mask must be mode L and the canvas's size {canvas.size}, "
                             f"got {glyphs.mode} {glyphs.size}")
    color = _rgb(color, "text colour")
    options = [_rgb(c, "alternative colour") for c in alternatives]
    target = LARGE_TEXT if large else NORMAL_TEXT
    ink_box = glyphs.point(lambda v: 255 if v >= 128 else 0).getbbox()
    if ink_box is None:
        return ContrastFix(color, None, None, 0, math.inf, math.inf, None)

    # 2 the background under the grown glyphs, and the box a scrim would take
    ink = np.asarray(glyphs.crop(ink_box)) >= 128
    pad = max(GROW + 2, round(0.35 * _line_height(ink)))
    width, height = canvas.size
    box = (max(0, ink_box[0] - pad), max(0, ink_box[1] - pad),
           min(width, ink_box[2] + pad), min(height, ink_box[3] + pad))
    mask = np.zeros((box[3] - box[1], box[2] - box[0]), np.uint8)
    ox, oy = ink_box[0] - box[0], ink_box[1] - box[1]
    mask[oy:oy + ink.shape[0], ox:ox + ink.shape[1]] = ink
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * GROW + 1, 2 * GROW + 1))
    under = cv2.dilate(mask, kernel) > 0
    samples = np.asarray(canvas.convert("RGB").crop(box))[under]
    if len(samples) > MAX_SAMPLES:
        samples = samples[:: -(-len(samples) // MAX_SAMPLES)]
    spread = _spread(samples)

    # 3 the colour as designed, then the alternatives
    before = _worst(relative_luminance(color), *spread)
    if before >= target:
        return ContrastFix(color, None, None, 0, before, before, None)
    said = f"{label}: contrast {before:.1f}:1 on {surface}"
    for option in options:
        ratio = _worst(relative_luminance(option), *spread)
        if ratio >= target:
            return ContrastFix(option, None, None, 0, before, ratio, f"{said} → {_name(option)} text {ratio:.1f}:1")

    # 4 a scrim: for the designed colour if a light enough one does it, else the colour needing the least
    best: tuple[float, RGB, RGB] | None = None
    for text in [color, *options]:
        lum = relative_luminance(text)
        scrim = _scrim_for(lum)
        alpha = _scrim_alpha(samples, lum, scrim, target + MARGIN) or _scrim_alpha(samples, lum, scrim, target)
        if alpha is not None and (best is None or alpha < best[0]):
            best = (alpha, text, scrim)
        if best is not None and best[1] == color and best[0] <= PREFERRED_SCRIM_ALPHA:
            break
    if best is None:  # a mid grey with no alternatives: the solid scrim is the most there is
        best = (1.0, color, _scrim_for(relative_luminance(color)))
    alpha, text, scrim = best
    level = round(alpha * 255)
    covered = np.round(samples * (1.0 - level / 255) + np.asarray(scrim) * (level / 255))
    after = _worst(relative_luminance(text), *_spread(covered))
    shade = "dark" if scrim == DARK_SCRIM else "light"
    colour_note = "" if text == color else f" and {_name(text)} text"
    note = f"{said} → {shade} scrim at {round(100 * alpha)}% behind the text{colour_note}, {after:.1f}:1"
    return ContrastFix(text, (*scrim, level), box, max(2, round(0.6 * pad)), before, after, note)


def _rounded_coverage(width: int, height: int, radius: float) -> np.ndarray:
    """Anti-aliased coverage 0..1 of a rounded rectangle filling width × height (signed distance, 1 px ramp)."""
    radius = max(0.0, min(radius, width / 2, height / 2))
    x = np.abs(np.arange(width) + 0.5 - width / 2)[None, :] - (width / 2 - radius)
    y = np.abs(np.arange(height) + 0.5 - height / 2)[:, None] - (height / 2 - radius)
    outside = np.hypot(np.maximum(x, 0), np.maximum(y, 0))
    distance = outside + np.minimum(np.maximum(x, y), 0) - radius
    return np.clip(0.5 - distance, 0.0, 1.0)


def apply_scrim(canvas: Image.Image, box: Box, rgba, radius: int) -> None:
    """Blend an anti-aliased rounded box of colour rgba (alpha 0..255) onto canvas (RGB or RGBA) in place."""
    x0, y0, x1, y1 = (int(v) for v in box)
    if x1 <= x0 or y1 <= y0:
        raise InvalidOptions(f"the scrim box {box} is empty")
    r, g, b, a = (int(v) for v in rgba)
    coverage = _rounded_coverage(x1 - x0, y1 - y0, radius) * a
    mask = Image.fromarray(np.round(coverage).astype(np.uint8), "L")
    canvas.paste((r, g, b) if canvas.mode == "RGB" else (r, g, b, 255), (x0, y0, x1, y1), mask)
