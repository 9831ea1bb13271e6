"""JSON and NDJSON files as records.

JSON: the records are the elements of the largest array of objects anywhere in the document
(``members[]`` or ``groups[].members[]``); nested keys become dotted columns (``address.city``), arrays
inside a record become ``phones[].number`` with their values joined by ``; ``, and plain fields of the
objects that enclose the records (``company`` beside ``members``) are repeated on every record, since
they often say whose records these are. The file is streamed with ijson twice: once to find the
records and their columns, once to yield them, so memory holds one record at a time.

NDJSON: one record per line; the row number is the line number.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.encoding import open_text
from exposure.extract.flatten import JOINER, MAX_CELL_CHARS, flat_row
from exposure.extract.spreadsheet import cell_text
from exposure.model import Table

MAX_COLUMNS = 2000  # keys used as data (ids as object keys) would otherwise grow columns without end
OTHER_COLUMN = "_other"  # holds ``key=value`` pairs beyond MAX_COLUMNS so no value is lost
UNPARSED_COLUMN = "_unparsed"  # NDJSON lines that are not JSON, kept as text to scan
ROOT = ""
FIRST_LINE_BYTES = 1024 * 1024


# ------------------------------------------------------------------ JSON


@reader("json")
def read_json(path: Path) -> Extracted:
    try:
        survey = _survey(path)
    except ExtractError:
        # NDJSON with one damaged line does not sniff as NDJSON; read it line by line, keeping the rest.
        if _first_line_is_a_record(path):
            yield from read_ndjson(path)
            return
        raise
    if survey.record_path is None:
        return
    record_path = survey.record_path
    own = [leaf for leaf in survey.leaves if _in_record(leaf, record_path)]
    context = [leaf for leaf in survey.leaves if _is_context(leaf, record_path)]
    names = _unique([_relative(leaf, record_path) for leaf in own] + context)
    if survey.capped:
        names.append(OTHER_COLUMN)
    table_name = "" if record_path in (ROOT, "[]") else record_path.removesuffix("[]")
    whole = record_path == ROOT and survey.root_kind != "start_map"
    rows = _json_rows(path, record_path, own + context, set(context), survey.capped, whole)
    yield Table(name=table_name, columns=names, rows=rows, has_header=True)


class _Survey:
    """What the first pass learns: where the records are and which leaf paths exist (in order seen)."""

    def __init__(self) -> None:
        self.element_maps: Counter[str] = Counter()  # objects that are elements of an array, by path
        self.leaves: dict[str, None] = {}
        self.capped = False
        self.root_kind = ""
        self.record_path: str | None = None

    def add(self, path: str, event: str) -> None:
        if not self.root_kind:
            self.root_kind = event
        if event == "start_map" and (path.endswith("[]") or path == ROOT):
            self.element_maps[path] += (
                1  # ROOT counts top-level objects: several when values are concatenated
            )
        elif event == "value" and path not in self.leaves:
            if len(self.leaves) < MAX_COLUMNS:
                self.leaves[path] = None
            else:
                self.capped = True


def _survey(path: Path) -> _Survey:
    survey = _Survey()
    for here, event, _value in _events(path):
        survey.add(here, event)
    if survey.element_maps:
        # The most elements wins; on a tie the shallower (shorter) path, which encloses the other.
        survey.record_path = min(survey.element_maps, key=lambda p: (-survey.element_maps[p], len(p)))
    elif survey.root_kind:
        survey.record_path = ROOT  # no object at all (an array of scalars): the whole document is one record
    return survey


def _in_record(leaf: str, record_path: str) -> bool:
    return record_path == ROOT or leaf.startswith(record_path + ".") or leaf.startswith(record_path + "[]")


def _is_context(leaf: str, record_path: str) -> bool:
    """A plain field of an object that encloses the records (one value per record, not a list)."""
    if record_path == ROOT or _in_record(leaf, record_path):
        return False
    last_array = leaf.rfind("[]")
    if last_array < 0:
        return True
    enclosing = leaf[: last_array + 2]
    return record_path.startswith(enclosing + ".") and leaf[last_array + 2 : last_array + 3] == "."


def _relative(leaf: str, record_path: str) -> str:
    if record_path == ROOT:
        return leaf or "value"
    return leaf[len(record_path) + 1 :] if leaf.startswith(record_path + ".") else leaf[len(record_path) :]


def _json_rows(
    path: Path, record_path: str, leaves: list[str], context: set[str], capped: bool, whole: bool
) -> Iterator[tuple[int, list[str]]]:
    """Records between start_map and end_map at ``record_path``; ``whole``: the document is one record."""
    index = {leaf: i for i, leaf in enumerate(leaves)}
    width = len(leaves) + (1 if capped else 0)
    enclosing = {p for p in _enclosing_elements(record_path)}
    context_values: dict[str, str] = {}
    record: _Record | None = _Record(width) if whole else None
    number = 0
    for here, event, value in _events(path):
        if record is not None and not whole:
            if event == "end_map" and here == record_path:
                number += 1
                yield number, record.finish(index, context_values, capped)
                record = None
            elif event == "value":
                record.add(here, value)
            continue
        if event == "start_map" and here == record_path:
            record = _Record(width)
        elif event == "start_map" and here in enclosing:
            for key in [k for k in context_values if k.startswith(here + ".")]:
                del context_values[key]  # a new enclosing object: its fields replace the previous one's
        elif event == "value" and here in context:
            context_values[here] = _json_text(value)
        elif event == "value" and record is not None:
            record.add(here, value)
    if record is not None and whole:
        yield 1, record.finish(index, context_values, capped)


def _enclosing_elements(record_path: str) -> Iterator[str]:
    start = 0
    while (found := record_path.find("[]", start)) >= 0 and found + 2 < len(record_path):
        yield record_path[: found + 2]
        start = found + 2


class _Record:
    """One record's values by leaf path, each cell capped at MAX_CELL_CHARS."""

    def __init__(self, width: int) -> None:
        self.values: dict[str, list[str]] = {}
        self.sizes: Counter[str] = Counter()
        self.width = width

    def add(self, leaf: str, value: Any) -> None:
        text = _json_text(value)
        if not text or self.sizes[leaf] > MAX_CELL_CHARS:
            return
        self.values.setdefault(leaf, []).append(text)
        self.sizes[leaf] += len(text) + len(JOINER)

    def finish(self, index: dict[str, int], context_values: dict[str, str], capped: bool) -> list[str]:
        return flat_row(self.values, index, context_values, self.width, capped)


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return cell_text(value)


