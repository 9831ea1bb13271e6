"""The stages in order, with the case database as the only state between them.

``scan`` = inventory + extract + detect. Each distinct file (by SHA-256) is
extracted and detected in a worker process; its results land in the database
in one transaction together with its status, so a run killed at any moment
loses at most the files in flight, and a re-run picks up exactly there.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pyarrow as pa
from pebble import ProcessExpired, ProcessPool

from exposure.case.db import open_case
from exposure.config import CaseConfig
from exposure.extract import ReadOptions
from exposure.inventory import FileEntry, inventory
from exposure.model import FAILED, PENDING, PROCESSED
from exposure.worker import Job, Outcome, process_file

log = logging.getLogger("exposure")

PATH_COLUMNS = ["root", "path", "parent", "depth", "sha256", "size", "mtime_ns", "type", "status", "reason"]
PATH_BATCH = 2000


@dataclass
class ScanStats:
    paths: int = 0
    files: int = 0  # distinct contents read this run
    bytes: int = 0
    skipped_done: int = 0  # distinct contents already done in an earlier run
    failed: int = 0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)


class Progress:
    """What the pipeline tells whoever watches; the CLI plugs rich progress bars in here."""

    def start(self, description: str, total: int | None = None, total_bytes: int | None = None) -> None: ...
    def advance(self, files: int = 1, nbytes: int = 0) -> None: ...
    def stop(self) -> None: ...


def work_dir(case_dir: Path) -> Path:
    return Path(case_dir) / "work"


def scan(
    inputs: list[Path],
    case_dir: Path,
    config: CaseConfig,
    workers: int | None = None,
    progress: Progress | None = None,
    options: ReadOptions | None = None,
) -> ScanStats:
    progress = progress or Progress()
    started = time.monotonic()
    con = open_case(case_dir)
    try:
        stats = ScanStats()
        options = options or ReadOptions()
        local = _take_inventory(con, inputs, work_dir(case_dir), config, progress, stats, options.passwords)
        workers = max(1, workers or os.cpu_count() or 1)
        _process_pending(con, local, case_dir, config, workers, progress, stats, options)
        stats.seconds = time.monotonic() - started
        stats.statuses = dict(con.execute(_FILE_STATUS_SQL).fetchall())
        con.execute(
            "INSERT INTO runs VALUES (?, ?, 'scan', ?, ?, ?)",
            [dt.datetime.now() - dt.timedelta(seconds=stats.seconds), dt.datetime.now(),
             stats.files, stats.bytes, stats.seconds],
        )  # fmt: skip
    finally:
        con.close()
    if not _pending_left(case_dir):
        shutil.rmtree(work_dir(case_dir), ignore_errors=True)
    return stats


# A path's final status: its own verdict, or its content's when it was handed to a reader.
_FILE_STATUS_SQL = """
SELECT CASE WHEN p.status = 'pending' THEN coalesce(b.status, 'failed') ELSE p.status END AS s, count(*)
FROM paths p LEFT JOIN blobs b USING (sha256) GROUP BY s ORDER BY s
"""


def _take_inventory(
    con: duckdb.DuckDBPyConnection,
    inputs: list[Path],
    work: Path,
    config: CaseConfig,
    progress: Progress,
    stats: ScanStats,
    passwords: tuple[str, ...] = (),
) -> dict[str, FileEntry]:
    """Record every path; return the local copy of each content that still needs reading."""
    progress.start("Inventory")
    if passwords:
        # Files that failed for want of a password get another chance with the passwords given now.
        con.execute("UPDATE blobs SET status = 'pending', reason = '' WHERE status = 'failed' "
                    "AND reason LIKE 'encrypted:%'")  # fmt: skip
    roots = [str(p if p.is_dir() else p.parent) for p in inputs]
    con.execute("INSERT OR REPLACE INTO meta VALUES ('roots', ?)", [json.dumps(roots)])
    known = _known_hashes(con)
    done_containers = _fully_recorded_containers(con)
    seen: set[tuple[str, str]] = set()
    kept_prefixes: list[tuple[str, str]] = []
    to_read: dict[str, FileEntry] = {}
    batch: list[FileEntry] = []
    opened: dict[tuple[str, str], str] = {}

    def known_hash(root: str, path: str, size: int, mtime_ns: int) -> str | None:
        hit = known.get((root, path))
        return hit[2] if hit and hit[0] == size and hit[1] == mtime_ns else None

    for entry in inventory(inputs, work, config.limits, known_hash=known_hash,
                           opened_container=done_containers.__contains__, passwords=passwords):  # fmt: skip
        seen.add((entry.root, entry.path))
        stats.paths += 1
        batch.append(entry)
        # A zip is a container only ('processed' once opened); a message is also a document to read
        # ('pending') whose attachments are its members.
        if entry.is_container and entry.status in (PROCESSED, PENDING):
            if entry.sha256 in done_containers:
                kept_prefixes.append((entry.root, entry.path + "!"))
            else:
                opened[(entry.root, entry.path)] = entry.sha256 or ""
        if entry.status == PENDING and entry.sha256 and entry.local_path is not None:
            to_read.setdefault(entry.sha256, entry)
        if len(batch) >= PATH_BATCH:
            _write_paths(con, batch)
            batch = []
        progress.advance(1, entry.size or 0)
    _write_paths(con, batch)
    _forget_vanished_paths(con, seen, kept_prefixes)
    _record_opened_containers(con, opened)
    progress.stop()
    return _only_unfinished(con, to_read)


def _known_hashes(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[int, int, str]]:
    rows = con.execute(
        "SELECT root, path, size, mtime_ns, sha256 FROM paths WHERE depth = 0 AND sha256 IS NOT NULL"
    ).fetchall()
    return {(r, p): (s, m, h) for r, p, s, m, h in rows}


def _fully_recorded_containers(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Containers opened before whose every member content is finished: no need to open them again."""
    rows = con.execute(
        """
        SELECT c.sha256 FROM containers c
        WHERE NOT EXISTS (
            SELECT 1 FROM paths parent JOIN paths m
              ON m.root = parent.root AND starts_with(m.path, parent.path || '!')
            LEFT JOIN blobs b ON b.sha256 = m.sha256
            WHERE parent.sha256 = c.sha256 AND m.status = 'pending'
              AND coalesce(b.status, 'pending') = 'pending'
        )
        """
    ).fetchall()
    return {r[0] for r in rows}


