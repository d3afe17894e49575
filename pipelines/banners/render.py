"""Rendering banners from a template: one canvas size and one language's copy -> one finished picture.

    banner = render_banner(BannerRequest(template, 1200, 628, copy, product=cutout), fonts)
    for item in render_set(template, cutout, copies, sizes, fonts=fonts): item.banner or item.error

Steps: 1 pick the layout for the canvas's shape (mirrored for right-to-left copy), 2 paint the background
(or take a generated one), 3 decorations, 4 place the product with its shadow (its own pixels exact unless
harmonize > 0), 5 the logo, 6 fit every text stack into its area, 7 draw the shapes and the text, each
text's colour checked against what is behind it (WCAG) and fixed by a colour swap or a scrim.

No text is ever drawn over the product: the product's pixels are part of the picture the merchant sells.
Pure Pillow and numpy: the web process renders previews with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Iterator, Mapping, Sequence

import numpy as np
from PIL import Image, ImageDraw

from pipelines.banners.backgrounds import paint_background
from pipelines.banners.contrast import apply_scrim, fix_contrast
from pipelines.banners.copy import BannerCopy
from pipelines.banners.sizes import CanvasSize, layout_class
from pipelines.banners.stack import FittedItem, draw_shape, fit_stack
from pipelines.banners.template import GeneratedBackground, Layout, PhotoBackground, Template, mirror_align
from pipelines.errors import InvalidImage, InvalidOptions, StudioError
from pipelines.editing.scene import make_marketing_image, place_product
from pipelines.typography import FontLibrary, draw_text, language_info

Box = tuple[int, int, int, int]
WHITE, INK = (255, 255, 255), (17, 17, 17)
LARGE_PX, LARGE_BOLD_PX = 24, 19  # WCAG "large text": 18 pt, or 14 pt bold
BOLD = ("SemiBold", "Bold", "ExtraBold", "Black")
DRAFT_BACKDROP = "#E9E6E1"


@dataclass(frozen=True)
class BannerRequest:
    template: Template
    width: int
    height: int
    copy: BannerCopy | None  # None: a marketing image (the product on the scene, no text)
    product: Image.Image | None = None  # the cut-out: RGBA, alpha = the product
    logo: Image.Image | None = None
    photo: Image.Image | None = None  # the merchant's own photo: the background of any template (cover-fitted)
    background: Image.Image | None = None  # a generated scene for this size (and reading direction)
    harmonize: float = 0.0  # 0 keeps the product's pixels exactly; up to 1 matches it to the scene
    draft: bool = False  # previews: a generated background not made yet is shown as a plain backdrop


@dataclass(frozen=True)
class Banner:
    image: Image.Image  # RGB, the canvas size
    product_mask: Image.Image  # L, 255 = the product's own pixels
    boxes: dict[str, Box] = field(default_factory=dict)  # slot / "product" / "logo" -> where it went
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedItem:
    size: CanvasSize
    language: str | None
    banner: Banner | None
    error: str | None = None


def render_banner(request: BannerRequest, fonts: FontLibrary) -> Banner:
    """One banner. Raises TextDoesNotFit when the copy cannot fit, InvalidOptions/InvalidImage for bad input."""
    # 1. check inputs, pick the layout
    _check(request)
    template, size = request.template, (request.width, request.height)
    language = language_info(request.copy.language) if request.copy is not None else None
    mirror = language is not None and template.mirror_for(language.direction)
    layout = template.layout_for(*size)
    scene, notes = _scene(request, layout, mirror)
    return _finish(request, layout, mirror, scene, notes, fonts)


def render_set(template: Template, product: Image.Image | None, copies: Sequence[BannerCopy] | None,
               sizes: Sequence[CanvasSize], *, fonts: FontLibrary, logo: Image.Image | None = None,
               photo: Image.Image | None = None, backgrounds: Mapping[str, Image.Image] | None = None,
               harmonize: float = 0.0, draft: bool = False) -> Iterator[RenderedItem]:
    """Every size × language (sizes outer). The picture without text is made once per size and direction;
    a banner that cannot be made (copy too long for that size) is reported as its item's error."""
    for size in sizes:
        layout = template.layout_for(size.width, size.height)
        scenes: dict[bool, tuple] = {}
        for copy in (copies if copies is not None else [None]):
            language = copy.language if copy is not None else None
            try:
                mirror = copy is not None and template.mirror_for(language_info(copy.language).direction)
                background = (backgrounds or {}).get(scene_key(size, mirror))
                request = BannerRequest(template, size.width, size.height, copy, product, logo, photo,
                                        background, harmonize, draft)
                _check(request)
                if mirror not in scenes:
                    scenes[mirror] = _scene(request, layout, mirror)
                scene, notes = scenes[mirror]
                banner = _finish(request, layout, mirror, scene, notes, fonts)
            except StudioError as exc:
                yield RenderedItem(size, language, None, str(exc))
                continue
            yield RenderedItem(size, language, banner)


