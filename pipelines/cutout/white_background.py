"""Catalog white background: a product photo -> a marketplace-ready image, its mask and a compliance report.

    result = make_white_background(image, WhiteBackgroundOptions(preset="amazon"), store=ModelStore(dir))
    result.image, result.mask, result.report, result.encoded

Steps: 1 check inputs, 2 segment (rembg session, optionally inside a box), 3 refine the matte,
4 decontaminate and frame by the preset, 5 encode, 6 check compliance on the final pixels.
"""

from __future__ import annotations

import io
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import numpy as np
from PIL import Image

from pipelines.cutout import compose
from pipelines.cutout.compliance import ComplianceReport, check_compliance
from pipelines.errors import InvalidOptions, ProductNotFound
from pipelines.cutout.matte import MatteOptions, refine_alpha
from pipelines.models import DEFAULT_MODEL, ModelStore
from pipelines.cutout.presets import Preset, resolve_preset
from pipelines.cutout.segmentation import Box, predict_alpha

StepProgress = Callable[[int, int, str], None]
STEPS = 5
UPSCALE_WARNING = 2.5


@dataclass(frozen=True)
class WhiteBackgroundOptions:
    preset: str = "amazon"
    width: int | None = None
    height: int | None = None
    margin: float | None = None
    shadow: bool = False
    model: str = DEFAULT_MODEL
    box: Box | None = None
    matte: MatteOptions = field(default_factory=MatteOptions)


@dataclass(frozen=True)
class WhiteBackgroundResult:
    image: Image.Image
    mask: Image.Image
    report: ComplianceReport
    encoded: bytes
    preset: Preset
    source_box: tuple[int, int, int, int]
    output_box: tuple[int, int, int, int]

    @property
    def extension(self) -> str:
        return self.preset.extension

    def aligned_source(self, source: Image.Image, fill=(200, 200, 200)) -> Image.Image:
        """The input photo moved and scaled exactly as the product was: a before image that lines up."""
        sx0, sy0, sx1, _ = self.source_box
        ox0, oy0, ox1, _ = self.output_box
        scale = (ox1 - ox0) / (sx1 - sx0)
        inverse = (1 / scale, 0, sx0 - ox0 / scale, 0, 1 / scale, sy0 - oy0 / scale)
        return source.convert("RGB").transform(self.image.size, Image.Transform.AFFINE, inverse,
                                               Image.Resampling.BILINEAR, fillcolor=fill)


def _no_progress(step: int, total: int, message: str) -> None:
    return None


def _own_alpha(image: Image.Image) -> np.ndarray | None:
    """An input that is already a cut-out keeps its own alpha."""
    if image.mode != "RGBA":
        return None
    alpha = np.asarray(image.getchannel("A"), np.float32) / 255.0
    return alpha if (alpha < 0.02).mean() > 0.01 else None


def _segment(image: Image.Image, rgb: np.ndarray, options: WhiteBackgroundOptions, store: ModelStore, notes):
    if options.box is None:
        own = _own_alpha(image)
        if own is not None:
            notes.append("the input already had a transparent background: its own alpha was used")
            return own
    session = store.session(options.model)
    h, w = rgb.shape[:2]
    box = (options.box or Box(0, 0, w, h)).clamp(w, h)
    crop = rgb[box.y0 : box.y1, box.x0 : box.x1]
    prob = predict_alpha(session, Image.fromarray(crop))
    alpha = np.zeros((h, w), np.float32)
    alpha[box.y0 : box.y1, box.x0 : box.x1] = refine_alpha(prob, crop, options.matte)
    if options.box is not None:
        notes.append(f"segmentation restricted to the box {box.x0},{box.y0}–{box.x1},{box.y1}")
    return alpha


def _frame(rgb, alpha, bounds, preset: Preset, shadow: bool, notes):
    """The output pixels, the product (+ shadow) footprint on them and the product's box there."""
    x0, y0, x1, y1 = bounds
    crop_alpha = alpha[y0:y1, x0:x1]
    foreground = compose.decontaminate(rgb[y0:y1, x0:x1], crop_alpha)
    if preset.width is None:
        pixels = np.zeros((*rgb.shape[:2], 4), np.uint8)
        pixels[y0:y1, x0:x1, :3] = foreground
        pixels[..., 3] = np.round(alpha * 255)
        return pixels, alpha > 0.0, bounds
    spot = compose.place((x1 - x0, y1 - y0), (preset.width, preset.height), preset.margin)
    if spot.scale > UPSCALE_WARNING:
        notes.append(f"the product was enlarged {spot.scale:.1f}×: a larger source photo gives a sharper result")
    size, enlarge = (spot.width, spot.height), spot.scale > 1.0
    fg = compose.resize(foreground, size, enlarge)
    a = np.clip(compose.resize(crop_alpha, size, enlarge), 0.0, 1.0)
    canvas = _canvas(preset)
    footprint = np.zeros(canvas.shape[:2], bool)
    if shadow:
        footprint |= compose.darken(canvas, *compose.contact_shadow(spot, a))
    compose.blend(canvas, fg, a, spot)
    footprint[spot.y : spot.y + spot.height, spot.x : spot.x + spot.width] |= a > 0.0
    return canvas, footprint, (spot.x, spot.y, spot.x + spot.width, spot.y + spot.height)


