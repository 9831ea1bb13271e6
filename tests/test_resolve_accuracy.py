"""Resolving people, scored against the demo generator's truth: one row per real individual.

A corpus of CSV and text files (households, twins, a Jr/Sr pair, and people written with
nicknames, typos, maiden names, old addresses and birth-date slips) goes through the real
CLI; the persons it lists are traced mention by mention to the truth. Over-merging (two
people in one row: someone is never notified) and splitting (one person in two rows: two
letters) are measured separately, and the split rate per kind of variant.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from exposure.demo import generate_demo
from exposure.demo.evaluate import (
    case_cluster_scores,
    cluster_scores,
    evaluate,
    person_truth_sets,
    variant_split_rates,
)
from exposure.demo.generator import DemoCase
from exposure.demo.people import (
    DOB_MISSING,
    DOB_SWAP,
    HYPHENATED,
    MAIDEN_NAME,
    NICKNAME,
    NICKNAMES,
    OLD_ADDRESS,
    OLDER_FILE_VARIANTS,
    SURNAME_TYPO,
    VARIANTS,
    surname_typo,
)

from conftest import run_cli

PEOPLE = 1000
SEED = 23


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> DemoCase:
    return generate_demo(tmp_path_factory.mktemp("resolve") / "demo", people=PEOPLE, seed=SEED, formats=())


@pytest.fixture(scope="module")
def resolved(corpus: DemoCase) -> Path:
    case_dir = corpus.root.parent / "case"
    config = str(corpus.config_path)
    result = run_cli("run", str(corpus.input_dir), "--case", str(case_dir), "--config", config)
    assert result.returncode == 0, result.stderr[-2000:]
    return case_dir


# ---- the generator writes people the way breaches do ---------------------------------------


def test_every_variant_is_written_and_marked_in_the_truth(corpus: DemoCase) -> None:
    mentions = read_csv(corpus.mentions_path)
    per_variant = Counter(m["variant"] for m in mentions if m["variant"])
    assert set(per_variant) == set(VARIANTS), per_variant
    share = sum(per_variant.values()) / len(mentions)
    assert 0.04 <= share <= 0.15, f"variant mentions are {share:.1%} of all: keep them moderate"
    people = {p["truth_id"]: p for p in read_csv(corpus.truth_path) + read_csv(corpus.unreadable_path)}
    for mention in mentions:
        if mention["variant"]:
            assert people[mention["truth_id"]]["variant"] == mention["variant"]


def test_truth_files_keep_their_old_columns_first(corpus: DemoCase) -> None:
    """Scripts that read the truth files by position keep working: new columns only at the end."""
    with corpus.mentions_path.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header == ["path", "location", "truth_id", "readable", "hard", "elements", "format", "role",
                      "needs_password", "variant"]  # fmt: skip
    with corpus.truth_path.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    assert header[:19] == [
        "truth_id", "first_name", "middle_name", "last_name", "suffix", "date_of_birth", "ssn",
        "address_line1", "city", "state", "postal_code", "email", "phone", "elements", "data_owners",
        "is_minor",
        "household_id", "role", "tags",
    ]  # fmt: skip
    assert header[19] == "variant"


def test_a_persons_variant_is_written_by_one_source_only(corpus: DemoCase) -> None:
    sources: dict[str, set[str]] = defaultdict(set)
    for mention in read_csv(corpus.mentions_path):
        if mention["variant"]:
            # one file copied to a second folder is still one source
            sources[mention["truth_id"]].add(mention["path"].rsplit("/", 1)[-1])
    assert sources
    assert all(len(files) == 1 for files in sources.values()), sources


def test_each_variant_mention_can_still_be_linked(corpus: DemoCase) -> None:
    """A variant never stands alone: its row also carries an SSN or a birth date, and a contact
    where the birth date itself is the variant."""
    for mention in read_csv(corpus.mentions_path):
        if not mention["variant"] or mention["readable"] != "true":
            continue
        elements = set(mention["elements"].split(";"))
        assert "ssn" in elements or "date_of_birth" in elements, mention
        if mention["variant"] == DOB_MISSING:
            assert "ssn" in elements and "date_of_birth" not in elements, mention
        if mention["variant"] == DOB_SWAP and "ssn" not in elements:
            assert elements & {"address", "email", "phone"}, mention
        if mention["variant"] in OLDER_FILE_VARIANTS:
            assert "ssn" in elements, mention


def test_variants_change_what_the_row_says(corpus: DemoCase) -> None:
    people = {p["truth_id"]: p for p in read_csv(corpus.truth_path)}
    seen: set[str] = set()
    for mention in read_csv(corpus.mentions_path):
        variant = mention["variant"]
        if not variant or mention["readable"] != "true" or "!" in mention["path"]:
            continue
        raw = (corpus.input_dir / mention["path"]).read_bytes().decode("cp1252")
        line = raw.splitlines()[int(mention["location"].split()[1]) - 1].upper()
        person = people[mention["truth_id"]]
        born = dt.date.fromisoformat(person["date_of_birth"])
        words = set(re.findall(r"[A-Z'-]+", line))
        if variant == NICKNAME:
            assert words & {n.upper() for n in NICKNAMES[person["first_name"]]}, line
        elif variant == HYPHENATED:
            assert f"-{person['last_name'].upper()}" in line
        elif variant == SURNAME_TYPO:
            last = person["last_name"].upper()
            slips = [w for w in words if is_one_slip(w, last)]
            assert slips and person["first_name"].upper() in words, line
        elif variant == DOB_SWAP:
            swapped = born.replace(month=born.day, day=born.month)
            assert f"{swapped.month}/{swapped.day}/{swapped.year}" in line or swapped.isoformat() in line
        elif variant == DOB_MISSING:
            assert born.strftime("%Y%m%d") not in line and born.strftime("%m/%d/%Y") not in line
        seen.add(variant)
    assert {NICKNAME, HYPHENATED, SURNAME_TYPO, DOB_SWAP, DOB_MISSING} <= seen
    assert MAIDEN_NAME in {m["variant"] for m in read_csv(corpus.mentions_path)}
    assert OLD_ADDRESS in {m["variant"] for m in read_csv(corpus.mentions_path)}


def test_variants_do_not_change_the_people(tmp_path: Path) -> None:
    """Planning variants draws from its own generators: the same seed, the same people and the same bytes."""
    first = generate_demo(tmp_path / "a", people=80, seed=3, formats=())
    second = generate_demo(tmp_path / "b", people=80, seed=3, formats=())
    assert first.truth_path.read_bytes() == second.truth_path.read_bytes()
    assert first.mentions_path.read_bytes() == second.mentions_path.read_bytes()
    for path in first.input_dir.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (second.input_dir / path.relative_to(first.input_dir)).read_bytes()


def is_one_slip(written: str, truth: str) -> bool:
    """``written`` is ``truth`` with two neighbours swapped, one letter dropped, or the last doubled."""
    if written == truth:
        return False
    swaps = {truth[:i] + truth[i + 1] + truth[i] + truth[i + 2 :] for i in range(len(truth) - 1)}
    drops = {truth[:i] + truth[i + 1 :] for i in range(len(truth))}
    return written in swaps | drops | {truth + truth[-1:]}


def test_surname_typo_is_one_slip_that_keeps_the_first_letter() -> None:
    rng = random.Random(5)
    for name in ("Johnson", "Li", "O'Brien", "Nguyen", "Smith-Jones", "Lee", "Ray"):
        typo = surname_typo(name, rng)
        assert is_one_slip(typo, name) and typo[0] == name[0], (name, typo)


def test_nickname_table_agrees_with_the_packaged_table() -> None:
    """The resolver's packaged nickname table must know every short form the generator writes."""
    nicknames = pytest.importorskip("nicknames")
    namer = nicknames.NickNamer()
    unknown = [
        (formal, short)
        for formal, shorts in NICKNAMES.items()
        for short in shorts
        if short.lower() not in namer.nicknames_of(formal.lower())
    ]
    assert not unknown


