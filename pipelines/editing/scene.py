"""A product cut-out on a scene: fitted into a box, grounded with a shadow, optionally matched to the scene's light.

    placed = place_product(scene, cutout, (x0, y0, x1, y1), shadow="soft")   # cutout: RGBA, alpha = product
    placed.image, placed.product_mask, placed.box
    placed = make_marketing_image(cutout, scene, scale=0.72, harmonize=0.35)

Steps: 1 check inputs, 2 crop the cut-out to its alpha and fit it into the box (Lanczos on premultiplied
RGBA: no dark fringe), 3 harmonize (optional), 4 shadow on the scene, 5 blend.

The product's own pixels change only when asked: with harmonize=0, wherever the placed alpha is 255 the
output is exactly the resized cut-out (at scale 1, the cut-out itself). The shadow darkens only the scene,
which the product is then blended over, so it never covers the product.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from pipelines.errors import InvalidImage, InvalidOptions

Box = tuple[int, int, int, int]
SHADOWS = ("soft", "contact", "none")
ALIGNS = {"start": 0.0, "left": 0.0, "center": 0.5, "end": 1.0, "right": 1.0}
VALIGNS = {"top": 0.0, "middle": 0.5, "center": 0.5, "bottom": 1.0}
PLACEMENTS = ("center", "left", "right")


@dataclass(frozen=True)
class Shadow:
    """How a product is grounded. soft = contact + cast shadow; contact = only the dark line at its base."""

    kind: str = "soft"
    opacity: float = 1.0  # scales the whole shadow (the contact part peaks near 0.6, the cast part near 0.3)
    lean: float = 0.0  # the cast shadow's horizontal shift, -1 (left) .. 1 (right), for light from the side

    def __post_init__(self):
        if self.kind not in SHADOWS:
            raise InvalidOptions(f"shadow {self.kind!r} is not one of {', '.join(SHADOWS)}")
        if not 0.0 <= self.opacity <= 1.0:
            raise InvalidOptions(f"shadow opacity {self.opacity:g} must be 0..1")
        if not -1.0 <= self.lean <= 1.0:
            raise InvalidOptions(f"shadow lean {self.lean:g} must be -1..1")


@dataclass(frozen=True)
class Placed:
    image: Image.Image  # RGB, the scene's size
    product_mask: Image.Image  # L, the scene's size, 255 = product (its placed alpha)
    box: Box  # where the product's pixels landed (x0, y0, x1, y1), clipped to the scene


def resize_cutout(cutout: Image.Image, size: tuple[int, int]) -> Image.Image:
    """An RGBA cut-out at `size`: Lanczos on premultiplied colour (Pillow premultiplies RGBA when resizing),
    so the transparent pixels' colour never bleeds into the edge. The same size returns it unchanged."""
    if cutout.size == tuple(size):
        return cutout
    return cutout.resize(size, Image.Resampling.LANCZOS)


# -- 3 harmonize ---------------------------------------------------------------------------------------------------
AB_SHIFT, L_SHIFT, L_CONTRAST, WRAP = 0.3, 0.2, 0.3, 0.5  # shares of the difference, at harmonize=1
MAX_AB, MAX_L = 12.0, 8.0  # LAB units at harmonize=1: a bright backdrop must not bleach a dark product
CONTRAST_RANGE = (0.9, 1.1)  # a smooth backdrop's contrast says little about the product's light: nudge only
STATS_SIDE = 256  # scene statistics from a copy at most this big


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _harmonize(product: np.ndarray, alpha: np.ndarray, surround: np.ndarray, behind: np.ndarray,
               amount: float) -> np.ndarray:
    """Move the product's colour statistics toward the scene's (LAB: a and b means, L mean and contrast, each
    partly) and wrap a little of the blurred scene's light around its edge (screen: it only lightens)."""
    solid = alpha > 0.5
    if not solid.any():
        return product
    lab = _lab(product)
    step = max(1, max(surround.shape[:2]) // STATS_SIDE)
    scene_lab = _lab(surround[::step, ::step]).reshape(-1, 3)
    mean_p, mean_s = lab[solid].mean(axis=0), scene_lab.mean(axis=0)
    std_p, std_s = lab[solid][:, 0].std(), scene_lab[:, 0].std()
    gain = float(np.clip((std_s / max(std_p, 1e-3)) ** (L_CONTRAST * amount), *CONTRAST_RANGE))
    shift_l = np.clip(L_SHIFT * (mean_s[0] - mean_p[0]), -MAX_L, MAX_L) * amount
    shift_ab = np.clip(AB_SHIFT * (mean_s[1:] - mean_p[1:]), -MAX_AB, MAX_AB) * amount
    lab[..., 0] = (lab[..., 0] - mean_p[0]) * gain + mean_p[0] + shift_l
    lab[..., 1:] += shift_ab
    lab[..., 0] = np.clip(lab[..., 0], 0.0, 100.0)
    out = np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB), 0.0, 1.0)
    # light wrap: the scene's blurred light spills a few pixels over the edge, where alpha falls off nearby
    sigma = max(1.0, 0.006 * max(alpha.shape))
    edge = np.clip(alpha - cv2.GaussianBlur(alpha, (0, 0), sigma), 0.0, 1.0) * 2.0
    glow = cv2.GaussianBlur(behind.astype(np.float32) / 255.0, (0, 0), 2 * sigma)
    weight = np.clip(edge * WRAP * amount, 0.0, 1.0)[..., None]
    out = 1.0 - (1.0 - out) * (1.0 - glow * weight)
    return np.clip(np.round(out * 255.0), 0, 255).astype(np.uint8)


