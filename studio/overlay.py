"""The plan drawn on the picture before a round runs: the nine-grid, the cells the target covers, the
target box (where the object will be), the source box (where it is now) and a selected or painted mask.

    overlay = draw_plan(image, target=box, cells=[[2, 0]], source=None, label="lamp", mask=None,
                        used=[("laptop", laptop_box)])     # objects in the picture the plan is placed by
    overlay = draw_objects(image, [("bottle", box, 0.91), ...])   # "Show objects": what the editor sees

Boxes are fractions (x0, y0, x1, y1) of the picture, as in layout/. Pillow only: the web tier draws this.
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

GRID = (255, 255, 255, 150)
CELL = (255, 196, 0, 70)
TARGET = (255, 40, 90, 255)
SOURCE = (40, 160, 255, 255)
MASK = (255, 40, 90, 90)
SEEN = (0, 200, 140, 255)  # objects found in the picture


def _pixels(box, size) -> tuple[int, int, int, int]:
    w, h = size
    return (round(box[0] * w), round(box[1] * h), round(box[2] * w) - 1, round(box[3] * h) - 1)


def _dashed_rectangle(draw: ImageDraw.ImageDraw, box, colour, width: int) -> None:
    x0, y0, x1, y1 = box
    dash = width * 4
    for x in range(x0, x1, dash * 2):
        draw.line((x, y0, min(x + dash, x1), y0), fill=colour, width=width)
        draw.line((x, y1, min(x + dash, x1), y1), fill=colour, width=width)
    for y in range(y0, y1, dash * 2):
        draw.line((x0, y, x0, min(y + dash, y1)), fill=colour, width=width)
        draw.line((x1, y, x1, min(y + dash, y1)), fill=colour, width=width)


def _labelled(draw: ImageDraw.ImageDraw, box, text: str, colour, line: int, size) -> None:
    """A box with its name on a small tag at its top-left corner (inside the picture)."""
    draw.rectangle(box, outline=colour, width=line * 2)
    font = ImageFont.load_default(size=max(11, min(size) // 36))
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x, y = box[0], max(0, box[1] - (bottom - top) - line * 4)
    draw.rectangle((x, y, x + right - left + line * 4, y + bottom - top + line * 4), fill=colour)
    draw.text((x + line * 2 - left, y + line * 2 - top), text, fill=(255, 255, 255, 255), font=font)


def draw_objects(image: Image.Image, objects) -> Image.Image:
    """The objects found in the picture: (name, box as fractions, score) each, boxed and named."""
    base = image.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    line = max(1, min(base.size) // 300)
    for name, box, score in objects:
        _labelled(draw, _pixels(box, base.size), f"{name} {score:.0%}", SEEN, line, base.size)
    return Image.alpha_composite(base, layer).convert("RGB")


def draw_plan(image: Image.Image, *, target=None, cells=(), source=None, label: str = "",
              mask: Image.Image | None = None, point: tuple[int, int] | None = None, used=()) -> Image.Image:
    base = image.convert("RGBA")
    layer = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = base.size
    line = max(1, min(w, h) // 300)
    for row, col in cells:
        draw.rectangle((col * w // 3, row * h // 3, (col + 1) * w // 3, (row + 1) * h // 3), fill=CELL)
    for i in (1, 2):
        draw.line((i * w // 3, 0, i * w // 3, h), fill=GRID, width=line)
        draw.line((0, i * h // 3, w, i * h // 3), fill=GRID, width=line)
    if mask is not None:
        tint = Image.new("RGBA", base.size, MASK)
        layer = Image.composite(tint, layer, mask.convert("L").point(lambda v: 255 if v >= 128 else 0))
        draw = ImageDraw.Draw(layer)
    for name, box in used:  # the objects in the picture the plan refers to: why the target is where it is
        _labelled(draw, _pixels(box, base.size), name, SEEN, line, base.size)
    if source is not None:
        _dashed_rectangle(draw, _pixels(source, base.size), SOURCE, line * 2)
    if target is not None:
        box = _pixels(target, base.size)
        draw.rectangle(box, outline=TARGET, width=line * 3)
        if label:
            font = ImageFont.load_default(size=max(12, min(w, h) // 30))
            draw.text((box[0] + line * 4, box[1] + line * 3), label, fill=TARGET, font=font)
    if point is not None:
        r = line * 5
        draw.ellipse((point[0] - r, point[1] - r, point[0] + r, point[1] + r), fill=TARGET)
    return Image.alpha_composite(base, layer).convert("RGB")