def _events(path: Path) -> Iterator[tuple[str, str, Any]]:
    """(path, event, value) in our own notation: keys joined by '.', array elements as '[]'.

    ijson's prefixes cannot tell a key named ``item`` from an array element, so the path is tracked here.
    """
    with _open_json(path) as handle:
        stack: list[tuple[str, bool]] = []  # (path, is_array) of each open container
        key = ""
        try:
            for _prefix, event, value in ijson.parse(handle, multiple_values=True):
                if event == "map_key":
                    key = value
                    continue
                if event in ("end_map", "end_array"):
                    yield stack.pop()[0], event, None
                    continue
                here = _child_path(stack[-1] if stack else None, key)
                if event in ("start_map", "start_array"):
                    stack.append((here, event == "start_array"))
                    yield here, event, None
                else:
                    yield here, "value", value
        except ijson.JSONError as exc:
            raise ExtractError(f"damaged JSON: {_plain(exc)}") from exc


def _child_path(parent: tuple[str, bool] | None, key: str) -> str:
    if parent is None:
        return ROOT
    parent_path, is_array = parent
    if is_array:
        return f"{parent_path}[]"
    return f"{parent_path}.{key}" if parent_path else key


def _first_line_is_a_record(path: Path) -> bool:
    with _open_json(path) as handle:
        line = handle.readline(FIRST_LINE_BYTES)
    try:
        return isinstance(json.loads(line), dict | list)
    except ValueError:
        return False


def _open_json(path: Path) -> IO[bytes]:
    handle = open(path, "rb")  # noqa: SIM115 - returned to a with-block
    if handle.read(3) != b"\xef\xbb\xbf":
        handle.seek(0)  # ijson reads UTF-8 and stops at a byte order mark
    return handle


def _plain(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:160]


def _unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


# ------------------------------------------------------------------ NDJSON


@reader("ndjson")
def read_ndjson(path: Path) -> Extracted:
    leaves: dict[str, None] = {}
    capped = False
    for _number, item in _ndjson_items(path):
        for leaf, _value in _flatten(item):
            if leaf not in leaves:
                if len(leaves) < MAX_COLUMNS:
                    leaves[leaf] = None
                else:
                    capped = True
    if not leaves:
        return
    columns = list(leaves)
    names = _unique([leaf or "value" for leaf in columns])
    if capped:
        names.append(OTHER_COLUMN)
    yield Table(name="", columns=names, rows=_ndjson_rows(path, columns, capped), has_header=True)


def _ndjson_rows(path: Path, leaves: list[str], capped: bool) -> Iterator[tuple[int, list[str]]]:
    index = {leaf: i for i, leaf in enumerate(leaves)}
    width = len(leaves) + (1 if capped else 0)
    for number, item in _ndjson_items(path):
        record = _Record(width)
        for leaf, value in _flatten(item):
            record.add(leaf, value)
        yield number, record.finish(index, {}, capped)


def _ndjson_items(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed value); a line that is not JSON comes back whole as an ``_unparsed`` field."""
    text, _encoding = open_text(path)
    with text:
        for number, line in enumerate(text, start=1):
            stripped = line.strip()
            if not stripped:
                continue
            try:
                yield number, json.loads(stripped)
            except ValueError:
                yield number, {UNPARSED_COLUMN: stripped[:MAX_CELL_CHARS]}


def _flatten(item: Any, prefix: str = ROOT) -> Iterator[tuple[str, Any]]:
    """(leaf path, scalar) pairs in the notation of ``_events``."""
    if isinstance(item, dict):
        for key, value in item.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(item, list):
        for value in item:
            yield from _flatten(value, f"{prefix}[]")
    else:
        yield prefix, item
