"""Banner copy per language: the copy table (CSV or a UI table) read into BannerCopy values and written back.

A copy table has a header row with a `language` column and any of the slot columns, one row per language:

    language,headline,subline,price,badge,cta
    en,Summer sale,Light linen for hot days,$49,-30%,Shop now
    de,Sommerschlussverkauf,Leichtes Leinen für heiße Tage,49 €,-30 %,Jetzt kaufen

Rows are numbered as a spreadsheet shows them (the header is row 1), so every message points at a cell.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pipelines.errors import InvalidOptions
from pipelines.typography.scripts import LANGUAGES, language_info

SLOTS = ("headline", "subline", "price", "badge", "cta")
COLUMNS = ("language", *SLOTS)
MAX_LANGUAGES = 20
MAX_CELL = 200
MAX_PROBLEMS = 12  # listed in one message; the rest are counted
_DELIMITERS = (",", ";", "\t")




@dataclass(frozen=True)
class BannerCopy:
    language: str
    headline: str = ""
    subline: str = ""
    price: str = ""
    badge: str = ""
    cta: str = ""

    def text(self, slot: str) -> str:
        """The copy for one slot ("" when the row leaves it empty)."""
        if slot not in SLOTS:
            raise InvalidOptions(f"slot {slot!r} is not one of {', '.join(SLOTS)}")
        return getattr(self, slot)


def language_code(code: str) -> str:
    """The known spelling of a language code ('EN' -> 'en', 'zh-hans' -> 'zh-Hans'); InvalidOptions lists
    the languages the typography can set."""
    return language_info(code).code


def _known_language(code: str) -> str | None:
    try:
        return language_info(code).code
    except InvalidOptions:
        return None


def parse_copy_table(data: bytes | str) -> tuple[BannerCopy, ...]:
    """Copy rows from CSV text (comma, semicolon or tab; UTF-8 with or without BOM).

    Every problem in the table is reported in one InvalidOptions, each naming its row and column.
    """
    text = _decode(data)
    if not text.strip():
        raise InvalidOptions(f"the copy table is empty; its first row must be a header such as {','.join(COLUMNS)}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise InvalidOptions(f"the copy table is not valid CSV near line {reader.line_num}: {exc}") from None
    records = [(number, record) for number, record in enumerate(records, start=1) if not _blank(record)]
    if not records:
        raise InvalidOptions(f"the copy table is empty; its first row must be a header such as {','.join(COLUMNS)}")
    (header_row, header), *rows = records
    return _copies(header, rows, header_row=header_row)


def copies_from_rows(rows: Sequence[Mapping | Sequence],
                     headers: Sequence[str] | None = None) -> tuple[BannerCopy, ...]:
    """Copy rows from a UI table, with the same rules and messages as parse_copy_table.

    `rows` are dicts (column -> cell) or lists of cells; lists take their column names from `headers`, or,
    without headers, from the first row (a Gradio Dataframe's value as a list of lists). Cells may be
    numbers (a price typed as 49.9) or None (empty).
    """
    rows = list(rows)
    if rows and all(isinstance(row, Mapping) for row in rows):
        headers = list(headers) if headers is not None else list(dict.fromkeys(k for row in rows for k in row))
        table = [[row.get(name) for name in headers] for row in rows]
    elif headers is None:
        if not rows:
            raise InvalidOptions("the copy table is empty; it needs a language and a headline in each row")
        headers, table = list(rows[0]), rows[1:]
    else:
        headers, table = list(headers), rows
    # Rows are numbered as in a CSV file: the header is row 1, the first row of copy row 2.
    numbered = [(number, [_cell(value) for value in row]) for number, row in enumerate(table, start=2)]
    return _copies([_cell(name) for name in headers], [(n, r) for n, r in numbered if not _blank(r)], header_row=1)


def copy_table_csv(copies: Iterable[BannerCopy]) -> str:
    """The copy as CSV with every column, readable by parse_copy_table (encode as "utf-8-sig" for Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for copy in copies:
        writer.writerow([copy.language, *(copy.text(slot) for slot in SLOTS)])
    return out.getvalue()


def _decode(data: bytes | str) -> str:
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidOptions(
                f"the copy table is not UTF-8 text (byte {exc.start} cannot be read); save it as CSV UTF-8"
            ) from None
    return data.removeprefix("\ufeff")


def _delimiter(text: str) -> str:
    """The delimiter used most on the header line (quoted parts skipped); a comma when there is none."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = "".join(part for index, part in enumerate(line.split('"')) if index % 2 == 0)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _blank(record: Sequence) -> bool:
    return all(not _cell(value) for value in record)


def _column_name(name: str) -> str:
    return "".join(name.split()).lower()


def _copies(header: Sequence[str], rows: list[tuple[int, Sequence]], *, header_row: int) -> tuple[BannerCopy, ...]:
    problems: list[str] = []
    columns: dict[int, str] = {}  # index in the row -> copy column
    for index, raw in enumerate(header):
        name = _column_name(_cell(raw))
        where = f"row {header_row}, column {index + 1}"
        if not name:
            if any(index < len(row) and _cell(row[index]) for _, row in rows):
                problems.append(f"{where}: the column has cells but no name; name it one of {', '.join(COLUMNS)}")
        elif name not in COLUMNS:
            problems.append(f"{where}: {_cell(raw)!r} is not a copy column; use {', '.join(COLUMNS)}")
        elif name in columns.values():
            problems.append(f"{where}: the column {name!r} appears twice; each column once")
        else:
            columns[index] = name
    for required in ("language", "headline"):
        if required not in columns.values():
            problems.append(f"row {header_row}: the header has no {required!r} column; columns: {', '.join(COLUMNS)}")
    if problems:
        raise InvalidOptions(_summary(problems))
    if not rows:
        raise InvalidOptions("the copy table has no rows below the header; add one row per language")

    copies: list[BannerCopy] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        if any(_cell(value) for value in row[len(header):]):
            problems.append(f"row {number}: {len(row)} cells but the header names {len(header)} columns")
        cells = {name: _cell(row[index]) if index < len(row) else "" for index, name in columns.items()}
        for name, value in cells.items():
            if len(value) > MAX_CELL:
                problems.append(f"row {number}, column {name}: {len(value)} characters; at most {MAX_CELL}")
        language = cells["language"]
        if not language:
            problems.append(f"row {number}, column language: empty; every row needs a language code such as en")
            continue
        if _known_language(language) is None:
            problems.append(f"row {number}, column language: {language!r} is not known; "
                            f"known: {', '.join(LANGUAGES)}")
            continue
        language = _known_language(language)
        if language in seen:
            problems.append(f"row {number}, column language: {language!r} is already on row {seen[language]}; "
                            "one row per language")
            continue
        seen[language] = number
        if not cells["headline"]:
            problems.append(f"row {number}, column headline: empty; every language needs a headline")
        copies.append(BannerCopy(language=language, **{slot: cells.get(slot, "") for slot in SLOTS}))
    if len(seen) > MAX_LANGUAGES:
        problems.append(f"the copy table has {len(seen)} languages; at most {MAX_LANGUAGES} in one job")
    if problems:
        raise InvalidOptions(_summary(problems))
    return tuple(copies)


def _summary(problems: list[str]) -> str:
    shown = problems[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    return "; ".join(shown) + (f"; and {more} more problems" if more else "")
