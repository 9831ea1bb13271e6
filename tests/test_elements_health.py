"""Health, biometric and credential families: health_insurance_id, medical_record_number,
medical_information, biometric and online_credentials, in columns and in text, with decoys, and a
generated labelled set whose per-element precision and recall are asserted."""

from __future__ import annotations

import doctest
import importlib
import random
import string
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl
import pytest
from faker import Faker

from exposure.detect import DetectContext, detect_table, detect_text
from exposure.detect.columns import classify_column, classify_columns, normalise_series
from exposure.detect.elements import BIOMETRIC, CREDENTIALS, HEALTH, REGISTRY, FieldSpec
from exposure.detect.elements.biometric import normalise_biometric
from exposure.detect.elements.health_insurance_id import (
    member_id_expression,
    normalise_mbi,
    normalise_medicare_id,
    normalise_member_id,
)
from exposure.detect.elements.medical_information import (
    icd10cm_codes,
    normalise_icd10cm,
    normalise_icd10cm_cell,
    normalise_ndc,
    normalise_procedure_code,
)
from exposure.detect.elements.medical_record_number import mrn_expression, normalise_mrn
from exposure.detect.elements.online_credentials import normalise_secret, normalise_username
from exposure.masking import mask_value
from exposure.model import Detections, Table, TextBlock

CTX = DetectContext()
MY_MODULES = ("health_insurance_id", "medical_record_number", "medical_information", "biometric",
              "online_credentials")  # fmt: skip
MY_CODES = ("health_insurance_id", "medical_record_number", "medical_information", "biometric",
            "online_credentials")  # fmt: skip
MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # A-Z without S L O I B Z


# ---- helpers -----------------------------------------------------------------------------------


def lines(text: str) -> list[TextBlock]:
    blocks, offset = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        blocks.append(TextBlock(location=f"line {number}", text=line, offset=offset))
        offset += len(line) + 1
    return blocks


def found(text: str, code: str) -> list[str]:
    """Values of elements ``code`` that detect_text finds in ``text``."""
    return [e.value for e in detect_text(lines(text), CTX).elements if e.code == code]


def plans_for(header: str, values: Sequence[str]) -> list[tuple[str, str]]:
    """(field, element) of each plan classify_column makes for one column."""
    plans = classify_column(0, header, pl.Series(list(values), dtype=pl.String), True)
    return [(p.spec.field, p.spec.element) for p in plans]


def detect_all(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Detections:
    table = Table("t", list(columns), iter([(i + 2, list(r)) for i, r in enumerate(rows)]))
    out = Detections()
    for batch in detect_table(table, CTX):
        out.extend(batch)
    return out


def random_mbi(rng: random.Random) -> str:
    letter, digit = (lambda: rng.choice(MBI_LETTERS)), (lambda: rng.choice(string.digits))
    alnum = lambda: rng.choice(MBI_LETTERS + string.digits)  # noqa: E731
    return "".join(
        [rng.choice("123456789"), letter(), alnum(), digit(), letter(), alnum(), digit(), letter(), letter(),
         digit(), digit()]
    )  # fmt: skip


def random_member_id(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_uppercase, k=3)) + "".join(rng.choices(string.digits, k=9))


def random_mrn(rng: random.Random) -> str:
    return "".join(rng.choices(string.digits, k=8))


def random_icd(rng: random.Random) -> str:
    """A real ICD-10-CM code, dotted."""
    codes = _sorted_codes()
    return normalise_icd10cm(codes[rng.randrange(len(codes))])


def _sorted_codes() -> list[str]:
    global _CODES
    if not _CODES:
        _CODES = sorted(c for c in icd10cm_codes() if len(c) >= 4)
    return _CODES


_CODES: list[str] = []


def random_invalid_icd(rng: random.Random) -> str:
    """Shaped like a dotted ICD-10-CM code, but not in the code set."""
    while True:
        code = (
            rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            + f"{rng.randint(0, 99):02d}"
            + f"{rng.randint(0, 999):03d}"
        )
        if code not in icd10cm_codes():
            return f"{code[:3]}.{code[3:]}"


def random_ndc(rng: random.Random) -> str:
    return f"{rng.randint(1, 99999):05d}-{rng.randint(1, 9999):04d}-{rng.randint(1, 99):02d}"


