"""Reading an instruction: the language's closed-class phrases and known nouns are spotted, and what is
left between them is split into words whose noun phrases become objects (open vocabulary).

    read("a golden retriever lying under the wooden table", "en")
    -> [noun 'golden retriever', relation below, noun 'wooden table']   (articles and 'lying' dropped)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from layout import names
from layout.segment import english_pos, segment
from layout.vocab import Vocabulary, vocabulary

PUNCT = re.compile(r"[,.;:!?¿¡，。、；：！？()\[\]\"«»“”「」『』|/]+|\s-\s")
DIGITS = re.compile(r"\d+")
KEEP_POS = {"NOUN", "PROPN", "ADJ", "OTHER", "NUM"}
PRIORITY = {"function": 0, "noun": 1}  # on equal length: a closed-class phrase > a noun > a function word


@dataclass(frozen=True)
class Item:
    kind: str  # noun relation relation_it place action nudge amount size group count back referent background
    #            picture conjunction question function punct
    key: str
    start: int
    end: int
    text: str
    side: str = ""  # relation / group: where the reference stands ("after" / "before")
    name_en: str = ""  # noun
    known: bool = True  # noun: a dictionary knew it
    options: tuple[tuple[str, str, str], ...] = ()  # every meaning of the phrase


def read(text: str, lang: str) -> list[Item]:
    vocab = vocabulary(lang)
    hits = _phrase_hits(text, vocab) + _noun_hits(text, lang)
    chosen = _select(hits)
    items = chosen + _residual(text, chosen, lang, vocab)
    items.sort(key=lambda i: i.start)
    return _merge_modifiers(items, lang, vocab)


def _token_edges(text: str, vocab: Vocabulary) -> set[int] | None:
    """Where words begin and end in a language written without spaces (None: spaced language)."""
    if vocab.boundaries != "chars":
        return None
    edges = {0, len(text)}
    for token in segment(text, vocab.code):
        edges.update((token.start, token.end))
    return edges


def _phrase_hits(text: str, vocab: Vocabulary) -> list[Item]:
    edges = _token_edges(text, vocab)
    hits = []
    for start, end, phrase in vocab.table.find(text):
        if edges is not None and len(phrase) == 1 and not (start in edges and end in edges):
            continue  # a one-character word inside a longer word ('只' in '只是') is not that word
        options = vocab.meanings[phrase]
        kind, key, side = options[0]
        hits.append(Item(kind, key, start, end, text[start:end], side, options=options))
    return hits


def _noun_hits(text: str, lang: str) -> list[Item]:
    out = []
    for start, end, form in names.noun_table(lang).find(text):
        name_en = names.lookup(form, lang)
        out.append(Item("noun", name_en, start, end, text[start:end], name_en=name_en))
    return out


def _select(hits: list[Item]) -> list[Item]:
    """Non-overlapping hits: longest first; on equal length a closed-class phrase, then a noun."""
    chosen: list[Item] = []
    taken = []
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), -PRIORITY.get(h.kind, 2), h.start)):
        if all(hit.end <= s or hit.start >= e for s, e in taken):
            chosen.append(hit)
            taken.append((hit.start, hit.end))
    return chosen


def _residual(text: str, chosen: list[Item], lang: str, vocab: Vocabulary) -> list[Item]:
    """Words no table knows: punctuation marks clause edges, digits are counts, runs of content words
    are noun phrases."""
    covered = [False] * len(text)
    for h in chosen:
        covered[h.start:h.end] = [True] * (h.end - h.start)
    out: list[Item] = []
    start = None
    for i in range(len(text) + 1):
        free = i < len(text) and not covered[i]
        if free and start is None:
            start = i
        elif not free and start is not None:
            out += _span(text, start, i, lang, vocab)
            start = None
    return out


def _span(text: str, start: int, end: int, lang: str, vocab: Vocabulary) -> list[Item]:
    out = []
    piece_start = start
    for m in list(PUNCT.finditer(text, start, end)) + [None]:
        piece_end = m.start() if m else end
        out += _words(text, piece_start, piece_end, lang, vocab)
        if m:
            out.append(Item("punct", m.group(0).strip(), m.start(), m.end(), m.group(0)))
            piece_start = m.end()
    return out


def _content(token, lang: str) -> bool:
    if DIGITS.fullmatch(token.text):
        return False
    if token.pos not in KEEP_POS:
        return False
    if lang == "en" and token.pos == "OTHER":
        kinds = english_pos(token.text)
        if token.text.endswith("ing") and "VERB" in kinds and token.text not in names.forms("en"):
            return False  # 'lying', 'holding' (but 'building', 'painting' are known nouns)
        if kinds and kinds <= {"VERB", "ADV", "ADP", "AUX", "PRON", "DET", "CCONJ", "SCONJ"}:
            return False
    return True


def _words(text: str, start: int, end: int, lang: str, vocab: Vocabulary) -> list[Item]:
    piece = text[start:end]
    if not piece.strip():
        return []
    out: list[Item] = []
    run: list = []

    def flush():
        if run:
            s, e = run[0].start + start, run[-1].end + start
            phrase = text[s:e]
            name_en, known = names.english_name(phrase, lang)
            out.append(Item("noun", name_en, s, e, phrase, name_en=name_en, known=known))
            run.clear()

    for token in segment(piece, lang):
        if DIGITS.fullmatch(token.text):
            flush()
            out.append(Item("count", token.text, token.start + start, token.end + start, token.text))
        elif _content(token, lang):
            run.append(token)
        else:
            flush()
    flush()
    return out


def _merge_modifiers(items: list[Item], lang: str, vocab: Vocabulary) -> list[Item]:
    """An unknown word right before a known noun (head-last languages: 'golden' + 'retriever') or right
    after it (head-first: 'chat' + 'noir') is part of that noun phrase."""
    out: list[Item] = []
    for item in items:
        prev = out[-1] if out else None
        if item.kind == "noun" and prev is not None and prev.kind == "noun" and _adjacent(prev, item):
            head, modifier = (item, prev) if vocab.head == "last" else (prev, item)
            if not head.known and modifier.known and vocab.head == "last":
                head, modifier = modifier, head  # 'retriever' unknown, 'dog' known: keep the known head
            merged_text = prev.text + " " + item.text if item.start > prev.end else prev.text + item.text
            if lang == "en":
                name_en = names.english_name(merged_text, "en")[0]
                known = head.known or modifier.known
            else:
                name_en, known = head.name_en, head.known
            out[-1] = replace(prev, end=item.end, text=merged_text, key=name_en, name_en=name_en, known=known)
            continue
        out.append(item)
    return out


def _adjacent(a: Item, b: Item) -> bool:
    return b.start - a.end <= 1
