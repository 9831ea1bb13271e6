"""Data files of the demo share: a mainframe extract with its copybook, databases, exports, archives.

Locations in the truth:
- EBCDIC fixed-length records: ``record N`` (1-based record number).
- SQLite and SQL dumps: ``<table>!row N`` (N = the row's position in insertion order,
  which is SQLite's rowid and the order of the dump's VALUES tuples).
- JSON: ``$.members[N]`` (JSONPath, N 0-based); NDJSON: ``line N``; Parquet: ``row N``
  (1-based record number); CSV inside a 7z or a password zip: ``row N`` as for any CSV.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from exposure.demo.documents import (
    Doc,
    PersonMention,
    TableBuilder,
    encrypted_zip_doc,
    row_elements,
    seven_zip_doc,
)
from exposure.demo.layout import (
    LAKESIDE_DIR,
    OCEANVIEW_DIR,
    Batch,
    unique_people,
)
from exposure.demo.people import (
    SEGMENT_LAKESIDE,
    SEGMENT_OCEANVIEW,
    SEGMENT_STAFF,
    Person,
    first_last,
    phone_as,
    short_us_date,
    ssn_digits,
)

# The password of the refunds zip, among decoys, in the passwords file written beside input/.
CASE_PASSWORDS = ("Harborline2023!", "Lakeside#Q4-2023", "Summer2023")
REFUNDS_PASSWORD = CASE_PASSWORDS[1]


# ---- COBOL: EBCDIC fixed-length records described by a copybook ------------------------------


@dataclass(frozen=True)
class CopybookField:
    name: str
    picture: str  # as written after PIC
    length: int  # bytes in the record
    usage: str = ""  # "" (DISPLAY) or "COMP-3"


MEMBER_LAYOUT: tuple[CopybookField, ...] = (
    CopybookField("PM-MEMBER-ID", "X(10)", 10),
    CopybookField("PM-LAST-NAME", "X(20)", 20),
    CopybookField("PM-FIRST-NAME", "X(15)", 15),
    CopybookField("PM-MIDDLE-INIT", "X(1)", 1),
    CopybookField("PM-SSN", "9(9)", 5, "COMP-3"),
    CopybookField("PM-BIRTH-DATE", "9(8)", 8),
    CopybookField("PM-ADDRESS-LINE", "X(40)", 40),
    CopybookField("PM-CITY", "X(25)", 25),
    CopybookField("PM-STATE", "X(2)", 2),
    CopybookField("PM-ZIP", "9(5)", 5),
    CopybookField("PM-ANNUAL-PREMIUM", "S9(7)V99", 5, "COMP-3"),
    CopybookField("FILLER", "X(14)", 14),
)
RECORD_LENGTH = sum(f.length for f in MEMBER_LAYOUT)  # 150
EBCDIC = "cp037"


def copybook_text() -> str:
    """Fixed-format COBOL: columns 1-6 blank, 7 the indicator, code from column 8."""
    lines = [
        "      * MEMBER MASTER EXTRACT - OCEANVIEW LIFE & ANNUITY",
        f"      * RECFM=FB LRECL={RECORD_LENGTH} CODEPAGE=CP037",
        "       01  PM-MEMBER-RECORD.",
    ]
    for f in MEMBER_LAYOUT:
        usage = f" {f.usage}" if f.usage else ""
        lines.append(f"           05  {f.name:<22}PIC {f.picture}{usage}.")
    return "\n".join(lines) + "\n"


def packed_decimal(value: int, digits: int, signed: bool) -> bytes:
    """COMP-3: two digits a byte, the last nibble the sign (C +, D -, F unsigned)."""
    text = f"{abs(value):0{digits}d}"
    if len(text) % 2 == 0:
        text = "0" + text  # digits + sign nibble must fill whole bytes
    sign = ("D" if value < 0 else "C") if signed else "F"
    return bytes.fromhex(text + sign)


def _display(value: str, length: int) -> bytes:
    return value.upper()[:length].ljust(length).encode(EBCDIC)


def cobol_files(batch: Batch) -> list[Doc]:
    people = batch.sample(batch.people(SEGMENT_OCEANVIEW), 0.2, 6)
    stem = batch.named("MEMBERS")
    folder = f"{OCEANVIEW_DIR}/mainframe"
    copybook = Doc(f"{folder}/{stem}.cpy", copybook_text().encode("ascii"), format="cobol-copybook")
    return [copybook, members_ebcdic(batch, f"{folder}/{stem}.DAT", people)]


def members_ebcdic(batch: Batch, name: str, people: list[Person]) -> Doc:
    records, mentions = [], []
    for number, person in enumerate(people, 1):
        premium = batch.rng.randrange(12_000, 950_000)  # cents
        record = b"".join(
            [
                _display(batch.member_id(person, "OV"), 10),
                _display(person.last_name, 20),
                _display(person.first_name, 15),
                _display(person.middle_name[:1], 1),
                packed_decimal(int(ssn_digits(person)), 9, signed=False),
                person.date_of_birth.strftime("%Y%m%d").encode(EBCDIC),
                _display(person.address_line1, 40),
                _display(person.city, 25),
                _display(person.state, 2),
                person.postal_code[:5].encode(EBCDIC),
                packed_decimal(premium, 9, signed=True),
                _display("", 14),
            ]
        )
        if len(record) != RECORD_LENGTH:
            raise AssertionError("a record must match the copybook length")
        records.append(record)
        elements = {"name", "ssn", "date_of_birth"}
        if len(person.address_line1) <= 40:  # a cut-off street is not the full value
            elements.add("address")
        mentions.append(PersonMention(f"record {number}", person, frozenset(elements)))
    return Doc(name, b"".join(records), mentions, format="cobol")


# ---- SQLite -------------------------------------------------------------------------------

PATIENT_COLUMNS = ("mrn", "first_name", "last_name", "birth_date", "ssn", "street", "city", "state", "zip",
                   "phone", "email", "primary_dx")  # fmt: skip
PATIENT_ELEMENTS = {"mrn": "medical_record_number", "first_name": "name", "last_name": "name",
                    "birth_date": "date_of_birth", "ssn": "ssn", "street": "address", "phone": "phone",
                    "email": "email", "primary_dx": "medical_information"}  # fmt: skip


def sqlite_files(batch: Batch) -> list[Doc]:
    people = batch.sample(batch.people(SEGMENT_LAKESIDE), 0.2, 6)
    return [patients_sqlite(batch, people)]


def patients_sqlite(batch: Batch, people: list[Person]) -> Doc:
    """A ``patients`` table built in memory and serialised: no journal, no clock, the same bytes each time."""
    connection = sqlite3.connect(":memory:")
    try:
        columns = ", ".join(f"{c} TEXT" for c in PATIENT_COLUMNS)
        connection.execute(f"CREATE TABLE patients (id INTEGER PRIMARY KEY, {columns})")
        connection.execute("CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT)")
        connection.execute("INSERT INTO app_settings VALUES ('schema_version', '14'), ('site', 'LHP-EAST')")
        mentions = []
        for rowid, person in enumerate(people, 1):
            row = {
                "mrn": batch.member_id(person, "MRN"),
                "first_name": person.first_name,
                "last_name": person.last_name,
                "birth_date": person.date_of_birth.isoformat(),
                "ssn": person.ssn if rowid % 4 else "",  # not every patient gave one
                "street": person.address_line1,
                "city": person.city,
                "state": person.state,
                "zip": person.postal_code,
                "phone": phone_as(person, 1),
                "email": person.email,
                "primary_dx": batch.rng.choice(["E11.9", "I10", "J45.909", "M54.5", "F41.1"]),
            }
            placeholders = ", ".join("?" for _ in range(len(PATIENT_COLUMNS) + 1))
            connection.execute(f"INSERT INTO patients VALUES ({placeholders})", [rowid, *row.values()])
            mentions.append(
                PersonMention(f"patients!row {rowid}", person, row_elements(row, PATIENT_ELEMENTS))
            )
        connection.commit()
        data = connection.serialize()
    finally:
        connection.close()
    return Doc(batch.named(f"{LAKESIDE_DIR}/db/patients.sqlite"), bytes(data), mentions, format="sqlite")


# ---- JSON and NDJSON ----------------------------------------------------------------------


def json_files(batch: Batch) -> list[Doc]:
    people = batch.sample(batch.people(SEGMENT_OCEANVIEW), 0.1, 5)
    return [members_json(batch, people)]


def members_json(batch: Batch, people: list[Person]) -> Doc:
    members, mentions = [], []
    for index, person in enumerate(people):
        member = {
            "memberId": batch.member_id(person, "OV"),
            "name": {"first": person.first_name, "middle": person.middle_name, "last": person.last_name},
            "dob": person.date_of_birth.isoformat(),
            "ssn": person.ssn,
            "contact": {"email": person.email or None, "phone": phone_as(person, 2) or None},
            "address": {"line1": person.address_line1, "city": person.city, "state": person.state,
                        "zip": person.postal_code},
        }  # fmt: skip
        members.append(member)
        elements = {"name", "date_of_birth", "ssn", "address"}
        elements |= {code for code, value in (("email", person.email), ("phone", person.phone)) if value}
        mentions.append(PersonMention(f"$.members[{index}]", person, frozenset(elements)))
    document = {
        "export": {"source": "OV-MEMBER-API", "generated": "2024-03-01T09:30:00Z"},
        "members": members,
    }
    data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
    return Doc(batch.named(f"{OCEANVIEW_DIR}/api/members_export.json"), data, mentions, format="json")


def ndjson_files(batch: Batch) -> list[Doc]:
    pool = [
        p for s in (SEGMENT_OCEANVIEW, SEGMENT_LAKESIDE) for p in batch.people(s) if p.is_adult and p.email
    ]
    return [events_ndjson(batch, batch.sample(pool, 0.05, 5))]


def events_ndjson(batch: Batch, people: list[Person]) -> Doc:
    lines, mentions = [], []
    for number, person in enumerate(people, 1):
        event = {
            "event": "profile_update",
            "ts": f"2024-02-{number % 28 + 1:02d}T1{number % 10}:00:00Z",
            "customer": {"full_name": first_last(person), "birthdate": short_us_date(person.date_of_birth),
                         "email": person.email, "phone": phone_as(person, 4) or None},
        }  # fmt: skip
        lines.append(json.dumps(event))
        elements = {"name", "date_of_birth", "email"} | ({"phone"} if person.phone else set())
        mentions.append(PersonMention(f"line {number}", person, frozenset(elements)))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return Doc(batch.named("exports/crm_events.ndjson"), data, mentions, format="ndjson")


# ---- a MySQL dump -------------------------------------------------------------------------

DUMP_COLUMNS = ("member_id", "first_name", "last_name", "dob", "ssn", "email", "phone", "address", "city",
                "state", "zip")  # fmt: skip
DUMP_ELEMENTS = {"first_name": "name", "last_name": "name", "dob": "date_of_birth", "ssn": "ssn",
                 "email": "email", "phone": "phone", "address": "address"}  # fmt: skip
DUMP_ROWS_PER_INSERT = 10


def sqldump_files(batch: Batch) -> list[Doc]:
    return [members_sql_dump(batch, batch.sample(batch.people(SEGMENT_LAKESIDE), 0.15, 6))]


def _sql_literal(value: str | None) -> str:
    if value is None or value == "":
        return "NULL"
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def members_sql_dump(batch: Batch, people: list[Person]) -> Doc:
    """mysqldump style: extended INSERTs of several rows each, apostrophes escaped with a backslash."""
    lines = [
        "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)",
        "--",
        "-- Host: db-lhp-01    Database: lhp_members",
        "-- ------------------------------------------------------",
        "-- Server version\t8.0.36",
        "",
        "DROP TABLE IF EXISTS `members`;",
        "CREATE TABLE `members` (",
        "  `id` int NOT NULL AUTO_INCREMENT,",
        *[f"  `{c}` varchar(64) DEFAULT NULL," for c in DUMP_COLUMNS],
        "  PRIMARY KEY (`id`)",
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;",
        "",
        "LOCK TABLES `members` WRITE;",
    ]
    mentions, tuples = [], []
    for number, person in enumerate(people, 1):
        row = {
            "member_id": batch.member_id(person, "LHP-"),
            "first_name": person.first_name,
            "last_name": person.last_name,
            "dob": person.date_of_birth.isoformat(),
            "ssn": person.ssn,
            "email": person.email,
            "phone": phone_as(person, 1),
            "address": person.address_line1,
            "city": person.city,
            "state": person.state,
            "zip": person.postal_code,
        }
        tuples.append("(" + ",".join([str(number)] + [_sql_literal(row[c]) for c in DUMP_COLUMNS]) + ")")
        mentions.append(PersonMention(f"members!row {number}", person, row_elements(row, DUMP_ELEMENTS)))
    for start in range(0, len(tuples), DUMP_ROWS_PER_INSERT):
        lines.append(
            "INSERT INTO `members` VALUES " + ",".join(tuples[start : start + DUMP_ROWS_PER_INSERT]) + ";"
        )
    lines += ["UNLOCK TABLES;", "", "-- Dump completed on 2024-03-01  9:30:00"]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return Doc(batch.named(f"{LAKESIDE_DIR}/db/lhp_members_dump.sql"), data, mentions, format="sqldump")


# ---- Parquet ------------------------------------------------------------------------------


def parquet_files(batch: Batch) -> list[Doc]:
    return [policy_parquet(batch, batch.sample(batch.people(SEGMENT_OCEANVIEW), 0.15, 6))]


def policy_parquet(batch: Batch, people: list[Person]) -> Doc:
    """A warehouse snapshot: typed columns (a date32 birth date, SSN digits as a string)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "policy_id": [batch.member_id(p, "OV") for p in people],
            "insured_first": [p.first_name for p in people],
            "insured_last": [p.last_name for p in people],
            "birth_date": pa.array([p.date_of_birth for p in people], type=pa.date32()),
            "ssn": [ssn_digits(p) for p in people],
            "state": [p.state for p in people],
            "zip": [p.postal_code for p in people],
            "face_amount": [float(batch.rng.randrange(50_000, 1_000_000, 5_000)) for _ in people],
        }
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    mentions = [
        PersonMention(f"row {n}", p, frozenset({"name", "date_of_birth", "ssn"}))
        for n, p in enumerate(people, 1)
    ]
    name = batch.named(f"{OCEANVIEW_DIR}/warehouse/policy_snapshot.parquet")
    return Doc(name, sink.getvalue().to_pybytes(), mentions, format="parquet")


