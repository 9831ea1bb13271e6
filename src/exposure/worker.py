"""What one worker process does with one distinct file: extract, then detect.

Small results travel back with the outcome; large ones are spilled to Parquet
beside the case database, so a worker's memory stays bounded on huge files and
the main process can load a whole file's results in one transaction.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from exposure.detect import DetectContext, detect_text
from exposure.detect.records import TableDetections, detect_table_frames
from exposure.extract import ExtractError, ReadOptions, reader_for, readers
from exposure.extract.base import set_read_options, take_notes
from exposure.masking import mask_text
from exposure.model import (
    ELEMENT_TABLE_COLUMNS,
    FAILED,
    MENTION_TABLE_COLUMNS,
    PROCESSED,
    SKIPPED,
    Detections,
    Element,
    Mention,
    Table,
    TextBlock,
)

MENTION_COLUMNS = list(MENTION_TABLE_COLUMNS)
ELEMENT_COLUMNS = list(ELEMENT_TABLE_COLUMNS)
DOCUMENT_TEXT_COLUMNS = ["sha256", "block", "location", "offset", "text"]
TEXT_BLOCKS_PER_BATCH = 2000

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Import every reader and detect some text once, in the fork server, so no worker pays for it again.

    Workers are forked from the server: the Hyperscan database of every text pattern and the name
    gazetteer it built they inherit instead of each building its own, and no file's time limit pays
    for imports. Nothing here may run Polars or DuckDB: a thread pool started before a fork is dead
    in the forked worker, which then hangs on its first query.
    """
    readers()
    # pyarrow imports pandas on its first conversion of Python values (about 0.3 s): here, once, not in
    # every worker at its first file. (A conversion of Python values runs no Arrow thread pool.)
    pa.array([""], pa.string())
    try:
        detect_text([TextBlock(location="warm-up", text=_WARM_UP_TEXT)], DetectContext())
    except Exception:  # noqa: BLE001 - a failed warm-up only costs speed; the worker builds on first use
        log.warning("detection warm-up failed; each worker will compile its patterns itself", exc_info=True)


# Fictional values: a 555-01xx phone, the published example SSN 123-45-6789.
_WARM_UP_TEXT = """Patient: Maria Lopez   DOB: 03/04/1975   SSN: 123-45-6789
Address: 12 Oak St, Boston, MA 02134
Caller asked to update e-mail to maria.lopez@example.org and phone (617) 555-0134.
"""


@dataclass
class Job:
    sha256: str
    local_path: str
    type: str
    result_dir: str
    owner_value_columns: tuple[str, ...] = ()
    options: ReadOptions = ReadOptions()


@dataclass
class Outcome:
    sha256: str
    status: str
    reason: str = ""
    extractor: str = ""
    note: str = ""
    mentions: int = 0
    elements: int = 0
    seconds: float = 0.0
    mentions_file: str = ""  # Parquet spill of a large file's rows ...
    elements_file: str = ""
    document_text_file: str = ""
    mentions_rows: pa.Table | None = None  # ... or the rows themselves when small
    elements_rows: pa.Table | None = None
    document_text_rows: pa.Table | None = None


def process_file(job: Job) -> Outcome:
    """Extract and detect one file; every failure becomes a plain reason, never an exception."""
    started = time.monotonic()
    if job.type == "empty":
        return Outcome(job.sha256, SKIPPED, reason="empty file (0 bytes)")
    if job.type == "binary":
        # Unknown bytes may hide personal data nobody could review: a failure to report, not a skip.
        return Outcome(job.sha256, FAILED, reason="unreadable: binary content of no known format")
    reader = reader_for(job.type)
    if reader is None:
        return Outcome(job.sha256, SKIPPED, reason=f"no reader for {job.type} files yet")
    set_read_options(job.options)
    take_notes()
    sink = _ResultSink(job)
    try:
        for item in _batched(reader.read(Path(job.local_path))):
            if isinstance(item, list):
                sink.write_text(item)
            detections = _detect(item, DetectContext(owner_value_columns=job.owner_value_columns))
            for found in detections:
                sink.write(found)
    except ExtractError as exc:
        sink.discard()
        return Outcome(job.sha256, FAILED, reason=mask_text(str(exc)), extractor=reader.name)
    except MemoryError:
        sink.discard()
        return Outcome(job.sha256, FAILED, reason="out of memory while reading", extractor=reader.name)
    except Exception as exc:  # noqa: BLE001 - a damaged file must never stop the run
        sink.discard()
        reason = f"unreadable {job.type} file: {type(exc).__name__}: {exc}"
        return Outcome(job.sha256, FAILED, reason=mask_text(reason)[:300], extractor=reader.name)
    note = mask_text("; ".join(take_notes()))  # e.g. 'needs copybook: read as text'
    seconds = time.monotonic() - started
    outcome = Outcome(job.sha256, PROCESSED, extractor=reader.name, note=note, seconds=seconds)
    return sink.finish(outcome)


