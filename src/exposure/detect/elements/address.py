"""U.S. postal addresses: street lines, city, state, ZIP, or one-line addresses split by ``usaddress``.

``usaddress`` (a CRF parser, ~0.1 ms a call) checks the classification sample
of street-line columns and splits one-line address columns; per-row checks of
separate columns are Polars shape checks.
"""

from __future__ import annotations

import functools
import re

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


def _collapse_expression(shape: str) -> pl.Expr:
    def expression(column: pl.Expr) -> pl.Expr:
        collapsed = column.str.strip_chars().str.replace_all(r"\s+", " ")
        return pl.when(collapsed.str.contains(shape)).then(collapsed)

    return expression  # type: ignore[return-value]


@functools.lru_cache(maxsize=65_536)
def _tag(value: str) -> dict[str, str]:
    try:
        tagged, _kind = usaddress.tag(value)
    except usaddress.RepeatedLabelError:
        return {}
    return dict(tagged)


def is_street_line(value: str) -> str:
    """``value`` when usaddress reads it as a street line (number and street, or a PO box)."""
    tags = _tag(value.strip())
    street = "AddressNumber" in tags and "StreetName" in tags
    return value.strip() if street or "USPSBoxID" in tags else ""


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
_STREET_LINE = r"\d{1,6}[ ][A-Za-z0-9][A-Za-z0-9 .'#-]{2,60}"
_CITY_LINE = r"[A-Za-z][A-Za-z .'-]{1,40},?[ ][A-Z]{2}[ ]{1,2}\d{5}"
_TEXT_ADDRESS = TextPattern(
    name="address.postal",
    kind="address",
    scan=rf"{_STREET_LINE}(,[ ]?|\r?\n)([A-Za-z0-9 .#-]{{1,30}}(,[ ]?|\r?\n))?{_CITY_LINE}",
    confirm=re.compile(
        rf"(?<![\w-])(?P<value>{_STREET_LINE}(?:,[ ]?|\r?\n)(?:[A-Za-z0-9 .#-]{{1,30}}(?:,[ ]?|\r?\n))?"
        rf"{_CITY_LINE}(?:-\d{{4}})?)(?![\d-])"
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
