"""Readers for mainframe record files (EBCDIC, and ASCII fixed-width) described by a COBOL copybook.

Finding the copybook, first match wins:

1. the case configuration: ``read_options().settings`` holds ``("copybook:<glob>", "<copybook path>")``
   pairs; the glob is matched against the file's display path (``a.zip!dir/X.dat``), its original
   path and its bare name. Per-glob options use the same prefix: ``copybook:<glob>:encoding``
   (cp037, cp1047, cp500, cp1140, ascii), ``copybook:<glob>:record_format`` (F, V or lines),
   ``copybook:<glob>:segment_field`` (a field name) and ``copybook:<glob>:segment:<value>`` (the
   REDEFINES branch records with that segment value use, e.g. ``segment:P`` -> ``PERSON``);
2. a copybook beside a top-level file (same folder, suffix .cpy/.cob/.cbl/.copy), see
   :func:`pair_copybook`.

Records become one :class:`Table` per record kind: when the copybook lays REDEFINES branches over
the same bytes, each record is decoded with the branch its segment field (or, without one, its
content) selects, and records of each branch form their own table named after it (``PERSON``).
Columns are the copybook's field names (``PM-SSN``, ``CUSTOMER-NAME``); row numbers are record
numbers (1-based).

Without a copybook the file is still read: as text (EBCDIC decoded, records split at the length
its bytes repeat with), and the reader reports the note ``needs copybook``.
"""

from __future__ import annotations

import codecs
import fnmatch
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from exposure.extract import base
from exposure.extract.base import Extracted, ExtractError, read_options, reader
from exposure.extract.cobol.copybook import TEXT, ZONED, CopybookError, Field, Layout, parse_copybook
from exposure.extract.cobol.decode import (
    ASCII,
    EBCDIC_ENCODINGS,
    ENCODINGS,
    SAMPLE_BYTES,
    BranchScorer,
    Choice,
    DecodeError,
    Framing,
    RecordDecoder,
    decoding_table,
    detect_framing,
    guess_encoding,
    guess_record_length,
    included,
    iter_records,
    looks_like_ebcdic,
    open_records,
)
from exposure.model import Table, TextBlock

COPYBOOK_SUFFIXES = (".cpy", ".cob", ".cbl", ".copy")
MAX_COPYBOOK_BYTES = 4 << 20
SAMPLE_RECORDS = 2000  # records read to choose the encoding and learn segment -> branch
LEARN_PER_SEGMENT = 50  # records of each segment value scored to learn its branch
MAX_SEGMENT_VALUES = 64  # more distinct values than this: not a segment (record type) field
TEXT_RECORDS_PER_BLOCK = 100
TEXT_BLOCK_BYTES = 64 * 1024
INVALID_NUMBERS_NOTE = 0.2  # share of invalid packed/zoned values that says "wrong layout or damaged"

_SEGMENT_NAME = re.compile(r"SEG|REC(ORD)?-?TYP|TYPE|-ID$|-CODE$|-CD$|-IND$|-KEY$", re.IGNORECASE)


# ---------------------------------------------------------------- notes for the worker


def note(reason: str) -> None:
    """Tell the worker something about the file that is not a failure (e.g. ``needs copybook``).

    The worker puts it in the file's reason; :data:`NOTES` keeps a copy for tests."""
    NOTES.append(reason)
    base.report_note(reason)


NOTES: list[str] = []


# ---------------------------------------------------------------- finding the copybook


@dataclass
class CopybookSpec:
    path: Path
    encoding: str = ""  # "" = detect
    record_format: str = ""  # "" = detect; F, V or lines
    segment_field: str = ""
    segments: dict[str, str] = field(default_factory=dict)  # segment value -> branch name


_SETTING = re.compile(
    r"^copybook:(?P<glob>.+?)(?::(?P<option>encoding|record_format|segment_field|segment:.+))?$"
)


def copybook_rules(settings: Sequence[tuple[str, str]]) -> list[tuple[str, CopybookSpec]]:
    """(glob, spec) from the ``copybook:`` settings, in the order given."""
    rules: dict[str, CopybookSpec] = {}
    options: list[tuple[str, str, str]] = []
    for key, value in settings:
        match = _SETTING.match(key)
        if not match:
            continue
        glob, option = match.group("glob"), match.group("option")
        if option is None:
            rules[glob] = CopybookSpec(Path(value))
        else:
            options.append((glob, option, value))
    for glob, option, value in options:
        spec = rules.get(glob)
        if spec is None:
            continue
        if option == "encoding":
            spec.encoding = value.strip().lower()
        elif option == "record_format":
            spec.record_format = value.strip().upper()
        elif option == "segment_field":
            spec.segment_field = value.strip().upper()
        else:
            spec.segments[option.split(":", 1)[1].strip()] = value.strip().upper()
    return list(rules.items())


