"""Throughput of `exposure run` on the demo corpus at 1 and 2 workers; prints a table.

    .venv/bin/python bench/pipeline.py [--people 400] [--scale 4] [--workers 1 2]

Each run starts from an empty case folder. Peak memory is the largest resident set of
any process of the run (the main process or a worker), read from the OS after it ends.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def corpus_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def files_listed(case_dir: Path) -> int:
    with open(case_dir / "report" / "files.csv", encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


_MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run_once(input_dir: Path, config: Path, case_dir: Path, workers: int) -> tuple[float, int]:
    """Wall time, and the peak RSS (KiB) of the run's largest process, measured in a fresh parent."""
    shutil.rmtree(case_dir, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    command = [sys.executable, "-m", "exposure.cli", "run", str(input_dir), "--case", str(case_dir),
               "--config", str(config), "--workers", str(workers)]  # fmt: skip
    started = time.perf_counter()
    measured = subprocess.run([sys.executable, "-c", _MEASURE, *command], check=True, env=env,
                              capture_output=True, text=True)  # fmt: skip
    return time.perf_counter() - started, int(measured.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=400)
    parser.add_argument("--scale", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    from exposure.demo import generate_demo

    with tempfile.TemporaryDirectory() as tmp:
        demo = generate_demo(Path(tmp) / "demo", people=args.people, seed=7, files_per_kind=args.scale)
        n_files, n_bytes = corpus_size(demo.input_dir)
        print(
            f"corpus: {n_files} files on disk, {n_bytes / 1e6:.2f} MB, "
            f"people={args.people}, scale={args.scale}"
        )
        print(f"{'workers':>7} {'seconds':>8} {'paths':>6} {'files/s':>8} {'MB/s':>7} {'peak RSS MB':>11}")
        for workers in args.workers:
            case_dir = Path(tmp) / f"case-{workers}"
            seconds, peak_kib = run_once(demo.input_dir, demo.config_path, case_dir, workers)
            paths = files_listed(case_dir)
            print(f"{workers:>7} {seconds:>8.2f} {paths:>6} {paths / seconds:>8.1f} "
                  f"{n_bytes / 1e6 / seconds:>7.2f} {peak_kib / 1024:>11.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
