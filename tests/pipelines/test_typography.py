"""Typography for banners: fonts per script, shaping, line breaking, fitting and drawing copy.

Uses only the font packages installed with the product (assets/fonts.json)."""

from __future__ import annotations

import ast
import itertools
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipelines.errors import FontMissing, InvalidOptions, TextDoesNotFit
from pipelines.typography import (
    LANGUAGES,
    FittedText,
    FontLibrary,
    TextStyle,
    draw_text,
    fit_text,
    language_info,
    script_of,
    text_mask,
)
from pipelines.typography.clusters import graphemes
from pipelines.typography.linebreak import NO_END, NO_START, balance, count_lines

PACKAGE = Path(__file__).resolve().parents[2] / "pipelines" / "typography"

HEADLINES = {
    "en": "Summer Sale — up to 50% off everything",
    "ru": "Летняя распродажа: скидки до 50% на всё",
    "el": "Καλοκαιρινές εκπτώσεις έως 50% σε όλα",
    "ar": "خصم 50% على كل المنتجات هذا الصيف",
    "he": "מבצע קיץ: עד 50% הנחה על הכל",
    "hi": "गर्मियों की सेल: सभी उत्पादों पर 50% तक की छूट",
    "th": "ลดราคาฤดูร้อน สูงสุด 50% ทุกสินค้า",
    "zh": "夏季特卖，全场商品低至五折！",
    "ja": "夏のセール開催中！人気商品が最大50%オフ",
    "ko": "여름 세일: 전 상품 최대 50% 할인",
}
SAMPLES = {
    "latin": "AaZzÀéßŁőĞİşĂđƠưệỹ", "cyrillic": "АяЁёЇїҐґЎўҚқӘә", "greek": "ΑαΩωάέήίόύώϊΐ",
    "arabic": "ابتثجحخدذرزسشپچژگکیٹڈڑںےھ٠١٢", "hebrew": "אבגדהוזחטיכךלמםנןסעפףצץקרשת",
    "devanagari": "कखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसह\u093e\u093f\u0940\u094d।",
    "thai": "กขคงจฉชซญดตถทนบปผพฟมยรลวสหอฮะาำเแโใไ\u0e31\u0e34\u0e48\u0e49",
    "cjk": "夏季特卖漢字あいうアイウー。、「」！", "hangul": "가나다한국어세일",
}
_IGNORABLE = {"\u200b", "\u200c", "\u200d"}


@pytest.fixture(scope="module")
def fonts() -> FontLibrary:
    return FontLibrary.default()


def fit(text: str, fonts: FontLibrary, *, language: str = "en", width: int = 640, height: int = 300,
        size: tuple[int, int] = (16, 120), lines: int = 3, **style) -> FittedText:
    return fit_text(text, width, height, style=TextStyle(**style), language=language, fonts=fonts,
                    max_size=size[1], min_size=size[0], max_lines=lines)


def ink_box(fitted: FittedText, box=(40, 40, 1960, 360), align="start") -> tuple[int, int, int, int]:
    return text_mask((2000, 400), fitted, box, align=align).getbbox()


def ink_width(text: str, fonts: FontLibrary, language: str, size: int = 80) -> int:
    left, _, right, _ = ink_box(fit(text, fonts, language=language, width=1900, height=300, size=(size, size), lines=1))
    return right - left


# ---------------------------------------------------------------------------------------------- fonts


def test_every_family_covers_every_script_it_lists(fonts):
    for family in fonts.families():
        for script, sample in SAMPLES.items():
            missing = [char for char in sample if not fonts.covers(family, script, char)]
            assert not missing, (family, script, missing)


def test_a_missing_font_package_names_the_pip_package_to_install():
    spec = {"fonts": {"brand": {"package": "fontpkg_not_installed_anywhere", "pip": "fontpkg-not-installed-anywhere",
                                "file": "files/Brand[wght].ttf"}},
            "families": {"brand": {"name": "Brand", "scripts": {"latin": ["brand"]}}}}
    library = FontLibrary.from_spec(spec)
    assert library.families() == ("brand",)
    with pytest.raises(FontMissing) as raised:
        fit("Summer sale", library, family="brand")
    assert "pip install fontpkg-not-installed-anywhere" in str(raised.value)
    assert "brand" in str(raised.value)


