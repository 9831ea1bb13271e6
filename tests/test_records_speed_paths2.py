"""Records detection, second round: the phone column takes every North American number, and the faster
column readers give exactly what the readers they replace give.

A phone column used to take only numbers valid in the U.S. region of ``phonenumbers``, while text took any
number of country code 1: a Canadian, Caribbean or Puerto Rican customer's phone in a CSV was missed. The
column now takes what ``phonenumbers.is_valid_number`` takes for country code 1 (checked here against it
on random numbers, value by value), with the E.164 text detection gives.

The street, line 2, city, ZIP and name-part readers now collapse only the white space that needs it and
check their (anchored) shape with one ``extract``; they are compared with the expressions they replace.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import phonenumbers
import polars as pl
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from exposure.detect import DetectContext
from exposure.detect.columns import normalise_series
from exposure.detect.context import MIN_BATCH_ROWS
from exposure.detect.elements import REGISTRY, FieldSpec
from exposure.detect.elements.address import _CITY_SHAPE, _STREET_SHAPE, _ZIP_SHAPE, _collapse_expression
from exposure.detect.elements.names import _NAME_PART_SHAPE, _name_part_expression
from exposure.detect.elements.phone import PHONE_CELL_SHAPE, normalise_phone_cell, phone_column_expression
from exposure.detect.records import detect_table_frames
from exposure.detect.text import detect_text
from exposure.extract.delimited import read_delimited
from exposure.model import TextBlock

NANP_REGIONS = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1]


def column_values(expression, values: list[str | None]) -> list[str | None]:  # noqa: ANN001
    frame = pl.DataFrame({"v": pl.Series(values, dtype=pl.String)})
    return frame.select(expression(pl.col("v")))["v"].to_list()


def spec_for(field: str) -> FieldSpec:
    return next(spec for spec in REGISTRY.fields() if spec.field == field)


# ---- phone numbers of every region of country code 1 ---------------------------------------------------


def example_numbers() -> dict[str, list[str]]:
    """phonenumbers' own example fixed-line and mobile numbers of each North American region, written
    as people write them."""
    examples: dict[str, list[str]] = {}
    for region in NANP_REGIONS:
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                examples.setdefault(region, []).append(
                    phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
                )
    return examples


def text_phones(value: str) -> list[str]:
    found = detect_text([TextBlock("note", f"Phone: {value}")], DetectContext())
    return [e.value for e in found.elements if e.code == "phone"]


def by_library(value: str) -> str | None:
    """The reference: the ten digits before any extension, valid when ``phonenumbers.is_valid_number``
    says so for country code 1, in E.164 as ``format_number`` writes it."""
    number_part = re.sub(r"(?i)\s*(?:x|ext\.?|extension)\s*\d{1,6}$", "", value)
    digits = "".join(str(int(c)) for c in number_part if c.isdigit())[-10:]
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def test_phones_of_every_north_american_region_are_taken_as_text_takes_them() -> None:
    examples = example_numbers()
    assert {"US", "CA", "PR", "JM", "BS", "GU"} <= set(examples)
    values = [v for numbers in examples.values() for v in numbers]
    values += ["(416) 356-2671", "604-253-1234", "+1 787 234 5678", "1-876-523-0123 ext. 12"]  # Toronto ...
    got = column_values(phone_column_expression, values)
    assert all(got), [v for v, g in zip(values, got, strict=True) if not g]
    assert got == [text_phones(v)[0] for v in values]
    assert got == [normalise_phone_cell(v) for v in values]


def test_numbers_valid_in_no_north_american_region_are_still_rejected() -> None:
    invalid = ["(416) 100-1234", "(604) 011-1234", "(242) 111-1234", "(999) 555-1234", "(123) 456-7890"]
    assert column_values(phone_column_expression, invalid) == [None] * len(invalid)
    assert [normalise_phone_cell(v) for v in invalid] == [""] * len(invalid)
    assert [text_phones(v) for v in invalid] == [[]] * len(invalid)


def test_toll_free_numbers_stay_a_persons_phone_in_a_phone_column() -> None:
    assert column_values(phone_column_expression, ["(800) 555-0142", "1-888-555-0100"]) == [
        "+18005550142",
        "+18885550100",
    ]


NANP_AREA_CODES = ["416", "604", "514", "403", "902", "787", "876", "809", "242", "441", "671", "340", "868",
                   "212", "415", "800", "600", "456", "500", "710", "900"]  # fmt: skip


def random_phone_cell(rng: random.Random) -> str:
    """A phone cell: any area code and exchange (many North American ones), written every way, with and
    without country code and extension; sometimes with Unicode digits or spaces (read by Python)."""
    area = rng.choice([*NANP_AREA_CODES, f"{rng.randint(0, 999):03d}", f"{rng.randint(200, 999):03d}"])
    exchange, line = f"{rng.randint(0, 999):03d}", f"{rng.randint(0, 9999):04d}"
    forms = ["({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "{a}{b}{c}", "{a} {b} {c}", "({a}){b}-{c}"]
    form = rng.choice(forms)
    text = form.format(a=area, b=exchange, c=line)
    if rng.random() < 0.2:
        text = rng.choice(["1", "+1", "1-", "+1 ", "1 "]) + text
    if rng.random() < 0.1:
        text += rng.choice([" x", " ext. ", "EXT", " extension "]) + str(rng.randint(0, 999_999))
    if rng.random() < 0.03:
        text = text.replace("5", "\u0665").replace(" ", "\u00a0")  # Arabic-Indic five, no-break space
    if rng.random() < 0.1:
        text = f" {text}\t"
    return text


def test_phone_column_takes_exactly_the_numbers_phonenumbers_calls_valid_for_country_code_1() -> None:
    rng = random.Random(31)
    values = [random_phone_cell(rng) for _ in range(50_000)]
    shaped = pl.Series(values).str.strip_chars().str.contains(PHONE_CELL_SHAPE).to_list()
    expected = [by_library(v.strip()) if shape else None for v, shape in zip(values, shaped, strict=True)]
    got = column_values(phone_column_expression, values)
    wrong = [(v, e, g) for v, e, g in zip(values, expected, got, strict=True) if e != g]
    assert not wrong, wrong[:10]
    cells = [
        (normalise_phone_cell(v.strip()) or None) if shape else None
        for v, shape in zip(values, shaped, strict=True)
    ]
    assert cells == expected  # the per-value reader (HL7, X12) too
    regions = {phonenumbers.region_code_for_number(phonenumbers.parse(e)) for e in expected if e}
    assert {"US", "CA", "PR", "JM", "BS"} <= regions
    assert sum(e is not None for e in expected) > 5000 and sum(e is None for e in expected) > 5000


def test_canadian_and_caribbean_phones_in_a_csv_become_phone_elements(tmp_path: Path) -> None:
    examples = example_numbers()
    numbers = [examples[region][0] for region in ("US", "CA", "PR", "JM", "BS", "TT")] + ["(416) 100-1234"]
    rng = random.Random(32)
    rows = [["First Name", "Last Name", "Phone"]]
    for i in range(300):
        rows.append([rng.choice(["Maria", "Owen", "Priya"]), rng.choice(["Novak", "Reyes"]), numbers[i % 7]])
    path = tmp_path / "customers.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(rows)
    (table,) = read_delimited(path)
    elements = pl.concat([batch.elements for batch in detect_table_frames(table, DetectContext())])
    phones = dict(elements.filter(pl.col("code") == "phone").select("location", "value").iter_rows())
    by_text = {number: text_phones(number) for number in numbers}
    expected = {f"row {n}": by_text[row[2]][0] for n, row in enumerate(rows[1:], start=2) if by_text[row[2]]}
    assert phones == expected
    assert len({phonenumbers.region_code_for_number(phonenumbers.parse(v)) for v in phones.values()}) == 6
    assert len(phones) == 300 - 300 // 7  # every seventh number, the invalid one, is not listed


def test_phone_values_of_a_table_match_its_per_value_reader_with_repeats() -> None:
    rng = random.Random(33)
    values = [random_phone_cell(rng) for _ in range(3000)] * 2 + [None, "", "   "]
    spec = spec_for("phone")
    assert normalise_series(spec, pl.Series(values, dtype=pl.String)).to_list() == column_values(
        phone_column_expression, values
    )


# ---- street lines, line 2, cities, ZIP codes and name parts ----------------------------------------------


def collapse_in_one_pass(shape: str):  # noqa: ANN201
    """The street/city/ZIP reader as it was: every white-space run rewritten, then the shape checked."""

    def expression(column: pl.Expr) -> pl.Expr:
        collapsed = column.str.strip_chars().str.replace_all(r"\s+", " ")
        return pl.when(collapsed.str.contains(shape)).then(collapsed)

    return expression


def name_part_as_it_was(column: pl.Expr) -> pl.Expr:
    stripped = column.str.strip_chars()
    return pl.when(stripped.str.contains(_NAME_PART_SHAPE)).then(stripped.str.replace_all(r"\s+", " "))


SPACES = [" ", "  ", "   ", "\t", "\n", "\r\n", "\u00a0", "\u2003", " \t ", ""]
WORDS = ["12", "3B", "4-6", "1/2", "Main", "St", "PO", "Box", "p.o.", "box", "RR", "One", "Élan", "O'Neil",
         "d’Arcy", ".", "-", "02134", "-6789", "021341234", "Apt", "#2", "Jr", "de", "la", "\u0661", "é",
         ","]  # fmt: skip


def random_cell(rng: random.Random) -> str | None:
    if rng.random() < 0.01:
        return None
    words = [rng.choice(WORDS) for _ in range(rng.randint(0, 5))]
    text = "".join(word + rng.choice(SPACES) for word in words)
    return rng.choice(SPACES) + text if rng.random() < 0.3 else text


@pytest.mark.parametrize("shape", [_STREET_SHAPE, r"^\S.{0,60}$", _CITY_SHAPE, _ZIP_SHAPE])
def test_collapsing_only_what_needs_it_equals_rewriting_every_run(shape: str) -> None:
    rng = random.Random(34)
    values = [random_cell(rng) for _ in range(40_000)]
    expected = column_values(collapse_in_one_pass(shape), values)
    assert column_values(_collapse_expression(shape), values) == expected
    assert sum(v is not None for v in expected) > 300
    collapsed = sum(v is not None and v != raw.strip() for raw, v in zip(values, expected, strict=True))
    assert collapsed > 100 or shape == _ZIP_SHAPE  # (a ZIP code has no inner white space to collapse)


def test_name_part_reader_equals_the_one_it_replaces() -> None:
    rng = random.Random(35)
    values = [random_cell(rng) for _ in range(40_000)]
    values += ["Mary  Ann", " Jean-Luc ", "Anne\tMarie", "O'Neil", "J.", "de  la  Cruz", "\u00a0Lena"]
    expected = column_values(name_part_as_it_was, values)
    assert column_values(_name_part_expression, values) == expected
    assert "Mary Ann" in expected and "de la Cruz" in expected and sum(v is not None for v in expected) > 3000


def test_batches_are_bounded_by_cells_not_only_rows() -> None:
    ctx = DetectContext()
    assert ctx.rows_per_batch(10) == ctx.batch_rows  # narrow: long batches, few fixed costs
    assert ctx.rows_per_batch(200) == ctx.batch_cells // 200  # wide: as many cells, fewer rows
    assert ctx.rows_per_batch(100_000) == MIN_BATCH_ROWS
    assert DetectContext(batch_rows=700).rows_per_batch(10) == 700  # an explicit small batch is kept
