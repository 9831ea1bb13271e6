"""U.S. Social Security numbers, and masked SSNs kept only as linking hints.

Validity comes from ``stdnum.us.ssn`` (area 000/666/9xx, group 00 and serial
0000 rejected, plus its blacklist of published numbers). On top of it we
reject well-known fixtures that stdnum accepts (123-45-6789, 111-11-1111 ...):
CONTRACT.md says obvious test data are not people.

A ``TIN`` / ``Taxpayer ID`` column holds whatever tax number the person has:
its values decide. SSN-shaped values that stdnum accepts are SSNs; 9xx values
are ITINs (``itin.py`` reads the same headers); ``12-3456789`` is an employer
number (EIN) of a business, not a person, and is read as nothing.
"""

from __future__ import annotations

import re

import polars as pl
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

SSN_HEADERS = synonyms(
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
    "ssn_tin",
    "tin_ssn",
    "ssn_itin",
    "ssn_or_itin",
    "ssn_or_tin",
    "ssn_tax_id",
)
# Tax-number headers whose values may be an SSN, an ITIN or a business's EIN.
TIN_HEADERS = synonyms(
    "tin",
    "tin_number",
    "taxpayer_id",
    "taxpayer_id_number",
    "taxpayer_identification_number",
    "tax_id",
    "tax_id_number",
    "tax_identification_number",
    "tax_number",
    "taxid",
    "us_tin",
)

_SEPARATORS = re.compile(r"[\s-]")
_MASKED = re.compile(r"^(?:[*xX#]{3}[- ]?[*xX#]{2}[- ]?|[*xX#]{5})(\d{4})$")
_LAST4 = re.compile(r"^\d{4}$")
_DIGITS = re.compile(r"\d")


def nine_digits(value: str) -> str:
    """The nine digits of an SSN-shaped tax number written with or without spaces or hyphens, else ""."""
    digits = _SEPARATORS.sub("", value)
    return digits if len(digits) == 9 and digits.isdigit() else ""


def normalise_ssn(value: str) -> str:
    """Nine digits when ``value`` is a valid, non-fixture SSN; "" otherwise.

    >>> normalise_ssn("536-90-4399"), normalise_ssn("123-45-6789"), normalise_ssn("666-12-3456")
    ('536904399', '', '')
    """
    digits = nine_digits(value)
    if not digits or digits in FIXTURE_SSNS:
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


_SSN_CELL_SHAPE = r"^(?:\d{3}[- ]?\d{2}[- ]?\d{4}|\d{7,8})$"
# The rules stdnum.us.ssn checks, as one regex: area not 000, 666 or 9xx; group not 00; serial not 0000.
_VALID_SSN_DIGITS = (
    r"^(?:00[1-9]|0[1-9]\d|[1-57-8]\d\d|6[0-57-9]\d|66[0-57-9])"
    r"(?:0[1-9]|[1-9]\d)"
    r"(?:000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})$"
)
_VALID_SSN_TEXT = re.compile(_VALID_SSN_DIGITS, re.ASCII)


def normalise_ssn_text(value: str) -> str:
    """:func:`normalise_ssn` for SSNs found in text, with the same results: stdnum's checks (area, group,
    serial) are _VALID_SSN_DIGITS and its published numbers are in FIXTURE_SSNS, so one regex replaces
    stdnum's per-call cleaning. Digits other than ASCII (which stdnum maps to ASCII) go to normalise_ssn."""
    digits = nine_digits(value)
    if not digits.isascii():
        return normalise_ssn(value)
    if not digits or digits in FIXTURE_SSNS:
        return ""
    return digits if _VALID_SSN_TEXT.fullmatch(digits) else ""


