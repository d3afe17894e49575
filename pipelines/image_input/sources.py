"""Files, folders and zips named by a user -> a stream of named inputs, each with bytes or an error."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from pathlib import PurePosixPath
from typing import BinaryIO, Iterable, Iterator

from pipelines.errors import InvalidArchive
from pipelines.image_input.archive import ArchiveLimits, is_junk, iter_archive, sanitise_name
from pipelines.image_input.decode import ImageLimits
from pipelines.image_input.units import human_bytes


@dataclass(frozen=True)
class InputItem:
    """One image to process: `name` is a safe relative name; exactly one of data/error is set."""

    name: str
    data: bytes | None = None
    error: str | None = None


def _read_file(path: Path, limits: ImageLimits) -> InputItem:
    name = sanitise_name(path.name)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            return InputItem(
                name, error=f"the file is {human_bytes(size)}; the limit is {human_bytes(limits.max_bytes)} per image"
            )
        return InputItem(name, data=path.read_bytes())
    except OSError as exc:
        return InputItem(name, error=f"cannot read the file ({exc.strerror or exc})")


def _from_zip(source: str | BinaryIO, name: str, archive_limits: ArchiveLimits) -> Iterator[InputItem]:
    prefix = sanitise_name(PurePosixPath(name).stem)
    try:
        for entry in iter_archive(source, archive_limits):
            yield InputItem(f"{prefix}/{entry.name}", data=entry.data, error=entry.error)
    except InvalidArchive as exc:
        yield InputItem(sanitise_name(name), error=str(exc))


def _is_zip(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def iter_sources(
    paths: Iterable[str | os.PathLike],
    image_limits: ImageLimits = ImageLimits(),
    archive_limits: ArchiveLimits = ArchiveLimits(),
) -> Iterator[InputItem]:
    """Yield every input under the given paths: plain files, folders (recursively, sorted) and zips."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            for file in files:
                yield from _one(file, image_limits, archive_limits)
        elif path.exists():
            yield from _one(path, image_limits, archive_limits)
        else:
            yield InputItem(sanitise_name(path.name), error=f"no such file or folder: {raw}")


def _one(path: Path, image_limits: ImageLimits, archive_limits: ArchiveLimits) -> Iterator[InputItem]:
    if _is_zip(path):
        yield from _from_zip(str(path), path.name, archive_limits)
    else:
        yield _read_file(path, image_limits)


def count_sources(paths: Iterable[str | os.PathLike]) -> int:
    """How many inputs iter_sources will yield (cheap: zips are counted from their directory)."""
    total = 0
    for raw in paths:
        path = Path(raw)
        files = [p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")] if path.is_dir() else [path]
        for file in files:
            total += _zip_count(file) if file.exists() and _is_zip(file) else 1
    return total


def _zip_count(path: Path | BinaryIO) -> int:
    try:
        with zipfile.ZipFile(path) as zf:
            return max(1, sum(1 for i in zf.infolist() if not i.is_dir() and not is_junk(i.filename)))
    except (zipfile.BadZipFile, OSError):
        return 1


def iter_streams(
    files: Iterable[tuple[str, BinaryIO]],
    image_limits: ImageLimits = ImageLimits(),
    archive_limits: ArchiveLimits = ArchiveLimits(),
) -> Iterator[InputItem]:
    """The same for uploaded files (name, seekable file object): images, and zips expanded entry by entry."""
    for name, stream in files:
        stream.seek(0)
        if zipfile.is_zipfile(stream):
            stream.seek(0)
            yield from _from_zip(stream, name, archive_limits)
            continue
        stream.seek(0)
        data = stream.read(image_limits.max_bytes + 1)
        if len(data) > image_limits.max_bytes:
            yield InputItem(sanitise_name(name), error=f"the file is larger than {human_bytes(image_limits.max_bytes)}"
                                                       " (the limit per image)")
        else:
            yield InputItem(sanitise_name(name), data=data)


def count_streams(files: Iterable[tuple[str, BinaryIO]]) -> int:
    """How many inputs iter_streams will yield (zips counted from their directory)."""
    total = 0
    for _, stream in files:
        stream.seek(0)
        is_zip = zipfile.is_zipfile(stream)
        stream.seek(0)
        total += _zip_count(stream) if is_zip else 1
    return total