def _write_paths(con: duckdb.DuckDBPyConnection, entries: list[FileEntry]) -> None:
    if not entries:
        return
    table = pa.Table.from_pylist(
        [
            {"root": e.root, "path": e.path, "parent": e.parent, "depth": e.depth, "sha256": e.sha256,
             "size": e.size, "mtime_ns": e.mtime_ns, "type": e.type, "status": e.status, "reason": e.reason}
            for e in entries
        ]
    )  # fmt: skip
    con.begin()
    con.register("new_paths", table)
    con.execute(f"INSERT OR REPLACE INTO paths SELECT {', '.join(PATH_COLUMNS)} FROM new_paths")
    con.execute(
        """
        INSERT OR IGNORE INTO blobs (sha256, size, type, status)
        SELECT DISTINCT ON (sha256) sha256, size, type, 'pending' FROM new_paths
        WHERE status = 'pending' AND sha256 IS NOT NULL
        """
    )
    con.unregister("new_paths")
    con.commit()


def _forget_vanished_paths(
    con: duckdb.DuckDBPyConnection, seen: set[tuple[str, str]], kept_prefixes: list[tuple[str, str]]
) -> None:
    """Paths recorded by an earlier run that this run's inputs no longer hold (but keep members of
    containers that were not re-opened because they were finished)."""
    if not seen:
        return
    roots, paths = zip(*seen, strict=True)
    con.register("seen_paths", pa.table({"root": list(roots), "path": list(paths)}))
    kept = pa.table(
        {"root": [r for r, _ in kept_prefixes], "prefix": [p for _, p in kept_prefixes]},
        schema=pa.schema([("root", pa.string()), ("prefix", pa.string())]),
    )
    con.register("kept_prefixes", kept)
    con.execute(
        """
        DELETE FROM paths p
        WHERE NOT EXISTS (SELECT 1 FROM seen_paths s WHERE s.root = p.root AND s.path = p.path)
          AND NOT EXISTS (SELECT 1 FROM kept_prefixes k
                          WHERE k.root = p.root AND starts_with(p.path, k.prefix))
        """
    )  # fmt: skip
    con.unregister("seen_paths")
    con.unregister("kept_prefixes")


