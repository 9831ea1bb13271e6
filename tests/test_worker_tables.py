"""The worker's Arrow tables of text detections hold exactly what the objects hold; a worker's first
files import nothing its warm-up did not."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict

import pyarrow as pa

from exposure.detect import DetectContext, detect_text
from exposure.model import Element, Mention, TextBlock
from exposure.worker import _ELEMENT_SCHEMA, _MENTION_SCHEMA, _elements_table, _mentions_table

SHA = "ab" * 32
NOTE = """Patient: Maria Lopez   DOB: 03/04/1975   SSN: 536-90-4399
Address: 12 Oak St, Boston, MA 02134
Caller asked to update e-mail to maria.lopez@example.org and phone (617) 253-1000.
"""


def _reference_mentions(mentions: list[Mention]) -> pa.Table:
    rows = []
    for m in mentions:
        row = asdict(m)
        row["sha256"] = SHA
        row["mention_key"] = row.pop("key")
        row["attributes"] = json.dumps(m.attributes, sort_keys=True) if m.attributes else ""
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=_MENTION_SCHEMA)


def _reference_elements(elements: list[Element]) -> pa.Table:
    return pa.Table.from_pylist([{**asdict(e), "sha256": SHA} for e in elements], schema=_ELEMENT_SCHEMA)


def test_tables_of_detected_text_equal_the_per_object_rows() -> None:
    found = detect_text(
        [TextBlock(location=f"line {i}", text=NOTE, offset=i * 200) for i in range(3)], DetectContext()
    )
    mentions = [*found.mentions, Mention(key="x", location="row 9", attributes={"plan": "A", "group": "7"})]
    assert found.elements and found.mentions
    assert _elements_table(SHA, found.elements).equals(_reference_elements(found.elements))
    assert _mentions_table(SHA, mentions).equals(_reference_mentions(mentions))
    assert _elements_table(SHA, []).num_rows == 0 and _mentions_table(SHA, []).num_rows == 0


_FIRST_FILES_AFTER_WARM_UP = """
import json, sys
from pathlib import Path
from exposure.worker import Job, process_file, warm_up

warm_up()
before = set(sys.modules)
folder = Path(sys.argv[1])
jobs = [
    Job(sha256=name * 64, local_path=str(folder / path), type=kind, result_dir=str(folder))
    for name, path, kind in (("a", "note.txt", "text"), ("b", "people.csv", "csv"))
]
statuses = [process_file(job).status for job in jobs]
print(json.dumps({"statuses": statuses, "imported": sorted(set(sys.modules) - before)}))
"""


def test_a_worker_imports_nothing_more_at_its_first_files(tmp_path) -> None:
    """The fork server's warm-up imports what reading and storing a text and a table need (pyarrow's
    pandas shim among them), so no worker pays for imports inside a file's time limit."""
    (tmp_path / "note.txt").write_text("Patient: Owen Haddad\nDOB: 11/15/1950   SSN: 793-14-6090\n")
    (tmp_path / "people.csv").write_text("First Name,Last Name,SSN\nOwen,Haddad,793-14-6090\n")
    run = subprocess.run(
        [sys.executable, "-c", _FIRST_FILES_AFTER_WARM_UP, str(tmp_path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["statuses"] == ["processed", "processed"]
    assert result["imported"] == []
