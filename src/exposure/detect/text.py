"""Text: one Hyperscan pass finds candidates of every pattern; Python confirms and attributes them.

The database of all :class:`TextPattern` scan expressions is built once per process
(loaded from the user's cache folder when a process built it before, see _scanner). Python only
looks at candidates: it re-matches each at its start
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

Every hit of one name in a document is one person, unless the SSNs or dates of birth tied to its
records (segments, labelled fields) differ: then each set of records that nothing tells apart is one.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import json
import operator
import os
import platform
import re
import re._constants as _sre  # to read the parse of an expression (see _separator_outside)
import re._parser as _sre_parse
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple

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
_ELEMENT_CODES = frozenset(ELEMENT_CODES)
# Elements a blocker (staff signature, test fixture, header line) does not swallow: kept, tied to nobody.
KEPT_WHEN_BLOCKED = frozenset({"ssn", "itin"})
# How surely each way of naming a person says who is there: where two overlap, the surer one stays.
_PRECEDENCE = {"address_block": 5, "label": 4, "subject": 4, "salutation": 4, "signature": 3, "prose": 1}


@dataclass(frozen=True)
class _Scanner:
    """The Hyperscan databases of every text pattern, and how each pattern's candidates get their start.

    Hyperscan reports where matches start for most patterns (``tracked``). Where that is costly or
    impossible it reports only where they end, and Python finds the start: for patterns anchored at a
    line start or too large to track (``without_start``) by matching them at the line starts before the
    end (see _start_before); for patterns of unbounded length (``rescanned``, each with a byte its matches
    never hold) by scanning again, with ``rescan_database``, which tracks their start, the text from that
    byte to the end (see _rescanned_starts).
    """

    database: hyperscan.Database
    patterns: tuple[TextPattern, ...]
    without_start: frozenset[int]
    rescanned: dict[int, int] = field(default_factory=dict)  # pattern id -> a byte its matches never hold
    rescan_database: hyperscan.Database | None = None
    tracked: frozenset[int] = frozenset()  # filled by of()
    value_groups: tuple[bool, ...] = ()  # per pattern: whether its confirmation names a "value" group

    @classmethod
    def of(
        cls,
        database: hyperscan.Database,
        patterns: tuple[TextPattern, ...],
        without_start: frozenset[int],
        rescanned: dict[int, int] | None = None,
        rescan_database: hyperscan.Database | None = None,
    ) -> _Scanner:
        rescanned = rescanned or {}
        tracked = frozenset(range(len(patterns))) - without_start - rescanned.keys()
        value_groups = tuple("value" in p.confirm.groupindex for p in patterns)
        return cls(database, patterns, without_start, rescanned, rescan_database, tracked, value_groups)


@cache
def _scanner() -> _Scanner:
    """Compiled once per process, or loaded from the on-disk cache a previous process left."""
    patterns = tuple(REGISTRY.text_patterns())
    key = _database_key(patterns)
    scanner = _load_database(key, patterns)
    if scanner is None:
        scanner = _build_scanner(patterns)
        _store_database(key, scanner)
    return scanner


def _flags(pattern: TextPattern, with_start: bool = True) -> int:
    start = hyperscan.HS_FLAG_SOM_LEFTMOST if with_start else 0
    return start | (hyperscan.HS_FLAG_CASELESS if pattern.caseless else 0)


def _compile(
    patterns: tuple[TextPattern, ...], without_start: Iterable[int] = (), only: Iterable[int] | None = None
) -> hyperscan.Database:
    """The database of ``patterns`` (those numbered ``only``), ids their numbers in ``patterns``.

    Raises hyperscan.error when Hyperscan cannot compile them so.
    """
    no_start = frozenset(without_start)
    ids = list(range(len(patterns))) if only is None else sorted(only)
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[patterns[i].scan.encode("ascii") for i in ids],
        ids=ids,
        elements=len(ids),
        flags=[_flags(patterns[i], with_start=i not in no_start) for i in ids],
    )
    return database


# A scan expression that starts like this is anchored at a line start (an address block, a signature).
LINE_START = "(?:^|\\n)"


def _build_scanner(patterns: tuple[TextPattern, ...]) -> _Scanner:
    """Start of match is tracked by Hyperscan except for patterns anchored at a line start (their start is
    one of the few line starts before the end, and tracking starts across every line costs Hyperscan a
    third of its speed), those it cannot track ("Pattern is too large": long bounded repeats), and those of
    unbounded length (tracking where such a match could start is what costs: ``e-mail``, ``Diagnosis: ...``;
    where they matched is scanned again)."""
    anchored = frozenset(i for i, p in enumerate(patterns) if p.scan.startswith(LINE_START))
    separators = {i: _separator_outside(p.scan) for i, p in enumerate(patterns) if i not in anchored}
    rescanned = {i: separator for i, separator in separators.items() if separator is not None}
    try:
        database = _compile(patterns, anchored | rescanned.keys())
        without_start = anchored
    except hyperscan.error:
        too_large = frozenset(i for i, p in enumerate(patterns) if not _compiles((p,)))
        without_start = anchored | too_large
        rescanned = {i: separator for i, separator in rescanned.items() if i not in too_large}
        database = _compile(patterns, without_start | rescanned.keys())
    rescan_database = _compile(patterns, only=rescanned) if rescanned else None
    return _Scanner.of(database, patterns, without_start, rescanned, rescan_database)


def _compiles(patterns: tuple[TextPattern, ...]) -> bool:
    try:
        _compile(patterns)
    except hyperscan.error:
        return False
    return True


# ---- which bytes a pattern's matches never hold ------------------------------------------------------
#
# Read from the expression's parse by Python's ``re`` (Hyperscan's syntax, as the patterns here use it, is a
# subset of it), generously: letters in either case, whatever the flags. Whatever this does not know how to
# read (anchors other than \b, look-arounds, back references, "." meant to match a line break) keeps the
# pattern's start tracked.

# Bytes that split most texts often, in the order they are tried as the one a pattern's matches never hold.
_SEPARATORS = b"\n.,;:"
_ASCII = frozenset(range(128))  # what is scanned: non-ASCII characters are "?" there
_CATEGORY_BYTES = {
    category: frozenset(b for b in _ASCII if re.fullmatch(expression, chr(b), re.ASCII))
    for category, expression in (
        (_sre.CATEGORY_DIGIT, r"\d"), (_sre.CATEGORY_NOT_DIGIT, r"\D"), (_sre.CATEGORY_SPACE, r"\s"),
        (_sre.CATEGORY_NOT_SPACE, r"\S"), (_sre.CATEGORY_WORD, r"\w"), (_sre.CATEGORY_NOT_WORD, r"\W"),
    )
}  # fmt: skip


class _CannotTell(Exception):
    pass


def _separator_outside(expression: str) -> int | None:
    """A byte of _SEPARATORS that no match of ``expression`` holds, when its matches are of unbounded
    length; None for patterns of bounded length (Hyperscan tracks their start cheaply), and when no
    separator is left out or the parse cannot tell."""
    try:
        parsed = _sre_parse.parse(expression)
        if parsed.state.flags & _sre.SRE_FLAG_DOTALL or parsed.getwidth()[1] < _sre.MAXREPEAT:
            return None
        held = _bytes_held(parsed)
    # re._parser is private: whatever it becomes in another Python, the pattern keeps its start tracked.
    except (re.error, _CannotTell, RecursionError, AttributeError, TypeError, ValueError, KeyError):
        return None
    return next((byte for byte in _SEPARATORS if byte not in held), None)


def _bytes_held(items: Iterable[tuple[object, object]], assertions_hold_nothing: bool = False) -> set[int]:
    """Bytes that matches of the parsed (sub)expression ``items`` may hold (or more).

    Look-arounds and anchors hold no byte of a match, but they read bytes around it. Hyperscan, scanning a
    stretch cut out of the text, sees only the byte before it (what a word boundary reads), so the others
    make this raise _CannotTell unless ``assertions_hold_nothing`` (Python matching in the whole text, which
    sees every byte around a match wherever its search starts).
    """
    held: set[int] = set()
    for op, arg in items:
        if assertions_hold_nothing and (op is _sre.ASSERT or op is _sre.ASSERT_NOT or op is _sre.AT):
            continue
        if op is _sre.LITERAL:
            held |= _either_case(arg)
        elif op is _sre.NOT_LITERAL:
            held |= _ASCII - {arg}
        elif op is _sre.ANY:  # any character but a line break (no DOTALL flag)
            held |= _ASCII - {ord("\n")}
        elif op is _sre.IN:
            held |= _class_bytes(arg)
        elif op is _sre.BRANCH:
            held = held.union(*(_bytes_held(branch, assertions_hold_nothing) for branch in arg[1]))
        elif op is _sre.SUBPATTERN:  # (group, flags added, flags removed, items)
            if arg[1] & _sre.SRE_FLAG_DOTALL:
                raise _CannotTell
            held |= _bytes_held(arg[3], assertions_hold_nothing)
        elif op is _sre.MAX_REPEAT or op is _sre.MIN_REPEAT:  # (least, most, items)
            held |= _bytes_held(arg[2], assertions_hold_nothing) if arg[1] > 0 else set()
        elif not (op is _sre.AT and arg in (_sre.AT_BOUNDARY, _sre.AT_NON_BOUNDARY)):
            raise _CannotTell
    return held


def _class_bytes(items: list[tuple[object, object]]) -> frozenset[int]:
    """Bytes a character class may match (or more): a negated one, every byte its items do not name."""
    negated = bool(items) and items[0][0] is _sre.NEGATE
    named: set[int] = set()
    for op, arg in items[1:] if negated else items:
        if op is _sre.LITERAL:
            named.add(arg)
        elif op is _sre.RANGE:
            named.update(range(arg[0], arg[1] + 1))
        elif op is _sre.CATEGORY:
            named |= _CATEGORY_BYTES[arg]
        else:
            raise _CannotTell
    if negated:  # what it names in one case only is still left out in the other: counted as matched
        return _ASCII - named
    return frozenset().union(*map(_either_case, named))


def _either_case(byte: int) -> set[int]:
    return {byte, ord(chr(byte).swapcase())} if chr(byte).isascii() and chr(byte).isalpha() else {byte}


# ---- the compiled databases, kept on disk between processes -----------------------------------------
#
# Compiling takes seconds; loading serialised databases takes milliseconds. Every worker process of every
# run needs the same databases, so they are kept in the user's cache folder, under a key of everything they
# are built from. Hyperscan refuses a database built for another version or CPU; a file that does not load
# (or a folder that cannot be written) only means compiling as before.

_CACHE_FORMAT = b"exposure-hyperscan-2"  # change when what a cached file holds or means changes
_CACHED_DATABASES_KEPT = 4  # older ones (other versions of the patterns) are removed


def _database_key(patterns: tuple[TextPattern, ...]) -> str:
    digest = hashlib.sha256(_CACHE_FORMAT)
    digest.update(f"{hyperscan.__version__}|{platform.machine()}|{LINE_START}".encode())
    for pattern in patterns:
        digest.update(f"\0{pattern.caseless:d}{pattern.scan}".encode())
    return digest.hexdigest()[:32]


def _cache_folder() -> Path | None:
    """$XDG_CACHE_HOME/exposure/hyperscan (~/.cache by default); None without a home to put it in."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "exposure" / "hyperscan"


