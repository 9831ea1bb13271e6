"""The detect stage: column classification, record validation, text scanning and attribution."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from faker import Faker

from exposure.detect import DetectContext, detect_table, detect_text
from exposure.detect.columns import classify_columns
from exposure.detect.elements.dob import normalise_dob
from exposure.detect.elements.names import split_name
from exposure.detect.text import _scanner
from exposure.model import Detections, Table, TextBlock

CTX = DetectContext()
FIXTURE_SSNS = ("123-45-6789", "078-05-1120", "219-09-9999", "457-55-5462")


# ---- helpers -----------------------------------------------------------------------------------


def fake_ssn(rng: random.Random) -> str:
    """A valid-looking SSN: area 001-665 or 667-899, group 01-99, serial 0001-9999, no fixture."""
    while True:
        area = rng.choice([rng.randint(1, 665), rng.randint(667, 899)])
        ssn = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
        if ssn not in FIXTURE_SSNS:
            return ssn


def table(
    columns: Sequence[str], rows: Sequence[Sequence[str]], name: str = "", has_header: bool = True
) -> Table:
    numbered = [(i + 2 if has_header else i + 1, list(r)) for i, r in enumerate(rows)]
    return Table(name=name, columns=list(columns), rows=iter(numbered), has_header=has_header)


def detect_all(t: Table, ctx: DetectContext = CTX) -> Detections:
    out = Detections()
    for batch in detect_table(t, ctx):
        out.extend(batch)
    return out


def codes(d: Detections, key: str) -> set[str]:
    return {e.code for e in d.elements if e.mention_key == key}


def lines(text: str) -> list[TextBlock]:
    blocks, offset = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        blocks.append(TextBlock(location=f"line {number}", text=line, offset=offset))
        offset += len(line) + 1
    return blocks


@pytest.fixture
def rng() -> random.Random:
    return random.Random(7)


@pytest.fixture(scope="module")
def fake() -> Faker:
    Faker.seed(7)
    return Faker("en_US")


# ---- column classification -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "values", "field"),
    [
        ("SSN", ["536-90-4399", "412-55-1234"], "ssn"),
        ("Social Security #", ["536904399", "412551234"], "ssn"),
        ("soc_sec_no", ["536-90-4399", "412-55-1234"], "ssn"),
        ("member_ssn", ["536-90-4399", "412-55-1234"], "ssn"),
        ("ss_number", ["536 90 4399", "412 55 1234"], "ssn"),
        ("DOB", ["03/04/1975", "12/31/1980"], "date_of_birth"),
        ("dt_of_birth", ["1975-03-04", "1980-12-31"], "date_of_birth"),
        ("birth_date", ["04-MAR-1975", "31-DEC-1980"], "date_of_birth"),
        ("DateOfBirth", ["19750304", "19801231"], "date_of_birth"),
        ("First Name", ["Jane", "Robert"], "first_name"),
        ("fname", ["Jane", "Robert"], "first_name"),
        ("last_name", ["Smith", "O'Neil"], "last_name"),
        ("surname", ["Smith", "Garcia-Lopez"], "last_name"),
        ("middle", ["A", "Lee"], "middle_name"),
        ("suffix", ["Jr", "III"], "suffix"),
        ("Name", ["SMITH, JANE A", "Robert Lee Jones"], "full_name"),
        ("full_name", ["Jane Smith", "Robert Jones"], "full_name"),
        ("patient_name", ["Jane Smith", "Robert Jones"], "full_name"),
        ("email", ["Jane@Example.com", "rob@example.org"], "email"),
        ("phone", ["(212) 555-0134", "312-555-0199"], "phone"),
        ("tel", ["212.555.0134", "+1 312 555 0199"], "phone"),
        ("mobile", ["2125550134", "3125550199"], "phone"),
        ("address", ["12 Main St", "400 W Oak Ave Apt 3"], "address_line1"),
        ("street", ["12 Main St", "PO Box 77"], "address_line1"),
        ("addr1", ["12 Main St", "9 Elm Rd"], "address_line1"),
        ("address_line_2", ["Apt 4", "Suite 200"], "address_line2"),
        ("city", ["Springfield", "Saint Paul"], "city"),
        ("state", ["IL", "Minnesota"], "state"),
        ("zip", ["62704", "55101-1234"], "postal_code"),
        ("postal_code", ["62704", "55101"], "postal_code"),
    ],
)
def test_header_synonyms_classify_columns(header: str, values: list[str], field: str) -> None:
    plans = classify_columns([header], True, [[v] for v in values])
    assert plans, f"{header} not classified"
    assert plans[0].spec.field == field


def test_header_needs_agreeing_values() -> None:
    assert classify_columns(["SSN"], True, [["n/a"], ["unknown"], ["see file"]]) == []
    assert classify_columns(["DOB"], True, [["yes"], ["no"]]) == []


def test_nine_digit_order_and_invoice_numbers_are_not_ssn(rng: random.Random) -> None:
    rows = [[fake_ssn(rng).replace("-", ""), fake_ssn(rng).replace("-", ""), "Jane Smith"] for _ in range(50)]
    d = detect_all(table(["order_number", "invoice_no", "Name"], rows))
    assert len(d.mentions) == 50
    assert not [e for e in d.elements if e.code == "ssn"]
    assert all(m.ssn == "" for m in d.mentions)


def test_unknown_header_with_dashed_ssn_values_is_ssn_by_values(rng: random.Random) -> None:
    rows = [[fake_ssn(rng), "Jane Smith"] for _ in range(20)]
    d = detect_all(table(["id", "Name"], rows))
    ssns = [e for e in d.elements if e.code == "ssn"]
    assert len(ssns) == 20 and all(e.detector == "records.values" for e in ssns)


# ---- record validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [*FIXTURE_SSNS, "000-12-3456", "666-12-3456", "900-12-3456", "536-00-4399", "536-90-0000", "111-11-1111"],
)
def test_invalid_and_test_ssns_are_rejected(rng: random.Random, bad: str) -> None:
    rows = [
        [f"Ann {last}", fake_ssn(rng)] for last in ("Abel", "Baker", "Cole", "Dunn", "Ellis", "Ford", "Gray")
    ]
    rows.append(["Mary Jones", bad])
    d = detect_all(table(["Name", "SSN"], rows))
    assert len([e for e in d.elements if e.code == "ssn"]) == 7
    mary = next(m for m in d.mentions if m.last_name == "Jones")
    assert mary.ssn == ""


def test_masked_ssn_gives_last4_and_no_ssn_element() -> None:
    rows = [["Jane Smith", "***-**-6789"], ["Rob Jones", "XXX-XX-1234"], ["Ann Lee", "536-90-4399"]]
    d = detect_all(table(["Name", "SSN"], rows))
    by_name = {m.first_name: m for m in d.mentions}
    assert by_name["Jane"].ssn_last4 == "6789" and by_name["Jane"].ssn == ""
    assert by_name["Rob"].ssn_last4 == "1234"
    assert by_name["Ann"].ssn == "536904399"
    assert [e.value for e in d.elements if e.code == "ssn"] == ["536904399"]


@pytest.mark.parametrize(
    "value",
    ["03/04/1975", "3/4/1975", "1975-03-04", "Mar 4, 1975", "March 4, 1975", "04-MAR-1975", "19750304",
     "1975-03-04 00:00:00", "03/04/75"],
)  # fmt: skip
def test_dob_formats_in_columns_and_text(value: str) -> None:
    d = detect_all(table(["Name", "DOB"], [["Jane Smith", value]]))
    assert d.mentions[0].date_of_birth == "1975-03-04"
    assert normalise_dob(value) == "1975-03-04"


def test_implausible_birth_dates_are_rejected() -> None:
    rows = [["Jane Smith", "1975-03-04"], ["Ann Lee", "1980-01-01"], ["Rob Jones", "1820-01-01"]]
    d = detect_all(table(["Name", "DOB"], rows))
    assert {m.first_name: m.date_of_birth for m in d.mentions} == {
        "Jane": "1975-03-04",
        "Ann": "1980-01-01",
        "Rob": "",
    }
    assert normalise_dob("2999-01-01") == ""


def test_last_first_middle_splitting() -> None:
    assert split_name("SMITH, JOHN A") == {
        "first_name": "JOHN", "middle_name": "A", "last_name": "SMITH", "suffix": "",
        "full_name": "JOHN A SMITH",
    }  # fmt: skip
    parts = split_name("Jane A. Smith Jr.")
    assert (parts["first_name"], parts["middle_name"], parts["last_name"], parts["suffix"]) == (
        "Jane", "A.", "Smith", "Jr."
    )  # fmt: skip
    assert split_name("Smith, Jane, Jr")["suffix"] == "Jr"
    d = detect_all(table(["Name"], [["GARCIA, MARIA L"]]))
    m = d.mentions[0]
    assert (m.first_name, m.middle_name, m.last_name, m.full_name) == (
        "MARIA",
        "L",
        "GARCIA",
        "MARIA L GARCIA",
    )


def test_row_mention_fields_and_elements() -> None:
    columns = [
        "First Name",
        "Last Name",
        "SSN",
        "DOB",
        "Email",
        "Phone",
        "Address",
        "City",
        "State",
        "Zip",
        "Plan",
    ]
    row = ["Jane", "Smith", "536-90-4399", "03/04/1975", "Jane.Smith@Example.com", "(212) 555-0134",
           "12 Main St", "Springfield", "Illinois", "62704-1234", "OCEANVIEW"]  # fmt: skip
    d = detect_all(table(columns, [row], name="Sheet1"), DetectContext(owner_value_columns=("PLAN",)))
    (m,) = d.mentions
    assert m.key == m.location == "Sheet1!row 2"
    assert (m.full_name, m.ssn, m.date_of_birth) == ("Jane Smith", "536904399", "1975-03-04")
    assert (m.email, m.phone) == ("jane.smith@example.com", "+12125550134")
    assert (m.address_line1, m.city, m.state, m.postal_code) == (
        "12 Main St",
        "Springfield",
        "IL",
        "62704-1234",
    )
    assert m.attributes == {"PLAN": "OCEANVIEW"}
    assert codes(d, "Sheet1!row 2") == {"name", "ssn", "date_of_birth", "email", "phone", "address"}
    address = next(e for e in d.elements if e.code == "address")
    assert address.value == "12 Main St, Springfield, IL 62704-1234" and address.column == "Address"
    assert all(e.location == "Sheet1!row 2" and e.detector and e.confidence > 0.5 for e in d.elements)


def test_one_line_address_column_is_split() -> None:
    d = detect_all(
        table(["Name", "Address"], [["Jane Smith", "12 Main St Apt 4, Springfield, IL 62704"]] * 3)
    )
    m = d.mentions[0]
    assert (m.address_line1, m.address_line2, m.city, m.state, m.postal_code) == (
        "12 Main St", "Apt 4", "Springfield", "IL", "62704"
    )  # fmt: skip


def test_test_fixture_names_make_no_mention() -> None:
    rows = [["John", "Doe", ""], ["Test", "Patient", ""], ["Jane", "Doe", "536-90-4399"], ["Ann", "Lee", ""]]
    d = detect_all(table(["first_name", "last_name", "ssn"], rows))
    assert [m.first_name for m in d.mentions] == ["Ann"]
    # a real-looking SSN on a test record is kept for a reviewer, tied to nobody
    (ssn,) = [e for e in d.elements if e.code == "ssn"]
    assert ssn.mention_key == "" and ssn.needs_review


def test_rows_without_name_or_ssn_make_nothing() -> None:
    d = detect_all(table(["email", "phone"], [["a@example.com", "212-555-0134"]]))
    assert d.mentions == [] and d.elements == []


def test_headerless_table_uses_high_precision_values_only(rng: random.Random) -> None:
    rows = [[fake_ssn(rng), f"user{i}@example.com", "03/04/1975", "Jane Smith", "Main St"] for i in range(30)]
    t = table(["column_1", "column_2", "column_3", "column_4", "column_5"], rows, has_header=False)
    plans = classify_columns(t.columns, False, rows)
    assert [(p.index, p.spec.field) for p in plans] == [(0, "ssn"), (1, "email")]
    d = detect_all(table(t.columns, rows, has_header=False))
    assert len(d.mentions) == 30
    assert d.mentions[0].key == "row 1" and d.mentions[0].email == "user0@example.com"
    assert d.mentions[0].date_of_birth == "" and d.mentions[0].full_name == ""


def test_multi_person_row_makes_one_mention_per_person() -> None:
    columns = ["first_name", "last_name", "ssn", "spouse_first_name", "spouse_last_name", "spouse_ssn",
               "dep1_name", "address", "zip"]  # fmt: skip
    row = ["Jane", "Smith", "536-90-4399", "Rob", "Smith", "412-55-1234", "Tim Smith", "12 Main St", "62704"]
    d = detect_all(table(columns, [row]))
    by_key = {m.key: m for m in d.mentions}
    assert set(by_key) == {"row 2", "row 2/spouse", "row 2/dep1"}
    assert (by_key["row 2/spouse"].role, by_key["row 2/spouse"].ssn) == ("spouse", "412551234")
    assert by_key["row 2/dep1"].role == "dependent" and by_key["row 2/dep1"].full_name == "Tim Smith"
    assert by_key["row 2"].ssn == "536904399"
    assert by_key["row 2/spouse"].address_line1 == "12 Main St"  # shares the member's address
    assert codes(d, "row 2/spouse") == {"name", "ssn", "address"}


def test_batches_bound_memory_and_keep_row_numbers(fake: Faker, rng: random.Random) -> None:
    firsts = [fake.first_name() for _ in range(200)]
    lasts = [fake.last_name() for _ in range(200)]
    rows = [
        [rng.choice(firsts), rng.choice(lasts), fake_ssn(rng), f"user{i}@example.com"] for i in range(50_001)
    ]
    ctx = DetectContext(batch_rows=20_000)
    batches = list(detect_table(table(["fname", "lname", "SSN", "email"], rows), ctx))
    assert len(batches) == 3
    assert [len(b.mentions) for b in batches] == [20_000, 20_000, 10_001]
    assert [(b.mentions[0].key, b.mentions[-1].key) for b in batches] == [
        ("row 2", "row 20001"), ("row 20002", "row 40001"), ("row 40002", "row 50002")
    ]  # fmt: skip
    assert batches[2].mentions[-1].email == "user50000@example.com"
    assert sum(len(b.elements) for b in batches) == 3 * 50_001  # name, ssn, email


# ---- text ---------------------------------------------------------------------------------


LETTER = """Oceanview Life & Annuity
PO Box 100, Hartford, CT 06101

