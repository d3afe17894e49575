"""Languages the banners speak and the writing systems (scripts) their characters belong to.

A language decides the script whose fonts set the copy, the paragraph direction and how line breaking
and upper-casing behave. `script_of` finds the dominant script of text whose language is not known;
`char_script` classifies one character (None for characters every script shares: digits, spaces,
punctuation, combining marks).
"""

from __future__ import annotations

import bisect
import functools
import unicodedata
from dataclasses import dataclass

from pipelines.errors import InvalidOptions

SCRIPTS = ("latin", "cyrillic", "greek", "arabic", "hebrew", "devanagari", "thai", "cjk", "hangul")
CASED_SCRIPTS = frozenset({"latin", "cyrillic", "greek"})
RTL_SCRIPTS = frozenset({"arabic", "hebrew"})


@dataclass(frozen=True)
class Language:
    code: str           # as listed in LANGUAGES, e.g. "zh-Hans"
    script: str         # one of SCRIPTS
    direction: str      # "ltr" | "rtl"
    name: str           # English name, for messages and menus


def _table(script: str, direction: str, entries: str) -> dict[str, Language]:
    pairs = (entry.split("=") for entry in entries.split(";"))
    return {code: Language(code, script, direction, name) for code, name in pairs}


LANGUAGES: dict[str, Language] = {
    **_table("latin", "ltr", "en=English;de=German;fr=French;es=Spanish;it=Italian;pt=Portuguese;nl=Dutch;"
                             "pl=Polish;tr=Turkish;id=Indonesian;vi=Vietnamese"),
    **_table("cyrillic", "ltr", "ru=Russian;uk=Ukrainian;bg=Bulgarian;sr=Serbian;kk=Kazakh"),
    **_table("greek", "ltr", "el=Greek"),
    **_table("arabic", "rtl", "ar=Arabic;fa=Persian;ur=Urdu"),
    **_table("hebrew", "rtl", "he=Hebrew"),
    **_table("devanagari", "ltr", "hi=Hindi;mr=Marathi;ne=Nepali"),
    **_table("thai", "ltr", "th=Thai"),
    **_table("cjk", "ltr", "zh=Chinese;zh-Hans=Chinese (Simplified);zh-Hant=Chinese (Traditional);ja=Japanese"),
    **_table("hangul", "ltr", "ko=Korean"),
}
_BY_LOWER = {code.lower(): language for code, language in LANGUAGES.items()}


def language_info(code: str) -> Language:
    """The language for a code from LANGUAGES (case does not matter); InvalidOptions lists the known codes."""
    language = _BY_LOWER.get(str(code).strip().lower())
    if language is None:
        raise InvalidOptions(f"language {code!r} is not known; known: {', '.join(LANGUAGES)}")
    return language


# (first code point, last code point, script); sorted, not overlapping. Characters outside every range
# (ASCII digits and punctuation, general punctuation, currency signs, combining marks) have no script.
_RANGES = sorted([
    (0x0041, 0x005A, "latin"), (0x0061, 0x007A, "latin"), (0x00AA, 0x00AA, "latin"), (0x00BA, 0x00BA, "latin"),
    (0x00C0, 0x00D6, "latin"), (0x00D8, 0x00F6, "latin"), (0x00F8, 0x024F, "latin"), (0x0250, 0x02AF, "latin"),
    (0x1E00, 0x1EFF, "latin"), (0x2C60, 0x2C7F, "latin"), (0xA720, 0xA7FF, "latin"), (0xAB30, 0xAB6F, "latin"),
    (0xFB00, 0xFB06, "latin"),
    (0x0370, 0x03FF, "greek"), (0x1F00, 0x1FFF, "greek"),
    (0x0400, 0x052F, "cyrillic"), (0x1C80, 0x1C8F, "cyrillic"), (0x2DE0, 0x2DFF, "cyrillic"),
    (0xA640, 0xA69F, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"), (0xFB1D, 0xFB4F, "hebrew"),
    (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"), (0x0870, 0x08FF, "arabic"),
    (0xFB50, 0xFDFF, "arabic"), (0xFE70, 0xFEFF, "arabic"),
    (0x0900, 0x097F, "devanagari"), (0x1CD0, 0x1CFF, "devanagari"), (0xA8E0, 0xA8FF, "devanagari"),
    (0x0E00, 0x0E7F, "thai"),
    (0x1100, 0x11FF, "hangul"), (0x3130, 0x318F, "hangul"), (0xA960, 0xA97F, "hangul"),
    (0xAC00, 0xD7AF, "hangul"), (0xD7B0, 0xD7FF, "hangul"), (0xFFA0, 0xFFDC, "hangul"),
    (0x2E80, 0x2FDF, "cjk"), (0x2FF0, 0x303F, "cjk"), (0x3040, 0x30FF, "cjk"), (0x3100, 0x312F, "cjk"),
    (0x31A0, 0x31FF, "cjk"), (0x3200, 0x4DBF, "cjk"), (0x4E00, 0x9FFF, "cjk"), (0xF900, 0xFAFF, "cjk"),
    (0xFE10, 0xFE1F, "cjk"), (0xFE30, 0xFE4F, "cjk"), (0xFF00, 0xFF9F, "cjk"), (0xFFE0, 0xFFEF, "cjk"),
    (0x20000, 0x3FFFF, "cjk"),
])
_STARTS = [first for first, _, _ in _RANGES]


@functools.lru_cache(maxsize=8192)
def char_script(char: str) -> str | None:
    """The script of one character, or None for characters every script shares (and marks and spaces)."""
    point = ord(char)
    index = bisect.bisect_right(_STARTS, point) - 1
    if index < 0:
        return None
    first, last, script = _RANGES[index]
    if point > last:
        return None
    if unicodedata.category(char)[0] in "MZ":
        return None
    return script


def script_of(text: str) -> str:
    """The script of most letters in `text` ("latin" when it has no letters at all).

    Latin letters count a third: brand names and model numbers are Latin in every language's copy, so
    "iPhone 15 限时特惠" is Chinese copy.
    """
    counts: dict[str, float] = {}
    for char in text:
        script = char_script(char)
        if script is not None and unicodedata.category(char)[0] == "L":
            counts[script] = counts.get(script, 0.0) + (1 / 3 if script == "latin" else 1.0)
    if not counts:
        return "latin"
    return max(SCRIPTS, key=lambda script: counts.get(script, 0.0))


def upper_case(text: str, language: Language) -> str:
    """Capitals for scripts that have case; text in other scripts comes back unchanged.

    Turkish and Azeri capitalise i as İ; Greek capitals drop the accents (tonos), as Greek typography does.
    """
    if language.script not in CASED_SCRIPTS:
        return text
    if language.code in ("tr", "az"):
        text = text.replace("i", "İ")
    upper = text.upper()
    if language.script == "greek":
        decomposed = unicodedata.normalize("NFD", upper)
        upper = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _GREEK_ACCENTS))
    return upper


_GREEK_ACCENTS = frozenset("\u0300\u0301\u0342\u0313\u0314")
