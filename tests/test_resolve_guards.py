"""resolve, never-merge guards: a slip is not a different person when the evidence is strong; relatives are.

FEBRL's true pairs disagree on first names by typos, truncations and fields swapped with a typo
(merged here when an SSN or member id, or a very strong match at the same address, says one
person), and by whole replacements (never merged: they look exactly like a twin or a parent).
"""

from __future__ import annotations

from exposure.resolve import resolve_case
from exposure.resolve.constraints import (
    STRONG_WEIGHT,
    Profile,
    cluster_atoms,
    conflict,
    damerau_levenshtein_at_most_two,
    dob_slip,
    firsts_slip,
)
from exposure.resolve.keys import is_known_given_name, nickname_group
from test_resolve import CONFIG, SHA, add_mention, persons, sizes


def profile(first: str = "", **sets) -> Profile:
    if first:
        sets.update(firsts={first}, initials={first[0]}, groups=set(nickname_group(first)))
    return Profile(**{k: set(v) for k, v in sets.items()})


HOME = {"places": {"7 pine rd|30301"}}


# --- units -------------------------------------------------------------------------------------------


def test_damerau_levenshtein_at_most_two():
    assert damerau_levenshtein_at_most_two("isabelle", "isabeel")
    assert damerau_levenshtein_at_most_two("wiloiam", "willaim")
    assert damerau_levenshtein_at_most_two("abcd", "badc")  # two swaps
    assert not damerau_levenshtein_at_most_two("connor", "olivia")
    assert not damerau_levenshtein_at_most_two("ann", "annabel")


def test_known_given_names_tell_a_real_name_from_a_slip():
    assert all(is_known_given_name(n) for n in ("emma", "ella", "ann", "anna", "william", "bill"))
    assert not any(is_known_given_name(n) for n in ("haryley", "tohmas", "isabeel", "soph"))


def test_first_name_slips_but_never_two_real_names():
    assert firsts_slip(profile("isabeel", lasts={"nguyen"}), profile("isabelle", lasts={"nguyen"}))
    assert firsts_slip(profile("soph", lasts={"nicolle"}), profile("sophie", lasts={"nicolle"}))
    # first and last name the other way round, the surname mistyped
    assert firsts_slip(profile("masno", lasts={"madeline"}), profile("madeline", lasts={"mason"}))
    assert not firsts_slip(profile("emma", lasts={"jones"}), profile("ella", lasts={"jones"}))
    assert not firsts_slip(profile("connor", lasts={"shepherd"}), profile("olivia", lasts={"shepherd"}))


def test_dob_slip_is_close_in_years_only():
    assert dob_slip("1964-03-11", "1964-01-31")
    assert dob_slip("1997-11-14", "1994-11-15")
    assert not dob_slip("1923-10-30", "1985-10-30")  # parent and child born on the same day of the year
    assert not dob_slip("1960-05-05", "1995-08-09")


def test_a_first_name_slip_needs_strong_evidence():
    dob = {"1980-01-02"}
    a = profile("isabeel", lasts={"nguyen"}, dobs=dob, ids={"M1"})
    b = profile("isabelle", lasts={"nguyen"}, dobs=dob, ids={"M1"})
    assert conflict(a, b) is None  # the same member id
    b_other = profile("isabelle", lasts={"nguyen"}, dobs=dob, ids={"M2"})
    assert conflict(a, b_other) == "first_name"
    # no identifier: a very strong match at the same address will do, a weaker one will not
    c = profile("isabeel", lasts={"nguyen"}, dobs=dob, **HOME)
    d = profile("isabelle", lasts={"nguyen"}, dobs=dob, **HOME)
    assert conflict(c, d, STRONG_WEIGHT) is None
    assert conflict(c, d, STRONG_WEIGHT - 5) == "first_name"
    assert conflict(c, d) == "first_name"
    # one slip at a time: a slipped first name with a slipped date of birth is two people
    e = profile("isabelle", lasts={"nguyen"}, dobs={"1980-10-12"}, ids={"M1"})
    assert conflict(a, e) is not None


def test_twins_and_parent_child_stay_apart_whatever_the_evidence():
    dob = {"2001-03-03"}
    twin_a = profile("emma", lasts={"jones"}, dobs=dob, ids={"FAMILY1"}, **HOME)
    twin_b = profile("olivia", lasts={"jones"}, dobs=dob, ids={"FAMILY1"}, **HOME)
    assert conflict(twin_a, twin_b, 60.0) == "first_name"
    twin_c = profile("ella", lasts={"jones"}, dobs=dob, ssns={"212456789"}, **HOME)
    twin_d = profile("emma", lasts={"jones"}, dobs=dob, ssns={"212456798"}, **HOME)
    assert conflict(twin_c, twin_d, 60.0) is not None
    parent = profile("john", lasts={"smith"}, dobs={"1960-05-05"}, ids={"FAMILY2"}, **HOME)
    child = profile("john", lasts={"smith"}, dobs={"1990-05-05"}, ids={"FAMILY2"}, **HOME)
    assert conflict(parent, child, 60.0) == "date_of_birth"


