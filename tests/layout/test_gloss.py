"""FreeDict and CC-CEDICT glosses for nouns the language files do not know (layout/gloss.py)."""

import os
import subprocess
import sys

import pytest

from layout.gloss import FREEDICT, MUELLER, REVERSED, freedict_files, gloss, reversed_files

CASES = {
    "de": [("Möbel", "furniture"), ("Stuhl", "chair"), ("Teppich", "carpet"), ("Fenster", "window")],
    "fr": [("chaise", "chair"), ("coussin", "cushion"), ("bouteille", "bottle")],
    "es": [("silla", "chair"), ("lámpara", "lamp"), ("ventana", "window")],
    "pt": [("cadeira", "chair"), ("lâmpada", "lamp"), ("garrafa", "bottle")],
    "it": [("sedia", "chair"), ("tavolo", "table"), ("cuscino", "cushion")],
    "pl": [("krzesło", "chair"), ("stół", "table"), ("lampa", "lamp")],
    "tr": [("sandalye", "chair"), ("kitap", "book"), ("şişe", "bottle")],
    "ja": [("椅子", "chair"), ("猫", "cat"), ("本", "book")],
    # English-X dictionaries read backwards (ru: Mueller's English-Russian)
    "ru": [("стол", "table"), ("стул", "chair"), ("бутылка", "bottle"), ("собака", "dog"), ("окно", "window"),
           ("раковина", "sink"), ("порошок", "powder"), ("калькулятор", "calculator"), ("забор", "fence")],
    "id": [("kucing", "cat"), ("mangkuk", "bowl"), ("kursi", "chair"), ("botol", "bottle"), ("cermin", "mirror")],
    "hi": [("बिल्ली", "cat"), ("कुत्ता", "dog"), ("कुर्सी", "chair"), ("कटोरा", "bowl"), ("कूड़ा", "garbage")],
}


def _need(lang: str) -> None:
    reverse = lang in REVERSED
    code = REVERSED[lang] if reverse else FREEDICT[lang]
    if lang == "ru":
        found = reversed_files(code)
        missing = found is None or not found[0].name.startswith(MUELLER)
        package = "mueller7-dict"
    else:
        missing = freedict_files(code, from_english=reverse) is None
        package = f"dict-freedict-eng-{code}" if reverse else f"dict-freedict-{code}-eng"
    if missing:
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
    assert gloss("черный", "ru") is None  # the dictionary has 'black', but an adjective is no object name
    assert gloss("мусор", "ru") in {"rubbish", "garbage", "trash", "refuse", "litter"}
    assert gloss("раковиной", "ru") == "sink"  # 'раковина (для стока воды)': the parentheses only clarify
    assert gloss("xqzv", "ru") is None


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


def test_mueller_entries_keep_noun_senses_up_to_the_first_english_example():
    from collections import Counter

    from layout.gloss import _mueller_entry

    entry = ("cup\n   [kʌp]\n   1. _n.\n      1) чашка; кубок\n      2) доля, судьба; his cup of happiness\n"
             "      was full он был счастлив\n      3) _бот. чашечка (цветка)\n      4) _attr. чашечный\n"
             "   2. _v.\n      1) делать банки\n")
    english, tagged, senses = _mueller_entry(entry, Counter())
    assert (english, tagged) == ("cup", True)
    plain = [(n, [w.strip() for w in text.split(",") if w.strip()], demoted) for n, text, demoted in senses]
    assert plain == [(1, ["чашка", "кубок"], False), (2, ["доля", "судьба"], False), (3, ["чашечка"], True)]
    assert _mueller_entry("lionize\n   [↗laɪɜnaɪz] _v.\n   1) носиться с кем-л.\n", Counter()) is None


def test_a_dictionary_entry_for_the_whole_phrase_beats_its_head_word():
    from layout.names import english_name

    _need("id")
    assert english_name("kebun binatang", "id") == ("zoo", True)  # not 'garden' (kebun), the head word
    assert english_name("tempat sampah", "id")[0] in {"trash can", "garbage can"}
    assert english_name("meja besar", "id") == ("table", True)  # no entry for the phrase: its head word


def test_the_whole_word_before_the_noun_it_ends_with_and_known_pairs_named_as_one():
    from layout import plan_layout
    from layout.names import english_name

    _need("ru")
    assert english_name("зоопарк", "ru") == ("zoo", True)  # not the 'парк' it ends with
    _need("id")
    plan, _ = plan_layout("taruh kucing di dalam kebun binatang")  # kebun (garden) + binatang (animal)
    assert sorted(o["name_en"] for o in plan["objects"]) == ["cat", "zoo"]
