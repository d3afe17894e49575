"""A text stack: the copy items of one area (badge, headline, subline, price, call to action), fitted
together and drawn top to bottom.

The items shrink together: every item starts at its largest size and, while the stack is taller than its
area, all of them step down in proportion (never below each item's smallest size), so the hierarchy the
template designed survives any copy length. Items with a shape (pill, box, circle, underline) get padding
around their text; an item whose copy is empty is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from PIL import Image, ImageDraw

from pipelines.banners.template import Stack, Template, TextItem
from pipelines.errors import TextDoesNotFit
from pipelines.typography import FittedText, FontLibrary, TextStyle, fit_text

Box = tuple[int, int, int, int]
MIN_PX = 9  # no text is ever set smaller than this, whatever the template says
PAD_X, PAD_Y = 0.75, 0.38  # shape padding, in em of the item's font size
SEARCH_STEPS = 7
CIRCLE_EMS = 4.2  # widest line of a round badge, in em


@dataclass(frozen=True)
class FittedItem:
    item: TextItem
    text: FittedText
    box: Box  # where the item goes (its shape, or its text when it has none)
    text_box: Box  # where its text goes
    align: str  # how its lines align: start, center or end (start = the text's own reading side)


@dataclass(frozen=True)
class FittedStack:
    stack: Stack
    items: tuple[FittedItem, ...]


def fit_stack(stack: Stack, template: Template, copy: dict[str, str], area: Box, canvas: tuple[int, int], *,
              language: str, fonts: FontLibrary) -> FittedStack:
    """Fit the stack's items with copy into `area` (pixels); TextDoesNotFit when even the smallest sizes
    are too tall or a single item cannot fit its width."""
    items = [item for item in stack.items if copy.get(item.slot, "").strip()]
    if not items:
        return FittedStack(stack, ())
    short = min(canvas)
    width, height = area[2] - area[0], area[3] - area[1]
    gap = round(stack.gap * short)
    low, high = 0.0, 1.0
    best = _try(items, template, copy, 1.0, width, height, short, language, fonts)
    if _height(best, gap) > height:
        best = None
        for _ in range(SEARCH_STEPS):  # the largest scale at which the whole stack fits
            middle = (low + high) / 2
            fitted = _try(items, template, copy, middle, width, height, short, language, fonts)
            if _height(fitted, gap) <= height:
                best, low = fitted, middle
            else:
                high = middle
        if best is None:
            best = _try(items, template, copy, 0.0, width, height, short, language, fonts)
            if _height(best, gap) > height:
                raise TextDoesNotFit(_too_tall(items, copy, width, height, _height(best, gap)))
    return FittedStack(stack, tuple(_place(best, stack, area, gap)))


def _try(items, template, copy, scale, width, height, short, language, fonts):
    fitted = []
    for item in items:
        low_px, high_px = _sizes(item, short)
        size = max(low_px, round(low_px + (high_px - low_px) * scale))
        pad_x, pad_y = _padding(item, size)
        room = width - 2 * pad_x
        fit = partial(fit_text, copy[item.slot].strip(), height=max(1, height - 2 * pad_y), style=_style(template, item),
                      language=language, fonts=fonts, max_size=size, min_size=low_px, max_lines=item.max_lines,
                      label=item.slot)
        if item.shape == "circle":  # a round badge wraps its words into a compact block, if its words allow
            try:
                fitted.append((item, fit(width=max(1, min(room, round(CIRCLE_EMS * size))))))
                continue
            except TextDoesNotFit:
                pass
        fitted.append((item, fit(width=max(1, room))))
    return fitted


def _sizes(item: TextItem, short: int) -> tuple[int, int]:
    low, high = (max(MIN_PX, round(share * short)) for share in item.size)
    return low, max(low, high)


def _style(template: Template, item: TextItem) -> TextStyle:
    role = template.font_for(item)
    return TextStyle(family=role.family, weight=role.weight, case=role.case, line_height=role.line_height,
                     tracking=role.tracking)


def _padding(item: TextItem, size: int) -> tuple[int, int]:
    if item.shape in ("pill", "box", "circle"):
        return round(PAD_X * size), round(PAD_Y * size)
    if item.shape == "underline":
        return 0, round(0.3 * size)
    return 0, 0


def _outer(item: TextItem, text: FittedText) -> tuple[int, int]:
    pad_x, pad_y = _padding(item, text.size)
    width, height = text.width + 2 * pad_x, text.height + 2 * pad_y
    if item.shape == "circle":
        side = round(max(width, height) * 1.05)
        return side, side
    return width, height


def _height(fitted, gap: int) -> int:
    return sum(_outer(item, text)[1] for item, text in fitted) + gap * max(0, len(fitted) - 1)


def _place(fitted, stack: Stack, area: Box, gap: int):
    x0, y0, x1, y1 = area
    total = _height(fitted, gap)
    top = {"top": y0, "middle": y0 + (y1 - y0 - total) // 2, "bottom": y1 - total}[stack.valign]
    direction = fitted[0][1].direction
    align = stack.align
    if direction == "rtl" and align != "center":  # start/end read from the text's own side
        align = "end" if align == "start" else "start"
    for item, text in fitted:
        width, height = _outer(item, text)
        left = {"start": x0, "center": x0 + (x1 - x0 - width) // 2, "end": x1 - width}[align]
        box = (left, top, left + width, top + height)
        pad_x, pad_y = (width - text.width) // 2, (height - text.height) // 2
        if item.shape == "underline":
            pad_y = 0
        text_box = (left + pad_x, top + pad_y, left + pad_x + text.width, top + pad_y + text.height)
        shaped = item.shape in ("pill", "box", "circle")
        yield FittedItem(item, text, box, text_box, "center" if shaped else stack.align)
        top += height + gap


def draw_shape(image: Image.Image, placed: FittedItem, rgba) -> None:
    """The item's pill, box, circle or underline, in colour rgba, under where its text goes."""
    shape = placed.item.shape
    left, top = max(0, placed.box[0]), max(0, placed.box[1])
    right, bottom = min(image.width, placed.box[2]), min(image.height, placed.box[3])
    if right <= left or bottom <= top:
        return
    x0, y0, x1, y1 = (v - offset for v, offset in zip(placed.box, (left, top, left, top)))
    layer = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    if shape == "pill":
        draw.rounded_rectangle((x0, y0, x1 - 1, y1 - 1), radius=(y1 - y0) // 2, fill=tuple(rgba))
    elif shape == "box":
        draw.rounded_rectangle((x0, y0, x1 - 1, y1 - 1), radius=max(2, (y1 - y0) // 8), fill=tuple(rgba))
    elif shape == "circle":
        draw.ellipse((x0, y0, x1 - 1, y1 - 1), fill=tuple(rgba))
    elif shape == "underline":
        thickness = max(2, placed.text.size // 12)
        tx0, _, tx1, _ = placed.text_box
        draw.rectangle((tx0 - left, y1 - thickness, tx1 - left, y1 - 1), fill=tuple(rgba))
    else:
        return
    if image.mode == "RGBA":
        image.alpha_composite(layer, (left, top))
    else:
        image.paste(layer, (left, top), layer)


def _too_tall(items, copy, width: int, height: int, needed: int) -> str:
    longest = max(items, key=lambda item: len(copy[item.slot]))
    return (f"the copy does not fit its {width} × {height} px text area even at the smallest sizes "
            f"(it needs {needed} px of height); shorten the {longest.slot} "
            f"({len(copy[longest.slot].strip())} characters) or leave out an item")
