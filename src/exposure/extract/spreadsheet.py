"""Workbooks (XLSX, XLSM, XLSB, XLS, ODS), every sheet including hidden ones, read with python-calamine.

Each sheet becomes one ``Table`` named after the sheet, so a mention reads ``Sheet1!row 12`` with the
row number Excel shows. Header and banner detection are those of CSV files (``delimited``).
Password-protected workbooks are decrypted with msoffcrypto-tool when a case password opens them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import python_calamine as calamine

from exposure.extract.base import Extracted, ExtractError, read_options, reader, reader_for
from exposure.extract.delimited import NumberedRows, table_from_rows
from exposure.extract.office_crypto import decrypted, is_encrypted_office
from exposure.inventory.sniff import detect_type

SPREADSHEET_TYPES = ("xlsx", "xls", "ods")
# An encrypted OOXML file is an OLE container whatever it holds; inventory calls it xlsx only by name.
_ENCRYPTED_TYPES = ("ole",)
# Floats this large print in exponent form; Excel keeps only 15 significant digits anyway.
_MAX_PLAIN_INTEGER = 10**21
_FOUND_TEXT = re.compile(r",? found '?Text\(.*", re.DOTALL)


@reader(*SPREADSHEET_TYPES, *_ENCRYPTED_TYPES)
def read_workbook(path: Path) -> Extracted:
    if is_encrypted_office(path):
        yield from _read_encrypted(path)
        return
    if detect_type(path, name=Path(read_options().display_path).name or None) == "ole":
        raise ExtractError("unrecognised OLE compound file: not a workbook, document or mail item")
    yield from _read_sheets(path)


def _read_sheets(path: Path) -> Extracted:
    workbook = _open_workbook(path)
    try:
        for meta in workbook.sheets_metadata:
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue  # chart and dialog sheets hold no cells
            sheet = _load_sheet(workbook, meta.name)
            for table in table_from_rows(sheet_rows(sheet)):
                table.name = meta.name
                yield table
    finally:
        workbook.close()


def _open_workbook(path: Path) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as exc:
        raise ExtractError("encrypted: password required") from exc
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise ExtractError(f"damaged or unsupported workbook: {_plain(exc)}") from exc


def _load_sheet(workbook: calamine.CalamineWorkbook, name: str) -> calamine.CalamineSheet:
    # calamine decodes a whole sheet into compact Rust cells; rows become Python objects one at a time.
    try:
        return workbook.get_sheet_by_name(name)
    except (calamine.CalamineError, ValueError) as exc:
        raise ExtractError(f"damaged worksheet: {_plain(exc)}") from exc


def _plain(exc: Exception) -> str:
    """The library's reason, first line only and short: it names structure, never cell content."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # except where a parser quotes the unexpected text it met ("found 'Text(...)'"): that can be a cell
    text = _FOUND_TEXT.sub(", found unexpected text", text)
    return text[:160]


def sheet_rows(sheet: calamine.CalamineSheet) -> NumberedRows:
    """A sheet's rows as text, numbered from the sheet's row 1 even when the used area starts lower."""
    return NumberedRows([cell_text(value) for value in row] for row in sheet.iter_rows())


def cell_text(value: Any) -> str:
    """A cell as the text a person would read: ``12`` not ``12.0``, dates as ISO, no exponent for ids."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return _bytes_text(bytes(value))
    return str(value)


def _float_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return ""
    if value.is_integer() and abs(value) < _MAX_PLAIN_INTEGER:
        # An SSN or ZIP stored as a number keeps its digits (leading zeros were lost when it was stored).
        return str(int(value))
    return repr(value)


def _bytes_text(raw: bytes) -> str:
    """Text kept in a binary field is still text; other binary data has nothing to read here."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return ""


# ------------------------------------------------------------------ encrypted workbooks


def _read_encrypted(path: Path) -> Extracted:
    with decrypted(path) as plain:
        kind = detect_type(plain, name=path.name)
        if kind in SPREADSHEET_TYPES:
            yield from _read_sheets(plain)
            return
        other = reader_for(kind)
        if other is None or other.read is read_workbook:
            raise ExtractError(f"encrypted {kind} file: decrypted, but there is no reader for it yet")
        yield from other.read(plain)
