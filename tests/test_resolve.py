"""resolve: standardising names, clustering mentions into people, and picking best values."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from exposure.case.db import open_case
from exposure.config import CaseConfig, Owner, ValueRule
from exposure.resolve import ResolveStats, resolve_case
from exposure.resolve.standardize import parse_name, standard_state

SHA = [f"{i:x}" * 64 for i in range(1, 10)]  # nine distinct fake content hashes
BREACH = dt.date(2023, 11, 1)

_MENTION_FIELDS = (
    "location", "role", "full_name", "first_name", "middle_name", "last_name", "suffix", "date_of_birth",
    "ssn", "ssn_last4", "address_line1", "address_line2", "city", "state", "postal_code", "email", "phone",
    "attributes", "needs_review",
)  # fmt: skip


def add_mention(con, sha256: str, key: str, **fields) -> None:
    values = {"location": key, "role": "individual", "needs_review": False, **fields}
    if isinstance(values.get("attributes"), dict):
        values["attributes"] = json.dumps(values["attributes"])
    columns = ["sha256", "mention_key", *(f for f in _MENTION_FIELDS if f in values)]
    params = [sha256, key, *(values[f] for f in _MENTION_FIELDS if f in values)]
    con.execute(
        f"INSERT INTO mentions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", params
    )


def add_element(con, sha256: str, key: str, code: str, value: str = "x", needs_review: bool = False) -> None:
    con.execute(
        "INSERT INTO elements VALUES (?, ?, ?, ?, ?, -1, '', 1.0, 'test', ?)",
        [sha256, key, code, value, key, needs_review],
    )


def add_path(con, path: str, sha256: str | None, status: str = "pending", reason: str = "",
             root: str = "/input", type_: str = "csv", size: int = 10) -> None:  # fmt: skip
    parent = path.rsplit("!", 1)[0] if "!" in path else ""
    con.execute(
        "INSERT INTO paths VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
        [root, path, parent, path.count("!"), sha256, size, type_, status, reason],
    )


def add_blob(con, sha256: str, status: str = "processed", reason: str = "", type_: str = "csv") -> None:
    con.execute(
        "INSERT INTO blobs (sha256, size, type, status, reason) VALUES (?, 10, ?, ?, ?)",
        [sha256, type_, status, reason],
    )


def persons(con) -> list[dict]:
    cursor = con.execute("SELECT * FROM persons ORDER BY last_name, first_name, suffix, person_id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def members(con) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for person_id, sha256, key in con.execute("SELECT * FROM person_mentions").fetchall():
        out.setdefault(person_id, set()).add((sha256, key))
    return out


def sizes(con) -> list[int]:
    return sorted(len(m) for m in members(con).values())


CONFIG = CaseConfig(name="Test case", breach_date=BREACH)


# --- standardise -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"full_name": "SMITH, JANE A"}, ("Jane", "A", "Smith", "", "Jane A. Smith")),
        ({"full_name": "Jane A. Smith Jr."}, ("Jane", "A", "Smith", "Jr.", "Jane A. Smith Jr.")),
        ({"full_name": "Smith Jr., John"}, ("John", "", "Smith", "Jr.", "John Smith Jr.")),
        ({"full_name": "John Smith, III"}, ("John", "", "Smith", "III", "John Smith III")),
        ({"full_name": "DR. JOHN O'BRIEN SR"}, ("John", "", "O'Brien", "Sr.", "John O'Brien Sr.")),
        ({"full_name": "Maria de la Cruz"}, ("Maria", "", "de la Cruz", "", "Maria de la Cruz")),
        ({"full_name": "ZOË McDONALD"}, ("Zoë", "", "Mcdonald", "", "Zoë Mcdonald")),
        ({"first": "Jane A", "last": "SMITH"}, ("Jane", "A", "Smith", "", "Jane A. Smith")),
        ({"first": "jane", "middle": "ann", "last": "smith ii"},
         ("Jane", "Ann", "Smith", "II", "Jane Ann Smith II")),
        ({"first": "John", "last": "McDonald", "suffix": "junior"},
         ("John", "", "McDonald", "Jr.", "John McDonald Jr.")),
    ],
)  # fmt: skip
def test_parse_name_display_parts(fields, expected):
    parts = parse_name(**fields)
    assert (parts.first, parts.middle, parts.last, parts.suffix, parts.display) == expected


def test_parse_name_matching_keys_fold_case_accents_and_punctuation():
    a = parse_name(full_name="GARCÍA-LÓPEZ, JOSÉ")
    b = parse_name(first="Jose", last="Garcia Lopez")
    assert (a.first_std, a.last_std) == (b.first_std, b.last_std) == ("jose", "garcialopez")
    assert parse_name(full_name="Jane Smith Jr").suffix_std == "jr"
    assert parse_name(full_name="Jane Smith Junior").suffix_std == "jr"


def test_standard_state():
    assert standard_state("ma") == "MA"
    assert standard_state(" New York ") == "NY"
    assert standard_state("Atlantis") == ""
    assert standard_state(None) == ""


# --- clustering ---------------------------------------------------------------------------------


def test_same_ssn_with_different_spellings_is_one_person(con):
    add_mention(con, SHA[0], "row 1", full_name="SMITH, JANE A", ssn="212-45-6789")
    add_mention(con, SHA[1], "row 7", first_name="Jayne", last_name="Smyth", ssn="212456789")
    stats = resolve_case(con, CONFIG)
    assert stats == ResolveStats(mentions=2, persons=1, needs_review=0)
    (person,) = persons(con)
    assert person["source_count"] == 2
    assert person["ssn_last4"] == "6789"


def test_same_name_and_dob_is_one_person(con):
    add_mention(con, SHA[0], "row 1", full_name="Smith, Jane", date_of_birth="1980-01-02")
    add_mention(con, SHA[1], "row 2", first_name="JANE", last_name="SMITH", date_of_birth="01/02/1980")
    add_mention(con, SHA[2], "row 3", full_name="Jane Smith", date_of_birth="1980-01-03")  # other DOB
    resolve_case(con, CONFIG)
    groups = sorted(len(m) for m in members(con).values())
    assert groups == [1, 2]


def test_name_and_dob_join_the_single_ssn_that_shares_them(con):
    add_mention(con, SHA[0], "row 1", full_name="Jane Smith", date_of_birth="1980-01-02", ssn="212456789")
    add_mention(con, SHA[1], "row 1", full_name="Jane Smith", date_of_birth="1980-01-02")
    stats = resolve_case(con, CONFIG)
    assert (stats.persons, stats.needs_review) == (1, 0)


def test_different_ssns_with_same_name_and_dob_never_merge_and_are_flagged(con):
    add_mention(con, SHA[0], "row 1", full_name="John Smith", date_of_birth="1970-05-05", ssn="212-45-6789")
    add_mention(con, SHA[1], "row 1", full_name="John Smith", date_of_birth="1970-05-05", ssn="212-45-6790")
    add_mention(con, SHA[2], "row 1", full_name="John Smith", date_of_birth="1970-05-05")  # which one?
    stats = resolve_case(con, CONFIG)
    assert stats.persons == 3
    assert stats.needs_review == 3
    by_last4 = {p["ssn_last4"]: p for p in persons(con)}
    assert set(by_last4) == {"6789", "6790", None}
    assert "different SSN" in by_last4["6789"]["review_reason"]
    assert "different SSNs" in by_last4[None]["review_reason"]


def test_ssn_last4_hint_that_disagrees_blocks_a_name_and_dob_merge(con):
    add_mention(con, SHA[0], "row 1", full_name="John Smith", date_of_birth="1970-05-05", ssn="212-45-6789")
    add_mention(con, SHA[1], "row 1", full_name="John Smith", date_of_birth="1970-05-05", ssn_last4="1111")
    stats = resolve_case(con, CONFIG)
    assert stats.persons == 2
    assert stats.needs_review == 1


def test_jr_and_sr_never_merge(con):
    add_mention(con, SHA[0], "row 1", full_name="John Smith Jr.", date_of_birth="1990-01-01")
    add_mention(con, SHA[0], "row 2", full_name="John Smith Sr.", date_of_birth="1990-01-01")
    add_mention(con, SHA[1], "row 1", full_name="SMITH, JOHN JR", date_of_birth="1990-01-01")
    resolve_case(con, CONFIG)
    suffixes = {p["suffix"]: p["source_count"] for p in persons(con)}
    assert suffixes == {"Jr.": 2, "Sr.": 1}


def test_twins_with_different_middle_initials_stay_apart(con):
    add_mention(con, SHA[0], "row 1", full_name="Mary A. Jones", date_of_birth="2001-03-03")
    add_mention(con, SHA[0], "row 2", full_name="Mary B. Jones", date_of_birth="2001-03-03")
    add_mention(con, SHA[1], "row 1", full_name="Mary Jones", date_of_birth="2001-03-03")  # ambiguous
    add_mention(con, SHA[1], "row 2", full_name="Mary Ann Jones", date_of_birth="2001-03-03")  # is Mary A.
    stats = resolve_case(con, CONFIG)
    assert stats.persons == 3
    flagged = [p for p in persons(con) if p["needs_review"]]
    assert len(flagged) == 1 and flagged[0]["middle_name"] == ""


def test_middle_initial_is_taken_when_it_is_the_only_one(con):
    add_mention(con, SHA[0], "row 1", full_name="Mary A. Jones", date_of_birth="2001-03-03")
    add_mention(con, SHA[1], "row 1", full_name="Mary Jones", date_of_birth="2001-03-03")
    assert resolve_case(con, CONFIG).persons == 1


def test_name_and_email_only_mention_joins_the_one_matching_person(con):
    add_mention(con, SHA[0], "row 1", full_name="Jane Smith", date_of_birth="1980-01-02", ssn="212456789",
                email="Jane@Example.com")  # fmt: skip
    add_mention(con, SHA[1], "msg 1", full_name="jane smith", email="jane@example.com")
    add_mention(con, SHA[1], "msg 2", full_name="Jane Smith", phone="+1 617 555 0100")  # no match
    stats = resolve_case(con, CONFIG)
    assert stats.persons == 2
    groups = {len(m): pid for pid, m in members(con).items()}
    flagged = {p["person_id"]: p["needs_review"] for p in persons(con)}
    assert flagged[groups[2]] is False
    assert flagged[groups[1]] is True


def test_name_and_email_matching_two_people_is_its_own_flagged_person(con):
    add_mention(con, SHA[0], "row 1", full_name="Sam Lee", date_of_birth="1980-01-02", email="sam@x.org")
    add_mention(con, SHA[0], "row 2", full_name="Sam Lee", date_of_birth="1999-09-09", email="sam@x.org")
    add_mention(con, SHA[1], "msg 1", full_name="Sam Lee", email="sam@x.org")
    add_mention(con, SHA[2], "msg 1", full_name="Sam Lee", email="SAM@x.org")  # same weak person
    stats = resolve_case(con, CONFIG)
    assert stats.persons == 3
    weak = [p for p in persons(con) if p["date_of_birth"] is None]
    assert len(weak) == 1 and weak[0]["needs_review"] and weak[0]["source_count"] == 2
    assert "several people" in weak[0]["review_reason"]


def test_a_mention_with_no_name_or_identifier_is_still_a_person_for_review(con):
    add_mention(con, SHA[0], "row 1", address_line1="5 Oak Ave", city="Austin", state="TX")
    add_element(con, SHA[0], "row 1", "financial_account")
    assert resolve_case(con, CONFIG) == ResolveStats(mentions=1, persons=1, needs_review=1)
    (p,) = persons(con)
    assert (p["elements"], p["state"], p["full_name"]) == ("financial_account", "TX", None)


def test_an_empty_case_resolves_to_no_one(con):
    assert resolve_case(con, CONFIG) == ResolveStats(mentions=0, persons=0, needs_review=0)


def test_published_ssn_does_not_link_people(con):
    add_mention(con, SHA[0], "row 1", full_name="Ann Able", date_of_birth="1960-01-01", ssn="078-05-1120")
    add_mention(con, SHA[1], "row 1", full_name="Bob Baker", date_of_birth="1961-01-01", ssn="078-05-1120")
    assert resolve_case(con, CONFIG).persons == 2


def test_providers_are_not_individuals(con):
    add_mention(con, SHA[0], "row 1", full_name="Jane Smith", date_of_birth="1980-01-02")
    add_mention(con, SHA[0], "row 1/provider", role="provider", full_name="Dr. Who")
    assert resolve_case(con, CONFIG).persons == 1


def test_person_ids_are_stable_whatever_the_insertion_order(tmp_path):
    rows = [
        (SHA[0], "row 1", {"full_name": "Smith, Jane", "date_of_birth": "1980-01-02", "ssn": "212456789"}),
        (SHA[1], "row 4", {"full_name": "Jane Smith", "date_of_birth": "1980-01-02"}),
        (SHA[2], "row 2", {"full_name": "Jane Smith", "email": "j@x.com"}),
        (SHA[3], "row 9", {"full_name": "Bo Li", "date_of_birth": "1975-12-31"}),
        (SHA[4], "row 1", {"full_name": "Bo Li", "phone": "6175550100"}),
        (SHA[5], "row 3", {"full_name": "Al Xu", "ssn": "212456780"}),
        (SHA[6], "row 1", {"full_name": "Al Xu", "ssn": "212456781", "date_of_birth": "1950-01-01"}),
    ]
    results = []
    for seed in range(4):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        connection = open_case(tmp_path / f"case{seed}")
        for sha256, key, fields in shuffled:
            add_mention(connection, sha256, key, **fields)
        resolve_case(connection, CONFIG)
        results.append((persons(connection), members(connection)))
        resolve_case(connection, CONFIG)  # a re-run rewrites the same rows
        assert (persons(connection), members(connection)) == results[-1]
        connection.close()
    assert all(r == results[0] for r in results)
    ids = [p["person_id"] for p in results[0][0]]
    assert all(len(i) == 13 and i.startswith("P") for i in ids)


# --- best values --------------------------------------------------------------------------------


def test_best_values(con):
    ssn = "212-45-6789"
    add_mention(con, SHA[0], "row 1", full_name="SMITH, JANE", ssn=ssn, date_of_birth="1980-01-02",
                address_line1="1 Main St", city="Boston", state="MA", postal_code="02134",
                email="jane@x.com", phone="+16175550100")  # fmt: skip
    add_mention(con, SHA[1], "row 1", first_name="Jane", middle_name="Ann", last_name="Smith", suffix="Jr",
                ssn=ssn, date_of_birth="1980-01-02", address_line1="9 Elm Rd", address_line2="Apt 2",
                city="Salem", state="Massachusetts", postal_code="01970-1234",
                email="jane@x.com")  # fmt: skip
    add_mention(con, SHA[2], "row 1", full_name="Jane Smith", ssn=ssn, date_of_birth="1980-02-01",
                address_line1="9 ELM RD", address_line2="apt 2", city="SALEM", state="ma",
                postal_code="01970", email="other@x.com", phone="+16175550100")  # fmt: skip
    add_element(con, SHA[0], "row 1", "ssn")
    add_element(con, SHA[1], "row 1", "date_of_birth")
    add_element(con, SHA[2], "row 1", "health_insurance_id")
    add_element(con, SHA[2], "", "payment_card")  # tied to no person
    resolve_case(con, CONFIG)
    (p,) = persons(con)
    assert (p["first_name"], p["middle_name"], p["last_name"], p["suffix"]) == ("Jane", "Ann", "Smith", "Jr.")
    assert p["full_name"] == "Jane Ann Smith Jr."
    assert p["date_of_birth"] == "1980-01-02"
    # the most frequent address, all fields from one mention
    assert (p["address_line1"], p["address_line2"], p["city"], p["state"], p["postal_code"]) == (
        "9 Elm Rd", "Apt 2", "Salem", "MA", "01970-1234",
    )  # fmt: skip
    assert p["email"] == "jane@x.com"
    assert p["phone"] == "+16175550100"
    assert p["elements"] == "date_of_birth;health_insurance_id;name;ssn"
    assert p["source_count"] == 3
    assert p["ssn_last4"] == "6789"
    assert p["data_owners"] == ""
    # one mention's DOB disagrees with the others under the same SSN: kept together, but flagged
    assert p["needs_review"] is True
    assert p["review_reason"] == "same SSN seen with different dates of birth"


def test_needs_review_from_a_flagged_detection(con):
    add_mention(con, SHA[0], "row 1", full_name="Jane Smith", date_of_birth="1980-01-02")
    add_element(con, SHA[0], "row 1", "medical_information", needs_review=True)
    resolve_case(con, CONFIG)
    (p,) = persons(con)
    assert p["needs_review"] is True and "review" in p["review_reason"]


@pytest.mark.parametrize(
    ("dob", "breach", "minor"),
    [
        ("2006-01-01", BREACH, True),
        ("2005-11-01", BREACH, False),  # 18th birthday on the breach date
        ("2005-11-02", BREACH, True),
        ("2006-01-01", None, False),
        ("", BREACH, False),
    ],
)
def test_is_minor_at_breach_date(con, dob, breach, minor):
    add_mention(con, SHA[0], "row 1", full_name="Kid Smith", date_of_birth=dob, email="kid@x.com")
    resolve_case(con, CaseConfig(breach_date=breach))
    assert persons(con)[0]["is_minor"] is minor


def test_owners_by_path_glob_including_archive_members_and_by_value_rule(con):
    config = CaseConfig(
        breach_date=BREACH,
        owners=(
            Owner("Oceanview", paths=("clients/oceanview/**",)),
            Owner("Harbor", paths=("clients/harbor/*.csv",)),
            Owner("Sponsor Co", values=ValueRule(column="plan_sponsor", equals="SPONSOR")),
        ),
    )
    add_path(con, "clients/oceanview/batch.zip", SHA[8], status="processed", type_="zip")
    add_path(con, "clients/oceanview/batch.zip!inner/members.csv", SHA[0])
    add_path(con, "clients/harbor/list.csv", SHA[1])
    add_path(con, "shared/copy_of_list.csv", SHA[1])  # the same content at a second place
    add_path(con, "misc/notes.txt", SHA[2])
    add_mention(con, SHA[0], "row 1", full_name="Ann Able", date_of_birth="1960-01-01")
    add_mention(con, SHA[1], "row 1", full_name="Ann Able", date_of_birth="1960-01-01")
    add_mention(con, SHA[1], "row 2", full_name="Bob Baker", date_of_birth="1961-01-01",
                attributes={"plan_sponsor": " sponsor "})  # fmt: skip
    add_mention(con, SHA[2], "line 3", full_name="Cy Cole", date_of_birth="1962-01-01")
    resolve_case(con, config)
    owners = {p["last_name"]: p["data_owners"] for p in persons(con)}
    assert owners == {"Able": "Harbor;Oceanview", "Baker": "Harbor;Sponsor Co", "Cole": ""}


def test_owners_by_x12_trading_partner_ids(con):
    config = CaseConfig(
        breach_date=BREACH,
        owners=(Owner("Oceanview", x12_ids=("OCEANVIEW01",)), Owner("Lakeside", x12_ids=("LAKESIDE",))),
    )
    add_path(con, "edi/in/enroll.834", SHA[0])
    add_mention(con, SHA[0], "segment 12", full_name="Ann Able", date_of_birth="1960-01-01",
                attributes={"x12_sender": "oceanview01 ", "x12_receiver": "HARBORLINE"})  # fmt: skip
    add_mention(con, SHA[0], "segment 30", full_name="Bob Baker", date_of_birth="1961-01-01",
                attributes={"x12_sender": "HARBORLINE", "x12_receiver": "LAKESIDE"})  # fmt: skip
    add_mention(con, SHA[0], "segment 50", full_name="Cy Cole", date_of_birth="1962-01-01",
                attributes={"x12_sender": "OTHER", "x12_receiver": "HARBORLINE"})  # fmt: skip
    add_mention(con, SHA[0], "segment 70", full_name="Di Dunn", date_of_birth="1963-01-01",
                attributes={"x12_sender": "OTHER", "x12_gs_sender": "OceanView01"})  # fmt: skip
    resolve_case(con, config)
    owners = {p["last_name"]: p["data_owners"] for p in persons(con)}
    assert owners == {"Able": "Oceanview", "Baker": "Lakeside", "Cole": "", "Dunn": "Oceanview"}
