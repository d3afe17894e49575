"""The banner template format: pydantic models, reading a template with every problem named, area maths.

A template (assets/templates/README.md documents it field by field) holds a palette, font roles, one
background and one layout per layout class. Areas sit on the nine-grid (`"cells": "r1c1:r3c2"`) or on
canvas fractions (`"box": [x0, y0, x1, y1]`) and are cut to the safe area when drawn.

    template = load_template(data, "mine.json")          # checks the definition; reads no file
    template = resolve_background(template, "mine.json", folder=where_it_lies, photo=uploaded is not None)
    template = load_template_file(path)                   # both: the photo background may lie beside it

Reading a template never touches the disk; where its photo background's file is (beside the template,
under assets/templates/, or replaced by a photo that comes with it) is a separate step, `resolve_background`.

    python -m pipelines.banners.template --schema > assets/templates/schema.json
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    RootModel,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pipelines.banners.copy import SLOTS
from pipelines.banners.sizes import layout_class
from pipelines.banners.template_messages import describe_errors, show_numbers
from pipelines.errors import InvalidTemplate

FAMILIES = ("sans", "display", "serif", "condensed")  # when assets/fonts.json is not there
WEIGHTS = ("Light", "Regular", "Medium", "SemiBold", "Bold", "ExtraBold", "Black")
GRID = 3
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")

HEX = r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$"
NAME = r"^[a-z][a-z0-9_]{0,31}$"
COLOUR = r"^(#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?|[a-z][a-z0-9_]{0,31})$"
TEMPLATE_ID = r"^[a-z0-9-]{2,40}$"
TAG = r"^[a-z0-9-]{1,24}$"
CELLS = r"^r[1-3]c[1-3](:r[1-3]c[1-3])?$"
PATTERN_HELP = {
    HEX: "a colour: use '#RRGGBB' or '#RRGGBBAA'",
    NAME: "a name: use lowercase letters, digits and _, starting with a letter (at most 32)",
    COLOUR: "a colour: use '#RRGGBB', '#RRGGBBAA' or a palette name",
    TEMPLATE_ID: "an id: use 2–40 lowercase letters, digits and hyphens",
    TAG: "a tag: use 1–24 lowercase letters, digits and hyphens",
    CELLS: "a nine-grid area: use a cell such as 'r2c3' or two cells such as 'r1c1:r3c2'; rows and columns "
           "run 1–3 (r1c1 is top left, r3c3 bottom right)",
}

Hex = Annotated[str, StringConstraints(pattern=HEX)]
Name = Annotated[str, StringConstraints(pattern=NAME)]
Colour = Annotated[str, Field(pattern=COLOUR, description="'#RRGGBB', '#RRGGBBAA' or a palette name")]
Share = Annotated[float, Field(ge=0, le=1)]
SizeShare = Annotated[float, Field(gt=0, le=0.5)]
BoxEdge = Annotated[float, Field(ge=-0.5, le=1.5)]
Align = Literal["start", "center", "end"]
VAlign = Literal["top", "middle", "bottom"]
Slot = Literal[SLOTS]
Weight = Literal[WEIGHTS]
Case = Literal["none", "upper"]

RGBA = tuple[int, int, int, int]
Box = tuple[int, int, int, int]


def _fail(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is shown as written (braces in it are not a format string)."""
    return PydanticCustomError(kind, "{message}", {"message": message})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def parse_color(value: str) -> RGBA:
    """'#RRGGBB' or '#RRGGBBAA' as (r, g, b, a)."""
    if not re.match(HEX, value or ""):
        raise InvalidTemplate(f"colour {value!r} is not '#RRGGBB' or '#RRGGBBAA'")
    digits = value[1:] + ("FF" if len(value) == 7 else "")
    return tuple(int(digits[index:index + 2], 16) for index in range(0, 8, 2))  # type: ignore[return-value]


