"""The demo corpus is only useful for scoring if its truth files are right; these tests check them."""

from __future__ import annotations

import csv
import email.message
import gzip
import hashlib
import html
import io
import mailbox
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from email import policy
from email.parser import BytesParser
from pathlib import Path

import py7zr
import pytest
import pyzipper
from stdnum.us import ssn as stdnum_ssn

from exposure.config import load_config
from exposure.demo import ARCHIVE_PASSWORD, BREACH_DATE, FIXTURE_SSNS, DemoCase, generate_demo
from exposure.demo.kinds import CLASSIC_FORMATS, NEW_FORMATS

OCEANVIEW = "Oceanview Life & Annuity"
LAKESIDE = "Lakeside Health Partners"


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> DemoCase:
    return generate_demo(tmp_path_factory.mktemp("demo") / "case")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def container_members(name: str, data: bytes) -> dict[str, bytes | None]:
    """Members of an archive by name; None where the content cannot be read (encrypted, truncated)."""
    if name.endswith(".tar.gz"):
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
    if name.endswith(".zip"):
        try:
            with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
                encrypted = any(info.flag_bits & 0x1 for info in archive.infolist())
                return {n: None if encrypted else archive.read(n) for n in archive.namelist()}
        except (zipfile.BadZipFile, pyzipper.BadZipFile):
            return {}
    if name.endswith(".gz"):
        return {name.rsplit("/", 1)[-1].removesuffix(".gz"): gzip.decompress(data)}
    if name.endswith(".7z"):
        with tempfile.TemporaryDirectory() as folder, py7zr.SevenZipFile(io.BytesIO(data)) as archive:
            archive.extractall(path=folder)
            files = [p for p in Path(folder).rglob("*") if p.is_file()]
            return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}
    if name.endswith(".eml"):
        message = BytesParser(policy=policy.default).parsebytes(data)
        return {part.get_filename(): part.get_content().encode() for part in message.iter_attachments()}
    if name.endswith(".mbox"):
        return {f"message-{n:05d}.eml": m.as_bytes() for n, m in enumerate(mbox_messages(data), 1)}
    raise AssertionError(f"not a container: {name}")


def mbox_messages(data: bytes) -> list[email.message.Message]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "box.mbox"
        path.write_bytes(data)
        box = mailbox.mbox(path)
        try:
            return [BytesParser(policy=policy.default).parsebytes(m.as_bytes()) for m in box]
        finally:
            box.close()


def open_path(case: DemoCase, path: str) -> bytes | None:
    """The bytes behind a files.csv path such as ``a.zip!b/c.zip!d.csv``; None when unreadable."""
    top, *members = path.split("!")
    data: bytes | None = (case.input_dir / top).read_bytes()
    name = top
    for member in members:
        if data is None:
            return None
        found = container_members(name, data)
        if not found:  # a truncated zip: its local headers still carry the member names
            assert member.encode() in data, f"{member} not in {name}"
            return None
        assert member in found, f"{member} not in {name}"
        data, name = found[member], member
    return data


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


# ---- the tree --------------------------------------------------------------------


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    first = generate_demo(tmp_path / "a", seed=11)
    second = generate_demo(tmp_path / "b", seed=11)
    other = generate_demo(tmp_path / "c", seed=12)
    assert tree_digest(first.root) == tree_digest(second.root)
    assert tree_digest(first.root) != tree_digest(other.root)


def test_regenerating_into_the_same_folder_replaces_the_input(tmp_path: Path) -> None:
    generate_demo(tmp_path / "x", seed=3)
    stale = tmp_path / "x" / "input" / "stale.csv"
    stale.write_text("left over\n")
    again = generate_demo(tmp_path / "x", seed=3)
    assert not stale.exists()
    assert tree_digest(again.root) == tree_digest(generate_demo(tmp_path / "y", seed=3).root)


def test_truth_files_sit_beside_the_input_not_inside(case: DemoCase) -> None:
    for path in (case.truth_path, case.mentions_path, case.config_path, case.unreadable_path,
                 case.expected_files_path, case.passwords_path):  # fmt: skip
        assert path.is_file()
        assert path.parent == case.root
        assert case.input_dir not in path.parents
    names = {p.name for p in case.input_dir.rglob("*")}
    assert not {
        n for n in names if n.startswith(("ground_truth", "expected_files", "case.toml", "passwords"))
    }


def test_case_config_has_breach_date_and_two_owners(case: DemoCase) -> None:
    config = load_config(case.config_path)
    assert config.breach_date == BREACH_DATE
    assert [o.name for o in config.owners] == [OCEANVIEW, LAKESIDE]
    assert config.owners_for_path("clients/oceanview/archive/enrollment_2023.zip!enrollment/q1_2023.csv") == [
        OCEANVIEW
    ]


def test_generation_is_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    generate_demo(tmp_path / "speed")
    assert time.perf_counter() - started < 5


def test_scale_knob_adds_files_and_people(tmp_path: Path) -> None:
    small = generate_demo(tmp_path / "one", people=100, files_per_kind=1)
    large = generate_demo(tmp_path / "three", people=100, files_per_kind=3)
    small_files = [p for p in small.input_dir.rglob("*") if p.is_file()]
    large_files = [p for p in large.input_dir.rglob("*") if p.is_file()]
    assert len(large_files) >= 2.5 * len(small_files)
    assert len(read_csv(large.truth_path)) >= 2.5 * len(read_csv(small.truth_path))
    rosters = [p for p in large_files if p.name.startswith("member_roster")]
    assert len(rosters) == 3
    member_ids = [row["member_id"] for path in rosters for row in read_csv(path)]
    fixture_rows = len(rosters)  # each roster keeps its John Doe row
    assert len(set(member_ids)) == len(member_ids) - fixture_rows + 1, "one person, one id"


