"""Fast paths of text detection (third round) give exactly what the slower forms they replace gave.

* digit tokens of an address share their usaddress token class by length and trailing zeros;
* ``dob.numeric`` and ``email.address`` are scanned only up to where every match can be told apart:
  Hyperscan reports the same candidate starts as with the full expressions, once each;
* where blocks and segments of a document start is computed with C loops over the blocks.
"""

from __future__ import annotations

import random

import hyperscan
import usaddress

from exposure.detect import text
from exposure.detect.elements import address, dob, email
from exposure.model import TextBlock

SEED = 20240603


# ---- usaddress token classes of digit tokens ---------------------------------------------------------


def _digit_tokens(rng: random.Random, count: int) -> list[str]:
    tokens = {str(n) for n in range(0, 2_000)} | {"0" * n for n in range(1, 12)}
    while len(tokens) < count:
        digits = "0123456789" if rng.random() < 0.7 else "00001"  # trailing zeros too
        tokens.add("".join(rng.choice(digits) for _ in range(rng.randint(1, 14))))
    return sorted(tokens)


def test_digit_tokens_have_the_class_their_own_features_give() -> None:
    rng = random.Random(SEED)
    for token in _digit_tokens(rng, 20_000):
        assert address._token_class(token) == address._features_class(token), token


def test_no_street_name_or_direction_usaddress_knows_is_written_in_digits() -> None:
    # what lets one digit token stand for every other of its length and trailing zeros
    assert not [w for w in usaddress.STREET_NAMES | usaddress.DIRECTIONS if any(c.isdigit() for c in w)]


def test_non_ascii_digits_keep_their_own_class() -> None:
    for token in ("١٢٣", "²", "12³", "１２"):
        assert address._token_class(token) == address._features_class(token)


# ---- scan expressions cut short: the same candidate starts ------------------------------------------


def _starts_database(expressions: list[str]) -> hyperscan.Database:
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[e.encode("ascii") for e in expressions],
        ids=list(range(len(expressions))),
        elements=len(expressions),
        flags=[hyperscan.HS_FLAG_SOM_LEFTMOST] * len(expressions),
    )
    return database


def _starts_by_expression(database: hyperscan.Database, data: bytes, count: int) -> list[set[int]]:
    starts: list[set[int]] = [set() for _ in range(count)]

    def on_match(expression_id: int, start: int, _end: int, _flags: int, _context: object) -> None:
        starts[expression_id].add(start)

    database.scan(data, match_event_handler=on_match)
    return starts


def _assert_same_starts(
    full: str, short: str, pieces: list[str], lengths: tuple[int, int], texts: int
) -> int:
    """Asserts both expressions report the same starts in ``texts`` random texts made of ``pieces``;
    returns how many starts they found."""
    database = _starts_database([full, short])
    rng = random.Random(SEED)
    found = 0
    for _ in range(texts):
        data = "".join(rng.choice(pieces) for _ in range(rng.randint(*lengths))).encode("ascii")
        by_full, by_short = _starts_by_expression(database, data, 2)
        assert by_full == by_short, data
        found += len(by_full)
    return found


def _scan_of(family_patterns: tuple, name: str) -> str:
    return next(p.scan for p in family_patterns if p.name == name)


def test_numeric_dates_scanned_to_the_year_start_where_full_dates_start() -> None:
    short = _scan_of(dob.FAMILY.text_patterns, "dob.numeric")
    full = r"\d{1,2}[/-]\d{1,2}[/-]\d{2,4}"
    assert short != full
    found = _assert_same_starts(full, short, list("0123456789//--- a"), (1, 60), 20_000)
    assert found > 5_000  # the texts do hold dates


def test_e_mail_addresses_scanned_to_two_letters_of_the_domain_start_where_whole_ones_start() -> None:
    short = _scan_of(email.FAMILY.text_patterns, "email.address")
    full = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    assert short != full
    pieces = ["a", "bc", "Z9", "@", "@x", ".", ".io", ".info", ".c", ".9z", "-", "_", "%+", " ", "\n"]
    found = _assert_same_starts(full, short, pieces, (1, 25), 20_000)
    assert found > 3_000


def test_candidates_are_reported_once_per_date_and_address() -> None:
    scanner = text._scanner()
    ids = {p.name: i for i, p in enumerate(scanner.patterns)}
    reports: list[int] = []

    def on_match(pattern_id: int, _start: int, _end: int, _flags: int, _context: object) -> None:
        reports.append(pattern_id)

    scanner.database.scan(b"DOB: 11/15/1950 mail maria.gonzalez12@example.info", match_event_handler=on_match)
    assert reports.count(ids["dob.numeric"]) == 1
    assert reports.count(ids["email.address"]) == 1


# ---- where blocks and segments start -----------------------------------------------------------------


def _segment_starts_one_block_at_a_time(doc: text.TextDocument) -> list[int]:
    starts = [m.end() for m in text._BLANK_LINE.finditer(doc.text)]
    for i in range(1, len(doc.blocks)):
        before, block = doc.blocks[i - 1], doc.blocks[i]
        several_lines = any("\n" in b.text and "\n" in b.text.strip() for b in (before, block))
        if block.offset > before.offset + len(before.text) + 1 or several_lines:
            starts.append(doc.starts[i])
    return sorted(set(starts))


def test_segment_starts_equal_the_block_loop_with_offsets_in_any_order() -> None:
    rng = random.Random(SEED)
    shapes = ["", " ", "line", "two words", "a\nb", "\n", " \t\r", "x\n\ny", "long line of text here"]
    gaps = 0
    for _ in range(3_000):
        blocks, offset = [], rng.randint(0, 50)
        for _ in range(rng.randint(0, 15)):
            block_text = rng.choice(shapes)
            blocks.append(TextBlock(location="", text=block_text, offset=offset))
            # mostly one after the other; sometimes skipped lines, sometimes offsets going back
            offset = max(0, offset + len(block_text) + rng.choice([1, 1, 1, 1, 0, 2, 7, -3, -20]))
        doc = text.TextDocument.of(blocks)
        assert doc.starts == [sum(len(b.text) + 1 for b in blocks[:i]) for i in range(len(blocks))]
        assert doc.segment_starts == _segment_starts_one_block_at_a_time(doc)
        gaps += len(doc.segment_starts)
    assert gaps > 1_000
