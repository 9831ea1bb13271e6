"""What every reader that names people itself (HL7, NCPDP, DICOM...) does before handing them on."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from exposure.detect.elements.names import is_fixture_name
from exposure.extract.base import ExtractError
from exposure.model import Detections, Element, Mention, TextBlock

Notes = list[tuple[str, str]]  # (location, free text) a structured record carries, for the text detectors


@dataclass
class PersonBuilder:
    """A person a structured reader is building: its mention and its elements, each value once."""

    mention: Mention
    detector_prefix: str
    elements: list[Element] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def add(self, code: str, value: str, location: str, column: str, *, confidence: float = 1.0) -> None:
        value = value.strip()
        if not value or (code, value) in self.seen:
            return
        self.seen.add((code, value))
        self.elements.append(
            Element(
                code=code,
                value=value,
                location=location,
                mention_key=self.mention.key,
                column=column,
                confidence=confidence,
                detector=f"{self.detector_prefix}.{column}",
            )
        )


def finished_people(
    people: Iterable[tuple[Mention, list[Element]]], out: Detections | None = None
) -> Detections:
    """Mentions worth keeping, with their elements, added to ``out``.

    A person with no identity and nothing exposed is dropped; a test fixture ("John Doe") is no person,
    but its SSN is kept, tied to nobody, for a reviewer; a nameless person is kept and flagged, since
    nobody can be written to without a reviewer.
    """
    out = out if out is not None else Detections()
    for mention, elements in people:
        named = bool(mention.first_name or mention.last_name)
        if not elements and not (named or mention.ssn or mention.date_of_birth):
            continue
        if named and is_fixture_name(mention.first_name, mention.last_name):
            for element in elements:
                if element.code == "ssn":
                    element.mention_key, element.needs_review = "", True
                    out.elements.append(element)
            continue
        if not named:
            mention.needs_review = True
        out.mentions.append(mention)
        out.elements.extend(elements)
    return out


def batched_units(
    units: Iterable[tuple[Detections, Notes]], per_batch: int, empty_reason: str
) -> Iterator[Detections | TextBlock]:
    """A structured file's units (messages, transmissions) as Detections every ``per_batch`` units, with
    their free text as TextBlocks; a file with no unit at all is an ExtractError(``empty_reason``)."""
    batch = Detections()
    count = 0
    text_offset = 0
    for found, notes in units:
        count += 1
        batch.extend(found)
        for location, text in notes:
            yield TextBlock(location=location, text=text, offset=text_offset)
            text_offset += len(text) + 1
        if count % per_batch == 0 and (batch.mentions or batch.elements):
            yield batch
            batch = Detections()
    if count == 0:
        raise ExtractError(empty_reason)
    if batch.mentions or batch.elements:
        yield batch
