"""Text: one Hyperscan pass finds candidates of every pattern; Python confirms and attributes them.

The database of all :class:`TextPattern` scan expressions is compiled once per
process. Python only looks at candidates: it re-matches each at its start
(exact span, boundaries), checks context words, normalises with the family's
validator, and ties each element to the nearest preceding person mention of the
document (or to the letter's addressee when none precedes).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import hyperscan

from exposure.detect.context import DetectContext
from exposure.detect.elements import REGISTRY, TextPattern
from exposure.detect.elements.names import is_fixture_name, split_name
from exposure.model import ELEMENT_CODES, Detections, Element, Mention, TextBlock

PERSON = "person"
SSN_LAST4 = "ssn_last4"
# Mention fields filled from the first element of that kind tied to the mention.
_MENTION_FIELD_OF = {"ssn": "ssn", "date_of_birth": "date_of_birth", "email": "email", "phone": "phone"}
_FIXTURE = "\x00fixture"  # attribution target of a test person ("John Doe"): not a mention


@cache
def compiled_patterns() -> tuple[hyperscan.Database, tuple[TextPattern, ...]]:
    """The Hyperscan database of every registered text pattern (compiled once per process)."""
    patterns = tuple(REGISTRY.text_patterns())
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    flags = [
        hyperscan.HS_FLAG_SOM_LEFTMOST | (hyperscan.HS_FLAG_CASELESS if p.caseless else 0) for p in patterns
    ]
    database.compile(
        expressions=[p.scan.encode("ascii") for p in patterns],
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=flags,
    )
    return database, patterns


@dataclass
class _Document:
    """The blocks of one document joined by newlines, with a map back to block positions."""

    blocks: list[TextBlock]
    text: str = ""
    starts: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, blocks: Iterable[TextBlock]) -> _Document:
        doc = cls(list(blocks))
        position = 0
        for block in doc.blocks:
            doc.starts.append(position)
            position += len(block.text) + 1
        doc.text = "\n".join(b.text for b in doc.blocks)
        return doc

    def _block_index(self, position: int) -> int:
        return max(bisect.bisect_right(self.starts, position) - 1, 0)

    def offset(self, position: int) -> int:
        """Character offset in the whole document (TextBlock.offset + position in the block)."""
        i = self._block_index(position)
        return self.blocks[i].offset + position - self.starts[i]

    def location(self, position: int) -> str:
        return self.blocks[self._block_index(position)].location

    def poorly_read(self, position: int) -> bool:
        """True where OCR read the text with low confidence: a reviewer should look at the image."""
        confidence = self.blocks[self._block_index(position)].confidence
        return confidence is not None and confidence < LOW_OCR_CONFIDENCE


# Mean OCR word confidence (0-100) under which what was read needs a reviewer's eye.
LOW_OCR_CONFIDENCE = 60.0
# Detections less sure than this go to the review queue (a bare number with weak context).
REVIEW_BELOW = 0.7


@dataclass(frozen=True)
class _Hit:
    pattern: TextPattern
    start: int  # position in the joined document text
    value: str  # normalised
    extras: dict[str, str]
    confidence: float


def find_candidates(text: str) -> list[tuple[int, int]]:
    """Sorted, distinct ``(start, pattern id)`` of every Hyperscan match in ``text``."""
    database, _patterns = compiled_patterns()
    # One byte per character keeps Hyperscan offsets equal to str offsets; non-ASCII becomes "?",
    # which no scan expression needs (names with accents are read by Python at the candidate).
    data = text.encode("ascii", "replace")
    found: set[tuple[int, int]] = set()
    database.scan(data, match_event_handler=lambda pid, start, _end, _flags, _ctx: found.add((start, pid)))
    return sorted(found)


def _has_context(text: str, match: re.Match[str], pattern: TextPattern, previous_end: int) -> bool:
    """Context words near the candidate, not reaching back past the previous candidate of its kind.

    So in ``DOB 03/04/1975, admitted 05/06/2020`` only the first date is a birth date.
    """
    assert pattern.context is not None
    before = text[max(match.start() - pattern.context_before, previous_end) : match.start()]
    after = text[match.end() : match.end() + pattern.context_after] if pattern.context_after else ""
    return bool(pattern.context.search(before) or (after and pattern.context.search(after)))


def _has_negative_context(text: str, match: re.Match[str], pattern: TextPattern) -> bool:
    """Words right around the candidate saying it is another kind of number ("Order #", "NPI")."""
    assert pattern.negative_context is not None
    before = text[max(match.start() - pattern.negative_before, 0) : match.start()]
    after = text[match.end() : match.end() + pattern.negative_after] if pattern.negative_after else ""
    return bool(pattern.negative_context.search(before) or (after and pattern.negative_context.search(after)))


def _confidence(text: str, match: re.Match[str], pattern: TextPattern, previous_end: int) -> float | None:
    """The candidate's confidence from its context, or None when its context rules it out."""
    if pattern.negative_context is not None and _has_negative_context(text, match, pattern):
        return None
    if pattern.context is None:
        return pattern.confidence
    if _has_context(text, match, pattern, previous_end):
        return max(pattern.context_confidence, pattern.confidence)
    return None if pattern.context_required else pattern.confidence


