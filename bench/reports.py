"""Report writers one by one: seconds, rows/s and peak RSS for each writer of ``write_reports``.

Builds a case database with N persons directly (no pipeline run): persons with plausible names,
addresses, elements, data owners and states, inserted in bulk by DuckDB, plus some files and
person mentions so files.csv and summary.html have something to count. Then runs each writer in
the order ``write_reports`` does and prints a markdown table.

.venv/bin/python bench/reports.py [--persons 100000] [--skip letters] [--only xlsx,owner_packages]
                                  [--keep DIR]

Peak RSS is the process's high-water mark after that writer (it never goes down), and the rise
over the writer before it in brackets. Letters write one PDF per person (about 5,000 a minute):
``--skip letters`` for large N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from exposure.case.db import open_case
from exposure.config import CaseConfig, Owner
from exposure.report.files import write_files
from exposure.report.jurisdictions import write_jurisdictions
from exposure.report.law import evaluate_case
from exposure.report.letters import write_letters
from exposure.report.notification_list import write_notification_list
from exposure.report.owner_packages import write_owner_packages
from exposure.report.owners import write_owners
from exposure.report.summary import write_summary
from exposure.report.xlsx import write_notification_xlsx

OWNERS = ("Oceanview Life & Annuity", "Harbor Dental Group", "Summit Payroll Services")
FIRST = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
         "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
         "María", "José", "Wei", "Aisha", "Dmitri", "Siobhán", "Fatima", "Kenji", "Chloé")  # fmt: skip
LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
        "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
        "Lee", "Perez", "Thompson", "White", "Harris", "O'Brien", "Nguyen", "Patel", "Müller")  # fmt: skip
STREETS = ("Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Washington Blvd", "Lakeview Rd")
CITIES = [
    tuple(c.rsplit(" ", 1))
    for c in (
        "Springfield MA", "Austin TX", "Albany NY", "Sacramento CA", "Miami FL", "Portland ME",
        "Seattle WA", "Columbus OH", "Denver CO", "Boise ID", "Chicago IL", "Newark NJ", "Phoenix AZ",
        "Atlanta GA", "Boston MA",
    )
]  # fmt: skip
ELEMENTS = (
    "name;ssn",
    "address;date_of_birth;name;ssn",
    "health_insurance_id;medical_information;name",
    "address;financial_account;name",
    "email;name;online_credentials",
    "date_of_birth;name;payment_card",
    "address;date_of_birth;drivers_license;name;phone",
    "name",
    "address;email;name;phone;ssn",
)
OWNER_SETS = (OWNERS[0], OWNERS[1], OWNERS[2], f"{OWNERS[1]};{OWNERS[0]}", f"{OWNERS[0]};{OWNERS[2]}", "")
FILES = 500


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def build_case(case_dir: Path, persons: int) -> duckdb.DuckDBPyConnection:
    """A case database with ``persons`` persons (deterministic), ``FILES`` files and a mention each."""
    con = open_case(case_dir)
    pick = "list_element({values}, (hash(i, '{salt}') % {n})::INTEGER + 1)"

    def choose(values: Sequence[str], salt: str) -> str:
        return pick.format(values=_list(values), salt=salt, n=len(values))

    con.execute(f"""
        CREATE TEMP TABLE gen AS
        SELECT i,
            {choose(FIRST, "f")} AS first_name,
            CASE WHEN hash(i, 'm') % 4 = 0 THEN chr(65 + (hash(i, 'mi') % 26)::INTEGER) ELSE NULL END
                AS middle_name,
            {choose(LAST, "l")} AS last_name,
            CASE WHEN hash(i, 's') % 40 = 0 THEN 'Jr.' ELSE NULL END AS suffix,
            (hash(i, 'c') % {len(CITIES)})::INTEGER AS city_at,
            hash(i, 'x') % 100 AS roll
        FROM range({persons}) t(i)
    """)
    cities, states = _list(tuple(c for c, _ in CITIES)), _list(tuple(s for _, s in CITIES))
    con.execute(f"""
        INSERT INTO persons
        SELECT
            printf('P%07d', i + 1) AS person_id,
            concat_ws(' ', first_name, CASE WHEN middle_name IS NULL THEN NULL ELSE middle_name || '.' END,
                      last_name, suffix) AS full_name,
            first_name, middle_name, last_name, suffix,
            CASE WHEN roll < 85 THEN strftime(DATE '1940-01-01' + (hash(i, 'd') % 29000)::INTEGER, '%Y-%m-%d')
                 END AS date_of_birth,
            CASE WHEN roll < 70 THEN lpad(((hash(i, '4') % 10000))::VARCHAR, 4, '0') END AS ssn_last4,
            CASE WHEN roll < 95 THEN ((hash(i, 'n') % 9899) + 100)::VARCHAR || ' ' || {choose(STREETS, "st")}
                 END AS address_line1,
            CASE WHEN roll % 10 = 3 THEN 'Apt ' || ((hash(i, 'a') % 400) + 1)::VARCHAR END AS address_line2,
            CASE WHEN roll < 95 THEN list_element({cities}, city_at + 1) END AS city,
            CASE WHEN roll < 97 THEN list_element({states}, city_at + 1) END AS state,
            CASE WHEN roll < 95 THEN lpad((hash(i, 'z') % 99950 + 10)::VARCHAR, 5, '0') END AS postal_code,
            CASE WHEN roll % 3 = 0 THEN lower(first_name || '.' || last_name) || (i % 97)::VARCHAR
                                        || '@example.com' END AS email,
            CASE WHEN roll % 2 = 0 THEN '+1' || (2000000000 + hash(i, 'p') % 7999999999)::VARCHAR
                 END AS phone,
            {choose(ELEMENTS, "e")} AS elements,
            {choose(OWNER_SETS, "o")} AS data_owners,
            (1 + hash(i, 'k') % 6)::INTEGER AS source_count,
            roll >= 96 AS is_minor,
            roll % 25 = 7 AS needs_review,
            CASE WHEN roll % 25 = 7 THEN 'low-confidence merge' END AS review_reason
        FROM gen
    """)
    con.execute(f"""
        INSERT INTO blobs (sha256, size, type, status, reason, extractor, mentions, elements)
        SELECT sha256(i::VARCHAR), 10000 + i, ['csv', 'xlsx', 'pdf', 'docx', 'eml'][i % 5 + 1],
               CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'processed' END,
               CASE WHEN i % 50 = 0 THEN 'encrypted: password required' ELSE '' END, 'bench', 0, 0
        FROM range({FILES}) t(i)
    """)
    con.execute("""
        INSERT INTO paths (root, path, parent, depth, sha256, size, type, status, reason)
        SELECT '/input', 'share/file' || i::VARCHAR || '.' || type, '', 0, sha256, size, type, status, reason
        FROM (SELECT row_number() OVER (ORDER BY sha256) AS i, * FROM blobs)
    """)
    con.execute(f"""
        INSERT INTO person_mentions
        SELECT printf('P%07d', i + 1), sha256((i % {FILES})::VARCHAR), 'row ' || i::VARCHAR
        FROM range({persons}) t(i)
    """)
    con.execute("DROP TABLE gen")
    return con


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--skip", default="", help="comma-separated writer names not to run")
    parser.add_argument(
        "--only", default="", help="comma-separated writer names to run (the list CSV always)"
    )
    parser.add_argument("--keep", type=Path, help="build the case in this folder and keep it")
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    only = {s for s in args.only.split(",") if s}
    tmp = Path(tempfile.mkdtemp(prefix="bench-reports-")) if args.keep is None else args.keep
    case_dir = tmp / "case"
    shutil.rmtree(case_dir, ignore_errors=True)
    try:
        started = time.perf_counter()
        con = build_case(case_dir, args.persons)
        build_seconds = time.perf_counter() - started
        config = CaseConfig(name="Bench", breach_date=dt.date(2024, 3, 1),
                            owners=tuple(Owner(name=o) for o in OWNERS))  # fmt: skip
        report = case_dir / "report"
        report.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        notices = evaluate_case(con, config)
        law_seconds = time.perf_counter() - started
        owned = con.execute("SELECT count(*) FROM persons WHERE coalesce(data_owners, '') <> ''").fetchone()[
            0
        ]
        sheet_rows = (
            args.persons
            + con.execute(
                "SELECT count(*) FROM (SELECT unnest(string_split(data_owners, ';')) FROM persons "
                "WHERE coalesce(data_owners, '') <> '')"
            ).fetchone()[0]
        )  # All people + one row per (person, owner) on the owner sheets
        writers: list[tuple[str, int, Callable[[], object]]] = [
            (
                "notification_list.csv",
                args.persons,
                lambda: write_notification_list(con, config, report, notices),
            ),
            ("files.csv", FILES, lambda: write_files(con, config, report)),
            ("owners.csv", args.persons, lambda: write_owners(con, config, report)),
            ("jurisdictions.csv", args.persons, lambda: write_jurisdictions(con, config, report, notices)),
            ("summary.html", args.persons, lambda: write_summary(con, config, report, notices.obligations)),
            ("xlsx", sheet_rows, lambda: write_notification_xlsx(con, config, report)),
            ("owner_packages", owned, lambda: write_owner_packages(con, config, report)),
            (
                "letters",
                args.persons,
                lambda: write_letters(con, config, report, notices.person_jurisdictions),
            ),
        ]
        print(
            f"case: {args.persons:,} persons built in {build_seconds:.1f} s; "
            f"notice engine {law_seconds:.1f} s; peak RSS {_peak_mb():.0f} MB\n"
        )
        print("| writer | rows | seconds | rows/s | peak RSS (MB) |")
        print("|---|---:|---:|---:|---:|")
        before = _peak_mb()
        total = 0.0
        for name, rows, run in writers:
            if name in skip or (only and name not in only and name != "notification_list.csv"):
                continue
            started = time.perf_counter()
            run()
            seconds = time.perf_counter() - started
            total += seconds
            peak = _peak_mb()
            rate = rows / seconds if seconds else 0
            print(f"| {name} | {rows:,} | {seconds:.2f} | {rate:,.0f} | {peak:.0f} (+{peak - before:.0f}) |")
            before = peak
        print(f"| **total** | | {total:.2f} | | |")
        con.close()
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
