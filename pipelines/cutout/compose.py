"""Putting a cut-out on its new background: colour decontamination, framing, contact shadow, blending.

Edge pixels of a photo mix the product's colour with the old background's. Blending them onto white
as they are leaves a fringe of the old colour. `decontaminate` unmixes each edge pixel against the
local background colour and falls back to colour carried outward from the product's solid interior,
so the edge keeps only product colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SOLID, CLEAR = 0.95, 0.05


@dataclass(frozen=True)
class Placement:
    """Where the product crop lands on the canvas, and how much it was scaled."""

    x: int
    y: int
    width: int
    height: int
    scale: float


ESTIMATE_SIDE = 512  # the colour fields are smooth: estimate them small, apply them at full size


def _spread(rgb: np.ndarray, weight: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Normalised convolution: the weighted local mean colour, defined wherever weight reaches."""
    w = cv2.GaussianBlur(weight, (0, 0), sigma)
    c = cv2.GaussianBlur(rgb * weight[..., None], (0, 0), sigma)
    return c / np.maximum(w, 1e-6)[..., None], w


def _colour_fields(rgb: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Small maps of (product colour carried outward from the solid interior, old background colour)."""
    h, w = alpha.shape
    scale = min(1.0, ESTIMATE_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = (cv2.resize(rgb, size, interpolation=cv2.INTER_AREA) if scale < 1 else rgb).astype(np.float32)
    a = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA) if scale < 1 else alpha
    sigma = max(1.5, 0.006 * max(size))
    inner, reach = _spread(small, (a >= SOLID).astype(np.float32), sigma)
    wide, _ = _spread(small, (a >= 0.5).astype(np.float32), sigma * 8)
    inner = np.where((reach > 1e-3)[..., None], inner, wide)
    background, _ = _spread(small, (a <= CLEAR).astype(np.float32), sigma)
    return inner, background, scale


def decontaminate(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Foreground colour (uint8 RGB) free of the old background's colour; solid pixels are unchanged.

    Clear pixels next to the edge get the product's colour too, so resampling the cut-out later never
    pulls the old background back into the edge."""
    touched = cv2.dilate((alpha > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    ys, xs = np.nonzero(touched & (alpha < SOLID))
    if ys.size == 0:
        return rgb.copy()
    inner, background, scale = _colour_fields(rgb, alpha)
    sy = np.minimum((ys * scale).astype(np.intp), inner.shape[0] - 1)
    sx = np.minimum((xs * scale).astype(np.intp), inner.shape[1] - 1)
    c = rgb[ys, xs].astype(np.float32)
    a = np.maximum(alpha[ys, xs], 1e-3)[:, None]
    unmixed = np.clip((c - (1.0 - a) * background[sy, sx]) / a, 0.0, 255.0)
    trust = np.clip((a - 0.3) / 0.6, 0.0, 1.0)
    out = rgb.copy()
    out[ys, xs] = np.clip(trust * unmixed + (1.0 - trust) * inner[sy, sx] + 0.5, 0, 255).astype(np.uint8)
    return out


def product_bounds(alpha: np.ndarray, threshold: float = 0.1) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the product, or None when nothing was found."""
    x, y, w, h = cv2.boundingRect((alpha > threshold).astype(np.uint8))
    return None if w == 0 or h == 0 else (x, y, x + w, y + h)


def place(bounds_size: tuple[int, int], canvas: tuple[int, int], margin: float) -> Placement:
    """Scale the product to the largest size inside the margins, centred."""
    pw, ph = bounds_size
    cw, ch = canvas
    scale = min(cw * (1 - 2 * margin) / pw, ch * (1 - 2 * margin) / ph)
    w, h = max(1, round(pw * scale)), max(1, round(ph * scale))
    return Placement((cw - w) // 2, (ch - h) // 2, w, h, scale)


def resize(array: np.ndarray, size: tuple[int, int], enlarge: bool) -> np.ndarray:
    interpolation = cv2.INTER_CUBIC if enlarge else cv2.INTER_AREA
    return cv2.resize(array, size, interpolation=interpolation)


def contact_shadow(placement: Placement, alpha: np.ndarray) -> tuple[np.ndarray, int, int]:
    """A soft ellipse under the product's footprint: (strength 0..1, x, y) of a patch on the canvas."""
    rows = max(1, alpha.shape[0] // 12)
    cols = np.nonzero(alpha[-rows:].max(axis=0) > 0.5)[0]
    left, right = (int(cols.min()), int(cols.max()) + 1) if cols.size else (0, alpha.shape[1])
    half_w = max(2, round((right - left) * 0.55))
    half_h = max(3, round(0.045 * placement.width))
    sigma = max(2.0, half_h * 0.8)
    pad = int(3 * sigma) + 1
    patch = np.zeros((2 * (half_h + pad), 2 * (half_w + pad)), np.float32)
    center = (half_w + pad, half_h + pad)
    cv2.ellipse(patch, center, (half_w, half_h), 0, 0, 360, 1.0, -1)
    patch = 0.38 * cv2.GaussianBlur(patch, (0, 0), sigma)
    cx = placement.x + (left + right) // 2
    cy = placement.y + placement.height - round(0.01 * placement.height)
    return patch, cx - center[0], cy - center[1]


def darken(canvas: np.ndarray, strength: np.ndarray, x: int, y: int) -> np.ndarray:
    """Darken the canvas by a patch placed at (x, y), clipped to the canvas; returns where it changed."""
    h, w = canvas.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(w, x + strength.shape[1]), min(h, y + strength.shape[0])
    touched = np.zeros((h, w), bool)
    if x1 <= x0 or y1 <= y0:
        return touched
    patch = strength[y0 - y : y1 - y, x0 - x : x1 - x]
    region = canvas[y0:y1, x0:x1]
    region[...] = np.clip(region * (1.0 - patch[..., None]) + 0.5, 0, 255).astype(np.uint8)
    touched[y0:y1, x0:x1] = patch > 0.002
    return touched


def blend(canvas: np.ndarray, foreground: np.ndarray, alpha: np.ndarray, placement: Placement) -> None:
    """Alpha-blend a uint8 foreground onto canvas (uint8, in place) at the placement; alpha 0 leaves it
    untouched (OpenCV's blendLinear: one multi-threaded pass)."""
    y0, x0 = placement.y, placement.x
    region = canvas[y0 : y0 + alpha.shape[0], x0 : x0 + alpha.shape[1]]
    weight = np.ascontiguousarray(alpha, dtype=np.float32)
    region[...] = cv2.blendLinear(foreground, region, weight, 1.0 - weight)
