"""Font families (assets/fonts.json) and the font files behind them, found in installed font packages.

A family maps each script to an ordered list of fonts: the first sets the script, the rest fill in
characters it lacks. Coverage comes from each font's cmap (read with fontTools once per font). Font
objects are Pillow FreeType fonts with the raqm layout engine (HarfBuzz shaping + fribidi), cached per
(font, weight, size) in a small LRU on the library.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont

from pipelines.errors import FontMissing, InvalidOptions
from pipelines.typography.cmap import read_coverage
from pipelines.typography.scripts import SCRIPTS

logger = logging.getLogger(__name__)

WEIGHTS = {"Thin": 100, "ExtraLight": 200, "Light": 300, "Regular": 400, "Medium": 500, "SemiBold": 600,
           "Bold": 700, "ExtraBold": 800, "Black": 900}

# Widths are measured once at this size and scaled: raqm's advances are unhinted, so they scale exactly.
REFERENCE_SIZE = 1000
_MAX_FACES = 96          # each cached face keeps its font file open
_MAX_MEASURES = 50_000


@dataclass(frozen=True)
class FontFile:
    key: str            # the name fonts.json gives it, e.g. "noto-sans-arabic"
    package: str        # importable package holding the file, e.g. "fontpkg_noto_sans_arabic"
    pip: str            # what to `pip install` when it is missing
    file: str           # path inside the package


@dataclass(frozen=True)
class Family:
    key: str                                        # "sans", "display", ...
    name: str                                       # "Noto Sans"
    scripts: tuple[tuple[str, tuple[str, ...]], ...]  # script -> font keys, first = the face for that script


@dataclass(frozen=True)
class FontInfo:
    path: Path
    cmap: frozenset[int]
    weight_class: int                # OS/2 usWeightClass of the default instance
    instances: tuple[str, ...]       # named instances of a variable font ("Regular", "Bold", ...); () if static


@dataclass(frozen=True)
class Face:
    """A font at one size and weight: `stroke` px of faux bold where the file has no heavy enough weight."""

    key: str
    font: ImageFont.FreeTypeFont
    stroke: int


class FontLibrary:
    """The families of assets/fonts.json (or any spec in that format) and their fonts.

    Font files are located lazily: a family whose package is not installed fails with FontMissing (naming
    the pip package) only when text needs it. Safe to share between threads: the caches are locked, and
    Pillow's FreeType calls hold the GIL, so one cached face is never used by two threads at once.
    """

    def __init__(self, fonts: Mapping[str, FontFile], families: Mapping[str, Family]):
        self._fonts = dict(fonts)
        self._families = dict(families)
        self._lock = threading.RLock()
        self._infos: dict[str, FontInfo] = {}
        self._faces: OrderedDict[tuple, ImageFont.FreeTypeFont] = OrderedDict()
        self._measures: OrderedDict[tuple, object] = OrderedDict()   # advances and ink boxes, in em
        self._chains: dict[tuple[str, str], tuple[str, ...]] = {}
        self._users = {key: sorted(name for name, family in self._families.items()
                                   if any(key in chain for _, chain in family.scripts))
                       for key in self._fonts}

    # ------------------------------------------------------------------ construction
    @classmethod
    def default(cls) -> FontLibrary:
        """The product's families, from assets/fonts.json."""
        text = resources.files("assets").joinpath("fonts.json").read_text(encoding="utf-8")
        return cls.from_spec(json.loads(text))

    @classmethod
    def from_spec(cls, spec: Mapping) -> FontLibrary:
        """A library from a dict in the fonts.json format; InvalidOptions lists what is wrong with it."""
        problems: list[str] = []
        fonts: dict[str, FontFile] = {}
        for key, entry in dict(spec.get("fonts") or {}).items():
            if not isinstance(entry, Mapping) or not all(isinstance(entry.get(f), str) for f in ("package", "file")):
                problems.append(f"fonts.{key}: needs 'package' and 'file' (strings)")
                continue
            fonts[key] = FontFile(key, entry["package"], str(entry.get("pip") or entry["package"]), entry["file"])
        families: dict[str, Family] = {}
        for key, entry in dict(spec.get("families") or {}).items():
            scripts = dict((entry or {}).get("scripts") or {}) if isinstance(entry, Mapping) else {}
            chains: list[tuple[str, tuple[str, ...]]] = []
            for script, chain in scripts.items():
                if script not in SCRIPTS:
                    problems.append(f"families.{key}.scripts.{script}: not a script; scripts: {', '.join(SCRIPTS)}")
                    continue
                unknown = [font for font in chain if font not in fonts]
                if not chain or unknown:
                    problems.append(f"families.{key}.scripts.{script}: "
                                    + (f"fonts {unknown} are not in 'fonts'" if unknown else "lists no font"))
                    continue
                chains.append((script, tuple(chain)))
            if "latin" not in scripts:
                problems.append(f"families.{key}: needs at least a 'latin' entry")
            families[key] = Family(key, str(entry.get("name", key)) if isinstance(entry, Mapping) else key,
                                   tuple(chains))
        if not families:
            problems.append("families: none defined")
        if problems:
            raise InvalidOptions("font spec: " + "; ".join(problems))
        return cls(fonts, families)

    # ------------------------------------------------------------------ public queries
    def families(self) -> tuple[str, ...]:
        return tuple(self._families)

    def font(self, family: str, script: str, weight: str, size: int) -> ImageFont.FreeTypeFont:
        """The face that sets `script` in `family` at `weight` and `size` px (cached).

        A file without that weight (the CJK font has Regular only) comes back at its own weight: text drawn
        through fit_text/draw_text gets faux bold (Pillow's stroke_width, about size/30 for Bold) instead.
        """
        return self.face(self.chain(family, script)[0], weight, size).font

    def covers(self, family: str, script: str, char: str) -> bool:
        """Whether the family's fonts for `script` (face and fallbacks) have a glyph for `char`."""
        point = ord(char)
        return any(point in self.info(key).cmap for key in self._script_chain(family, script))

    # ------------------------------------------------------------------ used by fit/draw
    def chain(self, family: str, script: str) -> tuple[str, ...]:
        """Font keys to try for a character of `script`: the script's own list, then every other font of
        the family (Latin first), so that no character the family can show is left as tofu."""
        found = self._chains.get((family, script))
        if found is None:
            own = self._script_chain(family, script)
            rest = [key for _, keys in self._family(family).scripts for key in keys]
            found = self._chains[(family, script)] = tuple(dict.fromkeys([*own, *rest]))
        return found

    def info(self, key: str) -> FontInfo:
        with self._lock:
            info = self._infos.get(key)
            if info is None:
                info = self._infos[key] = self._read_info(key)
            return info

    def face(self, key: str, weight: str, size: int) -> Face:
        instance, stroke_em = self._weight(key, weight)
        cache_key = (key, instance, int(size))
        with self._lock:
            font = self._faces.get(cache_key)
            if font is None:
                font = ImageFont.truetype(str(self.info(key).path), int(size), layout_engine=ImageFont.Layout.RAQM)
                if instance is not None:
                    font.set_variation_by_name(instance)
                self._faces[cache_key] = font
                if len(self._faces) > _MAX_FACES:
                    self._faces.popitem(last=False)
            else:
                self._faces.move_to_end(cache_key)
        stroke = max(1, round(size * stroke_em)) if stroke_em else 0
        return Face(key, font, stroke)

    def faux_bold(self, key: str, weight: str) -> float:
        """Stroke width (in em) that stands in for a weight the font file does not have; 0 when it has it."""
        return self._weight(key, weight)[1]

    def em_width(self, key: str, weight: str, text: str, direction: str, language: str | None) -> float:
        """Advance width of `text` shaped with the font, in em (px = em * size)."""
        cache_key = (key, weight, text, direction, language)
        with self._lock:
            width = self._measures.get(cache_key)
            if width is not None:
                self._measures.move_to_end(cache_key)
                return width
        font = self.face(key, weight, REFERENCE_SIZE).font
        with self._lock:
            width = font.getlength(text, direction=direction, language=language) / REFERENCE_SIZE
            self._measures[cache_key] = width
            if len(self._measures) > _MAX_MEASURES:
                self._measures.popitem(last=False)
        return width

    def ink_em(self, key: str, weight: str, text: str, direction: str, language: str | None,
               ) -> tuple[float, float, float, float] | None:
        """Ink box of `text` from its origin on the baseline (left, top, right, bottom; y down), in em;
        None for text without ink (spaces). Faux-bold strokes are not included."""
        if not text.strip():
            return None
        cache_key = ("ink", key, weight, text, direction, language)
        with self._lock:
            if cache_key in self._measures:
                self._measures.move_to_end(cache_key)
                return self._measures[cache_key]
        font = self.face(key, weight, REFERENCE_SIZE).font
        with self._lock:
            box = font.getbbox(text, direction=direction, language=language, anchor="ls")
            ink = tuple(value / REFERENCE_SIZE for value in box)
            self._measures[cache_key] = ink
            if len(self._measures) > _MAX_MEASURES:
                self._measures.popitem(last=False)
        return ink  # type: ignore[return-value]

    def metrics_em(self, key: str, weight: str) -> tuple[float, float]:
        """The font's ascent and descent (as getmetrics gives them), in em."""
        ascent, descent = self.face(key, weight, REFERENCE_SIZE).font.getmetrics()
        return ascent / REFERENCE_SIZE, descent / REFERENCE_SIZE

    # ------------------------------------------------------------------ internals
    def _family(self, family: str) -> Family:
        found = self._families.get(family)
        if found is None:
            raise InvalidOptions(f"font family {family!r} is not known; families: {', '.join(self._families)}")
        return found

    def _script_chain(self, family: str, script: str) -> tuple[str, ...]:
        chains = dict(self._family(family).scripts)
        return chains.get(_script(script)) or chains["latin"]

    def _weight(self, key: str, weight: str) -> tuple[str | None, float]:
        """The named instance closest to `weight` and the faux-bold stroke (in em) still needed on top."""
        wanted = WEIGHTS.get(weight)
        if wanted is None:
            raise InvalidOptions(f"font weight {weight!r} is not known; weights: {', '.join(WEIGHTS)}")
        info = self.info(key)
        named = [name for name in info.instances if name in WEIGHTS]
        if named:
            best = min(named, key=lambda name: (abs(WEIGHTS[name] - wanted), -WEIGHTS[name]))
            return best, 0.0
        missing = wanted - info.weight_class
        return None, _FAUX_BOLD.get(min(500, max(0, missing // 100 * 100)), 0.0)

    def _read_info(self, key: str) -> FontInfo:
        entry = self._fonts.get(key)
        if entry is None:
            raise InvalidOptions(f"font {key!r} is not in the font spec; fonts: {', '.join(self._fonts)}")
        used_by = ", ".join(self._users.get(key, [])) or "no family"
        try:
            spec = importlib.util.find_spec(entry.package)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise FontMissing(f"the font package {entry.pip!r} is not installed (it holds {entry.file!r} for the "
                              f"font family {used_by}); install it with: pip install {entry.pip}")
        path = Path(next(iter(spec.submodule_search_locations))) / entry.file
        if not path.is_file():
            raise FontMissing(f"the font package {entry.pip!r} has no file {entry.file!r} (needed by the font "
                              f"family {used_by}); reinstall it with: pip install --force-reinstall {entry.pip}")
        font = TTFont(str(path), lazy=True)
        try:
            cmap = read_coverage(font)
            weight_class = int(font["OS/2"].usWeightClass) if "OS/2" in font else 400
            instances: tuple[str, ...] = ()
            if "fvar" in font:
                names = font["name"]
                instances = tuple(str(names.getDebugName(instance.subfamilyNameID))
                                  for instance in font["fvar"].instances)
        finally:
            font.close()
        logger.debug("font %s: %s (%d glyphs in cmap)", key, path, len(cmap))
        return FontInfo(path, cmap, weight_class, instances)


# How much faux bold a static font gets, in em, by how many weight steps (of 100) it lacks.
_FAUX_BOLD = {200: 1 / 45, 300: 1 / 30, 400: 1 / 25, 500: 1 / 21}


def _script(script: str) -> str:
    if script not in SCRIPTS:
        raise InvalidOptions(f"script {script!r} is not known; scripts: {', '.join(SCRIPTS)}")
    return script
