"""Fast paths of text detection (fourth round) give exactly what the slower forms they replace gave.

* the start of a pattern whose start Hyperscan does not track is searched for from the last character
  before its end that no confirmed match holds ("Address:"), not from a fixed window back: the same starts,
  at every end, in texts built to cut through, abut and repeat addresses.
"""

from __future__ import annotations

import random
import re

import pytest

from exposure.detect import text

SEED = 20261123


def _start_searched_from_the_window(value: str, pattern: text.TextPattern, end: int) -> int:
    """_start_before as it was: a search from a fixed window back."""
    start = -1
    for match in pattern.confirm.finditer(value, max(0, end - text._START_WINDOW), min(len(value), end + 64)):
        if match.start() >= end:
            break
        if match.end() >= end:
            start = match.start()
    return start


_ADDRESS_PIECES = (
    "2559 Pine St", "12 Main Street", "Apt 4", "Suite 210", "PO Box 12", "Austin", "TX 73301",
    "TX  73301-1234", "Boston, MA 02134", "Salem, OR 97301", "1600", "Pennsylvania Ave NW",
    "Washington, DC 20500", "MA", "02134",
    ",", ", ", "\n", "\r\n", "\n\n", ":", "Address:", "Addr: ", "; ", "|", "(", ")", "<", ">", "-", "#",
    "'", ".", " ", "  ", "Caller: Owen Haddad", "phone (732) 821-0337", "x" * 70, "9" * 7, "Caf\u00e9",
)  # fmt: skip


def _address_texts(count: int) -> list[str]:
    rng = random.Random(SEED)
    texts = []
    for _ in range(count):
        pieces = rng.choices(_ADDRESS_PIECES, k=rng.randint(1, 40))
        texts.append(rng.choice(["", " ", ", ", "\n"]).join(pieces))
    return texts


def _patterns_searched_back() -> list[text.TextPattern]:
    scanner = text._scanner()
    searched_back = [scanner.patterns[i] for i in sorted(scanner.without_start)]
    return [pattern for pattern in searched_back if not pattern.scan.startswith(text.LINE_START)]


def test_some_pattern_searches_back_from_a_character_its_matches_never_hold() -> None:
    # what makes the test below compare two different searches
    assert any(text._never_held(p.confirm) for p in _patterns_searched_back())


def test_starts_from_the_last_character_never_held_equal_those_from_the_window() -> None:
    patterns = _patterns_searched_back()
    found = 0
    for value in _address_texts(500):
        for pattern in patterns:
            for end in range(len(value) + 1):
                expected = _start_searched_from_the_window(value, pattern, end)
                assert text._start_before(value, pattern, end) == expected, (pattern.name, value, end)
                found += expected >= 0
    assert found > 1_000  # the texts hold many addresses, not only misses


@pytest.mark.parametrize(
    ("expression", "never_held"),
    [
        # look-arounds read characters, hold none
        (r"(?<![\w-]\d)\d{1,5} [A-Za-z .]+,\s*[A-Z]{2}(?![\d-])", ":;|()<>"),
        (r"(?m)^[^:\r\n]+$", "\n:"),  # anchors hold nothing
        (r"[^;]+", ";"),  # "\n", ":" and the rest may be held
        (r"(?s:a.+)", ""),  # "." holds everything
        (r"(a)\1+", ""),  # the parse cannot tell what a back reference holds
        (r"(?i)n[a-z]+", "\n:;|()<>"),
        (r"\d+(?=\))", "\n:;|()<>"),  # what a look-ahead reads is not held
    ],
)
def test_never_held_is_what_no_match_holds(expression: str, never_held: str) -> None:
    assert text._never_held(re.compile(expression)) == never_held
