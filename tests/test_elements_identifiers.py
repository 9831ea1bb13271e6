"""Government and financial identifiers: SSN/TIN, ITIN, driver's license, passport, bank account, card.

Columns are checked through ``classify_column`` / ``normalise_series`` (header + values), text through
``detect_text``, whole tables through ``detect_table``. Values are generated (Luhn, ABA and ITIN
check rules computed here with python-stdnum) so that nothing depends on a handful of literals, and every
family is run against decoys: order, invoice, tracking, claim and policy numbers, provider NPIs, phone
numbers, routing numbers alone, published test SSNs and cards, masked values.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import polars as pl
import pytest
from stdnum import iban, luhn
from stdnum.us import rtn

from exposure.detect.columns import ColumnPlan, classify_column, normalise_series
from exposure.detect.context import DetectContext
from exposure.detect.elements import REGISTRY
from exposure.detect.elements.drivers_license import (
    STATE_FORMATS,
    normalise_for_state,
    normalise_license_cell,
)
from exposure.detect.elements.financial_account import normalise_account, normalise_iban, normalise_routing
from exposure.detect.elements.itin import normalise_itin
from exposure.detect.elements.passport import normalise_passport
from exposure.detect.elements.payment_card import TEST_CARDS, issuer_allows, normalise_card
from exposure.detect.elements.ssn import normalise_ssn
from exposure.detect.records import detect_table
from exposure.detect.text import detect_text
from exposure.masking import mask_value
from exposure.model import Detections, Element, Table, TextBlock

CTX = DetectContext()
MY_CODES = ("ssn", "itin", "drivers_license", "passport", "financial_account", "payment_card")


# ---- generated values -------------------------------------------------------------------------------


class Values:
    """Random valid identifiers and decoys, all distinct, from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def digits(self, n: int, first: str = "123456789") -> str:
        while True:
            value = self.rng.choice(first) + "".join(self.rng.choice("0123456789") for _ in range(n - 1))
            if value not in self.used and len(set(value)) > min(3, n - 2):  # no filler like 1111111
                self.used.add(value)
                return value

    def ssn(self) -> str:
        while True:
            area = self.rng.choice([self.rng.randint(1, 665), self.rng.randint(667, 899)])
            value = f"{area:03d}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"
            if normalise_ssn(value):
                return value

    def itin(self) -> str:
        group = self.rng.choice([*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)])
        return f"9{self.rng.randint(0, 99):02d}-{group:02d}-{self.rng.randint(1, 9999):04d}"

    def card(self) -> str:
        prefix, length = self.rng.choice((("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("37", 15),
                                          ("6011", 16), ("3530", 16), ("4", 19)))  # fmt: skip
        while True:
            body = prefix + self.digits(length - len(prefix) - 1, "0123456789")
            number = body + luhn.calc_check_digit(body)
            if normalise_card(number):
                return number

    def luhn_decoy(self, first: str = "4") -> str:
        """A 16-digit number in a card range that passes Luhn: what an order number sometimes is."""
        body = first + self.digits(14, "0123456789")
        return body + luhn.calc_check_digit(body)

    def routing(self) -> str:
        body = self.rng.choice(["0", "1", "2", "3"]) + self.digits(7, "0123456789")
        return body + rtn.calc_check_digit(body)

    def npi(self) -> str:
        body = "1" + self.digits(8, "0123456789")
        return body + luhn.calc_check_digit("80840" + body)

    def license_for(self, state: str) -> str:
        letter = lambda: self.rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")  # noqa: E731
        makers = {
            "CA": lambda: letter() + self.digits(7, "0123456789"),
            "FL": lambda: letter() + self.digits(12, "0123456789"),
            "IL": lambda: letter() + self.digits(11, "0123456789"),
            "NY": lambda: self.digits(9),
            "TX": lambda: self.digits(8, "12345"),
            "NJ": lambda: letter() + self.digits(14, "0123456789"),
            "WI": lambda: letter() + self.digits(13, "0123456789"),
            "PA": lambda: self.digits(8),
        }
        return makers[state]()

    def passport(self) -> str:
        return self.rng.choice(
            [self.digits(9, "5"), self.rng.choice("ACEFGH") + self.digits(8, "0123456789")]
        )

    def iban(self) -> str:
        """A German IBAN: DE, the check digits stdnum computes, an 18-digit BBAN."""
        bban = self.digits(18)
        return f"DE{iban.calc_check_digits('DE00' + bban)}{bban}"


@pytest.fixture
def values() -> Values:
    return Values(11)


# ---- helpers ----------------------------------------------------------------------------------------


def plans_for(header: str, cells: Sequence[str]) -> list[ColumnPlan]:
    return classify_column(0, header, pl.Series(list(cells), dtype=pl.String), bool(header))


def column_values(header: str, cells: Sequence[str]) -> dict[str, list[str | None]]:
    """Element or hint field -> normalised values of the column, for every plan the column gets."""
    series = pl.Series(list(cells), dtype=pl.String)
    return {
        plan.spec.field: normalise_series(plan.spec, series).to_list() for plan in plans_for(header, cells)
    }


def text_elements(text: str, code: str) -> list[Element]:
    """Elements of ``code`` found in a letter to one person whose body is ``text``."""
    found = detect_text([TextBlock(location="line 1", text=f"Dear Ana Ruiz,\n{text}\n")], CTX)
    return [e for e in found.elements if e.code == code]


def found_values(text: str, code: str) -> list[str]:
    return [e.value for e in text_elements(text, code)]


def detect_rows(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Detections:
    table = Table(name="", columns=list(columns), rows=iter([(i + 2, list(r)) for i, r in enumerate(rows)]))
    out = Detections()
    for batch in detect_table(table, CTX):
        out.extend(batch)
    return out


# ---- the catalog --------------------------------------------------------------------------------------


def test_every_identifier_family_is_registered_with_its_legal_category() -> None:
    for code, category in (("ssn", "government_id"), ("itin", "government_id"),
                           ("drivers_license", "government_id"), ("passport", "government_id"),
                           ("financial_account", "financial"), ("payment_card", "financial")):  # fmt: skip
        family = REGISTRY.family_of(code)
        assert family is not None, code
        assert family.legal_category == category
        assert family.fields and family.text_patterns


def test_masked_display_never_shows_more_than_the_last_four(values: Values) -> None:
    for code, value in (("payment_card", values.card()), ("financial_account", values.digits(12)),
                        ("drivers_license", values.license_for("FL")), ("passport", values.passport()),
                        ("itin", values.itin())):  # fmt: skip
        family = REGISTRY.family_of(code)
        assert family is not None
        shown = family.masker(code, value)
        assert shown == mask_value(code, value)
        assert value not in shown and value[:-4] not in shown.replace("-", "")


# ---- SSN and TIN columns ------------------------------------------------------------------------------


def test_a_tin_column_of_ssns_is_ssn_and_its_eins_are_nothing(values: Values) -> None:
    ssns = [values.ssn() for _ in range(8)]
    cells = [*ssns, "12-3456789", "98-7654321"]
    found = column_values("TIN", cells)
    assert set(found) == {"ssn"}
    assert found["ssn"] == [s.replace("-", "") for s in ssns] + [None, None]


def test_a_tin_column_of_eins_is_not_person_data() -> None:
    assert plans_for("Taxpayer ID", ["12-3456789", "98-7654321", "45-1234567", "27-0000001"]) == []


def test_a_tin_column_of_itins_is_itin(values: Values) -> None:
    itins = [values.itin() for _ in range(10)]
    for header in ("TIN", "Tax ID #", "taxpayer_id", "ITIN", "SSN"):
        found = column_values(header, itins)
        assert set(found) == {"itin"}, header
        assert found["itin"] == [i.replace("-", "") for i in itins]


def test_a_mixed_ssn_column_reads_ssns_and_itins_each_by_their_rules(values: Values) -> None:
    ssn, itin = values.ssn(), values.itin()
    plans = plans_for("soc_sec_no", [ssn, itin, ssn, itin])
    assert [p.spec.field for p in plans] == ["ssn", "itin"]


def test_a_nine_digit_order_number_column_is_not_ssns(values: Values) -> None:
    ssn_like = [values.ssn().replace("-", "") for _ in range(10)]
    for header in ("order_number", "Order #", "invoice_no", "claim_number", "policy_number", "provider_npi"):
        assert plans_for(header, ssn_like) == [], header


def test_published_and_test_ssns_are_rejected() -> None:
    for fixture in ("123-45-6789", "078-05-1120", "219-09-9999", "457-55-5462", "666-12-3456", "000-12-3456",
                    "536-00-4399", "536-90-0000", "912-78-1234", "111-11-1111"):  # fmt: skip
        assert normalise_ssn(fixture) == "", fixture


# ---- SSN and ITIN in text -------------------------------------------------------------------------------


def test_an_ssn_directly_labelled_as_another_number_is_dropped(values: Values) -> None:
    ssn = values.ssn()
    bare = ssn.replace("-", "")
    assert found_values(f"Patient SSN: {bare}", "ssn") == [bare]
    assert found_values(f"SSN on file. Policy #: {bare}", "ssn") == []
    assert found_values(f"Claim No. {ssn}", "ssn") == []
    assert found_values(f"Order #{ssn}", "ssn") == []
    # a business word further back does not label the number
    assert found_values(f"Claim for Maria Lopez, SSN {ssn}", "ssn") == [bare]


def test_last_four_phrases_and_compact_masks_are_hints_not_ssns() -> None:
    patient = "Patient: Maria Lopez\n"
    for text in (f"{patient}the last four digits of your Social Security number: 6789",
                 f"{patient}SSN: XXXXX6789", f"{patient}SSN ***-**-6789"):  # fmt: skip
        found = detect_text([TextBlock(location="line 1", text=text)], CTX)
        assert not [e for e in found.elements if e.code == "ssn"], text
        assert [m.ssn_last4 for m in found.mentions] == ["6789"], text


def test_itin_rules_include_the_2011_range_and_exclude_atin_and_irs_numbers() -> None:
    assert normalise_itin("912-55-1234") == "912551234"  # 50-65 since April 2011 (stdnum 2.2 lacks it)
    assert normalise_itin("912-78-1234") == "912781234"
    assert normalise_itin("912-93-1234") == ""  # ATIN (adoption)
    assert normalise_itin("912-05-1234") == ""  # IRSN
    assert normalise_itin("812-78-1234") == ""
    assert normalise_itin("987-65-4321") == ""  # counting digits: filler


def test_itins_in_text(values: Values) -> None:
    itin = values.itin()
    compact = itin.replace("-", "")
    dashed = text_elements(f"Spouse's ITIN is {itin}.", "itin")
    assert [e.value for e in dashed] == [compact] and dashed[0].confidence >= 0.9
    assert found_values(f"Tax ID {compact}", "itin") == [compact]
    assert found_values(f"reference {compact}", "itin") == []  # nine bare digits need a tax label
    assert found_values(f"EIN: {compact}", "itin") == []
    assert found_values(f"Order #: {itin}", "itin") == []
    assert found_values(f"SSN {itin}", "ssn") == []  # a 9xx number is never an SSN


# ---- driver's license ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["DL#", "drivers_lic_no", "License Number", "DLN", "Driver's License #", "driver_license_number",
     "State ID #", "member_dl_number", "Drivers License"],
)  # fmt: skip
def test_license_headers_classify_license_columns(values: Values, header: str) -> None:
    numbers = [values.license_for(s) for s in ("CA", "FL", "NY", "TX", "IL", "NJ")]
    found = column_values(header, numbers)
    assert found == {"drivers_license": numbers}