def npi(rng: random.Random) -> str:
    """A Luhn-valid NPI (prefix 80840 in the check), as providers have."""
    body = "1" + "".join(rng.choices(string.digits, k=8))
    digits = [int(d) for d in "80840" + body]
    total = 0
    for i, d in enumerate(reversed(digits)):
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


# ---- the catalog ---------------------------------------------------------------------------------


def test_families_are_registered_with_their_codes_and_legal_category() -> None:
    expected = {
        "health_insurance_id": HEALTH,
        "medical_record_number": HEALTH,
        "medical_information": HEALTH,
        "biometric": BIOMETRIC,
        "online_credentials": CREDENTIALS,
    }
    for code, category in expected.items():
        family = REGISTRY.family_of(code)
        assert family is not None, code
        assert family.legal_category == category


@pytest.mark.parametrize("module", MY_MODULES)
def test_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"exposure.detect.elements.{module}"))
    assert result.attempted > 0 and result.failed == 0


# ---- validators ----------------------------------------------------------------------------------


def test_mbi_follows_every_cms_position_rule() -> None:
    valid = "1EG4TE5MK72"
    assert normalise_mbi(valid) == valid
    assert normalise_mbi("1eg4-te5-mk72") == valid  # printed with dashes, typed in lower case
    assert normalise_mbi("1EG4TE5MK73") == ""  # CMS's published example
    broken = {
        0: "0",  # position 1 is 1-9
        1: "4",  # 2 alphabetic
        3: "A",  # 4 numeric
        4: "5",  # 5 alphabetic
        6: "X",  # 7 numeric
        7: "7",  # 8 alphabetic
        8: "2",  # 9 alphabetic
        9: "K",  # 10 numeric
        10: "M",  # 11 numeric
    }
    for position, char in broken.items():
        assert normalise_mbi(valid[:position] + char + valid[position + 1 :]) == "", position
    for excluded in "SLOIBZ":
        assert normalise_mbi(valid[:1] + excluded + valid[2:]) == "", excluded
    assert normalise_mbi(valid[:10]) == "" and normalise_mbi(valid + "1") == ""


def test_random_mbis_are_valid_and_legacy_hicns_are_medicare_ids() -> None:
    rng = random.Random(5)
    for _ in range(200):
        mbi = random_mbi(rng)
        assert normalise_mbi(mbi) == mbi or mbi == "1EG4TE5MK73"
    assert normalise_medicare_id("536-90-4399A") == "536904399A"
    assert normalise_medicare_id("536904399C1") == "536904399C1"
    assert normalise_medicare_id("not an id") == ""


def test_member_ids_reject_masks_dates_and_fillers() -> None:
    assert normalise_member_id("xeh 1234-5678-9") == "XEH123456789"
    for decoy in ("****6789", "XXXXX6789", "2020-01-01", "01/02/2020", "000000000", "ABCDEFG", "12", "Ab-1"):
        assert normalise_member_id(decoy) == "", decoy


PAIRED_VALUES = [
    "XEH123456789", "xeh 1234-5678-9", "1EG4TE5MK72", "1eg4-te5-mk72", "1EG4TE5MK73", "1SG4TE5MK72",
    "536-90-4399A", "536904399C1", "AB123456", "E11.9", "e119", "E11.9, I10", "E11.9,,I10", "E11.9; Z99.999",
    "Z99.999", "S72.001A", "T36.0X1A", "99213", "99213-25", "J1100", "0DTJ4ZZ", "ABCDE", "0002-3227-30",
    "00002322730", "0000000000", "Type 2 diabetes", "  Metformin   500 mg ", "N/A", "none", "2021-03-04",
    "Rk1SACAyMAAAAAFiAAABQAHg", "Y", "********", "xxxx", "[redacted]", "hunter22", "jsmith42", "John Smith",
    "ab", "", " ", "****6789", "é12345", "a" * 600,
]  # fmt: skip


MY_FIELDS = ("medicare_mbi", "medicare_id", "member_id", "medical_record_number", "diagnosis_code",
             "procedure_code", "drug_code", "medical_description", "biometric", "username",
             "password")  # fmt: skip