def _record_opened_containers(con: duckdb.DuckDBPyConnection, opened: dict[tuple[str, str], str]) -> None:
    for (root, path), sha in opened.items():
        members = con.execute(
            "SELECT count(*) FROM paths WHERE root = ? AND starts_with(path, ?)", [root, path + "!"]
        ).fetchone()[0]
        con.execute("INSERT OR REPLACE INTO containers VALUES (?, ?)", [sha, members])


def _only_unfinished(con: duckdb.DuckDBPyConnection, to_read: dict[str, FileEntry]) -> dict[str, FileEntry]:
    pending = {r[0] for r in con.execute("SELECT sha256 FROM blobs WHERE status = 'pending'").fetchall()}
    return {sha: e for sha, e in sorted(to_read.items()) if sha in pending}


def _process_pending(
    con: duckdb.DuckDBPyConnection,
    to_read: dict[str, FileEntry],
    case_dir: Path,
    config: CaseConfig,
    workers: int,
    progress: Progress,
    stats: ScanStats,
    options: ReadOptions,
) -> None:
    total = con.execute("SELECT count(*) FROM blobs").fetchone()[0]
    stats.skipped_done = total - len(to_read)
    result_dir = work_dir(case_dir) / "results"
    result_dir.mkdir(parents=True, exist_ok=True)
    total_bytes = sum(e.size or 0 for e in to_read.values())
    progress.start("Extract + detect", total=len(to_read), total_bytes=total_bytes)
    jobs = (
        Job(
            sha,
            str(e.local_path),
            e.type,
            str(result_dir),
            config.owner_value_columns,
            _read_options(e, options),
        )
        for sha, e in to_read.items()
    )
    store = _OutcomeStore(con, lambda sha: to_read[sha].path)
    for job, outcome in _run_jobs(jobs, workers, config.limits.file_seconds):
        store.add(outcome)
        size = to_read[job.sha256].size or 0
        stats.files += 1
        stats.bytes += size
        stats.failed += outcome.status == FAILED
        progress.advance(1, size)
    store.flush()
    progress.stop()


def _read_options(entry: FileEntry, options: ReadOptions) -> ReadOptions:
    source = str(Path(entry.root) / entry.path) if entry.depth == 0 else ""
    return replace(options, display_path=entry.path, source_path=source)


def _run_jobs(jobs: Iterator[Job], workers: int, timeout: float) -> Iterator[tuple[Job, Outcome]]:
    """Run jobs in a process pool that kills a worker past the per-file time limit.

    Only a few jobs wait in the pool at a time, so millions of files do not queue up in memory.
    """
    in_flight: dict[Future, Job] = {}
    limit = workers * 8
    with ProcessPool(max_workers=workers, context=_worker_context()) as pool:
        for job in jobs:
            in_flight[pool.schedule(process_file, args=(job,), timeout=timeout)] = job
            while len(in_flight) >= limit:
                yield from _collect(in_flight, timeout)
        while in_flight:
            yield from _collect(in_flight, timeout)


def _worker_context() -> multiprocessing.context.BaseContext:
    # Workers come from a clean fork server, not a fork of this process: the main process holds
    # DuckDB's threads and locks, which a plain fork would copy mid-flight.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["exposure.worker_preload"])
    return context


def _collect(in_flight: dict[Future, Job], timeout: float) -> Iterator[tuple[Job, Outcome]]:
    done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
    for future in sorted(done, key=lambda f: in_flight[f].sha256):
        job = in_flight.pop(future)
        yield job, _outcome_of(future, job, timeout)


def _outcome_of(future: Future, job: Job, timeout: float) -> Outcome:
    try:
        return future.result()
    except FutureTimeout:
        return Outcome(job.sha256, FAILED, reason=f"time limit: reading took longer than {timeout:g} s")
    except ProcessExpired as exc:
        return Outcome(job.sha256, FAILED, reason=f"reader crashed (exit code {exc.exitcode})")
    except Exception as exc:  # noqa: BLE001 - pool-level failures are still one file's failure
        return Outcome(job.sha256, FAILED, reason=f"reader failed: {type(exc).__name__}")


