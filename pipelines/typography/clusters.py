"""Grapheme clusters: the pieces of text a reader sees as one character, which nothing may split.

A simplified form of Unicode's extended grapheme clusters (UAX #29) for the scripts we set: a base
character keeps its combining marks (accents, Arabic harakat, Thai vowels and tone marks, Devanagari
vowel signs and nukta), Devanagari conjuncts (consonant + virama [+ ZWJ] + consonant) stay whole,
Hangul jamo form syllables, and emoji keep their modifiers, variation selectors and ZWJ sequences.
"""

from __future__ import annotations

import unicodedata

_ZWJ = "\u200d"
_ZWNJ = "\u200c"
_VIRAMA = "\u094d"
_SPACING_MARKS = frozenset("\u0e33\u0eb3")     # Thai / Lao SARA AM: a spacing vowel that belongs to its base


def _extends(char: str) -> bool:
    point = ord(char)
    return (unicodedata.category(char)[0] == "M" or char in (_ZWJ, _ZWNJ) or char in _SPACING_MARKS
            or 0xFE00 <= point <= 0xFE0F or 0xE0100 <= point <= 0xE01EF or 0x1F3FB <= point <= 0x1F3FF
            or 0xE0020 <= point <= 0xE007F)


def _devanagari_consonant(char: str) -> bool:
    point = ord(char)
    return 0x0915 <= point <= 0x0939 or 0x0958 <= point <= 0x095F or 0x0978 <= point <= 0x097F


def _pictographic(char: str) -> bool:
    point = ord(char)
    return 0x1F000 <= point <= 0x1FAFF or 0x2600 <= point <= 0x27BF or 0x2B00 <= point <= 0x2BFF


def _hangul_kind(char: str) -> str | None:
    point = ord(char)
    if 0x1100 <= point <= 0x115F or 0xA960 <= point <= 0xA97F:
        return "L"
    if 0x1160 <= point <= 0x11A7 or 0xD7B0 <= point <= 0xD7C6:
        return "V"
    if 0x11A8 <= point <= 0x11FF or 0xD7CB <= point <= 0xD7FB:
        return "T"
    if 0xAC00 <= point <= 0xD7A3:
        return "LV" if (point - 0xAC00) % 28 == 0 else "LVT"
    return None


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _joins(text: str, start: int, index: int) -> bool:
    """Whether text[index] belongs to the cluster that began at `start` (index > start)."""
    char, before = text[index], text[index - 1]
    if _extends(char):
        return True
    if before == _ZWJ and _pictographic(char):
        return True
    if _devanagari_consonant(char):
        linker = index - 1
        while linker > start and text[linker] == _ZWJ:
            linker -= 1
        if text[linker] == _VIRAMA:
            return True
    kind, previous = _hangul_kind(char), _hangul_kind(before)
    if kind and previous:
        if previous == "L" and kind in ("L", "V", "LV", "LVT"):
            return True
        if previous in ("V", "LV") and kind in ("V", "T"):
            return True
        if previous in ("T", "LVT") and kind == "T":
            return True
    if _regional(char) and _regional(before):
        return (index - start) % 2 == 1
    return False


def grapheme_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each grapheme cluster of `text`, in order."""
    spans: list[tuple[int, int]] = []
    start, length = 0, len(text)
    while start < length:
        end = start + 1
        while end < length and _joins(text, start, end):
            end += 1
        spans.append((start, end))
        start = end
    return spans


def graphemes(text: str) -> list[str]:
    """The grapheme clusters of `text`."""
    return [text[start:end] for start, end in grapheme_spans(text)]
