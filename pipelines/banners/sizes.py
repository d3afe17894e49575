"""Canvas sizes for banners (assets/banner_sizes.json) and the layout class a size is drawn with."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from importlib import resources

from pipelines.errors import InvalidOptions

MIN_SIDE, MAX_SIDE = 200, 6000
MAX_SIZES = 20
LAYOUT_CLASSES = ("wide", "landscape", "square", "portrait")
_CUSTOM = re.compile(r"^(\d{1,6})\s*[x×]\s*(\d{1,6})$")


def layout_class(width: int, height: int) -> str:
    """wide: r >= 2.4, landscape: 1.25 <= r < 2.4, square: 0.8 <= r < 1.25, portrait: r < 0.8 (r = width / height).

    Compared in integers so that 4:5 and 5:4 land exactly on their boundaries (square and landscape).
    """
    if 5 * width >= 12 * height:
        return "wide"
    if 4 * width >= 5 * height:
        return "landscape"
    if 5 * width >= 4 * height:
        return "square"
    return "portrait"


@dataclass(frozen=True)
class CanvasSize:
    name: str
    width: int
    height: int
    use: str = ""

    @property
    def layout_class(self) -> str:
        return layout_class(self.width, self.height)


def _load() -> dict[str, CanvasSize]:
    raw = json.loads(resources.files("assets").joinpath("banner_sizes.json").read_text(encoding="utf-8"))
    return {name: CanvasSize(name=name, **fields) for name, fields in raw.items() if not name.startswith("_")}


SIZES: Mapping[str, CanvasSize] = MappingProxyType(_load())  # read-only: the named sizes


def _allowed() -> str:
    return f"use one of {', '.join(SIZES)} or WIDTHxHEIGHT with each side {MIN_SIDE}–{MAX_SIDE} px"


def resolve_size(text: str) -> CanvasSize:
    """A named size ("square") or a custom one ("1200x628"); InvalidOptions names the sizes and the rule."""
    key = str(text).strip().lower()
    if key in SIZES:
        return SIZES[key]
    custom = _CUSTOM.match(key)
    if custom is None:
        raise InvalidOptions(f"size {text!r} is not known; {_allowed()}")
    width, height = int(custom[1]), int(custom[2])
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise InvalidOptions(f"size {text!r} is out of range: each side must be {MIN_SIDE}–{MAX_SIDE} px")
    return CanvasSize(name=f"{width}x{height}", width=width, height=height, use="custom size")


def resolve_sizes(texts: str | Iterable[str]) -> tuple[CanvasSize, ...]:
    """Sizes in the order given, each once (a comma-separated string works too); 1–20 of them.

    Every bad entry is reported in one InvalidOptions.
    """
    if isinstance(texts, str):
        texts = texts.split(",")
    names = [str(text).strip() for text in texts if str(text).strip()]
    if not names:
        raise InvalidOptions(f"no sizes given; {_allowed()}")
    sizes: dict[str, CanvasSize] = {}
    problems = []
    for name in names:
        try:
            size = resolve_size(name)
        except InvalidOptions as exc:
            problems.append(str(exc))
            continue
        sizes.setdefault(size.name, size)
    if problems:
        raise InvalidOptions("; ".join(problems))
    if len(sizes) > MAX_SIZES:
        raise InvalidOptions(f"{len(sizes)} sizes given; at most {MAX_SIZES} in one job")
    return tuple(sizes.values())
