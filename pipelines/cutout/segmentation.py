"""Salient-object segmentation through a rembg session: image (+ optional box) -> soft alpha in [0, 1].

The session is rembg's own (its pre- and post-processing, its ONNX graph). We hand it the image already
at the network's input size (Lanczos, as rembg does, after a fast area reduction for big photos) and
take its low-resolution prediction, so the matte step can upsample it against the full image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from pipelines.errors import InvalidOptions

NETWORK_INPUT = 1024  # larger than any rembg network's input; bigger photos are area-reduced first


@dataclass(frozen=True)
class Box:
    """A region in pixel coordinates of the input image (x0, y0 inclusive; x1, y1 exclusive)."""

    x0: int
    y0: int
    x1: int
    y1: int

    def clamp(self, width: int, height: int) -> "Box":
        x0, x1 = sorted((max(0, min(width, self.x0)), max(0, min(width, self.x1))))
        y0, y1 = sorted((max(0, min(height, self.y0)), max(0, min(height, self.y1))))
        if x1 - x0 < 8 or y1 - y0 < 8:
            raise InvalidOptions(
                f"the box ({self.x0}, {self.y0}, {self.x1}, {self.y1}) covers less than 8×8 px of the "
                f"{width}×{height} image; draw a box around the product"
            )
        return Box(x0, y0, x1, y1)


def _network_size(session) -> tuple[int, int] | None:
    shape = session.inner_session.get_inputs()[0].shape
    h, w = shape[-2], shape[-1]
    return (int(w), int(h)) if isinstance(h, int) and isinstance(w, int) else None


def predict_alpha(session, image: Image.Image | np.ndarray) -> np.ndarray:
    """Soft foreground probability at the network's own resolution (float32, [0, 1]).

    image: a PIL image, or its pixels as an RGB uint8 array (no copy is made of those)."""
    rgb = image if isinstance(image, np.ndarray) else np.asarray(image.convert("RGB"))
    size = _network_size(session)
    if size is None:
        longest = max(rgb.shape[:2])
        scale = min(1.0, NETWORK_INPUT / longest)
        size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    if rgb.shape[1] >= 2 * size[0] and rgb.shape[0] >= 2 * size[1]:
        # big photo: a fast area reduction to twice the network size, then the same Lanczos step as rembg
        rgb = cv2.resize(rgb, (2 * size[0], 2 * size[1]), interpolation=cv2.INTER_AREA)
    small = Image.fromarray(rgb).resize(size, Image.Resampling.LANCZOS)
    mask = session.predict(small)[0]
    return np.asarray(mask, dtype=np.float32) / 255.0
