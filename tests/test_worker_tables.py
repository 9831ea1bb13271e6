"""The worker's Arrow tables of text detections hold exactly what the objects hold."""

from __future__ import annotations

import json
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
