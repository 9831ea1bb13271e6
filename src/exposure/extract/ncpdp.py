"""NCPDP pharmacy claims as ready-made Detections: Telecommunication D.0 and SCRIPT (XML).

D.0 (formats-and-samples.md 2.3, 3.6): a request starts with a 56-byte header (BIN 6,
version ``D0``, transaction code, PCN 10, count, provider id qualifier 2 + id 15, date 8,
vendor 10), a response with a shorter one (``D0`` + code + count + status + provider id).
Segments follow, separated by 0x1E (0x1D between transactions, 0x1C before each field);
each field is a 2-character id and its value, and a segment starts with ``AMxx``.
Transmissions may be framed by STX/ETX, be batch ``G1`` detail records (``00``/``99``
header and trailer skipped), or sit one per line. The separator between the header and the
first segment is sometimes missing (the cosyte fixture): the first ``AMxx`` is found instead.

* AM01 (request) / AM29 (response) is the patient: CX/CY id, C4 birth date, CA/CB name,
  CM-CP address, CQ phone, HN e-mail, 2C pregnancy.
* AM04 (insurance) names the cardholder: C2 id, CC/CD name. C6 = 1 says the patient is the
  cardholder; otherwise a named cardholder is another person (role ``cardholder``).
* AM07 (claim), AM11 (compound) and AM13 (clinical) are the patient's medical information.
* AM03 (prescriber) and the header's pharmacy id are providers: not read.

SCRIPT is XML: each ``Message``'s ``Patient`` is the patient; medications and diagnoses are
their medical information; ``Prescriber``, ``Pharmacy`` and ``Supervisor`` are providers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element as XmlElement
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from exposure.detect.elements.address import normalise_state
from exposure.detect.elements.dob import normalise_dob
from exposure.detect.elements.email import normalise_email
from exposure.detect.elements.phone import normalise_phone_text
from exposure.detect.elements.ssn import normalise_ssn
from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.hl7 import decode_record, iter_records
from exposure.extract.people import PersonBuilder, batched_units, finished_people
from exposure.model import Detections, Element, Mention

FIELD_SEPARATOR = "\x1c"
GROUP_SEPARATOR = "\x1d"
SEGMENT_SEPARATOR = "\x1e"
REQUEST_HEADER_CHARS = 56
TRANSMISSIONS_PER_BATCH = 1000
MAX_TRANSMISSION_BYTES = 1 << 20  # a D.0 transmission is a few hundred bytes; anything larger is cut

# Transmissions are framed by STX/ETX or sit one per line.
_TRANSMISSION_ENDS = re.compile(rb"[\x02\x03\r\n]")
_SEGMENT_START = re.compile(r"AM\d\d(?=[\x1c\x1d\x1e]|$)")
_TRANSACTION_CODES = frozenset(
    ("B1", "B2", "B3", "E1", "N1", "N2", "N3", "P1", "P2", "P3", "P4", "C1", "C2", "C3", "S1", "S2", "S3")
)

# 331-CX patient id qualifier -> element code of the 332-CY value.
_PATIENT_ID_ELEMENTS = {
    "01": "ssn",
    "02": "drivers_license",
    "04": "health_insurance_id",
    "05": "health_insurance_id",
    "06": "health_insurance_id",
    "07": "drivers_license",  # state-issued id card
    "08": "passport",
    "09": "health_insurance_id",  # Medicare
    "11": "health_insurance_id",  # payer/PBM-assigned id
    "EA": "medical_record_number",
}
_PRODUCT_QUALIFIERS = {"03": "NDC", "07": "CPT4", "08": "CPT5", "09": "HCPCS", "01": "UPC", "02": "HRI"}
_DIAGNOSIS_QUALIFIERS = {"01": "ICD-9", "02": "ICD-10", "03": "NDCC", "05": "SNOMED", "07": "FDB"}


# ---------------------------------------------------------------- persons


class _Person(PersonBuilder):
    """A mention being built, with its elements (deduplicated)."""

    def set_name(self, first: str, last: str, location: str, column: str, middle: str = "") -> None:
        m = self.mention
        first, middle, last = first.strip(), middle.strip(), last.strip()
        if not (first or last) or m.first_name or m.last_name:
            return
        m.first_name, m.middle_name, m.last_name = first, middle, last
        m.full_name = " ".join(p for p in (first, middle, last) if p)
        self.add("name", m.full_name, location, column)

    def set_birth_date(self, raw: str, location: str, column: str) -> None:
        value = normalise_dob(raw.strip()) if raw.strip() else ""
        if value:
            self.mention.date_of_birth = self.mention.date_of_birth or value
            self.add("date_of_birth", value, location, column)

    def set_ssn(self, raw: str, location: str, column: str) -> None:
        value = normalise_ssn(raw.strip())
        if value:
            self.mention.ssn = self.mention.ssn or value
            self.add("ssn", value, location, column)

    def set_address(self, line1: str, line2: str, city: str, state: str, postal: str, location: str) -> None:
        line1, line2, city, state, postal = (v.strip() for v in (line1, line2, city, state, postal))
        if not (line1 or city):
            return
        m = self.mention
        if not (m.address_line1 or m.city):
            m.address_line1, m.address_line2, m.city = line1, line2, city
            m.state, m.postal_code = normalise_state(state), postal
        city_line = " ".join(p for p in (state, postal) if p)
        one_line = ", ".join(p for p in (line1, line2, city, city_line) if p)
        self.add("address", one_line, location, "address")

    def set_phone(self, raw: str, location: str, column: str) -> None:
        value = normalise_phone_text(raw.strip()) if raw.strip() else ""
        if value:
            self.mention.phone = self.mention.phone or value
            self.add("phone", value, location, column)

    def set_email(self, raw: str, location: str, column: str) -> None:
        value = normalise_email(raw)
        if value:
            self.mention.email = self.mention.email or value
            self.add("email", value, location, column)


def _finished(persons: list[_Person]) -> Detections:
    return finished_people((p.mention, p.elements) for p in persons)


# ---------------------------------------------------------------- D.0 transmissions


@dataclass
class Segment:
    code: str  # "AM01"
    fields: dict[str, list[str]]  # field id -> values (a field may repeat)
    occurrence: int  # 1-based count of this segment code in its transmission

    def get(self, field_id: str) -> str:
        values = self.fields.get(field_id)
        return values[0] if values else ""


@dataclass
class Transmission:
    number: int
    header: str
    segments: list[Segment]

    @property
    def is_request(self) -> bool:
        return self.header[6:8] == "D0"


def parse_transmission(text: str, number: int) -> Transmission | None:
    """Header and segments of one D.0 transmission, or None when it is not one."""
    text = text.strip("\x02\x03")
    if text[:2] == "G1":  # batch detail record: 'G1' + 10-character transaction reference
        text = text[12:]
    is_request = text[6:8] == "D0" and text[8:10] in _TRANSACTION_CODES
    is_response = text[0:2] == "D0" and text[2:4] in _TRANSACTION_CODES
    if not (is_request or is_response):
        return None
    separators = [p for p in (text.find(s) for s in (FIELD_SEPARATOR, GROUP_SEPARATOR, SEGMENT_SEPARATOR))]
    first_separator = min((p for p in separators if p >= 0), default=len(text))
    search_from = min(REQUEST_HEADER_CHARS, first_separator) if is_request else min(first_separator, 4)
    start = _SEGMENT_START.search(text, search_from)
    if start is None:
        return Transmission(number, text, [])
    header = text[: start.start()].rstrip(FIELD_SEPARATOR + GROUP_SEPARATOR + SEGMENT_SEPARATOR)
    counts: dict[str, int] = {}
    segments = []
    for raw in re.split(f"[{GROUP_SEPARATOR}{SEGMENT_SEPARATOR}]", text[start.start() :]):
        parts = raw.split(FIELD_SEPARATOR)
        code = parts[0].strip()
        if not re.fullmatch(r"AM\d\d", code):
            continue
        fields: dict[str, list[str]] = {}
        for part in parts[1:]:
            if len(part) >= 2:
                fields.setdefault(part[:2], []).append(part[2:])
        counts[code] = counts.get(code, 0) + 1
        segments.append(Segment(code, fields, counts[code]))
    return Transmission(number, header, segments)


class _TransmissionReader:
    def __init__(self, transmission: Transmission) -> None:
        self.t = transmission
        self.prefix = f"transmission {transmission.number}"
        self.attributes = self._envelope()
        self.patient: _Person | None = None
        self.persons: list[_Person] = []
        self.orphans: list[Element] = []
        self.notes: list[tuple[str, str]] = []

    def _envelope(self) -> dict[str, str]:
        """BIN and PCN name the payer or PBM: owner rules can match them as mention attributes."""
        if not self.t.is_request:
            return {}
        out = {"bin": self.t.header[0:6].strip(), "pcn": self.t.header[10:20].strip()}
        return {k: v for k, v in out.items() if v}

    def location(self, segment: Segment) -> str:
        suffix = "" if segment.occurrence == 1 else f" {segment.occurrence}"
        return f"{self.prefix} / {segment.code}{suffix}"

    def new_person(self, segment: Segment, role: str) -> _Person:
        location = self.location(segment)
        person = _Person(
            Mention(key=location, location=location, role=role, attributes=dict(self.attributes)), "ncpdp"
        )
        self.persons.append(person)
        return person

    def read(self) -> Detections:
        segments = self.t.segments
        for segment in segments:
            if segment.code in ("AM01", "AM29"):
                self.read_patient(segment)
        for segment in segments:
            if segment.code in ("AM04", "AM25"):
                self.read_insurance(segment)
            elif segment.code in _CLINICAL_SEGMENTS:
                self.read_clinical(segment)
            elif segment.code == "AM16":
                for text in segment.fields.get("BM", []):
                    if text.strip():
                        self.notes.append((self.location(segment), text))
        out = _finished(self.persons)
        out.elements.extend(self.orphans)
        return out

    def read_patient(self, segment: Segment) -> None:
        if self.patient is not None:
            return  # one patient per transmission; a second patient segment repeats it
        person = self.new_person(segment, "patient")
        self.patient = person
        loc = self.location(segment)
        person.set_name(segment.get("CA"), segment.get("CB"), loc, "CA/CB")
        person.set_birth_date(segment.get("C4"), loc, "C4")
        person.set_address(
            segment.get("CM"), "", segment.get("CN"), segment.get("CO"), segment.get("CP"), loc
        )
        person.set_phone(segment.get("CQ"), loc, "CQ")
        person.set_email(segment.get("HN"), loc, "HN")
        code = _PATIENT_ID_ELEMENTS.get(segment.get("CX").strip().upper())
        patient_id = segment.get("CY").strip()
        if code == "ssn":
            person.set_ssn(patient_id, loc, "CY")
        elif code and _looks_like_id(patient_id):
            person.add(code, patient_id, loc, "CY")
        if segment.get("2C").strip() == "2":  # 335-2C pregnancy indicator: 2 = pregnant
            person.add("medical_information", "pregnant", loc, "2C")

    def read_insurance(self, segment: Segment) -> None:
        loc = self.location(segment)
        card_id = segment.get("C2").strip()
        first, last = segment.get("CC"), segment.get("CD")
        relationship = segment.get("C6").strip()
        patient_is_cardholder = relationship == "1"
        group = segment.get("C1").strip()
        if group and self.patient is not None:
            self.patient.mention.attributes.setdefault("group_id", group)  # for owner rules, like BIN/PCN
        if self.patient is not None and _looks_like_id(card_id):
            # The patient is billed under this id (with the C3 person code when a dependent).
            self.patient.add("health_insurance_id", card_id, loc, "C2")
        for field_id in ("N5", "2A"):  # Medicaid id, Medigap id: the patient's own
            if self.patient is not None and _looks_like_id(segment.get(field_id)):
                self.patient.add("health_insurance_id", segment.get(field_id), loc, field_id)
        if patient_is_cardholder and self.patient is not None:
            self.patient.set_name(first, last, loc, "CC/CD")
            return
        if not (first.strip() or last.strip()):
            return  # an unnamed cardholder: nothing to tell who it is beyond the id kept above
        if self.patient is not None and (first.strip().lower(), last.strip().lower()) == (
            self.patient.mention.first_name.lower(),
            self.patient.mention.last_name.lower(),
        ):
            return  # the same name as the patient: the patient is the cardholder
        person = self.new_person(segment, "cardholder")
        if relationship:
            person.mention.attributes["relationship"] = relationship
        person.set_name(first, last, loc, "CC/CD")
        if _looks_like_id(card_id):
            person.add("health_insurance_id", card_id, loc, "C2")

    def read_clinical(self, segment: Segment) -> None:
        loc = self.location(segment)
        values: list[tuple[str, str]] = []
        if segment.code in ("AM07", "AM22"):
            product = segment.get("D7").strip()
            qualifier = segment.get("E1").strip()
            if product.strip("0"):
                label = _PRODUCT_QUALIFIERS.get(qualifier, f"product id qualifier {qualifier}".strip())
                values.append((f"prescription: {label} {product}", "D7"))
        elif segment.code == "AM11":
            for product in segment.fields.get("TE", []):
                if product.strip().strip("0"):
                    values.append((f"compound ingredient: {product.strip()}", "TE"))
        elif segment.code == "AM13":
            qualifier = segment.get("DN").strip()
            for code in segment.fields.get("DO", []):
                if code.strip():
                    system = _DIAGNOSIS_QUALIFIERS.get(qualifier, "")
                    values.append((f"diagnosis: {' '.join(p for p in (system, code.strip()) if p)}", "DO"))
        for value, column in values:
            if self.patient is not None:
                self.patient.add("medical_information", value, loc, column)
            else:
                self.orphans.append(
                    Element(
                        code="medical_information",
                        value=value,
                        location=loc,
                        column=column,
                        detector=f"ncpdp.{column}",
                        needs_review=True,
                    )
                )


_CLINICAL_SEGMENTS = frozenset({"AM07", "AM11", "AM13", "AM22"})


def _looks_like_id(value: str) -> bool:
    stripped = value.strip()
    return len(stripped) >= 3 and any(c.isalnum() for c in stripped) and stripped.strip("0") != ""


def iter_transmissions(path: Path) -> Iterator[Transmission]:
    number = 0
    for raw in iter_records(path, _TRANSMISSION_ENDS, MAX_TRANSMISSION_BYTES):
        text = decode_record(raw).lstrip("\ufeff")
        transmission = parse_transmission(text, number + 1)
        if transmission is not None:  # None for batch header/trailer records ('00', '99') and junk
            number += 1
            yield transmission


@reader("ncpdp")
def read_ncpdp(path: Path) -> Extracted:
    """Patients and cardholders of every D.0 transmission in the file."""
    yield from batched_units(_read_transmissions(path), TRANSMISSIONS_PER_BATCH,
                             "not an NCPDP D.0 file: no transmission header found")  # fmt: skip


def _read_transmissions(path: Path) -> Iterator[tuple[Detections, list[tuple[str, str]]]]:
    for transmission in iter_transmissions(path):
        interpreter = _TransmissionReader(transmission)
        found = interpreter.read()
        yield found, interpreter.notes


# ---------------------------------------------------------------- SCRIPT (XML)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: XmlElement | None, *path: str) -> XmlElement | None:
    """The first descendant along ``path`` of local names (namespaces ignored)."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _first_child(element: XmlElement, *names: str) -> XmlElement | None:
    """The first child present of ``names`` (an Element without children is falsy: compare to None)."""
    for name in names:
        found = _child(element, name)
        if found is not None:
            return found
    return None


