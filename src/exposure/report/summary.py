"""summary.html: the page a person reads first.

One self-contained file (inline CSS and SVG, no scripts, no external assets) so it can be
mailed, archived with the case and printed. Counts only: never a raw identifier. The same
renderer writes the small per-owner page of an owner package (``owner=``), which counts only
that owner's people and leaves out the case-wide file sections.

Deterministic: no clock, no random ids; two runs over the same case give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.masking import mask_text
from exposure.model import ELEMENT_CODES
from exposure.report.charts import bar_chart, count_text, esc, share_text, status_strip, tile_map
from exposure.report.csvout import write_text
from exposure.report.files import FILES_SQL
from exposure.report.law import Obligation
from exposure.report.owners import NO_OWNER, owner_counts

FILE_NAME = "summary.html"
MAX_EXCEPTIONS = 200  # the full list is files.csv

ELEMENT_LABELS: dict[str, str] = {
    "name": "Name", "ssn": "Social Security number", "itin": "Taxpayer id (ITIN)",
    "date_of_birth": "Date of birth", "address": "Postal address", "phone": "Phone number",
    "email": "E-mail address", "drivers_license": "Driver's license / state ID",
    "passport": "Passport number", "financial_account": "Financial account number",
    "payment_card": "Payment card number", "health_insurance_id": "Health insurance id",
    "medical_record_number": "Medical record number", "medical_information": "Medical information",
    "biometric": "Biometric data", "online_credentials": "Online credentials (login + password)",
}  # fmt: skip

STATUS_COLORS = {"processed": "#2f8a4c", "failed": "#c0392b", "skipped": "#9aa3b2"}

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;
  margin:0;background:#f5f6f8}
main{max-width:980px;margin:0 auto;padding:28px 24px 60px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:34px 0 10px;border-bottom:1px solid #d8dce3;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
.sub{color:#5b6475;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.card{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:10px 12px}
.card b{display:block;font-size:24px}.card span{color:#5b6475;font-size:13px}
.card.warn b{color:#a4420c}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d8dce3;margin:6px 0}
th,td{text-align:left;padding:5px 9px;border-bottom:1px solid #eceef2;vertical-align:top}
th{background:#eef0f4;font-weight:600}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.small{font-size:13px;color:#3d4556}
td.nowrap{white-space:nowrap}
table.detail th.wide{width:34%}
details{margin:8px 0}
summary{cursor:pointer;color:#2b4a8b}
svg.chart{display:block;background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:8px;
  box-sizing:border-box;margin:6px 0}
svg.tiles{max-width:560px}
.empty{color:#5b6475;font-style:italic}
p.note{color:#5b6475;font-size:13px}
ol.stages li{margin-bottom:4px}
a{color:#1f56b3}
@media print{
  body{background:#fff;font-size:11pt}
  main{max-width:none;padding:0}
  .card,table,svg.chart{border-color:#999}
  h2{break-after:avoid;page-break-after:avoid}
  svg.chart,.cards,tr{break-inside:avoid;page-break-inside:avoid}
  a{color:inherit;text-decoration:none}
  a[href]::after{content:" <" attr(href) ">";font-size:9pt;color:#555}
}
"""


@dataclass(frozen=True)
class Totals:
    people: int
    needs_review: int
    minors: int
    mentions: int
    files: dict[str, int]  # status -> files


@dataclass(frozen=True)
class Scope:
    """Whose people a page counts: the whole case, or one data owner's people only."""

    owner: str | None = None

    def people_cte(self) -> tuple[str, list[object]]:
        """``WITH people AS (...)`` and its parameters: the persons in scope."""
        if self.owner is None:
            return "WITH people AS (SELECT * FROM persons)", []
        if self.owner == NO_OWNER:
            return "WITH people AS (SELECT * FROM persons WHERE coalesce(data_owners, '') = '')", []
        return (
            "WITH people AS (SELECT * FROM persons "
            "WHERE list_contains(string_split(coalesce(data_owners, ''), ';'), ?))",
            [self.owner],
        )