def find_copybook(data_path: Path) -> CopybookSpec | None:
    """The copybook for the file being read: from the case settings, else the one beside it."""
    options = read_options()
    names = [n for n in (options.display_path, options.source_path) if n]
    names.append(Path(options.source_path or options.display_path or str(data_path)).name)
    for glob, spec in copybook_rules(options.settings):
        pattern = glob.lower()
        if any(fnmatch.fnmatchcase(name.lower().replace("\\", "/"), pattern) for name in names):
            spec.path = _resolve(spec.path, options.source_path)
            return spec
    if options.source_path:
        paired = pair_copybook(Path(options.source_path))
        if paired is not None:
            return CopybookSpec(paired)
    return None


def _resolve(copybook: Path, source_path: str) -> Path:
    if copybook.is_absolute() or copybook.exists() or not source_path:
        return copybook
    beside = Path(source_path).parent / copybook
    return beside if beside.exists() else copybook


_NAME_TOKENS = re.compile(r"[._\-\s]+")


def pair_copybook(data_path: Path) -> Path | None:
    """The copybook beside a data file, by name:

    1. a copybook whose name (without suffix) is the data file's name up to a separator:
       ``TRAN2.AUG31.DATA.dat`` -> ``TRAN2.cpy``, ``PAYROLL_2023.dat`` -> ``PAYROLL.cob``;
    2. else the copybook sharing the most leading name tokens (split at ``.``, ``_``, ``-``)
       with the data file, if exactly one shares the most (at least one token):
       ``cobrix_test3_TRAN2.AUG31.DATA.dat`` -> ``cobrix_test3_copybook.cob``;
    3. else the folder's only copybook.
    Case is ignored throughout.
    """
    try:
        with os.scandir(data_path.parent) as entries:
            copybooks = sorted(
                Path(e.path) for e in entries if e.is_file() and e.name.lower().endswith(COPYBOOK_SUFFIXES)
            )
    except OSError:
        return None
    copybooks = [c for c in copybooks if c.name != data_path.name]
    if not copybooks:
        return None
    data_name = data_path.name.lower()
    for copybook in copybooks:
        stem = copybook.stem.lower()
        if data_name.startswith(stem) and data_name[len(stem) : len(stem) + 1] in (".", "_", "-"):
            return copybook
    data_tokens = _NAME_TOKENS.split(data_name)
    shared = [(_common_prefix(data_tokens, _NAME_TOKENS.split(c.stem.lower())), c) for c in copybooks]
    most = max(count for count, _ in shared)
    best = [c for count, c in shared if count == most]
    if most >= 1 and len(best) == 1:
        return best[0]
    return copybooks[0] if len(copybooks) == 1 else None