def test_a_state_written_in_the_cell_checks_the_number(values: Values) -> None:
    ca = values.license_for("CA")
    assert normalise_license_cell(f"CA {ca}") == ca
    assert normalise_license_cell(f"{ca} (CA)") == ca
    assert normalise_license_cell(f"CA-{ca}") == ca
    assert normalise_license_cell(f"TX {ca}") == ""  # Texas numbers are 7-8 digits
    assert normalise_license_cell(f"FL {ca}") == ""


def test_each_state_format_accepts_its_numbers_and_rejects_other_shapes(values: Values) -> None:
    for state in ("CA", "FL", "NY", "TX", "IL", "NJ", "WI", "PA"):
        number = values.license_for(state)
        assert normalise_for_state(number, state) == number, state
    assert normalise_for_state("A1234568X", "CA") == ""
    assert normalise_for_state("12345679", "CA") == ""
    assert set(STATE_FORMATS) >= {"CA", "FL", "NY", "TX", "IL", "DC"} and len(STATE_FORMATS) == 51


def test_license_cells_that_are_dates_masks_or_filler_are_not_licenses() -> None:
    for cell in ("2025-01-31", "01/31/2025", "****5678", "XX1234567", "XXXX5678", "1234567", "A1234567",
                 "00000000", "N/A", "none", "D12"):  # fmt: skip
        assert normalise_license_cell(cell) == "", cell
    assert plans_for("DLN", ["2024-01-05", "2023-02-01", "2022-12-31"]) == []