# ---- every truth row points at something real ---------------------------------------------


def test_every_mention_path_exists_and_its_row_names_the_person(case: DemoCase) -> None:
    people = {row["truth_id"]: row for row in read_csv(case.truth_path) + read_csv(case.unreadable_path)}
    contents: dict[str, list[str] | None] = {}
    for mention in read_csv(case.mentions_path):
        if mention["format"] not in CLASSIC_FORMATS:
            continue  # each other format has its own reader test below
        if mention["path"] not in contents:
            data = open_path(case, mention["path"])
            contents[mention["path"]] = None if data is None else decode(data).splitlines()
        lines = contents[mention["path"]]
        assert (lines is not None) == (mention["readable"] == "true"), mention
        if lines is None:
            continue
        kind, number = mention["location"].split()
        assert kind in ("row", "line")
        line = lines[int(number) - 1]
        person = people[mention["truth_id"]]
        # a maiden name or a misspelt surname: the row still names the person by their first name
        surname_written = mention["variant"] not in ("maiden_name", "surname_typo")
        named_by = person["last_name"] if surname_written else person["first_name"]
        assert named_by.upper() in line.upper(), (mention, line)


def test_table_rows_carry_the_values_their_elements_claim(case: DemoCase) -> None:
    people = {row["truth_id"]: row for row in read_csv(case.truth_path)}
    for mention in read_csv(case.mentions_path):
        if mention["readable"] != "true" or mention["format"] != "csv":
            continue
        line = decode(open_path(case, mention["path"])).splitlines()[int(mention["location"].split()[1]) - 1]
        person, elements = people[mention["truth_id"]], mention["elements"].split(";")
        digits = "".join(ch for ch in line if ch.isdigit())
        assert ("ssn" in elements) == (person["ssn"].replace("-", "") in digits), (mention, line)
        if "email" in elements:
            assert person["email"] in line


def test_expected_files_cover_every_file_on_disk(case: DemoCase) -> None:
    expected = {row["path"]: row for row in read_csv(case.expected_files_path)}
    on_disk = {str(p.relative_to(case.input_dir)) for p in case.input_dir.rglob("*") if p.is_file()}
    assert on_disk <= set(expected)
    for path in expected:
        if "!" in path:
            assert open_path(case, path) is not None
    statuses = Counter((row["expected_status"], row["reason_keyword"]) for row in expected.values())
    assert statuses[("failed", "encrypted")] == 2  # one opens with the case's passwords file
    opened_by_passwords = [
        p for p, row in expected.items() if row["status_with_passwords"] != row["expected_status"]
    ]
    assert opened_by_passwords == ["clients/lakeside/secure/refunds_q4_2023.zip"]
    assert statuses[("failed", "corrupt")] == 1
    assert statuses[("skipped", "empty")] == 1
    assert statuses[("failed", "")] == 1  # the binary blob named .csv
    nested = [p for p in expected if p.count("!") == 2]
    assert nested, "a zip inside a zip"


# ---- the bad inputs are really bad ------------------------------------------------------


def test_encrypted_zip_needs_the_password(case: DemoCase) -> None:
    path = case.input_dir / "clients/oceanview/secure/members_secure.zip"
    with pyzipper.AESZipFile(path) as archive:
        name = archive.namelist()[0]
        with pytest.raises(RuntimeError):
            archive.read(name)
        archive.setpassword(b"wrong")
        with pytest.raises(RuntimeError):
            archive.read(name)
        archive.setpassword(ARCHIVE_PASSWORD.encode())
        assert archive.read(name).startswith(b"member_id,first_name")
    with zipfile.ZipFile(path) as archive, pytest.raises((RuntimeError, NotImplementedError)):
        archive.read(name)


def test_corrupt_blob_and_empty_files(case: DemoCase) -> None:
    corrupt = case.input_dir / "mail_dump/attachments/statements_march.zip"
    assert not zipfile.is_zipfile(corrupt)
    blob = (case.input_dir / "mail_dump/attachments/export_final.csv").read_bytes()
    assert b"\x00" in blob
    with pytest.raises(UnicodeDecodeError):
        blob.decode("utf-8")
    assert (case.input_dir / "exports/empty_export.csv").stat().st_size == 0


def test_identical_copy_in_two_folders(case: DemoCase) -> None:
    first = (case.input_dir / "clients/lakeside/reports/claims_contacts.csv").read_bytes()
    assert first == (case.input_dir / "exports/old/claims_contacts.csv").read_bytes()


# ---- the people --------------------------------------------------------------------------


def test_ssns_are_valid_and_unique_except_the_fixtures(case: DemoCase) -> None:
    rows = read_csv(case.truth_path) + read_csv(case.unreadable_path)
    ssns = [row["ssn"] for row in rows]
    assert len(set(ssns)) == len(ssns)
    assert all(stdnum_ssn.is_valid(s) for s in ssns)
    assert not set(ssns) & FIXTURE_SSNS
    roster = (case.input_dir / "clients/oceanview/members/member_roster.csv").read_text()
    assert "John,Doe,1970-01-01,123-45-6789" in roster
    assert "078-05-1120" in (case.input_dir / "hr/payroll_2023.tsv").read_text()


