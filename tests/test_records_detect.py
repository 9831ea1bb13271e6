"""Records detection: element-only columns and hints, the columnar output, and the fast CSV path."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence

import polars as pl
import pytest

from exposure.detect import DetectContext, detect_table
from exposure.detect import columns as columns_module
from exposure.detect.elements import REGISTRY, ElementFamily, FieldSpec, synonyms
from exposure.detect.records import detect_table_frames
from exposure.model import ELEMENT_TABLE_COLUMNS, MENTION_TABLE_COLUMNS, Detections, Table

CTX = DetectContext()
FIRSTS = ["Maria", "Dmitri", "Lena", "Ahmed", "Grace"]
LASTS = ["Gonzalez", "Okafor", "Haddad", "Novak", "Lindqvist", "Moreau", "Tanaka"]
_LICENSE = re.compile(r"^[A-Z]\d{7}$")


def _license(value: str) -> str:
    compact = value.strip().upper().replace("-", "")
    return compact if _LICENSE.match(compact) else ""


def _password(value: str) -> str:
    return value if value.strip() else ""


def _username(value: str) -> str:
    return value.strip() if re.fullmatch(r"[A-Za-z0-9._-]{3,40}", value.strip()) else ""


TEMPORARY_FAMILY = ElementFamily(
    name="temporary_test_family",
    codes=("drivers_license", "online_credentials"),
    fields=(
        FieldSpec(field="temp_dl", element="drivers_license", headers=synonyms("dl_number", "temp_dl"),
                  normalise=_license, shape=r"^[A-Za-z]-?\d{7}$", priority=5),
        FieldSpec(field="temp_password", element="online_credentials", headers=synonyms("temp_password"),
                  normalise=_password, requires_any=("email", "temp_username"), priority=6),
        FieldSpec(field="temp_username", element="", headers=synonyms("temp_username"),
                  normalise=_username, priority=7),
    ),
)  # fmt: skip


@pytest.fixture
def temporary_specs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The catalog with three extra column kinds (a driver's license, a password, a user name hint)."""
    monkeypatch.setattr(REGISTRY, "families", [*REGISTRY.families, TEMPORARY_FAMILY])
    columns_module._header_index.cache_clear()
    yield
    columns_module._header_index.cache_clear()


def fake_ssn(rng: random.Random) -> str:
    return f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], name: str = "") -> Table:
    numbered = [(i + 2, list(r)) for i, r in enumerate(rows)]
    return Table(name=name, columns=list(columns), rows=iter(numbered))


def detect_all(t: Table, ctx: DetectContext = CTX) -> Detections:
    out = Detections()
    for batch in detect_table(t, ctx):
        out.extend(batch)
    return out


def found(d: Detections, code: str) -> list[tuple[str, str, str]]:
    return sorted((e.mention_key, e.value, e.column) for e in d.elements if e.code == code)


# ---- element-only columns and hints ------------------------------------------------------------


def test_element_only_column_gives_one_element_per_person(temporary_specs: None) -> None:
    columns = ["first_name", "last_name", "DL Number", "spouse_first_name", "spouse_last_name",
               "spouse_dl_number"]  # fmt: skip
    rows = [
        ["Jane", "Smith", "d-1234567", "Rob", "Smith", "R7654321"],
        ["Ann", "Lee", "not a license", "", "", ""],
        ["Tom", "Kim", "K2345678", "", "", ""],
        ["Eva", "Ruiz", "E3456789", "", "", ""],
    ]
    d = detect_all(table(columns, rows))
    assert found(d, "drivers_license") == [
        ("row 2", "D1234567", "DL Number"),
        ("row 2/spouse", "R7654321", "spouse_dl_number"),
        ("row 4", "K2345678", "DL Number"),
        ("row 5", "E3456789", "DL Number"),
    ]
    assert {m.key for m in d.mentions} == {"row 2", "row 2/spouse", "row 3", "row 4", "row 5"}
    license_element = next(e for e in d.elements if e.code == "drivers_license")
    assert license_element.location == "row 2" and license_element.detector.startswith("records.")


