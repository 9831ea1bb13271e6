"""resolve, probabilistic tier: Splink links, never-merge guards, constrained clustering, keys."""

from __future__ import annotations

import json
import random

import pyarrow as pa
import pytest

from exposure.case.db import open_case
from exposure.resolve import resolve_case
from exposure.resolve.constraints import (
    AMBIGUOUS,
    CHAIN_HELD_APART,
    SSN_TYPO_MERGED,
    Profile,
    cluster_atoms,
    conflict,
    damerau_levenshtein_at_most_one,
    dobs_compatible,
)
from exposure.resolve.keys import nickname_group, soundex, street_key
from exposure.resolve.link import settings_for_dialect, splink_settings
from exposure.resolve.standardize import surname_parts
from test_resolve import CONFIG, SHA, add_element, add_mention, members, persons, sizes

# --- keys -----------------------------------------------------------------------------------------


def test_nickname_groups_from_the_packaged_table_overlap_for_nicknames_only():
    assert set(nickname_group("bill")) & set(nickname_group("william"))
    assert set(nickname_group("peggy")) & set(nickname_group("margaret"))
    assert not set(nickname_group("john")) & set(nickname_group("mary"))
    assert nickname_group("") == []


@pytest.mark.parametrize(
    ("word", "code"), [("robert", "r163"), ("rupert", "r163"), ("ashcraft", "a261"), ("tymczak", "t522"),
                       ("pfister", "p236"), ("lee", "l000"), ("", "")],
)  # fmt: skip
def test_soundex(word, code):
    assert soundex(word) == code


def test_street_key_folds_street_types_directions_and_units():
    assert street_key("123 N. Main Street Apt 4") == street_key("123 NORTH MAIN ST") == "123 n main st"
    assert street_key("9 Elm Rd") != street_key("19 Elm Rd")
    assert street_key("") == ""


def test_surname_parts_of_hyphenated_and_particle_names():
    assert surname_parts("García-López") == ["garcia", "garcialopez", "lopez"]
    assert surname_parts("de la Cruz") == ["cruz", "delacruz"]


def test_damerau_levenshtein_and_dob_compatibility():
    assert damerau_levenshtein_at_most_one("212456789", "212456798")  # swapped neighbours
    assert damerau_levenshtein_at_most_one("212456789", "212456780")
    assert not damerau_levenshtein_at_most_one("212456789", "212456700")
    assert dobs_compatible("1980-03-04", "1980-04-03")  # day/month swap
    assert dobs_compatible("1980-03-04", "1981-03-04")  # one digit
    assert not dobs_compatible("1980-03-04", "2010-03-04")  # parent and child


def test_splink_settings_are_plain_data():
    settings = splink_settings()
    assert json.loads(json.dumps(settings)) == settings  # a Spark run can load the same dict
    names = [c["output_column_name"] for c in settings["comparisons"]]
    assert {"first_name", "last_name", "date_of_birth", "ssn", "member_id"} <= set(names)
    levels = [level for c in settings["comparisons"] for level in c["comparison_levels"]]
    tf_columns = {level.get("tf_adjustment_column") for level in levels}
    assert {"first_std", "last_std"} <= tf_columns
    assert all(" = r." in rule for rule in settings["blocking_rules_to_generate_predictions"])  # equi-joins
    spark = settings_for_dialect(settings, "spark")
    spark_sql = " ".join(lvl["sql_condition"] for c in spark["comparisons"] for lvl in c["comparison_levels"])
    assert "jaro_winkler(" in spark_sql and "ARRAY_INTERSECT(" in spark_sql and "list_" not in spark_sql


# --- guards on profiles ---------------------------------------------------------------------------


def profile(**sets) -> Profile:
    first = sets.pop("first", None)
    if first:
        sets.update(firsts={first}, initials={first[0]}, groups=set(nickname_group(first)))
    return Profile(**{k: set(v) if not isinstance(v, set) else v for k, v in sets.items()})


