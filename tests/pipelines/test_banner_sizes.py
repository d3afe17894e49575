"""Canvas sizes: the named sizes of assets/banner_sizes.json, custom WIDTHxHEIGHT, and their layout classes."""

from __future__ import annotations

import pytest

from pipelines.banners.sizes import SIZES, CanvasSize, layout_class, resolve_size, resolve_sizes
from pipelines.errors import InvalidOptions


def test_the_named_sizes_and_their_layout_classes():
    assert {name: (size.width, size.height, size.layout_class) for name, size in SIZES.items()} == {
        "landscape": (1200, 628, "landscape"),
        "square": (1080, 1080, "square"),
        "portrait": (1080, 1350, "square"),  # 4:5 sits on the square class's lower bound (r = 0.8)
        "story": (1080, 1920, "portrait"),
        "hero": (1920, 600, "wide"),
        "amazon-store-hero": (3000, 600, "wide"),
        "etsy-banner": (3360, 840, "wide"),
        "shopify-slideshow": (2000, 800, "wide"),
        "aliexpress-square": (800, 800, "square"),
    }
    assert all(size.use for size in SIZES.values())


@pytest.mark.parametrize(
    "width, height, expected",
    [(12, 5, "wide"), (2399, 1000, "landscape"), (5, 4, "landscape"), (1249, 1000, "square"), (1, 1, "square"),
     (4, 5, "square"), (799, 1000, "portrait"), (200, 6000, "portrait"), (6000, 200, "wide")],
)
def test_layout_class_boundaries(width, height, expected):
    assert layout_class(width, height) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("square", SIZES["square"]), (" Story ", SIZES["story"]),
     ("1200x628", CanvasSize("1200x628", 1200, 628, "custom size")),
     ("640 X 480", CanvasSize("640x480", 640, 480, "custom size")),
     ("200×6000", CanvasSize("200x6000", 200, 6000, "custom size"))],
)
def test_resolve_size(text, expected):
    assert resolve_size(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [("instagram", "size 'instagram' is not known; use one of landscape, square, portrait, story, hero, "
                   "amazon-store-hero, etsy-banner, shopify-slideshow, aliexpress-square or WIDTHxHEIGHT with "
                   "each side 200–6000 px"),
     ("728x90", "size '728x90' is out of range: each side must be 200–6000 px"),
     ("7000x1000", "size '7000x1000' is out of range"),
     ("1200x", "size '1200x' is not known")],
)
def test_unknown_or_out_of_range_sizes_say_what_is_allowed(text, message):
    with pytest.raises(InvalidOptions) as caught:
        resolve_size(text)
    assert str(caught.value).startswith(message)


def test_resolve_sizes_keeps_order_drops_repeats_and_reports_every_bad_one():
    assert [size.name for size in resolve_sizes("square, hero,square,,1000x500")] == ["square", "hero", "1000x500"]
    assert [size.name for size in resolve_sizes(["story"])] == ["story"]
    with pytest.raises(InvalidOptions) as caught:
        resolve_sizes(["square", "tiny", "10x10"])
    assert "'tiny' is not known" in str(caught.value) and "'10x10' is out of range" in str(caught.value)
    with pytest.raises(InvalidOptions, match="no sizes given"):
        resolve_sizes(" , ")
    with pytest.raises(InvalidOptions, match="21 sizes given; at most 20"):
        resolve_sizes([f"{1000 + n}x1000" for n in range(21)])