def test_a_broken_font_spec_is_refused_with_its_problems():
    with pytest.raises(InvalidOptions) as raised:
        FontLibrary.from_spec({"fonts": {}, "families": {"x": {"scripts": {"latin": ["nope"], "klingon": ["nope"]}}}})
    assert "klingon" in str(raised.value) and "nope" in str(raised.value)


def test_weights_are_named_instances_and_cjk_bold_is_faux_bold(fonts):
    regular = fonts.font("sans", "latin", "Regular", 60)
    bold = fonts.font("sans", "latin", "Bold", 60)
    assert bold.getlength("Summer sale") > regular.getlength("Summer sale")
    assert fonts.font("sans", "latin", "Bold", 60) is bold                      # cached
    light = ink_box(fit("夏季特卖", fonts, language="zh", size=(60, 60), lines=1))
    heavy = ink_box(fit("夏季特卖", fonts, language="zh", size=(60, 60), lines=1, weight="Bold"))
    assert (heavy[2] - heavy[0]) > (light[2] - light[0])


def test_the_typography_package_imports_nothing_heavy():
    allowed_roots = {"PIL", "fontTools", "numpy"}
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                root = name.split(".")[0]
                if root == "pipelines":
                    assert name == "pipelines.errors" or name.startswith("pipelines.typography"), (path, name)
                else:
                    assert root in allowed_roots or root in _stdlib(), (path, name)


def _stdlib() -> set[str]:
    return set(sys.stdlib_module_names) | {"__future__"}


# ---------------------------------------------------------------------------------------------- languages


def test_languages_and_scripts():
    assert language_info("ar").direction == "rtl" and language_info("he").direction == "rtl"
    assert language_info("ko").script == "hangul" and language_info("zh-hans").code == "zh-Hans"
    assert language_info("hi").script == "devanagari" and language_info("uk").script == "cyrillic"
    with pytest.raises(InvalidOptions) as raised:
        language_info("xx")
    assert "'xx'" in str(raised.value) and "en" in str(raised.value) and "zh-Hant" in str(raised.value)
    assert len(LANGUAGES) >= 30
    assert script_of("Summer 夏季特卖中") == "cjk"
    assert script_of("خصم 50% on iPhone") == "arabic"
    assert script_of("49,99 €") == "latin"
    assert script_of("세일 50%") == "hangul"


def test_upper_case_only_where_a_script_has_case(fonts):
    assert fit("summer sale", fonts, case="upper").text == "SUMMER SALE"
    assert fit("летняя распродажа", fonts, language="ru", case="upper").text == "ЛЕТНЯЯ РАСПРОДАЖА"
    assert fit("Καλοκαιρινές εκπτώσεις", fonts, language="el", case="upper").text == "ΚΑΛΟΚΑΙΡΙΝΕΣ ΕΚΠΤΩΣΕΙΣ"
    assert fit("indirim", fonts, language="tr", case="upper").text == "İNDİRİM"
    assert fit(HEADLINES["ar"], fonts, language="ar", case="upper").text == HEADLINES["ar"]
    assert fit(HEADLINES["ja"], fonts, language="ja", case="upper").text == HEADLINES["ja"]


# ---------------------------------------------------------------------------------------------- every script


