"""Zip input: streamed entry by entry, capped, sanitised, never extracted to disk."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from pipelines.errors import InvalidArchive
from pipelines.image_input import ArchiveLimits, iter_archive, iter_sources, sanitise_name
from tests.conftest import encode

PNG = encode(Image.new("RGB", (32, 32), (9, 9, 9)))


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    "raw,safe",
    [
        ("../../etc/passwd", "etc/passwd"),
        ("/abs/photo.png", "abs/photo.png"),
        ("C:\\Users\\me\\photo.png", "Users/me/photo.png"),
        ("shop/../../../x.jpg", "shop/x.jpg"),
        ("we\x00ird<>|name.jpg", "we_ird_name.jpg"),
        ("..", "unnamed"),
    ],
)
def test_names_are_sanitised_against_zip_slip(raw, safe):
    assert sanitise_name(raw) == safe


def test_entries_stream_in_order_and_junk_is_skipped():
    archive = _zip({"a.png": PNG, "__MACOSX/._a.png": b"x", "folder/": b"", "folder/.DS_Store": b"x",
                    "folder/b.png": PNG, "../evil.png": PNG})
    entries = list(iter_archive(archive))
    assert [e.name for e in entries] == ["a.png", "folder/b.png", "evil.png"]
    assert all(e.data == PNG for e in entries)


def test_zip_bomb_entry_is_refused_and_the_rest_go_on():
    archive = _zip({"bomb.png": bytes(20 * 1024 * 1024), "ok.png": PNG})
    bomb, ok = iter_archive(archive)
    assert "zip bomb" in bomb.error and bomb.data is None
    assert ok.data == PNG


def test_entry_byte_cap():
    archive = _zip({"big.png": bytes(300_000), "ok.png": PNG}, compression=zipfile.ZIP_STORED)
    big, ok = iter_archive(archive, ArchiveLimits(max_entry_bytes=100_000))
    assert big.error == "the entry is 293 KB once decompressed; the limit is 98 KB per image"
    assert ok.data == PNG


def test_total_cap_stops_the_archive_after_keeping_what_came_before():
    archive = _zip({"1.png": PNG, "2.png": PNG, "3.png": PNG}, compression=zipfile.ZIP_STORED)
    limits = ArchiveLimits(max_total_bytes=len(PNG) * 2 + 10)
    stream = iter_archive(archive, limits)
    assert next(stream).data == PNG and next(stream).data == PNG
    with pytest.raises(InvalidArchive, match="expands to more than"):
        next(stream)


def test_too_many_entries():
    archive = _zip({f"{i}.png": PNG for i in range(5)})
    with pytest.raises(InvalidArchive, match="holds 5 files; the limit is 3"):
        list(iter_archive(archive, ArchiveLimits(max_entries=3)))


def test_corrupt_zip_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    (item,) = iter_sources([path])
    assert item.error is None and item.data  # not recognised as a zip: it is just a bad file
    truncated = _zip({"a.png": PNG}).getvalue()[:-30]
    with pytest.raises(InvalidArchive, match="cannot be read"):
        list(iter_archive(io.BytesIO(truncated)))
    with pytest.raises(InvalidArchive, match="holds no files"):
        list(iter_archive(_zip({})))


def test_zip_sources_are_prefixed_with_the_archive_name(tmp_path):
    path = tmp_path / "catalog.zip"
    path.write_bytes(_zip({"lamp.png": PNG, "sub/chair.png": PNG}).getvalue())
    assert [i.name for i in iter_sources([path])] == ["catalog/lamp.png", "catalog/sub/chair.png"]


def test_nothing_is_written_to_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    list(iter_archive(_zip({"../../escape.png": PNG, "x/y.png": PNG})))
    assert list(tmp_path.iterdir()) == []
