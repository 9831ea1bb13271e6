"""Reviewer decisions: stored on mentions in the case, respected by later resolve runs; the review CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from exposure.case.db import open_case
from exposure.resolve import resolve_case
from exposure.resolve.decisions import (
    DecisionError,
    list_decisions,
    record_merge,
    record_split,
    undo_decision,
)
from exposure.resolve.review import review_app
from test_resolve import CONFIG, SHA, add_mention, members, persons


def person_of(con, sha256: str, key: str) -> str:
    return con.execute(
        "SELECT person_id FROM person_mentions WHERE sha256 = ? AND mention_key = ?", [sha256, key]
    ).fetchone()[0]


def seed_case(con) -> None:
    # Two records of one woman the rules cannot join (married name, no shared identifier) ...
    add_mention(con, SHA[0], "row 1", full_name="Ann Carter", date_of_birth="1971-04-05", ssn="212-11-2222")
    add_mention(con, SHA[1], "row 1", full_name="Ann Baker", email="ann.b@example.com")
    # ... and one SSN that a data-entry error gave to two people.
    add_mention(con, SHA[2], "row 1", full_name="Carl Dunn", date_of_birth="1950-01-01", ssn="212-33-4444")
    add_mention(con, SHA[3], "row 1", full_name="Carl Dunn", date_of_birth="1950-01-01", ssn="212-33-4444")
    add_mention(con, SHA[4], "row 1", full_name="Carl Dunn", date_of_birth="1950-01-01", ssn="212-33-4444")


@pytest.fixture
def con(tmp_path):
    connection = open_case(tmp_path / "case")
    seed_case(connection)
    resolve_case(connection, CONFIG)
    yield connection
    connection.close()


def test_merge_decision_is_respected_by_later_runs(con):
    assert resolve_case(con, CONFIG).persons == 3
    ann_a, ann_b = person_of(con, SHA[0], "row 1"), person_of(con, SHA[1], "row 1")
    assert ann_a != ann_b
    record_merge(con, [ann_a, ann_b], note="same person, married name")
    for _ in range(2):  # and again: decisions stay in force
        assert resolve_case(con, CONFIG).persons == 2
        assert person_of(con, SHA[0], "row 1") == person_of(con, SHA[1], "row 1")


def test_split_decision_survives_person_id_changes(con):
    carl = person_of(con, SHA[2], "row 1")
    assert {SHA[2], SHA[3], SHA[4]} == {sha for sha, _ in members(con)[carl]}
    record_split(con, carl, [(SHA[2], "row 1")])  # the smallest mention: the person id changes
    resolve_case(con, CONFIG)
    alone = person_of(con, SHA[2], "row 1")
    rest = person_of(con, SHA[3], "row 1")
    assert alone != rest and person_of(con, SHA[4], "row 1") == rest
    assert carl in {alone, rest}  # the split-off mention keeps the smallest anchor, so its old id
    # a later split of the remaining person uses its new id, and both decisions hold
    record_split(con, rest, [(SHA[4], "row 1")])
    resolve_case(con, CONFIG)
    assert len({person_of(con, s, "row 1") for s in (SHA[2], SHA[3], SHA[4])}) == 3


def test_split_cancels_an_earlier_merge_of_that_mention_and_undo_restores(con):
    ann_a, ann_b = person_of(con, SHA[0], "row 1"), person_of(con, SHA[1], "row 1")
    merge_id = record_merge(con, [ann_a, ann_b])
    resolve_case(con, CONFIG)
    merged = person_of(con, SHA[0], "row 1")
    split_id = record_split(con, merged, [(SHA[0], "row 1")])
    assert [d.kind for d in list_decisions(con)] == ["merge", "split"]
    # the merge named SHA[0] row 1 (the smaller mention): the split removed that row of it
    assert all((SHA[0], "row 1") not in d.mentions for d in list_decisions(con) if d.decision_id == merge_id)
    resolve_case(con, CONFIG)
    assert person_of(con, SHA[0], "row 1") != person_of(con, SHA[1], "row 1")
    undo_decision(con, split_id)
    resolve_case(con, CONFIG)
    assert person_of(con, SHA[0], "row 1") != person_of(con, SHA[1], "row 1")  # the merge row went too


def test_bad_decisions_are_refused_without_personal_values(con):
    carl = person_of(con, SHA[2], "row 1")
    with pytest.raises(DecisionError, match="at least two"):
        record_merge(con, [carl, carl])
    with pytest.raises(DecisionError, match="no person"):
        record_merge(con, [carl, "Pnotaperson00"])
    with pytest.raises(DecisionError, match="not part of"):
        record_split(con, carl, [(SHA[0], "row 1")])
    with pytest.raises(DecisionError) as caught:
        record_split(con, person_of(con, SHA[0], "row 1"), [(SHA[0], "row 1")])
    assert "Ann" not in str(caught.value) and "2222" not in str(caught.value)


def test_review_cli_list_show_merge_split(tmp_path):
    case = tmp_path / "case"
    connection = open_case(case)
    seed_case(connection)
    resolve_case(connection, CONFIG)
    ann_a, ann_b = person_of(connection, SHA[0], "row 1"), person_of(connection, SHA[1], "row 1")
    carl = person_of(connection, SHA[2], "row 1")
    connection.close()
    runner = CliRunner()

    listed = runner.invoke(review_app, ["list", "--case", str(case)])
    assert listed.exit_code == 0, listed.output
    assert ann_b in listed.output  # no SSN or DOB: flagged
    shown = runner.invoke(review_app, ["show", carl, "--case", str(case)], terminal_width=300)
    assert shown.exit_code == 0 and f"{SHA[3]}:row 1" in shown.output
    assert "Carl" not in shown.output and "***-**-4444" in shown.output and "212-33" not in shown.output

    merged = runner.invoke(review_app, ["merge", ann_a, ann_b, "--case", str(case)])
    assert merged.exit_code == 0 and "exposure resolve" in merged.output
    split = runner.invoke(review_app, ["split", carl, "--mention", f"{SHA[4]}:row 1", "--case", str(case)])
    assert split.exit_code == 0, split.output
    bad = runner.invoke(review_app, ["split", carl, "--mention", "nonsense", "--case", str(case)])
    assert bad.exit_code == 2

    connection = open_case(case)
    assert resolve_case(connection, CONFIG).persons == 3  # Ann x1, Carl x2
    names = sorted((p["first_name"], p["source_count"]) for p in persons(connection))
    connection.close()
    assert names == [("Ann", 2), ("Carl", 1), ("Carl", 2)]
