"""Click and box selection: the real u2netp model picks the object under the click (not its neighbour) on a
synthetic two-product picture; a tiny random-weight segment-anything model shows the prompts reach SAM and
the mask comes back at the picture's size; bad clicks and boxes are refused with messages naming them."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pipelines.errors import InvalidImage, InvalidOptions, ModelUnavailable, ProductNotFound
from pipelines.editing.select import select_object

W, H = 320, 240
LEFT = (0.28, 0.55, 0.14, 0.28, (200, 30, 40))  # centre x, y, radii as fractions; colour
RIGHT = (0.75, 0.5, 0.12, 0.2, (30, 60, 190))


def two_products() -> tuple[Image.Image, list[np.ndarray]]:
    """Two soft-edged ellipses (products) on a light, slightly noisy backdrop, and their true masks."""
    yy, xx = np.mgrid[0:H, 0:W]
    pixels = np.asarray((225, 222, 215), np.float32) + np.random.default_rng(0).normal(0, 3, (H, W, 3))
    truths = []
    for cx, cy, rx, ry, colour in (LEFT, RIGHT):
        d = np.sqrt(((xx - cx * W) / (rx * W)) ** 2 + ((yy - cy * H) / (ry * H)) ** 2)
        a = np.clip((1 - d) * 12 + 0.5, 0, 1)[..., None]
        pixels = a * np.asarray(colour, np.float32) + (1 - a) * pixels
        truths.append(d < 1)
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8)), truths


def iou(mask: Image.Image, truth: np.ndarray) -> float:
    selected = np.asarray(mask) > 127
    return (selected & truth).sum() / (selected | truth).sum()


@pytest.fixture(scope="module")
def salient(store):
    return store.session("u2netp")


@pytest.fixture(scope="module")
def picture():
    return two_products()


# -- salient-object model (no SAM weights) ------------------------------------------------------------------
# the last click is 3 px beside the right ellipse's edge: still that object
@pytest.mark.parametrize("which, point", [(0, (90, 132)), (1, (240, 120)), (1, (281, 120))])
def test_click_selects_the_object_under_it_and_not_its_neighbour(salient, picture, which, point):
    image, truths = picture
    mask = select_object(image, point=point, salient=salient)
    assert mask.mode == "L" and mask.size == image.size
    assert iou(mask, truths[which]) > 0.85
    assert iou(mask, truths[1 - which]) == 0.0


def test_box_selects_inside_the_box_only(salient, picture):
    image, truths = picture
    box = (20, 40, 160, 230)
    mask = np.asarray(select_object(image, box=box, salient=salient))
    assert iou(Image.fromarray(mask), truths[0]) > 0.85
    outside = np.ones_like(mask, bool)
    outside[box[1]:box[3], box[0]:box[2]] = False
    assert not mask[outside].any()


def test_click_on_empty_backdrop_finds_nothing(salient, picture):
    image, _ = picture
    with pytest.raises(ProductNotFound, match=r"nothing to select at \(160, 20\)"):
        select_object(image, point=(160, 20), salient=salient)


# -- segment-anything (tiny, random weights: only shapes, modes and prompts are meaningful) ------------------
class Spy:
    """A SamPredictor that records what it was asked."""

    def __init__(self, predictor):
        self.predictor, self.images, self.prompts = predictor, [], []

    def set_image(self, image):
        self.images.append(image)
        self.predictor.set_image(image)

    def predict(self, **prompts):
        self.prompts.append(prompts)
        return self.predictor.predict(**prompts)


@pytest.fixture(scope="module")
def tiny_sam():
    import torch
    from segment_anything import SamPredictor
    from segment_anything.modeling import ImageEncoderViT, MaskDecoder, PromptEncoder, Sam, TwoWayTransformer

    torch.manual_seed(0)
    size, channels = 64, 32
    sam = Sam(
        image_encoder=ImageEncoderViT(img_size=size, patch_size=16, embed_dim=32, depth=1, num_heads=2,
                                      out_chans=channels),
        prompt_encoder=PromptEncoder(embed_dim=channels, image_embedding_size=(size // 16, size // 16),
                                     input_image_size=(size, size), mask_in_chans=4),
        mask_decoder=MaskDecoder(transformer_dim=channels, iou_head_hidden_dim=16,
                                 transformer=TwoWayTransformer(depth=1, embedding_dim=channels, mlp_dim=32,
                                                               num_heads=2)),
    ).eval()
    sam.mask_threshold = -1e9  # random weights give arbitrary logits: call every pixel "object"
    return SamPredictor(sam)


def test_sam_gets_the_click_as_a_point_prompt(tiny_sam, picture):
    image, _ = picture
    spy = Spy(tiny_sam)
    mask = select_object(image, point=(90, 132), sam=spy, salient="never used")
    assert mask.mode == "L" and mask.size == image.size and set(np.unique(np.asarray(mask))) <= {0, 255}
    assert spy.images[0].shape == (H, W, 3) and spy.images[0].dtype == np.uint8
    prompt = spy.prompts[0]
    assert prompt["point_coords"].tolist() == [[90, 132]] and prompt["point_labels"].tolist() == [1]
    assert prompt["multimask_output"] is True and "box" not in prompt


def test_sam_box_prompt_and_mask_kept_inside_the_box(tiny_sam, picture):
    image, _ = picture
    spy = Spy(tiny_sam)
    mask = np.asarray(select_object(image, box=(20, 40, 160, 230), sam=spy))
    assert spy.prompts[0]["box"].tolist() == [20, 40, 160, 230] and spy.prompts[0]["multimask_output"] is False
    assert mask[40:230, 20:160].all() and mask.sum() == 255 * 140 * 190


# -- bad input ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error, words", [
    ({}, InvalidOptions, "click on the object"),
    ({"point": (320, 10)}, InvalidOptions, r"click \(320, 10\) is outside the 320×240 picture: x must be in 0..319"),
    ({"point": (-1, 10)}, InvalidOptions, "outside the 320×240 picture"),
    ({"point": ("a", 3)}, InvalidOptions, "two whole numbers"),
    ({"box": (50, 50, 40, 90)}, InvalidOptions, r"box \(50, 50, 40, 90\) must satisfy 0 <= x0 < x1 <= 320"),
    ({"box": (0, 0, 400, 90)}, InvalidOptions, "must satisfy"),
    ({"box": (10, 10, 14, 90)}, InvalidOptions, "smaller than 8×8"),
    ({"point": (5, 5), "box": (20, 40, 160, 230)}, InvalidOptions, "outside the box"),
])
def test_bad_clicks_and_boxes(kwargs, error, words, picture):
    with pytest.raises(error, match=words):
        select_object(picture[0], salient="not reached", **kwargs)


def test_needs_a_model_and_an_rgb_picture(picture):
    with pytest.raises(ModelUnavailable, match="segment-anything or the salient-object model"):
        select_object(picture[0], point=(5, 5))
    with pytest.raises(InvalidImage, match="RGB picture, got 'L'"):
        select_object(picture[0].convert("L"), point=(5, 5), salient="not reached")
