"""Catalog white background: a product photo -> a marketplace-ready image, its mask and a compliance report.

    result = make_white_background(image, WhiteBackgroundOptions(preset="amazon"), store=ModelStore(dir))
    result.image, result.mask, result.report, result.encoded

Steps: 1 check inputs, 2 segment (rembg session, optionally inside a box), 3 refine the matte,
4 decontaminate and frame by the preset, 5 encode, 6 check compliance on the final pixels.
Many images (`make_white_backgrounds`): step 2 of one image runs while steps 3-6 of the one before it run
on a second thread, or, with a session that runs an inference on fewer than all cores, several images
go through every step at once (see inference_lanes).

Where the time goes (bench/whitebg.py prints it): the network. Everything else works at the smaller of
the photo's and the output's resolution and touches the full canvas only in single passes (one memset,
one masked copy, one resize of the product, one JPEG encode, one colour test for compliance).
"""

from __future__ import annotations

import io
import itertools
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterable, Iterator

import cv2
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


@dataclass(frozen=True, eq=False)
class WhiteBackgroundResult:
    pixels: np.ndarray  # the output as encoded: uint8 RGB, or RGBA for the transparent preset
    mask: Image.Image
    report: ComplianceReport
    encoded: bytes
    preset: Preset
    source_box: tuple[int, int, int, int]
    output_box: tuple[int, int, int, int]

    @cached_property
    def image(self) -> Image.Image:
        """The output as a PIL image (made on first use: a batch that only writes `encoded` never needs it)."""
        return Image.fromarray(self.pixels)

    @property
    def extension(self) -> str:
        return self.preset.extension

    def aligned_source(self, source: Image.Image, fill=(200, 200, 200)) -> Image.Image:
        """The input photo moved and scaled exactly as the product was: a before image that lines up."""
        sx0, sy0, sx1, _ = self.source_box
        ox0, oy0, ox1, _ = self.output_box
        scale = (ox1 - ox0) / (sx1 - sx0)
        inverse = (1 / scale, 0, sx0 - ox0 / scale, 0, 1 / scale, sy0 - oy0 / scale)
        size = (self.pixels.shape[1], self.pixels.shape[0])
        return source.convert("RGB").transform(size, Image.Transform.AFFINE, inverse,
                                               Image.Resampling.BILINEAR, fillcolor=fill)


def _no_progress(step: int, total: int, message: str) -> None:
    return None


def _own_alpha(image: Image.Image) -> np.ndarray | None:
    """An input that is already a cut-out keeps its own alpha."""
    if image.mode != "RGBA":
        return None
    alpha = np.asarray(image.getchannel("A"), np.float32) / 255.0
    return alpha if (alpha < 0.02).mean() > 0.01 else None


def _frame(rgb: np.ndarray, alpha: np.ndarray, alpha8: np.ndarray, bounds, preset: Preset, shadow: bool, notes):
    """The output pixels, where the product (+ shadow) was drawn on them and the product's box there.

    alpha is the product's float alpha at the photo's size, alpha8 the same as uint8."""
    x0, y0, x1, y1 = bounds
    crop = (slice(y0, y1), slice(x0, x1))
    if preset.width is None:
        pixels = np.zeros((*rgb.shape[:2], 4), np.uint8)
        pixels[crop][..., :3] = compose.decontaminate(rgb[crop], alpha[crop])
        pixels[..., 3] = alpha8
        return pixels, compose.Patch(alpha8, 0, 0), bounds
    spot = compose.place((x1 - x0, y1 - y0), (preset.width, preset.height), preset.margin)
    if spot.scale > UPSCALE_WARNING:
        notes.append(f"the product was enlarged {spot.scale:.1f}×: a larger source photo gives a sharper result")
    foreground, placed = compose.fit(rgb[crop], alpha[crop], alpha8[crop], (spot.width, spot.height))
    canvas = _canvas(preset)
    darkened = compose.darken(canvas, compose.contact_shadow(spot, placed)) if shadow else None
    compose.blend(canvas, foreground, placed, spot)
    return canvas, _footprint(spot, placed, darkened), (spot.x, spot.y, spot.x + spot.width, spot.y + spot.height)


