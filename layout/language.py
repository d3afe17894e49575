"""Which language an instruction is in: script first (Hangul, kana, Han, Cyrillic), then, for Latin
script, which language's words it uses most."""

from __future__ import annotations

import re

from layout.matcher import latin_score

_LATIN_HINTS = {
    "en": ["the", "a", "an", "of", "put", "move", "to", "in", "and", "it", "with", "please", "picture", "is"],
    "es": ["el", "la", "los", "las", "de", "del", "una", "un", "en", "pon", "y", "con", "imagen", "más"],
    "pt": ["o", "os", "um", "uma", "no", "na", "do", "da", "em", "e", "com", "imagem", "mais", "à"],
    "fr": ["le", "les", "un", "une", "du", "des", "dans", "et", "avec", "mets", "au", "sur", "plus", "d'un", "d'une", "l'"],
    "de": ["der", "die", "das", "den", "dem", "ein", "eine", "einen", "im", "und", "mit", "bild", "nach"],
    "id": ["di", "ke", "dan", "yang", "sebuah", "dengan", "gambar", "ini", "itu", "lebih", "sebelah"],
}


def detect_language(text: str) -> str:
    if re.search(r"[\uac00-\ud7af\u1100-\u11ff]", text):
        return "ko"
    if re.search(r"[\u3040-\u30ff]", text):
        return "ja"
    if re.search(r"[\u4e00-\u9fff]", text):
        return "zh"
    if re.search(r"[\u0400-\u04ff]", text):
        return "ru"
    words = re.findall(r"[\w'-]+", text.lower())
    scores = {}
    for lang, hints in _LATIN_HINTS.items():
        scores[lang] = 3 * sum(1 for w in words if w in hints) + latin_score(text, lang)
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    return best if scores[best] > 0 else "en"
