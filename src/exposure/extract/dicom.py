"""DICOM headers as ready-made Detections: the patient of the image and what was examined.

Only the header is read (pydicom with ``stop_before_pixels``). Text burned into the pixels
(names and dates on ultrasound and scanned images, see the TCIA pseudo-PHI sample) is not
read here: that needs rendering and OCR. Referring, performing and reading physicians,
operators and the institution are not affected individuals and are not recorded.

A DICOMDIR (a media directory) lists several patients in its directory records: each
PATIENT record becomes a mention of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.valuerep import PersonName

from exposure.detect.elements.address import split_address
from exposure.detect.elements.dob import normalise_dob
from exposure.detect.elements.phone import normalise_phone_text
from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.people import PersonBuilder, finished_people
from exposure.model import Detections, Mention

# Elements larger than this stay on disk unread (overlays, private blobs): headers are small.
DEFER_SIZE = "256 KB"
MAX_MEDICAL_VALUE = 200

# Words that stand in for a removed name in de-identified studies: no person to list by name.
_PLACEHOLDER_NAME_WORDS = frozenset(
    {"anonymous", "anonymized", "anonymised", "anon", "removed", "deidentified", "de-identified", "unknown"}
    | {"patient", "redacted", "none", "null", "xxx", "na", "n/a"}
)

# Header keywords whose text says what was examined or why: the patient's medical information.
_MEDICAL_KEYWORDS = (
    ("StudyDescription", "study"),
    ("SeriesDescription", "series"),
    ("RequestedProcedureDescription", "requested procedure"),
    ("PerformedProcedureStepDescription", "performed procedure"),
    ("AdmittingDiagnosesDescription", "admitting diagnosis"),
    ("ReasonForStudy", "reason for study"),
    ("ReasonForTheRequestedProcedure", "reason for procedure"),
    ("AdditionalPatientHistory", "history"),
    ("MedicalAlerts", "medical alert"),
    ("Allergies", "allergy"),
)
_PREGNANCY = {2: "possibly pregnant", 3: "definitely pregnant"}


class _Patient(PersonBuilder):
    def __init__(self, key: str, location: str, attributes: dict[str, str]) -> None:
        super().__init__(Mention(key=key, location=location, role="patient", attributes=attributes), "dicom")

    def record(self, code: str, value: str, column: str) -> None:
        """An element of the header: a DICOM file has one place, so the location is the mention's."""
        self.add(code, value, self.mention.location, column)


def _text(ds: Dataset, keyword: str) -> list[str]:
    """The values of one header element as strings (multi-valued elements give several)."""
    value: Any = ds.get(keyword)
    if value is None or value == "":
        return []
    values = list(value) if isinstance(value, pydicom.multival.MultiValue | list | tuple) else [value]
    return [str(v).strip() for v in values if str(v).strip()]


def _is_placeholder(name: PersonName) -> bool:
    words = " ".join(str(p) for p in (name.family_name, name.given_name, name.middle_name)).lower().split()
    return not words or all(w.strip(".,") in _PLACEHOLDER_NAME_WORDS for w in words)


def _read_patient(ds: Dataset, patient: _Patient) -> None:
    """Fill a patient mention from the patient module of ``ds`` (or of a PATIENT directory record)."""
    m = patient.mention
    raw_name = ds.get("PatientName")
    if raw_name:
        name = PersonName(str(raw_name)) if not isinstance(raw_name, PersonName) else raw_name
        if not _is_placeholder(name):
            m.first_name, m.middle_name = name.given_name.strip(), name.middle_name.strip()
            m.last_name, m.suffix = name.family_name.strip(), name.name_suffix.strip()
            m.full_name = " ".join(p for p in (m.first_name, m.middle_name, m.last_name, m.suffix) if p)
            patient.record("name", m.full_name, "PatientName")
    for keyword in ("PatientID", "OtherPatientIDs", "MedicalRecordLocator"):
        for value in _text(ds, keyword):
            if _looks_like_id(value):
                patient.record("medical_record_number", value, keyword)
    for item in ds.get("OtherPatientIDsSequence") or []:
        for value in _text(item, "PatientID"):
            if _looks_like_id(value):
                patient.record("medical_record_number", value, "OtherPatientIDsSequence")
    for value in _text(ds, "PatientBirthDate")[:1]:
        birth = normalise_dob(value[:8]) if value[:8].isdigit() else ""
        if birth:
            m.date_of_birth = birth
            patient.record("date_of_birth", birth, "PatientBirthDate")
    for value in _text(ds, "PatientAddress")[:1]:
        parts = split_address(value)
        if parts.get("address_line1") or parts.get("city"):
            for key, part in parts.items():
                setattr(m, key, part)
        patient.record("address", " ".join(value.split()), "PatientAddress")
    for value in _text(ds, "PatientTelephoneNumbers"):
        phone = normalise_phone_text(value)
        if phone:
            m.phone = m.phone or phone
            patient.record("phone", phone, "PatientTelephoneNumbers")


