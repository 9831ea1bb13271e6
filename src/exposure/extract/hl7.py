"""HL7 v2 messages as ready-made Detections: the structure says who each value belongs to.

One file may hold one message or thousands: segments end in CR, LF or CRLF, a file may
start with a UTF-8 BOM, messages may be MLLP framed (``0x0b`` ... ``0x1c 0x0d``) or wrapped
in FHS/BHS batches. The file is read in chunks and split into segments, a new message
starts at every MSH, and each message is interpreted on its own, so memory stays bounded.

Who is who (formats-and-samples.md 3.5):

* PID is the patient: identifiers by CX-5 type, name, birth date, address, phones,
  e-mails, SSN (PID-19), driver's licence (PID-20). MRG adds the same patient's old ids.
* NK1 is another person (role ``next_of_kin``), GT1 the guarantor (``guarantor``), and
  IN1/IN2 the insured person (``insured``) unless IN1-17 says the insured is the patient.
* DG1, PR1, AL1, OBX, OBR, RX*, FT1 ... are the patient's medical information.
* Providers (PV1-7/8/9/17, ORC-12, OBR-16, PRT, ROL) are not affected individuals: skipped.

Free text (NTE, OBX of type TX/FT) is also yielded as text blocks for the text detectors.
Our own small parser is used rather than python-hl7: it is more tolerant of the line
endings, framing and damage found in real exports, and we need only split and unescape.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from exposure.detect.elements.address import normalise_state
from exposure.detect.elements.dob import normalise_dob
from exposure.detect.elements.email import normalise_email
from exposure.detect.elements.phone import normalise_phone_cell, normalise_phone_text
from exposure.detect.elements.ssn import normalise_ssn
from exposure.extract.base import Extracted, reader
from exposure.extract.people import PersonBuilder, batched_units, finished_people
from exposure.model import Detections, Element, Mention

CHUNK_BYTES = 1 << 20
# A segment longer than this (an OBX holding a huge Base64 document) is cut: persons and codes
# sit in the first few hundred characters, and the rest must not exhaust memory.
MAX_SEGMENT_BYTES = 16 << 20
MESSAGES_PER_BATCH = 500
MAX_MEDICAL_VALUE = 200

_SEGMENT_ENDS = re.compile(rb"[\r\n\x0b\x1c]")
_SEGMENT_ENDS_TEXT = re.compile(r"[\r\n\x0b\x1c]")
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}")
_LEADING_JUNK = "\ufeff \t"  # a BOM, or indentation some exports add before segments
_DEFAULT_ENCODING = "^~\\&"

# CX-5 identifier types (HL7 table 0203) that are elements of CONTRACT.md; other types
# (account, visit, employee numbers ...) are not.
_ID_TYPE_ELEMENTS = {
    "MR": "medical_record_number",
    "MRN": "medical_record_number",
    "MRT": "medical_record_number",
    "PI": "medical_record_number",
    "PT": "medical_record_number",
    "PN": "medical_record_number",
    "SS": "ssn",
    "SSN": "ssn",
    "MA": "health_insurance_id",
    "MC": "health_insurance_id",
    "MCN": "health_insurance_id",
    "MB": "health_insurance_id",
    "SN": "health_insurance_id",
    "HC": "health_insurance_id",
    "DL": "drivers_license",
    "PPN": "passport",
    "BA": "financial_account",
}
_SSA_AUTHORITIES = frozenset({"SSA", "USSSA"})
_SELF_RELATIONSHIPS = frozenset({"SEL", "SELF", "01", "18"})
# NK1-7 contact roles that name an organisation rather than a relative.
_ORGANISATION_CONTACT_ROLES = frozenset({"E", "F", "I", "S"})
_NOTE_VALUE_TYPES = frozenset({"TX", "FT"})
_EMBEDDED_DATA_TYPES = frozenset({"ED", "RP"})
_FORMATTING_COMMANDS = (".in", ".ti", ".sk", ".ce", ".fi", ".nf")
_CODED_TYPES = frozenset({"CE", "CWE", "CNE", "CF"})


# ---------------------------------------------------------------- reading and splitting


def iter_records(
    path: Path, separators: re.Pattern[bytes], max_bytes: int = MAX_SEGMENT_BYTES
) -> Iterator[bytes]:
    """Non-empty byte records of the file at ``path`` split on single-byte ``separators``, read in chunks.

    A record longer than ``max_bytes`` is cut there (the rest, up to the next separator, is dropped).
    """
    with Path(path).open("rb") as f:
        yield from _split_stream(f.read, separators, max_bytes, b"")


def iter_text_records(
    path: Path, encoding: str, separators: re.Pattern[str], max_chars: int
) -> Iterator[str]:
    """Like :func:`iter_records` for a file in a known text encoding (UTF-16 exports)."""
    with Path(path).open(encoding=encoding, errors="replace", newline="") as f:
        yield from _split_stream(f.read, separators, max_chars, "")


def _split_stream(read, separators, max_len, empty):  # noqa: ANN001, ANN202 - bytes or str alike
    pending: list = []
    size = 0
    skipping = False
    while chunk := read(CHUNK_BYTES):
        start = 0
        for match in separators.finditer(chunk):
            if not skipping:
                pending.append(chunk[start : match.start()])
                record = empty.join(pending)
                if record:
                    yield record[:max_len]
            skipping = False
            pending, size = [], 0
            start = match.end()
        if not skipping:
            pending.append(chunk[start:])
            size += len(chunk) - start
            if size > max_len:  # no separator for too long: keep the start, drop the rest of this record
                yield empty.join(pending)[:max_len]
                pending, size, skipping = [], 0, True
    record = empty.join(pending)
    if record and not skipping:
        yield record


def utf16_encoding(path: Path) -> str | None:
    """'utf-16' when the file starts with a UTF-16 byte order mark, else None."""
    with Path(path).open("rb") as f:
        head = f.read(2)
    return "utf-16" if head in (b"\xff\xfe", b"\xfe\xff") else None


def decode_record(raw: bytes) -> str:
    """UTF-8 when it decodes as such, else Latin-1 (never fails: every byte is a character)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass(frozen=True)