def _common_prefix(a: list[str], b: list[str]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def load_layout(path: Path) -> Layout:
    try:
        if path.stat().st_size > MAX_COPYBOOK_BYTES:
            raise ExtractError(f"copybook {path.name} is too large to be a record layout")
        text = path.read_bytes().decode("latin-1")
    except OSError:
        raise ExtractError(f"copybook {path.name} cannot be read") from None
    try:
        return parse_copybook(text)
    except CopybookError as exc:
        raise ExtractError(f"copybook {path.name}: {exc}") from None


# ---------------------------------------------------------------- the readers


@reader("ebcdic", "fixedwidth")
def read_records(path: Path) -> Extracted:
    """Mainframe or fixed-width records: decoded by their copybook, or read as text without one."""
    spec = find_copybook(path)
    if spec is None:
        note("needs copybook: no COBOL copybook beside the file or in the case settings; read as text")
        yield from read_as_text(path)
        return
    layout = load_layout(spec.path)
    try:
        yield from RecordFile(path, layout, spec).tables()
    except DecodeError as exc:
        raise ExtractError(str(exc)) from None


class RecordFile:
    """One data file with its layout: framing, encoding and record kinds are learned from a sample."""

    def __init__(self, path: Path, layout: Layout, spec: CopybookSpec) -> None:
        self.path = path
        self.layout = layout
        self.spec = spec
        self.size = path.stat().st_size
        with open_records(path) as stream:
            sample = stream.read(SAMPLE_BYTES)
        self.framing = self._framing(sample)
        records = self._sample_records()
        self.encoding = self._encoding(sample, records)
        self.scorer = BranchScorer(layout, self.encoding)
        self.top_groups = self.scorer.top_groups()
        self.segment = self._segment_field(records) if self.top_groups else None
        self.choices: dict[str, Choice] = {}  # segment value -> choice of the top-level groups
        if self.segment is not None:
            self._learn_segments()

    # -- learning

    def _framing(self, sample: bytes) -> Framing:
        length = self.layout.record_length
        wanted = self.spec.record_format
        if wanted in ("F", "FB"):
            return Framing("fixed", length)
        if wanted in ("LINES", "L"):
            return Framing("lines", length)
        hint = self.spec.encoding or ("cp037" if looks_like_ebcdic(sample[:8192]) else None)
        framing = detect_framing(sample, self.size, length, hint)
        if wanted in ("V", "VB") and framing.kind != "rdw":
            raise ExtractError("record format V configured, but no RDW record headers were found")
        if framing.kind == "fixed" and self.size % length:
            note(f"file size is not a multiple of the record length ({length} bytes): last record partial")
        return framing

    def _records(self) -> Iterator[bytes]:
        with open_records(self.path) as stream:
            yield from iter_records(stream, self.framing)

    def _sample_records(self) -> list[bytes]:
        records = []
        for record in self._records():
            records.append(record)
            if len(records) >= SAMPLE_RECORDS:
                break
        return records

    def _encoding(self, sample: bytes, records: list[bytes]) -> str:
        if self.spec.encoding:
            if self.spec.encoding not in ENCODINGS:
                raise ExtractError(f"unknown encoding {self.spec.encoding!r} in the copybook settings")
            return self.spec.encoding
        if looks_like_ebcdic(sample[:8192]):
            candidates: tuple[str, ...] = (*EBCDIC_ENCODINGS, ASCII)
        else:
            candidates = (ASCII, *EBCDIC_ENCODINGS)
        return guess_encoding(records[:200], self.layout, candidates)

    def _segment_field(self, records: list[bytes]) -> Field | None:
        """The record-type field that says which REDEFINES branch a record uses."""
        if self.spec.segment_field:
            found = self.layout.field_named(self.spec.segment_field)
            if found is None:
                raise ExtractError(f"segment field {self.spec.segment_field} is not in the copybook")
            return found
        start = min(self.layout.groups[g].offset for g in self.top_groups)
        candidates = [
            f for f in self.layout.fields
            if not f.branches and not f.occurs and f.kind in (TEXT, ZONED) and f.length <= 8
            and f.end <= start
        ]  # fmt: skip
        decoder = RecordDecoder(candidates, self.encoding)
        ranked = []
        for position, candidate in enumerate(candidates):
            values = {decoder.values(r)[position] for r in records}
            if len(values) <= min(MAX_SEGMENT_VALUES, max(1, len(records) // 4)):
                named = bool(_SEGMENT_NAME.search(candidate.name))
                ranked.append((not named, len(values), position, candidate))
        return min(ranked)[3] if ranked else None

    def _segment_value(self, decoder: RecordDecoder, record: bytes) -> str:
        return decoder.values(record)[0]

    def _learn_segments(self) -> None:
        """Choose each segment value's branch from the penalties of its first records (whole file scan
        of the segment field only, so every value is known before any table is written)."""
        assert self.segment is not None
        decoder = RecordDecoder([self.segment], self.encoding)
        totals: dict[str, list[list[float]]] = {}
        seen: Counter[str] = Counter()
        for record in self._records():
            value = self._segment_value(decoder, record)
            seen[value] += 1
            if len(seen) > MAX_SEGMENT_VALUES:
                self.segment = None  # too many kinds: choose per record instead
                self.choices = {}
                return
            if seen[value] <= LEARN_PER_SEGMENT:
                scores = totals.setdefault(value, self._zero_scores())
                for i, group in enumerate(self.top_groups):
                    for branch in range(len(scores[i])):
                        scores[i][branch] += self.scorer.penalty(group, branch, record)
        for value, scores in totals.items():
            self.choices[value] = {g: s.index(min(s)) for g, s in zip(self.top_groups, scores, strict=True)}
        self._apply_configured_segments()

    def _zero_scores(self) -> list[list[float]]:
        return [[0.0] * len(self.layout.groups[g].names) for g in self.top_groups]

    def _apply_configured_segments(self) -> None:
        branch_of = {
            name.upper(): (group, number)
            for group in self.top_groups
            for number, name in enumerate(self.layout.groups[group].names)
        }
        for value, name in self.spec.segments.items():
            if name not in branch_of:
                raise ExtractError(f"segment {value}: {name} is not a REDEFINES branch of the copybook")
            group, number = branch_of[name]
            self.choices.setdefault(value, {})[group] = number

    # -- output

    def tables(self) -> Iterator[Table]:
        if not self.top_groups:
            yield self._table("", self.layout.fields, None)
            return
        if self.segment is None:
            yield self._table("", self.layout.fields, None)  # each record's branch chosen by its content
            return
        kinds: dict[tuple[tuple[int, int], ...], list[str]] = {}
        for value, choice in self.choices.items():
            kinds.setdefault(tuple(sorted(choice.items())), []).append(value)
        for key, values in kinds.items():
            choice = dict(key)
            fields = [f for f in self.layout.fields if included(f, choice)]
            name = "+".join(self.layout.groups[g].names[b] for g, b in key)
            yield self._table(name, fields, set(values))

    def _table(self, name: str, fields: list[Field], segments: set[str] | None) -> Table:
        rows = self._rows(fields, segments)
        return Table(name=name, columns=column_names(fields), rows=rows, has_header=True)

    def _rows(self, fields: list[Field], segments: set[str] | None) -> Iterator[tuple[int, list[str]]]:
        decoder = RecordDecoder(fields, self.encoding, self.layout)
        segment_decoder = RecordDecoder([self.segment], self.encoding) if self.segment is not None else None
        used = {group for f in fields for group, _ in f.branches}
        per_record = [g for g in range(len(self.layout.groups)) if g in used]
        if segments is not None:
            chosen = {g for value in segments for g in self.choices[value]}
            per_record = [g for g in per_record if g not in chosen]
        records = 0
        for number, record in enumerate(self._records(), start=1):
            if (
                segment_decoder is not None
                and segments is not None
                and self._segment_value(segment_decoder, record) not in segments
            ):
                continue
            values = decoder.values(record)
            if per_record:
                values = self._blank_other_branches(record, fields, values, per_record)
            records += 1
            yield number, values
        if decoder.numbers and decoder.invalid > decoder.numbers * INVALID_NUMBERS_NOTE:
            note(
                f"{decoder.invalid} of {decoder.numbers} numeric values are not valid numbers: "
                "wrong copybook, or damaged (text-mode transfer?)"
            )

    def _blank_other_branches(
        self, record: bytes, fields: list[Field], values: list[str], groups: list[int]
    ) -> list[str]:
        """Keep only the values of the branches this record's content fits best."""
        top = [g for g in groups if not any(b[0] in groups for b in self.layout.groups[g].branches)]
        choice = self.scorer.choose(record, top)
        return [v if included(f, choice) else "" for f, v in zip(fields, values, strict=True)]


def column_names(fields: Sequence[Field]) -> list[str]:
    """Field names; a name used twice is qualified by its group (``PERSON.ADDRESS``), then numbered."""
    counts = Counter(f.name for f in fields)
    names = []
    for f in fields:
        name = f.name
        if counts[name] > 1 and len(f.path) > 1:
            name = f"{f.path[-2]}.{name}"
        names.append(name)
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return unique


# ---------------------------------------------------------------- without a copybook


def read_as_text(path: Path) -> Iterator[TextBlock]:
    """EBCDIC decoded to text (records split where the bytes repeat), or ASCII read as plain text."""
    with open_records(path) as stream:
        sample = stream.read(SAMPLE_BYTES)
    if not looks_like_ebcdic(sample[:8192]):
        from exposure.extract.plaintext import read_text

        yield from read_text(path)  # type: ignore[misc]
        return
    encoding = guess_encoding([sample[:65536]], None, EBCDIC_ENCODINGS)
    table = decoding_table(encoding)
    length = guess_record_length(sample)
    with open_records(path) as stream:
        if length is None:
            yield from _byte_blocks(stream, table)
        else:
            yield from _record_blocks(stream, table, length)


def _record_blocks(stream, table: str, length: int) -> Iterator[TextBlock]:  # noqa: ANN001
    offset = 0
    number = 1
    while True:
        block = stream.read(length * TEXT_RECORDS_PER_BLOCK)
        if not block:
            return
        lines = [_decode(block[i : i + length], table).rstrip() for i in range(0, len(block), length)]
        text = "\n".join(lines) + "\n"
        yield TextBlock(location=f"record {number}", text=text, offset=offset)
        offset += len(text)
        number += len(lines)


def _byte_blocks(stream, table: str) -> Iterator[TextBlock]:  # noqa: ANN001
    offset = 0
    position = 0
    while True:
        block = stream.read(TEXT_BLOCK_BYTES)
        if not block:
            return
        text = _decode(block, table)
        yield TextBlock(location=f"byte {position}", text=text, offset=offset)
        offset += len(text)
        position += len(block)


def _decode(data: bytes, table: str) -> str:
    return codecs.charmap_decode(data, "strict", table)[0]
