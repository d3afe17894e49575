"""Marketplace presets (assets/presets.json) as frozen values, and how a user's overrides apply to them."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources

from pipelines.errors import InvalidOptions

MIN_SIDE, MAX_SIDE = 64, 10_000
MAX_MARGIN = 0.4


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    width: int | None
    height: int | None
    margin: float
    format: str
    background: tuple[int, int, int] | None
    min_fill: float | None
    min_side: int | None
    min_longest_side: int | None
    max_side: int | None
    pure_background: bool
    square: bool
    max_bytes: int | None

    @property
    def extension(self) -> str:
        return {"JPEG": ".jpg", "PNG": ".png"}[self.format]


def _load() -> dict[str, Preset]:
    raw = json.loads(resources.files("assets").joinpath("presets.json").read_text(encoding="utf-8"))
    presets = {}
    for name, fields in raw.items():
        if name.startswith("_"):
            continue
        background = tuple(fields.pop("background")) if fields.get("background") else fields.pop("background")
        presets[name] = Preset(name=name, background=background, **fields)
    return presets


PRESETS: dict[str, Preset] = _load()


def resolve_preset(
    name: str, width: int | None = None, height: int | None = None, margin: float | None = None
) -> Preset:
    """The named preset with the user's size/margin overrides, validated."""
    if name not in PRESETS:
        raise InvalidOptions(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    preset = PRESETS[name]
    for label, value in (("width", width), ("height", height)):
        if value is not None and not (MIN_SIDE <= int(value) <= MAX_SIDE):
            raise InvalidOptions(f"{label} {value} is out of range; use {MIN_SIDE}–{MAX_SIDE} px")
    if margin is not None and not (0.0 <= margin <= MAX_MARGIN):
        raise InvalidOptions(f"margin {margin} is out of range; use 0–{MAX_MARGIN} (a share of each side)")
    if preset.width is None and (width or height):
        raise InvalidOptions(f"the {name} preset keeps the input size; choose 'custom' to set a size")
    changes = {}
    if width is not None:
        changes["width"] = int(width)
    if height is not None:
        changes["height"] = int(height)
    if margin is not None:
        changes["margin"] = float(margin)
    return replace(preset, **changes) if changes else preset