def test_fixtures_are_not_people(case: DemoCase) -> None:
    names = {(row["first_name"], row["last_name"]) for row in read_csv(case.truth_path)}
    assert ("John", "Doe") not in names
    assert ("Test", "Patient") not in names
    assert "PATIENT, TEST" in (case.input_dir / "clients/lakeside/policies/policyholders.csv").read_text()


def test_minors_twins_and_jr_sr(case: DemoCase) -> None:
    rows = read_csv(case.truth_path)
    minors = [r for r in rows if r["is_minor"] == "true"]
    assert len(minors) >= 20
    assert all(r["date_of_birth"] > "2006-03-15" for r in minors)
    twins = [r for r in rows if "twin" in r["tags"].split(";")]
    assert len(twins) == 2
    assert twins[0]["date_of_birth"] == twins[1]["date_of_birth"]
    assert twins[0]["household_id"] == twins[1]["household_id"]
    assert twins[0]["first_name"] != twins[1]["first_name"]
    juniors = [r for r in rows if r["suffix"] == "Jr"]
    seniors = [r for r in rows if r["suffix"] == "Sr"]
    assert len(juniors) == len(seniors) == 1
    junior, senior = juniors[0], seniors[0]
    assert (junior["first_name"], junior["last_name"]) == (senior["first_name"], senior["last_name"])
    assert junior["date_of_birth"] != senior["date_of_birth"] and junior["ssn"] != senior["ssn"]
    edge = {r["tags"]: r["is_minor"] for r in rows if "turns_18" in r["tags"]}
    assert edge == {"turns_18_on_breach_date": "false", "turns_18_day_after": "true"}


def test_households_share_name_and_address(case: DemoCase) -> None:
    households = defaultdict(list)
    for row in read_csv(case.truth_path):
        households[row["household_id"]].append(row)
    families = [members for members in households.values() if len(members) >= 3]
    assert len(families) >= 10
    for members in families:
        assert len({(m["last_name"], m["address_line1"], m["postal_code"]) for m in members}) == 1
    assert len({row["state"] for row in read_csv(case.truth_path)}) >= 30


def test_truth_elements_and_owners_follow_the_readable_mentions(case: DemoCase) -> None:
    config = load_config(case.config_path)
    elements, owners = defaultdict(set), defaultdict(set)
    for mention in read_csv(case.mentions_path):
        if mention["readable"] == "true":
            elements[mention["truth_id"]] |= set(mention["elements"].split(";"))
            owners[mention["truth_id"]] |= set(config.owners_for_path(mention["path"]))
            if mention["format"] == "x12":  # the owner whose x12_ids the interchange header names
                ids = isa_ids((case.input_dir / mention["path"]).read_bytes())
                owners[mention["truth_id"]] |= {o.name for o in config.owners if ids & set(o.x12_ids)}
    rows = read_csv(case.truth_path)
    assert {r["truth_id"] for r in rows} == set(elements)
    for row in rows:
        assert row["elements"] == ";".join(sorted(elements[row["truth_id"]]))
        assert row["data_owners"] == ";".join(sorted(owners[row["truth_id"]]))
    both = [r for r in rows if r["data_owners"] == f"{LAKESIDE};{OCEANVIEW}"]
    staff_only = [r for r in rows if r["role"] in ("employee", "dependent") and not r["data_owners"]]
    assert both and staff_only
    assert any("ssn" not in r["elements"] for r in rows), "some people are exposed without an SSN"


def test_unreadable_only_people_are_kept_apart(case: DemoCase) -> None:
    unreadable = read_csv(case.unreadable_path)
    assert len(unreadable) >= 4
    readable_ids = {r["truth_id"] for r in read_csv(case.truth_path)}
    assert not readable_ids & {r["truth_id"] for r in unreadable}


def test_mentions_identify_a_person_unless_marked_hard(case: DemoCase) -> None:
    mentions = read_csv(case.mentions_path)
    hard = [m for m in mentions if m["hard"] == "true"]
    assert 3 <= len(hard) <= 20
    identified = {m["truth_id"] for m in mentions if m["hard"] == "false" and m["readable"] == "true"}
    assert {m["truth_id"] for m in hard} <= identified, "a hard mention's person is also found the easy way"
    for mention in mentions:
        elements = set(mention["elements"].split(";"))
        if mention["hard"] == "true":
            assert elements == {"name", "email"}
        else:
            assert "ssn" in elements or {"name", "date_of_birth"} <= elements, mention


def test_masked_ssns_are_not_exposures(case: DemoCase) -> None:
    path = "clients/oceanview/members/eligibility_2024.csv"
    lines = (case.input_dir / path).read_text().splitlines()
    masked = full = 0
    for mention in (m for m in read_csv(case.mentions_path) if m["path"] == path):
        line = lines[int(mention["location"].split()[1]) - 1]
        if "***-**-" in line:
            masked += 1
            assert "ssn" not in mention["elements"].split(";")
        else:
            full += 1
            assert "ssn" in mention["elements"].split(";")
    assert masked and full


def test_same_person_is_written_in_several_spellings(case: DemoCase) -> None:
    per_person = Counter(m["truth_id"] for m in read_csv(case.mentions_path) if m["readable"] == "true")
    assert sum(1 for count in per_person.values() if count >= 2) >= 50
    payroll = (case.input_dir / "hr/payroll_2023.tsv").read_text().splitlines()[2]
    assert ", " in payroll.split("\t")[1]  # LAST, FIRST M


# ---- the formats beyond CSV and text: each read back with a library of its own ----------------