def test_conflicts_between_profiles():
    jr = profile(first="john", lasts={"smith"}, suffixes={"jr"})
    sr = profile(first="john", lasts={"smith"}, suffixes={"sr"})
    assert conflict(jr, sr) == "suffix"
    twin_a = profile(first="emma", dobs={"2001-03-03"}, lasts={"jones"})
    twin_b = profile(first="olivia", dobs={"2001-03-03"}, lasts={"jones"})
    assert conflict(twin_a, twin_b) == "first_name"
    parent = profile(first="john", dobs={"1960-05-05"}, lasts={"smith"})
    child = profile(first="john", dobs={"1995-08-09"}, lasts={"smith"})
    assert conflict(parent, child) == "date_of_birth"
    bill = profile(first="bill", dobs={"1960-05-05"}, lasts={"smith"})
    assert conflict(parent, bill) is not None  # john and bill are not one name
    william = profile(first="william", dobs={"1960-05-05"}, lasts={"smith"})
    assert conflict(bill, william) is None


def test_one_digit_ssn_typo_needs_same_dob_and_names():
    a = profile(first="jane", lasts={"smith"}, dobs={"1980-01-02"}, ssns={"212456789"}, last4s={"6789"})
    b = profile(first="jane", lasts={"smith"}, dobs={"1980-01-02"}, ssns={"212456798"}, last4s={"6798"})
    assert conflict(a, b) is None
    other_dob = profile(first="jane", lasts={"smith"}, dobs={"1980-01-03"}, ssns={"212456798"})
    assert conflict(a, other_dob) == "ssn"
    two_digits = profile(first="jane", lasts={"smith"}, dobs={"1980-01-02"}, ssns={"212456700"})
    assert conflict(a, two_digits) == "ssn"


def test_clustering_does_not_chain_through_a_conflict():
    profiles = {
        "a": profile(first="john", lasts={"smith"}, dobs={"1960-05-05"}),
        "b": profile(first="john", lasts={"smith"}),
        "c": profile(first="john", lasts={"smith"}, dobs={"1995-08-09"}),
    }
    # b is far more like a than c: it joins a, and c stays apart (flagged)
    result = cluster_atoms([("a", "b", 30.0), ("b", "c", 12.0)], profiles)
    assert result.cluster_of == {"a": "a", "b": "a", "c": "c"}
    assert result.flags.get("c") == CHAIN_HELD_APART
    # as like one as the other: b is ambiguous and joins neither
    result = cluster_atoms([("a", "b", 20.0), ("b", "c", 19.0)], profiles)
    assert len(set(result.cluster_of.values())) == 3
    assert result.flags["b"] == AMBIGUOUS


def test_clustering_is_independent_of_edge_order():
    profiles = {x: profile(first="ann", lasts={"lee"}) for x in "abcde"}
    edges = [("a", "b", 15.0), ("c", "d", 14.0), ("b", "c", 13.0), ("d", "e", 20.0)]
    first = cluster_atoms(edges, profiles)
    for seed in range(3):
        shuffled = edges[:]
        random.Random(seed).shuffle(shuffled)
        assert cluster_atoms(shuffled, profiles).cluster_of == first.cluster_of
    assert set(first.cluster_of.values()) == {"a"}


# --- end to end through resolve_case ---------------------------------------------------------------


def test_nickname_merge_and_formal_name_kept(con):
    add_mention(con, SHA[0], "row 1", full_name="William Smith", date_of_birth="1980-01-02",
                address_line1="1 Main St", postal_code="02134")  # fmt: skip
    add_mention(con, SHA[1], "row 1", full_name="SMITH, BILL", date_of_birth="1980-01-02",
                address_line1="1 MAIN STREET", postal_code="02134-1111")  # fmt: skip
    assert resolve_case(con, CONFIG).linkage == "defaults"  # two records: too few to train on
    (p,) = persons(con)
    assert (p["first_name"], p["source_count"]) == ("William", 2)


def test_day_month_swapped_dob_and_hyphenated_surname_merge(con):
    add_mention(con, SHA[0], "row 1", full_name="Maria Garcia-Lopez", date_of_birth="1980-03-04",
                address_line1="5 Oak Ave", postal_code="73301", phone="+15125550100")  # fmt: skip
    add_mention(con, SHA[1], "row 1", full_name="Maria Lopez", date_of_birth="1980-04-03",
                address_line1="5 Oak Avenue", postal_code="73301", phone="+15125550100")  # fmt: skip
    resolve_case(con, CONFIG)
    assert sizes(con) == [2]