# ---- scoring ---------------------------------------------------------------------------


def test_cluster_scores_count_pairs_and_both_error_rates() -> None:
    # entity a: 3 records, b: 2, c: 1. Clusters: {a1, a2, b1} {a3} {b2, c1}
    scores = cluster_scores([("x", "a"), ("x", "a"), ("x", "b"), ("y", "a"), ("z", "b"), ("z", "c")])
    assert (scores.true_pairs, scores.predicted_pairs, scores.correct_pairs) == (3 + 1, 3 + 1, 1)
    assert scores.precision == pytest.approx(0.25) and scores.recall == pytest.approx(0.25)
    assert scores.over_merged_clusters == 2 and scores.over_merge_rate == pytest.approx(2 / 3)
    assert scores.split_entities == 2 and scores.split_rate == pytest.approx(2 / 3)
    perfect = cluster_scores([(1, "a"), (1, "a"), (2, "b")])
    assert perfect.f1 == 1.0 and perfect.split_rate == perfect.over_merge_rate == 0.0


def test_cluster_scores_with_sides_count_only_cross_pairs() -> None:
    # two datasets A and B; one cluster holds a duplicate inside A: not a pair that counts
    scores = cluster_scores([("x", "e1", "A"), ("x", "e1", "A"), ("x", "e1", "B"), ("y", "e2", "A")])
    assert (scores.true_pairs, scores.predicted_pairs, scores.correct_pairs) == (2, 2, 2)
    wrong = cluster_scores([("x", "e1", "A"), ("x", "e2", "B"), ("y", "e1", "B"), ("z", "e2", "A")])
    assert wrong.correct_pairs == 0 and wrong.predicted_pairs == 1 and wrong.true_pairs == 2


