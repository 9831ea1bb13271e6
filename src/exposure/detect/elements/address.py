"""U.S. postal addresses: street lines, city, state, ZIP, or one-line addresses split by ``usaddress``.

``usaddress`` (a CRF parser, ~0.1 ms a call) checks the classification sample
of street-line columns and splits one-line address columns; per-row checks of
separate columns are Polars shape checks.
"""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path

import polars as pl
import usaddress

from exposure.detect.elements import CONTACT, ElementFamily, FieldSpec, TextPattern, synonyms

# USPS codes of the states, DC and the territories, by code and by name (upper case).
STATE_CODES: dict[str, str] = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA", "COLORADO": "CO",
    "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC", "FLORIDA": "FL", "GEORGIA": "GA",
    "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL", "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS",
    "KENTUCKY": "KY", "LOUISIANA": "LA", "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA",
    "MICHIGAN": "MI", "MINNESOTA": "MN", "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT",
    "NEBRASKA": "NE", "NEVADA": "NV", "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM",
    "NEW YORK": "NY", "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK",
    "OREGON": "OR", "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA", "WASHINGTON": "WA",
    "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY", "PUERTO RICO": "PR", "GUAM": "GU",
    "VIRGIN ISLANDS": "VI", "U.S. VIRGIN ISLANDS": "VI", "AMERICAN SAMOA": "AS",
    "NORTHERN MARIANA ISLANDS": "MP", "ARMED FORCES AMERICAS": "AA", "ARMED FORCES EUROPE": "AE",
    "ARMED FORCES PACIFIC": "AP", "WASH DC": "DC", "D.C.": "DC",
}  # fmt: skip
STATE_CODES.update({code: code for code in set(STATE_CODES.values())})

_STREET_SHAPE = (
    r"(?i)^(?:\d+[a-z]?(?:[-/]\d+[a-z]?)?\s+[\p{L}\d].*"
    r"|p\.?\s*o\.?\s*box\s+\S.*|(?:rural route|rr|hc|box)\s*\d+.*|one\s+\p{L}.*)$"
)
_CITY_SHAPE = r"^\p{L}[\p{L} .'’-]{1,40}$"
_ZIP_SHAPE = r"^\d{5}(?:-?\d{4})?$"


def normalise_state(value: str) -> str:
    """USPS code for a state code or name: ``"Illinois"`` -> ``"IL"``."""
    return STATE_CODES.get(" ".join(value.upper().split()), "")


def _state_expression(column: pl.Expr) -> pl.Expr:
    key = column.str.strip_chars().str.to_uppercase().str.replace_all(r"\s+", " ")
    return key.replace_strict(STATE_CODES, default=None, return_dtype=pl.String)


# Runs of white space collapse to one space: a run of two or more, or one that is not a space (rewriting
# each single space, as ``\s+`` would, costs more than all the rest).
COLLAPSIBLE_SPACE = r"\s{2,}|[^\S ]"


def _collapse_expression(shape: str) -> pl.Expr:
    def expression(column: pl.Expr) -> pl.Expr:
        collapsed = column.str.strip_chars().str.replace_all(COLLAPSIBLE_SPACE, " ")
        return collapsed.str.extract(shape, 0)  # the whole value when it has the shape (anchored), else null

    return expression  # type: ignore[return-value]


# ---- usaddress, with the same labels for less work ---------------------------------------------------
#
# usaddress labels the tokens of an address with a CRF (``usaddress.tag``: tokenize, features per token and
# of its neighbours, Viterbi). The CRF only sees the feature attributes its model has weights for, and an
# attribute of value 0 adds nothing to a score; so two addresses whose tokens have the same *known, true*
# attributes get the same labels. Most tokens of a real address are a house number, a street word the model
# never learned, a suffix, a city, a state, a ZIP: their known attributes are few (shape, length, a learned
# word), so label sequences are computed once per sequence of token classes and reused, with exactly the
# labels ``usaddress.tag`` gives (tests/test_text_speed_paths.py compares them on generated addresses).


