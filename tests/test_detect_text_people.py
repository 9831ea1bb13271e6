"""People in free text: labelled fields, addressees, signatures, gazetteer names, and attribution."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import pytest

from exposure.detect import DetectContext, detect_text
from exposure.detect.elements.names import first_names, is_first_name, is_surname, surnames
from exposure.detect.text import REVIEW_BELOW
from exposure.model import Detections, TextBlock

CTX = DetectContext()


def lines(text: str) -> list[TextBlock]:
    """One block per line, as DOCX paragraphs or RTF lines come (blank lines are empty blocks)."""
    blocks, offset = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        blocks.append(TextBlock(location=f"line {number}", text=line, offset=offset))
        offset += len(line) + 1
    return blocks


def paragraphs(text: str) -> list[TextBlock]:
    """One block per paragraph, blank lines skipped, as the plain-text and PDF readers give them."""
    blocks, offset = [], 0
    for part in re.split(r"(\n[ \t]*\n)", text):
        if part.strip() and not part.startswith("\n"):
            blocks.append(TextBlock(location=f"at {offset}", text=part, offset=offset))
        offset += len(part)
    return blocks


def detect(text: str, split=lines) -> Detections:  # noqa: ANN001 - a block splitter above
    return detect_text(split(text), CTX)


def mention_named(found: Detections, last_name: str):  # noqa: ANN201 - Mention
    (mention,) = [m for m in found.mentions if m.last_name.lower() == last_name.lower()]
    return mention


def codes_of(found: Detections, key: str) -> set[str]:
    return {e.code for e in found.elements if e.mention_key == key}


def owner_of(found: Detections, code: str, value: str) -> str:
    (element,) = [e for e in found.elements if e.code == code and e.value == value]
    return element.mention_key


# ---- labelled fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "role"),
    [
        ("Name: Maria T. Lopez", "individual"),
        ("Patient: Maria T. Lopez", "patient"),
        ("Patient Name: LOPEZ, MARIA T", "patient"),
        ("Member: Maria T. Lopez", "member"),
        ("Insured: Maria T. Lopez", "insured"),
        ("Caller: Maria T. Lopez", "individual"),
        ("Employee: Maria T. Lopez", "employee"),
        ("Re: Maria T. Lopez", "individual"),
        ("Subject: Maria T. Lopez - address change", "individual"),
    ],
)
def test_labelled_fields_name_a_person_with_the_labels_role(line: str, role: str) -> None:
    found = detect(f"{line}\nSSN: 536-22-1234\n")
    mention = mention_named(found, "Lopez")
    assert mention.first_name.lower() == "maria" and mention.role == role and not mention.needs_review
    assert owner_of(found, "ssn", "536221234") == mention.key


@pytest.mark.parametrize(
    "line",
    [
        "Provider Name: Alan Grant",
        "Physician: Dr. Alan Grant",
        "Re: Contract OV2050553",
        "Subject: Record correction request",
        "RE: claim for SSN 536-90-4399",
        "Employer Name: Grant Holdings",
    ],
)
def test_labels_that_name_no_affected_person(line: str) -> None:
    assert detect(f"{line}\nDate: 03/01/2024\n").mentions == []


# ---- a letter's addressee ------------------------------------------------------------------------

LETTER = """Oceanview Life & Annuity
PO Box 4410
Portland, OR 97208

March 01, 2024

JANE A. SMITH JR.
4410 SE MORRISON ST
APT 2
PORTLAND, OR 97215

Re: Contract OV2050553

Dear Jane Smith Jr.,

We are writing to confirm the information we hold for your contract.

SSN: 536-90-4399
Date of birth: 03/04/1975

Sincerely,

