"""FreeDict and CC-CEDICT glosses for nouns the language files do not know (layout/gloss.py)."""

import os

import pytest

from layout.gloss import FREEDICT, freedict_files, gloss

CASES = {
    "de": [("Möbel", "furniture"), ("Stuhl", "chair"), ("Teppich", "carpet"), ("Fenster", "window")],
    "fr": [("chaise", "chair"), ("coussin", "cushion"), ("bouteille", "bottle")],
    "es": [("silla", "chair"), ("lámpara", "lamp"), ("ventana", "window")],
    "pt": [("cadeira", "chair"), ("lâmpada", "lamp"), ("garrafa", "bottle")],
    "it": [("sedia", "chair"), ("tavolo", "table"), ("cuscino", "cushion")],
    "pl": [("krzesło", "chair"), ("stół", "table"), ("lampa", "lamp")],
    "tr": [("sandalye", "chair"), ("kitap", "book"), ("şişe", "bottle")],
    "ja": [("椅子", "chair"), ("猫", "cat"), ("本", "book")],
}


def _need(lang: str) -> None:
    if freedict_files(FREEDICT[lang]) is None:
        package = f"dict-freedict-{FREEDICT[lang]}-eng"
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


def test_no_dictionary():
    assert gloss("стол", "ru") is None
    assert gloss("의자", "ko") is None
