"""Standardise person mentions so that equal people compare equal.

Names are parsed in Python, but only once per *distinct* name spelling (a case
repeats the same names across many files), and joined back in DuckDB. Dates,
SSNs, ZIP codes, e-mails and phones are standardised in SQL, set-based.

The result is the temporary table ``std_mentions``: one row per mention with
matching keys (``*_std``, folded: lower case, no accents, no punctuation) and
display values (the source's spelling, cleaned up) side by side.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from exposure.resolve.keys import nickname_group, soundex, street_key

# Roles of mentions that are not affected individuals (CONTRACT.md: providers,
# staff acting in their role, companies). Detection may still record them.
NON_INDIVIDUAL_ROLES: tuple[str, ...] = (
    "provider",
    "billing_provider",
    "rendering_provider",
    "organization",
    "company",
    "staff",
    "agent",
)

# Generational suffixes: the folded token -> (matching key, display form).
_SUFFIXES: dict[str, tuple[str, str]] = {
    "jr": ("jr", "Jr."),
    "junior": ("jr", "Jr."),
    "sr": ("sr", "Sr."),
    "senior": ("sr", "Sr."),
    "ii": ("ii", "II"),
    "2nd": ("ii", "II"),
    "iii": ("iii", "III"),
    "3rd": ("iii", "III"),
    "iv": ("iv", "IV"),
    "4th": ("iv", "IV"),
}
# Titles and degrees that are not part of who someone is: dropped.
_HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev"}
_DEGREES = {"md", "do", "phd", "dds", "dmd", "esq", "rn", "np", "pa", "cpa", "jd"}
# Lower-case particles that belong to the last name ("Maria de la Cruz").
_PARTICLES = frozenset(
    ["de", "del", "della", "der", "di", "da", "dos", "du", "la", "le", "van", "von", "st", "bin", "al"]
)

_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
    "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR",
    "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA",
    "washington": "WA", "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY",
    "puerto rico": "PR", "guam": "GU", "virgin islands": "VI", "us virgin islands": "VI",
    "american samoa": "AS", "northern mariana islands": "MP",
    "armed forces americas": "AA", "armed forces europe": "AE", "armed forces pacific": "AP",
}  # fmt: skip
USPS_STATES: frozenset[str] = frozenset(_STATES.values())

# SSNs that must never link people: published, advertised or structurally invalid.
_UNUSABLE_SSNS = ("078051120", "219099999", "457555462", "123456789")


@dataclass(frozen=True)
class NameParts:
    """A parsed name: display parts (source spelling) and folded matching keys."""

    first: str = ""
    middle: str = ""
    last: str = ""
    suffix: str = ""  # display form: Jr., Sr., II ...
    first_std: str = ""  # first given name only, folded
    middle_std: str = ""  # remaining given names, folded, space-separated
    last_std: str = ""  # letters only ("De La Cruz" and "DELACRUZ" agree)
    suffix_std: str = ""  # jr, sr, ii, iii, iv

    @property
    def parts(self) -> int:
        return sum(1 for p in (self.first, self.middle, self.last, self.suffix) if p)

    @property
    def display(self) -> str:
        """``Jane A. Smith Jr.``"""
        middle = " ".join(f"{t}." if len(t) == 1 else t for t in self.middle.split())
        return " ".join(p for p in (self.first, middle, self.last, self.suffix) if p)


_NOT_KEY_CHAR = re.compile(r"[^0-9a-z]")
_TOKEN_PUNCTUATION = re.compile(r"[.\"()\[\]/_]")
_TOKEN_SPLIT = re.compile(r"[\s\-]+")


def fold(text: str) -> str:
    """Case-fold and strip accents: ``Zoë`` -> ``zoe``."""
    if text.isascii():  # most names: skip the Unicode work
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def _letters(text: str) -> str:
    """The matching key of a token: folded letters and digits only (name tokens repeat a lot)."""
    return _NOT_KEY_CHAR.sub("", fold(text))


def _tokens(text: str) -> list[str]:
    """Split on spaces and hyphens; dots and stray punctuation go, apostrophes stay inside words."""
    text = _TOKEN_PUNCTUATION.sub(" ", text or "")
    return [t.strip("'`,") for t in _TOKEN_SPLIT.split(text) if t.strip("'`,")]


def _display_case(token: str) -> str:
    """Title-case tokens written in capitals or all lower; keep deliberate mixed case (McDonald, DeShawn)."""
    if token.isupper() or token.islower() or re.search(r"[A-Z]{3}", token):
        return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), token)
    return token


def _display_last(tokens: list[str]) -> list[str]:
    """Like _display_case, but lower-case particles stay lower ("Maria de la Cruz")."""
    return [
        t if i < len(tokens) - 1 and t.islower() and t in _PARTICLES else _display_case(t)
        for i, t in enumerate(tokens)
    ]


def _suffix_of(token: str) -> tuple[str, str] | None:
    return _SUFFIXES.get(_letters(token))


def _split_trailing_suffix(tokens: list[str]) -> tuple[list[str], tuple[str, str] | None]:
    """Remove degrees and one generational suffix from the end of a token list."""
    suffix = None
    while tokens:
        key = _letters(tokens[-1])
        if key in _DEGREES and len(tokens) > 1:
            tokens = tokens[:-1]
        elif key in _SUFFIXES and suffix is None and len(tokens) > 1:
            suffix = _SUFFIXES[key]
            tokens = tokens[:-1]
        else:
            break
    return tokens, suffix


def _drop_honorifics(tokens: list[str]) -> list[str]:
    while len(tokens) > 1 and _letters(tokens[0]) in _HONORIFICS:
        tokens = tokens[1:]
    return tokens


def _parse_full_name(full_name: str) -> tuple[list[str], list[str], tuple[str, str] | None]:
    """``SMITH, JANE A`` / ``Smith Jr., Jane`` / ``Jane A. Smith, Jr.`` -> (given, last, suffix)."""
    segments = [s.strip() for s in full_name.split(",") if s.strip()]
    suffix = None
    kept = []
    for segment in segments:
        toks = _tokens(segment)
        keys = {_letters(t) for t in toks}
        if toks and keys <= set(_SUFFIXES) | _DEGREES and len(segments) > 1:
            found = [_SUFFIXES[k] for k in (_letters(t) for t in toks) if k in _SUFFIXES]
            suffix = suffix or (found[0] if found else None)
        else:
            kept.append(segment)
    if len(kept) >= 2:  # LAST, FIRST MIDDLE
        last_tokens, last_suffix = _split_trailing_suffix(_tokens(kept[0]))
        given = _drop_honorifics(_tokens(" ".join(kept[1:])))
        given, given_suffix = _split_trailing_suffix(given)
        return given, last_tokens, suffix or last_suffix or given_suffix
    tokens = _drop_honorifics(_tokens(kept[0] if kept else ""))
    tokens, own_suffix = _split_trailing_suffix(tokens)
    suffix = suffix or own_suffix
    if len(tokens) <= 1:
        return [], tokens, suffix  # a lone word is most often a surname
    last_start = len(tokens) - 1
    while last_start > 1 and tokens[last_start - 1].islower() and tokens[last_start - 1] in _PARTICLES:
        last_start -= 1
    return tokens[:last_start], tokens[last_start:], suffix


def parse_name(
    full_name: str = "", first: str = "", middle: str = "", last: str = "", suffix: str = ""
) -> NameParts:
    """Parse one mention's name fields (separate parts win when they hold a first and a last name)."""
    first, middle, last, suffix = (x or "" for x in (first, middle, last, suffix))
    suffix_found = _suffix_of(suffix) if suffix.strip() else None
    # Separate parts win; a full name fills in when the parts lack a first or last name.
    if (first.strip() and last.strip()) or not (full_name or "").strip():
        last_tokens, last_suffix = _split_trailing_suffix(_tokens(last))
        given = _drop_honorifics(_tokens(first)) + _tokens(middle)
        given, given_suffix = _split_trailing_suffix(given) if not last_tokens else (given, None)
        suffix_found = suffix_found or last_suffix or given_suffix
    else:
        given, last_tokens, parsed_suffix = _parse_full_name(full_name or "")
        suffix_found = suffix_found or parsed_suffix
    given = [_display_case(t) for t in given]
    last_tokens = _display_last(last_tokens)
    # Given names after the first are middle names: "Jane A" in a first-name field, "SMITH, MARY ANN".
    first_d, middle_d = (given[0], " ".join(given[1:])) if given else ("", "")
    return NameParts(
        first=first_d,
        middle=middle_d,
        last=" ".join(last_tokens),
        suffix=suffix_found[1] if suffix_found else "",
        first_std=_letters(first_d),
        middle_std=" ".join(_letters(t) for t in given[1:] if _letters(t)),
        last_std=_letters("".join(last_tokens)),
        suffix_std=suffix_found[0] if suffix_found else "",
    )


