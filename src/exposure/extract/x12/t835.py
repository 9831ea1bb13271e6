"""835 claim payment / remittance advice (005010X221A1, 004010X091A1).

The header's BPR bank accounts, 1000A payer (N1*PR) and 1000B payee (N1*PE) belong to
organisations. Each 2100 claim starts at CLP; it names the patient (NM1*QC), the insured
(NM1*IL) when that is someone else, a corrected patient name (NM1*74) and other subscriber
(NM1*GB); NM1*82 (rendering provider), TT and PR are not people. The claim and its 2110
service lines (SVC) are the patient's medical information: they come before the patient's
NM1, so they wait until the claim ends.
"""

from __future__ import annotations

from exposure.extract.x12.loops import Transaction, element, is_person_entity
from exposure.extract.x12.person import Person

PERSON_ROLES = {"QC": "patient", "IL": "insured", "GB": "other_insured"}
CLAIM_REFERENCES_OF_PATIENT = frozenset({"1W", "SY", "EA", "NQ", "F6", "HJ", "Q4"})


class Transaction835(Transaction):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - see Transaction
        super().__init__(*args, **kwargs)
        self.claims = 0
        self.patient: Person | None = None
        self.insured: Person | None = None

    def segment(self, index: int, segment_id: str, elements: list[str]) -> None:
        if segment_id == "CLP":
            self._claim(index, elements)
        elif segment_id == "NM1":
            self._name(index, elements)
        elif segment_id == "N1":
            self._organisation(elements)
        elif segment_id == "SVC" and self.claim is not None:
            self.target = None
            self.claim.add("medical_information", self.composite(element(elements, 1)), index, "SVC01")
        elif segment_id == "REF":
            self._reference(index, elements)
        elif segment_id in ("LX", "PLB", "TS3", "TS2"):
            self._end_claim()

    def end(self) -> None:
        self._end_claim()
        super().end()

    def _claim(self, index: int, clp: list[str]) -> None:
        self._end_claim()
        self.claims += 1
        claim = self.open_claim(None)
        claim.add("medical_information", f"claim {element(clp, 1)} {element(clp, 3)}".strip(), index, "CLP01")

    def _end_claim(self) -> None:
        """The claim's data goes to its patient (NM1*QC), else to the insured."""
        self.close_claim(self.patient or self.insured)
        self.close_people()
        self.patient = self.insured = None

    def _organisation(self, n1: list[str]) -> None:
        if element(n1, 1) == "PR" and element(n1, 2):
            self.extra["x12_payer"] = element(n1, 2)
        self.target = None

    def _name(self, index: int, nm1: list[str]) -> None:
        code = element(nm1, 1)
        if self.claim is None or not is_person_entity(nm1):
            self.target = None
            return
        if code == "74" and self.patient is not None:  # corrected patient name: an alias of the patient
            self.patient.take_name(index, nm1, alias=True)
            self.patient.take_nm1_id(index, nm1)
            self.target = None
            return
        role = PERSON_ROLES.get(code)
        if role is None:
            self.target = None
            return
        person = self.open_person(role, index, self.loop("CLP", self.claims))
        person.take_name(index, nm1)
        person.take_nm1_id(index, nm1)
        if code == "QC":
            self.patient = person
        elif code == "IL":
            self.insured = person
        self.target = None  # 835 sends no N3/N4/DMG for people; the REFs that follow are the claim's

    def _reference(self, index: int, ref: list[str]) -> None:
        """2100 REF*1W (member id), REF*SY, REF*EA (medical record) ... identify the claim's patient."""
        owner = self.patient or self.insured
        if self.claim is not None and owner is not None and element(ref, 1) in CLAIM_REFERENCES_OF_PATIENT:
            owner.take_ref(index, ref)
