"""Text: one Hyperscan pass finds candidates of every pattern; Python confirms and attributes them.

The database of all :class:`TextPattern` scan expressions is compiled once per
process. Python only looks at candidates: it re-matches each at its start
(exact span, boundaries), checks context words and normalises with the family's
validator. Then every element is tied to the person the text is about, in this order:

1. the nearest preceding person named in the same *segment* (a paragraph: text between
   blank lines; a note's patient block, a letter's address block);
2. the subject of the document (a ``Re:`` / ``Subject:`` line naming a person);
3. for a document with no addressee, the one individual it names with a label (a note about
   a patient);
4. the letter's addressee (address block or salutation): the nearest one before, else the
   first one after (the head of a letter comes before its salutation);
5. nobody: kept for a reviewer (``needs_review``).

Providers are never people here (their labels are refused), and staff signing for the
organisation, test fixtures ("Test Patient") and e-mail header lines are *blockers*: what
follows them in their segment (their line, for a header) is theirs, not an individual's,
and is dropped, except an SSN, which is kept for a reviewer tied to nobody.
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
from exposure.detect.elements.names import is_fixture_name, signature_block_end, split_name
from exposure.model import ELEMENT_CODES, Detections, Element, Mention, TextBlock

PERSON = "person"
CORRESPONDENT = "correspondent"
SSN_LAST4 = "ssn_last4"
# Keys of person mentions found in text start with this (seeded search tells them from structured ones).
TEXT_MENTION_PREFIX = "name@"
# Mention fields filled from the first element of that kind tied to the mention.
MENTION_FIELD_OF = {"ssn": "ssn", "date_of_birth": "date_of_birth", "email": "email", "phone": "phone"}
# Elements a blocker (staff signature, test fixture, header line) does not swallow: kept, tied to nobody.
KEPT_WHEN_BLOCKED = frozenset({"ssn", "itin"})
# How surely each way of naming a person says who is there: where two overlap, the surer one stays.
_PRECEDENCE = {"address_block": 5, "label": 4, "subject": 4, "salutation": 4, "signature": 3, "prose": 1}


@cache
def compiled_patterns() -> tuple[hyperscan.Database, tuple[TextPattern, ...]]:
    """The Hyperscan database of every registered text pattern (compiled once per process)."""
    patterns = tuple(REGISTRY.text_patterns())
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    no_start = _patterns_without_start_of_match(patterns)
    database.compile(
        expressions=[p.scan.encode("ascii") for p in patterns],
        ids=list(range(len(patterns))),
        elements=len(patterns),
        flags=[_flags(p, with_start=i not in no_start) for i, p in enumerate(patterns)],
    )
    return database, patterns


def _flags(pattern: TextPattern, with_start: bool = True) -> int:
    start = hyperscan.HS_FLAG_SOM_LEFTMOST if with_start else 0
    return start | (hyperscan.HS_FLAG_CASELESS if pattern.caseless else 0)


# A scan expression that starts like this is anchored at a line start (an address block, a signature).
LINE_START = "(?:^|\\n)"


@cache
def _patterns_without_start_of_match(patterns: tuple[TextPattern, ...]) -> frozenset[int]:
    """Ids of patterns compiled without start of match: Python finds the start at each end they report.

    Patterns anchored at a line start (their start is one of the few line starts before the end, and
    tracking starts across every line costs Hyperscan a third of its speed), and those Hyperscan cannot
    report a start for ("Pattern is too large": long bounded repeats).
    """
    anchored = {i for i, p in enumerate(patterns) if p.scan.startswith(LINE_START)}
    if _compiles(patterns, anchored):
        return frozenset(anchored)
    return frozenset(anchored | {i for i, p in enumerate(patterns) if not _compiles((p,))})


def _compiles(patterns: tuple[TextPattern, ...], without_start: set[int] | None = None) -> bool:
    try:
        hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK).compile(
            expressions=[p.scan.encode("ascii") for p in patterns],
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=[_flags(p, with_start=i not in (without_start or ())) for i, p in enumerate(patterns)],
        )
    except hyperscan.error:
        return False
    return True


_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")


@dataclass
class TextDocument:
    """The blocks of one document joined by newlines, with a map back to block positions."""

    blocks: list[TextBlock]
    text: str = ""
    starts: list[int] = field(default_factory=list)
    segment_starts: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, blocks: Iterable[TextBlock]) -> TextDocument:
        doc = cls(list(blocks))
        position = 0
        for block in doc.blocks:
            doc.starts.append(position)
            position += len(block.text) + 1
        doc.text = "\n".join(b.text for b in doc.blocks)
        doc.segment_starts = _segment_starts(doc)
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

    def segment(self, position: int) -> int:
        """Which paragraph-like segment ``position`` is in (see _segment_starts)."""
        return bisect.bisect_right(self.segment_starts, position)


def _segment_starts(doc: TextDocument) -> list[int]:
    """Where segments begin: after each blank line, and at block boundaries that are paragraph breaks.

    Readers say where paragraphs end in two ways: a gap in the block offsets (blank lines the reader
    skipped: plain text, PDF, RTF), or multi-line blocks that are paragraphs themselves (OCR).
    One-line blocks with no gap between them (DOCX paragraphs, lines) stay one segment.
    """
    starts = [m.end() for m in _BLANK_LINE.finditer(doc.text)]
    for i in range(1, len(doc.blocks)):
        before, block = doc.blocks[i - 1], doc.blocks[i]
        skipped = block.offset > before.offset + len(before.text) + 1
        if skipped or "\n" in before.text.strip() or "\n" in block.text.strip():
            starts.append(doc.starts[i])
    return sorted(set(starts))


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
    end: int = -1  # where the value ends in the text (the span a name covers)

    @property
    def via(self) -> str:
        return self.extras.get("via", "")


def find_candidates(text: str) -> list[tuple[int, int]]:
    """Sorted, distinct ``(start, pattern id)`` of every Hyperscan match in ``text``."""
    database, patterns = compiled_patterns()
    no_start = _patterns_without_start_of_match(patterns)
    # One byte per character keeps Hyperscan offsets equal to str offsets; non-ASCII becomes "?",
    # which no scan expression needs (names with accents are read by Python at the candidate).
    data = text.encode("ascii", "replace")
    found: set[tuple[int, int]] = set()
    ends: set[tuple[int, int]] = set()

    def on_match(pattern_id: int, start: int, end: int, _flags: int, _context: object) -> None:
        if pattern_id in no_start:
            ends.add((end, pattern_id))
        else:
            found.add((start, pattern_id))

    database.scan(data, match_event_handler=on_match)
    for end, pattern_id in ends:
        start = _start_before(text, patterns[pattern_id], end)
        if start >= 0:
            found.add((start, pattern_id))
    return sorted(found)


def _line_start_before(text: str, pattern: TextPattern, end: int) -> int:
    """The nearest line start (or the newline before it) whose confirmed match reaches ``end``, or -1."""
    position = end
    floor = max(0, end - _START_WINDOW)
    while position > floor:
        position = text.rfind("\n", floor, position - 1) if position > 1 else -1
        start = position if position >= 0 else 0
        match = pattern.confirm.match(text, start)
        if match is not None and match.end() >= end:
            return start
        if position < 0:
            break
    return -1


# How far back from a reported end Python looks for the start of a pattern compiled without one.
_START_WINDOW = 512


def _start_before(text: str, pattern: TextPattern, end: int) -> int:
    """Where the confirmed match that covers ``end`` starts, or -1."""
    if pattern.scan.startswith(LINE_START):
        return _line_start_before(text, pattern, end)
    start = -1
    for match in pattern.confirm.finditer(text, max(0, end - _START_WINDOW), min(len(text), end + 64)):
        if match.start() >= end:
            break
        if match.end() >= end:
            start = match.start()
    return start


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
        value_end = value_start + len(value) if found_at >= 0 else span[1]
        # Names found several ways at one place are sorted out by _without_overlaps.
        if pattern.kind != PERSON:
            if (pattern.kind, value_start) in seen:
                continue
            seen.add((pattern.kind, value_start))
        extras = pattern.extras(match) if pattern.extras is not None else {}
        hits.append(_Hit(pattern, value_start, value, extras, confidence, value_end))
    return hits


def _without_overlaps(person_hits: list[_Hit]) -> list[_Hit]:
    """One name per place: where names found different ways overlap, the surest way's stays."""
    kept: list[_Hit] = []
    spans: list[tuple[int, int]] = []  # kept spans, sorted by start; they never overlap each other
    for hit in sorted(person_hits, key=lambda h: (-_PRECEDENCE.get(h.via, 2), h.start)):
        i = bisect.bisect_left(spans, (hit.start, hit.start))
        overlaps_before = i > 0 and spans[i - 1][1] > hit.start
        overlaps_after = i < len(spans) and spans[i][0] < hit.end
        if not (overlaps_before or overlaps_after):
            spans.insert(i, (hit.start, hit.end))
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


