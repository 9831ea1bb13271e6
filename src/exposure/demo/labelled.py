"""A labelled detection test set: documents and tables whose every element is known, with decoys.

Each document or table is written from fake people and carries, beside it, the
list of what a perfect detector reports (:class:`Label`), and of decoys that
look like elements but are not (invoice, order, tracking, claim and policy
numbers, provider NPIs, routing numbers alone, published test SSNs and cards,
masked SSNs). :func:`score` compares what ``exposure.detect`` found with the
labels, element by element, so tests can assert precision and recall per
element code and ``bench/detect_accuracy.py`` can print the table.

Everything comes from one seeded ``random.Random`` and Faker: a seed always
gives the same set.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from faker import Faker
from stdnum import luhn
from stdnum.us import itin as stdnum_itin

from exposure.demo.people import PeopleFactory, Person, full_display, last_comma_first_mi, phone_as, us_date
from exposure.detect.elements.biometric import digest
from exposure.model import ELEMENT_CODES, Detections, Element

# Values that look like elements and must never be reported as one (code they imitate, text).
PUBLISHED_TEST_SSNS = ("123-45-6789", "078-05-1120")
TEST_CARDS = ("4111 1111 1111 1111", "5555555555554444", "378282246310005")
ROUTING_NUMBERS = ("021000021", "011000015", "121000358", "026009593", "071000013")
# Codes whose values are free-form: a detected value matches a label when either contains the other.
_LOOSE_CODES = frozenset({"name", "address", "medical_information", "biometric", "online_credentials"})
# ICD-10-CM codes (valid, billable) with plain descriptions, for notes and claim tables.
DIAGNOSES = (
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("I10", "Essential (primary) hypertension"),
    ("F32.9", "Major depressive disorder, single episode, unspecified"),
    ("J45.909", "Unspecified asthma, uncomplicated"),
    ("M54.50", "Low back pain, unspecified"),
    ("B20", "Human immunodeficiency virus [HIV] disease"),
    ("C50.911", "Malignant neoplasm of unspecified site of right female breast"),
    ("N18.3", "Chronic kidney disease, stage 3 (moderate)"),
)
_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # CMS: no S, L, O, I, B, Z


@dataclass(frozen=True)
class Label:
    """One element a perfect detector reports in a document (or, for a decoy, must not report).

    Secrets and biometric templates are labelled by the digest the detector keeps instead of them.
    """

    doc: str
    code: str
    value: str
    decoy: bool = False
    note: str = ""  # what the decoy is ("invoice number", "published SSN" ...)


@dataclass
class LabelledTable:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class LabelledSet:
    texts: dict[str, str] = field(default_factory=dict)
    tables: dict[str, LabelledTable] = field(default_factory=dict)
    labels: list[Label] = field(default_factory=list)

    def truths(self) -> list[Label]:
        return [label for label in self.labels if not label.decoy]

    def decoys(self) -> list[Label]:
        return [label for label in self.labels if label.decoy]


@dataclass
class _Values:
    """Identifier values of one fake person beyond what the demo people carry."""

    itin: str
    drivers_license: str
    dl_state: str
    passport: str
    account: str
    routing: str
    card: str
    member_id: str
    mbi: str
    mrn: str
    diagnosis: tuple[str, str]
    username: str
    password: str
    fingerprint: str


class _Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        fake = Faker("en_US")
        fake.seed_instance(seed)
        self.fake = fake
        self.factory = PeopleFactory(self.rng, fake)
        self.used: set[str] = set()

    def person(self) -> Person:
        return self.factory.person(
            self.factory.new_household_id(), self.factory.new_address(), self.fake.last_name(),
            self.factory.adult_dob(),
        )  # fmt: skip

    def digits(self, n: int, first: str = "123456789") -> str:
        while True:
            value = self.rng.choice(first) + "".join(self.rng.choice("0123456789") for _ in range(n - 1))
            if value not in self.used:
                self.used.add(value)
                return value

    def itin(self) -> str:
        while True:
            group = self.rng.choice([*range(70, 89), *range(90, 93), *range(94, 100)])
            value = f"9{self.rng.randint(0, 99):02d}-{group}-{self.rng.randint(1, 9999):04d}"
            if stdnum_itin.is_valid(value):
                return value

    def card(self) -> str:
        prefix, length = self.rng.choice((("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("37", 15)))
        while True:
            body = prefix + self.digits(length - len(prefix) - 1)[: length - len(prefix) - 1]
            number = body + luhn.calc_check_digit(body)
            if len(number) == length and number not in {c.replace(" ", "") for c in TEST_CARDS}:
                return number

    def mbi(self) -> str:
        r = self.rng
        alpha, num = (lambda: r.choice(_MBI_LETTERS)), (lambda: r.choice("0123456789"))
        alnum = lambda: r.choice(_MBI_LETTERS + "0123456789")  # noqa: E731
        return "".join(
            f()
            for f in (
                lambda: r.choice("123456789"),
                alpha,
                alnum,
                num,
                alpha,
                alnum,
                num,
                alpha,
                alpha,
                num,
                num,
            )
        )

    def values(self, person: Person) -> _Values:
        r = self.rng
        state = r.choice(("CA", "FL", "NY", "TX"))
        dl = {
            "CA": lambda: r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") + self.digits(7),
            "FL": lambda: person.last_name[0].upper() + self.digits(12),
            "NY": lambda: self.digits(9),
            "TX": lambda: self.digits(8, "12345"),
        }[state]()
        password = self.fake.password(length=12, special_chars=True)
        return _Values(
            itin=self.itin(),
            drivers_license=dl,
            dl_state=state,
            passport=self.digits(9, "5"),
            account=self.digits(r.choice((10, 11, 12))),
            routing=r.choice(ROUTING_NUMBERS),
            card=self.card(),
            member_id=r.choice("ABCDEFGHJKMNPRTUWYZ") * 3 + self.digits(9),  # no "XXX": that reads as a mask
            mbi=self.mbi(),
            mrn=self.digits(8),
            diagnosis=r.choice(DIAGNOSES),
            username=f"{person.first_name[0]}{person.last_name}{r.randint(1, 99)}".lower(),
            password=password,
            fingerprint=self.fake.sha256(),
        )

    def decoy_number(self, n: int) -> str:
        return self.digits(n)

    def npi(self) -> str:
        while True:
            body = "1" + self.digits(8)
            check = luhn.calc_check_digit("80840" + body)
            return body + check

    def dob_text(self, born: dt.date) -> str:
        forms = (
            us_date(born), born.strftime("%Y%m%d"), born.isoformat(), f"{born:%b} {born.day}, {born.year}",
            born.strftime("%d-%b-%Y").upper(),
        )  # fmt: skip
        return self.rng.choice(forms)


def _card_as_written(number: str) -> str:
    if len(number) == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return " ".join(number[i : i + 4] for i in range(0, 16, 4))


# ---- documents ------------------------------------------------------------------------------------


def _letter(m: _Maker, doc: str, p: Person, v: _Values, out: LabelledSet) -> str:
    account = v.account
    text = (
        f"{m.fake.company()}\n{m.fake.street_address()}\n\n{m.fake.date_between('-2y', '-1y'):%B %d, %Y}\n\n"
        f"{full_display(p)}\n{p.address_line1}\n{p.city}, {p.state} {p.postal_code}\n\n"
        f"Re: Invoice #{m.decoy_number(9)}\n\n"
        f"Dear {full_display(p)},\n\n"
        f"We write about your account. Our records list your date of birth as {m.dob_text(p.date_of_birth)} "
        f"and your Social Security number as {p.ssn}. Payments are drawn from checking account "
        f"number {account} (routing number {v.routing}).\n"
        f"Your order number {m.decoy_number(9)} shipped with tracking number 1Z{m.decoy_number(16)}.\n\n"
        f"Sincerely,\n\n{m.fake.name()}\nCustomer Service Manager\n"
    )
    _truths(out, doc, p, name=True, address=True, ssn=True, dob=True)
    out.labels.append(Label(doc, "financial_account", account))
    out.labels.append(Label(doc, "financial_account", v.routing, decoy=True, note="routing number alone"))
    return text


def _clinical_note(m: _Maker, doc: str, p: Person, v: _Values, out: LabelledSet) -> str:
    code, description = v.diagnosis
    npi = m.npi()
    claim = m.decoy_number(10)
    text = (
        f"PROGRESS NOTE\n"
        f"Patient: {last_comma_first_mi(p, upper=True)}    DOB: {m.dob_text(p.date_of_birth)}    "
        f"MRN: {v.mrn}\n"
        f"Member ID: {v.member_id}    Medicare MBI: {v.mbi[:4]}-{v.mbi[4:7]}-{v.mbi[7:]}\n"
        f"Phone: {phone_as(p, 0) or 'none on file'}\n"
        f"Assessment: {description}. Diagnosis code {code}.\n"
        f"Rendering provider: Dr. {m.fake.name()}, NPI {npi}\n"
        f"Claim number {claim}; policy number {m.decoy_number(10)}.\n"
    )
    _truths(out, doc, p, name=True, dob=True, phone=bool(p.phone))
    out.labels += [
        Label(doc, "medical_record_number", v.mrn),
        Label(doc, "health_insurance_id", v.member_id),
        Label(doc, "health_insurance_id", v.mbi),
        Label(doc, "medical_information", code),
        Label(doc, "health_insurance_id", npi, decoy=True, note="provider NPI"),
        Label(doc, "medical_record_number", npi, decoy=True, note="provider NPI"),
        Label(doc, "ssn", npi[:9], decoy=True, note="provider NPI"),
        Label(doc, "phone", npi, decoy=True, note="provider NPI"),
        Label(doc, "health_insurance_id", claim, decoy=True, note="claim number"),
        Label(doc, "phone", claim, decoy=True, note="claim number"),
    ]
    return text


def _bank_form(m: _Maker, doc: str, p: Person, v: _Values, out: LabelledSet) -> str:
    test_card = m.rng.choice(TEST_CARDS)
    text = (
        f"ACCOUNT APPLICATION\n"
        f"Applicant name: {p.first_name} {p.last_name}\n"
        f"Date of birth: {m.dob_text(p.date_of_birth)}\n"
        f"E-mail: {p.email or 'none'}\n"
        f"Driver's License No.: {v.drivers_license} (state {v.dl_state})\n"
        f"Passport number: {v.passport}\n"
        f"Savings account number: {v.account}\n"
        f"Visa card: {_card_as_written(v.card)} exp 04/29\n"
        f"Sample card shown in the form's instructions: {test_card}\n"
        f"Confirmation number: {m.decoy_number(10)}\n"
    )
    _truths(out, doc, p, name=True, dob=True, email=bool(p.email))
    out.labels += [
        Label(doc, "drivers_license", v.drivers_license),
        Label(doc, "passport", v.passport),
        Label(doc, "financial_account", v.account),
        Label(doc, "payment_card", v.card),
        Label(doc, "payment_card", test_card.replace(" ", ""), decoy=True, note="published test card"),
    ]
    return text


def _it_ticket(m: _Maker, doc: str, p: Person, v: _Values, out: LabelledSet) -> str:
    ticket = m.decoy_number(7)
    text = (
        f"Ticket #{ticket} - password reset\n"
        f"Caller: {p.first_name} {p.last_name}\n"
        f"Username: {v.username}\n"
        f"Temporary password: {v.password}\n"
        f"Order number {m.decoy_number(9)} was mentioned; no action needed.\n"
        f"Closed by the help desk.\n"
    )
    _truths(out, doc, p, name=True)
    out.labels.append(Label(doc, "online_credentials", digest(v.password)))
    return text


def _hr_email(m: _Maker, doc: str, p: Person, v: _Values, out: LabelledSet) -> str:
    fixture = m.rng.choice(PUBLISHED_TEST_SSNS)
    text = (
        f"From: payroll@example.com\nTo: benefits@example.com\nSubject: W-4 correction for {p.first_name} "
        f"{p.last_name}\n\n"
        f"Please update the record for employee {p.first_name} {p.last_name}: SSN on file "
        f"{p.ssn.replace('-', '')} is right, and the spouse's ITIN is {v.itin}.\n"
        f"For the test environment use SSN {fixture}. The old badge showed SSN ***-**-{p.ssn[-4:]}.\n"
        f"Cell {phone_as(p, 1) or 'n/a'}.\n"
    )
    _truths(out, doc, p, name=True, ssn=True, phone=bool(p.phone))
    out.labels += [
        Label(doc, "email", "payroll@example.com", decoy=True, note="the organisation's mailbox"),
        Label(doc, "email", "benefits@example.com", decoy=True, note="the organisation's mailbox"),
        Label(doc, "itin", v.itin.replace("-", "")),
        Label(doc, "ssn", fixture.replace("-", ""), decoy=True, note="published SSN"),
        Label(doc, "ssn", p.ssn[-4:], decoy=True, note="masked SSN"),
    ]
    return text


_DOCUMENTS: tuple[Callable[[_Maker, str, Person, _Values, LabelledSet], str], ...] = (
    _letter, _clinical_note, _bank_form, _it_ticket, _hr_email,
)  # fmt: skip


def _truths(
    out: LabelledSet, doc: str, p: Person, *, name: bool = False, address: bool = False, ssn: bool = False,
    dob: bool = False, phone: bool = False, email: bool = False,
) -> None:  # fmt: skip
    wanted = {
        "name": (name, f"{p.first_name} {p.last_name}"),
        "address": (address, p.address_line1),
        "ssn": (ssn, p.ssn.replace("-", "")),
        "date_of_birth": (dob, p.date_of_birth.isoformat()),
        "phone": (phone, p.phone),
        "email": (email, p.email),
    }
    out.labels += [Label(doc, code, value) for code, (want, value) in wanted.items() if want and value]


# ---- tables ---------------------------------------------------------------------------------------

_TABLE_COLUMNS = [
    "member_id", "first_name", "last_name", "dob", "ssn", "address", "city", "state", "zip", "phone",
    "email", "dl_number", "dl_state", "passport_no", "bank_account", "routing_number", "card_number",
    "card_exp", "mrn", "diagnosis_code", "fingerprint_template", "username", "password",
    # decoys: business numbers, providers
    "order_number", "invoice_no", "tracking_number", "policy_number", "claim_number", "provider_npi",
    "provider_name",
]  # fmt: skip


def _table(m: _Maker, name: str, rows: int, out: LabelledSet) -> None:
    table = LabelledTable(columns=list(_TABLE_COLUMNS), rows=[])
    for _ in range(rows):
        p, v = _person_and_values(m)
        npi = m.npi()
        order = m.decoy_number(9)
        row = [
            v.member_id, p.first_name, p.last_name, us_date(p.date_of_birth), p.ssn, p.address_line1, p.city,
            p.state, p.postal_code, phone_as(p, 1), p.email, v.drivers_license, v.dl_state, v.passport,
            v.account, v.routing, v.card, "04/29", v.mrn, v.diagnosis[0], v.fingerprint, v.username,
            v.password, order, m.decoy_number(8), "1Z" + m.decoy_number(16), m.decoy_number(10),
            m.decoy_number(10), npi, f"Dr. {m.fake.name()}",
        ]  # fmt: skip
        table.rows.append(row)
        doc = f"{name}!row {len(table.rows) + 1}"
        _truths(out, doc, p, name=True, address=True, ssn=True, dob=True, phone=bool(p.phone),
                email=bool(p.email))  # fmt: skip
        out.labels += [
            Label(doc, "health_insurance_id", v.member_id),
            Label(doc, "drivers_license", v.drivers_license),
            Label(doc, "passport", v.passport),
            Label(doc, "financial_account", v.account),
            Label(doc, "payment_card", v.card),
            Label(doc, "medical_record_number", v.mrn),
            Label(doc, "medical_information", v.diagnosis[0]),
            Label(doc, "biometric", digest(v.fingerprint)),
            Label(doc, "online_credentials", digest(v.password)),
            Label(doc, "ssn", order, decoy=True, note="9-digit order number"),
            Label(doc, "financial_account", v.routing, decoy=True, note="routing number alone"),
            Label(doc, "health_insurance_id", npi, decoy=True, note="provider NPI"),
            Label(doc, "name", row[-1].removeprefix("Dr. "), decoy=True, note="provider name"),
        ]
    out.tables[name] = table


def _person_and_values(m: _Maker) -> tuple[Person, _Values]:
    p = m.person()
    return p, m.values(p)


def labelled_set(seed: int = 7, documents_per_kind: int = 12, table_rows: int = 60) -> LabelledSet:
    """Documents of every kind and one wide table, with their labels and decoys."""
    m = _Maker(seed)
    out = LabelledSet()
    for kind in _DOCUMENTS:
        for number in range(documents_per_kind):
            doc = f"{kind.__name__.strip('_')}-{number:02d}.txt"
            p, v = _person_and_values(m)
            out.texts[doc] = kind(m, doc, p, v, out)
    _table(m, "members.csv", table_rows, out)
    return out


# ---- scoring --------------------------------------------------------------------------------------


@dataclass
class Score:
    code: str
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    decoys_reported: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def comparable(code: str, value: str) -> str:
    """A form of a value that detectors and labels agree on (letters and digits, upper case)."""
    if code == "name":  # first and last names, whatever the order, initials and suffixes aside
        words = [w.upper() for w in re.findall(r"[^\W\d_]+", value) if len(w) > 1]
        words = [w for w in words if w not in {"JR", "SR", "II", "III", "IV", "MR", "MRS", "MS", "DR"}]
        return " ".join(sorted(words))
    key = re.sub(r"[^0-9A-Za-z]", "", value).upper()
    if code == "phone" and len(key) == 11 and key.startswith("1"):
        key = key[1:]
    return key


def _matches(code: str, found: str, label: str) -> bool:
    if code == "name":
        return found == label
    if code in _LOOSE_CODES:
        return bool(found and label) and (found in label or label in found)
    return found == label


def score(labelled: LabelledSet, detections: dict[str, Detections]) -> dict[str, Score]:
    """Per element code, detections of each document against its labels.

    ``detections`` maps a document name (a table row as ``members.csv!row 2``) to
    what was detected there. A detection matching a truth is a true positive; one
    matching nothing is a false positive (and counted as a decoy reported when it
    matches a decoy); a truth nothing matched is a false negative.
    """
    scores = {code: Score(code) for code in ELEMENT_CODES}
    truths: dict[tuple[str, str], list[str]] = {}
    decoys: dict[tuple[str, str], list[str]] = {}
    for label in labelled.labels:
        bucket = decoys if label.decoy else truths
        bucket.setdefault((label.doc, label.code), []).append(comparable(label.code, label.value))
    docs = set(detections) | {label.doc for label in labelled.labels}
    for doc in docs:
        found = _found_by_code(detections.get(doc, Detections()).elements)
        for code in ELEMENT_CODES:
            _score_one(scores[code], found.get(code, set()), truths.get((doc, code), []),
                       decoys.get((doc, code), []))  # fmt: skip
    return scores


def _found_by_code(elements: Iterable[Element]) -> dict[str, set[str]]:
    """Values found per code, among elements tied to a person: only those reach a notice."""
    found: dict[str, set[str]] = {}
    for element in elements:
        if not element.mention_key:
            continue
        found.setdefault(element.code, set()).add(comparable(element.code, element.value))
    return found


def _score_one(score: Score, found: set[str], truths: list[str], decoys: list[str]) -> None:
    matched: set[str] = set()
    for value in found:
        truth = next((t for t in truths if _matches(score.code, value, t)), None)
        if truth is not None:
            matched.add(truth)
            continue
        score.false_positives += 1
        if any(_matches(score.code, value, d) for d in decoys):
            score.decoys_reported += 1
    score.true_positives += len(matched)
    score.false_negatives += len(set(truths) - matched)


def detect_labelled(labelled: LabelledSet) -> dict[str, Detections]:
    """Run the detect stage on every document and table of the set; results keyed like the labels."""
    from exposure.detect.context import DetectContext
    from exposure.detect.records import detect_table
    from exposure.detect.text import detect_text
    from exposure.model import Table, TextBlock

    ctx = DetectContext()
    results: dict[str, Detections] = {}
    for doc, text in labelled.texts.items():
        results[doc] = detect_text([TextBlock(location="line 1", text=text)], ctx)
    for name, table in labelled.tables.items():
        rows = iter([(number, row) for number, row in enumerate(table.rows, start=2)])
        for batch in detect_table(Table(name=name, columns=table.columns, rows=rows), ctx):
            for element in batch.elements:
                results.setdefault(element.location, Detections()).elements.append(element)
    return results


def accuracy_table(scores: dict[str, Score]) -> str:
    """Per element code: labels, precision, recall, decoys reported, as a markdown table."""
    lines = [
        "| element | true | found right | false positives | missed | decoys reported | precision | recall |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for code, s in scores.items():
        lines.append(
            f"| {code} | {s.true_positives + s.false_negatives} | {s.true_positives} | {s.false_positives} | "
            f"{s.false_negatives} | {s.decoys_reported} | {s.precision:.3f} | {s.recall:.3f} |"
        )
    return "\n".join(lines)