def _footprint(spot: compose.Placement, alpha8: np.ndarray, shadow: compose.Patch | None) -> compose.Patch:
    """Where the product and its shadow were drawn, as one patch covering both."""
    product = compose.Patch(alpha8, spot.x, spot.y)
    if shadow is None:
        return product
    parts = (product, shadow)
    x0, y0 = min(p.x for p in parts), min(p.y for p in parts)
    x1 = max(p.x + p.values.shape[1] for p in parts)
    y1 = max(p.y + p.values.shape[0] for p in parts)
    drawn = np.zeros((y1 - y0, x1 - x0), bool)
    for part in parts:
        h, w = part.values.shape
        drawn[part.y - y0 : part.y - y0 + h, part.x - x0 : part.x - x0 + w] |= part.values != 0
    return compose.Patch(drawn, x0, y0)


def _canvas(preset: Preset) -> np.ndarray:
    shape = (preset.height, preset.width, 3)
    if len(set(preset.background)) == 1:
        return np.full(shape, preset.background[0], np.uint8)  # one memset for white (or any grey)
    row = np.tile(np.asarray(preset.background, np.uint8), preset.width)
    return np.broadcast_to(row, (preset.height, row.size)).reshape(shape).copy()


JPEG_PARAMETERS = [cv2.IMWRITE_JPEG_QUALITY, 95, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]


def _encode(pixels: np.ndarray, preset: Preset) -> bytes:
    """JPEG at quality 95 without chroma subsampling: every 8×8 block is coded on its own, so a block that
    is pure white before encoding decodes to pure white (tests hold this), and the compliance check on
    the pixels before encoding, which leaves out one block around the product, holds for the file.

    JPEGs go through OpenCV's libjpeg-turbo straight from the array (the same file Pillow writes with
    quality=95, subsampling=0, without first copying the canvas into a PIL image); PNGs through Pillow."""
    if preset.format == "JPEG":
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), JPEG_PARAMETERS)
        if not ok:
            raise RuntimeError(f"JPEG encoding of a {pixels.shape[1]}×{pixels.shape[0]} image failed")
        return data.tobytes()
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", compress_level=3)
    return buffer.getvalue()


@dataclass(frozen=True)
class _Segmented:
    """An image after the network (step 2): everything the second thread needs to finish it."""

    rgb: np.ndarray
    preset: Preset
    prob: np.ndarray  # the network's low-resolution probability of `box`, or the input's own alpha
    box: Box | None  # where the network looked; None when the input's own alpha is used
    notes: tuple[str, ...]


def check_options(options: WhiteBackgroundOptions) -> Preset:
    """The preset the options resolve to, or InvalidOptions naming what is not allowed."""
    preset = resolve_preset(options.preset, options.width, options.height, options.margin)
    if options.shadow and preset.background is None:
        raise InvalidOptions("a contact shadow needs a background; choose a preset other than 'transparent'")
    return preset


def _segment(image: Image.Image, options: WhiteBackgroundOptions, store: ModelStore, progress) -> _Segmented:
    # 1. check inputs
    if not isinstance(image, Image.Image):
        raise InvalidOptions(f"image must be a PIL image, got {type(image).__name__}")
    preset = check_options(options)
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))

    # 2. segment
    progress(1, STEPS, f"finding the product ({options.model})")
    if options.box is None:
        own = _own_alpha(image)
        if own is not None:
            notes = ("the input already had a transparent background: its own alpha was used",)
            return _Segmented(rgb, preset, own, None, notes)
    session = store.session(options.model)
    h, w = rgb.shape[:2]
    box = (options.box or Box(0, 0, w, h)).clamp(w, h)
    prob = predict_alpha(session, rgb[box.y0 : box.y1, box.x0 : box.x1])
    notes = () if options.box is None else (f"segmentation restricted to the box {box.x0},{box.y0}–{box.x1},{box.y1}",)
    return _Segmented(rgb, preset, prob, box, notes)


def _matte(seg: _Segmented, options: WhiteBackgroundOptions) -> np.ndarray:
    """3. the refined full-size alpha (float32 [0, 1])."""
    if seg.box is None:
        return seg.prob
    box, rgb = seg.box, seg.rgb
    refined = refine_alpha(seg.prob, rgb[box.y0 : box.y1, box.x0 : box.x1], options.matte)
    if refined.shape == rgb.shape[:2]:
        return refined
    alpha = np.zeros(rgb.shape[:2], np.float32)
    alpha[box.y0 : box.y1, box.x0 : box.x1] = refined
    return alpha