def test_a_dl_state_column_is_a_hint_not_an_element() -> None:
    plans = plans_for("dl_state", ["CA", "Texas", "ny"])
    assert [(p.spec.field, p.spec.element) for p in plans] == [("drivers_license_state", "")]
    assert normalise_series(plans[0].spec, pl.Series(["CA", "Texas", "ny"])).to_list() == ["CA", "TX", "NY"]


def test_licenses_in_text_need_their_label(values: Values) -> None:
    ca, tx, fl, ny = (values.license_for(s) for s in ("CA", "TX", "FL", "NY"))
    fl_dashed = f"{fl[:4]}-{fl[4:7]}-{fl[7:9]}-{fl[9:12]}-{fl[12:]}"
    assert found_values(f"Driver's License #: {ca} (CA)", "drivers_license") == [ca]
    assert found_values(f"DL: CA {ca}", "drivers_license") == [ca]
    assert found_values(f"Texas driver's license {tx} is on file.", "drivers_license") == [tx]
    assert found_values(f"Driver License No. {fl_dashed}", "drivers_license") == [fl]
    assert found_values(f"State ID number is {ny}", "drivers_license") == [ny]
    assert found_values(f"Driver’s license no.: {ca}", "drivers_license") == [ca]  # typographic apostrophe
    # the same numbers without a label, with a state that does not fit, or labelled as something else
    assert found_values(f"Reference {ca} and {tx}", "drivers_license") == []
    assert found_values(f"DL: TX {ca}", "drivers_license") == []
    assert found_values(f"Driver's License No.: {ca} (state TX)", "drivers_license") == []
    assert found_values("Flight DL 12345 leaves at noon", "drivers_license") == []
    assert found_values("Driver's license: ****5678", "drivers_license") == []
    assert found_values("DL exp 12/25/2026", "drivers_license") == []


