"""Seeded search: people already known from structured sources, looked for again in all text.

A roster row, an X12 member loop or an HL7 PID names a person for sure. The same
person in a letter or a case note may be written in a way no text pattern finds
(no label, no salutation, a surname the gazetteer lacks). So after the scan, every
known name is searched for again, as a literal, in the text of every document of the
case (the ``document_text`` table the worker fills):

* the *seeds* are the mentions of structured sources (not found in text, not seeded
  themselves) with a first and a last name, of an affected individual's role, not
  a test fixture;
* each seed gives a few written forms (``First Last``, ``First M. Last``,
  ``First Middle Last``, ``Last, First`` ...), all compiled into one caseless
  Hyperscan literal database; word boundaries are checked in Python;
* each hit that is not already a person of that document (at that place or by the same
  name) becomes a mention (role ``individual``, key ``seeded@OFFSET``, its ``name``
  element with detector ``seeded``), and the document's unattributed elements that
  follow it in the same block, within a window and before the next person, are tied
  to it.

It is idempotent: mention keys are places, a place already holding a person is
skipped, and an unchanged case (same seeds, same documents) is not scanned again
(``meta`` key ``seeded_search``).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb
import hyperscan

from exposure.detect.elements.names import STOP_WORDS, is_fixture_name, names_someone_in_a_role, split_name
from exposure.detect.text import MENTION_FIELD_OF, REVIEW_BELOW, TEXT_MENTION_PREFIX, TextDocument
from exposure.model import TextBlock

SEEDED_PREFIX = "seeded@"
DETECTOR = "seeded"
META_KEY = "seeded_search"
# How sure a literal match of a known full name is: below a labelled name, above a gazetteer guess.
CONFIDENCE = 0.8
# How far after a seeded name (characters) an unattributed element of the same block is taken as theirs.
ATTACH_WINDOW = 300
# Roles that are not affected individuals (resolve.standardize.NON_INDIVIDUAL_ROLES says the same).
_NOT_INDIVIDUALS = ("provider", "billing_provider", "rendering_provider", "organization", "company", "staff",
                    "agent")  # fmt: skip

# Created by the worker (case/db.py); repeated here so the search also runs on a case made before it.
DOCUMENT_TEXT_DDL = """
CREATE TABLE IF NOT EXISTS document_text (
    sha256 VARCHAR NOT NULL, block INTEGER NOT NULL, location VARCHAR NOT NULL, "offset" BIGINT NOT NULL,
    text VARCHAR NOT NULL
)
"""


@dataclass
class SeededStats:
    seeds: int = 0  # distinct known names searched for
    forms: int = 0  # written forms compiled
    documents: int = 0  # text documents scanned
    hits: int = 0  # literal matches with word boundaries
    mentions_added: int = 0
    elements_attached: int = 0
    up_to_date: bool = False  # nothing changed since the last search: nothing scanned
    seconds: float = 0.0


@dataclass(frozen=True)
class Seed:
    """One known name: its parts as the structured source wrote them, and one mention that says so."""

    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    sha256: str
    mention_key: str

    @property
    def identity(self) -> tuple[str, str]:
        return self.first_name.lower(), self.last_name.lower()


def seeded_search(con: duckdb.DuckDBPyConnection) -> SeededStats:
    """Search every known person's name in the text of every document; add what is found (see module doc)."""
    started = time.perf_counter()
    con.execute(DOCUMENT_TEXT_DDL)
    seeds = load_seeds(con)
    stats = SeededStats(seeds=len(seeds))
    state = _case_state(con, seeds)
    if _last_state(con) == state:
        stats.up_to_date = True
        return stats
    forms = name_forms(seeds)
    stats.forms = len(forms)
    if forms:
        matcher = _Matcher(forms)
        for sha256, blocks in _documents(con):
            stats.documents += 1
            _search_document(con, sha256, blocks, matcher, stats)
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [META_KEY, state])
    stats.seconds = time.perf_counter() - started
    return stats


# ---- seeds and their written forms ---------------------------------------------------------------