@functools.cache
def _model_attributes() -> frozenset[str] | None:
    """Attribute names of the usaddress CRF model (from its text dump); None when they cannot be read."""
    try:
        with tempfile.TemporaryDirectory() as folder:
            dump = Path(folder) / "model.txt"
            usaddress.TAGGER.dump(str(dump))
            with dump.open(encoding="utf-8", newline="") as written:  # line breaks as written
                text = written.read()
    except (OSError, UnicodeDecodeError):
        return None
    header = _DUMP_ATTRIBUTE_COUNT.search(text)
    block = text.partition("\nATTRIBUTES = {\n")[2].partition("\n}\n")[0]
    names = frozenset(m.group(1) for m in _DUMP_ATTRIBUTE.finditer(block))
    # A dump not read whole would drop attributes the model knows: then no attribute is left out.
    return names if header is not None and int(header.group(1)) == len(names) else None


_DUMP_ATTRIBUTE_COUNT = re.compile(r"^  num_attrs: (\d+)$", re.MULTILINE)
_DUMP_ATTRIBUTE = re.compile(r"^ *\d+: (.*)$", re.MULTILINE)
_PREVIOUS, _NEXT = "previous:", "next:"


def _true_attributes(features: dict[str, object]) -> list[str]:
    """Attribute names of one token's features as pycrfsuite flattens them (``{"digits": "all_digits"}``
    is ``digits:all_digits``), those of value 1 only (every other value here is 0)."""
    names = []
    for key, value in features.items():
        if isinstance(value, str):
            names.append(f"{key}:{value}")
        elif value:
            names.append(key)
    return names


@functools.lru_cache(maxsize=65_536)
def _token_class(token: str) -> tuple[str, ...]:
    """What the CRF sees of ``token`` (its own, or as a neighbour): its true attributes the model knows."""
    if token.isascii() and token.isdigit():  # house numbers and ZIP codes: most never seen before
        zeros = len(token) - len(token.rstrip("0"))
        return _digits_class(len(token), zeros)
    return _features_class(token)


@functools.lru_cache(maxsize=1_024)
def _digits_class(length: int, zeros: int) -> tuple[str, ...]:
    """The class of every token of ``length`` ASCII digits ending in ``zeros`` zeros. usaddress's features of
    such a token are its length and its trailing zeros and nothing else (no street name or direction is
    written in digits), so one token stands for them all."""
    return _features_class("1" * (length - zeros) + "0" * zeros)


def _features_class(token: str) -> tuple[str, ...]:
    known = _model_attributes()
    names = _true_attributes(usaddress.tokenFeatures(token))
    if known is not None:
        # A name with a line break ("endsinpunc:\n") is not written whole in the model's text dump: kept.
        names = [n for n in names if n in known or _PREVIOUS + n in known or _NEXT + n in known or "\n" in n]
    return tuple(names)


def _sequence_features(classes: tuple[tuple[str, ...], ...]) -> list[list[str]]:
    """``usaddress.tokens2features`` rebuilt from token classes: each token's attributes, then its
    previous and next neighbours' (prefixed), then the start and end marks, in usaddress's order."""
    own = classes
    last = len(classes) - 1
    sequence = []
    for i, attributes in enumerate(own):
        item = list(attributes)
        if i > 0:
            item += [_PREVIOUS + a for a in own[i - 1]]
            if i == 1:
                item.append(_PREVIOUS + "address.start")
        if i < last:
            item += [_NEXT + a for a in own[i + 1]]
            if i == last - 1:
                item.append(_NEXT + "address.end")
        if i == 0:
            item.append("address.start")
        if i == last:
            item.append("address.end")
        sequence.append(item)
    return sequence


Run = tuple[str, int, int]  # a label and the tokens it covers: tokens[first:after]


