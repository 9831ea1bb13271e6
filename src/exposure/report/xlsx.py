"""notification_list.xlsx: the notification list for people who work in Excel.

The rows are those of notification_list.csv, read back from it, so the two never differ.
A first sheet holds everyone, then one sheet per data owner. Each sheet has a frozen,
filterable header and set column widths. Every identifier is written as text (and its
column formatted as text) because Excel turns ``02134`` into 2134, ``+19175550123`` into
a number and long ids into ``1.23E+15``; values are never read as formulas.

Streams in constant memory (xlsxwriter's ``constant_memory``) and, past Excel's row limit,
continues a sheet on a next one. Deterministic: fixed document dates, so the same list gives
the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import duckdb
import xlsxwriter

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

    def append(self, values: Sequence[str]) -> None:
        if self.part_rows == SHEET_ROWS:
            self.book.finish(self.sheet, self.part_rows)
            self.sheet = self._new_part()
        self.part_rows += 1
        self.book.write_row(self.sheet, self.part_rows, values)

    def close(self) -> None:
        self.book.finish(self.sheet, self.part_rows)


class _Book:
    """The workbook, its formats and its header; shared by every sheet."""

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.workbook.set_properties({"created": _FIXED_DATE, "title": "Notification list"})
        self.taken: set[str] = set()
        self.keep = [i for i, column in enumerate(header) if column not in FORBIDDEN_COLUMNS]
        self.header = [header[i] for i in self.keep]
        self.text = self.workbook.add_format({"num_format": "@"})
        self.head = self.workbook.add_format(
            {"bold": True, "bg_color": "#DDE5F3", "bottom": 1, "num_format": "@", "valign": "top"}
        )

    def prepare(self, sheet) -> None:
        """Widths, text format, header and frozen first row; before any data row (constant memory)."""
        for col, name in enumerate(self.header):
            width = COLUMN_WIDTHS.get(name, DEFAULT_WIDTH)
            sheet.set_column(col, col, width, None if name in NUMBER_COLUMNS else self.text)
        sheet.freeze_panes(1, 0)
        for col, name in enumerate(self.header):
            sheet.write_string(0, col, name, self.head)

    def write_row(self, sheet, row: int, values: Sequence[str]) -> None:
        for col, index in enumerate(self.keep):
            value = values[index] if index < len(values) else ""
            if not value:
                continue
            if self.header[col] in NUMBER_COLUMNS and value.isdigit():
                sheet.write_number(row, col, int(value))
            else:
                sheet.write_string(row, col, value[:_MAX_CELL], self.text)

    def finish(self, sheet, rows: int) -> None:
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
        everyone.append(values)
        if owners_at is None:
            continue
        listed = [o for o in values[owners_at].split(";") if o] if owners_at < len(values) else []
        for owner in listed:
            if owner not in by_owner:  # an owner the caller did not name still gets its sheet
                by_owner[owner] = _Sheet(book, owner)
            by_owner[owner].append(values)
        if not listed and unowned is not None:
            unowned.append(values)
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
