"""North American telephone numbers (country code 1), validated and formatted (E.164) by ``phonenumbers``."""

from __future__ import annotations

import re

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata, PhoneNumberType

from exposure.detect.elements import CONTACT, ElementFamily, FieldSpec, TextPattern, context_words, synonyms

REGION = "US"
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension)\s*\d{1,6}\s*$", re.IGNORECASE)
_NON_DIGITS = re.compile(r"\D")


def normalise_phone_cell(value: str) -> str:
    """E.164 for a cell already shaped like a North American number; "" when it is valid in no region of
    country code 1 (as ``phonenumbers.is_valid_number`` decides: the U.S., Canada, the Caribbean ...).

    The cell's shape was checked in Polars, so building the number from its digits and checking it
    against phonenumbers' metadata is enough (and many times faster than ``phonenumbers.parse``).
    Toll-free numbers are valid: in a person's phone column they are that person's number.
    """
    digits = _NON_DIGITS.sub("", _EXTENSION.sub("", value))
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10:
        return ""
    nsn = str(int(digits))  # as phonenumbers keeps it: no leading zeros
    return _E164_PREFIX + nsn if _nanpa_region_index(nsn) is not None else ""


# What normalise_phone_cell is given: a stripped value of this shape (normalise_series checks it).
PHONE_CELL_SHAPE = (
    r"(?i)^(?:\+?1[\s.-]*)?(?:\(\d{3}\)|\d{3})[\s.-]*\d{3}[\s.-]*\d{4}"
    r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?$"
)
# Printable ASCII: other values (Unicode digits and spaces, which Python's ``re`` and ``int`` read in
# their own ways) go to normalise_phone_cell value by value.
_NOT_PRINTABLE_ASCII = r"[^\x20-\x7e]"


def _validity_rules(region: str) -> tuple[str, tuple[tuple[int, ...], str], dict[tuple[int, ...], str]]:
    """From phonenumbers' own metadata for ``region``: its E.164 prefix, and what makes a national
    significant number valid there (``_number_type_helper`` is not UNKNOWN): it matches the general
    description, and the description of some number type. A description is (possible lengths, pattern);
    the number types' patterns are joined by their possible lengths."""
    metadata = PhoneMetadata.metadata_for_region(region)
    assert metadata is not None
    types = [
        metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip,
        metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail, metadata.fixed_line,
        metadata.mobile,
    ]  # fmt: skip
    patterns: dict[tuple[int, ...], list[str]] = {}
    for desc in types:
        if desc is not None and desc.national_number_pattern:
            same_lengths = patterns.setdefault(tuple(desc.possible_length), [])
            if desc.national_number_pattern not in same_lengths:
                same_lengths.append(desc.national_number_pattern)
    general = (tuple(metadata.general_desc.possible_length), metadata.general_desc.national_number_pattern)
    joined = {lengths: "|".join(f"(?:{p})" for p in group) for lengths, group in patterns.items()}
    return f"+{metadata.country_code}", general, joined


_E164_PREFIX = _validity_rules(REGION)[0]
# Regions of country code 1 checked in Polars, in this order: most North American numbers are American,
# then Canadian. Numbers valid in neither are checked against all the other regions in Python.
_POLARS_REGIONS = ("US", "CA")
_POLARS_RULES = {region: _validity_rules(region)[1:] for region in _POLARS_REGIONS}


def _matches(number: pl.Expr, lengths: tuple[int, ...], pattern: str) -> pl.Expr:
    """phonenumbers' ``_is_number_matching_desc``: a possible length (when any is given), and the
    pattern matching the whole number."""
    whole = number.str.contains(f"^(?:{pattern})$")
    return number.str.len_bytes().is_in(lengths) & whole if lengths else whole


def _valid_in_region(number: pl.Expr, region: str) -> pl.Expr:
    """``is_valid_number_for_region`` of national significant numbers (digit strings) of ``region``."""
    general, types = _POLARS_RULES[region]
    of_some_type = [_matches(number, lengths, pattern) for lengths, pattern in types.items()]
    return _matches(number, *general) & pl.any_horizontal(of_some_type)


# An extension at the end of a value of PHONE_CELL_SHAPE, and what else is not a digit in one of printable
# ASCII (where the only white space is the space).
_EXTENSION_AT_END = r"(?i)\s*(?:x|ext\.?|extension)\s*\d{1,6}$"
_PUNCTUATION = ["(", ")", " ", "-", ".", "+"]


# Up to this many values, normalise_phone_cell value by value is quicker than the Polars steps below, whose
# fixed cost (~2 ms: a score of small queries) is most of what a small table or a sample costs.
_FEW_VALUES = 256


