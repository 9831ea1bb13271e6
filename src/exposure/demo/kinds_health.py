"""Healthcare files of the demo share: X12 834 enrollment, an X12 837P claim, HL7 v2 ADT^A01.

A person's location is ``segment N``: the 1-based position, in the whole file, of the
segment that names them (``NM1*IL`` / ``NM1*QC`` in X12, ``PID`` / ``NK1`` in HL7; ISA
and MSH are segment 1). What counts for whom (CONTRACT.md, counting rules):
- 834: every member loop (INS) is one person; REF*0F (subscriber id) and REF*17 (member id)
  are ``health_insurance_id``; NM108=34 puts the SSN in NM109; DMG holds the birth date.
- 837P: the subscriber (2010BA, MI member id and REF*SY SSN) and the patient (2010CA) are
  people; the claim and its HI diagnoses are the patient's ``medical_information``.
  Submitter, receiver, payer and providers are organisations or providers: not people.
- HL7: PID-3 ``MR`` is a ``medical_record_number``, ``MA`` a ``health_insurance_id``,
  PID-19 the SSN; DG1 is ``medical_information``; NK1 (next of kin) is a person too.
"""

from __future__ import annotations

import datetime as dt
import io

from stdnum import luhn

from exposure.demo.documents import Doc, PersonMention
from exposure.demo.layout import LAKESIDE_DIR, Batch
from exposure.demo.people import (
    SEGMENT_LAKESIDE,
    SEGMENT_OCEANVIEW,
    Household,
    Person,
    phone_as,
    ssn_digits,
)

OCEANVIEW_X12_ID = "OCEANVIEW01"
LAKESIDE_X12_ID = "LAKESIDEHP"
VENDOR_X12_ID = "HARBORLINE"
CLEARINGHOUSE_X12_ID = "RIVERBENDCLR"
INTERCHANGE_TIME = dt.datetime(2024, 3, 1, 9, 30)
COVERAGE_START = "20240101"

# ICD-10-CM codes as X12 writes them (no dot) and as HL7 does (dotted), with a description.
DIAGNOSES = (
    ("J069", "J06.9", "Acute upper respiratory infection, unspecified"),
    ("R509", "R50.9", "Fever, unspecified"),
    ("E119", "E11.9", "Type 2 diabetes mellitus without complications"),
    ("I10", "I10", "Essential (primary) hypertension"),
    ("M545", "M54.5", "Low back pain"),
    ("J189", "J18.9", "Pneumonia, unspecified organism"),
    ("K219", "K21.9", "Gastro-esophageal reflux disease without esophagitis"),
    ("S52501A", "S52.501A", "Unspecified fracture of the lower end of right radius, initial encounter"),
)


def npi(base: str) -> str:
    """A well-formed NPI (Luhn over the 80840 prefix): providers have real-looking ids, never SSNs."""
    return base + luhn.calc_check_digit("80840" + base)


RENDERING_NPI = npi("123456789")
BILLING_NPI = npi("198765432")


class X12Builder:
    """An interchange built segment by segment, so a mention can point at the segment naming a person."""

    def __init__(self, sender: str, receiver: str, functional_code: str, version: str, control: int) -> None:
        self.segments: list[str] = []
        self.control = control
        self.version = version
        stamp = INTERCHANGE_TIME
        isa = "*".join(
            ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{sender:<15}", "ZZ", f"{receiver:<15}",
             stamp.strftime("%y%m%d"), stamp.strftime("%H%M"), "^", "00501", f"{control:09d}", "0", "P", ":"]
        )  # fmt: skip
        if len(isa) + 1 != 106:  # ISA is fixed width: readers take the delimiters from its byte positions
            raise ValueError("ISA must be 106 characters")
        self.segments.append(isa)
        self.add("GS", functional_code, sender, receiver, stamp.strftime("%Y%m%d"), stamp.strftime("%H%M"),
                 str(control), "X", version)  # fmt: skip
        self.transaction_start = 0

    def add(self, *elements: str) -> int:
        """Append one segment (trailing empty elements dropped); returns its 1-based number in the file."""
        values = list(elements)
        while values and values[-1] == "":
            values.pop()
        self.segments.append("*".join(values))
        return len(self.segments)

    def start_transaction(self, code: str) -> None:
        self.transaction_start = self.add("ST", code, "0001", self.version)

    def end(self) -> bytes:
        count = len(self.segments) - self.transaction_start + 2  # ST .. SE inclusive
        self.add("SE", str(count), "0001")
        self.add("GE", "1", str(self.control))
        self.add("IEA", "1", f"{self.control:09d}")
        return ("~\n".join(self.segments) + "~\n").encode("ascii")


