"""notification_list.xlsx: the notification list for people who work in Excel.

The rows are those of notification_list.csv, read back from it, so the two never differ.
A first sheet holds everyone, then one sheet per data owner. Each sheet has a frozen,
filterable header and set column widths. Every identifier is written as text (and its
column formatted as text) because Excel turns ``02134`` into 2134, ``+19175550123`` into
a number and long ids into ``1.23E+15``; values are never read as formulas.

Streams in constant memory (xlsxwriter's ``constant_memory``) and, past Excel's row limit,
continues a sheet on a next one. Deterministic: fixed document dates, so the same list gives
the same bytes. Fast: each data row's XML is made once, in the bytes xlsxwriter would write for it,
and written straight into every sheet it goes on (see ``_Book``); the header, formats, widths,
panes, filters and the package stay xlsxwriter's.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import operator
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import duckdb
import xlsxwriter
from xlsxwriter.utility import _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

from exposure.config import CaseConfig
from exposure.report.notification_list import FILE_NAME as CSV_NAME
from exposure.report.owners import owner_names, unowned_people

FILE_NAME = "notification_list.xlsx"
ALL_SHEET = "All people"
NO_OWNER_SHEET = "No owner"
EXCEL_MAX_ROWS = 1_048_576  # including the header row
SHEET_ROWS = EXCEL_MAX_ROWS - 1
_MAX_CELL = 32_767  # Excel's limit on characters in a cell
_FIXED_DATE = dt.datetime(1980, 1, 1)  # the date xlsxwriter gives the zip members, for byte-identical files

# Columns that could only hold a full identifier; never written even if a list ever carried them.
FORBIDDEN_COLUMNS = frozenset({"ssn", "itin", "financial_account", "payment_card", "account_number"})
NUMBER_COLUMNS = frozenset({"source_count"})
COLUMN_WIDTHS: dict[str, int] = {
    "person_id": 15, "full_name": 28, "first_name": 14, "middle_name": 11, "last_name": 16, "suffix": 7,
    "date_of_birth": 12, "address_line1": 30, "address_line2": 14, "city": 16, "state": 6,
    "postal_code": 11, "email": 30, "phone": 16, "elements": 42, "data_owners": 32,
    "source_count": 8, "is_minor": 9, "jurisdictions": 20, "needs_review": 9, "ssn_last4": 9,
    "review_reason": 40,
}  # fmt: skip
DEFAULT_WIDTH = 16
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name for ``wanted``: at most 31 characters, none of ``[]:*?/\\``,
    not starting or ending with an apostrophe, not 'History', unique regardless of case."""
    base = _BAD_SHEET_CHARS.sub("_", wanted).strip().strip("'") or "Sheet"
    if base.lower() == "history":
        base += "_"
    name = base[:31]
    number = 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
        number += 1
    taken.add(name.lower())
    return name


class _Sheet:
    """One logical sheet of the workbook, continued on further sheets past Excel's row limit."""

    def __init__(self, book: _Book, title: str) -> None:
        self.book = book
        self.title = title
        self.parts = 0
        self.sheet = self._new_part()
        self.row = 0

    def _new_part(self):
        self.parts += 1
        title = self.title if self.parts == 1 else f"{self.title} ({self.parts})"
        sheet = self.book.workbook.add_worksheet(sheet_name(title, self.book.taken))
        self.book.prepare(sheet)
        self.part_rows = 0
        return sheet

    def append(self, row: _Row) -> None:
        """Add a row made by ``_Book.row_xml``."""
        if self.part_rows == SHEET_ROWS:
            self.book.finish(self.sheet, self.part_rows)
            self.sheet = self._new_part()
        self.part_rows += 1
        self.book.emit(self.sheet, self.part_rows, row)

    def close(self) -> None:
        self.book.finish(self.sheet, self.part_rows)


class _Pending:
    """A sheet's data rows not yet in its row file."""

    def __init__(self) -> None:
        self.xml: list[str] = []
        self.last_row = -1


