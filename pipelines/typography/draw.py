"""Draw fitted text into a box: alignment, and the ink box actually drawn.

Each line is rendered once into a coverage mask (see layout.py) and kept on the FittedText, so drawing
the same text twice (a glyph mask for a contrast check, then the canvas) renders it once. Masks are
placed by align/valign at whole pixels and applied with the fill through ImageDraw.bitmap, as
ImageDraw.text would.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from pipelines.errors import InvalidOptions
from pipelines.typography.fit import FittedText

ALIGNS = ("start", "center", "end")
VALIGNS = ("top", "middle", "bottom")

Box = tuple[int, int, int, int]


def draw_text(image: Image.Image, fitted: FittedText, box: Box, *, align: str = "start", valign: str = "top",
              fill=None) -> Box:
    """Draw `fitted` into `image` (RGB, RGBA or L) inside `box` (x0, y0, x1, y1).

    align: start | center | end, where start is the left for ltr copy and the right for rtl copy;
    valign: top | middle | bottom. `fill` is a colour (name, "#RRGGBB", tuple) or 0..255 for "L"
    (default: black, or 255 for "L"). Returns the ink bounding box drawn, in image pixels, clipped to
    the image (an empty box at the box's top-left corner when nothing was drawn).
    """
    if fill is None:
        fill = 255 if image.mode in ("L", "1") else "black"
    draw = ImageDraw.Draw(image)
    drawn: list[Box] = []
    for (x, y), ink in _placements(fitted, box, align, valign):
        clipped = (max(x, 0), max(y, 0), min(x + ink.width, image.width), min(y + ink.height, image.height))
        if clipped[0] >= clipped[2] or clipped[1] >= clipped[3]:
            continue
        if clipped != (x, y, x + ink.width, y + ink.height):
            ink = ink.crop((clipped[0] - x, clipped[1] - y, clipped[2] - x, clipped[3] - y))
        draw.bitmap(clipped[:2], ink, fill=fill)
        drawn.append(clipped)
    if not drawn:
        return (box[0], box[1], box[0], box[1])
    return (min(b[0] for b in drawn), min(b[1] for b in drawn), max(b[2] for b in drawn), max(b[3] for b in drawn))


def text_mask(size: tuple[int, int], fitted: FittedText, box: Box, *, align: str = "start",
              valign: str = "top") -> Image.Image:
    """The glyphs draw_text would draw, as an "L" mask of `size` (255 = ink)."""
    mask = Image.new("L", size, 0)
    draw_text(mask, fitted, box, align=align, valign=valign, fill=255)
    return mask


def _placements(fitted: FittedText, box: Box, align: str, valign: str):
    """(top-left, mask) of each line's ink."""
    if align not in ALIGNS:
        raise InvalidOptions(f"align {align!r} is not known; aligns: {', '.join(ALIGNS)}")
    if valign not in VALIGNS:
        raise InvalidOptions(f"valign {valign!r} is not known; valigns: {', '.join(VALIGNS)}")
    x0, y0, x1, y1 = (int(round(value)) for value in box)
    layout = fitted.layout
    side = align
    if fitted.direction == "rtl" and align != "center":
        side = "end" if align == "start" else "start"
    top = {"top": y0, "middle": y0 + (y1 - y0 - layout.height) // 2, "bottom": y1 - layout.height}[valign]
    for index, line in enumerate(layout.lines):
        ink, (dx, dy) = layout.line_ink(index)
        if ink is None:
            continue
        if side == "start":
            origin = x0 - line.left
        elif side == "end":
            origin = x1 - line.right
        else:
            origin = x0 + (x1 - x0 - (line.right - line.left)) // 2 - line.left
        x, y = origin + dx, top + line.baseline + dy
        # the estimate keeps a pixel of margin; should real ink still stick out, nudge it back in
        x = max(x0, min(x, x1 - ink.width)) if ink.width <= x1 - x0 else x
        y = max(y0, min(y, y1 - ink.height)) if ink.height <= y1 - y0 else y
        yield (x, y), ink