def test_twins_with_the_same_address_and_dob_stay_apart(con):
    for i, first in enumerate(("Emma", "Olivia", "Emma", "Olivia")):
        add_mention(con, SHA[i], "row 1", first_name=first, last_name="Jones", date_of_birth="2010-06-01",
                    address_line1="7 Pine Rd", postal_code="30301", phone="+14045550100")  # fmt: skip
    resolve_case(con, CONFIG)
    assert sizes(con) == [2, 2]
    assert {p["first_name"] for p in persons(con)} == {"Emma", "Olivia"}


def test_jr_sr_and_parent_child_sharing_a_name_stay_apart(con):
    home = {"address_line1": "12 Bay St", "postal_code": "02110", "phone": "+16175550123"}
    add_mention(con, SHA[0], "row 1", full_name="John Smith Jr.", date_of_birth="1990-02-02", **home)
    add_mention(con, SHA[1], "row 1", full_name="John Smith Sr.", date_of_birth="1962-07-07", **home)
    add_mention(con, SHA[2], "row 1", full_name="John Smith", date_of_birth="1990-02-02", **home)  # is Jr.
    add_mention(con, SHA[3], "row 1", full_name="John Smith", date_of_birth="1962-07-07", **home)  # is Sr.
    add_mention(con, SHA[4], "row 1", full_name="John Smith", **home)  # which one? nobody can tell
    resolve_case(con, CONFIG)
    by_dob = {p["date_of_birth"]: p for p in persons(con)}
    assert set(by_dob) == {"1990-02-02", "1962-07-07", None}
    assert by_dob["1990-02-02"]["source_count"] == 2 and by_dob["1990-02-02"]["suffix"] == "Jr."
    assert by_dob["1962-07-07"]["source_count"] == 2 and by_dob["1962-07-07"]["suffix"] == "Sr."
    assert by_dob[None]["needs_review"] is True


def test_parent_and_child_same_name_without_suffix(con):
    home = {"address_line1": "3 Elm Ct", "postal_code": "60601", "email": "smiths@example.com"}
    add_mention(con, SHA[0], "row 1", full_name="Pat Brown", date_of_birth="1970-01-15", **home)
    add_mention(con, SHA[1], "row 1", full_name="Pat Brown", date_of_birth="2008-01-15", **home)
    resolve_case(con, CONFIG)
    assert sizes(con) == [1, 1]


def test_one_digit_ssn_typo_merges_and_is_flagged(con):
    add_mention(con, SHA[0], "row 1", full_name="Jane Q Public", date_of_birth="1975-09-30", ssn="212456789")
    add_mention(con, SHA[1], "row 1", full_name="Jane Public", date_of_birth="1975-09-30", ssn="212-45-6798")
    add_mention(con, SHA[2], "row 1", full_name="Jane Public", date_of_birth="1975-09-30", ssn="212-45-6700")
    resolve_case(con, CONFIG)
    assert sizes(con) == [1, 2]
    merged = next(p for p in persons(con) if p["source_count"] == 2)
    assert merged["needs_review"] is True and SSN_TYPO_MERGED in merged["review_reason"]


def test_member_id_links_compatible_names_but_not_a_dependent(con):
    add_mention(con, SHA[0], "row 1", full_name="Robert King", attributes={"member_id": "XK-1234567"})
    add_mention(con, SHA[1], "row 1", full_name="Bob King", date_of_birth="1955-05-05")
    add_element(con, SHA[1], "row 1", "health_insurance_id", "xk1234567")
    add_mention(con, SHA[2], "row 1", full_name="Alice King", attributes={"member_id": "XK1234567"})
    resolve_case(con, CONFIG)
    assert sizes(con) == [1, 2]
    assert next(p for p in persons(con) if p["source_count"] == 2)["first_name"] == "Robert"


def test_common_contact_values_do_not_make_quadratic_blocks(con):
    # 150 different people behind one switchboard number: blocked out, and none merged
    for i in range(150):
        add_mention(con, SHA[i % 9], f"row {i}", first_name=f"Person{i:03d}", last_name=f"Family{i:03d}",
                    date_of_birth=f"19{50 + i % 40}-01-{1 + i % 28:02d}", phone="+18005550100")  # fmt: skip
    stats = resolve_case(con, CONFIG)
    assert stats.persons == 150


