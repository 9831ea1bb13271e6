"""summary.html and its inline SVG charts: a small hand-made case, then a generated one in Chromium."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from exposure.case.db import open_case
from exposure.config import CaseConfig, Owner, load_config
from exposure.report.charts import TILE_SHADES, US_TILES, bar_chart, shade_for, tile_map
from exposure.report.law import Obligation
from exposure.report.summary import ELEMENT_LABELS, render_summary, write_summary

from conftest import run_cli

CONFIG = CaseConfig(
    name="Harbor <incident>",
    breach_date=dt.date(2024, 3, 15),
    owners=(Owner("Oceanview Life & Annuity", paths=("ocean/**",)), Owner("Empty Co", paths=("none/**",))),
)
SHA = [f"{i:064x}" for i in range(1, 10)]
# person_id, first, last, state, elements, owners, minor, review, review_reason, mentions as (sha, key)
PEOPLE = [
    ("P1", "Jane", "Quarrington", "MA", "address;name;ssn", "Oceanview Life & Annuity", False, False, None,
     [(SHA[0], "row 2"), (SHA[1], "p1")]),
    ("P2", "Tim", "Adams", "TX", "date_of_birth;name", "Oceanview Life & Annuity", True, False, None,
     [(SHA[0], "row 3")]),
    ("P3", "Zed", "Adams", "TX", "medical_information;name", "", False, True,
     "same name, SSN 212-45-6791 differs", [(SHA[1], "p2")]),
    ("P4", "Ann", "Lee", "", "name;ssn", "", False, True, "OCR confidence low", [(SHA[1], "p3")]),
]  # fmt: skip
FILES = [  # path, sha, type, status, reason
    ("ocean/members.csv", SHA[0], "csv", "processed", ""),
    ("letters/scan.pdf", SHA[1], "pdf", "processed", ""),
    ("locked/a.pdf", SHA[2], "pdf", "failed", "encrypted: password required"),
    ("locked/b.zip", SHA[3], "zip", "failed", "encrypted: password required"),
    ("acct 4111111111111111.bin", SHA[4], "binary", "failed", "unreadable: binary content of no format"),
    ("empty.txt", SHA[5], "empty", "skipped", "empty file (0 bytes)"),
]


OBLIGATIONS = [
    Obligation("TX", "Texas", 2, "regulator", "Texas Attorney General", False, dt.date(2024, 4, 14),
                      "30 days after determination", "2 residents; owed at 250 or more", "Tex. Bus. & Com. "
                      "Code § 521.053(i)", "https://statutes.capitol.texas.gov/Docs/BC/htm/BC.521.htm"),
    Obligation("TX", "Texas", 2, "individuals", "each resident", True, dt.date(2024, 5, 14),
                      "60 days after determination", "2 residents with name + SSN", "Tex. Bus. & Com. Code "
                      "§ 521.053(b)", "https://statutes.capitol.texas.gov/Docs/BC/htm/BC.521.htm"),
    Obligation("MA", "Massachusetts", 1, "individuals", "each resident", True, None,
                      "as soon as practicable", "1 resident with name + SSN", "M.G.L. c. 93H § 3", ""),
    Obligation("HIPAA", "HIPAA", 4, "individuals", "each individual", True, dt.date(2024, 5, 14),
                      "60 days after discovery", "PHI of a covered entity", "45 CFR 164.404",
                      "https://www.ecfr.gov/current/title-45/section-164.404"),
]  # fmt: skip


def build_case(con: duckdb.DuckDBPyConnection) -> None:
    for path, sha, type_, status, reason in FILES:
        con.execute(
            "INSERT INTO paths VALUES ('/in', ?, '', 0, ?, 10, 0, ?, 'pending', '')", [path, sha, type_]
        )
        con.execute(
            "INSERT INTO blobs (sha256, size, type, status, reason, extractor, mentions) "
            "VALUES (?, 10, ?, ?, ?, ?, ?)",
            [sha, type_, status, reason, "reader_" + type_ if status == "processed" else "", 2],
        )
    for pid, first, last, state, elements, owners, minor, review, why, mentions in PEOPLE:
        con.execute(
            """INSERT INTO persons (person_id, full_name, first_name, last_name, state, elements, data_owners,
                   source_count, is_minor, needs_review, review_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            [pid, f"{first} {last}", first, last, state, elements, owners, len(mentions), minor, review, why],
        )
        for sha, key in mentions:
            con.execute("INSERT INTO person_mentions VALUES (?, ?, ?)", [pid, sha, key])


@pytest.fixture
def con(tmp_path):
    connection = open_case(tmp_path / "case")
    build_case(connection)
    yield connection
    connection.close()


def card(page: str, key: str) -> int:
    match = re.search(rf'data-count="{key}"><b>([\d,]+)</b>', page)
    assert match, key
    return int(match.group(1).replace(",", ""))


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert match, anchor
    return match.group(1)


