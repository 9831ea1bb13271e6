"""Table formats: workbooks, JSON/NDJSON, XML, SQLite, SQL dumps, Parquet, and more CSV shapes.

Real files only: the shared samples as they are, and files generated here.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from exposure.detect import DetectContext, detect_table
from exposure.extract import ExtractError, ReadOptions, reader_for
from exposure.extract.base import set_read_options
from exposure.inventory.sniff import detect_type
from exposure.model import Table

from conftest import SAMPLES

OFFICE = SAMPLES / "office"


@pytest.fixture(autouse=True)
def _reset_read_options() -> Iterator[None]:
    set_read_options(ReadOptions())
    yield
    set_read_options(ReadOptions())


def read_tables(path: Path, kind: str | None = None) -> list[tuple[Table, list[tuple[int, list[str]]]]]:
    """Every table of a file with its rows, read through the reader registered for its sniffed type."""
    kind = kind or detect_type(path)
    found = reader_for(kind)
    assert found is not None, f"no reader for {kind}"
    return [(table, list(table.rows)) for table in found.read(path)]  # type: ignore[union-attr]


def by_name(tables: list[tuple[Table, list]], name: str) -> tuple[Table, list[tuple[int, list[str]]]]:
    matches = [entry for entry in tables if entry[0].name == name]
    assert len(matches) == 1, [t.name for t, _ in tables]
    return matches[0]


# ------------------------------------------------------------------ workbooks: samples


def test_xlsx_sample_every_sheet_with_banner_skipped_and_excel_row_numbers() -> None:
    tables = read_tables(OFFICE / "unstructured_stanley-cups.xlsx")
    assert [t.name for t, _ in tables] == ["Stanley Cups", "Stanley Cups Since 67"]
    table, rows = tables[0]
    assert table.columns == ["Team", "Location", "Stanley Cups"] and table.has_header
    assert rows[0] == (3, ["Blues", "STL", "1"])  # the banner is row 1, the header row 2
    assert rows[2] == (5, ["Maple Leafs", "TOR", "13"])  # an integer stored as 13.0 reads as 13


def test_xls_sample_row_numbers_count_leading_empty_rows() -> None:
    path = OFFICE / "unstructured_tests-example.xls"
    assert detect_type(path) == "xls"
    tables = read_tables(path)
    assert [t.name for t, _ in tables] == ["Example Test", "Format Abbr.", "Readme"]
    _, rows = by_name(tables, "Example Test")
    assert rows[0] == (1, ["MC", "What is 2+2?", "4", "correct", "3", "incorrect", "", "", ""])
    abbreviations, rows = by_name(tables, "Format Abbr.")
    # The sheet's first three rows are empty: the first cell is Excel's row 4.
    assert rows[0][0] == 4 and rows[0][1][0] == "http://www.cmu.edu/blackboard"
    assert (9, ["MC", "Multiple Choice"]) in rows  # header 'Abbreviation' is row 8


def test_encrypted_sample_needs_a_password_and_opens_with_the_right_one() -> None:
    path = OFFICE / "unstructured_password_protected.xlsx"
    kind = detect_type(path, name=path.name)
    assert kind in ("xlsx", "ole")
    with pytest.raises(ExtractError, match="^encrypted: password required$"):
        read_tables(path, kind)
    set_read_options(ReadOptions(passwords=("wrong",)))
    with pytest.raises(ExtractError, match="none of the case passwords"):
        read_tables(path, kind)
    set_read_options(ReadOptions(passwords=("wrong", "123")))
    tables = read_tables(path, kind)
    assert tables and any(rows for _, rows in tables)


def test_encrypted_file_without_its_name_is_ole_and_still_reported_encrypted(tmp_path: Path) -> None:
    blob = tmp_path / "member.bin"
    shutil.copy(OFFICE / "unstructured_password_protected.xlsx", blob)
    assert detect_type(blob) == "ole"
    with pytest.raises(ExtractError, match="encrypted: password required"):
        read_tables(blob)


# ------------------------------------------------------------------ workbooks: generated


def _people_workbook(path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(["Employee census 2023"])  # a banner above the header
    sheet.append(["First Name", "Last Name", "SSN", "DOB", "Salary", "Zip"])
    sheet.append(["Maria", "Gonzalez", "536-90-4399", dt.date(1980, 2, 29), 55000.5, 2134])
    sheet.append(["Dmitri", "Okafor", 412551234, dt.datetime(1975, 12, 1), 61000, 90210])
    sheet.append([])
    sheet.append(["Lena", "Haddad", "287-65-4321", dt.datetime(1990, 7, 4, 13, 30), 1e6, 10001])
    hidden = workbook.create_sheet("Payroll (hidden)")
    hidden.sheet_state = "hidden"
    hidden.append(["Name", "Account"])
    hidden.append(["Maria Gonzalez", "000123456789"])
    workbook.save(path)


def test_generated_xlsx_values_dates_numbers_and_hidden_sheet(tmp_path: Path) -> None:
    path = tmp_path / "census.xlsx"
    _people_workbook(path)
    assert detect_type(path) == "xlsx"
    tables = read_tables(path)
    people, rows = by_name(tables, "Sheet1")
    assert people.columns == ["First Name", "Last Name", "SSN", "DOB", "Salary", "Zip"]
    assert rows[0] == (3, ["Maria", "Gonzalez", "536-90-4399", "1980-02-29", "55000.5", "2134"])
    assert rows[1] == (4, ["Dmitri", "Okafor", "412551234", "1975-12-01", "61000", "90210"])
    assert rows[2] == (6, ["Lena", "Haddad", "287-65-4321", "1990-07-04 13:30:00", "1000000", "10001"])
    _, hidden_rows = by_name(tables, "Payroll (hidden)")
    assert hidden_rows == [(2, ["Maria Gonzalez", "000123456789"])]


def test_xlsx_end_to_end_mentions_carry_sheet_and_row(tmp_path: Path) -> None:
    path = tmp_path / "census.xlsx"
    _people_workbook(path)
    reader = reader_for("xlsx")
    mentions, elements = [], []
    for table in reader.read(path):  # type: ignore[union-attr]
        for found in detect_table(table, DetectContext()):
            mentions += found.mentions
            elements += found.elements
    locations = {m.location: m for m in mentions}
    assert {"Sheet1!row 3", "Sheet1!row 4", "Sheet1!row 6"} <= set(locations)
    assert locations["Sheet1!row 3"].last_name == "Gonzalez"
    assert locations["Sheet1!row 4"].ssn == "412551234"
    assert locations["Sheet1!row 3"].date_of_birth == "1980-02-29"
    assert any(e.code == "ssn" and e.location == "Sheet1!row 6" for e in elements)


def test_xlsx_encrypted_in_the_test_opens_with_a_case_password(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = tmp_path / "plain.xlsx"
    _people_workbook(plain)
    locked = tmp_path / "locked.xlsx"
    with open(plain, "rb") as source, open(locked, "wb") as target:
        OOXMLFile(source).encrypt("s3cret pass", target)
    kind = detect_type(locked, name=locked.name)
    assert kind == "xlsx"
    with pytest.raises(ExtractError, match="^encrypted: password required$"):
        read_tables(locked, kind)
    set_read_options(ReadOptions(passwords=("nope", "s3cret pass")))
    _, rows = by_name(read_tables(locked, kind), "Sheet1")
    assert rows[0][1][:3] == ["Maria", "Gonzalez", "536-90-4399"]


def test_truncated_xlsx_fails_with_a_plain_reason(tmp_path: Path) -> None:
    whole = tmp_path / "whole.xlsx"
    _people_workbook(whole)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ExtractError, match="damaged or unsupported workbook") as caught:
        read_tables(cut, "xlsx")
    assert "Gonzalez" not in str(caught.value)


# ------------------------------------------------------------------ CSV shapes (delimited.py)


def test_csv_quoted_fields_with_newlines_keep_their_starting_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(
        "name,note,ssn\n"
        "Bo Chen,short,412-55-1234\n"
        "Cy Diaz,short,287-65-4321\n"
        'Ann Lee,"first line\nsecond line\nthird",536-90-4399\n'
        "Dee Park,after,219-11-2222\n"
    )
    table, rows = read_tables(path, "csv")[0]
    assert table.columns == ["name", "note", "ssn"]
    assert rows[2] == (4, ["Ann Lee", "first line\nsecond line\nthird", "536-90-4399"])
    assert rows[3] == (7, ["Dee Park", "after", "219-11-2222"])


def test_csv_multiline_first_data_row_is_numbered_by_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(
        'name,note,ssn\nAnn Lee,"first line\nsecond line",536-90-4399\nBo Chen,short,412-55-1234\n'
    )
    _table, rows = read_tables(path, "csv")[0]
    assert rows == [
        (2, ["Ann Lee", "first line\nsecond line", "536-90-4399"]),
        (4, ["Bo Chen", "short", "412-55-1234"]),
    ]


def test_csv_in_latin1_decodes_accented_names(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    text = "name,city,note\n" + "".join(f"Renée Léger {i},Montréal,café {i}\n" for i in range(40))
    path.write_bytes(text.encode("latin-1"))
    table, rows = read_tables(path, "csv")[0]
    assert table.columns == ["name", "city", "note"]
    assert rows[0] == (2, ["Renée Léger 0", "Montréal", "café 0"])


def test_csv_in_cp1252_decodes_spanish_names(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.csv"
    text = "nombre,ciudad,nota\n" + "".join(f"José Muñoz {i},Peñalolén,“cotización” {i}\n" for i in range(40))
    path.write_bytes(text.encode("cp1252"))
    _table, rows = read_tables(path, "csv")[0]
    assert rows[0] == (2, ["José Muñoz 0", "Peñalolén", "“cotización” 0"])


def test_csv_utf16_sample() -> None:
    path = OFFICE / "unstructured_stanley-cups-utf-16.csv"
    table, rows = read_tables(path, "csv")[0]
    assert table.columns == ["Team", "Location", "Stanley Cups"]
    assert rows[0] == (3, ["Blues", "STL", "1"])


def test_csv_semicolon_sample_splits_on_semicolons_not_commas() -> None:
    table, rows = read_tables(OFFICE / "unstructured_semicolon-delimited.csv", "csv")[0]
    assert len(table.columns) == 3
    assert ["consectetur", " adipiscing", " elit"] in [values for _, values in rows] + [table.columns]
    assert all(len(values) == 3 for _, values in rows)


# ------------------------------------------------------------------ JSON and NDJSON


def test_json_records_are_the_largest_array_of_objects_with_enclosing_fields(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(
        '{"company": "Acme", "groups": [\n'
        ' {"name": "G1", "members": [\n'
        '   {"first": "Ann", "ssn": "536-90-4399", "address": {"city": "Boston", "zip": "02134"},\n'
        '    "phones": [{"number": "617-555-0101"}, {"number": "617-555-0102"}], "item": 5},\n'
        '   {"first": "Bob", "ssn": 412551234, "active": true, "balance": 12.50}]},\n'
        ' {"name": "G2", "members": [{"first": "Cy", "extra": null}]}]}\n'
    )
    assert detect_type(path) == "json"
    (table, rows), *rest = read_tables(path)
    assert not rest
    assert table.name == "groups[].members"
    assert table.columns[:6] == ["first", "ssn", "address.city", "address.zip", "phones[].number", "item"]
    assert {"company", "groups[].name"} <= set(table.columns)
    record = dict(zip(table.columns, rows[0][1], strict=True))
    assert rows[0][0] == 1 and record["phones[].number"] == "617-555-0101; 617-555-0102"
    assert (
        record["company"] == "Acme" and record["groups[].name"] == "G1" and record["address.zip"] == "02134"
    )
    second = dict(zip(table.columns, rows[1][1], strict=True))
    assert second["ssn"] == "412551234" and second["active"] == "true" and second["balance"] == "12.50"
    third = dict(zip(table.columns, rows[2][1], strict=True))
    assert (rows[2][0], third["first"], third["groups[].name"]) == (3, "Cy", "G2")


def test_json_top_level_array_and_damaged_json(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_bytes(b'\xef\xbb\xbf[{"name": "Ann Lee", "dob": "1980-01-02"}, {"name": "Bo Chen"}]')
    table, rows = read_tables(path, "json")[0]
    assert (table.name, table.columns) == ("", ["name", "dob"])
    assert rows == [(1, ["Ann Lee", "1980-01-02"]), (2, ["Bo Chen", ""])]
    broken = tmp_path / "broken.json"
    broken.write_text('{"people": [{"name": "Ann Lee", "ssn": "536-90-4')
    with pytest.raises(ExtractError, match="damaged JSON") as caught:
        read_tables(broken, "json")
    assert "536" not in str(caught.value)


def test_json_concatenated_objects_are_one_record_each(tmp_path: Path) -> None:
    path = tmp_path / "pretty.json"
    path.write_text('{\n  "name": "Ann Lee",\n  "ssn": "536-90-4399"\n}\n{\n  "name": "Bo Chen"\n}\n')
    table, rows = read_tables(path, "json")[0]
    assert table.columns == ["name", "ssn"]
    assert rows == [(1, ["Ann Lee", "536-90-4399"]), (2, ["Bo Chen", ""])]
    single = tmp_path / "single.json"
    single.write_text('{"name": "Ann Lee", "address": {"city": "Boston"}, "tags": ["x", "y"]}')
    assert read_tables(single, "json")[0][1] == [(1, ["Ann Lee", "Boston", "x; y"])]


def test_ndjson_row_number_is_the_line_and_bad_lines_are_kept_as_text(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_text(
        '{"user": {"email": "ann@example.org"}, "ssn": "536-90-4399"}\n'
        "\n"
        '{"user": {"email": "bo@example.org"}, "tags": ["a", "b"]}\n'
        "{not json at all\n"
        '{"late_key": "only here"}\n'
    )
    # One damaged line makes the sniffer say 'json'; the JSON reader then reads it line by line.
    assert detect_type(path) in ("json", "ndjson")
    table, rows = read_tables(path)[0]
    assert read_tables(path, "ndjson")[0][1] == rows
    assert table.columns == ["user.email", "ssn", "tags[]", "_unparsed", "late_key"]
    assert [number for number, _ in rows] == [1, 3, 4, 5]
    assert rows[1][1] == ["bo@example.org", "", "a; b", "", ""]
    assert rows[2][1][3] == "{not json at all"
    assert rows[3][1][4] == "only here"


# ------------------------------------------------------------------ XML


def test_xml_repeated_element_is_the_record(tmp_path: Path) -> None:
    path = tmp_path / "people.xml"
    path.write_text(
        '<?xml version="1.0"?>\n'
        '<export xmlns="urn:example" date="2023-01-01">\n'
        ' <group name="G1">\n'
        '  <person id="1"><name>Ann Lee</name><ssn>536-90-4399</ssn>'
        '<address type="home"><city>Boston</city></address><phone>1</phone><phone>2</phone></person>\n'
        '  <person id="2"><name>Bo Chen</name><note>Call <b>soon</b> about it</note></person>\n'
        " </group>\n"
        ' <group name="G2"><person id="3">Plain text person</person></group>\n'
        "</export>\n"
    )
    assert detect_type(path) == "xml"
    table, rows = read_tables(path)[0]
    assert table.name == "person"
    assert table.columns[:6] == ["@id", "name", "ssn", "address.@type", "address.city", "phone"]
    first = dict(zip(table.columns, rows[0][1], strict=True))
    assert first["name"] == "Ann Lee" and first["phone"] == "1; 2" and first["address.city"] == "Boston"
    assert first["export.group.@name"] == "G1" and first["export.@date"] == "2023-01-01"
    third = dict(zip(table.columns, rows[2][1], strict=True))
    assert (rows[2][0], third["#text"], third["export.group.@name"]) == (3, "Plain text person", "G2")


def test_xml_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    path = tmp_path / "lol.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{"".join(entities)}]>\n<lolz><a>&lol9;</a></lolz>\n'
    )
    with pytest.raises(ExtractError, match="refused unread"):
        read_tables(path, "xml")


def test_xml_external_entity_is_not_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY ext SYSTEM "{secret.as_uri()}">]>\n'
        "<r><p><n>&ext;</n></p><p><n>x</n></p></r>\n"
    )
    with pytest.raises(ExtractError) as caught:
        read_tables(path, "xml")
    assert "TOP-SECRET-MARKER" not in str(caught.value)


def test_truncated_xml_fails_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text("<r><p><n>Ann Lee</n></p><p><n>Bo")
    with pytest.raises(ExtractError, match="damaged XML: not well-formed at line 1"):
        read_tables(path, "xml")


# ------------------------------------------------------------------ SQLite


def test_sqlite_every_table_not_views_read_only(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE customers (first TEXT, ssn INTEGER, balance REAL, photo BLOB)")
    connection.executemany(
        "INSERT INTO customers VALUES (?, ?, ?, ?)",
        [("Ann", 536904399, 1.5, b"\x89PNG"), ("Bo", None, 2.0, b"text in a blob")],
    )
    connection.execute('CREATE TABLE "odd ""name" (a)')
    connection.execute("CREATE VIEW rich AS SELECT * FROM customers WHERE balance > 1")
    connection.commit()
    connection.close()
    before = sorted(p.name for p in tmp_path.iterdir())
    assert detect_type(path) == "sqlite"
    tables = read_tables(path)
    assert [t.name for t, _ in tables] == ["customers", 'odd "name']
    customers, rows = tables[0]
    assert customers.columns == ["first", "ssn", "balance", "photo"]
    assert rows == [(1, ["Ann", "536904399", "1.5", ""]), (2, ["Bo", "", "2", "text in a blob"])]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no journal or WAL left beside it


def test_sqlite_with_garbage_fails_with_a_plain_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + bytes(range(256)) * 40)
    with pytest.raises(ExtractError, match="damaged SQLite database"):
        read_tables(path, "sqlite")


# ------------------------------------------------------------------ SQL dumps

MYSQL_DUMP = r"""-- MySQL dump 10.13  Distrib 8.0.32, for Linux (x86_64)
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
DROP TABLE IF EXISTS `customers`;
CREATE TABLE `customers` (
  `id` int NOT NULL AUTO_INCREMENT,
  `first_name` varchar(50) DEFAULT NULL,
  `ssn` char(11) DEFAULT NULL,
  `note` text,
  PRIMARY KEY (`id`),
  KEY `idx_ssn` (`ssn`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
LOCK TABLES `customers` WRITE;
EXTENDED_INSERT
INSERT INTO `orders` (`id`, `customer_id`) VALUES (10, 1),
(11, 2);
INSERT INTO `customers` VALUES (4,'Dee','287-65-4321',NULL);
UNLOCK TABLES;
""".replace(
    "EXTENDED_INSERT",  # mysqldump writes one statement per line, however long
    r"INSERT INTO `customers` VALUES (1,'Ann','536-90-4399',"
    r"'It\'s a \"test\"; with (parens),\nand a newline'),"
    r"(2,'O''Brien',NULL,_utf8mb4'x'),(3,'Back\\slash','412-55-1234','');",
)

PG_DUMP = """--
-- PostgreSQL database dump
--
SET standard_conforming_strings = on;
CREATE FUNCTION public.touch() RETURNS trigger AS $$ BEGIN RAISE 'it''s; ('; END; $$ LANGUAGE plpgsql;
CREATE TABLE public.people (
    id integer NOT NULL,
    name text,
    path text
);
COPY public.people (id, name, path) FROM stdin;
1\tAnn Lee\tC:\\\\temp\\tx
2\t\\N\tmulti\\nline
\\.
INSERT INTO public.people VALUES (3, 'C:\\dir\\', 'two
lines');
INSERT INTO public.people (id, name) VALUES (4, E'esc\\'d');
"""


def test_mysqldump_extended_inserts_escapes_and_interleaved_tables(tmp_path: Path) -> None:
    path = tmp_path / "shop.sql"
    path.write_text(MYSQL_DUMP)
    tables = read_tables(path, "sqldump")
    # rows are numbered per table in insertion order: three rows share dump line 13
    assert [t.name for t, _ in tables] == ["customers", "orders", "customers"]
    customers, rows = tables[0]
    assert customers.columns == ["id", "first_name", "ssn", "note"] and customers.has_header
    assert rows[0] == (1, ["1", "Ann", "536-90-4399", 'It\'s a "test"; with (parens),\nand a newline'])
    assert rows[1] == (2, ["2", "O'Brien", "", "x"])
    assert rows[2] == (3, ["3", "Back\\slash", "412-55-1234", ""])
    orders, order_rows = tables[1]
    assert orders.columns == ["id", "customer_id"] and order_rows == [(1, ["10", "1"]), (2, ["11", "2"])]
    assert tables[2][1] == [(4, ["4", "Dee", "287-65-4321", ""])]


def test_pg_dump_copy_blocks_and_standard_strings(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sql"
    path.write_text(PG_DUMP)
    tables = read_tables(path, "sqldump")
    assert [t.name for t, _ in tables] == ["public.people", "public.people"]
    people, rows = tables[0]
    assert people.columns == ["id", "name", "path"]
    assert rows == [
        (1, ["1", "Ann Lee", "C:\\temp\tx"]),
        (2, ["2", "", "multi\nline"]),
        (3, ["3", "C:\\dir\\", "two\nlines"]),  # backslashes are literal in standard strings
    ]
    assert tables[1][1] == [(4, ["4", "esc'd"])]


def test_sql_dump_without_create_table_uses_positional_columns(tmp_path: Path) -> None:
    path = tmp_path / "bare.sql"
    path.write_text("INSERT INTO t VALUES ('Ann Lee', '536-90-4399');\nINSERT INTO t VALUES ('Bo', NULL);\n")
    tables = read_tables(path, "sqldump")
    assert len(tables) == 1
    table, rows = tables[0]
    assert (table.name, table.columns, table.has_header) == ("t", ["column_1", "column_2"], False)
    assert rows == [(1, ["Ann Lee", "536-90-4399"]), (2, ["Bo", ""])]


def test_sql_dump_unterminated_quote_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exposure.extract import sql_dump

    monkeypatch.setattr(sql_dump, "MAX_PENDING_CHARS", 10_000)
    path = tmp_path / "desync.sql"
    path.write_text("INSERT INTO t VALUES (1, 'never closed\n" + "x" * 100 + "\n" * 200 + "y" * 20_000 + "\n")
    with pytest.raises(ExtractError, match="never closes"):
        read_tables(path, "sqldump")


# ------------------------------------------------------------------ Parquet


def test_parquet_batches_structs_lists_and_dates(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "people.parquet"
    pq.write_table(
        pa.table(
            {
                "name": ["Ann Lee", "Bo Chen", "Cy"],
                "ssn": [536904399, None, 412551234],
                "dob": [dt.date(1980, 1, 2), None, dt.date(1990, 3, 4)],
                "address": [{"city": "Boston", "zip": "02134"}, None, {"city": "Salem", "zip": "01970"}],
                "phones": [["617-555-0101", "617-555-0102"], [], None],
                "score": [1.0, 2.5, None],
            }
        ),
        path,
        row_group_size=2,
    )
    assert detect_type(path) == "parquet"
    table, rows = read_tables(path)[0]
    assert table.columns == ["name", "ssn", "dob", "address.city", "address.zip", "phones", "score"]
    assert rows == [
        (1, ["Ann Lee", "536904399", "1980-01-02", "Boston", "02134", "617-555-0101; 617-555-0102", "1"]),
        (2, ["Bo Chen", "", "", "", "", "", "2.5"]),
        (3, ["Cy", "412551234", "1990-03-04", "Salem", "01970", "", ""]),
    ]


def test_truncated_parquet_fails_with_a_plain_reason(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table({"name": ["Ann Lee"] * 100}), buffer)
    path = tmp_path / "cut.parquet"
    path.write_bytes(buffer.getvalue()[:200])
    with pytest.raises(ExtractError, match="damaged Parquet file"):
        read_tables(path, "parquet")


# ------------------------------------------------------------------ ODS and XLSM workbooks (generated here)

_ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body>
  <office:spreadsheet>
   <table:table table:name="Members">
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>First Name</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Last Name</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>SSN</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>DOB</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Maria</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Gonzalez</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>536-90-4399</text:p></table:table-cell>
     <table:table-cell office:value-type="date" office:date-value="1980-02-29"><text:p>02/29/80</text:p>
     </table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Dmitri</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Okafor</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="412551234"><text:p>412551234</text:p>
     </table:table-cell>
     <table:table-cell office:value-type="string"><text:p>12/01/1975</text:p></table:table-cell>
    </table:table-row>
    <table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="4"/>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string" table:number-columns-repeated="2"><text:p>Lee</text:p>
     </table:table-cell>
     <table:table-cell office:value-type="string"><text:p>287-65-4321</text:p></table:table-cell>
     <table:table-cell office:value-type="date" office:date-value="1990-07-04"><text:p>07/04/90</text:p>
     </table:table-cell>
    </table:table-row>
   </table:table>
   <table:table table:name="Plans &amp; Codes">
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>Plan</text:p></table:table-cell>
     <table:table-cell office:value-type="string"><text:p>Deductible</text:p></table:table-cell>
    </table:table-row>
    <table:table-row>
     <table:table-cell office:value-type="string"><text:p>PPO-500</text:p></table:table-cell>
     <table:table-cell office:value-type="float" office:value="500"><text:p>500</text:p>
     </table:table-cell>
    </table:table-row>
   </table:table>
  </office:spreadsheet>
 </office:body>
</office:document-content>
"""
_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""  # noqa: E501


def _members_ods(path: Path) -> None:
    """An OpenDocument spreadsheet as LibreOffice lays it out: ``mimetype`` first and stored."""
    import re
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED)
        # LibreOffice writes content.xml without indentation (calamine rejects text between cells)
        archive.writestr("content.xml", re.sub(r">\s+<", "><", _ODS_CONTENT), zipfile.ZIP_DEFLATED)


def test_ods_every_sheet_with_repeated_cells_and_rows_counted(tmp_path: Path) -> None:
    path = tmp_path / "roster.ods"
    _members_ods(path)
    assert detect_type(path) == "ods"
    assert reader_for("ods").read.__name__ == "read_workbook"  # type: ignore[union-attr]
    tables = read_tables(path)
    assert [t.name for t, _ in tables] == ["Members", "Plans & Codes"]
    members, rows = by_name(tables, "Members")
    assert members.columns == ["First Name", "Last Name", "SSN", "DOB"] and members.has_header
    assert rows == [
        (2, ["Maria", "Gonzalez", "536-90-4399", "1980-02-29"]),  # the date cell's value, not its display
        (3, ["Dmitri", "Okafor", "412551234", "12/01/1975"]),
        (6, ["Lee", "Lee", "287-65-4321", "1990-07-04"]),  # two repeated blank rows still count; one cell x2
    ]
    plans, plan_rows = by_name(tables, "Plans & Codes")
    assert plans.columns == ["Plan", "Deductible"]
    assert plan_rows == [(2, ["PPO-500", "500"])]


def test_ods_end_to_end_mentions_carry_sheet_and_row(tmp_path: Path) -> None:
    path = tmp_path / "roster.ods"
    _members_ods(path)
    mentions, elements = [], []
    for table in reader_for("ods").read(path):  # type: ignore[union-attr]
        for found in detect_table(table, DetectContext()):
            mentions += found.mentions
            elements += found.elements
    locations = {m.location: m for m in mentions}
    assert set(locations) == {"Members!row 2", "Members!row 3", "Members!row 6"}
    assert locations["Members!row 2"].last_name == "Gonzalez"
    assert locations["Members!row 2"].date_of_birth == "1980-02-29"
    assert locations["Members!row 3"].ssn == "412551234"
    assert locations["Members!row 6"].first_name == "Lee" and locations["Members!row 6"].ssn == "287654321"
    assert any(e.code == "ssn" and e.location == "Members!row 6" for e in elements)


def _macro_enabled_copy(xlsx: Path, xlsm: Path) -> None:
    """The workbook declared macro-enabled as Excel saves an .xlsm; the VBA part itself is optional."""
    import zipfile

    with zipfile.ZipFile(xlsx) as source, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                plain = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
                assert plain in data
                data = data.replace(plain, b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            target.writestr(info, data)


def test_xlsm_reads_like_xlsx_with_sheet_and_row(tmp_path: Path) -> None:
    plain = tmp_path / "census.xlsx"
    _people_workbook(plain)
    path = tmp_path / "census.xlsm"
    _macro_enabled_copy(plain, path)
    assert detect_type(path) == "xlsx"  # inventory has one OOXML workbook type; the reader handles both
    tables = read_tables(path)
    assert [t.name for t, _ in tables] == ["Sheet1", "Payroll (hidden)"]
    people, rows = by_name(tables, "Sheet1")
    assert people.columns == ["First Name", "Last Name", "SSN", "DOB", "Salary", "Zip"]
    assert [number for number, _ in rows] == [3, 4, 6]
    assert rows[0][1][:4] == ["Maria", "Gonzalez", "536-90-4399", "1980-02-29"]
    reader = reader_for("xlsx")
    mentions = [
        m
        for table in reader.read(path)  # type: ignore[union-attr]
        for found in detect_table(table, DetectContext())
        for m in found.mentions
    ]
    assert {"Sheet1!row 3", "Sheet1!row 4", "Sheet1!row 6"} <= {m.location for m in mentions}


def test_ods_text_between_cells_fails_without_echoing_the_text(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "odd.ods"
    content = _ODS_CONTENT.replace("<table:table-row>", "<table:table-row>536-90-4399", 1)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    with pytest.raises(ExtractError, match="damaged or unsupported workbook") as caught:
        read_tables(path, "ods")
    assert "4399" not in str(caught.value)
