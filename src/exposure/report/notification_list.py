"""notification_list.csv: one row per unique individual (CONTRACT.md, exact columns and order)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.report.csvout import write_csv
from exposure.resolve.standardize import USPS_STATES

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


def jurisdictions_for(state: str | None) -> str:
    """For now the state of residence; a later issue derives the jurisdictions from notice laws."""
    return state if state in USPS_STATES else ""


def _person_rows(con: duckdb.DuckDBPyConnection) -> Iterator[tuple]:
    """Persons in list order (last name, first name, person id; people without a name last), in batches."""
    selected = [c for c in COLUMNS if c != "jurisdictions"]
    cursor = con.cursor()
    cursor.execute(f"""
        SELECT {", ".join(selected)} FROM persons
        ORDER BY coalesce(last_name, '') = '', lower(coalesce(last_name, '')),
                 lower(coalesce(first_name, '')), last_name, first_name, person_id
    """)
    state_at = selected.index("state")
    while batch := cursor.fetchmany(_BATCH):
        for row in batch:
            values = dict(zip(selected, row, strict=True))
            values["jurisdictions"] = jurisdictions_for(row[state_at])
            yield tuple(values[c] for c in COLUMNS)
    cursor.close()


def write_notification_list(con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path) -> Path:
    del config  # the list is what resolve decided; jurisdictions will need the config
    return write_csv(Path(report_dir) / FILE_NAME, COLUMNS, _person_rows(con))