class Encoding:
    """The delimiters of one message (MSH-1 and MSH-2), with splitting and unescaping."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @classmethod
    def from_msh(cls, line: str) -> Encoding:
        sep = line[3:4]
        if not sep or sep.isalnum() or sep.isspace():
            return cls()
        chars = line[4:].split(sep, 1)[0]
        if any(c.isalnum() or c.isspace() for c in chars) or len(set(chars)) != len(chars):
            chars = _DEFAULT_ENCODING
        padded = (chars + "\x00\x00\x00\x00")[:4]  # a missing character never matches anything
        return cls(sep, padded[0], padded[1], padded[2], padded[3])

    def repetitions(self, raw: str) -> list[str]:
        return raw.split(self.repetition) if raw else []

    def components(self, raw: str) -> list[str]:
        return raw.split(self.component)

    def subcomponents(self, raw: str) -> list[str]:
        return raw.split(self.subcomponent)

    def text(self, raw: str) -> str:
        """``raw`` with HL7 escape sequences replaced (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\Xhh\\ \\.br\\ ...)."""
        if self.escape == "\x00" or self.escape not in raw:
            return raw.strip()
        return _unescape(raw, self).strip()


def _unescape(raw: str, enc: Encoding) -> str:
    out: list[str] = []
    i = 0
    esc = enc.escape
    while i < len(raw):
        j = raw.find(esc, i)
        k = raw.find(esc, j + 1) if j >= 0 else -1
        if j < 0 or k < 0:
            out.append(raw[i:])
            break
        out.append(raw[i:j])
        out.append(_escape_value(raw[j + 1 : k], enc, raw[j : k + 1]))
        i = k + 1
    return "".join(out)


def _escape_value(code: str, enc: Encoding, original: str) -> str:
    simple = {"F": enc.field, "S": enc.component, "T": enc.subcomponent, "R": enc.repetition, "E": enc.escape}
    if code in simple:
        return simple[code]
    if code in (".br", ".sp"):
        return "\n"
    if code in ("H", "N") or code[:1] in ("C", "M", "Z") or code.startswith(_FORMATTING_COMMANDS):
        return ""  # highlighting, character-set switches, formatting: no text of their own
    if code[:1] == "X":
        try:
            return decode_record(bytes.fromhex(code[1:]))
        except ValueError:
            return original
    return original


@dataclass
class Segment:
    name: str
    fields: list[str]  # fields[n] is field n (MSH too: fields[1] is the field separator)
    occurrence: int  # 1-based count of this segment name within its message

    def get(self, number: int) -> str:
        return self.fields[number] if number < len(self.fields) else ""


@dataclass
class Message:
    number: int  # 1-based position in the file
    encoding: Encoding
    segments: list[Segment] = field(default_factory=list)


def _lines(path: Path) -> Iterator[str]:
    encoding = utf16_encoding(path)
    if encoding:
        yield from iter_text_records(path, encoding, _SEGMENT_ENDS_TEXT, MAX_SEGMENT_BYTES)
    else:
        for raw in iter_records(path, _SEGMENT_ENDS):
            yield decode_record(raw)


def iter_messages(path: Path) -> Iterator[Message]:
    """HL7 messages of a file, each with its own delimiters; anything before the first MSH is ignored."""
    message: Message | None = None
    counts: dict[str, int] = {}
    enc = Encoding()
    lines: list[str] = []
    number = 0
    for line in _lines(path):
        line = line.lstrip(_LEADING_JUNK)
        head = line[:3]
        if head in ("MSH", "FHS", "BHS") and not line[3:4].isalnum():  # "MSH" alone: default delimiters
            if message is not None:
                _finish(message, lines, counts)
                yield message
                message = None
            enc = Encoding.from_msh(line)
            if head == "MSH":
                number += 1
                message, lines, counts = Message(number, enc), [line], {}
            continue
        if message is None:
            continue
        if _SEGMENT_ID.fullmatch(head) and line[3:4] in (enc.field, ""):
            lines.append(line)
        elif lines and line.strip() and line.isprintable():
            lines[-1] += line  # a long segment wrapped onto several lines (binary junk is dropped)
    if message is not None:
        _finish(message, lines, counts)
        yield message


def _finish(message: Message, lines: list[str], counts: dict[str, int]) -> None:
    enc = message.encoding
    for line in lines:
        name = line[:3]
        fields = line.split(enc.field)
        if name == "MSH":
            fields.insert(1, enc.field)
        counts[name] = counts.get(name, 0) + 1
        message.segments.append(Segment(name, fields, counts[name]))
    # Batch trailers carry no persons.
    message.segments = [s for s in message.segments if s.name not in ("BTS", "FTS")]


# ---------------------------------------------------------------- values of HL7 data types


@dataclass
class Name:
    first: str = ""
    middle: str = ""
    last: str = ""
    suffix: str = ""

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.first, self.middle, self.last, self.suffix) if p)

    def __bool__(self) -> bool:
        return bool(self.first or self.last)


def person_name(raw: str, enc: Encoding) -> Name:
    """The best name of an XPN field: legal first, else the first with family and given names."""
    names: list[tuple[Name, str]] = []
    for rep in enc.repetitions(raw):
        comps = enc.components(rep) + [""] * 7
        family_parts = enc.subcomponents(comps[0])
        family = enc.text(family_parts[0]) or (enc.text(family_parts[2]) if len(family_parts) > 2 else "")
        name = Name(enc.text(comps[1]), enc.text(comps[2]), family, enc.text(comps[3]))
        if name:
            names.append((name, enc.text(comps[6]).upper()))
    complete = [(n, t) for n, t in names if n.first and n.last]
    for candidates in (complete, names):
        for name, kind in candidates:
            if kind == "L":
                return name
        if candidates:
            return candidates[0][0]
    return Name()


def birth_date(raw: str, enc: Encoding) -> str:
    """ISO date of an HL7 TS/DTM (``YYYYMMDD[HHMM...]``), "" when not a full plausible birth date."""
    value = enc.text(enc.components(raw)[0]) if raw else ""
    digits = value[:8]
    return normalise_dob(digits) if len(digits) == 8 and digits.isdigit() else ""


@dataclass
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""  # as written (may be a province)
    postal_code: str = ""
    country: str = ""

    def one_line(self) -> str:
        city_line = " ".join(p for p in (self.state, self.postal_code) if p)
        return ", ".join(p for p in (self.line1, self.line2, self.city, city_line) if p)


def addresses(raw: str, enc: Encoding) -> list[Address]:
    """Postal addresses of an XAD field (those with a street line or a city)."""
    out = []
    for rep in enc.repetitions(raw):
        comps = enc.components(rep) + [""] * 6
        street = enc.subcomponents(comps[0]) + ["", ""]
        whole, street_name, dwelling = (enc.text(s) for s in street[:3])
        if any(c.isalpha() for c in whole):
            line1 = whole
        else:  # SAD split into its parts: house number and street name
            line1 = " ".join(p for p in (whole or dwelling, street_name) if p)
        address = Address(
            line1,
            enc.text(comps[1]),
            enc.text(comps[2]),
            enc.text(comps[3]),
            enc.text(comps[4]),
            enc.text(comps[5]),
        )
        if address.line1 or address.city:
            out.append(address)
    return out


def telecoms(raw: str, enc: Encoding) -> tuple[list[str], list[str]]:
    """(E.164 phones, e-mails) of an XTN field; numbers that are not valid phone numbers are dropped."""
    phones: list[str] = []
    emails: list[str] = []
    for rep in enc.repetitions(raw):
        comps = [enc.text(c) for c in enc.components(rep)] + [""] * 12
        for candidate in (comps[3], comps[0]):
            if "@" in candidate and (email := normalise_email(candidate)):
                emails.append(email)
        if comps[5] and comps[6]:
            number = comps[5] + comps[6]
        else:
            number = comps[0] if "@" not in comps[0] else comps[11]
        if comps[4] and number and not number.startswith("+"):
            number = f"+{comps[4]}{number}" if comps[4] != "1" else number
        phone = normalise_phone(number) if number else ""
        if phone:
            phones.append(phone)
    return phones, emails


@functools.lru_cache(maxsize=65_536)  # the same numbers recur (a facility's, a family's)
def normalise_phone(value: str) -> str:
    """E.164 of a phone number field; US numbers by their digits (fast), others through full parsing."""
    if value.startswith("+") and not value.startswith("+1"):
        return normalise_phone_text(value)
    return normalise_phone_cell(value)  # strips an extension, then 10 digits (or 1 + 10)


def coded(raw: str, enc: Encoding) -> str:
    """A readable coded value: ``text (system code)`` from a CE/CWE/CNE field's first repetition."""
    rep = enc.repetitions(raw)
    comps = [enc.text(c) for c in enc.components(rep[0])] + ["", "", ""] if rep else ["", "", ""]
    code, text, system = comps[0], comps[1], comps[2]
    ref = " ".join(p for p in (system, code) if p)
    if text and ref:
        return f"{text} ({ref})"
    return text or ref