def load_seeds(con: duckdb.DuckDBPyConnection) -> list[Seed]:
    """One seed per distinct known name (first, middle, last, suffix) from structured sources."""
    roles = ", ".join(f"'{r}'" for r in _NOT_INDIVIDUALS)
    rows = con.execute(
        f"""
        SELECT trim(first_name), trim(coalesce(middle_name, '')), trim(last_name), trim(coalesce(suffix, '')),
               min(sha256 || chr(31) || mention_key)
        FROM mentions
        WHERE mention_key NOT LIKE '{TEXT_MENTION_PREFIX}%' AND mention_key NOT LIKE '{SEEDED_PREFIX}%'
          AND lower(trim(role)) NOT IN ({roles})
          AND length(trim(coalesce(first_name, ''))) >= 2 AND length(trim(coalesce(last_name, ''))) >= 2
        GROUP BY ALL
        ORDER BY ALL
        """
    ).fetchall()
    seeds = []
    for first, middle, last, suffix, anchor in rows:
        if is_fixture_name(first, last) or first.lower() in STOP_WORDS or last.lower() in STOP_WORDS:
            continue
        sha256, mention_key = anchor.split("\x1f", 1)
        seeds.append(Seed(first, middle, last, suffix, sha256, mention_key))
    return seeds


def _spaced(value: str) -> str:
    return " ".join(value.split()).lower()


def forms_of(seed: Seed) -> set[str]:
    """How a letter or a note may write the seed's name (lower case, single spaces)."""
    first, last, middle = _spaced(seed.first_name), _spaced(seed.last_name), _spaced(seed.middle_name)
    forms = {f"{first} {last}", f"{last}, {first}", f"{last},{first}"}
    if middle:
        initial = middle[0]
        for given in (initial, f"{initial}.", middle):
            forms |= {f"{first} {given} {last}", f"{last}, {first} {given}"}
    return forms


def name_forms(seeds: list[Seed]) -> dict[str, list[Seed]]:
    """Each written form and the seeds it may stand for (two John Smiths share ``john smith``)."""
    forms: dict[str, list[Seed]] = defaultdict(list)
    for seed in seeds:
        for form in forms_of(seed):
            if form.isascii():  # the scan reads text as ASCII (text.py); other letters never match there
                forms[form].append(seed)
    return dict(forms)


class _Matcher:
    """One caseless Hyperscan literal database of every form; matches with word boundaries, longest first."""

    def __init__(self, forms: dict[str, list[Seed]]) -> None:
        self.forms = sorted(forms)
        self.seeds = [forms[f] for f in self.forms]
        self.database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self.database.compile(
            expressions=[f.encode("ascii") for f in self.forms],
            ids=list(range(len(self.forms))),
            elements=len(self.forms),
            flags=hyperscan.HS_FLAG_CASELESS,
            literal=True,
        )

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """``(start, end, form id)`` of each whole-word match; of overlapping ones the longest, first."""
        # Line breaks and tabs read as spaces (same length, so positions stay): "John\nSmith" is a name.
        data = text.translate(_AS_SPACE).encode("ascii", "replace")
        found: list[tuple[int, int, int]] = []

        def on_match(form_id: int, _from: int, end: int, _flags: int, _context: object) -> None:
            start = end - len(self.forms[form_id])
            if _whole_words(text, start, end):
                found.append((start, end, form_id))

        self.database.scan(data, match_event_handler=on_match)
        kept: list[tuple[int, int, int]] = []
        for start, end, form_id in sorted(found, key=lambda m: (m[0], m[0] - m[1])):
            if not kept or start >= kept[-1][1]:
                kept.append((start, end, form_id))
        return kept


_AS_SPACE = str.maketrans("\t\r\n", "   ")


def _whole_words(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "'’-") and not (after.isalnum() or after in "'’-")


# ---- documents -------------------------------------------------------------------------------------


def _documents(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, list[TextBlock]]]:
    """Each document's text blocks, in order, one document at a time."""
    cursor = con.cursor()
    cursor.execute('SELECT sha256, location, "offset", text FROM document_text ORDER BY sha256, block')
    current, blocks = None, []
    while rows := cursor.fetchmany(10_000):
        for sha256, location, offset, text in rows:
            if sha256 != current and blocks:
                yield current, blocks
                blocks = []
            current = sha256
            blocks.append(TextBlock(location, text, offset))
    if blocks:
        yield current, blocks
    cursor.close()