def confirm_candidates(text: str, candidates: list[tuple[int, int]]) -> list[_Hit]:
    """Candidates that match exactly, have their context, and pass their family's validator."""
    _database, patterns = compiled_patterns()
    hits: list[_Hit] = []
    seen: set[tuple[str, int]] = set()
    last_end: dict[str, int] = {}
    for start, pattern_id in candidates:
        pattern = patterns[pattern_id]
        match = pattern.confirm.match(text, start)
        if match is None:
            continue
        previous_end = last_end.get(pattern.kind, 0)
        last_end[pattern.kind] = max(previous_end, match.end())
        confidence = _confidence(text, match, pattern, previous_end)
        if confidence is None:
            continue
        if pattern.accept is not None and not pattern.accept(match):
            continue
        span = match.span("value") if "value" in pattern.confirm.groupindex else match.span()
        raw = text[span[0] : span[1]]
        value = pattern.normalise(raw)
        if not value:
            continue
        # Where the value itself starts (a name after "Mr. "), when it is written as found.
        found_at = raw.find(value)
        value_start = span[0] + found_at if found_at >= 0 else span[0]
        if (pattern.kind, value_start) in seen:
            continue  # "Patient Name:" and "Name:" find the same name
        seen.add((pattern.kind, value_start))
        extras = pattern.extras(match) if pattern.extras is not None else {}
        hits.append(_Hit(pattern, value_start, value, extras, confidence))
    return hits


@dataclass
class _People:
    """Person mentions of one document and where each starts, for attribution by position."""

    mentions: dict[str, Mention] = field(default_factory=dict)
    starts: list[int] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # mention key, or _FIXTURE
    addressee: str | None = None

    def target_for(self, position: int) -> str | None:
        i = bisect.bisect_right(self.starts, position) - 1
        return self.targets[i] if i >= 0 else self.addressee


def _people(doc: _Document, person_hits: list[_Hit], out: Detections) -> _People:
    """Mentions for the person hits; the same name twice in one document is one mention."""
    people = _People()
    key_by_name: dict[str, str] = {}
    for hit in person_hits:
        parts = split_name(hit.value)
        if is_fixture_name(parts["first_name"], parts["last_name"]):
            target = _FIXTURE
        else:
            target = key_by_name.get(parts["full_name"].lower(), "")
            if not target:
                target = _new_mention(doc, hit, parts, people, out)
                key_by_name[parts["full_name"].lower()] = target
        people.starts.append(hit.start)
        people.targets.append(target)
        if hit.extras.get("addressee") and people.addressee is None:
            people.addressee = target
    return people


def _new_mention(doc: _Document, hit: _Hit, parts: dict[str, str], people: _People, out: Detections) -> str:
    offset = doc.offset(hit.start)
    key = f"name@{offset}"
    location = doc.location(hit.start)
    mention = Mention(
        key=key,
        location=location,
        role=hit.extras.get("role", "individual"),
        # "Dear Mr. Smith:" (no first name), or a name OCR was unsure of
        needs_review=not parts["first_name"] or not parts["last_name"] or doc.poorly_read(hit.start),
        **{k: v for k, v in parts.items() if v},
    )
    if not mention.last_name and mention.first_name:  # a title and one word: that word is the surname
        mention.last_name, mention.first_name = mention.first_name, ""
    people.mentions[key] = mention
    out.mentions.append(mention)
    out.elements.append(
        Element(
            code="name",
            value=mention.full_name,
            location=location,
            mention_key=key,
            offset=offset,
            confidence=hit.confidence,
            detector=hit.pattern.name,
            needs_review=mention.needs_review,
        )
    )
    return key


def _attribute(doc: _Document, hit: _Hit, people: _People, out: Detections) -> None:
    """Tie one element or hint to its person; fill the mention's fields from it."""
    kind = hit.pattern.kind
    target = people.target_for(hit.start)
    if target == _FIXTURE:
        if kind != "ssn":
            return  # a test person's details are test data
        target = None
    mention = people.mentions.get(target) if target else None
    if kind == SSN_LAST4:
        if mention is not None and not mention.ssn_last4:
            mention.ssn_last4 = hit.value
        return
    if kind not in ELEMENT_CODES:
        return
    if mention is not None and kind in _MENTION_FIELD_OF and not getattr(mention, _MENTION_FIELD_OF[kind]):
        setattr(mention, _MENTION_FIELD_OF[kind], hit.value)
    out.elements.append(
        Element(
            code=kind,
            value=hit.value,
            location=doc.location(hit.start),
            mention_key=mention.key if mention is not None else "",
            offset=doc.offset(hit.start),
            confidence=hit.confidence,
            detector=hit.pattern.name,
            needs_review=mention is None or hit.confidence < REVIEW_BELOW or doc.poorly_read(hit.start),
        )
    )


def detect_text(blocks: Iterable[TextBlock], ctx: DetectContext) -> Detections:
    """Person mentions and elements of one document given as its text blocks."""
    doc = _Document.of(blocks)
    out = Detections()
    if not doc.text.strip():
        return out
    hits = confirm_candidates(doc.text, find_candidates(doc.text))
    people = _people(doc, [h for h in hits if h.pattern.kind == PERSON], out)
    for hit in hits:
        if hit.pattern.kind != PERSON:
            _attribute(doc, hit, people, out)
    return out
