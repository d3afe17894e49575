"""A picture's objects: the real u2netp splits a synthetic two-product picture into its two products (largest
first) and finds a real photo's product; specks and empty masks at the salient model's seam; the detector's
boxes through a fixed-output double (threshold, non-maximum suppression per name, the cap, box masks) and
the tiny segment-anything model; bad names to look for refused with what is allowed."""

from __future__ import annotations

import types

import numpy as np
import pytest
from PIL import Image

from pipelines import ModelStore
from pipelines.editing.objects import (DEFAULT_QUERIES, MAX_OBJECTS, PROMPT, check_queries, detected_objects,
                                       salient_objects)
from pipelines.errors import InvalidImage, InvalidOptions
from tests.pipelines.test_select import iou, two_products


@pytest.fixture(scope="module")
def salient(store):
    return store.session("u2netp")


# -- salient products ----------------------------------------------------------------------------------------
def test_two_separate_products_are_two_objects_largest_first(salient):
    image, truths = two_products()
    found = salient_objects(image, salient)
    assert [(f.name, f.source) for f in found] == [("product", "salient")] * 2
    for item, truth in zip(found, truths):  # the left ellipse is the larger one
        assert item.mask.mode == "L" and item.mask.size == image.size
        assert iou(item.mask, truth) > 0.9 and 0.5 < item.score <= 1.0
        ys, xs = np.nonzero(truth)
        x0, y0, x1, y1 = item.box
        assert abs(x0 - xs.min()) <= 3 and abs(x1 - xs.max() - 1) <= 3
        assert abs(y0 - ys.min()) <= 3 and abs(y1 - ys.max() - 1) <= 3
    assert iou(found[0].mask, truths[1]) == 0.0 and iou(found[1].mask, truths[0]) == 0.0


def test_a_real_photos_product_is_found(salient, ecssd):
    photo = Image.open(ecssd / "images" / "0029.jpg").convert("RGB")
    truth = np.asarray(Image.open(ecssd / "masks" / "0029.png").convert("L")) > 127
    found = salient_objects(photo, salient)
    assert found and iou(found[0].mask, truth) > 0.8


class MaskNetwork:
    """A rembg-session double at the salient model's seam: it 'predicts' a fixed mask at its input size."""

    def __init__(self, mask: np.ndarray):
        self.mask = mask
        shape = (1, 3, *mask.shape)
        self.inner_session = types.SimpleNamespace(get_inputs=lambda: [types.SimpleNamespace(shape=shape)])

    def predict(self, image):
        assert image.size == self.mask.shape[::-1]
        return [Image.fromarray(self.mask)]


def _shapes(boxes, size=320) -> tuple[Image.Image, np.ndarray]:
    """Dark rectangles on a white picture, and the same rectangles as the network's mask."""
    mask = np.zeros((size, size), np.uint8)
    for x0, y0, x1, y1 in boxes:
        mask[y0:y1, x0:x1] = 255
    picture = np.repeat((255 - mask * 0.8).astype(np.uint8)[..., None], 3, axis=2)
    return Image.fromarray(picture), mask


def test_specks_are_dropped_and_smaller_products_kept():
    # largest 280x200 = 56,000 px; a 40x40 part (2.9 % of it) stays; a 25x25 speck (1.1 % of it, though 0.6 %
    # of the picture) goes
    image, mask = _shapes([(20, 20, 300, 220), (40, 250, 80, 290), (200, 260, 225, 285)])
    found = salient_objects(image, MaskNetwork(mask))
    assert [f.box for f in found] == [(20, 20, 300, 220), (40, 250, 80, 290)]
    assert not np.asarray(found[0].mask)[250:290, 40:80].any()  # each mask holds its own part only
    assert np.asarray(found[1].mask)[260:280, 50:70].min() == 255
    assert not any(np.asarray(f.mask)[260:285, 200:225].any() for f in found)


def test_nothing_salient_is_no_objects():
    image, mask = _shapes([])
    assert salient_objects(image, MaskNetwork(mask)) == []
    image, mask = _shapes([(100, 100, 110, 110)])  # 100 px: below 0.2 % of the picture
    assert salient_objects(image, MaskNetwork(mask)) == []


def test_a_non_picture_is_refused():
    with pytest.raises(InvalidImage, match="needs a picture"):
        salient_objects(np.zeros((8, 8, 3), np.uint8), None)


# -- detected objects ----------------------------------------------------------------------------------------
class FixedDetector:
    """A detector double: the same (query index, pixel box, score) triples whatever it is shown."""

    def __init__(self, detections):
        self.detections = detections
        self.calls = []

    def detect(self, image, queries, threshold):
        self.calls.append((image.size, queries, threshold))
        return self.detections


PICTURE = Image.new("RGB", (320, 240), (200, 190, 180))