# ---- passport -------------------------------------------------------------------------------------------


def test_passport_columns_and_shapes(values: Values) -> None:
    numbers = [values.passport() for _ in range(6)]
    for header in ("passport_no", "Passport Number", "passport#", "spouse_passport_number"):
        assert column_values(header, numbers) == {"passport": numbers}, header
    assert plans_for("spouse_passport_number", numbers)[0].person == "spouse"
    for bad in ("123456789", "000000000", "XXXXX1234", "ABCDEFGHJ", "12345", "A1234567890"):
        assert normalise_passport(bad) == "", bad


def test_passports_in_text_need_the_word_passport(values: Values) -> None:
    us, ng = values.digits(9, "5"), "A" + values.digits(8, "0123456789")
    assert found_values(f"Passport No.: {ng}", "passport") == [ng]
    assert found_values(f"US passport number on file is {us}.", "passport") == [us]
    assert found_values(f"Document {us}", "passport") == []
    assert found_values("Passport photo 2x2, fee 130", "passport") == []
    assert found_values("Passport: none on file", "passport") == []


# ---- financial accounts ----------------------------------------------------------------------------------


def test_bank_account_headers_make_financial_account_columns(values: Values) -> None:
    accounts = [values.digits(n) for n in (8, 10, 12, 17, 9, 11)]
    for header in ("bank_account", "Bank Account #", "checking_acct", "DDA", "refund_account",
                   "direct_deposit_account", "joint_bank_account_number"):  # fmt: skip
        assert column_values(header, accounts) == {"financial_account": accounts}, header