def test_clustering_lets_a_slip_through_only_on_a_strong_edge():
    profiles = {
        "a": profile("isabeel", lasts={"nguyen"}, dobs={"1980-01-02"}, **HOME),
        "b": profile("isabelle", lasts={"nguyen"}, dobs={"1980-01-02"}, **HOME),
    }
    assert len(set(cluster_atoms([("a", "b", 25.0)], profiles).cluster_of.values())) == 1
    assert len(set(cluster_atoms([("a", "b", 12.0)], profiles).cluster_of.values())) == 2


# --- end to end through resolve_case ---------------------------------------------------------------


def test_typoed_first_name_with_the_same_ssn_is_one_person(con):
    add_mention(con, SHA[0], "row 1", first_name="Isabelle", last_name="Nguyen", date_of_birth="1980-01-02",
                ssn="212-45-6789", address_line1="7 Pine Rd", postal_code="30301")  # fmt: skip
    add_mention(con, SHA[1], "row 1", first_name="Isabeel", last_name="Nguyen", date_of_birth="1980-01-02",
                ssn="212456789")  # fmt: skip
    resolve_case(con, CONFIG)
    assert sizes(con) == [2]


def test_typoed_first_name_and_date_with_the_same_member_id_merge(con):
    member = {"attributes": {"member_id": "XK-7741200"}, "address_line1": "7 Pine Rd", "postal_code": "30301"}
    add_mention(con, SHA[0], "row 1", first_name="Isabelle", last_name="Nguyen", date_of_birth="1964-03-11",
                **member)  # fmt: skip
    add_mention(con, SHA[1], "row 1", first_name="Isabeel", last_name="Nguyen", date_of_birth="1964-03-11",
                **member)  # fmt: skip
    add_mention(con, SHA[2], "row 1", first_name="Isabelle", last_name="Nguyen", date_of_birth="1964-01-31",
                **member)  # fmt: skip
    add_mention(con, SHA[3], "row 1", first_name="Nguyen", last_name="Isabele", date_of_birth="1964-03-11",
                **member)  # fmt: skip
    resolve_case(con, CONFIG)
    assert sizes(con) == [4]


def test_twins_ann_and_anna_with_different_ssns_stay_apart(con):
    home = {"last_name": "Jones", "date_of_birth": "2010-06-01", "address_line1": "7 Pine Rd",
            "postal_code": "30301", "phone": "+14045550100",
            "attributes": {"member_id": "FAM-100"}}  # fmt: skip
    add_mention(con, SHA[0], "row 1", first_name="Ann", ssn="212-45-6789", **home)
    add_mention(con, SHA[1], "row 1", first_name="Anna", ssn="212-45-6790", **home)
    add_mention(con, SHA[2], "row 1", first_name="Ann", ssn="212456789", **home)
    add_mention(con, SHA[3], "row 1", first_name="Anna", ssn="212456790", **home)
    resolve_case(con, CONFIG)
    assert sizes(con) == [2, 2]
    assert {p["first_name"] for p in persons(con)} == {"Ann", "Anna"}


def test_twins_with_different_real_names_on_one_family_member_id_stay_apart(con):
    home = {"last_name": "Jones", "date_of_birth": "2010-06-01", "address_line1": "7 Pine Rd",
            "postal_code": "30301", "attributes": {"member_id": "FAM-100"}}  # fmt: skip
    for i, first in enumerate(("Emma", "Olivia", "Emma", "Olivia")):
        add_mention(con, SHA[i], "row 1", first_name=first, **home)
    resolve_case(con, CONFIG)
    assert sizes(con) == [2, 2]


def test_parent_and_child_on_one_family_member_id_stay_apart(con):
    home = {"last_name": "Smith", "address_line1": "12 Bay St", "postal_code": "02110",
            "phone": "+16175550123", "attributes": {"member_id": "FAM-200"}}  # fmt: skip
    add_mention(con, SHA[0], "row 1", first_name="John", date_of_birth="1962-07-07", **home)
    add_mention(con, SHA[1], "row 1", first_name="John", date_of_birth="1992-07-07", **home)
    add_mention(con, SHA[2], "row 1", first_name="Jonh", date_of_birth="1992-07-07", **home)
    resolve_case(con, CONFIG)
    assert sizes(con) == [1, 2]


def test_twins_one_letter_apart_with_no_ssn_stay_two_people() -> None:
    from exposure.resolve.constraints import Profile, firsts_compatible

    ella = Profile(firsts={"ella"}, initials={"e"}, lasts={"moore"})
    emma = Profile(firsts={"emma"}, initials={"e"}, lasts={"moore"})
    typo = Profile(firsts={"emmma"}, initials={"e"}, lasts={"moore"})
    assert not firsts_compatible(ella, emma)
    assert firsts_compatible(emma, typo)
