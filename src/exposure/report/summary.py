"""summary.html: the page a person reads first.

One self-contained file (inline CSS, no scripts, no external assets) so it can
be mailed or archived with the case. Counts only: never a raw identifier.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.masking import mask_text
from exposure.model import ELEMENT_CODES
from exposure.report.csvout import write_text
from exposure.report.files import FILES_SQL
from exposure.report.owners import owner_counts

FILE_NAME = "summary.html"
MAX_EXCEPTIONS = 200  # the full list is files.csv

_ELEMENT_LABELS = {
    "name": "Name", "ssn": "Social Security number", "itin": "ITIN", "date_of_birth": "Date of birth",
    "address": "Postal address", "phone": "Phone number", "email": "E-mail address",
    "drivers_license": "Driver's license / state ID", "passport": "Passport number",
    "financial_account": "Financial account number", "payment_card": "Payment card number",
    "health_insurance_id": "Health insurance id", "medical_record_number": "Medical record number",
    "medical_information": "Medical information", "biometric": "Biometric data",
    "online_credentials": "Online credentials",
}  # fmt: skip

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;
  margin:0;background:#f5f6f8}
main{max-width:980px;margin:0 auto;padding:28px 24px 60px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:18px;margin:34px 0 10px;border-bottom:1px solid #d8dce3;padding-bottom:4px}
.sub{color:#5b6475;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.card{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:10px 12px}
.card b{display:block;font-size:24px}.card span{color:#5b6475;font-size:13px}
.card.warn b{color:#a4420c}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d8dce3}
th,td{text-align:left;padding:5px 9px;border-bottom:1px solid #eceef2;vertical-align:top}
th{background:#eef0f4;font-weight:600}td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.bar{background:#e6e9ef;height:12px;border-radius:3px;min-width:120px}
.bar i{display:block;height:12px;background:#2f6fd6;border-radius:3px}
.empty{color:#5b6475;font-style:italic}
p.note{color:#5b6475;font-size:13px}
"""


@dataclass(frozen=True)
class Totals:
    people: int
    needs_review: int
    minors: int
    mentions: int
    files: dict[str, int]  # status -> files


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _count(value: int) -> str:
    return f"{value:,}"


def _totals(con: duckdb.DuckDBPyConnection) -> Totals:
    people, review, minors = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE needs_review), count(*) FILTER (WHERE is_minor) FROM persons"
    ).fetchone()
    mentions = con.execute("SELECT count(*) FROM person_mentions").fetchone()[0]
    files = dict(con.execute(f"SELECT status, count(*) FROM ({FILES_SQL}) GROUP BY status").fetchall())
    return Totals(people, review, minors, mentions, files)


def _cards(totals: Totals) -> str:
    items = [
        ("individuals to notify", totals.people, False),
        ("need review", totals.needs_review, totals.needs_review > 0),
        ("minors at breach date", totals.minors, False),
        ("person mentions", totals.mentions, False),
        ("files processed", totals.files.get("processed", 0), False),
        ("files failed", totals.files.get("failed", 0), totals.files.get("failed", 0) > 0),
        ("files skipped", totals.files.get("skipped", 0), False),
    ]
    cards = "".join(
        f'<div class="card{" warn" if warn else ""}"><b>{_count(n)}</b><span>{_esc(label)}</span></div>'
        for label, n, warn in items
    )
    return f'<div class="cards">{cards}</div>'


def _percent(part: int, total: int) -> str:
    return f"{100.0 * part / total:.1f}" if total else "0.0"


def _bar_table(headers: tuple[str, str], rows: list[tuple[str, int]], total: int) -> str:
    """A table of label, count and a CSS bar scaled to ``total``."""
    if not rows:
        return '<p class="empty">None.</p>'
    body = "".join(
        f"<tr><td>{_esc(label)}</td><td class=n>{_count(n)}</td>"
        f'<td><div class="bar"><i style="width:{_percent(n, total)}%"></i></div></td></tr>'
        for label, n in rows
    )
    return f"<table><tr><th>{_esc(headers[0])}</th><th>{_esc(headers[1])}</th><th></th></tr>{body}</table>"


def _elements_section(con: duckdb.DuckDBPyConnection, people: int) -> str:
    counts = dict(
        con.execute("""
        SELECT code, count(*) FROM (SELECT unnest(string_split(elements, ';')) AS code FROM persons)
        WHERE code <> '' GROUP BY code
    """).fetchall()
    )
    known = [(f"{_ELEMENT_LABELS[c]} ({c})", counts[c]) for c in ELEMENT_CODES if counts.get(c)]
    other = [(code, n) for code, n in sorted(counts.items()) if code not in _ELEMENT_LABELS]
    return _bar_table(("Element exposed", "People"), known + other, people)


