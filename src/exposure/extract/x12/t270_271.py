"""270/271 eligibility inquiry and response (005010X279A1, 004010X092A1).

HL 20 (2000A) is the payer, HL 21 (2000B) the provider asking: not people. HL 22 (2000C)
holds the subscriber (2100C NM1*IL, with REF, N3/N4, DMG, INS), HL 23 (2000D) a dependent
(2100D NM1*03, whose INS*N*relationship says spouse or child). NM1s inside LS/LE
(2120C/D: primary care provider, other payers ...) describe benefits, not the person.
"""

from __future__ import annotations

from exposure.extract.x12.loops import (
    LEVEL_DEPENDENT,
    LEVEL_SOURCE,
    LEVEL_SUBSCRIBER,
    Transaction,
    element,
    is_person_entity,
)
from exposure.extract.x12.person import Person
from exposure.extract.x12.t834 import RELATIONSHIP_ROLES


class Transaction270(Transaction):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - see Transaction
        super().__init__(*args, **kwargs)
        self.person: Person | None = None  # the subscriber or dependent of the current HL
        self.in_benefit_entity = False  # between LS and LE

    def segment(self, index: int, segment_id: str, elements: list[str]) -> None:
        if segment_id == "HL":
            self._hierarchy(elements)
        elif segment_id == "NM1":
            self._name(index, elements)
        elif segment_id == "LS":
            self.in_benefit_entity, self.target = True, None
        elif segment_id == "LE":
            self.in_benefit_entity, self.target = False, None
        elif segment_id == "INS":
            self._relationship(elements)
        elif segment_id == "HI" and self.person is not None:
            for value, column in self.medical_codes(index, elements):
                self.person.add("medical_information", value, index, column)
        elif segment_id in ("EQ", "EB"):
            self.target = self.person  # 2110 REFs are more ids of the same person
        else:
            self.route_identity(index, segment_id, elements)

    def _hierarchy(self, hl: list[str]) -> None:
        self.enter_hl(hl)
        self.close_people()  # a subscriber's own segments end where any HL starts
        self.person = None
        self.target = None
        self.in_benefit_entity = False

    def _name(self, index: int, nm1: list[str]) -> None:
        code = element(nm1, 1)
        wanted = {LEVEL_SUBSCRIBER: "IL", LEVEL_DEPENDENT: "03"}.get(self.hl_level)
        if self.in_benefit_entity or code != wanted or not is_person_entity(nm1):
            self.target = None
            if code == "PR" and self.hl_level == LEVEL_SOURCE and element(nm1, 3):
                self.extra["x12_payer"] = element(nm1, 3)
            return
        role = "subscriber" if code == "IL" else "dependent"
        self.person = self.open_person(role, index, self.loop("HL", self.hl_id or "?"))
        self.person.take_name(index, nm1)
        self.person.take_nm1_id(index, nm1)

    def _relationship(self, ins: list[str]) -> None:
        """INS*N*19 in 2100D: the dependent is a child (01 spouse ...)."""
        if self.person is not None and self.person.role == "dependent":
            self.person.role = RELATIONSHIP_ROLES.get(element(ins, 2), "dependent")
            if self.person.role == "subscriber":
                self.person.role = "dependent"
            self.person.attributes["x12_relationship"] = element(ins, 2)
