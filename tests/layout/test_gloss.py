"""FreeDict and CC-CEDICT glosses for nouns the language files do not know (layout/gloss.py)."""

import os
import subprocess
import sys

import pytest

from layout.gloss import FREEDICT, REVERSED, freedict_files, gloss

CASES = {
    "de": [("Möbel", "furniture"), ("Stuhl", "chair"), ("Teppich", "carpet"), ("Fenster", "window")],
    "fr": [("chaise", "chair"), ("coussin", "cushion"), ("bouteille", "bottle")],
    "es": [("silla", "chair"), ("lámpara", "lamp"), ("ventana", "window")],
    "pt": [("cadeira", "chair"), ("lâmpada", "lamp"), ("garrafa", "bottle")],
    "it": [("sedia", "chair"), ("tavolo", "table"), ("cuscino", "cushion")],
    "pl": [("krzesło", "chair"), ("stół", "table"), ("lampa", "lamp")],
    "tr": [("sandalye", "chair"), ("kitap", "book"), ("şişe", "bottle")],
    "ja": [("椅子", "chair"), ("猫", "cat"), ("本", "book")],
    # English-X dictionaries read backwards (eng-rus has ~1,700 headwords: no мусор or чаша in it)
    "ru": [("стол", "table"), ("стул", "chair"), ("бутылка", "bottle"), ("собака", "dog"), ("окно", "window")],
    "id": [("kucing", "cat"), ("mangkuk", "bowl"), ("kursi", "chair"), ("botol", "bottle"), ("cermin", "mirror")],
    "hi": [("बिल्ली", "cat"), ("कुत्ता", "dog"), ("कुर्सी", "chair"), ("कटोरा", "bowl"), ("कूड़ा", "garbage")],
}


def _need(lang: str) -> None:
    reverse = lang in REVERSED
    code = REVERSED[lang] if reverse else FREEDICT[lang]
    if freedict_files(code, from_english=reverse) is None:
        package = f"dict-freedict-eng-{code}" if reverse else f"dict-freedict-{code}-eng"
        if os.environ.get("CI"):
            pytest.fail(f"{package} is not installed (scripts/system-packages.sh installs it)")
        pytest.skip(f"{package} is not installed: apt-get install {package}")


@pytest.mark.parametrize("lang", sorted(CASES))
def test_common_nouns(lang):
    _need(lang)
    for word, english in CASES[lang]:
        assert gloss(word, lang) == english, word


@pytest.mark.parametrize("lang", sorted(CASES))
def test_unknown_word(lang):
    _need(lang)
    assert gloss("xqzvbrmple", lang) is None


def test_case_and_region_tags():
    _need("de")
    assert gloss("möbel", "de") == "furniture"
    assert gloss("Essen", "de-AT") == "food"  # the noun, not the verb 'essen'


def test_russian_forms_and_parts_of_speech():
    _need("ru")
    assert gloss("книгами", "ru") == "book"  # looked up by its lemma too
    assert gloss("Лампу", "ru-RU") == "lamp"
    assert gloss("черный", "ru") is None  # eng-rus has 'black', but an adjective is no object name
    assert gloss("мусор", "ru") is None  # not in eng-rus: the word stays as written


def test_indonesian_forms_and_parts_of_speech():
    _need("id")
    assert gloss("meja-meja", "id") == "table"  # reduplicated plural
    assert gloss("sampah", "id") in {"garbage", "trash", "rubbish", "refuse"}
    assert gloss("gemuk", "id") is None  # 'fat' is an adjective there
    assert gloss("Jakarta", "id") is None  # proper names (<pn>) are left out


def test_hindi_spelling_variants():
    _need("hi")
    assert gloss("मेज़", "hi") == gloss("मेज", "hi") == "table"  # with and without the nukta
    assert gloss("सोफ़ा", "hi") == gloss("सोफा", "hi") == "sofa"


def test_reversed_dictionary_loads_once_under_concurrent_first_calls():
    _need("hi")
    code = ("import layout.gloss as g; from concurrent.futures import ThreadPoolExecutor; "
            "loads = []; real = g._Reversed; g._Reversed = lambda *a: loads.append(1) or real(*a); "
            "words = ['बिल्ली', 'कुत्ता', 'कुर्सी', 'कटोरा'] * 4; "
            "out = list(ThreadPoolExecutor(16).map(lambda w: g.gloss(w, 'hi'), words)); "
            "print(len(loads), sorted(set(out)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1 ['bowl', 'cat', 'chair', 'dog']"


def test_no_dictionary():
    assert gloss("의자", "ko") is None
    assert gloss("ghế", "vi") is None