# ---------------------------------------------------------------- persons of one message


class _Person(PersonBuilder):
    def __init__(self, mention: Mention) -> None:
        super().__init__(mention, "hl7")

    def set_name(self, name: Name, location: str, column: str) -> None:
        m = self.mention
        if not name or m.first_name or m.last_name:
            return
        m.first_name, m.middle_name, m.last_name, m.suffix = name.first, name.middle, name.last, name.suffix
        m.full_name = name.full
        self.add("name", name.full, location, column)

    def set_birth_date(self, value: str, location: str, column: str) -> None:
        if value:
            self.mention.date_of_birth = self.mention.date_of_birth or value
            self.add("date_of_birth", value, location, column)

    def set_ssn(self, raw_value: str, location: str, column: str) -> None:
        value = normalise_ssn(raw_value.strip())
        if value:
            self.mention.ssn = self.mention.ssn or value
            self.add("ssn", value, location, column)

    def set_addresses(self, found: list[Address], location: str, column: str) -> None:
        for address in found:
            m = self.mention
            if not m.address_line1 and not m.city:
                m.address_line1, m.address_line2, m.city = address.line1, address.line2, address.city
                m.state, m.postal_code = normalise_state(address.state), address.postal_code
            self.add("address", address.one_line(), location, column)

    def set_telecoms(self, phones: list[str], emails: list[str], location: str, column: str) -> None:
        for phone in phones:
            self.mention.phone = self.mention.phone or phone
            self.add("phone", phone, location, column)
        for email in emails:
            self.mention.email = self.mention.email or email
            self.add("email", email, location, column)


