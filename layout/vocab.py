"""The languages' closed classes, read from layout/languages/<code>.json (format: that folder's README).

    vocab = vocabulary("de")
    vocab.meanings["links von"]      -> (("relation", "left_of", "after"),)
    vocab.table.find(text)           -> every occurrence of the language's phrases (start, end, phrase)

Loaded once per language and cached; the files are package data, so this is the planner's only file
reading and it happens before the first plan of a language, never per plan.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from layout.phrases import PhraseTable

REQUIRED = ("code", "name", "scripts", "segmenter", "boundaries", "reference", "head")
CHOICES = {
    "segmenter": ("spaces", "jieba", "sudachi", "kiwi", "thai"),
    "boundaries": ("words", "chars", "suffixes"),
    "reference": ("after", "before"),
    "head": ("last", "first"),
}
SCRIPTS = ("latin", "cyrillic", "han", "kana", "hangul", "arabic", "devanagari", "bengali", "thai")
RELATIONS = ("left_of", "right_of", "above", "below", "on", "in_front_of", "behind", "next_to", "near", "between",
             "inside")
PLACES = ("tl", "tr", "bl", "br", "l", "r", "t", "b", "c", "ut", "lt", "lc", "rc", "mr", "mc", "bg", "fg")
KEYED = {  # field -> (kind of its phrases, allowed keys or None for any)
    "relations": ("relation", RELATIONS),
    "relations_it": ("relation_it", RELATIONS),
    "places": ("place", PLACES),
    "actions": ("action", ("add", "move", "remove", "replace", "bigger", "smaller", "restyle")),
    "nudges": ("nudge", ("left", "right", "up", "down")),
    "amount": ("amount", ("small", "large")),
    "sizes": ("size", ("small", "large")),
    "groups": ("group", ("either_side", "row", "column", "around")),
    "counts": ("count", None),
}
LISTS = {  # field -> kind
    "back": "back", "referents": "referent", "background": "background", "picture": "picture",
    "conjunctions": "conjunction", "question": "question", "function": "function", "other": "other",
    "adjectives": "adjective", "who": "who", "linkers": "linker", "relatives": "relative",
}
AFFIXES = ("prefixes", "suffixes", "verb_prefixes", "locatives", "subjects")
LANGUAGE_DIR = resources.files("layout") / "languages"


class LanguageFileError(ValueError):
    """A language file that does not follow layout/languages/README.md."""


@dataclass(frozen=True)
class Vocabulary:
    code: str
    name: str
    scripts: tuple[str, ...]
    segmenter: str
    boundaries: str
    reference: str
    head: str
    meanings: dict[str, tuple[tuple[str, str, str], ...]]  # phrase -> ((kind, key, reference side), ...)
    table: PhraseTable
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    verb_prefixes: tuple[str, ...] = ()
    locatives: tuple[str, ...] = ()  # case endings / particles meaning "at, in, on" ('욕실에', 'masada', 'テーブルに')
    subjects: tuple[str, ...] = ()  # endings / particles marking a clause's subject ('노트북이', '窗户在')
    words: frozenset[str] = field(default_factory=frozenset)  # every single-word phrase (language detection)
    capitalised_nouns: bool = False  # nouns are written with a capital (de): a lower-case unknown word is none


def normalise(text: str, lower: bool = True) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.lower() if lower else text
    text = text.replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip()


def available() -> tuple[str, ...]:
    return tuple(sorted(p.name[:-5] for p in LANGUAGE_DIR.iterdir() if p.name.endswith(".json")))


def check(data: object, name: str = "language file") -> list[str]:
    """Every way `data` departs from the format (empty = fine)."""
    if not isinstance(data, dict):
        return [f"{name}: must be a JSON object"]
    problems = [f"{name}: missing field {k!r}" for k in REQUIRED if k not in data]
    for key, allowed in CHOICES.items():
        if key in data and data[key] not in allowed:
            problems.append(f"{name}: {key} {data[key]!r} is not one of {', '.join(allowed)}")
    for script in data.get("scripts", []):
        if script not in SCRIPTS:
            problems.append(f"{name}: script {script!r} is not one of {', '.join(SCRIPTS)}")
    known = set(REQUIRED) | set(KEYED) | set(LISTS) | set(AFFIXES) | {"capitalised_nouns"}
    problems += [f"{name}: unknown field {k!r}" for k in data if k not in known]
    for key, (_, allowed) in KEYED.items():
        table = data.get(key, {})
        if not isinstance(table, dict):
            problems.append(f"{name}: {key} must map keys to lists of phrases")
            continue
        for sub, phrases in table.items():
            if allowed is not None and sub not in allowed:
                problems.append(f"{name}: {key}.{sub} is not one of {', '.join(allowed)}")
            elif allowed is None and not sub.isdigit():
                problems.append(f"{name}: {key}.{sub} must be a number")
            if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
                problems.append(f"{name}: {key}.{sub} must be a list of non-empty phrases")
    for key in (*LISTS, *AFFIXES):
        values = data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(p, str) and p.strip() for p in values):
            problems.append(f"{name}: {key} must be a list of non-empty strings")
    return problems


def _side(phrase: str, default: str) -> tuple[str, str]:
    """A relation phrase without its '{}' marker, and the side its reference stands on."""
    if "{}" not in phrase:
        return phrase, default
    side = "before" if phrase.strip().startswith("{}") else "after"
    return normalise(phrase.replace("{}", " ")), side


def read_json(path, label: str) -> object:
    """A data file's JSON; a file that is not JSON is a LanguageFileError naming it, its line and column."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LanguageFileError(f"{label}: not JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from None


