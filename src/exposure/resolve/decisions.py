"""Reviewer decisions (merge these people / split these mentions off), stored in the case database.

Person ids change when clusters change, so decisions are kept on *mentions*
(sha256 + mention_key), which stay the same for the same input:

- ``merge``: the listed mentions belong to one person. A merge decision stores one
  mention of each person merged; later runs join whatever clusters hold them,
  whatever the never-merge rules say (the reviewer has looked).
- ``split``: the listed mentions are one person apart from everyone else. Later runs
  take them out of their cluster and link them to nothing automatically (a later
  merge decision can still join them to someone).

Decisions apply in the order they were made; splitting a mention cancels earlier merge
decisions that named it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

MERGE = "merge"
SPLIT = "split"

DECISIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS review_decisions (
    decision_id INTEGER NOT NULL,
    kind        VARCHAR NOT NULL,   -- merge, split
    sha256      VARCHAR NOT NULL,
    mention_key VARCHAR NOT NULL,
    decided     TIMESTAMP NOT NULL,
    note        VARCHAR NOT NULL DEFAULT ''
);
"""


class DecisionError(Exception):
    """A decision cannot be recorded as asked (one-line reason, no personal values)."""


@dataclass(frozen=True)
class Decision:
    decision_id: int
    kind: str
    mentions: tuple[tuple[str, str], ...]
    decided: dt.datetime
    note: str


def ensure_decisions_table(con: duckdb.DuckDBPyConnection) -> None:
    """Cases made before decisions existed get the table on first use (the schema only grows)."""
    con.execute(DECISIONS_SCHEMA)


def _next_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(decision_id), 0) + 1 FROM review_decisions").fetchone()[0]


def _insert(con: duckdb.DuckDBPyConnection, kind: str, mentions: list[tuple[str, str]], note: str) -> int:
    decision_id = _next_id(con)
    now = dt.datetime.now().replace(microsecond=0)
    con.executemany(
        "INSERT INTO review_decisions VALUES (?, ?, ?, ?, ?, ?)",
        [(decision_id, kind, sha, key, now, note) for sha, key in mentions],
    )
    return decision_id


def _person_mentions(con: duckdb.DuckDBPyConnection, person_id: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT sha256, mention_key FROM person_mentions WHERE person_id = ? ORDER BY sha256, mention_key",
        [person_id],
    ).fetchall()
    if not rows:
        raise DecisionError(f"no person {person_id} in this case: run 'exposure resolve' and check the id")
    return [(sha, key) for sha, key in rows]


def record_merge(con: duckdb.DuckDBPyConnection, person_ids: list[str], note: str = "") -> int:
    """Record that ``person_ids`` are one individual; return the decision id."""
    ensure_decisions_table(con)
    unique = sorted(set(person_ids))
    if len(unique) < 2:
        raise DecisionError("a merge needs at least two different person ids")
    representatives = [_person_mentions(con, pid)[0] for pid in unique]
    return _insert(con, MERGE, representatives, note)


def parse_mention_ref(ref: str) -> tuple[str, str]:
    """``SHA256:MENTION_KEY`` (as ``review show`` prints it) -> (sha256, mention_key)."""
    sha, sep, key = ref.partition(":")
    if not sep or len(sha) != 64 or not key:
        raise DecisionError("a mention is written SHA256:MENTION_KEY, e.g. 3fa9...e1:row 12")
    return sha.lower(), key


def record_split(
    con: duckdb.DuckDBPyConnection, person_id: str, mentions: list[tuple[str, str]], note: str = ""
) -> int:
    """Record that ``mentions`` (all of ``person_id``) are one person apart from the rest of it."""
    ensure_decisions_table(con)
    members = set(_person_mentions(con, person_id))
    wanted = sorted(set(mentions))
    if not wanted:
        raise DecisionError("name at least one mention to split off (--mention SHA256:KEY)")
    strangers = [m for m in wanted if m not in members]
    if strangers:
        raise DecisionError(f"{len(strangers)} of the mentions named are not part of {person_id}")
    if len(wanted) == len(members):
        raise DecisionError(f"those are all of {person_id}'s mentions: nothing would be split")
    con.execute("BEGIN TRANSACTION")
    try:
        for sha, key in wanted:  # a split cancels earlier merges that named the mention
            con.execute(
                "DELETE FROM review_decisions WHERE kind = ? AND sha256 = ? AND mention_key = ?",
                [MERGE, sha, key],
            )
        decision_id = _insert(con, SPLIT, wanted, note)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return decision_id


def undo_decision(con: duckdb.DuckDBPyConnection, decision_id: int) -> None:
    ensure_decisions_table(con)
    found = con.execute(
        "SELECT count(*) FROM review_decisions WHERE decision_id = ?", [decision_id]
    ).fetchone()[0]
    if not found:
        raise DecisionError(f"no decision {decision_id} in this case")
    con.execute("DELETE FROM review_decisions WHERE decision_id = ?", [decision_id])


def list_decisions(con: duckdb.DuckDBPyConnection) -> list[Decision]:
    ensure_decisions_table(con)
    rows = con.execute("""
        SELECT decision_id, kind, sha256, mention_key, decided, note FROM review_decisions
        ORDER BY decision_id, sha256, mention_key
    """).fetchall()
    grouped: dict[int, list] = {}
    for decision_id, kind, sha, key, decided, note in rows:
        grouped.setdefault(decision_id, [kind, [], decided, note])[1].append((sha, key))
    return [Decision(did, kind, tuple(ms), when, note) for did, (kind, ms, when, note) in grouped.items()]


def split_groups_sql() -> str:
    """SQL of (sha256, mention_key, split_group): each split mention's latest split decision."""
    return f"""
        SELECT sha256, mention_key, max(decision_id) AS split_group
        FROM review_decisions WHERE kind = '{SPLIT}' GROUP BY sha256, mention_key
    """


def merge_groups(con: duckdb.DuckDBPyConnection) -> list[list[str]]:
    """Anchors (sha256 \\x1f mention_key) of each merge decision, in decision order."""
    rows = con.execute(f"""
        SELECT list(sha256 || chr(31) || mention_key ORDER BY sha256, mention_key)
        FROM review_decisions WHERE kind = '{MERGE}' GROUP BY decision_id ORDER BY decision_id
    """).fetchall()
    return [row[0] for row in rows]
