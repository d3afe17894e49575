"""Objects' English names and what the planner knows about them (layout/nouns/, format in its README).

    english_name("kaffeemühle", "de")   -> ("coffee grinder", True)
    english_name("bluetooth-box", "de") -> ("bluetooth-box", False)   # unknown: kept as written, with a note
    info("desk lamp")                   -> Known(vertical="low", size=(0.22, 0.35), kind="object")

Lookup order for a noun phrase: the phrase, its lemma, without the language's prefixes/suffixes, its
compound head (German 'Kaffeemühle' -> 'Mühle' when only the head is known), its head word.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from layout.gloss import gloss
from layout.phrases import PhraseTable
from layout.segment import lemma
from layout.vocab import LanguageFileError, normalise, read_json, vocabulary

NOUN_DIR = resources.files("layout") / "nouns"
DEFAULT_SIZE = (0.25, 0.3)


@dataclass(frozen=True)
class Known:
    vertical: str = "mid"  # low | mid | high | center
    size: tuple[float, float] = DEFAULT_SIZE
    kind: str = "object"  # object | surface | sky | wall | person


@lru_cache(maxsize=None)
def objects() -> dict[str, Known]:
    data = read_json(NOUN_DIR / "objects.json", "nouns/objects.json")
    return {normalise(k): Known(v.get("vertical", "mid"), tuple(v.get("size", DEFAULT_SIZE)), v.get("kind", "object"))
            for k, v in data.items()}


@lru_cache(maxsize=None)
def forms(code: str) -> dict[str, str]:
    """Surface form -> English name for one language (English: the object names themselves too)."""
    path = NOUN_DIR / f"{code}.json"
    if not path.is_file():
        raise LanguageFileError(f"no noun file layout/nouns/{code}.json for the language {code!r}")
    data = read_json(path, f"nouns/{code}.json")
    table = {normalise(k): normalise(v) for k, v in data.get("forms", {}).items() if k.strip() and v.strip()}
    if code == "en":
        table = {**{k: k for k in objects()}, **table}
    return table


@lru_cache(maxsize=None)
def noun_table(code: str) -> PhraseTable:
    """Every known noun form of the language (and, for mixed input, the English ones)."""
    vocab = vocabulary(code)
    phrases = set(forms(code)) | (set(forms("en")) if code != "en" else set())
    if vocab.boundaries == "chars":  # 'テーブルの上' is a table and a relation, not one noun
        relations = [p for p, m in vocab.meanings.items() if len(p) >= 2 and any(k[0] == "relation" for k in m)]
        phrases = {f for f in phrases if not any(r in f and r != f for r in relations)}
    return PhraseTable(phrases, vocab.boundaries, vocab.suffixes)


def lookup(form: str, code: str) -> str | None:
    form = normalise(form)
    return forms(code).get(form) or (forms("en").get(form) if code != "en" else None)


def _stripped(word: str, code: str) -> list[str]:
    vocab = vocabulary(code)
    out = []
    for prefix in vocab.prefixes:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            out.append(word[len(prefix):])
            break
    for base in [word, *out]:
        for suffix in vocab.suffixes:
            if base.endswith(suffix) and len(base) - len(suffix) >= 2:
                out.append(base[: -len(suffix)])
    return out


def english_name(phrase: str, code: str) -> tuple[str, bool]:
    """The English name of a noun phrase and whether a dictionary knew it."""
    phrase = normalise(phrase)
    found = lookup(phrase, code)
    if found:
        return found, True
    words = phrase.split(" ")
    if code == "en":
        lemmas = [*words[:-1], lemma(words[-1], "en")]
        name = " ".join(lemmas)
        return name, name in objects() or lemmas[-1] in objects()
    candidates = [lemma(phrase, code)] if len(words) == 1 else [" ".join(lemma(w, code) for w in words)]
    for word in ([phrase] if len(words) == 1 else words):
        candidates += _stripped(word, code)
        candidates += [lemma(s, code) for s in _stripped(word, code)]
    for candidate in candidates:
        found = lookup(candidate, code)
        if found:
            return found, True
    # an open bilingual dictionary, where the language has one, for the whole phrase or word before its head
    # word or the noun it ends with ('kebun binatang' zoo, not garden; 'зоопарк' zoo, not park)
    glossed = gloss(phrase, code)
    if glossed:
        return glossed, True
    head = words[-1] if vocabulary(code).head == "last" else words[0]
    if head != phrase:
        name, known = english_name(head, code)
        if known:
            return name, True
    compound = _compound_head(phrase, code) if len(words) == 1 else None
    if compound:
        return compound, True
    return phrase, False


def _compound_head(word: str, code: str) -> str | None:
    """German-style compounds: the longest known noun the word ends with ('kaffeemühle' -> 'mühle')."""
    if vocabulary(code).head != "last" or vocabulary(code).boundaries == "chars" or len(word) < 6:
        return None
    table = forms(code)
    for cut in range(2, len(word) - 3):
        tail = word[cut:]
        if tail in table:
            return table[tail]
    return None


def info(name_en: str) -> Known:
    """What is known about an object from its English name (or its head word)."""
    table = objects()
    if name_en in table:
        return table[name_en]
    words = name_en.split(" ")
    for i in range(1, len(words)):
        tail = " ".join(words[i:])
        if tail in table:
            return table[tail]
    return Known()