def _query(con: duckdb.DuckDBPyConnection, scope: Scope, sql: str) -> list[tuple]:
    cte, params = scope.people_cte()
    return con.execute(f"{cte} {sql}", params).fetchall()


def file_status_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute(f"SELECT status, count(*) FROM ({FILES_SQL}) GROUP BY status").fetchall())


def collect_totals(con: duckdb.DuckDBPyConnection, scope: Scope = Scope()) -> Totals:
    ((people, review, minors),) = _query(
        con, scope, "SELECT count(*), count(*) FILTER (WHERE needs_review), "
        "count(*) FILTER (WHERE is_minor) FROM people"
    )  # fmt: skip
    ((mentions,),) = _query(
        con, scope, "SELECT count(*) FROM person_mentions WHERE person_id IN (SELECT person_id FROM people)"
    )
    files = file_status_counts(con) if scope.owner is None else {}
    return Totals(people, review, minors, mentions, files)


def _card(label: str, value: int, warn: bool, key: str) -> str:
    return (
        f'<div class="card{" warn" if warn else ""}" data-count="{key}">'
        f"<b>{count_text(value)}</b><span>{esc(label)}</span></div>"
    )


def _cards(totals: Totals, scope: Scope, owed: int | None) -> str:
    items = [
        ("individuals to notify", totals.people, False, "individuals"),
        ("need review", totals.needs_review, totals.needs_review > 0, "needs_review"),
        ("minors at breach date", totals.minors, False, "minors"),
        ("person mentions", totals.mentions, False, "mentions"),
    ]
    if scope.owner is None:
        failed = totals.files.get("failed", 0)
        items += [
            ("files processed", totals.files.get("processed", 0), False, "files_processed"),
            ("files failed", failed, failed > 0, "files_failed"),
            ("files skipped", totals.files.get("skipped", 0), False, "files_skipped"),
        ]
    if owed is not None:
        items.append(("notices owed", owed, owed > 0, "notices_owed"))
    return '<div class="cards">' + "".join(_card(*item) for item in items) + "</div>"


def element_label(code: str) -> str:
    return ELEMENT_LABELS.get(code, code)


def element_counts(con: duckdb.DuckDBPyConnection, scope: Scope = Scope()) -> list[tuple[str, int]]:
    """(code, people) in contract order, then any code the contract does not know; zeros left out."""
    counts = dict(
        _query(con, scope, """
            SELECT code, count(DISTINCT person_id) FROM (
                SELECT person_id, unnest(string_split(coalesce(elements, ''), ';')) AS code FROM people)
            WHERE code <> '' GROUP BY code
        """)
    )  # fmt: skip
    known = [(c, counts[c]) for c in ELEMENT_CODES if counts.get(c)]
    return known + sorted((c, n) for c, n in counts.items() if c not in ELEMENT_LABELS)


def _elements_section(con: duckdb.DuckDBPyConnection, scope: Scope, people: int) -> str:
    rows = [(element_label(code), n) for code, n in element_counts(con, scope)]
    chart = bar_chart(rows, label="People per element exposed", total=people, scale_to=people)
    note = "Share of all individuals in the list; a person counts once per element."
    return chart + f'<p class="note">{note}</p>'


def state_counts(con: duckdb.DuckDBPyConnection, scope: Scope = Scope()) -> list[tuple[str, int]]:
    """(state, people), most people first; people with no known state last as ``(unknown)``."""
    return _query(con, scope, """
        SELECT coalesce(nullif(state, ''), '(unknown)') AS s, count(*) AS n FROM people
        GROUP BY s ORDER BY s = '(unknown)', n DESC, s
    """)  # fmt: skip


def _states_section(con: duckdb.DuckDBPyConnection, scope: Scope, people: int) -> str:
    rows = state_counts(con, scope)
    if not rows:
        return '<p class="empty">None.</p>'
    counts = dict(rows)
    listed = len([s for s, _ in rows if s != "(unknown)"])
    return (
        tile_map(counts, label="People by state of residence (map)")
        + f'<p class="note">{count_text(listed)} states or territories. '
        "The state of residence decides which notice laws apply; people with no known state "
        "need an address before their notice duty can be decided.</p>"
        + bar_chart(rows, label="People by state of residence", total=people, row_height=18)
    )


