"""How well a finished case found the demo's people: traced mention by mention to the ground truth.

Each listed person is traced through its mentions to the ground-truth individuals written
there: by file and location; else by file alone when the file names one individual; else,
for formats whose readers say where differently (X12 segment numbers, OCR pages, JSON
paths), by file and the SSN digits, or file, standardised last name and birth date.
A person whose mentions all belong to one individual is
*pure*; one mixing several individuals is *over-merged* (the worst error: it hides
someone from the notices); an individual spread over several persons is *split*.

``cluster_scores`` scores any clustering of records against known entities (the demo, FEBRL,
the scale benchmark): pairwise precision, recall and F1 over record pairs, and the two
breach-specific rates, over-merge (persons holding two real people) and split (people
spread over several persons). ``variant_split_rates`` says, per way a source wrote a person
differently (ground_truth_mentions.csv ``variant``), how often that mention was left apart.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
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


@dataclass(frozen=True)
class ToolMention:
    """What the case database says about one mention of a listed person."""

    person_id: str
    path: str
    location: str
    first_name: str = ""
    last_name: str = ""
    full_name: str = ""
    date_of_birth: str = ""
    ssn: str = ""
    sha256: str = ""  # with mention_key, the mention itself (one content at two paths is one mention)
    mention_key: str = ""


def standard_name(name: str) -> str:
    """Upper-case letters only: ``O'Brien-Smith`` and ``OBRIEN SMITH`` compare equal."""
    return re.sub(r"[^A-Z]", "", name.upper())


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


class TruthIndex:
    """Where each ground-truth individual was written, looked up the three ways of the module doc."""

    def __init__(self, mentions: list[dict[str, str]], people: list[dict[str, str]]) -> None:
        self.by_place: dict[tuple[str, str], str] = {}
        self.by_path: dict[str, set[str]] = defaultdict(set)
        for row in mentions:
            self.by_place[(row["path"], row["location"])] = row["truth_id"]
            self.by_path[row["path"]].add(row["truth_id"])
        self.people = {row["truth_id"]: row for row in people}

    def trace(self, mention: ToolMention) -> str | None:
        truth = self.by_place.get((mention.path, mention.location))
        if truth is not None:
            return truth
        candidates = self.by_path.get(mention.path, set())
        if len(candidates) == 1:
            return next(iter(candidates))  # a letter about one person: the file says who
        return self._by_values(mention, candidates)

    def _by_values(self, mention: ToolMention, candidates: set[str]) -> str | None:
        people = [self.people[t] for t in sorted(candidates) if t in self.people]
        ssn = _digits(mention.ssn)
        if len(ssn) == 9:
            same_ssn = [p["truth_id"] for p in people if _digits(p["ssn"]) == ssn]
            if len(same_ssn) == 1:
                return same_ssn[0]
        if not mention.date_of_birth:
            return None
        born_then = [p for p in people if p["date_of_birth"] == mention.date_of_birth]
        words = {standard_name(w) for w in re.split(r"[\s,]+", mention.full_name)} - {""}
        last = standard_name(mention.last_name)
        named = [p for p in born_then if _name_matches(p["last_name"], last, words)]
        if len(named) > 1:  # twins: same last name and birthday, told apart by the first name
            first = standard_name(mention.first_name)
            named = [p for p in named if _name_matches(p["first_name"], first, words)]
        return named[0]["truth_id"] if len(named) == 1 else None


def _name_matches(truth_name: str, name: str, full_name_words: set[str]) -> bool:
    """The tool's name part equals the truth's; without one, the truth's is a word of the full name."""
    if name:
        return standard_name(truth_name) == name
    return standard_name(truth_name) in full_name_words


def _tool_mentions(case_dir: Path) -> tuple[list[ToolMention], list[str]]:
    con = duckdb.connect(str(Path(case_dir) / "case.duckdb"), read_only=True)
    try:
        placed = con.execute(
            """
            SELECT pm.person_id, p.path, m.location, coalesce(m.first_name, ''), coalesce(m.last_name, ''),
                   coalesce(m.full_name, ''), coalesce(m.date_of_birth, ''), coalesce(m.ssn, ''),
                   m.sha256, m.mention_key
            FROM person_mentions pm
            JOIN mentions m USING (sha256, mention_key)
            JOIN paths p ON p.sha256 = m.sha256
            """
        ).fetchall()
        persons = [r[0] for r in con.execute("SELECT person_id FROM persons").fetchall()]
    finally:
        con.close()
    return [ToolMention(*row) for row in placed], persons


def _truth_index(demo: DemoCase) -> TruthIndex:
    people = read_csv(demo.truth_path)
    if demo.unreadable_path.is_file():
        people += read_csv(demo.unreadable_path)
    return TruthIndex(read_csv(demo.mentions_path), people)


def person_truth_sets(demo: DemoCase, case_dir: Path) -> dict[str, set[str]]:
    """person_id -> the ground-truth individuals behind its mentions."""
    index = _truth_index(demo)
    mentions, persons = _tool_mentions(case_dir)
    result: dict[str, set[str]] = {p: set() for p in persons}
    for mention in mentions:
        truth = index.trace(mention)
        if truth is not None:
            result[mention.person_id].add(truth)
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