# -- 4 shadow ------------------------------------------------------------------------------------------------------
SHADOW_SIDE = 320  # shadows are smooth: drawn at most this big, then enlarged


def _shadow(alpha: np.ndarray, shadow: Shadow) -> tuple[np.ndarray, int, int]:
    """The shadow's strength 0..1 as a patch and the patch's offset from the product's top-left corner."""
    full_h, full_w = alpha.shape
    pad = max(8, round(0.25 * max(full_w, full_h)))
    k = min(1.0, SHADOW_SIDE / (max(full_w, full_h) + 2 * pad))
    w, h = max(2, round(full_w * k)), max(2, round(full_h * k))
    small = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_AREA) if k < 1 else alpha
    rows = max(1, h // 12)
    feet = np.nonzero(small[-rows:].max(axis=0) > 0.5)[0]
    left, right = (int(feet.min()), int(feet.max()) + 1) if feet.size else (0, w)
    p = max(2, round(pad * k))
    patch = np.zeros((h + 2 * p, w + 2 * p), np.float32)
    base_y = p + h  # the product's base line inside the patch
    # contact: a tight dark ellipse along the footprint, mostly hidden under the product
    half_w, half_h = max(1.0, 0.54 * (right - left)), max(1.0, 0.018 * h)
    contact = patch.copy()
    centre = (round(p + (left + right) / 2), round(base_y - 0.2 * half_h))
    cv2.ellipse(contact, centre, (round(half_w), max(1, round(half_h))), 0, 0, 360, 1.0, -1)
    strength = 0.6 * cv2.GaussianBlur(contact, (0, 0), max(0.8, 0.9 * half_h))
    if shadow.kind == "soft":
        # cast: the silhouette squashed onto the floor around the base, very soft, leaning with the light
        squat = max(2, round(0.14 * h))
        cast = patch.copy()
        top, x0 = base_y - round(0.7 * squat), p + round(shadow.lean * 0.15 * w)
        cast[top:top + squat, x0:x0 + w] = cv2.resize(small.astype(np.float32), (w, squat),
                                                       interpolation=cv2.INTER_AREA)
        cast = 0.3 * cv2.GaussianBlur(cast, (0, 0), max(1.5, 0.035 * max(w, h)))
        strength = 1.0 - (1.0 - strength) * (1.0 - cast)
    if k < 1:
        strength = cv2.resize(strength, (full_w + 2 * pad, full_h + 2 * pad), interpolation=cv2.INTER_LINEAR)
    strength = np.clip(strength * shadow.opacity, 0.0, 1.0)
    x0, y0, w, h = cv2.boundingRect((strength > 1 / 1024).astype(np.uint8))  # where it darkens at all
    return strength[y0:y0 + h, x0:x0 + w], x0 - pad, y0 - pad


def _darken(scene: np.ndarray, strength: np.ndarray, x: int, y: int) -> None:
    """Multiply the scene (in place) toward a darkened copy of its own colour under the patch: the shadow
    takes the scene's tint instead of being grey."""
    height, width = scene.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + strength.shape[1]), min(height, y + strength.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    s = strength[y0 - y:y1 - y, x0 - x:x1 - x, None]
    region = scene[y0:y1, x0:x1].astype(np.float32)
    weights = s[..., 0]
    total = float(weights.sum())
    local = (region * s).sum(axis=(0, 1)) / total if total > 1e-6 else region.reshape(-1, 3).mean(axis=0)
    tint = 0.35 * local / 255.0  # the colour light takes bouncing off this surface, darkened
    scene[y0:y1, x0:x1] = np.clip(np.round(region * (1.0 - s * (1.0 - tint))), 0, 255).astype(np.uint8)


# -- the public functions ----------------------------------------------------------------------------------------
def _check_shadow(shadow) -> Shadow:
    if isinstance(shadow, Shadow):
        return shadow
    if shadow not in SHADOWS:
        raise InvalidOptions(f"shadow {shadow!r} is not one of {', '.join(SHADOWS)}")
    return Shadow(kind=shadow)


def place_product(scene: Image.Image, cutout: Image.Image, box, *, align: str = "center", valign: str = "bottom",
                  shadow: str | Shadow = "soft", harmonize: float = 0.0) -> Placed:
    """Fit the cut-out (cropped to its alpha) into `box` (x0, y0, x1, y1 pixels of the scene) keeping its aspect,
    aligned inside it (align start|center|end, valign top|middle|bottom), shadowed, blended onto the scene."""
    # 1 check inputs
    if not isinstance(scene, Image.Image) or not isinstance(cutout, Image.Image):
        raise InvalidImage("place_product needs the scene and the cut-out as images")
    if cutout.mode != "RGBA":
        raise InvalidImage(f"the cut-out must be RGBA with the product in its alpha, got {cutout.mode!r}")
    if align not in ALIGNS or valign not in VALIGNS:
        raise InvalidOptions(f"align {align!r} / valign {valign!r}: allowed {', '.join(ALIGNS)} / "
                             f"{', '.join(VALIGNS)}")
    if not 0.0 <= harmonize <= 1.0:
        raise InvalidOptions(f"harmonize {harmonize:g} must be 0..1 (0 keeps the product's colours exactly)")
    shadow = _check_shadow(shadow)
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    if x1 <= x0 or y1 <= y0:
        raise InvalidOptions(f"the product box {tuple(box)} is empty: it needs x0 < x1 and y0 < y1")
    bounds = cutout.getchannel("A").getbbox()
    if bounds is None:
        raise InvalidImage("the cut-out is fully transparent: there is no product to place")

    # 2 crop to the product and fit it into the box
    piece = cutout.crop(bounds)
    scale = min((x1 - x0) / piece.width, (y1 - y0) / piece.height)
    size = (max(1, round(piece.width * scale)), max(1, round(piece.height * scale)))
    piece = resize_cutout(piece, size)
    left = x0 + round(ALIGNS[align] * (x1 - x0 - size[0]))
    top = y0 + round(VALIGNS[valign] * (y1 - y0 - size[1]))
    rgba = np.asarray(piece)
    product, alpha8 = rgba[..., :3], rgba[..., 3]
    alpha = alpha8.astype(np.float32) / 255.0
    canvas = np.array(scene.convert("RGB"))
    height, width = canvas.shape[:2]

    # 3 harmonize with the scene around the box
    if harmonize > 0.0:
        mx, my = (x1 - x0) // 4, (y1 - y0) // 4
        surround = canvas[max(0, y0 - my):y1 + my, max(0, x0 - mx):x1 + mx]
        behind = _under(canvas, left, top, size)
        product = _harmonize(product, alpha, surround, behind, harmonize)

    # 4 shadow on the scene only
    if shadow.kind != "none" and shadow.opacity > 0:
        strength, dx, dy = _shadow(alpha, shadow)
        _darken(canvas, strength, left + dx, top + dy)

    # 5 blend (integer: alpha 255 gives the product's value exactly), clipped to the scene
    cx0, cy0, cx1, cy1 = max(0, left), max(0, top), min(width, left + size[0]), min(height, top + size[1])
    mask = np.zeros((height, width), np.uint8)
    if cx1 > cx0 and cy1 > cy0:
        px, py = cx0 - left, cy0 - top
        a = alpha8[py:py + cy1 - cy0, px:px + cx1 - cx0]
        wa = a.astype(np.uint16)[..., None]  # 255 * 255 + 127 fits 16 bits
        fg = product[py:py + cy1 - cy0, px:px + cx1 - cx0]
        bg = canvas[cy0:cy1, cx0:cx1]
        canvas[cy0:cy1, cx0:cx1] = ((fg * wa + bg * (255 - wa) + 127) // 255).astype(np.uint8)
        mask[cy0:cy1, cx0:cx1] = a
    placed_box = (cx0, cy0, cx1, cy1) if cx1 > cx0 and cy1 > cy0 else (0, 0, 0, 0)
    return Placed(Image.fromarray(canvas, "RGB"), Image.fromarray(mask, "L"), placed_box)


def _under(canvas: np.ndarray, left: int, top: int, size: tuple[int, int]) -> np.ndarray:
    """The scene's pixels behind the product's rectangle (edge-replicated where it leaves the scene)."""
    height, width = canvas.shape[:2]
    ys = np.clip(np.arange(top, top + size[1]), 0, height - 1)
    xs = np.clip(np.arange(left, left + size[0]), 0, width - 1)
    return canvas[ys[:, None], xs[None, :]]


def make_marketing_image(cutout: Image.Image, scene: Image.Image, *, placement: str = "center", scale: float = 0.72,
                         shadow: str | Shadow = "soft", harmonize: float = 0.35) -> Placed:
    """The product on the scene as a marketing picture: fitted into `scale` of the scene's width and height,
    standing at the bottom of that box, centred (or at the left or right with the same margin as above)."""
    if placement not in PLACEMENTS:
        raise InvalidOptions(f"placement {placement!r} is not one of {', '.join(PLACEMENTS)}")
    if not 0.05 <= scale <= 1.0:
        raise InvalidOptions(f"scale {scale:g} must be 0.05..1 (the product's share of the scene)")
    width, height = scene.size
    box_w, box_h = scale * width, scale * height
    margin = (height - box_h) / 2
    x0 = {"center": (width - box_w) / 2, "left": min(margin, (width - box_w) / 2),
          "right": max(width - box_w - margin, (width - box_w) / 2)}[placement]
    align = {"center": "center", "left": "start", "right": "end"}[placement]
    box = (round(x0), round(margin), round(x0 + box_w), round(margin + box_h))
    return place_product(scene, cutout, box, align=align, valign="bottom", shadow=shadow, harmonize=harmonize)