@dataclass
class _Known:
    """What the case already holds about one document: its people and its unattributed elements."""

    name_spans: list[tuple[int, int]] = field(default_factory=list)  # document offsets of people's names
    identities: dict[tuple[str, str], str] = field(default_factory=dict)  # (first, last) -> mention key
    mention_keys: set[str] = field(default_factory=set)
    # unattributed elements: (offset, code, value, confidence)
    loose: list[tuple[int, str, str, float]] = field(default_factory=list)


def _known(con: duckdb.DuckDBPyConnection, sha256: str) -> _Known:
    known = _Known()
    for key, first, last in con.execute(
        "SELECT mention_key, lower(coalesce(first_name, '')), lower(coalesce(last_name, '')) "
        "FROM mentions WHERE sha256 = ?",
        [sha256],
    ).fetchall():
        known.mention_keys.add(key)
        if first and last:
            known.identities.setdefault((first, last), key)
    for key, code, value, offset, confidence in con.execute(
        'SELECT mention_key, code, value, "offset", confidence FROM elements '
        "WHERE sha256 = ? AND \"offset\" >= 0 AND (code = 'name' OR mention_key = '') ORDER BY \"offset\"",
        [sha256],
    ).fetchall():
        if code == "name" and key:
            known.name_spans.append((offset, offset + len(value)))
        elif not key:
            known.loose.append((offset, code, value, confidence))
    return known


@dataclass
class _Found:
    """One seeded person of one document: where they are named, and their mention's fields."""

    key: str
    location: str
    full_name: str
    parts: dict[str, str]
    seeds: list[Seed]
    starts: list[tuple[int, int]] = field(default_factory=list)  # document offsets (start, end) of each hit
    fields: dict[str, str] = field(default_factory=dict)


def _search_document(
    con: duckdb.DuckDBPyConnection,
    sha256: str,
    blocks: list[TextBlock],
    matcher: _Matcher,
    stats: SeededStats,
) -> None:
    doc = TextDocument.of(blocks)
    matches = matcher.matches(doc.text)
    if not matches:
        return
    known = _known(con, sha256)
    found: dict[tuple[str, str], _Found] = {}
    for start, end, form_id in matches:
        stats.hits += 1
        if names_someone_in_a_role(doc.text, start, end, any_label=False):
            continue  # "Dr. Alan Grant", "Sincerely,\nMark Ellison": that person is not exposed here
        offset, end_offset = doc.offset(start), doc.offset(end)
        if any(s < end_offset and offset < e for s, e in known.name_spans):
            continue  # text detection already put a person here
        seeds = matcher.seeds[form_id]
        identity = seeds[0].identity
        if identity in known.identities:
            continue  # this person is already a mention of this document
        person = found.get(identity)
        if person is None:
            person = found[identity] = _new_person(doc, start, end, offset, seeds)
        person.starts.append((offset, end_offset))
    if not found:
        return
    attached = _attach_loose_elements(doc, known, list(found.values()))
    _store(con, sha256, list(found.values()), attached, known)
    stats.mentions_added += sum(1 for p in found.values() if p.key not in known.mention_keys)
    stats.elements_attached += len(attached)


def _new_person(doc: TextDocument, start: int, end: int, offset: int, seeds: list[Seed]) -> _Found:
    written = " ".join(doc.text[start:end].split())
    names = {(s.first_name, s.middle_name, s.last_name, s.suffix) for s in seeds}
    only = seeds[0] if len(names) == 1 else None
    if only is not None:
        parts = {"first_name": only.first_name, "middle_name": only.middle_name, "last_name": only.last_name,
                 "suffix": only.suffix}  # fmt: skip
    else:  # several known people share the form: keep it as written
        split = split_name(written)
        parts = {k: split[k] for k in ("first_name", "middle_name", "last_name", "suffix")}
    return _Found(f"{SEEDED_PREFIX}{offset}", doc.location(start), written, parts, seeds)


