"""Passport numbers.

No check digit is printed on a U.S. passport book or card outside the MRZ, and no
library validates the bare number, so the shape is checked here: a U.S. number is
nine digits or, since 2021, a letter and eight digits; most other countries use
6-9 letters and digits. Since such a shape is any short code, a passport number
in text needs the word "passport" right before it, and in a table a passport
header.
"""

from __future__ import annotations

import re

from exposure.detect.elements import (
    GOVERNMENT_ID,
    ElementFamily,
    FieldSpec,
    TextPattern,
    context_words,
    synonyms,
)

_SEPARATORS = re.compile(r"[\s-]")
_SHAPE = re.compile(r"[A-Z0-9]{6,9}")
_MIN_DIGITS = 5
_MAX_LETTERS = 3
_SEQUENTIAL = "01234567890123456789"


def _looks_fake(number: str) -> bool:
    """Filler (``000000000``, ``123456789``) and masked (``XXXXX1234``) values."""
    digits = "".join(c for c in number if c.isdigit())
    if len(set(number)) == 1 or len(set(digits)) == 1 or digits in _SEQUENTIAL:
        return True
    return number.startswith(("XX", "**")) or "*" in number


def normalise_passport(value: str) -> str:
    """The number in upper case without separators, when it has a passport's shape; "" otherwise.

    >>> normalise_passport("A1234 5987"), normalise_passport("2-3456-7891"), normalise_passport("ABCDEFG1")
    ('A12345987', '234567891', '')
    """
    number = _SEPARATORS.sub("", value.strip()).upper()
    if not _SHAPE.fullmatch(number) or _looks_fake(number):
        return ""
    digits = sum(c.isdigit() for c in number)
    letters = len(number) - digits
    return number if digits >= _MIN_DIGITS and letters <= _MAX_LETTERS else ""


_LABEL = r"passport(?:\s+book|\s+card)?"
_GAP = (
    r"(?i:\s*(?:no\.?|num\.?|number|nbr|#|id)(?![A-Za-z])\.?)?[\s:#=.-]*"
    r"(?i:(?:is|was|on\s+file(?:\s+is)?)\s*:?\s*)?"
    # an issuing country written before the number: "Passport (USA): ...", "passport no. GBR 123..."
    r"(?:\(?[A-Z]{2,3}\)?\s*[:,-]?\s+)?"
)
_LABELLED = re.compile(
    rf"(?<![A-Za-z])(?i:{_LABEL}){_GAP}(?<![A-Za-z0-9])(?P<value>[A-Za-z0-9]{{6,9}})(?![A-Za-z0-9-])"
)
# Before the label: a passport that is not the person's document number (a fee, an office, a photo).
_NOT_A_NUMBER = context_words("photo", "fee", "office", "agency", "application fee", "renewal fee")

FAMILY = ElementFamily(
    name="passport",
    codes=("passport",),
    legal_category=GOVERNMENT_ID,
    fields=(
        FieldSpec(
            field="passport",
            element="passport",
            headers=synonyms(
                "passport",
                "passport_no",
                "passport_number",
                "passport_num",
                "passport_nbr",
                "passport_id",
                "passport#",
                "passport_book_number",
                "passport_card_number",
                "us_passport",
                "us_passport_number",
                "passport_document_number",
                "ppt_no",
                "ppt_number",
            ),
            normalise=normalise_passport,
            shape=r"^[A-Za-z0-9][A-Za-z0-9 -]{4,12}$",
            priority=42,
        ),
    ),
    text_patterns=(
        TextPattern(
            name="passport.labelled",
            kind="passport",
            scan=r"passport",
            confirm=_LABELLED,
            normalise=normalise_passport,
            negative_context=_NOT_A_NUMBER,
            negative_before=20,
            caseless=True,
            confidence=0.9,
        ),
    ),
)
