"""A product photo -> the product alone: an RGBA cut-out cropped to the product.

    cutout = cut_out_product(image, store=store)      # RGBA, alpha = the product, cropped to it

An upload that already has a real alpha channel (a transparent background) is used as it is, only cropped.
Anything else goes through the white-background segmentation (the same model, matte refinement and
checks) and its edge is decontaminated of the old background's colour, so it sits cleanly on any scene.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from pipelines.cutout import compose
from pipelines.errors import InvalidImage, ProductNotFound
from pipelines.models import DEFAULT_MODEL, ModelStore
from pipelines.cutout.white_background import WhiteBackgroundOptions, make_product_mask

CLEAR = 5  # alpha at or below this counts as transparent (the white-background pipeline's own-alpha rule)
CLEAR_SHARE = 0.01  # a real alpha channel makes at least this share of the picture transparent
CONTEXT = 0.04  # the crop decontamination sees, grown by this share of the product's size: enough old background


def has_real_alpha(image: Image.Image) -> bool:
    """Whether the picture carries its own transparency (a cut-out), not just an opaque alpha channel."""
    if not ("A" in image.getbands() or "transparency" in image.info):
        return False
    alpha = np.asarray(image.convert("RGBA").getchannel("A"))
    return bool((alpha <= CLEAR).mean() > CLEAR_SHARE)


def cut_out_product(image: Image.Image, *, store: ModelStore, model: str = DEFAULT_MODEL) -> Image.Image:
    """The product as an RGBA image cropped to it. Raises ProductNotFound, InvalidOptions (model), ModelUnavailable."""
    if not isinstance(image, Image.Image):
        raise InvalidImage(f"image must be a PIL image, got {type(image).__name__}")
    if has_real_alpha(image):
        rgba = image.convert("RGBA")
        bounds = rgba.getchannel("A").point(lambda v: 255 if v > CLEAR else 0).getbbox()
        if bounds is None:
            raise ProductNotFound("the picture is fully transparent: there is no product in it")
        return rgba.crop(bounds)
    rgb = image.convert("RGB")
    mask = make_product_mask(rgb, WhiteBackgroundOptions(model=model), store=store)  # ProductNotFound if empty
    alpha = np.asarray(mask, np.float32) / 255.0
    bounds = compose.product_bounds(alpha, threshold=CLEAR / 255)
    if bounds is None:
        raise ProductNotFound("no product was found in the picture; draw a box around it")
    x0, y0, x1, y1 = bounds
    grow = round(CONTEXT * max(x1 - x0, y1 - y0))
    gx0, gy0 = max(0, x0 - grow), max(0, y0 - grow)
    gx1, gy1 = min(rgb.width, x1 + grow), min(rgb.height, y1 + grow)
    pixels = np.asarray(rgb)[gy0:gy1, gx0:gx1]
    clean = compose.decontaminate(pixels, alpha[gy0:gy1, gx0:gx1])
    inner = (slice(y0 - gy0, y1 - gy0), slice(x0 - gx0, x1 - gx0))
    out = np.dstack([clean[inner], np.asarray(mask)[y0:y1, x0:x1]])
    return Image.fromarray(out, "RGBA")
