"""Letters per minute: PDF letters written for a generated set of persons (no pipeline run needed).

.venv/bin/python bench/letters.py [--persons 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import tempfile
import time
from pathlib import Path

from exposure.case.db import open_case
from exposure.config import CaseConfig
from exposure.report.letters import LetterSettings, write_letters

STATES = ("CA", "MA", "TX", "NY", "FL", "ME", "WA", "OH")
ELEMENTS = (
    "name;ssn;date_of_birth",
    "name;medical_information;health_insurance_id",
    "name;financial_account",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="process counts to compare")
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        con = open_case(Path(tmp) / "case")
        rows = [
            (f"P{i:07d}", f"Person {i}", f"{i} Main St", "Springfield", rng.choice(STATES), "01234",
             rng.choice(ELEMENTS), rng.random() < 0.1, f"{i % 10000:04d}")
            for i in range(args.persons)
        ]  # fmt: skip
        con.executemany(
            "INSERT INTO persons (person_id, full_name, address_line1, city, state, postal_code, elements, "
            "is_minor, ssn_last4, needs_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, false)",
            rows,
        )
        jurisdictions = {
            pid: [f"US-{state}"] + (["HIPAA"] if "medical" in elements else [])
            for pid, _n, _a, _c, state, _z, elements, _m, _l in rows
        }
        config = CaseConfig(name="Bench", breach_date=dt.date(2024, 3, 1))
        print("| workers | letters | seconds | letters/minute | peak RSS |")
        print("|---|---|---|---|---|")
        for workers in args.workers:
            started = time.perf_counter()
            stats = write_letters(
                con,
                config,
                Path(tmp) / "report",
                jurisdictions,
                LetterSettings(organisation="Bench"),
                workers=workers,
            )
            seconds = time.perf_counter() - started
            peak_mb = (
                max(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                )
                / 1024
            )
            print(
                f"| {workers} | {stats.letters} | {seconds:.1f} | {stats.letters / seconds * 60:,.0f} "
                f"| {peak_mb:.0f} MB |"
            )


if __name__ == "__main__":
    main()