def test_generic_account_columns_need_a_routing_number_beside_them(values: Values) -> None:
    accounts = [values.digits(10) for _ in range(5)]
    plans = plans_for("acct_num", accounts)
    assert [p.spec.requires_any for p in plans] == [("routing_number",)]
    routing = [values.routing() for _ in range(5)]
    aba = plans_for("ABA", routing)
    assert [(p.spec.field, p.spec.element) for p in aba] == [("routing_number", "")]
    assert normalise_routing(routing[0]) == routing[0]
    assert normalise_routing(routing[0][:-1] + str((int(routing[0][-1]) + 1) % 10)) == ""


def test_account_values_and_ibans(values: Values) -> None:
    assert normalise_account("0012-3456-789") == "00123456789"
    for bad in ("****6789", "1111111111", "1234", "123456789012345678", "12345678"):
        assert normalise_account(bad) == "", bad
    iban = values.iban()
    assert normalise_iban(iban) == iban
    assert normalise_iban(iban[:-1] + str((int(iban[-1]) + 1) % 10)) == ""
    assert column_values("IBAN", [iban, values.iban()])["financial_account"][0] == iban
    assert column_values("", [values.iban() for _ in range(5)]).keys() == {"financial_account"}


def test_accounts_in_text(values: Values) -> None:
    account, other, routing = values.digits(12), values.digits(10), values.routing()
    bank = text_elements(f"Checking account number: {account}, routing {routing}", "financial_account")
    assert [(e.value, e.needs_review) for e in bank] == [(account, False)]
    beside_routing = text_elements(f"Account: {other}\nRouting number: {routing}", "financial_account")
    assert [e.confidence for e in beside_routing] == [0.9]
    # "account number" with no bank word or routing number: kept, for a reviewer
    unsure = text_elements(f"Dear Ana Ruiz, your account # {other}.", "financial_account")
    assert [(e.value, e.needs_review) for e in unsure] == [(other, True)]


def test_account_decoys_in_text(values: Values) -> None:
    number, routing = values.digits(10), values.routing()
    for text in (f"Patient Account #: {number}", f"Policy account number {number}",
                 f"Routing number: {routing}", f"Provider NPI {values.npi()} billing account",
                 f"Call {number[:3]}-{number[3:6]}-{number[6:]} about your account",
                 "Your checking account ending in 6789", "Account: ****6789",
                 f"Invoice {number} for your account"):  # fmt: skip
        assert found_values(text, "financial_account") == [], text


def test_ibans_in_text(values: Values) -> None:
    iban = values.iban()
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    assert found_values(f"Please wire to {spaced} today", "financial_account") == [iban]
    broken = iban[:-1] + str((int(iban[-1]) + 1) % 10)
    assert found_values(f"IBAN {broken}", "financial_account") == []