def standard_state(value: str | None) -> str:
    """A 2-letter USPS code, from a code or a full state name; '' when unknown."""
    text = re.sub(r"[^a-z ]", "", fold(value or "")).strip()
    text = re.sub(r"\s+", " ", text)
    if len(text) == 2 and text.upper() in USPS_STATES:
        return text.upper()
    return _STATES.get(text, "")


_NAME_COLUMNS = ("full_name", "first_name", "middle_name", "last_name", "suffix")
_PARSED_COLUMNS = (
    "first_d", "middle_d", "last_d", "suffix_d", "full_d",
    "first_std", "middle_std", "last_std", "suffix_std", "name_parts",
)  # fmt: skip
_LIST_COLUMNS = ("first_groups", "last_parts")


@functools.lru_cache(maxsize=65536)
def _surname_parts(last_display: str) -> tuple[str, ...]:
    words = [_letters(t) for t in _tokens(last_display)]
    words = [w for w in words if w and w not in _PARTICLES]
    return tuple(sorted({*words, _letters(last_display)} - {""}))


def surname_parts(last_display: str) -> list[str]:
    """The folded words of a surname and their join: ``García-López`` -> garcia, garcialopez, lopez.

    A hyphenated or double surname matches either of its parts (a maiden name kept
    beside a married one); particles ("de la") are not parts on their own.
    """
    return list(_surname_parts(last_display))


