"""notification_list.xlsx and the per-owner packages (report/owners/), read back with openpyxl."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from exposure.config import load_config
from exposure.report import xlsx
from exposure.report.owner_packages import owner_slug, owner_slugs, write_owner_packages
from exposure.report.xlsx import sheet_name, write_notification_xlsx, write_workbook

from conftest import run_cli

HEADER = ["person_id", "full_name", "postal_code", "phone", "elements", "data_owners", "source_count",
          "is_minor", "ssn", "ssn_last4", "review_reason"]  # fmt: skip
ROWS = [
    ["P1", "Jane Smith", "02134", "+12125550123", "name;ssn", "Acme/West: Clients*;Beta", "3", "false",
     "212456789", "6789", ""],
    ["P2", "=HYPERLINK(\"x\")", "00501", "0044201234", "name", "Beta", "1", "true", "", "0042", ""],
    ["P3", "Ann Lee", "1234567890123456", "", "name", "", "2", "false", "", "", "OCR confidence low"],
]  # fmt: skip


def read_sheets(path: Path) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


@pytest.fixture
def workbook(tmp_path) -> Path:
    owners = ["Acme/West: Clients*", "Beta", "Empty"]
    return write_workbook(tmp_path / "list.xlsx", HEADER, ROWS, owners, unowned_sheet=True)


def test_one_sheet_for_everyone_then_one_per_owner(workbook):
    sheets = read_sheets(workbook)
    assert list(sheets) == ["All people", "Acme_West_ Clients_", "Beta", "Empty", "No owner"]
    ids = {title: [row[0] for row in rows[1:]] for title, rows in sheets.items()}
    assert ids == {"All people": ["P1", "P2", "P3"], "Acme_West_ Clients_": ["P1"], "Beta": ["P1", "P2"],
                   "Empty": [], "No owner": ["P3"]}  # fmt: skip


def test_identifiers_stay_text_and_no_full_ssn_column(workbook):
    rows = read_sheets(workbook)["All people"]
    header = rows[0]
    assert "ssn" not in header and header[-2:] == ["ssn_last4", "review_reason"]
    p1, p2, p3 = (dict(zip(header, row, strict=True)) for row in rows[1:])
    assert (p1["postal_code"], p2["postal_code"], p3["postal_code"]) == ("02134", "00501", "1234567890123456")
    assert (p1["phone"], p2["phone"], p2["ssn_last4"]) == ("+12125550123", "0044201234", "0042")
    assert p2["full_name"] == '=HYPERLINK("x")'  # kept as the text it was, not run as a formula
    assert p1["source_count"] == 3 and isinstance(p1["source_count"], int)
    with zipfile.ZipFile(workbook) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert "212456789" not in xml and "<f>" not in xml


def test_sheets_have_frozen_filtered_header_and_widths(workbook):
    book = openpyxl.load_workbook(workbook)
    for sheet in book:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:J{max(sheet.max_row, 2)}"
        assert sheet["A1"].font.b
    everyone = book["All people"]
    assert everyone.column_dimensions["B"].width == pytest.approx(xlsx.COLUMN_WIDTHS["full_name"], abs=1)
    assert everyone["C2"].number_format == "@"


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    names = [sheet_name(n, taken) for n in ("A" * 40, "a" * 40, "History", "'quoted'", "x[1]?")]
    assert names == ["A" * 31, "a" * 27 + " (2)", "History_", "quoted", "x_1__"]
    assert all(len(n) <= 31 for n in names)


def test_a_sheet_continues_past_the_row_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 2)
    rows = [[f"P{i}", "", "", "", "name", "Beta", "1", "false", "", "", ""] for i in range(5)]
    sheets = read_sheets(write_workbook(tmp_path / "big.xlsx", HEADER, rows, ["Beta"]))
    assert list(sheets) == ["All people", "Beta", "All people (2)", "Beta (2)", "All people (3)", "Beta (3)"]
    parts = ("All people", "All people (2)", "All people (3)")
    assert [r[0] for title in parts for r in sheets[title][1:]] == [f"P{i}" for i in range(5)]


def test_workbook_bytes_are_the_same_each_time(tmp_path):
    first = write_workbook(tmp_path / "a.xlsx", HEADER, ROWS, ["Beta"]).read_bytes()
    assert write_workbook(tmp_path / "b.xlsx", HEADER, ROWS, ["Beta"]).read_bytes() == first


def _api_emit(book, sheet, row, values):
    """The reference: every cell through xlsxwriter's own API (what the workbook's rows must equal)."""
    for col, index in enumerate(book.keep):
        value = values[index] if index < len(values) else ""
        if not value:
            continue
        if book.header[col] in xlsx.NUMBER_COLUMNS and value.isdigit():
            sheet.write_number(row, col, int(value))
        else:
            sheet.write_string(row, col, value[: xlsx._MAX_CELL], book.text)


TRICKY = ["a\x01b", "_x0041_", "_X00aF_", " lead", "trail ", "\x1c", "tab\t", "\u00a0nbsp", "new\nline", "\n",
          "a&b<c>d\"e'", "\ufffe\uffff", "\ue000", "a\ue000 b", "x\x00y", "x" * 20_000, "é" * 17_000,
          "😀" * 17_000, "0042", "٣", "99999999999999999999", "=SUM(A1)", "  ", "Zoë Ñúñez"]  # fmt: skip


def test_rows_are_the_bytes_xlsxwriter_writes(tmp_path, monkeypatch):
    rows = [list(r) for r in ROWS] + [["P9"], [""] * len(HEADER), ["", "", "", "", "", "", "7"]]
    for i, value in enumerate(TRICKY):
        for col, name in enumerate(HEADER):
            row = [*ROWS[i % len(ROWS)]]
            row[col] = value if name != "data_owners" or len(value) < 30 else "Beta"
            rows.append(row)
    owners = ["Acme/West: Clients*", "Beta", "Empty"]
    cases = {"rows": (HEADER, rows), "none": (HEADER, []), "one column": (["x"], [["1"]])}
    for case, (header, data) in cases.items():
        fast = write_workbook(tmp_path / "fast.xlsx", header, data, owners, unowned_sheet=True).read_bytes()
        with monkeypatch.context() as patch:
            patch.setattr(xlsx._Book, "row_xml", lambda self, values: values)
            patch.setattr(xlsx._Book, "emit", _api_emit)
            api = write_workbook(tmp_path / "api.xlsx", header, data, owners, unowned_sheet=True).read_bytes()
        assert fast == api, case


def test_rich_string_markup_in_a_value_stays_text(tmp_path):
    # xlsxwriter's constant_memory mode would write a string like this as raw XML; here it is text.
    row = ["P1", "<r><t>x</t></r>", "", "", "", "", "1", "false", "", "", ""]
    sheets = read_sheets(write_workbook(tmp_path / "rich.xlsx", HEADER, [row]))
    assert sheets["All people"][1][1] == "<r><t>x</t></r>"


def test_owner_slugs_are_plain_and_unique():
    assert owner_slug("Oceanview Life & Annuity") == "oceanview-life-annuity"
    assert owner_slug("Clínica São José") == "clinica-sao-jose"
    assert owner_slug("***") == "owner"
    assert list(owner_slugs(["A&B", "A B", "a-b"]).values()) == ["a-b", "a-b-2", "a-b-3"]


# --- A generated case -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_report(demo_case, tmp_path_factory) -> tuple[Path, Path]:
    case_dir = tmp_path_factory.mktemp("xlsx") / "case"
    result = run_cli("run", str(demo_case.input_dir), "--case", str(case_dir), "--config",
                     str(demo_case.config_path), "--workers", "2")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return case_dir, demo_case.config_path


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_generated_case_workbook_matches_the_csv(demo_report):
    case_dir, config_path = demo_report
    report = case_dir / "report"
    con = duckdb.connect(str(case_dir / "case.duckdb"))
    try:
        path = write_notification_xlsx(con, load_config(config_path), report)
        found = con.execute("SELECT DISTINCT ssn FROM mentions WHERE coalesce(ssn, '') <> ''").fetchall()
        ssns = {r[0] for r in found}
    finally:
        con.close()
    listed = read_csv(report / "notification_list.csv")
    sheets = read_sheets(path)
    header, *rows = sheets["All people"]
    as_text = [["" if v is None else str(v) for v in row] for row in rows]
    assert as_text == [list(r.values()) for r in listed]
    owners = {o for r in listed for o in r["data_owners"].split(";") if o}
    assert len(owners) >= 2 and set(sheets) == {"All people", "No owner", *owners}
    for owner in owners:
        assert len(sheets[owner]) - 1 == sum(owner in r["data_owners"].split(";") for r in listed)
    assert len(ssns) > 100
    cells = {str(v) for rows in sheets.values() for row in rows for v in row if v is not None}
    assert not ssns & {re.sub(r"\D", "", c) for c in cells}


@pytest.mark.slow
def test_generated_case_owner_packages(demo_report, tmp_path):
    case_dir, config_path = demo_report
    report = case_dir / "report"
    config = load_config(config_path)
    stale = report / "owners" / "old-client"
    stale.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(case_dir / "case.duckdb"))
    try:
        zips = write_owner_packages(con, config, report)
        again = [z.read_bytes() for z in write_owner_packages(con, config, report)]
    finally:
        con.close()
    assert not stale.exists() and not (report / "owners.partial").exists()
    assert [z.name for z in zips] == [owner_slug(o.name) + ".zip" for o in config.owners]
    assert [z.read_bytes() for z in zips] == again  # byte-identical on a re-run
    listed = read_csv(report / "notification_list.csv")
    for owner, archive_path in zip(config.owners, zips, strict=True):
        folder = archive_path.with_suffix("")
        with zipfile.ZipFile(archive_path) as archive:
            members = ("notification_list.csv", "notification_list.xlsx", "summary.html")
            assert sorted(archive.namelist()) == [f"{folder.name}/{n}" for n in members]
            packed = archive.read(f"{folder.name}/notification_list.csv")
        assert packed == (folder / "notification_list.csv").read_bytes()
        own = read_csv(folder / "notification_list.csv")
        mine = [r for r in listed if owner.name in r["data_owners"].split(";")]
        assert own and [r["person_id"] for r in own] == [r["person_id"] for r in mine]
        assert {r["data_owners"] for r in own} == {owner.name}  # no other client's name leaks
        assert [r[0] for r in read_sheets(folder / "notification_list.xlsx")["All people"][1:]] == [
            r["person_id"] for r in own
        ]
        page = (folder / "summary.html").read_text(encoding="utf-8")
        assert f'data-count="individuals"><b>{len(own):,}</b>' in page
        others = {o.name for o in config.owners} - {owner.name}
        assert not any(other.replace("&", "&amp;") in page for other in others)