@pytest.mark.parametrize("family", ["sans", "display"])
@pytest.mark.parametrize("language", list(HEADLINES))
def test_a_headline_fits_its_box_and_draws_inside_it_without_tofu(fonts, language, family):
    text = HEADLINES[language]
    canvas = Image.new("RGB", (1200, 628), "#203040")
    box = (60, 100, 700, 400)
    fitted = fit(text, fonts, language=language, family=family, weight="Bold")
    assert 16 <= fitted.size <= 120 and 1 <= len(fitted.lines) <= 3
    assert fitted.width <= 640 and fitted.height <= 300
    assert fitted.direction == language_info(language).direction
    assert "".join(fitted.lines).replace(" ", "") == text.replace(" ", "")      # nothing lost or added

    ink = draw_text(canvas, fitted, box, align="start", valign="middle", fill="#FFFFFF")
    assert box[0] <= ink[0] < ink[2] <= box[2] and box[1] <= ink[1] < ink[3] <= box[3], (ink, box)
    pixels = np.asarray(canvas)
    white = np.all(pixels == 255, axis=2)
    ys, xs = np.nonzero(white)
    assert ys.size > 500
    assert ink[0] <= xs.min() and xs.max() < ink[2] and ink[1] <= ys.min() and ys.max() < ink[3]

    for index, line in enumerate(fitted.layout.lines):
        mask, (dx, dy) = fitted.layout.line_ink(index)                     # the estimate holds the real ink
        assert line.left <= dx and dx + mask.width <= line.right, (line.text, line.left, line.right, dx, mask.size)
        assert line.top <= dy and dy + mask.height <= line.bottom, (line.text, line.top, line.bottom, dy, mask.size)
        for run in line.runs:
            cmap = fonts.info(run.font_key).cmap
            tofu = [char for char in run.text if char not in _IGNORABLE and ord(char) not in cmap]
            assert not tofu, (run.text, run.font_key, tofu)


def test_start_is_the_right_edge_for_rtl_and_the_left_for_ltr(fonts):
    box = (40, 40, 1960, 360)
    for language, side in (("ar", "right"), ("he", "right"), ("en", "left")):
        fitted = fit(HEADLINES[language], fonts, language=language, width=1920, height=320, size=(40, 40))
        start, end, center = (ink_box(fitted, box, align) for align in ("start", "end", "center"))
        if side == "right":
            assert box[2] - start[2] <= 6 and end[0] - box[0] <= 6
        else:
            assert start[0] - box[0] <= 6 and box[2] - end[2] <= 6
        assert abs((center[0] + center[2]) / 2 - (box[0] + box[2]) / 2) <= 2


def test_valign_and_image_modes(fonts):
    fitted = fit("Summer sale", fonts, size=(40, 40), lines=1)
    box = (10, 10, 410, 210)
    for mode, fill in (("L", 255), ("RGBA", (255, 0, 0, 255)), ("RGB", "#FF0000")):
        image = Image.new(mode, (420, 220), 0)
        top = draw_text(image, fitted, box, valign="top", fill=fill)
        bottom = draw_text(image, fitted, box, valign="bottom", fill=fill)
        middle = draw_text(image, fitted, box, valign="middle", fill=fill)
        assert top[1] - box[1] < 25 and box[3] - bottom[3] < 25
        assert top[1] < middle[1] < bottom[1]
        assert image.getbbox() is not None


# ---------------------------------------------------------------------------------------------- shaping


def test_arabic_letters_join_and_read_right_to_left(fonts):
    joined = ink_width("بيت", fonts, "ar")
    apart = ink_width("ب\u200cي\u200cت", fonts, "ar")                         # ZWNJ: isolated forms
    letters = sum(ink_width(letter, fonts, "ar") for letter in "بيت")
    assert joined < 0.8 * apart and joined < 0.8 * letters
    shaped = np.asarray(text_mask((600, 200), fit("بيت", fonts, language="ar", size=(80, 80), lines=1),
                                  (20, 20, 580, 180)))
    isolated = np.asarray(text_mask((600, 200), fit("ب\u200cي\u200cت", fonts, language="ar", size=(80, 80),
                                                    lines=1), (20, 20, 580, 180)))
    assert np.mean(np.abs(shaped.astype(int) - isolated.astype(int))) > 5

    # the first word of the copy is drawn at the right, where the whole line starts
    box = (20, 20, 1380, 180)
    first = np.asarray(text_mask((1400, 200), fit("بيت", fonts, language="ar", size=(80, 80), lines=1), box)) > 0
    whole = np.asarray(text_mask((1400, 200), fit("بيت كبير جدا", fonts, language="ar", size=(80, 80), lines=1),
                                 box)) > 0
    assert (first & whole).sum() > 0.95 * first.sum()
    columns = np.nonzero(first.any(axis=0))[0]
    assert columns.min() > np.nonzero(whole.any(axis=0))[0].mean()


