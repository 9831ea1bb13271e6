"""How fast text detection could go in Python at best: the cost of touching each candidate, layer by layer.

    .venv/bin/python bench/text_floor.py [--mb 4] [--parts 2] [--repeat 3] [--workdir DIR]

Writes ``bench/detect.py``'s dense notes and sparse prose corpora, reads them with the plain-text
extractor in the worker's batches, and times, on one core (best of ``--repeat`` passes):

1. Hyperscan's scan of every batch with a callback that does nothing (the scan and one Python call per
   match: the least any Python detector built on Hyperscan pays);
2. the same, keeping each candidate (a tuple in a list);
3. plus one confirmation match of the candidate's own regular expression (``re.match`` at its start);
4. plus one ``Element`` object per candidate (what every detection becomes);
5. exposure's whole ``detect_text``: confirmation, context, validation, normalisation, names, attribution.

Layers 1-4 do none of the work detection needs (context, validators, attribution): they are a floor, not a
design. The table gives MB/s per core and microseconds per candidate, and what 50 MB/s on 2 cores leaves per
candidate (25 MB/s per core at best: two processes never do more than twice one's work). A second table
times, per value, the library validators the element catalog names (``phonenumbers``, ``usaddress``,
``python-stdnum``) against the per-candidate budget.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_PER_CORE_MB_S = 25.0  # 50 MB/s on 2 cores


def _best_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def layer_times(path: Path, repeat: int) -> tuple[int, list[tuple[str, float]]]:
    """Candidates in ``path`` and the seconds of each layer (cumulative: each includes the ones before)."""
    from exposure.detect import DetectContext, detect_text
    from exposure.detect import text as text_detect
    from exposure.extract.plaintext import read_text
    from exposure.model import Element
    from exposure.worker import _batched

    batches = [list(blocks) for blocks in _batched(read_text(path))]
    texts = [text_detect.TextDocument.of(blocks).text for blocks in batches]
    data = [text.encode("ascii", "replace") for text in texts]
    scanner = text_detect._scanner()
    patterns = scanner.patterns

    def scan_only() -> None:
        for chunk in data:
            scanner.database.scan(chunk, match_event_handler=lambda *_: None)

    def candidates() -> list[list[tuple[int, int]]]:
        found_per_batch = []
        for chunk in data:
            found: list[tuple[int, int]] = []
            keep = found.append
            scanner.database.scan(chunk, match_event_handler=lambda i, s, _e, _f, _c, keep=keep: keep((s, i)))
            found_per_batch.append(found)
        return found_per_batch

    def confirmed() -> None:
        for text, found in zip(texts, candidates(), strict=True):
            for start, pattern_id in found:
                patterns[pattern_id].confirm.match(text, start)

    def as_elements() -> None:
        for text, found in zip(texts, candidates(), strict=True):
            for start, pattern_id in found:
                match = patterns[pattern_id].confirm.match(text, start)
                Element("ssn", match[0] if match else "", "line", "key", start, 0.9, "floor", False)

    def detected() -> None:
        for blocks in batches:
            detect_text(blocks, DetectContext())

    detected()  # warm: the Hyperscan database is loaded, every lazy table built
    count = sum(map(len, candidates()))
    layers = [
        ("1. Hyperscan scan, a no-op Python callback per match", scan_only),
        ("2. + keep each candidate", candidates),
        ("3. + one confirmation regex match each", confirmed),
        ("4. + one Element object each", as_elements),
        ("5. exposure detect_text (everything)", detected),
    ]
    return count, [(label, _best_seconds(work, repeat)) for label, work in layers]


def validator_costs(repeat: int) -> list[tuple[str, float]]:
    """Microseconds per value of the library validators the catalog names, on valid values."""
    import phonenumbers
    import usaddress
    from stdnum.us import ssn

    phones = ["(732) 821-0337", "(406) 385-6196", "(580) 440-3632"] * 1000
    addresses = ["2559 Pine St, Austin, TX 73301", "4162 Oak St, Denver, CO 80202"] * 500
    ssns = ["793-14-6090", "470-77-6511"] * 2000

    def phone_valid(value: str) -> bool:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, "US"))

    checks = [
        ("phonenumbers.parse + is_valid_number", phones, phone_valid),
        ("usaddress.tag", addresses, usaddress.tag),
        ("stdnum.us.ssn.is_valid", ssns, ssn.is_valid),
    ]
    return [
        (label, _best_seconds(lambda f=check, vs=values: [f(v) for v in vs], repeat) / len(values) * 1e6)
        for label, values, check in checks
    ]


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--mb", type=float, default=4, help="size of each corpus")
    parser.add_argument("--parts", type=int, default=2, help="files per corpus (the first one is timed)")
    parser.add_argument("--repeat", type=int, default=5, help="passes per layer (the best is kept)")
    parser.add_argument("--workdir", type=Path, default=None, help="where generated files go (default: temp)")
    args = parser.parse_args()
    from detect import write_corpus  # bench/detect.py: the same generated corpora

    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="exposure-floor-", dir=args.workdir) as work:
        files = write_corpus(Path(work), args.mb, args.parts)
        print(f"one core, best of {args.repeat} passes; 50 MB/s on 2 cores is "
              f"{TARGET_PER_CORE_MB_S:.0f} MB/s per core at best\n")  # fmt: skip
        print("| corpus | layer | candidates per MB | MB/s per core | µs per candidate |")
        print("|---|---|---:|---:|---:|")
        budgets = {}
        for kind in ("notes", "prose"):
            path = files[kind][0]
            megabytes = path.stat().st_size / 1024 / 1024
            count, layers = layer_times(path, args.repeat)
            for label, seconds in layers:
                print(f"| {kind} | {label} | {count / megabytes:,.0f} | {megabytes / seconds:.1f} | "
                      f"{seconds / count * 1e6:.2f} |", flush=True)  # fmt: skip
            budgets[kind] = 1e6 / (TARGET_PER_CORE_MB_S * count / megabytes)
        print()
        for kind, budget in budgets.items():
            print(f"{kind}: {TARGET_PER_CORE_MB_S:.0f} MB/s per core leaves {budget:.2f} µs per candidate, "
                  "everything included")  # fmt: skip
        print("\n| library validator | µs per value |")
        print("|---|---:|")
        for label, micros in validator_costs(args.repeat):
            print(f"| {label} | {micros:.1f} |")


if __name__ == "__main__":
    main()