# ---- archives: 7z, and a zip whose password is in the case's passwords file ----------------


def _benefits_table(people: Sequence[Person]) -> TableBuilder:
    table = TableBuilder(
        ["last_name", "first_name", "birth_date", "ssn", "plan"],
        {"last_name": "name", "first_name": "name", "birth_date": "date_of_birth", "ssn": "ssn"},
    )
    for person in people:
        table.add(
            {"last_name": person.last_name, "first_name": person.first_name,
             "birth_date": person.date_of_birth.isoformat(), "ssn": person.ssn, "plan": "PPO-2021"},
            person,
        )  # fmt: skip
    return table


def seven_zip_files(batch: Batch) -> list[Doc]:
    staff = batch.people(SEGMENT_STAFF)
    member = _benefits_table(batch.sample(staff, 0.3, 4)).doc(
        "benefits_2021/enrollment.csv", format="7z-member"
    )
    return [seven_zip_doc(batch.named("hr/archive/benefits_2021.7z"), [member])]


def aba_routing(rng_digits: str) -> str:
    """An ABA routing number: 8 digits and the check digit that makes 3-7-1 weights sum to 0 mod 10."""
    weights = (3, 7, 1, 3, 7, 1, 3, 7)
    total = sum(int(d) * w for d, w in zip(rng_digits, weights, strict=True))
    return rng_digits + str(-total % 10)