def test_cards_show_the_case_totals(con):
    page = render_summary(con, CONFIG)
    assert {k: card(page, k) for k in ("individuals", "needs_review", "minors", "mentions")} == {
        "individuals": 4, "needs_review": 2, "minors": 1, "mentions": 5,
    }  # fmt: skip
    files = (card(page, "files_processed"), card(page, "files_failed"), card(page, "files_skipped"))
    assert files == (2, 3, 1)
    assert "notices_owed" not in page  # no law engine output given


def test_page_is_self_contained_printable_and_escaped(con):
    page = render_summary(con, CONFIG, OBLIGATIONS)
    lowered = page.lower()
    for external in ("<script", "<link", "src=", "url(", "@import", "<iframe", "<img"):
        assert external not in lowered, external
    assert "@media print" in page
    assert "<svg" in page and "xmlns" not in page
    assert "Harbor &lt;incident&gt;" in page and "<incident>" not in page
    assert render_summary(con, CONFIG, OBLIGATIONS) == page  # deterministic


def test_no_person_names_or_raw_numbers_on_the_page(con):
    page = render_summary(con, CONFIG, OBLIGATIONS)
    for _, first, last, *_ in PEOPLE:
        assert last not in page and f"{first} {last}" not in page
    assert "212-45-6791" not in page and "***-**-6791" in page  # a review reason, masked
    assert "4111111111111111" not in page and "****1111" in page  # a path, masked


def test_elements_use_plain_names_with_people_counts(con):
    elements = section(render_summary(con, CONFIG), "elements-exposed")
    shown = re.findall(r"<title>([^<]+): (\d+) \((\d+)%\)</title>", elements)
    assert shown == [
        (ELEMENT_LABELS["name"], "4", "100"),
        (ELEMENT_LABELS["ssn"], "2", "50"),
        (ELEMENT_LABELS["date_of_birth"], "1", "25"),
        (ELEMENT_LABELS["address"], "1", "25"),
        (ELEMENT_LABELS["medical_information"], "1", "25"),
    ]


def test_states_map_and_ordered_bars(con):
    states = section(render_summary(con, CONFIG), "people-by-state")
    tiles, bars = states.split("</svg>", 1)
    assert all(f">{code}<" in tiles for code in US_TILES)
    assert "<title>TX: 2</title>" in tiles and "<title>MA: 1</title>" in tiles
    assert re.findall(r"<title>([^:<]+): \d", bars) == ["TX", "MA", "(unknown)"]


def test_owners_formats_minors_and_review_queue(con):
    page = render_summary(con, CONFIG)
    owners = section(page, "people-by-data-owner")
    assert re.findall(r"<title>([^<]+): (\d+) ", owners) == [
        ("Oceanview Life &amp; Annuity", "2"), ("Empty Co", "0"), ("(no owner)", "2"),
    ]  # fmt: skip
    formats = section(page, "people-by-source-format")
    assert re.findall(r"<title>([^<]+): (\d+) ", formats) == [("pdf", "3"), ("csv", "2")]
    assert "<td>zip</td><td class=n>1</td><td class=n>0</td><td class=n>1</td>" in formats
    assert "<b>1</b> of 4 individuals (25%)" in section(page, "minors")
    review = section(page, "review-queue")
    assert "<td>OCR confidence low</td><td class=n>1</td>" in review


def test_exceptions_grouped_by_reason(con):
    exceptions = section(render_summary(con, CONFIG), "exceptions-files-not-read")
    assert "<td>failed</td><td>encrypted: password required</td><td class=n>2</td>" in exceptions
    assert "<td>skipped</td><td>empty file (0 bytes)</td><td class=n>1</td>" in exceptions
    assert "locked/a.pdf" in exceptions and "locked/b.zip" in exceptions
    assert "ocean/members.csv" not in exceptions


def test_notices_owed_lists_owed_duties_by_due_date(con):
    page = render_summary(con, CONFIG, OBLIGATIONS)
    assert card(page, "notices_owed") == 3
    notices = section(page, "notices-owed")
    summary, detail = notices.split("<details>")
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=n>(\d+)</td><td>([^<]+)</td>", detail)
    assert rows == [
        ("HIPAA", "4", "individuals"), ("Texas", "2", "individuals"), ("Massachusetts", "1", "individuals"),
    ]  # fmt: skip
    per_jurisdiction = re.findall(r"<tr><td>([^<]+)</td><td class=n>(\d+)</td><td>([^<]+)</td>", summary)
    assert [name for name, _n, _kinds in per_jurisdiction] == ["HIPAA", "Texas", "Massachusetts"]
    assert "Texas Attorney General" not in notices  # below its threshold: not owed
    assert "Considered and not owed (below a threshold or not triggered): 1." in notices
    assert '<a href="https://www.ecfr.gov/current/title-45/section-164.404">45 CFR 164.404</a>' in notices
    assert "as soon as practicable" in notices and "<b>2024-05-14</b>" in notices
    assert "not computed" in section(render_summary(con, CONFIG), "notices-owed")
    assert "No notice is owed" in section(render_summary(con, CONFIG, []), "notices-owed")


