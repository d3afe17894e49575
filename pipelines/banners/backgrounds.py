"""Banner backgrounds: a template's background spec -> an RGB canvas of exactly the requested size.

    canvas = paint_background(template.background, (1200, 628), palette_color)   # color("accent") -> (r, g, b, a)

The spec is the template's background model (any object with these attributes; missing ones take the
defaults below). Colours are palette names or hex, resolved by the caller's `color`.
    solid      color
    gradient   colors (2..5, evenly spaced), angle (degrees as in CSS: 0 = to the top, 90 = to the right,
               180 = to the bottom), kind linear | radial (centre -> corners, the canvas's aspect)
    pattern    pattern dots | stripes | grid | diagonal | waves over a base `color`; ink (default: black or
               white, whichever stands out from the base), scale (the period as a fraction of the canvas's
               short side), opacity (of the ink)
    studio     a photographic sweep: wall `color`, `floor` (default: the wall a little darker), horizon (the
               fraction of the height where the floor starts), light (where the key light falls: top, center,
               left, right, top-left, top-right or (x, y) fractions), with a soft horizon and a vignette
    photo      the caller's `photo`, else `file` (relative to `assets_dir`, default assets/templates/);
               fit cover; blur (Gaussian radius as a fraction of the short side); tint, tint_opacity
    generated  made by a worker with a generative model; painted here only when that image is passed as `photo`

Smooth backgrounds (gradient, studio) are computed on a grid eight times coarser, enlarged with bilinear
interpolation in 16 bits and dithered by ±½ level with a fixed noise tile: no banding, a few milliseconds.
Patterns have an integer period: one anti-aliased tile is drawn and repeated.
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image, ImageFilter

from pipelines.banners.contrast import relative_luminance, to_linear
from pipelines.errors import InvalidImage, InvalidOptions
from pipelines.image_input import load_image

Color = Callable[[str], tuple]
TYPES = ("solid", "gradient", "pattern", "studio", "photo", "generated")
PATTERNS = ("dots", "stripes", "grid", "diagonal", "waves")
LIGHTS = {"top": (0.5, 0.25), "center": (0.5, 0.45), "left": (0.2, 0.35), "right": (0.8, 0.35),
          "top-left": (0.2, 0.2), "top-right": (0.8, 0.2)}
STEP = 8  # smooth fields: one sample per STEP × STEP pixels
TILE = 64  # the dither tile's side
# pattern geometry, as fractions of the period
DOT_RADIUS, GRID_LINE, DIAGONAL_LINE, WAVE_LINE, WAVE_HEIGHT = 0.2, 0.06, 0.12, 0.1, 0.18
MAX_BLUR = 0.25


def _attr(spec, name: str, default=None):
    value = getattr(spec, name, None)
    return default if value is None else value


def paint_background(spec, size: tuple[int, int], color: Color, photo: Image.Image | None = None,
                     assets_dir: Path | None = None) -> Image.Image:
    """The background as an RGB image of exactly `size`. InvalidOptions names a bad value or a generated
    background without its image; InvalidImage a template photo that cannot be read."""
    width, height = (int(v) for v in size)
    if width < 1 or height < 1:
        raise InvalidOptions(f"the canvas size {size} must be at least 1 × 1 px")
    kind = _attr(spec, "type")
    if kind == "solid":
        return Image.new("RGB", (width, height), _rgb(color, _attr(spec, "color", "background")))
    if kind == "gradient":
        return _gradient(spec, (width, height), color)
    if kind == "pattern":
        return _pattern(spec, (width, height), color)
    if kind == "studio":
        return _studio(spec, (width, height), color)
    if kind == "photo":
        return _photo(spec, (width, height), color, photo, assets_dir)
    if kind == "generated":
        if photo is None:
            raise InvalidOptions("generated backgrounds are made on a worker with a generative model; pass the "
                                 "generated image as `photo` (or choose a solid, gradient, pattern, studio or "
                                 "photo background)")
        return _cover(photo, (width, height))
    raise InvalidOptions(f"background type {kind!r} is not one of {', '.join(TYPES)}")


# -- colours -----------------------------------------------------------------------------------------------------
def _rgba(color: Color, name: str) -> tuple[int, int, int, int]:
    value = tuple(int(v) for v in color(name))
    return value if len(value) == 4 else (*value[:3], 255)  # type: ignore[return-value]


def _rgb(color: Color, name: str) -> tuple[int, int, int]:
    return _rgba(color, name)[:3]  # an opaque canvas: a colour's alpha counts only for ink and tint


def _to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear light 0..1 -> sRGB 0..255 (float)."""
    c = np.clip(linear, 0.0, 1.0)
    return 255.0 * np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)


