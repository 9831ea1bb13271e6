"""X12 segments per second: our tokenizer and reader against pyx12, on the same generated 834.

    .venv/bin/python bench/x12.py [--members 20000] [--repeat 1]

The file repeats the member loops (subscriber, spouse, child) of the pyx12 sample
``834_deident_family.txt`` (005010X220A1, a map pyx12 has) with varied names, so pyx12
accepts it. pyx12 (BSD) is a bench-only dependency: ``pip install pyx12==4.0.0``.
Compared, each on the whole file:
  - ours, tokenizer only                      (segments)
  - ours, tokenizer + reader                  (people, roles and elements: what the pipeline uses)
  - pyx12 X12Reader                           (its tokenizer)
  - pyx12 X12ContextReader.iter_segments      (its map-driven, loop-aware parse)
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
SAMPLE = ROOT.parent / "shared" / "samples" / "x12" / "pyx12_834_deident_family.txt"
NAMES = ["SMITH", "JOHNSON", "GARCIA", "NGUYEN", "PATEL", "OKAFOR", "KOWALSKI", "MURPHY", "TANAKA", "SILVA"]


def generate_834(path: Path, families: int) -> int:
    """Write an 834 with ``families`` copies of the sample's family; returns its segment count."""
    lines = SAMPLE.read_text(encoding="ascii").split("~")
    segments = [s.strip() for s in lines if s.strip()]
    first_ins = next(i for i, s in enumerate(segments) if s.startswith("INS*"))
    se = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    head, family, tail = segments[:first_ins], segments[first_ins:se], segments[se + 1 :]
    count = 0
    with open(path, "w", encoding="ascii", newline="") as out:
        for segment in head:
            out.write(segment + "~\n")
        body = 0
        for number in range(families):
            last = f"{NAMES[number % len(NAMES)]}{chr(65 + number // len(NAMES) % 26)}"
            for segment in family:
                out.write(segment.replace("*SMITH*", f"*{last}*") + "~\n")
                body += 1
        st_count = body + sum(1 for s in head if not s.startswith(("ISA", "GS"))) + 1
        out.write(f"SE*{st_count}*0001~\n")
        for segment in tail:
            out.write(segment + "~\n")
        count = len(head) + body + 1 + len(tail)
    return count


def ours_tokenizer(path: Path) -> int:
    from exposure.extract.x12 import X12Tokenizer

    with open(path, "rb") as stream:
        return sum(1 for _ in X12Tokenizer(stream))


def ours_reader(path: Path) -> int:
    from exposure.extract.x12 import read_x12

    with open(path, "rb") as stream:
        return sum(len(d.mentions) for d in read_x12(stream))


def pyx12_tokenizer(path: Path) -> int:
    import pyx12.x12file

    with open(path, encoding="ascii") as stream:
        return sum(1 for _ in pyx12.x12file.X12Reader(stream))


def pyx12_context(path: Path) -> int:
    import pyx12.error_handler
    import pyx12.params
    import pyx12.x12context

    param = pyx12.params.params()
    errh = pyx12.error_handler.errh_null()
    with open(path, encoding="ascii") as stream:
        reader = pyx12.x12context.X12ContextReader(param, errh, stream)
        return sum(1 for _ in reader.iter_segments())


def warm_up() -> None:
    """Import everything first, so no contender pays for imports (ours pull in the detectors')."""
    import pyx12.error_handler  # noqa: F401
    import pyx12.params  # noqa: F401
    import pyx12.x12context  # noqa: F401
    import pyx12.x12file  # noqa: F401

    import exposure.extract.x12  # noqa: F401


def best_time(run: Callable[[Path], int], path: Path, repeat: int) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = run(path)
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--members", type=int, default=20000, help="families of three members")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender; the best is kept")
    args = parser.parse_args()
    warm_up()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.834"
        segments = generate_834(path, args.members // 3 or 1)
        size_mb = path.stat().st_size / 1e6
        print(f"file: {segments:,} segments, {size_mb:.1f} MB (834 005010X220A1)\n")
        contenders = [
            ("ours: tokenizer", ours_tokenizer, "segments"),
            ("ours: tokenizer + reader", ours_reader, "mentions"),
            ("pyx12: X12Reader", pyx12_tokenizer, "segments"),
            ("pyx12: X12ContextReader", pyx12_context, "nodes"),
        ]
        rows = []
        for name, run, unit in contenders:
            seconds, result = best_time(run, path, args.repeat)
            rows.append((name, seconds, segments / seconds, f"{result:,} {unit}"))
        print(f"{'contender':<28} {'seconds':>9} {'segments/s':>12}  output")
        for name, seconds, rate, output in rows:
            print(f"{name:<28} {seconds:>9.2f} {rate:>12,.0f}  {output}")
        rates = {name: rate for name, _, rate, _ in rows}
        print(
            f"\nours (tokenizer + reader) / pyx12 X12ContextReader: "
            f"{rates['ours: tokenizer + reader'] / rates['pyx12: X12ContextReader']:.1f}x"
        )
        tokenizers = rates["ours: tokenizer"] / rates["pyx12: X12Reader"]
        print(f"ours (tokenizer) / pyx12 X12Reader: {tokenizers:.1f}x")


if __name__ == "__main__":
    main()
