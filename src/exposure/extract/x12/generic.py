"""Any other transaction set (278 reviews, 275 attachments, 820 ...): people from NM1 alone.

Without a map of the set's loops, only entity codes that mean a person everywhere are
trusted: IL (insured / subscriber), QC (patient), 03 (dependent). Their N3/N4/DMG/PER/REF
follow them; HI diagnoses go to the last patient named, else the last subscriber.
Acknowledgements (997, 999, TA1) name nobody and yield nothing.
"""

from __future__ import annotations

from exposure.extract.x12.loops import Transaction, element, is_person_entity
from exposure.extract.x12.person import Person

GENERIC_ROLES = {"IL": "subscriber", "QC": "patient", "03": "dependent"}


class GenericTransaction(Transaction):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - see Transaction
        super().__init__(*args, **kwargs)
        self.names = 0
        self.patient: Person | None = None
        self.subscriber: Person | None = None

    def segment(self, index: int, segment_id: str, elements: list[str]) -> None:
        if segment_id == "HL":
            self.enter_hl(elements)
            self.close_people()
            self.patient = self.subscriber = None
        elif segment_id == "NM1":
            self._name(index, elements)
        elif segment_id == "HI":
            owner = self.patient or self.subscriber
            if owner is not None:
                for value, column in self.medical_codes(index, elements):
                    owner.add("medical_information", value, index, column)
        else:
            self.route_identity(index, segment_id, elements)

    def _name(self, index: int, nm1: list[str]) -> None:
        role = GENERIC_ROLES.get(element(nm1, 1))
        if role is None or not is_person_entity(nm1):
            self.target = None
            return
        self.names += 1
        loop = self.loop("HL", self.hl_id) if self.hl_id else self.loop("NM1", self.names)
        person = self.open_person(role, index, loop)
        person.take_name(index, nm1)
        person.take_nm1_id(index, nm1)
        if role == "patient":
            self.patient = person
        elif role == "subscriber":
            self.subscriber = person
