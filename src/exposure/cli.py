"""The command line: ``exposure run INPUT... --case DIR`` and the stages one by one."""

from __future__ import annotations

import logging
import sys
import time
import tomllib
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table

from exposure import __version__
from exposure.case.db import CaseError, open_case
from exposure.config import CaseConfig, ConfigError, load_config, parse_config
from exposure.extract import ReadOptions
from exposure.masking import MaskingFilter, mask_text
from exposure.pipeline import Progress, ScanStats, report, resolve, scan
from exposure.resolve.review import review_app

app = typer.Typer(
    help="Find every person in a copy of breached data, what was exposed, and which notices are owed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

Inputs = Annotated[
    list[Path],
    typer.Argument(help="Files or folders: the breached data as it was taken. Never written to.",
                   metavar="INPUT...", exists=True, resolve_path=True, show_default=False),
]  # fmt: skip
CaseDir = Annotated[
    Path,
    typer.Option("--case", help="Case folder: holds case.duckdb, report/ and logs/. Re-use it to resume."),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option("--config", exists=True, dir_okay=False,
                 help="Case configuration (TOML): name, breach_date, data owners. Kept in the case."),
]  # fmt: skip
Passwords = Annotated[
    Path | None,
    typer.Option("--passwords", exists=True, dir_okay=False,
                 help="File of passwords, one per line, tried on protected archives, PDFs and Office files."),
]  # fmt: skip
Workers = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="Worker processes (default: all cores).", show_default=False),
]