def _parsed_names_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Parse every distinct name spelling once."""
    rows = con.execute(
        "SELECT DISTINCT " + ", ".join(f"coalesce({c}, '')" for c in _NAME_COLUMNS) + " FROM mentions"
    ).fetchall()
    names = _NAME_COLUMNS + _PARSED_COLUMNS + _LIST_COLUMNS + ("last_sx",)
    columns: dict[str, list] = {c: [] for c in names}
    for row in rows:
        parts = parse_name(*row)
        values = (
            parts.first, parts.middle, parts.last, parts.suffix, parts.display,
            parts.first_std, parts.middle_std, parts.last_std, parts.suffix_std, parts.parts,
            nickname_group(parts.first_std), surname_parts(parts.last), soundex(parts.last_std),
        )  # fmt: skip
        for column, value in zip(names, row + values, strict=True):
            columns[column].append(value)
    types = {c: pa.string() for c in columns}
    types["name_parts"] = pa.int64()
    types.update(dict.fromkeys(_LIST_COLUMNS, pa.list_(pa.string())))
    return pa.table({c: pa.array(v, types[c]) for c, v in columns.items()})


def _street_keys_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """House number + street of every distinct first address line (usaddress, once per spelling)."""
    raw = [r[0] for r in con.execute("SELECT DISTINCT coalesce(address_line1, '') FROM mentions").fetchall()]
    return pa.table(
        {
            "line1_raw": pa.array(raw, pa.string()),
            "street_key": pa.array([street_key(" ".join(s.split())) for s in raw], pa.string()),
        }
    )


def _states_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    raw = [r[0] for r in con.execute("SELECT DISTINCT coalesce(state, '') FROM mentions").fetchall()]
    return pa.table(
        {
            "state_raw": pa.array(raw, pa.string()),
            "state2": pa.array([standard_state(s) for s in raw], pa.string()),
        }
    )


# Dates: ISO first (what detection writes), then common US spellings.
_DOB_SQL = """
    CAST(coalesce(
        try_strptime(trim(m.date_of_birth), '%Y-%m-%d'),
        try_strptime(trim(m.date_of_birth), '%m/%d/%Y'),
        try_strptime(trim(m.date_of_birth), '%Y%m%d'),
        try_strptime(trim(m.date_of_birth), '%m-%d-%Y'),
        try_strptime(trim(m.date_of_birth), '%Y/%m/%d')
    ) AS DATE)