def test_boxes_suppressed_per_object_thresholded_and_best_first():
    detector = FixedDetector([
        (0, (10, 10, 110, 110), 0.9),  # cup
        (0, (14, 12, 112, 114), 0.8),  # the same cup again: suppressed
        (1, (14, 12, 112, 114), 0.7),  # "mug" on the same spot: that cup named twice, suppressed
        (1, (60, 10, 160, 110), 0.65),  # a mug half over the cup: another object, kept
        (0, (200.4, 20.6, 260.2, 80.9), 0.6),  # a second cup; the box grows to whole pixels
        (2, (250, 180, 400, 300), 0.5),  # reaches past the picture: clipped
        (1, (0, 0, 50, 50), 0.1),  # below the threshold
        (2, (400, 10, 500, 90), 0.95),  # wholly outside the picture
    ])
    found = detected_objects(PICTURE, detector, ("cup", "mug", "plant"), threshold=0.2)
    assert detector.calls == [((320, 240), tuple(PROMPT.format(q) for q in ("cup", "mug", "plant")), 0.2)]
    assert [(f.name, f.box, f.score) for f in found] == [
        ("cup", (10, 10, 110, 110), 0.9), ("mug", (60, 10, 160, 110), 0.65), ("cup", (200, 20, 261, 81), 0.6),
        ("plant", (250, 180, 320, 240), 0.5)]
    assert {f.source for f in found} == {"detector"}
    for item in found:  # without SAM, the box is the mask
        mask = np.asarray(item.mask)
        assert item.mask.mode == "L" and item.mask.size == (320, 240)
        x0, y0, x1, y1 = item.box
        assert mask[y0:y1, x0:x1].min() == 255 and mask.sum() == 255 * (x1 - x0) * (y1 - y0)


def test_at_most_the_best_max_objects_are_kept():
    detections = [(i % 3, (i * 10, 0, i * 10 + 9, 9), 0.3 + i / 100) for i in range(30)]  # none overlap
    found = detected_objects(PICTURE, FixedDetector(detections), ("cup", "mug", "plant"))
    assert len(found) == MAX_OBJECTS == 20
    assert [f.score for f in found] == sorted((d[2] for d in detections), reverse=True)[:20]
    assert len(detected_objects(PICTURE, FixedDetector(detections), ("cup", "mug", "plant"), max_objects=3)) == 3
    assert detected_objects(PICTURE, FixedDetector([]), ("cup",)) == []


class Spy:
    """A SamPredictor that counts what it is asked."""

    def __init__(self, predictor):
        self.predictor, self.images, self.prompts = predictor, 0, []

    def set_image(self, image):
        self.images += 1
        self.predictor.set_image(image)

    def predict(self, **prompts):
        self.prompts.append(prompts)
        return self.predictor.predict(**prompts)


@pytest.fixture(scope="module")
def tiny_sam(tmp_path_factory, torch_one_thread):
    store = ModelStore(tmp_path_factory.mktemp("objects-models"), development=True, allow_download=False,
                       device="cpu")
    return store.sam()


def test_sam_outlines_each_box_from_one_embedding_of_the_picture(tiny_sam):
    image, _ = two_products()
    detector = FixedDetector([(0, (40, 60, 140, 210), 0.9), (1, (200, 70, 285, 175), 0.8), (1, (0, 0, 5, 5), 0.7)])
    spy = Spy(tiny_sam)
    found = detected_objects(image, detector, ("vase", "bottle"), sam=spy)
    assert spy.images == 1  # the image encoder ran once for every box
    assert [p["box"].tolist() for p in spy.prompts] == [[40, 60, 140, 210], [200, 70, 285, 175]]  # 5 px: no SAM
    for item in found:
        mask = np.asarray(item.mask)
        x0, y0, x1, y1 = item.box
        inside = np.zeros_like(mask, bool)
        inside[y0:y1, x0:x1] = True
        assert item.mask.size == image.size and mask.any() and not mask[~inside].any()


@pytest.mark.parametrize("queries, message", [
    ((), "queries is empty; give at least one English noun"),
    ("cup", "queries must be a list of English nouns"),
    (("cup", "Cup"), "'Cup' is given twice; give each name once"),
    (("cup!",), "'cup!' is not an English noun: use letters"),
    (("coffee  mug",), "'coffee  mug' is not an English noun"),
    ((" cup",), "' cup' is not an English noun"),
    (("x" * 41,), "is 41 characters long; at most 40"),
    (("a big red coffee mug",), "'a big red coffee mug' has more than 4 words"),
    (("cup", 3), "3 is not an English noun"),
    (tuple(f"thing {chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(101)), "101 names to look for are too many; "
                                                                                "at most 100"),
])
def test_bad_names_to_look_for_are_refused_with_what_is_allowed(queries, message):
    with pytest.raises(InvalidOptions) as error:
        detected_objects(PICTURE, FixedDetector([]), queries)
    assert message in str(error.value)


def test_bad_threshold_and_cap_are_refused():
    with pytest.raises(InvalidOptions, match="threshold must be a confidence from 0 up to"):
        detected_objects(PICTURE, FixedDetector([]), ("cup",), threshold=1.5)
    with pytest.raises(InvalidOptions, match="max_objects must be a whole number of at least 1"):
        detected_objects(PICTURE, FixedDetector([]), ("cup",), max_objects=0)


def test_the_default_vocabulary_is_common_english_nouns():
    assert check_queries(DEFAULT_QUERIES) == DEFAULT_QUERIES and 50 <= len(DEFAULT_QUERIES) <= 80
    assert {"cup", "mug", "bottle", "laptop", "lamp", "book", "plant", "vase", "chair", "table", "bag", "shoe",
            "phone", "box"} <= set(DEFAULT_QUERIES)
