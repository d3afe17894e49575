"""A cut-out on a scene: the product's own pixels stay exact unless harmonizing is asked for, the shadow grounds it
just under its base and nowhere else, edges have no dark halo, the mask and box say where it landed, and the
marketing image centres it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pipelines.errors import InvalidImage, InvalidOptions
from pipelines.editing.scene import Shadow, make_marketing_image, place_product, resize_cutout

SCENE = (640, 480)


def cutout(size=(120, 200), colour=(90, 110, 160), transparent=(0, 0, 0), seed=3) -> Image.Image:
    """A textured product (a rounded bottle-ish ellipse) with a soft edge, padded by transparent pixels."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.sqrt(((xx - w / 2) / (w * 0.42)) ** 2 + ((yy - h / 2) / (h * 0.46)) ** 2)
    alpha = np.clip((1.0 - d) * 20 + 0.5, 0, 1)
    rng = np.random.default_rng(seed)
    rgb = np.asarray(colour, np.float32) + rng.integers(-25, 26, (h, w, 3))
    rgb = np.where(alpha[..., None] > 0, rgb, transparent)
    pixels = np.dstack([rgb, alpha * 255]).round().clip(0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGBA")


def flat(colour=(235, 232, 226), size=SCENE) -> Image.Image:
    return Image.new("RGB", size, colour)


def product_crop(cut: Image.Image) -> Image.Image:
    return cut.crop(cut.getchannel("A").getbbox())


def test_harmonize_zero_keeps_the_products_pixels_exactly():
    cut = cutout()
    crop = product_crop(cut)
    x, y = 200, 150
    box = (x, y, x + crop.width, y + crop.height)  # the crop's own size: scale 1
    placed = place_product(flat(), cut, box, shadow="soft", harmonize=0.0)
    out = np.asarray(placed.image)[y:y + crop.height, x:x + crop.width]
    solid = np.asarray(crop)[..., 3] == 255
    assert solid.sum() > 10_000
    assert np.array_equal(out[solid], np.asarray(crop)[..., :3][solid])  # the shadow never covers it
    assert placed.box == box


@pytest.mark.parametrize("box", [(100, 40, 400, 440), (50, 300, 250, 360)])
def test_harmonize_zero_scaled_equals_the_resized_cutout(box):
    cut = cutout()
    placed = place_product(flat(), cut, box, shadow="soft")
    x0, y0, x1, y1 = placed.box
    resized = np.asarray(resize_cutout(product_crop(cut), (x1 - x0, y1 - y0)))
    solid = resized[..., 3] == 255
    assert np.array_equal(np.asarray(placed.image)[y0:y1, x0:x1][solid], resized[..., :3][solid])


def test_harmonize_moves_the_product_toward_a_strongly_coloured_scene():
    cut = cutout(colour=(110, 120, 130))
    red = flat((200, 40, 30))
    box = (200, 100, 440, 460)
    means = {}
    for amount in (0.0, 0.35, 1.0):
        placed = place_product(red, cut, box, harmonize=amount, shadow="none")
        solid = np.asarray(placed.product_mask) == 255
        means[amount] = np.asarray(placed.image)[solid].astype(float).mean(axis=0)
    warmth = {amount: mean[0] - mean[2] for amount, mean in means.items()}  # red minus blue
    assert warmth[0.0] < warmth[0.35] < warmth[1.0]
    assert warmth[1.0] - warmth[0.0] > 15  # a visible shift toward the scene
    assert np.abs(means[1.0] - means[0.0]).max() < 60  # but still the product's own colour


def test_light_wrap_touches_only_the_edge():
    cut = cutout(colour=(40, 40, 40))
    placed = place_product(flat((250, 250, 250)), cut, (200, 100, 440, 460), harmonize=1.0, shadow="none")
    base = place_product(flat((250, 250, 250)), cut, (200, 100, 440, 460), harmonize=0.0, shadow="none")
    mask = np.asarray(placed.product_mask)
    ys, xs = np.nonzero(mask == 255)
    middle = (slice(ys.min() + 40, ys.max() - 40), slice(xs.min() + 30, xs.max() - 30))
    lift = np.asarray(placed.image).astype(int) - np.asarray(base.image).astype(int)
    edge_ring = (mask > 200) & (mask < 255)
    assert lift[edge_ring].mean() > lift[middle].mean() + 5  # the bright scene wraps around the rim


def test_shadow_darkens_just_below_the_base_and_nothing_far_away():
    scene = flat()
    placed = place_product(scene, cutout(), (200, 80, 440, 400), shadow="soft")
    x0, y0, x1, y1 = placed.box
    before, after = np.asarray(scene).astype(int), np.asarray(placed.image).astype(int)
    outside = np.asarray(placed.product_mask) == 0
    darker = (after.sum(-1) < before.sum(-1)) & outside
    centre = (x0 + x1) // 2
    assert (after[y1:y1 + 4, centre - 10:centre + 10] < before[y1:y1 + 4, centre - 10:centre + 10] - 10).all()
    assert not (after > before)[outside].any()  # a shadow only darkens
    ys, xs = np.nonzero(darker)
    height = y1 - y0
    assert ys.min() > y0 + height // 2 and ys.max() < y1 + 0.2 * height  # around the base only
    assert xs.min() > x0 - 0.4 * (x1 - x0) and xs.max() < x1 + 0.4 * (x1 - x0)
    nothing = place_product(scene, cutout(), (200, 80, 440, 400), shadow="none")
    assert np.array_equal(np.asarray(nothing.image)[outside], before[outside])


def test_contact_shadow_is_tighter_than_soft():
    scene = flat()
    reach = {}
    for kind in ("contact", "soft"):
        placed = place_product(scene, cutout(), (200, 80, 440, 400), shadow=kind)
        reach[kind] = np.count_nonzero(np.asarray(placed.image) != np.asarray(scene))
    assert 0 < reach["contact"] < reach["soft"]


def test_shadow_takes_the_scenes_colour():
    blue = (60, 110, 220)
    placed = place_product(flat(blue), cutout(), (200, 80, 440, 400), shadow=Shadow("soft", opacity=1.0))
    x0, _, x1, y1 = placed.box
    r, g, b = np.asarray(placed.image)[y1 + 2, (x0 + x1) // 2].astype(float)
    assert b < blue[2] - 20  # darker
    assert b / r > blue[2] / blue[0]  # and bluer, not greyer: multiplied by a darkened scene colour


def test_no_dark_halo_when_scaling_a_cutout_with_black_transparent_pixels():
    white = cutout(colour=(250, 250, 250), transparent=(0, 0, 0))
    white = Image.fromarray(np.dstack([np.full((200, 120, 3), 250, np.uint8),
                                       np.asarray(white)[..., 3]]).astype(np.uint8), "RGBA")
    black_bg = np.asarray(white).copy()
    black_bg[black_bg[..., 3] == 0, :3] = 0
    placed = place_product(flat((250, 250, 250)), Image.fromarray(black_bg, "RGBA"), (100, 100, 160, 200),
                           shadow="none")
    assert np.asarray(placed.image).min() >= 245


def test_product_mask_and_box_match_the_placement():
    cut = cutout()
    placed = place_product(flat(), cut, (100, 50, 500, 300), align="end", valign="top")
    mask = np.asarray(placed.product_mask)
    ys, xs = np.nonzero(mask)
    assert placed.product_mask.size == SCENE and placed.product_mask.mode == "L"
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == placed.box
    x0, y0, x1, y1 = placed.box
    assert x1 == 500 and y0 == 50 and y1 == 300  # fitted by height, at the end and the top
    crop = product_crop(cut)
    assert (x1 - x0) == round(crop.width * 250 / crop.height)
    assert mask.sum() == pytest.approx(np.asarray(resize_cutout(crop, (x1 - x0, y1 - y0)))[..., 3].sum(), rel=1e-6)


@pytest.mark.parametrize("align, valign, where", [
    ("start", "bottom", lambda b: b[0] == 100 and b[3] == 300),
    ("center", "middle", lambda b: abs((b[0] + b[2]) / 2 - 300) <= 1),
    ("end", "bottom", lambda b: b[2] == 500 and b[3] == 300),
])
def test_alignment_inside_the_box(align, valign, where):
    placed = place_product(flat(), cutout(), (100, 50, 500, 300), align=align, valign=valign, shadow="none")
    assert where(placed.box)


@pytest.mark.parametrize("size", [(1080, 1080), (1920, 600), (1080, 1920)])
def test_marketing_image_centres_the_product(size):
    placed = make_marketing_image(cutout(), flat(size=size), scale=0.72)
    x0, y0, x1, y1 = placed.box
    width, height = size
    assert placed.image.size == size
    assert (x0 + x1) / 2 == pytest.approx(width / 2, abs=1)
    assert y1 == round((height + 0.72 * height) / 2)  # standing on the bottom of the central box
    assert (x1 - x0) <= 0.72 * width + 1 and (y1 - y0) <= 0.72 * height + 1
    assert max((x1 - x0) / (0.72 * width), (y1 - y0) / (0.72 * height)) == pytest.approx(1.0, abs=0.01)


def test_marketing_image_harmonizes_by_default_and_can_be_exact():
    cut = cutout()
    scene = flat((200, 40, 30))
    default = make_marketing_image(cut, scene)
    exact = make_marketing_image(cut, scene, harmonize=0.0)
    solid = np.asarray(exact.product_mask) == 255
    assert not np.array_equal(np.asarray(default.image)[solid], np.asarray(exact.image)[solid])


@pytest.mark.parametrize("call, error, words", [
    (lambda: place_product(flat(), cutout().convert("RGB"), (0, 0, 10, 10)), InvalidImage, "must be RGBA"),
    (lambda: place_product(flat(), cutout(), (10, 10, 10, 50)), InvalidOptions, "is empty"),
    (lambda: place_product(flat(), cutout(), (0, 0, 99, 99), harmonize=2), InvalidOptions, "harmonize 2 must be 0..1"),
    (lambda: place_product(flat(), cutout(), (0, 0, 99, 99), shadow="hard"), InvalidOptions,
     "shadow 'hard' is not one of soft, contact, none"),
    (lambda: place_product(flat(), cutout(), (0, 0, 99, 99), align="middle"), InvalidOptions, "align 'middle'"),
    (lambda: place_product(flat(), Image.new("RGBA", (9, 9)), (0, 0, 99, 99)), InvalidImage, "fully transparent"),
    (lambda: make_marketing_image(cutout(), flat(), scale=1.5), InvalidOptions, "scale 1.5 must be"),
    (lambda: make_marketing_image(cutout(), flat(), placement="top"), InvalidOptions, "placement 'top'"),
])
def test_bad_requests_say_what_is_allowed(call, error, words):
    with pytest.raises(error, match=words):
        call()