def _x12_text(value: str) -> str:
    """Names and addresses as EDI systems write them: upper case, no delimiter characters."""
    return "".join(ch for ch in value.upper() if ch not in "*~:^")


def _family_households(batch: Batch, segment: str) -> list[Household]:
    """Households of two or more; the Jr/Sr family stays out (its adult 'child' would not be a dependent)."""
    return [
        h for h in batch.households_of(segment)
        if len(h.members) >= 2 and not any("senior" in p.tags for p in h.members)
    ]  # fmt: skip


# ---- 834 enrollment ------------------------------------------------------------------------


def x12_files(batch: Batch) -> list[Doc]:
    families = _family_households(batch, SEGMENT_OCEANVIEW)
    twins = [h for h in families if any("twin" in p.tags for p in h.members)]
    others = [h for h in families if h not in twins]
    picked = sorted(batch.rng.sample(others, min(len(others), 12)), key=lambda h: h.household_id)
    in_folder, outside = twins + picked[: len(picked) // 2], picked[len(picked) // 2 :]
    lakeside = _family_households(batch, SEGMENT_LAKESIDE)
    claims = sorted(batch.rng.sample(lakeside, min(len(lakeside), 5)), key=lambda h: h.household_id)
    return [
        enrollment_834(batch, batch.named("clients/oceanview/edi/OV834_20240301.x12"), in_folder, 101),
        # Outside the owner's folders: only the ISA sender id (the owner's x12_ids) says whose it is.
        enrollment_834(batch, batch.named("transfers/outbound/BENEFIT_ENROLLMENT_0301.txt"), outside, 102),
        claim_837p(batch, claims),
    ]


def enrollment_834(batch: Batch, name: str, households: list[Household], control: int) -> Doc:
    x12 = X12Builder(OCEANVIEW_X12_ID, VENDOR_X12_ID, "BE", "005010X220A1", control)
    x12.start_transaction("834")
    x12.add("BGN", "00", f"OV834-{control}", INTERCHANGE_TIME.strftime("%Y%m%d"), "0930", "", "", "", "2")
    x12.add("N1", "P5", "OCEANVIEW LIFE AND ANNUITY", "FI", "930000042")  # the sponsor: a company
    x12.add("N1", "IN", "OCEANVIEW LIFE AND ANNUITY", "FI", "930000042")
    mentions = []
    for household in households:
        subscriber, *dependents = household.members
        subscriber_id = batch.member_id(subscriber, "OV")
        mentions.append(_834_member(x12, batch, subscriber, subscriber, subscriber_id))
        for dependent in dependents:
            mentions.append(_834_member(x12, batch, dependent, subscriber, subscriber_id))
    return Doc(name, x12.end(), mentions, format="x12", x12_ids=(OCEANVIEW_X12_ID, VENDOR_X12_ID))


def _834_member(
    x12: X12Builder, batch: Batch, person: Person, subscriber: Person, subscriber_id: str
) -> PersonMention:
    is_subscriber = person is subscriber
    relationship = "18" if is_subscriber else "01" if person.role == "spouse" else "19"
    x12.add(
        "INS",
        "Y" if is_subscriber else "N",
        relationship,
        "021",
        "28",
        "A",
        "",
        "",
        "FT" if is_subscriber else "",
    )
    x12.add("REF", "0F", subscriber_id)  # in a dependent's loop too: the subscriber's id
    if not is_subscriber:
        x12.add("REF", "17", batch.member_id(person, "OV"))  # the dependent's own member id
    x12.add("DTP", "356", "D8", COVERAGE_START)
    name_segment = x12.add(
        "NM1", "IL", "1", _x12_text(person.last_name), _x12_text(person.first_name),
        _x12_text(person.middle_name), "", person.suffix.upper(), "34", ssn_digits(person),
    )  # fmt: skip
    elements = {"name", "ssn", "date_of_birth", "health_insurance_id"}
    if is_subscriber:
        if person.phone:
            x12.add("PER", "IP", "", "HP", phone_as(person, 3))
            elements.add("phone")
        x12.add("N3", _x12_text(person.address_line1))
        x12.add("N4", _x12_text(person.city), person.state, person.postal_code)
        elements.add("address")
    x12.add("DMG", "D8", person.date_of_birth.strftime("%Y%m%d"), "U")
    x12.add("HD", "021", "", "HLT", "PPO", "FAM")
    x12.add("DTP", "348", "D8", COVERAGE_START)
    role = "subscriber" if is_subscriber else "dependent"
    return PersonMention(f"segment {name_segment}", person, frozenset(elements), role=role)


# ---- 837P claim -----------------------------------------------------------------------------


def claim_837p(batch: Batch, households: list[Household]) -> Doc:
    """Professional claims; in all but the first the patient is a dependent (2000C / 2010CA)."""
    x12 = X12Builder(CLEARINGHOUSE_X12_ID, LAKESIDE_X12_ID, "HC", "005010X222A1", 201)
    x12.start_transaction("837")
    x12.add("BHT", "0019", "00", f"RB{batch.index:02d}0301", "20240301", "0930", "CH")
    x12.add("NM1", "41", "2", "RIVERBEND BILLING SERVICES", "", "", "", "", "46", "RB0042")
    x12.add("PER", "IC", "BILLING DEPT", "TE", "8005550199")
    x12.add("NM1", "40", "2", "LAKESIDE HEALTH PARTNERS", "", "", "", "", "46", LAKESIDE_X12_ID)
    x12.add("HL", "1", "", "20", "1")
    x12.add("NM1", "85", "2", "RIVERBEND FAMILY MEDICINE", "", "", "", "", "XX", BILLING_NPI)
    x12.add("N3", "400 RIVER RD")
    x12.add("N4", "PORTLAND", "OR", "972014400")
    x12.add("REF", "EI", "931234567")  # the practice's tax id: nine digits that are nobody's SSN
    mentions: list[PersonMention] = []
    level = 1
    for number, household in enumerate(households):
        subscriber = household.members[0]
        patient = subscriber if number == 0 else batch.rng.choice(household.members[1:])
        level += 1
        subscriber_level = level
        x12.add("HL", str(level), "1", "22", "0" if patient is subscriber else "1")
        x12.add("SBR", "P", "18" if patient is subscriber else "", "GRP0042", "", "", "", "", "", "CI")
        subscriber_segment = _837_person(x12, "IL", subscriber, member_id=batch.member_id(subscriber, "LHP-"))
        x12.add("REF", "SY", ssn_digits(subscriber))
        x12.add("NM1", "PR", "2", "LAKESIDE HEALTH PARTNERS", "", "", "", "", "PI", LAKESIDE_X12_ID)
        subscriber_elements = {"name", "address", "date_of_birth", "ssn", "health_insurance_id"}
        if patient is not subscriber:
            level += 1
            x12.add("HL", str(level), str(subscriber_level), "23", "0")
            x12.add("PAT", "01" if patient.role == "spouse" else "19")
            patient_segment = _837_person(x12, "QC", patient)
            mentions.append(
                PersonMention(f"segment {subscriber_segment}", subscriber, frozenset(subscriber_elements),
                              role="subscriber")
            )  # fmt: skip
            patient_elements = {"name", "address", "date_of_birth", "medical_information"}
            mentions.append(
                PersonMention(
                    f"segment {patient_segment}", patient, frozenset(patient_elements), role="patient"
                )
            )
        else:
            subscriber_elements.add("medical_information")
            mentions.append(
                PersonMention(f"segment {subscriber_segment}", subscriber, frozenset(subscriber_elements),
                              role="patient")
            )  # fmt: skip
        _837_claim(x12, batch, number)
    name = batch.named(f"{LAKESIDE_DIR}/claims/837P_20240301.x12")
    return Doc(name, x12.end(), mentions, format="x12", x12_ids=(CLEARINGHOUSE_X12_ID, LAKESIDE_X12_ID))


def _837_person(x12: X12Builder, qualifier: str, person: Person, member_id: str = "") -> int:
    id_qualifier = "MI" if member_id else ""
    segment = x12.add(
        "NM1", qualifier, "1", _x12_text(person.last_name), _x12_text(person.first_name),
        _x12_text(person.middle_name)[:1], "", person.suffix.upper(), id_qualifier, member_id,
    )  # fmt: skip
    x12.add("N3", _x12_text(person.address_line1))
    x12.add("N4", _x12_text(person.city), person.state, person.postal_code)
    x12.add("DMG", "D8", person.date_of_birth.strftime("%Y%m%d"), "U")
    return segment


def _837_claim(x12: X12Builder, batch: Batch, number: int) -> None:
    principal, other = batch.rng.sample(DIAGNOSES, 2)
    charge = batch.rng.choice(["95", "150", "210", "325"])
    x12.add("CLM", f"PA{batch.index:02d}{number + 1:05d}", charge, "", "", "11:B:1", "Y", "A", "Y", "Y")
    x12.add("HI", f"ABK:{principal[0]}", f"ABF:{other[0]}")
    x12.add("NM1", "82", "1", "NGUYEN", "ANH", "", "", "MD", "XX", RENDERING_NPI)  # a provider, not affected
    x12.add("LX", "1")
    x12.add("SV1", "HC:99213", charge, "UN", "1", "", "", "1")
    x12.add("DTP", "472", "D8", "20240215")


# ---- HL7 v2 ADT^A01 -----------------------------------------------------------------------


def hl7_files(batch: Batch) -> list[Doc]:
    families = _family_households(batch, SEGMENT_LAKESIDE)
    chosen = sorted(batch.rng.sample(families, min(len(families), 3)), key=lambda h: h.household_id)
    return [admissions_hl7(batch, chosen)]


def _next_of_kin(household: Household, patient: Person) -> Person:
    """The head of the household, or for the head their spouse (an adult either way when there is one)."""
    head = household.members[0]
    if patient is not head:
        return head
    adults = [p for p in household.members[1:] if p.is_adult]
    return adults[0] if adults else household.members[1]


def admissions_hl7(batch: Batch, households: list[Household]) -> Doc:
    """Several ADT^A01 messages in one file, segments ended by CR as the standard says."""
    segments: list[str] = []
    mentions: list[PersonMention] = []
    for number, household in enumerate(households, 1):
        patient = batch.rng.choice(household.members)
        kin = _next_of_kin(household, patient)
        diagnosis = batch.rng.choice(DIAGNOSES)
        stamp = (INTERCHANGE_TIME + dt.timedelta(hours=5 * number)).strftime("%Y%m%d%H%M%S")
        segments.append(
            f"MSH|^~\\&|LHP-ADT|LAKESIDE|HARBORLINE|HDS|{stamp}||ADT^A01^ADT_A01|LHP{batch.index:02d}{number:05d}"
            "|P|2.5.1"
        )
        segments.append(f"EVN|A01|{stamp}")
        mrn, member = batch.member_id(patient, "MRN"), batch.member_id(patient, "LHP-")
        pid = _fields("PID", 19)
        pid[1] = "1"
        pid[3] = f"{mrn}^^^LHP^MR~{member}^^^LHP^MA"
        pid[5] = _xpn(patient)
        pid[7] = patient.date_of_birth.strftime("%Y%m%d")
        pid[8] = "U"
        pid[11] = _xad(patient)
        pid[13] = phone_as(patient, 0)
        pid[18] = f"ACCT{batch.index:02d}{number:06d}"
        pid[19] = patient.ssn
        segments.append("|".join(pid))
        patient_elements = {"name", "date_of_birth", "address", "ssn", "health_insurance_id",
                            "medical_record_number", "medical_information"}  # fmt: skip
        if patient.phone:
            patient_elements.add("phone")
        mentions.append(
            PersonMention(f"segment {len(segments)}", patient, frozenset(patient_elements), role="patient")
        )
        nk1 = _fields("NK1", 16)
        nk1[1] = "1"
        nk1[2] = _xpn(kin)
        nk1[3] = (
            "SPO^Spouse^HL70063"
            if {patient.role, kin.role} == {"primary", "spouse"}
            else "FTH^Family^HL70063"
        )
        nk1[4] = _xad(kin)
        nk1[5] = phone_as(kin, 0)
        nk1[7] = "NOK^Next of kin^HL70131"
        nk1[16] = kin.date_of_birth.strftime("%Y%m%d")
        segments.append("|".join(nk1))
        kin_elements = {"name", "address", "date_of_birth"} | ({"phone"} if kin.phone else set())
        mentions.append(
            PersonMention(f"segment {len(segments)}", kin, frozenset(kin_elements), role="next_of_kin")
        )
        doctor = f"{RENDERING_NPI}^NGUYEN^ANH^^^DR^^^NPI"  # the attending doctor: a provider
        segments.append(f"PV1|1|I|3W^301^A^LAKESIDE GENERAL||||{doctor}|||MED||||1")
        segments.append(f"DG1|1||{diagnosis[1]}^{diagnosis[2]}^I10||{stamp[:8]}|A")
    name = batch.named(f"{LAKESIDE_DIR}/hl7/ADT_A01_20240301.hl7")
    return Doc(name, ("\r".join(segments) + "\r").encode("ascii"), mentions, format="hl7")


def _fields(segment: str, last: int) -> list[str]:
    """A segment as a list where index N is field N (index 0 is the segment name)."""
    return [segment] + [""] * last


def _xpn(person: Person) -> str:
    """HL7 XPN: family^given^middle^suffix."""
    return "^".join([_hl7_text(person.last_name), _hl7_text(person.first_name), _hl7_text(person.middle_name),
                     person.suffix.upper()]).rstrip("^")  # fmt: skip


def _xad(person: Person) -> str:
    return "^".join([_hl7_text(person.address_line1), "", _hl7_text(person.city), person.state,
                     person.postal_code, "USA"])  # fmt: skip


def _hl7_text(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch not in "|^~\\&")


# ---- DICOM: an imaging study's header -----------------------------------------------------------

STUDY_DATE = "20240226"
IMAGING_STUDIES = (
    ("CR", "CHEST", "CHEST 2 VIEWS"),
    ("DX", "KNEE", "KNEE LEFT 3 VIEWS"),
    ("CT", "HEAD", "CT HEAD WO"),
)


def dicom_files(batch: Batch) -> list[Doc]:
    """One file per patient, the header only (no pixel data: the reader never needs it)."""
    people = batch.sample(batch.people(SEGMENT_LAKESIDE), 0, 2)
    return [dicom_study(batch, person, n) for n, person in enumerate(people)]


def dicom_study(batch: Batch, person: Person, number: int) -> Doc:
    """PatientName ``LAST^FIRST^MIDDLE``, PatientID the MRN, the birth date and what was examined.

    UIDs come from the batch's generator (``2.25.<integer>``), never from the clock: same seed, same bytes.
    """
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian

    modality, body_part, description = IMAGING_STUDIES[number % len(IMAGING_STUDIES)]
    sop_class = "1.2.840.10008.5.1.4.1.1.1" if modality != "CT" else "1.2.840.10008.5.1.4.1.1.2"
    instance = f"2.25.{batch.rng.getrandbits(96)}"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = "2.25.302042024030100000000000000000001"  # fixed: not pydicom's version
    meta.ImplementationVersionName = "HARBORLINE_1"
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, instance
    ds.StudyInstanceUID = f"2.25.{batch.rng.getrandbits(96)}"
    ds.SeriesInstanceUID = f"2.25.{batch.rng.getrandbits(96)}"
    ds.PatientName = "^".join([_hl7_text(person.last_name), _hl7_text(person.first_name),
                               _hl7_text(person.middle_name)]).rstrip("^")  # fmt: skip
    ds.PatientID = batch.member_id(person, "MRN")  # the same MRN the HL7 feed uses for this person
    ds.PatientBirthDate = person.date_of_birth.strftime("%Y%m%d")
    ds.PatientSex = "O"
    ds.StudyDate = ds.SeriesDate = STUDY_DATE
    ds.Modality, ds.BodyPartExamined, ds.StudyDescription = modality, body_part, description
    ds.InstitutionName = "LAKESIDE GENERAL"
    ds.ReferringPhysicianName = "NGUYEN^ANH^^^DR"  # a provider: not affected
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)  # 128-byte preamble + DICM: how a DICOM file is sniffed
    elements = frozenset({"name", "date_of_birth", "medical_record_number", "medical_information"})
    mention = PersonMention("DICOM header", person, elements, role="patient")
    name = f"{LAKESIDE_DIR}/imaging/{batch.named(STUDY_DATE)}/IMG{number + 1:05d}.dcm"
    return Doc(name, buffer.getvalue(), [mention], format="dicom")