def scene_key(size: CanvasSize, mirrored: bool) -> str:
    """How a generated scene is named: per size, and per reading direction when the layout is mirrored."""
    return f"{size.name}:rtl" if mirrored else size.name


def _check(request: BannerRequest) -> None:
    for name in ("width", "height"):
        value = getattr(request, name)
        if not isinstance(value, int) or not 16 <= value <= 10_000:
            raise InvalidOptions(f"{name} must be a whole number of pixels from 16 to 10000, got {value!r}")
    if request.product is not None and request.product.mode != "RGBA":
        raise InvalidImage(f"the product must be a cut-out with transparency (RGBA), got mode {request.product.mode}")
    if not 0.0 <= request.harmonize <= 1.0:
        raise InvalidOptions(f"harmonize must be between 0 and 1, got {request.harmonize}")


# -- steps 2-5: the picture without text (shared by every language of one size and direction) -----------

@dataclass(frozen=True)
class _Scene:
    image: Image.Image
    product_mask: Image.Image
    boxes: dict[str, Box]


def _scene(request: BannerRequest, layout: Layout, mirror: bool) -> tuple[_Scene, tuple[str, ...]]:
    template, size = request.template, (request.width, request.height)
    notes: list[str] = []
    # 2. background
    canvas = _background(request, notes)
    # 3. decorations
    for decoration in layout.decorations:
        _decorate(canvas, template, decoration, mirror)
    boxes: dict[str, Box] = {}
    mask = Image.new("L", size, 0)
    # 4. the product
    if request.product is not None and layout.product is not None:
        if request.copy is None:  # a marketing image: the product alone, in the middle of the scene
            placed = make_marketing_image(request.product, canvas, shadow=layout.product.shadow,
                                          harmonize=request.harmonize)
        else:
            align = layout.product.align if not mirror else mirror_align(layout.product.align)
            area = _scaled(layout.product.to_pixels(*size, template.safe_margin, mirror), layout.product.scale,
                           align, layout.product.valign)
            placed = place_product(canvas, request.product, area, align=align, valign=layout.product.valign,
                                   shadow=layout.product.shadow, harmonize=request.harmonize)
        canvas, mask = placed.image.convert("RGB"), placed.product_mask
        boxes["product"] = tuple(int(v) for v in placed.box)
        if request.harmonize > 0:
            notes.append(f"product colour and light harmonised to the scene (harmonize {request.harmonize:g})")
    elif request.product is not None:
        notes.append(f"the template has no product place at {layout_class(*size)} sizes")
    # 5. the logo
    if request.logo is not None and layout.logo is not None and request.copy is not None:
        boxes["logo"] = _paste_logo(canvas, request.logo, layout, template, size, mirror)
    return _Scene(canvas, mask, boxes), tuple(notes)


def _background(request: BannerRequest, notes: list[str]) -> Image.Image:
    template, size = request.template, (request.width, request.height)
    if request.background is not None:
        return _cover(request.background.convert("RGB"), size)
    spec = template.background
    if request.photo is not None and not isinstance(spec, PhotoBackground):
        notes.append("your photo replaces the template's background")
        return _cover(request.photo.convert("RGB"), size)
    if isinstance(spec, GeneratedBackground):
        if not request.draft:
            raise InvalidOptions(
                f"template {template.id!r} has a generated background: it is made on a worker with a generative "
                "model (submit the banners as a job), or choose a template with a painted background")
        notes.append("preview: the generated background is made when the banners are made")
        return Image.new("RGB", size, tuple(template.color(DRAFT_BACKDROP)[:3]))
    photo = request.photo
    return paint_background(spec, size, template.color, photo=photo, assets_dir=_photo_folder(template))


def _photo_folder(template: Template):
    """The folder the template's photo path is relative to (next to the template, or assets/templates/)."""
    found = template.background_file()
    if found is None:
        return None
    return found.parents[len(PurePosixPath(template.background.file).parts) - 1]


def _cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    width, height = size
    scale = max(width / image.width, height / image.height)
    resized = image.resize((max(width, round(image.width * scale)), max(height, round(image.height * scale))),
                           Image.Resampling.LANCZOS)
    left, top = (resized.width - width) // 2, (resized.height - height) // 2
    return resized.crop((left, top, left + width, top + height))


