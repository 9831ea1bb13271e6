"""XML files as records: the element that repeats most under a common parent is the record.

Child elements and attributes of a record become columns (``name``, ``address.city``, ``@id``); text
mixed between child elements is ``#text``. Plain fields of the elements that enclose the records
(``<group name="G1">``) are repeated on every record. The file is streamed twice with iterparse, and
every element is dropped once read, so memory holds one record at a time.

Parsing goes through defusedxml: a document that declares entities (the billion-laughs attack) or
refers to external ones is refused, and nothing is fetched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.flatten import MAX_CELL_CHARS, flat_row
from exposure.model import Table

MAX_COLUMNS = 2000
OTHER_COLUMN = "_other"
TEXT = "#text"


@reader("xml")
def read_xml(path: Path) -> Extracted:
    survey = _survey(path)
    record_path = survey.record_path()
    if record_path is None:
        return
    own = [leaf for leaf in survey.leaves if leaf.startswith(record_path + "/")]
    context = [leaf for leaf in survey.leaves if _is_context(leaf, record_path)]
    names = _unique([_relative(leaf, record_path) for leaf in own] + [_dotted(leaf) for leaf in context])
    if survey.capped:
        names.append(OTHER_COLUMN)
    rows = _rows(path, record_path, own + context, set(context), survey.capped)
    yield Table(name=record_path.rsplit("/", 1)[-1], columns=names, rows=rows, has_header=True)


# ------------------------------------------------------------------ one walk over the document


@dataclass
class _Frame:
    path: str
    has_attributes: bool
    children: Counter[str] = field(default_factory=Counter)
    tails: list[str] = field(default_factory=list)


def _walk(path: Path) -> Iterator[tuple[str, str, dict[str, str] | str, bool]]:
    """('start', path, attributes, False) and ('end', path, own text, structured) per element.

    ``structured`` elements (with children or attributes) are records or groups, whose own text is the
    ``#text`` column; the others are plain fields.

    Element paths are local names joined by '/'. Each element is removed from its parent once ended,
    keeping its tail text in the parent's frame, so a flat file of millions of records stays small.
    """
    stack: list[tuple[_Frame, object]] = []
    try:
        for event, elem in iterparse(str(path), events=("start", "end")):
            if event == "start":
                tag = _local(elem.tag)
                parent = stack[-1][0] if stack else None
                here = f"{parent.path}/{tag}" if parent else tag
                if parent:
                    parent.children[tag] += 1
                stack.append((_Frame(here, bool(elem.attrib)), elem))
                yield "start", here, {_local(k): v for k, v in elem.attrib.items()}, False
                continue
            frame, _ = stack.pop()
            text = ((elem.text or "") + "".join(frame.tails)).strip()
            yield "end", frame.path, text, bool(frame.children) or frame.has_attributes
            if stack:
                parent_frame, parent_elem = stack[-1]
                if elem.tail and elem.tail.strip():
                    parent_frame.tails.append(elem.tail)
                parent_elem.remove(elem)  # type: ignore[attr-defined]
            elem.clear()
    except DefusedXmlException as exc:
        raise ExtractError(
            "XML declares entities or external references: refused unread (entity-expansion protection)"
        ) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ExtractError(f"damaged XML: not well-formed at line {line}, column {column}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ------------------------------------------------------------------ first pass: find the records


class _Survey:
    def __init__(self) -> None:
        self.repeats: Counter[str] = Counter()  # elements counted where their tag repeats under a parent
        self.totals: Counter[str] = Counter()
        self.structured: set[str] = set()  # elements with children or attributes: candidate records
        self.leaves: dict[str, None] = {}
        self.capped = False
        self.root = ""
        self._open: list[tuple[str, Counter[str]]] = []

    def add_leaf(self, leaf: str) -> None:
        if leaf in self.leaves:
            return
        if len(self.leaves) < MAX_COLUMNS:
            self.leaves[leaf] = None
        else:
            self.capped = True

    def record_path(self) -> str | None:
        candidates = self.structured or set(self.totals)
        if not candidates:
            return None
        return max(candidates, key=lambda p: (self.repeats[p], self.totals[p], -p.count("/")))


def _survey(path: Path) -> _Survey:
    survey = _Survey()
    children: list[Counter[str]] = []
    for event, here, payload, structured in _walk(path):
        if event == "start":
            if not survey.root:
                survey.root = here
            survey.totals[here] += 1
            children.append(Counter())
            if len(children) > 1:
                children[-2][here] += 1
            if payload:
                survey.structured.add(here)
                for name in payload:  # type: ignore[union-attr]
                    survey.add_leaf(f"{here}/@{name}")
            continue
        for child, count in children.pop().items():
            if count >= 2:
                survey.repeats[child] += count
        if structured:
            survey.structured.add(here)
            if payload:
                survey.add_leaf(f"{here}/{TEXT}")
        elif payload:
            survey.add_leaf(here)
    return survey


def _is_context(leaf: str, record_path: str) -> bool:
    """An attribute or text-only child of an element that encloses the records."""
    if leaf.startswith(record_path + "/"):
        return False
    owner = leaf.rsplit("/", 1)[0]  # the element an attribute or #text belongs to, or a field's parent
    return record_path.startswith(owner + "/")


def _relative(leaf: str, record_path: str) -> str:
    return _dotted(leaf[len(record_path) + 1 :])


def _dotted(path: str) -> str:
    return path.replace("/", ".")


def _unique(names: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


# ------------------------------------------------------------------ second pass: the rows


def _rows(
    path: Path, record_path: str, leaves: list[str], context: set[str], capped: bool
) -> Iterator[tuple[int, list[str]]]:
    index = {leaf: i for i, leaf in enumerate(leaves)}
    width = len(leaves) + (1 if capped else 0)
    context_values: dict[str, str] = {}
    record: dict[str, list[str]] | None = None
    number = 0
    for event, here, payload, structured in _walk(path):
        inside = record is not None and here.startswith(record_path + "/")
        if event == "start":
            if here == record_path:
                record = {}
            elif record_path.startswith(here + "/"):
                for key in [k for k in context_values if k.startswith(here + "/")]:
                    del context_values[key]  # a new enclosing element replaces the previous one's fields
            in_record = inside or here == record_path
            for name, value in payload.items():  # type: ignore[union-attr]
                _store(f"{here}/@{name}", value, record, in_record, context, context_values)
            continue
        leaf = f"{here}/{TEXT}" if structured else here
        if payload:
            in_record = inside or here == record_path
            _store(leaf, payload, record, in_record, context, context_values)  # type: ignore[arg-type]
        if here == record_path and record is not None:
            number += 1
            yield number, flat_row(record, index, context_values, width, capped, label=_dotted)
            record = None


def _store(
    leaf: str,
    value: str,
    record: dict[str, list[str]] | None,
    in_record: bool,
    context: set[str],
    context_values: dict[str, str],
) -> None:
    if in_record and record is not None:
        values = record.setdefault(leaf, [])
        if sum(len(v) for v in values) < MAX_CELL_CHARS:
            values.append(value[:MAX_CELL_CHARS])
    elif leaf in context:
        context_values[leaf] = value[:MAX_CELL_CHARS]
