"""U.S. Social Security numbers, and masked SSNs kept only as linking hints.

Validity comes from ``stdnum.us.ssn`` (area 000/666/9xx, group 00 and serial
0000 rejected, plus its blacklist of published numbers). On top of it we
reject well-known fixtures that stdnum accepts (123-45-6789, 111-11-1111 ...):
CONTRACT.md says obvious test data are not people.
"""

from __future__ import annotations

import re

from stdnum.us import ssn as stdnum_ssn

from exposure.detect.elements import (
    GOVERNMENT_ID,
    ElementFamily,
    FieldSpec,
    TextPattern,
    context_words,
    synonyms,
)

# Numbers printed on sample cards, used in ads, or typed as test data; stdnum accepts these.
FIXTURE_SSNS = frozenset({"123456789", "078051120", "219099999", "457555462"} | {d * 9 for d in "12345678"})

_SEPARATORS = re.compile(r"[\s-]")
_MASKED = re.compile(r"^(?:[*xX#]{3}[- ]?[*xX#]{2}[- ]?|[*xX#]{5})(\d{4})$")
_LAST4 = re.compile(r"^\d{4}$")
_DIGITS = re.compile(r"\d")


def normalise_ssn(value: str) -> str:
    """Nine digits when ``value`` is a valid, non-fixture SSN; "" otherwise.

    >>> normalise_ssn("536-90-4399"), normalise_ssn("123-45-6789"), normalise_ssn("666-12-3456")
    ('536904399', '', '')
    """
    digits = _SEPARATORS.sub("", value)
    if len(digits) != 9 or not digits.isdigit() or digits in FIXTURE_SSNS:
        return ""
    return digits if stdnum_ssn.is_valid(digits) else ""


def normalise_ssn_cell(value: str) -> str:
    """Like :func:`normalise_ssn`, for a cell of a column already known to hold SSNs.

    Spreadsheets store SSNs as numbers and drop leading zeros (012-34-5678 becomes
    12345678), so 7 or 8 bare digits are padded back to nine.
    """
    digits = _SEPARATORS.sub("", value)
    if digits.isdigit() and 7 <= len(digits) <= 8:
        digits = digits.zfill(9)
    return normalise_ssn(digits)


def last4_from_masked(value: str) -> str:
    """The last four digits of a masked SSN (``***-**-6789``, ``XXX-XX-6789``, or bare ``6789``)."""
    value = value.strip()
    match = _MASKED.match(value)
    if match:
        return match.group(1)
    return value if _LAST4.match(value) else ""


def last4_from_phrase(value: str) -> str:
    """``SSN ending in 6789`` -> ``6789``."""
    return "".join(_DIGITS.findall(value))[-4:]


_SSN_CONTEXT = context_words(
    "ssn", "ssn#", "ss#", "s.s.n", "s.s.n.", "social security", "soc sec", "social sec", "ss no", "ss number"
)

FAMILY = ElementFamily(
    name="ssn",
    codes=("ssn",),
    legal_category=GOVERNMENT_ID,
    fields=(
        FieldSpec(
            field="ssn",
            element="ssn",
            headers=synonyms(
                "ssn",
                "social_security_number",
                "social_security",
                "ss_number",
                "ssn_number",
                "socsec",
                "social_security_no",
                "soc_sec_no",
                "soc_sec_num",
                "ss_num",
                "ss_no",
                "social_sec_no",
            ),
            normalise=normalise_ssn_cell,
            shape=r"^(?:\d{3}[- ]?\d{2}[- ]?\d{4}|\d{7,8})$",
            headerless_shape=r"^\d{3}-\d{2}-\d{4}$",
            priority=10,
        ),
        FieldSpec(
            field="ssn_last4",
            element="",  # a masked SSN is not the ssn element (CONTRACT counting rules)
            headers=synonyms(
                "ssn",
                "social_security_number",
                "ss_number",
                "ssn_last4",
                "ssn_last_4",
                "last4_ssn",
                "last_4_ssn",
                "ssn4",
                "last_four_ssn",
                "ssn_last_four",
                "masked_ssn",
                "ssn_masked",
            ),
            normalise=last4_from_masked,
            shape=r"^(?:[*xX#]{3}[- ]?[*xX#]{2}[- ]?\d{4}|[*xX#]{5}\d{4}|\d{4})$",
            headerless_shape=r"^[*xX#]{3}-[*xX#]{2}-\d{4}$",
            priority=11,
        ),
    ),
    text_patterns=(
        TextPattern(
            name="ssn.dashed",
            kind="ssn",
            scan=r"\d{3}-\d{2}-\d{4}",
            confirm=re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-]|\.\d)"),
            normalise=normalise_ssn,
            confidence=0.95,
        ),
        TextPattern(
            name="ssn.spaced",
            kind="ssn",
            scan=r"\d{3} \d{2} \d{4}",
            confirm=re.compile(r"(?<![\d-])(?<!\d )\d{3} \d{2} \d{4}(?![\d-]| \d)"),
            normalise=normalise_ssn,
            confidence=0.85,
        ),
        TextPattern(
            # Nine bare digits are too often other numbers; only with an SSN label before them.
            name="ssn.bare",
            kind="ssn",
            scan=r"\d{9}",
            confirm=re.compile(r"(?<![\d-])\d{9}(?![\d-]|\.\d)"),
            normalise=normalise_ssn,
            context=_SSN_CONTEXT,
            confidence=0.85,
        ),
        TextPattern(
            name="ssn.masked",
            kind="ssn_last4",
            scan=r"[*Xx#]{3}-[*Xx#]{2}-\d{4}",
            confirm=re.compile(r"(?<![\w*#])[*Xx#]{3}-[*Xx#]{2}-\d{4}(?!\d)"),
            normalise=last4_from_masked,
            confidence=0.9,
        ),
        TextPattern(
            name="ssn.ending",
            kind="ssn_last4",
            scan=r"(ssn|social security( number)?|ss#)\s*(number\s*)?(ending|ends|last (4|four))"
            r"[a-z ]{0,12}[:#]?\s*\d{4}",
            confirm=re.compile(
                r"(?:ssn|social security(?: number)?|ss#)\s*(?:number\s*)?(?:ending|ends|last (?:4|four))"
                r"[a-z ]{0,12}[:#]?\s*\d{4}(?!\d)",
                re.IGNORECASE,
            ),
            normalise=last4_from_phrase,
            caseless=True,
            confidence=0.9,
        ),
    ),
)