def _read_medical(ds: Dataset, patient: _Patient) -> None:
    for keyword, label in _MEDICAL_KEYWORDS:
        for value in _text(ds, keyword):
            patient.record("medical_information", f"{label}: {value}"[:MAX_MEDICAL_VALUE], keyword)
    for item in ds.get("ProcedureCodeSequence") or []:
        for value in _text(item, "CodeMeaning"):
            patient.record(
                "medical_information", f"procedure: {value}"[:MAX_MEDICAL_VALUE], "ProcedureCodeSequence"
            )
    pregnancy = ds.get("PregnancyStatus")
    if pregnancy in _PREGNANCY:
        patient.record("medical_information", _PREGNANCY[pregnancy], "PregnancyStatus")
    if not any(e.code == "medical_information" for e in patient.elements):
        # No description: that an examination took place is itself medical information.
        what = " ".join(_text(ds, "Modality")[:1] + _text(ds, "BodyPartExamined")[:1])
        if what:
            patient.record("medical_information", f"imaging study: {what}", "Modality")


def _looks_like_id(value: str) -> bool:
    stripped = value.strip()
    return len(stripped) >= 3 and any(c.isdigit() for c in stripped) and stripped.strip("0-") != ""


def _finished(patients: list[_Patient]) -> Detections:
    # A fully de-identified header (only the study left) has nobody to tie the study to.
    identified = [p for p in patients if any(e.code != "medical_information" for e in p.elements)]
    return finished_people((p.mention, p.elements) for p in identified)


def _institution(ds: Dataset) -> dict[str, str]:
    """The institution (for owner rules that match mention attributes)."""
    names = _text(ds, "InstitutionName")[:1]
    return {"institution": names[0]} if names else {}


@reader("dicom")
def read_dicom(path: Path) -> Extracted:
    """The patient in the header of a DICOM file (or each patient of a DICOMDIR)."""
    try:
        ds = pydicom.dcmread(str(path), stop_before_pixels=True, defer_size=DEFER_SIZE)
    except InvalidDicomError:
        raise ExtractError("not a readable DICOM file (no DICOM header)") from None
    except Exception as exc:  # pydicom raises many types on truncated or damaged data
        raise ExtractError(f"damaged DICOM file: {type(exc).__name__}") from None
    try:
        patients = _patients(ds)
    except Exception as exc:  # values are decoded lazily: damage may show only now
        raise ExtractError(f"damaged DICOM header: {type(exc).__name__}") from None
    found = _finished(patients)
    if found.mentions or found.elements:
        yield found


def _patients(ds: Dataset) -> list[_Patient]:
    attributes = _institution(ds)
    records = ds.get("DirectoryRecordSequence")
    if records:
        patients = []
        for number, record in enumerate(records, start=1):
            if str(record.get("DirectoryRecordType", "")).strip().upper() == "PATIENT":
                location = f"directory record {number}"
                patient = _Patient(f"{location}/patient", location, dict(attributes))
                _read_patient(record, patient)
                patients.append(patient)
        return patients
    patient = _Patient("header/patient", "DICOM header", attributes)
    _read_patient(ds, patient)
    _read_medical(ds, patient)
    return [patient]