# ---- the resolver on the corpus -----------------------------------------------------------


@pytest.mark.slow
def test_people_are_found_and_rows_are_pure(corpus: DemoCase, resolved: Path) -> None:
    accuracy = evaluate(corpus, resolved)
    assert accuracy.recall >= 0.98, f"person recall {accuracy.recall:.3f}"
    assert accuracy.precision >= 0.97, f"person precision {accuracy.precision:.3f}"


@pytest.mark.slow
def test_no_row_merges_two_people(corpus: DemoCase, resolved: Path) -> None:
    accuracy = evaluate(corpus, resolved)
    assert accuracy.over_merge_rate == 0.0, f"{len(accuracy.over_merged)} rows hold two or more people"
    people = {p["truth_id"]: p for p in read_csv(corpus.truth_path)}
    special = {t for t, p in people.items() if p["tags"]}  # twins, Jr/Sr, the 18th-birthday pair
    assert len(special) >= 6
    rows_of = defaultdict(set)
    for person_id, truth_ids in person_truth_sets(corpus, resolved).items():
        for truth_id in truth_ids & special:
            rows_of[truth_id].add(person_id)
    assert set(rows_of) == special
    holders = Counter(p for rows in rows_of.values() for p in rows)
    assert all(count == 1 for count in holders.values()), "a twin, Jr/Sr or sibling shares a row"


@pytest.mark.slow
def test_few_people_are_split_over_rows(corpus: DemoCase, resolved: Path) -> None:
    accuracy = evaluate(corpus, resolved)
    assert accuracy.split_rate <= 0.02, f"split rate {accuracy.split_rate:.3f} ({len(accuracy.split)} people)"


@pytest.mark.slow
def test_pairwise_precision_recall_f1(corpus: DemoCase, resolved: Path) -> None:
    scores = case_cluster_scores(corpus, resolved)
    assert scores.true_pairs >= 500  # enough people are mentioned more than once to score
    assert scores.precision >= 0.995, f"pairwise precision {scores.precision:.4f}"
    assert scores.recall >= 0.97, f"pairwise recall {scores.recall:.4f}"
    assert scores.f1 >= 0.98, f"pairwise F1 {scores.f1:.4f}"


@pytest.mark.slow
def test_each_kind_of_variant_is_joined_to_its_person(corpus: DemoCase, resolved: Path) -> None:
    rates = variant_split_rates(corpus, resolved)
    assert sum(total for _, total in rates.values()) >= 60
    report = {v: f"{apart}/{total}" for v, (apart, total) in rates.items()}
    apart = sum(a for a, _ in rates.values())
    assert apart / sum(t for _, t in rates.values()) <= 0.10, report
    for variant, (left_apart, total) in rates.items():
        if total >= 5:
            assert left_apart / total <= 0.25, (variant, report)
