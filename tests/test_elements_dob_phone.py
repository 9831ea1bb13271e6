"""The whole-column (Polars) readers of dates of birth and phone numbers give exactly what the per-value
Python readers give (``strptime`` for dates, ``phonenumbers`` for phones), on large random samples."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import polars as pl
import pytest

from exposure.detect.columns import normalise_series
from exposure.detect.elements import dob, phone
from exposure.detect.elements.dob import DATE_FORMATS, dob_expression, normalise_dob
from exposure.detect.elements.phone import normalise_phone_cell

ABBREVIATIONS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]  # fmt: skip
NOISE = "0123456789/- ,.:TtAaPpMmJjFfEeBbRrUuNnLlYyGgSsOoCcVvDd"
# Text Python's re, int and str.strip read in their own ways (Unicode digits and spaces, control characters).
ODD_DATES = [
    "\u0661\u0662/\u0660\u0661/\u0661\u0669\u0667\u0665", "01/02/1975\u00a0", "\u00a001/02/1975",
    "01/02/1975\x1c", "mar\u017f 4, 1975", "\u212aan 1 1975", "01\t02\t1975", "Ma\u0301r 4, 1975",
    "01/02/1975 \u0661\u0662:00", "\t01/02/1975", "M\u00e4r. 4, 1975", "1975-03-04\n", "\u00a0\u00a0",
]  # fmt: skip


def random_date_text(rng: random.Random) -> str:
    """A value a date-of-birth column might hold: any of DATE_FORMATS with odd days, months, years, case,
    spacing, dots and time suffixes, often mangled; or noise."""
    kind = rng.random()
    if kind < 0.6:
        fmt = rng.choice(DATE_FORMATS)
        year = rng.choice([rng.randint(1900, 2030), rng.randint(1, 9999), 1900, rng.randint(1990, 2100)])
        month, day = rng.randint(1, 12), rng.choice([rng.randint(1, 28), 29, 30, 31, 0, 32])
        parts = {
            "%Y": f"{year:04d}",
            "%y": f"{year % 100:02d}",
            "%m": rng.choice([f"{month:02d}", str(month), str(rng.randint(0, 19))]),
            "%d": rng.choice([f"{day:02d}", str(day), f" {day}"]),
            "%b": rng.choice([ABBREVIATIONS[month - 1], ABBREVIATIONS[month - 1].upper(),
                              ABBREVIATIONS[month - 1].title(), "Sept", MONTHS[month - 1]]),
            "%B": rng.choice([MONTHS[month - 1], MONTHS[month - 1].upper(), MONTHS[month - 1].title(),
                              ABBREVIATIONS[month - 1]]),
        }  # fmt: skip
        text = fmt
        for directive, value in parts.items():
            text = text.replace(directive, value)
        if rng.random() < 0.15:
            text = text.replace(" ", rng.choice(["  ", "", " . ", "\t"]))
        if rng.random() < 0.1:
            text = text.replace(parts["%b"], parts["%b"] + ".").replace(parts["%B"], parts["%B"] + ".")
        if rng.random() < 0.15:
            text += rng.choice([" 00:00:00", "T00:00", " 12:00 AM", " 0:00:00.000", "T12:30:15.5 pm", " 1:2"])
        if rng.random() < 0.1:
            text = rng.choice([" ", "  ", ""]) + text + rng.choice([" ", "\n", ""])
        if rng.random() < 0.2:  # one character deleted, inserted or replaced
            chars, at = list(text), rng.randrange(len(text) + 1)
            operation = rng.random()
            if operation < 0.33 and at < len(chars):
                del chars[at]
            elif operation < 0.66:
                chars.insert(at, rng.choice(NOISE))
            elif at < len(chars):
                chars[at] = rng.choice(NOISE)
            text = "".join(chars)
        return text
    if kind < 0.9:
        return "".join(rng.choice(NOISE) for _ in range(rng.randint(0, 14)))
    if kind < 0.98:
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(5, 10)))
    return rng.choice(ODD_DATES)


@pytest.mark.parametrize("today", [None, dt.date(2031, 6, 15), dt.date(2024, 3, 1)])
def test_the_whole_column_dob_reader_agrees_with_strptime_value_by_value(monkeypatch, today) -> None:
    if today is not None:
        monkeypatch.setattr(dob, "_today", lambda: today)
    rng = random.Random(11)
    values = [random_date_text(rng) for _ in range(30_000)]
    # the shapes read without regex groups, around their edges
    numbers = [(rng.randint(1890, 2100), rng.randint(0, 19), rng.randint(0, 35)) for _ in range(10_000)]
    values += [f"{m}/{d}/{y}" for y, m, d in numbers[:5000]]
    values += [f"{y}-{m:02d}-{d}" for y, m, d in numbers[5000:]]
    values += [
        "02/29/2000", "02/29/1900", "29/02/1996", "2/29/96", "02-29-00", "19000229", "2000229", "1975123",
        "19751035", "Feb 29, 2000", "13/12/1975", "12/13/1975", "00/10/1975", "1/1/0000", "Mar  4, 1975",
        "4 MARCH 1975", "4-mar-75", "Mar. 4, 1975 00:00", "1975-03-04T00:00:00", "", " ", *ODD_DATES,
    ]  # fmt: skip
    normalise_dob.cache_clear()  # it remembers values read on another day
    expected = [normalise_dob(v) or None for v in values]
    normalise_dob.cache_clear()
    got = pl.DataFrame({"v": values}).select(dob_expression(pl.col("v"))).to_series().to_list()
    wrong = [(v, e, g) for v, e, g in zip(values, expected, got, strict=True) if e != g]
    assert not wrong, wrong[:20]
    assert sum(e is not None for e in expected) > 5000  # the sample is not all noise


def test_the_dob_reader_keeps_nulls_and_takes_a_literal_series() -> None:
    values = pl.Series("v", [None, "01/02/1975", "", "Mar 4, 1975"], dtype=pl.String)
    got = pl.select(dob_expression(pl.lit(values))).to_series().to_list()
    assert got == [None, "1975-01-02", None, "1975-03-04"]
    assert pl.DataFrame({"v": pl.Series([], dtype=pl.String)}).select(dob_expression(pl.col("v"))).height == 0


def random_phone_text(rng: random.Random) -> str:
    """A value a phone column might hold: US numbers with any area code and exchange, written every way,
    with and without country code and extension, often mangled; or noise."""
    kind = rng.random()
    if kind < 0.7:
        area = rng.choice([f"{rng.randint(0, 999):03d}", f"{rng.randint(200, 999):03d}", "800", "888", "900",
                           "555", "212", "521", "523", "524", "500", "533"])  # fmt: skip
        exchange = rng.choice([f"{rng.randint(0, 999):03d}", "555", "411", "911", "201", "100"])
        line = f"{rng.randint(0, 9999):04d}" if rng.random() < 0.9 else str(rng.randint(0, 99999))
        separators = ["", " ", "-", ".", "  ", " - ", "\t", "/", "_"]
        area = f"({area})" if rng.random() < 0.4 else area
        text = area + rng.choice(separators) + exchange + rng.choice(separators) + line
        if rng.random() < 0.25:
            text = rng.choice(["1", "+1", "1 ", "+1 ", "1-", "+1-", "11", "2 ", "+ 1", "1."]) + text
        if rng.random() < 0.2:
            extension = rng.choice([" x", "x", " ext.", " ext ", "EXT", " extension ", " Ext. ", " #", " X "])
            text += extension + str(rng.randint(0, 9_999_999))
        if rng.random() < 0.1:
            text = rng.choice([" ", "  ", "\t", "\u00a0", ""]) + text + rng.choice([" ", "", "\n"])
        if rng.random() < 0.1:
            chars = list(text)
            chars[rng.randrange(len(chars))] = rng.choice("0123456789()-. xX+a")
            text = "".join(chars)
        return text
    if kind < 0.85:
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(7, 13)))
    if kind < 0.98:
        return "".join(rng.choice("0123456789()-. +xXet") for _ in range(rng.randint(0, 18)))
    return rng.choice([
        "\u0662\u0661\u0662-\u0665\u0665\u0665-\u0661\u0662\u0663\u0664", "212\u00a0555\u00a01234",
        "(212) 555-1234 \u0445 12", "212-555-1234 x\u0661",
        "\uff12\uff11\uff12-\uff15\uff15\uff15-\uff11\uff12\uff13\uff14",
        "212-555-1234\x1c", "212 555 1234 EXTEN\u017fION 5", "212-555-1234\u2003x12", "\u2003(212) 555-1234",
    ])  # fmt: skip


def _phone_spec_and_per_value_spec():
    spec = next(f for f in phone.FAMILY.fields if f.field == "phone")
    assert spec.polars_normalise is not None
    return spec, dataclasses.replace(spec, polars_normalise=None)  # shape in Polars, then phonenumbers


def test_the_whole_column_phone_reader_agrees_with_phonenumbers_value_by_value() -> None:
    spec, per_value = _phone_spec_and_per_value_spec()
    rng = random.Random(3)
    values = pl.Series("v", [random_phone_text(rng) for _ in range(40_000)])
    expected = normalise_series(per_value, values).to_list()
    got = normalise_series(spec, values).to_list()
    wrong = [(v, e, g) for v, e, g in zip(values.to_list(), expected, got, strict=True) if e != g]
    assert not wrong, wrong[:20]
    assert sum(e is not None for e in expected) > 5000


def test_the_phone_reader_agrees_with_phonenumbers_on_every_area_code() -> None:
    """Every NPA, with exchanges across their range: the validity patterns taken from phonenumbers'
    metadata decide as phonenumbers does, and E.164 is written as it writes it."""
    spec, _ = _phone_spec_and_per_value_spec()
    rng = random.Random(8)
    exchanges = [f"{n:03d}" for n in (0, 100, 199, 200, 211, 299, 411, 500, 555, 800, 911, 958, 976, 999)]
    values = [f"{npa:03d}-{nxx}-{rng.randint(0, 9999):04d}" for npa in range(1000) for nxx in exchanges]
    values += [f"+1 ({npa:03d}) {rng.randint(0, 999):03d} {rng.randint(0, 9999):04d}" for npa in range(1000)]
    expected = [normalise_phone_cell(v) or None for v in values]
    got = normalise_series(spec, pl.Series("v", values)).to_list()
    wrong = [(v, e, g) for v, e, g in zip(values, expected, got, strict=True) if e != g]
    assert not wrong, wrong[:20]
    assert "+12125551234" in normalise_series(spec, pl.Series(["(212) 555-1234 ext. 7"])).to_list()


def test_a_toll_free_number_in_text_is_the_organisations_not_the_persons() -> None:
    from exposure.detect.context import DetectContext
    from exposure.detect.text import detect_text
    from exposure.model import TextBlock

    text = "Patient: Jane Roe\nPhone: (415) 555-2671\nQuestions? Call Member Services at 1-800-555-0142."
    phones = [e.value for e in detect_text([TextBlock("page 1", text)], DetectContext()).elements
              if e.code == "phone"]  # fmt: skip
    assert phones == ["+14155552671"]


def test_the_quick_text_phone_check_agrees_with_phonenumbers() -> None:
    import random

    import phonenumbers
    from phonenumbers import PhoneNumberType

    from exposure.detect.elements.phone import normalise_personal_phone_text, normalise_phone_text

    def by_library(value: str) -> str:
        normalised = normalise_phone_text(value)
        toll_free = PhoneNumberType.TOLL_FREE
        if normalised and phonenumbers.number_type(phonenumbers.parse(normalised)) == toll_free:
            return ""
        return normalised

    rng = random.Random(3)
    forms = ("({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "1-{a}-{b}-{c}", "+1 {a} {b} {c}", "{a}{b}-{c}")
    values = []
    for _ in range(20000):
        a, b, c = f"{rng.randint(0, 999):03d}", f"{rng.randint(0, 999):03d}", f"{rng.randint(0, 9999):04d}"
        values.append(rng.choice(forms).format(a=a, b=b, c=c))
    values += ["(800) 555-0142", "1-888-555-0100", "+1 415 555 2671", "+44 20 7946 0958"]
    assert [normalise_personal_phone_text(v) for v in values] == [by_library(v) for v in values]