@pytest.mark.parametrize(
    "spec", [f for f in REGISTRY.fields() if f.field in MY_FIELDS], ids=lambda f: f.field
)
def test_each_polars_expression_agrees_with_its_python_normaliser(spec: FieldSpec) -> None:
    assert spec.normalise is not None and spec.polars_normalise is not None
    series = pl.Series(PAIRED_VALUES, dtype=pl.String)
    vectorised = pl.DataFrame({"v": series}).select(spec.polars_normalise(pl.col("v"))).to_series().to_list()
    assert vectorised == [spec.normalise(v) or None for v in PAIRED_VALUES]


def test_polars_expressions_agree_with_the_python_normalisers() -> None:
    rng = random.Random(3)
    values = [random_member_id(rng) for _ in range(50)] + [random_mrn(rng) for _ in range(50)]
    values += [
        "****6789",
        "2020-01-01",
        "000000000",
        "ab 12-34 5",
        "X",
        "",
        "XXXX1234",
        "1-2-3-4-5-6",
        "é12345",
    ]
    series = pl.Series(values, dtype=pl.String)
    for expression, normalise in (
        (member_id_expression, normalise_member_id),
        (mrn_expression, normalise_mrn),
    ):
        vectorised = pl.DataFrame({"v": series}).select(expression(pl.col("v"))).to_series().to_list()
        assert vectorised == [normalise(v) or None for v in values]


def test_icd10cm_code_set_is_the_real_one() -> None:
    codes = icd10cm_codes()
    assert len(codes) > 70_000  # the CMS list: every category, subcategory and 7th-character code
    assert all(normalise_icd10cm(code) for code in codes)
    assert normalise_icd10cm("E11.9") == "E11.9"
    assert normalise_icd10cm("e119") == "E11.9"
    assert normalise_icd10cm("T36.0X1A") == "T36.0X1A"  # placeholder X and a 7th character
    assert normalise_icd10cm("I10") == "I10"
    for decoy in ("Z99.999", "E11.99999", "A00-A09", "3.10", "E1", "U99.9"):
        assert normalise_icd10cm(decoy) == "", decoy
    assert normalise_icd10cm_cell("E11.9, I10") == "E11.9;I10"
    assert normalise_icd10cm_cell("E11.9, Z99.999") == ""


def test_procedure_and_drug_code_shapes() -> None:
    assert normalise_procedure_code("99213") == "99213"
    assert normalise_procedure_code("99213-25") == "99213-25"
    assert normalise_procedure_code("J1100") == "J1100"
    assert normalise_procedure_code("0DTJ4ZZ") == "0DTJ4ZZ"  # ICD-10-PCS
    for decoy in ("9921", "ABCDE", "hello", "992134"):
        assert normalise_procedure_code(decoy) == "", decoy
    assert normalise_ndc("0002-3227-30") == "0002-3227-30"
    assert normalise_ndc("00002322730") == "00002322730"
    assert normalise_ndc("0002-32270-3") == "" and normalise_ndc("0000000000") == ""


def test_biometric_and_secret_values_are_kept_as_digests_never_as_placeholders() -> None:
    template = "Rk1SACAyMAAAAAFiAAABQAHgAMUAxQEAAAAoJ0"
    kept = normalise_biometric(template)
    assert kept.startswith("sha256:") and template not in kept
    for flag in ("Y", "N", "true", "enrolled", "2021-03-04", "********", "", "n/a"):
        assert normalise_biometric(flag) == "", flag
    assert normalise_secret("hunter22") == normalise_secret(" hunter22 ") != normalise_secret("hunter23")
    assert "hunter22" not in normalise_secret("hunter22")
    for placeholder in ("********", "xxxx", "N/A", "Y", "123", "[redacted]"):
        assert normalise_secret(placeholder) == "", placeholder
    assert normalise_username("jsmith42") == "jsmith42"
    assert normalise_username("John Smith") == "" and normalise_username("ab") == ""


def test_masked_display_reveals_at_most_the_last_four() -> None:
    for code in ("health_insurance_id", "medical_record_number"):
        family = REGISTRY.family_of(code)
        assert family is not None
        shown = family.masker(code, "XEH123456789")
        assert shown.endswith("6789") and "XEH12345" not in shown
    assert mask_value("online_credentials", "sha256:0123456789abcdef") == "s***"


# ---- columns -------------------------------------------------------------------------------------