"""

_SSN_DIGITS_SQL = "regexp_replace(coalesce(m.ssn, ''), '[^0-9]', '', 'g')"

# Member ids compare on letters and digits only, upper case ("ABC-123 45" = "abc12345").
_MEMBER_ID_SQL = """coalesce(
    nullif(upper(regexp_replace(CASE WHEN json_valid(m.attributes)
        THEN coalesce(m.attributes::JSON ->> 'member_id', '') ELSE '' END, '[^0-9A-Za-z]', '', 'g')), ''),
    member_ids.element_member_id)"""

# When a mention was true: a date the reader kept (attributes), else the day its file was
# last modified. Whole days only: files copied together differ by nanoseconds, not by news.
_SOURCE_DATE_SQL = """coalesce(
    CASE WHEN json_valid(m.attributes) THEN try_cast(coalesce(m.attributes::JSON ->> 'source_date',
        m.attributes::JSON ->> 'as_of') AS DATE) END,
    file_dates.file_date)"""


def _member_and_file_date_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables ``member_ids`` (a mention's health_insurance_id element) and ``file_dates``."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE member_ids AS
        SELECT sha256, mention_key,
            min(nullif(upper(regexp_replace(value, '[^0-9A-Za-z]', '', 'g')), '')) AS element_member_id
        FROM elements WHERE code = 'health_insurance_id' AND mention_key <> ''
        GROUP BY sha256, mention_key
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE file_dates AS
        SELECT sha256, CAST(make_timestamp(max(mtime_ns) // 1000) AS DATE) AS file_date
        FROM paths WHERE sha256 IS NOT NULL AND mtime_ns IS NOT NULL GROUP BY sha256
    """)


def _usable_ssn_sql(digits: str) -> str:
    """SQL for a 9-digit SSN that may link people, else NULL (area/group/serial rules, known fakes)."""
    fakes = ", ".join(f"'{s}'" for s in _UNUSABLE_SSNS)
    return f"""CASE WHEN length({digits}) = 9
        AND substr({digits}, 1, 3) NOT IN ('000', '666') AND substr({digits}, 1, 1) <> '9'
        AND substr({digits}, 4, 2) <> '00' AND substr({digits}, 6, 4) <> '0000'
        AND {digits} NOT IN ({fakes}) THEN {digits} END"""


