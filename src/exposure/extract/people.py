"""What every reader that names people itself (HL7, NCPDP, DICOM...) does before handing them on."""

from __future__ import annotations

from collections.abc import Iterable

from exposure.detect.elements.names import is_fixture_name
from exposure.model import Detections, Element, Mention


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