COLUMN_CASES = [
    ("member_id", ["XEH123456789", "W987654321"], ("member_id", "health_insurance_id")),
    ("Subscriber #", ["123456789", "987654321"], ("member_id", "health_insurance_id")),
    ("mbr_no", ["M0001234", "M0004567"], ("member_id", "health_insurance_id")),
    ("insured_id", ["XEH123456789"], ("member_id", "health_insurance_id")),
    ("Medicaid ID", ["AB12345C", "CD67890E"], ("member_id", "health_insurance_id")),
    ("CIN", ["AB12345C", "CD67890E"], ("member_id", "health_insurance_id")),
    ("MBI", ["1EG4TE5MK72", "9AA9AA9AA99"], ("medicare_mbi", "health_insurance_id")),
    ("HICN", ["123456789A", "987654321B1"], ("medicare_id", "health_insurance_id")),
    ("medicare_id", ["1EG4TE5MK72", "123456789A"], ("medicare_id", "health_insurance_id")),
    ("MRN", ["00123456", "00654321"], ("medical_record_number", "medical_record_number")),
    ("Medical Record #", ["00123456"], ("medical_record_number", "medical_record_number")),
    ("patient_mrn", ["00123456"], ("medical_record_number", "medical_record_number")),
    ("chart_no", ["A778812"], ("medical_record_number", "medical_record_number")),
    ("dx_code", ["E11.9", "I10", "J45909"], ("diagnosis_code", "medical_information")),
    ("ICD10", ["E11.9", "S72.001A"], ("diagnosis_code", "medical_information")),
    ("dx1", ["E11.9", "I10"], ("diagnosis_code", "medical_information")),
    ("diagnosis", ["Type 2 diabetes", "Asthma"], ("medical_description", "medical_information")),
    ("medications", ["Metformin 500 mg", "Lisinopril"], ("medical_description", "medical_information")),
    ("cpt_code", ["99213", "0001F"], ("procedure_code", "medical_information")),
    ("HCPCS", ["J1100", "G0008"], ("procedure_code", "medical_information")),
    ("ndc", ["0002-3227-30", "12345678901"], ("drug_code", "medical_information")),
    ("fingerprint_template", ["Rk1SACAyMAAAAAFiAAABQAHgAMUAxQEAAAAoJ0", ""], ("biometric", "biometric")),
    ("face_encoding", ["[0.123, -0.456, 0.789, 0.111]"], ("biometric", "biometric")),
    ("voiceprint", ["a9f3c2...e1", "77ab01cd9e2f"], ("biometric", "biometric")),
    ("password", ["hunter22", "$2b$12$abcdefghijklmnopqrstuv"], ("password", "online_credentials")),
    ("password_hash", ["5f4dcc3b5aa765d61d8327deb882cf99"], ("password", "online_credentials")),
    ("security_answer", ["Fluffy", "Springfield"], ("password", "online_credentials")),
    ("user_name", ["jsmith42", "mjones"], ("username", "")),
    ("login", ["jsmith42"], ("username", "")),
]


@pytest.mark.parametrize(("header", "values", "expected"), COLUMN_CASES, ids=[c[0] for c in COLUMN_CASES])
def test_columns_are_classified_by_header_and_values(
    header: str, values: list[str], expected: tuple[str, str]
) -> None:
    assert plans_for(header, values)[:1] == [expected]


DECOY_COLUMNS = [
    ("policy_number", ["P12345678", "P98765432"]),
    ("claim_number", ["C12345678", "2023123456789"]),
    ("group_number", ["G1234567"]),
    ("plan_id", ["H1234-001"]),
    ("plan_name", ["Gold PPO", "Silver HMO 2000"]),  # enrollment shows as the member id, not as this
    ("provider_npi", ["1234567893"]),
    ("NPI", ["1234567893"]),
    ("order_number", ["123456789"]),
    ("member_id", ["****6789", "XXXXX1234"]),  # masked: not the element
    ("member_id", ["2020-01-01", "2021-05-06"]),
    ("icd10", ["Z99.999", "A99.999"]),  # shaped like codes, not in the code set
    ("fingerprint_enrolled", ["Y", "N", "Y"]),
    ("biometric_consent_date", ["2021-01-01", "2022-02-02"]),
    ("password_required", ["true", "false"]),
    ("patient_id", ["1001", "1002"]),
    ("customer_id", ["1001", "1002"]),
    ("rendering_provider_dx", ["E11.9"]),
]


