"""Throughput and memory of the table readers on generated files.

    .venv/bin/python bench/extract_tables.py [--csv-mb 50] [--xlsx-mb 20] [--big-gb 1] [--workdir DIR]

Prints MB/s and peak RSS for: CSV through ``delimited.read_delimited`` alone and through
``detect_table``; XLSX through ``spreadsheet.read_workbook`` alone and through ``detect_table``; and a
big CSV (default 1 GB, written to the work folder, never the repository) read through
``read_delimited`` to show that memory stays constant. Each measurement runs in its own process so
peak RSS belongs to that measurement alone.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

HEADER = ["First Name", "Last Name", "SSN", "DOB", "Address", "City", "State", "Zip", "Email", "Phone"]
FIRST = ["Maria", "Dmitri", "Lena", "Ahmed", "Grace", "Tomas", "Yuki", "Priya", "Owen", "Chloe"]
LAST = ["Gonzalez", "Okafor", "Haddad", "Novak", "Lindqvist", "Moreau", "Tanaka", "Patel", "Reyes", "Kim"]
CITIES = [
    ("Boston", "MA", "02134"),
    ("Austin", "TX", "73301"),
    ("Denver", "CO", "80202"),
    ("Salem", "OR", "97301"),
]


def fake_row(rng: random.Random) -> list[str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, zip_code = rng.choice(CITIES)
    area = rng.choice([n for n in range(1, 900) if n != 666][:600])
    return [
        first,
        last,
        f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}",
        f"{rng.randint(1940, 2010)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        f"{rng.randint(1, 9999)} {rng.choice(['Oak', 'Main', 'Pine', 'Elm'])} St",
        city,
        state,
        zip_code,
        f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@example.org",
        f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}",
    ]


def write_csv(path: Path, megabytes: float, seed: int = 7) -> None:
    """A CSV of about ``megabytes``: a 4 MB block of distinct rows written over and over."""
    rng = random.Random(seed)
    block = "".join(",".join(fake_row(rng)) + "\n" for _ in range(40_000))
    target = int(megabytes * 1024 * 1024)
    with open(path, "w", encoding="utf-8") as out:
        out.write(",".join(HEADER) + "\n")
        written = 0
        while written < target:
            out.write(block)
            written += len(block)


def write_xlsx(path: Path, megabytes: float, seed: int = 7) -> None:
    import openpyxl

    rng = random.Random(seed)
    rows = int(megabytes * 15_000)  # about 15,000 rows of these ten columns per compressed MB
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    sheet.append(HEADER)
    for _ in range(rows):
        row: list[object] = fake_row(rng)
        row[7] = int(row[7])  # a ZIP stored as a number, as Excel users do
        sheet.append(row)
    workbook.save(path)


# ------------------------------------------------------------------ one measurement (child process)


def measure(kind: str, path: Path) -> dict[str, float]:
    from exposure.detect import DetectContext, detect_table
    from exposure.extract.delimited import read_delimited
    from exposure.extract.spreadsheet import read_workbook

    baseline = _peak_rss_mb()
    read = read_delimited if kind.startswith("csv") else read_workbook
    started = time.perf_counter()
    rows = mentions = 0
    for table in read(path):
        if kind.endswith("detect"):
            for found in detect_table(table, DetectContext()):
                mentions += len(found.mentions)
        else:
            for _ in table.rows:
                rows += 1
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": rows,
        "mentions": mentions,
        "baseline_mb": baseline,
        "peak_mb": _peak_rss_mb(),
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_child(kind: str, path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(path)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--csv-mb", type=float, default=50)
    parser.add_argument("--xlsx-mb", type=float, default=20)
    parser.add_argument("--big-gb", type=float, default=1, help="0 skips the bounded-memory run")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where generated files go (default: a temp dir)"
    )
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], Path(args.measure[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="exposure-bench-", dir=args.workdir) as work:
        run_all(Path(work), args)


def run_all(work: Path, args: argparse.Namespace) -> None:
    csv_path, xlsx_path, big_path = work / "people.csv", work / "people.xlsx", work / "big.csv"
    started = time.perf_counter()
    write_csv(csv_path, args.csv_mb)
    write_xlsx(xlsx_path, args.xlsx_mb)
    print(f"generated inputs in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    runs = [
        ("CSV read_delimited", "csv", csv_path),
        ("CSV + detect_table", "csv-detect", csv_path),
        ("XLSX read_workbook", "xlsx", xlsx_path),
        ("XLSX + detect_table", "xlsx-detect", xlsx_path),
    ]
    if args.big_gb > 0:
        write_csv(big_path, args.big_gb * 1024)
        runs.append(("big CSV read_delimited", "csv", big_path))
    columns = (
        ("file MB", 9),
        ("rows", 10),
        ("mentions", 9),
        ("s", 7),
        ("MB/s", 7),
        ("base MB", 8),
        ("peak MB", 8),
    )
    print(f"{'what':<24} " + " ".join(f"{name:>{width}}" for name, width in columns))
    for label, kind, path in runs:
        size_mb = path.stat().st_size / 1024 / 1024
        result = run_child(kind, path)
        print(
            f"{label:<24} {size_mb:>9.1f} {result['rows']:>10.0f} {result['mentions']:>9.0f} "
            f"{result['seconds']:>7.1f} {size_mb / result['seconds']:>7.1f} "
            f"{result['baseline_mb']:>8.0f} {result['peak_mb']:>8.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
