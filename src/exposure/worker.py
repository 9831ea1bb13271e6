"""What one worker process does with one distinct file: extract, then detect.

Small results travel back with the outcome; large ones are spilled to Parquet
beside the case database, so a worker's memory stays bounded on huge files and
the main process can load a whole file's results in one transaction.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from exposure.detect import DetectContext, detect_table, detect_text
from exposure.extract import ExtractError, ReadOptions, reader_for, readers
from exposure.extract.base import set_read_options, take_notes
from exposure.masking import mask_text
from exposure.model import FAILED, PROCESSED, SKIPPED, Detections, Element, Mention, Table, TextBlock

MENTION_COLUMNS = [
    "sha256", "mention_key", "location", "role", "full_name", "first_name", "middle_name", "last_name",
    "suffix", "date_of_birth", "ssn", "ssn_last4", "address_line1", "address_line2", "city", "state",
    "postal_code", "email", "phone", "attributes", "needs_review",
]  # fmt: skip
ELEMENT_COLUMNS = [
    "sha256", "mention_key", "code", "value", "location", "offset", "column", "confidence", "detector",
    "needs_review",
]  # fmt: skip
TEXT_BLOCKS_PER_BATCH = 2000


def warm_up() -> None:
    """Import every reader once, in the fork server, so no file's time limit pays for imports."""
    readers()




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
    mentions_rows: pa.Table | None = None  # ... or the rows themselves when small
    elements_rows: pa.Table | None = None


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
        return detect_table(item, ctx)
    return [detect_text(item, ctx)]


class _ResultSink:
    """Collects one file's detections: in memory while small (returned with the outcome), spilled to
    Parquet beside the case once large, so a worker's memory stays bounded on huge files."""

    SPILL_ROWS = 100_000

    def __init__(self, job: Job) -> None:
        self.sha256 = job.sha256
        base = Path(job.result_dir) / job.sha256
        self.mentions = 0
        self.elements = 0
        self._keys: set[str] = set()
        self._parts = {
            "mentions": _Spool(base.with_suffix(".mentions.parquet"), _MENTION_SCHEMA, self.SPILL_ROWS),
            "elements": _Spool(base.with_suffix(".elements.parquet"), _ELEMENT_SCHEMA, self.SPILL_ROWS),
        }

    def write(self, found: Detections) -> None:
        self._keep_keys_unique(found.mentions)
        if found.mentions:
            self._parts["mentions"].add(_mentions_table(self.sha256, found.mentions))
            self.mentions += len(found.mentions)
        if found.elements:
            self._parts["elements"].add(_elements_table(self.sha256, found.elements))
            self.elements += len(found.elements)

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
        return outcome

    def discard(self) -> None:
        for spool in self._parts.values():
            spool.discard()


class _Spool:
    def __init__(self, path: Path, schema: pa.Schema, spill_rows: int) -> None:
        self.path, self.schema, self.spill_rows = path, schema, spill_rows
        self.tables: list[pa.Table] = []
        self.rows = 0
        self.writer: pq.ParquetWriter | None = None

    def add(self, table: pa.Table) -> None:
        self.tables.append(table)
        self.rows += table.num_rows
        if self.rows >= self.spill_rows:
            self._spill()

    def _spill(self) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema)
        for table in self.tables:
            self.writer.write_table(table)
        self.tables, self.rows = [], 0

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


def _mentions_table(sha256: str, mentions: list[Mention]) -> pa.Table:
    rows = []
    for m in mentions:
        row = asdict(m)
        row["sha256"] = sha256
        row["mention_key"] = row.pop("key")
        row["attributes"] = json.dumps(m.attributes, sort_keys=True) if m.attributes else ""
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=_MENTION_SCHEMA)


def _elements_table(sha256: str, elements: list[Element]) -> pa.Table:
    rows = []
    for e in elements:
        row = asdict(e)
        row["sha256"] = sha256
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=_ELEMENT_SCHEMA)
