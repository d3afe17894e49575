"""The white-background function end to end, on inputs whose true alpha is known (no network needed:
an RGBA cut-out keeps its own alpha), plus presets, shadow, compliance and bad options."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from pipelines import ModelStore, WhiteBackgroundOptions, make_white_background
from pipelines.cutout.compliance import _purity
from pipelines.cutout.compose import Patch
from pipelines.errors import InvalidOptions, ProductNotFound


def cutout(size=(400, 300), colour=(200, 30, 40), background=(30, 200, 60), soft=10.0) -> Image.Image:
    """An RGBA product whose soft edge pixels are mixed with a green background, as a real photo's are."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.sqrt(((xx - w / 2) / (w * 0.3)) ** 2 + ((yy - h / 2) / (h * 0.35)) ** 2)
    alpha = np.clip((1.0 - d) * soft + 0.5, 0, 1)
    a = alpha[..., None]
    rgb = a * np.asarray(colour, np.float32) + (1 - a) * np.asarray(background, np.float32)
    pixels = np.dstack([rgb, alpha * 255]).round().astype(np.uint8)
    return Image.fromarray(pixels, "RGBA")


@pytest.fixture
def no_model_store(tmp_path) -> ModelStore:
    return ModelStore(tmp_path / "models", registry={})


def test_amazon_preset_meets_the_rules(no_model_store):
    result = make_white_background(cutout(), WhiteBackgroundOptions(preset="amazon"), store=no_model_store)
    assert result.image.size == (2000, 2000) and result.image.mode == "RGB"
    assert result.report.passed, result.report.reasons
    assert result.report.fill_ratio == pytest.approx(0.90, abs=0.01)
    assert result.report.background_purity == 1.0
    pixels = np.asarray(result.image)
    assert (pixels[:50] == 255).all() and (pixels[:, :50] == 255).all()
    assert result.encoded[:3] == b"\xff\xd8\xff"  # JPEG
    assert any("own alpha" in note for note in result.report.notes)


def test_jpeg_file_is_as_pure_as_the_pixels_checked(no_model_store):
    result = make_white_background(cutout(), WhiteBackgroundOptions(preset="amazon"), store=no_model_store)
    decoded = np.asarray(Image.open(io.BytesIO(result.encoded)))
    footprint = np.asarray(result.image.convert("L")) < 255
    assert _purity(decoded, Patch(footprint, 0, 0), (255, 255, 255)) == 1.0


def test_no_background_colour_fringes_onto_white(no_model_store):
    result = make_white_background(cutout(), WhiteBackgroundOptions(preset="aliexpress"), store=no_model_store)
    px = np.asarray(result.image).astype(int)
    edge = (px.sum(-1) < 3 * 250) & (px.sum(-1) > 3 * 120)  # the blended edge ring
    assert edge.sum() > 500
    green_excess = px[..., 1][edge] - np.maximum(px[..., 0], px[..., 2])[edge]
    # naive blending of these edge pixels leaves a green rim; decontaminated ones have none
    assert np.percentile(green_excess, 99) <= 5


def test_naive_blending_would_fringe():  # proves the fringe test above can fail
    image = cutout()
    rgba = np.asarray(image).astype(float)
    a = rgba[..., 3:] / 255
    over_white = rgba[..., :3] * a + 255 * (1 - a)
    edge = (a[..., 0] > 0.2) & (a[..., 0] < 0.8)
    green_excess = over_white[..., 1][edge] - np.maximum(over_white[..., 0], over_white[..., 2])[edge]
    assert np.percentile(green_excess, 99) > 20


