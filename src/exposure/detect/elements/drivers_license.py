"""Driver's license and state ID card numbers.

No library validates these: each state has its own formats (no check digit that
is published for all), listed here as commonly tabulated from AAMVA-issued
specifications (e.g. the NTSI "Driver's License Formats" table). When the
issuing state is known (``CA D1234567`` in a cell, "Texas driver's license" in
text) the number must fit one of that state's formats; otherwise it must fit
some state's format, hold at least four digits and not be a date.

A bare number is never a license number in text: the "driver's license" / "DL" /
"state ID" label must introduce it. A ``dl_state`` column is kept as a hint of
the row's person (:data:`STATE_FIELD`); :func:`normalise_for_state` checks a
number against it.
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
from exposure.detect.elements.address import STATE_CODES, normalise_state

# Issuing-state formats of the number with separators removed (upper case).
STATE_FORMATS: dict[str, tuple[str, ...]] = {
    "AL": (r"\d{1,8}",),
    "AK": (r"\d{1,7}",),
    "AZ": (r"[A-Z]\d{8}", r"[A-Z]{2}\d{2,5}", r"\d{9}"),
    "AR": (r"\d{4,9}",),
    "CA": (r"[A-Z]\d{7}",),
    "CO": (r"\d{9}", r"[A-Z]\d{3,6}", r"[A-Z]{2}\d{2,5}"),
    "CT": (r"\d{9}",),
    "DE": (r"\d{1,7}",),
    "DC": (r"\d{7}", r"\d{9}"),
    "FL": (r"[A-Z]\d{12}",),
    "GA": (r"\d{7,9}",),
    "HI": (r"[A-Z]\d{8}", r"\d{9}"),
    "ID": (r"[A-Z]{2}\d{6}[A-Z]", r"\d{9}"),
    "IL": (r"[A-Z]\d{11,12}",),
    "IN": (r"[A-Z]\d{9}", r"\d{9,10}"),
    "IA": (r"\d{9}", r"\d{3}[A-Z]{2}\d{4}"),
    "KS": (r"[A-Z]\d[A-Z]\d[A-Z]", r"[A-Z]\d{8}", r"\d{9}"),
    "KY": (r"[A-Z]\d{8,9}", r"\d{9}"),
    "LA": (r"\d{1,9}",),
    "ME": (r"\d{7,8}", r"\d{7}[A-Z]"),
    "MD": (r"[A-Z]\d{12}",),
    "MA": (r"[A-Z]\d{8}", r"\d{9}"),
    "MI": (r"[A-Z]\d{10}", r"[A-Z]\d{12}"),
    "MN": (r"[A-Z]\d{12}",),
    "MS": (r"\d{9}",),
    "MO": (r"[A-Z]\d{5,9}", r"[A-Z]\d{6}R", r"\d{8}[A-Z]{2}", r"\d{9}[A-Z]", r"\d{9}"),
    "MT": (r"[A-Z]\d{8}", r"\d{13}", r"\d{9}", r"\d{14}"),
    "NE": (r"[A-Z]\d{6,8}",),
    "NV": (r"\d{9,10}", r"\d{12}", r"X\d{8}"),
    "NH": (r"\d{2}[A-Z]{3}\d{5}",),
    "NJ": (r"[A-Z]\d{14}",),
    "NM": (r"\d{8,9}",),
    "NY": (r"[A-Z]\d{7}", r"[A-Z]\d{18}", r"\d{8,9}", r"\d{16}", r"[A-Z]{8}"),
    "NC": (r"\d{1,12}",),
    "ND": (r"[A-Z]{3}\d{6}", r"\d{9}"),
    "OH": (r"[A-Z]\d{4,8}", r"[A-Z]{2}\d{3,7}", r"\d{8}"),
    "OK": (r"[A-Z]\d{9}", r"\d{9}"),
    "OR": (r"\d{1,9}", r"[A-Z]\d{6}"),
    "PA": (r"\d{8}",),
    "RI": (r"\d{7}", r"[A-Z]\d{6}"),
    "SC": (r"\d{5,11}",),
    "SD": (r"\d{6,10}", r"\d{12}"),
    "TN": (r"\d{7,9}",),
    "TX": (r"\d{7,8}",),
    "UT": (r"\d{4,10}",),
    "VT": (r"\d{8}", r"\d{7}A"),
    "VA": (r"[A-Z]\d{8,11}", r"\d{9}"),
    "WA": (r"WDL[A-Z0-9]{9}", r"(?=.{12}$)[A-Z*]{1,7}[A-Z0-9*]{5,11}"),
    "WV": (r"\d{7}", r"[A-Z]{1,2}\d{5,6}"),
    "WI": (r"[A-Z]\d{13}",),
    "WY": (r"\d{9,10}",),
}
STATE_FIELD = "drivers_license_state"  # hint field of the issuing-state column


def _any_of(formats: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{f})" for f in formats))


_STATE_RES = {state: _any_of(formats) for state, formats in STATE_FORMATS.items()}
_ANY_STATE_RE = _any_of(tuple(f for formats in STATE_FORMATS.values() for f in formats))
_SEPARATORS = re.compile(r"[\s.-]")
_DATE_LIKE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}$")
_MIN_LENGTH = 5
_MIN_DIGITS_WITHOUT_STATE = 4
# "CA D1234567", "D1234567 (CA)", "TX-12345678", "CA: D1234567" in one cell.
_STATE_PREFIX = re.compile(
    r"^\(?(?P<state>[A-Za-z]{2})\)?\s*[:/-]?\s+(?P<number>.+)$|^(?P<state2>[A-Za-z]{2})[:/-](?P<number2>.+)$"
)
_STATE_SUFFIX = re.compile(r"^(?P<number>.+?)\s*[\s,/-]\s*\(?(?P<state>[A-Za-z]{2})\)?$")
_SEQUENTIAL = "0123456789012345678901234567890"


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def _looks_fake(number: str) -> bool:
    """Sample, filler and masked values: one repeated character, digits counting up (``A1234567``),
    or ``XX``/``**`` masking (CONTRACT: a masked value is not an element)."""
    if number.startswith(("XX", "**")) or "***" in number or "XXX" in number:
        return True
    digits = "".join(c for c in number if c.isdigit())
    if len(set(number)) == 1 or (digits and len(set(digits)) == 1 and len(digits) >= 5):
        return True
    return len(digits) >= 5 and digits in _SEQUENTIAL


def normalise_for_state(value: str, state: str) -> str:
    """The number (upper case, no separators) when it fits a format of ``state`` ("" when not).

    >>> normalise_for_state("D123-4568", "CA"), normalise_for_state("D1234568", "TX")
    ('D1234568', '')
    """
    if _DATE_LIKE.match(value.strip()):
        return ""
    number = _compact(value)
    code = normalise_state(state)
    pattern = _STATE_RES.get(code)
    if pattern is None or len(number) < _MIN_LENGTH or _looks_fake(number):
        return ""
    return number if pattern.fullmatch(number) else ""


def normalise_without_state(value: str) -> str:
    """The number when it fits some state's format, has four or more digits and is not a date or filler."""
    if _DATE_LIKE.match(value.strip()):
        return ""
    number = _compact(value)
    digits = sum(c.isdigit() for c in number)
    if len(number) < _MIN_LENGTH or digits < _MIN_DIGITS_WITHOUT_STATE or _looks_fake(number):
        return ""
    return number if _ANY_STATE_RE.fullmatch(number) else ""


