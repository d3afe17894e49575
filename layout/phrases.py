"""Finding a table's phrases in a text by dictionary lookups, not one huge regular expression: spaced text
is cut into word tokens and every run of up to N tokens is looked up; text written without spaces is looked
up at every character for every phrase length the table has. Every occurrence is returned (overlaps too);
the reader keeps the longest.

    table = PhraseTable(["to the left of", "left", "d'"], mode="words")
    table.find("put it to the left of the cat")  -> [(7, 21, "to the left of"), (14, 18, "left")]
"""

from __future__ import annotations

import re

from layout.segment import WORD_CHARS as _W

# word characters: \w plus the combining marks it leaves out (one definition, segment.py's), so "कार" is one
# word, not "का" + "र"
TOKEN = re.compile(rf"[{_W}]+'|[{_W}]+|[^{_W}\s]")  # French elision stays with its word: "d'un" -> "d'", "un"


def tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in TOKEN.finditer(text)]


class PhraseTable:
    """mode: `words` (whole tokens), `suffixes` (whole tokens, the last may carry an attached ending) or
    `chars` (anywhere)."""

    def __init__(self, phrases, mode: str = "words", endings=()):
        self.mode = mode
        self.endings = frozenset(endings)  # suffixes mode: the endings that may follow (empty: any)
        self.by_key: dict = {}
        if mode == "chars":
            for p in phrases:
                latin = bool(re.fullmatch(r"[\w\s'-]+", p)) and p.isascii()
                if latin:  # an English word inside CJK text still needs word edges
                    self.by_key.setdefault(tuple(t for t, _, _ in tokens(p)), p)
                else:
                    self.by_key.setdefault(p, p)
            self.lengths = sorted({len(k) for k in self.by_key if isinstance(k, str)}, reverse=True)
            self.max_tokens = max((len(k) for k in self.by_key if isinstance(k, tuple)), default=0)
        else:
            for p in phrases:
                key = tuple(t for t, _, _ in tokens(p))
                if key:
                    self.by_key.setdefault(key, p)
            self.max_tokens = max((len(k) for k in self.by_key), default=0)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        out = []
        if self.mode == "chars":
            get = self.by_key.get
            n = len(text)
            for i in range(n):
                for length in self.lengths:
                    if i + length <= n:
                        phrase = get(text[i:i + length])
                        if phrase is not None:
                            out.append((i, i + length, phrase))
            if self.max_tokens:
                out += self._words(text, ascii_only=True)
            return out
        return self._words(text)

    def _words(self, text: str, ascii_only: bool = False) -> list[tuple[int, int, str]]:
        toks = tokens(text)
        words = [t for t, _, _ in toks]
        get = self.by_key.get
        out = []
        for i in range(len(toks)):
            if ascii_only and not words[i].isascii():
                continue
            for n in range(min(self.max_tokens, len(toks) - i), 0, -1):
                key = tuple(words[i:i + n])
                phrase = get(key)
                if phrase is not None:
                    out.append((toks[i][1], toks[i + n - 1][2], phrase))
                elif self.mode == "suffixes":
                    last = words[i + n - 1]
                    shortest = 1 if not last[0].isascii() and len(last) > 1 and "\uac00" <= last[0] <= "\ud7a3" else 2
                    for cut in range(len(last) - 1, shortest - 1, -1):  # 'köşeye' = 'köşe' + an ending; '뒤의' = 뒤 + 의
                        if self.endings and last[cut:] not in self.endings:
                            continue
                        phrase = get((*key[:-1], last[:cut]))
                        if phrase is not None:
                            out.append((toks[i][1], toks[i + n - 1][2], phrase))
                            break
        return out
