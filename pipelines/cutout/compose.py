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


@dataclass(frozen=True)
class Patch:
    """An array laid on the canvas with its top-left corner at (x, y): a shadow's strength, or where
    something was drawn (nonzero = drawn)."""

    values: np.ndarray
    x: int
    y: int


ESTIMATE_SIDE = 512  # the colour fields are smooth: estimate them small, apply them at full size
WIDE = 8  # the fallback product colour averages over an 8× wider area ...
WIDE_REDUCTION = 4  # ... so it is estimated on a map 4× smaller again


def _reduce(rgb: np.ndarray, alpha: np.ndarray, side: float) -> tuple[np.ndarray, np.ndarray, float]:
    """rgb (as float32) and alpha area-reduced to a longest side of at most `side`, and the scale used."""
    h, w = alpha.shape
    scale = min(1.0, side / max(h, w))
    if scale == 1.0:
        return rgb.astype(np.float32, copy=False), alpha, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    reduced = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA).astype(np.float32, copy=False)
    return reduced, cv2.resize(alpha, size, interpolation=cv2.INTER_AREA), scale


def _at(ys: np.ndarray, xs: np.ndarray, scale: float, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Full-size pixel coordinates -> the matching pixel of a map `scale` times smaller."""
    return (np.minimum((ys * scale).astype(np.intp), shape[0] - 1),
            np.minimum((xs * scale).astype(np.intp), shape[1] - 1))


def _spread_at(weighted: np.ndarray, weight: np.ndarray, sigma: float, ys: np.ndarray, xs: np.ndarray):
    """Normalised convolution read at (ys, xs) only: the weighted local mean colour there (`weighted` is
    colour × weight) and how much weight reached each point."""
    reach = cv2.GaussianBlur(weight, (0, 0), sigma)[ys, xs]
    colour = cv2.GaussianBlur(weighted, (0, 0), sigma)[ys, xs]
    return colour / np.maximum(reach, 1e-6)[:, None], reach


def _edge_colours(rgb: np.ndarray, alpha: np.ndarray, ys: np.ndarray, xs: np.ndarray):
    """At the edge pixels (ys, xs): (product colour carried outward from the solid interior, old background
    colour), both float32 RGB, estimated on a small map."""
    small, a, scale = _reduce(rgb, alpha, ESTIMATE_SIDE)
    sy, sx = _at(ys, xs, scale, a.shape)
    sigma = max(1.5, 0.006 * max(a.shape))
    solid, clear = (a >= SOLID).astype(np.float32), (a <= CLEAR).astype(np.float32)
    inner, reach = _spread_at(small * solid[..., None], solid, sigma, sy, sx)
    background, _ = _spread_at(small * clear[..., None], clear, sigma, sy, sx)
    lost = reach <= 1e-3
    if lost.any():  # too far from the solid interior: the product's mean colour over a wider area
        body = (a >= 0.5).astype(np.float32)
        weighted, weight, coarse = _reduce(small * body[..., None], body, max(a.shape) / WIDE_REDUCTION)
        cy, cx = _at(ys[lost], xs[lost], scale * coarse, weight.shape)
        inner[lost], _ = _spread_at(weighted, weight, sigma * WIDE * coarse, cy, cx)
    return inner, background


def decontaminate(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Foreground colour (uint8 RGB) free of the old background's colour; solid pixels are unchanged.

    Clear pixels next to the edge get the product's colour too, so resampling the cut-out later never
    pulls the old background back into the edge. Only the edge pixels are computed."""
    touched = cv2.dilate((alpha > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    ys, xs = np.nonzero(touched & (alpha < SOLID))
    if ys.size == 0:
        return rgb.copy()
    inner, background = _edge_colours(rgb, alpha, ys, xs)
    c = rgb[ys, xs].astype(np.float32)
    a = np.maximum(alpha[ys, xs], 1e-3)[:, None]
    unmixed = np.clip((c - (1.0 - a) * background) / a, 0.0, 255.0)
    trust = np.clip((a - 0.3) / 0.6, 0.0, 1.0)
    out = rgb.copy()
    out[ys, xs] = np.clip(trust * unmixed + (1.0 - trust) * inner + 0.5, 0, 255).astype(np.uint8)
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


def to_8bit(alpha: np.ndarray) -> np.ndarray:
    """A [0, 1] float alpha as uint8 0..255, rounded (one pass)."""
    return cv2.convertScaleAbs(alpha, alpha=255.0)


def fit(rgb: np.ndarray, alpha: np.ndarray, alpha8: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The cut-out at its output size: (decontaminated uint8 colour, uint8 alpha), each resized once.

    The edge is cleaned at the smaller of the two resolutions: a product that shrinks is reduced first and
    cleaned at its output size, one that grows is cleaned at its own size and then enlarged.
    alpha is float [0, 1], alpha8 the same alpha as uint8."""
    height, width = alpha.shape
    if size == (width, height):
        return decontaminate(rgb, alpha), alpha8
    if size[0] < width:
        small = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
        return decontaminate(resize(rgb, size, enlarge=False), small), to_8bit(small)
    return resize(decontaminate(rgb, alpha), size, enlarge=True), resize(alpha8, size, enlarge=True)


def contact_shadow(placement: Placement, alpha8: np.ndarray) -> Patch:
    """A soft ellipse under the product's footprint (alpha8: the placed product's uint8 alpha): its
    strength 0..1 as a patch on the canvas."""
    rows = max(1, alpha8.shape[0] // 12)
    cols = np.nonzero(alpha8[-rows:].max(axis=0) > 127)[0]
    left, right = (int(cols.min()), int(cols.max()) + 1) if cols.size else (0, alpha8.shape[1])
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
    return Patch(patch, cx - center[0], cy - center[1])


def darken(canvas: np.ndarray, shadow: Patch) -> Patch | None:
    """Darken the canvas by a shadow patch, clipped to the canvas; returns where it changed (None: nowhere)."""
    h, w = canvas.shape[:2]
    x, y, strength = shadow.x, shadow.y, shadow.values
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(w, x + strength.shape[1]), min(h, y + strength.shape[0])
    if x1 <= x0 or y1 <= y0:
        return None
    patch = strength[y0 - y : y1 - y, x0 - x : x1 - x]
    region = canvas[y0:y1, x0:x1]
    region[...] = np.clip(region * (1.0 - patch[..., None]) + 0.5, 0, 255).astype(np.uint8)
    return Patch(patch > 0.002, x0, y0)


def blend(canvas: np.ndarray, foreground: np.ndarray, alpha8: np.ndarray, placement: Placement) -> None:
    """Alpha-blend a uint8 foreground with its uint8 alpha onto the canvas (uint8, contiguous, in place) at
    the placement. Solid pixels are copied and clear ones leave the canvas untouched (one masked copy); only
    the thin edge band between them, a few percent of the product's pixels, is gathered and mixed."""
    if not canvas.flags.c_contiguous:
        raise ValueError("blend draws into the canvas through a flat view: pass a contiguous array")
    y0, x0 = placement.y, placement.x
    height, width = alpha8.shape
    cv2.copyTo(foreground, cv2.compare(alpha8, 255, cv2.CMP_EQ), canvas[y0 : y0 + height, x0 : x0 + width])
    band = cv2.findNonZero(cv2.inRange(alpha8, 1, 254))
    if band is None:
        return
    band = band.reshape(-1, 2).astype(np.intp)  # (x, y) rows; OpenCV 4 adds a middle axis, OpenCV 5 does not
    inside = band[:, 1] * width + band[:, 0]
    where = (band[:, 1] + y0) * canvas.shape[1] + band[:, 0] + x0
    pixels, channels = canvas.reshape(-1, canvas.shape[2]), canvas.shape[2]
    weight = alpha8.reshape(-1).take(inside).astype(np.float32).reshape(1, -1)
    weight *= np.float32(1 / 255)
    mixed = cv2.blendLinear(foreground.reshape(-1, channels).take(inside, axis=0).reshape(1, -1, channels),
                            pixels.take(where, axis=0).reshape(1, -1, channels), weight, 1.0 - weight)
    pixels[where] = mixed.reshape(-1, channels)
