"""One editing round of the chat editor: an operation from the plan -> a new picture and the mask of what changed.

    request = EditRequest("add", box=(0.05, 0.6, 0.35, 0.95), params=InpaintParams(prompt="a desk lamp"))
    result = edit_image(image, request, editor, step)      # editor: ModelStore.editor(...) or None
    result.image, result.mask, result.engine, result.notes

Operations (boxes are the plan's fractions of the picture, x0, y0, x1, y1; `mask` is a painted region or a
selected object, mode L, 255 = region/object):
    add         inpaint a rounded region inside `box` (or the painted mask) with the prompt
    replace     inpaint the object's region (mask, else source_box, else box) with the prompt
    remove      fill the object's region (grown a little to take its edge and contact shadow) from the
                surroundings: PatchMatch without a model, diffusion with a clean-background prompt with one
    move        cut the object out, fill where it was, paste its own pixels at `box` (bottom centre to
                bottom centre: objects stand on things); nothing is regenerated
    resize      the same, scaled uniformly to fit `box`'s size about the object's bottom centre
    restyle     inpaint the region with params.strength < 1 (img2img inside the mask: shapes stay)
    background  keep the product (mask, 255 = product), inpaint everything else with the prompt, and put the
                product's own pixels back with a soft shadow under it (pipelines.editing.scene.place_product)

Every operation composites back: a pixel where `EditResult.mask` is 0 is bit-identical to the input.
`step(done, total, message)` reports progress and may raise to cancel; that exception propagates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image

from pipelines.cutout import compose
from pipelines.errors import InvalidImage, InvalidOptions, ModelUnavailable
from pipelines.editing.inpaint import InpaintParams, Step, inpaint
from pipelines.editing.masks import (FractionBox, PixelBox, binarize, bounding_box, box_mask, check_box, check_mask,
                             composite, dilate, feather_inside, to_pixels, union)
from pipelines.editing.remove import fill_region
from pipelines.editing.scene import place_product

OPERATIONS = ("add", "replace", "remove", "move", "resize", "restyle", "background")
WEIGHTLESS = ("remove", "move", "resize")  # work without a generative model
REMOVE_PROMPT = "empty background, seamless continuation of the surrounding surface and lighting"
REMOVE_NEGATIVE = "object, person, animal, text, watermark, logo, frame, blurry, distorted"
RESTYLE_STRENGTH = 0.6  # a sensible default for callers; restyle needs strength below 1
GROW = 0.03  # a removed or moved object's region grows by this share of its size (edge, contact shadow)
FEATHER = 0.04  # generated regions fade in over this share of their smaller side, inside the mask
MAX_FEATHER = 24  # px


@dataclass(frozen=True)
class EditRequest:
    operation: str
    box: FractionBox | None = None  # target box from the plan, fractions (x0, y0, x1, y1)
    source_box: FractionBox | None = None  # where the object is now (move/resize/remove/replace/restyle)
    mask: Image.Image | None = None  # painted region or selected object (L, 255 = region/object), image size
    params: InpaintParams = field(default_factory=lambda: InpaintParams(prompt=""))

    def __post_init__(self):
        if self.operation not in OPERATIONS:
            raise InvalidOptions(f"unknown edit operation {self.operation!r}; allowed: {', '.join(OPERATIONS)}")
        for name in ("box", "source_box"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_box(value, name))


@dataclass(frozen=True)
class EditResult:
    image: Image.Image  # RGB, same size as the input
    mask: Image.Image  # L: 255 where pixels may differ from the input (the edit mask), 0 = bit-identical
    engine: str  # "diffusion" | "patchmatch" | "paste"
    notes: tuple[str, ...] = ()


def needs_generator(request: EditRequest) -> bool:
    """Whether the operation needs a generative editor (False for remove, move and resize)."""
    return request.operation not in WEIGHTLESS


def edit_image(image: Image.Image, request: EditRequest, editor, step: Step) -> EditResult:
    """Run one operation. `editor` is what `ModelStore.editor()` returns, or None for the weightless path."""
    # 1 check inputs
    if not isinstance(image, Image.Image) or image.mode != "RGB":
        mode = image.mode if isinstance(image, Image.Image) else type(image).__name__
        raise InvalidImage(f"the picture to edit must be an RGB image, got {mode!r}")
    mask = None if request.mask is None else check_mask(request.mask, image.size)
    if editor is None and needs_generator(request):
        raise ModelUnavailable(
            f"{request.operation} needs a generative model and none is loaded: install one with "
            f"`studio models pull sd15`; remove, move and resize work without one")
    operation = _OPERATIONS[request.operation]
    # 2 run it
    return operation(image, request, mask, editor, step)


# -- generative operations -------------------------------------------------------------------------------------
def _add(image, request, mask, editor, step) -> EditResult:
    _need_prompt(request)
    if mask is not None:
        region = binarize(mask)
    elif request.box is not None:
        region = box_mask(image.size, request.box, shape="rounded")
    else:
        raise InvalidOptions("add needs a place: a box from the plan (x0, y0, x1, y1 as fractions 0..1) "
                             "or a painted mask")
    return _generate(image, region, request.params, editor, step)


def _replace(image, request, mask, editor, step) -> EditResult:
    _need_prompt(request)
    region = _object_region(image, request, mask)
    if mask is not None:
        region = dilate(region, _grow(region))
    return _generate(image, region, request.params, editor, step)


def _restyle(image, request, mask, editor, step) -> EditResult:
    _need_prompt(request)
    strength = request.params.strength
    if not strength < 1.0:
        raise InvalidOptions(f"restyle keeps the region's shapes and needs strength below 1 (got {strength:g}); "
                             f"0.4-0.8 is typical (use replace to regenerate the region entirely)")
    region = _object_region(image, request, mask)
    return _generate(image, region, request.params, editor, step)


def _background(image, request, mask, editor, step) -> EditResult:
    _need_prompt(request)
    if mask is None:
        raise InvalidOptions("background needs the product's mask (255 = the product to keep); select the "
                             "product or let the studio find it")
    keep = np.asarray(mask)
    if keep.min() == 255:
        raise InvalidOptions("the product's mask covers the whole picture: there is no background to change")
    region = binarize(Image.fromarray((255 - keep).astype(np.uint8), "L"))
    generated = _inpaint(image, region, request.params, editor, step)
    # the product's own pixels back in their place (scale 1, harmonize 0: exact), its edge freed of the old
    # background's colour, grounded with a soft shadow on the new background
    x0, y0, x1, y1 = bounding_box(mask)
    edge = compose.decontaminate(np.asarray(image)[y0:y1, x0:x1], keep[y0:y1, x0:x1] / 255.0)
    product = Image.fromarray(np.dstack([edge, keep[y0:y1, x0:x1]]), "RGBA")
    placed = place_product(generated, product, (x0, y0, x1, y1), shadow="soft", harmonize=0.0)
    return EditResult(placed.image, region, "diffusion",
                      ("product pixels kept as they were, grounded on the new background with a soft shadow",))


def _generate(image, region, params, editor, step) -> EditResult:
    alpha = feather_inside(region, _feather(region))
    generated = _inpaint(image, region, params, editor, step)
    return EditResult(composite(image, generated, alpha), binarize(alpha), "diffusion")


def _inpaint(image, region, params, editor, step) -> Image.Image:
    params.check()
    generated = inpaint(editor, image, region, params, step)  # reports its own steps
    if generated.size != image.size:
        raise RuntimeError(f"inpaint returned {generated.size} for a {image.size} picture")
    return generated


# -- remove, move, resize --------------------------------------------------------------------------------------
def _remove(image, request, mask, editor, step) -> EditResult:
    step(0, 2, "marking the object to remove")
    region = _object_region(image, request, mask)
    hole = dilate(region, _grow(region))
    filled, engine, notes = _fill(image, hole, request.params, editor, step, total=2)
    step(2, 2, "removed")
    return EditResult(filled, hole, engine, notes)


def _move(image, request, mask, editor, step) -> EditResult:
    return _relocate(image, request, mask, editor, step, scaled=False)


def _resize(image, request, mask, editor, step) -> EditResult:
    return _relocate(image, request, mask, editor, step, scaled=True)


def _relocate(image, request, mask, editor, step, *, scaled: bool) -> EditResult:
    operation = request.operation
    if mask is None and request.source_box is None:
        raise InvalidOptions(f"{operation} needs the object's current place: select the object (mask) or give "
                             f"source_box (x0, y0, x1, y1 as fractions 0..1)")
    if request.box is None:
        raise InvalidOptions(f"{operation} needs where the object goes: a target box (x0, y0, x1, y1 as "
                             f"fractions 0..1)")
    # 1 the object: its alpha (selection, else the source box) and the box it is measured by
    step(0, 3, "cutting the object out")
    alpha = mask if mask is not None else box_mask(image.size, request.source_box)
    reference = to_pixels(request.source_box, image.size) if request.source_box else bounding_box(alpha)
    target = to_pixels(request.box, image.size)
    # 2 fill where it was
    hole = dilate(alpha, _grow(alpha))
    background, engine, notes = _fill(image, hole, request.params, editor, step, total=3)
    # 3 paste its own pixels at the new place
    step(2, 3, "placing the object")
    scale = _scale_to_fit(reference, target) if scaled else None
    placed, footprint, clipped = _place(image, alpha, reference, target, scale)
    out = composite(background, placed, footprint)
    if scale is None:
        notes += ("the object's own pixels were moved; nothing was regenerated",)
    else:
        notes += (f"the object's own pixels were scaled ×{scale:.2f} about its base",)
    if clipped:
        notes += ("part of the object fell outside the picture at the new place and was cut off",)
    step(3, 3, f"{operation}d")
    return EditResult(out, union(hole, binarize(footprint)), "paste", notes)


def _scale_to_fit(reference: PixelBox, target: PixelBox) -> float:
    rw, rh = reference[2] - reference[0], reference[3] - reference[1]
    tw, th = target[2] - target[0], target[3] - target[1]
    return min(tw / rw, th / rh)


def _place(image, alpha, reference: PixelBox, target: PixelBox, scale: float | None):
    """The object's pixels and alpha laid on a blank canvas at the new place: (pixels, alpha, clipped).
    scale None = move unscaled; a number = resize by it about the reference box's bottom centre."""
    width, height = image.size
    x0, y0, x1, y1 = bounding_box(alpha)
    piece = image.crop((x0, y0, x1, y1))
    piece_alpha = alpha.crop((x0, y0, x1, y1))
    # the reference box's bottom centre goes to the target's (move) or stays where it is (resize)
    rx, ry = (reference[0] + reference[2]) / 2, reference[3]
    if scale is None:
        tx, ty = (target[0] + target[2]) / 2, target[3]
        dx, dy = round(tx - rx), round(ty - ry)
        left, top = x0 + dx, y0 + dy
    else:
        size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
        piece = piece.resize(size, Image.Resampling.LANCZOS)
        piece_alpha = piece_alpha.resize(size, Image.Resampling.BILINEAR)
        left, top = round(rx + (x0 - rx) * scale), round(ry + (y0 - ry) * scale)
    canvas = Image.new("RGB", (width, height))
    canvas_alpha = Image.new("L", (width, height), 0)
    canvas.paste(piece, (left, top))
    canvas_alpha.paste(piece_alpha, (left, top))
    pw, ph = piece.size
    clipped = bool(np.asarray(piece_alpha).any()) and (left < 0 or top < 0 or left + pw > width or top + ph > height)
    if clipped:
        # only the part of the piece that left the picture counts
        inside = np.asarray(piece_alpha)[max(0, -top):max(0, height - top), max(0, -left):max(0, width - left)]
        clipped = int(inside.astype(np.int64).sum()) < int(np.asarray(piece_alpha).astype(np.int64).sum())
    if not np.asarray(canvas_alpha).any():
        raise InvalidOptions("the target box puts the whole object outside the picture; choose a place inside it")
    return canvas, canvas_alpha, clipped