def _load_database(key: str, patterns: tuple[TextPattern, ...]) -> _Scanner | None:
    folder = _cache_folder()
    if folder is None:
        return None
    try:
        content = (folder / f"text-{key}.hsdb").read_bytes()
        header, _, serialised = content.partition(b"\n")
        fields = json.loads(header)
        intact = fields["sha256"] == hashlib.sha256(serialised).hexdigest()
        if fields["format"] != _CACHE_FORMAT.decode() or not intact:
            return None
        main_size = int(fields["main_size"])
        database = _loaded(serialised[:main_size])
        rescan_database = _loaded(serialised[main_size:]) if fields["rescanned"] else None
        without_start = frozenset(int(i) for i in fields["without_start"])
        rescanned = {int(i): int(separator) for i, separator in fields["rescanned"]}
        return _Scanner.of(database, patterns, without_start, rescanned, rescan_database)
    except (OSError, ValueError, KeyError, TypeError, hyperscan.error):
        return None


def _loaded(serialised: bytes) -> hyperscan.Database:
    database = hyperscan.loadb(serialised, hyperscan.HS_MODE_BLOCK)
    database.scratch = hyperscan.Scratch(database)
    return database


def _store_database(key: str, scanner: _Scanner) -> None:
    folder = _cache_folder()
    if folder is None:
        return
    # Written aside and renamed: workers starting together never read half a file.
    aside = folder / f".text-{key}-{os.getpid()}-{threading.get_ident()}.tmp"
    try:
        main = hyperscan.dumpb(scanner.database)
        rescan = hyperscan.dumpb(scanner.rescan_database) if scanner.rescan_database is not None else b""
        header = {
            "format": _CACHE_FORMAT.decode(),
            "sha256": hashlib.sha256(main + rescan).hexdigest(),
            "without_start": sorted(scanner.without_start),
            "rescanned": sorted(scanner.rescanned.items()),
            "main_size": len(main),
        }
        folder.mkdir(parents=True, exist_ok=True)
        aside.write_bytes(json.dumps(header).encode() + b"\n" + main + rescan)
        os.replace(aside, folder / f"text-{key}.hsdb")
        _remove_old_databases(folder)
    except (OSError, hyperscan.error):
        with contextlib.suppress(OSError):
            aside.unlink(missing_ok=True)


