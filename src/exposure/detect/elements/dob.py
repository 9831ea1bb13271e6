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
    usual = _usual_shape_dates(text)
    if usual is not None:
        return _first_birth_date(usual, today)
    for fmt in _formats_for(text):
        try:
            parsed = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        plausible = _plausible_birth(parsed, today)
        if plausible:
            return plausible.isoformat()
    return ""


# The usual shapes, read without strptime (slow). For these texts strptime's regex takes each number whole
# exactly when it is in range (1-12, 1-31, in one or two digits), and of the formats _formats_for gives them
# only %m/%d/%Y then %d/%m/%Y (slashes) or %Y-%m-%d (dashes) can take them whole (as in _dob_series).
_SLASHED_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")


def _usual_shape_dates(text: str) -> list[tuple[int, int, int]] | None:
    """The (year, month, day) readings of ``text`` in the order strptime tries them, when it is written in
    a usual shape; None for other texts."""
    slashed = _SLASHED_DATE.fullmatch(text)
    if slashed is not None:
        first, second, year = map(int, slashed.groups())
        return [(year, first, second), (year, second, first)]
    iso = _ISO_DATE.fullmatch(text)
    if iso is None:
        return None
    year, month, day = map(int, iso.groups())
    return [(year, month, day)]


def _first_birth_date(readings: list[tuple[int, int, int]], today: dt.date) -> str:
    """ISO form of the first reading that is a date and a plausible birth date, as normalise_dob's loop."""
    for year, month, day in readings:
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        try:
            plausible = _plausible_birth(dt.date(year, month, day), today)
        except ValueError:  # 30 February, year 0
            continue
        if plausible:
            return plausible.isoformat()
    return ""


_MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")  # fmt: skip
# What each directive matches in ``datetime.strptime`` (``_strptime.TimeRE`` in the C locale) when the text
# is printable ASCII (``\d`` is then [0-9] and ``\s`` a space), and its shapes in a skeleton (below).
_DIRECTIVES: dict[str, tuple[str, tuple[str, ...]]] = {
    "m": (r"(?P<m>1[0-2]|0[1-9]|[1-9])", ("9", "99")),
    "d": (r"(?P<d>3[0-1]|[1-2][0-9]|0[1-9]|[1-9]| [1-9])", ("9", "99", " 9")),
    "Y": (r"(?P<Y>[0-9]{4})", ("9999",)),
    "y": (r"(?P<y>[0-9]{2})", ("99",)),
    "b": (rf"(?P<b>{'|'.join(_MONTH_ABBREVIATIONS)})", ("a",)),
    "B": (rf"(?P<B>{'|'.join(sorted(_MONTH_NAMES, key=len, reverse=True))})", ("a",)),
}
# Other text (non-ASCII digits or spaces, tabs, which Python's ``re`` and ``str.strip`` read in their own
# ways) is rare in a date column: it goes through normalise_dob value by value.
_NOT_PRINTABLE_ASCII = r"[^\x20-\x7e]"


def _format_regex(fmt: str) -> tuple[str, list[str]]:
    """``strptime``'s regex for ``fmt`` (a Rust regex: its leftmost-first alternation finds the match
    Python's ``re.match`` finds), and the skeletons of the texts that it can match whole."""
    regex, skeletons = "", [""]
    for piece in re.findall(r"%.|[^%]", fmt):
        if piece.startswith("%"):
            pattern, shapes = _DIRECTIVES[piece[1]]
        elif piece == " ":
            pattern, shapes = " +", (" ",)
        else:
            pattern, shapes = re.escape(piece), (piece,)
        regex += pattern
        skeletons = [s + shape for s in skeletons for shape in shapes]
    return rf"(?i)^(?P<all>{regex})", sorted({re.sub(" +", " ", s) for s in skeletons})


_FORMAT_REGEXES = {fmt: _format_regex(fmt) for fmt in DATE_FORMATS}


def _skeleton(text: pl.Expr) -> pl.Expr:
    """Digits as 9, runs of letters as ``a``, runs of spaces as one: ``Mar  4, 1975`` -> ``a 9, 9999``."""
    return text.str.replace_all("[0-9]", "9").str.replace_all("[A-Za-z]+", "a").str.replace_all(" {2,}", " ")


