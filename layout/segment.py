"""Words, coarse parts of speech and lemmas for the planner's 18 languages.

    segment("把台灯放在猫的左边", "zh")  -> [Token("把", 0, 1, "ADP", "把"), Token("台灯", 1, 3, "NOUN", "台灯"), ...]
    lemma("лампу", "ru")                -> "лампа"
    english_pos("leaves")               -> {"NOUN", "VERB"}

One tool per writing system, each loaded on the first call for its language (``import layout`` loads none):

| languages                     | words                                | part of speech          | lemma                  |
|-------------------------------|--------------------------------------|-------------------------|------------------------|
| zh                            | rjieba (jieba's dictionary and HMM)  | jieba's tags            | the word               |
| ja                            | SudachiPy + sudachidict-core, mode C | Sudachi's               | dictionary form        |
| ko                            | kiwipiepy                            | Kiwi's (Sejong tags)    | Kiwi's (stem + 다)      |
| th                            | PyThaiNLP, newmm                     | OTHER (NUM for digits)  | the word               |
| en                            | spaces and punctuation               | lemminflect, small lists| lemminflect            |
| ru                            | spaces and punctuation               | pymorphy3               | pymorphy3              |
| de fr es it pt pl tr id ar    | spaces and punctuation               | OTHER (NUM for digits)  | simplemma (low memory) |
| vi hi bn, any other           | spaces and punctuation               | OTHER (NUM for digits)  | the word               |

Input is expected lower-cased (and NFKC-normalised) by the caller; tokens keep the surface exactly as
given, ``text[t.start:t.end] == t.text``, in order and never overlapping. Whitespace yields no token;
punctuation yields OTHER tokens (they mark clause edges). Lemmas are lower case.

Thread safety: each tool is built once under a lock and then shared read-only, except Sudachi's
tokenizer, which is not reentrant and is kept one per thread (the dictionary itself is shared).
Per word results are cached (``lemma``), so a warm 10-word instruction costs well under 0.3 ms.
A language's first plan pays its tool's load (Kiwi ~1–2 s, simplemma pl ~2 s); later ones do not.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, TypeVar

NOUN, PROPN, VERB, ADJ, ADP, DET, NUM, PRON, OTHER = (
    "NOUN", "PROPN", "VERB", "ADJ", "ADP", "DET", "NUM", "PRON", "OTHER")
POS_TAGS = frozenset((NOUN, PROPN, VERB, ADJ, ADP, DET, NUM, PRON, OTHER))


@dataclass(frozen=True, slots=True)
class Token:
    text: str   # surface, exactly as in the input
    start: int  # character offsets into the input: text == input[start:end]
    end: int
    pos: str    # one of POS_TAGS
    lemma: str  # dictionary form, lower case; the surface when unknown


# ---------------------------------------------------------------------------------------------- loading

T = TypeVar("T")


def _once(build: Callable[[], T]) -> Callable[[], T]:
    """Build a tool on first use, exactly once even when several threads ask at the same moment."""
    lock = threading.Lock()
    box: list[T] = []

    def get() -> T:
        if not box:
            with lock:
                if not box:
                    box.append(build())
        return box[0]

    get.__name__ = get.__qualname__ = build.__name__
    get.__doc__ = build.__doc__
    return get


@_once
def _rjieba():
    import rjieba

    rjieba.tag("加载")  # builds the prefix dictionary now rather than inside a request
    return rjieba


@_once
def _sudachi_dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


_thread = threading.local()


def _sudachi():
    """This thread's Sudachi tokenizer (a Tokenizer must not be used by two threads at once)."""
    tokenizer = getattr(_thread, "sudachi", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        tokenizer = _thread.sudachi = _sudachi_dictionary().tokenizer(
            mode=SplitMode.C, fields={"pos", "dictionary_form"})
    return tokenizer


@_once
def _kiwi():
    from kiwipiepy import Kiwi

    # load_multi_dict=False: the multi-word proper-noun list from Wikidata costs ~190 MB and ~1.5 s of
    # loading for names of people and places, not of objects. The model itself stays ~300 MB resident.
    kiwi = Kiwi(num_workers=0, load_multi_dict=False)
    kiwi.tokenize("준비")  # Kiwi finishes loading on its first analysis; do it here, under the lock
    return kiwi


@_once
def _thai():
    os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")  # newmm needs only bundled data: never create ~/pythainlp-data
    from pythainlp.tokenize import word_tokenize

    word_tokenize("โหลด", engine="newmm")
    return word_tokenize


@_once
def _lemminflect():
    import lemminflect

    lemminflect.getAllLemmas("apples")  # loads its tables
    return lemminflect


@_once
def _pymorphy():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


SIMPLEMMA_LANGS = frozenset(("de", "fr", "es", "it", "pt", "pl", "tr", "id", "ar", "uk"))


@_once
def _simplemma():
    import simplemma

    return simplemma


_simplemma_loaded: set[str] = set()
_simplemma_lock = threading.Lock()


def _simplemma_for(lang: str):
    simplemma = _simplemma()
    if lang not in _simplemma_loaded:
        with _simplemma_lock:
            if lang not in _simplemma_loaded:
                simplemma.lemmatize("a", lang, low_memory=True)  # loads the language's dictionary (0.1-2.5 s)
                _simplemma_loaded.add(lang)
    return simplemma


def _base(lang: str) -> str:
    """'zh-Hans' -> 'zh', 'pt_BR' -> 'pt'."""
    return lang.lower().replace("_", "-").split("-", 1)[0]


# ------------------------------------------------------------------------------------------- long input

_SUDACHI_MAX_CHARS = 16000  # Sudachi refuses input over 49,149 UTF-8 bytes; 16,000 chars is at most 48,000
_PIECE_CHARS = 2000  # Kiwi and newmm slow down more than linearly on long input; pieces keep them linear
_SENTENCE_END = re.compile(r"[。！？!?.\n]")
_SPACE = re.compile(r"\s")


def _pieces(text: str, limit: int) -> list[tuple[int, str]]:
    """(offset, piece) cuts of a long text, each at most ``limit`` chars, cut after a sentence end, else after
    a space, else anywhere."""
    pieces, start = [], 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        ends = [m.end() for m in _SENTENCE_END.finditer(window)] or [m.end() for m in _SPACE.finditer(window)]
        cut = start + (ends[-1] if ends else limit)
        pieces.append((start, text[start:cut]))
        start = cut
    pieces.append((start, text[start:]))
    return pieces


# ---------------------------------------------------------------------------------- space-separated text

# Letters, digits and the combining marks that \w leaves out (Devanagari/Bengali vowel signs and viramas,
# Arabic harakat, Latin/Cyrillic/Hebrew combining accents, zero-width (non-)joiners); dandas (।॥) excluded.
_W = (r"\w\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8"
      r"\u06ea-\u06ed\u0900-\u0963\u0966-\u097f\u0980-\u09ff\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u200c\u200d")
WORD_CHARS = _W  # the planner's phrase lookup splits words with the same class
_WORD = rf"[{_W}]+(?:['’\-][{_W}]+)*"
_SPLIT = re.compile(rf"(?P<w>{_WORD})|\S")
# fr/it elision: "l'enfant" -> "l'" + "enfant", "dell'albero" -> "dell'" + "albero"
_SPLIT_ELISION = re.compile(rf"(?P<e>[{_W}]{{1,6}}['’])(?=[{_W}])|(?P<w>{_WORD})|\S")
_ENGLISH_POSSESSIVE = re.compile(r"(?<=\w)['’]s$")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_LATIN_WORD = re.compile(r"[a-zA-Z]+(?:['’\-][a-zA-Z]+)*")


def _spaced(text: str, lang: str) -> list[Token]:
    pattern = _SPLIT_ELISION if lang in ("fr", "it") else _SPLIT
    tokens: list[Token] = []
    for match in pattern.finditer(text):
        start, end = match.span()
        word = match.group()
        if match.lastgroup is None:  # punctuation or symbol
            tokens.append(Token(word, start, end, OTHER, word))
            continue
        if lang == "en" and (possessive := _ENGLISH_POSSESSIVE.search(word)):
            cut = start + possessive.start()
            pos, lem = _analyse(word[:possessive.start()], lang)
            tokens.append(Token(word[:possessive.start()], start, cut, pos, lem))
            tokens.append(Token(word[possessive.start():], cut, end, OTHER, "'s"))
            continue
        pos, lem = _analyse(word, lang)
        tokens.append(Token(word, start, end, pos, lem))
    return tokens


# -------------------------------------------------------------------------------------- per-word analysis

@lru_cache(maxsize=65536)
def _analyse(word: str, lang: str) -> tuple[str, str]:
    """(coarse POS, lemma) of one word of a space-separated language, cached per (word, language)."""
    if _DIGITS.fullmatch(word):
        return NUM, word
    low = word.lower()
    if not any(c.isalnum() for c in low):  # "", "-", "'": nothing a dictionary could know
        return OTHER, low
    if lang == "en":
        return _english(low)
    if lang == "ru":
        return _russian(low)
    if "-" in low:  # reduplicated plural (id "meja-meja") -> "meja"
        left, _, right = low.partition("-")
        if left and left == right:
            return OTHER, _analyse(left, lang)[1]
    if lang == "tr" and ("'" in low or "’" in low):  # "iphone'u": a name, then its case ending
        name = re.split("['’]", low, maxsplit=1)[0]
        if name:
            return OTHER, _analyse(name, lang)[1]
    if lang in SIMPLEMMA_LANGS:
        return OTHER, _simplemma_lemma(low, lang)
    return OTHER, low


def _simplemma_lemma(word: str, lang: str) -> str:
    # low_memory: the dictionaries stay front-coded in memory (pl ~50 MB instead of ~450 MB, de ~20 MB
    # instead of ~110 MB) at ~30 us instead of ~5 us per uncached word; _analyse caches words anyway.
    simplemma = _simplemma_for(lang)
    if lang == "de":
        # German nouns are capitalised in the dictionary, and lower-case input otherwise reads as a verb
        # ("lampen" -> "lampen", "tische" -> "tischen"); the open-vocabulary words are mostly nouns.
        noun = word[:1].upper() + word[1:]
        if simplemma.is_known(noun, lang, low_memory=True):
            return simplemma.lemmatize(noun, lang, low_memory=True).lower()
    return simplemma.lemmatize(word, lang, low_memory=True).lower()


# English: lemminflect knows open-class words only; these few closed classes are tagged from lists.
_EN_CLOSED = {  # first class wins: "one" is a number before a pronoun
    NUM: "zero one two three four five six seven eight nine ten eleven twelve dozen",
    DET: "a an the this that these those each every some any no another other both either neither all my your "
         "his her its our their",
    ADP: "of on in at to from with without by under over above below behind beside besides between among "
         "near into onto upon inside outside around across against along through toward towards beneath "
         "underneath beyond within atop next via",
    PRON: "i me you he him she it we us they them myself yourself itself themselves ones something "
          "everything nothing anything",
    OTHER: "and or but nor if than because until so then also too not very just only please",
}
_EN_CLOSED_POS: dict[str, str] = {}
for _pos, _words in _EN_CLOSED.items():
    for _word in _words.split():
        _EN_CLOSED_POS.setdefault(_word, _pos)
_LEMMINFLECT_POS = {"NOUN": NOUN, "PROPN": PROPN, "VERB": VERB, "AUX": VERB, "ADJ": ADJ, "ADV": OTHER}


def english_pos(word: str) -> set[str]:
    """The coarse parts of speech an English word can have, from lemminflect's tables (adverbs -> OTHER)
    plus the closed classes above: "leaves" -> {"NOUN", "VERB"}, "the" -> {"DET"}, unknown -> set()."""
    word = word.lower()
    found = {_LEMMINFLECT_POS.get(upos, OTHER) for upos in _lemminflect().getAllLemmas(word)}
    if word in _EN_CLOSED_POS:
        found.add(_EN_CLOSED_POS[word])
    return found


def _english(word: str) -> tuple[str, str]:
    lemmas = _lemminflect().getAllLemmas(word)
    closed = _EN_CLOSED_POS.get(word)
    if closed is not None:
        pos = closed
    elif not lemmas:
        # not in lemminflect's tables: in an instruction that is nearly always a name (a product, a brand)
        return (NOUN if word.isalpha() else OTHER), word
    elif len(lemmas) == 1:
        pos = _LEMMINFLECT_POS.get(next(iter(lemmas)), OTHER)
    elif "NOUN" in lemmas:
        pos = NOUN  # "cats", "place", "light": the planner is after objects
    elif "ADJ" in lemmas:
        pos = ADJ
    else:
        pos = VERB if ("VERB" in lemmas or "AUX" in lemmas) else OTHER
    for upos in ("NOUN", "VERB", "AUX", "ADJ", "ADV", "PROPN"):
        if upos in lemmas:
            return pos, _pick_english_lemma(word, upos, lemmas).lower()
    return pos, word


def _pick_english_lemma(word: str, upos: str, lemmas: dict[str, tuple[str, ...]]) -> str:
    options = lemmas[upos]
    if len(options) == 1:
        return options[0]
    if upos == "NOUN":
        if word.endswith("ves"):  # leaves -> leaf (not leave), halves -> half, scarves -> scarf
            for option in options:
                if option.endswith(("f", "fe")):
                    return option
        others = [o for o in options if o != word]  # glasses -> glass
        if others:
            return others[0]
    return options[0]


_PYMORPHY_POS = {
    "NOUN": NOUN, "ADJF": ADJ, "ADJS": ADJ, "COMP": ADJ, "PRTF": ADJ, "PRTS": ADJ, "VERB": VERB, "INFN": VERB,
    "GRND": VERB, "NUMR": NUM, "NPRO": PRON, "PREP": ADP, "ADVB": OTHER, "PRED": OTHER, "CONJ": OTHER,
    "PRCL": OTHER, "INTJ": OTHER,
}


def _russian(word: str) -> tuple[str, str]:
    parse = _pymorphy().parse(word)[0]
    tag = parse.tag
    if tag.POS is None:  # Latin letters, digits, punctuation
        return (NUM if "NUMB" in tag else OTHER), word
    pos = _PYMORPHY_POS.get(tag.POS, OTHER)
    if pos == NOUN and ({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"} & tag.grammemes):
        pos = PROPN
    return pos, parse.normal_form


# --------------------------------------------------------------------------------------- Chinese (rjieba)

def _jieba_pos(flag: str) -> str:
    """jieba's ICTCLAS-style tags -> coarse POS."""
    if flag in ("nr", "nrfg", "nrt", "ns", "nt", "nz"):
        return PROPN
    if flag in ("vn", "an", "eng", "t", "s", "j", "tg") or flag.startswith("n"):
        return NOUN  # verbal/adjectival nouns, Latin words (brands), time and place words, abbreviations
    if flag.startswith("v"):
        return VERB
    if flag.startswith(("a", "b", "z")):
        return ADJ
    if flag.startswith(("p", "u", "f")):
        return ADP  # prepositions (把, 在), particles (的, 了) and localisers (上, 左边): all mark an object's edge
    if flag.startswith("m"):
        return NUM
    if flag.startswith("r"):
        return PRON
    return OTHER  # d adverb, c conjunction, q classifier, x punctuation, y modal particle, ...


def _chinese(text: str) -> list[Token]:
    tokens: list[Token] = []
    at = 0
    for word, flag in _rjieba().tag(text, True):
        start = text.find(word, at) if not text.startswith(word, at) else at
        if start < 0:  # never expected: jieba's words concatenate back to the text
            continue
        end = at = start + len(word)
        if word.isspace():
            continue
        pos = NUM if _DIGITS.fullmatch(word) else _jieba_pos(flag)
        if flag == "eng":
            lem = _analyse(word.lower(), "en")[1]
        else:
            lem = word
        tokens.append(Token(word, start, end, pos, lem))
    return tokens


# --------------------------------------------------------------------------------------- Japanese (Sudachi)

_SUDACHI_POS = {
    "名詞": NOUN, "代名詞": PRON, "動詞": VERB, "形容詞": ADJ, "形状詞": ADJ, "連体詞": DET, "助詞": ADP,
}


def _japanese(text: str) -> list[Token]:
    tokens: list[Token] = []
    tokenizer = _sudachi()
    for offset, piece in _pieces(text, _SUDACHI_MAX_CHARS):
        for m in tokenizer.tokenize(piece):
            surface = m.surface()
            if not surface or surface.isspace():
                continue
            tags = m.part_of_speech()
            pos = _SUDACHI_POS.get(tags[0], OTHER)
            if pos == NOUN:
                if tags[1] == "固有名詞":
                    pos = PROPN
                elif tags[1] == "数詞":
                    pos = NUM
            tokens.append(Token(surface, offset + m.begin(), offset + m.end(), pos, m.dictionary_form().lower()))
    return tokens


# ------------------------------------------------------------------------------------------ Korean (Kiwi)

def _kiwi_pos(tag: str) -> str:
    """Kiwi's Sejong tags -> coarse POS."""
    if tag in ("NNG", "SL", "SH"):
        return NOUN  # common nouns; Latin and Hanja runs are names of things ("iphone")
    if tag == "NNP":
        return PROPN
    if tag in ("NR", "SN"):
        return NUM
    if tag == "NP":
        return PRON
    if tag == "MM":
        return DET
    if tag.startswith("J"):
        return ADP  # case markers and particles: 를, 에, 의, 와
    if tag in ("VA", "VA-I", "VA-R"):
        return ADJ
    if tag.startswith("V"):
        return VERB
    return OTHER  # NNB bound nouns and counters (개, 것), endings, suffixes, adverbs, punctuation


def _korean(text: str) -> list[Token]:
    tokens: list[Token] = []
    kiwi = _kiwi()
    for offset, piece in _pieces(text, _PIECE_CHARS):
        for m in kiwi.tokenize(piece):
            start, end = offset + m.start, offset + m.start + m.len
            if end <= start:
                continue
            if tokens and start < tokens[-1].end:
                # a contraction spans several morphemes ("올려" = 올리 + 어): one token, the first one's reading
                last = tokens[-1]
                if end > last.end:
                    tokens[-1] = Token(text[last.start:end], last.start, end, last.pos, last.lemma)
                continue
            surface = text[start:end]
            if surface.isspace():
                continue
            tokens.append(Token(surface, start, end, _kiwi_pos(m.tag), (m.lemma or m.form).lower()))
    return tokens


# ----------------------------------------------------------------------------------------- Thai (newmm)

def _thai_tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    word_tokenize = _thai()
    for offset, piece in _pieces(text, _PIECE_CHARS):
        at = 0
        for word in word_tokenize(piece, engine="newmm", keep_whitespace=True):
            found = at if piece.startswith(word, at) else piece.find(word, at)
            if found < 0:  # never expected: newmm's words concatenate back to the text
                continue
            at = found + len(word)
            start, end = offset + found, offset + at
            if word.isspace():
                continue
            if _DIGITS.fullmatch(word):
                tokens.append(Token(word, start, end, NUM, word))
            elif _LATIN_WORD.fullmatch(word):  # a Latin word inside Thai text: read it as English (a name)
                tokens.append(Token(word, start, end, *_analyse(word, "en")))
            else:
                tokens.append(Token(word, start, end, OTHER, word))
    return tokens


# ------------------------------------------------------------------------------------------------- API

_SEGMENTERS: dict[str, Callable[[str], list[Token]]] = {
    "zh": _chinese, "ja": _japanese, "ko": _korean, "th": _thai_tokens,
}


def segment(text: str, lang: str) -> list[Token]:
    """The words (and punctuation marks) of ``text`` in language ``lang``, in order, with offsets."""
    if not text:
        return []
    lang = _base(lang)
    segmenter = _SEGMENTERS.get(lang)
    if segmenter is not None:
        return segmenter(text)
    return _spaced(text, lang)


@lru_cache(maxsize=65536)
def lemma(word: str, lang: str) -> str:
    """One word's dictionary form, lower case ("apples" -> "apple", "лампу" -> "лампа", "置いて" -> "置く");
    the word itself when the tool does not know it. In zh/ja/ko/th the first word of ``word`` counts
    ("강아지를" -> "강아지")."""
    lang = _base(lang)
    word = word.strip()
    if not word:
        return word
    if lang in _SEGMENTERS:
        for token in segment(word, lang):
            if token.pos != OTHER or token.text.isalnum():
                return token.lemma
        return word.lower()
    if lang == "en":
        word = _ENGLISH_POSSESSIVE.sub("", word)
    return _analyse(word.lower(), lang)[1]


__all__ = ["POS_TAGS", "Token", "english_pos", "lemma", "segment"]