def add_mentions_in_bulk(con, rows: list[tuple[str, str, dict]]) -> None:
    columns = sorted({c for _, _, fields in rows for c in fields})
    table = pa.table({
        "sha256": [r[0] for r in rows], "mention_key": [r[1] for r in rows], "location": [r[1] for r in rows],
        "role": ["individual"] * len(rows), **{c: [r[2].get(c, "") for r in rows] for c in columns},
    })  # fmt: skip
    con.register("bulk_mentions", table)
    con.execute("INSERT INTO mentions BY NAME SELECT * FROM bulk_mentions")
    con.unregister("bulk_mentions")


def _population(rng: random.Random, people: int) -> list[tuple[str, dict]]:
    """People written two or three times with typical variants; truth id first."""
    firsts = [
        "William",
        "Robert",
        "Mary",
        "Linda",
        "James",
        "Patricia",
        "Michael",
        "Jennifer",
        "David",
        "Susan",
        "Richard",
        "Karen",
        "Joseph",
        "Nancy",
        "Thomas",
        "Lisa",
        "Charles",
        "Betty",
        "Daniel",
        "Sandra",
    ]
    lasts = [
        "Smith",
        "Johnson",
        "Brown",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Hernandez",
        "Lopez",
        "Gonzalez",
        "Wilson",
        "Anderson",
        "Thomas",
        "Taylor",
        "Moore",
        "Jackson",
        "Martin",
    ]
    short = {
        "William": "Bill",
        "Robert": "Bob",
        "James": "Jim",
        "Michael": "Mike",
        "Richard": "Rick",
        "Joseph": "Joe",
        "Thomas": "Tom",
        "Daniel": "Dan",
        "Patricia": "Pat",
        "Susan": "Sue",
    }
    rows = []
    for n in range(people):
        first, last = rng.choice(firsts), rng.choice(lasts) + ("" if n % 3 else f"{chr(97 + n % 26)}son")
        dob = f"{rng.randint(1930, 2015)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        zip5 = f"{rng.randint(10000, 99999)}"
        street = f"{rng.randint(1, 9999)} {rng.choice(['Oak', 'Elm', 'Main', 'Pine'])} St"
        base = {
            "first_name": first,
            "last_name": last,
            "date_of_birth": dob,
            "postal_code": zip5,
            "address_line1": street,
        }
        if n % 4 == 0:
            base["ssn"] = f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
        rows.append((f"T{n}", dict(base)))
        variant = dict(base)
        variant.pop("ssn", None)
        kind = n % 5
        if kind == 0 and first in short:
            variant["first_name"] = short[first]
        elif kind == 1:
            variant["date_of_birth"] = dob[:5] + dob[8:10] + "-" + dob[5:7] if int(dob[8:10]) <= 12 else dob
        elif kind == 2:
            variant["last_name"] = last[:-1] + ("x" if last[-1] != "x" else "y")  # a typo
        elif kind == 3:
            variant["address_line1"] = street.replace(" St", " Street")
        rows.append((f"T{n}", variant))
    return rows


@pytest.mark.slow
def test_trained_model_on_a_population_with_variants(tmp_path):
    rng = random.Random(42)
    rows = _population(rng, 1400)  # 2,800 mentions: enough records for EM
    connection = open_case(tmp_path / "case")
    truth = {(SHA[i % 9], f"row {i}"): truth_id for i, (truth_id, _) in enumerate(rows)}
    add_mentions_in_bulk(
        connection, [(sha, key, fields) for (sha, key), (_, fields) in zip(truth, rows, strict=True)]
    )
    stats = resolve_case(connection, CONFIG)
    assert (stats.mentions, stats.linkage) == (2800, "trained")
    clusters = members(connection)
    connection.close()
    truths_of = {pid: {truth[m] for m in ms} for pid, ms in clusters.items()}
    over_merged = [p for p, ts in truths_of.items() if len(ts) > 1]
    persons_per_truth: dict[str, int] = {}
    for ts in truths_of.values():
        for t in ts:
            persons_per_truth[t] = persons_per_truth.get(t, 0) + 1
    split_rate = sum(1 for n in persons_per_truth.values() if n > 1) / len(persons_per_truth)
    assert len(persons_per_truth) == 1400  # recall: everyone is listed
    assert len(over_merged) / len(clusters) <= 0.002, f"{len(over_merged)} persons merge two people"
    assert split_rate <= 0.05, f"split rate {split_rate:.3f}"
