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


def owner_counts(con: duckdb.DuckDBPyConnection, config: CaseConfig) -> list[tuple]:
    """Rows of owners.csv: configured owners in config order (also with 0 people), owners
    resolve recorded that are no longer configured, then people with no owner."""
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
    configured = list(dict.fromkeys(o.name for o in config.owners))
    stale = sorted(set(by_owner) - set(configured) - {NO_OWNER})
    rows = [by_owner.get(name, (name, *zero)) for name in configured + stale]
    rows.append(by_owner.get(NO_OWNER, (NO_OWNER, *zero)))
    return rows


def write_owners(con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path) -> Path:
    return write_csv(Path(report_dir) / FILE_NAME, COLUMNS, owner_counts(con, config))