# OKLab (Ottosson 2020): gradients pass through even, unmuddied colours between their stops
_LMS = np.array([[0.4122214708, 0.5363325363, 0.0514459929],
                 [0.2119034982, 0.6806995451, 0.1073969566],
                 [0.0883024619, 0.2817188376, 0.6299787005]])
_LAB = np.array([[0.2104542553, 0.7936177850, -0.0040720468],
                 [1.9779984951, -2.4285922050, 0.4505937099],
                 [0.0259040371, 0.7827717662, -0.8086757660]])


def _oklab(rgb) -> np.ndarray:
    return np.cbrt(to_linear(rgb) @ _LMS.T) @ _LAB.T


def _oklab_to_srgb(lab: np.ndarray) -> np.ndarray:
    lms = (lab @ np.linalg.inv(_LAB).T) ** 3
    return _to_srgb(lms @ np.linalg.inv(_LMS).T)


# -- smooth fields: coarse grid -> 16-bit bilinear -> dither ---------------------------------------------------
def _grid(size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (fractions 0..1 of width and height) of the coarse samples, placed where cv2.resize puts
    them on the full canvas, so the enlarged field is exact wherever it is linear."""
    width, height = size
    columns, rows = max(2, -(-width // STEP)), max(2, -(-height // STEP))
    return (np.arange(columns) + 0.5) / columns, (np.arange(rows) + 0.5) / rows


def _noise_tile() -> np.ndarray:
    """Interleaved gradient noise (Jimenez 2014), 0..255: an even, high-frequency dither pattern."""
    y, x = np.mgrid[0:TILE, 0:TILE].astype(np.float64)
    return np.floor(256 * np.modf(52.9829189 * np.modf(0.06711056 * x + 0.00583715 * y)[0])[0]).astype(np.uint16)


def _finish(srgb: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """A coarse float sRGB field (rows, columns, 3) -> the full canvas, dithered to 8 bits."""
    width, height = size
    coarse = np.round(np.clip(srgb, 0.0, 255.0) * 256).astype(np.uint16)
    full = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)
    tile = _noise_tile()
    band = np.tile(tile, (1, -(-width // TILE)))[:, :width]
    band = np.ascontiguousarray(np.repeat(band[..., None], 3, axis=2))
    for top in range(0, height, TILE):
        rows = full[top:top + TILE]
        cv2.add(rows, band[: rows.shape[0]], dst=rows)
    # round(v/256 + n/256 - ½) with n uniform 0..255: ±½ level of dither, unbiased
    return Image.fromarray(cv2.convertScaleAbs(full, alpha=1 / 256, beta=-0.5), "RGB")


# -- gradient ------------------------------------------------------------------------------------------------------
def _gradient(spec, size: tuple[int, int], color: Color) -> Image.Image:
    names = list(_attr(spec, "colors", ()))
    if not 2 <= len(names) <= 5:
        raise InvalidOptions(f"a gradient needs 2 to 5 colors, got {len(names)}")
    kind = _attr(spec, "kind", "linear")
    width, height = size
    u, v = _grid(size)
    if kind == "linear":
        angle = math.radians(float(_attr(spec, "angle", 180.0)))
        dx, dy = math.sin(angle), -math.cos(angle)  # CSS: the gradient line points this way (y down)
        length = abs(width * dx) + abs(height * dy)  # corner to corner along it, as CSS does
        t = ((u[None, :] - 0.5) * width * dx + (v[:, None] - 0.5) * height * dy) / length + 0.5
    elif kind == "radial":
        t = np.sqrt(2 * ((u[None, :] - 0.5) ** 2 + (v[:, None] - 0.5) ** 2))  # 0 at the centre, 1 at corners
    else:
        raise InvalidOptions(f"gradient kind {kind!r} is not one of linear, radial")
    stops = _oklab(np.array([_rgb(color, n) for n in names], np.float64))
    places = np.linspace(0.0, 1.0, len(names))
    t = np.clip(t, 0.0, 1.0)
    lab = np.stack([np.interp(t, places, stops[:, i]) for i in range(3)], axis=-1)
    return _finish(_oklab_to_srgb(lab), size)


# -- studio sweep -------------------------------------------------------------------------------------------------
def _light(value) -> tuple[float, float]:
    if value is None:
        return LIGHTS["top"]
    if isinstance(value, str):
        if value not in LIGHTS:
            raise InvalidOptions(f"studio light {value!r} is not one of {', '.join(LIGHTS)} or (x, y) fractions")
        return LIGHTS[value]
    x, y = (float(c) for c in value)
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise InvalidOptions(f"studio light {value!r} must be (x, y) fractions 0..1 of the canvas")
    return x, y


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _studio(spec, size: tuple[int, int], color: Color) -> Image.Image:
    width, height = size
    horizon = float(_attr(spec, "horizon", 0.68))
    if not 0.0 <= horizon <= 1.0:
        raise InvalidOptions(f"studio horizon {horizon:g} must be a fraction 0..1 of the height")
    lx, ly = _light(_attr(spec, "light"))
    wall = to_linear(_rgb(color, _attr(spec, "color", "background")))
    floor_name = _attr(spec, "floor")
    floor = wall * 0.85 if floor_name is None else to_linear(_rgb(color, floor_name))
    u, v = _grid(size)
    x, y = u[None, :], v[:, None]
    aspect = width / max(width, height), height / max(width, height)
    # 1 the key light: a broad pool on the wall around the light, fading to ~80 %
    reach = np.hypot((x - lx) * aspect[0], (y - ly) * aspect[1]) / 0.6
    wall_light = 0.8 + 0.28 * np.exp(-reach**2)
    # 2 the floor: lit most right under the light's pool at the horizon, a little darker toward the front
    depth = np.clip((y - horizon) / max(1e-3, 1.0 - horizon), 0.0, 1.0)
    floor_light = (0.86 + 0.18 * np.exp(-(((x - lx) * aspect[0] / 0.5) ** 2))) * (1.0 - 0.1 * depth)
    # 3 the sweep: a soft blend across the bend, which catches a touch less light
    band = 0.09
    blend = _smoothstep(horizon - band, horizon + band, y)[..., None]
    bend = 1.0 - 0.035 * np.exp(-(((y - horizon) / band) ** 2))
    linear = (wall * wall_light[..., None] * (1 - blend) + floor * floor_light[..., None] * blend) * bend[..., None]
    # 4 a gentle vignette toward the corners
    corner = 2 * ((x - 0.5) ** 2 + (y - 0.5) ** 2)  # 0 at the centre, 1 in the corners
    linear = linear * (1.0 - 0.28 * corner**1.5)[..., None]
    return _finish(_to_srgb(linear), size)


# -- pattern -------------------------------------------------------------------------------------------------------
def _coverage(pattern: str, period: int) -> np.ndarray:
    """One tile's ink coverage 0..1 (anti-aliased: a 1 px ramp across each edge). Tiles repeat seamlessly."""
    p = float(period)
    tile_width = 2 * period if pattern == "waves" else period
    x = np.arange(tile_width)[None, :] + 0.5
    y = np.arange(period)[:, None] + 0.5

    def line(distance: np.ndarray, width: float) -> np.ndarray:
        return np.clip(max(width, 1.2) / 2 - distance + 0.5, 0.0, 1.0)

    if pattern == "dots":
        return line(np.hypot(x - p / 2, y - p / 2), 2 * DOT_RADIUS * p)
    if pattern == "stripes":
        return np.broadcast_to(line(np.abs(x - p / 2), p / 2), (period, period))
    if pattern == "grid":
        return np.maximum(line(np.abs(x - p / 2), GRID_LINE * p), line(np.abs(y - p / 2), GRID_LINE * p))
    if pattern == "diagonal":
        s = np.mod(x + y, p)
        return line(np.minimum(s, p - s) / math.sqrt(2), DIAGONAL_LINE * p)
    if pattern == "waves":
        phase = 2 * math.pi * x / (2 * p)
        centre = p / 2 + WAVE_HEIGHT * p * np.sin(phase)
        slope = WAVE_HEIGHT * p * np.cos(phase) * math.pi / p
        offset = np.mod(y - centre + p / 2, p) - p / 2
        return line(np.abs(offset) / np.sqrt(1 + slope**2), WAVE_LINE * p)
    raise InvalidOptions(f"pattern {pattern!r} is not one of {', '.join(PATTERNS)}")


def _pattern(spec, size: tuple[int, int], color: Color) -> Image.Image:
    width, height = size
    pattern = _attr(spec, "pattern", "dots")
    scale = float(_attr(spec, "scale", 0.05))
    opacity = float(_attr(spec, "opacity", 0.15))
    if not 0.0 < scale <= 1.0:
        raise InvalidOptions(f"pattern scale {scale:g} must be above 0 and at most 1 (a fraction of the short side)")
    if not 0.0 <= opacity <= 1.0:
        raise InvalidOptions(f"pattern opacity {opacity:g} must be 0..1")
    base = np.asarray(_rgb(color, _attr(spec, "color", "background")), np.float64)
    ink_name = _attr(spec, "ink")
    if ink_name is None:  # whichever of black and white stands out from the base
        ink = (0, 0, 0, 255) if relative_luminance(base) > 0.18 else (255, 255, 255, 255)
    else:
        ink = _rgba(color, ink_name)
    period = max(4, round(scale * min(width, height)))
    weight = _coverage(pattern, period)[..., None] * opacity * ink[3] / 255
    tile = np.round(base + (np.asarray(ink[:3], np.float64) - base) * weight).astype(np.uint8)
    # the tile's centre on the canvas's centre, so the pattern sits symmetrically
    th, tw = tile.shape[:2]
    ox, oy = round(tw / 2 - width / 2) % tw, round(th / 2 - height / 2) % th
    canvas = np.tile(tile, (-(-(height + oy) // th), -(-(width + ox) // tw), 1))[oy:oy + height, ox:ox + width]
    return Image.fromarray(np.ascontiguousarray(canvas), "RGB")


# -- photo -------------------------------------------------------------------------------------------------------
def _cover(photo: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale to cover the canvas and crop the middle: the photo keeps its aspect ratio."""
    width, height = size
    scale = max(width / photo.width, height / photo.height)
    crop_w, crop_h = width / scale, height / scale
    left, top = (photo.width - crop_w) / 2, (photo.height - crop_h) / 2
    source = photo if photo.mode == "RGB" else photo.convert("RGB")
    return source.resize((width, height), Image.Resampling.LANCZOS, box=(left, top, left + crop_w, top + crop_h),
                         reducing_gap=3.0)


def _template_photo(name: str, assets_dir: Path | None) -> Image.Image:
    folder = Path(assets_dir) if assets_dir is not None else Path(str(resources.files("assets"))) / "templates"
    root = folder.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise InvalidOptions(f"background file {name!r} must be inside the templates folder")
    if not path.is_file():
        raise InvalidOptions(f"background file {name!r} was not found in {root}")
    try:
        return _decoded(str(path), path.stat().st_mtime_ns)
    except InvalidImage as error:
        raise InvalidImage(f"background file {name!r}: {error}") from None


@lru_cache(maxsize=8)
def _decoded(path: str, mtime_ns: int) -> Image.Image:
    """A template's photo, decoded once (every size and language of a set uses it; callers never modify it)."""
    image = load_image(Path(path).read_bytes()).image
    image.load()
    return image


def _photo(spec, size: tuple[int, int], color: Color, photo: Image.Image | None,
           assets_dir: Path | None) -> Image.Image:
    fit = _attr(spec, "fit", "cover")
    if fit != "cover":
        raise InvalidOptions(f"photo fit {fit!r} is not one of cover")
    blur = float(_attr(spec, "blur", 0.0))
    if not 0.0 <= blur <= MAX_BLUR:
        raise InvalidOptions(f"photo blur {blur:g} must be 0..{MAX_BLUR:g} (a fraction of the canvas's short side)")
    if photo is None:
        name = _attr(spec, "file")
        if not name:
            raise InvalidOptions("a photo background needs a photo: upload one or set the template's file")
        photo = _template_photo(name, assets_dir)
    image = _cover(photo, size)
    if blur > 0:
        image = image.filter(ImageFilter.GaussianBlur(blur * min(size)))
    tint = _attr(spec, "tint")
    if tint is not None:
        opacity = float(_attr(spec, "tint_opacity", 0.3))
        if not 0.0 <= opacity <= 1.0:
            raise InvalidOptions(f"photo tint_opacity {opacity:g} must be 0..1")
        r, g, b, a = _rgba(color, tint)
        image = Image.blend(image, Image.new("RGB", size, (r, g, b)), opacity * a / 255)
    return image