def _fill(image, hole, params, editor, step, *, total: int):
    """Fill the hole: diffusion with a clean-background prompt when an editor is loaded, else PatchMatch."""
    if editor is None:
        step(1, total, "filling the region from its surroundings (PatchMatch)")
        return fill_region(image, hole, seed=params.seed), "patchmatch", ()
    # a canny or depth condition would draw the removed object's own outline back: only inpaint's steers
    conditioning = params.controlnet_conditioning_scale if params.control == "inpaint" else 0.0
    clean = replace(params, prompt=REMOVE_PROMPT, negative_prompt=REMOVE_NEGATIVE, strength=1.0,
                    controlnet_conditioning_scale=conditioning)
    generated = _inpaint(image, hole, clean, editor, step)
    alpha = feather_inside(hole, _feather(hole))
    notes = (f"filled by diffusion with the prompt {REMOVE_PROMPT!r}",)
    if conditioning != params.controlnet_conditioning_scale:
        notes += (f"the {params.control} ControlNet was turned off (scale 0) so it could not redraw the object",)
    return composite(image, generated, alpha), "diffusion", notes


# -- helpers -------------------------------------------------------------------------------------------------
def _object_region(image, request, mask) -> Image.Image:
    if mask is not None:
        return binarize(mask)
    box = request.source_box or request.box
    if box is None:
        raise InvalidOptions(f"{request.operation} needs the object's region: select it (mask) or give "
                             f"source_box or box (x0, y0, x1, y1 as fractions 0..1)")
    return box_mask(image.size, box)


def _need_prompt(request: EditRequest) -> None:
    if not request.params.prompt.strip():
        raise InvalidOptions(f"{request.operation} needs a prompt saying what to generate (e.g. "
                             f"\"a brass desk lamp\"); it was empty")


def _grow(region: Image.Image) -> int:
    box = bounding_box(region)
    return max(2, round(GROW * max(box[2] - box[0], box[3] - box[1])))


def _feather(region: Image.Image) -> int:
    box = bounding_box(region)
    return min(MAX_FEATHER, max(1, round(FEATHER * min(box[2] - box[0], box[3] - box[1]))))


_OPERATIONS = {
    "add": _add, "replace": _replace, "remove": _remove, "move": _move, "resize": _resize,
    "restyle": _restyle, "background": _background,
}