@pytest.mark.parametrize(
    ("header", "values"), DECOY_COLUMNS, ids=[f"{h}-{i}" for i, (h, _) in enumerate(DECOY_COLUMNS)]
)
def test_decoy_columns_expose_none_of_these_elements(header: str, values: list[str]) -> None:
    assert [element for _, element in plans_for(header, values) if element in MY_CODES] == []


def test_person_prefixes_give_a_dependent_their_own_member_id_column() -> None:
    plans = classify_columns(["member_id", "spouse_member_id", "dep1_mrn"], True,
                             [["XEH123456789", "XEH123456790", "00123456"]])  # fmt: skip
    assert [(p.person, p.spec.element) for p in plans] == [
        ("", "health_insurance_id"),
        ("spouse", "health_insurance_id"),
        ("dep1", "medical_record_number"),
    ]


def test_a_column_validates_whole_with_invalid_cells_dropped() -> None:
    spec = next(f for f in REGISTRY.fields() if f.field == "diagnosis_code")
    values = pl.Series(["E11.9", "Z99.999", "i10", None, "e119 , J45.909"], dtype=pl.String)
    assert normalise_series(spec, values).to_list() == ["E11.9", None, "I10", None, "E11.9;J45.909"]


# ---- records, end to end (detect_table) -----------------------------------------------------------

HEALTH_COLUMNS = ["first_name", "last_name", "member_id", "MRN", "dx_code", "diagnosis",
                  "fingerprint_template", "username", "password", "policy_number", "claim_number",
                  "provider_npi", "spouse_first_name", "spouse_last_name", "spouse_member_id"]  # fmt: skip


def test_records_emit_each_persons_health_elements_and_no_decoys() -> None:
    rows = [
        ["Maria", "Lopez", "XEH123456789", "00451123", "E11.9", "Type 2 diabetes", "Rk1SACAyMAAAAAFiAAABQAHg",
         "mlopez", "Winter2023!", "P1234567", "C99887766", "1234567893", "Juan", "Lopez", "XEH123456790"],
        ["Tom", "Baker", "XEH555666777", "00451124", "I10", "Hypertension", "", "", "hunter22", "P1234568",
         "C99887767", "1234567893", "", "", ""],
    ]  # fmt: skip
    out = detect_all(HEALTH_COLUMNS, rows)
    by_key: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for e in out.elements:
        by_key[e.mention_key][e.code].add(e.value)
    maria, tom, juan = by_key["t!row 2"], by_key["t!row 3"], by_key["t!row 2/spouse"]
    assert maria["health_insurance_id"] == {"XEH123456789"}
    assert maria["medical_record_number"] == {"00451123"}
    assert maria["medical_information"] == {"E11.9", "Type 2 diabetes"}
    assert len(maria["biometric"]) == 1 and len(maria["online_credentials"]) == 1
    assert juan["health_insurance_id"] == {"XEH123456790"}
    assert "medical_information" not in juan
    # Tom's password has no user name or e-mail beside it: not a credential.
    assert "online_credentials" not in tom and tom["medical_information"] == {"I10", "Hypertension"}
    values = {e.value for e in out.elements}
    assert not values & {"P1234567", "C99887766", "1234567893", "Winter2023!", "hunter22"}


def test_a_password_beside_an_email_is_a_credential() -> None:
    out = detect_all(["name", "email", "pwd"], [["Ann Lee", "ann.lee@example.org", "s3cret!pw"]])
    assert [e.code for e in out.elements if e.code == "online_credentials"] == ["online_credentials"]


# ---- text ----------------------------------------------------------------------------------------


def test_member_ids_in_text_need_a_member_label() -> None:
    assert found("Member ID: XEH123456789", "health_insurance_id") == ["XEH123456789"]
    assert found("Subscriber #: 123456789", "health_insurance_id") == ["123456789"]
    assert found("Medicaid No. AB12345C was active.", "health_insurance_id") == ["AB12345C"]
    assert found("Medicaid recipient ID 1234 5678 90", "health_insurance_id") == ["1234567890"]
    assert found("Member Identification: XEH123456789", "health_insurance_id") == ["XEH123456789"]
    for decoy in ("Policy Number: ABC1234567", "Group #: 55501234", "Claim #: 2023123456789",
                  "Member: Jane Smith", "Member since 2019", "Order 123456789"):  # fmt: skip
        assert found(decoy, "health_insurance_id") == [], decoy