def _batched(items):  # noqa: ANN001, ANN202 - Iterator[Table | TextBlock | Detections] -> grouped
    """Tables and Detections pass through; consecutive text blocks are grouped so attribution sees a
    document's context."""
    blocks: list[TextBlock] = []
    for item in items:
        if isinstance(item, TextBlock):
            blocks.append(item)
            if len(blocks) >= TEXT_BLOCKS_PER_BATCH:
                yield blocks
                blocks = []
        else:
            if blocks:
                yield blocks
                blocks = []
            yield item
    if blocks:
        yield blocks


def _detect(item: Table | list[TextBlock] | Detections, ctx: DetectContext):  # noqa: ANN202
    if isinstance(item, Detections):
        return [item]  # formats whose structure says who each value belongs to (X12 loops, HL7 PID)
    if isinstance(item, Table):
        return detect_table_frames(item, ctx)
    return [detect_text(item, ctx)]


class _ResultSink:
    """Collects one file's detections: in memory while small (returned with the outcome), spilled to
    Parquet beside the case once large, so a worker's memory stays bounded on huge files."""

    SPILL_ROWS = 100_000
    SPILL_BYTES = 64 * 1024 * 1024

    def __init__(self, job: Job) -> None:
        self.sha256 = job.sha256
        base = Path(job.result_dir) / job.sha256
        self.mentions = 0
        self.elements = 0
        self.blocks = 0
        self._keys: set[str] = set()
        self._parts = {
            "mentions": _Spool(
                base.with_suffix(".mentions.parquet"), _MENTION_SCHEMA, self.SPILL_ROWS, self.SPILL_BYTES
            ),
            "elements": _Spool(
                base.with_suffix(".elements.parquet"), _ELEMENT_SCHEMA, self.SPILL_ROWS, self.SPILL_BYTES
            ),
            "document_text": _Spool(
                base.with_suffix(".text.parquet"), _DOCUMENT_TEXT_SCHEMA, self.SPILL_ROWS, self.SPILL_BYTES
            ),
        }

    def write_text(self, blocks: list[TextBlock]) -> None:
        """Keep a document's text blocks for later passes over all text (seeded search)."""
        table = pa.table(
            {
                "sha256": pa.array([self.sha256] * len(blocks), pa.string()),
                "block": pa.array(range(self.blocks, self.blocks + len(blocks)), pa.int32()),
                "location": pa.array([b.location for b in blocks], pa.string()),
                "offset": pa.array([b.offset for b in blocks], pa.int64()),
                "text": pa.array([b.text for b in blocks], pa.string()),
            },
            schema=_DOCUMENT_TEXT_SCHEMA,
        )
        self.blocks += len(blocks)
        self._parts["document_text"].add(table)

    def write(self, found: Detections | TableDetections) -> None:
        if isinstance(found, TableDetections):
            self._write_frames(found)
            return
        self._keep_keys_unique(found.mentions)
        if found.mentions:
            self._parts["mentions"].add(_mentions_table(self.sha256, found.mentions))
            self.mentions += len(found.mentions)
        if found.elements:
            self._parts["elements"].add(_elements_table(self.sha256, found.elements))
            self.elements += len(found.elements)

    def _write_frames(self, found: TableDetections) -> None:
        """Records' detections go to Arrow whole: no Python object per row."""
        mentions, elements = found.mentions, found.elements
        keys = mentions["mention_key"].to_list()
        if not self._keys.isdisjoint(keys):
            mentions, elements = _renamed_repeated_keys(mentions, elements, self._keys)
            keys = mentions["mention_key"].to_list()
        self._keys.update(keys)
        if mentions.height:
            self._parts["mentions"].add(_with_sha256(mentions, self.sha256, _MENTION_SCHEMA))
            self.mentions += mentions.height
        if elements.height:
            self._parts["elements"].add(_with_sha256(elements, self.sha256, _ELEMENT_SCHEMA))
            self.elements += elements.height

    def _keep_keys_unique(self, mentions: list[Mention]) -> None:
        """A mention key names one person in the file; a reader that repeats one gets '#2', '#3'..."""
        for mention in mentions:
            if mention.key in self._keys:
                n = 2
                while f"{mention.key}#{n}" in self._keys:
                    n += 1
                mention.key = f"{mention.key}#{n}"
            self._keys.add(mention.key)

    def finish(self, outcome: Outcome) -> Outcome:
        outcome.mentions, outcome.elements = self.mentions, self.elements
        outcome.mentions_file, outcome.mentions_rows = self._parts["mentions"].close()
        outcome.elements_file, outcome.elements_rows = self._parts["elements"].close()
        outcome.document_text_file, outcome.document_text_rows = self._parts["document_text"].close()
        return outcome

    def discard(self) -> None:
        for spool in self._parts.values():
            spool.discard()


