"""report: notification_list.csv, files.csv, owners.csv and summary.html from a small case."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import pypdfium2
import pytest
import python_calamine

from exposure.case.db import open_case
from exposure.config import CaseConfig, Owner, ValueRule
from exposure.model import ELEMENT_CODES
from exposure.report import write_reports
from exposure.resolve import resolve_case
from test_resolve import SHA, add_blob, add_element, add_mention, add_path

CONFIG = CaseConfig(
    name="Harbor incident <2023>",
    breach_date=dt.date(2023, 11, 1),
    owners=(
        Owner("Oceanview Life & Annuity", paths=("clients/oceanview/**",)),
        Owner("Harbor", values=ValueRule(column="plan_sponsor", equals="HARBOR")),
        Owner("Nobody's Data", paths=("clients/none/**",)),
    ),
)
SSNS = ("212-45-6789", "212-45-6790", "212-45-6791")

NOTIFICATION_HEADER = [
    "person_id", "full_name", "first_name", "middle_name", "last_name", "suffix", "date_of_birth",
    "address_line1", "address_line2", "city", "state", "postal_code", "email", "phone", "elements",
    "data_owners", "source_count", "is_minor", "jurisdictions", "needs_review",
]  # fmt: skip


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def build_case(con) -> None:
    """Three people, a failed PDF, a skipped file, an archive member and an interrupted file."""
    add_path(con, "clients/oceanview/batch.zip", SHA[8], status="processed", type_="zip")
    add_path(con, "clients/oceanview/batch.zip!members.csv", SHA[0])
    add_path(con, "hr/staff.csv", SHA[1])
    add_path(con, "scans/locked.pdf", SHA[2], type_="pdf")
    add_path(con, "tmp/core.bin", SHA[3], status="skipped", reason="not a document: executable", type_="exe")
    add_path(con, "mail/inbox.mbox", SHA[4], type_="mbox")
    add_path(con, "dup/members-copy.csv", SHA[0])
    add_blob(con, SHA[8], type_="zip")
    add_blob(con, SHA[0])
    add_blob(con, SHA[1])
    add_blob(con, SHA[2], status="failed", reason="encrypted PDF: password required", type_="pdf")
    add_blob(con, SHA[4], status="pending", type_="mbox")  # the run stopped while reading it
    add_mention(con, SHA[0], "row 2", full_name="SMITH, JANE A", date_of_birth="1980-01-02", ssn=SSNS[0],
                address_line1="1 Main St", city="Boston", state="MA", postal_code="02134",
                attributes={"plan_sponsor": "HARBOR"})  # fmt: skip
    add_mention(con, SHA[1], "row 5", first_name="Jane", middle_name="A", last_name="Smith", suffix="Jr",
                date_of_birth="1980-01-02", ssn=SSNS[0], state="MA")  # fmt: skip
    add_mention(con, SHA[0], "row 3", full_name="Adams, Tim", date_of_birth="2010-06-01", ssn=SSNS[1],
                state="TX", email="tim@example.com")  # fmt: skip
    add_mention(con, SHA[1], "row 9", full_name="Zed Adams", date_of_birth="1955-06-01", ssn=SSNS[2],
                phone="+12125550123")  # fmt: skip
    for code in ("ssn", "date_of_birth", "address"):
        add_element(con, SHA[0], "row 2", code, value=SSNS[0] if code == "ssn" else "v")
    add_element(con, SHA[0], "row 3", "ssn", value=SSNS[1])
    add_element(con, SHA[1], "row 9", "ssn", value=SSNS[2])
    add_element(con, SHA[1], "row 9", "medical_information", needs_review=True)


@pytest.fixture
def report_dir(tmp_path) -> Path:
    con = open_case(tmp_path / "case")
    build_case(con)
    resolve_case(con, CONFIG)
    write_reports(con, CONFIG, tmp_path / "case" / "report")
    con.close()
    return tmp_path / "case" / "report"


def test_write_reports_writes_every_report(tmp_path):
    con = open_case(tmp_path / "case")
    build_case(con)
    resolve_case(con, CONFIG)
    written = write_reports(con, CONFIG, tmp_path / "out")
    names = [p.name for p in written]
    first = ["notification_list.csv", "files.csv", "owners.csv", "jurisdictions.csv", "summary.html"]
    assert names[:5] == first
    assert "mail_merge.csv" in names and all(p.exists() for p in written)
    assert not list((tmp_path / "out").glob("*.partial"))


def test_notification_list_header_order_and_values(report_dir):
    path = report_dir / "notification_list.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[: len(NOTIFICATION_HEADER)] == NOTIFICATION_HEADER
    assert header[len(NOTIFICATION_HEADER) :] == ["ssn_last4", "review_reason"]
    assert b"\r\n" not in path.read_bytes()
    rows = read_csv(path)
    assert [(r["last_name"], r["first_name"]) for r in rows] == [
        ("Adams", "Tim"),
        ("Adams", "Zed"),
        ("Smith", "Jane"),
    ]
    tim, zed, jane = rows
    assert jane["full_name"] == "Jane A. Smith Jr."
    assert jane["elements"] == "address;date_of_birth;name;ssn"
    assert jane["data_owners"] == "Harbor;Oceanview Life & Annuity"
    assert (jane["source_count"], jane["is_minor"], jane["needs_review"]) == ("2", "false", "false")
    assert (jane["jurisdictions"], jane["ssn_last4"]) == ("US-MA", "6789")
    assert (tim["is_minor"], tim["jurisdictions"], tim["email"]) == ("true", "US-TX", "tim@example.com")
    assert tim["data_owners"] == "Oceanview Life & Annuity"
    assert (zed["needs_review"], zed["data_owners"], zed["jurisdictions"]) == ("true", "", "")
    assert zed["review_reason"]


def report_text(path):
    """The text a person sees in a report file: PDF pages, spreadsheet cells, zipped members, or the file."""
    if path.suffix == ".pdf":
        document = pypdfium2.PdfDocument(str(path))
        text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        document.close()
        return text
    if path.suffix == ".xlsx":
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = (workbook.get_sheet_by_name(n).to_python() for n in workbook.sheet_names)
        return "\n".join(",".join(str(c) for c in row) for rows in sheets for row in rows)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return path.read_text(encoding="utf-8")


def test_no_full_ssn_in_any_report(report_dir):
    for path in sorted(p for p in report_dir.rglob("*") if p.is_file()):
        text = report_text(path)
        for ssn in SSNS:
            assert ssn not in text, path.name
            assert ssn.replace("-", "") not in text, path.name
        assert not re.search(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)", text), path.name


def test_files_csv_takes_status_from_blobs_and_sorts_by_path(report_dir):
    rows = read_csv(report_dir / "files.csv")
    assert list(rows[0]) == ["path", "sha256", "size", "type", "status", "reason", "note"]
    by_path = {r["path"]: (r["status"], r["reason"]) for r in rows}
    assert [r["path"] for r in rows] == sorted(by_path)
    assert by_path == {
        "clients/oceanview/batch.zip": ("processed", ""),
        "clients/oceanview/batch.zip!members.csv": ("processed", ""),
        "dup/members-copy.csv": ("processed", ""),
        "hr/staff.csv": ("processed", ""),
        "mail/inbox.mbox": ("failed", "not processed: run interrupted"),
        "scans/locked.pdf": ("failed", "encrypted PDF: password required"),
        "tmp/core.bin": ("skipped", "not a document: executable"),
    }
    assert all(r["note"] == "" for r in rows)


def test_files_csv_carries_a_readers_note_for_processed_files(tmp_path):
    con = open_case(tmp_path / "case")
    add_path(con, "mainframe/MEMBERS.DAT", SHA[0], type_="ebcdic")
    add_blob(con, SHA[0], type_="ebcdic")
    con.execute("UPDATE blobs SET note = 'needs copybook: read as text' WHERE sha256 = ?", [SHA[0]])
    write_reports(con, CaseConfig(), tmp_path / "report")
    (row,) = read_csv(tmp_path / "report" / "files.csv")
    assert (row["status"], row["reason"], row["note"]) == ("processed", "", "needs copybook: read as text")


def test_files_csv_adds_root_column_only_with_several_roots(tmp_path):
    con = open_case(tmp_path / "case")
    add_path(con, "b.csv", SHA[0], root="/z-first")
    add_path(con, "a.csv", SHA[1], root="/a-second")
    add_blob(con, SHA[0])
    add_blob(con, SHA[1])
    con.execute("""INSERT INTO meta VALUES ('roots', '["/z-first", "/a-second"]')""")
    write_reports(con, CONFIG, tmp_path / "report")
    rows = read_csv(tmp_path / "report" / "files.csv")
    assert list(rows[0])[-1] == "root"
    assert [(r["root"], r["path"]) for r in rows] == [("/z-first", "b.csv"), ("/a-second", "a.csv")]


def test_owners_csv_counts_every_owner_and_the_unowned(report_dir):
    rows = read_csv(report_dir / "owners.csv")
    assert list(rows[0]) == ["owner", "individuals", *ELEMENT_CODES]
    by_owner = {r["owner"]: r for r in rows}
    assert list(by_owner) == ["Oceanview Life & Annuity", "Harbor", "Nobody's Data", "(no owner)"]
    oceanview = by_owner["Oceanview Life & Annuity"]
    assert (oceanview["individuals"], oceanview["ssn"], oceanview["address"]) == ("2", "2", "1")
    assert (by_owner["Harbor"]["individuals"], by_owner["Harbor"]["name"]) == ("1", "1")
    assert by_owner["Nobody's Data"]["individuals"] == "0"
    unowned = by_owner["(no owner)"]
    assert (unowned["individuals"], unowned["medical_information"], unowned["email"]) == ("1", "1", "0")


def test_summary_html_is_self_contained_with_totals(report_dir):
    page = (report_dir / "summary.html").read_text(encoding="utf-8")
    assert "Harbor incident &lt;2023&gt;" in page
    for fragment in (
        "<b>3</b><span>individuals to notify",
        "<b>1</b><span>need review",
        "<b>1</b><span>minors at breach date",
        "<b>4</b><span>files processed",
        "<b>2</b><span>files failed",
        "<b>1</b><span>files skipped",
        "encrypted PDF: password required",
        "not processed: run interrupted",
        "Oceanview Life &amp; Annuity",
    ):
        assert fragment in page
    assert page.index(">MA<") < page.index(">TX<") < page.index("(unknown)")
    lowered = page.lower()
    assert "<script" not in lowered and "<link" not in lowered and "src=" not in lowered
    # Statute links may appear as links; nothing is fetched from outside (no external assets).
    assert "url(" not in lowered and "@import" not in lowered


def test_reports_are_byte_identical_across_runs(tmp_path):
    outputs = []
    for run in range(2):
        con = open_case(tmp_path / f"case{run}")
        build_case(con)
        resolve_case(con, CONFIG)
        resolve_case(con, CONFIG)
        written = write_reports(con, CONFIG, tmp_path / f"report{run}")
        outputs.append([p.read_bytes() for p in written])
        con.close()
    assert outputs[0] == outputs[1]