def test_password_is_a_credential_only_beside_an_email_or_user_name(temporary_specs: None) -> None:
    columns = ["first_name", "last_name", "email", "temp_username", "temp_password"]
    rows = [
        ["Jane", "Smith", "jane@example.com", "", "hunter22"],  # e-mail beside it: a credential
        ["Rob", "Jones", "", "rjones", "s3cret!"],  # user name beside it: a credential
        ["Ann", "Lee", "", "", "letmein"],  # a password alone is not
    ]
    d = detect_all(table(columns, rows))
    assert [(k, v) for k, v, _ in found(d, "online_credentials")] == [
        ("row 2", "hunter22"),
        ("row 3", "s3cret!"),
    ]
    # the user name is a hint kept with the person, never an element
    by_key = {m.key: m for m in d.mentions}
    assert by_key["row 3"].attributes == {"temp_username": "rjones"}
    assert by_key["row 2"].attributes == {} and "temp_username" not in {e.code for e in d.elements}


def test_credentials_identify_a_person_without_a_name(temporary_specs: None) -> None:
    d = detect_all(table(["email", "temp_password"], [["a@example.com", "pw1"], ["b@example.com", ""]]))
    assert [m.email for m in d.mentions] == ["a@example.com"]
    assert {e.code for e in d.elements} == {"email", "online_credentials"}


def test_two_license_columns_give_each_distinct_value_once(temporary_specs: None) -> None:
    rows = [["Jane", "Smith", "D1234567", "D1234567"], ["Rob", "Jones", "D1234567", "E7654321"]]
    d = detect_all(table(["first_name", "last_name", "dl_number", "temp_dl"], rows))
    assert [(k, v) for k, v, _ in found(d, "drivers_license")] == [
        ("row 2", "D1234567"),
        ("row 3", "D1234567"),
        ("row 3", "E7654321"),
    ]


# ---- columnar output --------------------------------------------------------------------------


def test_frames_have_the_case_table_columns_and_match_the_objects() -> None:
    rng = random.Random(3)
    rows = [
        [FIRSTS[i % 5], LASTS[i % 7], fake_ssn(rng),
         "03/04/1975", f"p{i}@example.com"]
        for i in range(50)
    ]  # fmt: skip
    columns = ["First Name", "Last Name", "SSN", "DOB", "Email"]
    (frames,) = list(detect_table_frames(table(columns, rows), CTX))
    assert tuple(frames.mentions.columns) == MENTION_TABLE_COLUMNS[1:]
    assert tuple(frames.elements.columns) == ELEMENT_TABLE_COLUMNS[1:]
    assert frames.mentions.height == 50
    objects = detect_all(table(columns, rows))
    assert [m.key for m in objects.mentions] == frames.mentions["mention_key"].to_list()
    assert sorted(frames.elements["code"].unique().to_list()) == ["date_of_birth", "email", "name", "ssn"]
    assert frames.elements.filter(pl.col("code") == "name")["value"].to_list()[:2] == [
        "Maria Gonzalez",
        "Dmitri Okafor",
    ]


# ---- storage: document text and frames in the case database -----------------------------------


@pytest.mark.slow
def test_scan_stores_every_text_block_and_the_record_frames(tmp_path) -> None:  # noqa: ANN001
    from conftest import run_cli

    inputs = tmp_path / "in"
    inputs.mkdir()
    letter = "Dear Ms. Jane Smith,\n\nYour SSN 536-90-4399 was exposed.\n\nSincerely,\nThe Office\n"
    (inputs / "letter.txt").write_text(letter)
    people = "first_name,last_name,ssn\nJane,Smith,536-90-4399\nRob,Lee,412-55-1234\n"
    (inputs / "people.csv").write_text(people)
    case = tmp_path / "case"
    result = run_cli("scan", str(inputs), "--case", str(case), "--workers", "1")
    assert result.returncode == 0, result.stderr

    import duckdb

    con = duckdb.connect(str(case / "case.duckdb"), read_only=True)
    blocks = con.execute('SELECT block, location, "offset", text FROM document_text ORDER BY 1').fetchall()
    assert [b[0] for b in blocks] == list(range(len(blocks))) and blocks
    # the blocks are the document: each sits at its offset of the letter
    assert all(letter[offset : offset + len(text)] == text for _, _, offset, text in blocks)
    assert "536-90-4399" in "".join(b[3] for b in blocks)
    rows = con.execute(
        "SELECT m.mention_key, m.first_name, e.code FROM mentions m "
        "JOIN elements e USING (sha256, mention_key) JOIN blobs b USING (sha256) "
        "WHERE b.type = 'csv' ORDER BY 1, 3"
    ).fetchall()
    assert rows == [("row 2", "Jane", "name"), ("row 2", "Jane", "ssn"), ("row 3", "Rob", "name"),
                    ("row 3", "Rob", "ssn")]  # fmt: skip
    con.close()


