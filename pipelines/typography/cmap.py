"""Which code points a font file has glyphs for (its cmap), read fast.

fontTools' getBestCmap maps every code point to a glyph name, which for a CFF font such as Noto Sans
CJK means parsing the whole charset (a quarter of a second). Coverage needs only the code points: a
format 12 subtable (every font with characters beyond the BMP has one) is read directly as ranges with
numpy; other fonts go through fontTools with placeholder glyph names.
"""

from __future__ import annotations

import struct

import numpy as np
from fontTools.ttLib import TTFont

# (platform, encoding) of Unicode subtables, best first
_FULL_UNICODE = ((3, 10), (0, 6), (0, 4))


def read_coverage(font: TTFont) -> frozenset[int]:
    """Code points with a glyph in `font` (a TTFont opened lazily)."""
    if "cmap" not in font.reader:
        return frozenset()
    data = font.reader["cmap"]
    found = _format12(data)
    if found is not None:
        return found
    font.setGlyphOrder([f"glyph{index}" for index in range(font["maxp"].numGlyphs)])
    return frozenset(font.getBestCmap() or ())


def _format12(data: bytes) -> frozenset[int] | None:
    _, count = struct.unpack_from(">HH", data, 0)
    offsets = {}
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, 4 + 8 * index)
        offsets[(platform, encoding)] = offset
    for key in _FULL_UNICODE:
        offset = offsets.get(key)
        if offset is None or struct.unpack_from(">H", data, offset)[0] != 12:
            continue
        groups = struct.unpack_from(">I", data, offset + 12)[0]
        table = np.frombuffer(data, dtype=">u4", count=3 * groups, offset=offset + 16).reshape(groups, 3)
        starts, ends, glyphs = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2]
        keep = ~((starts == ends) & (glyphs == 0))            # a group that maps to .notdef is not coverage
        starts, ends = starts[keep], ends[keep]
        lengths = ends - starts + 1
        points = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(lengths.sum())
        return frozenset(points.tolist())
    return None