def password_zip_files(batch: Batch) -> list[Doc]:
    people = unique_people(batch.sample([p for p in batch.people(SEGMENT_LAKESIDE) if p.is_adult], 0.05, 4))
    table = TableBuilder(
        ["member_name", "dob", "ssn", "refund_routing", "refund_account", "refund_amount"],
        {"member_name": "name", "dob": "date_of_birth", "ssn": "ssn", "refund_account": "financial_account"},
    )
    for person in people:
        table.add(
            {
                "member_name": first_last(person),
                "dob": person.date_of_birth.isoformat(),
                "ssn": person.ssn,
                "refund_routing": aba_routing(
                    f"0{batch.rng.randint(1, 2)}{batch.rng.randint(0, 999999):06d}"
                ),
                "refund_account": str(batch.rng.randint(10**9, 10**12 - 1)),
                "refund_amount": f"{batch.rng.uniform(20, 900):.2f}",
            },
            person,
        )
    member = table.doc("refunds_q4_2023.csv", format="zip-password")
    name = batch.named(f"{LAKESIDE_DIR}/secure/refunds_q4_2023.zip")
    return [encrypted_zip_doc(name, [member], batch.rng, password=REFUNDS_PASSWORD, in_case_file=True)]


def passwords_file_text() -> str:
    """The case's passwords file (one a line), as an investigator would collect them from the client."""
    return "".join(f"{password}\n" for password in CASE_PASSWORDS)
