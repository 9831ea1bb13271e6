"""The quicker paths of text detection (second round) give exactly what the slower ones they replace gave.

Each is compared with the slow path on many generated texts or values: candidates whose start comes from a
second scan against a database that tracks every start; prose-name candidates spelled out from the census
first names against the capitalised-pair scan; dates of usual shapes against strptime; the block and
segment positions of a document against the loop that computed them.
"""

from __future__ import annotations

import datetime as dt
import random

import hyperscan
import pytest
from faker import Faker

from exposure.demo.labelled import labelled_set
from exposure.detect import text
from exposure.detect.elements import dob, names
from exposure.model import TextBlock

SEED = 20240612


# ---- starts found by scanning again --------------------------------------------------------------------


@pytest.fixture(scope="module")
def tracking_every_start() -> hyperscan.Database:
    """What text.py compiled before: start of match tracked for every pattern Hyperscan can track."""
    scanner = text._scanner()
    return text._compile(scanner.patterns, scanner.without_start)


def _candidates_with_every_start_tracked(value: str, database: hyperscan.Database) -> list[tuple[int, int]]:
    scanner = text._scanner()
    found: set[tuple[int, int]] = set()
    ends: set[tuple[int, int]] = set()

    def on_match(pattern_id: int, start: int, end: int, _flags: int, _context: object) -> None:
        if pattern_id in scanner.without_start:
            ends.add((end, pattern_id))
        else:
            found.add((start, pattern_id))

    database.scan(value.encode("ascii", "replace"), match_event_handler=on_match)
    for end, pattern_id in ends:
        start = text._start_before(value, scanner.patterns[pattern_id], end)
        if start >= 0:
            found.add((start, pattern_id))
    return sorted(found)


_FRAGMENTS = (
    "Patient name: Maria Lopez", "Member: JOHN Q SMITH", "Dear Ms. Okafor,", "Re: Grace Kim", "Subject: x",
    "e-mail maria.lopez@example.org", "x.y_z+tag@mail.example.co.uk", "a@b", "@@", "foo@bar.baz.qux",
    "Diagnosis: Type 2 diabetes", "Dx: E11.9", "ICD-10 code E11.9, I10; F32.9", "NDC: 12345-6789-01",
    "Medications: metformin", "Password: hunter2", "PIN = 1234", "security question answer: blue",
    "fingerprint template: AbC", "MRN: 123456", "SSN ending in 6789", "social security number last 4: 1234",
    "account number: 12345678", "acct # is 998877", "born March 4, 1975", "DOB 4-Mar-75", "DOB Mar. 4,\n1975",
    "\n", "\n\n", ". ", ", ", "; ", ": ", "\t", "  ", "member", "name", "dear", "Dear\n", "diagnosis\n: x",
    "Anna Kowalski", "\u00e9", "Caf\u00e9 @ na\u00efve", "ss#", "ssn", "number", "ending", "1234", "-",
)  # fmt: skip


def _stress_texts(count: int) -> list[str]:
    """Fragments that start, end and cut through matches of the rescanned patterns, in random order."""
    rng = random.Random(SEED)
    texts = []
    for _ in range(count):
        pieces = rng.choices(_FRAGMENTS, k=rng.randint(1, 60))
        glue = rng.choice(["", " ", "\n", ". ", ", "])
        texts.append(glue.join(pieces))
    # a long text without line breaks or periods: the stretches to scan again would be long
    texts.append(" ".join(rng.choices(["name:", "Maria Lopez", "a@example.org", "x" * 50], k=3000)))
    return texts


def _documents() -> list[str]:
    labelled = labelled_set(seed=SEED, documents_per_kind=6)
    return list(labelled.texts.values()) + _stress_texts(400)


