"""837 claims, professional (X222) and institutional (X223), 5010 and 4010.

HL 20 (2000A) is the billing provider: its NM1*85/87 and even its ``REF*SY`` (a provider's
SSN) are not an affected person's. HL 22 (2000B) holds the subscriber (2010BA NM1*IL) and
the payer (2010BB NM1*PR); HL 23 (2000C) the patient when it is not the subscriber (2010CA
NM1*QC). The claim (2300 CLM, HI diagnoses, 2400 SV1/SV2 lines) belongs to the patient:
the 2010CA patient when present, else the subscriber. After the claim starts, NM1*IL is
2330A, another insured person (coordination of benefits); the 2310x/2420x NM1s (DN, 82,
77, DQ, 71, 72, ZZ ...) are providers.
"""

from __future__ import annotations

from exposure.extract.x12.loops import (
    LEVEL_DEPENDENT,
    LEVEL_SUBSCRIBER,
    Transaction,
    element,
    is_person_entity,
)
from exposure.extract.x12.person import Person


class Transaction837(Transaction):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - see Transaction
        super().__init__(*args, **kwargs)
        self.subscriber: Person | None = None
        self.patient: Person | None = None
        self.in_claim = False
        self.claims = 0
        self.sbr_relationship = ""  # SBR02 of 2000B: 18 = the subscriber is the patient
        self.pat_relationship = ""  # PAT01 of 2000C: the patient's relationship to the subscriber

    def segment(self, index: int, segment_id: str, elements: list[str]) -> None:
        if segment_id == "HL":
            self._hierarchy(elements)
        elif segment_id == "NM1":
            self._name(index, elements)
        elif segment_id == "PAT" and self.patient is None:
            self.pat_relationship = element(elements, 1)
        elif segment_id == "SBR":
            self._subscriber_information(elements)
        elif segment_id == "CLM":
            self._claim(index, elements)
        elif segment_id == "HI":
            self._diagnoses(index, elements)
        elif segment_id in ("SV1", "SV2", "SV3", "LIN"):
            self._service_line(index, segment_id, elements)
        elif segment_id == "REF" and self.in_claim and self.target is None:
            self._claim_reference(index, elements)
        elif segment_id == "LX":
            self.target = None
        else:
            self.route_identity(index, segment_id, elements)

    def end(self) -> None:
        super().end()
        self.subscriber = self.patient = None

    def _hierarchy(self, hl: list[str]) -> None:
        level = self.enter_hl(hl)
        self.close_claim()
        self.in_claim = False
        self.pat_relationship = ""
        if level != LEVEL_DEPENDENT:
            self.close_people()  # a new subscriber, or a new billing provider: the family is done
            self.subscriber = None
            self.sbr_relationship = ""
        else:
            self.close_person(self.patient)  # the next patient of the same subscriber
        self.patient = None
        self.target = None

    def _subscriber_information(self, sbr: list[str]) -> None:
        if self.in_claim:
            self.target = None  # 2320: other subscriber information; its NM1*IL is 2330A
        elif element(sbr, 2):
            self.sbr_relationship = element(sbr, 2)

    def _name(self, index: int, nm1: list[str]) -> None:
        code = element(nm1, 1)
        if not is_person_entity(nm1) or code not in ("IL", "QC"):
            self.target = None  # providers, payers, submitter, receiver
            if code == "PR" and not self.in_claim and self.hl_level == LEVEL_SUBSCRIBER and element(nm1, 3):
                self.extra["x12_payer"] = element(nm1, 3)
            return
        if code == "QC":
            person = self.patient = self._open("patient", index)
        elif self.in_claim or self.subscriber is not None:
            person = self._open("other_insured", index)
        else:
            person = self.subscriber = self._open("subscriber", index)
            if self.sbr_relationship:
                person.attributes["x12_relationship"] = self.sbr_relationship
        person.take_name(index, nm1)
        person.take_nm1_id(index, nm1)

    def _open(self, role: str, index: int) -> Person:
        person = self.open_person(role, index, self.loop("HL", self.hl_id or "?"))
        if role == "patient" and self.pat_relationship:
            person.attributes["x12_relationship"] = self.pat_relationship
        return person

    def _claim_owner(self) -> Person | None:
        return self.patient or self.subscriber

    def _claim(self, index: int, clm: list[str]) -> None:
        self.claims += 1
        self.in_claim = True
        self.target = None
        claim = self.open_claim(self._claim_owner())
        claim.add("medical_information", f"claim {element(clm, 1)} {element(clm, 2)}".strip(), index, "CLM01")

    def _diagnoses(self, index: int, hi: list[str]) -> None:
        claim = self.claim or self.open_claim(self._claim_owner())
        for value, column in self.medical_codes(index, hi):
            claim.add("medical_information", value, index, column)

    def _service_line(self, index: int, segment_id: str, line: list[str]) -> None:
        self.target = None
        claim = self.claim or self.open_claim(self._claim_owner())
        if segment_id == "SV2":  # institutional: revenue code, then the procedure
            value = " ".join(v for v in (element(line, 1), self.composite(element(line, 2))) if v)
        elif segment_id == "LIN":  # drug identification: N4 = NDC
            value = f"{element(line, 2)}:{element(line, 3)}" if element(line, 3) else ""
        else:
            value = self.composite(element(line, 1))
        claim.add("medical_information", value, index, f"{segment_id}01")

    def _claim_reference(self, index: int, ref: list[str]) -> None:
        """2300 REF*EA is the patient's medical record number."""
        if element(ref, 1) == "EA" and self.claim is not None and self.claim.owner is not None:
            self.claim.owner.add("medical_record_number", element(ref, 2), index, "REF02")