# ---- who is named where -----------------------------------------------------------------------

STAFF = "staff"
FIXTURE = "fixture"


@dataclass(frozen=True)
class _Target:
    """A place in the document from which on elements may belong to someone."""

    start: int
    kind: str  # PERSON, STAFF or FIXTURE
    key: str = ""  # the mention key of a PERSON
    labelled: bool = False  # named by a label, address block or salutation, not only in prose
    subject: bool = False
    addressee: bool = False
    reach: int = -1  # where a blocker's reach ends (-1: the end of its segment)


@dataclass(frozen=True)
class _Verdict:
    """Where one element goes: a mention key, nobody (""), or nowhere (dropped)."""

    key: str = ""
    dropped: bool = False
    how: str = "nobody"  # segment, subject, note, addressee, nobody, blocked


@dataclass
class _People:
    """Person mentions of one document and the targets elements are attributed to, by position."""

    doc: TextDocument
    mentions: dict[str, Mention] = field(default_factory=dict)
    targets: list[_Target] = field(default_factory=list)
    header_lines: list[tuple[int, int]] = field(default_factory=list)  # e-mail header line spans
    # Filled by ready(): what every verdict looks up, computed once per document.
    _starts: list[int] = field(default_factory=list)
    _subjects: list[_Target] = field(default_factory=list)
    _addressees: list[_Target] = field(default_factory=list)
    _note_subject: _Target | None = None

    def ready(self) -> None:
        self.targets.sort(key=lambda t: t.start)
        self.header_lines.sort()
        self._starts = [t.start for t in self.targets]
        self._subjects = [t for t in self.targets if t.subject]
        self._addressees = [t for t in self.targets if t.addressee]
        self._note_subject = self._the_note_subject()

    def verdict(self, position: int, code: str) -> _Verdict:
        if self._on_header_line(position):
            return self._blocked(code)
        same_segment = self._nearest_in_segment(position)
        if same_segment is not None:
            if same_segment.kind == PERSON:
                return _Verdict(same_segment.key, how="segment")
            return self._blocked(code)
        for how, target in (
            ("subject", self._nearest_or_first(position, self._subjects)),
            ("note", self._note_subject),
            ("addressee", self._nearest_or_first(position, self._addressees)),
        ):
            if target is not None:
                return _Verdict(target.key, how=how)
        return _Verdict()

    @staticmethod
    def _blocked(code: str) -> _Verdict:
        return _Verdict(dropped=code not in KEPT_WHEN_BLOCKED, how="blocked")

    def _on_header_line(self, position: int) -> bool:
        i = bisect.bisect_right(self.header_lines, (position, len(self.doc.text) + 1)) - 1
        return i >= 0 and self.header_lines[i][0] <= position < self.header_lines[i][1]

    def _nearest_in_segment(self, position: int) -> _Target | None:
        """The nearest target before ``position`` in its segment, passing blockers whose reach ended."""
        segment = self.doc.segment(position)
        for i in range(bisect.bisect_right(self._starts, position) - 1, -1, -1):
            target = self.targets[i]
            if self.doc.segment(target.start) != segment:
                return None
            if target.reach < 0 or position < target.reach:
                return target
        return None

    @staticmethod
    def _nearest_or_first(position: int, targets: list[_Target]) -> _Target | None:
        """The last of ``targets`` before ``position``, else the first after it (a letter's head)."""
        if not targets:
            return None
        i = bisect.bisect_right(targets, position, key=lambda t: t.start) - 1
        return targets[max(i, 0)]

    def _the_note_subject(self) -> _Target | None:
        """The one individual a document without an addressee names with a label: whom a note is about."""
        if self._addressees:
            return None
        labelled = {t.key: t for t in self.targets if t.kind == PERSON and t.labelled}
        return next(iter(labelled.values())) if len(labelled) == 1 else None