@pytest.mark.parametrize("conjunct", ["क्ष", "क्त"])
def test_devanagari_conjuncts_form_without_a_visible_virama(fonts, conjunct):
    halant, second = conjunct[:2], conjunct[2]
    formed = ink_width(conjunct, fonts, "hi")
    explicit = ink_width(halant + "\u200c" + second, fonts, "hi")               # ZWNJ shows the virama
    assert formed < 0.9 * (ink_width(halant, fonts, "hi") + ink_width(second, fonts, "hi"))
    assert explicit > 1.1 * formed
    assert graphemes(conjunct) == [conjunct]


def test_grapheme_clusters_keep_marks_with_their_base():
    assert graphemes("क्षत्रिय") == ["क्ष", "त्रि", "य"]
    assert graphemes("ปั้นฝัน") == ["ปั้", "น", "ฝั", "น"]
    assert graphemes("بِسْمِ") == ["بِ", "سْ", "مِ"]
    assert graphemes("Việt") == ["V", "i", "ệ", "t"]
    assert graphemes("e\u0301") == ["e\u0301"]
    assert graphemes("한국") == ["한", "국"]


# ---------------------------------------------------------------------------------------------- line breaking


JAPANESE = "夏のセール開催中。「人気商品」が最大50%オフ、今すぐチェック！新作も続々入荷しています。"
CHINESE = "夏季特卖，全场商品低至五折！「限时抢购」、新品上市，欢迎选购。"


@pytest.mark.parametrize(("language", "text"), [("ja", JAPANESE), ("zh", CHINESE)])
def test_cjk_wraps_per_character_and_keeps_kinsoku(fonts, language, text):
    for width in (180, 260, 330, 410):
        fitted = fit(text, fonts, language=language, width=width, height=2000, size=(24, 24), lines=40)
        assert len(fitted.lines) >= 2
        assert "".join(fitted.lines) == text
        for line in fitted.lines[1:]:
            assert line[0] not in NO_START, fitted.lines
        for line in fitted.lines[:-1]:
            assert line[-1] not in NO_END, fitted.lines


_CJK_ALPHABET = "夏季特卖全场商品低至五折新上市人気開催中がのセールオフ今すぐチェックーっゃ々" + "。、「」『』（）！？・："


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=_CJK_ALPHABET, min_size=1, max_size=40), width=st.integers(min_value=120, max_value=400))
def test_cjk_line_starts_and_ends_follow_kinsoku_for_any_text(fonts, text, width):
    try:
        fitted = fit(text, fonts, language="ja", width=width, height=4000, size=(20, 20), lines=60)
    except TextDoesNotFit:
        return                                          # a kinsoku chain wider than the box: refused, fine
    assert "".join(fitted.lines) == text
    for line in fitted.lines[1:]:
        assert line[0] not in NO_START
    for line in fitted.lines[:-1]:
        assert line[-1] not in NO_END
    assert fitted.width <= width


def test_thai_breaks_only_between_phrases(fonts):
    phrases = ["ลดราคาพิเศษ", "ฤดูร้อนนี้", "ปั้นฝันให้เป็นจริง", "สั่งซื้อเลยวันนี้"]
    text = "\u200b".join(phrases)
    fitted = fit(text, fonts, language="th", width=420, height=2000, size=(40, 40), lines=10)
    assert len(fitted.lines) >= 2
    assert "".join(fitted.lines) == "".join(phrases)
    cut = 0
    boundaries = set(itertools.accumulate(len(phrase) for phrase in phrases))
    for line in fitted.lines[:-1]:
        cut += len(line)
        assert cut in boundaries, fitted.lines
    for line in fitted.lines:
        assert unicodedata.category(line[0]) != "Mn" and line[0] not in "\u0e30\u0e32\u0e33\u0e45"
        assert line[-1] not in "\u0e40\u0e41\u0e42\u0e43\u0e44"