def normalise_license_cell(value: str) -> str:
    """A license number from a cell, with its state (``CA D1234567``, ``D1234567 CA``) when written there.

    >>> [normalise_license_cell(v) for v in ("CA D1234568", "TX D1234568", "12/01/2025")]
    ['D1234568', '', '']
    """
    value = value.strip()
    for pattern in (_STATE_PREFIX, _STATE_SUFFIX):
        match = pattern.match(value)
        if match is None:
            continue
        state = match.group("state") or match.groupdict().get("state2") or ""
        number = match.group("number") or match.groupdict().get("number2") or ""
        if normalise_state(state):
            return normalise_for_state(number, state)
    return normalise_without_state(value)


def normalise_state_cell(value: str) -> str:
    return normalise_state(value.strip())


# ---- text ------------------------------------------------------------------------------------------

_STATE_NAMES = "|".join(sorted((re.escape(n) for n in STATE_CODES if len(n) > 2), key=len, reverse=True))
_STATE_CODE_LIST = "|".join(sorted(code for code in STATE_CODES if len(code) == 2))
# A state right before the label ("Texas driver's license", "TX DL") or between label and number.
_STATE_BEFORE = re.compile(rf"(?:(?i:{_STATE_NAMES})|\b(?:{_STATE_CODE_LIST}))\s*$")