@functools.lru_cache(maxsize=65_536)
def _runs(classes: tuple[tuple[str, ...], ...]) -> tuple[Run, ...] | None:
    """How ``usaddress.tag`` groups tokens of these classes into labelled parts, in order; None where it
    raises RepeatedLabelError (a label comes back after another)."""
    runs: list[list] = []
    seen: set[str] = set()
    is_intersection = False
    for i, label in enumerate(usaddress.TAGGER.tag(_sequence_features(classes))):
        if label == "IntersectionSeparator":
            is_intersection = True
        if "StreetName" in label and is_intersection:
            label = "Second" + label
        if runs and runs[-1][0] == label:
            runs[-1][2] = i + 1
        elif label in seen:
            return None
        else:
            runs.append([label, i, i + 1])
            seen.add(label)
    return tuple((label, first, after) for label, first, after in runs)


# usaddress.tokenize's own expressions, compiled once instead of looked up per call.
_HTML_AMPERSAND = re.compile("(&#38;)|(&amp;)")
_ADDRESS_TOKEN = re.compile(
    r"""
    \(*\b[^\s,;#&()]+[.,;)\n]*   # ['ab. cd,ef '] -> ['ab.', 'cd,', 'ef']
    |
    [#&]                       # [^'#abc'] -> ['#']
    """,
    re.VERBOSE | re.UNICODE,
)


def _parse(value: str) -> tuple[list[str], tuple[Run, ...] | None]:
    """usaddress's tokens of ``value`` and how it labels them (see _runs)."""
    tokens = _ADDRESS_TOKEN.findall(_HTML_AMPERSAND.sub("&", value))
    return tokens, (_runs(tuple(map(_token_class, tokens))) if tokens else ())


@functools.lru_cache(maxsize=65_536)
def _tag(value: str) -> dict[str, str]:
    """``usaddress.tag(value)[0]`` as a dict; {} where it raises RepeatedLabelError."""
    tokens, runs = _parse(value)
    return {label: " ".join(tokens[first:after]).strip(" ,;") for label, first, after in runs or ()}


def is_street_line(value: str) -> str:
    """``value`` when usaddress reads it as a street line (number and street, or a PO box)."""
    labels = {label for label, _first, _after in _parse(value.strip())[1] or ()}
    street = "AddressNumber" in labels and "StreetName" in labels
    return value.strip() if street or "USPSBoxID" in labels else ""


def normalise_full_address(value: str) -> str:
    """``value`` when usaddress finds a street line, a city, a state and a ZIP in it."""
    tags = _tag(" ".join(value.split()))
    needed = ("PlaceName", "StateName", "ZipCode")
    if not all(k in tags for k in needed) or not normalise_state(tags["StateName"]):
        return ""
    return " ".join(value.split()) if is_street_line(street_part(tags)) else ""


_LINE2_LABELS = ("OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier")
_CITY_STATE_ZIP = ("PlaceName", "StateName", "ZipCode", "CountryName") + _LINE2_LABELS


def street_part(tags: dict[str, str]) -> str:
    return " ".join(v for k, v in tags.items() if k not in _CITY_STATE_ZIP).strip(" ,")


def split_address(value: str) -> dict[str, str]:
    """Mention address fields from a one-line address."""
    tags = _tag(" ".join(value.split()))
    return {
        "address_line1": street_part(tags),
        "address_line2": " ".join(tags[k] for k in _LINE2_LABELS if k in tags).strip(" ,"),
        "city": tags.get("PlaceName", "").strip(" ,"),
        "state": normalise_state(tags.get("StateName", "")),
        "postal_code": tags.get("ZipCode", "").strip(),
    }


def normalise_text_address(value: str) -> str:
    """A postal address found in text (one line, or a letter's address block), on one line, when
    usaddress finds its street line, city, state and ZIP; "" otherwise."""
    one_line = ", ".join(" ".join(line.split()) for line in value.splitlines() if line.strip())
    return one_line if normalise_full_address(one_line) else ""


