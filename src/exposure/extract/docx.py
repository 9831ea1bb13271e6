"""Word documents (DOCX): body paragraphs, tables row by row, text boxes, headers, footers, notes.

python-docx opens the package; the text is read from the WordprocessingML itself so
that nothing a reader of the letter would see is missed: content controls (form
letters fill the addressee into them), tracked insertions, fields and hyperlinks.

Locations: ``paragraph N`` (body paragraphs counted from 1, blank ones included),
``table N row M`` (cells joined by `` | ``), ``text box N``, ``header`` / ``footer``
(numbered when a document has several), ``footnote N``, ``endnote N``, ``comment N``.
Headers come first and footers last, so a name in a letterhead precedes the body.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.parser import parse_xml
from lxml import etree

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.office_crypto import OLE_MAGIC, plain_office_file
from exposure.model import TextBlock

# A real document's parts unpack to a few MB; more than this is a zip bomb, not a letter.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
W_P, W_TBL, W_TR, W_TC, W_BODY = (f"{{{_W}}}{name}" for name in ("p", "tbl", "tr", "tc", "body"))
W_T, W_TAB, W_BR, W_CR = (f"{{{_W}}}{name}" for name in ("t", "tab", "br", "cr"))
W_NO_BREAK_HYPHEN = f"{{{_W}}}noBreakHyphen"
W_SDT, W_SDT_CONTENT, W_CUSTOM_XML = (f"{{{_W}}}{name}" for name in ("sdt", "sdtContent", "customXml"))
W_TXBX_CONTENT, W_TYPE = f"{{{_W}}}txbxContent", f"{{{_W}}}type"
W_FOOTNOTE, W_ENDNOTE, W_COMMENT = (f"{{{_W}}}{name}" for name in ("footnote", "endnote", "comment"))
MC_FALLBACK = f"{{{_MC}}}Fallback"
# Wrappers whose children are read as if they stood in their parent.
_TRANSPARENT = frozenset({W_SDT, W_SDT_CONTENT, W_CUSTOM_XML})
# A text box's content is read where it is anchored; the VML copy in mc:Fallback is the same text again.
_TEXT_BOXES = etree.XPath(".//w:txbxContent[not(ancestor::mc:Fallback)]", namespaces={"w": _W, "mc": _MC})


@reader("docx")
def read_docx(path: Path) -> Extracted:
    with plain_office_file(path) as plain:  # a protected DOCX opens with a case password
        yield from _read_docx(plain)


def _read_docx(path: Path) -> Extracted:
    check_office_zip(path, "DOCX")
    document = _open(path)
    builder = _Blocks()
    parts = _related_parts(document)
    for index, element in enumerate(parts[RT.HEADER], start=1):
        yield from builder.part(element, _numbered("header", index, len(parts[RT.HEADER])))
    yield from builder.body(document.element.find(W_BODY))
    for kind, tag, label in (
        (RT.FOOTNOTES, W_FOOTNOTE, "footnote"),
        (RT.ENDNOTES, W_ENDNOTE, "endnote"),
        (RT.COMMENTS, W_COMMENT, "comment"),
    ):
        for element in parts[kind]:
            yield from builder.notes(element, tag, label)
    for index, element in enumerate(parts[RT.FOOTER], start=1):
        yield from builder.part(element, _numbered("footer", index, len(parts[RT.FOOTER])))


def check_office_zip(path: Path, kind: str) -> None:
    """Refuse what is not a readable Office zip: encrypted (an OLE wrapper), damaged, or a zip bomb."""
    with open(path, "rb") as f:
        if f.read(8) == OLE_MAGIC:
            raise ExtractError("encrypted: password required")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractError(f"damaged {kind}: not a readable zip package ({exc})") from None
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES or unpacked > max(packed, 1) * MAX_COMPRESSION_RATIO + 10_000_000:
        raise ExtractError(f"{kind} unpacks to {unpacked} bytes: refused as a possible zip bomb")


def _open(path: Path) -> docx.document.Document:
    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractError(f"damaged DOCX: {type(exc).__name__}") from None


def _related_parts(document: docx.document.Document) -> dict[str, list[etree._Element]]:
    """XML roots of the headers, footers, notes and comments, in part-name order."""
    wanted = (RT.HEADER, RT.FOOTER, RT.FOOTNOTES, RT.ENDNOTES, RT.COMMENTS)
    found: dict[str, list[tuple[str, etree._Element]]] = {kind: [] for kind in wanted}
    for rel in document.part.rels.values():
        if rel.is_external or rel.reltype not in found:
            continue
        part = rel.target_part
        element = getattr(part, "element", None)
        if element is None:
            try:
                element = parse_xml(part.blob)
            except etree.XMLSyntaxError:
                raise ExtractError(f"damaged DOCX: {part.partname} is not valid XML") from None
        found[rel.reltype].append((str(part.partname), element))
    by_name = {kind: sorted(items, key=lambda item: item[0]) for kind, items in found.items()}
    return {kind: [element for _, element in items] for kind, items in by_name.items()}


def _numbered(label: str, index: int, count: int) -> str:
    return label if count == 1 else f"{label} {index}"


class _Blocks:
    """Numbers paragraphs, tables and text boxes as it goes, and keeps the document offset."""

    def __init__(self) -> None:
        self.offset = 0
        self.paragraphs = 0
        self.tables = 0
        self.text_boxes = 0

    def block(self, location: str, text: str) -> Iterator[TextBlock]:
        if text.strip():
            yield TextBlock(location, text, self.offset)
            self.offset += len(text) + 1

    def body(self, body: etree._Element | None) -> Iterator[TextBlock]:
        if body is None:
            return
        for element in _content(body):
            if element.tag == W_P:
                self.paragraphs += 1
                yield from self.block(f"paragraph {self.paragraphs}", paragraph_text(element))
                yield from self.text_boxes_in(element)
            elif element.tag == W_TBL:
                yield from self.table(element)

    def table(self, table: etree._Element) -> Iterator[TextBlock]:
        self.tables += 1
        number = self.tables
        for row_number, row in enumerate(_children(table, W_TR), start=1):
            yield from self.block(f"table {number} row {row_number}", row_text(row))
        yield from self.text_boxes_in(table)

    def text_boxes_in(self, element: etree._Element) -> Iterator[TextBlock]:
        for box in _TEXT_BOXES(element):
            self.text_boxes += 1
            text = "\n".join(paragraph_text(p) for p in box.iter(W_P))
            yield from self.block(f"text box {self.text_boxes}", text)

    def part(self, root: etree._Element, location: str) -> Iterator[TextBlock]:
        """A header or footer: one block, its paragraphs and table rows one per line."""
        yield from self.block(location, "\n".join(_lines(root)))

    def notes(self, root: etree._Element, tag: str, label: str) -> Iterator[TextBlock]:
        number = 0
        for note in _children(root, tag):
            if note.get(W_TYPE) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            number += 1
            yield from self.block(f"{label} {number}", "\n".join(_lines(note)))


def _lines(root: etree._Element) -> Iterator[str]:
    for element in _content(root):
        if element.tag == W_P:
            yield paragraph_text(element)
        elif element.tag == W_TBL:
            yield from (row_text(row) for row in _children(element, W_TR))


def _content(parent: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables directly in ``parent``, looking through content controls."""
    for child in parent:
        if child.tag in _TRANSPARENT:
            yield from _content(child)
        elif child.tag in (W_P, W_TBL):
            yield child