def test_transparent_preset_keeps_input_size_and_alpha(no_model_store):
    image = cutout()
    result = make_white_background(image, WhiteBackgroundOptions(preset="transparent"), store=no_model_store)
    assert result.image.mode == "RGBA" and result.image.size == image.size
    assert result.encoded[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.abs(np.asarray(result.image)[..., 3].astype(int) - np.asarray(image)[..., 3]).max() <= 1
    assert result.report.passed


def test_custom_size_and_margin(no_model_store):
    options = WhiteBackgroundOptions(preset="custom", width=1200, height=800, margin=0.1)
    result = make_white_background(cutout((300, 300)), options, store=no_model_store)
    assert result.image.size == (1200, 800)
    x0, y0, x1, y1 = result.output_box
    assert y0 == pytest.approx(80, abs=2) and y1 == pytest.approx(720, abs=2)


def test_fill_rule_failure_says_why(no_model_store):
    options = WhiteBackgroundOptions(preset="amazon", margin=0.2)
    report = make_white_background(cutout(), options, store=no_model_store).report
    assert not report.passed
    assert report.reasons == ["fill ratio: 60% (needs ≥ 85%)"]


def test_contact_shadow_sits_under_the_product_and_the_rest_stays_white(no_model_store):
    options = WhiteBackgroundOptions(preset="amazon", shadow=True)
    result = make_white_background(cutout(), options, store=no_model_store)
    px = np.asarray(result.image).astype(int)
    x0, y0, x1, y1 = result.output_box
    below = px[y1 + 5 : y1 + 25, (x0 + x1) // 2 - 50 : (x0 + x1) // 2 + 50]
    assert below.mean() < 250  # a visible soft shadow just below the product
    assert (px[:100] == 255).all()  # the rest is still pure white
    assert result.report.passed and any("shadow" in n for n in result.report.notes)


def test_aligned_source_lines_up_with_the_result(no_model_store):
    image = cutout()
    result = make_white_background(image, WhiteBackgroundOptions(preset="shopify"), store=no_model_store)
    before = np.asarray(result.aligned_source(image.convert("RGB"))).astype(int)
    after = np.asarray(result.image).astype(int)
    x0, y0, x1, y1 = result.output_box
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    assert np.abs(before[cy - 20 : cy + 20, cx - 20 : cx + 20] - after[cy - 20 : cy + 20, cx - 20 : cx + 20]).mean() < 3


def test_nothing_to_keep_is_a_clear_error(no_model_store):
    empty = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    with pytest.raises(ProductNotFound, match="no product was found"):
        make_white_background(empty, store=no_model_store)


@pytest.mark.parametrize(
    "options,message",
    [
        (WhiteBackgroundOptions(preset="ebay"), "unknown preset 'ebay'; choose one of: amazon, shopify"),
        (WhiteBackgroundOptions(preset="custom", width=20), "width 20 is out of range; use 64–10000 px"),
        (WhiteBackgroundOptions(preset="amazon", margin=0.7), "margin 0.7 is out of range"),
        (WhiteBackgroundOptions(preset="transparent", shadow=True), "contact shadow needs a background"),
        (WhiteBackgroundOptions(preset="transparent", width=500), "keeps the input size"),
    ],
)
def test_bad_options_name_what_is_allowed(no_model_store, options, message):
    with pytest.raises(InvalidOptions, match=message):
        make_white_background(cutout(), options, store=no_model_store)


def test_a_box_must_cover_part_of_the_photo():
    from pipelines.cutout.segmentation import Box

    assert Box(-50, 10, 5000, 90).clamp(400, 300) == Box(0, 10, 400, 90)
    assert Box(300, 200, 100, 50).clamp(400, 300) == Box(100, 50, 300, 200)  # corners in any order
    with pytest.raises(InvalidOptions, match="covers less than 8×8 px of the 400×300 image"):
        Box(500, 10, 600, 90).clamp(400, 300)


def _float_blend(canvas, foreground, alpha8, x, y):
    out = canvas.astype(np.float64)
    a = alpha8[..., None] / 255.0
    h, w = alpha8.shape
    out[y : y + h, x : x + w] = foreground * a + out[y : y + h, x : x + w] * (1 - a)
    return np.round(out).astype(int)


def test_blend_mixes_only_the_edge_and_matches_a_plain_alpha_blend():
    from pipelines.cutout.compose import Placement, blend

    rng = np.random.default_rng(3)
    foreground = rng.integers(0, 256, (60, 80, 3), np.uint8)
    alpha8 = np.zeros((60, 80), np.uint8)
    alpha8[10:50, 10:70] = 255
    alpha8[5:10, 10:70] = rng.integers(1, 255, (5, 60))  # a soft band
    canvas = np.full((100, 120, 3), 255, np.uint8)
    canvas[70:, :] = 180  # not all one colour: the band mixes with what is under it
    expected = _float_blend(canvas, foreground, alpha8, 30, 20)
    blend(canvas, foreground, alpha8, Placement(30, 20, 80, 60, 1.0))
    assert np.abs(canvas.astype(int) - expected).max() <= 1
    assert (canvas[:25] == 255).all() and (canvas[25:70, 30:40] == 255).all()  # clear pixels untouched
    assert np.array_equal(canvas[30:70, 40:100], foreground[10:50, 10:70])  # solid pixels copied exactly


def test_blend_refuses_a_canvas_it_cannot_draw_into():
    from pipelines.cutout.compose import Placement, blend

    canvas = np.full((40, 80, 3), 255, np.uint8)[:, ::2]  # a strided view
    with pytest.raises(ValueError, match="contiguous"):
        blend(canvas, np.zeros((10, 10, 3), np.uint8), np.full((10, 10), 128, np.uint8), Placement(0, 0, 10, 10, 1.0))


@pytest.mark.parametrize("seed", range(6))
def test_purity_of_a_patch_equals_purity_of_the_whole_footprint(seed):
    rng = np.random.default_rng(seed)
    h, w = 120, 160
    pixels = np.full((h, w, 3), 255, np.uint8)
    pixels[rng.random((h, w)) < 0.02] = 250  # stray impure pixels everywhere
    x, y = int(rng.integers(-10, w - 20)), int(rng.integers(-10, h - 20))  # may hang over the border
    ph, pw = int(rng.integers(5, 60)), int(rng.integers(5, 60))
    drawn = rng.random((ph, pw)) < 0.7
    footprint = np.zeros((h, w), bool)
    fy0, fx0 = max(0, y), max(0, x)
    footprint[fy0 : y + ph, fx0 : x + pw] = drawn[fy0 - y : h - y, fx0 - x : w - x]
    whole = Patch(footprint, 0, 0)
    assert _purity(pixels, Patch(drawn, x, y), (255, 255, 255)) == pytest.approx(_purity(pixels, whole, (255, 255, 255)))


def test_inference_lanes_follow_the_sessions_threads(monkeypatch):
    from pipelines.cutout import white_background

    def session(threads, providers=("CPUExecutionProvider",)):
        options = SimpleNamespace(intra_op_num_threads=threads)
        inner = SimpleNamespace(get_providers=lambda: list(providers), get_session_options=lambda: options)
        return SimpleNamespace(inner_session=inner)

    monkeypatch.setattr(white_background.os, "sched_getaffinity", lambda pid: set(range(4)), raising=False)
    assert white_background.inference_lanes(session(0)) == 1  # ONNX Runtime's default: every core
    assert white_background.inference_lanes(session(1)) == 4
    assert white_background.inference_lanes(session(2)) == 2
    assert white_background.inference_lanes(session(8)) == 1
    assert white_background.inference_lanes(session(1, ("CUDAExecutionProvider", "CPUExecutionProvider"))) == 1
    assert white_background.inference_lanes(object()) == 1


class _RedSession:
    """Stands in for a rembg session that runs an inference on one thread: the product is whatever is red.
    Records the threads it ran on."""

    def __init__(self):
        self.threads: set[str] = set()
        options = SimpleNamespace(intra_op_num_threads=1)
        self.inner_session = SimpleNamespace(get_inputs=lambda: [SimpleNamespace(shape=[1, 3, 64, 64])],
                                             get_providers=lambda: ["CPUExecutionProvider"],
                                             get_session_options=lambda: options)

    def predict(self, image):
        import threading

        self.threads.add(threading.current_thread().name)
        rgb = np.asarray(image).astype(int)
        return [Image.fromarray(((rgb[..., 0] - rgb[..., 1]) > 60).astype(np.uint8) * 255, "L")]


def test_a_batch_on_one_thread_sessions_runs_in_lanes_and_keeps_order(store, models_dir, monkeypatch):
    from pipelines.cutout import white_background
    from pipelines.cutout.white_background import make_white_backgrounds
    from tests.conftest import product_photo

    session = _RedSession()
    lanes_store = ModelStore(models_dir, loader=lambda spec, path: session)
    lanes_store.session("u2netp")
    monkeypatch.setattr(white_background.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    photos = [product_photo(seed=0), Image.new("RGB", (200, 150), (128, 128, 128)),
              product_photo((300, 400), seed=1), product_photo(seed=2), product_photo((500, 300), seed=3)]
    options = WhiteBackgroundOptions(preset="aliexpress")
    outcomes = list(make_white_backgrounds(((p, options) for p in photos), store=lanes_store))
    assert isinstance(outcomes[1], ProductNotFound)  # the plain photo fails in its own place
    for photo, outcome in zip(photos[::2] + photos[3:4], outcomes[::2] + outcomes[3:4]):
        alone = make_white_background(photo, options, store=lanes_store)
        assert np.array_equal(outcome.pixels, alone.pixels) and outcome.encoded == alone.encoded
    assert sum(name.startswith("whitebg-lane") for name in session.threads) >= 2


def test_one_thread_sessions_run_a_batch_one_image_per_core_with_the_same_results(models_dir, store):
    from pipelines.cutout.white_background import make_white_backgrounds
    from tests.conftest import product_photo

    lanes = ModelStore(models_dir, session_threads=1)
    session = lanes.session("u2netp")
    assert session.inner_session.get_session_options().intra_op_num_threads == 1
    photos = [product_photo(colour=(30 * i, 40, 200 - 20 * i), seed=i) for i in range(5)]
    options = WhiteBackgroundOptions(preset="amazon")
    together = list(make_white_backgrounds(((p, options) for p in photos), store=lanes))
    alone = [make_white_background(p, options, store=store) for p in photos]
    assert [np.asarray(r.mask).tolist() for r in together] == [np.asarray(r.mask).tolist() for r in alone]
    assert [r.encoded for r in together] == [r.encoded for r in alone]


def test_a_negative_thread_count_is_refused(tmp_path):
    with pytest.raises(ValueError, match="session_threads must be 0"):
        ModelStore(tmp_path, session_threads=-1)