def test_mbi_is_recognised_without_a_label_but_not_beside_other_numbers() -> None:
    assert found("Her number is 1EG4-TE5-MK72 on the card.", "health_insurance_id") == ["1EG4TE5MK72"]
    assert found("Medicare: 2AC4TE5MK72", "health_insurance_id") == ["2AC4TE5MK72"]
    assert found("Order #: 1EG4TE5MK72", "health_insurance_id") == []
    assert found("Tracking 1EG4TE5MK72", "health_insurance_id") == []
    assert found("Ref 1EG4TE5MK73 sample card", "health_insurance_id") == []  # CMS's own example
    assert found("Serial 1SG4TE5MK72", "health_insurance_id") == []  # S is never in an MBI


def test_medical_record_numbers_by_label() -> None:
    assert found("MRN: 00451123", "medical_record_number") == ["00451123"]
    assert found("Medical Record #: 9912-3344", "medical_record_number") == ["99123344"]
    assert found("Chart # A778812", "medical_record_number") == ["A778812"]
    assert found("Medical record reviewed on 01/02/2023", "medical_record_number") == []
    assert found("Account 00451123", "medical_record_number") == []
    assert found("Member #: MRN597467725", "medical_record_number") == []  # one token, not label + value


def test_icd10cm_codes_in_text_are_checked_against_the_code_set() -> None:
    assert found("Dx: E11.9, I10", "medical_information") == ["E11.9", "I10"]
    assert found("Seen today; assessed as J45.909.", "medical_information") == ["J45.909"]
    assert found("ICD-10 code E119 was billed", "medical_information") == ["E11.9"]
    assert found("Dx: Z99.999", "medical_information") == []  # shaped like a code, not one
    assert found("Upgraded Python to 3.10.2 last week", "medical_information") == []
    assert found("See section A01.1 of the contract", "medical_information") == []
    assert found("Bring form E119 to room B12", "medical_information") == []  # undotted without context
    assert found("Room E11.9 is on the left", "medical_information") == []  # a valid code, but a room
    # A surname that is also a negative word ("Page") on the line before does not hide the code.
    assert found("Member Name: Travis Page\nDx: S02.11DB", "medical_information") == ["S02.11DB"]


def test_ndc_and_labelled_medical_text() -> None:
    assert found("NDC 0002-3227-30 dispensed", "medical_information") == ["0002-3227-30"]
    assert found("Order 0002-3227-30 shipped", "medical_information") == []
    assert found("Medications: Metformin 500 mg twice daily", "medical_information") == [
        "Metformin 500 mg twice daily"
    ]
    assert found("Diagnosis: Major depressive disorder   DOB: 03/04/1975", "medical_information") == [
        "Major depressive disorder"
    ]
    assert found("Diagnosis: N/A", "medical_information") == []


def test_diagnosis_terms_need_diagnostic_context() -> None:
    text = "Resident: Tom Baker\nHe was diagnosed with depression in 2019 and has a history of asthma."
    assert sorted(found(text, "medical_information")) == ["asthma", "depression"]
    assert found("Donations go to the American Cancer Society.", "medical_information") == []
    assert found("Our asthma awareness walk is on Saturday.", "medical_information") == []


def test_biometric_keys_in_text() -> None:
    text = 'Member: Sara King\n{"face_encoding": "AAECAwQFBgcICQoLDA0ODxAREhM="}'
    assert len(found(text, "biometric")) == 1
    assert found("fingerprint: enrolled", "biometric") == []


def test_credentials_in_text_need_a_user_name_or_email_near_the_secret() -> None:
    assert len(found("Username: abrooks77\nPassword: Winter2023!", "online_credentials")) == 1
    assert len(found("login=abrooks77;pwd=Winter2023!", "online_credentials")) == 1
    assert len(found("Security answer: Fluffy (for ann.lee@example.org)", "online_credentials")) == 1
    assert found("Customer: Alan Brooks\nPassword: Winter2023!", "online_credentials") == []
    assert found("Password: Winter2023!", "online_credentials") == []
    assert found("Username: abrooks77\nReset your password: click here", "online_credentials") == []
    assert found("Username: abrooks77\nPassword: ********", "online_credentials") == []


