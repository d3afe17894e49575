"""Matte refinement: the network's low-resolution probability -> a clean full-resolution alpha.

1. Edge-aware upsampling: a guided filter against the photo snaps the soft edge to real image edges.
2. Contrast: the transition band is narrowed so a product gets a crisp edge, not a halo.
3. Specks: foreground islands much smaller than the product are dropped.
4. Holes: real holes (rings, handles) are kept; only pinholes far smaller than the product are closed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORKING_SIDE = 1024


@dataclass(frozen=True)
class MatteOptions:
    guided_radius: float = 0.006  # as a fraction of the working image's longest side
    guided_eps: float = 1e-3
    edge_contrast: float = 3.0
    min_speck_fraction: float = 0.02  # islands below this share of the largest island are dropped
    max_pinhole_fraction: float = 0.0005  # holes below this share of the product area are closed


def _box(x: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(x, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guided_upsample(prob: np.ndarray, guide_rgb: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Guided filter (He et al.) with a gray guide, coefficients computed at the guide's resolution."""
    h, w = guide_rgb.shape[:2]
    p = cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)
    g = cv2.cvtColor(guide_rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    mean_g, mean_p = _box(g, radius), _box(p, radius)
    cov = _box(g * p, radius) - mean_g * mean_p
    var = _box(g * g, radius) - mean_g * mean_g
    a = cov / (var + eps)
    b = mean_p - a * mean_g
    return _box(a, radius) * g + _box(b, radius)


def _drop_specks(alpha: np.ndarray, fraction: float) -> np.ndarray:
    solid = (alpha >= 0.5).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    if count <= 2:
        return alpha
    areas = stats[1:, cv2.CC_STAT_AREA]
    drop = np.zeros(count, dtype=bool)
    drop[1:] = areas < fraction * areas.max()
    if not drop.any():
        return alpha
    keep = ~drop
    keep[0] = False
    # a dropped speck takes its soft halo with it, but never soft pixels that belong to a kept part
    halo = cv2.dilate(drop[labels].astype(np.uint8), np.ones((5, 5), np.uint8), iterations=2) > 0
    near_kept = cv2.dilate(keep[labels].astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    out = alpha.copy()
    out[halo & ~near_kept] = 0.0
    return out


def _close_pinholes(alpha: np.ndarray, fraction: float) -> np.ndarray:
    hollow = (alpha < 0.95).astype(np.uint8)  # soft dips count too: a half-transparent speck is a flaw
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hollow, connectivity=4)
    if count <= 2:
        return alpha
    h, w = alpha.shape
    product_area = float((alpha >= 0.5).sum())
    x, y, bw, bh, area = (stats[:, i] for i in range(5))
    touches_border = (x == 0) | (y == 0) | (x + bw == w) | (y + bh == h)
    tiny = (~touches_border) & (area < fraction * product_area)
    tiny[0] = False
    if not tiny.any():
        return alpha
    out = alpha.copy()
    out[tiny[labels]] = 1.0  # noise inside the product
    return out


def refine_alpha(prob: np.ndarray, rgb: np.ndarray, options: MatteOptions = MatteOptions()) -> np.ndarray:
    """Full-resolution alpha (float32 [0, 1], the size of rgb) from a low-resolution probability map."""
    h, w = rgb.shape[:2]
    scale = min(1.0, WORKING_SIDE / max(h, w))
    work = rgb if scale == 1.0 else cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    radius = max(1, round(options.guided_radius * max(work.shape[:2])))
    alpha = guided_upsample(prob.astype(np.float32), work, radius, options.guided_eps)
    alpha = np.clip((alpha - 0.5) * options.edge_contrast + 0.5, 0.0, 1.0)
    alpha = _drop_specks(alpha, options.min_speck_fraction)
    alpha = _close_pinholes(alpha, options.max_pinhole_fraction)
    if scale != 1.0:
        alpha = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)
    return alpha.astype(np.float32)