def _attach_loose_elements(
    doc: TextDocument, known: _Known, people: list[_Found]
) -> list[tuple[str, int, str, str]]:
    """``(mention key, offset, code, value)`` of the unattributed elements each seeded name takes."""
    # Every person named in the document, known or seeded, ends the reach of the one before.
    boundaries = sorted({s for s, _e in known.name_spans} | {s for p in people for s, _e in p.starts})
    attached = []
    for offset, code, value, confidence in known.loose:
        owner = _nearest_before(people, offset)
        if owner is None:
            continue
        person, name_start, name_end = owner
        if offset - name_end > ATTACH_WINDOW or not _same_block(doc, name_start, offset):
            continue
        following = bisect.bisect_right(boundaries, name_start)
        if following < len(boundaries) and boundaries[following] <= offset:
            continue  # another person is named in between
        attached.append((person.key, offset, code, value))
        field_name = MENTION_FIELD_OF.get(code)
        if field_name and field_name not in person.fields and confidence >= REVIEW_BELOW:
            person.fields[field_name] = value
    return attached


def _nearest_before(people: list[_Found], offset: int) -> tuple[_Found, int, int] | None:
    best = None
    for person in people:
        for start, end in person.starts:
            if end <= offset and (best is None or start > best[1]):
                best = (person, start, end)
    return best


def _same_block(doc: TextDocument, first_offset: int, second_offset: int) -> bool:
    """Both document offsets fall in the same text block (a page, a paragraph, a mail body)."""
    offsets = [b.offset for b in doc.blocks]
    return bisect.bisect_right(offsets, first_offset) == bisect.bisect_right(offsets, second_offset)


def _store(
    con: duckdb.DuckDBPyConnection,
    sha256: str,
    people: list[_Found],
    attached: list[tuple[str, int, str, str]],
    known: _Known,
) -> None:
    con.begin()
    try:
        for person in people:
            if person.key in known.mention_keys:
                continue
            _insert_mention(con, sha256, person)
        for key, offset, code, value in attached:
            con.execute(
                "UPDATE elements SET mention_key = ?, needs_review = (confidence < ?) "
                "WHERE sha256 = ? AND mention_key = '' AND \"offset\" = ? AND code = ? AND value = ?",
                [key, REVIEW_BELOW, sha256, offset, code, value],
            )
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _insert_mention(con: duckdb.DuckDBPyConnection, sha256: str, person: _Found) -> None:
    seed = person.seeds[0]
    # Which structured mention(s) this name came from: resolve may link the two by it.
    attributes = {"seed_sha256": seed.sha256, "seed_mention_key": seed.mention_key,
                  "seed_count": str(len(person.seeds))}  # fmt: skip
    ambiguous = len(person.seeds) > 1
    parts = person.parts
    con.execute(
        """
        INSERT INTO mentions (sha256, mention_key, location, role, full_name, first_name, middle_name,
                              last_name, suffix, date_of_birth, ssn, email, phone, attributes, needs_review)
        VALUES (?, ?, ?, 'individual', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        """,
        [sha256, person.key, person.location, person.full_name, parts["first_name"], parts["middle_name"],
         parts["last_name"], parts["suffix"], person.fields.get("date_of_birth", ""),
         person.fields.get("ssn", ""), person.fields.get("email", ""), person.fields.get("phone", ""),
         json.dumps(attributes, sort_keys=True), ambiguous],
    )  # fmt: skip
    first_offset = person.starts[0][0]
    con.execute(
        'INSERT INTO elements (sha256, mention_key, code, value, location, "offset", "column", confidence, '
        "detector, needs_review) VALUES (?, ?, 'name', ?, ?, ?, '', ?, ?, ?)",
        [
            sha256,
            person.key,
            person.full_name,
            person.location,
            first_offset,
            CONFIDENCE,
            DETECTOR,
            ambiguous,
        ],
    )


# ---- has anything changed since the last search ----------------------------------------------------


def _case_state(con: duckdb.DuckDBPyConnection, seeds: list[Seed]) -> str:
    """A digest of the seed names and of the documents: equal digests, equal results."""
    digest = hashlib.sha256()
    for seed in seeds:
        name = (seed.first_name, seed.middle_name, seed.last_name, seed.suffix)
        digest.update(("\x1f".join(name) + "\x1e").encode())
    documents = con.execute(
        "SELECT count(DISTINCT sha256), coalesce(string_agg(DISTINCT sha256, ',' ORDER BY sha256), '') "
        "FROM document_text"
    ).fetchone()
    digest.update(f"{documents[0]}:{documents[1]}".encode())
    return digest.hexdigest()


def _last_state(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchone()
    return row[0] if row else None