def _canvas(preset: Preset) -> np.ndarray:
    shape = (preset.height, preset.width, 3)
    if len(set(preset.background)) == 1:
        return np.full(shape, preset.background[0], np.uint8)  # one memset for white (or any grey)
    row = np.tile(np.asarray(preset.background, np.uint8), preset.width)
    return np.broadcast_to(row, (preset.height, row.size)).reshape(shape).copy()


def _encode(pixels: np.ndarray, preset: Preset) -> tuple[Image.Image, bytes]:
    """JPEG at quality 95 without chroma subsampling: every 8×8 block is coded on its own, so a block that
    is pure white before encoding decodes to pure white (tests hold this), and the compliance check on
    the pixels before encoding, which leaves out one block around the product, holds for the file."""
    image = Image.fromarray(pixels)
    buffer = io.BytesIO()
    if preset.format == "JPEG":
        image.save(buffer, "JPEG", quality=95, subsampling=0, bufsize=pixels.size)
    else:
        image.save(buffer, "PNG", compress_level=3)
    return image, buffer.getvalue()


@dataclass(frozen=True)
class _Segmented:
    rgb: np.ndarray
    alpha: np.ndarray
    bounds: tuple[int, int, int, int]
    preset: Preset
    notes: tuple[str, ...]


def check_options(options: WhiteBackgroundOptions) -> Preset:
    """The preset the options resolve to, or InvalidOptions naming what is not allowed."""
    preset = resolve_preset(options.preset, options.width, options.height, options.margin)
    if options.shadow and preset.background is None:
        raise InvalidOptions("a contact shadow needs a background; choose a preset other than 'transparent'")
    return preset


def _mask_image(alpha: np.ndarray) -> Image.Image:
    return Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L")


def _first_half(image: Image.Image, options: WhiteBackgroundOptions, store: ModelStore, progress) -> _Segmented:
    # 1. check inputs
    if not isinstance(image, Image.Image):
        raise InvalidOptions(f"image must be a PIL image, got {type(image).__name__}")
    preset = check_options(options)
    notes: list[str] = []
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))

    # 2-3. segment and refine the matte
    progress(1, STEPS, f"finding the product ({options.model})")
    alpha = _segment(image, rgb, options, store, notes)
    bounds = compose.product_bounds(alpha)
    if bounds is None:
        where = "inside the box" if options.box else "in the picture; draw a box around it"
        raise ProductNotFound(f"no product was found {where}")
    return _Segmented(rgb, alpha, bounds, preset, tuple(notes))


def _second_half(seg: _Segmented, options: WhiteBackgroundOptions, progress) -> WhiteBackgroundResult:
    # 4. decontaminate the edge and frame by the preset
    progress(2, STEPS, "placing the product on the new background")
    notes = list(seg.notes)
    pixels, footprint, placed = _frame(seg.rgb, seg.alpha, seg.bounds, seg.preset, options.shadow, notes)
    if options.shadow:
        notes.append("soft contact shadow added; the background check excludes the shadow")

    # 5. encode
    progress(3, STEPS, f"encoding {seg.preset.format}")
    result_image, encoded = _encode(pixels, seg.preset)

    # 6. compliance on the final pixels
    progress(4, STEPS, "checking marketplace rules")
    report = check_compliance(pixels, footprint, seg.preset, placed, len(encoded), tuple(notes))
    mask = _mask_image(seg.alpha)
    progress(5, STEPS, "done")
    return WhiteBackgroundResult(result_image, mask, report, encoded, seg.preset, seg.bounds, placed)


def make_white_background(
    image: Image.Image,
    options: WhiteBackgroundOptions = WhiteBackgroundOptions(),
    *,
    store: ModelStore,
    progress: StepProgress = _no_progress,
) -> WhiteBackgroundResult:
    """Turn one product photo into a marketplace image. Raises InvalidOptions, ProductNotFound, ModelUnavailable."""
    return _second_half(_first_half(image, options, store, progress), options, progress)


def make_product_mask(
    image: Image.Image, options: WhiteBackgroundOptions = WhiteBackgroundOptions(), *, store: ModelStore
) -> Image.Image:
    """Only steps 1-3: the refined product mask ("L", input size, 255 = product), no output image."""
    return _mask_image(_first_half(image, options, store, _no_progress).alpha)


def make_white_backgrounds(
    work: Iterable[tuple[Image.Image, WhiteBackgroundOptions]], *, store: ModelStore
) -> Iterator[WhiteBackgroundResult | Exception]:
    """The same for many (image, options) pairs, in order. An image that fails yields its exception in
    its place (StudioError for bad input, anything else for a bug the caller should log) and the rest go on.

    While the network segments one image, the previous one is framed, encoded and checked on a second
    thread, so a batch takes little more than its segmentation time.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="whitebg-finish") as finisher:
        pending: Future | None = None
        for image, options in work:
            try:
                seg = _first_half(image, options, store, _no_progress)
                upcoming = finisher.submit(_second_half, seg, options, _no_progress)
            except Exception as exc:  # one image's failure is that image's outcome, never the batch's
                upcoming = _done(exc)
            if pending is not None:
                yield _outcome(pending)
            pending = upcoming
        if pending is not None:
            yield _outcome(pending)


def _done(value) -> Future:
    future: Future = Future()
    future.set_exception(value)
    return future


def _outcome(future: Future) -> WhiteBackgroundResult | Exception:
    try:
        return future.result()
    except Exception as exc:  # handed to the caller, which reports or logs it per image
        return exc