def mention_recall_by_format(demo: DemoCase, case_dir: Path) -> dict[str, tuple[int, int]]:
    """format -> (readable truth mentions the tool traced to their individual in that file, all of them).

    A truth mention counts as found when some mention the tool stored for that file traces
    (as ``person_truth_sets`` does) to the same individual: the per-format score of a reader.
    """
    index = _truth_index(demo)
    tool_mentions, _ = _tool_mentions(case_dir)
    found_in_file = {(m.path, index.trace(m)) for m in tool_mentions}
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in read_csv(demo.mentions_path):
        if row["readable"] != "true":
            continue
        counts = totals[row.get("format", "")]
        counts[1] += 1
        counts[0] += (row["path"], row["truth_id"]) in found_in_file
    return {fmt: (found, total) for fmt, (found, total) in sorted(totals.items())}


# ---- pairwise and entity scores -------------------------------------------------------


@dataclass(frozen=True)
class ClusterScores:
    """A clustering of records scored against the real entities behind them.

    Pairs are pairs of records: *predicted* when the clustering puts them together, *true*
    when one entity is behind both. ``false_merge_pair_rate`` is the share of predicted
    pairs that are wrong; ``over_merge_rate`` the share of clusters holding two or more
    entities (someone hidden from the notices); ``split_rate`` the share of entities spread
    over two or more clusters (duplicate letters).
    """

    records: int
    entities: int
    clusters: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    over_merged_clusters: int
    split_entities: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_merge_pair_rate(self) -> float:
        return 1.0 - self.precision if self.predicted_pairs else 0.0

    @property
    def over_merge_rate(self) -> float:
        return self.over_merged_clusters / self.clusters if self.clusters else 0.0

    @property
    def split_rate(self) -> float:
        return self.split_entities / self.entities if self.entities else 0.0


def _pairs(per_side: Counter) -> int:
    """Record pairs in a group: all of them, or (with sides) only pairs across two sides."""
    total = sum(per_side.values())
    if len(per_side) <= 1 and None in per_side:
        return total * (total - 1) // 2
    return (total * total - sum(n * n for n in per_side.values())) // 2


def cluster_scores(
    assignments: Iterable[tuple[Hashable, ...]],
) -> ClusterScores:
    """Score ``(cluster, entity)`` per record; ``(cluster, entity, side)`` counts only pairs across sides.

    Sides are for linking two datasets (FEBRL 4): a pair inside one dataset is neither
    predicted nor true. Every record counts once; give each record exactly one tuple.
    """
    by_cluster: dict[Hashable, Counter] = defaultdict(Counter)
    by_entity: dict[Hashable, Counter] = defaultdict(Counter)
    by_both: dict[tuple[Hashable, Hashable], Counter] = defaultdict(Counter)
    entities_of_cluster: dict[Hashable, set] = defaultdict(set)
    clusters_of_entity: dict[Hashable, set] = defaultdict(set)
    records = 0
    for cluster, entity, *side in assignments:
        key = side[0] if side else None
        by_cluster[cluster][key] += 1
        by_entity[entity][key] += 1
        by_both[(cluster, entity)][key] += 1
        entities_of_cluster[cluster].add(entity)
        clusters_of_entity[entity].add(cluster)
        records += 1
    return ClusterScores(
        records=records,
        entities=len(by_entity),
        clusters=len(by_cluster),
        true_pairs=sum(_pairs(c) for c in by_entity.values()),
        predicted_pairs=sum(_pairs(c) for c in by_cluster.values()),
        correct_pairs=sum(_pairs(c) for c in by_both.values()),
        over_merged_clusters=sum(1 for e in entities_of_cluster.values() if len(e) > 1),
        split_entities=sum(1 for c in clusters_of_entity.values() if len(c) > 1),
    )


def case_cluster_scores(demo: DemoCase, case_dir: Path) -> ClusterScores:
    """Pairwise scores of a finished demo case over the mentions the tool traced to a real individual.

    Only traced mentions count, so this scores the resolver alone: a mention detection missed
    is neither a true nor a predicted pair.
    """
    index = _truth_index(demo)
    tool_mentions, _ = _tool_mentions(case_dir)
    traced: dict[tuple[str, str], tuple[str, str]] = {}
    for mention in tool_mentions:
        key = (mention.sha256, mention.mention_key)
        truth = index.trace(mention)
        if truth is not None and key not in traced:
            traced[key] = (mention.person_id, truth)
    return cluster_scores(traced.values())


def variant_split_rates(demo: DemoCase, case_dir: Path) -> dict[str, tuple[int, int]]:
    """variant -> (mentions left apart, mentions scored): how often a source's variant spelling split.

    A readable truth mention written with a variant is scored when the tool found it and found
    a plain (variant-free) mention of the same individual in another file; it is *left apart*
    when no person holds both. Detection misses are not counted: this scores the resolver.
    """
    index = _truth_index(demo)
    tool_mentions, _ = _tool_mentions(case_dir)
    persons_at: dict[tuple[str, str], set[str]] = defaultdict(set)  # (path, truth_id) -> person ids
    for mention in tool_mentions:
        truth = index.trace(mention)
        if truth is not None:
            persons_at[(mention.path, truth)].add(mention.person_id)
    rows = [r for r in read_csv(demo.mentions_path) if r["readable"] == "true"]
    plain: dict[str, set[str]] = defaultdict(set)  # truth_id -> persons holding its plain mentions
    for row in rows:
        if not row.get("variant"):
            plain[row["truth_id"]] |= persons_at.get((row["path"], row["truth_id"]), set())
    scored: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        variant = row.get("variant", "")
        persons = persons_at.get((row["path"], row["truth_id"]), set())
        if not variant or not persons or not plain[row["truth_id"]]:
            continue
        counts = scored[variant]
        counts[1] += 1
        counts[0] += not persons & plain[row["truth_id"]]
    return {variant: (apart, total) for variant, (apart, total) in sorted(scored.items())}