@lru_cache(maxsize=None)
def vocabulary(code: str) -> Vocabulary:
    path = LANGUAGE_DIR / f"{code}.json"
    if not path.is_file():
        raise LanguageFileError(f"no language file for {code!r} (known: {', '.join(available())})")
    data = read_json(path, f"{code}.json")
    problems = check(data, f"{code}.json")
    if problems:
        raise LanguageFileError("; ".join(problems[:5]))
    meanings: dict[str, list[tuple[str, str, str]]] = {}

    def add(phrase: str, kind: str, key: str, side: str = "") -> None:
        phrase = normalise(phrase)
        if phrase and (kind, key, side) not in meanings.setdefault(phrase, []):
            meanings[phrase].append((kind, key, side))

    for field_name, (kind, _) in KEYED.items():
        for key, phrases in data.get(field_name, {}).items():
            for phrase in phrases:
                if kind in ("relation", "group"):
                    phrase, side = _side(phrase, data["reference"])
                    add(phrase, kind, key, side)
                else:
                    add(phrase, kind, key)
    for field_name, kind in LISTS.items():
        for phrase in data.get(field_name, []):
            add(phrase, kind, kind)
    frozen = {p: tuple(m) for p, m in meanings.items()}
    words = frozenset(p for p in frozen if " " not in p)
    affix = {k: tuple(sorted({normalise(a) for a in data.get(k, [])}, key=len, reverse=True)) for k in AFFIXES}
    table = PhraseTable(frozen, data["boundaries"], affix["suffixes"])
    return Vocabulary(data["code"], data["name"], tuple(data["scripts"]), data["segmenter"], data["boundaries"],
                      data["reference"], data["head"], frozen, table, affix["prefixes"], affix["suffixes"],
                      affix["verb_prefixes"], affix["locatives"], affix["subjects"], words,
                      bool(data.get("capitalised_nouns", False)))


def check_files() -> list[str]:
    """Problems in every language file and its noun file (empty = all fine)."""
    problems = []
    for code in available():
        path = LANGUAGE_DIR / f"{code}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(f"{code}.json: not JSON ({exc.msg}, line {exc.lineno} column {exc.colno})")
            continue
        problems += check(data, f"{code}.json")
        if isinstance(data, dict) and data.get("code") != code:
            problems.append(f"{code}.json: code {data.get('code')!r} does not match the file name")
        nouns = resources.files("layout") / "nouns" / f"{code}.json"
        if not nouns.is_file():
            problems.append(f"{code}.json: no noun file layout/nouns/{code}.json")
    return problems
