"""One person of a transaction, built segment by segment (NM1, N3/N4, DMG, PER, REF ...).

A ``Person`` collects what its loop says about it and becomes a ``Mention`` with its
``Element``s when the loop ends. Every value is normalised the way the record detectors
normalise it, so X12 mentions merge with the same people found in spreadsheets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from exposure.detect.elements.address import normalise_state
from exposure.detect.elements.email import normalise_email
from exposure.detect.elements.names import is_fixture_name
from exposure.detect.elements.phone import normalise_phone_cell
from exposure.detect.elements.ssn import normalise_ssn
from exposure.model import Element, Mention

# NM108 qualifiers whose NM109 is a health plan id of the person named (the rest are
# provider and company ids: XX NPI, 24 EIN, FI tax id, PI payer id ...).
NM1_MEMBER_ID_QUALIFIERS = frozenset({"MI", "II", "HN", "MR", "ZZ", "C", "N"})
NM1_SSN_QUALIFIER = "34"
# REF qualifiers of a person's own health plan ids: member id (1W), client number (23), case
# number (3H), cross reference (6O), Medicare HICN (F6), Medicaid recipient (NQ), card (HJ),
# prior id (Q4), personal id (ABB, 4A). 0F is the subscriber's id (see t834).
REF_MEMBER_ID_QUALIFIERS = frozenset({"1W", "23", "3H", "6O", "F6", "NQ", "HJ", "Q4", "ABB", "4A"})
REF_SSN_QUALIFIER = "SY"
REF_MEDICAL_RECORD_QUALIFIER = "EA"
PHONE_QUALIFIERS = frozenset({"TE", "HP", "WP", "CP", "BN", "NP"})
EMAIL_QUALIFIER = "EM"
MAX_MEDICAL_VALUES = 200  # per person: the element is exposed after one; the rest only cost memory


def iso_date(qualifier: str, value: str) -> str:
    """``D8`` ``CCYYMMDD`` as ``YYYY-MM-DD``; "" for other formats and impossible dates."""
    value = value.strip()
    if qualifier.strip() != "D8" or len(value) != 8 or not value.isdigit():
        return ""
    try:
        day = dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return ""
    return day.isoformat() if 1880 <= day.year <= dt.date.today().year else ""


def _clean(value: str) -> str:
    return " ".join(value.split())


def _postal_code(value: str) -> str:
    digits = value.strip()
    if len(digits) == 9 and digits.isdigit():
        return f"{digits[:5]}-{digits[5:]}"
    return digits


def _element(elements: list[str], position: int) -> str:
    return elements[position].strip() if position < len(elements) else ""


@dataclass
class Person:
    """A person in one loop: ``loop`` (``ST 1 / INS 3``) and ``anchor`` (the NM1's segment) make the key."""

    role: str
    loop: str
    anchor: int
    detector: str
    attributes: dict[str, str] = field(default_factory=dict)
    named: bool = False
    mention: Mention = field(default_factory=lambda: Mention(key="", location=""))
    elements: list[Element] = field(default_factory=list)
    _seen: set[tuple[str, str]] = field(default_factory=set)
    _medical: int = 0
    _street: tuple[int, str, str] | None = None  # an N3 waiting for its N4
    _address_set: bool = False

    @property
    def key(self) -> str:
        return f"{self.loop} / segment {self.anchor}"

    # -- values -------------------------------------------------------------------------------

    def add(self, code: str, value: str, index: int, column: str) -> None:
        """One exposed element, once per distinct value (a claim repeats codes line after line)."""
        if not value or (code, value) in self._seen:
            return
        if code == "medical_information":
            if self._medical >= MAX_MEDICAL_VALUES:
                return
            self._medical += 1
        self._seen.add((code, value))
        location = f"segment {index}"
        self.elements.append(Element(code, value, location, column=column, detector=self.detector))

    def take_name(self, index: int, nm1: list[str], alias: bool = False) -> None:
        """NM103 last, NM104 first, NM105 middle, NM107 suffix; an alias (a previous or corrected name)
        is an exposed name but does not replace the current one."""
        parts = {
            "last_name": _clean(_element(nm1, 3)),
            "first_name": _clean(_element(nm1, 4)),
            "middle_name": _clean(_element(nm1, 5)),
            "suffix": _clean(_element(nm1, 7)),
        }
        full = " ".join(p for p in (parts["first_name"], parts["middle_name"], parts["last_name"],
                                    parts["suffix"]) if p)  # fmt: skip
        if not full:
            return
        if not alias and not self.named:
            self.named = True
            self.anchor = index
            for name, value in parts.items():
                setattr(self.mention, name, value)
            self.mention.full_name = full
        self.add("name", full, index, "NM103")

    def take_nm1_id(self, index: int, nm1: list[str]) -> None:
        qualifier, value = _element(nm1, 8), _element(nm1, 9)
        if qualifier == NM1_SSN_QUALIFIER:
            self.take_ssn(index, value, "NM109")
        elif qualifier in NM1_MEMBER_ID_QUALIFIERS:
            self.take_member_id(index, value, "NM109")

    def take_ssn(self, index: int, raw: str, column: str) -> None:
        ssn = normalise_ssn(raw)  # invalid numbers and published test SSNs are dropped here
        if not ssn:
            return
        if not self.mention.ssn:
            self.mention.ssn = ssn
        self.add("ssn", ssn, index, column)

    def take_member_id(self, index: int, value: str, column: str) -> None:
        value = value.strip()
        if not value:
            return
        self.attributes.setdefault("x12_member_id", value)
        self.add("health_insurance_id", value, index, column)

    def take_ref(self, index: int, ref: list[str]) -> None:
        qualifier, value = _element(ref, 1), _element(ref, 2)
        if qualifier == REF_SSN_QUALIFIER:
            self.take_ssn(index, value, "REF02")
        elif qualifier in REF_MEMBER_ID_QUALIFIERS:
            self.take_member_id(index, value, "REF02")
        elif qualifier == REF_MEDICAL_RECORD_QUALIFIER:
            self.add("medical_record_number", value, index, "REF02")

    def take_dmg(self, index: int, dmg: list[str], alias: bool = False) -> None:
        born = iso_date(_element(dmg, 1), _element(dmg, 2))
        if not born:
            return
        if not alias and not self.mention.date_of_birth:
            self.mention.date_of_birth = born
        self.add("date_of_birth", born, index, "DMG02")

    def take_street(self, index: int, n3: list[str]) -> None:
        self._flush_street()
        self._street = (index, _clean(_element(n3, 1)), _clean(_element(n3, 2)))

    def take_city(self, index: int, n4: list[str], preferred: bool = False) -> None:
        """N4 closes the address an N3 opened; ``preferred`` (a mailing address) replaces the first one."""
        street = self._street or (index, "", "")
        self._street = None
        city, state = _clean(_element(n4, 1)), _element(n4, 2).upper()
        postal = _postal_code(_element(n4, 3))
        self._set_address(street[0], street[1], street[2], city, normalise_state(state) or state, postal,
                          preferred)  # fmt: skip

    def _flush_street(self) -> None:
        if self._street is not None:
            index, line1, line2 = self._street
            self._street = None
            self._set_address(index, line1, line2, "", "", "", False)

    def _set_address(self, index: int, line1: str, line2: str, city: str, state: str, postal: str,
                     preferred: bool) -> None:  # fmt: skip
        if not line1 and not city:
            return
        if preferred or not self._address_set:
            self._address_set = True
            m = self.mention
            m.address_line1, m.address_line2, m.city = line1, line2, city
            m.state, m.postal_code = state, postal
        if line1:  # a city alone is not a postal address
            city_line = " ".join(p for p in (state, postal) if p)
            one_line = ", ".join(p for p in (line1, line2, city, city_line) if p)
            self.add("address", one_line, index, "N301")

    def take_per(self, index: int, per: list[str]) -> None:
        """PER03..PER08: up to three (qualifier, number) pairs of phones, e-mails and faxes."""
        for position in (3, 5, 7):
            qualifier, value = _element(per, position), _element(per, position + 1)
            if qualifier in PHONE_QUALIFIERS:
                phone = normalise_phone_cell(value)
                if phone:
                    self.mention.phone = self.mention.phone or phone
                    self.add("phone", phone, index, f"PER{position + 1:02d}")
            elif qualifier == EMAIL_QUALIFIER:
                email = normalise_email(value)
                if email:
                    self.mention.email = self.mention.email or email
                    self.add("email", email, index, f"PER{position + 1:02d}")

    # -- result -------------------------------------------------------------------------------

    def identifies_someone(self) -> bool:
        identifying = ("ssn", "health_insurance_id", "date_of_birth")
        return self.named or any(e.code in identifying for e in self.elements)

    def is_fixture(self) -> bool:
        return self.named and is_fixture_name(self.mention.first_name, self.mention.last_name)

    def finish(self, shared: dict[str, str], keep_fixtures: bool = False) -> tuple[Mention | None, list]:
        """The mention and its elements; a test fixture ("John Doe") is nobody, but its SSN is kept
        unattributed for a reviewer, as the record detectors do."""
        self._flush_street()
        if not self.identifies_someone():
            return None, []
        if self.is_fixture() and not keep_fixtures:
            kept = [e for e in self.elements if e.code == "ssn"]
            for element in kept:
                element.needs_review = True
            return None, kept
        mention = self.mention
        mention.key = mention.location = self.key
        mention.role = self.role
        mention.attributes = {**shared, **self.attributes}
        for element in self.elements:
            element.mention_key = mention.key
        return mention, self.elements