# ---- NCPDP Telecommunication D.0: pharmacy claims (B1) --------------------------------------------

NCPDP_BIN = "610279"
NCPDP_PCN = "LHPRX01"
PHARMACY_NPI = npi("176543210")
NDCS = ("00093505601", "00378018001", "68180051301", "00071015523")
FS, GS, RS = "\x1c", "\x1d", "\x1e"  # field, group (transaction) and segment separators


def ncpdp_files(batch: Batch) -> list[Doc]:
    adults = [p for p in batch.people(SEGMENT_LAKESIDE) if p.is_adult]
    return [pharmacy_claims(batch, batch.sample(adults, 0, 3))]


def pharmacy_claims(batch: Batch, people: list[Person]) -> Doc:
    """One B1 (billing) transmission a line, the patient in AM01 with the SSN as id (CX=01, CY).

    Request header (56 characters): BIN 6, ``D0``, ``B1``, PCN 10, transaction count 1,
    service provider id qualifier 2 + id 15 (the pharmacy's NPI: a provider), date 8, vendor 10.
    """
    lines, mentions = [], []
    for number, person in enumerate(people, 1):
        header = f"{NCPDP_BIN}D0B1{NCPDP_PCN:<10}101{PHARMACY_NPI:<15}{STUDY_DATE}{'HARBORLN01':<10}"
        if len(header) != 56:
            raise ValueError("an NCPDP D.0 request header is 56 characters")
        patient = _ncpdp_segment(
            "AM01", ("CX", "01"), ("CY", ssn_digits(person)), ("C4", person.date_of_birth.strftime("%Y%m%d")),
            ("C5", "0"), ("CA", _x12_text(person.first_name)), ("CB", _x12_text(person.last_name)),
            ("CM", _x12_text(person.address_line1)), ("CN", _x12_text(person.city)), ("CO", person.state),
            ("CP", person.postal_code),
        )  # fmt: skip
        # C6=1: the patient is the cardholder, so C2 is the patient's own member id.
        insurance = _ncpdp_segment(
            "AM04", ("C2", batch.member_id(person, "LHP-")), ("C1", "GRP0042"), ("C6", "1")
        )
        claim = _ncpdp_segment(
            "AM07", ("EM", "1"), ("D2", f"RX{batch.index:02d}{number:06d}"), ("E1", "03"),
            ("D7", batch.rng.choice(NDCS)), ("E7", "30000"), ("D5", "30"),
        )  # fmt: skip
        prescriber = _ncpdp_segment("AM03", ("EZ", "01"), ("DB", RENDERING_NPI), ("DR", "NGUYEN"))
        lines.append(header + RS + patient + RS + insurance + GS + RS + claim + RS + prescriber)
        elements = {"name", "date_of_birth", "ssn", "address", "health_insurance_id", "medical_information"}
        mentions.append(
            PersonMention(f"transmission {number} / AM01", person, frozenset(elements), role="patient")
        )
    name = batch.named(f"{LAKESIDE_DIR}/pharmacy/B1_claims_20240226.ncpdp")
    return Doc(name, ("\n".join(lines) + "\n").encode("ascii"), mentions, format="ncpdp")


def _ncpdp_segment(code: str, *fields: tuple[str, str]) -> str:
    """``AMxx`` then each field as 0x1C + its 2-character id + value."""
    return code + "".join(FS + field_id + value for field_id, value in fields)
