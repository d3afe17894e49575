"""Phrase spotting: every lexicon phrase compiled into one regex per language (longest first), so an
instruction is scanned once per language. CJK phrases match anywhere; others on word boundaries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from layout import lexicon

CJK = ("zh", "ja", "ko")
PICTURE_WORDS = {
    "en": ["of the picture", "of the image", "of the photo", "in the picture", "in the image", "in the photo", "picture", "image", "photo", "a photo of", "an image of"],
    "zh": ["图片", "画面", "图中", "照片"], "ja": ["画像", "写真", "画面"], "ko": ["사진", "이미지", "화면"],
    "es": ["de la imagen", "de la foto", "imagen", "foto"], "pt": ["da imagem", "da foto", "imagem", "foto"],
    "fr": ["de l'image", "de la photo", "image", "photo"], "de": ["des bildes", "im bild", "bild", "foto"],
    "ru": ["изображения", "картинки", "фото"], "id": ["gambar", "foto"],
}


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    kind: str  # noun place relation action nudge small large back referent background picture
    key: str
    text: str


def _entries(lang: str) -> dict[str, list[tuple[str, str]]]:
    table: dict[str, list[tuple[str, str]]] = {}

    def add(phrase, kind, key):
        table.setdefault(phrase.lower(), []).append((kind, key))

    for kind, source in (("place", lexicon.PLACES), ("relation", lexicon.RELATIONS), ("action", lexicon.ACTIONS),
                         ("nudge", lexicon.NUDGES)):
        for key, phrases in source.items():
            for p in phrases.get(lang, []):
                add(p, kind, key)
    for kind, source in (("small", lexicon.SMALL), ("large", lexicon.LARGE), ("back", lexicon.BACK),
                         ("referent", lexicon.REFERENTS), ("background", lexicon.BACKGROUND_WORDS),
                         ("picture", PICTURE_WORDS)):
        for p in source.get(lang, []):
            add(p, kind, kind)
    return table


def _bounded(phrase: str) -> str:
    """A phrase that must not start or end inside a word (ends like "d'" or "l'" may touch the next one)."""
    head = r"(?<!\w)" if re.match(r"\w", phrase[0]) else ""
    tail = r"(?!\w)" if re.match(r"\w", phrase[-1]) else ""
    return head + re.escape(phrase) + tail


def _compile(phrases, boundaries: bool) -> re.Pattern:
    ordered = sorted(phrases, key=len, reverse=True)
    if not boundaries:
        return re.compile("|".join(re.escape(p) for p in ordered))
    plain = [p for p in ordered if re.match(r"\w", p[0]) and re.match(r"\w", p[-1])]
    special = [p for p in ordered if p not in set(plain)]
    body = rf"(?<!\w)(?:{'|'.join(re.escape(p) for p in plain)})(?!\w)"
    return re.compile("|".join([*(_bounded(p) for p in special), body]))


@lru_cache(maxsize=None)
def _language_matcher(lang: str) -> tuple[re.Pattern, dict]:
    table = _entries(lang)
    return _compile(table, lang not in CJK), table


@lru_cache(maxsize=None)
def _noun_matchers() -> tuple[tuple[re.Pattern, dict], tuple[re.Pattern, dict]]:
    spaced, unspaced = {}, {}
    for name_en, (_, _, _, forms) in lexicon.NOUNS.items():
        for lang, words in forms.items():
            for w in words:
                (unspaced if lang in CJK else spaced).setdefault(w.lower(), name_en)
    return (_compile(spaced, True), spaced), (_compile(unspaced, False), unspaced)


def spot_nouns(text: str) -> list[Hit]:
    hits = []
    for pattern, table in _noun_matchers():
        hits += [Hit(m.start(), m.end(), "noun", table[m.group(0)], m.group(0)) for m in pattern.finditer(text)]
    return hits


def spot_words(text: str, lang: str) -> list[tuple[Hit, list[tuple[str, str]]]]:
    """(hit, every (kind, key) the phrase can mean) for one language's vocabulary."""
    pattern, table = _language_matcher(lang)
    out = []
    for m in pattern.finditer(text):
        meanings = table[m.group(0)]
        kind, key = meanings[0]
        out.append((Hit(m.start(), m.end(), kind, key, m.group(0)), meanings))
    return out


def latin_score(text: str, lang: str) -> int:
    pattern, _ = _language_matcher(lang)
    return sum(len(m.group(0)) for m in pattern.finditer(text))
