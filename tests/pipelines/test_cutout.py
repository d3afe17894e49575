"""Cut-outs for banners: an upload with its own transparency is used as it is (cropped), a photo is segmented by
the real u2netp through the model store into a clean RGBA crop of the product, and an empty picture says so."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pipelines import ModelStore
from pipelines.cutout.product import cut_out_product, has_real_alpha
from pipelines.errors import ProductNotFound
from tests.conftest import product_photo


@pytest.fixture
def no_model_store(tmp_path) -> ModelStore:
    return ModelStore(tmp_path / "models", registry={})


def transparent_product(size=(300, 200), box=(60, 40, 200, 170)) -> Image.Image:
    rng = np.random.default_rng(5)
    pixels = np.zeros((size[1], size[0], 4), np.uint8)
    x0, y0, x1, y1 = box
    pixels[y0:y1, x0:x1, :3] = rng.integers(0, 256, (y1 - y0, x1 - x0, 3))
    pixels[y0:y1, x0:x1, 3] = 255
    pixels[y0, x0:x1, 3] = 128  # a soft top edge
    return Image.fromarray(pixels, "RGBA")


def test_has_real_alpha():
    assert has_real_alpha(transparent_product())
    assert not has_real_alpha(transparent_product().convert("RGB"))
    assert not has_real_alpha(Image.new("RGBA", (50, 50), (10, 20, 30, 255)))  # an opaque alpha channel
    palette = transparent_product().convert("P")
    palette.info["transparency"] = int(np.asarray(palette)[0, 0])
    assert has_real_alpha(palette)


def test_a_real_alpha_channel_is_used_as_is(no_model_store):
    image = transparent_product()
    cut = cut_out_product(image, store=no_model_store)  # no model needed: the store has none
    assert cut.mode == "RGBA" and cut.size == (140, 130)
    assert np.array_equal(np.asarray(cut), np.asarray(image)[40:170, 60:200])


def test_a_fully_transparent_upload_has_no_product(no_model_store):
    image = Image.new("RGBA", (64, 64), (255, 255, 255, 0))
    with pytest.raises(ProductNotFound, match="fully transparent"):
        cut_out_product(image, store=no_model_store)


def test_a_photo_is_segmented_into_a_clean_crop(store):
    photo = product_photo((480, 360), colour=(200, 30, 40), background=(40, 160, 60))
    cut = cut_out_product(photo, store=store)
    assert cut.mode == "RGBA"
    # the object is an ellipse with semi-axes 0.28 × 480 and 0.32 × 360 around the centre
    assert cut.width == pytest.approx(2 * 0.28 * 480, rel=0.06)
    assert cut.height == pytest.approx(2 * 0.32 * 360, rel=0.06)
    pixels = np.asarray(cut).astype(int)
    alpha = pixels[..., 3]
    assert alpha[cut.height // 2, cut.width // 2] == 255 and alpha[0, 0] == 0  # a product, not a rectangle
    solid = pixels[alpha == 255][:, :3]
    assert np.abs(solid.mean(axis=0) - (200, 30, 40)).max() < 12
    edge = (alpha > 40) & (alpha < 215)
    assert edge.sum() > 50
    green_excess = pixels[..., 1][edge] - np.maximum(pixels[..., 0], pixels[..., 2])[edge]
    assert np.percentile(green_excess, 95) <= 10  # the old green background was taken out of the edge


def test_a_plain_photo_has_no_product(store):
    with pytest.raises(ProductNotFound, match="no product was found"):
        cut_out_product(Image.new("RGB", (320, 240), (128, 128, 128)), store=store)
