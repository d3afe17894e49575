"""English noun relations from Princeton WordNet 3.0: whether two object names denote the same thing or one
is a kind of the other ('bike' = 'bicycle', 'woman' is a 'person', 'car' is a 'vehicle').

    related("bike", "bicycle")      -> True    (one synset)
    related("vehicle", "car")       -> True    (car is a kind of vehicle)
    related("cup", "plate")         -> False
    related("object", "cup")        -> False   (too general to name anything: see MIN_DEPTH)

Used to score plans against labels that name the same object with another word (a translation says 自行车
'bicycle' where the source's annotation says 'bike'), and available to anything that must match a name to an
object (the editor's referents). The data is the Debian package wordnet-base (WordNet 3.0 licence:
free use with the copyright notice), read from /usr/share/wordnet when it is there; without it `available()`
is False and `related` answers only for equal words. Loading parses data.noun once (~1 s, ~60 MB) on first use.
"""

from __future__ import annotations

import threading
from pathlib import Path

WORDNET_DIRS = (Path("/usr/share/wordnet"), Path("/usr/local/share/wordnet"))
# A more general name must sit at least this many hypernym steps below 'entity' to count: 'person' (3),
# 'furniture' (7), 'vehicle' (6), 'food' (4) name objects; 'object' (2), 'thing' (3), 'whole' (3) do not.
MIN_DEPTH = 3


class _WordNet:
    def __init__(self, folder: Path) -> None:
        self.senses: dict[str, list[int]] = {}
        self.hypernyms: dict[int, list[int]] = {}
        self.lexfile: dict[int, int] = {}  # the lexicographer file: 07 noun.attribute, 28 noun.time, ...
        self.exceptions: dict[str, str] = {}
        for line in (folder / "index.noun").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(" "):
                continue
            parts = line.split()
            count = int(parts[2])
            self.senses[parts[0]] = [int(offset) for offset in parts[-count:]]
        for line in (folder / "data.noun").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(" "):
                continue
            parts = line.split()
            words = int(parts[3], 16)
            at = 4 + 2 * words
            pointers = int(parts[at])
            ups = []
            for k in range(pointers):
                symbol, target = parts[at + 1 + 4 * k], parts[at + 2 + 4 * k]
                if symbol in ("@", "@i"):
                    ups.append(int(target))
            self.hypernyms[int(parts[0])] = ups
            self.lexfile[int(parts[0])] = int(parts[1])
        exc = folder / "noun.exc"
        if exc.exists():
            for line in exc.read_text(encoding="utf-8", errors="replace").splitlines():
                parts = line.split()
                if len(parts) >= 2:
                    self.exceptions[parts[0]] = parts[1]
        self._depth: dict[int, int] = {}

    def synsets(self, name: str) -> list[int]:
        key = "_".join(name.lower().split())
        found = self.senses.get(key, []) + self.senses.get(self.exceptions.get(key, ""), [])  # 'men': both
        if not found:
            found = next((self.senses[s] for s in _singulars(key) if s in self.senses), [])
        return found

    def depth(self, synset: int) -> int:
        """Fewest hypernym steps from the root ('entity' is 0)."""
        if synset not in self._depth:
            ups = self.hypernyms.get(synset, [])
            self._depth[synset] = 0  # guards against a cycle while computing
            self._depth[synset] = 1 + min(self.depth(u) for u in ups) if ups else 0
        return self._depth[synset]

    def ancestors(self, synset: int) -> set[int]:
        seen, todo = set(), [synset]
        while todo:
            s = todo.pop()
            for up in self.hypernyms.get(s, []):
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        return seen


def _singulars(word: str) -> list[str]:
    out = []
    for plural, one in (("ies", "y"), ("ves", "f"), ("ches", "ch"), ("shes", "sh"), ("ses", "s"), ("xes", "x"),
                        ("s", "")):
        if word.endswith(plural) and len(word) > len(plural) + 1:
            out.append(word[: -len(plural)] + one)
    return out


_wordnet: list[_WordNet | None] = []
_lock = threading.Lock()


def _load() -> _WordNet | None:
    if not _wordnet:
        with _lock:
            if not _wordnet:
                folder = next((d for d in WORDNET_DIRS if (d / "data.noun").exists()), None)
                _wordnet.append(_WordNet(folder) if folder else None)
    return _wordnet[0]


def available() -> bool:
    return _load() is not None


MIN_COMPOUND_PART = 3  # letters: 'nightstand' = 'night stand', never 'n ightstand'


def _senses(wn: _WordNet, name: str) -> list[int]:
    """The synsets of a name, of the open compound a closed one is written as ('nightstand' -> 'night stand'),
    or of its head noun ('wooden table' -> table) when the phrase is unknown."""
    found = wn.synsets(name)
    words = name.split()
    if not found and len(words) == 1 and len(name) >= 2 * MIN_COMPOUND_PART:
        splits = [(name[:k], name[k:]) for k in range(MIN_COMPOUND_PART, len(name) - MIN_COMPOUND_PART + 1)]
        found = next((wn.synsets(f"{a} {b}") for a, b in splits if wn.synsets(f"{a} {b}")), [])
        # else its head, when both parts are words: 'nightstand' is a kind of 'stand'
        found = found or next((wn.synsets(b) for a, b in splits if wn.synsets(a) and wn.synsets(b)), [])
    return found or (wn.synsets(words[-1]) if len(words) > 1 else [])


# Lexicographer files of nouns that name no thing one could place: attributes ('color', 'height', 'size'),
# cognition ('shape', 'kind'), time ('evening'), quantities, relations, states, feelings, processes.
ABSTRACT_FILES = {7: "attribute", 9: "cognition", 12: "feeling", 22: "process", 23: "quantity",
                  24: "relation", 26: "state", 28: "time"}


def abstract(name: str) -> bool:
    """Whether a name is no object ('color', 'height', 'shape', 'evening'): such a word in 'what color is
    the cup?' is asked about, not placed. It is when its most frequent sense and most of its senses are
    abstract, for the word as written and for its singular ('shoes' alone is a situation, 'shoe' is not;
    'mug' is first a quantity, a 'mugful', but mostly things). False when WordNet is absent."""
    wn = _load()
    if wn is None or not name.strip():
        return False
    key = "_".join(name.lower().split())
    for form in dict.fromkeys([key, wn.exceptions.get(key, ""), *_singulars(key)]):
        senses = wn.senses.get(form, []) if form else []
        files = [wn.lexfile.get(s) in ABSTRACT_FILES for s in senses]
        if senses and not (files[0] and sum(files) * 2 > len(files)):
            return False
    return bool(wn.synsets(name))


def related(a: str, b: str) -> bool:
    """Whether names a and b can denote the same object: equal, synonyms (a shared synset), or one a kind
    of the other where the general one is specific enough to name an object (MIN_DEPTH)."""
    if a.lower().strip() == b.lower().strip():
        return True
    wn = _load()
    if wn is None:
        return False
    sa, sb = _senses(wn, a), _senses(wn, b)
    if not sa or not sb or set(sa) & set(sb):
        return bool(set(sa) & set(sb))
    for general, specific in ((sa, sb), (sb, sa)):
        general = {s for s in general if wn.depth(s) >= MIN_DEPTH}
        if general and any(general & wn.ancestors(s) for s in specific):
            return True
    return False


__all__ = ["ABSTRACT_FILES", "MIN_DEPTH", "abstract", "available", "related"]
