"""HL7 v2, NCPDP (D.0 and SCRIPT) and DICOM readers: persons with roles and elements, on every sample."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from exposure.extract import ExtractError, reader_for
from exposure.extract import hl7 as hl7_module
from exposure.extract.dicom import read_dicom
from exposure.extract.hl7 import Encoding, read_hl7
from exposure.extract.ncpdp import read_ncpdp, read_ncpdp_script
from exposure.inventory import detect_type
from exposure.model import Detections, Element, Mention, TextBlock
from exposure.worker import Job, process_file

SAMPLES = Path("/work/shared/samples")
HL7_SAMPLES = sorted((SAMPLES / "hl7").glob("*.hl7"))
NCPDP_SAMPLES = sorted((SAMPLES / "ncpdp").glob("*.ncpdp"))
SCRIPT_SAMPLE = SAMPLES / "ncpdp" / "cosyte_script_newrx-basic.xml"
DICOM_SAMPLE = SAMPLES / "dicom" / "presidio_2_ORIGINAL.dcm"

needs_samples = pytest.mark.skipif(not (SAMPLES / "hl7").is_dir(), reason="shared samples not present")

# Providers named in the samples (PV1, ROL, PRT, ORC, OBR, DG1-16, AM03, Prescriber): never persons.
PROVIDER_NAMES = (
    "Woolfson", "Alaz", "Condoc", "Hippocrates", "Hippo", "Beethoven", "Doctorovich", "KEVORKIAN", "HOUSE",
    "HIPPOCRATES", "DINO", "DUCKHUNT", "Stewart", "Jackson", "Thomas", "Patrick", "Phoeb", "Testprescriber",
    "BAILEY", "SMITH^MARY", "Crusher",
)  # fmt: skip


class Result:
    """Everything a reader yielded for one file, with lookups by role and code."""

    def __init__(self, items: list) -> None:
        self.detections = Detections()
        self.blocks: list[TextBlock] = []
        for item in items:
            if isinstance(item, TextBlock):
                self.blocks.append(item)
            else:
                assert isinstance(item, Detections)
                self.detections.extend(item)

    @property
    def mentions(self) -> list[Mention]:
        return self.detections.mentions

    @property
    def elements(self) -> list[Element]:
        return self.detections.elements

    def role(self, role: str) -> list[Mention]:
        return [m for m in self.mentions if m.role == role]

    def one(self, role: str) -> Mention:
        found = self.role(role)
        assert len(found) == 1, [m.full_name for m in found]
        return found[0]

    def values(self, mention: Mention | None, code: str) -> list[str]:
        key = mention.key if mention is not None else ""
        return [e.value for e in self.elements if e.mention_key == key and e.code == code]

    def comparable(self) -> tuple:
        return (
            [asdict(m) for m in self.mentions],
            [asdict(e) for e in self.elements],
            [(b.location, b.text, b.offset) for b in self.blocks],
        )


def read(function, path: Path) -> Result:  # noqa: ANN001 - a reader function
    return Result(list(function(path)))


def segments_of(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")
    return [s for s in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if s.strip()]


def assert_no_providers(result: Result) -> None:
    for mention in result.mentions:
        for provider in PROVIDER_NAMES:
            assert provider.lower() not in mention.full_name.lower().split(), (provider, mention.key)
    for element in result.elements:
        if element.code == "name":
            assert not any(p.lower() in element.value.lower().split() for p in PROVIDER_NAMES), element.value


def assert_elements_tied(result: Result) -> None:
    keys = {m.key for m in result.mentions}
    assert len(keys) == len(result.mentions), "mention keys must be unique within a file"
    for element in result.elements:
        assert element.mention_key in keys or element.needs_review, element


# ---------------------------------------------------------------- HL7: every sample


@needs_samples
@pytest.mark.parametrize("path", HL7_SAMPLES, ids=lambda p: p.name)
def test_every_hl7_sample_gives_its_patient_and_no_provider(path: Path) -> None:
    result = read(read_hl7, path)
    patient = result.one("patient")
    assert patient.first_name and patient.last_name and patient.date_of_birth
    assert result.values(patient, "name") == [patient.full_name]
    assert result.values(patient, "medical_record_number")
    assert {m.role for m in result.mentions} <= {"patient", "next_of_kin", "guarantor", "insured"}
    assert_no_providers(result)
    assert_elements_tied(result)
    assert detect_type(path) == "hl7"
    assert reader_for("hl7").read is read_hl7


@needs_samples
def test_adt_a01_patient_next_of_kin_guarantor_insured_and_diagnoses() -> None:
    result = read(read_hl7, SAMPLES / "hl7" / "msfc_ADT-A01-01.hl7")
    patient = result.one("patient")
    assert (patient.first_name, patient.middle_name, patient.last_name, patient.suffix) == (
        "ADAM",
        "A",
        "EVERYMAN",
        "III",
    )
    assert patient.key == "message 1 / PID" and patient.location == "message 1 / PID"
    assert patient.date_of_birth == "1988-08-18"
    assert (patient.address_line1, patient.city, patient.state, patient.postal_code) == (
        "1000 Hospital Lane", "Ann Arbor", "MI", "99999"
    )  # fmt: skip
    assert set(result.values(patient, "medical_record_number")) == {"1234567", "PATID1234", "PATID567"}
    assert result.values(patient, "drivers_license") == ["DLN-123"]
    # PID-3 ^SS holds 123456789 (a published fixture) and PID-19 'PSSN123121234' is no SSN: neither counts.
    assert patient.ssn == "" and result.values(patient, "ssn") == []
    assert not any(e.code == "ssn" and e.value == "123456789" for e in result.elements)
    medical = result.values(patient, "medical_information")
    assert "diagnosis: Ischemic stroke(disorder) (SCT 422504002)" in medical
    assert "procedure: Biopsy of colon (procedure) (SCT 76164006)" in medical
    assert "allergy: PENICILLIN (ICDO P)" in medical
    assert any(v.startswith("observation: heartrate") for v in medical)
    assert result.values(patient, "health_insurance_id") == ["PNM1234"]  # IN2-61, the patient's member number
    assert patient.attributes["sending_facility"] == "GHHSFacility"

    kin = result.one("next_of_kin")
    assert (kin.first_name, kin.last_name, kin.date_of_birth) == ("ADAM", "Evan", "1962-01-10")
    assert kin.key == "message 1 / NK1 1" and kin.attributes["relationship"] == "EMC"
    assert "2222 HOME, Highway, GREENSBORO, NC 27401-1020" in result.values(kin, "address")
    assert result.values(kin, "medical_information") == []  # the patient's diagnoses are not the relative's

    guarantor = result.one("guarantor")
    assert (guarantor.full_name, guarantor.date_of_birth, guarantor.phone) == (
        "LUCY RADIANT",
        "2001-04-12",
        "+16082517777",
    )
    assert result.values(guarantor, "ssn") == []  # GT1-12 'G-SSN-12' is not an SSN

    insured = result.one("insured")
    assert (insured.first_name, insured.last_name, insured.date_of_birth) == ("Rosallie", "Doe", "1975-02-28")
    assert insured.attributes["relationship"] == "SPO"
    assert insured.ssn == "425579745" and result.values(insured, "ssn") == ["425579745"]
    ssn_element = next(e for e in result.elements if e.code == "ssn")
    assert (ssn_element.location, ssn_element.column) == ("message 1 / IN2 1", "IN2-2")
    assert set(result.values(insured, "health_insurance_id")) == {
        "PN-145",
        "HMO-12345",
        "Medicare-12345",
        "MCN-008",
    }
    assert result.values(insured, "address") == ["3857 Velvet Treasure Terrace, Midnight, NC 27878"]


@needs_samples
def test_lab_result_patient_with_ssn_phone_and_every_observation() -> None:
    result = read(read_hl7, SAMPLES / "hl7" / "msfc_LAB-ORU-1.hl7")
    patient = result.one("patient")
    assert (patient.full_name, patient.ssn, patient.phone) == ("DONALD D DUCK", "123121234", "+18885551212")
    assert result.values(patient, "ssn") == ["123121234"]
    observations = [v for v in result.values(patient, "medical_information") if v.startswith("observation:")]
    assert len(observations) == 10
    assert "observation: HEMATOCRIT (LN 20570-8) = 40.1" in observations
    assert len(result.mentions) == 1


@needs_samples
def test_mdm_document_ssn_and_notes_as_text() -> None:
    result = read(read_hl7, SAMPLES / "hl7" / "msfc_MDM-T02-01.hl7")
    patient = result.one("patient")
    assert result.values(patient, "ssn") == ["111223333"]  # PID-19 written 111-22-3333
    assert "order: TransthoracicEcho (PCV4 02585)" in result.values(patient, "medical_information")
    assert [b.location for b in result.blocks] == ["message 1 / NTE 1", "message 1 / NTE 2"]
    assert result.blocks[0].text == "No Antibodies Detected"
    assert result.blocks[1].offset == len(result.blocks[0].text) + 1
    # Attending, referring and consulting doctors of PV1 and the NTE author are not people here.
    assert len(result.mentions) == 1


@needs_samples
def test_adt_a04_two_next_of_kin_and_insurance_without_another_insured() -> None:
    result = read(read_hl7, SAMPLES / "hl7" / "msfc_ADT04-23.hl7")  # starts with a UTF-8 BOM
    assert result.one("patient").full_name == "MARIO BROS"
    assert sorted(m.full_name for m in result.role("next_of_kin")) == ["PRINCESS PEACH", "PRINCESS TOADSTOOL"]
    assert [m.key for m in result.role("next_of_kin")] == ["message 1 / NK1 1", "message 1 / NK1 2"]
    assert result.role("insured") == []  # IN1-6 'LUIGI' is the insurer's contact person


@needs_samples
def test_financial_and_pharmacy_messages_give_the_patients_claims_and_drugs() -> None:
    dft = read(read_hl7, SAMPLES / "hl7" / "msfc_DFT-P03-01.hl7")
    medical = dft.values(dft.one("patient"), "medical_information")
    assert {"diagnosis: Chest pain (SCT 29857009)", "diagnosis: Nasal congestion (SCT 68235000)"} <= set(
        medical
    )
    assert "medication: ASPIRIN EC (NDC 0182-1061-05)" in medical
    assert dft.one("insured").ssn == "425579745"

    rde = read(read_hl7, SAMPLES / "hl7" / "msfc_RDE-O11-01.hl7")
    medical = rde.values(rde.one("patient"), "medical_information")
    assert "medication: Ampicillin 250 mg caps (NDC 00047040230)" in medical
    assert any(v.startswith("medication: 200 ML BAG : NICARDIPINE") for v in medical)

    vxu = read(read_hl7, SAMPLES / "hl7" / "msfc_VXU-V04-01.hl7")
    assert "medication: TENIVAC (NDC 49281021588)" in vxu.values(vxu.one("patient"), "medical_information")


# ---------------------------------------------------------------- HL7: line endings, framing, batches


def _variants(segments: list[str]) -> dict[str, bytes]:
    return {
        "cr": ("\r".join(segments) + "\r").encode(),
        "lf": ("\n".join(segments) + "\n").encode(),
        "crlf": ("\r\n".join(segments) + "\r\n").encode(),
        "mllp": ("\x0b" + "\r".join(segments) + "\r\x1c\r").encode(),
        "bom_lf": ("\ufeff" + "\n".join(segments)).encode(),
        "bom_mllp_crlf": ("\ufeff\x0b" + "\r\n".join(segments) + "\r\n\x1c\r\n").encode(),
        "indented": ("\r\n" + "\r\n".join("  " + s for s in segments)).encode(),
        "utf16": "\r\n".join(segments).encode("utf-16"),
        "batch": ("FHS|^~\\&|APP\rBHS|^~\\&|APP\r" + "\r".join(segments) + "\rBTS|1\rFTS|1\r").encode(),
    }


@needs_samples
@pytest.mark.parametrize("path", HL7_SAMPLES, ids=lambda p: p.name)
def test_line_endings_framing_bom_and_batches_give_identical_results(path: Path, tmp_path: Path) -> None:
    expected = read(read_hl7, path).comparable()
    for name, data in _variants(segments_of(path)).items():
        variant = tmp_path / f"{name}.hl7"
        variant.write_bytes(data)
        assert read(read_hl7, variant).comparable() == expected, name
        if name in ("cr", "lf", "crlf", "mllp", "bom_lf", "bom_mllp_crlf", "batch", "utf16"):
            assert detect_type(variant) == "hl7", name


@needs_samples
def test_many_messages_in_one_file_are_numbered_and_split_on_msh(tmp_path: Path) -> None:
    framed = b"".join(
        b"\x0b" + "\r".join(segments_of(p)).encode() + b"\r\x1c\r" for p in HL7_SAMPLES
    )  # MLLP log: one frame per message
    (tmp_path / "all.hl7").write_bytes(framed)
    plain = "\n".join(s for p in HL7_SAMPLES for s in segments_of(p)).encode()  # split on MSH alone
    (tmp_path / "plain.hl7").write_bytes(plain)
    both = read(read_hl7, tmp_path / "all.hl7")
    assert both.comparable()[:2] == read(read_hl7, tmp_path / "plain.hl7").comparable()[:2]
    patients = both.role("patient")
    assert [m.key for m in patients] == [f"message {n} / PID" for n in range(1, len(HL7_SAMPLES) + 1)]
    for number, path in enumerate(HL7_SAMPLES, start=1):
        alone = read(read_hl7, path)
        prefix = f"message {number} "
        assert [m.full_name for m in both.mentions if m.key.startswith(prefix)] == [
            m.full_name for m in alone.mentions
        ]
    assert_elements_tied(both)


def test_messages_with_several_patients_and_merged_ids(tmp_path: Path) -> None:
    lines = [
        "MSH|^~\\&|LAB|HOSP|||20240101||ORU^R01|1|P|2.5",
        "PID|1||MRN001^^^HOSP^MR||ROE^RICHARD^Q||19700304|M|||5 ELM ST^^SPRINGFIELD^IL^62701||(217)555-0198",
        "MRG|OLD-77^^^HOSP^MR",
        "OBX|1|ST|GLU^Glucose^L||140|mg/dL",
        "PID|2||MRN002^^^HOSP^MR~536904399^^^USSSA||ROE^RACHEL||20010910|F",
        "DG1|1||E11.9^Type 2 diabetes mellitus^I10",
    ]
    path = tmp_path / "two.hl7"
    path.write_text("\r".join(lines))
    result = read(read_hl7, path)
    first, second = result.role("patient")
    assert (first.key, second.key) == ("message 1 / PID", "message 1 / PID 2")
    assert set(result.values(first, "medical_record_number")) == {"MRN001", "OLD-77"}
    assert result.values(first, "medical_information") == ["observation: Glucose (L GLU) = 140"]
    assert result.values(second, "ssn") == ["536904399"]  # typed by its authority (USSSA), not CX-5
    assert result.values(second, "medical_information") == ["diagnosis: Type 2 diabetes mellitus (I10 E11.9)"]
    assert result.values(first, "address") == ["5 ELM ST, SPRINGFIELD, IL 62701"]


# ---------------------------------------------------------------- HL7: escapes and delimiters


def test_escape_sequences_are_decoded() -> None:
    enc = Encoding()
    assert enc.text(r"A\F\B\S\C\T\D\R\E\E\F") == "A|B^C&D~E\\F"
    assert enc.text(r"caf\XC3A9\ line\.br\two") == "café line\ntwo"
    assert enc.text(r"\H\bold\N\ plain \Zlocal\x") == "bold plain x"
    assert enc.text(r"unterminated \F") == r"unterminated \F"


def test_custom_delimiters_and_escapes_in_a_message(tmp_path: Path) -> None:
    lines = [
        "MSH!@%$*!APP!FAC!!!20240101!!ADT@A01!1!P!2.5",
        "PID!1!!77001@@@H@MR!!O$S$BRIEN-SMITH@MAURA@@@@@L!!19661231!F!!!12 ELM ST@@BOSTON@MA@02118",
        "NTE!1!!Spoke with patient$.br$Phone: (617) 555-0142",
    ]
    path = tmp_path / "custom.hl7"
    path.write_text("\n".join(lines))
    result = read(read_hl7, path)
    patient = result.one("patient")
    assert (patient.first_name, patient.last_name) == (
        "MAURA",
        "O@BRIEN-SMITH",
    )  # \S\ is the component separator
    assert patient.date_of_birth == "1966-12-31" and patient.state == "MA"
    assert result.values(patient, "medical_record_number") == ["77001"]
    assert result.blocks[0].text == "Spoke with patient\nPhone: (617) 555-0142"


def test_test_fixture_patient_is_dropped_but_its_ssn_kept_for_review(tmp_path: Path) -> None:
    lines = [
        "MSH|^~\\&|A|B|||20240101||ADT^A08|1|P|2.5",
        "PID|1||X1^^^^MR||DOE^JOHN||19800101" + "|" * 12 + "536-90-4399",
    ]
    path = tmp_path / "fixture.hl7"
    path.write_text("\r".join(lines))
    result = read(read_hl7, path)
    assert result.mentions == []
    assert [(e.code, e.value, e.mention_key, e.needs_review) for e in result.elements] == [
        ("ssn", "536904399", "", True)
    ]


# ---------------------------------------------------------------- HL7: damage


def test_damaged_hl7_inputs_fail_plainly_or_give_partial_results(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.hl7"
    garbage.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ExtractError, match="MSH"):
        list(read_hl7(garbage))
    empty = tmp_path / "empty.hl7"
    empty.write_bytes(b"")
    with pytest.raises(ExtractError):
        list(read_hl7(empty))

    sample = (SAMPLES / "hl7" / "msfc_ADT-A01-01.hl7").read_bytes() if HL7_SAMPLES else b""
    if sample:
        cut = tmp_path / "cut.hl7"
        cut.write_bytes(sample[: sample.index(b"PID|") + 200])  # ends inside PID
        result = read(read_hl7, cut)
        assert result.one("patient").last_name == "EVERYMAN"

    bare = tmp_path / "bare.hl7"
    bare.write_bytes(b"MSH\rPID|1||A1B2C3^^^^MR||ROE^ANN\r\x00\xff\xfe junk \x00\rPID")
    result = read(read_hl7, bare)  # no delimiters in MSH, binary junk, a truncated last segment
    assert result.one("patient").full_name == "ANN ROE"


def test_an_endless_segment_is_cut_in_bounded_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hl7_module, "MAX_SEGMENT_BYTES", 4096)
    monkeypatch.setattr(hl7_module, "CHUNK_BYTES", 1000)
    path = tmp_path / "blob.hl7"
    blob = "A" * 50_000
    path.write_text(
        "MSH|^~\\&|A|B\rPID|1||Z9^^^^MR||ROE^ANN\r"
        f"OBX|1|ED|PDF^Report||^application^pdf^Base64^{blob}\rNK1|1|ROE^BOB|SPO\r"
    )
    result = read(read_hl7, path)
    assert result.one("next_of_kin").full_name == "BOB ROE"  # parsing resumes after the cut segment
    assert all(len(e.value) <= hl7_module.MAX_MEDICAL_VALUE for e in result.elements)


def test_hl7_runs_through_the_worker(tmp_path: Path) -> None:
    if not HL7_SAMPLES:
        pytest.skip("shared samples not present")
    job = Job("0" * 64, str(SAMPLES / "hl7" / "msfc_ADT-A01-01.hl7"), "hl7", str(tmp_path))
    outcome = process_file(job)
    assert outcome.status == "processed", outcome.reason
    assert outcome.mentions == 4 and outcome.extractor == "hl7"
    roles = sorted(outcome.mentions_rows.column("role").to_pylist())
    assert roles == ["guarantor", "insured", "next_of_kin", "patient"]


def test_fifty_thousand_message_sized_file_reads_quickly(tmp_path: Path) -> None:
    template = (
        "MSH|^~\\&|ADT|HOSP|||20240101||ADT^A01|{n}|P|2.5\r"
        "PID|1||M{n}^^^HOSP^MR~{ssn}^^^^SS||ROE{n}^ANN^B||19800101|F|||{n} MAIN ST^^AUSTIN^TX^78701"
        "||5125550{p}\r"
        "NK1|1|ROE{n}^BOB|SPO\r"
        "DG1|1||J45^Asthma^I10\r"
    )
    count = 5000  # a tenth of the benchmark in the report, to keep the suite fast
    path = tmp_path / "many.hl7"
    with path.open("w") as f:
        for n in range(count):
            f.write(
                template.format(n=n, ssn=f"536{n % 90 + 10:02d}{n % 9000 + 1000:04d}", p=f"{n % 900 + 100}")
            )
    started = time.perf_counter()
    result = read(read_hl7, path)
    seconds = time.perf_counter() - started
    assert len(result.role("patient")) == count and len(result.role("next_of_kin")) == count
    assert len(result.values(result.role("patient")[-1], "ssn")) == 1
    assert seconds < 20, seconds


# ---------------------------------------------------------------- NCPDP D.0


@needs_samples
def test_ncpdp_person_code_fixture_patient() -> None:
    path = SAMPLES / "ncpdp" / "cosyte_pbm-person-code.ncpdp"
    result = read(read_ncpdp, path)
    patient = result.one("patient")
    assert patient.key == "transmission 1 / AM01"
    assert patient.date_of_birth == "1985-07-22" and patient.full_name == ""
    assert patient.needs_review  # no name to write to
    assert patient.attributes == {"bin": "999999", "pcn": "PCN0000000", "group_id": "GRP900"}
    assert result.values(patient, "health_insurance_id") == ["SYNTHCARD09"]
    assert result.values(patient, "medical_information") == ["prescription: NDC 00093505601"]
    assert result.role("cardholder") == []  # the cardholder is unnamed: nobody else to list
    assert not any("1888888888" in e.value for e in result.elements)  # the AM03 prescriber's NPI
    assert len(result.mentions) == 1


@needs_samples
@pytest.mark.parametrize("path", NCPDP_SAMPLES, ids=lambda p: p.name)
def test_every_ncpdp_sample_reads_and_is_sniffed(path: Path) -> None:
    result = read(read_ncpdp, path)
    assert_elements_tied(result)
    assert {m.role for m in result.mentions} <= {"patient", "cardholder"}
    assert detect_type(path) == "ncpdp"
    if "response" in path.name or "reject" in path.name:
        assert result.mentions == [] and result.elements == []  # responses carry no person here


def _d0_request(patient: list[str], insurance: list[str], claim: list[str], extra: str = "") -> str:
    header = "610014D0B1MEDDPRIME 1011234567893     20240115VENDOR0001"
    assert len(header) == 56
    fs, ss, gs = "\x1c", "\x1e", "\x1d"

    def segment(code: str, fields: list[str]) -> str:
        return code + "".join(fs + f for f in fields)

    return (
        header
        + ss
        + segment("AM01", patient)
        + ss
        + segment("AM04", insurance)
        + gs
        + ss
        + segment("AM07", claim)
        + ss
        + segment("AM03", ["EZ01", "DB1234567893", "DRWELBY", "2JMARCUS"])
        + ss
        + segment("AM13", ["DN02", "DOE119", "DOI10"])
        + extra
    )


PATIENT_FIELDS = [
    "CX01", "CY536904399", "C419720415", "C52", "CAMARIA", "CBGONZALEZ", "CM12 OAK AVE", "CNTUCSON", "COAZ",
    "CP85701", "CQ5205550147", "HNMARIA.G@EXAMPLE.NET",
]  # fmt: skip


def test_ncpdp_request_with_a_separate_cardholder(tmp_path: Path) -> None:
    data = _d0_request(
        PATIENT_FIELDS,
        ["C2ZX123456789", "CCJUAN", "CDGONZALEZ", "C1GRP1", "C303", "C63"],
        ["EM1", "D2RX99", "E103", "D700093505601"],
    )
    path = tmp_path / "claim.ncpdp"
    path.write_bytes(b"\x02" + data.encode() + b"\x03")
    result = read(read_ncpdp, path)
    patient = result.one("patient")
    assert (patient.full_name, patient.date_of_birth, patient.ssn) == (
        "MARIA GONZALEZ",
        "1972-04-15",
        "536904399",
    )
    assert (patient.address_line1, patient.city, patient.state, patient.postal_code) == (
        "12 OAK AVE",
        "TUCSON",
        "AZ",
        "85701",
    )
    assert (patient.phone, patient.email) == ("+15205550147", "maria.g@example.net")
    assert result.values(patient, "ssn") == ["536904399"]
    assert set(result.values(patient, "medical_information")) == {
        "prescription: NDC 00093505601",
        "diagnosis: ICD-10 E119",
        "diagnosis: ICD-10 I10",
    }
    cardholder = result.one("cardholder")
    assert cardholder.full_name == "JUAN GONZALEZ" and cardholder.attributes["relationship"] == "3"
    assert result.values(cardholder, "health_insurance_id") == ["ZX123456789"]
    assert result.values(cardholder, "medical_information") == []  # the claim is the patient's
    assert not any("WELBY" in m.full_name for m in result.mentions)  # AM03 prescriber
    assert detect_type(path) == "ncpdp"


def test_ncpdp_patient_who_is_the_cardholder_is_one_person(tmp_path: Path) -> None:
    data = _d0_request(
        PATIENT_FIELDS, ["C2ZX123456789", "CCMARIA", "CDGONZALEZ", "C61"], ["E103", "D700093505601"]
    )
    path = tmp_path / "self.ncpdp"
    path.write_text(data)
    result = read(read_ncpdp, path)
    assert [m.role for m in result.mentions] == ["patient"]
    assert result.values(result.one("patient"), "health_insurance_id") == ["ZX123456789"]


def test_ncpdp_many_transmissions_batch_records_and_missing_first_separator(tmp_path: Path) -> None:
    one = _d0_request(PATIENT_FIELDS, ["C2A1"], ["E103", "D700093505601"])
    no_first_separator = one.replace("\x1eAM01", "AM01", 1)
    other = no_first_separator.replace("CAMARIA", "CAELENA").replace("CY536904399", "CY536904398")
    path = tmp_path / "batch.ncpdp"
    batch = (
        "00T0000000001BATCHHEADER\n"
        + f"\x02G10000000001{one}\x03\x02G10000000002{other}\x03"
        + "\n99T0000000001"
    )
    path.write_text(batch)
    result = read(read_ncpdp, path)
    assert [(m.key, m.first_name) for m in result.role("patient")] == [
        ("transmission 1 / AM01", "MARIA"), ("transmission 2 / AM01", "ELENA")
    ]  # fmt: skip
    lines = tmp_path / "lines.ncpdp"
    lines.write_text(one + "\r\n" + other + "\r\n")
    assert read(read_ncpdp, lines).comparable()[:2] == result.comparable()[:2]


def test_damaged_ncpdp_inputs(tmp_path: Path) -> None:
    junk = tmp_path / "junk.ncpdp"
    junk.write_bytes(b"\x1c\x1e" + bytes(range(256)) * 10)
    with pytest.raises(ExtractError, match="NCPDP"):
        list(read_ncpdp(junk))
    cut = tmp_path / "cut.ncpdp"
    cut.write_text(_d0_request(PATIENT_FIELDS, [], [])[:100])  # ends inside AM01
    result = read(read_ncpdp, cut)
    assert result.one("patient").date_of_birth == "1972-04-15"
    header_only = tmp_path / "header.ncpdp"
    header_only.write_text("610014D0B1MEDDPRIME 1011234567893     20240115VENDOR0001")
    assert read(read_ncpdp, header_only).mentions == []


# ---------------------------------------------------------------- NCPDP SCRIPT


@needs_samples
def test_script_newrx_patient_without_the_prescriber() -> None:
    result = read(read_ncpdp_script, SCRIPT_SAMPLE)
    patient = result.one("patient")
    assert (patient.first_name, patient.last_name, patient.date_of_birth) == (
        "Avery",
        "Testpatient",
        "1990-04-12",
    )
    assert result.values(patient, "medical_information") == [
        "medication: Amoxicillin 500 MG Oral Capsule (NDC 00093310501)"
    ]
    assert len(result.mentions) == 1  # Prescriber 'Jordan Testprescriber' and the pharmacy are providers
    assert not any("Testprescriber" in e.value or "1888888888" in e.value for e in result.elements)
    # Sniffed as generic XML today: inventory needs a rule to give it the 'ncpdp_script' type.
    assert detect_type(SCRIPT_SAMPLE) in ("xml", "ncpdp_script")
    assert reader_for("ncpdp_script").read is read_ncpdp_script


SCRIPT_106 = """<?xml version="1.0"?>
<Message xmlns="http://www.ncpdp.org/schema/SCRIPT" release="006" version="010">
 <Body><NewRx>
  <Prescriber><Name><LastName>WELBY</LastName><FirstName>MARCUS</FirstName></Name></Prescriber>
  <Patient>
   <Identification><SocialSecurity>536904399</SocialSecurity>
     <MedicalRecordIdentificationNumberEHR>EHR-5521</MedicalRecordIdentificationNumberEHR></Identification>
   <Name><LastName>ROE</LastName><FirstName>RICHARD</FirstName><MiddleName>Q</MiddleName></Name>
   <DateOfBirth><Date>1970-03-04</Date></DateOfBirth>
   <Address><AddressLine1>5 ELM ST</AddressLine1><City>SPRINGFIELD</City><State>IL</State>
     <ZipCode>62701</ZipCode></Address>
   <CommunicationNumbers><Communication><Number>2175550198</Number><Qualifier>TE</Qualifier></Communication>
     <Communication><Number>rroe@example.org</Number><Qualifier>EM</Qualifier></Communication>
   </CommunicationNumbers>
  </Patient>
  <MedicationPrescribed><DrugDescription>Metformin 500 MG</DrugDescription>
   <Diagnosis><Primary><Code>E11.9</Code><Description>Type 2 diabetes</Description></Primary></Diagnosis>
  </MedicationPrescribed>
 </NewRx></Body>
