"""Bytes -> a normalised PIL image, or InvalidImage saying what was wrong and what is allowed."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from pipelines.errors import InvalidImage
from pipelines.image_input.units import human_bytes

Image.init()
# formats we decode (JPEG's opener also yields MPO, the multi-picture JPEG phones write)
ALLOWED_FORMATS = tuple(f for f in ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF") if f in Image.OPEN)
_ANIMATION_FORMATS = ("GIF", "PNG", "WEBP", "AVIF", "TIFF")


@dataclass(frozen=True)
class ImageLimits:
    """What an input image may be. Checked before any pixel is decoded where possible."""

    max_bytes: int = 50 * 1024 * 1024
    max_pixels: int = 60_000_000
    max_side: int = 12_000
    min_side: int = 16
    max_aspect_ratio: float = 12.0
    animated: Literal["first_frame", "reject"] = "first_frame"


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image ready for the pipelines: mode RGB, or RGBA when it had real transparency."""

    image: Image.Image
    format: str
    notes: tuple[str, ...] = ()


def _open(data: bytes, limits: ImageLimits) -> Image.Image:
    if not data:
        raise InvalidImage("the file is empty (0 bytes); upload a JPEG, PNG, WebP, GIF, BMP, TIFF or AVIF image")
    if len(data) > limits.max_bytes:
        raise InvalidImage(f"the file is {human_bytes(len(data))}; the limit is {human_bytes(limits.max_bytes)} per image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except UnidentifiedImageError:
        raise InvalidImage(
            "the content is not an image in a supported format; allowed: " + ", ".join(ALLOWED_FORMATS)
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImage(f"the image declares too many pixels; the limit is {limits.max_pixels:,}") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage(f"the image header is corrupt and cannot be read ({exc})") from None


def _check_geometry(width: int, height: int, limits: ImageLimits) -> None:
    if width * height > limits.max_pixels:
        raise InvalidImage(
            f"the image is {width}×{height} = {width * height:,} pixels; the limit is {limits.max_pixels:,} pixels"
        )
    if max(width, height) > limits.max_side:
        raise InvalidImage(f"the image is {width}×{height}; each side must be at most {limits.max_side} px")
    if min(width, height) < limits.min_side:
        raise InvalidImage(f"the image is {width}×{height}; each side must be at least {limits.min_side} px")
    ratio = max(width, height) / min(width, height)
    if ratio > limits.max_aspect_ratio:
        raise InvalidImage(
            f"the image is {width}×{height} (aspect ratio {ratio:.1f}:1); the limit is {limits.max_aspect_ratio:g}:1"
        )


def _select_frame(im: Image.Image, limits: ImageLimits) -> list[str]:
    frames = getattr(im, "n_frames", 1)
    if frames <= 1 or im.format not in _ANIMATION_FORMATS:
        return []
    if limits.animated == "reject":
        raise InvalidImage(
            f"the image is animated ({frames} frames); upload a still image (JPEG, PNG or WebP with one frame)"
        )
    im.seek(0)
    return [f"animated {im.format} with {frames} frames: used the first frame"]


def _to_8bit(im: Image.Image) -> tuple[Image.Image, list[str]]:
    """Normalise every Pillow mode to RGB or RGBA, scaling deep images instead of clipping them."""
    mode = im.mode
    if mode in ("RGB", "RGBA"):
        return im, []
    if mode.startswith("I;16") or mode in ("I", "F"):
        values = np.asarray(im).astype(np.float64)
        if mode == "F":
            top = 1.0 if values.max(initial=0) <= 1.0 else 255.0
        else:
            top = 65535.0 if mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        gray = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(gray, "L").convert("RGB"), [f"converted from {mode} (high bit depth) to 8-bit"]
    if mode == "CMYK":
        return im.convert("RGB"), ["converted from CMYK to RGB"]
    if mode == "P":
        has_alpha = "transparency" in im.info or im.palette is not None and im.palette.mode == "RGBA"
        return im.convert("RGBA" if has_alpha else "RGB"), []
    if mode in ("LA", "La", "PA", "RGBa"):
        return im.convert("RGBA"), []
    if mode in ("L", "1"):
        return im.convert("RGB"), ["grayscale image: converted to RGB"]
    return im.convert("RGB"), [f"converted from {mode} to RGB"]


def _drop_opaque_alpha(im: Image.Image) -> Image.Image:
    if im.mode == "RGBA" and im.getchannel("A").getextrema()[0] == 255:
        return im.convert("RGB")
    return im


def probe_image(data: bytes, limits: ImageLimits = ImageLimits()) -> tuple[str, int, int]:
    """Format and size from the header alone (no pixels decoded), or InvalidImage: a cheap check at upload."""
    im = _open(data, limits)
    _check_geometry(im.width, im.height, limits)
    return im.format or "unknown", im.width, im.height


def load_image(data: bytes, limits: ImageLimits = ImageLimits()) -> LoadedImage:
    """Decode untrusted bytes into an upright RGB/RGBA image, or raise InvalidImage."""
    im = _open(data, limits)
    _check_geometry(im.width, im.height, limits)
    notes = _select_frame(im, limits)
    fmt = im.format or "unknown"
    try:
        im.load()
        im = ImageOps.exif_transpose(im)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = "the file is truncated" if "truncated" in str(exc) else f"the image data is corrupt ({exc})"
        raise InvalidImage(f"{reason}; re-export or re-download the image") from None
    im, more = _to_8bit(im)
    im = _drop_opaque_alpha(im)
    im.info.pop("exif", None)
    return LoadedImage(image=im, format=fmt, notes=tuple(notes + more))