def test_owner_page_counts_only_that_owners_people(con):
    page = render_summary(con, CONFIG, OBLIGATIONS, owner="Oceanview Life & Annuity")
    assert (card(page, "individuals"), card(page, "minors"), card(page, "mentions")) == (2, 1, 3)
    assert "files_failed" not in page and "exceptions-files-not-read" not in page
    assert "notices-owed" not in page and "Empty Co" not in page
    assert re.findall(r"<title>([^:<]+): \d", section(page, "people-by-state").split("</svg>", 1)[1]) == [
        "MA", "TX",
    ]  # fmt: skip


def test_summary_without_breach_date_or_owners(tmp_path, con):
    con.execute("UPDATE persons SET data_owners = ''")
    page = render_summary(con, CaseConfig(name="Bare"))
    assert "sets no breach_date" in section(page, "minors")
    assert "No data owners are configured" in section(page, "people-by-data-owner")
    path = write_summary(con, CaseConfig(name="Bare"), tmp_path / "out")
    assert path.read_text(encoding="utf-8") == page


def test_empty_case_renders(tmp_path):
    connection = open_case(tmp_path / "empty")
    page = render_summary(connection, CONFIG, [])
    connection.close()
    assert card(page, "individuals") == 0 and "Every file was read" in page


def test_tile_shades_split_the_range_evenly():
    assert shade_for(0, 10) == "#eef0f4"
    assert [shade_for(n, 10) for n in (1, 2, 3, 4, 5, 6, 8, 9, 10)] == [
        TILE_SHADES[0], TILE_SHADES[0], TILE_SHADES[1], TILE_SHADES[1], TILE_SHADES[2],
        TILE_SHADES[2], TILE_SHADES[3], TILE_SHADES[4], TILE_SHADES[4],
    ]  # fmt: skip
    legend = tile_map({"CA": 10, "NY": 1}, label="x")
    ranges = re.findall(r">(\d+(?:–\d+)?)</text>", legend.split("People:")[1])
    assert ranges == ["1–2", "3–4", "5–6", "7–8", "9–10"]


def test_bar_chart_scales_and_escapes():
    chart = bar_chart([("<b>", 500), ("small", 1)], label="l", total=2000, scale_to=1000)
    widths = [float(w) for w in re.findall(r'width="([\d.]+)" height="\d+" rx="3" fill="#2f6fd6"', chart)]
    tracks = {float(w) for w in re.findall(r'width="([\d.]+)" height="\d+" rx="3" fill="#e6e9ef"', chart)}
    assert len(tracks) == 1 and widths == [pytest.approx(tracks.pop() / 2, abs=0.1), 2.0]  # one person shows
    assert "&lt;b&gt;" in chart and "<b>" not in chart and "500 (25%)" in chart and "1 (&lt;1%)" in chart
    assert bar_chart([], label="none") == '<p class="empty">None.</p>'


# --- A generated case, rendered in a real browser ---------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
)  # fmt: skip


@pytest.fixture(scope="module")
def demo_report(demo_case, tmp_path_factory) -> Path:
    case_dir = tmp_path_factory.mktemp("summary") / "case"
    result = run_cli("run", str(demo_case.input_dir), "--case", str(case_dir), "--config",
                     str(demo_case.config_path), "--workers", "2")  # fmt: skip
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(case_dir / "case.duckdb"))
    write_summary(con, load_config(demo_case.config_path), case_dir / "report")  # this module's writer
    con.close()
    return case_dir


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def database_totals(case_dir: Path) -> dict[str, int]:
    con = duckdb.connect(str(case_dir / "case.duckdb"), read_only=True)
    try:
        people, review, minors = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE needs_review), count(*) FILTER (WHERE is_minor) "
            "FROM persons"
        ).fetchone()
        mentions = con.execute("SELECT count(*) FROM person_mentions").fetchone()[0]
    finally:
        con.close()
    return {"individuals": people, "needs_review": review, "minors": minors, "mentions": mentions}


def files_csv_totals(report_dir: Path) -> dict[str, int]:
    import csv

    with open(report_dir / "files.csv", newline="", encoding="utf-8") as handle:
        statuses = [row["status"] for row in csv.DictReader(handle)]
    return {f"files_{s}": statuses.count(s) for s in ("processed", "failed", "skipped")}


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/system-deps.sh installs it)")
def test_summary_renders_in_chromium_with_the_case_totals(demo_report, tmp_path):
    page = demo_report / "report" / "summary.html"
    dom = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    cards = re.findall(r'data-count="(\w+)"><b>([\d,]+)</b>', dom.stdout)
    shown = {key: int(n.replace(",", "")) for key, n in cards}
    expected = database_totals(demo_report) | files_csv_totals(demo_report / "report")
    assert expected["individuals"] > 100 and expected["files_processed"] > 20
    assert shown == expected
    assert dom.stdout.count("<svg") >= 5 and "Notices owed" in dom.stdout

    shot = tmp_path / "summary.png"
    done = chromium(tmp_path / "profile", "--window-size=1100,2600", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1100, 2600)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # text, bars, tiles: not a blank page
    assert max(n for n, _ in colours) < 0.9 * 1100 * 2600  # no single colour fills the page
    shutil.copyfile(shot, "/tmp/summary.png")  # for a person to look at
