"""CSV, TSV, pipe- and semicolon-delimited files, streamed in batches.

A plain file (UTF-8, header or data on line 1, no quote characters) is split in
Polars, a few megabytes at a time, and handed on as frames: no Python object per
cell. Anything else - other encodings, banner rows, quoted fields (which may
hold delimiters and newlines) - is read by the ``csv`` module, row by row; a
file that turns out not to be plain part-way (a quote in a later chunk) goes on
from there with the ``csv`` module, so row numbers stay the lines a reviewer
opens.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import polars as pl

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
    text, encoding = open_text(path)
    with text:
        sample = text.read(SAMPLE_BYTES // 2)
        delimiter = sniff_delimiter(sample)
        text.seek(0)
        fast = _plain_table(path, encoding, delimiter, sample)
        if fast is not None:
            yield fast
            return
        yield from table_from_rows(_csv_rows(text, delimiter))


def _csv_rows(text: IO[str], delimiter: str) -> Iterator[list[str]]:
    return csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)


# ---- the plain-file path: Polars splits lines and cells ------------------------------------------

CHUNK_BYTES = 8 * 1024 * 1024
ROW = "__row"  # row-number column of a frame (see Table.frames)
_PLAIN_ENCODINGS = ("utf-8", "utf-8-sig", "ascii")


def _plain_table(path: Path, encoding: str, delimiter: str, sample: str) -> Table | None:
    """A Table read through Polars when the file is plain from its first line; None to use ``csv``."""
    if encoding not in _PLAIN_ENCODINGS or not _plain(sample.encode("utf-8")):
        return None
    head = NumberedRows(csv.reader(io.StringIO(sample.lstrip("\ufeff")), delimiter=delimiter))
    table = next(table_from_rows(head), None)
    if table is None:
        return None
    # The header (or first data row) must be line 1: banner rows above it are the csv path's business.
    line_one = sample.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    first_line = next(csv.reader([line_one], delimiter=delimiter))
    if table.has_header:
        if _unique_columns(first_line) != table.columns:
            return None
    elif next(iter(table.rows), (0, []))[0] != 1:
        return None
    width = len(table.columns)
    frames = _PlainReader(path, delimiter, width, skip_lines=int(table.has_header)).frames()
    return Table(
        name="", columns=table.columns, rows=_rows_of(frames), has_header=table.has_header, frames=frames
    )


def _plain(chunk: bytes) -> bool:
    """No quotes (so no quoted delimiters or newlines), no lone carriage returns, no NULs."""
    if b'"' in chunk or b"\x00" in chunk:
        return False
    # Most files have no carriage return at all; only those that do need them counted.
    return b"\r" not in chunk or chunk.count(b"\r") == chunk.count(b"\r\n")


class _PlainReader:
    """Frames of string cells ``c0`` ... and ``__row`` from a plain file, a chunk of lines at a time."""

    def __init__(self, path: Path, delimiter: str, width: int, skip_lines: int) -> None:
        self.path, self.delimiter, self.width = path, delimiter, width
        self.skip_lines = skip_lines
        # A character that is neither a delimiter nor white space to Python's str.strip (which the csv
        # path uses; it also strips the separators \x1c-\x1f, which \s leaves).
        self._content = rf"[^\s\x1c-\x1f{re.escape(delimiter)}]"

    def frames(self) -> Iterator[pl.DataFrame]:
        line = 1  # number of the first line of the next chunk
        offset = 0  # byte offset of that line
        with open(self.path, "rb") as raw:
            rest = b""
            while True:
                data = raw.read(CHUNK_BYTES)
                chunk = rest + data
                if not chunk:
                    return
                cut = chunk.rfind(b"\n") + 1 if data else len(chunk)
                if cut == 0:  # one line longer than a chunk: keep reading
                    rest = chunk
                    continue
                chunk, rest = chunk[:cut], chunk[cut:]
                text = self._decoded(chunk, offset)
                if text is None or not _plain(chunk):
                    yield from self._csv_frames(offset, line)
                    return
                frame, newlines = self._frame(text, line)
                if frame.height:
                    yield frame
                line += newlines
                offset += len(chunk)

    def _decoded(self, chunk: bytes, offset: int) -> str | None:
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return text.removeprefix("\ufeff") if offset == 0 else text

    def _frame(self, text: str, first_line: int) -> tuple[pl.DataFrame, int]:
        """The non-blank lines of ``text`` split into cells, and the number of newlines in ``text``."""
        lines = pl.Series("line", [text]).str.split("\n").explode()
        newlines = lines.len() - 1
        if text.endswith("\n"):
            lines = lines.head(newlines)  # not a line: what follows the last newline
        numbers = pl.int_range(first_line, first_line + lines.len(), eager=True, dtype=pl.Int64)
        frame = pl.DataFrame({ROW: numbers, "line": lines})
        if self.skip_lines and first_line == 1:
            frame = frame.slice(self.skip_lines)
        # A blank row (its cells all white space) is a line of white space and delimiters only.
        frame = frame.filter(pl.col("line").str.contains(self._content))
        line = pl.col("line").str.strip_suffix("\r") if "\r" in text else pl.col("line")
        cells = line.str.splitn(self.delimiter, self.width)
        names = [f"c{i}" for i in range(self.width)]
        cells = cells.struct.rename_fields(names).alias("cells")
        frame = frame.select(ROW, cells).unnest("cells")
        if frame[names[-1]].null_count():  # short lines: splitn leaves their last cells null
            frame = frame.with_columns(pl.col(names).fill_null(""))
        if self.delimiter != "," and self.width > 1:
            # Extra cells were joined into the last column with commas, as the csv path does.
            last = names[-1]
            frame = frame.with_columns(pl.col(last).str.replace_all(self.delimiter, ",", literal=True))
        return frame, newlines

    def _csv_frames(self, offset: int, first_line: int) -> Iterator[pl.DataFrame]:
        """From ``offset`` on the csv module reads (quoted fields, odd bytes), numbering from first_line."""
        raw = open(self.path, "rb")  # noqa: SIM115 - closed with the wrapper below
        raw.seek(offset)
        with io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="") as text:
            rows = _csv_rows(text, self.delimiter)  # its line_num counts lines, as row numbers must
            if first_line == 1 and self.skip_lines:
                next(rows, None)
            aligned = _aligned_rows([], rows, [""] * self.width)
            batch: list[tuple[int, list[str]]] = []
            for number, values in aligned:
                batch.append((number + first_line - 1, values))
                if len(batch) >= CSV_FRAME_ROWS:
                    yield _rows_frame(batch, self.width)
                    batch = []
            if batch:
                yield _rows_frame(batch, self.width)


CSV_FRAME_ROWS = 20_000


def _rows_frame(batch: list[tuple[int, list[str]]], width: int) -> pl.DataFrame:
    columns: dict[str, pl.Series] = {ROW: pl.Series(ROW, [n for n, _ in batch], dtype=pl.Int64)}
    for i in range(width):
        columns[f"c{i}"] = pl.Series([values[i] for _, values in batch], dtype=pl.String)
    return pl.DataFrame(columns)


def _rows_of(frames: Iterator[pl.DataFrame]) -> Iterator[tuple[int, list[str]]]:
    """The same rows as ``(row number, values)`` for consumers that read rows."""
    for frame in frames:
        numbers = frame[ROW].to_list()
        values = frame.drop(ROW).rows()
        yield from zip(numbers, (list(v) for v in values), strict=True)


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