_LABEL = (
    r"(?:driver['’]?s?|drivers|driving|operator['’]?s?)\s*licen[cs]e"
    r"|d\.?l\.?|dln|d/l"
    r"|state\s+(?:issued\s+)?id(?:entification)?(?:\s+card)?"
)
_LABEL_SCAN = (
    r"(driver.?s?|drivers|driving|operator.?s?)\s*licen[cs]e|d\.?l\.?|dln|d/l"
    r"|state\s+(issued\s+)?id(entification)?(\s+card)?"
)
# What may stand between the label and the number: "#", "No.:", "number is", a state "(CA)".
_GAP = (
    r"(?i:\s*(?:no\.?|num\.?|number|nbr|#|id)(?![A-Za-z])\.?)?(?i:\s*(?:and|/)\s*state)?[\s:#=.-]*"
    r"(?i:(?:is|was|on\s+file(?:\s+is)?)\s*:?\s*)?"
    r"(?:\(?(?P<state>[A-Z]{2}|(?i:" + _STATE_NAMES + r"))\)?\s*[:#,-]?\s*)?"
)
_NUMBER = r"(?P<value>[A-Za-z*]{0,7}\d[A-Za-z0-9*]*(?:-[A-Za-z0-9]+){0,5})"
_LABELLED = re.compile(rf"(?<![A-Za-z])(?i:{_LABEL}){_GAP}(?<![A-Za-z0-9]){_NUMBER}(?![A-Za-z0-9-])")
# Words before the label saying "DL" is not a driver's license here (a Delta flight, a vehicle) or the
# license is a provider's.
_NOT_A_DRIVER = context_words(
    "flight", "delta", "airline", "plate", "vehicle", "npi", "dea", "provider", "physician", "prescriber",
)  # fmt: skip


_STATE_AFTER = re.compile(
    rf"\s*[(,]?\s*(?i:(?:issuing\s+)?state(?:\s+of\s+issue)?\s*:?\s*)?\(?(?P<state>(?i:{_STATE_NAMES})|(?:{_STATE_CODE_LIST}))\b"
)


def _state_near(match: re.Match[str]) -> str:
    """The issuing state beside the label or number ("Texas driver's license", "DL (CA):", "(state CA)")."""
    if match.group("state"):
        return normalise_state(match.group("state"))
    text = match.string
    line_start = text.rfind("\n", 0, match.start()) + 1
    before = text[max(line_start, match.start() - 20) : match.start()]
    found = _STATE_BEFORE.search(before)
    if found:
        return normalise_state(found.group(0))
    after = _STATE_AFTER.match(text, match.end())
    return normalise_state(after.group("state")) if after else ""


def _accept_license(match: re.Match[str]) -> bool:
    """The number fits its state's formats (when one is named), or some state's."""
    state = _state_near(match)
    value = match.group("value")
    return bool(normalise_for_state(value, state) if state else normalise_without_state(value))


_LICENSE_HEADERS = synonyms(
    "dl",
    "dl#",
    "dln",
    "dl_number",
    "dl_num",
    "dl_no",
    "dl_id",
    "drivers_license",
    "driver_license",
    "driver's license",
    "driver's license #",
    "driver's license number",
    "drivers_license_number",
    "driver_license_number",
    "drivers_license_no",
    "driver_license_no",
    "drivers_lic",
    "drivers_lic_no",
    "driver_lic_no",
    "drivers_lic_num",
    "driver_lic",
    "lic_no",
    "lic_number",
    "license",
    "license_no",
    "license_number",
    "license_num",
    "licence_number",
    "drivers_licence",
    "driving_license",
    "driving_licence",
    "driving_license_number",
    "operator_license",
    "operator_license_number",
    "state_id",
    "state_id_number",
    "state_id_no",
    "state_id_card",
    "state_identification_number",
    "dl_or_state_id",
    "dl_state_id",
    "id_card_number",
)
_STATE_HEADERS = synonyms(
    "dl_state",
    "dl_st",
    "dl_state_code",
    "dl_issuing_state",
    "drivers_license_state",
    "driver_license_state",
    "license_state",
    "lic_state",
    "license_issuing_state",
    "issuing_state",
    "state_of_issue",
    "dl_issue_state",
    "state_id_state",
)

FAMILY = ElementFamily(
    name="drivers_license",
    codes=("drivers_license",),
    legal_category=GOVERNMENT_ID,
    fields=(
        FieldSpec(
            field="drivers_license",
            element="drivers_license",
            headers=_LICENSE_HEADERS,
            normalise=normalise_license_cell,
            shape=r"^[A-Za-z0-9*(][A-Za-z0-9 *:/().-]{3,30}$",
            priority=40,
        ),
        FieldSpec(
            field=STATE_FIELD,
            element="",  # the issuing state: a hint that checks the number, not an element
            headers=_STATE_HEADERS,
            normalise=normalise_state_cell,
            shape=r"^[A-Za-z .]{2,30}$",
            priority=41,
        ),
    ),
    text_patterns=(
        TextPattern(
            name="drivers_license.labelled",
            kind="drivers_license",
            scan=_LABEL_SCAN,
            confirm=_LABELLED,
            normalise=_compact,
            accept=_accept_license,
            negative_context=_NOT_A_DRIVER,
            negative_before=25,
            caseless=True,
            confidence=0.9,
        ),
    ),
)
