"""Mainframe records: copybook parsing, EBCDIC/ASCII decoding checked against Cobrix, framing, readers."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from exposure.detect import DetectContext, detect_table, detect_text
from exposure.extract.base import ExtractError, ReadOptions, reader_for, set_read_options
from exposure.extract.cobol import reader as cobol_reader
from exposure.extract.cobol.copybook import (
    BINARY,
    PACKED,
    TEXT,
    ZONED,
    CopybookError,
    parse_copybook,
    parse_picture,
)
from exposure.extract.cobol.decode import (
    ASCII,
    SAMPLE_BYTES,
    BranchScorer,
    DecodeError,
    RecordDecoder,
    detect_framing,
    guess_record_length,
    iter_records,
)
from exposure.extract.cobol.reader import copybook_rules, pair_copybook, read_records
from exposure.model import Detections, Table, TextBlock

from conftest import SAMPLES

COBOL = SAMPLES / "cobol"


@pytest.fixture(autouse=True)
def _clean_state():
    cobol_reader.NOTES.clear()
    yield
    set_read_options(ReadOptions())


def _read(path: Path, display: str = "", settings: tuple[tuple[str, str], ...] = (), top_level: bool = True):
    set_read_options(
        ReadOptions(
            display_path=display or path.name, source_path=str(path) if top_level else "", settings=settings
        )
    )
    return list(read_records(path))


def _rows(table: Table) -> list[tuple[int, list[str]]]:
    return list(table.rows)


# ---------------------------------------------------------------- Cobrix samples


def _cobrix_records(path: Path):
    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder(parse_float=Decimal)
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return
        obj, i = decoder.raw_decode(text, i)
        yield obj


def _leaves(obj: dict, prefix: tuple[str, ...] = ()):
    for key, value in obj.items():
        if isinstance(value, dict):
            yield from _leaves(value, (*prefix, key))
        elif not (key in ("File_Id", "Record_Id", "Record_Byte_Length") or key.startswith("Seg_Id")):
            yield (*prefix, key), value


COBRIX_CASES = [
    ("cobrix_test3_copybook.cob", "cobrix_test3_TRAN2.AUG31.DATA.dat",
     "cobrix_test3_expected_first50.txt", 50),
    ("cobrix_test4_copybook.cob", "cobrix_test4_COMP.DETAILS.SEP30.DATA.dat",
     "cobrix_test4_expected_first50.txt", 50),
    ("cobrix_test16_fix_len_segments.cob", "cobrix_test16_ENTITY.DB.AUG12.DATA.FIX.LEN.dat",
     "cobrix_test16_expected.txt", 50),
]  # fmt: skip


@pytest.mark.parametrize(("copybook", "data", "expected", "count"), COBRIX_CASES)
def test_decoder_matches_cobrix(copybook: str, data: str, expected: str, count: int) -> None:
    """Every value Cobrix printed, decoded the same (all REDEFINES branches, Cobrix' text rules)."""
    layout = parse_copybook((COBOL / copybook).read_text(encoding="latin-1"))
    raw = (COBOL / data).read_bytes()
    framing = detect_framing(raw[:SAMPLE_BYTES], len(raw), layout.record_length, None)
    records = list(iter_records(io.BytesIO(raw), framing))
    from exposure.extract.cobol.decode import EBCDIC_ENCODINGS, guess_encoding

    encoding = guess_encoding(records[:100], layout, (*EBCDIC_ENCODINGS, ASCII))
    assert encoding == ("ascii" if "test4" in data else "cp037")
    decoder = RecordDecoder(layout.fields, encoding, layout, drop_controls=True)
    keys = [tuple(part.replace("-", "_") for part in f.path[1:]) for f in layout.fields]
    compared = 0
    expected_records = list(_cobrix_records(COBOL / expected))
    assert len(expected_records) == count
    for record, cobrix in zip(records, expected_records, strict=False):
        mine = dict(zip(keys, decoder.values(record), strict=True))
        for key, value in _leaves(cobrix):
            assert key in mine, key
            got = mine[key]
            if isinstance(value, int | Decimal):
                assert got != "" and Decimal(got) == value, (key, value, got)
            else:
                # Cobrix shows bytes outside ASCII as U+FFFD; we keep them as Windows-1252 letters.
                assert "".join("\ufffd" if ord(c) > 127 else c for c in got) == value, (key, value, got)
            compared += 1
    assert compared >= count * 3


def test_test3_amounts_keep_their_decimals() -> None:
    tables = _read(COBOL / "cobrix_test3_TRAN2.AUG31.DATA.dat")
    assert [t.name for t in tables] == [""]
    rows = _rows(tables[0])
    assert len(rows) == 1000 and rows[0][0] == 1
    assert tables[0].columns == [
        "CURRENCY",
        "SIGNATURE",
        "COMPANY-NAME",
        "COMPANY-ID",
        "WEALTH-QFY",
        "AMOUNT",
    ]
    assert rows[2][1] == ["CAD", "S9276511", "ECSRONO", "0039567812", "0", "59.80"]


def test_test16_records_split_by_segment_like_cobrix() -> None:
    """C/P/B records go to COMPANY/PERSON/PO-BOX exactly as Cobrix' segment map chose them."""
    tables = {t.name: t for t in _read(COBOL / "cobrix_test16_ENTITY.DB.AUG12.DATA.FIX.LEN.dat")}
    assert set(tables) == {"COMPANY", "PERSON", "PO-BOX"}
    assert tables["PERSON"].columns == ["SEGMENT-ID", "FIRST-NAME", "LAST-NAME", "ADDRESS", "PHONE-NUM"]
    rows = {name: dict(_rows(t)) for name, t in tables.items()}
    expected = list(_cobrix_records(COBOL / "cobrix_test16_expected.txt"))
    for number, record in enumerate(expected, start=1):
        branch = next(k for k in record if k != "SEGMENT_ID").replace("_", "-")
        assert number in rows[branch], (number, branch)
        values = dict(zip(tables[branch].columns, rows[branch][number], strict=True))
        for key, value in record[branch.replace("-", "_")].items():
            assert values[key.replace("_", "-")] == value
    assert sum(len(r) for r in rows.values()) == 50


def test_test4_variable_records_choose_branch_per_segment_and_content() -> None:
    tables = {t.name: t for t in _read(COBOL / "cobrix_test4_COMP.DETAILS.SEP30.DATA.dat")}
    assert set(tables) == {"STATIC-DETAILS", "CONTACTS"}
    contacts = _rows(tables["CONTACTS"])
    assert tables["CONTACTS"].columns == ["SEGMENT-ID", "COMPANY-ID", "PHONE-NUMBER", "CONTACT-PERSON"]
    assert contacts[0] == (2, ["P", "9377942526", "+(277) 944 44 55", "Janiece Newcombe"])
    static = dict(_rows(tables["STATIC-DETAILS"]))
    columns = tables["STATIC-DETAILS"].columns
    # TAXPAYER-NUM REDEFINES TAXPAYER-STR: text when it is text, the binary number when it is not.
    first = dict(zip(columns, static[1], strict=True))
    third = dict(zip(columns, static[3], strict=True))
    assert (first["TAXPAYER-STR"], first["TAXPAYER-NUM"]) == ("92714306", "")
    assert (third["TAXPAYER-STR"], third["TAXPAYER-NUM"]) == ("", "31195396")
    assert len(static) + len(contacts) == 1000


def test_samples_pair_with_their_copybooks() -> None:
    assert pair_copybook(COBOL / "cobrix_test3_TRAN2.AUG31.DATA.dat").name == "cobrix_test3_copybook.cob"
    assert (
        pair_copybook(COBOL / "cobrix_test4_COMP.DETAILS.SEP30.DATA.dat").name == "cobrix_test4_copybook.cob"
    )
    assert (
        pair_copybook(COBOL / "cobrix_test16_ENTITY.DB.AUG12.DATA.FIX.LEN.dat").name
        == "cobrix_test16_fix_len_segments.cob"
    )


def test_readers_are_registered_for_ebcdic_and_fixedwidth() -> None:
    assert reader_for("ebcdic").read is read_records
    assert reader_for("fixedwidth").read is read_records


# ---------------------------------------------------------------- copybook parser


def test_copybook_redefines_occurs_and_storage() -> None:
    layout = parse_copybook(
        """
      * a comment line
       01  REC.
           05  KIND            PIC X.
               88  IS-PERSON   VALUE 'P'.
           05  BODY.
               10  NAME        PIC X(10).
           05  NUMS REDEFINES BODY.
               10  N1          PIC S9(5)V99 COMP-3.
               10  N2          PIC S9(4) COMP.
               10  FILLER      PIC X(2).
           05  PHONES OCCURS 3 TIMES.
               10  PHONE       PIC 9(10).
           05  AMOUNT          PIC S9(3)V9 SIGN LEADING SEPARATE.
           05  BIG             PIC 9(3)PP.
           05  TAIL            PIC X(4) VALUE SPACES.                       SEQ00001
        """
    )
    by_name = {f.name: f for f in layout.fields}
    assert by_name["KIND"].offset == 0 and by_name["NAME"].offset == 1
    assert (by_name["N1"].offset, by_name["N1"].length, by_name["N1"].kind, by_name["N1"].scale) == (
        1,
        4,
        PACKED,
        2,
    )
    assert (by_name["N2"].offset, by_name["N2"].length, by_name["N2"].kind) == (5, 2, BINARY)
    assert by_name["NAME"].branches == ((0, 0),) and by_name["N1"].branches == ((0, 1),)
    assert layout.groups[0].names == ("BODY", "NUMS") and layout.groups[0].length == 10
    assert [by_name[f"PHONE({i})"].offset for i in (1, 2, 3)] == [11, 21, 31]
    assert by_name["PHONE(2)"].occurs == (2,)
    assert (by_name["AMOUNT"].offset, by_name["AMOUNT"].length, by_name["AMOUNT"].sign_separate) == (
        41,
        5,
        True,
    )
    assert (by_name["BIG"].length, by_name["BIG"].scale) == (3, -2)
    assert by_name["TAIL"].offset == 49 and layout.record_length == 53
    assert "IS-PERSON" not in by_name


def test_copybook_fixed_form_columns_and_continuation() -> None:
    text = (
        "000100 01  CUSTOMER-RECORD.                                             CUSTREC1\n"
        "000200*    05  COMMENTED-OUT   PIC X(99).                               CUSTREC1\n"
        "000300     05  CUST-LAST-NAME  PIC X(20).                               CUSTREC1\n"
        "000400     05  CUST-SSN        PIC 9(9)                                 CUSTREC1\n"
        "000500                         COMP-3.                                  CUSTREC1\n"
        "000600     05  CUST-NOTE       PIC X(5) VALUE 'AB                       CUSTREC1\n"
        "000700-        'CDE'.                                                   CUSTREC1\n"
    )
    layout = parse_copybook(text)
    assert [f.name for f in layout.fields] == ["CUST-LAST-NAME", "CUST-SSN", "CUST-NOTE"]
    assert layout.fields[1].kind == PACKED and layout.fields[1].length == 5
    assert layout.record_length == 30


def test_copybook_free_form_and_multiple_records() -> None:
    layout = parse_copybook(
        "01 HDR.\n  05 H-TYPE PIC X.\n  05 H-DATE PIC 9(8).\n01 DTL.\n  05 D-TYPE PIC X.\n"
    )
    assert [(f.name, f.offset, f.branches) for f in layout.fields] == [
        ("H-TYPE", 0, ((0, 0),)), ("H-DATE", 1, ((0, 0),)), ("D-TYPE", 0, ((0, 1),)),
    ]  # fmt: skip


def test_occurs_depending_on_shows_only_present_elements() -> None:
    layout = parse_copybook(
        "       01 R.\n"
        "          05 CNT PIC 9.\n"
        "          05 ITEM OCCURS 1 TO 3 TIMES DEPENDING ON CNT PIC X(2).\n"
    )
    decoder = RecordDecoder(layout.fields, ASCII, layout)
    assert decoder.values(b"2AABBCC") == ["2", "AA", "BB", ""]
    assert [f.name for f in layout.fields] == ["CNT", "ITEM(1)", "ITEM(2)", "ITEM(3)"]


def test_pictures() -> None:
    assert parse_picture("S9(5)V99") == parse_picture("S99999V99")
    picture = parse_picture("S9(5)V99")
    assert (picture.kind, picture.digits, picture.scale, picture.signed) == (ZONED, 7, 2, True)
    assert parse_picture("ZZ,ZZ9.99-").kind == TEXT and parse_picture("ZZ,ZZ9.99-").chars == 10
    assert parse_picture("X(12)").chars == 12
    assert parse_picture("PP99").scale == 4


@pytest.mark.parametrize(
    "text",
    ["       01 R.\n          05 A PIC X(.\n", "       01 R.\n          05 A PIC X OCCURS 99999999 TIMES.\n",
     "just some prose, not a copybook", "       01 R.\n          05 FILLER PIC X(3)."],
)  # fmt: skip
def test_broken_copybooks_raise_copybook_error(text: str) -> None:
    with pytest.raises(CopybookError):
        parse_copybook(text)


# ---------------------------------------------------------------- values


def _ebcdic(text: str, width: int) -> bytes:
    return text.ljust(width).encode("cp037")


def _packed(value: int, digits: int, signed: bool = True) -> bytes:
    nibbles = str(abs(value)).zfill(digits + (1 - digits % 2)) + (
        "d" if value < 0 else "c" if signed else "f"
    )
    return bytes.fromhex(nibbles)


def test_zoned_overpunch_packed_and_binary_values() -> None:
    layout = parse_copybook(
        "       01 R.\n"
        "          05 Z1 PIC S9(5).\n"
        "          05 Z2 PIC S9(3)V99.\n"
        "          05 Z3 PIC 9(4).\n"
        "          05 Z4 PIC S9(3) SIGN LEADING SEPARATE.\n"
        "          05 P1 PIC S9(7)V99 COMP-3.\n"
        "          05 P2 PIC 9(9) COMP-3.\n"
        "          05 B1 PIC S9(4) COMP.\n"
        "          05 B2 PIC S9(9) BINARY.\n"
        "          05 B3 PIC 9(9) COMP-5.\n"
    )
    record = (
        bytes([0xF1, 0xF2, 0xF3, 0xF4, 0xD5])  # -12345: D zone on the last digit
        + bytes([0xF0, 0xF1, 0xF2, 0xF3, 0xC4])  # +012.34 (C zone = '{ABCD..' overpunch)
        + bytes([0xF0, 0xF0, 0xF4, 0xF2])
        + "-007".encode("cp037")
        + _packed(-123456789, 9)
        + _packed(12345678, 9, signed=False)
        + (-2).to_bytes(2, "big", signed=True)
        + (-123456).to_bytes(4, "big", signed=True)
        + (1234).to_bytes(4, "big")
    )
    assert len(record) == layout.record_length
    decoder = RecordDecoder(layout.fields, "cp037", layout)
    assert decoder.values(record) == [
        "-12345", "12.34", "0042", "-007", "-1234567.89", "012345678", "-0002", "-000123456", "000001234",
    ]  # fmt: skip
    assert decoder.invalid == 0
    damaged = record[:18] + b"\x4b\x40\x5c\x6b\x7e" + record[23:]  # not packed: a text-mode transfer did it
    assert decoder.values(damaged)[4] == "" and decoder.invalid == 1


def test_ascii_overpunch_and_national() -> None:
    layout = parse_copybook("       01 R.\n          05 Z PIC S9(3).\n          05 N PIC N(3).\n")
    decoder = RecordDecoder(layout.fields, ASCII, layout)
    assert decoder.values(b"12}" + "Zoë".encode("utf-16-be")) == ["-120", "Zoë"]


# ---------------------------------------------------------------- generated files


PERSON_COPYBOOK = """\
      * Customer master, one fixed record per customer.
       01  CUSTOMER-RECORD.
           05  REC-TYPE          PIC X.
           05  {prefix}-SSN          PIC 9(9) COMP-3.
           05  {prefix}-FIRST-NAME   PIC X(12).
           05  {prefix}-LAST-NAME    PIC X(15).
           05  {prefix}-BIRTH-DATE   PIC 9(8).
           05  {prefix}-BALANCE      PIC S9(7)V99 COMP-3.
           05  {prefix}-ACCT-ID      PIC S9(9) COMP.
           05  FILLER            PIC X(4).
"""
PEOPLE = [
    ("512438876", "MARGARET", "OKAFOR", "19640212"),
    ("219334512", "DESMOND", "ABERNATHY", "19811130"),
    ("401775219", "LUCINDA", "VASQUEZ-HOLT", "19570704"),
    ("623019844", "THEODORE", "BRANNIGAN", "19900419"),
]


def _person_record(ssn: str, first: str, last: str, dob: str, number: int) -> bytes:
    return (
        _ebcdic("P", 1)
        + _packed(int(ssn), 9, signed=False)
        + _ebcdic(first, 12)
        + _ebcdic(last, 15)
        + _ebcdic(dob, 8)
        + _packed(-1000 * number - 37, 9)
        + (7_000_000 + number).to_bytes(4, "big", signed=True)
        + b"\x40" * 4
    )


def _write_person_file(folder: Path, prefix: str = "CUST", copybook: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if copybook:
        (folder / "CUSTMAST.cpy").write_text(PERSON_COPYBOOK.format(prefix=prefix), encoding="ascii")
    data = folder / "CUSTMAST.D240101.dat"
    data.write_bytes(b"".join(_person_record(*p, number=i) for i, p in enumerate(PEOPLE * 5, start=1)))
    return data


def _detections(items) -> Detections:
    found = Detections()
    for item in items:
        if isinstance(item, Table):
            for batch in detect_table(item, DetectContext()):
                found.extend(batch)
    blocks = [i for i in items if isinstance(i, TextBlock)]
    if blocks:
        found.extend(detect_text(blocks, DetectContext()))
    return found


def test_packed_ssn_is_found_through_the_copybook_and_not_without_it(tmp_path: Path) -> None:
    """The research's point: a COMP-3 SSN is five bytes no text regex finds; the copybook finds it."""
    data = _write_person_file(tmp_path / "with")
    tables = _read(data)
    assert len(tables) == 1
    assert tables[0].columns == [
        "REC-TYPE", "CUST-SSN", "CUST-FIRST-NAME", "CUST-LAST-NAME", "CUST-BIRTH-DATE", "CUST-BALANCE",
        "CUST-ACCT-ID",
    ]  # fmt: skip
    found = _detections(_read(data))
    ssns = {e.value for e in found.elements if e.code == "ssn"}
    assert ssns == {p[0] for p in PEOPLE}
    assert any(m.last_name.upper() == "OKAFOR" and m.ssn == "512438876" for m in found.mentions)
    assert {m.location for m in found.mentions} >= {"row 1", "row 20"}

    bare = _write_person_file(tmp_path / "without", copybook=False)
    items = _read(bare)
    assert items and all(isinstance(i, TextBlock) for i in items)
    assert any("needs copybook" in n for n in cobol_reader.NOTES)
    assert "OKAFOR" in "".join(i.text for i in items)  # the names are still readable as text ...
    assert not {e.value for e in _detections(items).elements if e.code == "ssn"}  # ... the SSNs are not


def test_pm_prefixed_ssn_column_is_classified(tmp_path: Path) -> None:
    found = _detections(_read(_write_person_file(tmp_path, prefix="PM")))
    assert {e.value for e in found.elements if e.code == "ssn"} == {p[0] for p in PEOPLE}


def test_copybook_from_case_settings_inside_an_archive(tmp_path: Path) -> None:
    data = _write_person_file(tmp_path / "data", copybook=False)
    copybook = tmp_path / "layouts" / "customer.cpy"
    copybook.parent.mkdir()
    copybook.write_text(PERSON_COPYBOOK.format(prefix="CUST"), encoding="ascii")
    settings = (("copybook:*CUSTMAST*.dat", str(copybook)), ("copybook:*CUSTMAST*.dat:encoding", "cp037"))
    tables = _read(data, display="backup.zip!mf/CUSTMAST.D240101.dat", settings=settings, top_level=False)
    assert len(tables) == 1 and len(_rows(tables[0])) == 20
    assert not cobol_reader.NOTES


def test_copybook_setting_keys() -> None:
    rules = copybook_rules(
        (
            ("copybook:ENTITY*.dat", "/cb/entity.cpy"),
            ("copybook:ENTITY*.dat:segment_field", "segment-id"),
            ("copybook:ENTITY*.dat:segment:P", "person"),
            ("copybook:ENTITY*.dat:record_format", "v"),
            ("copybook:a:b.dat", "/cb/ab.cpy"),
            ("other", "x"),
        )
    )
    assert [glob for glob, _ in rules] == ["ENTITY*.dat", "a:b.dat"]
    spec = rules[0][1]
    assert (spec.segment_field, spec.segments, spec.record_format) == ("SEGMENT-ID", {"P": "PERSON"}, "V")


def test_configured_segment_map_overrides_learning(tmp_path: Path) -> None:
    settings = (
        ("copybook:*ENTITY*", str(COBOL / "cobrix_test16_fix_len_segments.cob")),
        ("copybook:*ENTITY*:segment_field", "SEGMENT-ID"),
        ("copybook:*ENTITY*:segment:B", "PERSON"),
    )
    tables = {
        t.name: t for t in _read(COBOL / "cobrix_test16_ENTITY.DB.AUG12.DATA.FIX.LEN.dat", settings=settings)
    }
    assert set(tables) == {"COMPANY", "PERSON"}
    assert len(_rows(tables["PERSON"])) == 39


def test_pairing_rule(tmp_path: Path) -> None:
    for name in ("TRAN2.cpy", "TRAN3.cob", "payroll_layout.cbl", "notes.txt"):
        (tmp_path / name).write_text("       01 R.\n          05 A PIC X.\n")
    assert pair_copybook(tmp_path / "TRAN2.AUG31.DATA.dat").name == "TRAN2.cpy"
    assert pair_copybook(tmp_path / "TRAN3_2023.dat").name == "TRAN3.cob"
    assert pair_copybook(tmp_path / "payroll_2023_q4.dat").name == "payroll_layout.cbl"
    assert pair_copybook(tmp_path / "unrelated.dat") is None  # three copybooks, none shares a name
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    (lonely / "layout.cpy").write_text("       01 R.\n          05 A PIC X.\n")
    assert pair_copybook(lonely / "EXTRACT.BIN").name == "layout.cpy"


def _rdw(payload: bytes, big_endian: bool) -> bytes:
    if big_endian:
        return (len(payload) + 4).to_bytes(2, "big") + b"\x00\x00" + payload  # mainframe: counts itself
    return b"\x00\x00" + len(payload).to_bytes(2, "little") + payload  # as Cobrix test4


@pytest.mark.parametrize("big_endian", [True, False])
def test_variable_records_with_rdw_in_both_byte_orders(tmp_path: Path, big_endian: bool) -> None:
    (tmp_path / "VARREC.cpy").write_text(
        "       01 R.\n"
        "          05 R-TYPE PIC X.\n"
        "          05 R-NAME PIC X(20).\n"
        "          05 R-CNT  PIC 9.\n"
        "          05 R-ITEM PIC S9(5) COMP-3 OCCURS 0 TO 5 TIMES DEPENDING ON R-CNT.\n"
    )
    payloads = [
        _ebcdic("A", 1)
        + _ebcdic(f"NAME {i}", 20)
        + _ebcdic(str(i % 4), 1)
        + b"".join(_packed(-k * 10, 5) for k in range(1, i % 4 + 1))
        for i in range(1, 41)
    ]
    data = tmp_path / "VARREC.DATA.bin"
    data.write_bytes(b"".join(_rdw(p, big_endian) for p in payloads))
    tables = _read(data)
    rows = _rows(tables[0])
    assert len(rows) == 40 and rows[-1][0] == 40
    assert rows[2][1][:3] == ["A", "NAME 3", "3"]
    assert rows[2][1][3:] == ["-00010", "-00020", "-00030", "", ""]
    assert rows[3][1][2:] == ["0", "", "", "", "", ""]


def test_fixed_record_length_without_copybook_by_autocorrelation() -> None:
    data = (COBOL / "cobrix_test3_TRAN2.AUG31.DATA.dat").read_bytes()
    assert guess_record_length(data) == 45
    assert guess_record_length((COBOL / "cobrix_test16_ENTITY.DB.AUG12.DATA.FIX.LEN.dat").read_bytes()) == 64


def test_no_copybook_reads_ebcdic_as_text_by_record(tmp_path: Path) -> None:
    data = tmp_path / "ENTITY.dat"
    data.write_bytes((COBOL / "cobrix_test16_ENTITY.DB.AUG12.DATA.FIX.LEN.dat").read_bytes())
    items = _read(data)
    assert all(isinstance(i, TextBlock) for i in items)
    assert items[0].location == "record 1"
    assert items[0].text.splitlines()[0].startswith("PEliana")
    assert cobol_reader.NOTES == [
        "needs copybook: no COBOL copybook beside the file or in the case settings; read as text"
    ]


# ---------------------------------------------------------------- damaged input


def test_broken_rdw_chain_is_an_extract_error(tmp_path: Path) -> None:
    good = b"".join(_rdw(_ebcdic(f"REC {i}", 30), True) for i in range(10))
    (tmp_path / "VB.cpy").write_text("       01 R.\n          05 R-TEXT PIC X(30).\n")
    data = tmp_path / "VB.dat"
    data.write_bytes(good + b"\xff\xff\xff\xff" + good)
    with pytest.raises(ExtractError, match="RDW"):
        for table in _read(data):
            _rows(table)


def test_damaged_inputs_never_crash(tmp_path: Path) -> None:
    layout_text = PERSON_COPYBOOK.format(prefix="CUST")
    (tmp_path / "CUSTMAST.cpy").write_text(layout_text)
    data = tmp_path / "CUSTMAST.dat"
    import random

    rng = random.Random(5)
    data.write_bytes(bytes(rng.randrange(256) for _ in range(54 * 30 + 17)))  # noise, and a cut last record
    rows = _rows(_read(data)[0])
    assert len(rows) == 31
    assert any("not a multiple" in n for n in cobol_reader.NOTES)
    assert any("not valid numbers" in n for n in cobol_reader.NOTES)

    (tmp_path / "CUSTMAST.cpy").write_text("       01 R.\n          05 A PIC X(.\n")
    with pytest.raises(ExtractError, match="copybook CUSTMAST.cpy"):
        _read(data)

    empty = tmp_path / "other" / "EMPTY.dat"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    (empty.parent / "EMPTY.cpy").write_text(layout_text)
    tables = _read(empty)
    assert all(_rows(t) == [] for t in tables)


def test_branch_scorer_prefers_fields_that_fit() -> None:
    layout = parse_copybook((COBOL / "cobrix_test16_fix_len_segments.cob").read_text(encoding="latin-1"))
    raw = (COBOL / "cobrix_test16_ENTITY.DB.AUG12.DATA.FIX.LEN.dat").read_bytes()
    scorer = BranchScorer(layout, "cp037")
    wanted = {"C": 0, "P": 1, "B": 2}
    for start in range(0, len(raw), 64):
        record = raw[start : start + 64]
        assert scorer.choose(record) == {0: wanted[record[:1].decode("cp037")]}


def test_decode_error_is_plain() -> None:
    from exposure.extract.cobol.decode import RDW_FORMATS, Framing

    stream = io.BytesIO(b"\x00\x08\x00\x00ABCD" + b"\x12\x34\x56\x78")
    with pytest.raises(DecodeError, match="record 2"):
        list(iter_records(stream, Framing("rdw", 10, RDW_FORMATS[0])))