def isa_ids(data: bytes) -> set[str]:
    """ISA06 and ISA08, the sender and receiver of an interchange (fixed positions of the ISA)."""
    isa = data[:106].decode("ascii")
    return {isa[35:50].strip(), isa[54:69].strip()}


def x12_segments(data: bytes) -> list[list[str]]:
    terminator = data[105:106].decode()
    return [s.strip().split("*") for s in data.decode("ascii").split(terminator) if s.strip()]


def x12_loop(segments: list[list[str]], at: int) -> list[list[str]]:
    """The segments of the loop holding segment ``at`` (0-based): from its INS/HL to the next INS/HL/SE."""
    starts = ("INS", "HL")
    start = max(i for i in range(at + 1) if segments[i][0] in starts)
    end = next(i for i in range(at + 1, len(segments)) if segments[i][0] in (*starts, "SE"))
    return segments[start:end]


def copybook_layout(text: str) -> list[tuple[str, int, int, bool]]:
    """(name, offset, length, packed) of each elementary field, from the copybook text alone."""
    fields, offset = [], 0
    for line in text.splitlines():
        code = line[7:72]  # fixed form: 1-6 sequence, 7 indicator, code from column 8
        if line[6:7] == "*" or " PIC " not in f" {code} ":
            continue
        words = code.replace(".", " ").split()
        name, picture = words[1], words[words.index("PIC") + 1]
        digits = sum(int(n) if n else 1 for _, n in re.findall(r"([X9A])(?:\((\d+)\))?", picture))
        packed = "COMP-3" in words
        length = digits // 2 + 1 if packed else digits
        fields.append((name, offset, length, packed))
        offset += length
    return fields


def unpack_comp3(raw: bytes) -> int:
    hexed = raw.hex()
    value = int(hexed[:-1])
    return -value if hexed[-1] in "dD" else value


def sql_tuples(dump: str) -> list[list[str | None]]:
    """The VALUES tuples of the dump's INSERT lines, with MySQL's backslash escapes undone."""
    rows: list[list[str | None]] = []
    for line in dump.splitlines():
        if not line.startswith("INSERT INTO"):
            continue
        text = line[line.index(" VALUES ") + 8 :].rstrip(";")
        i, row, value, quoted = 0, [], "", False
        while i < len(text):
            ch = text[i]
            if quoted:
                if ch == "\\":
                    value += text[i + 1]
                    i += 1
                elif ch == "'":
                    quoted = False
                else:
                    value += ch
            elif ch == "'":
                quoted = True
            elif ch in ",)":
                row.append(None if value == "NULL" else value)
                value = ""
                if ch == ")":
                    rows.append(row)
                    row = []
            elif ch != "(":
                value += ch
            i += 1
    return rows


def dob_spellings(iso: str) -> set[str]:
    year, month, day = iso.split("-")
    return {iso, f"{year}{month}{day}", f"{month}/{day}/{year}", f"{int(month)}/{int(day)}/{year}"}