def mirror_align(align: str) -> str:
    """start <-> end, center stays: how a horizontal alignment reads in a layout mirrored for RTL copy.

    Templates write start/center/end only; start is the side a left-to-right reader starts from (left).
    Text items hand their alignment to the typography as written (it resolves start by the text's own
    direction); the product and the logo use `mirror_align` when the layout is mirrored.
    """
    swapped = {"start": "end", "center": "center", "end": "start"}
    if align not in swapped:
        raise InvalidTemplate(f"align {align!r} is not one of start, center, end")
    return swapped[align]


def safe_area(width: int, height: int, safe_margin: float) -> Box:
    """The canvas inset by safe_margin * min(width, height) on each side."""
    inset = _round(safe_margin * min(width, height))
    return inset, inset, width - inset, height - inset


def _round(value: float) -> int:
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def _cell(name: str) -> tuple[int, int]:
    """'r2c3' -> (2, 3)."""
    row, column = name[1:].split("c")
    return int(row), int(column)


class Palette(RootModel[dict[Name, Hex]]):
    """Named colours ("accent": "#FF5A36"); colour fields elsewhere may name them."""

    model_config = ConfigDict(frozen=True, json_schema_extra={"additionalProperties": False})

    def __contains__(self, name: object) -> bool:
        return name in self.root

    def __getitem__(self, name: str) -> str:
        return self.root[name]

    def names(self) -> tuple[str, ...]:
        return tuple(self.root)

    def color(self, value: str) -> RGBA:
        """A palette name or a hex colour as (r, g, b, a)."""
        if value in self.root:
            return parse_color(self.root[value])
        if value.startswith("#"):
            return parse_color(value)
        raise InvalidTemplate(f"colour {value!r} is not in the palette ({', '.join(self.root) or 'empty'}) "
                              "and not '#RRGGBB' or '#RRGGBBAA'")


class FontRole(_Model):
    """A named text style used by text items: family and weight, plus case, line height and tracking."""

    family: str = Field(description="a family of assets/fonts.json: sans, display, serif, condensed")
    weight: Weight = "Regular"
    case: Case = "none"
    line_height: float = Field(1.15, ge=0.8, le=2.0, description="multiple of the font size")
    tracking: float = Field(0.0, ge=-0.1, le=0.5, description="extra letter spacing in em (Latin, Cyrillic, Greek)")

    @field_validator("family")
    @classmethod
    def _known_family(cls, family: str) -> str:
        if family not in font_families():
            raise _fail("font_family", f"{family!r} is not a font family; use one of {', '.join(font_families())}")
        return family


