"""notification_list.csv: one row per unique individual (CONTRACT.md, exact columns and order)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.report.csvout import write_csv
from exposure.report.law import CaseNotices, evaluate_case

FILE_NAME = "notification_list.csv"

CONTRACT_COLUMNS: tuple[str, ...] = (
    "person_id", "full_name", "first_name", "middle_name", "last_name", "suffix", "date_of_birth",
    "address_line1", "address_line2", "city", "state", "postal_code", "email", "phone",
    "elements", "data_owners", "source_count", "is_minor", "jurisdictions", "needs_review",
)  # fmt: skip
# Allowed after the contract columns: masked SSN for letters, and why a row needs review.
EXTRA_COLUMNS: tuple[str, ...] = ("ssn_last4", "review_reason")
COLUMNS = CONTRACT_COLUMNS + EXTRA_COLUMNS

_BATCH = 50_000


def jurisdictions_cell(codes: list[str]) -> str:
    """Rule codes (US-TX, HIPAA, EU-GDPR ...) whose notice duties the person triggers, sorted."""
    return ";".join(sorted(codes))


def _person_rows(con: duckdb.DuckDBPyConnection, notices: CaseNotices) -> Iterator[tuple]:
    """Persons in list order (last name, first name, person id; people without a name last), in batches."""
    selected = [c for c in COLUMNS if c != "jurisdictions"]
    cursor = con.cursor()
    cursor.execute(f"""
        SELECT {", ".join(selected)} FROM persons
        ORDER BY coalesce(last_name, '') = '', lower(coalesce(last_name, '')),
                 lower(coalesce(first_name, '')), last_name, first_name, person_id
    """)
    while batch := cursor.fetchmany(_BATCH):
        for row in batch:
            values = dict(zip(selected, row, strict=True))
            codes = notices.person_jurisdictions.get(values["person_id"], [])
            values["jurisdictions"] = jurisdictions_cell(codes)
            yield tuple(values[c] for c in COLUMNS)
    cursor.close()


def write_notification_list(
    con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path, notices: CaseNotices | None = None
) -> Path:
    """Write the list; the jurisdictions column comes from the notice engine (pass ``notices`` to reuse)."""
    notices = evaluate_case(con, config) if notices is None else notices
    return write_csv(Path(report_dir) / FILE_NAME, COLUMNS, _person_rows(con, notices))