def test_a_thai_phrase_too_long_for_a_line_shrinks_instead_of_breaking(fonts):
    phrase = "ปั้นฝันให้เป็นจริงสั่งซื้อเลยวันนี้"
    fitted = fit(phrase, fonts, language="th", width=300, height=400, size=(10, 80), lines=3)
    assert fitted.lines == (phrase,) and fitted.size < 40


def test_explicit_newlines_force_breaks(fonts):
    fitted = fit("New season\nNew you", fonts, width=1500, size=(30, 30))
    assert fitted.lines == ("New season", "New you")
    with pytest.raises(TextDoesNotFit) as raised:
        fit("One\nTwo\nThree\nFour", fonts, lines=3)
    assert "line breaks" in str(raised.value)


LATIN = [
    "Fresh summer styles for everyone",
    "The new collection is finally here",
    "Up to fifty percent off selected summer favourites",
    "Free shipping on every order over forty dollars today only",
]


@pytest.mark.parametrize("text", LATIN)
def test_latin_lines_are_balanced_without_orphans(fonts, text):
    for width in range(260, 900, 60):
        try:
            fitted = fit(text, fonts, width=width, height=2000, size=(36, 36), lines=10)
        except TextDoesNotFit:
            continue
        if len(fitted.lines) < 2:
            continue
        font = fonts.font("sans", "latin", "Regular", 36)
        widths = [font.getlength(line) for line in fitted.lines]
        assert len(fitted.lines[-1].split()) >= 2 or widths[-1] >= max(widths) / 3, fitted.lines
        greedy = _greedy_lines(text, font, width)
        if len(greedy) == len(fitted.lines) and len(greedy[-1].split()) >= 2:
            assert max(widths) <= max(font.getlength(line) for line in greedy) + 2      # balanced, never worse


def _greedy_lines(text: str, font, width: int) -> list[str]:
    lines = [""]
    for word in text.split():
        candidate = f"{lines[-1]} {word}".strip()
        if font.getlength(candidate) > width and lines[-1]:
            lines.append(word)
        else:
            lines[-1] = candidate
    return lines


@settings(max_examples=200, deadline=None)
@given(widths=st.lists(st.floats(min_value=5, max_value=100), min_size=1, max_size=9),
       glue=st.floats(min_value=0, max_value=10), slack=st.floats(min_value=1.0, max_value=3.0))
def test_balance_avoids_orphans_then_minimises_the_longest_line(widths, glue, slack):
    glues = [0.0] + [glue] * (len(widths) - 1)
    limit = max(widths) * slack
    lines = count_lines(widths, glues, limit)
    assert lines is not None
    starts = balance(widths, glues, lines, limit)
    assert len(starts) == min(lines, len(widths)) - 1

    def line_widths(breaks):
        edges = [0, *breaks, len(widths)]
        return [sum(widths[a:b]) + glue * (b - a - 1) for a, b in zip(edges, edges[1:])]

    every = [list(c) for c in itertools.combinations(range(1, len(widths)), lines - 1)]
    allowed = [breaks for breaks in every if max(line_widths(breaks)) <= limit]
    shortest = min(max(line_widths(breaks)) for breaks in allowed)

    def orphan(breaks):
        return len(widths) >= 3 and breaks and breaks[-1] == len(widths) - 1 and line_widths(breaks)[-1] < shortest / 3

    chosen = line_widths(starts)
    assert max(chosen) <= limit + 1e-6
    clean = [breaks for breaks in allowed if not orphan(breaks)]
    if clean:
        assert not orphan(starts)
        assert max(chosen) <= min(max(line_widths(breaks)) for breaks in clean) + 0.75
    else:
        assert max(chosen) <= shortest + 0.75


# ---------------------------------------------------------------------------------------------- fitting


