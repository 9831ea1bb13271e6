"""The demo corpus is only useful for scoring if its truth files are right; these tests check them."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import tarfile
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import pyzipper
from stdnum.us import ssn as stdnum_ssn

from exposure.config import load_config
from exposure.demo import ARCHIVE_PASSWORD, BREACH_DATE, FIXTURE_SSNS, DemoCase, generate_demo

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
    raise AssertionError(f"not a container: {name}")


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
                 case.expected_files_path):  # fmt: skip
        assert path.is_file()
        assert path.parent == case.root
        assert case.input_dir not in path.parents
    names = {p.name for p in case.input_dir.rglob("*")}
    assert not {n for n in names if n.startswith(("ground_truth", "expected_files", "case.toml"))}


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
        assert person["last_name"].upper() in line.upper(), (mention, line)


def test_table_rows_carry_the_values_their_elements_claim(case: DemoCase) -> None:
    people = {row["truth_id"]: row for row in read_csv(case.truth_path)}
    for mention in read_csv(case.mentions_path):
        if mention["readable"] != "true" or not mention["location"].startswith("row"):
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
    assert statuses[("failed", "encrypted")] == 1
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