@pytest.mark.parametrize("bytes_a_call_costs", [0, text._BYTES_A_SCAN_CALL_COSTS, 10**9])
def test_rescanned_starts_equal_those_of_start_tracking(
    tracking_every_start: hyperscan.Database, monkeypatch: pytest.MonkeyPatch, bytes_a_call_costs: int
) -> None:
    """Stretch by stretch (cost 0), as used, and always the whole text again (huge cost)."""
    assert text._scanner().rescanned  # e-mail and label patterns are rescanned
    monkeypatch.setattr(text, "_BYTES_A_SCAN_CALL_COSTS", bytes_a_call_costs)
    rescanned = 0
    for value in _documents():
        found = text.find_candidates(value)
        assert found == _candidates_with_every_start_tracked(value, tracking_every_start), value[:200]
        rescanned += sum(1 for _, pattern_id in found if pattern_id in text._scanner().rescanned)
    assert rescanned > 1000


@pytest.mark.parametrize(
    ("expression", "separator"),
    [
        (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", "\n"),
        (r"(ssn|ss#)\s*(number\s*)?ending[a-z ]{0,12}[:#]?\s*\d{4}", "."),
        (r"\bdear[ \t]+", "\n"),
        (r"x.+y", "\n"),  # "." is not a line break
        (r"[^\r\n]+", "\n"),
        (r"(?i:N)[^;]+;", None),  # [^;] holds "\n", ".", "," and ":"; ";" ends it
        (r"a[\s.,:]*;", None),
        (r"\d{3}-\d{2}-\d{4}", None),  # bounded: its start is tracked
        (r"(?s:a.+)", None),
        (r"a+$", None),
        (r"(a)\1+", None),
    ],
)
def test_separator_outside_is_a_byte_no_match_holds(expression: str, separator: str | None) -> None:
    assert text._separator_outside(expression) == (ord(separator) if separator else None)


# ---- prose names: census first names spelled out --------------------------------------------------------

_CAPITALISED_PAIR = r"\b[A-Z][a-z]{1,14}[ \t][A-Z][a-z.]"  # the scan before


def _prose_hits(value: str, starts: list[int]) -> set[tuple[int, str]]:
    pattern = next(p for p in text._scanner().patterns if p.name == "name.prose")
    hits = set()
    for start in starts:
        match = pattern.confirm.match(value, start)
        if match is None or (pattern.accept is not None and not pattern.accept(match)):
            continue
        name = pattern.normalise(match.group("value"))
        if name:
            hits.add((start, name))
    return hits


def _prose_texts(count: int) -> list[str]:
    fake = Faker("en_US")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    firsts = sorted(names.first_names())
    words = [w.capitalize() for w in rng.sample(firsts, 300)] + [fake.last_name() for _ in range(300)]
    words += [fake.word().capitalize() for _ in range(300)] + ["McDonald", "O'Neil", "Al", "Jo", "St.", "A."]
    texts = []
    for _ in range(count):
        pieces = []
        for _ in range(rng.randint(5, 40)):
            pieces.append(rng.choice(words) if rng.random() < 0.6 else fake.word())
            pieces.append(rng.choice([" ", " ", " ", "\t", "  ", ", ", ". ", "\n", "-", "'"]))
        texts.append("".join(pieces))
    return texts


def _adding_start_to(_pattern_id: int, start: int, _end: int, _flags: int, starts: set[int]) -> None:
    starts.add(start)


def test_prose_names_from_census_first_names_are_those_capitalised_pairs_gave() -> None:
    before = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    before.compile(expressions=[_CAPITALISED_PAIR.encode()], ids=[0], elements=1,
                   flags=[hyperscan.HS_FLAG_SOM_LEFTMOST])  # fmt: skip
    prose_ids = {i for i, p in enumerate(text._scanner().patterns) if p.name == "name.prose"}
    found_any = 0
    for value in _prose_texts(1500):
        starts: set[int] = set()
        before.scan(value.encode("ascii", "replace"), match_event_handler=_adding_start_to, context=starts)
        now = [start for start, pattern_id in text.find_candidates(value) if pattern_id in prose_ids]
        expected = _prose_hits(value, sorted(starts))
        assert _prose_hits(value, now) == expected, value
        found_any += len(expected)
    assert found_any > 500


def test_prose_scans_spell_every_first_name_a_candidate_could_start_with() -> None:
    spelled = {w for scan in names.prose_scans() for w in scan.split(")")[0].lstrip("(?:").split("|")}
    assert spelled == {n.capitalize() for n in names.first_names() if 2 <= len(n) <= 15 and n.isalpha()}
    assert all(len(scan) < 16_000 for scan in names.prose_scans())  # Hyperscan's limit


# ---- dates of birth of the usual shapes --------------------------------------------------------------


def _dob_by_strptime(value: str) -> str:
    """normalise_dob before its quick path: every format its shape allows, through strptime."""
    written = dob._MONTH_DOT.sub("", dob._TIME_SUFFIX_RE.sub("", value.strip()))
    today = dob._today()
    for fmt in dob._formats_for(written):
        try:
            parsed = dt.datetime.strptime(written, fmt).date()
        except ValueError:
            continue
        plausible = dob._plausible_birth(parsed, today)
        if plausible:
            return plausible.isoformat()
    return ""


def test_usual_date_shapes_read_as_strptime_reads_them() -> None:
    rng = random.Random(SEED)
    parts = ["0", "00", "1", "01", "9", "09", "10", "12", "13", "28", "29", "30", "31", "32", "99"]
    years = ["0000", "0001", "1899", "1900", "1916", "1950", "2000", "2024", "9999", "19", "201", "02024"]
    values = []
    for _ in range(20_000):
        a, b = rng.choice(parts + [str(rng.randint(0, 99))]), rng.choice(parts + [str(rng.randint(0, 99))])
        year = rng.choice(years + [str(rng.randint(1000, 2100))])
        sep = rng.choice("/-")
        value = f"{a}{sep}{b}{sep}{year}" if rng.random() < 0.5 else f"{year}{sep}{a}{sep}{b}"
        if rng.random() < 0.1:
            value = rng.choice(" \t") + value + rng.choice(["", " 00:00", "T00:00:00", " ", " 1:05 PM"])
        values.append(value)
    values += ["02/30/1999", "13/01/2000", "02/29/2000", "02/29/1900", "1999-02-30", "2000-13-01", "1/2/1980"]
    valid = 0
    for value in values:
        expected = _dob_by_strptime(value)
        assert dob.normalise_dob.__wrapped__(value) == expected, value
        valid += bool(expected)
    assert 1_000 < valid < len(values)


# ---- where blocks and segments start ------------------------------------------------------------------


def _segment_starts_before(doc: text.TextDocument) -> list[int]:
    """text._segment_starts as it was: one block at a time."""
    starts = [m.end() for m in text._BLANK_LINE.finditer(doc.text)]
    several_lines = [("\n" in b.text) and ("\n" in b.text.strip()) for b in doc.blocks]
    for i in range(1, len(doc.blocks)):
        before, block = doc.blocks[i - 1], doc.blocks[i]
        skipped = block.offset > before.offset + len(before.text) + 1
        if skipped or several_lines[i - 1] or several_lines[i]:
            starts.append(doc.starts[i])
    return sorted(set(starts))


def test_block_and_segment_starts_are_those_the_loop_found() -> None:
    rng = random.Random(SEED)
    shapes = ["", " ", "line", "two words", "a\nb", "\nlead", "trail\n", "\n", " \t\r", "x\n\ny", "p\r\n\rq"]
    for _ in range(3_000):
        blocks, offset = [], rng.randint(0, 5)
        for _ in range(rng.randint(0, 12)):
            block_text = rng.choice(shapes)
            blocks.append(TextBlock(location="", text=block_text, offset=offset))
            offset += len(block_text) + rng.choice([1, 1, 1, 2, 5])  # sometimes lines a reader skipped
        doc = text.TextDocument.of(blocks)
        expected_starts = [sum(len(b.text) + 1 for b in blocks[:i]) for i in range(len(blocks))]
        assert doc.text == "\n".join(b.text for b in blocks)
        assert doc.starts == expected_starts
        assert doc.segment_starts == _segment_starts_before(doc)