class _OutcomeStore:
    """Lands finished files' detections and statuses in the case database, a batch per transaction.

    Each file's rows and its status go in the same transaction, so after a crash a file is
    either wholly recorded or still pending; batching only bounds how many are in flight.
    """

    MAX_FILES = 200
    MAX_SECONDS = 1.0

    def __init__(self, con: duckdb.DuckDBPyConnection, path_of: Callable[[str], str]) -> None:
        self.con = con
        self.path_of = path_of
        self.pending: list[Outcome] = []
        self.last_flush = time.monotonic()

    def add(self, outcome: Outcome) -> None:
        self.pending.append(outcome)
        if len(self.pending) >= self.MAX_FILES or time.monotonic() - self.last_flush >= self.MAX_SECONDS:
            self.flush()

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        try:
            self._store(batch)
        except duckdb.Error:
            # One file's bad rows must not lose the others': store them one by one.
            self.con.rollback()
            for outcome in batch:
                self._store_alone(outcome)
        self._log_and_clean(batch)

    def _store_alone(self, outcome: Outcome) -> None:
        try:
            self._store([outcome])
        except duckdb.Error as exc:
            self.con.rollback()
            reason = f"could not store its results: {type(exc).__name__}"
            self._store([Outcome(outcome.sha256, FAILED, reason=reason, extractor=outcome.extractor)])

    def _store(self, batch: list[Outcome]) -> None:
        processed = [o for o in batch if o.status == PROCESSED]
        statuses = pa.Table.from_pylist(
            [{"sha256": o.sha256, "status": o.status, "reason": o.reason, "note": o.note,
              "extractor": o.extractor, "mentions": o.mentions, "elements": o.elements, "seconds": o.seconds}
             for o in batch]
        )  # fmt: skip
        self.con.begin()
        for table in ("mentions", "elements", "document_text"):
            self._insert(table, [getattr(o, f"{table}_rows") for o in processed],
                         [getattr(o, f"{table}_file") for o in processed])  # fmt: skip
        self.con.register("finished", statuses)
        self.con.execute(
            """
            UPDATE blobs SET status = f.status, reason = f.reason, note = f.note, extractor = f.extractor,
                mentions = f.mentions, elements = f.elements, seconds = f.seconds
            FROM finished f WHERE blobs.sha256 = f.sha256
            """
        )
        self.con.unregister("finished")
        self.con.commit()

    def _log_and_clean(self, batch: list[Outcome]) -> None:
        for outcome in batch:
            log.info("%s %s: %s %s", outcome.status, self.path_of(outcome.sha256), outcome.extractor,
                     outcome.reason)  # fmt: skip
            for name in (outcome.mentions_file, outcome.elements_file, outcome.document_text_file):
                if name:
                    Path(name).unlink(missing_ok=True)

    def _insert(self, table: str, in_memory: list[pa.Table | None], spilled: list[str]) -> None:
        tables = [t for t in in_memory if t is not None]
        if tables:
            self.con.register("new_rows", pa.concat_tables(tables))
            self.con.execute(f"INSERT INTO {table} SELECT * FROM new_rows")
            self.con.unregister("new_rows")
        files = [f for f in spilled if f]
        if files:
            self.con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet({_sql_list(files)})")


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join(f"'{_sql_path(p)}'" for p in paths) + "]"


def _sql_path(path: str) -> str:
    return path.replace("'", "''")


def _pending_left(case_dir: Path) -> bool:
    con = open_case(case_dir)
    try:
        return bool(con.execute("SELECT count(*) FROM blobs WHERE status = 'pending'").fetchone()[0])
    finally:
        con.close()


def resolve(case_dir: Path, config: CaseConfig):  # noqa: ANN201 - ResolveStats
    """Search every document's text for people already known from structured files, then resolve."""
    from exposure.detect.seeded import seeded_search
    from exposure.resolve import resolve_case

    con = open_case(case_dir, create=False)
    try:
        stats = seeded_search(con)
        log.info("seeded search: %s", stats)
        return resolve_case(con, config)
    finally:
        con.close()


def report(case_dir: Path, config: CaseConfig) -> list[Path]:
    from exposure.report import write_reports

    con = open_case(case_dir, create=False)
    try:
        return write_reports(con, config, Path(case_dir) / "report")
    finally:
        con.close()