def _phone_series(values: pl.Series) -> pl.Series:
    if values.len() <= _FEW_VALUES:
        return _phone_series_by_value(values)
    stripped = pl.DataFrame({"v": values.str.strip_chars()}).with_row_index("i")
    shaped = stripped.filter(pl.col("v").str.contains(PHONE_CELL_SHAPE))
    odd = pl.col("v").str.contains(_NOT_PRINTABLE_ASCII)
    # normalise_phone_cell takes all digits but an extension's, then drops a leading 1 from 11: in a value
    # of this shape (in printable ASCII) that leaves its last ten digits. int() drops leading zeros.
    digits = pl.col("v").str.replace(_EXTENSION_AT_END, "").str.replace_many(_PUNCTUATION, [""] * 6)
    national = digits.str.slice(-10).str.strip_chars_start("0").replace("", "0")
    numbers = shaped.filter(~odd).select("i", nsn=national)
    found = [_valid_numbers(numbers).select("i", e164=_E164_PREFIX + pl.col("nsn"))]
    odd_values = shaped.filter(odd)
    if not odd_values.is_empty():
        by_python = [normalise_phone_cell(v) or None for v in odd_values["v"].to_list()]
        found.append(odd_values.select("i", e164=pl.Series(by_python, dtype=pl.String)))
    result = pl.concat(found)
    nulls = pl.repeat(None, values.len(), dtype=pl.String, eager=True)
    return nulls.scatter(result["i"], result["e164"]).alias(values.name)


def _phone_series_by_value(values: pl.Series) -> pl.Series:
    """:func:`_phone_series` of a few values: the stripped values of PHONE_CELL_SHAPE, one by one."""
    stripped = values.str.strip_chars()
    cells = zip(stripped.to_list(), stripped.str.contains(PHONE_CELL_SHAPE).to_list(), strict=True)
    found = [normalise_phone_cell(v) or None if shaped else None for v, shaped in cells]
    return pl.Series(values.name, found, dtype=pl.String)


def _valid_numbers(numbers: pl.DataFrame) -> pl.DataFrame:
    """The ``numbers`` (national significant numbers "nsn") valid in some region of country code 1: in
    Polars region by region (each on the numbers the one before did not take), the rest in Python."""
    found = []
    for region in _POLARS_REGIONS:
        numbers = numbers.with_columns(valid=_valid_in_region(pl.col("nsn"), region))
        found.append(numbers.filter("valid").drop("valid"))
        numbers = numbers.filter(~pl.col("valid")).drop("valid")
    distinct = numbers["nsn"].unique().to_list()
    elsewhere = pl.Series([nsn for nsn in distinct if _VALID_OUTSIDE_US.match(nsn)], dtype=pl.String)
    return pl.concat([*found, numbers.filter(pl.col("nsn").is_in(elsewhere.implode()))])


