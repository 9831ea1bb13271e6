"""CSV, TSV, pipe- and semicolon-delimited files, streamed row by row."""

from __future__ import annotations

import csv
import io
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.encoding import SAMPLE_BYTES, open_text
from exposure.model import Table

DELIMITERS = (",", "\t", "|", ";")
SAMPLE_LINES = 50
MAX_BANNER_ROWS = 5
# A header cell: words, not values. No '@', and not a number or a date.
_HEADER_CELL = re.compile(r"^[^\W\d][\w #./()&'?-]{0,79}$", re.UNICODE)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@reader("csv")
def read_delimited(path: Path) -> Extracted:
    text, _encoding = open_text(path)
    with text:
        sample = text.read(SAMPLE_BYTES // 2)
        delimiter = sniff_delimiter(sample)
        text.seek(0)
        rows = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
        yield from table_from_rows(rows)


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the sample's lines into the same number (>1) of fields most often."""
    lines = sample.splitlines()[:SAMPLE_LINES]
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end mid-line
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]
        counts = [c for c in counts if c > 0]
        if not counts:
            continue
        width, agree = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = agree / len(counts) * 100 + width / 100
        if score > best_score:
            best, best_score = delimiter, score
    if best_score == 0:
        raise ExtractError("not a delimited table: no delimiter splits its lines consistently")
    return best


class NumberedRows:
    """Rows from any source shaped like ``csv.reader``: ``line_num`` is the 1-based number of the last row
    given, so the header, banner and numbering logic here serves sheets and slide tables too."""

    def __init__(self, rows: Iterable[list[str]]) -> None:
        self._rows = iter(rows)
        self.line_num = 0

    def __iter__(self) -> NumberedRows:
        return self

    def __next__(self) -> list[str]:
        row = next(self._rows)
        self.line_num += 1
        return row


def table_from_rows(rows: Iterator[list[str]]) -> Iterator[Table]:
    """One Table from a csv.reader-like iterator (with ``line_num``): banner rows skipped, header detected."""
    first = _next_nonblank(rows)
    if first is None:
        return
    second = _next_nonblank(rows)
    # A title or banner line above the header ("Stanley Cups,,") fills one cell of many.
    for _ in range(MAX_BANNER_ROWS):
        if second is None or not _is_banner(first[1], second[1]):
            break
        first, second = second, _next_nonblank(rows)
    first_row = first[1]
    has_header = looks_like_header(first_row, second[1] if second else None)
    if has_header:
        columns = _unique_columns(first_row)
        pending = [second] if second else []
    else:
        columns = [f"column_{i + 1}" for i in range(len(first_row))]
        pending = [first] + ([second] if second else [])
    yield Table(name="", columns=columns, rows=_aligned_rows(pending, rows, columns), has_header=has_header)


def _is_banner(row: list[str], following: list[str]) -> bool:
    filled = sum(1 for c in row if c.strip())
    return filled == 1 and sum(1 for c in following if c.strip()) >= 3


def _next_nonblank(rows: Iterator[list[str]]) -> tuple[int, list[str]] | None:
    """The next row with content, numbered by the line it starts on (quoted fields may span lines)."""
    while True:
        start = rows.line_num + 1  # type: ignore[attr-defined]
        row = next(rows, None)
        if row is None:
            return None
        if any(cell.strip() for cell in row):
            return start, row


def _aligned_rows(
    pending: list[tuple[int, list[str]]], rows: Iterator[list[str]], columns: list[str]
) -> Iterator[tuple[int, list[str]]]:
    """Rows padded or cut to the header's width; extra cells are joined into the last column."""
    width = len(columns)
    for line, row in pending:
        yield line, _fit(row, width)
    start = rows.line_num + 1  # type: ignore[attr-defined]
    for row in rows:
        end = rows.line_num  # type: ignore[attr-defined]
        if any(cell.strip() for cell in row):
            yield start, _fit(row, width)
        start = end + 1


def _fit(row: list[str], width: int) -> list[str]:
    if len(row) == width:
        return row
    if len(row) < width:
        return row + [""] * (width - len(row))
    return row[: width - 1] + [",".join(row[width - 1 :])]


def looks_like_header(first: list[str], second: list[str] | None) -> bool:
    """A header row names things: every filled cell is a word-like label and some cell is filled."""
    cells = [c.strip() for c in first if c.strip()]
    if not cells or not all(_HEADER_CELL.match(c) for c in cells):
        return False
    if len(set(cells)) < len(cells) * 0.8:
        return False
    if second is None:
        return True
    # A data row under a header usually carries digits somewhere the header has none.
    return any(any(ch.isdigit() for ch in value) for value in second) or len(cells) == len(first)


def _unique_columns(header: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    columns = []
    for i, raw in enumerate(header):
        name = raw.strip() or f"column_{i + 1}"
        seen[name] += 1
        columns.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return columns