# ---- the plain-CSV fast path reads exactly what the csv module reads --------------------------


def csv_module_rows(path) -> tuple[list[str], bool, list[tuple[int, list[str]]]]:  # noqa: ANN001
    from exposure.extract import delimited
    from exposure.extract.encoding import open_text

    text, _ = open_text(path)
    with text:
        delimiter = delimited.sniff_delimiter(text.read(100_000))
        text.seek(0)
        (t,) = list(delimited.table_from_rows(delimited._csv_rows(text, delimiter)))
        return t.columns, t.has_header, list(t.rows)


def fast_rows(path) -> tuple[list[str], bool, list[tuple[int, list[str]]], bool]:  # noqa: ANN001
    from exposure.extract.delimited import read_delimited

    tables = read_delimited(path)
    t = next(tables)
    result = t.columns, t.has_header, list(t.rows), t.frames is not None
    assert next(tables, None) is None
    return result


PLAIN = "First Name,Last Name,SSN\nJane,Smith,536-90-4399\nRob,Lee,412-55-1234\n"


@pytest.mark.parametrize(
    ("name", "content", "fast"),
    [
        ("plain", PLAIN.encode(), True),
        ("crlf and no final newline", PLAIN.replace("\n", "\r\n").rstrip().encode(), True),
        ("blank lines", b"a_name,b_ssn\n\nJane Smith,536-90-4399\n,\n  , \nRob Lee,412-55-1234\n", True),
        ("extra and missing cells", b"name,ssn,dob\nJane Smith,536-90-4399,1/2/1970,extra,more\nRob\n", True),
        ("tabs, extra cells", b"name\tssn\nJane Smith\t536-90-4399\tx\ty\nRob Lee\t412-55-1234\n", True),
        ("utf-8 bom", "\ufeffName,SSN\nJos\u00e9 Mu\u00f1oz,536-90-4399\n".encode(), True),
        ("headerless", b"536-90-4399,jane@example.com\n412-55-1234,rob@example.com\n", True),
        ("quoted newline", b'name,note\n"Smith, Jane","two\nlines"\nRob Lee,x\n', False),
        ("banner", b"Client list,,\nname,ssn,dob\nJane Smith,536-90-4399,1/2/1970\n", False),
        ("cp1252", "Name,SSN\nJos\u00e9 Mu\u00f1oz,536-90-4399\n".encode("cp1252"), False),
    ],
)
def test_fast_csv_path_reads_what_the_csv_module_reads(
    tmp_path,
    name: str,
    content: bytes,
    fast: bool,  # noqa: ANN001
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    columns, has_header, rows, used_frames = fast_rows(path)
    assert used_frames is fast, name
    assert (columns, has_header, rows) == csv_module_rows(path)


@pytest.mark.parametrize("odd_line", ['Quoted,536-90-4030,"a, b\nc"', "Bad \xff Byte,x,y"])
def test_fast_csv_path_hands_over_to_the_csv_module_mid_file(
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,
    odd_line: str,  # noqa: ANN001
) -> None:
    from exposure.extract import delimited

    monkeypatch.setattr(delimited, "CHUNK_BYTES", 4096)
    # Past the encoding and delimiter sample (256 KB), so the file starts out plain.
    lines = ["name,ssn,note"] + [f"Person {chr(65 + i % 26)}name,536-90-{i:04d},plain" for i in range(9999)]
    lines[9000] = odd_line
    path = tmp_path / "t.csv"
    path.write_bytes("\n".join(lines).encode("utf-8").replace("\xff".encode(), b"\xff"))
    columns, has_header, rows, used_frames = fast_rows(path)
    assert used_frames
    assert (columns, has_header, rows) == csv_module_rows(path)
    assert rows[-1][0] == len(lines) + odd_line.count("\n")