def test_elements_are_attributed_to_the_patient_they_follow() -> None:
    text = (
        "Patient: Maria Lopez\nMember ID: XEH123456789\nMRN: 00451123\nDx: E11.9\n\n"
        "Patient: Robert Chen\nMember ID: QRS987654321\nMRN: 00451124\nDx: I10"
    )
    out = detect_text(lines(text), CTX)
    owner = {m.key: m.full_name for m in out.mentions}
    tied = {(owner.get(e.mention_key, ""), e.code, e.value) for e in out.elements if e.code in MY_CODES}
    assert tied == {
        ("Maria Lopez", "health_insurance_id", "XEH123456789"),
        ("Maria Lopez", "medical_record_number", "00451123"),
        ("Maria Lopez", "medical_information", "E11.9"),
        ("Robert Chen", "health_insurance_id", "QRS987654321"),
        ("Robert Chen", "medical_record_number", "00451124"),
        ("Robert Chen", "medical_information", "I10"),
    }


def test_letter_elements_go_to_the_addressee() -> None:
    text = "Dear Mr. Robert Chen,\nYour Medicare number 1EG4-TE5-MK72 was in the files."
    out = detect_text(lines(text), CTX)
    [mention] = out.mentions
    [element] = [e for e in out.elements if e.code == "health_insurance_id"]
    assert element.mention_key == mention.key and not element.needs_review


# ---- a generated labelled set: per-element precision and recall ------------------------------------


@dataclass
class Labelled:
    text: str
    truth: set[tuple[str, str]] = field(default_factory=set)  # (code, normalised value)


def _document(rng: random.Random, fake: Faker) -> Labelled:
    """One note or letter about one person, with some true elements and some decoys."""
    name = f"{fake.first_name()} {fake.last_name()}"
    parts: list[str] = [rng.choice([f"Patient: {name}", f"Dear {name},", f"Member Name: {name}"])]
    truth: set[tuple[str, str]] = set()

    def add(line: str, code: str = "", value: str = "") -> None:
        parts.append(line)
        if code:
            truth.add((code, value))

    if rng.random() < 0.6:
        member = random_member_id(rng)
        add(f"{rng.choice(['Member ID', 'Subscriber ID', 'Member #', 'Insured ID'])}: {member}",
            "health_insurance_id", member)  # fmt: skip
    if rng.random() < 0.4:
        mbi = random_mbi(rng)
        shown = f"{mbi[:4]}-{mbi[4:7]}-{mbi[7:]}" if rng.random() < 0.5 else mbi
        add(
            rng.choice([f"Medicare number {shown} is on file.", f"Card: {shown}"]), "health_insurance_id", mbi
        )
    if rng.random() < 0.5:
        mrn = random_mrn(rng)
        add(f"{rng.choice(['MRN', 'Medical Record #', 'Chart #'])}: {mrn}", "medical_record_number", mrn)
    if rng.random() < 0.6:
        code = random_icd(rng)
        shown = code if rng.random() < 0.6 else code.replace(".", "")
        add(f"{rng.choice(['Dx', 'Diagnosis code', 'ICD-10'])}: {shown}", "medical_information", code)
    if rng.random() < 0.3:
        ndc = random_ndc(rng)
        add(f"NDC {ndc} was dispensed.", "medical_information", ndc)
    if rng.random() < 0.3:
        term = rng.choice(["diabetes", "asthma", "hypertension", "depression", "epilepsy"])
        add(f"The patient was diagnosed with {term} last year.", "medical_information", term)
    if rng.random() < 0.3:
        user, secret = fake.user_name(), fake.password(length=12)
        add(f"Username: {user}\nPassword: {secret}", "online_credentials", normalise_secret(secret))
    if rng.random() < 0.2:
        blob = fake.sha256()
        add(f"fingerprint_template: {blob}", "biometric", normalise_biometric(blob))
    # Decoys: business and provider numbers, invalid codes, secrets with nobody's account beside them.
    for _ in range(rng.randint(1, 3)):
        add(
            rng.choice(
                [
                    f"Order #: {rng.randint(10**8, 10**9 - 1)}",
                    f"Tracking number 1Z{rng.randint(10**15, 10**16 - 1)}",
                    f"Invoice {random_member_id(rng)}",
                    f"Provider NPI: {npi(rng)}",
                    f"Claim Number: {rng.randint(10**11, 10**12 - 1)}",
                    f"Policy Number: {random_member_id(rng)}",
                    f"Group #: {rng.randint(10**5, 10**6 - 1)}",
                    f"Diagnosis code {random_invalid_icd(rng)} was rejected as invalid.",
                    f"Installed version {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                    f"Order #: {random_mbi(rng)}",
                    f"Call us at {fake.phone_number()}.",
                    "Reset your password: click here.",
                    "Donations go to the American Cancer Society.",
                ]
            )
        )
    if rng.random() < 0.3:
        parts.append(f"\n\n\n\n{' '.join(fake.words(40))}\nPassword: {fake.password(length=10)}")
    return Labelled("\n".join(parts), truth)


