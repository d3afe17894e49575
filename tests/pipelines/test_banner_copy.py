"""The copy table: CSV in the dialects spreadsheets write, a UI table's rows, messages naming row and column,
and the way back to CSV."""

from __future__ import annotations

import pytest

from pipelines.banners.copy import (
    SLOTS,
    BannerCopy,
    copies_from_rows,
    copy_table_csv,
    language_code,
    parse_copy_table,
)
from pipelines.errors import InvalidOptions

EN = BannerCopy("en", headline="Summer sale", subline="Light linen, for hot days", price="$49", badge="-30%",
                cta="Shop now")
DE = BannerCopy("de", headline="Sommerschlussverkauf", price="49 €")


@pytest.mark.parametrize(
    "text",
    [
        "language,headline,subline,price,badge,cta\r\n"
        'en,Summer sale,"Light linen, for hot days",$49,-30%,Shop now\r\nde,Sommerschlussverkauf,,49 €,,\r\n',
        "language;headline;subline;price;badge;cta\n"
        "en;Summer sale;Light linen, for hot days;$49;-30%;Shop now\nde;Sommerschlussverkauf;;49 €;;\n",
        "language\theadline\tsubline\tprice\tbadge\tcta\n"
        "en\tSummer sale\tLight linen, for hot days\t$49\t-30%\tShop now\n\n\nde\tSommerschlussverkauf\t\t49 €\n",
        # header names in any case and spacing, columns in any order, blank rows, a trailing empty column
        " Language ,CTA,Sub Line,HEADLINE,price,badge,\n"
        'en,Shop now,"Light linen, for hot days",Summer sale,$49,-30%,\n,,,,,,\nDE, ,,Sommerschlussverkauf,49 €,,\n',
    ],
    ids=["comma", "semicolon", "tab", "loose-header"],
)
def test_parse_copy_table_reads_the_common_dialects(text):
    assert parse_copy_table(text) == (EN, DE)
    assert parse_copy_table(text.encode("utf-8-sig")) == (EN, DE)  # Excel's "CSV UTF-8" has a BOM
    assert parse_copy_table(text.encode("utf-8")) == (EN, DE)


def test_quoted_cells_keep_commas_quotes_and_line_breaks():
    text = 'language,headline\nen,"Big, bold\nand ""new"""\nar,"تخفيضات الصيف"\n'
    assert parse_copy_table(text) == (BannerCopy("en", headline='Big, bold\nand "new"'),
                                      BannerCopy("ar", headline="تخفيضات الصيف"))


@pytest.mark.parametrize(
    "text, messages",
    [
        ("", ["the copy table is empty"]),
        ("language,headline\n", ["the copy table has no rows below the header"]),
        ("language,headline,subtitle\nen,Hi,x\n",
         ["row 1, column 3: 'subtitle' is not a copy column; use language, headline, subline, price, badge, cta"]),
        ("language,sub-line\nen,x\n", ["row 1, column 2: 'sub-line' is not a copy column",
                                       "row 1: the header has no 'headline' column"]),
        ("headline\nHi\n", ["row 1: the header has no 'language' column"]),
        ("language,headline,headline\nen,a,b\n", ["row 1, column 3: the column 'headline' appears twice"]),
        ("language,headline\nen,Hi\nxx,Hallo\n", ["row 3, column language: 'xx' is not known; known: en, de"]),
        ("language,headline\nen,Hi\n,Hallo\n", ["row 3, column language: empty"]),
        ("language,headline\nen,Hi\nfr,\n", ["row 3, column headline: empty; every language needs a headline"]),
        ("language,headline\nen,Hi\nde,Hallo\nEN,Hello\n",
         ["row 4, column language: 'en' is already on row 2; one row per language"]),
        ("language,headline,cta\nen,Hi," + "x" * 201 + "\n", ["row 2, column cta: 201 characters; at most 200"]),
        ("language,headline\nen,Hi,extra\n", ["row 2: 3 cells but the header names 2 columns"]),
        # every problem at once
        ("language,headline\nxx,Hi\nen,\nen,Again\n",
         ["row 2, column language: 'xx' is not known", "row 3, column headline: empty",
          "row 4, column language: 'en' is already on row 3"]),
    ],
)
def test_problems_name_row_and_column(text, messages):
    with pytest.raises(InvalidOptions) as caught:
        parse_copy_table(text)
    for message in messages:
        assert message in str(caught.value)


def test_at_most_twenty_languages():
    codes = ["en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr", "id", "vi", "ru", "uk", "bg", "sr", "kk", "el",
             "ar", "fa", "ur", "he"]
    rows = "".join(f"{code},Sale\n" for code in codes)
    assert len(parse_copy_table("language,headline\n" + "".join(f"{c},Sale\n" for c in codes[:20]))) == 20
    with pytest.raises(InvalidOptions, match="the copy table has 21 languages; at most 20"):
        parse_copy_table("language,headline\n" + rows)


def test_bytes_that_are_not_utf8_are_refused():
    with pytest.raises(InvalidOptions, match="not UTF-8 text"):
        parse_copy_table("language,headline\nde,Größe\n".encode("cp1252"))


def test_language_codes_take_their_known_spelling():
    assert language_code("EN") == "en" and language_code("zh-hans") == "zh-Hans"
    assert parse_copy_table("language,headline\nZH-HANT,夏季特卖\n")[0].language == "zh-Hant"
    with pytest.raises(InvalidOptions, match="language 'klingon' is not known"):
        language_code("klingon")


def test_csv_round_trip():
    copies = (EN, DE, BannerCopy("he", headline='מבצע "קיץ"\nעכשיו', cta="קנו, עכשיו"))
    text = copy_table_csv(copies)
    assert text.splitlines()[0] == "language," + ",".join(SLOTS)
    assert parse_copy_table(text) == copies
    assert parse_copy_table(text.encode("utf-8-sig")) == copies


def test_copies_from_a_ui_table():
    # a Gradio Dataframe's value: the header row, then rows, with numbers and empty cells as they come
    rows = [["language", "headline", "price", "cta"], ["en", "Summer sale", 49.5, None], ["", "", "", ""],
            ["ja", "夏のセール", float("nan"), "今すぐ購入"]]
    assert copies_from_rows(rows) == (BannerCopy("en", headline="Summer sale", price="49.5"),
                                      BannerCopy("ja", headline="夏のセール", cta="今すぐ購入"))
    assert copies_from_rows([["en", "Hi"]], headers=["Language", "Headline"]) == (BannerCopy("en", headline="Hi"),)
    assert copies_from_rows([{"language": "de", "headline": "Hallo"}]) == (BannerCopy("de", headline="Hallo"),)
    with pytest.raises(InvalidOptions, match="row 3, column language: 'xx' is not known"):
        copies_from_rows([["language", "headline"], ["en", "Hi"], ["xx", "Hallo"]])
    with pytest.raises(InvalidOptions, match="row 3, column language: 'xx' is not known"):
        copies_from_rows([{"language": "de", "headline": "Hallo"}, {"language": "xx", "headline": "Hi"}])
    with pytest.raises(InvalidOptions, match="row 1, column 2: 'title' is not a copy column"):
        copies_from_rows([{"language": "de", "title": "Hallo"}])
    with pytest.raises(InvalidOptions, match="the copy table is empty"):
        copies_from_rows([])


def test_banner_copy_text_by_slot():
    assert [EN.text(slot) for slot in SLOTS] == ["Summer sale", "Light linen, for hot days", "$49", "-30%", "Shop now"]
    with pytest.raises(InvalidOptions, match="slot 'title' is not one of headline"):
        EN.text("title")