def _owners_section(con: duckdb.DuckDBPyConnection, config: CaseConfig, people: int) -> str:
    rows = [(row[0], row[1]) for row in owner_counts(con, config)]
    if rows == [(NO_OWNER, people)]:
        return (
            '<p class="empty">No data owners are configured ([[owner]] in the case config); '
            "every person is listed without one.</p>"
        )
    note = (
        '<p class="note">A person found in several owners\' data counts for each of them. '
        "owners.csv has the counts per element; report/owners/ holds one package per owner.</p>"
    )
    return bar_chart(rows, label="People by data owner", total=people) + note


def source_format_counts(con: duckdb.DuckDBPyConnection, scope: Scope = Scope()) -> list[tuple[str, int]]:
    """(file type, people found in at least one file of that type), most people first."""
    return _query(con, scope, """
        SELECT coalesce(nullif(b.type, ''), '(unknown)') AS t, count(DISTINCT pm.person_id) AS n
        FROM person_mentions pm JOIN people USING (person_id) LEFT JOIN blobs b USING (sha256)
        GROUP BY t ORDER BY n DESC, t
    """)  # fmt: skip


def _file_types_table(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(f"""
        SELECT coalesce(nullif(type, ''), '(unknown)') AS t, count(*) AS n,
            count(*) FILTER (WHERE status = 'processed'), count(*) FILTER (WHERE status = 'failed'),
            count(*) FILTER (WHERE status = 'skipped')
        FROM ({FILES_SQL}) GROUP BY t ORDER BY n DESC, t
    """).fetchall()
    if not rows:
        return '<p class="empty">No files.</p>'
    body = "".join(
        f"<tr><td>{esc(t)}</td>" + "".join(f"<td class=n>{count_text(v)}</td>" for v in counts) + "</tr>"
        for t, *counts in rows
    )
    head = (
        "<tr><th>Type</th><th class=n>Files</th><th class=n>Processed</th>"
        "<th class=n>Failed</th><th class=n>Skipped</th></tr>"
    )
    return f"<table>{head}{body}</table>"


def _formats_section(con: duckdb.DuckDBPyConnection, scope: Scope, people: int) -> str:
    rows = source_format_counts(con, scope)
    chart = bar_chart(rows, label="People by source format", total=people)
    note = '<p class="note">A person found in several kinds of file counts for each kind.</p>'
    if scope.owner is not None:
        return chart + note
    return chart + note + "<h3>Files by type</h3>" + _file_types_table(con)


def _minors_section(totals: Totals, config: CaseConfig) -> str:
    if config.breach_date is None:
        return (
            '<p class="empty">The case config sets no breach_date, so nobody could be counted as a '
            "minor: set it and run <code>exposure report</code> again.</p>"
        )
    return (
        f"<p><b>{count_text(totals.minors)}</b> of {count_text(totals.people)} individuals "
        f"({share_text(totals.minors, totals.people) or '0%'}) were under 18 on the breach date, "
        f"{esc(config.breach_date.isoformat())}. Their notices go to a parent or guardian; "
        "they are marked <code>is_minor = true</code> in the notification list.</p>"
    )


def _review_section(con: duckdb.DuckDBPyConnection, scope: Scope, totals: Totals) -> str:
    if not totals.needs_review:
        return '<p class="empty">No row needs a reviewer.</p>'
    reasons = _query(con, scope, """
        SELECT coalesce(nullif(review_reason, ''), 'no reason recorded') AS r, count(*) AS n
        FROM people WHERE needs_review GROUP BY r ORDER BY n DESC, r
    """)  # fmt: skip
    body = "".join(
        f"<tr><td>{esc(mask_text(r))}</td><td class=n>{count_text(n)}</td></tr>" for r, n in reasons
    )
    return (
        "<p>Rows of the notification list with <code>needs_review = true</code>: "
        f"<b>{count_text(totals.needs_review)}</b>. A reviewer confirms them before letters go out.</p>"
        f"<table><tr><th>Why</th><th class=n>People</th></tr>{body}</table>"
    )


def _exceptions_section(con: duckdb.DuckDBPyConnection, totals: Totals) -> str:
    strip = status_strip(
        [(status, totals.files.get(status, 0), colour) for status, colour in STATUS_COLORS.items()],
        label="Files by status",
    )
    by_reason = con.execute(f"""
        SELECT status, reason, count(*) AS n FROM ({FILES_SQL}) WHERE status <> 'processed'
        GROUP BY status, reason ORDER BY status, n DESC, reason
    """).fetchall()
    if not by_reason:
        return strip + '<p class="empty">Every file was read.</p>'
    reasons = "".join(
        f"<tr><td>{esc(status)}</td><td>{esc(mask_text(reason))}</td><td class=n>{count_text(n)}</td></tr>"
        for status, reason, n in by_reason
    )
    listed = con.execute(f"""
        SELECT path, status, reason FROM ({FILES_SQL}) WHERE status <> 'processed'
        ORDER BY status, reason, path LIMIT {MAX_EXCEPTIONS}
    """).fetchall()
    files = "".join(
        f"<tr><td class=small>{esc(mask_text(path))}</td><td>{esc(status)}</td>"
        f"<td class=small>{esc(mask_text(reason))}</td></tr>"
        for path, status, reason in listed
    )
    total = sum(n for _, _, n in by_reason)
    more = (f'<p class="note">First {MAX_EXCEPTIONS} of {count_text(total)} shown; files.csv lists all.</p>'
            if total > MAX_EXCEPTIONS else "")  # fmt: skip
    return (
        strip + '<p class="note">People seen only in files that were not read cannot be listed: '
        "failed files need a password, a repair or another reader, then a re-run.</p>"
        "<h3>By reason</h3>"
        f"<table><tr><th>Status</th><th>Reason</th><th class=n>Files</th></tr>{reasons}</table>"
        f"<h3>Files</h3><table><tr><th>Path</th><th>Status</th><th>Reason</th></tr>{files}</table>{more}"
    )


def _due_text(obligation: Obligation) -> str:
    due = obligation.due_date.isoformat() if obligation.due_date else ""
    text = obligation.deadline_text or ""
    if due and text:
        return f"<b>{esc(due)}</b><br><span class=small>{esc(text)}</span>"
    return f"<b>{esc(due)}</b>" if due else esc(text or "not fixed")


def _citation_html(obligation: Obligation) -> str:
    citation = esc(obligation.citation or "")
    url = obligation.url or ""
    if url.startswith(("https://", "http://")):
        return f'<a href="{esc(url)}">{citation or esc(url)}</a>'
    return citation


def _obligation_order(obligation: Obligation) -> tuple:
    due = obligation.due_date
    return (due is None, due or dt.date.min, obligation.jurisdiction, obligation.notice, obligation.recipient)


# Notice kinds of the law engine in plain words.
_NOTICE_WORDS = {
    "individuals": "individuals", "regulator": "regulator", "consumer_reporting_agencies": "credit bureaus",
    "media": "media", "hhs": "HHS", "covered_entity": "covered entity", "data_owner": "data owner",
}  # fmt: skip


def notice_words(notice: str) -> str:
    return _NOTICE_WORDS.get(notice, notice.replace("_", " "))


def _by_jurisdiction_table(owed: list[Obligation]) -> str:
    """One row per jurisdiction: residents, the notices owed there, the earliest due date, the statute."""
    groups: dict[str, list[Obligation]] = {}
    for o in owed:
        groups.setdefault(o.jurisdiction, []).append(o)
    ordered = sorted(groups.values(), key=lambda g: _obligation_order(min(g, key=_obligation_order)))
    rows = []
    for group in ordered:
        first = min(group, key=_obligation_order)
        kinds = ", ".join(dict.fromkeys(notice_words(o.notice) for o in sorted(group, key=_obligation_order)))
        due = first.due_date.isoformat() if first.due_date else "no fixed date"
        rows.append(
            f"<tr><td>{esc(first.jurisdiction_name or first.jurisdiction)}</td>"
            f"<td class=n>{count_text(max(o.residents for o in group))}</td><td>{esc(kinds)}</td>"
            f"<td class=nowrap><b>{esc(due)}</b></td><td class=small>{_citation_html(first)}</td></tr>"
        )
    head = (
        "<tr><th>Jurisdiction</th><th class=n>Residents</th><th>Notices owed</th><th>Earliest due</th>"
        "<th>Statute</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def _notices_section(obligations: Sequence[Obligation] | None) -> str:
    if obligations is None:
        return '<p class="empty">Notice duties were not computed in this report.</p>'
    owed = sorted((o for o in obligations if o.owed), key=_obligation_order)
    not_owed = len(obligations) - len(owed)
    if not owed:
        return '<p class="empty">No notice is owed under the rules applied.</p>'
    rows = "".join(
        f"<tr><td>{esc(o.jurisdiction_name or o.jurisdiction)}</td><td class=n>{count_text(o.residents)}</td>"
        f"<td>{esc(o.notice)}</td><td>{esc(o.recipient)}</td><td>{_due_text(o)}</td>"
        f"<td class=small>{esc(o.why)}</td><td class=small>{_citation_html(o)}</td></tr>"
        for o in owed
    )
    head = (
        "<tr><th>Jurisdiction</th><th class=n>Residents</th><th>Notice</th><th>To</th>"
        "<th>Due</th><th class=wide>Why</th><th>Citation</th></tr>"
    )
    considered = (f" Considered and not owed (below a threshold or not triggered): {count_text(not_owed)}."
                  if not_owed else "")  # fmt: skip
    return (
        _by_jurisdiction_table(owed)
        + f'<p class="note">Earliest deadline first. Due dates count from the dates in the case config; '
        f"check them with counsel.{considered} jurisdictions.csv has every rule applied.</p>"
        f"<details><summary>Every notice owed, with its reason ({count_text(len(owed))})</summary>"
        f'<table class="detail">{head}{rows}</table></details>'
    )


def _reading_table(con: duckdb.DuckDBPyConnection) -> str:
    """Which reader read which kind of file, and how many (distinct contents)."""
    rows = con.execute("""
        SELECT coalesce(nullif(type, ''), '(unknown)') AS t, coalesce(nullif(extractor, ''), '-') AS x,
            count(*) FILTER (WHERE status = 'processed') AS read, sum(mentions) AS found
        FROM blobs GROUP BY t, x HAVING read > 0 ORDER BY read DESC, t, x
    """).fetchall()
    if not rows:
        return ""
    body = "".join(
        f"<tr><td>{esc(t)}</td><td>{esc(x)}</td><td class=n>{count_text(n)}</td>"
        f"<td class=n>{count_text(int(found or 0))}</td></tr>"
        for t, x, n, found in rows
    )
    return (
        "<h3>What was read, and how</h3><table><tr><th>Type</th><th>Reader</th>"
        f"<th class=n>Contents read</th><th class=n>Mentions found</th></tr>{body}</table>"
    )


def _method_section(con: duckdb.DuckDBPyConnection, config: CaseConfig, scope: Scope) -> str:
    limits = config.limits
    stages = (
        "<ol class=stages>"
        "<li><b>Inventory.</b> Every input file, every member of an archive and every e-mail attachment "
        "was listed, hashed (SHA-256) and typed from its content, not its name. Identical content was "
        "read once and counted at every path. Every file ends with a status in files.csv.</li>"
        "<li><b>Extract.</b> One reader per format turned files into records (tables, databases, "
        "EDI loops, mainframe records) or text with positions (documents, mail, OCR of scans).</li>"
        "<li><b>Detect.</b> Columns were classified from their header and a sample of values, text "
        "was scanned with patterns weighed by context words; every value was validated (checksums, "
        "ranges, known invalid numbers) and tied to the person in the same row, member loop, letter "
        "or note. Masked values (SSN ending 6789) and providers, staff and test records do not count.</li>"
        "<li><b>Resolve.</b> People already known from structured files were searched for again by "
        "name in the text of every document. Mentions were standardised (nicknames, maiden names, "
        "swapped dates), merged where a strong identifier agrees (the same Social Security number, the "
        "same name and date of birth, the same member id with compatible names), then linked with a "
        "probabilistic model (Splink) learned from the case itself. Mentions are never merged across "
        "different SSNs, generational suffixes (Jr./Sr.), different first names with the same birth "
        "date (twins) or birth dates far apart (parent and child); doubtful cases are kept apart and "
        "marked for review, and reviewers' merge and split decisions are applied.</li>"
        "<li><b>Report.</b> One row per person with the best-known name, address and contact, the "
        "elements exposed in any of their mentions, and their data owners.</li></ol>"
    )
    limits_text = (
        "<h3>Limits</h3><p>A person seen only in a file that could not be read is not in the list "
        "(see Exceptions). Files larger than "
        f"{count_text(limits.max_file_bytes // 1024**2)} MiB or taking longer than "
        f"{count_text(int(limits.file_seconds))} s to read, and archives expanding more than "
        f"{limits.archive_max_ratio:g} times or nested deeper than {limits.archive_max_depth} levels, "
        "were failed rather than read. OCR text of low confidence is marked for review. Minors are "
        "people under 18 on the breach date. The list holds no full SSN, account or card number.</p>"
    )
    reading = _reading_table(con) if scope.owner is None else ""
    return stages + reading + limits_text


def render_summary(
    con: duckdb.DuckDBPyConnection,
    config: CaseConfig,
    obligations: Sequence[Obligation] | None = None,
    owner: str | None = None,
) -> str:
    """The page as HTML. ``owner``: only that owner's people (the owner package's page)."""
    scope = Scope(owner)
    totals = collect_totals(con, scope)
    owed = None if obligations is None or owner is not None else sum(1 for o in obligations if o.owed)
    sections: list[tuple[str, str]] = []
    if owner is None:
        sections.append(("Notices owed", _notices_section(obligations)))
    sections += [
        ("Elements exposed", _elements_section(con, scope, totals.people)),
        ("People by state", _states_section(con, scope, totals.people)),
    ]
    if owner is None:
        sections.append(("People by data owner", _owners_section(con, config, totals.people)))
    sections += [
        ("People by source format", _formats_section(con, scope, totals.people)),
        ("Minors", _minors_section(totals, config)),
        ("Review queue", _review_section(con, scope, totals)),
    ]
    if owner is None:
        sections.append(("Exceptions: files not read", _exceptions_section(con, totals)))
    sections.append(("Method", _method_section(con, config, scope)))
    body = "".join(
        f'<section id="{_anchor(title)}"><h2>{esc(title)}</h2>{content}</section>'
        for title, content in sections
    )
    title = config.name if owner is None else f"{config.name}: {owner}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}: exposure summary</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style></head>\n<body><main>"
        f"<h1>{esc(config.name)}</h1>{_subtitle(config, owner)}"
        f"{_cards(totals, scope, owed)}{body}</main></body></html>\n"
    )


def _anchor(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _subtitle(config: CaseConfig, owner: str | None) -> str:
    breach = f"Breach date {config.breach_date.isoformat()}. " if config.breach_date else ""
    if owner is None:
        what = ("Summary of the breached data: who must be notified, what was exposed, which notices "
                "are owed and which files could not be read.")  # fmt: skip
    else:
        what = (f"The people of data owner “{owner}” only: who must be notified and what was exposed. "
                "Their rows are in notification_list.csv and .xlsx beside this page.")  # fmt: skip
    return f'<p class="sub">{esc(breach + what)}</p>'


def write_summary(
    con: duckdb.DuckDBPyConnection,
    config: CaseConfig,
    report_dir: Path,
    obligations: Sequence[Obligation] | None = None,
) -> Path:
    """Write report_dir/summary.html; ``obligations`` from the law engine fill "Notices owed"."""
    return write_text(Path(report_dir) / FILE_NAME, render_summary(con, config, obligations))
