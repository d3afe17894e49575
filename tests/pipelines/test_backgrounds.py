"""Banner backgrounds: every type paints exactly the canvas asked for, gradients put their stops where the angle
says and rise without bands, patterns are crisp with the ink where and as often as expected, the studio sweep is
lit like a backdrop, photos are cover-fitted without distortion, and generated backgrounds say where they are made."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipelines.banners.backgrounds import paint_background
from pipelines.banners.contrast import relative_luminance
from pipelines.errors import InvalidOptions

PALETTE = {"background": "#1B1F3B", "text": "#FFFFFF", "accent": "#FF5A36", "wall": "#E9E4DC"}
SIZES = [(1920, 600), (1080, 1920), (201, 333)]


def color(name: str) -> tuple[int, int, int, int]:
    value = PALETTE.get(name, name).lstrip("#")
    rgba = [int(value[i:i + 2], 16) for i in range(0, len(value), 2)]
    return tuple(rgba + [255] * (4 - len(rgba)))


def spec(type_: str, **fields) -> SimpleNamespace:
    return SimpleNamespace(type=type_, **fields)


def paint(background, size=(1920, 600), **kwargs) -> np.ndarray:
    image = paint_background(background, size, color, **kwargs)
    assert image.mode == "RGB" and image.size == size
    return np.asarray(image).astype(int)


def photo(size=(400, 300)) -> Image.Image:
    image = Image.new("RGB", size, (20, 20, 20))
    w, h = size
    ImageDraw.Draw(image).ellipse((w / 2 - 30, h / 2 - 30, w / 2 + 30, h / 2 + 30), fill=(240, 240, 240))
    return image


EVERY_TYPE = {
    "solid": spec("solid", color="accent"),
    "linear": spec("gradient", colors=["background", "#3A2F6B", "accent"], angle=135),
    "radial": spec("gradient", colors=["accent", "background"], kind="radial"),
    "dots": spec("pattern", pattern="dots", color="background", ink="accent"),
    "stripes": spec("pattern", pattern="stripes", color="wall"),
    "grid": spec("pattern", pattern="grid", color="wall", ink="accent", opacity=0.5),
    "diagonal": spec("pattern", pattern="diagonal", color="background", ink="text"),
    "waves": spec("pattern", pattern="waves", color="wall", ink="background"),
    "studio": spec("studio", color="wall"),
    "photo": spec("photo", blur=0.01, tint="background", tint_opacity=0.3),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", EVERY_TYPE)
def test_every_type_paints_exactly_the_canvas(name, size):
    paint(EVERY_TYPE[name], size, photo=photo())


def test_solid_is_the_colour():
    assert (paint(spec("solid", color="accent")) == (0xFF, 0x5A, 0x36)).all()


# -- gradients ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("angle, start, end", [
    (90, (slice(None), 0), (slice(None), -1)),  # to the right: left column -> right column
    (180, (0, slice(None)), (-1, slice(None))),  # to the bottom
    (0, (-1, slice(None)), (0, slice(None))),  # to the top
    (135, (0, 0), (-1, -1)),  # to the bottom right: the corners, as in CSS
    (315, (-1, -1), (0, 0)),
])
def test_gradient_stops_sit_at_the_ends_of_its_angle(angle, start, end):
    pixels = paint(spec("gradient", colors=["#FF5A36", "#1B1F3B"], angle=angle))
    first, last = np.array([0xFF, 0x5A, 0x36]), np.array([0x1B, 0x1F, 0x3B])
    assert np.abs(pixels[start].reshape(-1, 3).mean(axis=0) - first).max() < 2.5
    assert np.abs(pixels[end].reshape(-1, 3).mean(axis=0) - last).max() < 2.5


def test_three_stops_are_evenly_spaced():
    pixels = paint(spec("gradient", colors=["#000000", "#FF0000", "#0000FF"], angle=90))
    middle = pixels[:, 958:962].reshape(-1, 3).mean(axis=0)
    assert np.abs(middle - (255, 0, 0)).max() < 5


def test_radial_gradient_runs_from_the_centre_to_the_corners():
    pixels = paint(spec("gradient", colors=["#FFFFFF", "#000000"], kind="radial"), (1200, 600))
    assert pixels[300, 600].mean() > 250 and pixels[0, 0].mean() < 3 and pixels[-1, -1].mean() < 3
    assert 80 < pixels[150, 300].mean() < 140  # half way to a corner: a perceptual mid grey (OKLab L 0.5)
    assert pixels[300, 0].mean() == pytest.approx(pixels[0, 600].mean(), abs=2)  # an ellipse of the canvas's shape


def column_means(pixels: np.ndarray) -> np.ndarray:
    return pixels[..., 0].mean(axis=0)


def test_a_subtle_gradient_rises_smoothly_without_bands():
    # 10 levels across 1920 px: without dithering each level would be a 190 px band with a step between
    pixels = paint(spec("gradient", colors=["#202020", "#2A2A2A"], angle=90))
    means = column_means(pixels)
    assert np.abs(np.diff(means)).max() < 0.3  # no visible step anywhere
    ideal = 0x20 + 10 * (np.arange(1920) + 0.5) / 1920
    assert np.abs(means - ideal).max() < 0.3  # and unbiased: the average follows the true gradient
    assert np.abs(pixels - ideal[None, :, None]).max() < 1.1  # each pixel one of the two nearest levels


def test_the_band_measure_catches_banding():  # the test above fails for a plain rounded gradient
    ideal = 0x20 + 10 * (np.arange(1920) + 0.5) / 1920
    banded = np.repeat(np.round(ideal)[None, :, None], 3, axis=2).repeat(20, axis=0)
    assert np.abs(np.diff(column_means(banded))).max() >= 1


# -- patterns -------------------------------------------------------------------------------------------------------
INK, BASE = np.array([255, 90, 54]), np.array([27, 31, 59])


@pytest.mark.parametrize("pattern, share", [
    ("dots", np.pi * 0.2**2),  # dots of radius 0.2 period on a square grid
    ("stripes", 0.5),
    ("grid", 2 * 0.06 - 0.06**2),
    ("diagonal", 0.12 * np.sqrt(2)),
    ("waves", 0.1 * 1.3),  # a line 0.1 period thick, lengthened by its swing
])
def test_pattern_is_crisp_with_the_ink_at_its_density(pattern, share):
    pixels = paint(spec("pattern", pattern=pattern, color="background", ink="accent", opacity=1.0, scale=0.1),
                   (1080, 1920))
    is_ink = (pixels == INK).all(axis=-1)
    is_base = (pixels == BASE).all(axis=-1)
    inkish = np.abs(pixels - INK).sum(-1) < np.abs(pixels - BASE).sum(-1)
    assert inkish.mean() == pytest.approx(share, rel=0.2)
    assert (is_ink | is_base).mean() > 0.8  # crisp: edges are the only blends
    if pattern != "stripes":  # straight stripes fall on whole pixels; every other edge is anti-aliased
        assert (~(is_ink | is_base)).any()


def test_pattern_scale_is_relative_to_the_short_side():
    for size in ((1080, 1920), (1920, 1080)):
        pixels = paint(spec("pattern", pattern="stripes", color="background", ink="accent", opacity=1.0, scale=0.1),
                       size)
        row = (np.abs(pixels[10] - INK).sum(-1) < 60).astype(int)
        starts = np.count_nonzero(np.diff(row) == 1)
        assert starts == pytest.approx(size[0] / 108, abs=1)  # one stripe per 108 px (0.1 × 1080)


def test_pattern_opacity_blends_the_ink_into_the_base():
    pixels = paint(spec("pattern", pattern="stripes", color="background", ink="accent", opacity=0.25, scale=0.1))
    colours = {tuple(p) for p in pixels.reshape(-1, 3)[::7]}
    assert tuple(np.round(BASE + 0.25 * (INK - BASE)).astype(int)) in colours
    assert tuple(INK) not in colours


def test_pattern_ink_defaults_to_what_stands_out():
    dark = paint(spec("pattern", pattern="stripes", color="background", opacity=1.0))
    light = paint(spec("pattern", pattern="stripes", color="wall", opacity=1.0))
    assert (dark == 255).all(axis=-1).any() and (light == 0).all(axis=-1).any()


# -- studio ---------------------------------------------------------------------------------------------------------
def luminance(pixels: np.ndarray) -> float:
    return relative_luminance(pixels.reshape(-1, 3).mean(axis=0))


@pytest.mark.parametrize("size", [(1920, 600), (1080, 1920)])
def test_studio_is_lit_like_a_backdrop(size):
    pixels = paint(spec("studio", color="wall", horizon=0.65), size)
    w, h = size
    middle = slice(w // 3, 2 * w // 3)
    wall, floor = pixels[int(0.2 * h):int(0.5 * h), middle], pixels[int(0.8 * h):, middle]
    assert luminance(floor) < 0.95 * luminance(wall)  # the floor is darker than the wall
    centre = pixels[int(0.4 * h):int(0.6 * h), int(0.4 * w):int(0.6 * w)]
    corners = np.concatenate([pixels[:h // 10, :w // 10], pixels[:h // 10, -w // 10:]])
    assert luminance(corners) < 0.85 * luminance(centre)  # light in the middle, vignette at the corners
    assert np.abs(np.diff(pixels[:, w // 2, 0].astype(float))).max() <= 3  # a soft horizon, no hard line
    wall_colour = pixels[int(0.3 * h), w // 2]
    assert np.abs(wall_colour - (0xE9, 0xE4, 0xDC)).max() < 20  # still the wall colour asked for


def test_studio_light_moves_the_bright_spot():
    left = paint(spec("studio", color="wall", light="top-left"))
    right = paint(spec("studio", color="wall", light="top-right"))
    assert luminance(left[:300, :400]) > luminance(right[:300, :400])
    assert luminance(right[:300, -400:]) > luminance(left[:300, -400:])


# -- photo ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(1920, 600), (1080, 1920)])
def test_photo_is_cover_fitted_keeping_its_aspect(size):
    pixels = paint(spec("photo"), size, photo=photo((400, 300)))
    bright = pixels[..., 0] > 128
    ys, xs = np.nonzero(bright)
    width, height = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    assert width == pytest.approx(height, abs=3)  # the circle stays a circle
    scale = max(size[0] / 400, size[1] / 300)
    assert width == pytest.approx(60 * scale, rel=0.05)
    assert (xs.min() + xs.max()) / 2 == pytest.approx(size[0] / 2, abs=scale)  # the middle is kept


def test_photo_blur_and_tint():
    sharp = paint(spec("photo"), photo=photo())
    soft = paint(spec("photo", blur=0.02), photo=photo())
    row = 300
    assert np.count_nonzero((soft[row, :, 0] > 40) & (soft[row, :, 0] < 220)) > 3 * np.count_nonzero(
        (sharp[row, :, 0] > 40) & (sharp[row, :, 0] < 220))
    tinted = paint(spec("photo", tint="#FF0000", tint_opacity=0.5), photo=photo())
    assert np.abs(tinted[5, 5] - (138, 10, 10)).max() <= 1


def test_photo_from_the_templates_folder(tmp_path):
    photo().save(tmp_path / "backdrop.png")
    pixels = paint(spec("photo", file="backdrop.png"), assets_dir=tmp_path)
    assert pixels[300, 960, 0] > 200 and pixels[5, 5, 0] < 40
    with pytest.raises(InvalidOptions, match="inside the templates folder"):
        paint(spec("photo", file="../backdrop.png"), assets_dir=tmp_path / "sub")
    with pytest.raises(InvalidOptions, match="'missing.png' was not found"):
        paint(spec("photo", file="missing.png"), assets_dir=tmp_path)


def test_the_callers_photo_overrides_the_templates_file(tmp_path):
    Image.new("RGB", (64, 64), (0, 0, 255)).save(tmp_path / "blue.png")
    pixels = paint(spec("photo", file="blue.png"), assets_dir=tmp_path, photo=Image.new("RGB", (64, 64), "red"))
    assert (pixels == (255, 0, 0)).all()


# -- generated and bad specs ------------------------------------------------------------------------------------
def test_generated_backgrounds_are_made_elsewhere():
    with pytest.raises(InvalidOptions, match="generated backgrounds are made on a worker with a generative model"):
        paint(spec("generated", prompt="a marble table"))
    made = paint(spec("generated", prompt="a marble table"), photo=photo())  # the worker's image, fitted
    assert made[300, 960, 0] > 200


@pytest.mark.parametrize("background, words", [
    (spec("plaid"), "background type 'plaid' is not one of solid, gradient, pattern, studio, photo, generated"),
    (spec("gradient", colors=["accent"]), "2 to 5 colors, got 1"),
    (spec("gradient", colors=["accent", "text"], kind="conic"), "kind 'conic' is not one of linear, radial"),
    (spec("pattern", pattern="plaid"), "pattern 'plaid' is not one of dots, stripes, grid, diagonal, waves"),
    (spec("pattern", pattern="dots", scale=0), "scale 0 must be above 0"),
    (spec("studio", light="below"), "studio light 'below' is not one of"),
    (spec("photo", blur=8), r"photo blur 8 must be 0..0.25"),
    (spec("photo"), "a photo background needs a photo"),
])
def test_bad_specs_say_what_is_allowed(background, words):
    with pytest.raises(InvalidOptions, match=words):
        paint(background)