def test_a_longer_headline_gets_a_smaller_size_in_the_same_box(fonts):
    short = fit("Summer sale", fonts, width=600, height=200)
    long = fit("Summer sale: everything in the store is half price this weekend", fonts, width=600, height=200)
    assert long.size < short.size
    assert short.height <= 200 and long.height <= 200 and long.width <= 600


def test_text_that_does_not_fit_says_by_how_much(fonts):
    text = "Our biggest summer sale ever: everything must go this weekend"
    with pytest.raises(TextDoesNotFit) as raised:
        fit_text(text, 380, 120, style=TextStyle(), language="en", fonts=fonts, max_size=60, min_size=40,
                 max_lines=2, label="headline")
    message = str(raised.value)
    assert message.startswith(f"the headline “{text}” ({len(text)} characters) does not fit a 380 x 120 px box "
                              "in 2 lines even at 40 px")
    suggested = int(message.rsplit("about ", 1)[1].split()[0])
    assert 5 <= suggested < len(text)
    fit_text(text[:suggested], 380, 120, style=TextStyle(), language="en", fonts=fonts, max_size=60, min_size=40,
             max_lines=2, label="headline")


def test_a_word_wider_than_the_box_is_named(fonts):
    with pytest.raises(TextDoesNotFit) as raised:
        fit("Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz", fonts, language="de", width=300,
            size=(30, 60), lines=3)
    assert "alone is" in str(raised.value)


def test_empty_copy_and_bad_options(fonts):
    empty = fit("   ", fonts)
    assert empty.lines == () and empty.width == 0
    assert draw_text(Image.new("RGB", (100, 100)), empty, (10, 10, 90, 90)) == (10, 10, 10, 10)
    with pytest.raises(InvalidOptions):
        fit("Sale", fonts, family="comic")
    with pytest.raises(InvalidOptions):
        TextStyle(weight="Heavy")
    with pytest.raises(InvalidOptions):
        fit("Sale", fonts, size=(50, 20))
    with pytest.raises(InvalidOptions):
        draw_text(Image.new("RGB", (100, 100)), fit("Sale", fonts), (0, 0, 100, 100), align="left")


def test_mixed_scripts_use_each_scripts_font_and_visual_order(fonts):
    fitted = fit("Summer Sale 夏季特卖", fonts, language="zh", family="display", width=1800, size=(60, 60), lines=1)
    keys = [run.font_key for run in fitted.layout.lines[0].runs]
    assert keys == ["montserrat", "noto-sans-cjk"]
    arabic = fit("خصم على iPhone 15 اليوم", fonts, language="ar", width=1800, size=(60, 60), lines=1)
    runs = arabic.layout.lines[0].runs                                          # left to right
    texts = [run.text.strip() for run in runs if run.text.strip()]
    assert texts == ["اليوم", "iPhone 15", "خصم على"]
    assert [run.direction for run in runs if run.text.strip()] == ["rtl", "ltr", "rtl"]
    hindi = fit("iPhone 15 – नया", fonts, language="hi", width=1800, size=(60, 60), lines=1)
    assert {run.font_key for run in hindi.layout.lines[0].runs} == {"noto-sans", "noto-sans-devanagari"}


def test_a_character_no_font_has_is_logged_not_fatal(fonts, caplog):
    assert not fonts.covers("sans", "latin", "\U0001F525")
    with caplog.at_level("WARNING", logger="pipelines.typography"):
        fitted = fit("Hot deals \U0001F525", fonts)
    assert fitted.lines == ("Hot deals \U0001F525",)
    assert "U+1F525" in caplog.text


def test_letter_spacing_widens_latin_only(fonts):
    plain = fit("SUMMER SALE", fonts, size=(40, 40), lines=1)
    spaced = fit("SUMMER SALE", fonts, size=(40, 40), lines=1, tracking=0.1)
    assert spaced.width > plain.width + 30
    chinese = fit("夏季特卖", fonts, language="zh", size=(40, 40), lines=1)
    chinese_spaced = fit("夏季特卖", fonts, language="zh", size=(40, 40), lines=1, tracking=0.1)
    assert chinese_spaced.width == chinese.width
