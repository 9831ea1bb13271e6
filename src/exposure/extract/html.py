"""HTML pages (saved web pages, HTML e-mail bodies, reports exported as HTML): the visible text.

The file is decoded and fed to the standard library's HTML parser in chunks, so a
huge export stays in bounded memory. Scripts, styles and templates are skipped;
block elements (paragraphs, divs, headings, list items, table rows ...) start a new
block and ``<br>`` starts a new line inside one. A table row is one block with its
cells joined by `` | ``. Values typed into form fields (``<input value>``,
``<textarea>``) are text a person entered, so they are read too.

Blocks are located ``line N``: the line of the HTML source where their text starts.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from exposure.extract.base import Extracted, reader
from exposure.extract.encoding import open_text
from exposure.model import TextBlock

CHUNK_CHARS = 64 * 1024
MAX_BLOCK_CHARS = 64 * 1024  # a page with no block structure is still cut into bounded blocks

# Only elements the parser always closes (their content is raw text up to the end tag): skipping an
# element left open by sloppy HTML would hide the rest of the page.
_SKIPPED = frozenset({"script", "style"})
_BLOCKS = frozenset(
    ("address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog")
    + ("dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "frameset", "h1")
    + ("h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu")
    + ("nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "title")
    + ("tr", "ul")
)
_CELLS = frozenset({"td", "th"})
_PREFORMATTED = frozenset({"pre", "textarea", "listing", "plaintext", "xmp"})
_VALUE_INPUTS = frozenset(
    {"", "text", "email", "tel", "date", "number", "search", "url", "month", "datetime-local"}
)
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


@reader("html")
def read_html(path: Path) -> Extracted:
    text, _encoding = open_text(path)
    parser = _VisibleText()
    with text:
        while chunk := text.read(CHUNK_CHARS):
            parser.feed(chunk)
            yield from parser.take_blocks()
    parser.close()
    parser.flush()
    yield from parser.take_blocks()


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[TextBlock] = []
        self.pieces: list[str] = []
        self.size = 0
        self.start_line = 0
        self.text_offset = 0  # not ``offset``: HTMLParser keeps the source column there
        self.block_is_pre = False
        self.skip_depth = 0
        self.pre_depth = 0
        self.row_depth = 0
        self.cells_in_row = 0

    # -- parser events

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "tr":
            self.flush()
            self.row_depth += 1
            self.cells_in_row = 0
        elif tag in _CELLS:
            if self.row_depth and self.cells_in_row:
                self._add(" | ")
            self.cells_in_row += 1
        elif tag == "br":
            self._add("\n")
        elif tag in _BLOCKS:
            self._break()
        if tag in _PREFORMATTED:
            self.pre_depth += 1
        if tag == "input":
            self._input_value(dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag == "tr" and self.row_depth:
            self.row_depth -= 1
            self.flush()
        elif tag in _BLOCKS:
            self._break()
        if tag in _PREFORMATTED:
            self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if not self.pre_depth:
            data = _SPACES.sub(" ", data)
        if data.strip() or self.pieces:
            self._add(data)

    # -- blocks

    def _input_value(self, attrs: dict[str, str | None]) -> None:
        kind = (attrs.get("type") or "").lower()
        value = attrs.get("value")
        if value and value.strip() and kind in _VALUE_INPUTS:
            self._add(f" {value.strip()} ")

    def _add(self, text: str) -> None:
        if not self.pieces:
            self.start_line = self.getpos()[0]
        self.block_is_pre = self.block_is_pre or bool(self.pre_depth)
        self.pieces.append(text)
        self.size += len(text)
        if self.size >= MAX_BLOCK_CHARS:
            self.flush()

    def _break(self) -> None:
        """A block element: a new block, or only a space inside a table row (the row stays one block)."""
        if self.row_depth:
            self._add(" ")
        else:
            self.flush()

    def flush(self) -> None:
        lines = "".join(self.pieces).split("\n")
        if not self.block_is_pre:  # pieces meet with spaces of their own: "John Roe </td><td> (212)"
            lines = [" ".join(line.split()) for line in lines]
        text = "\n".join(line.strip() for line in lines).strip("\n")
        if text.strip():
            self.blocks.append(TextBlock(f"line {self.start_line}", text, self.text_offset))
            self.text_offset += len(text) + 1
        self.pieces, self.size, self.block_is_pre = [], 0, False

    def take_blocks(self) -> list[TextBlock]:
        blocks, self.blocks = self.blocks, []
        return blocks
