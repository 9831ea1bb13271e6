"""Per-element precision and recall of the detect stage on the labelled set, decoys included.

The set (``exposure.demo.labelled``) holds letters, clinical notes, account forms,
help-desk tickets, HR e-mails and a wide member table, with every element known and
decoys beside them: invoice, order, tracking, claim and policy numbers, provider
NPIs and names, routing numbers alone, published test SSNs and cards, masked SSNs,
the organisation's own mailboxes.
"""

from __future__ import annotations

import pytest

from exposure.demo.labelled import Score, accuracy_table, detect_labelled, labelled_set, score
from exposure.model import ELEMENT_CODES

# A missed element is a missed notice and a false one a wrong letter: both bars are high.
MIN_PRECISION = 0.95
MIN_RECALL = 0.95
# Names in prose have no validator; they are also found again by the seeded search after the scan.
MIN_RECALL_BY_CODE = {"name": 0.9}


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    labelled = labelled_set(seed=7, documents_per_kind=12, table_rows=60)
    found = score(labelled, detect_labelled(labelled))
    print("\n" + accuracy_table(found))
    return found


@pytest.mark.parametrize("code", ELEMENT_CODES)
def test_each_element_is_found_with_high_precision_and_recall(scores: dict[str, Score], code: str) -> None:
    s = scores[code]
    assert s.true_positives + s.false_negatives > 0, f"the labelled set has no {code}"
    assert s.precision >= MIN_PRECISION, f"{code}: precision {s.precision:.3f}\n{accuracy_table(scores)}"
    assert s.recall >= MIN_RECALL_BY_CODE.get(code, MIN_RECALL), (
        f"{code}: recall {s.recall:.3f}\n{accuracy_table(scores)}"
    )


def test_no_decoy_is_reported_as_an_element(scores: dict[str, Score]) -> None:
    reported = {code: s.decoys_reported for code, s in scores.items() if s.decoys_reported}
    assert not reported, f"decoys reported as elements: {reported}"


def test_the_labelled_set_is_the_same_for_a_seed() -> None:
    first, second = labelled_set(seed=3, documents_per_kind=2, table_rows=3), labelled_set(3, 2, 3)
    assert first.texts == second.texts and first.labels == second.labels
    assert labelled_set(seed=4, documents_per_kind=2, table_rows=3).texts != first.texts


def test_scoring_counts_false_positives_and_misses() -> None:
    labelled = labelled_set(seed=5, documents_per_kind=1, table_rows=1)
    found = score(labelled, {})
    assert all(s.true_positives == 0 and s.false_positives == 0 for s in found.values())
    assert found["ssn"].false_negatives > 0
