"""The fast paths of records detection give exactly what the slower paths they replace give.

Each test puts a fast path beside its reference on generated values (tens of thousands, with the odd cases
real files hold: blanks, padding, Unicode digits and spaces, repeats and no repeats): the staged SSN and
e-mail column readers beside the single expressions they replace, the table's value memory (a hash join,
only for columns whose sample repeats) beside normalising every batch directly, the element order by one
integer key beside the three-column sort, the test-record check that looks at first names only when some
last name could be one beside the whole-column check, the plain-CSV reader's blank-line and chunk
handling beside the ``csv`` module, and a whole table with memory beside one without.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import phonenumbers
import polars as pl
import pytest

from exposure.detect import DetectContext
from exposure.detect.columns import (
    ValueMemory,
    classify_columns,
    normalise_series,
    validate_frame,
    value_memories,
)
from exposure.detect.elements import REGISTRY, FieldSpec
from exposure.detect.elements.email import EMAIL_SHAPE, email_expression
from exposure.detect.elements.names import FIXTURE_NAMES
from exposure.detect.elements.phone import normalise_phone_cell
from exposure.detect.elements.ssn import (
    _SSN_CELL_SHAPE,
    _VALID_SSN_DIGITS,
    FIXTURE_SSNS,
    ssn_column_expression,
)
from exposure.detect.records import ROW, _fixture_flags, _in_row_order, detect_table_frames
from exposure.extract import delimited
from exposure.extract.delimited import read_delimited

FIRSTS = ["Maria", "Dmitri", "Lena", "Ahmed", "Grace", "Tomas", "Yuki", "Priya", "Owen", "Chloe", "Kofi"]
LASTS = ["Gonzalez", "Okafor", "Haddad", "Novak", "Lindqvist", "Moreau", "Tanaka", "Patel", "Reyes", "Kim"]
CITIES = [("Boston", "MA", "02134"), ("Austin", "TX", "73301"), ("Denver", "CO", "80202")]
HEADER = ["First Name", "Last Name", "SSN", "DOB", "Address", "City", "State", "Zip", "Email", "Phone"]


def spec_for(field: str) -> FieldSpec:
    return next(spec for spec in REGISTRY.fields() if spec.field == field)


def column_values(expression, values: list[str | None]) -> list[str | None]:  # noqa: ANN001
    return (
        pl.DataFrame({"v": pl.Series(values, dtype=pl.String)}).select(expression(pl.col("v")))["v"].to_list()
    )


# ---- whole-column readers: staged steps beside the single expressions they replace ------------------


def ssn_expression_in_one_tree(column: pl.Expr) -> pl.Expr:
    """The SSN column reader as it was: one expression tree (which Polars evaluated piece by piece again)."""
    stripped = column.str.strip_chars()
    digits = stripped.str.replace_all(r"[ -]", "")
    digits = pl.when(digits.str.len_bytes() < 9).then(digits.str.zfill(9)).otherwise(digits)
    valid = (
        stripped.str.contains(_SSN_CELL_SHAPE)
        & digits.str.contains(_VALID_SSN_DIGITS)
        & ~digits.is_in(sorted(FIXTURE_SSNS))
    )
    return pl.when(valid).then(digits)


def random_ssn_cell(rng: random.Random) -> str | None:
    kind = rng.random()
    if kind < 0.5:
        sep = rng.choice(["-", " ", "", "-", " -"])
        return f"{rng.randint(0, 999):03d}{sep}{rng.randint(0, 99):02d}{sep}{rng.randint(0, 9999):04d}"
    if kind < 0.7:
        return str(rng.randint(0, 99_999_999))  # spreadsheet numbers that lost leading zeros
    if kind < 0.8:
        digits = [rng.choice("0123456789\u0661\u0662\u0663\u0665\uff11") for _ in range(rng.randint(6, 10))]
        return "".join(digits)  # Unicode digits, which Polars' \d takes too
    if kind < 0.9:
        return rng.choice(["", " ", None, "\u00a0", "N/A", "-", "+1234567", "-1234567", *FIXTURE_SSNS])
    return "".join(rng.choice("0123456789- \t") for _ in range(rng.randint(0, 13)))


def test_staged_ssn_reader_equals_the_single_expression() -> None:
    rng = random.Random(21)
    values = [random_ssn_cell(rng) for _ in range(30_000)]
    values = [f" {v} " if v and rng.random() < 0.1 else v for v in values]
    expected = column_values(ssn_expression_in_one_tree, values)
    assert column_values(ssn_column_expression, values) == expected
    assert sum(v is not None for v in expected) > 5000  # not all noise


def email_expression_in_one_tree(column: pl.Expr) -> pl.Expr:
    lowered = column.str.strip_chars().str.to_lowercase().str.strip_prefix("mailto:")
    return pl.when(lowered.str.contains(EMAIL_SHAPE)).then(lowered)


def test_email_reader_by_anchored_match_equals_contains_then_value() -> None:
    rng = random.Random(22)
    pieces = ["a", "B", "z9", ".", "_", "%", "+", "'", "-", "@", "example", ".org", ".Co", " ", "\t",
              "MAILTO:", "mailto:", "é", "\n", "@@", ".x"]  # fmt: skip
    values: list[str | None] = [
        "".join(rng.choice(pieces) for _ in range(rng.randint(0, 9))) for _ in range(20_000)
    ]
    values += [f"{rng.choice(FIRSTS)}.{rng.choice(LASTS)}{i}@Example.org" for i in range(5000)]
    values += [
        None,
        "",
        " Jane@Example.COM ",
        "mailto:jane@example.com",
        "jane@example.com\n",
        "jane@example.c",
    ]
    expected = column_values(email_expression_in_one_tree, values)
    assert column_values(email_expression, values) == expected
    assert sum(v is not None for v in expected) > 5000


# ---- the value memory of a table ------------------------------------------------------------------


def batches_of(values: list[str | None], size: int) -> list[pl.Series]:
    return [pl.Series("c0", values[i : i + size], dtype=pl.String) for i in range(0, len(values), size)]


@pytest.mark.parametrize(
    ("field", "make"),
    [
        ("date_of_birth", lambda rng: f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(1930, 1935)}"),
        ("first_name", lambda rng: rng.choice([*FIRSTS, " Lena ", "J0hn", "", "O'Neil"])),
        ("ssn", random_ssn_cell),  # no repeats: memory gives up after a batch
        ("city", lambda rng: rng.choice(["Boston", "Austin", "  Salem ", "12", "", None])),
    ],
)
def test_value_memory_across_batches_equals_normalising_each_batch(field: str, make) -> None:  # noqa: ANN001
    rng = random.Random(23)
    spec = spec_for(field)
    values = [make(rng) for _ in range(12_000)]
    memory = ValueMemory(spec)
    for batch in batches_of(values, 2500):
        assert memory.normalise(batch).to_list() == normalise_series(spec, batch).to_list()
    if field == "ssn":
        assert not memory.remember
    else:
        assert memory.remember and memory.known is not None


def test_value_memory_that_outgrows_its_bound_goes_on_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ValueMemory, "MAX_VALUES", 300)
    spec = spec_for("date_of_birth")
    rng = random.Random(24)
    values = [f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(1930, 2000)}" for _ in range(3000)]
    memory = ValueMemory(spec)
    results = [memory.normalise(batch) for batch in batches_of(values, 500)]
    assert not memory.remember and memory.known is None
    assert pl.concat(results).to_list() == normalise_series(spec, pl.Series(values)).to_list()


def test_memory_only_for_columns_whose_sample_repeats() -> None:
    rng = random.Random(25)
    rows = [
        [rng.choice(FIRSTS), f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}", ""]
        for _ in range(500)
    ]
    plans = classify_columns(["first_name", "ssn", "address_line_2"], True, rows)
    memories = value_memories(plans, rows)
    fields = {plans[number].spec.field for number in memories}
    # names repeat; SSNs do not; an empty column cannot tell, and keeps a memory (it gives up by itself)
    assert fields == {"first_name", "address_line2"}


def test_validating_with_memory_equals_validating_without() -> None:
    rng = random.Random(26)
    rows = [person(rng) for _ in range(6000)]
    for row in rows[::7]:
        row[2] = "***-**-" + row[2][-4:]  # masked SSNs: a second plan of the SSN column reads them
    for row in rows[::11]:
        row[3] = ""
    plans = classify_columns(HEADER, True, rows[:500])
    assert {p.spec.field for p in plans} >= {"ssn", "ssn_last4", "date_of_birth", "phone"}
    memory = value_memories(plans, rows[:500])
    for start in range(0, len(rows), 1000):
        batch = pl.DataFrame(
            {f"c{i}": [r[i] for r in rows[start : start + 1000]] for i in range(len(HEADER))}
        )
        with_memory = validate_frame(plans, batch, memory)
        without = validate_frame(plans, batch)
        assert [s.to_list() for s in with_memory] == [s.to_list() for s in without]


# ---- element order ---------------------------------------------------------------------------------


def test_element_order_by_one_key_equals_the_three_column_sort() -> None:
    rng = random.Random(27)
    # unique (row, rank, source) triples, shuffled, as parts of several ranks and sources stack up
    triples = {
        (rng.randint(2, 5000), rng.choice([0, 1, 2, 3, 4, 10, 20, 21]), rng.randint(0, 3))
        for _ in range(30_000)
    }
    shuffled = list(triples)
    rng.shuffle(shuffled)
    rows = pl.DataFrame(
        {
            ROW: [t[0] for t in shuffled],
            "__rank": pl.Series([t[1] for t in shuffled], dtype=pl.Int32),
            "__source": pl.Series([t[2] for t in shuffled], dtype=pl.Int32),
            "value": [f"v{i}" for i in range(len(shuffled))],
        }
    )
    expected = rows.sort(ROW, "__rank", "__source", maintain_order=True)
    assert _in_row_order(rows).equals(expected)
    assert _in_row_order(rows.lazy()).collect().equals(expected)  # as the elements' one query sorts them
    assert _in_row_order(rows.head(0)).is_empty()


# ---- the plain-CSV reader --------------------------------------------------------------------------


def csv_module_rows(path: Path) -> list[tuple[int, list[str]]]:
    text = path.read_text(encoding="utf-8-sig")
    delimiter = delimited.sniff_delimiter(text)
    (table,) = delimited.table_from_rows(delimited._csv_rows(io.StringIO(text, newline=""), delimiter))
    return list(table.rows)


def fast_rows(path: Path) -> tuple[bool, list[tuple[int, list[str]]]]:
    (table,) = read_delimited(path)
    return table.frames is not None, list(table.rows)


def odd_plain_lines(rng: random.Random, delimiter: str) -> list[str]:
    """Lines of a plain file: people, and blank, white-space-only, delimiter-only, short and long lines."""
    lines = []
    for _ in range(3000):
        kind = rng.random()
        if kind < 0.8:
            lines.append(delimiter.join(person(rng)[:4]))
        elif kind < 0.85:
            lines.append("")
        elif kind < 0.9:
            lines.append(
                rng.choice([" ", "  \t", delimiter * 3, f" {delimiter} {delimiter} ", delimiter * 6])
            )
        elif kind < 0.95:
            lines.append(rng.choice(FIRSTS))
        else:
            lines.append(delimiter.join([*person(rng)[:4], "extra", "", "more"]))
    return lines


@pytest.mark.parametrize(
    ("delimiter", "newline", "final"), [(",", "\n", True), (",", "\r\n", False), ("\t", "\n", False)]
)
def test_plain_reader_keeps_the_lines_the_csv_module_keeps_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, delimiter: str, newline: str, final: bool
) -> None:
    monkeypatch.setattr(delimited, "CHUNK_BYTES", 997)  # many chunks, cut anywhere
    rng = random.Random(28)
    lines = [delimiter.join(HEADER[:4]), *odd_plain_lines(rng, delimiter)]
    path = tmp_path / "people.csv"
    path.write_bytes((newline.join(lines) + (newline if final else "")).encode("utf-8"))
    fast, rows = fast_rows(path)
    assert fast
    assert rows == csv_module_rows(path)
    assert rows[-1][0] <= len(lines)


# ---- a whole table ---------------------------------------------------------------------------------


def valid_phone(rng: random.Random) -> str:
    """A real-looking U.S. number phonenumbers accepts (area code and exchange from its metadata)."""
    while True:
        area, exchange = rng.randint(201, 989), rng.randint(200, 989)
        line = rng.randint(0, 9999)
        number = phonenumbers.PhoneNumber(country_code=1, national_number=int(f"{area}{exchange}{line:04d}"))
        if phonenumbers.is_valid_number_for_region(number, "US"):
            return rng.choice([f"({area}) {exchange}-{line:04d}", f"{area}-{exchange}-{line:04d}"])


def person(rng: random.Random) -> list[str]:
    first, last = rng.choice(FIRSTS), rng.choice(LASTS)
    city, state, zip_code = rng.choice(CITIES)
    return [
        first,
        last,
        f"{rng.randint(1, 665):03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}",
        f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(1940, 2010)}",
        f"{rng.randint(1, 9999)} {rng.choice(['Oak', 'Main', 'Pine'])} St",
        city,
        state,
        zip_code,
        f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@example.org",
        valid_phone(rng),
    ]


@pytest.fixture(scope="module")
def people_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(29)
    rows = [person(rng) for _ in range(9000)]
    for row in rows[::13]:
        row[rng.randrange(len(row))] = ""  # missing cells
    rows[100][:2] = ["John", "Doe"]  # a test record
    path = tmp_path_factory.mktemp("speed") / "people.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return path


def detections(path: Path, ctx: DetectContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    (table,) = read_delimited(path)
    found = list(detect_table_frames(table, ctx))
    return pl.concat([f.mentions for f in found]), pl.concat([f.elements for f in found])


def test_table_with_memory_equals_table_without(people_csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = DetectContext(batch_rows=2000)
    mentions, elements = detections(people_csv, ctx)
    monkeypatch.setattr("exposure.detect.records.value_memories", lambda plans, rows: {})
    direct_mentions, direct_elements = detections(people_csv, ctx)
    assert mentions.equals(direct_mentions)
    assert elements.equals(direct_elements)
    assert mentions.height > 8000 and elements.height > 5 * mentions.height


def test_table_read_in_one_batch_equals_many_batches(people_csv: Path) -> None:
    one_mentions, one_elements = detections(people_csv, DetectContext(batch_rows=100_000))
    many_mentions, many_elements = detections(people_csv, DetectContext(batch_rows=700))
    assert one_mentions.equals(many_mentions)
    assert one_elements.equals(many_elements)


def test_valid_phone_column_gives_each_number_as_phonenumbers_formats_it(people_csv: Path) -> None:
    _, elements = detections(people_csv, DetectContext())
    phones = elements.filter(pl.col("code") == "phone")
    with people_csv.open(encoding="utf-8") as f:
        cells = {f"row {n}": row[9] for n, row in enumerate(csv.reader(f), start=1) if n > 1}
    # every number is valid; the test record (John Doe, row 102) is no person, so its phone is not listed
    expected = {loc: normalise_phone_cell(cell) for loc, cell in cells.items() if cell and loc != "row 102"}
    assert phones.height > 8000 and all(expected.values())
    assert dict(zip(phones["location"], phones["value"], strict=True)) == expected


def test_fixture_flags_equal_the_whole_column_check() -> None:
    rng = random.Random(30)
    words = ["John", "JANE", "j.o.h.n", "Doe", "D.O.E.", "doe", "Test", "PATIENT", "Baby", "Smith", "", None]
    people = pl.DataFrame(
        {
            "first_name": [rng.choice(words) for _ in range(20_000)],
            "last_name": [rng.choice(words) for _ in range(20_000)],
        },
        schema={"first_name": pl.String, "last_name": pl.String},
    )
    bare = [pl.col(c).str.to_lowercase().str.replace_all("[.]", "") for c in ("first_name", "last_name")]
    keys = [f"{first}|{last}" for first, last in FIXTURE_NAMES]
    expected = people.select(pl.concat_str(bare, separator="|").is_in(keys).fill_null(False)).to_series()
    assert _fixture_flags(people).to_list() == expected.to_list()
    assert expected.sum() > 500
    no_fixture = people.filter(pl.col("last_name") == "Smith")
    assert not _fixture_flags(no_fixture).any() and _fixture_flags(no_fixture).len() == no_fixture.height