def _states_section(con: duckdb.DuckDBPyConnection, people: int) -> str:
    rows = con.execute("""
        SELECT coalesce(nullif(state, ''), '(unknown)') AS s, count(*) AS n FROM persons
        GROUP BY s ORDER BY s = '(unknown)', n DESC, s
    """).fetchall()
    return _bar_table(("State of residence", "People"), rows, people)


def _owners_section(con: duckdb.DuckDBPyConnection, config: CaseConfig, people: int) -> str:
    rows = [(row[0], row[1]) for row in owner_counts(con, config)]
    note = '<p class="note">A person found in several owners\' data counts for each of them.</p>'
    return _bar_table(("Data owner", "People"), rows, people) + note


def _file_types_section(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(f"""
        SELECT coalesce(nullif(type, ''), '(unknown)') AS t, count(*) AS n,
            count(*) FILTER (WHERE status = 'processed'), count(*) FILTER (WHERE status = 'failed'),
            count(*) FILTER (WHERE status = 'skipped')
        FROM ({FILES_SQL}) GROUP BY t ORDER BY n DESC, t
    """).fetchall()
    if not rows:
        return '<p class="empty">No files.</p>'
    body = "".join(
        f"<tr><td>{_esc(t)}</td>" + "".join(f"<td class=n>{_count(v)}</td>" for v in counts) + "</tr>"
        for t, *counts in rows
    )
    head = "<tr><th>Type</th><th>Files</th><th>Processed</th><th>Failed</th><th>Skipped</th></tr>"
    return f"<table>{head}{body}</table>"


def _exceptions_section(con: duckdb.DuckDBPyConnection) -> str:
    by_reason = con.execute(f"""
        SELECT status, reason, count(*) AS n FROM ({FILES_SQL}) WHERE status <> 'processed'
        GROUP BY status, reason ORDER BY n DESC, status, reason
    """).fetchall()
    if not by_reason:
        return '<p class="empty">Every file was read.</p>'
    reasons = "".join(
        f"<tr><td>{_esc(status)}</td><td>{_esc(mask_text(reason))}</td><td class=n>{_count(n)}</td></tr>"
        for status, reason, n in by_reason
    )
    listed = con.execute(f"""
        SELECT path, status, reason FROM ({FILES_SQL}) WHERE status <> 'processed'
        ORDER BY status, path LIMIT {MAX_EXCEPTIONS}
    """).fetchall()
    files = "".join(
        f"<tr><td>{_esc(mask_text(path))}</td><td>{_esc(status)}</td><td>{_esc(mask_text(reason))}</td></tr>"
        for path, status, reason in listed
    )
    total = sum(n for _, _, n in by_reason)
    more = (f'<p class="note">First {MAX_EXCEPTIONS} of {_count(total)} shown; files.csv lists all.</p>'
            if total > MAX_EXCEPTIONS else "")  # fmt: skip
    return (
        f"<table><tr><th>Status</th><th>Reason</th><th>Files</th></tr>{reasons}</table>"
        f"<h3>Files</h3><table><tr><th>Path</th><th>Status</th><th>Reason</th></tr>{files}</table>{more}"
    )


_METHOD = (
    "Every input file and every member of an archive or mail attachment was inventoried by content "
    "hash and read once; its status is in files.csv. Records and text were scanned for the data "
    "elements of the contract, each validated (checksums, ranges, known invalid values) and tied "
    "to the person in the same row, member loop, letter or note. Mentions of the same person were "
    "then merged on exact identifiers only: the same Social Security number, or the same first "
    "name, last name, suffix and date of birth; people known only by name and e-mail or phone "
    "were joined to a person only when exactly one matched. Mentions are never merged across "
    "different SSNs or generational suffixes (Jr./Sr.); doubtful cases are kept apart and marked "
    "for review. Minors are people under 18 on the breach date. The notification list holds no "
    "full SSN or account number."
)


def render_summary(con: duckdb.DuckDBPyConnection, config: CaseConfig) -> str:
    totals = _totals(con)
    breach = f"Breach date {config.breach_date.isoformat()}. " if config.breach_date else ""
    sections = [
        ("Elements exposed", _elements_section(con, totals.people)),
        ("People by state", _states_section(con, totals.people)),
        ("People by data owner", _owners_section(con, config, totals.people)),
        ("Files by type", _file_types_section(con)),
        ("Exceptions: files not read", _exceptions_section(con)),
        ("Method", f"<p>{_esc(_METHOD)}</p>"),
    ]
    body = "".join(f"<h2>{_esc(title)}</h2>{content}" for title, content in sections)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{_esc(config.name)}: exposure summary</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style></head>\n<body><main>"
        f"<h1>{_esc(config.name)}</h1>"
        f'<p class="sub">{_esc(breach)}Summary of the breached data: who must be notified, '
        "what was exposed, and which files could not be read.</p>"
        f"{_cards(totals)}{body}</main></body></html>\n"
    )


def write_summary(con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path) -> Path:
    return write_text(Path(report_dir) / FILE_NAME, render_summary(con, config))
