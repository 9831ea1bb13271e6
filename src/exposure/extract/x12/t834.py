"""834 benefit enrollment (005010X220A1, 004010X095A1): one member per INS loop.

Loop 2000 starts at INS (INS01 Y = subscriber, INS02 relationship); 2100A NM1*IL/74 names
the member, with N3/N4, PER, DMG. 2100B NM1*70 is the same member's previous name,
2100C NM1*31 their mailing address. 2100F NM1*S3 (custodial parent) and 2100G responsible
persons are other people. Employers (2100D NM1*36), schools (2100E NM1*M8), sponsor and
payer (1000A/B N1), providers (2310 NM1*P3) and other insurers (2320/2330) are not people.
``REF*0F`` in a dependent's loop is the subscriber's id, not the dependent's.
"""

from __future__ import annotations

from exposure.extract.x12.loops import Transaction, element, is_person_entity
from exposure.extract.x12.person import Person

RELATIONSHIP_ROLES = {"18": "subscriber", "01": "spouse", "19": "child", "53": "domestic_partner"}
RESPONSIBLE_PERSON_CODES = frozenset({"QD", "S1", "GD", "J6", "LR", "E1", "EI", "EXS", "GB", "TZ", "X4"})
SUBSCRIBER_ID_QUALIFIER = "0F"
# 2000 "member supplemental identifier" qualifiers beyond the shared ones (person.py): senders put the
# member's own id in REF*17 (its name in the guide is "client reporting category").
MEMBER_SUPPLEMENTAL_QUALIFIERS = frozenset({"17"})
# Modes: whose data the next N3/N4/DMG/PER describe.
MEMBER, PREVIOUS, MAILING, OTHER, NOBODY = "member", "previous", "mailing", "other", "nobody"


def member_role(ins: list[str]) -> str:
    if element(ins, 1) == "Y":
        return "subscriber"
    role = RELATIONSHIP_ROLES.get(element(ins, 2), "dependent")
    return "dependent" if role == "subscriber" else role  # INS*N*18 contradicts itself: not the subscriber


class Transaction834(Transaction):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - see Transaction
        super().__init__(*args, **kwargs)
        self.member: Person | None = None
        self.members = 0
        self.mode = NOBODY

    def segment(self, index: int, segment_id: str, elements: list[str]) -> None:
        if segment_id == "INS":
            self._start_member(index, elements)
        elif segment_id == "N1":
            self._organisation(elements)
        elif segment_id == "NM1":
            self._name(index, elements)
        elif segment_id == "REF":
            self._ref(index, elements)
        elif segment_id in ("N3", "N4", "DMG", "PER"):
            self._identity(index, segment_id, elements)
        elif segment_id == "DSB":
            self._disability(index, elements)
        elif segment_id == "HLH":
            self._health(index, elements)
        elif segment_id in ("HD", "LX", "COB", "LS"):
            self.mode, self.target = NOBODY, None  # coverage, provider and other-insurance loops

    def _start_member(self, index: int, ins: list[str]) -> None:
        self.close_people()
        self.members += 1
        self.member = self.open_person(member_role(ins), index, self.loop("INS", self.members))
        if element(ins, 2):
            self.member.attributes["x12_relationship"] = element(ins, 2)
        self.mode = MEMBER

    def _organisation(self, n1: list[str]) -> None:
        """1000A N1*P5 sponsor and 1000B N1*IN payer name the plan (useful for owner rules)."""
        if self.members == 0 and element(n1, 2):
            if element(n1, 1) == "P5":
                self.extra["x12_sponsor"] = element(n1, 2)
            elif element(n1, 1) == "IN":
                self.extra["x12_payer"] = element(n1, 2)
        self.mode, self.target = NOBODY, None

    def _name(self, index: int, nm1: list[str]) -> None:
        code = element(nm1, 1)
        if code in ("IL", "74"):
            if self.member is None:  # a member without its INS: still a person
                self.members += 1
                self.member = self.open_person("member", index, self.loop("INS", self.members))
            self.member.take_name(index, nm1)
            self.member.take_nm1_id(index, nm1)
            self.mode, self.target = MEMBER, self.member
        elif code == "70" and self.member is not None:
            self.member.take_name(index, nm1, alias=True)
            self.member.take_nm1_id(index, nm1)
            self.mode, self.target = PREVIOUS, None
        elif code == "31" and self.member is not None:
            self.mode, self.target = MAILING, self.member
        elif code in RESPONSIBLE_PERSON_CODES | {"S3"} and is_person_entity(nm1) and self.member is not None:
            role = "custodial_parent" if code == "S3" else "responsible_person"
            other = self.open_person(role, index, self.member.loop)
            other.take_name(index, nm1)
            other.take_nm1_id(index, nm1)
            self.mode, self.target = OTHER, other
        else:
            self.mode, self.target = NOBODY, None

    def _identity(self, index: int, segment_id: str, elements: list[str]) -> None:
        if self.mode == PREVIOUS and self.member is not None:
            if segment_id == "DMG":
                self.member.take_dmg(index, elements, alias=True)
            return
        if self.mode == MAILING and self.member is not None:
            if segment_id == "N3":
                self.member.take_street(index, elements)
            elif segment_id == "N4":
                self.member.take_city(index, elements, preferred=True)
            return
        self.route_identity(index, segment_id, elements)

    def _ref(self, index: int, ref: list[str]) -> None:
        if self.mode != MEMBER or self.member is None:
            return  # 2300 coverage REFs (group, class of contract ...) are not the member's ids
        if element(ref, 1) in MEMBER_SUPPLEMENTAL_QUALIFIERS:
            self.member.take_member_id(index, element(ref, 2), "REF02")
        elif element(ref, 1) != SUBSCRIBER_ID_QUALIFIER:
            self.member.take_ref(index, ref)
        elif self.member.role == "subscriber":
            self.member.take_member_id(index, element(ref, 2), "REF02")
        else:
            # The subscriber's id, carried in the dependent's loop to link the family.
            self.member.attributes["x12_subscriber_id"] = element(ref, 2)

    def _disability(self, index: int, dsb: list[str]) -> None:
        """2200 DSB07/08: the member's disability diagnosis code."""
        if self.member is not None and element(dsb, 8):
            code = f"{element(dsb, 7) or 'DX'}:{element(dsb, 8)}"
            self.member.add("medical_information", code, index, "DSB08")

    def _health(self, index: int, hlh: list[str]) -> None:
        """HLH01 health-related code (S substance abuse, T tobacco, X both); N/U say nothing."""
        if self.member is not None and element(hlh, 1) not in ("", "N", "U"):
            self.member.add("medical_information", f"HLH:{element(hlh, 1)}", index, "HLH01")
