"""report: the outputs of CONTRACT.md, written from the case database into CASE/report/.

notification_list.csv, files.csv, owners.csv and summary.html. Deterministic:
two runs over the same case write byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.report.files import write_files
from exposure.report.notification_list import write_notification_list
from exposure.report.owners import write_owners
from exposure.report.summary import write_summary

__all__ = ["write_reports"]


def write_reports(con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path) -> list[Path]:
    """Write every report of this slice; return their paths in the order written."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    return [
        write_notification_list(con, config, report_dir),
        write_files(con, config, report_dir),
        write_owners(con, config, report_dir),
        write_summary(con, config, report_dir),
    ]