def phone_column_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_phone_cell` on the stripped values of
    :data:`PHONE_CELL_SHAPE` (null elsewhere), with the same results: validity by the patterns of
    phonenumbers' metadata of the regions of country code 1 (the U.S. and Canada in Polars, the Caribbean
    regions in Python on the few numbers neither takes); E.164 as ``format_number`` writes it."""
    return column.map_batches(_phone_series, return_dtype=pl.String)


def normalise_phone_text(value: str) -> str:
    """E.164 for a phone number found in free text; "" when invalid."""
    try:
        number = phonenumbers.parse(value, REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _compiled_rules(
    general: tuple[tuple[int, ...], str], types: dict[tuple[int, ...], str]
) -> tuple[tuple[int, ...], re.Pattern[str], list[tuple[tuple[int, ...], re.Pattern[str]]]]:
    return (
        general[0],
        re.compile(f"(?:{general[1]})"),
        [(k, re.compile(f"(?:{p})")) for k, p in types.items()],
    )


# Every region of country code 1 (the U.S. first: most numbers are American); a number in text is a
# phone number when it is valid in one of them, as ``phonenumbers.is_valid_number`` decides.
_NANPA_REGIONS = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]  # phonenumbers' own order, the U.S. first
_NANPA_RULES = [_compiled_rules(*_validity_rules(region)[1:]) for region in _NANPA_REGIONS]


def _toll_free_rule(region: str) -> tuple[tuple[int, ...], re.Pattern[str]] | None:
    desc = PhoneMetadata.metadata_for_region(region).toll_free  # type: ignore[union-attr]
    if desc is None or not desc.national_number_pattern:
        return None
    return tuple(desc.possible_length), re.compile(f"(?:{desc.national_number_pattern})")


_NANPA_TOLL_FREE = [_toll_free_rule(region) for region in _NANPA_REGIONS]
_TEXT_US_SHAPE = re.compile(r"^(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}$")


def _valid_by(rules: tuple, nsn: str) -> bool:
    general_lengths, general, types = rules
    if general_lengths and len(nsn) not in general_lengths or not general.fullmatch(nsn):
        return False
    return any((not lengths or len(nsn) in lengths) and p.fullmatch(nsn) for lengths, p in types)


def _rules_regex(rules: tuple) -> str:
    """:func:`_valid_by` as one expression (for ``re.match``): lengths and patterns must hold to the end."""
    general_lengths, general, types = rules

    def of_length(lengths: tuple[int, ...]) -> str:
        return f"(?=(?:{'|'.join(f'.{{{n}}}' for n in lengths)})\\Z)" if lengths else ""

    some_type = "|".join(f"{of_length(lengths)}(?:{p.pattern})\\Z" for lengths, p in types)
    return f"{of_length(general_lengths)}(?=(?:{general.pattern})\\Z)(?:{some_type})"


# Valid in some region of country code 1 other than the U.S.: numbers that are not American are told
# with one match instead of one per region.
_VALID_OUTSIDE_US = re.compile("|".join(f"(?:{_rules_regex(rules)})" for rules in _NANPA_RULES[1:]))


def _nanpa_region_index(nsn: str) -> int | None:
    """The region of country code 1 where the number is valid (the first, as phonenumbers picks it)."""
    if _valid_by(_NANPA_RULES[0], nsn):
        return 0
    if not _VALID_OUTSIDE_US.match(nsn):
        return None
    return next((i for i, rules in enumerate(_NANPA_RULES) if i and _valid_by(rules, nsn)), None)


def _toll_free_in(region_index: int, nsn: str) -> bool:
    rule = _NANPA_TOLL_FREE[region_index]
    if rule is None:
        return False
    lengths, pattern = rule
    return (not lengths or len(nsn) in lengths) and pattern.fullmatch(nsn) is not None


def normalise_personal_phone_text(value: str) -> str:
    """Like :func:`normalise_phone_text`, but "" for toll-free numbers: in a letter or a note those are
    the organisation's ("call Member Services at 1-800-..."), never a person's own number.

    The text patterns find U.S.-shaped numbers only; those are checked against phonenumbers' own U.S.
    metadata directly (10x quicker than parsing each one), anything else through ``phonenumbers``.
    """
    text = value.strip()
    if not _TEXT_US_SHAPE.match(text):
        normalised = normalise_phone_text(value)
        toll_free = (
            normalised
            and phonenumbers.number_type(phonenumbers.parse(normalised)) == PhoneNumberType.TOLL_FREE
        )
        return "" if toll_free else normalised
    digits = _NON_DIGITS.sub("", text)
    if len(digits) == 11:
        digits = digits[1:]
    nsn = digits.lstrip("0") or "0"
    region = _nanpa_region_index(nsn)
    if region is None or _toll_free_in(region, nsn):
        return ""
    return _E164_PREFIX + nsn


_PHONE_CONTEXT = context_words(
    "phone", "tel", "telephone", "cell", "mobile", "fax", "ph", "contact number", "call", "home", "work"
)

FAMILY = ElementFamily(
    name="phone",
    codes=("phone",),
    legal_category=CONTACT,
    fields=(
        FieldSpec(
            field="phone",
            element="phone",
            headers=synonyms(
                "phone",
                "telephone",
                "tel",
                "mobile",
                "cell",
                "phone_number",
                "home_phone",
                "work_phone",
                "cell_phone",
                "mobile_phone",
                "primary_phone",
                "contact_number",
                "telephone_number",
                "fax",
            ),
            header_tokens=frozenset({"phone", "telephone", "tel", "mobile", "cell", "cellphone"}),
            normalise=normalise_phone_cell,
            shape=PHONE_CELL_SHAPE,
            polars_normalise=phone_column_expression,
            priority=50,
        ),
    ),
    text_patterns=(
        TextPattern(
            name="phone.formatted",
            kind="phone",
            scan=r"(\+?1[\s.-]?)?(\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]\d{4}",
            confirm=re.compile(
                r"(?<![\d-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]\d{4}(?![\d-])"
            ),
            normalise=normalise_personal_phone_text,
            confidence=0.85,
        ),
        TextPattern(
            # Ten bare digits are often account numbers; only with a phone label before them.
            name="phone.bare",
            kind="phone",
            scan=r"\d{10}",
            confirm=re.compile(r"(?<![\d-])\d{10}(?![\d-])"),
            normalise=normalise_personal_phone_text,
            context=_PHONE_CONTEXT,
            context_before=25,
            confidence=0.75,
        ),
    ),
)