# ---- payment cards ----------------------------------------------------------------------------------------


def test_card_columns_are_luhn_and_issuer_checked(values: Values) -> None:
    cards = [values.card() for _ in range(8)]
    for header in ("card_number", "cc_num", "PAN", "Credit Card #", "CCNumber", "cardholder_card_number"):
        assert column_values(header, cards) == {"payment_card": cards}, header
    written = [f"{c[:4]} {c[4:8]} {c[8:12]} {c[12:]}" for c in cards if len(c) == 16]
    assert column_values("card_no", written)["payment_card"] == [c.replace(" ", "") for c in written]
    assert plans_for("card_number", sorted(TEST_CARDS)[:8]) == []


def test_a_headerless_column_of_card_numbers_is_found_by_luhn(values: Values) -> None:
    cards = [values.card() for _ in range(10)]
    assert column_values("", cards) == {"payment_card": cards}
    random_16 = [values.digits(16) for _ in range(10)]  # about one in ten passes Luhn: not a card column
    assert column_values("", random_16) == {}


def test_card_rules(values: Values) -> None:
    card = values.card()
    assert normalise_card(card) == card
    broken = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert normalise_card(broken) == ""  # Luhn
    for test_card in ("4111 1111 1111 1111", "5555555555554444", "378282246310005", "4242424242424242",
                      "4000000000000002", "6011111111111117"):  # fmt: skip
        assert normalise_card(test_card) == "", test_card
    body = "1" + values.digits(14, "0123456789")
    assert normalise_card(body + luhn.calc_check_digit(body)) == ""  # no network issues 1xxx
    assert not issuer_allows("4" + "2" * 14) and issuer_allows("4" + "2" * 15)  # Visa: 13, 16 or 19 digits
    assert not issuer_allows("37" + "2" * 14)  # Amex is 15 digits


def test_cards_in_text(values: Values) -> None:
    visa = values.card()
    while len(visa) != 16:
        visa = values.card()
    grouped = f"{visa[:4]} {visa[4:8]} {visa[8:12]} {visa[12:]}"
    labelled = text_elements(f"Visa card: {grouped} exp 04/29", "payment_card")
    assert [(e.value, e.confidence) for e in labelled] == [(visa, 0.95)]
    assert found_values(f"charged to {visa[:4]}-{visa[4:8]}-{visa[8:12]}-{visa[12:]}", "payment_card") == [
        visa
    ]
    assert found_values(f"Card {grouped} 04/29", "payment_card") == [visa]
    bare = text_elements(f"Note: {visa}", "payment_card")
    assert [e.value for e in bare] == [visa] and bare[0].confidence < 0.95
    amex = "37" + values.digits(12, "0123456789")
    amex += luhn.calc_check_digit(amex)
    assert found_values(f"Amex {amex[:4]} {amex[4:10]} {amex[10:]}", "payment_card") == [amex]


def test_card_decoys_in_text(values: Values) -> None:
    decoy = values.luhn_decoy()
    grouped = f"{decoy[:4]} {decoy[4:8]} {decoy[8:12]} {decoy[12:]}"
    for text in (f"Order #: {decoy}", f"Invoice number {grouped}", f"Tracking no. {decoy}",
                 f"Transaction ID: {decoy}", f"Confirmation: {decoy}", "Card: XXXX-XXXX-XXXX-1111",
                 "Card ending in 1111", "Sample card 4111 1111 1111 1111", "Test Amex 378282246310005",
                 "USPS 9400 1000 0000 0000 0000 00",
                 f"Phone {decoy[:3]}-{decoy[3:6]}-{decoy[6:10]}"):  # fmt: skip
        assert found_values(text, "payment_card") == [], text


# ---- precision and recall on generated text ---------------------------------------------------------------

