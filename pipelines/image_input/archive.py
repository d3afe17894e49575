"""Stream a zip entry by entry: byte caps measured while decompressing, sanitised names, no extractall.

A zip can lie about sizes in its headers, so every cap is enforced on the bytes actually produced.
Problems with one entry come back as that entry's error; the archive as a whole is rejected only when
it cannot be read at all or exceeds its total budget (entries already yielded stay valid).
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO, Iterator

from pipelines.errors import InvalidArchive
from pipelines.image_input.units import human_bytes

_JUNK = re.compile(r"(^|/)(__MACOSX/|\._|\.DS_Store$|Thumbs\.db$|desktop\.ini$)", re.IGNORECASE)
_UNSAFE_CHARS = re.compile(r"[^\w.\- ]+")


def is_junk(name: str) -> bool:
    """Files an OS adds to archives and folders (__MACOSX, ._*, .DS_Store, Thumbs.db) that are never inputs."""
    return bool(_JUNK.search(name))


@dataclass(frozen=True)
class ArchiveLimits:
    max_entries: int = 20_000
    max_entry_bytes: int = 50 * 1024 * 1024
    max_total_bytes: int = 4 * 1024 * 1024 * 1024
    max_compression_ratio: float = 200.0


@dataclass(frozen=True)
class ArchiveEntry:
    """One member: `name` is safe to use as a relative path; exactly one of data/error is set."""

    name: str
    data: bytes | None = None
    error: str | None = None


def sanitise_name(raw: str) -> str:
    """A relative POSIX path with no '..', no root, no drive and only plain characters in each part."""
    text = unicodedata.normalize("NFC", raw.replace("\\", "/"))
    parts = []
    for part in PurePosixPath(text).parts:
        if part in ("/", ".", "..") or part.endswith(":"):
            continue
        cleaned = _UNSAFE_CHARS.sub("_", part).strip(" .")
        if cleaned:
            parts.append(cleaned[:120])
    return "/".join(parts) or "unnamed"


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    chunks, size = [], 0
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 20):
            size += len(chunk)
            if size > cap:
                raise OverflowError
            chunks.append(chunk)
    return b"".join(chunks)


def iter_archive(source: str | BinaryIO, limits: ArchiveLimits = ArchiveLimits()) -> Iterator[ArchiveEntry]:
    """Yield each file entry of a zip (directories and OS junk skipped)."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidArchive(f"the zip file cannot be read ({exc}); upload a valid .zip") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir() and not is_junk(i.filename)]
        if not infos:
            raise InvalidArchive("the zip holds no files; put the product photos in it")
        if len(infos) > limits.max_entries:
            raise InvalidArchive(f"the zip holds {len(infos):,} files; the limit is {limits.max_entries:,}")
        total = 0
        for info in infos:
            name = sanitise_name(info.filename)
            if info.flag_bits & 0x1:
                yield ArchiveEntry(name, error="the entry is encrypted; zip it without a password")
                continue
            if info.file_size > limits.max_entry_bytes:
                yield ArchiveEntry(name, error=_too_big(info.file_size, limits))
                continue
            budget = min(limits.max_entry_bytes, limits.max_total_bytes - total)
            try:
                data = _read_capped(zf, info, budget)
            except OverflowError:
                if budget < limits.max_entry_bytes:
                    raise InvalidArchive(
                        f"the zip expands to more than {human_bytes(limits.max_total_bytes)}; "
                        "split it into smaller archives"
                    ) from None
                yield ArchiveEntry(name, error=_too_big(None, limits))
                continue
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                yield ArchiveEntry(name, error=f"the entry is corrupt ({exc})")
                continue
            total += len(data)
            if info.compress_size and len(data) / info.compress_size > limits.max_compression_ratio:
                yield ArchiveEntry(
                    name,
                    error=f"the entry expands {len(data) / info.compress_size:.0f}× (limit "
                    f"{limits.max_compression_ratio:g}×): refused as a possible zip bomb",
                )
                continue
            yield ArchiveEntry(name, data=data)


def _too_big(size: int | None, limits: ArchiveLimits) -> str:
    cap = human_bytes(limits.max_entry_bytes)
    shown = human_bytes(size) if size else f"more than {cap}"
    return f"the entry is {shown} once decompressed; the limit is {cap} per image"