def _text(element: XmlElement | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


# Identification children (SCRIPT 10.6 and 2017071) -> element code.
_SCRIPT_ID_ELEMENTS = {
    "SocialSecurity": "ssn",
    "MedicalRecordIdentificationNumberEHR": "medical_record_number",
    "PatientAccountNumber": "",
    "MedicareNumber": "health_insurance_id",
    "MedicaidNumber": "health_insurance_id",
    "PayerID": "",
    "DEANumber": "",
    "DriversLicenseNumber": "drivers_license",
    "PassportID": "passport",
    "StateIssuedIDNumber": "drivers_license",
}
_MEDICATION_ELEMENTS = frozenset(
    {"MedicationPrescribed", "MedicationDispensed", "MedicationRequested", "MedicationResponse"}
)


class _ScriptMessageReader:
    def __init__(self, message: XmlElement, number: int) -> None:
        self.message = message
        self.prefix = f"message {number}"
        self.persons: list[_Person] = []

    def read(self) -> Detections:
        patients = [e for e in self.message.iter() if _local(e.tag) == "Patient"]
        patient = None
        for index, element in enumerate(patients, start=1):
            person = self.read_patient(element, index)
            patient = patient or person
        if patient is not None:
            for element in self.message.iter():
                if _local(element.tag) in _MEDICATION_ELEMENTS:
                    self.read_medication(element, patient)
            for element in self.message.iter():
                if _local(element.tag) == "BenefitsCoordination":
                    card_id = _text(element, "CardholderID")
                    if _looks_like_id(card_id):
                        location = f"{self.prefix} / BenefitsCoordination"
                        patient.add("health_insurance_id", card_id, location, "CardholderID")
        return _finished(self.persons)

    def read_patient(self, element: XmlElement, index: int) -> _Person:
        location = f"{self.prefix} / Patient" + ("" if index == 1 else f" {index}")
        person = _Person(Mention(key=location, location=location, role="patient"), "ncpdp_script")
        self.persons.append(person)
        # SCRIPT 2017071 wraps the data in HumanPatient (or AnimalPatient: the owner is the person).
        body = _first_child(element, "HumanPatient", "AnimalPatient") or element
        name = _first_child(body, "Name", "OwnerName")
        person.set_name(
            _text(name, "FirstName"), _text(name, "LastName"), location, "Name", _text(name, "MiddleName")
        )
        birth = _text(body, "DateOfBirth", "Date") or _text(body, "DateOfBirth", "DateTime")[:10]
        person.set_birth_date(birth, location, "DateOfBirth")
        address = _child(body, "Address")
        if address is not None:
            person.set_address(
                _text(address, "AddressLine1"),
                _text(address, "AddressLine2"),
                _text(address, "City"),
                _text(address, "StateProvince") or _text(address, "State"),
                _text(address, "PostalCode") or _text(address, "ZipCode"),
                location,
            )
        identification = _child(body, "Identification")
        for child in identification if identification is not None else []:
            code = _SCRIPT_ID_ELEMENTS.get(_local(child.tag), "")
            value = (child.text or "").strip()
            if code == "ssn":
                person.set_ssn(value, location, _local(child.tag))
            elif code and _looks_like_id(value):
                person.add(code, value, location, _local(child.tag))
        self.read_communication(body, person, location)
        return person

    def read_communication(self, body: XmlElement, person: _Person, location: str) -> None:
        numbers = _child(body, "CommunicationNumbers")
        if numbers is None:
            return
        for element in numbers.iter():
            name = _local(element.tag)
            if name.endswith("Telephone") or name in ("Beeper", "Fax"):
                person.set_phone(_text(element, "Number"), location, name)
            elif name == "ElectronicMail":
                person.set_email(element.text or "", location, name)
            elif name == "Communication":  # SCRIPT 10.x: Number + Qualifier (TE, EM, FX ...)
                qualifier = _text(element, "Qualifier").upper()
                number = _text(element, "Number")
                if qualifier == "EM":
                    person.set_email(number, location, "Communication")
                else:
                    person.set_phone(number, location, "Communication")

    def read_medication(self, element: XmlElement, patient: _Person) -> None:
        location = f"{self.prefix} / {_local(element.tag)}"
        description = _text(element, "DrugDescription")
        code = _text(element, "DrugCoded", "ProductCode") or _text(
            element, "DrugCoded", "ProductCode", "Code"
        )
        if description or code:
            value = f"{description} (NDC {code})" if description and code else description or f"NDC {code}"
            patient.add("medical_information", f"medication: {value}", location, "DrugDescription")
        for diagnosis in element.iter():
            if _local(diagnosis.tag) in ("Primary", "Secondary") and _text(diagnosis, "Code"):
                text = _text(diagnosis, "Description")
                value = f"{text} ({_text(diagnosis, 'Code')})" if text else _text(diagnosis, "Code")
                patient.add("medical_information", f"diagnosis: {value}", location, "Diagnosis")


@reader("ncpdp_script")
def read_ncpdp_script(path: Path) -> Extracted:
    """The patient of every SCRIPT message in the file, with their prescriptions."""
    number = 0
    root: XmlElement | None = None
    try:
        for event, element in iterparse(str(path), events=("start", "end")):
            if event == "start":
                root = root if root is not None else element
                continue
            if _local(element.tag) == "Message":
                number += 1
                yield _ScriptMessageReader(element, number).read()
                element.clear()  # bounded memory on files of many messages
    except (ParseError, DefusedXmlException) as exc:
        raise ExtractError(f"damaged NCPDP SCRIPT XML: {type(exc).__name__}") from None
    if number == 0 and root is not None:
        yield _ScriptMessageReader(root, 1).read()  # a bare NewRx (or other body) without its Message
