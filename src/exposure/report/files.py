"""files.csv: every input file and container member accounted for, with its status and reason."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.report.csvout import write_csv

FILE_NAME = "files.csv"
COLUMNS: tuple[str, ...] = ("path", "sha256", "size", "type", "status", "reason", "note")
INTERRUPTED = "not processed: run interrupted"
NO_REASON = "no reason recorded"

# A path's own verdict (an opened container, or a file inventory could not read) wins; a
# 'pending' path takes the verdict of its content (blobs); content never read is a failure.
FILES_SQL = f"""
    WITH verdicts AS (
        SELECT p.root, p.path, p.sha256,
            coalesce(p.size, b.size) AS size,
            coalesce(nullif(p.type, ''), b.type, '') AS type,
            CASE WHEN p.status <> 'pending' THEN p.status
                 WHEN b.status IN ('processed', 'failed', 'skipped') THEN b.status
                 ELSE 'failed' END AS status,
            CASE WHEN p.status <> 'pending' THEN p.reason
                 WHEN b.status IN ('processed', 'failed', 'skipped') THEN b.reason
                 ELSE '{INTERRUPTED}' END AS reason,
            CASE WHEN p.status = 'pending' THEN coalesce(b.note, '') ELSE '' END AS note
        FROM paths p LEFT JOIN blobs b USING (sha256)
    )
    SELECT root, path, coalesce(sha256, '') AS sha256, size, type, status,
        CASE WHEN status = 'processed' THEN '' WHEN reason = '' THEN '{NO_REASON}' ELSE reason END AS reason,
        note
    FROM verdicts
"""


def root_order(con: duckdb.DuckDBPyConnection) -> list[str]:
    """INPUT roots in command-line order when the case recorded it (meta 'roots': JSON list), else sorted."""
    known = [r[0] for r in con.execute("SELECT DISTINCT root FROM paths ORDER BY root").fetchall()]
    row = con.execute("SELECT value FROM meta WHERE key = 'roots'").fetchone()
    try:
        given = [r for r in json.loads(row[0]) if r in known] if row else []
    except (ValueError, TypeError):
        given = []
    return list(dict.fromkeys(given + known))


def file_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(root, path, sha256, size, type, status, reason, note) sorted by root order, then path."""
    rank = {root: i for i, root in enumerate(root_order(con))}
    rows = con.execute(FILES_SQL).fetchall()
    rows.sort(key=lambda r: (rank[r[0]], r[1]))
    return rows


def write_files(con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path) -> Path:
    del config
    rows = file_rows(con)
    several_roots = len({r[0] for r in rows}) > 1
    header = COLUMNS + (("root",) if several_roots else ())
    out = ((*r[1:], r[0]) if several_roots else r[1:] for r in rows)
    return write_csv(Path(report_dir) / FILE_NAME, header, out)