def ocr_text(image: bytes) -> str:
    """What Tesseract (the Debian binary, called directly) reads in an image."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scan.png"
        path.write_bytes(image)
        result = subprocess.run(
            ["tesseract", str(path), "stdout"], capture_output=True, timeout=120, check=True
        )
    return result.stdout.decode("utf-8")


def record_of(case: DemoCase, mention: dict[str, str], cache: dict) -> tuple[str, str]:
    """(the unit the location points at, everything written about that person there), as text."""
    path, location, fmt = mention["path"], mention["location"], mention["format"]
    if path not in cache:
        cache[path] = open_path(case, path) if "!" in path else (case.input_dir / path).read_bytes()
    data = cache[path]
    if data is None and fmt == "zip-password":
        top, member = path.split("!")
        password = case.passwords_path.read_text().splitlines()
        with pyzipper.AESZipFile(case.input_dir / top) as archive:
            for candidate in password:
                archive.setpassword(candidate.encode())
                try:
                    data = archive.read(member)
                    break
                except RuntimeError:
                    continue
    if fmt in ("dicom", "ncpdp", "tiff", "html", "xml", "rtf", "odt", "pptx"):
        return record_of_document(fmt, location, data)
    number = int(re.search(r"(\d+)\]?$", location).group(1))  # row 3, Members!row 4, $.members[0] ...
    if fmt in ("eml-attachment", "7z-member", "zip-password"):
        line = data.decode("utf-8").splitlines()[number - 1]
        return line, line
    if fmt == "xlsx":
        import openpyxl

        sheet_name, _ = location.split("!")
        sheet = openpyxl.load_workbook(io.BytesIO(data))[sheet_name]
        cells = [sheet.cell(row=number, column=c).value for c in range(1, sheet.max_column + 1)]
        text = " ".join(v.date().isoformat() if hasattr(v, "date") else str(v or "") for v in cells)
        return text, text
    if fmt == "docx":
        import docx

        document = docx.Document(io.BytesIO(data))
        paragraph = document.paragraphs[number - 1].text
        tables = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return paragraph, "\n".join([p.text for p in document.paragraphs] + tables)
    if fmt == "pdf":
        pypdfium2 = pytest.importorskip("pypdfium2")

        pdf = pypdfium2.PdfDocument(data)
        page = pdf[number - 1].get_textpage().get_text_range()
        pdf.close()
        return page, page
    if fmt == "ocr":
        text = ocr_text(data)
        return text, text
    if fmt in ("eml", "mbox"):
        message = BytesParser(policy=policy.default).parsebytes(data)
        body = message.get_body(("plain",)).get_content().splitlines()
        return body[number - 1], "\n".join(body[number - 1 :])
    if fmt == "x12":
        segments = x12_segments(data)
        loop = x12_loop(segments, number - 1)
        return "*".join(segments[number - 1]), "\n".join("*".join(s) for s in loop)
    if fmt == "hl7":
        segment = data.decode("ascii").split("\r")[number - 1]
        return segment, segment
    if fmt == "cobol":
        copybook = (case.input_dir / path).with_suffix(".cpy").read_text()
        layout = copybook_layout(copybook)
        length = sum(f[2] for f in layout)
        raw = data[(number - 1) * length : number * length]
        values = [
            str(unpack_comp3(raw[o : o + n])).zfill(9) if packed else raw[o : o + n].decode("cp037").strip()
            for _, o, n, packed in layout
        ]
        return " ".join(values), " ".join(values)
    if fmt == "sqlite":
        import sqlite3

        with tempfile.TemporaryDirectory() as folder:
            db = Path(folder) / "x.sqlite"
            db.write_bytes(data)
            con = sqlite3.connect(db)
            table = location.split("!")[0]
            row = con.execute(f"SELECT * FROM {table} WHERE rowid = ?", (number,)).fetchone()
            con.close()
        text = " ".join(str(v or "") for v in row)
        return text, text
    if fmt == "json":
        import json

        text = json.dumps(json.loads(data)["members"][number])
        return text, text
    if fmt == "ndjson":
        line = data.decode("utf-8").splitlines()[number - 1]
        return line, line
    if fmt == "sqldump":
        text = " ".join(v or "" for v in sql_tuples(data.decode("utf-8"))[number - 1])
        return text, text
    if fmt == "parquet":
        import pyarrow.parquet as pq

        row = pq.read_table(io.BytesIO(data)).slice(number - 1, 1).to_pylist()[0]
        text = " ".join(str(v) for v in row.values())
        return text, text
    raise AssertionError(f"no test reader for {fmt}")


def record_of_document(fmt: str, location: str, data: bytes) -> tuple[str, str]:
    """``record_of`` for the document formats, each read back with a library the tool does not use for it."""
    digits = re.search(r"(\d+)", location)  # line 7, record 2, page 1, transmission 3 / AM01
    number = int(digits.group(1)) if digits else 1  # "DICOM header": the file is the record
    if fmt == "dicom":
        import pydicom

        ds = pydicom.dcmread(io.BytesIO(data))
        return str(ds.PatientName), f"{ds.PatientName} {ds.PatientID} {ds.PatientBirthDate}"
    if fmt == "ncpdp":
        transmission = data.decode("ascii").split("\n")[number - 1]  # splitlines() would split at 0x1C-0x1E
        segments = re.split("[\x1d\x1e]", transmission)
        patient = next(s for s in segments if s.startswith("AM01"))
        return patient, transmission
    if fmt == "tiff":
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image.seek(number - 1)
            page = io.BytesIO()
            image.save(page, format="PNG")
        text = ocr_text(page.getvalue())
        return text, text
    if fmt == "html":
        line = data.decode("utf-8").splitlines()[number - 1]
        text = html.unescape(re.sub(r"<[^>]+>", " ", line))
        return text, text
    if fmt == "xml":
        from xml.etree import ElementTree

        member = ElementTree.fromstring(data).findall("member")[number - 1]
        text = " ".join(child.text or "" for child in member)
        return text, text
    if fmt == "rtf":
        paragraphs = [line.removesuffix("\\par") for line in data.decode("ascii").splitlines()
                      if line.endswith("\\par")]  # fmt: skip
        return paragraphs[number - 1], "\n".join(paragraphs)
    if fmt == "odt":
        from xml.etree import ElementTree

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("content.xml"))
        paragraphs = [p.text or "" for p in root.iter("{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p")]
        return paragraphs[number - 1], "\n".join(paragraphs)
    if fmt == "pptx":
        from pptx import Presentation

        slide = Presentation(io.BytesIO(data)).slides[0]
        table = next(shape.table for shape in slide.shapes if shape.has_table)
        row_number = int(location.rsplit(" ", 1)[1])  # slide 1 table 1 row N
        row = " | ".join(cell.text for cell in table.rows[row_number - 1].cells)
        return row, row
    raise AssertionError(f"no test reader for {fmt}")


def test_every_new_format_is_in_the_corpus_and_marked(case: DemoCase) -> None:
    formats = Counter(m["format"] for m in read_csv(case.mentions_path))
    assert set(NEW_FORMATS) | {"eml-attachment"} | set(CLASSIC_FORMATS) == set(formats)
    assert all(formats[f] >= 1 for f in NEW_FORMATS)


@pytest.mark.parametrize("fmt", [*NEW_FORMATS, "eml-attachment"])
def test_each_mention_names_its_person_where_the_truth_says(case: DemoCase, fmt: str) -> None:
    """Read with an independent library: the location names the person, and the elements are there."""
    if fmt in ("ocr", "tiff") and shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed")
    people = {row["truth_id"]: row for row in read_csv(case.truth_path) + read_csv(case.unreadable_path)}
    mentions = [m for m in read_csv(case.mentions_path) if m["format"] == fmt]
    assert mentions
    cache: dict = {}
    for mention in mentions:
        person, elements = people[mention["truth_id"]], set(mention["elements"].split(";"))
        named, record = record_of(case, mention, cache)
        assert person["last_name"].upper() in named.upper(), (mention, named)
        ssn_digits = person["ssn"].replace("-", "")
        written = person["ssn"] in record or ssn_digits in "".join(ch for ch in record if ch.isdigit())
        assert ("ssn" in elements) == written, (mention, record)
        assert ("date_of_birth" in elements) == any(
            s in record for s in dob_spellings(person["date_of_birth"])
        )
        if "email" in elements:
            assert person["email"] in record


def test_xlsx_has_a_hidden_sheet_of_people(case: DemoCase) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(case.input_dir / "clients/oceanview/members/group_members_2024.xlsx")
    assert workbook.sheetnames == ["Members", "Terminated"]
    assert workbook["Terminated"].sheet_state == "hidden"
    locations = [m["location"] for m in read_csv(case.mentions_path) if m["format"] == "xlsx"]
    assert any(loc.startswith("Terminated!") for loc in locations)
    assert workbook["Members"]["A3"].value == "Member ID"  # a title banner sits above the header


def test_834_members_carry_ssn_and_ids_and_one_file_is_owned_only_by_its_sender(case: DemoCase) -> None:
    config = load_config(case.config_path)
    mentions = [m for m in read_csv(case.mentions_path) if m["format"] == "x12"]
    files = {m["path"] for m in mentions}
    outside = [p for p in files if not config.owners_for_path(p)]
    assert outside == ["transfers/outbound/BENEFIT_ENROLLMENT_0301.txt"]
    assert "OCEANVIEW01" in isa_ids((case.input_dir / outside[0]).read_bytes())
    truth = {row["truth_id"]: row for row in read_csv(case.truth_path)}
    roles = Counter()
    for mention in mentions:
        segments = x12_segments((case.input_dir / mention["path"]).read_bytes())
        segment = segments[int(mention["location"].split()[1]) - 1]
        assert segment[:2] in (["NM1", "IL"], ["NM1", "QC"])
        roles[mention["role"]] += 1
        if mention["path"] == outside[0]:
            assert "Oceanview Life & Annuity" in truth[mention["truth_id"]]["data_owners"]
        if segments[3][1] == "834":
            assert segment[8] == "34" and segment[9] == truth[mention["truth_id"]]["ssn"].replace("-", "")
            assert "health_insurance_id" in mention["elements"]
    assert roles["subscriber"] and roles["dependent"] and roles["patient"]


def test_837_patient_gets_the_diagnoses_and_providers_are_not_people(case: DemoCase) -> None:
    path = "clients/lakeside/claims/837P_20240301.x12"
    segments = x12_segments((case.input_dir / path).read_bytes())
    mentions = [m for m in read_csv(case.mentions_path) if m["path"] == path]
    dependents = 0
    for mention in mentions:
        at = int(mention["location"].split()[1]) - 1
        loop = x12_loop(segments, at)
        has_claim = any(s[0] == "HI" and s[1].startswith("ABK:") for s in loop)
        assert ("medical_information" in mention["elements"]) == has_claim, mention
        if segments[at][1] == "QC":
            dependents += 1
            assert mention["role"] == "patient" and has_claim
        if segments[at][1] == "IL":
            assert segments[at][8] == "MI" and "health_insurance_id" in mention["elements"]
    assert dependents >= 1
    provider_segments = {i + 1 for i, s in enumerate(segments) if s[:2] in (["NM1", "82"], ["NM1", "85"])}
    assert provider_segments and not provider_segments & {int(m["location"].split()[1]) for m in mentions}


def test_hl7_pid_19_holds_the_patients_ssn_and_next_of_kin_is_a_person(case: DemoCase) -> None:
    truth = {row["truth_id"]: row for row in read_csv(case.truth_path)}
    mentions = [m for m in read_csv(case.mentions_path) if m["format"] == "hl7"]
    segments = (case.input_dir / mentions[0]["path"]).read_bytes().decode("ascii").split("\r")
    for mention in mentions:
        fields = segments[int(mention["location"].split()[1]) - 1].split("|")
        person = truth[mention["truth_id"]]
        if mention["role"] == "patient":
            assert fields[0] == "PID" and fields[19] == person["ssn"]
            assert "^MA" in fields[3] and "^MR" in fields[3]
        else:
            assert mention["role"] == "next_of_kin" and fields[0] == "NK1"
            assert fields[16] == person["date_of_birth"].replace("-", "")
            assert "ssn" not in mention["elements"]


def test_cobol_copybook_describes_fixed_ebcdic_records(case: DemoCase) -> None:
    folder = case.input_dir / "clients/oceanview/mainframe"
    layout = copybook_layout((folder / "MEMBERS.cpy").read_text())
    names = [f[0] for f in layout]
    assert {"PM-LAST-NAME", "PM-FIRST-NAME", "PM-SSN", "PM-BIRTH-DATE"} <= set(names)
    length = sum(f[2] for f in layout)
    data = (folder / "MEMBERS.DAT").read_bytes()
    assert len(data) % length == 0 and b"\n" not in data
    ssn = next(f for f in layout if f[0] == "PM-SSN")
    assert ssn[2] == 5 and ssn[3]  # PIC 9(9) COMP-3: five packed bytes, no text regex finds them
    assert data[:10].decode("cp037").startswith("OV")


def test_password_zip_opens_with_the_passwords_file_beside_the_input(case: DemoCase) -> None:
    assert case.passwords_path.parent == case.root
    passwords = case.passwords_path.read_text().splitlines()
    opened = {}
    for name in (
        "clients/lakeside/secure/refunds_q4_2023.zip",
        "clients/oceanview/secure/members_secure.zip",
    ):
        with pyzipper.AESZipFile(case.input_dir / name) as archive:
            for password in passwords:
                archive.setpassword(password.encode())
                try:
                    opened[name] = archive.read(archive.namelist()[0])
                except RuntimeError:
                    continue
    assert list(opened) == ["clients/lakeside/secure/refunds_q4_2023.zip"]
    mentions = [m for m in read_csv(case.mentions_path) if m["format"] == "zip-password"]
    assert mentions and all(m["needs_password"] == "true" and m["readable"] == "false" for m in mentions)
    assert all("financial_account" in m["elements"] for m in mentions)


def test_office_and_archive_bytes_do_not_depend_on_the_clock(case: DemoCase) -> None:
    letters = sorted((case.input_dir / "clients/oceanview/letters").rglob("*.docx"))
    for path in [case.input_dir / "clients/oceanview/members/group_members_2024.xlsx", letters[0]]:
        with zipfile.ZipFile(path) as archive:
            assert {i.date_time for i in archive.infolist()} == {(2024, 3, 1, 9, 30, 0)}
            core = archive.read("docProps/core.xml").decode()
        stamps = re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core)
        assert stamps and set(stamps) == {"2024-03-01T09:30:00Z"}
    with py7zr.SevenZipFile(case.input_dir / "hr/archive/benefits_2021.7z") as archive:
        assert {i.creationtime.timestamp() for i in archive.list()} == {1709285400}
    pdf = (case.input_dir / "clients/oceanview/letters/confirmations_2024-02.pdf").read_bytes()
    assert time.strftime("D:%Y%m%d").encode() not in pdf


def test_formats_knob_leaves_the_csv_and_text_files_unchanged(tmp_path: Path) -> None:
    everything = generate_demo(tmp_path / "all", people=60, seed=4)
    classic = generate_demo(tmp_path / "classic", people=60, seed=4, formats=())
    only_x12 = generate_demo(tmp_path / "x12", people=60, seed=4, formats=["x12"])
    classic_files = {p.relative_to(classic.input_dir) for p in classic.input_dir.rglob("*") if p.is_file()}
    for relative in classic_files:
        assert (classic.input_dir / relative).read_bytes() == (everything.input_dir / relative).read_bytes()
    assert {m["format"] for m in read_csv(classic.mentions_path)} == set(CLASSIC_FORMATS)
    assert {m["format"] for m in read_csv(only_x12.mentions_path)} == {*CLASSIC_FORMATS, "x12"}
    assert not classic.passwords_path.exists()
    with pytest.raises(ValueError, match="unknown demo formats"):
        generate_demo(tmp_path / "bad", people=60, formats=["xls"])


def test_evaluate_traces_mentions_whose_locations_differ_by_ssn_or_name_and_birth_date(
    case: DemoCase,
) -> None:
    from exposure.demo.evaluate import ToolMention, TruthIndex

    people = {row["truth_id"]: row for row in read_csv(case.truth_path)}
    mentions = read_csv(case.mentions_path)
    index = TruthIndex(mentions, list(people.values()))
    path = "clients/oceanview/edi/OV834_20240301.x12"
    in_file = [people[m["truth_id"]] for m in mentions if m["path"] == path]
    twins = [p for p in in_file if "twin" in p["tags"]]
    assert len(twins) == 2 and len(in_file) > 3
    for person in in_file:
        by_ssn = ToolMention("x", path, "loop 2000 member 7", ssn=person["ssn"].replace("-", ""))
        assert index.trace(by_ssn) == person["truth_id"]
        by_name = ToolMention(
            "x", path, "ST 0001", first_name=person["first_name"].upper(),
            last_name=person["last_name"].upper(), date_of_birth=person["date_of_birth"],
        )  # fmt: skip
        assert index.trace(by_name) == person["truth_id"]
    a_twin = twins[0]
    no_first_name = ToolMention(
        "x", path, "?", last_name=a_twin["last_name"], date_of_birth=a_twin["date_of_birth"]
    )
    assert index.trace(no_first_name) is None  # twins share last name and birthday: no guessing
    elsewhere = ToolMention("x", "exports/crm_events.ndjson", "?", ssn=a_twin["ssn"])
    assert index.trace(elsewhere) is None  # only the individuals written in that file are candidates


def test_document_formats_are_sniffed_as_the_tool_reads_them(case: DemoCase) -> None:
    from exposure.inventory import detect_type

    expected = {"html": "html", "xml": "xml", "rtf": "rtf", "odt": "odt", "pptx": "pptx", "tiff": "tiff",
                "dicom": "dicom", "ncpdp": "ncpdp"}  # fmt: skip
    paths = {(m["path"], m["format"]) for m in read_csv(case.mentions_path) if m["format"] in expected}
    assert {fmt for _, fmt in paths} == set(expected)
    for path, fmt in paths:
        assert detect_type(case.input_dir / path) == expected[fmt], path


def test_odt_ncpdp_and_tiff_follow_their_formats(case: DemoCase) -> None:
    from PIL import Image

    mentions = read_csv(case.mentions_path)
    odt = next(m["path"] for m in mentions if m["format"] == "odt")
    with zipfile.ZipFile(case.input_dir / odt) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert {i.date_time for i in archive.infolist()} == {(2024, 3, 1, 9, 30, 0)}
    ncpdp = next(m["path"] for m in mentions if m["format"] == "ncpdp")
    for transmission in (case.input_dir / ncpdp).read_bytes().split(b"\n")[:-1]:
        header, _, rest = transmission.partition(b"\x1e")
        assert len(header) == 56 and header[6:10] == b"D0B1"
        fields = dict((f[:2], f[2:]) for f in rest.split(b"\x1e")[0].split(b"\x1c")[1:])
        assert fields[b"CX"] == b"01" and len(fields[b"CY"]) == 9 and b"\x1cE103\x1cD7" in rest
    tiff = next(m["path"] for m in mentions if m["format"] == "tiff")
    with Image.open(case.input_dir / tiff) as image:
        assert image.n_frames == 2 == sum(1 for m in mentions if m["path"] == tiff)


# ---- ODS and XLSM workbooks, read back without calamine ---------------------------------------------

_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def ods_sheets(data: bytes) -> dict[str, list[list[str]]]:
    """Every table of an ODS package as rows of cell text, repeated rows and cells expanded."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.infolist()[0].filename == "mimetype"
        root = ElementTree.fromstring(archive.read("content.xml"))
    sheets: dict[str, list[list[str]]] = {}
    for table in root.iter(f"{_ODS_TABLE}table"):
        rows: list[list[str]] = []
        for row in table.iter(f"{_ODS_TABLE}table-row"):
            cells: list[str] = []
            for cell in row.iter(f"{_ODS_TABLE}table-cell"):
                text = "\n".join("".join(p.itertext()) for p in cell.iter(f"{_ODS_TEXT}p"))
                cells += [text] * int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
            rows += [cells] * int(row.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
        sheets[table.get(f"{_ODS_TABLE}name")] = rows
    return sheets


def spreadsheet_record(fmt: str, location: str, data: bytes) -> tuple[str, str]:
    """``record_of`` for ODS (zipfile and ElementTree) and XLSM (openpyxl): the row ``Sheet!row N``."""
    sheet_name, _, row = location.partition("!row ")
    number = int(row)
    if fmt == "ods":
        cells = ods_sheets(data)[sheet_name][number - 1]
        text = " ".join(cells)
        return text, text
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(data))[sheet_name]
    values = [sheet.cell(row=number, column=c).value for c in range(1, sheet.max_column + 1)]
    text = " ".join(v.date().isoformat() if hasattr(v, "date") else str(v or "") for v in values)
    return text, text


