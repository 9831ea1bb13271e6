"""What one worker process does with one distinct file: extract, then detect.

Results go to Parquet files beside the case database, not back through the
pipe, so a worker's memory stays bounded by one batch and the main process
can load a whole file's results in one transaction.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from exposure.detect import DetectContext, detect_table, detect_text
from exposure.extract import ExtractError, reader_for
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


@dataclass
class Job:
    sha256: str
    local_path: str
    type: str
    result_dir: str
    owner_value_columns: tuple[str, ...] = ()


@dataclass
class Outcome:
    sha256: str
    status: str
    reason: str = ""
    extractor: str = ""
    mentions: int = 0
    elements: int = 0
    seconds: float = 0.0
    mentions_file: str = ""
    elements_file: str = ""


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
    sink.close()
    return Outcome(
        job.sha256,
        PROCESSED,
        extractor=reader.name,
        mentions=sink.mentions,
        elements=sink.elements,
        seconds=time.monotonic() - started,
        mentions_file=str(sink.mentions_path),
        elements_file=str(sink.elements_path),
    )


def _batched(items):  # noqa: ANN001, ANN202 - Iterator[Table | TextBlock] -> Iterator[Table | list[TextBlock]]
    """Tables pass through; consecutive text blocks are grouped so attribution sees a document's context."""
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


def _detect(item: Table | list[TextBlock], ctx: DetectContext):  # noqa: ANN202
    if isinstance(item, Table):
        return detect_table(item, ctx)
    return [detect_text(item, ctx)]


class _ResultSink:
    """Streams detections of one file into two Parquet files."""

    def __init__(self, job: Job) -> None:
        self.sha256 = job.sha256
        base = Path(job.result_dir) / job.sha256
        self.mentions_path = base.with_suffix(".mentions.parquet")
        self.elements_path = base.with_suffix(".elements.parquet")
        self._mention_writer = pq.ParquetWriter(self.mentions_path, _MENTION_SCHEMA)
        self._element_writer = pq.ParquetWriter(self.elements_path, _ELEMENT_SCHEMA)
        self.mentions = 0
        self.elements = 0

    def write(self, found: Detections) -> None:
        if found.mentions:
            self._mention_writer.write_table(_mentions_table(self.sha256, found.mentions))
            self.mentions += len(found.mentions)
        if found.elements:
            self._element_writer.write_table(_elements_table(self.sha256, found.elements))
            self.elements += len(found.elements)

    def close(self) -> None:
        self._mention_writer.close()
        self._element_writer.close()

    def discard(self) -> None:
        self.close()
        self.mentions_path.unlink(missing_ok=True)
        self.elements_path.unlink(missing_ok=True)


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
