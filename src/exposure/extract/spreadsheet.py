"""Workbooks (XLSX, XLSM, XLSB, XLS, ODS), every sheet including hidden ones, read with python-calamine.

Each sheet becomes one ``Table`` named after the sheet, so a mention reads ``Sheet1!row 12`` with the
row number Excel shows. Header and banner detection are those of CSV files (``delimited``).
Password-protected workbooks are decrypted with msoffcrypto-tool when a case password opens them.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import msoffcrypto
import python_calamine as calamine
from msoffcrypto.exceptions import DecryptionError, FileFormatError, InvalidKeyError

from exposure.extract.base import Extracted, ExtractError, read_options, reader, reader_for
from exposure.extract.delimited import table_from_rows
from exposure.inventory.sniff import detect_type

SPREADSHEET_TYPES = ("xlsx", "xls", "ods")
# An encrypted OOXML file is an OLE container whatever it holds; inventory calls it xlsx only by name.
_ENCRYPTED_TYPES = ("ole",)
# Floats this large print in exponent form; Excel keeps only 15 significant digits anyway.
_MAX_PLAIN_INTEGER = 10**21


@reader(*SPREADSHEET_TYPES, *_ENCRYPTED_TYPES)
def read_workbook(path: Path) -> Extracted:
    if _is_encrypted(path):
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
            for table in table_from_rows(SheetRows(sheet)):
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
    return text[:160]


class SheetRows:
    """A sheet's rows as lists of strings, with ``line_num`` = the sheet row number of the last row given.

    Shaped like ``csv.reader`` so ``delimited``'s header and banner logic runs unchanged.
    """

    def __init__(self, sheet: calamine.CalamineSheet) -> None:
        self._rows = sheet.iter_rows()  # starts at the sheet's row 1, even when the used area starts lower
        self.line_num = 0

    def __iter__(self) -> SheetRows:
        return self

    def __next__(self) -> list[str]:
        row = next(self._rows)
        self.line_num += 1
        return [cell_text(value) for value in row]


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


def _is_encrypted(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            if handle.read(8) != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
                return False  # only OLE containers carry Office encryption
            handle.seek(0)
            return bool(msoffcrypto.OfficeFile(handle).is_encrypted())
    except (OSError, FileFormatError, ValueError, AssertionError, KeyError, IndexError):
        return False  # an OLE file msoffcrypto cannot parse: let calamine try and say why


def _read_encrypted(path: Path) -> Extracted:
    passwords = read_options().passwords
    if not passwords:
        raise ExtractError("encrypted: password required")
    with tempfile.NamedTemporaryFile(prefix="exposure-decrypted-") as plain:
        if not _decrypt_with_any(path, passwords, plain):
            raise ExtractError("encrypted: none of the case passwords opens it")
        plain.flush()
        kind = detect_type(Path(plain.name), name=path.name)
        if kind in SPREADSHEET_TYPES:
            yield from _read_sheets(Path(plain.name))
            return
        other = reader_for(kind)
        if other is None or other.read is read_workbook:
            raise ExtractError(f"encrypted {kind} file: decrypted, but there is no reader for it yet")
        yield from other.read(Path(plain.name))


def _decrypt_with_any(path: Path, passwords: tuple[str, ...], out: IO[bytes]) -> bool:
    for password in passwords:
        with open(path, "rb") as handle:
            try:
                office = msoffcrypto.OfficeFile(handle)
                office.load_key(password=password)
                out.seek(0)
                out.truncate()
                office.decrypt(out)
                return True
            except (InvalidKeyError, DecryptionError):
                continue
            except (FileFormatError, ValueError, AssertionError, KeyError, IndexError) as exc:
                raise ExtractError(f"encrypted file is damaged: {type(exc).__name__}") from exc
    return False
