"""Shared by the resolve benchmarks: a fresh case database filled with person mentions in bulk.

The benchmarks skip scanning: they write ``mentions`` rows straight into a case database
(one Arrow table, one INSERT), with a ``blobs`` and a ``paths`` row per pretend source
document, then call ``exposure.resolve.resolve_case`` as ``exposure resolve`` does.
"""

from __future__ import annotations

import hashlib
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

# The text columns of the mentions table a benchmark may fill; the rest stay empty.
MENTION_TEXT_COLUMNS = (
    "full_name", "first_name", "middle_name", "last_name", "suffix", "date_of_birth", "ssn", "ssn_last4",
    "address_line1", "address_line2", "city", "state", "postal_code", "email", "phone", "attributes",
)  # fmt: skip


def source_sha(name: str) -> str:
    """A stable pretend content hash for a source document of the benchmark."""
    return hashlib.sha256(name.encode()).hexdigest()


def open_fresh_case(case_dir: Path) -> duckdb.DuckDBPyConnection:
    from exposure.case.db import open_case

    if (case_dir / "case.duckdb").exists():
        raise SystemExit(f"{case_dir} already holds a case: use an empty folder")
    return open_case(case_dir)


def insert_sources(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """One processed blob and one top-level path per source document (owners and source counts use them)."""
    rows = pa.table({"sha256": [source_sha(n) for n in names], "path": names})
    con.register("bench_sources", rows)
    con.execute("""
        INSERT INTO blobs (sha256, size, type, status, extractor)
        SELECT sha256, 0, 'csv', 'processed', 'bench' FROM bench_sources
    """)
    con.execute("""
        INSERT INTO paths (root, path, parent, depth, sha256, size, type, status)
        SELECT '/bench', path, '', 0, sha256, 0, 'csv', 'processed' FROM bench_sources
    """)
    con.unregister("bench_sources")


def insert_mentions(con: duckdb.DuckDBPyConnection, columns: dict[str, list[str]]) -> int:
    """Insert mentions from columns: ``sha256`` and ``mention_key`` required, text columns optional."""
    count = len(columns["sha256"])
    names = ("sha256", "mention_key", *MENTION_TEXT_COLUMNS)
    data = {name: columns.get(name) or [""] * count for name in names}
    data["location"] = columns.get("location") or columns["mention_key"]
    data["role"] = columns.get("role") or ["individual"] * count
    if not any(columns.get("attributes") or []):
        data["attributes"] = ["{}"] * count
    table = pa.table({name: pa.array(values, pa.string()) for name, values in data.items()})
    con.register("bench_mentions", table)
    listed = ", ".join(table.column_names)
    con.execute(f"INSERT INTO mentions ({listed}) SELECT {listed} FROM bench_mentions")
    con.unregister("bench_mentions")
    return count


def person_of_mention(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    rows = con.execute("SELECT sha256, mention_key, person_id FROM person_mentions").fetchall()
    return {(sha, key): person for sha, key, person in rows}


def peak_rss_mib() -> float:
    """The largest resident set so far of this process and of any child it waited for (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


@dataclass
class StageClock:
    """Seconds per stage and the peak RSS reached by the end of each (a high-water mark: it never falls)."""

    rows: list[tuple[str, float, float]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.rows.append((name, time.perf_counter() - started, peak_rss_mib()))

    def markdown(self) -> str:
        lines = ["| stage | seconds | peak RSS so far (MiB) |", "|---|---:|---:|"]
        lines += [f"| {name} | {seconds:.1f} | {rss:.0f} |" for name, seconds, rss in self.rows]
        total = sum(seconds for _, seconds, _ in self.rows)
        lines.append(f"| **total** | **{total:.1f}** | **{max(r[2] for r in self.rows):.0f}** |")
        return "\n".join(lines)


def scores_row(label: str, scores) -> str:  # noqa: ANN001 - exposure.demo.evaluate.ClusterScores
    return (
        f"| {label} | {scores.records} | {scores.entities} | {scores.clusters} | {scores.precision:.4f} | "
        f"{scores.recall:.4f} | {scores.f1:.4f} | {scores.false_merge_pair_rate:.4f} | "
        f"{scores.over_merge_rate:.4f} | {scores.split_rate:.4f} |"
    )


SCORES_HEADER = (
    "| method | records | true entities | clusters | pairwise precision | pairwise recall | F1 | "
    "false-merge (pairs) | over-merge (clusters) | split (entities) |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)