</Message>"""


def test_script_older_release_with_identifiers_and_contacts(tmp_path: Path) -> None:
    path = tmp_path / "newrx.xml"
    path.write_text(SCRIPT_106)
    result = read(read_ncpdp_script, path)
    patient = result.one("patient")
    assert (patient.full_name, patient.ssn, patient.date_of_birth) == (
        "RICHARD Q ROE",
        "536904399",
        "1970-03-04",
    )
    assert (patient.address_line1, patient.state, patient.phone, patient.email) == (
        "5 ELM ST", "IL", "+12175550198", "rroe@example.org"
    )  # fmt: skip
    assert result.values(patient, "medical_record_number") == ["EHR-5521"]
    assert set(result.values(patient, "medical_information")) == {
        "medication: Metformin 500 MG", "diagnosis: Type 2 diabetes (E11.9)"
    }  # fmt: skip
    broken = tmp_path / "broken.xml"
    broken.write_text(SCRIPT_106[:400])
    with pytest.raises(ExtractError, match="SCRIPT"):
        list(read_ncpdp_script(broken))
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">]><Message>&a;</Message>')
    with pytest.raises(ExtractError):
        list(read_ncpdp_script(bomb))


# ---------------------------------------------------------------- DICOM


@needs_samples
def test_dicom_sample_patient_from_the_header() -> None:
    result = read(read_dicom, DICOM_SAMPLE)
    patient = result.one("patient")
    assert (patient.first_name, patient.last_name, patient.date_of_birth) == (
        "SCOTT",
        "KAUFMAN",
        "1943-07-22",
    )
    assert result.values(patient, "medical_record_number") == ["6774825273"]
    medical = result.values(patient, "medical_information")
    assert "study: XR CHEST AP PORTABLE for Scott Kaufman" in medical and "procedure: CT PE CHEST" in medical
    assert len(result.mentions) == 1  # referring BAILEY^THERESA and performing SMITH^MARY are physicians
    assert_no_providers(result)
    assert detect_type(DICOM_SAMPLE) == "dicom"
    assert reader_for("dicom").read is read_dicom


def _write_dicom(path: Path, **header: object) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = header.pop("sop_class", "1.2.840.10008.5.1.4.1.1.7")
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    for keyword, value in header.items():
        setattr(ds, keyword, value)
    ds.save_as(path, enforce_file_format=True)


def test_dicom_address_other_ids_phone_and_anonymised_names(tmp_path: Path) -> None:
    full = tmp_path / "full.dcm"
    _write_dicom(
        full,
        PatientName="ROE^RICHARD^Q^^JR",
        PatientID="MRN-88120",
        OtherPatientIDs=["ALT-7731", "ALT-7732"],
        PatientBirthDate="19700304",
        PatientAddress="5 Elm St, Springfield, IL 62701",
        PatientTelephoneNumbers="(217) 555-0198",
        Modality="MR",
        BodyPartExamined="BRAIN",
        ReferringPhysicianName="WELBY^MARCUS",
    )
    result = read(read_dicom, full)
    patient = result.one("patient")
    assert (patient.full_name, patient.suffix, patient.city, patient.state, patient.phone) == (
        "RICHARD Q ROE JR", "JR", "Springfield", "IL", "+12175550198"
    )  # fmt: skip
    assert set(result.values(patient, "medical_record_number")) == {"MRN-88120", "ALT-7731", "ALT-7732"}
    assert result.values(patient, "medical_information") == ["imaging study: MR BRAIN"]
    assert detect_type(full) == "dicom"

    anonymised = tmp_path / "anon.dcm"
    _write_dicom(anonymised, PatientName="ANONYMOUS", PatientID="ANON", StudyDescription="CT HEAD")
    assert read(read_dicom, anonymised).mentions == []  # nothing identifies anyone
    partly = tmp_path / "partly.dcm"
    _write_dicom(partly, PatientName="Anonymized", PatientID="55120019", PatientBirthDate="19900101")
    kept = read(read_dicom, partly).one("patient")
    assert kept.full_name == "" and kept.needs_review and kept.date_of_birth == "1990-01-01"


def test_dicomdir_lists_each_patient(tmp_path: Path) -> None:
    records = []
    for name, pid in (("ROE^ANN", "P-1001"), ("POE^EDGAR", "P-1002")):
        record = Dataset()
        record.DirectoryRecordType = "PATIENT"
        record.PatientName = name
        record.PatientID = pid
        records.append(record)
    study = Dataset()
    study.DirectoryRecordType = "STUDY"
    study.StudyDescription = "CT CHEST"
    records.append(study)
    path = tmp_path / "DICOMDIR"
    _write_dicom(path, sop_class="1.2.840.10008.1.3.10", DirectoryRecordSequence=records)
    result = read(read_dicom, path)
    assert [(m.key, m.full_name) for m in result.mentions] == [
        ("directory record 1/patient", "ANN ROE"), ("directory record 2/patient", "EDGAR POE")
    ]  # fmt: skip


def test_damaged_dicom_inputs(tmp_path: Path) -> None:
    not_dicom = tmp_path / "not.dcm"
    not_dicom.write_bytes(b"\x00" * 128 + b"NOPE" + b"\x01" * 400)
    with pytest.raises(ExtractError):
        list(read_dicom(not_dicom))
    if DICOM_SAMPLE.exists():
        data = DICOM_SAMPLE.read_bytes()
        for size in (140, 400, 1200, 3000):
            cut = tmp_path / f"cut{size}.dcm"
            cut.write_bytes(data[:size])
            try:
                result = read(read_dicom, cut)
            except ExtractError as exc:
                assert "DICOM" in str(exc)
            else:
                assert_elements_tied(result)
        garbled = bytearray(data)
        garbled[600:700] = b"\xff" * 100
        (tmp_path / "garbled.dcm").write_bytes(bytes(garbled))
        try:
            read(read_dicom, tmp_path / "garbled.dcm")
        except ExtractError as exc:
            assert "DICOM" in str(exc)
    assert isinstance(pydicom.__version__, str)