# A street line, an optional second line, then "City, ST 12345": on one line, or as a letter's block.
_HOUSE_NUMBER = r"\d{1,6}[ ]"
_STREET_LINE = rf"{_HOUSE_NUMBER}[A-Za-z0-9][A-Za-z0-9 .'#-]{{2,60}}"
_CITY_LINE = r"[A-Za-z][A-Za-z .'-]{1,40},?[ ][A-Z]{2}[ ]{1,2}\d{5}"
# Hyperscan reports only where an address ends (it cannot track the start of so long a pattern), and
# text.py finds the start by searching the text before the end with ``confirm``. "Not after a letter,
# digit, _ or -" is written after the first digit, not before it: a search then jumps from digit to digit.
_CONFIRM_HOUSE_NUMBER = r"\d(?<![\w-]\d)\d{0,5}[ ]"
_TEXT_ADDRESS = TextPattern(
    name="address.postal",
    kind="address",
    scan=rf"{_STREET_LINE}(,[ ]?|\r?\n)([A-Za-z0-9 .#-]{{1,30}}(,[ ]?|\r?\n))?{_CITY_LINE}",
    confirm=re.compile(
        rf"(?P<value>{_STREET_LINE.replace(_HOUSE_NUMBER, _CONFIRM_HOUSE_NUMBER, 1)}"
        rf"(?:,[ ]?|\r?\n)(?:[A-Za-z0-9 .#-]{{1,30}}(?:,[ ]?|\r?\n))?{_CITY_LINE}(?:-\d{{4}})?)(?![\d-])"
    ),
    normalise=normalise_text_address,
    confidence=0.85,
)

_ADDRESS_HEADERS = synonyms(
    "address",
    "street",
    "street_address",
    "address_line_1",
    "address_1",
    "address_line",
    "street_1",
    "mailing_address",
    "home_address",
    "residence_address",
    "line_1",
    "street_line_1",
    "mail_address",
    "residential_address",
    "permanent_address",
    "address_street",
)

FAMILY = ElementFamily(
    name="address",
    codes=("address",),
    legal_category=CONTACT,
    fields=(
        FieldSpec(
            field="address_full",
            element="address",
            headers=_ADDRESS_HEADERS | synonyms("full_address", "address_full"),
            normalise=normalise_full_address,
            parts=split_address,
            priority=60,
        ),
        FieldSpec(
            field="address_line1",
            element="address",
            headers=_ADDRESS_HEADERS,
            polars_normalise=_collapse_expression(_STREET_SHAPE),
            classify_check=is_street_line,
            priority=61,
        ),
        FieldSpec(
            field="address_line2",
            element="",
            headers=synonyms(
                "address_line_2",
                "address_2",
                "street_2",
                "line_2",
                "apt",
                "unit",
                "suite",
                "apartment",
                "street_line_2",
                "apt_suite",
            ),
            polars_normalise=_collapse_expression(r"^\S.{0,60}$"),
            min_valid_share=0.0,  # mostly empty, and anything goes
            priority=62,
        ),
        FieldSpec(
            field="city",
            element="",
            headers=synonyms("city", "town", "city_name", "municipality", "address_city"),
            polars_normalise=_collapse_expression(_CITY_SHAPE),
            priority=63,
        ),
        FieldSpec(
            field="state",
            element="",
            headers=synonyms(
                "state", "st", "state_code", "state_province", "province", "address_state", "state_cd"
            ),
            normalise=normalise_state,
            polars_normalise=_state_expression,
            priority=64,
        ),
        FieldSpec(
            field="postal_code",
            element="",
            headers=synonyms(
                "zip",
                "zip_code",
                "zipcode",
                "postal_code",
                "postcode",
                "zip_5",
                "zip5",
                "postal",
                "zip_plus_4",
                "address_zip",
            ),
            polars_normalise=_collapse_expression(_ZIP_SHAPE),
            priority=65,
        ),
    ),
    text_patterns=(_TEXT_ADDRESS,),
)
