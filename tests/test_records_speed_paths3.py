"""Records detection, third round: a few phone numbers or dates (a small table, a classification sample)
are read value by value, by the same per-value readers the column readers are proven equal to, because
the column readers' fixed cost (a score of small Polars queries) is most of what a small table costs.

Each test reads the same values both ways, in chunks small enough for the per-value path and all at once
(the Polars path), and asks for exactly the same results; then whole small tables are compared with the
same tables read with the per-value path turned off.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import polars as pl
import pytest

from exposure.detect import DetectContext
from exposure.detect.elements import dob, phone
from exposure.detect.records import detect_table_frames
from exposure.extract.delimited import read_delimited
from test_elements_dob_phone import ODD_DATES, random_date_text
from test_records_speed_paths2 import random_phone_cell


def in_small_chunks(read, values: list[str | None], size: int) -> list[str | None]:  # noqa: ANN001
    assert size <= phone._FEW_VALUES and size <= dob._FEW_VALUES
    found: list[str | None] = []
    for start in range(0, len(values), size):
        found.extend(read(pl.Series("v", values[start : start + size], dtype=pl.String)).to_list())
    return found


def all_at_once(read, values: list[str | None]) -> list[str | None]:  # noqa: ANN001
    assert len(values) > max(phone._FEW_VALUES, dob._FEW_VALUES)
    return read(pl.Series("v", values, dtype=pl.String)).to_list()


def test_a_few_phone_numbers_read_value_by_value_equal_the_column_reader() -> None:
    rng = random.Random(41)
    values: list[str | None] = [random_phone_cell(rng) for _ in range(20_000)]
    values += [None, "", "   ", "\u00a0", "(202) 555-0143\x1c", "+1 (800) 555-0100 ext 12", "2025550143"]
    expected = all_at_once(phone._phone_series, values)
    assert in_small_chunks(phone._phone_series, values, 97) == expected
    assert in_small_chunks(phone._phone_series, values, phone._FEW_VALUES) == expected
    assert sum(e is not None for e in expected) > 2000 and sum(e is None for e in expected) > 2000


def test_a_few_dates_read_value_by_value_equal_the_column_reader() -> None:
    rng = random.Random(42)
    values: list[str | None] = [random_date_text(rng) for _ in range(20_000)]
    values += [None, "", " ", "02/29/2000", "29/02/1996", "13/12/1975", *ODD_DATES]
    dob.normalise_dob.cache_clear()
    expected = all_at_once(dob._dob_series, values)
    assert in_small_chunks(dob._dob_series, values, 61) == expected
    assert in_small_chunks(dob._dob_series, values, dob._FEW_VALUES) == expected
    assert sum(e is not None for e in expected) > 2000 and sum(e is None for e in expected) > 2000


def birth_date(rng: random.Random) -> str:
    """Mostly usual dates (so the column is a date-of-birth column), some written any way at all."""
    if rng.random() < 0.3:
        return random_date_text(rng)
    return f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1930, 2015)}"


def small_tables(folder: Path) -> list[Path]:
    """Small CSVs of people as a breach's many little exports hold them: 3 to 300 rows."""
    rng = random.Random(43)
    header = ["First Name", "Last Name", "SSN", "DOB", "Phone", "Work Phone", "Email"]
    paths = []
    for number in range(12):
        rows = [header]
        for _ in range(rng.choice([3, 20, 90, 300])):
            first, last = rng.choice(["Maria", "Owen", "Priya"]), rng.choice(["Novak", "Reyes", "Kim"])
            rows.append([
                first, last, f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
                birth_date(rng), random_phone_cell(rng), rng.choice(["", random_phone_cell(rng)]),
                f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@example.org",
            ])  # fmt: skip
        path = folder / f"export_{number}.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out, lineterminator="\n").writerows(rows)
        paths.append(path)
    return paths


def detected(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    batches = [b for table in read_delimited(path) for b in detect_table_frames(table, DetectContext())]
    return pl.concat([b.mentions for b in batches]), pl.concat([b.elements for b in batches])


def test_small_tables_give_what_the_column_readers_give(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = small_tables(tmp_path)
    fast = [detected(path) for path in paths]
    monkeypatch.setattr(phone, "_FEW_VALUES", -1)
    monkeypatch.setattr(dob, "_FEW_VALUES", -1)
    dob.normalise_dob.cache_clear()
    for path, (mentions, elements) in zip(paths, fast, strict=True):
        slow_mentions, slow_elements = detected(path)
        assert mentions.equals(slow_mentions) and elements.equals(slow_elements), path.name
    codes = set(pl.concat([elements for _, elements in fast])["code"].to_list())
    assert {"phone", "date_of_birth", "ssn", "email", "name"} <= codes
