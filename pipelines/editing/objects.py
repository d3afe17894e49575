"""A picture's objects: each thing found in it, with an English name, a box, a mask and a score.

    found = salient_objects(image, store.session("u2netp"))                                  # the product(s)
    found += detected_objects(image, store.detector(), DEFAULT_QUERIES, sam=store.sam())    # named objects

Two sources, one result type (`Found`):
- salient: the salient-object model's mask of the product, split into its separate parts (two bottles
  standing apart are two products), each named "product", largest first;
- detector: an open-vocabulary detector (OWLv2, pipelines/models/detector_loader.py) asked for English
  nouns; boxes below the threshold are dropped, overlapping boxes of one name go through non-maximum
  suppression, the best MAX_OBJECTS are kept, and each box becomes a mask with segment-anything when a
  predictor is given (the box itself otherwise).

Boxes are pixels x0, y0, x1, y1 (x1, y1 exclusive); masks are mode L, the picture's size, 255 = the object.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from pipelines.cutout.matte import MatteOptions, refine_alpha
from pipelines.cutout.product_mask import MIN_SHARE
from pipelines.cutout.segmentation import predict_alpha
from pipelines.editing.select import MIN_BOX, select_object
from pipelines.errors import InvalidImage, InvalidOptions, ProductNotFound

PixelBox = tuple[int, int, int, int]

# A salient part counts as a product when it is at least MIN_PART of the largest part (smaller islands are
# specks of the matte: a label, a reflection, dust) and at least MIN_SHARE (0.2 %) of the picture, the share
# below which product_mask says nothing was found. A picture whose largest part is below MIN_SHARE has none.
MIN_PART = 0.015
MAX_OBJECTS = 20  # per source: the largest salient parts, the best-scoring detections
DEFAULT_THRESHOLD = 0.2  # OWLv2 confidence below which a detection is dropped
NMS_IOU = 0.5  # a box of the same name overlapping a better one by more than this is the same object
SAME_OBJECT_IOU = 0.85  # a box of another name this close to a better one is that object named twice
PROMPT = "a photo of a {}"  # how each noun is put to the detector (the CLIP-style prompt OWLv2 is used with)
MAX_QUERIES = 100
MAX_QUERY_CHARS = 40
MAX_QUERY_WORDS = 4  # OWLv2 reads at most 16 tokens per query, the prompt included
_QUERY = re.compile(r"[A-Za-z]+(?:[ '-][A-Za-z]+)*")

DEFAULT_QUERIES: tuple[str, ...] = (
    # tableware and kitchen
    "cup", "mug", "glass", "bottle", "wine glass", "plate", "bowl", "jar", "teapot", "kettle", "spoon", "knife",
    "fork", "cutting board",
    # food
    "fruit", "apple", "banana", "orange", "bread", "cake",
    # electronics
    "laptop", "phone", "tablet", "keyboard", "computer mouse", "monitor", "television", "camera", "headphones",
    "speaker", "watch", "clock",
    # furniture and home
    "lamp", "chair", "table", "sofa", "bed", "shelf", "cabinet", "mirror", "pillow", "blanket", "rug",
    "curtain", "window", "door", "vase", "plant", "flower", "candle", "picture frame", "book", "basket",
    # fashion and personal items
    "bag", "backpack", "shoe", "hat", "glasses", "shirt", "dress", "jacket", "jewelry", "ring", "necklace",
    "perfume", "cosmetics", "toy", "box", "person",
)


@dataclass(frozen=True)
class Found:
    """One object in the picture."""

    name: str  # English: "product" for the salient model's parts, the query's noun for the detector's
    box: PixelBox  # x0, y0 inclusive; x1, y1 exclusive (pixels of the picture)
    score: float  # 0..1: mean salient confidence over the part, or the detector's confidence
    mask: Image.Image  # mode L, the picture's size, 255 = the object
    source: str  # "salient" | "detector"


def salient_objects(image: Image.Image, session) -> list[Found]:
    """The product's separate parts as found by the salient-object model (a rembg session), largest first;
    [] when the model finds nothing."""
    # 1 check inputs
    rgb = np.asarray(_rgb(image))
    height, width = rgb.shape[:2]
    # 2 segment: the network's probability, refined at full resolution (specks are judged below, per part)
    probability = predict_alpha(session, rgb)
    alpha = refine_alpha(probability, rgb, MatteOptions(min_speck_fraction=0.0))
    confidence = cv2.resize(probability.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    # 3 split into parts and drop specks
    solid = (alpha >= 0.5).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    if count <= 1 or areas.max() < MIN_SHARE * width * height:
        return []
    smallest = max(MIN_PART * areas.max(), MIN_SHARE * width * height)
    parts = sorted((label for label in range(1, count) if areas[label - 1] >= smallest),
                   key=lambda label: -areas[label - 1])[:MAX_OBJECTS]
    # 4 one mask per part: its solid pixels and the soft edge just outside them, never another part's pixels
    found = []
    for label in parts:
        own = labels == label
        edge = cv2.dilate(own.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=2) > 0
        region = edge & ((labels == 0) | own)
        mask = np.where(region, np.round(alpha * 255), 0).astype(np.uint8)
        x, y, w, h = (int(v) for v in stats[label, :4])
        score = float(np.clip(confidence[own].mean(), 0.0, 1.0))
        found.append(Found("product", (x, y, x + w, y + h), score, Image.fromarray(mask, "L"), "salient"))
    return found


def check_queries(queries) -> tuple[str, ...]:
    """The names to look for, as given, or InvalidOptions naming every bad one and what is allowed."""
    if isinstance(queries, str) or not isinstance(queries, (tuple, list)):
        raise InvalidOptions(f"queries must be a list of English nouns (e.g. ['cup', 'coffee mug']), "
                             f"got {queries!r}")
    if not queries:
        raise InvalidOptions("queries is empty; give at least one English noun to look for, e.g. 'cup' or 'lamp'")
    problems = []
    if len(queries) > MAX_QUERIES:
        problems.append(f"{len(queries)} names to look for are too many; at most {MAX_QUERIES}")
    seen: set[str] = set()
    for query in queries:
        if not isinstance(query, str) or not _QUERY.fullmatch(query):
            problems.append(f"{query!r} is not an English noun: use letters, with single spaces, hyphens or "
                            "apostrophes between words (e.g. 'coffee mug')")
        elif len(query) > MAX_QUERY_CHARS:
            problems.append(f"{query!r} is {len(query)} characters long; at most {MAX_QUERY_CHARS}")
        elif len(re.split(r"[ -]", query)) > MAX_QUERY_WORDS:
            problems.append(f"{query!r} has more than {MAX_QUERY_WORDS} words; name the object in a few words")
        elif query.casefold() in seen:
            problems.append(f"{query!r} is given twice; give each name once")
        else:
            seen.add(query.casefold())
    if problems:
        raise InvalidOptions("; ".join(problems))
    return tuple(queries)


def detected_objects(image: Image.Image, detector, queries: tuple[str, ...] = DEFAULT_QUERIES, sam=None,
                     threshold: float = DEFAULT_THRESHOLD, max_objects: int = MAX_OBJECTS) -> list[Found]:
    """The objects the detector finds for the English nouns in `queries`, best first (at most
    `max_objects`). detector: anything with `detect(image, prompts, threshold=...)` returning
    (query index, pixel box, score) triples, as `detector_loader.Detector` does. sam: a SamPredictor that
    outlines each box; without one the box itself is the mask."""
    # 1 check inputs
    queries = check_queries(queries)
    if not (isinstance(threshold, (int, float)) and 0.0 <= threshold < 1.0):
        raise InvalidOptions(f"threshold must be a confidence from 0 up to (not including) 1, got {threshold!r}")
    if not (isinstance(max_objects, int) and max_objects >= 1):
        raise InvalidOptions(f"max_objects must be a whole number of at least 1, got {max_objects!r}")
    image = _rgb(image)
    width, height = image.size
    # 2 detect
    prompts = tuple(PROMPT.format(query) for query in queries)
    candidates = []
    for label, box, score in detector.detect(image, prompts, threshold=threshold):
        pixels = _pixel_box(box, width, height)
        if score >= threshold and 0 <= label < len(queries) and pixels is not None:
            candidates.append((int(label), pixels, float(score)))
    # 3 one box per object and name, the best first
    kept = sorted(_suppress(candidates), key=lambda c: -c[2])[:max_objects]
    # 4 masks
    outline = _EmbedOnce(sam) if sam is not None else None
    return [Found(queries[label], box, score, _box_mask(image, box, outline), "detector")
            for label, box, score in kept]


def _rgb(image) -> Image.Image:
    if not isinstance(image, Image.Image):
        raise InvalidImage(f"finding objects needs a picture (PIL image), got {type(image).__name__}")
    return image if image.mode == "RGB" else image.convert("RGB")


def _pixel_box(box, width: int, height: int) -> PixelBox | None:
    """A float box as whole pixels that cover it, inside the picture; None when nothing of it is inside."""
    x0, y0, x1, y1 = (float(v) for v in box)
    x0, x1 = max(0, math.floor(x0)), min(width, math.ceil(x1))
    y0, y1 = max(0, math.floor(y0)), min(height, math.ceil(y1))
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _iou(a: PixelBox, b: PixelBox) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _suppress(candidates: list[tuple[int, PixelBox, float]]) -> list[tuple[int, PixelBox, float]]:
    """Non-maximum suppression: of boxes of one name overlapping by more than NMS_IOU the best stays, and of
    boxes of different names on the same spot (IoU above SAME_OBJECT_IOU: a mug found as "cup" and as "mug")
    only the best-scoring name stays, so one object is listed once."""
    kept: list[tuple[int, PixelBox, float]] = []
    for candidate in sorted(candidates, key=lambda c: -c[2]):
        label, box, _ = candidate
        if all(_iou(box, other[1]) <= (NMS_IOU if other[0] == label else SAME_OBJECT_IOU) for other in kept):
            kept.append(candidate)
    return kept


def _box_mask(image: Image.Image, box: PixelBox, sam) -> Image.Image:
    if sam is not None and box[2] - box[0] >= MIN_BOX and box[3] - box[1] >= MIN_BOX:
        try:
            return select_object(image, box=box, sam=sam)
        except ProductNotFound:  # SAM outlined nothing inside the box: the box still says where the object is
            pass
    mask = Image.new("L", image.size, 0)
    mask.paste(255, box)
    return mask


class _EmbedOnce:
    """A SamPredictor that embeds the picture once: select_object sets the image for each box it is given, and
    the image encoder is most of SAM's cost (~19 s for ViT-B on two CPU cores). For one picture only."""

    def __init__(self, sam):
        self._sam = sam
        self._embedded = False

    def set_image(self, rgb: np.ndarray) -> None:
        if not self._embedded:
            self._sam.set_image(rgb)
            self._embedded = True

    def __getattr__(self, name: str):
        return getattr(self._sam, name)