_record_of_other_formats = record_of


def record_of(case: DemoCase, mention: dict[str, str], cache: dict) -> tuple[str, str]:
    """``record_of`` with the ODS and XLSM readers: the shared parametrized test looks it up here."""
    if mention["format"] not in ("ods", "xlsm"):
        return _record_of_other_formats(case, mention, cache)
    path = mention["path"]
    if path not in cache:
        cache[path] = (case.input_dir / path).read_bytes()
    return spreadsheet_record(mention["format"], mention["location"], cache[path])


def test_ods_sheets_rows_and_truth_locations_agree(case: DemoCase) -> None:
    mentions = [m for m in read_csv(case.mentions_path) if m["format"] == "ods"]
    paths = {m["path"] for m in mentions}
    assert len(paths) == 1 and next(iter(paths)).endswith(".ods")
    data = (case.input_dir / next(iter(paths))).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        first = archive.infolist()[0]
        assert archive.read(first) == b"application/vnd.oasis.opendocument.spreadsheet"
        assert first.compress_type == zipfile.ZIP_STORED
        assert {i.date_time for i in archive.infolist()} == {(2024, 3, 1, 9, 30, 0)}
    sheets = ods_sheets(data)
    assert list(sheets) == ["Members", "Dependents"]
    header = sheets["Members"][1]
    assert header[:3] == ["Member ID", "Last Name", "First Name"] and header[-1] == "Email"
    assert {m["location"].split("!")[0] for m in mentions} == {"Members", "Dependents"}
    people = {row["truth_id"]: row for row in read_csv(case.truth_path)}
    for mention in mentions:
        sheet, _, row = mention["location"].partition("!row ")
        cells = sheets[sheet][int(row) - 1]
        assert people[mention["truth_id"]]["ssn"] in cells
        if sheet == "Members":  # columns line up after the repeated empty cells
            assert cells[header.index("Last Name")] == people[mention["truth_id"]]["last_name"]
    member_rows = [
        int(m["location"].rsplit(" ", 1)[1]) for m in mentions if m["location"].startswith("Members")
    ]
    assert any(b - a > 1 for a, b in zip(member_rows, member_rows[1:], strict=False))  # the blank gap


def test_xlsm_is_macro_enabled_and_its_rows_name_the_people(case: DemoCase) -> None:
    import openpyxl

    mentions = [m for m in read_csv(case.mentions_path) if m["format"] == "xlsm"]
    (path,) = {m["path"] for m in mentions}
    assert path.endswith(".xlsm")
    with zipfile.ZipFile(case.input_dir / path) as archive:
        types = archive.read("[Content_Types].xml")
        assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in types
        assert b"spreadsheetml.sheet.main+xml" not in types
        assert {i.date_time for i in archive.infolist()} == {(2024, 3, 1, 9, 30, 0)}
    workbook = openpyxl.load_workbook(case.input_dir / path)
    assert workbook.sheetnames == ["Enrollment", "Plans"]
    people = {row["truth_id"]: row for row in read_csv(case.truth_path)}
    sheet = workbook["Enrollment"]
    for mention in mentions:
        number = int(mention["location"].removeprefix("Enrollment!row "))
        assert sheet.cell(row=number, column=3).value == people[mention["truth_id"]]["ssn"]
