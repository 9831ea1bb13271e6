"""OpenDocument text (ODT): paragraphs and table rows from content.xml, headers and footers from styles.xml.

content.xml is streamed with defusedxml's iterparse (no entity expansion, no DTD
fetching) and each paragraph or table row is freed once read, so a long document
stays in bounded memory. Locations: ``paragraph N``, ``table N row M`` (cells joined
by `` | ``), ``header`` and ``footer``. Deleted tracked changes are not read.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.docx import check_office_zip
from exposure.model import TextBlock

MAX_STYLES_BYTES = 64 * 1024 * 1024

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
TEXT_P, TEXT_H, TEXT_S = f"{{{_TEXT}}}p", f"{{{_TEXT}}}h", f"{{{_TEXT}}}s"
TEXT_TAB, TEXT_LINE_BREAK, TEXT_C = f"{{{_TEXT}}}tab", f"{{{_TEXT}}}line-break", f"{{{_TEXT}}}c"
TEXT_TRACKED_CHANGES = f"{{{_TEXT}}}tracked-changes"
TABLE_TABLE, TABLE_ROW = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row"
TABLE_CELL, TABLE_COVERED_CELL = f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"
STYLE_MASTER_PAGE = f"{{{_STYLE}}}master-page"
_PARAGRAPHS = (TEXT_P, TEXT_H)
_HEADERS = tuple(f"{{{_STYLE}}}{name}" for name in ("header", "header-left", "header-first"))
_FOOTERS = tuple(f"{{{_STYLE}}}{name}" for name in ("footer", "footer-left", "footer-first"))
_MAX_SPACES = 1000  # text:s c="..." is a count from the file: never trust it to allocate


@reader("odt")
def read_odt(path: Path) -> Extracted:
    check_office_zip(path, "ODT")
    try:
        with zipfile.ZipFile(path) as archive:
            if _is_encrypted(archive):
                raise ExtractError("encrypted: password required")
            headers, footers = _headers_and_footers(archive)
            reader_state = _Content()
            for location, text in headers:
                yield from reader_state.block(location, text)
            with archive.open("content.xml") as content:
                yield from reader_state.content(content)
            for location, text in footers:
                yield from reader_state.block(location, text)
    except KeyError:
        raise ExtractError("damaged ODT: content.xml is missing") from None
    except (ParseError, DefusedXmlException) as exc:
        raise ExtractError(f"damaged ODT: invalid XML ({type(exc).__name__})") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ExtractError(f"damaged ODT: {type(exc).__name__}") from None


def _is_encrypted(archive: zipfile.ZipFile) -> bool:
    try:
        manifest = archive.read("META-INF/manifest.xml")
    except KeyError:
        return False
    return b"encryption-data" in manifest


def _headers_and_footers(archive: zipfile.ZipFile) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Distinct header and footer texts of the master pages (the same footer on 3 pages is read once)."""
    try:
        info = archive.getinfo("styles.xml")
    except KeyError:
        return [], []
    if info.file_size > MAX_STYLES_BYTES:
        return [], []
    root = fromstring(archive.read(info))
    found: dict[str, list[str]] = {"header": [], "footer": []}
    for master in root.iter(STYLE_MASTER_PAGE):
        for child in master:
            kind = "header" if child.tag in _HEADERS else "footer" if child.tag in _FOOTERS else ""
            if not kind:
                continue
            text = "\n".join(_text(p) for p in child.iter() if p.tag in _PARAGRAPHS).strip()
            if text and text not in found[kind]:
                found[kind].append(text)
    return _numbered(found["header"], "header"), _numbered(found["footer"], "footer")


def _numbered(texts: list[str], label: str) -> list[tuple[str, str]]:
    if len(texts) == 1:
        return [(label, texts[0])]
    return [(f"{label} {i}", text) for i, text in enumerate(texts, start=1)]


class _Content:
    """Walks content.xml's events: top-level paragraphs and the rows of top-level tables become blocks."""

    def __init__(self) -> None:
        self.offset = 0
        self.paragraphs = 0
        self.tables = 0
        self.rows = 0

    def block(self, location: str, text: str) -> Iterator[TextBlock]:
        if text.strip():
            yield TextBlock(location, text, self.offset)
            self.offset += len(text) + 1

    def content(self, stream) -> Iterator[TextBlock]:  # noqa: ANN001 - a binary file object
        paragraph_depth = table_depth = skip_depth = 0
        for event, element in iterparse(stream, events=("start", "end")):
            tag = element.tag
            if tag == TEXT_TRACKED_CHANGES:
                skip_depth += 1 if event == "start" else -1
            elif tag == TABLE_TABLE:
                table_depth += 1 if event == "start" else -1
                if event == "start" and table_depth == 1:
                    self.tables += 1
                    self.rows = 0
            elif tag in _PARAGRAPHS:
                paragraph_depth += 1 if event == "start" else -1
            if event != "end" or skip_depth:
                if event == "end" and tag == TEXT_TRACKED_CHANGES:
                    element.clear()
                continue
            if tag in _PARAGRAPHS and paragraph_depth == 0 and table_depth == 0:
                self.paragraphs += 1
                yield from self.block(f"paragraph {self.paragraphs}", _text(element))
                element.clear()
            elif tag == TABLE_ROW and table_depth == 1:
                self.rows += 1
                yield from self.block(f"table {self.tables} row {self.rows}", _row_text(element))
                element.clear()


def _row_text(row: Element) -> str:
    return " | ".join(_cell_text(cell) for cell in row if cell.tag in (TABLE_CELL, TABLE_COVERED_CELL))


def _cell_text(cell: Element) -> str:
    pieces = []
    for child in cell:
        if child.tag in _PARAGRAPHS:
            pieces.append(_text(child).strip())
        elif child.tag == TABLE_TABLE:
            pieces.append("; ".join(_row_text(row) for row in child.iter(TABLE_ROW)))
        else:  # lists and sections inside a cell
            pieces.extend(_text(p).strip() for p in child.iter() if p.tag in _PARAGRAPHS)
    return " ".join(piece for piece in pieces if piece)


def _text(element: Element) -> str:
    parts: list[str] = []
    _collect(element, parts)
    return "".join(parts)


def _collect(element: Element, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        tag = child.tag
        if tag == TEXT_S:
            parts.append(" " * min(_int(child.get(TEXT_C), 1), _MAX_SPACES))
        elif tag == TEXT_TAB:
            parts.append("\t")
        elif tag == TEXT_LINE_BREAK:
            parts.append("\n")
        elif not tag.startswith(f"{{{_DC}}}"):  # a comment's author and date are not its text
            _collect(child, parts)
        if child.tail:
            parts.append(child.tail)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
