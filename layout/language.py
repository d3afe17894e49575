"""Which language an instruction is in, from the language files alone: the script first (Hangul, kana,
Han, Thai, Arabic, Devanagari, Bengali, Cyrillic); among languages sharing a script, the one whose
closed-class words and known nouns cover most of the text, with letters only one of them uses (ğ, ł, ơ, ß)
as extra evidence. Mixed input ('把 lamp 放在左边') goes to the script that is not Latin."""

from __future__ import annotations

import re
from functools import lru_cache

from layout import names
from layout.vocab import available, vocabulary

SCRIPT_RANGES = {
    "hangul": r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]", "kana": r"[\u3040-\u30ff]", "han": r"[\u4e00-\u9fff]",
    "thai": r"[\u0e00-\u0e7f]", "arabic": r"[\u0600-\u06ff]", "devanagari": r"[\u0900-\u097f]",
    "bengali": r"[\u0980-\u09ff]", "cyrillic": r"[\u0400-\u04ff]",
}
ORDER = ("hangul", "kana", "thai", "arabic", "devanagari", "bengali", "han", "cyrillic")
WORD = re.compile(r"[\w'-]+")


@lru_cache(maxsize=None)
def _by_script() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for code in available():
        for script in vocabulary(code).scripts:
            table.setdefault(script, []).append(code)
    return {k: tuple(v) for k, v in table.items()}


@lru_cache(maxsize=None)
def _letters() -> dict[str, frozenset[str]]:
    """Per Latin-script language, the non-ASCII letters of its phrases that no other such language uses."""
    latin = _by_script().get("latin", ())
    used = {code: {ch for p in vocabulary(code).meanings for ch in p if ch.isalpha() and not ch.isascii()}
            for code in latin}
    return {code: frozenset(ch for ch in chars if not any(ch in used[o] for o in latin if o != code))
            for code, chars in used.items()}


@lru_cache(maxsize=None)
def _lexicon(code: str) -> frozenset[str]:
    single = {w for w in vocabulary(code).words}
    nouns = {f for f in names.forms(code) if " " not in f}
    return frozenset(single | nouns)


@lru_cache(maxsize=None)
def _compounds(code: str) -> frozenset[str]:
    """The language's known nouns of two or three words ('parking meter', 'mesa de cabeceira')."""
    return frozenset(f for f in names.forms(code) if 1 <= f.count(" ") <= 2)


def _score(text: str, words: list[str], code: str) -> float:
    lexicon = _lexicon(code)
    score = sum(1.0 for w in words if w in lexicon)
    compounds = _compounds(code)
    lowered = [w.lower() for w in words]
    for n in (2, 3):  # a known noun of several words counts each of its words
        score += sum(n for i in range(len(lowered) - n + 1) if " ".join(lowered[i:i + n]) in compounds)
    score += sum(0.5 for _, _, p in vocabulary(code).table.find(text) if " " in p)
    letters = _letters().get(code, ())
    score += 2.0 * sum(1 for ch in text if ch in letters)
    return score


def detect_language(text: str) -> str:
    scripts = _by_script()
    for script in ORDER:
        if re.search(SCRIPT_RANGES[script], text):
            if script == "han" and re.search(SCRIPT_RANGES["kana"], text):
                return "ja"
            candidates = scripts.get(script, ())
            if len(candidates) == 1:
                return candidates[0]
            if candidates:
                words = WORD.findall(text)
                return max(candidates, key=lambda c: (_score(text, words, c), c == "zh"))
    words = WORD.findall(text.lower())
    latin = scripts.get("latin", ("en",))
    scores = {code: _score(text, words, code) for code in latin}
    best = max(scores, key=lambda c: (scores[c], c == "en"))
    return best if scores[best] > 0 else "en"