Mark Ellison
Policy Services, Oceanview Life & Annuity
Direct: mark.ellison@oceanview.example.com
"""


@pytest.mark.parametrize("split", [lines, paragraphs])
def test_the_address_block_is_the_addressee_and_the_salutation_the_same_person(split) -> None:  # noqa: ANN001
    found = detect(LETTER, split)
    (mention,) = found.mentions  # the organisation's own block and the staff signer are nobody
    assert (mention.first_name, mention.middle_name, mention.last_name) == ("JANE", "A.", "SMITH")
    assert mention.key == f"name@{LETTER.index('JANE A. SMITH')}"
    assert (mention.ssn, mention.date_of_birth) == ("536904399", "1975-03-04")
    assert codes_of(found, mention.key) == {"name", "address", "ssn", "date_of_birth"}
    # the signer's e-mail is the organisation's, not the addressee's: no e-mail element at all
    assert not [e for e in found.elements if e.code == "email"]
    name = next(e for e in found.elements if e.code == "name")
    assert name.detector == "name.address_block" and name.confidence >= 0.85


def test_a_salutation_by_surname_joins_the_address_block_person() -> None:
    text = "MARIA LOPEZ\n12 OAK AVE\nSALEM, OR 97301\n\nDear Ms. Lopez:\n\nYour SSN 536-22-1234 was exposed."
    found = detect(text)
    (mention,) = found.mentions
    assert (mention.first_name, mention.last_name, mention.ssn) == ("MARIA", "LOPEZ", "536221234")


def test_each_letter_of_a_batch_gets_its_own_elements() -> None:
    """Several letters in one PDF: each element goes to the addressee of its own letter."""
    one = "Dear Maria Lopez,\n\nYour SSN 536-22-1234 was in the files.\n"
    two = "Dear Robert Kline,\n\nYour SSN 412-55-1234 was in the files.\n"
    found = detect(one + "\f\n" + two, paragraphs)
    assert owner_of(found, "ssn", "536221234") == mention_named(found, "Lopez").key
    assert owner_of(found, "ssn", "412551234") == mention_named(found, "Kline").key


def test_an_organisation_block_is_not_an_addressee() -> None:
    text = "Lakeside Health Plan\n200 Lake Shore Dr\nChicago, IL 60611\n\nSSN 536-22-1234\n"
    found = detect(text)
    assert found.mentions == []
    assert all(e.mention_key == "" and e.needs_review for e in found.elements)
    assert {e.code for e in found.elements} == {"address", "ssn"}


# ---- signatures -----------------------------------------------------------------------------------


def test_a_staff_signature_is_nobody_and_keeps_its_contact_details() -> None:
    text = (
        "Member: Robert J. Kline\nDOB: 1961-07-14\n\nThanks,\nLinda\n"
        "Harborline Data Services | linda.baker@harborline.example.com\n"
    )
    found = detect(text)
    (mention,) = found.mentions
    assert mention.last_name == "Kline" and not mention.email
    assert [e.code for e in found.elements if e.code == "email"] == []


def test_a_titled_signer_is_staff_even_without_an_addressee() -> None:
    text = "Notes on the March file run.\n\nRegards,\nSusan Miller\nEligibility Manager\n"
    assert detect(text).mentions == []


def test_an_untitled_signer_of_a_letter_with_no_addressee_is_an_individual_for_review() -> None:
    text = (
        "To whom it may concern,\n\nPlease close my account. My SSN is 536-22-1234.\n\n"
        "Sincerely,\nMaria Lopez\n"
    )
    found = detect(text, paragraphs)
    mention = mention_named(found, "Lopez")
    assert mention.needs_review and mention.role == "individual"
    # whom a letter addressed to nobody is about: its signer, for a reviewer to confirm
    ssn = next(e for e in found.elements if e.code == "ssn")
    assert ssn.mention_key == mention.key and ssn.needs_review


# ---- names in prose (the census gazetteer) -------------------------------------------------------


def test_the_gazetteer_ships_census_names_without_ordinary_words() -> None:
    assert len(first_names()) > 5000 and len(surnames()) > 80_000
    assert is_first_name("Maria") and is_surname("Kowalski") and is_surname("O'Brien")
    assert is_surname("Smith-Jones") and not is_surname("Street") and not is_surname("Patient")
    # frequent surnames that are words too stay surnames, and are no first names
    assert is_surname("Brown") and is_surname("Young")
    assert not is_first_name("Brown") and not is_first_name("May")


def test_a_name_in_prose_is_found_with_less_confidence_and_for_review() -> None:
    text = "On Monday Anna Kowalski called about her claim. Her SSN 536-22-1234 was read back.\n"
    found = detect(text)
    mention = mention_named(found, "Kowalski")
    assert mention.first_name == "Anna" and mention.needs_review
    name = next(e for e in found.elements if e.code == "name")
    assert name.detector == "name.prose" and name.confidence < REVIEW_BELOW
    ssn = next(e for e in found.elements if e.code == "ssn")
    assert ssn.mention_key == mention.key and ssn.needs_review  # tied to a guessed name: a reviewer confirms


@pytest.mark.parametrize(
    "sentence",
    [
        "The office on Grant Street near Lincoln Park is closed.",
        "Jackson Memorial Hospital sent the bill to Chase Bank.",
        "Dear Sir or Madam, Human Resources will reply.",
        "Per Mary Smith, MD the results were fine.",
        "Dr. Alan Grant saw the patient.",
        "Please contact Susan Miller at 312-555-0100.",
        "George Washington University and New York Life Insurance.",
        "Social Security Administration, United States Postal Service.",
        "Rendering provider: Dr. Mrs. Jillian Montgomery, NPI 1651482147",
    ],
)
def test_capitalised_words_that_are_no_affected_person(sentence: str) -> None:
    assert detect(sentence).mentions == []


def test_a_person_named_in_an_e_mails_body_takes_the_numbers_after_the_name() -> None:
    text = (
        "From: payroll@example.com\nTo: benefits@example.com\nSubject: W-4 correction\n\n"
        "Please update the record for employee Alison Brown: SSN on file 536221234 is right, and the "
        "spouse's ITIN is 912-70-1234.\n"
    )
    found = detect(text, paragraphs)
    mention = mention_named(found, "Brown")
    assert codes_of(found, mention.key) == {"name", "ssn", "itin"}
    assert not [e for e in found.elements if e.code == "email"]  # the organisation's own mailboxes


# ---- attribution ---------------------------------------------------------------------------------


def test_elements_go_to_the_nearest_labelled_person_of_their_segment() -> None:
    text = (
        "Subscriber: Robert Kline\nSSN: 412-55-1234\n"
        "Spouse: Maria Kline\nDOB: 02/03/1980\nProvider: Dr. Alan Grant\nPhone: 312-555-0199\n"
    )
    found = detect(text)
    robert = next(m for m in found.mentions if m.first_name == "Robert")
    maria = next(m for m in found.mentions if m.first_name == "Maria")
    assert owner_of(found, "ssn", "412551234") == robert.key
    assert owner_of(found, "date_of_birth", "1980-02-03") == maria.key
    # the provider takes nothing: the phone after that line is still about the spouse's record
    assert owner_of(found, "phone", "+13125550199") == maria.key
    assert (robert.role, maria.role) == ("subscriber", "spouse")


def test_a_notes_free_text_belongs_to_the_one_person_the_note_is_about() -> None:
    text = (
        "LAKESIDE HEALTH PLAN - MEMBER SERVICES NOTE\n\nPatient: MARIA LOPEZ\nDOB: 02/03/1980\n"
        "Author: K. Alvarez, Member Services\n\nCaller read back her SSN 536-22-1234 to verify.\n"
    )
    found = detect(text, paragraphs)
    assert owner_of(found, "ssn", "536221234") == mention_named(found, "Lopez").key


def test_the_subject_line_wins_over_the_addressee_for_the_body() -> None:
    text = (
        "Dear Robert Kline,\n\nRe: Maria Kline (dependent)\n\n"
        "We found her SSN 536-22-1234 in the affected files.\n"
    )
    found = detect(text, paragraphs)
    maria = next(m for m in found.mentions if m.first_name == "Maria")
    assert owner_of(found, "ssn", "536221234") == maria.key


def test_a_paragraph_naming_nobody_in_a_document_about_several_people_goes_to_nobody() -> None:
    text = "Member: Robert Kline\nDOB: 1961-07-14\n\nMember: Maria Lopez\nDOB: 1980-02-03\n\nSSN 536-22-1234"
    found = detect(text, paragraphs)
    ssn = next(e for e in found.elements if e.code == "ssn")
    assert (ssn.mention_key, ssn.needs_review) == ("", True)


def test_e_mail_header_lines_are_correspondents_not_the_subject() -> None:
    text = (
        "From: Linda Baker <linda.baker@harborline.example.com>\nTo: eligibility@harborline.example.com\n"
        "Subject: Record correction request\n\nMember: Robert J. Kline\nDOB: 1961-07-14\n"
    )
    found = detect(text, paragraphs)
    (mention,) = found.mentions
    assert mention.last_name == "Kline" and not mention.email
    assert not [e for e in found.elements if e.code == "email"]


def test_a_test_fixtures_details_belong_to_nobody() -> None:
    text = "Patient: Test Patient\nDOB: 01/01/1900\nSSN: 536-22-1234\nPhone: 312-555-0199\n"
    found = detect(text)
    assert found.mentions == []
    assert [(e.code, e.mention_key, e.needs_review) for e in found.elements] == [("ssn", "", True)]


# ---- the demo corpus: letters, notes and mail as the readers give them --------------------------------

_TEXT_TYPES = {"text", "docx", "rtf", "odt", "pdf", "html"}
_CODES = ("name", "ssn", "date_of_birth", "address")


def _standard(name: str) -> str:
    return re.sub(r"[^A-Z]", "", name.upper())


@pytest.mark.slow
def test_demo_documents_people_and_their_elements(tmp_path: Path) -> None:
    """Every person of the demo's letters, notes and mails, each with the elements written about them.

    Precision and recall per element are counted person by person against the generator's truth.
    """
    from exposure.demo import generate_demo
    from exposure.extract import reader_for
    from exposure.inventory.sniff import detect_type

    case = generate_demo(tmp_path / "demo", people=200, seed=5)
    with case.truth_path.open(newline="", encoding="utf-8") as handle:
        last_names = {r["truth_id"]: _standard(r["last_name"]) for r in csv.DictReader(handle)}
    expected: dict[str, dict[str, set[str]]] = defaultdict(dict)
    with case.mentions_path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["readable"] == "true" and "!" not in row["path"]:
                expected[row["path"]][row["truth_id"]] = set(row["elements"].split(";"))
    counts = {code: [0, 0, 0] for code in _CODES}  # true positives, false positives, misses
    people = [0, 0]
    for path in sorted(p for p in case.input_dir.rglob("*") if p.is_file()):
        kind = detect_type(path)
        if kind not in _TEXT_TYPES:
            continue
        relative = str(path.relative_to(case.input_dir))
        truth = expected.get(relative, {})
        found = detect_text([b for b in reader_for(kind).read(path) if isinstance(b, TextBlock)], CTX)
        truth_of = {}
        for mention in found.mentions:
            same = [t for t in truth if last_names[t] == _standard(mention.last_name)]
            truth_of[mention.key] = same[0] if len(same) == 1 else None
        people[0] += len(truth)
        people[1] += sum(1 for t in truth if t in truth_of.values())
        assert all(truth_of.values()), f"a person who is not in {relative}"
        for code in _CODES:
            got = {truth_of.get(e.mention_key) for e in found.elements if e.code == code}
            want = {t for t, codes in truth.items() if code in codes}
            counts[code][0] += len(got & want)
            counts[code][1] += len(got - want)
            counts[code][2] += len(want - got)
    assert people[0] >= 20 and people[1] == people[0]
    for code, (hits, false, missed) in counts.items():
        precision, recall = hits / max(hits + false, 1), hits / max(hits + missed, 1)
        assert precision >= 0.98 and recall >= 0.98, (code, precision, recall)
