"""resolve: cluster person mentions into unique individuals.

standardise (standardize.py) -> block + link + cluster (cluster.py) -> best
values (best_values.py). Reads ``mentions``, ``elements`` and ``paths``;
rewrites ``persons`` and ``person_mentions``. Deterministic: the same input
gives the same persons and person ids whatever order it was inserted in.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import duckdb

from exposure.config import CaseConfig
from exposure.resolve.best_values import write_persons
from exposure.resolve.cluster import cluster_mentions
from exposure.resolve.standardize import build_standardized_mentions

__all__ = ["ResolveStats", "resolve_case"]

log = logging.getLogger(__name__)

_TEMP_TABLES = (
    "std_mentions", "linked", "ssn_groups", "link_groups", "strong_clusters", "weak_mentions",
    "weak_contacts", "strong_contacts", "weak_clusters", "mention_persons", "pm", "best_name",
    "best_dob", "best_email", "best_phone", "best_last4_hint", "best_address", "person_elements",
    "person_owner_rows", "person_owners", "person_summary", "atoms", "record_mentions", "records",
    "atom_edges", "final_clusters",
)  # fmt: skip


@dataclass(frozen=True)
class ResolveStats:
    mentions: int  # mentions of affected individuals that were clustered
    persons: int
    needs_review: int  # persons flagged for a reviewer
    # how the probabilistic tier ran: "trained" (EM on this data), "defaults" (too little data to
    # train), "skipped" (no candidate pairs); informative only, so not part of equality
    linkage: str = field(default="", compare=False)


def resolve_case(con: duckdb.DuckDBPyConnection, config: CaseConfig) -> ResolveStats:
    """Rewrite ``persons`` and ``person_mentions`` from the mentions in the case database."""
    try:
        started = time.perf_counter()
        mentions = build_standardized_mentions(con)
        log.info("resolve: standardised %d mentions %.1f s", mentions, time.perf_counter() - started)
        linked = cluster_mentions(con)
        started = time.perf_counter()
        write_persons(con, config)
        log.info("resolve: best values %.1f s", time.perf_counter() - started)
    finally:
        for table in _TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    persons, flagged = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE needs_review) FROM persons"
    ).fetchone()
    linkage = "trained" if linked.trained else "defaults" if linked.scored else "skipped"
    return ResolveStats(mentions=mentions, persons=persons, needs_review=flagged, linkage=linkage)
