"""Edit masks: the plan's boxes (fractions of the picture) and user masks -> pixel masks, and compositing.

Masks are mode "L": 255 = the region to change (or, for a selection, 255 = the object). Feathering only
ever lowers values INSIDE a mask, so a pixel where the hard mask is 0 keeps its input value exactly.

    region = box_mask(image.size, (0.1, 0.6, 0.4, 0.95), shape="rounded")
    alpha = feather_inside(region, 6)
    out = composite(image, generated, alpha)      # bit-identical to `image` wherever alpha == 0
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

from pipelines.errors import InvalidOptions

FractionBox = tuple[float, float, float, float]
PixelBox = tuple[int, int, int, int]  # x0, y0 inclusive; x1, y1 exclusive
SHAPES = ("rect", "rounded", "ellipse")


def check_box(box: object, name: str = "box") -> FractionBox:
    """A plan box as four floats with 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1; InvalidOptions otherwise."""
    try:
        values = tuple(float(v) for v in box)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise InvalidOptions(f"{name} {box!r} must be four numbers (x0, y0, x1, y1), fractions 0..1 of "
                             f"the picture's width and height") from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidOptions(f"{name} {box!r} must be four finite numbers (x0, y0, x1, y1), fractions 0..1 "
                             f"of the picture's width and height")
    x0, y0, x1, y1 = values
    if not all(0.0 <= v <= 1.0 for v in values):
        raise InvalidOptions(f"{name} {_show(values)} reaches outside the picture: every value must be a "
                             f"fraction 0..1 of the width (x) or height (y)")
    if x1 <= x0 or y1 <= y0:
        raise InvalidOptions(f"{name} {_show(values)} is empty: it needs x0 < x1 and y0 < y1 "
                             f"(left < right, top < bottom)")
    return values  # type: ignore[return-value]


def to_pixels(box: FractionBox, size: tuple[int, int]) -> PixelBox:
    """The pixels a fraction box covers (outward rounding, at least one pixel each way)."""
    width, height = size
    x0, y0, x1, y1 = check_box(box)
    px0 = min(width - 1, math.floor(x0 * width + 1e-9))
    py0 = min(height - 1, math.floor(y0 * height + 1e-9))
    px1 = max(px0 + 1, min(width, math.ceil(x1 * width - 1e-9)))
    py1 = max(py0 + 1, min(height, math.ceil(y1 * height - 1e-9)))
    return px0, py0, px1, py1


def box_mask(size: tuple[int, int], box: FractionBox, *, shape: str = "rect", padding: float = 0.0) -> Image.Image:
    """A hard mask (0/255) of `shape` inside the box; `padding` grows the box by that fraction of its size
    on every side (clipped to the picture)."""
    if shape not in SHAPES:
        raise InvalidOptions(f"mask shape {shape!r} is not one of {', '.join(SHAPES)}")
    if padding < 0:
        raise InvalidOptions(f"padding {padding} must be 0 or more")
    x0, y0, x1, y1 = check_box(box)
    dx, dy = (x1 - x0) * padding, (y1 - y0) * padding
    x0, y0, x1, y1 = to_pixels((max(0.0, x0 - dx), max(0.0, y0 - dy), min(1.0, x1 + dx), min(1.0, y1 + dy)), size)
    mask = np.zeros((size[1], size[0]), np.uint8)
    w, h = x1 - x0, y1 - y0
    if shape == "rect" or min(w, h) < 4:
        mask[y0:y1, x0:x1] = 255
    elif shape == "ellipse":
        inner = np.zeros((h, w), np.uint8)
        cv2.ellipse(inner, (((w - 1) / 2, (h - 1) / 2), (float(w), float(h)), 0.0), 255, -1)
        mask[y0:y1, x0:x1] = inner
    else:
        radius = max(1, round(min(w, h) * 0.2))
        inner = np.zeros((h, w), np.uint8)
        inner[radius:h - radius, :] = 255
        inner[:, radius:w - radius] = 255
        for cx, cy in ((radius, radius), (w - 1 - radius, radius), (radius, h - 1 - radius),
                       (w - 1 - radius, h - 1 - radius)):
            cv2.circle(inner, (cx, cy), radius, 255, -1)
        mask[y0:y1, x0:x1] = inner
    return Image.fromarray(mask, "L")


def check_mask(mask: object, size: tuple[int, int], name: str = "mask") -> Image.Image:
    """A user or selection mask as mode "L" of the picture's size with something in it."""
    if not isinstance(mask, Image.Image):
        raise InvalidOptions(f"{name} must be an image (mode L, 255 = the region), not {type(mask).__name__}")
    if mask.size != tuple(size):
        raise InvalidOptions(f"{name} is {mask.size[0]}×{mask.size[1]} px but the picture is {size[0]}×{size[1]} px; "
                             f"paint or select it on this version of the picture")
    if mask.mode not in ("L", "1"):
        raise InvalidOptions(f"{name} has mode {mask.mode!r}; masks must be mode L (0..255) or 1")
    mask = mask.convert("L")
    if not np.asarray(mask).any():
        raise InvalidOptions(f"{name} is empty: paint or select the region to edit")
    return mask


def bounding_box(mask: Image.Image) -> PixelBox | None:
    """The smallest pixel box holding every non-zero pixel, or None for an empty mask."""
    ys, xs = np.nonzero(np.asarray(mask))
    if xs.size == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def binarize(mask: Image.Image, threshold: int = 0) -> Image.Image:
    """255 where the mask is above `threshold`, else 0."""
    return Image.fromarray(np.where(np.asarray(mask) > threshold, 255, 0).astype(np.uint8), "L")


def dilate(mask: Image.Image, pixels: int) -> Image.Image:
    """Grow the mask's non-zero region by `pixels` (round structuring element); the result is hard."""
    hard = (np.asarray(mask) > 0).astype(np.uint8) * 255
    if pixels > 0:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pixels + 1, 2 * pixels + 1))
        hard = cv2.dilate(hard, kernel)
    return Image.fromarray(hard, "L")


def feather_inside(mask: Image.Image, pixels: int) -> Image.Image:
    """A soft copy of the mask that ramps from 0 at its edge to full over `pixels`, never leaving it."""
    hard = (np.asarray(mask) > 0).astype(np.uint8)
    if pixels <= 0:
        return Image.fromarray(hard * 255, "L")
    # distance to the nearest pixel outside the mask; the picture's border does not count as outside
    padded = cv2.copyMakeBorder(hard, 1, 1, 1, 1, cv2.BORDER_REPLICATE)
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    ramp = np.clip(distance / pixels, 0.0, 1.0)
    soft = np.where(hard > 0, np.maximum(1, np.round(ramp * 255)), 0)
    return Image.fromarray(soft.astype(np.uint8), "L")


def composite(base: Image.Image, over: Image.Image, alpha: Image.Image) -> Image.Image:
    """`over` on `base` through `alpha` (L); exact integer blend, so alpha 0 -> base, 255 -> over."""
    b = np.asarray(base.convert("RGB"), np.uint32)
    o = np.asarray(over.convert("RGB"), np.uint32)
    a = np.asarray(alpha, np.uint32)[..., None]
    out = (b * (255 - a) + o * a + 127) // 255
    return Image.fromarray(out.astype(np.uint8), "RGB")


def union(*masks: Image.Image) -> Image.Image:
    """Per-pixel maximum of masks of one size."""
    stacked = np.maximum.reduce([np.asarray(m) for m in masks])
    return Image.fromarray(stacked.astype(np.uint8), "L")


def _show(values) -> str:
    return "(" + ", ".join(f"{v:g}" for v in values) + ")"
