"""The real u2netp model (fetched through the store's registry) on real photos from ../shared/ecssd-dev."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from pipelines import WhiteBackgroundOptions, make_white_background
from pipelines.image_input import load_image
from pipelines.cutout.segmentation import Box

SAMPLE = 24  # every fourth of the 100 photos


def _score(mask: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    alpha = mask.astype(np.float32) / 255
    predicted = alpha >= 0.5
    return (predicted & truth).sum() / max((predicted | truth).sum(), 1), float(np.abs(alpha - truth).mean())


@pytest.fixture(scope="module")
def photos(ecssd):
    files = sorted((ecssd / "images").glob("*.jpg"))[::4][:SAMPLE]
    return [(load_image(f.read_bytes()).image,
             np.asarray(Image.open(ecssd / "masks" / f"{f.stem}.png").convert("L")) > 127) for f in files]


@pytest.fixture(scope="module")
def scores(photos, store):
    from rembg import new_session, remove

    before = os.environ.get("U2NET_HOME")
    os.environ["U2NET_HOME"] = str(store.path("u2netp").parent)  # rembg reads the very same file
    try:
        theirs = new_session("u2netp")
    finally:  # later tests (and the studio they start) must not find the model through this folder
        if before is None:
            del os.environ["U2NET_HOME"]
        else:
            os.environ["U2NET_HOME"] = before
    ours, plain = [], []
    for image, truth in photos:
        result = make_white_background(image, WhiteBackgroundOptions(preset="transparent"), store=store)
        ours.append(_score(np.asarray(result.mask), truth))
        plain.append(_score(np.asarray(remove(image, session=theirs, only_mask=True)), truth))
    return np.mean(ours, axis=0), np.mean(plain, axis=0)


def test_mask_quality_floor_on_real_photos(scores):
    (iou, mae), _ = scores
    assert iou >= 0.85 and mae <= 0.04


def test_refined_matte_beats_plain_rembg_with_the_same_model(scores):
    (iou, mae), (rembg_iou, rembg_mae) = scores
    assert iou >= rembg_iou
    assert mae < rembg_mae * 0.95


def test_mask_is_8_bit_at_the_input_size(photos, store):
    image, _ = photos[0]
    mask = make_white_background(image, store=store).mask
    assert mask.mode == "L" and mask.size == image.size
    assert np.asarray(mask).max() == 255


def test_box_restricts_segmentation(photos, store):
    image, truth = photos[1]
    ys, xs = np.nonzero(truth)
    box = Box(int(xs.min()), int(ys.min()), int(xs.min() + (xs.max() - xs.min()) // 2), int(ys.max()))
    result = make_white_background(image, WhiteBackgroundOptions(box=box), store=store)
    mask = np.asarray(result.mask)
    outside = np.ones_like(mask, bool)
    outside[box.y0 : box.y1, box.x0 : box.x1] = False
    assert mask[outside].max() == 0 and mask[~outside].max() == 255
    assert any("restricted to the box" in note for note in result.report.notes)
