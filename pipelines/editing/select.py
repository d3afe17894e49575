"""Click or box selection: the object under a click (or inside a drawn box) -> its mask (L, 255 = object).

    mask = select_object(image, point=(412, 300), sam=store.sam())                     # segment-anything
    mask = select_object(image, point=(412, 300), salient=store.session("u2netp"))     # no SAM weights

With a SAM predictor the click is a positive point prompt (the best of SAM's three candidate masks is kept)
and a box is a box prompt. Without one, the salient-object model runs on a crop around the click (or on the
box) and the connected part under the click is kept; a part cut by the crop's edge widens the crop and runs
again, up to the whole picture.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from pipelines.errors import InvalidImage, InvalidOptions, ModelUnavailable, ProductNotFound
from pipelines.cutout.matte import refine_alpha
from pipelines.cutout.segmentation import predict_alpha

Point = tuple[int, int]
PixelBox = tuple[int, int, int, int]  # x0, y0 inclusive; x1, y1 exclusive
MIN_BOX = 8  # px each way
CROP = 0.5  # the first crop around a click: this share of the picture's longest side ...
MIN_CROP = 96  # ... but at least this many pixels
REACH = 0.04  # a click this close (share of the crop's longest side) to a part still selects it


def select_object(image: Image.Image, *, point: Point | None = None, box: PixelBox | None = None,
                  sam=None, salient=None) -> Image.Image:
    """The mask (mode L, image size, 255 = object) of the object at `point` and/or inside `box` (pixels)."""
    # 1 check inputs
    if not isinstance(image, Image.Image) or image.mode != "RGB":
        mode = image.mode if isinstance(image, Image.Image) else type(image).__name__
        raise InvalidImage(f"selection needs an RGB picture, got {mode!r}")
    if point is None and box is None:
        raise InvalidOptions("click on the object (a point) or draw a box around it to select it")
    width, height = image.size
    point = None if point is None else _check_point(point, width, height)
    box = None if box is None else _check_box(box, width, height)
    if point is not None and box is not None and not (box[0] <= point[0] < box[2] and box[1] <= point[1] < box[3]):
        raise InvalidOptions(f"the click {point} is outside the box {box}; click inside it or give only one")
    if sam is None and salient is None:
        raise ModelUnavailable("selection needs segment-anything or the salient-object model; neither is loaded")
    # 2 segment
    rgb = np.asarray(image)
    alpha = _with_sam(sam, rgb, point, box) if sam is not None else _with_salient(salient, rgb, point, box)
    if not alpha.any():
        where = f"at {point}" if point is not None else f"in the box {box}"
        raise ProductNotFound(f"nothing to select {where}; click inside the object or draw a box around it")
    return Image.fromarray(alpha, "L")


def _check_point(point, width: int, height: int) -> Point:
    try:
        x, y = (int(v) for v in point)
    except (TypeError, ValueError):
        raise InvalidOptions(f"the click {point!r} must be two whole numbers (x, y) in pixels") from None
    if not (0 <= x < width and 0 <= y < height):
        raise InvalidOptions(f"the click ({x}, {y}) is outside the {width}×{height} picture: x must be in "
                             f"0..{width - 1} and y in 0..{height - 1}")
    return x, y


def _check_box(box, width: int, height: int) -> PixelBox:
    try:
        x0, y0, x1, y1 = (int(v) for v in box)
    except (TypeError, ValueError):
        raise InvalidOptions(f"the box {box!r} must be four whole numbers (x0, y0, x1, y1) in pixels") from None
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise InvalidOptions(f"the box ({x0}, {y0}, {x1}, {y1}) must satisfy 0 <= x0 < x1 <= {width} and "
                             f"0 <= y0 < y1 <= {height} (the {width}×{height} picture)")
    if x1 - x0 < MIN_BOX or y1 - y0 < MIN_BOX:
        raise InvalidOptions(f"the box ({x0}, {y0}, {x1}, {y1}) is smaller than {MIN_BOX}×{MIN_BOX} px; "
                             f"draw it around the whole object")
    return x0, y0, x1, y1


def _with_sam(sam, rgb: np.ndarray, point: Point | None, box: PixelBox | None) -> np.ndarray:
    """segment-anything's SamPredictor: a point prompt (three candidates, best score kept) or a box prompt."""
    sam.set_image(rgb)
    prompts = {}
    if point is not None:
        prompts["point_coords"] = np.array([point], np.float32)
        prompts["point_labels"] = np.array([1], np.int64)
    if box is not None:
        prompts["box"] = np.array(box, np.float32)
    masks, scores, _ = sam.predict(**prompts, multimask_output=box is None)
    best = np.asarray(masks[int(np.argmax(scores))], bool)
    if box is not None:  # SAM may spill past the box it was given
        inside = np.zeros_like(best)
        inside[box[1]:box[3], box[0]:box[2]] = True
        best &= inside
    return best.astype(np.uint8) * 255


