"""Two people of one name in one document: told apart by their SSN or date of birth, never merged."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from exposure.detect import DetectContext, detect_text
from exposure.model import Detections, Mention
from test_detect_text_people import lines, paragraphs

CTX = DetectContext()


SPLITTERS = pytest.mark.parametrize("split", [lines, paragraphs], ids=["lines", "paragraphs"])


def named(found: Detections, first: str, last: str) -> list[Mention]:
    return [m for m in found.mentions if (m.first_name, m.last_name) == (first, last)]


def values_of(found: Detections, key: str, code: str) -> set[str]:
    return {e.value for e in found.elements if e.mention_key == key and e.code == code}


def note(name: str, ssn: str, dob: str, text: str) -> str:
    return f"Patient: {name}\nSSN: {ssn}\nDOB: {dob}\n{text}\n"


def valid_ssns(count: int, seed: int) -> list[str]:
    """Distinct SSNs that pass validation (no 000/666/9xx area, 00 group or 0000 serial)."""
    rng = random.Random(seed)
    found: set[str] = set()
    while len(found) < count:
        area = rng.choice([a for a in range(100, 900) if a != 666])
        found.add(f"{area:03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}")
    return sorted(found)


def digits(ssn: str) -> str:
    return ssn.replace("-", "")


# ---- different people of one name ------------------------------------------------------------------


@SPLITTERS
def test_two_notes_for_two_patients_of_one_name_are_two_mentions(split) -> None:  # noqa: ANN001
    text = (
        note("Maria Garcia", "536-22-1234", "03/04/1975", "Seen for a cough.")
        + "\n"
        + note("Maria Garcia", "412-55-9876", "07/08/1982", "Seen for a rash; Maria Garcia will return.")
    )
    found = detect_text(split(text), CTX)
    marias = named(found, "Maria", "Garcia")
    assert len(marias) == 2
    first, second = sorted(marias, key=lambda m: int(m.key.split("@")[1]))
    assert (first.ssn, first.date_of_birth) == ("536221234", "1975-03-04")
    assert (second.ssn, second.date_of_birth) == ("412559876", "1982-07-08")
    # every element goes to one of them only, and each holds its own
    assert values_of(found, first.key, "ssn") == {"536221234"}
    assert values_of(found, second.key, "ssn") == {"412559876"}
    assert values_of(found, first.key, "date_of_birth") == {"1975-03-04"}
    assert values_of(found, second.key, "date_of_birth") == {"1982-07-08"}
    names = [e for e in found.elements if e.code == "name"]
    assert sorted(e.mention_key for e in names) == sorted([first.key, second.key])


@SPLITTERS
def test_a_different_date_of_birth_alone_tells_two_people_apart(split) -> None:  # noqa: ANN001
    text = "Name: John Smith\nDOB: 01/02/1950\nCalled about a bill.\n\nName: John Smith\nDOB: 11/12/1990\n"
    found = detect_text(split(text), CTX)
    johns = named(found, "John", "Smith")
    assert sorted(m.date_of_birth for m in johns) == ["1950-01-02", "1990-11-12"]


def test_two_notes_in_one_segment_are_split_at_their_labels() -> None:
    """A log with no blank lines: each "Patient:" field starts a record of its own."""
    text = note("Maria Garcia", "536-22-1234", "03/04/1975", "Cough.") + note(
        "Maria Garcia", "412-55-9876", "07/08/1982", "Rash."
    )
    found = detect_text(lines(text), CTX)
    marias = named(found, "Maria", "Garcia")
    assert sorted((m.ssn, m.date_of_birth) for m in marias) == [
        ("412559876", "1982-07-08"),
        ("536221234", "1975-03-04"),
    ]


def test_two_letters_to_two_people_of_one_name_in_one_file() -> None:
    one = "Dear Maria Lopez,\n\nYour SSN 536-22-1234 was in the files.\n"
    two = "Dear Maria Lopez,\n\nYour SSN 412-55-1234 was in the files.\n"
    found = detect_text(paragraphs(one + "\f\n" + two), CTX)
    assert sorted(m.ssn for m in named(found, "Maria", "Lopez")) == ["412551234", "536221234"]


def test_a_call_log_of_fifty_notes_with_five_repeated_names_is_fifty_people() -> None:
    names = ["Maria Garcia", "James Smith", "Linda Johnson", "Robert Brown", "Patricia Miller"]
    ssns = valid_ssns(50, seed=7)
    rng = random.Random(11)
    callers = [names[i % 5] for i in range(50)]
    rng.shuffle(callers)
    text = "\n".join(
        f"Call {i + 1}\nCaller: {name}\nSSN: {ssn}\nCaller {name} asked about the letter.\n"
        for i, (name, ssn) in enumerate(zip(callers, ssns, strict=True))
    )
    for split in (lines, paragraphs):
        found = detect_text(split(text), CTX)
        people = [m for m in found.mentions if m.full_name in names]
        assert len(people) == 50
        assert Counter(m.full_name for m in people) == Counter(callers)
        # each mention holds exactly the SSN of its own call
        assert {(m.full_name, m.ssn) for m in people} == {
            (name, digits(ssn)) for name, ssn in zip(callers, ssns, strict=True)
        }
        assert all(len(values_of(found, m.key, "ssn")) == 1 for m in people)
        assert len({m.key for m in found.mentions}) == len(found.mentions)


# ---- one person named several times -----------------------------------------------------------------


@SPLITTERS
def test_a_note_that_repeats_its_patients_name_is_one_mention(split) -> None:  # noqa: ANN001
    text = (
        "Patient: Maria Garcia\nSSN: 536-22-1234\nDOB: 03/04/1975\n\n"
        "Assessment: Maria Garcia reports a cough since Monday.\n\n"
        "Patient: Maria Garcia\nDOB: 03/04/1975\nPlan: rest.\n"
    )
    found = detect_text(split(text), CTX)
    (maria,) = named(found, "Maria", "Garcia")
    assert (maria.ssn, maria.date_of_birth) == ("536221234", "1975-03-04")
    assert values_of(found, maria.key, "date_of_birth") == {"1975-03-04"}


@SPLITTERS
def test_a_letter_naming_its_addressee_three_times_is_one_mention(split) -> None:  # noqa: ANN001
    text = (
        "Maria Garcia\n12 Oak Ave\nSalem, OR 97301\n\nDear Maria Garcia,\n\n"
        "We write to tell you, Maria Garcia, that your SSN 536-22-1234 and your date of birth "
        "03/04/1975 were in the files.\n\nSincerely,\nPrivacy Office\n"
    )
    found = detect_text(split(text), CTX)
    (maria,) = named(found, "Maria", "Garcia")
    assert maria.ssn == "536221234"
    assert {e.mention_key for e in found.elements if e.code in ("ssn", "date_of_birth", "name")} == {
        maria.key
    }


def test_a_repeat_caller_with_the_same_ssn_stays_one_person() -> None:
    """Maria, another Maria, then the first again with her own SSN: two people, not three."""
    text = (
        "Caller: Maria Garcia\nSSN: 536-22-1234\n\n"
        "Caller: Maria Garcia\nSSN: 412-55-9876\n\n"
        "Caller: Maria Garcia\nSSN: 536-22-1234\nCalled back.\n"
    )
    found = detect_text(lines(text), CTX)
    marias = named(found, "Maria", "Garcia")
    assert sorted(m.ssn for m in marias) == ["412559876", "536221234"]
    first = next(m for m in marias if m.ssn == "536221234")
    # the third call joins the first caller: both of its SSN elements are hers
    assert len([e for e in found.elements if e.mention_key == first.key and e.code == "ssn"]) == 2


def test_split_mentions_have_unique_deterministic_keys() -> None:
    text = "\n".join(note("Maria Garcia", ssn, "03/04/1975", "Seen.") for ssn in valid_ssns(4, seed=3))
    runs = [detect_text(lines(text), CTX) for _ in range(2)]
    keys = [[m.key for m in found.mentions] for found in runs]
    assert keys[0] == keys[1]
    assert len(set(keys[0])) == len(keys[0]) == 4
    # each key is where its person is first named in the document
    for key in keys[0]:
        offset = int(key.removeprefix("name@"))
        assert text[offset:].startswith("Maria Garcia")
