"""report: the outputs of CONTRACT.md, written from the case database into CASE/report/.

notification_list.csv, files.csv, owners.csv, jurisdictions.csv, summary.html,
letters and regulator form data. The notice engine (``law/``) runs once and
feeds the list, jurisdictions.csv, the summary and the letters. Deterministic:
two runs over the same case write byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.report.files import write_files
from exposure.report.jurisdictions import write_jurisdictions
from exposure.report.law import evaluate_case
from exposure.report.letters import write_letters
from exposure.report.notification_list import write_notification_list
from exposure.report.owner_packages import write_owner_packages
from exposure.report.owners import write_owners
from exposure.report.summary import write_summary
from exposure.report.xlsx import write_notification_xlsx

__all__ = ["write_reports"]


def write_reports(con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path) -> list[Path]:
    """Write every report of this slice; return their paths in the order written."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    notices = evaluate_case(con, config)
    written = [
        write_notification_list(con, config, report_dir, notices),  # first: the xlsx and packages read it
        write_files(con, config, report_dir),
        write_owners(con, config, report_dir),
        write_jurisdictions(con, config, report_dir, notices),
        write_summary(con, config, report_dir, notices.obligations),
        write_notification_xlsx(con, config, report_dir),
        *write_owner_packages(con, config, report_dir),
    ]
    media_states = [o.state for o in notices.obligations_for("HIPAA") if o.notice == "media" and o.owed]
    letters = write_letters(
        con, config, report_dir, notices.person_jurisdictions, hipaa_media_states=media_states
    )
    written += [report_dir / "letters" / "mail_merge.csv", *letters.forms]
    return written