def precision_recall(docs: Iterable[Labelled]) -> dict[str, tuple[float, float, int]]:
    """Per element code: (precision, recall, number of true values) over all documents."""
    tp: dict[str, int] = defaultdict(int)
    detected: dict[str, int] = defaultdict(int)
    expected: dict[str, int] = defaultdict(int)
    for doc in docs:
        got = {(e.code, e.value) for e in detect_text(lines(doc.text), CTX).elements if e.code in MY_CODES}
        for code, _ in got:
            detected[code] += 1
        for code, _ in doc.truth:
            expected[code] += 1
        for code, _ in got & doc.truth:
            tp[code] += 1
    return {
        code: (
            tp[code] / detected[code] if detected[code] else 1.0,
            tp[code] / expected[code],
            expected[code],
        )
        for code in expected
    }


def test_generated_labelled_text_precision_and_recall() -> None:
    rng, fake = random.Random(20231101), Faker("en_US")
    fake.seed_instance(20231101)
    scores = precision_recall(_document(rng, fake) for _ in range(400))
    assert set(scores) == set(MY_CODES)
    for code, (precision, recall, count) in scores.items():
        assert count >= 20, code
        assert precision >= 0.97, (code, precision)
        assert recall >= 0.95, (code, recall)


def test_generated_labelled_table_precision_and_recall() -> None:
    """Rows with every health column and decoy columns: each true value found, nothing else."""
    rng, fake = random.Random(7), Faker("en_US")
    fake.seed_instance(7)
    columns = ["first_name", "last_name", "email", "Member ID", "MBI", "MRN", "Dx Code", "NDC", "Password",
               "Face Template", "Order Number", "Claim #", "Provider NPI", "Policy No"]  # fmt: skip
    rows, truth = [], set()
    for number in range(300):
        member, mbi, mrn, icd = random_member_id(rng), random_mbi(rng), random_mrn(rng), random_icd(rng)
        ndc, secret, blob = random_ndc(rng), fake.password(length=12), fake.sha256()
        email = fake.email() if rng.random() < 0.7 else ""
        rows.append([fake.first_name(), fake.last_name(), email, member, mbi, mrn, icd, ndc, secret, blob,
                     str(rng.randint(10**8, 10**9 - 1)), str(rng.randint(10**11, 10**12 - 1)), npi(rng),
                     random_member_id(rng)])  # fmt: skip
        key = f"t!row {number + 2}"
        truth |= {(key, "health_insurance_id", member), (key, "health_insurance_id", mbi),
                  (key, "medical_record_number", mrn), (key, "medical_information", icd),
                  (key, "medical_information", ndc),
                  (key, "biometric", normalise_biometric(blob))}  # fmt: skip
        if email:
            truth.add((key, "online_credentials", normalise_secret(secret)))
    got = {(e.mention_key, e.code, e.value) for e in detect_all(columns, rows).elements if e.code in MY_CODES}
    for code in MY_CODES:
        expected = {t for t in truth if t[1] == code}
        detected = {g for g in got if g[1] == code}
        precision = len(detected & expected) / len(detected) if detected else 0.0
        recall = len(detected & expected) / len(expected)
        assert precision == 1.0 and recall == 1.0, (code, precision, recall)