def ssn_column_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_ssn_cell`: a million-row column is checked without a
    Python call per value (the published numbers of stdnum's list are in FIXTURE_SSNS)."""
    return column.map_batches(_ssn_series, return_dtype=pl.String)


_FIXTURE_SSN_LIST = sorted(FIXTURE_SSNS)


def _ssn_series(values: pl.Series) -> pl.Series:
    # One step per column: Polars computes a sub-expression again wherever a tree repeats it (no common
    # sub-expression elimination here), and the stripped value and its digits are each used three times.
    stripped, digits = pl.col("stripped"), pl.col("digits")
    frame = pl.DataFrame({"v": values}).select(stripped=pl.col("v").str.strip_chars())
    frame = frame.with_columns(digits=stripped.str.replace_all(r"[ -]", ""))
    padded = pl.when(digits.str.len_bytes() < 9).then(digits.str.zfill(9)).otherwise(digits)
    frame = frame.with_columns(digits=padded)
    valid = (
        stripped.str.contains(_SSN_CELL_SHAPE)
        & digits.str.contains(_VALID_SSN_DIGITS)
        & ~digits.is_in(_FIXTURE_SSN_LIST)
    )
    return frame.select(pl.when(valid).then(digits)).to_series().alias(values.name)


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


def directly_labelled(*words: str) -> re.Pattern[str]:
    """A regex for a label that directly precedes a number (``Order #:`` ``Claim No.`` ``NPI``).

    Used as negative context: it must end the text before the candidate, so a label
    further back ("Claim for John Smith, SSN 536-90-4399") does not count.
    """
    # The words grouped by their first letter: the search tries the label at every place of the text before
    # a candidate, and most places are then ruled out by one letter instead of one try per word.
    by_first: dict[str, list[str]] = {}
    for word in words:
        by_first.setdefault(word[0].lower(), []).append(re.escape(word[1:]).replace(r"\ ", r"\s+"))
    alternatives = "|".join(f"{re.escape(first)}(?:{'|'.join(rest)})" for first, rest in by_first.items())
    return re.compile(
        rf"(?<![A-Za-z])(?:{alternatives})\s*(?:no\.?|num\.?|number|nbr|id|#)?\s*[:#=.-]?\s*$", re.IGNORECASE
    )


# Labels of business and reference numbers (CONTRACT: not elements), shared by the identifier families.
BUSINESS_NUMBER_LABELS: tuple[str, ...] = (
    "order", "purchase order", "po", "invoice", "tracking", "confirmation", "reference", "ref", "policy",
    "claim", "ticket", "case", "serial", "s/n", "sku", "part", "model", "item", "lot", "receipt",
    "transaction", "txn", "reservation", "booking", "voucher", "routing", "aba", "npi", "ein", "fein",
    "employer id", "member id", "group", "phone", "fax", "account", "acct",
)  # fmt: skip
_NOT_AN_SSN_LABEL = directly_labelled(*BUSINESS_NUMBER_LABELS)

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
            headers=SSN_HEADERS,
            normalise=normalise_ssn_cell,
            shape=_SSN_CELL_SHAPE,
            polars_normalise=ssn_column_expression,
            headerless_shape=r"^\d{3}-\d{2}-\d{4}$",
            priority=10,
        ),
        FieldSpec(
            # A TIN column: SSN-shaped values only (an EIN is written 12-3456789), and no zero padding:
            # seven or eight digits there may as well be a business number that lost its zero.
            field="ssn",
            element="ssn",
            headers=TIN_HEADERS,
            normalise=normalise_ssn,
            shape=r"^(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}|\d{9})$",
            priority=12,
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
            normalise=normalise_ssn_text,
            negative_context=_NOT_AN_SSN_LABEL,
            confidence=0.95,
        ),
        TextPattern(
            name="ssn.spaced",
            kind="ssn",
            scan=r"\d{3} \d{2} \d{4}",
            confirm=re.compile(r"(?<![\d-])(?<!\d )\d{3} \d{2} \d{4}(?![\d-]| \d)"),
            normalise=normalise_ssn_text,
            negative_context=_NOT_AN_SSN_LABEL,
            confidence=0.85,
        ),
        TextPattern(
            # Nine bare digits are too often other numbers; only with an SSN label before them.
            name="ssn.bare",
            kind="ssn",
            scan=r"\d{9}",
            confirm=re.compile(r"(?<![\d-])\d{9}(?![\d-]|\.\d)"),
            normalise=normalise_ssn_text,
            context=_SSN_CONTEXT,
            negative_context=_NOT_AN_SSN_LABEL,
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
        TextPattern(
            # "last four digits of your Social Security number: 6789" / "(6789)" / "are 6789"
            name="ssn.last_four_of",
            kind="ssn_last4",
            scan=r"last (4|four) (digits )?of (your |the |his |her )?(ssn|social security( number)?|ss#)",
            confirm=re.compile(
                r"last (?:4|four) (?:digits )?of (?:your |the |his |her )?"
                r"(?:ssn|social security(?: number)?|ss#)(?: (?:are|is))?\s*[:#(]?\s*\d{4}(?!\d)",
                re.IGNORECASE,
            ),
            normalise=last4_from_phrase,
            caseless=True,
            confidence=0.9,
        ),
        TextPattern(
            # "SSN: XXXXX6789", "SSN *****6789"
            name="ssn.masked_compact",
            kind="ssn_last4",
            scan=r"[*Xx#]{5}\d{4}",
            confirm=re.compile(r"(?<![\w*#])[*Xx#]{5}\d{4}(?!\d)"),
            normalise=last4_from_masked,
            context=_SSN_CONTEXT,
            confidence=0.9,
        ),
    ),
)