_TRUE_TEMPLATES: dict[str, tuple[str, ...]] = {
    "itin": ("ITIN: {v}", "the spouse's ITIN is {v}.", "Taxpayer ID {c}"),
    "drivers_license": ("Driver's License No.: {v} ({s})", "DL# {v}", "{S} driver's license {v}",
                        "State ID: {s} {v}"),
    "passport": ("Passport No.: {v}", "passport number {v}", "Passport #{v}"),
    "financial_account": ("Savings account number: {v}", "checking acct {v}", "Bank account #: {v}",
                          "Account: {v}  Routing: {r}"),
    "payment_card": ("Visa card: {g} exp 04/29", "card number {v}", "CC# {g}", "paid with {g}"),
}  # fmt: skip
_DECOY_TEMPLATES: tuple[str, ...] = (
    "Order #: {n}", "Invoice {n}", "Tracking number {n}", "Claim No. {n}", "Policy number: {n}",
    "Reference: {n}", "Confirmation {n}", "NPI {npi}", "Routing number {r}", "Phone: {p}",
    "Member ID {n}", "Ticket #{n}", "Serial {n}", "Case {n}",
)  # fmt: skip
_STATE_NAMES = {"CA": "California", "FL": "Florida", "NY": "New York", "TX": "Texas", "IL": "Illinois"}


def _grouped(card: str) -> str:
    if len(card) == 15:
        return f"{card[:4]} {card[4:10]} {card[10:]}"
    return " ".join(card[i : i + 4] for i in range(0, len(card), 4))


def _true_sample(values: Values, code: str, template: str) -> tuple[str, str]:
    state = values.rng.choice(sorted(_STATE_NAMES))
    value = {
        "itin": values.itin,
        "drivers_license": lambda: values.license_for(state),
        "passport": values.passport,
        "financial_account": lambda: values.digits(values.rng.choice((8, 10, 12, 14))),
        "payment_card": values.card,
    }[code]()
    compact = value.replace("-", "")
    text = template.format(v=value, c=compact, s=state, S=_STATE_NAMES[state], g=_grouped(value),
                           r=values.routing())  # fmt: skip
    return text, compact


def _decoy_sample(values: Values, template: str) -> str:
    n = values.rng.choice([values.digits(9), values.digits(10), values.luhn_decoy(), values.digits(8),
                           values.ssn(), values.itin()])  # fmt: skip
    r = values.rng
    phone = f"({r.randint(201, 989)}) {r.randint(201, 989)}-{r.randint(1000, 9999)}"
    return template.format(n=n, npi=values.npi(), r=values.routing(), p=phone)


@pytest.mark.slow
def test_precision_and_recall_per_element_on_generated_text() -> None:
    values = Values(23)
    wanted: dict[str, int] = dict.fromkeys(_TRUE_TEMPLATES, 0)
    right: dict[str, int] = dict.fromkeys(_TRUE_TEMPLATES, 0)
    wrong: dict[str, int] = dict.fromkeys(MY_CODES, 0)
    for _ in range(40):
        for code, templates in _TRUE_TEMPLATES.items():
            text, value = _true_sample(values, code, values.rng.choice(templates))
            found = detect_text([TextBlock("line 1", f"Dear Ana Ruiz,\n{text}\n")], CTX).elements
            wanted[code] += 1
            right[code] += any(e.code == code and e.value == value for e in found)
            wrong[code] += sum(e.code == code and e.value != value for e in found)
        decoy_text = "\n".join(_decoy_sample(values, t) for t in _DECOY_TEMPLATES)
        for element in detect_text([TextBlock("line 1", f"Dear Ana Ruiz,\n{decoy_text}\n")], CTX).elements:
            if element.code in MY_CODES:
                wrong[element.code] += 1
    for code in _TRUE_TEMPLATES:
        recall = right[code] / wanted[code]
        precision = right[code] / (right[code] + wrong[code])
        assert recall >= 0.97, f"{code}: recall {recall:.3f}"
        assert precision >= 0.97, f"{code}: precision {precision:.3f}"
    assert wrong["ssn"] == 0, "a decoy was read as an SSN"