def _with_salient(session, rgb: np.ndarray, point: Point | None, box: PixelBox | None) -> np.ndarray:
    height, width = rgb.shape[:2]
    region = box or _around(point, max(MIN_CROP, round(CROP * max(width, height))), width, height)
    while True:
        x0, y0, x1, y1 = region
        crop = rgb[y0:y1, x0:x1]
        soft = refine_alpha(predict_alpha(session, Image.fromarray(crop)), crop)
        part = _part(soft, None if point is None else (point[0] - x0, point[1] - y0))
        grow = (box is None and part is not None and region != (0, 0, width, height)
                and _cut_by_crop(part, region, width, height))
        if not grow:
            break
        side = 2 * max(x1 - x0, y1 - y0)
        region = _around(point, side, width, height)
    out = np.zeros((height, width), np.uint8)
    if part is not None:
        out[y0:y1, x0:x1] = np.round(soft * part * 255).astype(np.uint8)
    return out


def _part(soft: np.ndarray, point: Point | None) -> np.ndarray | None:
    """Where the selected part's soft alpha counts (float 0/1): the part under (or next to) the click, or
    everything the model kept when there is no click. None when nothing is there."""
    solid = (soft >= 0.5).astype(np.uint8)
    count, labels = cv2.connectedComponents(solid, connectivity=8)
    if count <= 1:
        return None
    if point is None:
        keep = solid > 0
    else:
        label = labels[point[1], point[0]]
        if label == 0:  # a click just beside a thin or small object still selects it
            distance, nearest = cv2.distanceTransformWithLabels(1 - solid, cv2.DIST_L2, 5,
                                                                labelType=cv2.DIST_LABEL_PIXEL)
            if distance[point[1], point[0]] > max(3.0, REACH * max(soft.shape)):
                return None
            ys, xs = np.nonzero(solid)  # pixel labels count the object pixels in this (row-major) order
            nearest_pixel = nearest[point[1], point[0]] - 1
            label = labels[ys[nearest_pixel], xs[nearest_pixel]]
        keep = labels == label
    # the part's soft edge lies just outside its solid pixels
    grown = cv2.dilate(keep.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2)
    return grown.astype(np.float32)


def _cut_by_crop(part: np.ndarray, region: PixelBox, width: int, height: int) -> bool:
    """Whether the part touches an edge of the crop that is not an edge of the picture."""
    x0, y0, x1, y1 = region
    solid = part > 0
    return bool((x0 > 0 and solid[:, :3].any()) or (y0 > 0 and solid[:3, :].any())
                or (x1 < width and solid[:, -3:].any()) or (y1 < height and solid[-3:, :].any()))


def _around(point: Point, side: int, width: int, height: int) -> PixelBox:
    """A square of `side` px centred on the point, shifted (not squashed) to stay inside the picture."""
    w, h = min(side, width), min(side, height)
    x0 = min(max(0, point[0] - w // 2), width - w)
    y0 = min(max(0, point[1] - h // 2), height - h)
    return x0, y0, x0 + w, y0 + h
