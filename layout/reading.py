"""Reading an instruction: the language's closed-class phrases and known nouns are spotted, and what is
left between them is split into words whose noun phrases become objects (open vocabulary).

    read("a golden retriever lying under the wooden table", "en")
    -> [noun 'golden retriever', relation below, noun 'wooden table']   (articles and 'lying' dropped)
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace

from layout import names, wordnet
from layout.gloss import gloss
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


def read(text: str, lang: str, cased: str | None = None) -> list[Item]:
    """Items of a normalised (lower-case) text; `cased` is the same text before lower-casing, which
    languages that capitalise nouns (German) use to tell an unknown noun from an adjective or verb."""
    vocab = vocabulary(lang)
    tokens = segment(text, lang) if vocab.boundaries == "chars" else None
    nouns = _whole_words(_noun_hits(text, lang, vocab), tokens, vocab, lang) + _localized(tokens or [], lang, vocab)
    hits = _phrase_hits(text, vocab, {n.end for n in nouns}) + nouns
    if "latin" not in vocab.scripts and lang != "en" and re.search(r"[a-z]{2}", text):
        # 'put the 台灯 on the right': English words in another script's sentence are read as English
        hits += [h for h in _phrase_hits(text, vocabulary("en")) if text[h.start:h.end].isascii()]
    capitals = vocab.capitalised_nouns and cased is not None and len(cased) == len(text) and _uses_capitals(cased)
    if capitals:  # 'Ist der Junge links?': a capitalised word that is a known noun is that noun, not 'junge'
        spans = {(n.start, n.end) for n in nouns}
        hits = [h for h in hits if h.kind != "adjective" or (h.start, h.end) not in spans
                or not cased[h.start].isupper() or h.start == 0]
    chosen = _select(hits)
    whole = segment(text, lang) if vocab.segmenter in TAGGED else None  # words read in their sentence
    items = chosen + _residual(text, chosen, lang, vocab, cased if capitals else None, whole)
    items.sort(key=lambda i: i.start)
    return _locatives(_merge_modifiers(items, lang, vocab), text, vocab)


def _locatives(items: list[Item], text: str, vocab: Vocabulary) -> list[Item]:
    """A noun in the locative ('욕실에', 'masada', '机に') is where the sentence's other noun is: an 'in'
    relation right after it, unless a relation word follows anyway ('테이블 위에')."""
    if not vocab.locatives or sum(1 for i in items if i.kind == "noun") < 2:
        return items
    out: list[Item] = []
    for k, item in enumerate(items):
        out.append(item)
        nxt = items[k + 1] if k + 1 < len(items) else None
        if item.kind == "noun" and not (nxt is not None and nxt.kind in ("relation", "place")):
            after = re.match(r"\w*", text[item.end:]).group(0)  # a particle the segmenter split off ('욕실' + '에')
            ending = next((e for e in vocab.locatives if (item.text.endswith(e) and len(item.text) > len(e)
                           and names.lookup(item.text, vocab.code) is None) or after == e), None)
            if ending is not None and vocab.boundaries == "suffixes":
                out.append(Item("relation", "inside", item.end, item.end, ending, "before"))
        elif (item.kind == "function" and item.text in vocab.locatives and k > 0 and items[k - 1].kind == "noun"
              and items[k - 1].end == item.start and not (nxt is not None and nxt.kind in ("relation", "place"))):
            out[-1] = Item("relation", "inside", item.start, item.end, item.text, "before")
    return out


def _uses_capitals(cased: str) -> bool:
    """The writer capitalises (not all lower case, not all upper case) beyond the first letter."""
    rest = cased[1:]
    return any(ch.isupper() for ch in rest) and any(ch.islower() for ch in rest)


def _token_edges(text: str, vocab: Vocabulary) -> set[int] | None:
    """Where words begin and end in a language written without spaces (None: spaced language)."""
    if vocab.boundaries != "chars":
        return None
    edges = {0, len(text)}
    for token in segment(text, vocab.code):
        edges.update((token.start, token.end))
    return edges


def _phrase_hits(text: str, vocab: Vocabulary, noun_ends: set[int] = frozenset()) -> list[Item]:
    edges = _token_edges(text, vocab)
    hits = []
    for start, end, phrase in vocab.table.find(text):
        if edges is not None and len(phrase) == 1 and not (start in edges and end in edges):
            localizer = start in noun_ends and any(m[0] == "relation" for m in vocab.meanings[phrase])
            if not localizer:  # '树后' = behind the tree; but '只' in '只是' is not that word
                continue
        options = vocab.meanings[phrase]
        kind, key, side = next((o for o in options if o[0] in ("linker", "relative")), options[0])
        if kind == "who":  # 'who is in front of the window': a person is
            hits.append(Item("noun", "person", start, end, text[start:end], name_en="person", options=options))
            continue
        hits.append(Item(kind, key, start, end, text[start:end], side, options=options))
    return hits


def _placeable(name_en: str) -> bool:
    """A thing one could put in a picture: any curated object ('shadow', 'shape' are), else any noun
    WordNet does not call abstract ('color', 'height', 'evening' are asked about, not placed)."""
    return name_en in names.objects() or not wordnet.abstract(name_en)


def _listed(word: str, vocab: Vocabulary) -> bool:
    """A word the language file lists as a function, question or describing word: never an object, even
    where the segmenter split it off an ending the file does not list."""
    return any(m[0] in FUNCTION_KINDS or m[0] == "adjective" for m in vocab.meanings.get(word, ()))


def _whole_words(nouns: list[Item], tokens: list | None, vocab: Vocabulary, lang: str) -> list[Item]:
    """In a language written without spaces, a known noun that begins a longer word the dictionary knows
    is not that noun: 动物 in 动物园 (zoo). A noun that ends a word stays (平墙, 青山: a head with its
    modifier), and so does one followed by a localizer in its word (树后, 楼前)."""
    if tokens is None:
        return nouns
    out = []
    for noun in nouns:
        word = next((t for t in tokens if t.start <= noun.start and noun.end < t.end), None)
        if word is not None:
            rest = word.text[noun.end - word.start:]
            localizer = word.pos in ("NOUN", "ADP") and any(m[0] == "relation" for m in vocab.meanings.get(rest, ()))
            if not localizer and names.english_name(word.text, lang)[1]:
                continue
        out.append(noun)
    return out


def _localized(tokens: list, lang: str, vocab: Vocabulary) -> list[Item]:
    """A noun the segmenter read together with a localizer after it (地上 'on the ground', 盘中 'in the
    plate', 身下 'under the body') is that noun and an 'on/in/under' relation, when the whole is no known
    object and the first part is an object, not an abstract word."""
    out = []
    for t in tokens:
        if t.pos != "NOUN" or len(t.text) < 2 or names.lookup(t.text, lang) is not None:
            continue
        relation = next((m for m in vocab.meanings.get(t.text[-1], ()) if m[0] == "relation"), None)
        name_en, known = names.english_name(t.text[:-1], lang) if relation else ("", False)
        if relation and known and _placeable(name_en):
            out.append(Item("noun", name_en, t.start, t.end - 1, t.text[:-1], name_en=name_en))
            out.append(Item("relation", relation[1], t.end - 1, t.end, t.text[-1], relation[2],
                            options=vocab.meanings[t.text[-1]]))
    return out


FUNCTION_KINDS = {"function", "question"}


def _noun_hits(text: str, lang: str, vocab: Vocabulary) -> list[Item]:
    """Known nouns in the text; a form the language file lists as a function or question word is that word
    (bn 'কোন' 'which', not 'cone'; it 'cosa' 'what'; de 'waren' 'were')."""
    out = []
    for start, end, form in names.noun_table(lang).find(text):
        if any(m[0] in FUNCTION_KINDS for m in vocab.meanings.get(text[start:end], ())):
            continue
        name_en = names.lookup(form, lang)
        kind = "noun" if _placeable(name_en) else "function"  # 'what colour is...': asked, not placed
        out.append(Item(kind, name_en, start, end, text[start:end], name_en=name_en))
    return out


def _select(hits: list[Item]) -> list[Item]:
    """The non-overlapping hits that cover the most of the text (weighted interval scheduling), so
    '右下に移動' reads as 右下 + に + 移動, not 右 + 下に移動; on a tie a closed-class phrase beats a noun,
    and a noun beats a function word."""
    if not hits:
        return []
    ordered = sorted(hits, key=lambda h: (h.end, h.start))
    ends = [h.end for h in ordered]
    best = [0.0] * (len(ordered) + 1)
    take = [False] * (len(ordered) + 1)
    before = []
    for i, hit in enumerate(ordered):
        j = bisect_right(ends, hit.start, 0, i)  # hits 0..j-1 end at or before this one starts
        before.append(j)
        with_it = best[j] + (hit.end - hit.start) * 10 + PRIORITY.get(hit.kind, 2) - 5  # fewer, longer hits on a tie
        take[i + 1] = with_it > best[i]
        best[i + 1] = with_it if take[i + 1] else best[i]
    chosen, i = [], len(ordered)
    while i > 0:
        if take[i]:
            chosen.append(ordered[i - 1])
            i = before[i - 1]
        else:
            i -= 1
    return chosen[::-1]


def _residual(text: str, chosen: list[Item], lang: str, vocab: Vocabulary, cased: str | None,
              whole: list | None = None) -> list[Item]:
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
            out += _span(text, start, i, lang, vocab, cased, whole)
            start = None
    return out


def _span(text: str, start: int, end: int, lang: str, vocab: Vocabulary, cased: str | None,
          whole: list | None) -> list[Item]:
    out = []
    piece_start = start
    for m in list(PUNCT.finditer(text, start, end)) + [None]:
        piece_end = m.start() if m else end
        out += _words(text, piece_start, piece_end, lang, vocab, cased, whole)
        if m:
            out.append(Item("punct", m.group(0).strip(), m.start(), m.end(), m.group(0)))
            piece_start = m.end()
    return out


TAGGED = ("jieba", "sudachi", "kiwi")  # segmenters that tag parts of speech: only nouns make objects


def _content(token, lang: str, segmenter: str = "spaces", verb_prefixes: tuple[str, ...] = ()) -> bool:
    if DIGITS.fullmatch(token.text) or not any(ch.isalpha() for ch in token.text):
        return False  # numbers are counts; '&', '*', '-' are no objects
    if any(token.text.startswith(p) and len(token.text) >= len(p) + 3 for p in verb_prefixes):
        return False  # Indonesian 'dipegang', 'terletak', 'berada': verbs by their prefix
    if token.pos not in KEEP_POS or (segmenter in TAGGED and token.pos not in ("NOUN", "PROPN", "ADJ")):
        return False
    if lang == "en" and token.pos == "OTHER":
        kinds = english_pos(token.text)
        if token.text.endswith("ing") and "VERB" in kinds and token.text not in names.forms("en"):
            return False  # 'lying', 'holding' (but 'building', 'painting' are known nouns)
        if kinds and kinds <= {"VERB", "ADV", "ADP", "AUX", "PRON", "DET", "CCONJ", "SCONJ"}:
            return False
    return True


def _words(text: str, start: int, end: int, lang: str, vocab: Vocabulary, cased: str | None,
           whole: list | None = None) -> list[Item]:
    """Noun phrases, counts and nothing else from words no table knows. With `cased` (a language that
    capitalises nouns, written that way) a lower-case word is no noun: 'der Kamin ist weiß'."""
    piece = text[start:end]
    if not piece.strip():
        return []
    out: list[Item] = []
    run: list = []

    def flush():
        _trim_adjectives(run, lang)
        if run:
            s, e = run[0].start + start, run[-1].end + start
            phrase = text[s:e]
            if all(_adjective(t, lang) for t in run):  # only a modifier of a noun next to it, if any
                out.append(Item("adjective", phrase, s, e, phrase, name_en=phrase, known=False))
            else:
                name_en, known = names.english_name(phrase, lang)
                kind = "noun" if not known or _placeable(name_en) else "function"  # 'color', 'height'
                out.append(Item(kind, name_en, s, e, phrase, name_en=name_en, known=known))
            run.clear()

    for token in _tokens(piece, start, end, lang, whole):
        if DIGITS.fullmatch(token.text):
            flush()
            whole = not re.match(r"[.,]\d", text[start + token.end:start + token.end + 2]) and \
                not re.search(r"\d[.,]$", text[max(0, start + token.start - 2):start + token.start])
            if whole and int(token.text) > 0:  # '12.5 cats' and '0 cats' are no count
                out.append(Item("count", token.text, token.start + start, token.end + start, token.text))
        elif cased is not None and not cased[start + token.start].isupper():
            flush()
        elif _listed(token.text, vocab):  # '색' in '색입니까', '생각' in '생각하십니까': the file's own word
            flush()
        elif _content(token, lang, vocab.segmenter, vocab.verb_prefixes):
            run.append(token)
        else:
            flush()
    flush()
    return out


def _tokens(piece: str, start: int, end: int, lang: str, whole: list | None) -> list:
    """The piece's words, as the segmenter read them in the whole sentence when they fit inside the piece
    (Kiwi reads '공이' alone as two numerals, '공이 오른쪽에' as 공 + 이), else the piece on its own."""
    if whole is not None:
        inside = [t for t in whole if t.start >= start and t.end <= end]
        covered = sum(t.end - t.start for t in inside)
        if inside and covered >= len(piece.strip()) - piece.count(" "):
            return [replace(t, start=t.start - start, end=t.end - start) for t in inside]
    return segment(piece, lang)


def _adjective(token, lang: str) -> bool:
    if lang == "en":
        kinds = english_pos(token.text)
        return "ADJ" in kinds and token.text not in names.forms("en")
    return token.pos == "ADJ"


def _trim_adjectives(run: list, lang: str) -> None:
    """In English an adjective after its noun is a predicate, not part of the name ('the mug red')."""
    if lang == "en":
        for k in range(1, len(run)):  # 'the basket look(s empty)', 'the fence made (of)': a verb ends it
            if "VERB" in english_pos(run[k].text) and run[k - 1].text in names.forms("en"):
                del run[k:]
                break
        while len(run) > 1 and _adjective(run[-1], lang) and not _adjective(run[-2], lang):
            run.pop()



def _merge_modifiers(items: list[Item], lang: str, vocab: Vocabulary) -> list[Item]:
    """An unknown word right before a known noun (head-last languages: 'golden' + 'retriever') or right
    after it (head-first: 'chat' + 'noir') is part of that noun phrase."""
    out: list[Item] = []
    nouns = sum(1 for it in items if it.kind == "noun")
    for k, item in enumerate(items):
        prev = out[-1] if out else None
        if (item.kind == "noun" and prev is not None and prev.kind == "linker" and len(out) > 1
                and out[-2].kind == "noun" and vocab.head == "first" and item.start - prev.end <= 1
                and prev.start - out[-2].end <= 1):
            head = out[-2]  # 'mesa do computador': one object, named by its head
            out[-2:] = [replace(head, end=item.end, text=_joined(head, item, prev))]
            continue
        if (vocab.boundaries == "chars" and item.kind == "noun" and prev is not None and prev.kind == "function"
                and len(prev.text) == 1 and len(out) > 1 and _adjacent(out[-2], prev) and _adjacent(prev, item)
                and (out[-2].kind == "adjective" or out[-2].kind == "noun" and not out[-2].known)):
            out.pop()  # '绿色的灌木丛', '棕色的车': a describing word + 的 + a noun describes that noun
            prev = out[-1]
        if item.kind == "noun" and prev is not None and prev.kind == "adjective" and _adjacent(prev, item):
            prev = out[-1] = replace(prev, kind="noun", known=False, name_en=prev.text)  # 'wooden' + 'table'
        elif item.kind == "adjective" and prev is not None and prev.kind == "noun" and _adjacent(prev, item) \
                and vocab.head == "first":
            item = replace(item, kind="noun", known=False)  # 'chat' + 'noir'
        if (lang == "en" and item.kind == "noun" and not item.known and prev is not None and prev.kind == "noun"
                and prev.known and _adjacent(prev, item) and "VERB" in english_pos(item.text.split(" ")[0])):
            continue  # 'the basket look(s empty)': English names end with their noun, so this is a verb
        if (item.kind == "noun" and prev is not None and prev.kind == "noun" and _adjacent(prev, item)
                and not _ends_in_particle(prev, lang, vocab) and not _asks_who(prev) and not _asks_who(item)
                and not _subject_then_reference(prev, item, items[k + 1:], nouns, vocab)):
            head, modifier = (item, prev) if vocab.head == "last" else (prev, item)
            if not head.known and modifier.known:
                head, modifier = modifier, head  # 'retriever' unknown, 'dog' known: keep the known head
            merged_text = prev.text + " " + item.text if item.start > prev.end else prev.text + item.text
            if lang == "en":
                name_en = names.english_name(merged_text, "en")[0]
                known = head.known or modifier.known
            else:  # two known nouns: one name for the pair where a dictionary has it ('kebun binatang' zoo)
                # (not where words are found by a segmenter: it already kept the compounds it knows whole)
                pair = gloss(merged_text, lang) if head.known and modifier.known and vocab.boundaries != "chars" else None
                name_en, known = (pair or head.name_en), head.known
            out[-1] = replace(prev, end=item.end, text=merged_text, key=name_en, name_en=name_en, known=known)
            continue
        out.append(item)
    out = [i for i in out if i.kind != "adjective"]  # '又白又硬', 'red or blue': no object
    return [replace(i, kind="function") if i.kind == "linker" else i for i in out]  # relatives stay: scene.py


def _subject_then_reference(prev: Item, item: Item, rest: list[Item], nouns: int, vocab: Vocabulary) -> bool:
    """'kedi masanın altında', 'बिल्ली मेज के नीचे' (the cat under the table): where the reference stands before
    its relation, two known nouns right before a relation, and no other noun in the sentence, are the thing
    placed and its reference, not one compound (a compound would leave the relation nothing to place)."""
    if vocab.reference != "before" or nouns != 2 or not (prev.known and item.known):
        return False
    following = next((it for it in rest if it.kind != "function"), None)
    return following is not None and following.kind == "relation"


def _asks_who(item: Item) -> bool:
    """'кем' in 'перед кем мальчик' (in front of whom is the boy): a person of its own, never a modifier."""
    return any(option[0] == "who" for option in item.options)


def _joined(head: Item, tail: Item, link: Item) -> str:
    return f"{head.text} {link.text} {tail.text}"


def _ends_in_particle(item: Item, lang: str, vocab: Vocabulary) -> bool:
    """'의자가 깔개': a known noun written with a case ending closes its noun phrase."""
    return vocab.boundaries == "suffixes" and item.known and names.lookup(item.text, lang) is None


def _adjacent(a: Item, b: Item) -> bool:
    return b.start - a.end <= 1
