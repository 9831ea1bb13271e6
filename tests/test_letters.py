"""Letters: the template each person gets, what it must and must not say, mail merge and form data."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import duckdb
import pypdfium2 as pdfium
import pytest

from exposure.case.db import open_case
from exposure.config import CaseConfig
from exposure.report.letters import LetterSettings, write_letters
from exposure.report.letters.content import plain_elements
from exposure.report.letters.templates import template_for, templates

CA_HEADINGS = [
    "What Happened?",
    "What Information Was Involved?",
    "What We Are Doing.",
    "What You Can Do.",
    "For More Information.",
]
SETTINGS = LetterSettings(
    organisation="Oceanview Benefits Administrators",
    return_address="100 Harbor Way\nPortland, ME 04101",
    contact_phone="1-800-555-0100",
    what_happened="On March 1, 2024, an attacker copied files from our file-transfer server.",
    credit_monitoring="24 months of credit monitoring",
)
# person_id, name, line1, city, state, zip, elements, is_minor, ssn_last4
PEOPLE = [
    ("P-ca", "Ana Lopez", "1 Main St", "Fresno", "CA", "93650", "name;ssn;date_of_birth", False, "6789"),
    ("P-ma", "Brian Kelly", "2 Elm St", "Boston", "MA", "02108", "name;ssn;financial_account", False, "1111"),
    ("P-minor", "Cara Diaz", "3 Oak St", "Austin", "TX", "73301", "name;date_of_birth;ssn", True, "2222"),
    ("P-me", "Dan Moore", "4 Pine St", "Bangor", "ME", "04401", "name;ssn", False, "3333"),
    ("P-hipaa", "Eve Stone", "5 Ash St", "Salem", "MA", "01970", "name;medical_information;ssn", False, "44"),
    ("P-noaddr", "Finn Ray", "", "", "", "", "name;ssn", False, "5555"),
]
JURISDICTIONS = {
    "P-ca": ["US-CA"],
    "P-ma": ["US-MA"],
    "P-minor": ["US-TX"],
    "P-me": ["US-ME"],
    "P-hipaa": ["HIPAA", "US-MA"],
    "P-noaddr": ["US-NY"],
}


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, Path]:
    case_dir = tmp_path_factory.mktemp("letters-case")
    con = open_case(case_dir)
    for pid, name, line1, city, state, postal, elements, minor, last4 in PEOPLE:
        con.execute(
            "INSERT INTO persons (person_id, full_name, address_line1, city, state, postal_code, elements, "
            "is_minor, ssn_last4, needs_review) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, false)",
            [pid, name, line1, city, state, postal, elements, minor, last4],
        )
    config = CaseConfig(name="Test case", breach_date=dt.date(2024, 3, 1))
    stats = write_letters(con, config, case_dir / "report", JURISDICTIONS, SETTINGS)
    assert stats.letters == 5 and stats.no_address == 1
    return con, case_dir / "report"


def pdf_text(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def _normalised(text: str) -> str:
    return " ".join(text.replace("\r", " ").split())


def test_california_letter_has_the_statutory_title_and_headings_in_order(case) -> None:
    _con, report = case
    text = _normalised(pdf_text(report / "letters" / "P-ca.pdf"))
    assert "Notice of Data Breach" in text
    positions = [text.find(h) for h in CA_HEADINGS]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions
    assert "Social Security number (ending in 6789)" in text
    assert "Equifax" in text  # SSN involved: the credit bureaus' contacts (Cal. Civ. Code 1798.82(d)(2)(G))


def test_massachusetts_letter_omits_what_happened_and_has_police_report_and_free_freeze(case) -> None:
    _con, report = case
    text = _normalised(pdf_text(report / "letters" / "P-ma.pdf"))
    assert "What Happened?" not in text and "attacker copied" not in text
    assert "police report" in text and "free of charge" in text and "security freeze" in text
    assert not re.search(r"\b\d+ (?:residents|people|individuals)\b", text)


def test_a_minor_is_written_to_through_a_parent_or_guardian(case) -> None:
    _con, report = case
    text = _normalised(pdf_text(report / "letters" / "P-minor.pdf"))
    assert "Dear Parent or Guardian of Cara Diaz:" in text
    assert "your child's" in text


def test_hipaa_letter_keeps_dates_and_adds_the_state_extras(case) -> None:
    _con, report = case
    text = _normalised(pdf_text(report / "letters" / "P-hipaa.pdf"))
    assert "March 1, 2024" in text and "protected health information" in text
    assert "police report" in text  # Massachusetts' own section kept beside HIPAA's content
    assert template_for(["HIPAA", "US-MA"]).name == "HIPAA+US-MA"


def test_no_full_ssn_or_account_number_in_any_letter_or_file(case) -> None:
    _con, report = case
    written = list((report / "letters").glob("*.pdf")) + list(report.rglob("*.csv"))
    for path in written:
        text = pdf_text(path) if path.suffix == ".pdf" else path.read_text("utf-8")
        assert not re.search(r"(?<![\d-])(?:\d{3}-\d{2}-\d{4}|\d{9,19})(?![\d-])", text), path.name


def test_mail_merge_has_one_row_per_letter_and_no_address_people_are_listed(case) -> None:
    _con, report = case
    rows = list(csv.DictReader((report / "letters" / "mail_merge.csv").open(encoding="utf-8")))
    assert sorted(r["person_id"] for r in rows) == sorted(p.stem for p in (report / "letters").glob("*.pdf"))
    minor = next(r for r in rows if r["person_id"] == "P-minor")
    assert minor["addressee"] == "Parent or Guardian of Cara Diaz" and minor["is_minor"] == "true"
    assert next(r for r in rows if r["person_id"] == "P-ca")["ssn_last4"] == "ending in 6789"
    missing = list(csv.DictReader((report / "letters" / "no_address.csv").open(encoding="utf-8")))
    assert [r["person_id"] for r in missing] == ["P-noaddr"]


def test_regulator_forms_are_filled_from_the_case(case) -> None:
    _con, report = case
    forms = report / "regulator_forms"
    maine = dict(csv.reader((forms / "maine_attorney_general.csv").open(encoding="utf-8")))
    assert maine["Total number of persons affected (including residents)"] == "6"
    assert maine["Total number of Maine residents affected"] == "1"
    assert maine["Date(s) breach occurred"] == "2024-03-01"
    assert "Social Security Number" in maine["Information acquired - name or other personal identifier in "
                                             "combination with"]  # fmt: skip
    hhs = dict(csv.reader((forms / "hhs_breach_portal.csv").open(encoding="utf-8")))
    assert hhs["Approximate number of individuals affected by the breach"] == "1"
    assert hhs["Breach affecting"] == "Fewer Than 500 Individuals"
    assert "Clinical" in hhs["Type of protected health information involved"]


def test_every_shipped_template_parses_and_california_is_exact() -> None:
    shipped = templates()
    assert {"general", "US-CA", "US-MA", "HIPAA"} <= set(shipped)
    assert shipped["US-CA"].headings == CA_HEADINGS and shipped["US-CA"].title == "Notice of Data Breach"
    assert all(t.min_font_pt >= 10 for t in shipped.values())
    assert template_for(["US-OH"]).name == "general"


def test_elements_in_plain_words() -> None:
    assert plain_elements(["ssn", "name"], "6789") == "name and Social Security number (ending in 6789)"
    assert plain_elements([]) == "personal information"


def test_a_business_associates_hhs_report_names_the_covered_entity(tmp_path: Path) -> None:
    from exposure.config import Owner

    con = open_case(tmp_path / "case")
    con.execute(
        "INSERT INTO persons (person_id, full_name, address_line1, city, state, postal_code, elements, "
        "is_minor, data_owners, needs_review) VALUES ('P1', 'Gil Park', '6 Bay St', 'Reno', 'NV', '89501', "
        "'name;medical_information', false, 'Lakeside Health', false)"
    )
    owner = Owner(name="Lakeside Health", paths=("lakeside/**",), hipaa_role="business_associate")
    config = CaseConfig(name="Vendor case", breach_date=dt.date(2024, 3, 1), owners=(owner,))
    write_letters(
        con, config, tmp_path / "report", {"P1": ["HIPAA", "US-NV"]}, SETTINGS, hipaa_media_states=["NV"]
    )
    hhs = dict(csv.reader((tmp_path / "report" / "regulator_forms" / "hhs_breach_portal.csv").open()))
    assert hhs["Covered entity name"] == "Lakeside Health"
    assert hhs["Media notice required"] == "Yes (NV)"  # as the law engine decided it
    associate = (hhs["Business associate involved"], hhs["Business associate name"])
    assert associate == ("Yes", SETTINGS.organisation)