def _remove_old_databases(folder: Path) -> None:
    files = sorted(folder.glob("text-*.hsdb"), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in files[_CACHED_DATABASES_KEPT:]:
        old.unlink(missing_ok=True)


_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
_TEXT_OF = operator.attrgetter("text")
_OFFSET_OF = operator.attrgetter("offset")


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
        # A document is often thousands of one-line blocks: these run as C loops (map), not Python ones.
        texts = list(map(_TEXT_OF, doc.blocks))
        doc.text = "\n".join(texts)
        # each block starts one character (the joining newline) after the one before it ends: after the
        # texts before it and one newline for each
        lengths_before = itertools.accumulate(map(len, texts), initial=0)
        doc.starts = list(map(operator.add, lengths_before, range(len(texts))))
        doc.segment_starts = _segment_starts(doc)
        return doc

    def _block_index(self, position: int) -> int:
        i = bisect.bisect_right(self.starts, position) - 1
        return i if i > 0 else 0

    def offset(self, position: int) -> int:
        """Character offset in the whole document (TextBlock.offset + position in the block)."""
        i = self._block_index(position)
        return self.blocks[i].offset + position - self.starts[i]

    def location(self, position: int) -> str:
        return self.blocks[self._block_index(position)].location

    def place(self, position: int) -> tuple[str, int, bool]:
        """:meth:`location`, :meth:`offset` and :meth:`poorly_read` of ``position`` at once."""
        i = self._block_index(position)
        block = self.blocks[i]
        return block.location, block.offset + position - self.starts[i], _poorly_read(block)

    def poorly_read(self, position: int) -> bool:
        """True where OCR read the text with low confidence: a reviewer should look at the image."""
        return _poorly_read(self.blocks[self._block_index(position)])

    def segment(self, position: int) -> int:
        """Which paragraph-like segment ``position`` is in (see _segment_starts)."""
        return bisect.bisect_right(self.segment_starts, position)


def _segment_starts(doc: TextDocument) -> list[int]:
    """Where segments begin: after each blank line, and at block boundaries that are paragraph breaks.

    Readers say where paragraphs end in two ways: a gap in the block offsets (blank lines the reader
    skipped: plain text, PDF, RTF), or multi-line blocks that are paragraphs themselves (OCR).
    One-line blocks with no gap between them (DOCX paragraphs, lines) stay one segment.
    """
    blocks, block_starts = doc.blocks, doc.starts
    starts = [m.end() for m in _BLANK_LINE.finditer(doc.text)]
    # A block starts past where the one before it ends (a gap: skipped lines) exactly where its offset runs
    # further ahead of its place in the joined text than the offset of the block before it did.
    ahead = list(map(operator.sub, map(_OFFSET_OF, blocks), block_starts))
    if ahead and ahead.count(ahead[0]) != len(ahead):  # (no gap at all in most documents)
        starts += itertools.compress(block_starts[1:], map(operator.gt, ahead[1:], ahead[:-1]))
    # (only newlines beyond those joining the blocks can make one a paragraph: most texts have none)
    if doc.text.count("\n") > len(blocks) - 1:
        for i, block in enumerate(blocks):
            if "\n" in block.text and "\n" in block.text.strip():
                starts += block_starts[max(i, 1) : i + 2]
    return sorted(set(starts))


# Mean OCR word confidence (0-100) under which what was read needs a reviewer's eye.
LOW_OCR_CONFIDENCE = 60.0


def _poorly_read(block: TextBlock) -> bool:
    return block.confidence is not None and block.confidence < LOW_OCR_CONFIDENCE


# Detections less sure than this go to the review queue (a bare number with weak context).
REVIEW_BELOW = 0.7


@dataclass(slots=True)  # one per candidate confirmed: not frozen, which makes creating one slower
class _Hit:
    pattern: TextPattern
    start: int  # position in the joined document text
    value: str  # normalised
    extras: dict[str, str]
    confidence: float
    end: int = -1  # where the value ends in the text (the span a name covers)
    name_parts: dict[str, str] | None = None  # a person's name split (see _name_parts)

    @property
    def via(self) -> str:
        return self.extras.get("via", "")


def find_candidates(text: str) -> list[tuple[int, int]]:
    """Sorted, distinct ``(start, pattern id)`` of every Hyperscan match in ``text``."""
    scanner = _scanner()
    patterns, tracked, no_start = scanner.patterns, scanner.tracked, scanner.without_start
    # One byte per character keeps Hyperscan offsets equal to str offsets; non-ASCII becomes "?",
    # which no scan expression needs (names with accents are read by Python at the candidate).
    data = text.encode("ascii", "replace")
    found: set[tuple[int, int]] = set()
    ends: set[tuple[int, int]] = set()
    rescan_ends: set[tuple[int, int]] = set()

    def on_match(pattern_id: int, start: int, end: int, _flags: int, _context: object) -> None:
        if pattern_id in tracked:
            found.add((start, pattern_id))
        elif pattern_id in no_start:
            ends.add((end, pattern_id))
        else:
            rescan_ends.add((end, pattern_id))

    scanner.database.scan(data, match_event_handler=on_match)
    for end, pattern_id in ends:
        start = _start_before(text, patterns[pattern_id], end)
        if start >= 0:
            found.add((start, pattern_id))
    if rescan_ends:
        found.update(_rescanned_starts(data, rescan_ends, scanner))
    return sorted(found)


# Scanning a little text costs about as much as one more call to Hyperscan: when the stretches to scan again,
# counting this many bytes more each, would be longer than the text, the whole text is scanned again instead.
_BYTES_A_SCAN_CALL_COSTS = 1024


def _rescanned_starts(data: bytes, ends: set[tuple[int, int]], scanner: _Scanner) -> set[tuple[int, int]]:
    """``(start, pattern id)`` of the matches of rescanned patterns ending at ``ends`` (``(end, pattern
    id)``), from a second scan that tracks their start.

    A pattern's match ending at ``end`` is scanned again from the last byte before ``end`` that its
    matches never hold (a line's newline: the match starts after it, and it is the context of a word
    boundary at the match's first character, as in the whole text) to one byte past ``end`` (the context
    of a word boundary there): Hyperscan finds the leftmost start for that end just as in the whole text.
    """
    database = scanner.rescan_database
    assert database is not None
    found: set[tuple[int, int]] = set()

    def on_match(pattern_id: int, start: int, end: int, _flags: int, context: tuple[int, set]) -> None:
        offset, wanted = context
        if (end + offset, pattern_id) in wanted:
            found.add((start + offset, pattern_id))

    stretches = _stretches(data, ends, scanner.rescanned)
    if stretches is None:
        database.scan(data, match_event_handler=on_match, context=(0, ends))
    for first, (last, wanted) in (stretches or {}).items():
        database.scan(data[first:last], match_event_handler=on_match, context=(first, wanted))
    return found


def _stretches(
    data: bytes, ends: set[tuple[int, int]], separators: dict[int, int]
) -> dict[int, tuple[int, set[tuple[int, int]]]] | None:
    """Where to scan again for ``ends``: first byte -> (end of the stretch, the ends in it); None when
    scanning the whole text again costs less."""
    budget = len(data) - len(ends) * _BYTES_A_SCAN_CALL_COSTS
    stretches: dict[int, tuple[int, set[tuple[int, int]]]] = {}
    for end, pattern_id in ends:
        floor = end - budget
        first = data.rfind(separators[pattern_id], max(floor, 0), end)
        if first < 0 < floor:
            return None
        first = max(first, 0)
        last, wanted = stretches.get(first, (0, set()))
        stretches[first] = (max(last, min(end + 1, len(data))), wanted)
        wanted.add((end, pattern_id))
        budget -= end - first
        if budget < 0:
            return None
    return stretches


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
    """Where the confirmed match that covers ``end`` starts, or -1.

    The search begins after the last character before ``end`` that no confirmed match holds (the ":" of
    "Address:"): a match covering ``end`` starts after it, and matches before it end before it, so
    searching from there finds what searching from further back finds.
    """
    if pattern.scan.startswith(LINE_START):
        return _line_start_before(text, pattern, end)
    first = max(0, end - _START_WINDOW)
    for stop in _never_held(pattern.confirm):
        first = max(first, text.rfind(stop, first, end) + 1)
    start = -1
    for match in pattern.confirm.finditer(text, first, min(len(text), end + 64)):
        if match.start() >= end:
            break
        if match.end() >= end:
            start = match.start()
    return start


# Characters tried as ones a pattern's confirmed matches never hold (see _start_before). A few: each is one
# more search back from every candidate end.
_START_STOPS = "\n:;|()<>"


@cache
def _never_held(confirm: re.Pattern[str]) -> str:
    """The characters of _START_STOPS that no match of ``confirm`` holds ("" when its parse cannot tell)."""
    try:
        parsed = _sre_parse.parse(confirm.pattern, confirm.flags)
        if parsed.state.flags & _sre.SRE_FLAG_DOTALL:
            return ""
        held = _bytes_held(parsed, assertions_hold_nothing=True)
    # re._parser is private: whatever it becomes in another Python, the search starts as far back as before.
    except (re.error, _CannotTell, RecursionError, AttributeError, TypeError, ValueError, KeyError):
        return ""
    return "".join(stop for stop in _START_STOPS if ord(stop) not in held)


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
    scanner = _scanner()
    patterns, value_groups = scanner.patterns, scanner.value_groups
    hits: list[_Hit] = []
    seen: set[tuple[str, int]] = set()
    last_end: dict[str, int] = {}
    for start, pattern_id in candidates:
        pattern = patterns[pattern_id]
        match = pattern.confirm.match(text, start)
        if match is None:
            continue
        kind = pattern.kind
        previous_end = last_end.get(kind, 0)
        if match.end() > previous_end:
            last_end[kind] = match.end()
        if pattern.context is None and pattern.negative_context is None:
            confidence: float | None = pattern.confidence
        else:
            confidence = _confidence(text, match, pattern, previous_end)
            if confidence is None:
                continue
        if pattern.accept is not None and not pattern.accept(match):
            continue
        span_start, span_end = match.span("value") if value_groups[pattern_id] else match.span()
        raw = text[span_start:span_end]
        value = pattern.normalise(raw)
        if not value:
            continue
        # Where the value itself starts (a name after "Mr. "), when it is written as found.
        found_at = raw.find(value)
        value_start = span_start + found_at if found_at >= 0 else span_start
        value_end = value_start + len(value) if found_at >= 0 else span_end
        # Names found several ways at one place are sorted out by _without_overlaps.
        if kind != PERSON:
            if (kind, value_start) in seen:
                continue
            seen.add((kind, value_start))
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


# _Target and _Verdict are named tuples, not frozen dataclasses: as immutable, and made five times quicker
# (a dense call log makes one of each per element).
class _Target(NamedTuple):
    """A place in the document from which on elements may belong to someone."""

    start: int
    kind: str  # PERSON, STAFF or FIXTURE
    key: str = ""  # the mention key of a PERSON
    labelled: bool = False  # named by a label, address block or salutation, not only in prose
    subject: bool = False
    addressee: bool = False
    reach: int = -1  # where a blocker's reach ends (-1: the end of its segment)


class _Verdict(NamedTuple):
    """Where one element goes: a mention key, nobody (""), or nowhere (dropped)."""

    key: str = ""
    dropped: bool = False
    how: str = "nobody"  # segment, subject, note, addressee, nobody, blocked
    at: int = -1  # where the person it goes to is named (the target's start)


@dataclass
class _People:
    """Person mentions of one document and the targets elements are attributed to, by position."""

    doc: TextDocument
    mentions: dict[str, Mention] = field(default_factory=dict)
    targets: list[_Target] = field(default_factory=list)
    header_lines: list[tuple[int, int]] = field(default_factory=list)  # e-mail header line spans
    # Filled by ready(): what every verdict looks up, computed once per document.
    _starts: list[int] = field(default_factory=list)
    _segments: list[int] = field(default_factory=list)  # the segment of each target
    _subjects: list[_Target] = field(default_factory=list)
    _addressees: list[_Target] = field(default_factory=list)
    _note_subject: _Target | None = None

    def ready(self) -> None:
        self.targets.sort(key=lambda t: t.start)
        self.header_lines.sort()
        self._starts = [t.start for t in self.targets]
        self._segments = list(map(self.doc.segment, self._starts))
        self._subjects = [t for t in self.targets if t.subject]
        self._addressees = [t for t in self.targets if t.addressee]
        self._note_subject = self._the_note_subject()

    def verdict(self, position: int, code: str) -> _Verdict:
        if self._on_header_line(position):
            return self._blocked(code)
        same_segment = self._nearest_in_segment(position)
        if same_segment is not None:
            if same_segment.kind == PERSON:
                return _Verdict(same_segment.key, how="segment", at=same_segment.start)
            return self._blocked(code)
        for how, target in (
            ("subject", self._nearest_or_first(position, self._subjects)),
            ("note", self._note_subject),
            ("addressee", self._nearest_or_first(position, self._addressees)),
        ):
            if target is not None:
                return _Verdict(target.key, how=how, at=target.start)
        return _Verdict()

    @staticmethod
    def _blocked(code: str) -> _Verdict:
        return _Verdict(dropped=code not in KEPT_WHEN_BLOCKED, how="blocked")

    def _on_header_line(self, position: int) -> bool:
        if not self.header_lines:
            return False
        i = bisect.bisect_right(self.header_lines, (position, len(self.doc.text) + 1)) - 1
        return i >= 0 and self.header_lines[i][0] <= position < self.header_lines[i][1]

    def _nearest_in_segment(self, position: int) -> _Target | None:
        """The nearest target before ``position`` in its segment, passing blockers whose reach ended."""
        segment = self.doc.segment(position)
        for i in range(bisect.bisect_right(self._starts, position) - 1, -1, -1):
            if self._segments[i] != segment:
                return None
            target = self.targets[i]
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
    """The parts of a person hit's name, split once (read, never changed, by everything after)."""
    if hit.name_parts is None:
        parts = split_name(hit.value)
        # "Dear Mr. Smith": a title and one word, the surname
        if not parts["last_name"] and parts["first_name"]:
            parts["last_name"], parts["first_name"] = parts["first_name"], ""
        hit.name_parts = parts
    return hit.name_parts


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
    for hit in hits:
        if hit.pattern.kind == CORRESPONDENT:
            line_end = doc.text.find("\n", hit.start)
            people.header_lines.append((hit.start, line_end if line_end >= 0 else len(doc.text)))
    groups = _group_people(individuals)
    blockers = list(people.targets)
    _add_person_targets(doc, groups, people)
    told_apart = _apart_where_told_apart(doc, groups, people, hits)
    if told_apart is not None:
        groups = told_apart
        people.targets = blockers
        _add_person_targets(doc, groups, people)
    for group in groups:
        _new_mention(doc, group, people, out)
    return people


def _mention_key(offset: int) -> str:
    """The key of a mention first named at ``offset`` in the document."""
    return f"{TEXT_MENTION_PREFIX}{offset}"


def _add_person_targets(doc: TextDocument, groups: list[_Group], people: _People) -> None:
    for group in groups:
        key = _mention_key(doc.offset(group.hits[0].start))
        people.targets.extend(_person_target(hit, key) for hit in group.hits)
    people.ready()


def _person_target(hit: _Hit, key: str) -> _Target:
    return _Target(
        hit.start,
        PERSON,
        key,
        # an individual who signs a letter addressed to nobody is whom it is about
        labelled=hit.via != "prose",
        subject=bool(hit.extras.get("subject")),
        addressee=bool(hit.extras.get("addressee")),
    )


# ---- two people of one name -------------------------------------------------------------------
#
# A call log or a file of clinical notes may name two different people the same way. Where the hits of one
# name hold two different SSNs or dates of birth, they are split into records (a new segment, or a new
# "Patient:" / "Name:" field, starts one) and the records are put back together wherever nothing tells them
# apart: a letter naming its addressee three times, or a note repeating its patient's name, stays one.

# Elements of which a person has one: two different ones tied to one name are two people.
TELLING_APART = frozenset({"ssn", "date_of_birth"})

_Values = dict[str, set[str]]  # element code (of TELLING_APART) -> the values tied to a record or person


@dataclass
class _Apart:
    """The records of one name that hold nothing telling them apart: one person."""

    hits: list[_Hit]
    values: _Values
    number: int = 0  # its place in the list of people found


def _apart_where_told_apart(
    doc: TextDocument, groups: list[_Group], people: _People, hits: list[_Hit]
) -> list[_Group] | None:
    """``groups`` with each split into one group per person its records tell apart; None when none is
    (most documents). ``people`` holds the targets of ``groups``, ready."""
    telling = [h for h in hits if h.pattern.kind in TELLING_APART]
    if len(telling) < 2 or all(len(g.hits) < 2 for g in groups):
        return None
    records = [_records(doc, group) for group in groups]
    values = _values_of_records(records, people, telling)
    split: list[_Group] = []
    told_apart = False
    for group, group_records, group_values in zip(groups, records, values, strict=True):
        persons = _told_apart(group_records, group_values) if len(group_records) > 1 else []
        if len(persons) < 2:
            split.append(group)
            continue
        told_apart = True
        for person in persons:
            person.hits.sort(key=lambda h: h.start)
            split.append(_Group(person.hits, _name_parts(person.hits[0])))
    return split if told_apart else None


def _records(doc: TextDocument, group: _Group) -> list[list[_Hit]]:
    """The hits of a group in runs: a hit in another segment than the one before, or a labelled field
    ("Patient:", "Name:"), starts a new run."""
    records: list[list[_Hit]] = []
    segment = -1
    for hit in group.hits:
        hit_segment = doc.segment(hit.start)
        if not records or hit_segment != segment or hit.via == "label":
            records.append([])
        records[-1].append(hit)
        segment = hit_segment
    return records


def _values_of_records(
    records: list[list[list[_Hit]]], people: _People, telling: list[_Hit]
) -> list[list[_Values]]:
    """Per group, per record: the SSNs and dates of birth attribution as it stands ties to it (only for
    groups of several records: the others cannot be split)."""
    record_at: dict[int, tuple[int, int]] = {}  # where a person is named -> (group, record)
    for g, group_records in enumerate(records):
        if len(group_records) > 1:
            for r, record in enumerate(group_records):
                record_at.update((hit.start, (g, r)) for hit in record)
    values: list[list[_Values]] = [[{} for _ in group_records] for group_records in records]
    if not record_at:
        return values
    for hit in telling:
        verdict = people.verdict(hit.start, hit.pattern.kind)
        if verdict.key and verdict.at in record_at:
            g, r = record_at[verdict.at]
            values[g][r].setdefault(hit.pattern.kind, set()).add(hit.value)
    return values


def _told_apart(records: list[list[_Hit]], values: list[_Values]) -> list[_Apart]:
    """Records joined into people: a record goes to the (first) person whose values it shares, else
    continues the run before it unless their values differ; a record with no SSN or date of birth
    continues the run. Who holds a value is indexed, so a long call log of one name is not quadratic."""
    people: list[_Apart] = []
    holders: dict[tuple[str, str], list[int]] = {}  # (code, value) -> numbers of the people holding it
    current: _Apart | None = None
    for record, found in zip(records, values, strict=True):
        if current is not None and not found:
            current.hits.extend(record)
            continue
        sharing = sorted({n for code, vs in found.items() for v in vs for n in holders.get((code, v), ())})
        home = next((people[n] for n in sharing if not _differ(people[n].values, found)), None)
        if home is None and current is not None and not _differ(current.values, found):
            home = current
        if home is None:
            home = _Apart([], {}, len(people))
            people.append(home)
        home.hits.extend(record)
        for code, found_values in found.items():
            held = home.values.setdefault(code, set())
            for value in found_values - held:
                holders.setdefault((code, value), []).append(home.number)
            held.update(found_values)
        current = home
    return people


def _differ(these: _Values, those: _Values) -> bool:
    """Both hold an SSN (or a date of birth) and none of them is the same."""
    return any(these.get(code) and found and not these[code] & found for code, found in those.items())


def _new_mention(doc: TextDocument, group: _Group, people: _People, out: Detections) -> str:
    first = group.hits[0]
    best = max(group.hits, key=lambda h: (_PRECEDENCE.get(h.via, 2), h.confidence))
    parts = _name_parts(best)
    location, offset, _ = doc.place(first.start)
    key = _mention_key(offset)
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
    if kind not in _ELEMENT_CODES:
        return
    if mention is not None and kind in MENTION_FIELD_OF and not getattr(mention, MENTION_FIELD_OF[kind]):
        setattr(mention, MENTION_FIELD_OF[kind], hit.value)
    unsure_person = mention is not None and mention.needs_review and bool(mention.first_name)
    location, offset, poorly_read = doc.place(hit.start)
    out.elements.append(
        Element(
            code=kind,
            value=hit.value,
            location=location,
            mention_key=mention.key if mention is not None else "",
            offset=offset,
            confidence=hit.confidence,
            detector=hit.pattern.name,
            needs_review=mention is None or unsure_person or hit.confidence < REVIEW_BELOW or poorly_read,
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
