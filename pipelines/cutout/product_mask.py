"""The product's own mask for "change the background": the salient-object model over the whole picture.

    mask = product_mask(session, image)    # L, image size, 255 = the product (kept), 0 = background
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from pipelines.errors import ProductNotFound
from pipelines.cutout.segmentation import predict_alpha

MIN_SHARE = 0.002  # less than this share of the picture counts as "nothing found"


def product_mask(session, image: Image.Image, threshold: float = 0.5) -> Image.Image:
    alpha = predict_alpha(session, image)
    small = Image.fromarray((alpha >= threshold).astype(np.uint8) * 255, "L")
    mask = small.resize(image.size, Image.Resampling.NEAREST)
    if np.count_nonzero(np.asarray(mask)) < MIN_SHARE * image.width * image.height:
        raise ProductNotFound("no product was found in the picture to keep; select it by clicking on it "
                              "(Select object) and send the instruction again")
    return mask