def build_standardized_mentions(con: duckdb.DuckDBPyConnection) -> int:
    """Create the temp table ``std_mentions`` (affected-individual mentions only); return its row count."""
    con.register("parsed_names_view", _parsed_names_table(con))
    con.register("states_view", _states_table(con))
    con.register("street_keys_view", _street_keys_table(con))
    _member_and_file_date_tables(con)
    roles = ", ".join(f"'{r}'" for r in NON_INDIVIDUAL_ROLES)
    name_join = " AND ".join(f"coalesce(m.{c}, '') = n.{c}" for c in _NAME_COLUMNS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE std_mentions AS
        WITH base AS (
            SELECT
                m.sha256, m.mention_key,
                m.sha256 || chr(31) || m.mention_key AS anchor,
                n.first_d, n.middle_d, n.last_d, n.suffix_d, n.full_d,
                n.first_std, n.middle_std, n.last_std, n.suffix_std, n.name_parts,
                n.first_groups, n.last_parts, n.last_sx,
                n.first_std <> '' OR n.last_std <> '' AS has_name,
                left(n.middle_std, 1) AS mi,
                {_DOB_SQL} AS dob_parsed,
                {_usable_ssn_sql(_SSN_DIGITS_SQL)} AS ssn9,
                nullif(right(regexp_replace(coalesce(m.ssn_last4, ''), '[^0-9]', '', 'g'), 4), '')
                    AS ssn_last4_hint,
                trim(regexp_replace(coalesce(m.address_line1, ''), '\\s+', ' ', 'g')) AS address_line1,
                trim(regexp_replace(coalesce(m.address_line2, ''), '\\s+', ' ', 'g')) AS address_line2,
                trim(regexp_replace(coalesce(m.city, ''), '\\s+', ' ', 'g')) AS city,
                s.state2 AS state,
                trim(coalesce(m.postal_code, '')) AS postal_code,
                -- a 4-digit ZIP lost its leading zero in a spreadsheet (02134 -> 2134)
                CASE WHEN length(regexp_replace(coalesce(m.postal_code, ''), '[^0-9]', '', 'g')) >= 5
                     THEN left(regexp_replace(m.postal_code, '[^0-9]', '', 'g'), 5)
                     WHEN length(regexp_replace(coalesce(m.postal_code, ''), '[^0-9]', '', 'g')) = 4
                     THEN '0' || regexp_replace(m.postal_code, '[^0-9]', '', 'g') ELSE '' END AS zip5,
                a.street_key,
                lower(trim(coalesce(m.email, ''))) AS email_std,
                trim(coalesce(m.phone, '')) AS phone,
                right(regexp_replace(coalesce(m.phone, ''), '[^0-9]', '', 'g'), 10) AS phone_std,
                coalesce(m.attributes, '{{}}') AS attributes,
                {_MEMBER_ID_SQL} AS member_id,
                {_SOURCE_DATE_SQL} AS source_date,
                m.needs_review
            FROM mentions m
            JOIN parsed_names_view n ON {name_join}
            JOIN states_view s ON coalesce(m.state, '') = s.state_raw
            JOIN street_keys_view a ON coalesce(m.address_line1, '') = a.line1_raw
            LEFT JOIN member_ids USING (sha256, mention_key)
            LEFT JOIN file_dates USING (sha256)
            WHERE lower(trim(m.role)) NOT IN ({roles})
        ),
        dated AS (
            -- implausible dates (typos, 0001-01-01 placeholders) are treated as unknown
            SELECT * EXCLUDE (dob_parsed),
                CASE WHEN year(dob_parsed) BETWEEN 1880 AND 2100 THEN dob_parsed END AS dob
            FROM base
        )
        SELECT *,
            strftime(dob, '%Y-%m-%d') AS dob_iso,
            -- the same date with day and month swapped, when that is a date and differs
            CASE WHEN day(dob) <= 12 AND day(dob) <> month(dob)
                 THEN strftime(make_date(year(dob), day(dob), month(dob)), '%Y-%m-%d') END AS dob_swap,
            coalesce(right(ssn9, 4), ssn_last4_hint) AS last4,
            -- exact name + DOB key; the middle initial is resolved in cluster.py
            CASE WHEN first_std <> '' AND last_std <> '' AND dob IS NOT NULL
                 THEN first_std || '|' || last_std || '|' || suffix_std || '|' || strftime(dob, '%Y-%m-%d')
            END AS name_dob_key,
            CASE WHEN first_std <> '' AND last_std <> ''
                 THEN first_std || '|' || last_std || '|' || suffix_std END AS name_key,
            upper(address_line1 || '|' || address_line2 || '|' || city || '|' || state || '|' || zip5)
                AS address_key,
            (address_line1 <> '')::INT + (address_line2 <> '')::INT + (city <> '')::INT
                + (state <> '')::INT + (zip5 <> '')::INT AS address_parts
        FROM dated
    """)
    con.unregister("parsed_names_view")
    con.unregister("states_view")
    con.unregister("street_keys_view")
    con.execute("DROP TABLE IF EXISTS temp.member_ids")
    con.execute("DROP TABLE IF EXISTS temp.file_dates")
    return con.execute("SELECT count(*) FROM std_mentions").fetchone()[0]