def _children(parent: etree._Element, tag: str) -> Iterator[etree._Element]:
    for child in parent:
        if child.tag in _TRANSPARENT:
            yield from _children(child, tag)
        elif child.tag == tag:
            yield child


def paragraph_text(paragraph: etree._Element) -> str:
    parts: list[str] = []
    _collect_text(paragraph, parts)
    return "".join(parts)


def _collect_text(element: etree._Element, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag == W_T:
            parts.append(child.text or "")
        elif tag == W_TAB:
            parts.append("\t")
        elif tag in (W_BR, W_CR):
            parts.append("\n")
        elif tag == W_NO_BREAK_HYPHEN:
            parts.append("-")
        elif tag not in (W_TXBX_CONTENT, MC_FALLBACK):  # text boxes are blocks of their own
            _collect_text(child, parts)


def row_text(row: etree._Element) -> str:
    return " | ".join(_cell_text(cell) for cell in _children(row, W_TC))


def _cell_text(cell: etree._Element) -> str:
    """A cell's paragraphs joined by spaces; a table inside a cell as its rows separated by '; '."""
    pieces = []
    for element in _content(cell):
        if element.tag == W_P:
            pieces.append(paragraph_text(element).strip())
        else:
            pieces.append("; ".join(row_text(row) for row in _children(element, W_TR)))
    return " ".join(piece for piece in pieces if piece)