def _day_number(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """``year * 10000 + month * 100 + day`` when that is a date ``datetime.date`` accepts, else null."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    return pl.when((year >= 1) & month.is_between(1, 12) & (day >= 1) & (day <= days)).then(
        year * 10_000 + month * 100 + day
    )


def _birth_numbers(
    frame: pl.DataFrame, year: pl.Expr, month: pl.Expr, day: pl.Expr, today: int, earliest: int
) -> pl.Series:
    """For each row of ``frame``: the date ``YYYYMMDD`` when it is a date and :func:`_plausible_birth`
    takes it, else null. Step by step, as Polars computes a repeated sub-expression again each time."""
    number, earlier = pl.col("number"), pl.col("earlier")
    days = frame.select(number=_day_number(year, month, day), earlier=_day_number(year - 100, month, day))
    # a date in the future is a century earlier, when that century has the day (29 February)
    days = days.select(number=pl.when(number > today).then(earlier).otherwise(number))
    return days.select(n=pl.when(number.is_between(earliest, today)).then(number)).to_series()


def _parsed(texts: pl.DataFrame, fmt: str, today: int, earliest: int) -> pl.DataFrame:
    """``strptime(text, fmt)`` and :func:`_plausible_birth` on ``texts`` (columns ``i``, ``text``): the
    rows (``i``, ``n``) where they give a birth date ``n`` (``YYYYMMDD``)."""
    regex, _ = _FORMAT_REGEXES[fmt]
    text = pl.col("text")
    frame = texts.select("i", n=text.str.len_bytes(), parts=text.str.extract_groups(regex)).unnest("parts")
    # strptime: the match must take the whole text ("unconverted data remains" otherwise)
    frame = frame.filter(pl.col("all").str.len_bytes() == pl.col("n"))
    if "%Y" in fmt:
        year = pl.col("Y").cast(pl.Int32)
    else:
        short = pl.col("y").cast(pl.Int32)
        year = pl.when(short <= 68).then(short + 2000).otherwise(short + 1900)
    if "%b" in fmt or "%B" in fmt:
        name, names = ("b", _MONTH_ABBREVIATIONS) if "%b" in fmt else ("B", _MONTH_NAMES)
        month = pl.col(name).str.to_lowercase()
        month = month.replace_strict(list(names), list(range(1, 13)), default=None, return_dtype=pl.Int32)
    else:
        month = pl.col("m").cast(pl.Int32)
    day = pl.col("d").str.strip_chars(" ").cast(pl.Int32)
    frame = frame.select("i", year=year, month=month, day=day)
    year, month, day = pl.col("year"), pl.col("month"), pl.col("day")
    return frame.select("i", n=_birth_numbers(frame, year, month, day, today, earliest)).drop_nulls("n")


# The usual shapes of _usual_shape_dates, for Polars (which reads them without strptime too).
_SLASHES = f"^{_SLASHED_DATE.pattern}$"
_ISO = f"^{_ISO_DATE.pattern}$"


# Up to this many values, normalise_dob value by value is quicker than the Polars steps below, whose fixed
# cost (~2 ms: a dozen small queries) is most of what a small table or a sample costs.
_FEW_VALUES = 256


def _dob_series(values: pl.Series) -> pl.Series:
    """:func:`normalise_dob` of every value (null for ""), column-wise; text that is not printable ASCII
    (rare) value by value, and a few values (a small table) too."""
    if values.len() <= _FEW_VALUES:
        found = [normalise_dob(v) or None if v is not None else None for v in values.to_list()]
        return pl.Series(values.name, found, dtype=pl.String)
    today = _today()
    earliest = today.replace(year=today.year - MAX_AGE_YEARS)
    bounds = [int(d.strftime("%Y%m%d")) for d in (today, earliest)]
    v, slashes, iso, n = pl.col("v"), pl.col("slashes"), pl.col("iso"), pl.col("n")
    # The usual shapes first, without regex groups: %m/%d/%Y then %d/%m/%Y, or %Y-%m-%d.
    frame = pl.DataFrame({"v": values})
    frame = frame.with_columns(slashes=v.str.contains(_SLASHES), iso=v.str.contains(_ISO))
    fields = pl.when(slashes | iso).then(v).str.replace_all("-", "/", literal=True).str.split_exact("/", 2)
    frame = frame.with_columns(fields=fields).unnest("fields")
    frame = frame.with_columns(pl.col("field_0", "field_1", "field_2").cast(pl.Int32))
    a, b, c = pl.col("field_0"), pl.col("field_1"), pl.col("field_2")
    year, month, day = pl.col("year"), pl.col("month"), pl.col("day")
    frame = frame.select(
        "v",
        # blank cells (common: a missing date) are no date in any format, as strptime says of ""
        other=~(slashes | iso) & (v.str.strip_chars().str.len_bytes() > 0),
        slashes=slashes,
        year=pl.when(slashes).then(c).otherwise(a),
        month=pl.when(slashes).then(a).otherwise(b),
        day=pl.when(slashes).then(b).otherwise(c),
    ).with_row_index("i")
    numbers = _birth_numbers(frame, year, month, day, *bounds)
    # the day first where the month first gave nothing
    retry = frame.filter(numbers.is_null() & frame["slashes"])
    if not retry.is_empty():
        numbers = numbers.scatter(retry["i"], _birth_numbers(retry, year, day, month, *bounds))
    rest = frame.filter("other").with_columns(odd=v.str.contains(_NOT_PRINTABLE_ASCII))
    odd_values = rest.filter("odd")
    if not rest.is_empty():
        found = _other_shapes(rest.filter(~pl.col("odd")), *bounds)
        if found:
            dates = pl.concat(found)
            numbers = numbers.scatter(dates["i"], dates["n"])
    iso_text = pl.date(n // 10_000, n // 100 % 100, n % 100).cast(pl.String)
    result = numbers.to_frame("n").select(iso_text).to_series().alias(values.name)
    if not odd_values.is_empty():  # normalise_dob value by value
        by_python = [normalise_dob(text) or None for text in odd_values["v"].to_list()]
        result = result.scatter(odd_values["i"], pl.Series(by_python, dtype=pl.String))
    return result


def _other_shapes(frame: pl.DataFrame, today: int, earliest: int) -> list[pl.DataFrame]:
    """(``i``, ``n``) frames for the printable ASCII values of ``frame`` (``i``, ``v``), any shape."""
    text = pl.col("v").str.strip_chars().str.replace(_TIME_SUFFIX, "").str.replace_all(r"([A-Za-z])\.", "$1")
    pending = frame.select("i", text=text).with_columns(skeleton=_skeleton(pl.col("text")))
    found = []
    skeletons = set(pending["skeleton"].unique().to_list())
    for fmt in DATE_FORMATS:
        if skeletons.isdisjoint(_FORMAT_REGEXES[fmt][1]):  # (one look instead of a filter per format)
            continue
        fits = pending.filter(pl.col("skeleton").is_in(_FORMAT_REGEXES[fmt][1]))
        dates = _parsed(fits, fmt, today, earliest)
        if not dates.is_empty():
            found.append(dates)
            pending = pending.join(dates, on="i", how="anti")
    return found


def dob_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_dob` (ISO string or null), with the same results.

    Each value is parsed only with the formats its skeleton allows (``Mar 4, 1975`` is ``a 9, 9999``:
    ``%b %d, %Y`` or ``%B %d, %Y``), by ``strptime``'s own regexes, in :data:`DATE_FORMATS` order; the
    usual ``01/17/1967`` and ``1967-01-17`` without regex groups."""
    return column.map_batches(_dob_series, return_dtype=pl.String)


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
        # Scanned up to the year's first two digits: candidates are where matches start, and the same
        # dates start there, each reported once instead of once for each length of year it could have.
        _date_pattern(
            "numeric",
            r"\d{1,2}[/-]\d{1,2}[/-]\d{2}",
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
