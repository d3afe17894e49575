"""Edit operations on small synthetic scenes: masks from the plan's boxes, every operation leaves the pixels
outside its mask bit-identical, move keeps the object's own pixels, PatchMatch removal fills plausibly, and
bad requests get messages that name the bad value. Generative operations run against a stand-in for
`pipelines.editing.inpaint.inpaint` (deterministic colour fill) so these tests need no weights."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from pipelines.editing import edit
from pipelines.editing.edit import OPERATIONS, REMOVE_PROMPT, EditRequest, edit_image, needs_generator
from pipelines.errors import InvalidImage, InvalidOptions, ModelUnavailable
from pipelines.editing.inpaint import InpaintParams
from pipelines.editing.masks import box_mask, check_box, feather_inside, to_pixels

W, H = 128, 96
OBJECT = (0.25, 0.375, 0.5, 0.75)  # 32..64 × 36..72 px
RED = np.array([220, 30, 40])
FAKE = (0, 90, 255)  # what the stand-in generator paints


def stripes(size=(W, H)) -> np.ndarray:
    """A background of horizontal stripes, 8 px each, in two shades of grey-green, with a little noise."""
    w, h = size
    rows = np.where((np.arange(h) // 8) % 2 == 0, 0, 1)
    colours = np.array([[170, 180, 160], [120, 130, 110]])
    pixels = colours[rows][:, None, :].repeat(w, axis=1).astype(np.int16)
    pixels += np.random.default_rng(1).integers(-3, 4, pixels.shape)
    return pixels.clip(0, 255).astype(np.uint8)


def scene() -> Image.Image:
    """Stripes with a textured red square (the object) at OBJECT."""
    pixels = stripes()
    x0, y0, x1, y1 = to_pixels(OBJECT, (W, H))
    texture = np.random.default_rng(2).integers(-20, 21, (y1 - y0, x1 - x0, 3))
    pixels[y0:y1, x0:x1] = (RED + texture).clip(0, 255)
    return Image.fromarray(pixels, "RGB")


def object_mask() -> Image.Image:
    return box_mask((W, H), OBJECT)


class FakeInpaint:
    """Stand-in for pipelines.editing.inpaint.inpaint: paints FAKE inside the mask and scribbles outside it too
    (so the tests prove edit_image's own composite keeps the outside), reporting each step."""

    def __init__(self):
        self.calls = []

    def __call__(self, editor, image, mask, params, step):
        self.calls.append((editor, mask, params))
        for i in range(params.num_inference_steps):
            step(i + 1, params.num_inference_steps, "denoising")
        out = np.asarray(image).copy()
        out[...] = 255 - out  # outside the mask: wrong on purpose
        out[np.asarray(mask) > 0] = FAKE
        return Image.fromarray(out, "RGB")


@pytest.fixture
def fake(monkeypatch) -> FakeInpaint:
    stand_in = FakeInpaint()
    monkeypatch.setattr(edit, "inpaint", stand_in)
    return stand_in


def params(**overrides) -> InpaintParams:
    return InpaintParams(**{"prompt": "a brass desk lamp", "num_inference_steps": 2, **overrides})


class Steps:
    def __init__(self, fail_at: int | None = None):
        self.calls, self.fail_at = [], fail_at

    def __call__(self, done, total, message):
        self.calls.append((done, total, message))
        if self.fail_at is not None and len(self.calls) >= self.fail_at:
            raise KeyboardInterrupt("cancelled")  # anything the caller raises must come back out


def unchanged_outside(before: Image.Image, result) -> None:
    a, b, m = np.asarray(before), np.asarray(result.image), np.asarray(result.mask)
    assert result.image.size == before.size and result.image.mode == "RGB"
    assert result.mask.size == before.size and result.mask.mode == "L"
    assert m.any(), "the edit mask is empty"
    assert np.array_equal(a[m == 0], b[m == 0]), "pixels outside the edit mask changed"


# -- masks from the plan's boxes ---------------------------------------------------------------------------
@pytest.mark.parametrize("box, size, pixels", [
    ((0, 0, 1, 1), (100, 50), (0, 0, 100, 50)),
    ((0.25, 0.5, 0.5, 1.0), (200, 100), (50, 50, 100, 100)),
    ((0.101, 0.2, 0.499, 0.51), (100, 10), (10, 2, 50, 6)),  # rounds outward
    ((0.999, 0.999, 1, 1), (64, 64), (63, 63, 64, 64)),  # never empty
])
def test_fraction_box_to_pixels(box, size, pixels):
    assert to_pixels(box, size) == pixels


@pytest.mark.parametrize("shape", ["rect", "rounded", "ellipse"])
def test_box_mask_sits_in_the_planned_place(shape):
    mask = np.asarray(box_mask((W, H), (0.05, 0.6, 0.35, 0.95), shape=shape))
    x0, y0, x1, y1 = to_pixels((0.05, 0.6, 0.35, 0.95), (W, H))
    ys, xs = np.nonzero(mask)
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x0, y0, x1, y1)
    assert mask[(y0 + y1) // 2, (x0 + x1) // 2] == 255
    assert set(np.unique(mask)) == {0, 255}
    if shape != "rect":
        assert mask[y0, x0] == 0  # corners rounded off


def test_padding_grows_the_box_and_stays_in_the_picture():
    mask = np.asarray(box_mask((100, 100), (0.0, 0.4, 0.2, 0.6), padding=0.5))
    ys, xs = np.nonzero(mask)
    assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (0, 30, 30, 70)


def test_feathering_stays_inside_the_mask():
    hard = box_mask((64, 64), (0.25, 0.25, 0.75, 0.75))
    soft = np.asarray(feather_inside(hard, 6))
    assert not soft[np.asarray(hard) == 0].any()
    assert soft[32, 32] == 255 and 0 < soft[16, 32] < 128  # ramps up from the edge
    assert (soft[np.asarray(hard) > 0] > 0).all()


@pytest.mark.parametrize("box, words", [
    ((0.5, 0.2, 0.4, 0.6), "empty"),
    ((0.2, 0.2, 0.2, 0.6), "empty"),
    ((-0.1, 0.2, 0.4, 0.6), "outside the picture"),
    ((0.1, 0.2, 1.2, 0.6), "outside the picture"),
    ((0.1, 0.2, math.nan, 0.6), "finite"),
    ((0.1, 0.2, 0.3), "four"),
    ("left", "four numbers"),
])
def test_bad_boxes_are_refused_by_name(box, words):
    with pytest.raises(InvalidOptions, match=words) as info:
        check_box(box, "box")
    assert str(info.value).startswith("box ")


# -- the invariant, every operation ----------------------------------------------------------------------
REQUESTS = {
    "add": EditRequest("add", box=(0.6, 0.5, 0.95, 0.95), params=params()),
    "replace": EditRequest("replace", source_box=OBJECT, params=params(prompt="a blue vase")),
    "remove": EditRequest("remove", source_box=OBJECT),
    "move": EditRequest("move", box=(0.625, 0.375, 0.875, 0.75), source_box=OBJECT),
    "resize": EditRequest("resize", box=(0.2, 0.3, 0.55, 0.8), source_box=OBJECT),
    "restyle": EditRequest("restyle", source_box=OBJECT, params=params(prompt="wooden", strength=0.6)),
    "background": EditRequest("background", mask=object_mask(), params=params(prompt="a marble table")),
}


def test_every_operation_is_covered():
    assert set(REQUESTS) == set(OPERATIONS)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_pixels_outside_the_edit_mask_are_bit_identical(operation, fake):
    image = scene()
    steps = Steps()
    result = edit_image(image, REQUESTS[operation], editor=object(), step=steps)
    unchanged_outside(image, result)
    assert steps.calls, "no progress was reported"
    assert not np.array_equal(np.asarray(result.image), np.asarray(image))


@pytest.mark.parametrize("operation", ["remove", "move", "resize"])
def test_weightless_operations_keep_the_invariant_without_a_model(operation):
    image = scene()
    steps = Steps()
    result = edit_image(image, REQUESTS[operation], editor=None, step=steps)
    unchanged_outside(image, result)
    assert result.engine in ("patchmatch", "paste")
    assert len(steps.calls) >= 3 and steps.calls[-1][0] == steps.calls[-1][1]


def test_needs_generator_only_for_generative_operations():
    assert {op for op in OPERATIONS if needs_generator(REQUESTS[op])} == {"add", "replace", "restyle", "background"}


# -- each operation does what it says ----------------------------------------------------------------------
def test_add_inpaints_a_region_shaped_inside_the_planned_box(fake):
    image = scene()
    result = edit_image(image, REQUESTS["add"], editor="the editor", step=Steps())
    editor, mask, used = fake.calls[0]
    assert editor == "the editor" and used.prompt == "a brass desk lamp" and used.num_inference_steps == 2
    x0, y0, x1, y1 = to_pixels((0.6, 0.5, 0.95, 0.95), (W, H))
    region = np.asarray(mask) > 0
    inside = np.zeros_like(region)
    inside[y0:y1, x0:x1] = True
    assert region[inside].mean() > 0.9 and not region[~inside].any()
    assert np.array_equal(np.asarray(result.mask) > 0, region)
    assert (np.asarray(result.image)[(y0 + y1) // 2, (x0 + x1) // 2] == FAKE).all()
    assert result.engine == "diffusion"


def test_add_in_a_painted_mask(fake):
    painted = Image.new("L", (W, H))
    painted.paste(255, (10, 10, 30, 20))
    result = edit_image(scene(), EditRequest("add", mask=painted, params=params()), editor="e", step=Steps())
    assert np.array_equal(np.asarray(fake.calls[0][1]), np.asarray(painted))
    assert np.array_equal(np.asarray(result.mask), np.asarray(painted))


def test_move_keeps_the_objects_own_pixels(fake):
    image = scene()
    result = edit_image(image, REQUESTS["move"], editor=None, step=Steps())
    before, after = np.asarray(image), np.asarray(result.image)
    sx0, sy0, sx1, sy1 = to_pixels(OBJECT, (W, H))
    tx0, ty0, tx1, ty1 = to_pixels(REQUESTS["move"].box, (W, H))
    assert np.array_equal(after[ty0:ty1, tx0:tx1], before[sy0:sy1, sx0:sx1])  # same size boxes: exact place
    assert not (np.abs(after[sy0:sy1, sx0:sx1].astype(int) - RED).sum(axis=2) < 80).any()  # old place filled
    assert not fake.calls  # nothing generated
    assert result.engine == "paste" and any("own pixels" in note for note in result.notes)


def test_move_a_selected_object_by_its_mask_bottom_centre_to_bottom_centre():
    image = scene()
    selection = Image.new("L", (W, H))
    selection.paste(255, (36, 40, 60, 72))  # part of the red square
    target = (0.5, 0.1, 0.9, 0.5)
    result = edit_image(image, EditRequest("move", box=target, mask=selection), editor=None, step=Steps())
    unchanged_outside(image, result)
    after = np.asarray(result.image)
    tx0, _, tx1, ty1 = to_pixels(target, (W, H))
    dx, dy = round((tx0 + tx1) / 2 - 48), ty1 - 72  # the selection's bottom centre is (48, 72)
    assert np.array_equal(after[40 + dy:72 + dy, 36 + dx:60 + dx], np.asarray(image)[40:72, 36:60])


def test_resize_scales_about_the_objects_bottom_centre():
    image = scene()
    result = edit_image(image, REQUESTS["resize"], editor=None, step=Steps())
    red = (np.abs(np.asarray(result.image).astype(int) - RED).sum(axis=2) < 90)
    ys, xs = np.nonzero(red)
    sx0, sy0, sx1, sy1 = to_pixels(OBJECT, (W, H))
    tx0, ty0, tx1, ty1 = to_pixels(REQUESTS["resize"].box, (W, H))
    scale = min((tx1 - tx0) / (sx1 - sx0), (ty1 - ty0) / (sy1 - sy0))
    assert red.sum() == pytest.approx(32 * 36 * scale**2, rel=0.1)
    assert ys.max() + 1 == pytest.approx(sy1, abs=1)  # still standing where it stood
    assert (xs.min() + xs.max() + 1) / 2 == pytest.approx((sx0 + sx1) / 2, abs=1)
    assert any(f"×{scale:.2f}" in note for note in result.notes)


def test_remove_with_patchmatch_fills_the_hole_from_the_surroundings():
    image = scene()
    result = edit_image(image, REQUESTS["remove"], editor=None, step=Steps())
    after = np.asarray(result.image).astype(float)
    hole = np.asarray(result.mask) > 0
    sx0, sy0, sx1, sy1 = to_pixels(OBJECT, (W, H))
    assert hole[sy0:sy1, sx0:sx1].all()  # the object's box, grown a little
    ring = np.zeros_like(hole)
    ring[sy0 - 12:sy1 + 12, sx0 - 12:sx1 + 12] = True
    ring &= ~hole
    assert np.abs(after[hole].mean(axis=0) - after[ring].mean(axis=0)).max() < 12
    assert not (np.abs(after[hole] - RED).sum(axis=1) < 120).any(), "red object pixels left in the hole"
    # the stripes continue: each filled row resembles the background row it belongs to
    stripes_only = stripes().astype(float)
    assert np.abs(after[hole] - stripes_only[hole]).mean() < 20
    assert result.engine == "patchmatch"


def test_remove_is_reproducible_by_seed():
    image = scene()
    first = edit_image(image, REQUESTS["remove"], editor=None, step=Steps())
    again = edit_image(image, REQUESTS["remove"], editor=None, step=Steps())
    assert np.array_equal(np.asarray(first.image), np.asarray(again.image))


def test_remove_with_a_model_uses_a_clean_background_prompt(fake):
    request = EditRequest("remove", source_box=OBJECT, params=params(prompt="remove the lamp", seed=7))
    result = edit_image(scene(), request, editor="e", step=Steps())
    used = fake.calls[0][2]
    assert used.prompt == REMOVE_PROMPT and used.seed == 7 and used.strength == 1.0
    assert used.controlnet_conditioning_scale == 0.8
    assert result.engine == "diffusion"
    unchanged_outside(scene(), result)


def test_remove_with_an_edge_controlnet_turns_it_off(fake):
    request = EditRequest("remove", source_box=OBJECT, params=params(control="canny"))
    result = edit_image(scene(), request, editor="e", step=Steps())
    assert fake.calls[0][2].controlnet_conditioning_scale == 0.0 and fake.calls[0][2].control == "canny"
    assert any("canny ControlNet was turned off" in note for note in result.notes)


def test_resize_to_the_same_size_leaves_the_object_where_it_is():
    image = scene()
    request = EditRequest("resize", box=(0.5, 0.0, 0.75, 0.375), source_box=OBJECT)  # same size, elsewhere
    result = edit_image(image, request, editor=None, step=Steps())
    sx0, sy0, sx1, sy1 = to_pixels(OBJECT, (W, H))
    assert np.array_equal(np.asarray(result.image)[sy0:sy1, sx0:sx1], np.asarray(image)[sy0:sy1, sx0:sx1])
    assert any("×1.00" in note for note in result.notes)


def test_restyle_passes_strength_and_refuses_full_strength(fake):
    edit_image(scene(), REQUESTS["restyle"], editor="e", step=Steps())
    assert fake.calls[0][2].strength == 0.6
    with pytest.raises(InvalidOptions, match=r"strength below 1 \(got 1\)"):
        edit_image(scene(), EditRequest("restyle", source_box=OBJECT, params=params()), editor="e", step=Steps())


def test_background_keeps_the_product_pixels(fake):
    image = scene()
    product = object_mask()
    result = edit_image(image, REQUESTS["background"], editor="e", step=Steps())
    keep = np.asarray(product) == 255
    assert np.array_equal(np.asarray(result.image)[keep], np.asarray(image)[keep])
    after = np.asarray(result.image).astype(int)
    x0, y0, x1, y1 = to_pixels(OBJECT, (W, H))
    base = np.zeros_like(keep)
    base[y1 - 12:y1 + 12, x0 - 12:x1 + 12] = True  # around the product's base: its soft shadow
    assert (after[~keep & ~base] == FAKE).all()  # the rest is the new background, untouched
    shade = after[~keep & base]
    assert (shade <= FAKE).all() and (after[y1:y1 + 3, (x0 + x1) // 2] < FAKE).any()  # only darker, under it
    assert any("soft shadow" in note for note in result.notes)
    assert np.array_equal(np.asarray(fake.calls[0][1]) > 0, ~keep)


# -- bad requests, missing models, cancellation -------------------------------------------------------------
@pytest.mark.parametrize("request_, error, words", [
    (lambda: EditRequest("recolour"), InvalidOptions, "unknown edit operation 'recolour'; allowed: add, replace"),
    (lambda: EditRequest("move", box=(0.5, 0.5, 0.9, 0.9)), InvalidOptions, "move needs the object's current place"),
    (lambda: EditRequest("move", source_box=OBJECT), InvalidOptions, "move needs where the object goes"),
    (lambda: EditRequest("resize", source_box=OBJECT), InvalidOptions, "resize needs where the object goes"),
    (lambda: EditRequest("remove"), InvalidOptions, "remove needs the object's region"),
    (lambda: EditRequest("add", box=(0.4, 0.1, 0.2, 0.3), params=params()), InvalidOptions, r"box \(0.4, 0.1, 0.2"),
    (lambda: EditRequest("move", box=(0.1, 0.1, 0.3, 0.3), source_box=(0, 0, 1.5, 1)), InvalidOptions,
     "source_box .* outside the picture"),
    (lambda: EditRequest("remove", mask=Image.new("L", (64, 48), 255)), InvalidOptions,
     "mask is 64×48 px but the picture is 128×96 px"),
    (lambda: EditRequest("remove", mask=Image.new("L", (W, H), 0)), InvalidOptions, "mask is empty"),
    (lambda: EditRequest("add", box=(0.1, 0.1, 0.3, 0.3), params=params(prompt=" ")), InvalidOptions,
     "add needs a prompt"),
    (lambda: EditRequest("add", params=params()), InvalidOptions, "add needs a place"),
    (lambda: EditRequest("background", params=params()), InvalidOptions, "background needs the product's mask"),
])
def test_bad_requests_say_what_is_wrong(request_, error, words, fake):
    with pytest.raises(error, match=words):
        edit_image(scene(), request_(), editor="e", step=Steps())


def test_generative_operation_without_a_model_says_what_to_install():
    with pytest.raises(ModelUnavailable, match=r"add needs a generative model.*studio models pull sd15"):
        edit_image(scene(), REQUESTS["add"], editor=None, step=Steps())


def test_picture_must_be_rgb():
    with pytest.raises(InvalidImage, match="RGB image, got 'RGBA'"):
        edit_image(scene().convert("RGBA"), REQUESTS["remove"], editor=None, step=Steps())


@pytest.mark.parametrize("operation, editor", [("add", "e"), ("remove", None), ("move", None), ("remove", "e")])
def test_an_exception_from_step_cancels_the_round(operation, editor, fake):
    steps = Steps(fail_at=2)
    with pytest.raises(KeyboardInterrupt, match="cancelled"):
        edit_image(scene(), REQUESTS[operation], editor=editor, step=steps)
    assert len(steps.calls) == 2


# -- the real inpainting path: the tiny random-weight editor loaded through the store (tests/pipelines/conftest) --
@pytest.fixture(scope="module")
def tiny_editor(tiny_store):
    return tiny_store.editor("tiny", control="inpaint")


def two_steps(request: EditRequest, **overrides) -> EditRequest:
    return replace(request, params=replace(request.params, num_inference_steps=2, **overrides))


@pytest.mark.parametrize("operation", ["add", "replace", "restyle", "background", "remove"])
def test_tiny_editor_round_keeps_the_outside(operation, tiny_editor):
    image = scene()
    steps = Steps()
    result = edit_image(image, two_steps(REQUESTS[operation]), editor=tiny_editor, step=steps)
    unchanged_outside(image, result)
    assert result.engine == "diffusion"
    done, total, _ = steps.calls[-1]
    assert done == total >= 1 and len(steps.calls) > total  # each denoising step was reported
    changed = np.any(np.asarray(result.image) != np.asarray(image), axis=2)
    assert changed.any() and not changed[np.asarray(result.mask) == 0].any()


def test_tiny_editor_same_seed_same_pixels(tiny_editor):
    image = scene()
    first, again, other = (edit_image(image, two_steps(REQUESTS["add"], seed=seed), tiny_editor, Steps()).image
                           for seed in (3, 3, 4))
    assert np.array_equal(np.asarray(first), np.asarray(again))
    assert not np.array_equal(np.asarray(first), np.asarray(other))
