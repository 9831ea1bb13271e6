"""PowerPoint presentations (PPTX): the text of every shape and table on each slide, and the notes.

Locations: ``slide N`` (one block per shape with text, grouped shapes included),
``slide N notes``; a slide table is records (a ``Table`` named ``slide N table K``, so a mention in
it is at ``slide N table K!row M``).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.exc import PackageNotFoundError
from pptx.shapes.base import BaseShape
from pptx.shapes.group import GroupShape

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.delimited import NumberedRows, table_from_rows
from exposure.extract.docx import check_office_zip
from exposure.extract.office_crypto import plain_office_file
from exposure.model import TextBlock


@reader("pptx")
def read_pptx(path: Path) -> Extracted:
    with plain_office_file(path) as plain:  # a protected PPTX opens with a case password
        yield from _read_pptx(plain)


def _read_pptx(path: Path) -> Extracted:
    check_office_zip(path, "PPTX")
    presentation = _open(path)
    offset = 0
    for number, slide in enumerate(presentation.slides, start=1):
        for location, content in _slide_contents(slide, number):
            if isinstance(content, list):
                # A slide table is records: its header row tells what each column holds.
                for table in table_from_rows(NumberedRows(content)):
                    yield replace(table, name=location)
            elif content.strip():
                yield TextBlock(location, content, offset)
                offset += len(content) + 1


def _open(path: Path):  # noqa: ANN202 - pptx.presentation.Presentation
    try:
        return Presentation(str(path))
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractError(f"damaged PPTX: {type(exc).__name__}") from None


def _slide_contents(slide, number: int) -> Iterator[tuple[str, str | list[list[str]]]]:  # noqa: ANN001
    """(location, text) for text frames and notes, (``slide N table K``, rows of cells) for tables."""
    tables = 0
    for shape in _shapes(slide.shapes):
        if getattr(shape, "has_table", False):
            tables += 1
            rows = [[_one_line(cell.text_frame.text) for cell in row.cells] for row in shape.table.rows]
            yield f"slide {number} table {tables}", rows
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
