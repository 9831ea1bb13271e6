"""Throughput of EBCDIC record decoding on a generated fixed-record file; prints a table.

    .venv/bin/python bench/cobol.py [--mb 100]

The file has 200-byte records mixing DISPLAY text and zoned numbers, COMP-3 and BINARY fields.
Each step runs in a fresh child process so its peak memory (resident set) is its own:
- decode: the reader's tables (framing, encoding detection, every field of every record);
- detect: the same plus exposure.detect on the rows (what a worker does), on a 10 MB slice.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

COPYBOOK = """\
       01  CUST-REC.
           05  CUST-TYPE          PIC X.
           05  CUST-SSN           PIC 9(9) COMP-3.
           05  CUST-FIRST-NAME    PIC X(15).
           05  CUST-LAST-NAME     PIC X(20).
           05  CUST-STREET        PIC X(30).
           05  CUST-CITY          PIC X(20).
           05  CUST-STATE         PIC X(2).
           05  CUST-ZIP           PIC 9(5).
           05  CUST-BIRTH-DATE    PIC 9(8).
           05  CUST-BALANCE       PIC S9(9)V99 COMP-3.
           05  CUST-LIMIT         PIC S9(7)V99.
           05  CUST-ACCT-ID       PIC S9(9) COMP.
           05  CUST-TXN-COUNT     PIC S9(4) BINARY.
           05  CUST-HISTORY OCCURS 6 TIMES.
               10  HIST-AMOUNT    PIC S9(5)V99 COMP-3.
               10  HIST-CODE      PIC X(2).
           05  FILLER             PIC X(37).
"""
FIRST = ["MARGARET", "DESMOND", "LUCINDA", "THEODORE", "ANITA", "RAFAEL", "HELGA", "OSWALDO"]
LAST = ["OKAFOR", "ABERNATHY", "VASQUEZ", "BRANNIGAN", "LINDQVIST", "MOREAU", "TANAKA", "ADEYEMI"]


def packed(value: int, digits: int) -> bytes:
    nibbles = str(abs(value)).zfill(digits + (1 - digits % 2)) + ("d" if value < 0 else "c")
    return bytes.fromhex(nibbles)


def text(value: str, width: int) -> bytes:
    return value.ljust(width)[:width].encode("cp037")


def zoned(value: int, digits: int, signed: bool) -> bytes:
    body = str(abs(value)).zfill(digits).encode("cp037")
    if not signed:
        return body
    last = body[-1] & 0x0F
    return body[:-1] + bytes([(0xD0 if value < 0 else 0xC0) | last])


def record(rng: random.Random) -> bytes:
    out = (
        text("P", 1)
        + packed(rng.randrange(100_000_000, 899_999_999), 9)
        + text(rng.choice(FIRST), 15)
        + text(rng.choice(LAST), 20)
        + text(f"{rng.randrange(1, 9999)} MAIN ST", 30)
        + text("SPRINGFIELD", 20)
        + text("IL", 2)
        + zoned(rng.randrange(10000, 99999), 5, False)
        + zoned(rng.randrange(19400101, 20051231), 8, False)
        + packed(rng.randrange(-(10**10), 10**10), 11)
        + zoned(rng.randrange(-(10**8), 10**8), 9, True)
        + rng.randrange(-(2**31), 2**31).to_bytes(4, "big", signed=True)
        + rng.randrange(-(2**15), 2**15).to_bytes(2, "big", signed=True)
        + b"".join(packed(rng.randrange(-(10**6), 10**6), 7) + text("TX", 2) for _ in range(6))
        + b"\x40" * 37
    )
    assert len(out) == 200, len(out)
    return out


def generate(folder: Path, megabytes: int) -> Path:
    rng = random.Random(7)
    distinct = b"".join(record(rng) for _ in range(5000))  # 1 MB, repeated
    data = folder / "CUSTMAST.D240101.dat"
    with data.open("wb") as out:
        for _ in range(megabytes):
            out.write(distinct)
    (folder / "CUSTMAST.cpy").write_text(COPYBOOK, encoding="ascii")
    return data


_CHILD = """
import resource, sys, time
from pathlib import Path
from exposure.extract.base import ReadOptions, set_read_options
from exposure.extract.cobol.reader import read_records
path, mode = Path(sys.argv[1]), sys.argv[2]
set_read_options(ReadOptions(display_path=path.name, source_path=str(path)))
started = time.perf_counter()
rows = 0
if mode == "decode":
    for table in read_records(path):
        for _ in table.rows:
            rows += 1
else:
    from exposure.detect import DetectContext, detect_table
    for table in read_records(path):
        for found in detect_table(table, DetectContext()):
            rows += len(found.mentions)
print(time.perf_counter() - started, rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure(path: Path, mode: str) -> tuple[float, int, int]:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), mode],
        capture_output=True, text=True, check=True, env={"PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    seconds, rows, rss_kb = result.stdout.split()
    return float(seconds), int(rows), int(rss_kb)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--detect-mb", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cobol-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        (folder / "big").mkdir()
        (folder / "small").mkdir()
        big = generate(folder / "big", args.mb)
        small = generate(folder / "small", args.detect_mb)
        print(f"generated {args.mb} MB + {args.detect_mb} MB in {time.perf_counter() - started:.1f} s")
        header = ("step", "MB", "records", "seconds", "MB/s", "records/s", "peak RSS MB")
        print("{:<8} {:>6} {:>9} {:>8} {:>7} {:>10} {:>12}".format(*header))
        for mode, path in (("decode", big), ("detect", small)):
            size_mb = path.stat().st_size / 1e6
            seconds, rows, rss_kb = measure(path, mode)
            records = path.stat().st_size // 200
            print(
                f"{mode:<8} {size_mb:>6.0f} {records:>9} {seconds:>8.1f} {size_mb / seconds:>7.1f} "
                f"{records / seconds:>10.0f} {rss_kb / 1024:>12.0f}"
            )


if __name__ == "__main__":
    main()