def _decorate(canvas: Image.Image, template: Template, decoration, mirror: bool) -> None:
    box = decoration.to_pixels(*canvas.size, template.safe_margin, mirror, clip=False)
    r, g, b, a = template.color(decoration.color)
    fill = (r, g, b, round(a * decoration.opacity))
    # drawn at twice the size and reduced: smooth edges on circles and pills
    x0, y0, x1, y1 = box
    pad = 2
    left, top = max(0, min(x0, x1) - pad), max(0, min(y0, y1) - pad)
    right, bottom = min(canvas.width, max(x0, x1) + pad), min(canvas.height, max(y0, y1) + pad)
    if right <= left or bottom <= top:
        return
    scale = 2
    layer = Image.new("RGBA", ((right - left) * scale, (bottom - top) * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    shape = [(x0 - left) * scale, (y0 - top) * scale, (x1 - left) * scale - 1, (y1 - top) * scale - 1]
    short = min(canvas.size)
    if decoration.shape == "circle":
        draw.ellipse(shape, fill=fill)
    elif decoration.shape == "pill":
        draw.rounded_rectangle(shape, radius=min(shape[2] - shape[0], shape[3] - shape[1]) // 2, fill=fill)
    elif decoration.shape == "rect":
        radius = round((decoration.radius or 0) * short * scale)
        draw.rounded_rectangle(shape, radius=radius, fill=fill)
    else:  # line: along the area's longer side, through its middle
        width = max(1, round(decoration.thickness * short * scale))
        if shape[2] - shape[0] >= shape[3] - shape[1]:
            middle = (shape[1] + shape[3]) / 2
            draw.line([(shape[0], middle), (shape[2], middle)], fill=fill, width=width)
        else:
            middle = (shape[0] + shape[2]) / 2
            draw.line([(middle, shape[1]), (middle, shape[3])], fill=fill, width=width)
    layer = layer.resize((right - left, bottom - top), Image.Resampling.LANCZOS)
    canvas.paste(layer, (left, top), layer)


def _scaled(area: Box, scale: float, align: str, valign: str) -> Box:
    """The area shrunk to `scale` of its width and height, kept at its alignment edge."""
    x0, y0, x1, y1 = area
    width, height = round((x1 - x0) * scale), round((y1 - y0) * scale)
    left = {"start": x0, "center": x0 + (x1 - x0 - width) // 2, "end": x1 - width}[align]
    top = {"top": y0, "middle": y0 + (y1 - y0 - height) // 2, "bottom": y1 - height}[valign]
    return left, top, left + width, top + height


def _paste_logo(canvas: Image.Image, logo: Image.Image, layout: Layout, template: Template,
                size: tuple[int, int], mirror: bool) -> Box:
    block = layout.logo
    x0, y0, x1, y1 = block.to_pixels(*size, template.safe_margin, mirror)
    logo = logo.convert("RGBA")
    target_h = min(y1 - y0, round(block.height * min(size)))
    scale = min(target_h / logo.height, (x1 - x0) / logo.width)
    resized = logo.resize((max(1, round(logo.width * scale)), max(1, round(logo.height * scale))),
                          Image.Resampling.LANCZOS)
    align = mirror_align(block.align) if mirror else block.align
    left = {"start": x0, "center": x0 + (x1 - x0 - resized.width) // 2, "end": x1 - resized.width}[align]
    top = {"top": y0, "middle": y0 + (y1 - y0 - resized.height) // 2, "bottom": y1 - resized.height}[block.valign]
    canvas.paste(resized, (left, top), resized)
    return left, top, left + resized.width, top + resized.height


# -- steps 6-7: the copy ----------------------------------------------------------------------------------

def _finish(request: BannerRequest, layout: Layout, mirror: bool, scene: _Scene, notes, fonts) -> Banner:
    canvas = scene.image.copy()
    boxes = dict(scene.boxes)
    notes = list(notes)
    if request.copy is not None:
        template, size = request.template, canvas.size
        copy = {slot: getattr(request.copy, slot) for slot in ("headline", "subline", "price", "badge", "cta")}
        placed_slots = set()
        for stack in layout.stacks:
            area = stack.to_pixels(*size, template.safe_margin, mirror)
            if "product" in boxes:
                area = _beside(area, boxes["product"])
            fitted = fit_stack(stack, template, copy, area, size, language=request.copy.language, fonts=fonts)
            _draw_stack(canvas, fitted.items, template, notes)
            for placed in fitted.items:
                boxes[placed.item.slot] = placed.box
                placed_slots.add(placed.item.slot)
        missing = [slot for slot, text in copy.items() if text.strip() and slot not in placed_slots]
        if missing:
            notes.append(f"this template has no place for the {', '.join(missing)} at "
                         f"{layout_class(*size)} sizes; left out")
        covered = "product" in boxes and any(
            _overlap(boxes[slot], boxes["product"]) for slot in placed_slots)  # ink may reach a little out
        if covered and _keep_product(canvas, scene, boxes["product"]):
            notes.append("text overlapping the product was kept behind it")
    return Banner(canvas, scene.product_mask, boxes, tuple(notes))


def _beside(area: Box, product: Box) -> Box:
    """A text area that overlaps where the product landed (a wide product in a split layout) gives way:
    what is left of it on the product's largest free side."""
    x0, y0, x1, y1 = area
    px0, py0, px1, py1 = product
    if px0 >= x1 or px1 <= x0 or py0 >= y1 or py1 <= y0:
        return area
    sides = [(x0, y0, min(x1, px0), y1), (max(x0, px1), y0, x1, y1),
             (x0, y0, x1, min(y1, py0)), (x0, max(y0, py1), x1, y1)]
    return max(sides, key=lambda box: max(0, box[2] - box[0]) * max(0, box[3] - box[1]))


def _overlap(a: Box, b: Box, reach: int = 8) -> bool:
    return a[0] - reach < b[2] and b[0] < a[2] + reach and a[1] - reach < b[3] and b[1] < a[3] + reach


def _keep_product(canvas: Image.Image, scene: _Scene, box: Box) -> bool:
    """The product's own pixels are never drawn over: put back any that the copy covered."""
    region = tuple(int(v) for v in box)
    mask = np.asarray(scene.product_mask.crop(region)) == 255
    drawn, before = np.asarray(canvas.crop(region)), np.asarray(scene.image.crop(region))
    changed = np.any(drawn != before, axis=2) & mask
    if not changed.any():
        return False
    restored = drawn.copy()
    restored[changed] = before[changed]
    canvas.paste(Image.fromarray(restored), region[:2])
    return True


def _draw_stack(canvas: Image.Image, items: Sequence[FittedItem], template: Template, notes: list[str]) -> None:
    """Shapes first, then each text in a colour readable on what is behind it (one scrim for the stack
    when a colour change is not enough)."""
    for placed in items:
        if placed.item.shape != "none" and placed.item.fill is not None:
            draw_shape(canvas, placed, template.color(placed.item.fill))
    alternatives = _alternatives(template)
    plans = []
    for placed in items:
        color = template.color(placed.item.color)[:3]
        # measured on the text's surroundings only (an em around it, where a scrim could go)
        em = placed.text.size
        x0, y0, x1, y1 = placed.text_box
        region = (max(0, x0 - em), max(0, y0 - em), min(canvas.width, x1 + em), min(canvas.height, y1 + em))
        glyphs = Image.new("L", (region[2] - region[0], region[3] - region[1]), 0)
        local = (x0 - region[0], y0 - region[1], x1 - region[0], y1 - region[1])
        draw_text(glyphs, placed.text, local, align=placed.align, valign="middle", fill=255)
        on_shape = placed.item.shape in ("pill", "box", "circle")
        surface = f"its {placed.item.shape}" if on_shape else "the background"
        fix = fix_contrast(canvas.crop(region), glyphs, color, large=_large(placed, template),
                           alternatives=alternatives, label=placed.item.slot, surface=surface)
        if fix.box is not None:
            fix = replace(fix, box=(fix.box[0] + region[0], fix.box[1] + region[1],
                                    fix.box[2] + region[0], fix.box[3] + region[1]))
        plans.append((placed, fix))
    by_colour: dict[tuple, list] = {}  # items needing the same scrim colour share one box
    for _, fix in plans:
        if fix.scrim is not None and fix.box is not None:
            by_colour.setdefault(tuple(fix.scrim[:3]), []).append(fix)
    for scrims in by_colour.values():
        box = (min(f.box[0] for f in scrims), min(f.box[1] for f in scrims),
               max(f.box[2] for f in scrims), max(f.box[3] for f in scrims))
        strongest = max(scrims, key=lambda f: f.scrim[3])
        apply_scrim(canvas, box, strongest.scrim, strongest.radius)
    for placed, fix in plans:
        if fix.note:
            notes.append(fix.note)
        draw_text(canvas, placed.text, placed.text_box, align=placed.align, valign="middle", fill=tuple(fix.color))


def _alternatives(template: Template) -> list[tuple[int, int, int]]:
    colours = [template.color(name)[:3] for name in template.palette.names()]
    return [*colours, WHITE, INK]


def _large(placed: FittedItem, template: Template) -> bool:
    role = template.font_for(placed.item)
    return placed.text.size >= LARGE_PX or (placed.text.size >= LARGE_BOLD_PX and role.weight in BOLD)
