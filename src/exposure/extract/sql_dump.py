"""SQL dumps (mysqldump, pg_dump, any file of INSERT statements) read without a database server.

Streams the dump line by line through a small tokenizer and keeps only what rows need: the column
lists of ``CREATE TABLE``, the tuples of ``INSERT INTO t (cols) VALUES (...), (...);`` and the lines of
pg_dump ``COPY t (cols) FROM stdin;`` blocks. Memory holds one line (mysqldump writes a whole extended
INSERT on one line) plus any quoted text still open, capped at ``MAX_PENDING_CHARS``.

Each run of consecutive rows of one table is one ``Table`` named after the table; a dump that
interleaves tables yields several Tables with the same name. The row number is the dump's line where
the row starts, so a reviewer can open the dump at that line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.encoding import SAMPLE_BYTES, open_text
from exposure.model import Table

MAX_PENDING_CHARS = (
    64 * 1024 * 1024
)  # quoted text this long without its closing quote: not a dump we can read

# Quoted identifiers (`x`, "x") are part of words; strings are their own tokens. An opening quote or
# comment whose end is not in the buffer yet falls through to 'partial': read another line first.
_WORD = r"""(?P<word>(?:`(?:[^`]++|``)*+`|"(?:[^"]++|"")*+"|[^\s'"`(),;]++)++)"""
_COMMON_HEAD = r"(?P<ws>\s+)|(?P<comment>--[^\n]*(?:\n|$)|/\*[\s\S]*?\*/)"
_COMMON_TAIL = r"|(?P<open>/\*)|" + _WORD + r"|(?P<punct>[(),;])|(?P<partial>[\s\S])"
# MySQL: backslash escapes and doubled quotes in strings.
_MYSQL_TOKENS = re.compile(_COMMON_HEAD + r"|(?P<str>'(?:[^'\\]++|\\[\s\S]|'')*+')" + _COMMON_TAIL)
# PostgreSQL / standard SQL: backslashes are literal except in E'...' strings; $tag$ quoting in bodies.
_PG_TOKENS = re.compile(
    _COMMON_HEAD
    + r"|(?P<str>[Ee]'(?:[^'\\]++|\\[\s\S]|'')*+'|'(?:[^']++|'')*+')"
    + r"|(?P<dollar>\$(?P<tag>[A-Za-z_]*)\$[\s\S]*?\$(?P=tag)\$)|(?P<open_dollar>\$[A-Za-z_]*\$)"
    + _COMMON_TAIL
)
# The fast path: a whole tuple of literals (no nested parentheses outside strings), then its values.
_MYSQL_STR = r"'(?:[^'\\]++|\\[\s\S]|'')*+'"
_PG_STR = r"(?:[Ee]'(?:[^'\\]++|\\[\s\S]|'')*+'|'(?:[^']++|'')*+')"
_MYSQL_TUPLE = re.compile(r"\s*,?\s*\((?P<inner>(?:" + _MYSQL_STR + r"|[^'()]++)*+)\)")
_PG_TUPLE = re.compile(r"\s*,?\s*\((?P<inner>(?:" + _PG_STR + r"|[^'()]++)*+)\)")
_BARE_VALUE = r"|(?P<bare>[^,'\s()]+))\s*(?:,|$)"
_MYSQL_VALUE = re.compile(r"\s*(?:(?P<str>(?:_\w+|[XxNnBb])?(?P<intro_str>" + _MYSQL_STR + "))" + _BARE_VALUE)
_PG_VALUE = re.compile(r"\s*(?:(?P<str>(?P<intro_str>" + _PG_STR + "))" + _BARE_VALUE)
_PARTIAL_KINDS = frozenset({"open", "partial", "open_dollar"})

_MYSQL_MARKERS = ("-- MySQL dump", "-- MariaDB dump", "/*!40101", "ENGINE=", "`")
_PG_MARKERS = ("PostgreSQL database dump", "standard_conforming_strings", "FROM stdin;")
_INSERT_NOISE = frozenset({"INTO", "IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "ONLY"})
_CONSTRAINT_WORDS = frozenset(
    {"PRIMARY", "KEY", "UNIQUE", "CONSTRAINT", "INDEX", "FOREIGN", "CHECK", "FULLTEXT", "SPATIAL"}
    | {"EXCLUDE", "LIKE", "PERIOD"}
)
_CREATE_TABLE_MODIFIERS = frozenset({"TEMPORARY", "TEMP", "UNLOGGED", "GLOBAL", "LOCAL", "OR", "REPLACE"})
_INTRODUCERS = frozenset({"X", "N", "B", "E"})
_BACKSLASH = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|([\s\S]))")
_MYSQL_ESCAPE = re.compile(r"\\([\s\S])|''")
_SIMPLE_ESCAPES = {"0": "\0", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "Z": "\x1a"}
_IDENTIFIER_QUOTES = re.compile(r'`((?:[^`]|``)*)`|"((?:[^"]|"")*)"')


@dataclass
class RowEvent:
    table: str
    columns: tuple[str, ...] | None  # None when the dump never named them
    line: int
    values: list[str]


@reader("sqldump")
def read_sql_dump(path: Path) -> Extracted:
    events = _Peekable(_row_events(path))
    # Rows are numbered per table in insertion order (`members!row 25` is the 25th row of members):
    # an extended INSERT puts many rows on one dump line, so a line number would not tell them apart.
    counts: dict[str, int] = {}
    while (first := events.peek()) is not None:
        key = (first.table, first.columns)
        columns = (
            list(first.columns) if first.columns else [f"column_{i + 1}" for i in range(len(first.values))]
        )
        run = _run(events, key, len(columns), counts)
        yield Table(name=first.table, columns=columns, rows=run, has_header=first.columns is not None)
        for _ in run:  # the consumer stopped early: skip the rest of this run
            pass


def _run(
    events: _Peekable, key: tuple[str, tuple[str, ...] | None], width: int, counts: dict[str, int]
) -> Iterator[tuple[int, list[str]]]:
    while (event := events.peek()) is not None and (event.table, event.columns) == key:
        events.next()
        counts[event.table] = counts.get(event.table, 0) + 1
        yield counts[event.table], _fit(event.values, width)


def _fit(values: list[str], width: int) -> list[str]:
    if len(values) == width:
        return values
    if len(values) < width:
        return values + [""] * (width - len(values))
    return values[: width - 1] + [",".join(values[width - 1 :])]


class _Peekable:
    def __init__(self, items: Iterator[RowEvent]) -> None:
        self._items = items
        self._head: RowEvent | None = None
        self._done = False

    def peek(self) -> RowEvent | None:
        if self._head is None and not self._done:
            self._head = next(self._items, None)
            self._done = self._head is None
        return self._head

    def next(self) -> RowEvent | None:
        head = self.peek()
        self._head = None
        return head


# ------------------------------------------------------------------ reading the dump


def _row_events(path: Path) -> Iterator[RowEvent]:
    text, _encoding = open_text(path)
    with text:
        sample = text.read(SAMPLE_BYTES // 2)
        text.seek(0)
        parser = _Parser(mysql=_is_mysql(sample))
        for number, line in enumerate(text, start=1):
            yield from parser.feed(line, number)
        parser.finish()


def _is_mysql(sample: str) -> bool:
    if any(marker in sample for marker in _PG_MARKERS):
        return False
    return any(marker in sample for marker in _MYSQL_MARKERS)


@dataclass
class _Statement:
    kind: str = "start"  # start, skip, insert, insert_cols, values, create, create_body, copy, copy_cols
    table: str = ""
    columns: list[str] = field(default_factory=list)
    saw_keyword: bool = False  # TABLE after CREATE; FROM STDIN after COPY
    depth: int = 0
    item_start: bool = True
    values: list[str] = field(default_factory=list)
    parts: list[tuple[str, str]] = field(default_factory=list)
    row_line: int = 0


class _Parser:
    """Tokens to row events, one statement at a time; COPY data lines bypass the tokenizer."""

    def __init__(self, mysql: bool) -> None:
        self.tokens = _MYSQL_TOKENS if mysql else _PG_TOKENS
        self.tuple_pattern = _MYSQL_TUPLE if mysql else _PG_TUPLE
        self.value_pattern = _MYSQL_VALUE if mysql else _PG_VALUE
        self.unescape: Callable[[str], str] = _mysql_string if mysql else _standard_string
        self.schemas: dict[str, tuple[str, ...]] = {}
        self.statement = _Statement()
        self.pending = ""
        self.pending_line = 0
        self.copy: tuple[str, tuple[str, ...] | None] | None = None

    def feed(self, line: str, number: int) -> Iterator[RowEvent]:
        if self.copy is not None:
            yield from self._copy_line(line, number)
            return
        if not self.pending:
            self.pending_line = number
        buffer = self.pending + line
        self.pending = ""
        line_no, counted, pos = self.pending_line, 0, 0
        while pos < len(buffer):
            if self.statement.kind == "values" and self.statement.depth == 0:
                row = self._flat_tuple(buffer, pos)
                if row is not None:
                    start, pos, values = row
                    line_no += buffer.count("\n", counted, start)
                    counted = start
                    yield RowEvent(self.statement.table, self._columns_for(self.statement), line_no, values)
                    continue
            match = self.tokens.match(buffer, pos)
            if match is None:  # cannot happen: the last alternative matches any character
                break
            pos = match.end()
            kind = match.lastgroup
            if kind in _PARTIAL_KINDS:
                self._keep_pending(
                    buffer[match.start() :], line_no + buffer.count("\n", counted, match.start())
                )
                return
            if kind in ("ws", "comment"):
                continue
            line_no += buffer.count("\n", counted, match.start())
            counted = match.start()
            event = self._token(kind, match.group(kind), line_no)
            if event is not None:
                yield event
            if self.copy is not None:
                return  # the rest of this line ends the COPY statement; data starts on the next line

    def _flat_tuple(self, buffer: str, pos: int) -> tuple[int, int, list[str]] | None:
        """Fast path for the common tuple of literals ``(1,'a',NULL)``: (start, end, values) in two regex
        calls instead of one Python step per token; None sends anything else down the token path."""
        match = self.tuple_pattern.match(buffer, pos)
        if match is None:
            return None
        inner = match.group("inner")
        values: list[str] = []
        end = 0
        for value in self.value_pattern.finditer(inner):
            if value.start() != end:
                return None
            end = value.end()
            values.append(self._flat_value(value))
        if end != len(inner) or not values:
            return None
        return match.start("inner") - 1, match.end(), values

    def _flat_value(self, value: re.Match[str]) -> str:
        if value.group("str") is not None:
            return self.unescape(value.group("intro_str"))
        bare = value.group("bare")
        return "" if bare.upper() == "NULL" else bare

    def _keep_pending(self, rest: str, line_no: int) -> None:
        if len(rest) > MAX_PENDING_CHARS:
            raise ExtractError(f"damaged SQL dump: quoted text opened at line {line_no} never closes")
        self.pending, self.pending_line = rest, line_no

    def finish(self) -> None:
        """A dump cut off mid-statement (a partial copy) keeps the rows read so far; only the
        unfinished tuple is lost. Failing the whole file would hide every person in it."""

    # -------------------------------------------------------------- statements

    def _token(self, kind: str, text: str, line: int) -> RowEvent | None:
        """Advance the statement by one token; a row when the token closes a VALUES tuple."""
        s = self.statement
        if kind == "punct" and text == ";":
            self._end_statement()
            return None
        if s.kind == "values":
            return self._values_token(kind, text, line)
        word = text.upper() if kind == "word" else ""
        if s.kind == "start":
            s.kind = {"INSERT": "insert", "REPLACE": "insert", "CREATE": "create", "COPY": "copy"}.get(
                word, "skip"
            )
        elif s.kind == "insert":
            self._insert_head(kind, text, word)
        elif s.kind in ("insert_cols", "copy_cols"):
            if kind == "word":
                s.columns.append(_identifier(text))
            elif text == ")":
                s.kind = s.kind.removesuffix("_cols")
        elif s.kind == "create":
            self._create_head(kind, text, word)
        elif s.kind == "create_body":
            self._create_body(kind, text, word)
        elif s.kind == "copy":
            self._copy_head(kind, text, word)
        return None

    def _insert_head(self, kind: str, text: str, word: str) -> None:
        s = self.statement
        if kind == "word" and word in ("VALUES", "VALUE"):
            s.kind = "values"
        elif kind == "word" and word in _INSERT_NOISE:
            pass
        elif kind == "word" and not s.table:
            s.table = _identifier(text)
        elif text == "(" and s.table and not s.columns:
            s.kind = "insert_cols"
        else:
            s.kind = "skip"  # INSERT ... SET / SELECT: no literal rows

    def _values_token(self, kind: str, text: str, line: int) -> RowEvent | None:
        s = self.statement
        if s.depth == 0:
            if text == "(":
                s.depth, s.values, s.parts, s.row_line = 1, [], [], line
            elif kind == "word":
                s.kind = "skip"  # ON DUPLICATE KEY UPDATE / RETURNING after the tuples
            return None
        if kind == "punct" and s.depth == 1 and text in (",", ")"):
            s.values.append(self._value(s.parts))
            s.parts = []
            if text == ")":
                s.depth = 0
                return RowEvent(s.table, self._columns_for(s), s.row_line, s.values)
            return None
        if text == "(":
            s.depth += 1
        elif text == ")":
            s.depth -= 1
        s.parts.append((kind, text))
        return None

    def _value(self, parts: list[tuple[str, str]]) -> str:
        if not parts:
            return ""
        if len(parts) == 1:
            kind, text = parts[0]
            if kind == "str":
                return self.unescape(text)
            return "" if text.upper() == "NULL" else text
        if len(parts) == 2 and parts[1][0] == "str" and _is_introducer(parts[0][1]):
            return self.unescape(parts[1][1])  # _utf8mb4'x', X'0A', N'x'
        return "".join(self.unescape(text) if kind == "str" else text for kind, text in parts)

    def _columns_for(self, s: _Statement) -> tuple[str, ...] | None:
        if s.columns:
            return tuple(s.columns)
        return self.schemas.get(s.table) or self.schemas.get(_last_part(s.table))

    def _create_head(self, kind: str, text: str, word: str) -> None:
        s = self.statement
        if not s.saw_keyword:
            if word == "TABLE":
                s.saw_keyword = True
            elif word not in _CREATE_TABLE_MODIFIERS:
                s.kind = "skip"  # CREATE INDEX / VIEW / FUNCTION ...
        elif word in ("IF", "NOT", "EXISTS") and not s.table:
            pass
        elif kind == "word" and not s.table:
            s.table = _identifier(text)
        elif text == "(" and s.table:
            s.kind, s.depth, s.item_start = "create_body", 1, True
        else:
            s.kind = "skip"  # CREATE TABLE t AS SELECT / PARTITION OF / OF type

    def _create_body(self, kind: str, text: str, word: str) -> None:
        s = self.statement
        if text == "(":
            s.depth += 1
        elif text == ")":
            s.depth -= 1
            if s.depth == 0:
                if s.columns:
                    self.schemas[s.table] = tuple(s.columns)
                    self.schemas.setdefault(_last_part(s.table), tuple(s.columns))
                s.kind = "skip"
        elif text == "," and s.depth == 1:
            s.item_start = True
        elif s.item_start and s.depth == 1:
            s.item_start = False
            if kind == "word" and word not in _CONSTRAINT_WORDS:
                s.columns.append(_identifier(text))

    def _copy_head(self, kind: str, text: str, word: str) -> None:
        s = self.statement
        if kind == "word" and not s.table:
            s.table = _identifier(text)
        elif text == "(" and s.table and not s.columns and not s.saw_keyword:
            s.kind = "copy_cols"
        elif word == "STDIN":
            s.saw_keyword = True
        elif word == "TO":
            s.kind = "skip"  # COPY ... TO: no data in the dump

    def _end_statement(self) -> None:
        s = self.statement
        if s.kind == "copy" and s.saw_keyword and s.table:
            columns = tuple(s.columns) if s.columns else self._columns_for(s)
            self.copy = (s.table, columns)
        self.statement = _Statement()

    # -------------------------------------------------------------- COPY data

    def _copy_line(self, line: str, number: int) -> Iterator[RowEvent]:
        row = line.rstrip("\n")
        row = row.removesuffix("\r")
        if row == "\\.":
            self.copy = None
            return
        table, columns = self.copy  # type: ignore[misc]
        yield RowEvent(table, columns, number, [_copy_field(value) for value in row.split("\t")])


def _copy_field(value: str) -> str:
    if value == "\\N":
        return ""
    return _backslashes(value) if "\\" in value else value


def _backslashes(text: str) -> str:
    return _BACKSLASH.sub(_unescape_match, text)


def _unescape_match(match: re.Match[str]) -> str:
    octal, hexa, char = match.groups()
    if octal:
        return chr(int(octal, 8))
    if hexa:
        return chr(int(hexa, 16))
    return _SIMPLE_ESCAPES.get(char, char)


def _mysql_string(token: str) -> str:
    body = token[1:-1]
    if "\\" not in body and "''" not in body:
        return body
    return _MYSQL_ESCAPE.sub(
        lambda m: "'" if m.group(1) is None else _SIMPLE_ESCAPES.get(m.group(1), m.group(1)), body
    )


def _standard_string(token: str) -> str:
    if token[0] in "Ee":
        body = token[2:-1].replace("''", "'")
        return _backslashes(body) if "\\" in body else body
    return token[1:-1].replace("''", "'")


def _is_introducer(word: str) -> bool:
    return word.startswith("_") or word.upper() in _INTRODUCERS


def _identifier(word: str) -> str:
    """`db`.`t` or "public"."t" or public.t, without quotes."""
    return _IDENTIFIER_QUOTES.sub(
        lambda m: (m.group(1) or "").replace("``", "`") + (m.group(2) or "").replace('""', '"'), word
    )


def _last_part(name: str) -> str:
    return name.rsplit(".", 1)[-1]
