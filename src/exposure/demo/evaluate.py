"""How well a finished case found the demo's people: traced mention by mention to the ground truth.

Each listed person is traced through its mentions (file and row) to the ground-truth
individuals written there. A person whose mentions all belong to one individual is
*pure*; one mixing several individuals is *over-merged* (the worst error: it hides
someone from the notices); an individual spread over several persons is *split*.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from exposure.demo.generator import DemoCase


@dataclass
class Accuracy:
    truth: int
    persons: int
    found: int
    pure: int
    over_merged: list[str] = field(default_factory=list)  # person ids
    split: list[str] = field(default_factory=list)  # truth ids
    missed: list[str] = field(default_factory=list)  # truth ids
    unmatched: list[str] = field(default_factory=list)  # person ids tied to no real individual
    person_truth: dict[str, set[str]] = field(default_factory=dict)

    @property
    def recall(self) -> float:
        return self.found / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.pure / self.persons if self.persons else 1.0

    @property
    def split_rate(self) -> float:
        return len(self.split) / self.truth if self.truth else 0.0

    @property
    def over_merge_rate(self) -> float:
        return len(self.over_merged) / self.persons if self.persons else 0.0


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def person_truth_sets(demo: DemoCase, case_dir: Path) -> dict[str, set[str]]:
    """person_id -> the ground-truth individuals behind its mentions."""
    truth_by_place: dict[tuple[str, str], str] = {}
    truth_by_path: dict[str, set[str]] = defaultdict(set)
    for row in read_csv(demo.mentions_path):
        truth_by_place[(row["path"], row["location"])] = row["truth_id"]
        truth_by_path[row["path"]].add(row["truth_id"])
    con = duckdb.connect(str(Path(case_dir) / "case.duckdb"), read_only=True)
    try:
        placed = con.execute(
            """
            SELECT pm.person_id, p.path, m.location
            FROM person_mentions pm
            JOIN mentions m USING (sha256, mention_key)
            JOIN paths p ON p.sha256 = m.sha256
            """
        ).fetchall()
        persons = [r[0] for r in con.execute("SELECT person_id FROM persons").fetchall()]
    finally:
        con.close()
    result: dict[str, set[str]] = {p: set() for p in persons}
    for person_id, path, location in placed:
        truth = truth_by_place.get((path, location))
        if truth is None and len(truth_by_path.get(path, ())) == 1:
            truth = next(iter(truth_by_path[path]))  # a letter about one person: the file says who
        if truth is not None:
            result[person_id].add(truth)
    return result


def evaluate(demo: DemoCase, case_dir: Path) -> Accuracy:
    truth_ids = {row["truth_id"] for row in read_csv(demo.truth_path)}
    persons = person_truth_sets(demo, case_dir)
    rows_per_truth: dict[str, int] = defaultdict(int)
    for ids in persons.values():
        for truth_id in ids:
            rows_per_truth[truth_id] += 1
    found = set().union(*persons.values()) & truth_ids if persons else set()
    return Accuracy(
        truth=len(truth_ids),
        persons=len(persons),
        found=len(found),
        pure=sum(1 for ids in persons.values() if len(ids) == 1),
        over_merged=sorted(p for p, ids in persons.items() if len(ids) > 1),
        split=sorted(t for t, n in rows_per_truth.items() if n > 1),
        missed=sorted(truth_ids - found),
        unmatched=sorted(p for p, ids in persons.items() if not ids),
        person_truth=persons,
    )
