"""Weightless object removal: fill a hole with PatchMatch (the `pypatchmatch` package, MIT), no model needed.

    filled = fill_region(image, hole, seed=0)     # RGB; pixels where hole == 0 are bit-identical

Steps: 1 crop the hole with context around it (PatchMatch copies patches from what it sees, and the crop
keeps a big photo fast), 2 reduce a large crop to at most `max_side`, 3 run PatchMatch with a fixed seed
(same seed -> same pixels), 4 paste only the hole's pixels back.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
from patchmatch import patch_match
from PIL import Image

from pipelines.errors import InvalidOptions

PATCH_SIZE = 3  # patch radius: 7×7 patches; the library's own examples use 3
MAX_SIDE = 640  # a larger crop is reduced for the search and its fill scaled back up
CONTEXT = 1.0  # context around the hole, as a multiple of the hole's size on each side
MIN_CONTEXT = 24  # px

# The native library keeps its random seed in process-wide state: seeding and filling must not interleave
# between threads, or the same seed would stop giving the same pixels.
_NATIVE = threading.Lock()


def fill_region(image: Image.Image, hole: Image.Image, *, seed: int = 0, max_side: int = MAX_SIDE) -> Image.Image:
    """`image` with every pixel where `hole` > 0 replaced by PatchMatch from the rest of the picture."""
    if image.mode != "RGB":
        raise InvalidOptions(f"fill_region needs an RGB image, got mode {image.mode!r}")
    if hole.size != image.size:
        raise InvalidOptions(f"the hole mask is {hole.size[0]}×{hole.size[1]} px but the picture is "
                             f"{image.size[0]}×{image.size[1]} px")
    rgb = np.asarray(image)
    holes = np.asarray(hole.convert("L")) > 0
    if not holes.any():
        return image.copy()
    if holes.all():
        raise InvalidOptions("the region to fill covers the whole picture; nothing is left to fill it from")

    # 1 crop with context
    height, width = holes.shape
    ys, xs = np.nonzero(holes)
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    mx = max(MIN_CONTEXT, round((x1 - x0) * CONTEXT))
    my = max(MIN_CONTEXT, round((y1 - y0) * CONTEXT))
    cx0, cy0, cx1, cy1 = max(0, x0 - mx), max(0, y0 - my), min(width, x1 + mx), min(height, y1 + my)
    crop = rgb[cy0:cy1, cx0:cx1]
    crop_hole = holes[cy0:cy1, cx0:cx1]
    if crop_hole.all():  # the hole fills its crop: use the whole picture as the source
        cx0, cy0, cx1, cy1 = 0, 0, width, height
        crop, crop_hole = rgb, holes

    # 2 reduce a large crop; a pixel touched by the hole at full size stays a hole when reduced
    scale = min(1.0, max_side / max(crop.shape[:2]))
    if scale < 1.0:
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        work = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        work_hole = cv2.resize(crop_hole.astype(np.uint8) * 255, size, interpolation=cv2.INTER_AREA) > 0
    else:
        work, work_hole = crop, crop_hole

    # 3 PatchMatch, seeded
    with _NATIVE:
        patch_match.set_random_seed(int(seed))
        filled = patch_match.inpaint(np.ascontiguousarray(work), work_hole.astype(np.uint8) * 255,
                                     patch_size=PATCH_SIZE)
    if scale < 1.0:
        filled = cv2.resize(filled, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_CUBIC)

    # 4 only the hole changes
    out = rgb.copy()
    region = out[cy0:cy1, cx0:cx1]
    region[crop_hole] = filled[crop_hole]
    return Image.fromarray(out, "RGB")
