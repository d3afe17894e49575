"""A job input made of several named files (an editing round's picture and its mask) in one stored blob.

    data = pack({"image": png_bytes, "mask": mask_png})   # what the web tier stores with the job
    parts = unpack(data)                                  # what the worker reads back

A stored (uncompressed) zip: PNGs are already compressed, and the job store keeps one input per job.
"""

from __future__ import annotations

import io
import zipfile

from pipelines.errors import InvalidImage


def pack(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def unpack(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {name: zf.read(name) for name in zf.namelist()}
    except zipfile.BadZipFile:
        raise InvalidImage("the round's stored input is damaged; send the instruction again") from None