class _MessageReader:
    """Walks one message's segments in order and builds its persons."""

    def __init__(self, message: Message) -> None:
        self.message = message
        self.enc = message.encoding
        self.prefix = f"message {message.number}"
        self.persons: list[_Person] = []
        self.patient: _Person | None = None
        self.insured: _Person | None = None  # whom the last IN1 was about, for its IN2
        self.orphans: list[Element] = []  # medical information in a message without a patient
        self.notes: list[tuple[str, str]] = []  # (location, text) of free-text fields
        self.attributes = self._envelope()

    def _envelope(self) -> dict[str, str]:
        """Sender and receiver (MSH-3..6): owner rules can match them as mention attributes."""
        msh = self.message.segments[0] if self.message.segments else None
        if msh is None:
            return {}
        names = ("sending_application", "sending_facility", "receiving_application", "receiving_facility")
        out = {}
        for number, name in enumerate(names, start=3):
            value = self.enc.text(self.enc.components(msh.get(number))[0])
            if value:
                out[name] = value
        return out

    def location(self, segment: Segment) -> str:
        single = segment.occurrence == 1 and segment.name in ("PID", "MRG")
        suffix = "" if single else f" {segment.occurrence}"
        return f"{self.prefix} / {segment.name}{suffix}"

    def text(self, segment: Segment, number: int) -> str:
        return self.enc.text(segment.get(number))

    def new_person(self, segment: Segment, role: str, relationship: str = "") -> _Person:
        location = self.location(segment)
        attributes = dict(self.attributes)
        if relationship:
            attributes["relationship"] = relationship
        person = _Person(Mention(key=location, location=location, role=role, attributes=attributes))
        self.persons.append(person)
        return person

    def read(self) -> None:
        handlers = {
            "PID": self.pid,
            "MRG": self.mrg,
            "NK1": self.nk1,
            "GT1": self.gt1,
            "IN1": self.in1,
            "IN2": self.in2,
            "NTE": self.nte,
            "OBX": self.obx,
        }
        for segment in self.message.segments:
            handler = handlers.get(segment.name)
            if handler is not None:
                handler(segment)
            elif segment.name in _MEDICAL_FIELDS:
                self.medical(segment)

    # ---- the patient

    def pid(self, segment: Segment) -> None:
        person = self.new_person(segment, "patient")
        self.patient, self.insured = person, None
        loc = self.location(segment)
        for number in (2, 3, 4):  # an untyped patient id is the provider's record number
            self.identifiers(person, segment.get(number), loc, f"PID-{number}", "medical_record_number")
        person.set_name(person_name(segment.get(5), self.enc), loc, "PID-5")
        person.set_birth_date(birth_date(segment.get(7), self.enc), loc, "PID-7")
        person.set_addresses(addresses(segment.get(11), self.enc), loc, "PID-11")
        for number in (13, 14, 40):
            person.set_telecoms(*telecoms(segment.get(number), self.enc), loc, f"PID-{number}")
        person.set_ssn(self.text(segment, 19), loc, "PID-19")
        licence = self.enc.text(self.enc.components(segment.get(20))[0])
        if _looks_like_id(licence):
            person.add("drivers_license", licence, loc, "PID-20")

    def mrg(self, segment: Segment) -> None:
        """Prior identifiers of the same patient (merges)."""
        if self.patient is None:
            return
        loc = self.location(segment)
        for number in (1, 4):
            self.identifiers(self.patient, segment.get(number), loc, f"MRG-{number}", "medical_record_number")

    def identifiers(self, person: _Person, raw: str, location: str, column: str, default: str) -> None:
        """Identifiers of a CX field, each as the element its type (CX-5) or authority (CX-4) says."""
        for rep in self.enc.repetitions(raw):
            comps = self.enc.components(rep) + [""] * 5
            value = self.enc.text(comps[0])
            id_type = self.enc.text(comps[4]).upper()
            authority = self.enc.text(self.enc.subcomponents(comps[3])[0]).upper()
            if id_type in _ID_TYPE_ELEMENTS:
                code = _ID_TYPE_ELEMENTS[id_type]
            elif authority in _SSA_AUTHORITIES:
                code = "ssn"
            elif not id_type:
                code = default
            else:
                continue  # account, visit, employee ... numbers are not elements
            if code == "ssn":
                person.set_ssn(value, location, column)
            elif _looks_like_id(value, min_digits=4 if code == "financial_account" else 1):
                person.add(code, value, location, column)

    # ---- other persons

    def nk1(self, segment: Segment) -> None:
        name = person_name(segment.get(2), self.enc)
        role_code = self.enc.text(self.enc.components(segment.get(7))[0]).upper()
        if not name and (segment.get(13) or role_code in _ORGANISATION_CONTACT_ROLES):
            return  # an employer or agency as contact; its contact person is their staff
        relationship = self.enc.text(self.enc.components(segment.get(3))[0])
        person = self.new_person(segment, "next_of_kin", relationship)
        loc = self.location(segment)
        person.set_name(name, loc, "NK1-2")
        person.set_addresses(addresses(segment.get(4), self.enc), loc, "NK1-4")
        for number in (5, 6, 40):
            person.set_telecoms(*telecoms(segment.get(number), self.enc), loc, f"NK1-{number}")
        person.set_birth_date(birth_date(segment.get(16), self.enc), loc, "NK1-16")
        self.identifiers(person, segment.get(33), loc, "NK1-33", "")
        person.set_ssn(self.text(segment, 37), loc, "NK1-37")

    def gt1(self, segment: Segment) -> None:
        if not segment.get(3) and segment.get(21):
            return  # an organisation as guarantor
        relationship = self.enc.text(self.enc.components(segment.get(11))[0])
        person = self.new_person(segment, "guarantor", relationship)
        loc = self.location(segment)
        person.set_name(person_name(segment.get(3), self.enc), loc, "GT1-3")
        person.set_addresses(addresses(segment.get(5), self.enc), loc, "GT1-5")
        for number in (6, 7):
            person.set_telecoms(*telecoms(segment.get(number), self.enc), loc, f"GT1-{number}")
        person.set_birth_date(birth_date(segment.get(8), self.enc), loc, "GT1-8")
        person.set_ssn(self.text(segment, 12), loc, "GT1-12")

    def in1(self, segment: Segment) -> None:
        loc = self.location(segment)
        relationship = self.enc.text(self.enc.components(segment.get(17))[0])
        name = person_name(segment.get(16), self.enc)
        target = self._insured_target(segment, relationship.upper(), name)
        self.insured = target
        target.set_name(name, loc, "IN1-16")
        target.set_birth_date(birth_date(segment.get(18), self.enc), loc, "IN1-18")
        target.set_addresses(addresses(segment.get(19), self.enc), loc, "IN1-19")
        member_id = self.text(segment, 36)
        if _looks_like_id(member_id):
            target.add("health_insurance_id", member_id, loc, "IN1-36")
        for rep in self.enc.repetitions(segment.get(49)):
            value = self.enc.text(self.enc.components(rep)[0])
            if _looks_like_id(value):
                target.add("health_insurance_id", value, loc, "IN1-49")

    def _insured_target(self, segment: Segment, relationship: str, name: Name) -> _Person:
        """The patient when IN1 is about the patient (IN1-17 self, or nobody else named), else someone new."""
        patient = self.patient
        if patient is not None:
            p = patient.mention
            same_name = bool(name) and (name.first.lower(), name.last.lower()) == (
                p.first_name.lower(),
                p.last_name.lower(),
            )
            unnamed = not name and not segment.get(18) and not segment.get(19)
            if relationship in _SELF_RELATIONSHIPS or same_name or unnamed:
                return patient
        return self.new_person(segment, "insured", relationship)

    def in2(self, segment: Segment) -> None:
        loc = self.location(segment)
        target = self.insured or self.patient
        if target is not None:
            target.set_ssn(self.text(segment, 2), loc, "IN2-2")
            for number in (6, 8, 26):
                value = self.enc.text(self.enc.components(segment.get(number))[0])
                if _looks_like_id(value):
                    target.add("health_insurance_id", value, loc, f"IN2-{number}")
            target.set_telecoms(*telecoms(segment.get(63), self.enc), loc, "IN2-63")
        if self.patient is not None:
            value = self.enc.text(self.enc.components(segment.get(61))[0])
            if _looks_like_id(value):
                self.patient.add("health_insurance_id", value, loc, "IN2-61")

    # ---- the patient's medical information and free text

    def medical(self, segment: Segment) -> None:
        loc = self.location(segment)
        for numbers, label in _MEDICAL_FIELDS[segment.name]:
            number = next((n for n in numbers if segment.get(n)), numbers[0])
            for rep in self.enc.repetitions(segment.get(number))[:20]:
                value = coded(rep, self.enc)
                if value:
                    self.add_medical(f"{label}: {value}", loc, f"{segment.name}-{number}")
                if segment.name not in _REPEATING_MEDICAL:
                    break

    def add_medical(self, value: str, location: str, column: str) -> None:
        value = value[:MAX_MEDICAL_VALUE]
        if self.patient is not None:
            self.patient.add("medical_information", value, location, column)
            return
        self.orphans.append(
            Element(
                code="medical_information",
                value=value,
                location=location,
                column=column,
                detector=f"hl7.{column}",
                needs_review=True,
            )
        )

    def obx(self, segment: Segment) -> None:
        loc = self.location(segment)
        value_type = self.text(segment, 2).upper()
        observation = coded(segment.get(3), self.enc)
        if value_type in _EMBEDDED_DATA_TYPES:
            result = ""  # Base64 documents and references are not read here
        else:
            reps = self.enc.repetitions(segment.get(5))
            if value_type in _CODED_TYPES:
                values = [coded(r, self.enc) for r in reps]
            else:
                values = [self.enc.text(r.replace(self.enc.component, " ")) for r in reps]
            result = ", ".join(v for v in values if v)
        if value_type in _NOTE_VALUE_TYPES and result:
            self.notes.append((loc, result))
        if observation or result:
            value = f"{observation} = {result}" if observation and result else observation or result
            self.add_medical(f"observation: {value}", loc, "OBX-3")

    def nte(self, segment: Segment) -> None:
        text = "\n".join(self.enc.text(r) for r in self.enc.repetitions(segment.get(3)))
        if text.strip():
            self.notes.append((self.location(segment), text))

    # ---- output

    def detections(self) -> Detections:
        out = Detections(elements=list(self.orphans))
        return finished_people(((p.mention, p.elements) for p in self.persons), out)


