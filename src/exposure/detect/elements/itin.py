"""Individual Taxpayer Identification Numbers (ITIN): IRS numbers for people who cannot have an SSN.

An ITIN is written like an SSN but starts with 9, and its middle (4th-5th)
digits are 50-65, 70-88, 90-92 or 94-99. ``stdnum.us.itin`` (python-stdnum 2.2)
knows only 70-88, 90-92, 94-99: the IRS added 50-65 on 12 April 2011 (IRS
"General ITIN Information"; the ranges are also in Microsoft Purview's ITIN
definition), so that range is checked here by hand and everything else by stdnum.
93 is an adoption number (ATIN), 89 and the other groups are IRS-internal numbers:
neither is an ITIN.

People who have no SSN often write their ITIN into the SSN field, so an SSN or
TIN column is read as ITINs where its values say so (``ssn.py`` rejects every 9xx
number, so no value is both).
"""

from __future__ import annotations

import re

from stdnum.us import itin as stdnum_itin

from exposure.detect.elements import (
    GOVERNMENT_ID,
    ElementFamily,
    FieldSpec,
    TextPattern,
    context_words,
    synonyms,
)
from exposure.detect.elements.ssn import (
    BUSINESS_NUMBER_LABELS,
    SSN_HEADERS,
    TIN_HEADERS,
    directly_labelled,
    nine_digits,
)

# Added by the IRS in 2011, after stdnum's table was written.
_GROUPS_SINCE_2011 = frozenset(f"{g:02d}" for g in range(50, 66))
# Obvious fill-in values that pass the range check.
FIXTURE_ITINS = frozenset({"987654321"} | {d * 9 for d in "9"})


def normalise_itin(value: str) -> str:
    """Nine digits when ``value`` is a valid ITIN; "" otherwise.

    >>> normalise_itin("912-78-1234"), normalise_itin("912 55 1234"), normalise_itin("912-93-1234")
    ('912781234', '912551234', '')
    """
    digits = nine_digits(value)
    if not digits or digits in FIXTURE_ITINS:
        return ""
    if stdnum_itin.is_valid(digits):
        return digits
    return digits if digits[0] == "9" and digits[3:5] in _GROUPS_SINCE_2011 else ""


_ITIN_CONTEXT = context_words(
    "itin",
    "itin#",
    "taxpayer identification",
    "taxpayer id",
    "tax id",
    "tax identification",
    "tin",
    "tin#",
    "ssn",
    "ssn#",
    "social security",
    "w-7",
)
# A number directly labelled as something else: a business tax number, an order, a claim ...
_ITIN_NEGATIVE = directly_labelled(
    *BUSINESS_NUMBER_LABELS, "employer identification number", "federal tax id", "business tax id"
)
_NINE_DIGITS_CONFIRM = r"(?<![\d-]){body}(?![\d-]|\.\d)"

FAMILY = ElementFamily(
    name="itin",
    codes=("itin",),
    legal_category=GOVERNMENT_ID,
    fields=(
        FieldSpec(
            field="itin",
            element="itin",
            headers=synonyms(
                "itin",
                "itin_number",
                "itin_no",
                "individual_taxpayer_identification_number",
                "individual_taxpayer_id",
                "taxpayer_itin",
            )
            | SSN_HEADERS
            | TIN_HEADERS,
            normalise=normalise_itin,
            shape=r"^9\d{2}[- ]?\d{2}[- ]?\d{4}$",
            headerless_shape=r"^9\d{2}-(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])-\d{4}$",
            priority=13,
        ),
    ),
    text_patterns=(
        TextPattern(
            # The 9 and the middle digits make a dashed ITIN specific enough without a label.
            name="itin.dashed",
            kind="itin",
            scan=r"9\d{2}-\d{2}-\d{4}",
            confirm=re.compile(_NINE_DIGITS_CONFIRM.format(body=r"9\d{2}-\d{2}-\d{4}")),
            normalise=normalise_itin,
            context=_ITIN_CONTEXT,
            context_required=False,
            context_confidence=0.95,
            negative_context=_ITIN_NEGATIVE,
            confidence=0.85,
        ),
        TextPattern(
            name="itin.spaced",
            kind="itin",
            scan=r"9\d{2} \d{2} \d{4}",
            confirm=re.compile(r"(?<![\d-])(?<!\d )9\d{2} \d{2} \d{4}(?![\d-]| \d)"),
            normalise=normalise_itin,
            context=_ITIN_CONTEXT,
            negative_context=_ITIN_NEGATIVE,
            confidence=0.85,
        ),
        TextPattern(
            name="itin.bare",
            kind="itin",
            scan=r"9\d{8}",
            confirm=re.compile(_NINE_DIGITS_CONFIRM.format(body=r"9\d{8}")),
            normalise=normalise_itin,
            context=_ITIN_CONTEXT,
            negative_context=_ITIN_NEGATIVE,
            confidence=0.85,
        ),
    ),
)
