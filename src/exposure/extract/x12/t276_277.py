"""276/277 claim status request and response (005010X212, 004010X093A1).

HL 20 payer, HL 21 information receiver and HL 19 service provider are organisations.
HL 22 (2000D) is the subscriber, HL 23 (2000E) the dependent patient. In 276 the DMG of
these loops comes *before* their NM1 (2100D NM1*IL, 2100E NM1*QC), so the person is opened
by the HL itself. Each 2200 claim (TRN, REF, AMT, DTP, 277 STC) and its 2210 service lines
(SVC) belong to that person.
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

LEVEL_PEOPLE = {LEVEL_SUBSCRIBER: ("IL", "subscriber"), LEVEL_DEPENDENT: ("QC", "patient")}


class Transaction276(Transaction):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - see Transaction
        super().__init__(*args, **kwargs)
        self.person: Person | None = None

    def segment(self, index: int, segment_id: str, elements: list[str]) -> None:
        if segment_id == "HL":
            self._hierarchy(index, elements)
        elif segment_id == "NM1":
            self._name(index, elements)
        elif segment_id == "TRN":
            self._claim(index, elements)
        elif segment_id == "SVC" and self.claim is not None:
            self.claim.add("medical_information", self.composite(element(elements, 1)), index, "SVC01")
        elif self.claim is None:
            self.route_identity(index, segment_id, elements)

    def _hierarchy(self, index: int, hl: list[str]) -> None:
        level = self.enter_hl(hl)
        self.close_claim()
        self.close_people()
        self.person = None
        if level in LEVEL_PEOPLE:
            self.person = self.open_person(LEVEL_PEOPLE[level][1], index, self.loop("HL", self.hl_id or "?"))

    def _name(self, index: int, nm1: list[str]) -> None:
        expected = LEVEL_PEOPLE.get(self.hl_level, ("", ""))[0]
        if self.person is None or element(nm1, 1) != expected or not is_person_entity(nm1):
            self.target = None
            if element(nm1, 1) == "PR" and element(nm1, 3):
                self.extra["x12_payer"] = element(nm1, 3)
            return
        self.person.take_name(index, nm1)
        self.person.take_nm1_id(index, nm1)
        self.target = self.person

    def _claim(self, index: int, trn: list[str]) -> None:
        """2200D/E: one claim of the HL's person (TRN02 is the trace number, not an element)."""
        self.target = None
        if self.person is None:
            return
        claim = self.open_claim(self.person)
        claim.add("medical_information", f"claim status {element(trn, 2)}".strip(), index, "TRN02")
