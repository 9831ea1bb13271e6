"""jurisdictions.csv: per jurisdiction, the people it covers, the notices owed, the deadlines and the law.

One row per jurisdiction with at least one covered person (HIPAA, GDPR and PIPEDA rows
appear when the case config makes them apply). Counts only: never a person's data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.report.csvout import write_csv
from exposure.report.law import CaseNotices, Obligation, evaluate_case

FILE_NAME = "jurisdictions.csv"
# Notice kinds with their own pair of columns; the rest ('hhs', 'covered_entity', ...) go to 'other'.
MAIN_NOTICES = ("individuals", "regulator", "consumer_reporting_agencies", "media")
COLUMNS: tuple[str, ...] = (
    "jurisdiction", "jurisdiction_name", "residents",
    "individuals", "individuals_due",
    "regulator", "regulator_due",
    "consumer_reporting_agencies", "consumer_reporting_agencies_due",
    "media", "media_due",
    "other_notices", "other_due",
    "earliest_due", "individuals_deadline", "recipients", "citation", "url", "verified", "why",
)  # fmt: skip


def _earliest(dates: list[dt.date | None]) -> str:
    known = [d for d in dates if d]
    return min(known).isoformat() if known else ""


def _kind_cells(owed: list[Obligation]) -> tuple[bool, str]:
    return bool(owed), _earliest([o.due_date for o in owed])


def jurisdiction_row(code: str, notices: CaseNotices) -> tuple:
    rule = notices.rules[code]
    obligations = notices.obligations_for(code)
    owed = [o for o in obligations if o.owed]
    cells: list[object] = [code, rule.name, notices.residents.get(code, 0)]
    for kind in MAIN_NOTICES:
        cells.extend(_kind_cells([o for o in owed if o.notice == kind]))
    others = [o for o in owed if o.notice not in MAIN_NOTICES]
    cells.extend(["; ".join(sorted({o.notice for o in others})), _earliest([o.due_date for o in others])])
    individual = next((o for o in obligations if o.notice == "individuals"), None)
    cells.extend(
        [
            _earliest([o.due_date for o in owed]),
            individual.deadline_text if individual else "",
            "; ".join(dict.fromkeys(o.recipient for o in owed if o.notice != "individuals")),
            "; ".join(c.cite for c in rule.citations),
            rule.url,
            rule.verified,
            " | ".join(o.why for o in owed),
        ]
    )
    return tuple(cells)


def jurisdiction_rows(notices: CaseNotices) -> list[tuple]:
    return [jurisdiction_row(code, notices) for code in notices.residents]


def write_jurisdictions(
    con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path, notices: CaseNotices | None = None
) -> Path:
    """Write jurisdictions.csv; pass ``notices`` when the caller already evaluated the case."""
    notices = evaluate_case(con, config) if notices is None else notices
    return write_csv(Path(report_dir) / FILE_NAME, COLUMNS, jurisdiction_rows(notices))