def _identity(parts: dict[str, str]) -> tuple[str, str]:
    return parts["first_name"].strip(".").lower(), parts["last_name"].strip(".").lower()


def _name_parts(hit: _Hit) -> dict[str, str]:
    parts = split_name(hit.value)
    if not parts["last_name"] and parts["first_name"]:  # "Dear Mr. Smith": a title and one word, the surname
        parts["last_name"], parts["first_name"] = parts["first_name"], ""
    return parts


@dataclass
class _Group:
    """The hits of one person in one document: one mention."""

    hits: list[_Hit]
    parts: dict[str, str]


def _group_people(hits: list[_Hit]) -> list[_Group]:
    """The same name twice in one document is one person; ``Dear Mr. Smith`` joins the only Smith."""
    groups: list[_Group] = []
    by_identity: dict[tuple[str, str], _Group] = {}
    for hit in hits:
        parts = _name_parts(hit)
        first, last = _identity(parts)
        group = by_identity.get((first, last))
        if group is None and not first:
            same_last = [g for (f, surname), g in by_identity.items() if surname == last]
            group = same_last[0] if len(same_last) == 1 else None
        if group is None:
            same_first = by_identity.get((first, ""))
            group = same_first if same_first is not None and not same_first.parts["first_name"] else None
        if group is None:
            group = _Group([], parts)
            groups.append(group)
        group.hits.append(hit)
        by_identity.setdefault((first, last), group)
    return groups


