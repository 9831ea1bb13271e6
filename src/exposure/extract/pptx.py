"""PowerPoint presentations (PPTX): the text of every shape and table on each slide, and the notes.

Locations: ``slide N`` (one block per shape with text, grouped shapes included),
``slide N table K row M`` (cells joined by `` | ``) and ``slide N notes``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.exc import PackageNotFoundError
from pptx.shapes.base import BaseShape
from pptx.shapes.group import GroupShape

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.docx import check_office_zip
from exposure.model import TextBlock


@reader("pptx")
def read_pptx(path: Path) -> Extracted:
    check_office_zip(path, "PPTX")
    presentation = _open(path)
    offset = 0
    for number, slide in enumerate(presentation.slides, start=1):
        for location, text in _slide_texts(slide, number):
            if text.strip():
                yield TextBlock(location, text, offset)
                offset += len(text) + 1


def _open(path: Path):  # noqa: ANN202 - pptx.presentation.Presentation
    try:
        return Presentation(str(path))
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractError(f"damaged PPTX: {type(exc).__name__}") from None


def _slide_texts(slide, number: int) -> Iterator[tuple[str, str]]:  # noqa: ANN001 - pptx Slide
    tables = 0
    for shape in _shapes(slide.shapes):
        if getattr(shape, "has_table", False):
            tables += 1
            for row_number, row in enumerate(shape.table.rows, start=1):
                cells = (_one_line(cell.text_frame.text) for cell in row.cells)
                yield f"slide {number} table {tables} row {row_number}", " | ".join(cells)
        elif getattr(shape, "has_text_frame", False):
            yield f"slide {number}", _lines(shape.text_frame.text)
    if slide.has_notes_slide:
        frame = slide.notes_slide.notes_text_frame
        if frame is not None:
            yield f"slide {number} notes", _lines(frame.text)


def _shapes(shapes) -> Iterator[BaseShape]:  # noqa: ANN001 - a pptx shape collection
    """Every shape, the members of groups included, in the slide's order."""
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shapes(shape.shapes)
        else:
            yield shape


def _lines(text: str) -> str:
    return text.replace("\v", "\n")  # python-pptx writes a line break inside a paragraph as \v


def _one_line(text: str) -> str:
    return " ".join(text.split())
