"""WCAG contrast: the reference values, and fixes a reader would notice — a text swapped to a colour that reads on
a flat background, a scrim just dark (or light) enough behind text on a busy background, with notes that say so."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from pipelines.banners.contrast import (ContrastFix, apply_scrim, contrast_ratio, fix_contrast,
                                        relative_luminance)
from pipelines.errors import InvalidOptions

WHITE, BLACK, NEAR_BLACK = (255, 255, 255), (0, 0, 0), (17, 17, 17)
SIZE = (600, 300)
TEXT_BOX = (100, 110, 500, 170)


@pytest.mark.parametrize("a, b, ratio", [
    (BLACK, WHITE, 21.0),
    ((0x77, 0x77, 0x77), WHITE, 4.48),
    ((0x76, 0x76, 0x76), WHITE, 4.54),  # the lightest grey that passes AA on white
    ((0xFF, 0x00, 0x00), WHITE, 4.00),
    ((0x00, 0x00, 0xFF), BLACK, 2.44),
    ((0x1B, 0x1F, 0x3B), (0x1B, 0x1F, 0x3B), 1.0),
])
def test_wcag_reference_ratios(a, b, ratio):
    assert contrast_ratio(a, b) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(b, a) == contrast_ratio(a, b)


def test_relative_luminance_ends_and_alpha_ignored():
    assert relative_luminance(WHITE) == pytest.approx(1.0)
    assert relative_luminance(BLACK) == 0.0
    assert relative_luminance((0x77, 0x77, 0x77, 10)) == pytest.approx(0.1845, abs=1e-3)


def glyphs(size=SIZE, box=TEXT_BOX) -> Image.Image:
    """Letter-like ink: vertical and horizontal strokes 6 px thick across the text box (255 = ink)."""
    mask = Image.new("L", size)
    draw = ImageDraw.Draw(mask)
    x0, y0, x1, y1 = box
    for x in range(x0, x1 - 20, 40):
        draw.rectangle((x, y0, x + 5, y1 - 1), fill=255)
        draw.rectangle((x, (y0 + y1) // 2 - 3, x + 24, (y0 + y1) // 2 + 2), fill=255)
    return mask


def stripes(size=SIZE, period=8) -> Image.Image:
    """A busy black and white background: horizontal stripes `period` px apart."""
    rows = (np.arange(size[1]) // (period // 2)) % 2 == 0
    pixels = np.where(rows[:, None, None], 255, 0).repeat(size[0], axis=1).repeat(3, axis=2)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def worst_ratio(canvas: Image.Image, ink: Image.Image, text) -> float:
    """An independent measure: the text against every background pixel within 2 px of its ink."""
    grown = np.asarray(ink.filter(ImageFilter.MaxFilter(5))) > 127
    pixels = np.asarray(canvas)[grown]
    return min(contrast_ratio(text, pixels[i]) for i in np.unique(pixels, axis=0, return_index=True)[1])


def test_a_readable_colour_is_left_alone():
    canvas = Image.new("RGB", SIZE, (0x1B, 0x1F, 0x3B))
    fix = fix_contrast(canvas, glyphs(), WHITE, large=False, alternatives=[NEAR_BLACK])
    assert fix == ContrastFix(WHITE, None, None, 0, fix.ratio_before, fix.ratio_before, None)
    assert fix.ratio_before == pytest.approx(contrast_ratio(WHITE, (0x1B, 0x1F, 0x3B)))


def test_flat_background_swaps_to_the_first_alternative_that_reads():
    canvas = Image.new("RGB", SIZE, (0xEE, 0xEE, 0xEE))
    fix = fix_contrast(canvas, glyphs(), WHITE, large=False, alternatives=[(0xFF, 0xD0, 0x00), NEAR_BLACK, BLACK],
                       label="headline", surface="the background")
    assert fix.color == NEAR_BLACK and fix.scrim is None and fix.box is None
    assert fix.ratio_before == pytest.approx(1.16, abs=0.01) and fix.ratio_after >= 4.5
    assert fix.note == f"headline: contrast 1.2:1 on the background → near-black text {fix.ratio_after:.1f}:1"


def test_large_text_needs_only_three_to_one():
    canvas = Image.new("RGB", SIZE, WHITE)
    grey = (0x94, 0x94, 0x94)  # 3.03:1 on white
    assert fix_contrast(canvas, glyphs(), grey, large=True, alternatives=[BLACK]).color == grey
    assert fix_contrast(canvas, glyphs(), grey, large=False, alternatives=[BLACK]).color == BLACK


@pytest.mark.parametrize("text, shade", [(WHITE, "dark"), (NEAR_BLACK, "light")])
def test_busy_background_gets_a_scrim_just_strong_enough(text, shade):
    canvas = stripes()
    ink = glyphs()
    fix = fix_contrast(canvas, ink, text, large=False, alternatives=[WHITE, NEAR_BLACK], label="headline",
                       surface="the photo")
    assert fix.ratio_before == 1.0  # black and white stripes: some of the text is unreadable whatever its colour
    assert fix.color == text and fix.scrim is not None
    assert fix.scrim[:3] == (BLACK if shade == "dark" else WHITE)
    x0, y0, x1, y1 = fix.box
    assert x0 < TEXT_BOX[0] and y0 < TEXT_BOX[1] and x1 > TEXT_BOX[2] and y1 > TEXT_BOX[3]  # around the ink
    assert fix.note.startswith(f"headline: contrast 1.0:1 on the photo → {shade} scrim at ")
    covered = canvas.copy()
    apply_scrim(covered, fix.box, fix.scrim, fix.radius)
    assert worst_ratio(covered, ink, text) >= 4.5
    assert worst_ratio(covered, ink, text) == pytest.approx(fix.ratio_after, abs=0.05)
    # the smallest such alpha: a visibly lighter scrim would not do
    weaker = canvas.copy()
    apply_scrim(weaker, fix.box, (*fix.scrim[:3], fix.scrim[3] - 8), fix.radius)
    assert worst_ratio(weaker, ink, text) < 4.5


def test_scrim_is_only_around_the_text():
    canvas = stripes()
    fix = fix_contrast(canvas, glyphs(), WHITE, large=True, alternatives=[])
    covered = canvas.copy()
    apply_scrim(covered, fix.box, fix.scrim, fix.radius)
    changed = np.any(np.asarray(covered) != np.asarray(canvas), axis=2)
    x0, y0, x1, y1 = fix.box
    inside = np.zeros_like(changed)
    inside[y0:y1, x0:x1] = True
    assert not changed[~inside].any()
    white_rows = np.asarray(canvas)[y0:y1, x0:x1, 0] == 255
    assert changed[y0:y1, x0:x1][white_rows].mean() > 0.95  # the whole box but its rounded corners
    assert fix.ratio_after >= 3.0


def test_apply_scrim_is_a_rounded_anti_aliased_blend():
    canvas = Image.new("RGB", (200, 100), WHITE)
    apply_scrim(canvas, (20, 20, 180, 80), (0, 0, 0, 128), radius=16)
    pixels = np.asarray(canvas)[..., 0].astype(int)
    assert pixels[50, 100] == 127  # inside: 255 × (1 - 128/255)
    assert pixels[20, 20] == 255 and pixels[79, 179] == 255  # the corners are rounded off
    assert pixels[10, 100] == 255  # outside untouched
    corner = pixels[20:36, 20:36]
    assert ((corner > 127) & (corner < 255)).sum() >= 10  # the curve is anti-aliased


def test_no_ink_nothing_to_fix():
    fix = fix_contrast(stripes(), Image.new("L", SIZE), WHITE, large=False)
    assert fix.scrim is None and fix.note is None and fix.color == WHITE


@pytest.mark.parametrize("ink, color, words", [
    (Image.new("L", (10, 10)), WHITE, "canvas's size"),
    (Image.new("RGB", SIZE), WHITE, "must be mode L"),
    (Image.new("L", SIZE), (300, 0, 0), "text colour"),
])
def test_bad_input_is_named(ink, color, words):
    with pytest.raises(InvalidOptions, match=words):
        fix_contrast(stripes(), ink, color, large=False)
