"""resolve: cluster person mentions into unique individuals.

standardise (standardize.py) -> block + link + cluster (cluster.py) -> best
values (best_values.py). Reads ``mentions``, ``elements`` and ``paths``;
rewrites ``persons`` and ``person_mentions``. Deterministic: the same input
gives the same persons and person ids whatever order it was inserted in.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from exposure.config import CaseConfig
from exposure.resolve.best_values import write_persons
from exposure.resolve.cluster import cluster_mentions
from exposure.resolve.standardize import build_standardized_mentions

__all__ = ["ResolveStats", "resolve_case"]

_TEMP_TABLES = (
    "std_mentions", "linked", "ssn_groups", "link_groups", "strong_clusters", "weak_mentions",
    "weak_contacts", "strong_contacts", "weak_clusters", "mention_persons", "pm", "best_name",
    "best_dob", "best_email", "best_phone", "best_last4_hint", "best_address", "person_elements",
    "person_owner_rows", "person_owners", "person_summary",
)  # fmt: skip


@dataclass(frozen=True)
class ResolveStats:
    mentions: int  # mentions of affected individuals that were clustered
    persons: int
    needs_review: int  # persons flagged for a reviewer


def resolve_case(con: duckdb.DuckDBPyConnection, config: CaseConfig) -> ResolveStats:
    """Rewrite ``persons`` and ``person_mentions`` from the mentions in the case database."""
    try:
        mentions = build_standardized_mentions(con)
        cluster_mentions(con)
        write_persons(con, config)
    finally:
        for table in _TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    persons, flagged = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE needs_review) FROM persons"
    ).fetchone()
    return ResolveStats(mentions=mentions, persons=persons, needs_review=flagged)