def test_the_labelled_set_identifiers_are_found_and_its_decoys_are_not() -> None:
    from exposure.demo.labelled import detect_labelled, labelled_set, score

    labelled = labelled_set(seed=5, documents_per_kind=4, table_rows=20)
    scores = score(labelled, detect_labelled(labelled))
    for code in ("drivers_license", "passport", "financial_account", "payment_card"):
        s = scores[code]
        assert s.true_positives > 0, code
        assert s.decoys_reported == 0 and s.precision == 1.0, (code, s)
        assert s.recall >= 0.95, (code, s)


# ---- whole tables ------------------------------------------------------------------------------------------


def test_a_table_row_yields_each_identifier_for_its_person(values: Values) -> None:
    columns = ["first_name", "last_name", "TIN", "dl_number", "dl_state", "passport_no", "bank_account",
               "card_number", "card_exp", "order_number", "spouse_first_name", "spouse_last_name",
               "spouse_itin"]  # fmt: skip
    rows, expected = [], []
    for _ in range(6):
        ssn, dl, passport = values.ssn(), values.license_for("CA"), values.passport()
        account, card, itin = values.digits(11), values.card(), values.itin()
        rows.append(["Ana", f"Ruiz{len(rows)}", ssn, dl, "CA", passport, account, card, "04/29",
                     values.digits(9), "Luis", f"Ruiz{len(rows)}", itin])  # fmt: skip
        expected.append({("", "ssn", ssn.replace("-", "")), ("", "drivers_license", dl),
                         ("", "passport", passport), ("", "financial_account", account),
                         ("", "payment_card", card), ("spouse", "itin", itin.replace("-", ""))})  # fmt: skip
    found = detect_rows(columns, rows)
    for number, wanted in enumerate(expected, start=2):
        key = f"row {number}"
        got = {("spouse" if e.mention_key.endswith("/spouse") else "", e.code, e.value)
               for e in found.elements if e.location == key and e.code in MY_CODES}  # fmt: skip
        assert got == wanted, key
    assert not any(e.code == "ssn" and e.column == "order_number" for e in found.elements)


def test_a_generic_account_column_counts_only_beside_a_valid_routing_number(values: Values) -> None:
    rows = []
    for i in range(6):
        routing = values.routing() if i % 2 == 0 else ""
        rows.append([f"Ana{i}", "Ruiz", values.digits(10), routing])
    found = detect_rows(["first_name", "last_name", "acct_num", "ABA"], rows)
    accounts = {e.location for e in found.elements if e.code == "financial_account"}
    assert accounts == {"row 2", "row 4", "row 6"}
    assert not any(e.value in {r[3] for r in rows if r[3]} for e in found.elements)


def test_the_whole_column_ssn_check_agrees_with_stdnum_value_by_value() -> None:
    import random

    import polars as pl

    from exposure.detect.elements.ssn import FIXTURE_SSNS, normalise_ssn_cell, ssn_column_expression

    rng = random.Random(5)
    values = [
        f"{rng.randint(0, 999):03d}-{rng.randint(0, 99):02d}-{rng.randint(0, 9999):04d}" for _ in range(20000)
    ]
    values += [str(rng.randint(0, 99_999_999)) for _ in range(5000)]  # spreadsheet numbers, zeros lost
    values += [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "123-00-4567",
        "123-45-0000",
        *FIXTURE_SSNS,
        " 536 90 4399 ",
    ]
    expected = [normalise_ssn_cell(v.strip()) or None for v in values]
    got = pl.DataFrame({"v": values}).select(ssn_column_expression(pl.col("v"))).to_series().to_list()
    assert got == expected