class Area(_Model):
    """Where a block sits: nine-grid `cells` ("r1c1:r3c2", row 1 = top) or a `box` of canvas fractions."""

    cells: str | None = Field(None, pattern=CELLS, description="'r2c3' or 'r1c1:r3c2' (rows and columns 1–3)")
    box: tuple[BoxEdge, BoxEdge, BoxEdge, BoxEdge] | None = Field(
        None, description="[x0, y0, x1, y1] as fractions of the canvas width and height")

    @field_validator("box")
    @classmethod
    def _box_not_empty(cls, box: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if box is not None and not (box[0] < box[2] and box[1] < box[3]):
            raise _fail("box_empty", f"{show_numbers(box)} is empty or inverted; write [x0, y0, x1, y1] "
                                     "with x0 < x1 and y0 < y1")
        return box

    @model_validator(mode="after")
    def _one_area(self) -> Area:
        if (self.cells is None) == (self.box is None):
            said = "both cells and box" if self.cells is not None else "no area"
            raise _fail("area", f"{said}; give exactly one: cells (such as 'r1c1:r3c2') or box ([x0, y0, x1, y1])")
        return self

    @property
    def fractions(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) as fractions of the canvas, before the safe area and mirroring."""
        if self.box is not None:
            return self.box
        first, _, last = self.cells.partition(":")
        (row0, col0), (row1, col1) = (_cell(name) for name in (first, last or first))
        rows, columns = sorted((row0, row1)), sorted((col0, col1))
        return (columns[0] - 1) / GRID, (rows[0] - 1) / GRID, columns[1] / GRID, rows[1] / GRID

    def to_pixels(self, width: int, height: int, safe_margin: float, mirror: bool = False, *,
                  clip: bool = True) -> Box:
        """(x0, y0, x1, y1) in pixels: the area cut to the safe area (clip=False keeps it whole, for
        decorations that bleed off the edge), mirrored left <-> right when `mirror`. An area outside the
        safe area comes back empty (x0 == x1 or y0 == y1)."""
        fx0, fy0, fx1, fy1 = self.fractions
        x0, y0, x1, y1 = _round(fx0 * width), _round(fy0 * height), _round(fx1 * width), _round(fy1 * height)
        if clip:
            sx0, sy0, sx1, sy1 = safe_area(width, height, safe_margin)
            x0, y0 = min(max(x0, sx0), sx1), min(max(y0, sy0), sy1)
            x1, y1 = max(min(x1, sx1), x0), max(min(y1, sy1), y0)
        if mirror:
            x0, x1 = width - x1, width - x0
        return x0, y0, x1, y1


class ProductBlock(Area):
    """Where the product cut-out goes; it is scaled to fit the area, keeping its aspect."""

    scale: float = Field(0.9, gt=0, le=1, description="share of the area the product may fill")
    align: Align = "center"
    valign: VAlign = "middle"
    shadow: Literal["none", "soft", "contact"] = "soft"


class LogoBlock(Area):
    """Where the user's logo goes (left out when no logo is given)."""

    align: Align = "center"
    valign: VAlign = "middle"
    height: float = Field(0.08, gt=0, le=0.5, description="largest logo height, a share of min(width, height)")


class TextItem(_Model):
    """One slot of copy in a stack. `size` is [min, max] font size as shares of min(width, height)."""

    slot: Slot
    font: Name = Field(description="a font role of the template's `fonts`")
    weight: Weight | None = Field(None, description="overrides the font role's weight")
    case: Case | None = Field(None, description="overrides the font role's case")
    size: tuple[SizeShare, SizeShare]
    max_lines: int = Field(2, ge=1, le=6, description="default 2; 3 for the headline")
    color: Colour
    shape: Literal["none", "pill", "box", "circle", "underline"] = "none"
    fill: Colour | None = Field(None, description="colour of the shape; pill, box and circle need one, "
                                                  "underline defaults to the text colour")

    @model_validator(mode="before")
    @classmethod
    def _headline_lines(cls, data: Any) -> Any:
        if isinstance(data, dict) and "max_lines" not in data and data.get("slot") == "headline":
            return {**data, "max_lines": 3}
        return data

    @field_validator("size")
    @classmethod
    def _size_order(cls, size: tuple[float, float]) -> tuple[float, float]:
        if size[0] > size[1]:
            raise _fail("size_order", f"{show_numbers(size)}: the smallest size {size[0]:g} is larger than the "
                                      f"largest {size[1]:g}; write [min, max]")
        return size

    @model_validator(mode="after")
    def _shape_fill(self) -> TextItem:
        if self.shape in ("pill", "box", "circle") and self.fill is None:
            raise _fail("shape_fill", f"shape {self.shape!r} needs a fill colour ('fill': a palette name or '#RRGGBB')")
        return self


class Stack(Area):
    """Text items set one under another inside the area, `gap` apart (a share of min(width, height))."""

    align: Align = "center"
    valign: VAlign = "middle"
    gap: float = Field(0.02, ge=0, le=0.2)
    items: tuple[TextItem, ...] = Field(min_length=1)


class Decoration(Area):
    """A flat shape drawn over the background, under everything else; its box may bleed off the canvas."""

    shape: Literal["circle", "rect", "pill", "line"]
    color: Colour
    opacity: Share = 1.0
    radius: float | None = Field(None, ge=0, le=0.5, description="rect corner radius, a share of min(width, height)")
    thickness: float = Field(0.006, gt=0, le=0.1, description="line thickness, a share of min(width, height)")


class Layout(_Model):
    """The blocks of one layout class."""

    product: ProductBlock | None = None
    logo: LogoBlock | None = None
    stacks: tuple[Stack, ...] = ()
    decorations: tuple[Decoration, ...] = ()

    def text_items(self) -> Iterator[tuple[Stack, TextItem]]:
        for stack in self.stacks:
            for item in stack.items:
                yield stack, item


class Layouts(_Model):
    """One layout per layout class (by aspect ratio r = width / height)."""

    wide: Layout = Field(description="r >= 2.4")
    landscape: Layout = Field(description="1.25 <= r < 2.4")
    square: Layout = Field(description="0.8 <= r < 1.25")
    portrait: Layout = Field(description="r < 0.8")


class SolidBackground(_Model):
    type: Literal["solid"]
    color: Colour


class GradientBackground(_Model):
    type: Literal["gradient"]
    colors: tuple[Colour, ...] = Field(min_length=2, max_length=5)
    angle: float = Field(180, ge=0, le=360, description="degrees as in CSS: 90 runs left to right, "
                                                        "180 top to bottom")
    kind: Literal["linear", "radial"] = "linear"


class PatternBackground(_Model):
    type: Literal["pattern"]
    pattern: Literal["dots", "stripes", "grid", "diagonal", "waves"]
    color: Colour = Field(description="the ground")
    ink: Colour | None = Field(None, description="the pattern's colour; default: black or white, whichever "
                                                 "stands out from color")
    scale: float = Field(0.05, gt=0, le=0.5, description="repeat length, a share of min(width, height)")
    opacity: Share = 0.25


class StudioBackground(_Model):
    """A photographic sweep: wall, floor meeting it at the horizon, a key light and a vignette."""

    type: Literal["studio"]
    color: Colour
    floor: Colour | None = Field(None, description="default: a darker shade of color")
    horizon: float = Field(0.65, ge=0.2, le=0.95, description="where the floor begins, a share of the height")
    light: Literal["top", "center", "left", "right", "top-left", "top-right"] = Field(
        "top", description="where the key light falls")


class PhotoBackground(_Model):
    type: Literal["photo"]
    file: str = Field(min_length=1, max_length=200,
                      description="an image next to the template file or under assets/templates/")
    fit: Literal["cover"] = "cover"
    blur: float = Field(0, ge=0, le=0.1, description="blur radius, a share of min(width, height)")
    tint: Colour | None = None
    tint_opacity: Share = 0.35

    @field_validator("file")
    @classmethod
    def _file_name(cls, file: str) -> str:
        """The name only: whether the file is there is `resolve_background`'s question."""
        path = PurePosixPath(file)
        if path.is_absolute() or ".." in path.parts or "\\" in file or ":" in file:
            raise _fail("photo_file", f"{file!r} is not a relative path; name a file next to the template "
                                      "or under assets/templates/ (no '..')")
        if path.suffix.lower() not in PHOTO_SUFFIXES:
            raise _fail("photo_file", f"{file!r} is not a photo; use a {', '.join(PHOTO_SUFFIXES)} file")
        return file


class GeneratedBackground(_Model):
    """A scene painted by a generative model around the product (a worker job; the web tier never runs it)."""

    type: Literal["generated"]
    prompt: str = Field("", max_length=500, description="empty: the template's style_prompt")


Background = Annotated[
    Union[SolidBackground, GradientBackground, PatternBackground, StudioBackground, PhotoBackground,
          GeneratedBackground],
    Field(discriminator="type"),
]


class Template(_Model):
    """A banner template: palette, font roles, background and one layout per layout class."""

    model_config = ConfigDict(title="Storefront Studio banner template")

    format: Literal[1] = Field(description="the template format's version")
    id: str = Field(pattern=TEMPLATE_ID)
    name: str = Field(min_length=1, max_length=60)
    description: str = Field("", max_length=300)
    tags: tuple[Annotated[str, StringConstraints(pattern=TAG)], ...] = Field((), max_length=12)
    palette: Palette
    fonts: dict[Name, FontRole] = Field(min_length=1, description="font roles used by text items")
    background: Background
    style_prompt: str = Field("", max_length=500, description="the look, for generated backgrounds")
    safe_margin: float = Field(0.06, ge=0, le=0.2, description="inset of the safe area, a share of "
                                                               "min(width, height)")
    mirror_rtl: bool = Field(True, description="mirror every layout left <-> right for Arabic or Hebrew copy")
    layouts: Layouts

    _folder: Path | None = PrivateAttr(None)  # where the template's file lies; set by resolve_background only

    def layout_for(self, width: int, height: int) -> Layout:
        """The layout of the canvas's layout class (wide, landscape, square or portrait)."""
        return getattr(self.layouts, layout_class(width, height))

    def mirror_for(self, direction: str) -> bool:
        """Whether layouts are mirrored for copy written in `direction` ("ltr" or "rtl")."""
        return self.mirror_rtl and direction == "rtl"

    def color(self, value: str) -> RGBA:
        """A palette name or a hex colour as (r, g, b, a)."""
        return self.palette.color(value)

    def font_for(self, item: TextItem) -> FontRole:
        """The item's font role with the item's own weight and case applied."""
        role = self.fonts[item.font]
        changes = {name: value for name, value in (("weight", item.weight), ("case", item.case)) if value}
        return role.model_copy(update=changes) if changes else role

    def background_file(self) -> Path | None:
        """The photo background's file (next to the template file first, then under assets/templates/)."""
        if not isinstance(self.background, PhotoBackground):
            return None
        return find_background_file(self.background.file, self._folder)


def templates_dir() -> Path:
    """assets/templates/: the built-in templates, their background photos and schema.json."""
    return Path(str(resources.files("assets").joinpath("templates")))


def find_background_file(file: str, folder: Path | str | None = None) -> Path | None:
    for base in ([Path(folder)] if folder else []) + [templates_dir()]:
        candidate = base / file
        if candidate.is_file():
            return candidate
    return None


def resolve_background(template: Template, source: str = "template", *, folder: Path | str | None = None,
                       photo: bool = False) -> Template:
    """The template as it lies in `folder` (where its file is; None: it came without one), its photo background
    found beside it or under assets/templates/ — or stood in for by a photo that comes with it (`photo`).
    InvalidTemplate "<source>: background.file: ..." when the photo is nowhere."""
    located = template.model_copy()
    located._folder = Path(folder) if folder else None
    if photo or not isinstance(template.background, PhotoBackground) or located.background_file() is not None:
        return located
    where = f"{folder}/ or assets/templates/" if folder else "assets/templates/"
    raise InvalidTemplate(f"{source}: background.file: {template.background.file!r} is not in {where}")


@lru_cache(maxsize=1)
def font_families() -> tuple[str, ...]:
    """The font families of assets/fonts.json (FAMILIES until that file exists)."""
    source = resources.files("assets").joinpath("fonts.json")
    if not source.is_file():
        return FAMILIES
    raw = json.loads(source.read_text(encoding="utf-8"))
    families = raw.get("families", raw) if isinstance(raw, dict) else {}
    names = tuple(name for name in families if not name.startswith("_"))
    return names or FAMILIES


# --- reading a template --------------------------------------------------------------------------


def load_template(data: dict | bytes | str, source: str = "template") -> Template:
    """A validated template from a dict or JSON text; InvalidTemplate lists every problem, one per line,
    as "<source>: <path>: <what is wrong and what is allowed>". Reads no file: see `resolve_background`."""
    problems: list[str] = []
    if isinstance(data, (bytes, bytearray, str)):
        data = _parse_json(data, source, problems)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        raise InvalidTemplate(f"{source}: the template must be a JSON object {{...}}, not {kind}")
    try:
        template = Template.model_validate(data)
    except ValidationError as exc:
        template = None
        problems += [f"{source}: {path}: {message}" for path, message in describe_errors(exc, Template, PATTERN_HELP)]
    problems += [f"{source}: {path}: {message}" for path, message in _cross_field_problems(data)]
    if problems:
        raise InvalidTemplate("\n".join(dict.fromkeys(problems)))
    return template


def load_template_file(path: Path | str) -> Template:
    """A template from its JSON file, its photo background found beside it or under assets/templates/
    (messages start with the file name)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidTemplate(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    return resolve_background(load_template(data, source=path.name), path.name, folder=path.parent)


def _parse_json(data: bytes | str, source: str, problems: list[str]) -> Any:
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidTemplate(f"{source}: not UTF-8 text (byte {exc.start} cannot be read)") from None

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict:
        keys = [key for key, _ in pairs]
        for key in dict.fromkeys(key for key in keys if keys.count(key) > 1):
            problems.append(f"{source}: {key!r} appears {keys.count(key)} times in one object; write it once")
        return dict(pairs)

    try:
        return json.loads(data.removeprefix("\ufeff"), object_pairs_hook=no_repeats)
    except json.JSONDecodeError as exc:
        raise InvalidTemplate(f"{source}: line {exc.lineno}, column {exc.colno}: {exc.msg} "
                              "(the template is not valid JSON)") from None


# Pydantic's errors, rewritten as "<path>: <message naming the value and what is allowed>".


# Rules across fields, read from the raw data so that they are reported together with the field errors.

def _cross_field_problems(data: dict) -> list[tuple[str, str]]:
    problems = []
    palette = data.get("palette") if isinstance(data.get("palette"), dict) else None
    fonts = data.get("fonts") if isinstance(data.get("fonts"), dict) else None
    for path, value in _colour_references(data):
        if palette is not None and isinstance(value, str) and re.match(NAME, value) and value not in palette:
            names = ", ".join(palette) or "none"
            problems.append((path, f"{value!r} is not a palette name (palette: {names}); "
                                   "name one or write '#RRGGBB'"))
    layouts = data.get("layouts") if isinstance(data.get("layouts"), dict) else {}
    for name, layout in layouts.items():
        used: dict[str, str] = {}
        for path, item in _text_items(f"layouts.{name}", layout):
            slot, font = item.get("slot"), item.get("font")
            if isinstance(slot, str) and slot in SLOTS:
                if slot in used:
                    problems.append((f"{path}.slot", f"{slot!r} is already used at {used[slot]}; "
                                                     "each slot at most once per layout"))
                used.setdefault(slot, path)
            if fonts is not None and isinstance(font, str) and re.match(NAME, font) and font not in fonts:
                problems.append((f"{path}.font", f"{font!r} is not a font role of this template; "
                                                 f"roles: {', '.join(fonts) or 'none'}"))
    background = data.get("background")
    if isinstance(background, dict) and background.get("type") == "generated":
        if not str(background.get("prompt") or "").strip() and not str(data.get("style_prompt") or "").strip():
            problems.append(("background.prompt", "empty; a generated background needs a prompt here "
                                                  "or a style_prompt for the template"))
    return problems


def _items(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _text_items(path: str, layout: Any) -> Iterator[tuple[str, dict]]:
    if not isinstance(layout, dict):
        return
    for index, stack in enumerate(_items(layout.get("stacks"))):
        if isinstance(stack, dict):
            for number, item in enumerate(_items(stack.get("items"))):
                if isinstance(item, dict):
                    yield f"{path}.stacks[{index}].items[{number}]", item


def _colour_references(data: dict) -> Iterator[tuple[str, Any]]:
    background = data.get("background")
    if isinstance(background, dict):
        for key in ("color", "ink", "floor", "tint"):
            if key in background:
                yield f"background.{key}", background[key]
        for index, value in enumerate(_items(background.get("colors"))):
            yield f"background.colors[{index}]", value
    layouts = data.get("layouts") if isinstance(data.get("layouts"), dict) else {}
    for name, layout in layouts.items():
        for path, item in _text_items(f"layouts.{name}", layout):
            for key in ("color", "fill"):
                if key in item:
                    yield f"{path}.{key}", item[key]
        if isinstance(layout, dict):
            for index, decoration in enumerate(_items(layout.get("decorations"))):
                if isinstance(decoration, dict) and "color" in decoration:
                    yield f"layouts.{name}.decorations[{index}].color", decoration["color"]


def schema_json() -> str:
    """The JSON Schema of the template format, as committed in assets/templates/schema.json."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **Template.model_json_schema()}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--schema"]:
        sys.stderr.write("usage: python -m pipelines.banners.template --schema > assets/templates/schema.json\n")
        sys.exit(2)
    sys.stdout.write(schema_json())
