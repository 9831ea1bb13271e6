"""Dates of birth.

A date is only a date of birth when a header or nearby words say so, and when
it gives an age of 0-110 years. Columns are parsed in Polars (``str.to_date``
over the accepted formats); text candidates use the same formats in Python.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

import polars as pl

from exposure.detect.elements import IDENTITY, ElementFamily, FieldSpec, TextPattern, context_words, synonyms

MAX_AGE_YEARS = 110

# Tried in order: US month-first before day-first, four-digit years before two.
DATE_FORMATS: tuple[str, ...] = (
    "%m/%d/%Y",
    "%Y-%m-%d",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%d %B %Y",
    "%Y%m%d",
    "%d/%m/%Y",
    "%m/%d/%y",
    "%m-%d-%y",
    "%d-%b-%y",
)

# Exports often write a date of birth as a timestamp at midnight.
_TIME_SUFFIX = r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AaPp][Mm])?$"
_TIME_SUFFIX_RE = re.compile(_TIME_SUFFIX)
_MONTH_DOT = re.compile(r"(?<=[A-Za-z])\.")


def _today() -> dt.date:
    return dt.date.today()


def _plausible_birth(day: dt.date, today: dt.date) -> dt.date | None:
    """Two-digit years in the future belong to the last century; then the age must be 0-110."""
    if day > today:
        try:
            day = day.replace(year=day.year - 100)
        except ValueError:  # 29 February
            return None
    earliest = today.replace(year=today.year - MAX_AGE_YEARS)
    return day if earliest <= day <= today else None


def _formats_for(text: str) -> tuple[str, ...]:
    """The formats worth trying: their separators and letters must occur in ``text`` (strptime is slow)."""
    return _FORMATS_BY_SHAPE[("/" in text, "-" in text, any(c.isalpha() for c in text))]


def _format_shape(fmt: str) -> tuple[bool, bool, bool]:
    return "/" in fmt, "-" in fmt, "%b" in fmt or "%B" in fmt


_FORMATS_BY_SHAPE = {
    shape: tuple(f for f in DATE_FORMATS if _format_shape(f) == shape)
    for shape in {(a, b, c) for a in (True, False) for b in (True, False) for c in (True, False)}
}


@functools.lru_cache(maxsize=65_536)  # the same dates recur across a document
def normalise_dob(value: str) -> str:
    """ISO ``YYYY-MM-DD`` when ``value`` parses in one of :data:`DATE_FORMATS` as a plausible birth date.

    >>> normalise_dob("04-MAR-1975"), normalise_dob("Mar. 4, 1975"), normalise_dob("1820-01-01")
    ('1975-03-04', '1975-03-04', '')
    """
    text = _MONTH_DOT.sub("", _TIME_SUFFIX_RE.sub("", value.strip()))
    today = _today()
    for fmt in _formats_for(text):
        try:
            parsed = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        plausible = _plausible_birth(parsed, today)
        if plausible:
            return plausible.isoformat()
    return ""


def dob_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_dob`: ISO string or null."""
    today = _today()
    earliest = today.replace(year=today.year - MAX_AGE_YEARS)
    text = column.str.strip_chars().str.replace(_TIME_SUFFIX, "").str.replace_all(r"(\p{L})\.", "$1")

    def plausible(parsed: pl.Expr) -> pl.Expr:
        # Per format, so "03/04/75" read as the year 75 by "%m/%d/%Y" falls through to "%m/%d/%y".
        parsed = pl.when(parsed > pl.lit(today)).then(parsed.dt.offset_by("-100y")).otherwise(parsed)
        return pl.when(parsed.is_between(pl.lit(earliest), pl.lit(today))).then(parsed)

    birth = pl.coalesce([plausible(text.str.to_date(fmt, strict=False)) for fmt in DATE_FORMATS])
    return birth.dt.strftime("%Y-%m-%d")


_BIRTH_CONTEXT = context_words(
    "dob",
    "d.o.b",
    "d.o.b.",
    "date of birth",
    "birth date",
    "birthdate",
    "born",
    "birthday",
    "birth dt",
    "b-day",
)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"


def _date_pattern(name: str, scan: str, confirm: str, caseless: bool = False) -> TextPattern:
    flags = re.IGNORECASE if caseless else 0
    return TextPattern(
        name=f"dob.{name}",
        kind="date_of_birth",
        scan=scan,
        confirm=re.compile(confirm, flags),
        normalise=normalise_dob,
        context=_BIRTH_CONTEXT,
        context_before=40,
        confidence=0.9,
        caseless=caseless,
    )


FAMILY = ElementFamily(
    name="date_of_birth",
    codes=("date_of_birth",),
    legal_category=IDENTITY,
    fields=(
        FieldSpec(
            field="date_of_birth",
            element="date_of_birth",
            headers=synonyms(
                "dob",
                "date_of_birth",
                "birth_date",
                "birthdate",
                "birthday",
                "date_birth",
                "dob_date",
                "birth_dt",
                "dt_of_birth",
                "bdate",
                "b_date",
                "birth",
            ),
            normalise=normalise_dob,
            polars_normalise=dob_expression,
            priority=20,
        ),
    ),
    text_patterns=(
        _date_pattern(
            "numeric",
            r"\d{1,2}[/-]\d{1,2}[/-]\d{2,4}",
            r"(?<![\d/-])\d{1,2}([/-])\d{1,2}\1(?:\d{4}|\d{2})(?![\d/-])",
        ),
        _date_pattern("iso", r"\d{4}[-/]\d{2}[-/]\d{2}", r"(?<![\d/-])\d{4}([-/])\d{2}\1\d{2}(?![\d/-])"),
        _date_pattern(
            "month_name",
            rf"{_MONTHS}\.?\s+\d{{1,2}},?\s+\d{{4}}",
            rf"(?<![a-z]){_MONTHS}\.?\s+\d{{1,2}},?\s+\d{{4}}(?!\d)",
            caseless=True,
        ),
        _date_pattern(
            "day_month",
            rf"\d{{1,2}}[- ]{_MONTHS}[- ]\d{{2,4}}",
            rf"(?<!\d)\d{{1,2}}([- ]){_MONTHS}\1(?:\d{{4}}|\d{{2}})(?!\d)",
            caseless=True,
        ),
        _date_pattern("compact", r"\d{8}", r"(?<![\d-])\d{8}(?![\d-])"),
    ),
)
