"""Segmentation, coarse POS and lemmas (layout.segment) and the Chinese gloss dictionary (layout.gloss)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings, strategies as st

from layout.gloss import gloss
from layout.segment import NOUN, POS_TAGS, Token, english_pos, lemma, segment

# language, text, {surface: expected POS} for tokens that must be there
SEGMENTS = [
    ("zh", "把台灯放在猫的左边", {"台灯": "NOUN", "猫": "NOUN", "把": "ADP"}),
    ("zh", "把两个小花瓶放在桌子上", {"花瓶": "NOUN", "桌子": "NOUN", "放在": "VERB"}),
    ("ja", "猫の左に犬を置いて", {"猫": "NOUN", "犬": "NOUN", "置い": "VERB", "の": "ADP", "を": "ADP"}),
    ("ja", "加湿器をソファの横に", {"加湿器": "NOUN", "ソファ": "NOUN", "を": "ADP"}),
    ("ko", "고양이 왼쪽에 강아지를 놓아", {"고양이": "NOUN", "강아지": "NOUN", "를": "ADP", "에": "ADP"}),
    ("ko", "꽃병을 탁자 위에 올려", {"꽃병": "NOUN", "탁자": "NOUN", "을": "ADP", "올려": "VERB"}),
    ("th", "วางโคมไฟไว้ที่มุมล่างซ้าย", {"โคมไฟ": "OTHER", "วาง": "OTHER"}),
    ("en", "put the two apples left of the lamp", {"apples": "NOUN", "the": "DET", "of": "ADP", "two": "NUM"}),
    ("ru", "поставь лампу слева от кота", {"лампу": "NOUN", "кота": "NOUN", "поставь": "VERB", "от": "ADP"}),
    ("de", "stell die lampen links neben den tisch", {"lampen": "OTHER", "tisch": "OTHER"}),
    ("vi", "đặt cái đèn bên trái con mèo", {"đèn": "OTHER", "mèo": "OTHER"}),
    ("hi", "बिल्ली के बाईं ओर कुर्सी रखो।", {"बिल्ली": "OTHER", "कुर्सी": "OTHER", "।": "OTHER"}),
    ("ar", "ضع المصباح على يسار القطة", {"المصباح": "OTHER", "القطة": "OTHER"}),
    ("bn", "বিড়ালের বাম দিকে চেয়ার রাখো", {"চেয়ার": "OTHER", "বিড়ালের": "OTHER"}),
]

LEMMAS = [
    ("en", "apples", "apple"), ("en", "leaves", "leaf"), ("en", "glasses", "glass"), ("en", "put", "put"),
    ("en", "cat's", "cat"), ("ru", "лампу", "лампа"), ("ru", "кота", "кот"), ("de", "lampen", "lampe"),
    ("de", "tische", "tisch"), ("fr", "chaises", "chaise"), ("es", "perros", "perro"),
    ("it", "lampade", "lampada"), ("pl", "lampę", "lampa"), ("pt", "cadeiras", "cadeira"),
    ("tr", "lambayı", "lamba"), ("tr", "iphone'u", "iphone"), ("id", "lampunya", "lampu"),
    ("id", "meja-meja", "meja"), ("ar", "المصباح", "مصباح"), ("ja", "置いて", "置く"), ("ko", "강아지를", "강아지"),
    ("zh", "台灯", "台灯"), ("th", "โคมไฟ", "โคมไฟ"), ("vi", "đèn", "đèn"), ("en", "airpods", "airpods"),
    ("en", "", ""),
]

ALL_LANGS = ("en", "zh", "ja", "ko", "de", "fr", "es", "pt", "it", "ru", "pl", "tr", "id", "vi", "th", "ar", "hi",
             "bn")


def _check_offsets(text: str, tokens: list[Token]) -> None:
    end = 0
    for token in tokens:
        assert text[token.start:token.end] == token.text, token
        assert token.start >= end and token.end > token.start, tokens  # in order, never overlapping
        assert token.text.strip() == token.text and token.text, token  # no whitespace tokens
        assert token.pos in POS_TAGS, token
        end = token.end


@pytest.mark.parametrize(("lang", "text", "expected"), SEGMENTS)
def test_segment_finds_the_words_with_their_pos(lang, text, expected):
    tokens = segment(text, lang)
    _check_offsets(text, tokens)
    got = {t.text: t.pos for t in tokens}
    for surface, pos in expected.items():
        assert surface in got, (surface, [t.text for t in tokens])
        assert got[surface] == pos, (surface, got[surface], pos)


@pytest.mark.parametrize(("lang", "word", "expected"), LEMMAS)
def test_lemma(lang, word, expected):
    assert lemma(word, lang) == expected


def test_segment_gives_lemmas_in_context():
    by_text = {t.text: t for t in segment("猫の左に犬を置いて", "ja")}
    assert by_text["置い"].lemma == "置く"
    by_text = {t.text: t for t in segment("поставь лампу слева", "ru")}
    assert by_text["лампу"].lemma == "лампа" and by_text["поставь"].lemma == "поставить"
    by_text = {t.text: t for t in segment("고양이 왼쪽에 강아지를 놓아", "ko")}
    assert by_text["놓"].lemma == "놓다"


def test_elision_possessive_and_punctuation_are_split():
    assert [t.text for t in segment("mets l'enfant à gauche", "fr")] == ["mets", "l'", "enfant", "à", "gauche"]
    assert [t.text for t in segment("dell'albero", "it")] == ["dell'", "albero"]
    tokens = segment("the cat's bowl, please!", "en")
    assert [t.text for t in tokens] == ["the", "cat", "'s", "bowl", ",", "please", "!"]
    assert tokens[1].lemma == "cat" and tokens[1].pos == NOUN


def test_latin_words_inside_other_scripts():
    assert {t.text: t.pos for t in segment("把 iphone 15 放在左边", "zh")}["15"] == "NUM"
    tokens = segment("วาง iphone 2 เครื่อง", "th")
    _check_offsets("วาง iphone 2 เครื่อง", tokens)
    assert {t.text: t.pos for t in tokens}.items() >= {"iphone": "NOUN", "2": "NUM"}.items()


def test_english_pos_candidates():
    assert {"NOUN", "VERB"} <= english_pos("leaves")
    assert english_pos("lamp") == {"NOUN"}
    assert english_pos("the") == {"DET"}
    assert english_pos("zorbulated") == set()


def test_language_codes_with_regions():
    assert [t.text for t in segment("把台灯放在左边", "zh-Hans")] == [t.text for t in segment("把台灯放在左边", "zh")]
    assert lemma("cadeiras", "pt_BR") == "cadeira"
    assert segment("", "ko") == []


_SCRIPTS = st.sampled_from([
    "abcxyz éàüßçñ'-", "абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "的猫台灯左边把放在上", "のをにへ猫犬置く左右",
    "가나다라고양이를에", "กขคงวางโคมไฟไว้ที่", "ابتثجحخالقطة", "कखगबिल्लीकुर्सी्ा", "কখগবিড়ালচেয়ার",
    "0123456789", " \t\n,.!?;:()[]\"'“”、。，！？",
])


@settings(max_examples=40, deadline=None)
@given(lang=st.sampled_from(ALL_LANGS),
       text=st.lists(_SCRIPTS.flatmap(lambda s: st.text(alphabet=s, min_size=1, max_size=8)), max_size=6)
       .map("".join))
def test_offsets_slice_back_to_the_surface_for_any_text(lang, text):
    _check_offsets(text, segment(text, lang))


def test_concurrent_calls_from_cold_agree():
    texts = {"zh": "把台灯放在猫的左边", "ja": "猫の左に犬を置いて", "ko": "고양이 왼쪽에 강아지를 놓아",
             "th": "วางโคมไฟไว้ที่มุมล่างซ้าย", "ru": "поставь лампу слева", "de": "stell die lampen links"}
    jobs = [lang for lang in texts for _ in range(8)]
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda lang: (lang, tuple(segment(texts[lang], lang))), jobs))
    for lang in texts:
        assert len({r for l, r in results if l == lang}) == 1, lang


def test_importing_layout_loads_no_language_tool():
    code = ("import sys, layout, layout.segment, layout.gloss; "
            "heavy = {'rjieba', 'sudachipy', 'kiwipiepy', 'pythainlp', 'lemminflect', 'simplemma', 'pymorphy3'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(("word", "expected"), [
    ("台灯", "desk lamp"), ("猫", "cat"), ("加湿器", "humidifier"), ("加濕器", "humidifier"), ("沙发", "sofa"),
    ("吹风机", "hair dryer"), ("没有这个词语", None),
])
def test_chinese_gloss(word, expected):
    assert gloss(word, "zh") == expected


def test_gloss_has_no_dictionary_for_english_or_korean():
    assert gloss("lamp", "en") is None
    assert gloss("고양이", "ko") is None
