"""Safe image input: every kind of awkward or hostile file a seller's folder can hold."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from pipelines.errors import InvalidImage
from pipelines.image_input import ImageLimits, iter_sources, load_image
from tests.conftest import encode


def test_format_comes_from_content_not_extension(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(Image.new("RGB", (40, 30), (10, 20, 30)), "PNG"))
    (item,) = iter_sources([path])
    loaded = load_image(item.data)
    assert loaded.format == "PNG"
    assert loaded.image.getpixel((0, 0)) == (10, 20, 30)


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (60, 20), (255, 0, 0))
    image.paste((0, 0, 255), (0, 0, 30, 20))  # left half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    loaded = load_image(encode(image, "JPEG", exif=exif, quality=95))
    assert loaded.image.size == (20, 60)
    top = loaded.image.getpixel((10, 5))
    assert top[2] > 200 and top[0] < 60  # the left (blue) half is now on top


def test_cmyk_becomes_rgb_with_the_right_colour():
    image = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # pure red in CMYK
    loaded = load_image(encode(image, "JPEG", quality=95))
    assert loaded.image.mode == "RGB"
    r, g, b = loaded.image.getpixel((16, 16))
    assert r > 230 and g < 30 and b < 30
    assert any("CMYK" in note for note in loaded.notes)


def test_16_bit_grayscale_is_scaled_not_clipped():
    array = np.full((32, 32), 32768, np.uint16)
    ok, png = cv2.imencode(".png", array)
    loaded = load_image(png.tobytes())
    assert loaded.image.mode == "RGB"
    assert abs(loaded.image.getpixel((5, 5))[0] - 128) <= 1


def test_16_bit_colour_png_keeps_its_colour():
    array = np.zeros((32, 32, 3), np.uint16)
    array[..., 2] = 65535  # OpenCV writes BGR: this is red
    ok, png = cv2.imencode(".png", array)
    loaded = load_image(png.tobytes())
    assert loaded.image.mode == "RGB"
    assert loaded.image.getpixel((3, 3)) == (255, 0, 0)


def test_palette_with_transparency_keeps_the_transparency():
    image = Image.new("P", (32, 32), 0)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    image.paste(1, (8, 8, 24, 24))
    loaded = load_image(encode(image, "PNG", transparency=0))
    assert loaded.image.mode == "RGBA"
    assert loaded.image.getpixel((0, 0))[3] == 0
    assert loaded.image.getpixel((16, 16)) == (200, 0, 0, 255)


@pytest.mark.parametrize("mode,expected", [("L", "RGB"), ("1", "RGB"), ("LA", "RGBA"), ("RGBA", "RGBA")])
def test_grayscale_and_alpha_modes_are_normalised(mode, expected):
    image = Image.new(mode, (32, 32))
    if "A" in mode:
        image.putpixel((0, 0), (0, 0) if mode == "LA" else (0, 0, 0, 0))
    assert load_image(encode(image, "PNG")).image.mode == expected


def test_fully_opaque_alpha_is_dropped():
    assert load_image(encode(Image.new("RGBA", (32, 32), (1, 2, 3, 255)))).image.mode == "RGB"


def _animation() -> bytes:
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def test_animated_image_uses_first_frame_and_says_so():
    loaded = load_image(_animation())
    assert loaded.image.getpixel((5, 5))[0] > 200
    assert any("first frame" in note and "3 frames" in note for note in loaded.notes)


def test_animated_image_can_be_rejected():
    with pytest.raises(InvalidImage, match="animated"):
        load_image(_animation(), ImageLimits(animated="reject"))


def _png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size (a decompression bomb's calling card)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(InvalidImage, match="pixels"):
        load_image(_png_declaring(100_000, 100_000))


@pytest.mark.parametrize(
    "size,limits,message",
    [
        ((400, 400), ImageLimits(max_pixels=100_000), "limit is 100,000 pixels"),
        ((3000, 100), ImageLimits(max_side=2000, max_aspect_ratio=100), "at most 2000 px"),
        ((10, 40), ImageLimits(), "at least 16 px"),
        ((1300, 100), ImageLimits(), "aspect ratio 13.0:1"),
    ],
)
def test_size_limits_name_the_limit(size, limits, message):
    with pytest.raises(InvalidImage, match=message):
        load_image(encode(Image.new("RGB", size)), limits)


def test_byte_limit():
    with pytest.raises(InvalidImage, match="limit is"):
        load_image(encode(Image.effect_noise((64, 64), 60)), ImageLimits(max_bytes=1000))


def test_truncated_file_says_truncated():
    data = encode(Image.effect_noise((256, 256), 60).convert("RGB"), "JPEG", quality=95)
    with pytest.raises(InvalidImage, match="truncated"):
        load_image(data[: len(data) // 2])


def test_corrupt_file_is_a_clear_error():
    data = bytearray(encode(Image.effect_noise((64, 64), 60).convert("RGB"), "PNG"))
    data[60:200] = bytes(140)
    with pytest.raises(InvalidImage, match="corrupt"):
        load_image(bytes(data))


def test_empty_file():
    with pytest.raises(InvalidImage, match="empty"):
        load_image(b"")


def test_non_image_lists_what_is_allowed():
    with pytest.raises(InvalidImage, match="not an image.*JPEG, PNG"):
        load_image(b"name,price\nlamp,12.99\n")


def test_sources_walk_folders_and_report_missing_paths(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.png").write_bytes(encode(Image.new("RGB", (20, 20))))
    (tmp_path / ".DS_Store").write_bytes(b"junk")
    items = list(iter_sources([tmp_path, tmp_path / "missing.jpg"]))
    assert [i.name for i in items] == ["a.png", "missing.jpg"]
    assert items[0].data and items[1].error.startswith("no such file")