# Coded fields that are medical information, per segment: (field numbers, label); of several field
# numbers the first non-empty one is used (DG1-4 is the text of the DG1-3 code, for senders without codes).
_MEDICAL_FIELDS: dict[str, tuple[tuple[tuple[int, ...], str], ...]] = {
    "DG1": (((3, 4), "diagnosis"),),
    "DRG": (((1,), "diagnosis related group"),),
    "PR1": (((3, 4), "procedure"),),
    "AL1": (((3,), "allergy"),),
    "IAM": (((3,), "allergy"),),
    "PRB": (((3,), "problem"),),
    "OBR": (((4,), "order"), ((31,), "reason for study")),
    "ORC": (((16,), "order reason"),),
    "RXO": (((1,), "medication"),),
    "RXE": (((2,), "medication"),),
    "RXD": (((2,), "medication"),),
    "RXG": (((4,), "medication"),),
    "RXA": (((5,), "medication"),),
    "RXC": (((2,), "medication component"),),
    "FT1": (((7,), "charge"), ((19,), "diagnosis"), ((25,), "procedure"), ((29,), "medication")),
    "PV2": (((3,), "admit reason"),),
    "PDA": (((1,), "cause of death"),),
}
_REPEATING_MEDICAL = frozenset({"FT1", "OBR"})  # FT1-19 and OBR-31 list several codes


def _looks_like_id(value: str, min_digits: int = 1) -> bool:
    """An identifier worth recording: three characters or more with a digit, not all zeros."""
    stripped = value.strip()
    digits = sum(c.isdigit() for c in stripped)
    return len(stripped) >= 3 and digits >= min_digits and stripped.strip("0-") != ""


# ---------------------------------------------------------------- the reader


@reader("hl7")
def read_hl7(path: Path) -> Extracted:
    """Persons and their elements from every message; free text as text blocks."""
    yield from batched_units(_read_messages(path), MESSAGES_PER_BATCH,
                             "not an HL7 v2 file: no message header (MSH segment) found")  # fmt: skip


def _read_messages(path: Path) -> Iterator[tuple[Detections, list[tuple[str, str]]]]:
    for message in iter_messages(path):
        interpreter = _MessageReader(message)
        interpreter.read()
        yield interpreter.detections(), interpreter.notes
