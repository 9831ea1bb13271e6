"""Speed paths of table detection, part 4: a table's columns are classified, and a batch's columns
without a value memory normalised, in one Polars query each. Both must give exactly what the column-by-
column path gives, for every spec with a column expression."""

from __future__ import annotations

import random

import polars as pl
import pytest

from exposure.demo.labelled import labelled_set
from exposure.detect.columns import (
    _normalise_directly,
    _normalised_together,
    _sample_column,
    classify_column,
    classify_columns,
    shared_record_prefix,
)
from exposure.detect.elements import REGISTRY
from test_records_speed_paths import HEADER, person


def column_by_column(columns: list[str], has_header: bool, rows: list[list[str]]) -> list:
    width = max([len(columns), *(len(r) for r in rows[:500])]) if rows else len(columns)
    prefix = shared_record_prefix(columns) if has_header else ""
    plans = []
    for index in range(width):
        header = columns[index] if index < len(columns) else ""
        plans.extend(classify_column(index, header, _sample_column(rows, index), has_header, prefix))
    return plans


def every_spec_table(rng: random.Random, pool: list[str], rows: int) -> tuple[list[str], list[list[str]]]:
    """A column for every field spec (headed by one of its synonyms), its values drawn from ``pool``:
    most columns are then rejected, some kept, and every column expression runs on a mix of values."""
    specs = [spec for spec in REGISTRY.fields() if spec.headers]
    columns = [sorted(spec.headers)[0] for spec in specs]
    return columns, [[rng.choice(pool) for _ in columns] for _ in range(rows)]


@pytest.fixture(scope="module")
def tables() -> list[tuple[list[str], bool, list[list[str]]]]:
    rng = random.Random(61)
    wide = labelled_set(seed=11, documents_per_kind=1, table_rows=300).tables["members.csv"]
    pool = sorted({value for row in wide.rows for value in row}) + ["", "  ", "n/a", "0", "x" * 70]
    people = [person(rng) for _ in range(800)]
    for row in people[::7]:
        row[rng.randrange(len(row))] = ""
    shuffled = [rng.sample(row, len(row)) for row in people[:300]]  # values under the wrong headers
    found = [
        (wide.columns, True, wide.rows),
        (HEADER, True, people),
        (HEADER, True, shuffled),
        (HEADER, True, [row[: rng.randint(2, len(row))] for row in people[:400]]),  # short rows
        (HEADER, False, people[:300]),  # no header: values alone
        (["spouse_ssn", "dep1_dob", "member_id", "order_number", "PM-SSN"], True,
         [[r[2], r[3], f"M{rng.randint(10**7, 10**8)}", str(rng.randint(10**8, 10**9 - 1)), r[2]]
          for r in people]),
    ]  # fmt: skip
    for size in (3, 40, 600):
        columns, rows = every_spec_table(rng, pool, size)
        found.append((columns, True, rows))
    # every spec's own column filled with values of its kind where the wide table has them
    found.append((wide.columns * 2, True, [row + rng.sample(row, len(row)) for row in wide.rows]))
    return found


def test_classifying_in_one_query_equals_column_by_column(tables) -> None:  # noqa: ANN001
    fields = set()
    for columns, has_header, rows in tables:
        together = classify_columns(columns, has_header, rows)
        assert together == column_by_column(columns, has_header, rows)
        fields |= {plan.spec.field for plan in together}
    expressions = {spec.field for spec in REGISTRY.fields() if spec.polars_normalise is not None}
    assert len(fields & expressions) >= 12  # the tables do reach most column expressions


def test_normalising_in_one_query_equals_column_by_column(tables) -> None:  # noqa: ANN001
    compared = 0
    for columns, has_header, rows in tables:
        plans = classify_columns(columns, has_header, rows)
        width = max(len(r) for r in rows)
        frame = pl.DataFrame({f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)})
        together = _normalised_together(plans, frame, {})
        for number, values in together.items():
            plan = plans[number]
            alone = _normalise_directly(plan.spec, frame[f"c{plan.index}"].cast(pl.String))
            assert values.to_list() == alone.to_list(), plan.spec.field
            assert values.name == alone.name
            compared += 1
    assert compared > 40


def test_every_column_expression_reads_value_by_value() -> None:
    """The one-query paths run an expression on a whole column, blanks included, where the old ones ran it
    on the filled values only: that is the same only because each value's result depends on it alone."""
    rng = random.Random(67)
    wide = labelled_set(seed=13, documents_per_kind=1, table_rows=120).tables["members.csv"]
    pool = sorted({value for row in wide.rows for value in row})
    for spec in REGISTRY.fields():
        if spec.polars_normalise is None:
            continue
        filled = [rng.choice(pool) for _ in range(400)]
        with_blanks = [v for value in filled for v in (value, rng.choice(["", None, " "]))]
        assert normalised(spec, with_blanks)[::2] == normalised(spec, filled), spec.field


def normalised(spec, values: list[str | None]) -> list[str | None]:  # noqa: ANN001 - a FieldSpec
    return (
        pl.DataFrame({"v": values}, schema={"v": pl.String})
        .select(spec.polars_normalise(pl.col("v")))
        .to_series()
        .to_list()
    )