def _is_staff(hit: _Hit, has_addressee: bool) -> bool:
    """A signature by the organisation: titled, a bare first name, or at the foot of a letter to someone."""
    if hit.via != "signature":
        return hit.extras.get("role") == STAFF
    if hit.extras.get("role") == STAFF or has_addressee:
        return True
    return len([w for w in hit.value.split() if w.strip(".")]) < 2


def _people(doc: TextDocument, hits: list[_Hit], out: Detections) -> _People:
    people = _People(doc)
    person_hits = _without_overlaps([h for h in hits if h.pattern.kind == PERSON])
    has_addressee = any(h.extras.get("addressee") for h in person_hits)
    individuals = []
    for hit in person_hits:
        parts = _name_parts(hit)
        if is_fixture_name(parts["first_name"], parts["last_name"]) or is_fixture_name(
            parts["last_name"], parts["first_name"]
        ):
            people.targets.append(_Target(hit.start, FIXTURE))
        elif _is_staff(hit, has_addressee):
            people.targets.append(_Target(hit.start, STAFF, reach=signature_block_end(doc.text, hit.start)))
        else:
            individuals.append(hit)
    for group in _group_people(individuals):
        key = _new_mention(doc, group, people, out)
        for hit in group.hits:
            people.targets.append(
                _Target(
                    hit.start,
                    PERSON,
                    key,
                    # an individual who signs a letter addressed to nobody is whom it is about
                    labelled=hit.via != "prose",
                    subject=bool(hit.extras.get("subject")),
                    addressee=bool(hit.extras.get("addressee")),
                )
            )
    for hit in hits:
        if hit.pattern.kind == CORRESPONDENT:
            line_end = doc.text.find("\n", hit.start)
            people.header_lines.append((hit.start, line_end if line_end >= 0 else len(doc.text)))
    people.ready()
    return people


def _new_mention(doc: TextDocument, group: _Group, people: _People, out: Detections) -> str:
    first = group.hits[0]
    best = max(group.hits, key=lambda h: (_PRECEDENCE.get(h.via, 2), h.confidence))
    parts = _name_parts(best)
    offset = doc.offset(first.start)
    key = f"{TEXT_MENTION_PREFIX}{offset}"
    location = doc.location(first.start)
    unsure = best.confidence < REVIEW_BELOW or doc.poorly_read(best.start)
    roles = [h.extras.get("role", "individual") for h in group.hits]
    # "Patient:" says more than "Dear"
    role = next((r for r in roles if r not in ("individual", "signer")), "individual")
    mention = Mention(
        key=key,
        location=location,
        role=role,
        # "Dear Mr. Smith:" (no first name), a name only seen in prose, or one OCR was unsure of
        needs_review=not parts["first_name"] or not parts["last_name"] or unsure,
        **{k: v for k, v in parts.items() if v},
    )
    people.mentions[key] = mention
    out.mentions.append(mention)
    out.elements.append(
        Element(
            code="name",
            value=mention.full_name,
            location=location,
            mention_key=key,
            offset=offset,
            confidence=best.confidence,
            detector=best.pattern.name,
            needs_review=mention.needs_review,
        )
    )
    return key


def _attribute(doc: TextDocument, hit: _Hit, people: _People, out: Detections) -> None:
    """Tie one element or hint to its person; fill the mention's fields from it."""
    kind = hit.pattern.kind
    verdict = people.verdict(hit.start, kind)
    if verdict.dropped:
        return
    mention = people.mentions.get(verdict.key) if verdict.key else None
    if kind == SSN_LAST4:
        if mention is not None and not mention.ssn_last4:
            mention.ssn_last4 = hit.value
        return
    if kind not in ELEMENT_CODES:
        return
    if mention is not None and kind in MENTION_FIELD_OF and not getattr(mention, MENTION_FIELD_OF[kind]):
        setattr(mention, MENTION_FIELD_OF[kind], hit.value)
    unsure_person = mention is not None and mention.needs_review and bool(mention.first_name)
    out.elements.append(
        Element(
            code=kind,
            value=hit.value,
            location=doc.location(hit.start),
            mention_key=mention.key if mention is not None else "",
            offset=doc.offset(hit.start),
            confidence=hit.confidence,
            detector=hit.pattern.name,
            needs_review=mention is None
            or unsure_person
            or hit.confidence < REVIEW_BELOW
            or doc.poorly_read(hit.start),
        )
    )


def detect_text(blocks: Iterable[TextBlock], ctx: DetectContext) -> Detections:
    """Person mentions and elements of one document given as its text blocks."""
    doc = TextDocument.of(blocks)
    out = Detections()
    if not doc.text.strip():
        return out
    hits = confirm_candidates(doc.text, find_candidates(doc.text))
    people = _people(doc, hits, out)
    for hit in hits:
        if hit.pattern.kind not in (PERSON, CORRESPONDENT):
            _attribute(doc, hit, people, out)
    return out