def _product(seg: _Segmented, options: WhiteBackgroundOptions) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    alpha = _matte(seg, options)
    bounds = compose.product_bounds(alpha)
    if bounds is None:
        where = "inside the box" if options.box else "in the picture; draw a box around it"
        raise ProductNotFound(f"no product was found {where}")
    return alpha, bounds


def _finish(seg: _Segmented, options: WhiteBackgroundOptions, progress) -> WhiteBackgroundResult:
    # 3. refine the matte
    alpha, bounds = _product(seg, options)
    alpha8 = compose.to_8bit(alpha)

    # 4. decontaminate the edge and frame by the preset
    progress(2, STEPS, "placing the product on the new background")
    notes = list(seg.notes)
    pixels, footprint, placed = _frame(seg.rgb, alpha, alpha8, bounds, seg.preset, options.shadow, notes)
    if options.shadow:
        notes.append("soft contact shadow added; the background check excludes the shadow")

    # 5. encode
    progress(3, STEPS, f"encoding {seg.preset.format}")
    encoded = _encode(pixels, seg.preset)

    # 6. compliance on the final pixels
    progress(4, STEPS, "checking marketplace rules")
    report = check_compliance(pixels, footprint, seg.preset, placed, len(encoded), tuple(notes))
    progress(5, STEPS, "done")
    return WhiteBackgroundResult(pixels, Image.fromarray(alpha8, "L"), report, encoded, seg.preset, bounds, placed)


def make_white_background(
    image: Image.Image,
    options: WhiteBackgroundOptions = WhiteBackgroundOptions(),
    *,
    store: ModelStore,
    progress: StepProgress = _no_progress,
) -> WhiteBackgroundResult:
    """Turn one product photo into a marketplace image. Raises InvalidOptions, ProductNotFound, ModelUnavailable."""
    return _finish(_segment(image, options, store, progress), options, progress)


def make_product_mask(
    image: Image.Image, options: WhiteBackgroundOptions = WhiteBackgroundOptions(), *, store: ModelStore
) -> Image.Image:
    """Only steps 1-3: the refined product mask ("L", input size, 255 = product), no output image."""
    alpha, _ = _product(_segment(image, options, store, _no_progress), options)
    return Image.fromarray(compose.to_8bit(alpha), "L")


def inference_lanes(session) -> int:
    """How many images the network should work on at once: one per group of CPU cores its ONNX Runtime
    session runs an inference on. A session on all cores (ONNX Runtime's default) or on a GPU: 1."""
    inner = getattr(session, "inner_session", None)
    if inner is None or "CUDAExecutionProvider" in inner.get_providers():
        return 1
    threads = inner.get_session_options().intra_op_num_threads
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, cores // threads) if threads > 0 else 1


def make_white_backgrounds(
    work: Iterable[tuple[Image.Image, WhiteBackgroundOptions]], *, store: ModelStore
) -> Iterator[WhiteBackgroundResult | Exception]:
    """The same for many (image, options) pairs, in order. An image that fails yields its exception in
    its place (StudioError for bad input, anything else for a bug the caller should log) and the rest go on.

    With a session that uses every core for one inference (the default), the calling thread only runs the
    network (step 2) and steps 3-6 of each image run on a second thread while the network works on the
    next image. With an already loaded session that uses fewer cores (see inference_lanes), that many
    images go through all the steps at once, one per lane.
    """
    work = iter(work)
    first = next(work, None)
    if first is None:
        return
    model = first[1].model
    lanes = inference_lanes(store.session(model)) if model in store.loaded() else 1
    pairs = itertools.chain([first], work)
    if lanes == 1:
        yield from _overlapped(pairs, store)
        return
    with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="whitebg-lane") as pool:
        window: deque[Future] = deque()
        for image, options in pairs:
            window.append(pool.submit(make_white_background, image, options, store=store))
            if len(window) > lanes:  # one queued behind the running ones keeps every lane busy
                yield _outcome(window.popleft())
        while window:
            yield _outcome(window.popleft())


def _overlapped(work: Iterable[tuple[Image.Image, WhiteBackgroundOptions]], store: ModelStore):
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="whitebg-finish") as finisher:
        pending: Future | None = None
        for image, options in work:
            try:
                seg = _segment(image, options, store, _no_progress)
                upcoming = finisher.submit(_finish, seg, options, _no_progress)
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