Dear Mr. John Q. Public,

We are writing about an incident. Your Social Security number 536-90-4399 and your
date of birth (DOB: 03/04/1975) were in the affected files. Your policy P-100 was issued 05/06/2020.
Questions? Call us at (860) 555-0142 or write to help@oceanview.example.com.

Sincerely,
Mary Officer
"""


def test_letter_elements_are_attributed_to_the_addressee() -> None:
    d = detect_text(lines(LETTER), CTX)
    (m,) = d.mentions
    assert (m.first_name, m.middle_name, m.last_name) == ("John", "Q.", "Public")
    assert m.key == f"name@{LETTER.index('John Q. Public')}" and m.location == "line 4"
    assert (m.ssn, m.date_of_birth) == ("536904399", "1975-03-04")
    assert {e.code for e in d.elements if e.mention_key == m.key} == {
        "name", "ssn", "date_of_birth", "phone", "email"
    }  # fmt: skip
    ssn = next(e for e in d.elements if e.code == "ssn")
    assert ssn.offset == LETTER.index("536-90-4399") and ssn.location == "line 6" and not ssn.needs_review
    # the policy issue date has no birth context: not a date of birth
    assert [e.value for e in d.elements if e.code == "date_of_birth"] == ["1975-03-04"]


def test_addressee_gets_elements_that_come_before_the_salutation() -> None:
    text = "RE: claim for SSN 536-90-4399\n\nDear Jane Smith:\nThank you."
    d = detect_text(lines(text), CTX)
    (m,) = d.mentions
    assert m.ssn == "536904399"
    assert next(e for e in d.elements if e.code == "ssn").mention_key == m.key


def test_bare_nine_digits_need_ssn_context() -> None:
    text = "Name: Jane Smith\nReference 536904399 was closed.\nSSN: 412551234\n"
    d = detect_text(lines(text), CTX)
    assert [e.value for e in d.elements if e.code == "ssn"] == ["412551234"]


def test_dashed_and_spaced_ssns_and_fixtures_in_text() -> None:
    text = (
        "Patient: Jane Smith  SSN 536 90 4399\nSample card 078-05-1120, example 123-45-6789, bad 666-12-3456"
    )
    d = detect_text(lines(text), CTX)
    assert [e.value for e in d.elements if e.code == "ssn"] == ["536904399"]
    assert d.mentions[0].role == "patient"


def test_phone_and_email_in_text() -> None:
    text = (
        "Member Name: Rob Jones\nPhone: 312.555.0199, cell 2125550134, fax 555-123-4567\n"
        "Email: Rob.Jones@Example.COM"
    )
    d = detect_text(lines(text), CTX)
    key = d.mentions[0].key
    phones = [e.value for e in d.elements if e.code == "phone"]
    assert phones == ["+13125550199", "+12125550134"]  # 555-123-4567 is not a valid number
    assert [e.value for e in d.elements if e.code == "email"] == ["rob.jones@example.com"]
    assert d.mentions[0].phone == "+13125550199" and d.mentions[0].email == "rob.jones@example.com"
    assert all(e.mention_key == key for e in d.elements)


def test_masked_ssn_in_text_is_a_hint_only() -> None:
    text = "Dear Jane Smith,\nYour SSN ending in 6789 and the card ***-**-1234 on file."
    d = detect_text(lines(text), CTX)
    assert d.mentions[0].ssn_last4 == "6789"
    assert [e.code for e in d.elements] == ["name"]


def test_unattributed_ssn_needs_review() -> None:
    d = detect_text(lines("Export 2023-10-01\nSSN 536-90-4399\n"), CTX)
    assert d.mentions == []
    (e,) = d.elements
    assert (e.code, e.mention_key, e.needs_review) == ("ssn", "", True)


def test_dob_in_text_needs_birth_context_and_is_not_borrowed_from_another_date() -> None:
    text = "Name: Jane Smith\nBorn March 4, 1975. Admitted 04-MAR-2020, DOB 19750304\nVisit 03/04/1975"
    d = detect_text(lines(text), CTX)
    assert [e.value for e in d.elements if e.code == "date_of_birth"] == ["1975-03-04", "1975-03-04"]


def test_nearest_preceding_person_wins_and_providers_are_not_people() -> None:
    text = (
        "Patient Name: SMITH, JANE A\nDOB: 01/02/1960\nProvider Name: Dr. Alan Grant\n"
        "SSN: 536-90-4399\nPatient Name: Rob Jones\nDOB: 05/06/1970\nName: Test Patient\nSSN: 412-55-1234\n"
    )
    d = detect_text(lines(text), CTX)
    by_name = {m.last_name: m for m in d.mentions}
    assert set(by_name) == {"SMITH", "Jones"}
    assert (by_name["SMITH"].date_of_birth, by_name["SMITH"].ssn) == ("1960-01-02", "536904399")
    assert by_name["Jones"].date_of_birth == "1970-05-06"
    # the SSN after the test patient belongs to nobody: kept for review
    last = [e for e in d.elements if e.code == "ssn"][-1]
    assert (last.value, last.mention_key, last.needs_review) == ("412551234", "", True)


def test_salutations_that_are_not_names() -> None:
    text = "Dear Valued Customer,\nDear Sir or Madam:\nDear John Doe,\nSSN 536-90-4399"
    d = detect_text(lines(text), CTX)
    assert d.mentions == []


def test_block_offsets_are_used_for_element_offsets() -> None:
    blocks = [TextBlock("page 1", "Dear Jane Smith,", 1000), TextBlock("page 2", "SSN 536-90-4399", 5000)]
    d = detect_text(blocks, CTX)
    assert d.mentions[0].key == "name@1005"
    ssn = next(e for e in d.elements if e.code == "ssn")
    assert (ssn.offset, ssn.location) == (5004, "page 2")


def test_hyperscan_database_is_compiled_once() -> None:
    assert _scanner() is _scanner()


def test_text_read_by_ocr_with_low_confidence_needs_review() -> None:
    text = "Policy holder: Michael A. Nelson\nSSN: 536-22-1234\n"
    sure = detect_text([TextBlock("page 1", text, 0, confidence=91.0)], DetectContext())
    unsure = detect_text([TextBlock("page 1", text, 0, confidence=41.0)], DetectContext())
    assert [m.last_name for m in sure.mentions] == ["Nelson"]
    assert not any(e.needs_review for e in sure.elements)
    assert [m.last_name for m in unsure.mentions] == ["Nelson"]
    assert {e.code for e in unsure.elements if e.needs_review} == {"name", "ssn"}


def test_a_dependents_sheet_whose_only_name_is_prefixed_is_about_that_person() -> None:
    table = Table(
        name="Dependents",
        columns=["Subscriber ID", "Dependent Name", "DOB", "SSN"],
        rows=iter([(2, ["OV9151975", "KIRBY, KELLY D", "08/26/1988", "536-22-1234"])]),
    )
    (found,) = list(detect_table(table, DetectContext()))
    (mention,) = found.mentions
    assert (mention.last_name, mention.first_name, mention.date_of_birth, mention.ssn) == (
        "KIRBY", "KELLY", "1988-08-26", "536221234",
    )  # fmt: skip
    assert mention.role == "dependent" and mention.key == "Dependents!row 2"
