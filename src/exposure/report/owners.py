"""owners.csv: per data owner, the individuals and how many of them had each element exposed."""

from __future__ import annotations

from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.model import ELEMENT_CODES
from exposure.report.csvout import write_csv

FILE_NAME = "owners.csv"
NO_OWNER = "(no owner)"
COLUMNS: tuple[str, ...] = ("owner", "individuals", *ELEMENT_CODES)


def recorded_owners(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every owner name resolve wrote on at least one person."""
    rows = con.execute("""
        SELECT DISTINCT unnest(string_split(data_owners, ';')) FROM persons
        WHERE coalesce(data_owners, '') <> ''
    """).fetchall()
    return {r[0] for r in rows if r[0]}


def owner_names(con: duckdb.DuckDBPyConnection, config: CaseConfig) -> list[str]:
    """Data owners in report order: configured ones in config order (also those with no people),
    then owners resolve recorded that are no longer configured, sorted. Never ``NO_OWNER``."""
    configured = list(dict.fromkeys(o.name for o in config.owners))
    stale = sorted(recorded_owners(con) - set(configured) - {NO_OWNER})
    return configured + stale


def unowned_people(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM persons WHERE coalesce(data_owners, '') = ''").fetchone()[0]


def owner_counts(con: duckdb.DuckDBPyConnection, config: CaseConfig) -> list[tuple]:
    """Rows of owners.csv: ``owner_names`` order, then people with no owner."""
    element_columns = ", ".join(
        f"count(*) FILTER (WHERE list_contains(codes, '{code}'))" for code in ELEMENT_CODES
    )
    found = con.execute(f"""
        WITH people AS (
            SELECT string_split(coalesce(elements, ''), ';') AS codes,
                CASE WHEN coalesce(data_owners, '') = '' THEN ['{NO_OWNER}']
                     ELSE string_split(data_owners, ';') END AS owners
            FROM persons
        )
        SELECT owner, count(*), {element_columns}
        FROM (SELECT unnest(owners) AS owner, codes FROM people)
        GROUP BY owner
    """).fetchall()
    by_owner = {row[0]: row for row in found}
    zero = (0,) * (1 + len(ELEMENT_CODES))
    rows = [by_owner.get(name, (name, *zero)) for name in owner_names(con, config)]
    rows.append(by_owner.get(NO_OWNER, (NO_OWNER, *zero)))
    return rows


def write_owners(con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path) -> Path:
    return write_csv(Path(report_dir) / FILE_NAME, COLUMNS, owner_counts(con, config))