class RichPipelineProgress(Progress):
    """Progress bars with files, bytes, rate and ETA."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None
        self._bytes = 0
        self._started = 0.0

    def start(self, description: str, total: int | None = None, total_bytes: int | None = None) -> None:
        self._bytes, self._started = 0, time.monotonic()
        self._bar = RichProgress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("files"),
            TextColumn("{task.fields[volume]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self._console,
            transient=False,
            disable=not self._console.is_terminal,
        )
        self._bar.start()
        self._task = self._bar.add_task(description, total=total, volume="")

    def advance(self, files: int = 1, nbytes: int = 0) -> None:
        if self._bar is None or self._task is None:
            return
        self._bytes += nbytes
        elapsed = max(time.monotonic() - self._started, 1e-6)
        volume = f"{self._bytes / 1e6:,.1f} MB  {self._bytes / 1e6 / elapsed:,.1f} MB/s"
        self._bar.update(self._task, advance=files, volume=volume)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        self._bar = None


def _setup_logging(case_dir: Path) -> None:
    """Everything logged goes to CASE/logs/exposure.log, masked."""
    logs = case_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(logs / "exposure.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger("exposure")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def _case_config(case_dir: Path, config_path: Path | None) -> CaseConfig:
    """The --config given now (then kept in the case), else the one kept by an earlier stage."""
    con = open_case(case_dir)
    try:
        if config_path is not None:
            text = config_path.read_text(encoding="utf-8")
            config = load_config(config_path)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('config_toml', ?)", [text])
            folder = str(config_path.resolve().parent)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('config_dir', ?)", [folder])
            return config
        row = con.execute("SELECT value FROM meta WHERE key = 'config_toml'").fetchone()
        if not row:
            return CaseConfig()
        folder = con.execute("SELECT value FROM meta WHERE key = 'config_dir'").fetchone()
        base_dir = Path(folder[0]) if folder else None
        return parse_config(tomllib.loads(row[0]), source="case config", base_dir=base_dir)
    finally:
        con.close()


def _fail(message: str) -> None:
    console.print(f"[red]error:[/red] {mask_text(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _read_passwords(path: Path | None) -> tuple[str, ...]:
    if path is None:
        return ()
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return tuple(dict.fromkeys(line.rstrip("\r") for line in lines if line.strip()))


def _scan(
    inputs: list[Path], case_dir: Path, config: CaseConfig, workers: int | None, passwords: Path | None
) -> ScanStats:
    case_dir = case_dir.resolve()
    for item in inputs:
        if case_dir == item or item in case_dir.parents:
            _fail(f"the case folder {case_dir} must not be inside the input {item}")
    options = ReadOptions(passwords=_read_passwords(passwords), settings=config.reader_settings)
    progress = RichPipelineProgress(console)
    return scan(inputs, case_dir, config, workers=workers, progress=progress, options=options)


def _print_summary(case_dir: Path, stats: ScanStats | None, persons: int | None, reports: list[Path]) -> None:
    table = Table(title="exposure: case summary", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    if stats is not None:
        for status, count in sorted(stats.statuses.items()):
            table.add_row(f"files {status}", f"{count:,}")
        table.add_row("contents read this run", f"{stats.files:,}")
        table.add_row("contents already done", f"{stats.skipped_done:,}")
        rate = stats.files / stats.seconds if stats.seconds else 0.0
        table.add_row("scan time", f"{stats.seconds:,.1f} s ({rate:,.1f} files/s, "
                      f"{stats.bytes / 1e6 / max(stats.seconds, 1e-9):,.2f} MB/s)")  # fmt: skip
    if persons is not None:
        table.add_row("individuals", f"{persons:,}")
    if reports:
        table.add_row("report", str(case_dir / "report"))
    Console().print(table)


@app.command()
def run(
    inputs: Inputs,
    case: CaseDir,
    config: ConfigFile = None,
    workers: Workers = None,
    passwords: Passwords = None,
) -> None:
    """Run every stage: inventory, extract, detect, resolve, report. Re-running resumes."""
    try:
        _setup_logging(case)
        cfg = _case_config(case, config)
        stats = _scan(inputs, case, cfg, workers, passwords)
        resolved = resolve(case, cfg)
        reports = report(case, cfg)
    except (CaseError, ConfigError) as exc:
        _fail(str(exc))
    _print_summary(case, stats, resolved.persons, reports)


@app.command("scan")
def scan_command(
    inputs: Inputs,
    case: CaseDir,
    config: ConfigFile = None,
    workers: Workers = None,
    passwords: Passwords = None,
) -> None:
    """Inventory, extract and detect: every file and archive member is recorded with a status."""
    try:
        _setup_logging(case)
        stats = _scan(inputs, case, _case_config(case, config), workers, passwords)
    except (CaseError, ConfigError) as exc:
        _fail(str(exc))
    _print_summary(case, stats, None, [])


@app.command("resolve")
def resolve_command(case: CaseDir, config: ConfigFile = None) -> None:
    """Group person mentions into unique individuals (needs a scanned case)."""
    try:
        _setup_logging(case)
        resolved = resolve(case, _case_config(case, config))
    except (CaseError, ConfigError) as exc:
        _fail(str(exc))
    _print_summary(case, None, resolved.persons, [])


@app.command("report")
def report_command(case: CaseDir, config: ConfigFile = None) -> None:
    """Write CASE/report/: notification_list.csv, files.csv, owners.csv, summary.html."""
    try:
        _setup_logging(case)
        reports = report(case, _case_config(case, config))
    except (CaseError, ConfigError) as exc:
        _fail(str(exc))
    _print_summary(case, None, None, reports)


@app.command()
def demo(
    out: Annotated[Path, typer.Argument(help="Folder for input/, case.toml and truth files.")],
    people: Annotated[int, typer.Option(help="How many fake people.")] = 400,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same bytes.")] = 7,
    scale: Annotated[int, typer.Option(help="Files of each kind (a bigger corpus for benchmarks).")] = 1,
) -> None:
    """Generate a synthetic breach corpus of fake people, with its ground truth beside it."""
    from exposure.demo import generate_demo

    made = generate_demo(out, people=people, seed=seed, files_per_kind=scale)
    Console().print(f"Demo corpus: {made.input_dir}")
    Console().print(f"Config: {made.config_path}\nGround truth: {made.truth_path}")


@app.command()
def version() -> None:
    """Print the version."""
    print(__version__)


# exposure review list|show|merge|split|undo: reviewer decisions kept by every later resolve.
app.add_typer(review_app, name="review")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted: re-run the same command to resume")
        sys.exit(130)


if __name__ == "__main__":
    main()