class _Spool:
    def __init__(self, path: Path, schema: pa.Schema, spill_rows: int, spill_bytes: int = 1 << 62) -> None:
        self.path, self.schema, self.spill_rows, self.spill_bytes = path, schema, spill_rows, spill_bytes
        self.tables: list[pa.Table] = []
        self.rows = 0
        self.bytes = 0
        self.writer: pq.ParquetWriter | None = None

    def add(self, table: pa.Table) -> None:
        self.tables.append(table)
        self.rows += table.num_rows
        self.bytes += table.nbytes
        if self.rows >= self.spill_rows or self.bytes >= self.spill_bytes:
            self._spill()

    def _spill(self) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema)
        for table in self.tables:
            self.writer.write_table(table)
        self.tables, self.rows, self.bytes = [], 0, 0

    def close(self) -> tuple[str, pa.Table | None]:
        """(Parquet file, '' if none) and the rows kept in memory (None if none)."""
        if self.writer is not None:
            self._spill()
            self.writer.close()
            return str(self.path), None
        return "", pa.concat_tables(self.tables) if self.tables else None

    def discard(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.path.unlink(missing_ok=True)
        self.tables = []


_MENTION_SCHEMA = pa.schema(
    [(c, pa.bool_() if c == "needs_review" else pa.string()) for c in MENTION_COLUMNS]
)
_ELEMENT_SCHEMA = pa.schema(
    [
        (c, pa.bool_() if c == "needs_review" else pa.int64() if c == "offset" else
         pa.float64() if c == "confidence" else pa.string())
        for c in ELEMENT_COLUMNS
    ]
)  # fmt: skip


_DOCUMENT_TEXT_SCHEMA = pa.schema(
    [("sha256", pa.string()), ("block", pa.int32()), ("location", pa.string()), ("offset", pa.int64()),
     ("text", pa.string())]
)  # fmt: skip


def _with_sha256(frame: pl.DataFrame, sha256: str, schema: pa.Schema) -> pa.Table:
    table = frame.with_columns(pl.lit(sha256).alias("sha256")).select(schema.names).to_arrow()
    return table.cast(schema)


def _renamed_repeated_keys(
    mentions: pl.DataFrame, elements: pl.DataFrame, taken: set[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A reader that repeats row keys in one file (two tables of one name): '#2', '#3' ... as for objects."""
    renamed: dict[str, str] = {}
    new_keys = set()
    for key in mentions["mention_key"].to_list():
        if key in taken or key in new_keys:
            n = 2
            while f"{key}#{n}" in taken or f"{key}#{n}" in new_keys:
                n += 1
            renamed[key] = f"{key}#{n}"
        new_keys.add(renamed.get(key, key))
    rename = pl.col("mention_key").replace(renamed)
    return mentions.with_columns(rename), elements.with_columns(rename)


def _mentions_table(sha256: str, mentions: list[Mention]) -> pa.Table:
    def values(name: str) -> list:
        if name == "sha256":
            return [sha256] * len(mentions)
        if name == "mention_key":
            return [m.key for m in mentions]
        if name == "attributes":
            return [json.dumps(m.attributes, sort_keys=True) if m.attributes else "" for m in mentions]
        return [getattr(m, name) for m in mentions]

    return _columns_table(values, _MENTION_SCHEMA)


def _elements_table(sha256: str, elements: list[Element]) -> pa.Table:
    def values(name: str) -> list:
        return [sha256] * len(elements) if name == "sha256" else [getattr(e, name) for e in elements]

    return _columns_table(values, _ELEMENT_SCHEMA)


def _columns_table(values: Callable[[str], list], schema: pa.Schema) -> pa.Table:
    """An Arrow table built column by column (text finds tens of thousands of elements per megabyte:
    ``dataclasses.asdict`` per object cost a third of a worker's time)."""
    return pa.table([pa.array(values(f.name), f.type) for f in schema], schema=schema)
