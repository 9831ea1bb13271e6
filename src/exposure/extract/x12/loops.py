"""Loop inference shared by every transaction set: who the next N3, DMG or REF is about.

X12 does not mark loop ends; a loop ends when a segment that can only start another loop
arrives. Each transaction module reads its own starters (INS in 834, HL in 837, CLP in 835)
and points ``target`` at the person the following identity segments describe, or at nobody
while a provider's, payer's or employer's loop runs. Claim data (diagnoses, procedures,
service lines) is collected per claim and tied to the claim's patient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exposure.extract.x12.person import Person
from exposure.model import Detections, Element

# HL03 hierarchical level codes.
LEVEL_SOURCE = "20"  # information source: billing provider (837), payer (270, 276)
LEVEL_RECEIVER = "21"
LEVEL_PROVIDER = "19"  # service provider (276/277)
LEVEL_SUBSCRIBER = "22"
LEVEL_DEPENDENT = "23"  # patient (837), dependent (270/271, 276/277)

# HI composite qualifiers (ICD-9 / ICD-10 alike) that describe the patient's health: diagnoses
# (principal, admitting, other, reason for visit, external cause), procedures and DRGs.
# Occurrence, value and condition codes (BH, BE, BG ...) are billing facts and are left out.
MEDICAL_CODE_QUALIFIERS = frozenset({
    "BK", "ABK", "BJ", "ABJ", "BF", "ABF", "PR", "APR", "BN", "ABN", "DR",
    "BR", "BBR", "BQ", "BBQ", "BP", "BO", "CAH", "TC", "LOI",
})  # fmt: skip

# Which NM101 entity codes name a person is each family's call (t834 ... t276_277); all of them
# also require NM102 = 1, so an organisation sent under a person's code is still not a person.
PERSON_ENTITY_TYPE = "1"  # NM102: 1 = person, 2 = non-person entity


def element(elements: list[str], position: int) -> str:
    """``XXnn`` stripped, "" when the segment is shorter."""
    return elements[position].strip() if position < len(elements) else ""


def is_person_entity(nm1: list[str]) -> bool:
    return element(nm1, 2) in (PERSON_ENTITY_TYPE, "")


@dataclass
class TransactionContext:
    """What a transaction parser needs from its envelope."""

    set_id: str  # ST01: 834, 837, 835 ...
    version: str  # ST03, else GS08 (ISA12 may disagree; it is not used)
    ordinal: int  # 1 for the first ST of the file, 2 for the next ...
    component: str  # ISA16
    repetition: str  # ISA11 ("" in 4010)
    shared: dict[str, str] = field(default_factory=dict)  # x12_sender ... copied into each mention

    @property
    def detector(self) -> str:
        return f"x12.{self.set_id}"


class PersonSink:
    """Finished people of a file, as Detections the reader yields batch by batch."""

    def __init__(self, keep_fixtures: bool = False) -> None:
        self.detections = Detections()
        self.keep_fixtures = keep_fixtures  # tests of the loop logic on "John Doe" samples

    def take(self, person: Person, shared: dict[str, str]) -> None:
        mention, elements = person.finish(shared, self.keep_fixtures)
        if mention is not None:
            self.detections.mentions.append(mention)
        self.detections.elements.extend(elements)

    def unattributed(self, elements: list[Element]) -> None:
        for item in elements:
            item.needs_review = True  # data about someone the file does not name
        self.detections.elements.extend(elements)

    def drain(self) -> Detections:
        out, self.detections = self.detections, Detections()
        return out


class Claim:
    """Medical data of one claim, kept until its patient is known (835 names the patient after CLP)."""

    def __init__(self, owner: Person | None, detector: str) -> None:
        self.owner = owner
        self.detector = detector
        self.pending: list[tuple[str, str, int, str]] = []

    def add(self, code: str, value: str, index: int, column: str) -> None:
        value = value.strip()
        if not value:
            return
        if self.owner is not None:
            self.owner.add(code, value, index, column)
        elif len(self.pending) < 1000:
            self.pending.append((code, value, index, column))

    def settle(self, owner: Person | None) -> list[Element]:
        """Give the waiting data to ``owner``; without one, return it as unattributed elements."""
        waiting, self.pending = self.pending, []
        if owner is not None:
            for code, value, index, column in waiting:
                owner.add(code, value, index, column)
            return []
        return [Element(code=c, value=v, location=f"segment {i}", column=col, detector=self.detector)
                for c, v, i, col in waiting]  # fmt: skip


class Transaction:
    """Base of the per-family parsers: one instance per ST..SE."""

    def __init__(self, ctx: TransactionContext, sink: PersonSink) -> None:
        self.ctx = ctx
        self.sink = sink
        self.target: Person | None = None  # who N3/N4/DMG/PER/REF describe now
        self.people: list[Person] = []  # open, not yet emitted
        self.extra: dict[str, str] = {}  # transaction-wide attributes (sponsor, payer)
        self.claim: Claim | None = None
        self.hl_id = ""
        self.hl_level = ""

    # -- subclasses ----------------------------------------------------------------------------

    def segment(self, index: int, segment_id: str, elements: list[str]) -> None:
        self.route_identity(index, segment_id, elements)

    def end(self) -> None:
        self.close_claim()
        self.close_people()

    # -- shared machinery ------------------------------------------------------------------------

    def loop(self, name: str, number: int | str) -> str:
        return f"ST {self.ctx.ordinal} / {name} {number}"

    def open_person(self, role: str, index: int, loop: str) -> Person:
        person = Person(role=role, loop=loop, anchor=index, detector=self.ctx.detector)
        self.people.append(person)
        self.target = person
        return person

    def close_person(self, person: Person | None) -> None:
        if person is None or person not in self.people:
            return
        self.people.remove(person)
        if self.target is person:
            self.target = None
        self.sink.take(person, {**self.ctx.shared, **self.extra})

    def close_people(self) -> None:
        for person in list(self.people):
            self.close_person(person)
        self.target = None

    def open_claim(self, owner: Person | None) -> Claim:
        self.close_claim()
        self.claim = Claim(owner, self.ctx.detector)
        return self.claim

    def close_claim(self, owner: Person | None = None) -> None:
        if self.claim is not None:
            self.sink.unattributed(self.claim.settle(owner or self.claim.owner))
            self.claim = None

    def enter_hl(self, hl: list[str]) -> str:
        """Track the hierarchy: HL01 id, HL03 level; returns the level code."""
        self.hl_id, self.hl_level = element(hl, 1), element(hl, 3)
        return self.hl_level

    def route_identity(self, index: int, segment_id: str, elements: list[str]) -> bool:
        """N3/N4/DMG/PER/REF describe the current target (nobody while an organisation's loop runs)."""
        target = self.target
        if target is None:
            return segment_id in ("N3", "N4", "DMG", "PER", "REF")
        if segment_id == "N3":
            target.take_street(index, elements)
        elif segment_id == "N4":
            target.take_city(index, elements)
        elif segment_id == "DMG":
            target.take_dmg(index, elements)
        elif segment_id == "PER":
            target.take_per(index, elements)
        elif segment_id == "REF":
            target.take_ref(index, elements)
        else:
            return False
        return True

    def medical_codes(self, index: int, hi: list[str]) -> list[tuple[str, str]]:
        """HI01..HI12 composites ``ABK:J020`` that describe health, as (value, column) pairs."""
        found = []
        for position in range(1, min(len(hi), 13)):
            parts = hi[position].split(self.ctx.component)
            if len(parts) >= 2 and parts[0].strip() in MEDICAL_CODE_QUALIFIERS and parts[1].strip():
                found.append((f"{parts[0].strip()}:{parts[1].strip()}", f"HI{position:02d}"))
        return found

    def composite(self, value: str) -> str:
        """A procedure composite (``HC:99213:25``) as ``HC:99213`` (qualifier and code)."""
        parts = value.split(self.ctx.component)
        return ":".join(p.strip() for p in parts[:2] if p.strip())
