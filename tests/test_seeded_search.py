"""Seeded search: people known from structured sources, found again in letters and notes."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from exposure.case.db import open_case
from exposure.detect import DetectContext, detect_text
from exposure.detect.seeded import DOCUMENT_TEXT_DDL, META_KEY, Seed, forms_of, seeded_search
from exposure.model import TextBlock

from conftest import run_cli

NOTE = (
    "LAKESIDE HEALTH PLAN - CALL LOG 2023-114\n"
    "\n"
    "Spoke today with xiomara quintanilla about her account. She read back SSN 536-22-1234\n"
    "and DOB 02/03/1980 to verify. Dr. Alan Grant had referred her.\n"
    "\n"
    "Later: QUINTANILLA, XIOMARA B. called again.\n"
)


def paragraphs(text: str) -> list[TextBlock]:
    blocks, offset = [], 0
    for part in text.split("\n\n"):
        if part.strip():
            blocks.append(TextBlock(f"line {text[:offset].count(chr(10)) + 1}", part, offset))
        offset += len(part) + 2
    return blocks


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = open_case(tmp_path / "case")
    connection.execute(DOCUMENT_TEXT_DDL)
    yield connection
    connection.close()


def add_structured(con: duckdb.DuckDBPyConnection, key: str, first: str, last: str, **more: str) -> None:
    """A mention as a roster reader stores it (role subscriber unless told)."""
    values = {"sha256": "roster", "mention_key": key, "location": key, "role": "subscriber",
              "first_name": first, "last_name": last, "full_name": f"{first} {last}", **more}  # fmt: skip
    columns, marks = ", ".join(values), ", ".join("?" * len(values))
    con.execute(f"INSERT INTO mentions ({columns}) VALUES ({marks})", list(values.values()))


def add_document(con: duckdb.DuckDBPyConnection, sha256: str, text: str) -> None:
    """What the worker stores for a text document: its blocks, and what detect_text found in them."""
    blocks = paragraphs(text)
    for number, block in enumerate(blocks):
        con.execute("INSERT INTO document_text VALUES (?, ?, ?, ?, ?)",
                    [sha256, number, block.location, block.offset, block.text])  # fmt: skip
    found = detect_text(blocks, DetectContext())
    for m in found.mentions:
        con.execute(
            "INSERT INTO mentions (sha256, mention_key, location, role, full_name, first_name, last_name, "
            "ssn, date_of_birth, needs_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sha256, m.key, m.location, m.role, m.full_name, m.first_name, m.last_name, m.ssn,
             m.date_of_birth, m.needs_review],
        )  # fmt: skip
    for e in found.elements:
        con.execute("INSERT INTO elements VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?)",
                    [sha256, e.mention_key, e.code, e.value, e.location, e.offset, e.confidence, e.detector,
                     e.needs_review])  # fmt: skip


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def table_sizes(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    """Mentions, elements, unattributed elements."""
    (sizes,) = rows(
        con,
        "SELECT (SELECT count(*) FROM mentions), (SELECT count(*) FROM elements), "
        "(SELECT count(*) FROM elements WHERE mention_key = '')",
    )
    return sizes


def test_written_forms_of_a_known_name() -> None:
    seed = Seed("Xiomara", "Belen", "Quintanilla", "", "roster", "row 2")
    assert forms_of(seed) >= {
        "xiomara quintanilla", "quintanilla, xiomara", "xiomara b. quintanilla", "xiomara belen quintanilla",
        "quintanilla, xiomara b",
    }  # fmt: skip


def test_a_person_named_only_in_a_note_is_found_with_the_notes_ssn(con: duckdb.DuckDBPyConnection) -> None:
    add_structured(con, "row 2", "Xiomara", "Quintanilla", middle_name="B", date_of_birth="1980-02-03")
    add_document(con, "note", NOTE)
    # no text pattern names her (no label, lower case, a name the census lists lack): the SSN is loose
    assert rows(con, "SELECT mention_key FROM elements WHERE sha256 = 'note' AND code = 'ssn'") == [("",)]

    stats = seeded_search(con)

    offset = NOTE.index("xiomara quintanilla")
    key = f"seeded@{offset}"
    assert (stats.seeds, stats.documents, stats.mentions_added) == (1, 1, 1)
    assert stats.hits == 2  # "xiomara quintanilla" and "QUINTANILLA, XIOMARA B."
    ((role, first, middle, last, location, ssn, dob, attributes, review),) = rows(
        con,
        "SELECT role, first_name, middle_name, last_name, location, ssn, date_of_birth, attributes, "
        f"needs_review FROM mentions WHERE mention_key = '{key}'",
    )
    assert (role, first, middle, last, location) == ("individual", "Xiomara", "B", "Quintanilla", "line 3")
    assert (ssn, dob, review) == ("536221234", "1980-02-03", False)
    assert json.loads(attributes)["seed_mention_key"] == "row 2"
    tied = f"FROM elements WHERE mention_key = '{key}'"
    assert rows(con, f"SELECT value, \"offset\", detector {tied} AND code = 'name'") == [
        ("xiomara quintanilla", offset, "seeded")
    ]
    attached = rows(con, f"SELECT code, needs_review {tied} AND code <> 'name' ORDER BY code")
    assert attached == [("date_of_birth", False), ("ssn", False)]
    assert stats.elements_attached == 2


def test_running_twice_adds_nothing(con: duckdb.DuckDBPyConnection) -> None:
    add_structured(con, "row 2", "Xiomara", "Quintanilla")
    add_document(con, "note", NOTE)
    seeded_search(con)
    before = table_sizes(con)
    again = seeded_search(con)
    assert again.up_to_date and table_sizes(con) == before
    con.execute("DELETE FROM meta WHERE key = ?", [META_KEY])  # forget the digest: scan everything again
    forced = seeded_search(con)
    assert not forced.up_to_date and forced.hits == 2 and forced.mentions_added == 0
    assert table_sizes(con) == before


def test_new_seeds_add_only_their_own_hits(con: duckdb.DuckDBPyConnection) -> None:
    add_structured(con, "row 2", "Xiomara", "Quintanilla")
    text = NOTE + "\nAlso on the line: Robert Kline, her brother, phone 312-555-0199.\n"
    add_document(con, "note", text)
    first = seeded_search(con)
    assert first.mentions_added == 1
    before = table_sizes(con)
    add_structured(con, "row 3", "Robert", "Kline")
    second = seeded_search(con)
    assert second.mentions_added == 1 and not second.up_to_date
    assert table_sizes(con)[0] == before[0] + 2  # the roster row itself and the one seeded mention
    # the phone after his name, loose until he was known, is his now
    assert rows(con, "SELECT mention_key FROM elements WHERE code = 'phone'") == [
        (f"seeded@{text.index('Robert Kline')}",)
    ]


def test_providers_fixtures_and_text_mentions_are_no_seeds(con: duckdb.DuckDBPyConnection) -> None:
    add_structured(con, "row 4", "Alan", "Grant", role="provider")
    add_structured(con, "row 5", "Test", "Patient")
    add_structured(con, "name@17", "Xiomara", "Quintanilla")  # found in text elsewhere: no seed
    add_document(con, "note", NOTE)
    stats = seeded_search(con)
    assert (stats.seeds, stats.mentions_added) == (0, 0)


def test_a_known_person_named_as_a_doctor_is_not_exposed_there(con: duckdb.DuckDBPyConnection) -> None:
    add_structured(con, "row 6", "Alan", "Grant")  # a member who is also a physician
    add_document(con, "note", NOTE)
    stats = seeded_search(con)
    assert stats.hits == 1 and stats.mentions_added == 0


def test_a_person_text_detection_already_found_is_not_added_again(con: duckdb.DuckDBPyConnection) -> None:
    add_structured(con, "row 2", "Maria", "Lopez")
    add_document(con, "letter", "Patient: Maria Lopez\nDOB: 02/03/1980\n\nMaria Lopez called back.\n")
    stats = seeded_search(con)
    assert stats.hits == 2 and stats.mentions_added == 0
    assert rows(con, "SELECT count(*) FROM mentions WHERE sha256 = 'letter'") == [(1,)]


def test_the_nearest_name_before_takes_an_element_within_its_block(con: duckdb.DuckDBPyConnection) -> None:
    add_structured(con, "row 2", "Xiomara", "Quintanilla")
    add_structured(con, "row 3", "Robert", "Kline")
    text = (
        "call log: spoke with xiomara quintanilla today.\n"
        "\n"
        "unrelated: ssn 536-22-1234 on a sticky note.\n"
        "\n"
        "xiomara quintanilla called for robert kline, ssn 412-55-1234.\n"
    )
    add_document(con, "note", text)
    assert len(rows(con, "SELECT * FROM elements WHERE code = 'ssn' AND mention_key = ''")) == 2
    seeded_search(con)
    owners = dict(rows(con, "SELECT value, mention_key FROM elements WHERE code = 'ssn'"))
    assert owners["536221234"] == ""  # its paragraph names nobody
    assert owners["412551234"] == f"seeded@{text.index('robert kline')}"  # not Xiomara: Robert is nearer


def test_two_known_people_with_one_name_give_an_ambiguous_mention(con: duckdb.DuckDBPyConnection) -> None:
    add_structured(con, "row 2", "Xiomara", "Quintanilla", middle_name="B")
    add_structured(con, "row 9", "Xiomara", "Quintanilla", middle_name="C")
    add_document(con, "note", NOTE)
    seeded_search(con)
    reviews = rows(con, "SELECT needs_review FROM mentions WHERE mention_key LIKE 'seeded@%'")
    assert reviews == [(True,)]


@pytest.mark.slow
def test_seeded_search_on_a_scanned_case(tmp_path: Path) -> None:
    """The worker stores each text document's blocks; the search finds a roster person in a note."""
    data = tmp_path / "input"
    data.mkdir()
    (data / "roster.csv").write_text(
        "first_name,last_name,dob,ssn\nXiomara,Quintanilla,02/03/1980,536-22-1234\nRobert,Kline,07/14/1961,\n",
        encoding="utf-8",
    )
    (data / "call_log.txt").write_text(NOTE.replace("536-22-1234", "412-55-1234"), encoding="utf-8")
    case = tmp_path / "case"
    result = run_cli("scan", str(data), "--case", str(case), "--workers", "1")
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(case / "case.duckdb"))
    try:
        stats = seeded_search(con)
        assert stats.documents >= 1 and stats.mentions_added == 1
        ((ssn,),) = rows(con, "SELECT ssn FROM mentions WHERE mention_key LIKE 'seeded@%'")
        assert ssn == "412551234"
    finally:
        con.close()