# A data row ready to write on any sheet at any row number: its <row> element's XML with _ROW_NUMBER where
# the row number goes, or "" when the row holds no value (xlsxwriter writes no <row> for it then).
_Row = str
_ROW_NUMBER = "\x00"  # never in a cell's text: control characters are written as _x0000_ escapes
_SEP = "\ue000"  # joins a row's values to escape them in one pass: not whitespace, nothing escapes it
# Anything xlsxwriter would change in an inline string: control characters and literal _xHHHH_ (written as
# _xHHHH_ escapes), non-characters, XML's & < >.
_NEEDS_ESCAPE = re.compile("[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]")  # and "_x" (see row_xml)
_SPACE, _PLAIN, _CLOSE = ' xml:space="preserve">', ">", "</t></is></c>"
_FLUSH_ROWS = 512  # rows gathered per write to a sheet's row file
_FAST_MAX = 16_383  # longer strings take xlsxwriter's UTF-16 length check, so the exact path


def _escape(text: str) -> str:
    """What xlsxwriter does to an inline string's text (constant_memory), before the whitespace check."""
    text = XMLwriter._escape_control_characters(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Book:
    """The workbook, its formats and its header; shared by every sheet.

    Data rows are not written cell by cell through xlsxwriter's API (some 30 µs a cell): ``row_xml``
    makes the row's XML once, exactly as xlsxwriter's constant_memory mode writes it (inline strings,
    the text format's style, numbers without style), and ``emit`` writes it into each sheet's row file
    at its row number, keeping the sheet's dimensions as the API would. The header goes through the API.
    tests/test_report_xlsx.py checks the bytes against the API path.
    """

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.workbook.set_properties({"created": _FIXED_DATE, "title": "Notification list"})
        self.taken: set[str] = set()
        self.keep = [i for i, column in enumerate(header) if column not in FORBIDDEN_COLUMNS]
        self.width = len(header)
        self.pick = operator.itemgetter(*self.keep) if self.keep else (lambda values: ())
        self.header = [header[i] for i in self.keep]
        self.numbers = frozenset(col for col, name in enumerate(self.header) if name in NUMBER_COLUMNS)
        self.letters = [xl_col_to_name(col) for col in range(len(self.header))]
        self.text = self.workbook.add_format({"num_format": "@"})
        self.head = self.workbook.add_format(
            {"bold": True, "bg_color": "#DDE5F3", "bottom": 1, "num_format": "@", "valign": "top"}
        )
        self.text_style: str | None = None  # the text format's style index, taken at the first data row
        self.pending: dict[object, _Pending] = {}

    def prepare(self, sheet) -> None:
        """Widths, text format, header and frozen first row; before any data row (constant memory)."""
        for col, name in enumerate(self.header):
            width = COLUMN_WIDTHS.get(name, DEFAULT_WIDTH)
            sheet.set_column(col, col, width, None if name in NUMBER_COLUMNS else self.text)
        sheet.freeze_panes(1, 0)
        for col, name in enumerate(self.header):
            sheet.write_string(0, col, name, self.head)
        if sheet.excel_version != 2007 or sheet.default_row_height != sheet.original_row_height:
            raise RuntimeError("xlsx: the row XML assumes xlsxwriter's default row attributes")

    def row_xml(self, values: Sequence[str]) -> _Row:
        """One data row (a notification_list.csv row) as XML for ``emit``."""
        if self.text_style is None:
            # Style indexes are handed out on first use; the header's format was used first.
            self.head._get_xf_index()
            style = self.text._get_xf_index()
            self.text_style = style
            self.cell_open = [
                f'<c r="{name}{_ROW_NUMBER}" s="{style}" t="inlineStr"><is><t' for name in self.letters
            ]
        if len(values) >= self.width:
            picked = self.pick(values)
            if len(self.keep) == 1:
                picked = (picked,)
        else:
            picked = tuple(values[i] if i < len(values) else "" for i in self.keep)
        joined = _SEP.join(picked)
        cells: Sequence[str] = picked
        if len(joined) <= _FAST_MAX:
            if "_x" in joined or _NEEDS_ESCAPE.search(joined):
                joined = _escape(joined)
            cells = joined.split(_SEP)
        if len(cells) != len(picked) or len(joined) > _FAST_MAX:  # a value holds the separator, or is long
            cells = [self._exact(value) for value in picked]
        numbers = {}
        for col in self.numbers:
            value = picked[col]
            if value.isdigit():
                with contextlib.suppress(ValueError):  # a digit that is no number (superscript two): text
                    numbers[col] = f'<c r="{self.letters[col]}{_ROW_NUMBER}"><v>{int(value):.16G}</v></c>'
        opened = self.cell_open
        # A cell is empty exactly when its value is. xml:space="preserve" as xlsxwriter's _preserve_whitespace
        # (r"^\s" or r"\s$" on the text; re's \s is str.isspace).
        parts = [
            numbers.get(col)
            or f"{opened[col]}{_SPACE if cell[0].isspace() or cell[-1].isspace() else _PLAIN}{cell}{_CLOSE}"
            for col, cell in enumerate(cells)
            if cell
        ]
        if not parts:
            return ""
        return f'<row r="{_ROW_NUMBER}">{"".join(parts)}</row>'

    @staticmethod
    def _exact(value: str) -> str:
        """A value's cell text by xlsxwriter's own steps (cut to Excel's limit in UTF-16 units, escapes)."""
        text = value[:_MAX_CELL]
        if len(text) > _FAST_MAX and _utf16_len(text) > _MAX_CELL:
            text = _utf16_truncate(text, _MAX_CELL)
        return _escape(text)

    def emit(self, sheet, row: int, data: _Row) -> None:
        if not data:
            return  # no value: xlsxwriter writes no <row> either
        pending = self.pending.get(sheet)
        if pending is None:
            sheet._write_single_row(row)  # flush what went through the API (the header), as a write would
            pending = self.pending[sheet] = _Pending()
        pending.xml.append(data.replace(_ROW_NUMBER, str(row + 1)))
        pending.last_row = row
        if len(pending.xml) >= _FLUSH_ROWS:
            self._flush(sheet, pending)

    @staticmethod
    def _flush(sheet, pending: _Pending) -> None:
        sheet.fh.write("".join(pending.xml))
        pending.xml.clear()
        # As after the API's own write of the last row. The header spans every column, so the sheet's
        # dimensions only grow by rows.
        sheet.previous_row = pending.last_row
        sheet._check_dimensions(pending.last_row, 0)

    def write_row(self, sheet, row: int, values: Sequence[str]) -> None:
        self.emit(sheet, row, self.row_xml(values))

    def finish(self, sheet, rows: int) -> None:
        pending = self.pending.pop(sheet, None)
        if pending is not None:
            self._flush(sheet, pending)
        sheet.autofilter(0, 0, max(rows, 1), len(self.header) - 1)

    def close(self) -> None:
        self.workbook.close()


def write_workbook(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    owners: Sequence[str] = (),
    unowned_sheet: bool = False,
) -> Path:
    """Write an .xlsx: everyone on the first sheet, then one sheet per owner in ``owners`` (rows by
    their ``data_owners`` column) and, with ``unowned_sheet``, one for rows with no owner. Atomic."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    book = _Book(partial, header)
    everyone = _Sheet(book, ALL_SHEET)
    by_owner = {name: _Sheet(book, name) for name in owners}
    unowned = _Sheet(book, NO_OWNER_SHEET) if unowned_sheet and owners else None
    owners_at = list(header).index("data_owners") if owners and "data_owners" in header else None
    for values in rows:
        row = book.row_xml(values)  # once, for every sheet the row goes on
        everyone.append(row)
        if owners_at is None:
            continue
        listed = [o for o in values[owners_at].split(";") if o] if owners_at < len(values) else []
        for owner in listed:
            if owner not in by_owner:  # an owner the caller did not name still gets its sheet
                by_owner[owner] = _Sheet(book, owner)
            by_owner[owner].append(row)
        if not listed and unowned is not None:
            unowned.append(row)
    for sheet in [everyone, *by_owner.values(), *([unowned] if unowned else [])]:
        sheet.close()
    book.close()
    os.replace(partial, path)
    return path


def read_header(csv_path: Path) -> list[str]:
    with open(csv_path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


def read_rows(csv_path: Path) -> Iterator[list[str]]:
    """The rows of a CSV after its header, read lazily."""
    with open(csv_path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield from reader


def write_notification_xlsx(con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path) -> Path:
    """notification_list.xlsx beside notification_list.csv (which must be written first)."""
    report_dir = Path(report_dir)
    source = report_dir / CSV_NAME
    owners = owner_names(con, config)
    return write_workbook(
        report_dir / FILE_NAME, read_header(source), read_rows(source), owners,
        unowned_sheet=unowned_people(con) > 0,
    )  # fmt: skip
