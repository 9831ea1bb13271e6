"""Records: a table's rows become person mentions and the elements tied to them, as columnar frames.

Columns are classified once, from the header and the first batch. Each batch is
then validated column by column in Polars, each person's fields are assembled
there too (first valid value per field, names composed, test names flagged),
and the batch's mentions and elements come out as two Polars frames (the
columns of :data:`~exposure.model.MENTION_TABLE_COLUMNS` and
:data:`~exposure.model.ELEMENT_TABLE_COLUMNS`) that the worker hands to DuckDB
as Arrow: no Python object per row. :func:`detect_table` gives the same results
as ``Mention`` and ``Element`` objects for callers that want them.

A row may hold several people (``spouse_``, ``dep1_`` ... columns): each gets
its own mention, keyed ``row N/spouse``. A column whose field is not a
``Mention`` attribute (``drivers_license``, ``password``) is an element-only
column: one element per distinct valid value per person, or, when its spec has
no element code (``username``), a hint kept in the mention's attributes. A spec
with ``requires_any`` counts only beside one of those fields of the same person
(a password is a credential only beside a user name or e-mail).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from itertools import islice
from typing import TypeVar

import polars as pl

from exposure.detect.columns import ColumnPlan, ValueMemory, classify_columns, validate_frame, value_memories
from exposure.detect.context import DetectContext
from exposure.detect.elements.names import FIXTURE_NAMES
from exposure.model import ELEMENT_TABLE_COLUMNS, MENTION_TABLE_COLUMNS, Detections, Element, Mention, Table

NAME_PARTS = ("first_name", "middle_name", "last_name", "suffix")
ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "postal_code")
# Elements that may have several values in one row (home and work phone): each distinct value counts.
MULTI_VALUE_ELEMENTS = ("ssn", "date_of_birth", "email", "phone")
MENTION_FIELDS = (*NAME_PARTS, "full_name", *ADDRESS_FIELDS, *MULTI_VALUE_ELEMENTS, "ssn_last4")
# A spec whose field is none of these fills no Mention field: an element-only column or a hint.
_MENTION_ATTRIBUTES = frozenset(f.name for f in fields(Mention))

ROW = "__row"  # the source row number a reviewer opens, in every batch frame
_INDEX = "__i"
# Frame columns computed per person besides the Mention fields.
_HAS_NAME, _IS_FIXTURE, _ONE_LINE_ADDRESS, _EXISTS = "__has_name", "__is_fixture", "__address", "__exists"
_EMPTY = pl.lit(None, dtype=pl.String)


def raw_column(index: int) -> str:
    """Name of a table's column ``index`` in a batch frame (headers may repeat or be empty)."""
    return f"c{index}"


@dataclass
class _PersonPlan:
    """Where each field of one person of a row comes from (frame columns in precedence order)."""

    key: str  # "" for the row's own person, else the header prefix ("spouse", "dep1")
    role: str
    field_sources: dict[str, list[tuple[str, ColumnPlan]]] = field(default_factory=dict)
    element_sources: dict[str, list[tuple[str, ColumnPlan]]] = field(default_factory=dict)
    # Element-only columns and hints, by spec field (fields that are not Mention attributes).
    extra_sources: dict[str, list[tuple[str, ColumnPlan]]] = field(default_factory=dict)

    def first_plan(self, *fields: str) -> ColumnPlan | None:
        return next((p for f in fields for _, p in self.field_sources.get(f, [])), None)

    def name_columns(self) -> str:
        headers = (p.header for f in (*NAME_PARTS, "full_name") for _, p in self.field_sources.get(f, []))
        return "+".join(dict.fromkeys(headers))

    def hint_fields(self) -> list[str]:
        return [f for f, sources in self.extra_sources.items() if not sources[0][1].spec.element]

    def element_only_fields(self) -> list[str]:
        return [f for f, sources in self.extra_sources.items() if sources[0][1].spec.element]


def _frame_column(plan_number: int, part: str = "") -> str:
    return f"p{plan_number}.{part}" if part else f"p{plan_number}"


def _person_plans(plans: Sequence[ColumnPlan]) -> list[_PersonPlan]:
    """Group column plans by person; explicit columns before parts split out of a full name or address."""
    people: dict[str, _PersonPlan] = {}
    derived: dict[str, dict[str, list[tuple[str, ColumnPlan]]]] = {}
    for number, plan in enumerate(plans):
        person = people.setdefault(plan.person, _PersonPlan(plan.person, plan.role))
        spec = plan.spec
        if spec.parts is None and spec.field not in _MENTION_ATTRIBUTES:
            person.extra_sources.setdefault(spec.field, []).append((_frame_column(number), plan))
            continue
        if spec.element in MULTI_VALUE_ELEMENTS:
            person.element_sources.setdefault(spec.element, []).append((_frame_column(number), plan))
        if spec.parts is None:
            person.field_sources.setdefault(spec.field, []).append((_frame_column(number), plan))
            continue
        for part in _part_fields(plan):
            derived.setdefault(plan.person, {}).setdefault(part, []).append(
                (_frame_column(number, part), plan)
            )
    for key, parts in derived.items():
        for part, sources in parts.items():
            people[key].field_sources.setdefault(part, []).extend(sources)
    main = people.get("")
    for person in people.values():
        if person.key and main is not None and not any(f in person.field_sources for f in ADDRESS_FIELDS):
            # Spouses and dependents in one row usually share the member's mailing address.
            for name in ADDRESS_FIELDS:
                if name in main.field_sources:
                    person.field_sources[name] = list(main.field_sources[name])
    return [people[k] for k in sorted(people)]  # "" (the row's own person) first


def _fold_lone_prefixed_person(plans: list[ColumnPlan]) -> list[ColumnPlan]:
    """A table whose only name column is prefixed (``Dependent Name`` beside plain ``DOB``, ``SSN``) is
    about that person: a dependents sheet names its rows' own people that way. Fold the prefix away."""
    others = {p.person for p in plans if p.person}
    main_has_name = any(p.spec.field in (*NAME_PARTS, "full_name") for p in plans if not p.person)
    if len(others) != 1 or main_has_name:
        return plans
    role = next(p.role for p in plans if p.person)
    return [replace(p, person="", role=role) for p in plans]


def _part_fields(plan: ColumnPlan) -> tuple[str, ...]:
    """The Mention fields a ``parts`` spec fills (what it returns for an empty value)."""
    assert plan.spec.parts is not None
    return tuple(k for k in _PART_FIELDS_BY_SPEC.setdefault(plan.spec.field, tuple(plan.spec.parts("")))
                 if k in MENTION_FIELDS)  # fmt: skip


_PART_FIELDS_BY_SPEC: dict[str, tuple[str, ...]] = {}


# ---- entry points -------------------------------------------------------------------------------


@dataclass
class TableDetections:
    """One batch's detections as frames: ``mentions`` has MENTION_TABLE_COLUMNS, ``elements``
    ELEMENT_TABLE_COLUMNS (both without ``sha256``, which the worker adds)."""

    mentions: pl.DataFrame
    elements: pl.DataFrame

    def to_detections(self) -> Detections:
        """The same results as objects (slow on big batches: for tests and small callers)."""
        mentions = []
        for row in self.mentions.iter_rows(named=True):
            key = row.pop("mention_key")
            attributes = row.pop("attributes")
            row["attributes"] = json.loads(attributes) if attributes else {}
            mentions.append(Mention(key=key, **row))
        elements = [Element(**row) for row in self.elements.iter_rows(named=True)]
        return Detections(mentions, elements)


def detect_table(table: Table, ctx: DetectContext) -> Iterator[Detections]:
    """One :class:`Detections` per batch of rows (``ctx.rows_per_batch``), so memory stays bounded."""
    for found in detect_table_frames(table, ctx):
        yield found.to_detections()


def detect_table_frames(table: Table, ctx: DetectContext) -> Iterator[TableDetections]:
    """One :class:`TableDetections` per batch of rows: the fast path the worker uses."""
    batches = _batch_frames(table, ctx.rows_per_batch(len(table.columns)))
    first = next(batches, None)
    if first is None:
        return
    sample_rows = first.drop(ROW).head(_SAMPLE_ROWS).rows()
    plans = _fold_lone_prefixed_person(classify_columns(table.columns, table.has_header, sample_rows))
    if not plans:
        return
    reader = _BatchReader(
        plans=plans,
        people=_person_plans(plans),
        owner_columns=_owner_columns(table.columns, ctx.owner_value_columns),
        location_prefix=f"{table.name}!" if table.name else "",
        memory=value_memories(plans, sample_rows) if first.height >= _REMEMBER_FROM_ROWS else {},
    )
    yield reader.read(first)
    for batch in batches:
        yield reader.read(batch)


_SAMPLE_ROWS = 500
# A table whose first batch is shorter than this is (nearly always) read in that one batch: remembering its
# values for batches to come costs more than it saves.
_REMEMBER_FROM_ROWS = 2_000


def _batch_frames(table: Table, batch_rows: int) -> Iterator[pl.DataFrame]:
    """Batches of the table as frames of strings (``c0``, ``c1`` ... and ``__row``), however it comes."""
    if table.frames is not None:
        for frame in table.frames:
            yield from (frame.slice(start, batch_rows) for start in range(0, frame.height, batch_rows))
        return
    rows = iter(table.rows)
    while batch := list(islice(rows, batch_rows)):
        yield rows_frame(batch, len(table.columns))


def rows_frame(batch: Sequence[tuple[int, list[str]]], width: int) -> pl.DataFrame:
    """A batch of ``(row number, values)`` as a frame of string columns; short rows padded with ""."""
    width = max([width, *(len(values) for _, values in batch)])
    columns: dict[str, pl.Series] = {ROW: pl.Series(ROW, [n for n, _ in batch], dtype=pl.Int64)}
    for i in range(width):
        columns[raw_column(i)] = pl.Series([v[i] if i < len(v) else "" for _, v in batch], dtype=pl.String)
    return pl.DataFrame(columns)


def _owner_columns(columns: Sequence[str], wanted: Sequence[str]) -> list[tuple[str, int]]:
    """(name as given in the context, column index) for each owner-rule column present in the table."""
    by_header = {c.strip().lower(): i for i, c in reversed(list(enumerate(columns)))}
    return [(name, by_header[name.strip().lower()]) for name in wanted if name.strip().lower() in by_header]


# ---- one batch -----------------------------------------------------------------------------------


@dataclass
class _BatchReader:
    plans: list[ColumnPlan]
    people: list[_PersonPlan]
    owner_columns: list[tuple[str, int]]
    location_prefix: str
    memory: dict[int, ValueMemory] = field(default_factory=dict)

    def read(self, batch: pl.DataFrame) -> TableDetections:
        frame = self._validated_frame(batch)
        mentions, elements = [], []
        for person in self.people:
            people = _person_frame(frame, person)
            mentions.append(self._mentions(person, people))
            elements.append(self._elements(person, people))
        return TableDetections(
            pl.concat(mentions, how="vertical").select(MENTION_TABLE_COLUMNS[1:]),
            pl.concat(elements, how="vertical").select(ELEMENT_TABLE_COLUMNS[1:]),
        )

    def _validated_frame(self, batch: pl.DataFrame) -> pl.DataFrame:
        """One column per plan (normalised values or null), plus the parts of full names and addresses,
        the row number, the location and the owner-rule columns."""
        columns = validate_frame(self.plans, batch, self.memory)
        frame: dict[str, pl.Series] = {ROW: batch[ROW]}
        for number, (plan, values) in enumerate(zip(self.plans, columns, strict=True)):
            frame[_frame_column(number)] = values.alias(_frame_column(number))
            if plan.spec.parts is not None:
                frame.update(_split_values(plan, number, values))
        for name, index in self.owner_columns:
            source = raw_column(index)
            frame[f"owner:{name}"] = batch[source] if source in batch.columns else pl.repeat("", batch.height)
        location = pl.concat_str(pl.lit(f"{self.location_prefix}row "), pl.col(ROW).cast(pl.String))
        return pl.DataFrame(frame).with_columns(location.alias("location"))

    def _mentions(self, person: _PersonPlan, people: pl.DataFrame) -> pl.DataFrame:
        kept = people.filter(pl.col(_EXISTS) & ~pl.col(_IS_FIXTURE))
        attributes = _attributes_column(kept, [n for n, _ in self.owner_columns], person.hint_fields())
        return kept.select(
            pl.col("mention_key"),
            pl.col("location"),
            pl.lit(person.role or "individual").alias("role"),
            *(pl.col(name).fill_null("") for name in MENTION_FIELDS),
            attributes.alias("attributes"),
            pl.lit(False).alias("needs_review"),
        )

    def _elements(self, person: _PersonPlan, people: pl.DataFrame) -> pl.DataFrame:
        """Every element of this person in the batch, row by row in source order. The parts (one per
        element code and source column) are planned lazily and computed in one query."""
        parts: list[pl.LazyFrame] = []
        # computed once: every part reads it
        listed = people.filter(pl.col(_EXISTS) & ~pl.col(_IS_FIXTURE)).lazy()
        name_plan = person.first_plan("full_name", "last_name", "first_name")
        if name_plan is not None:
            named = listed.filter(pl.col(_HAS_NAME)).select(ROW, "mention_key", "location", value="full_name")
            parts.append(_element_rows(named, "name", name_plan, rank=0, column=person.name_columns()))
        for rank, code in enumerate(MULTI_VALUE_ELEMENTS, start=1):
            parts.extend(_multi_value_rows(listed, person.element_sources.get(code, []), code, rank))
        address_plan = person.first_plan("address_line1")
        if address_plan is not None:
            addressed = listed.filter(pl.col("address_line1").is_not_null()).select(
                ROW, "mention_key", "location", value=_ONE_LINE_ADDRESS
            )
            parts.append(_element_rows(addressed, "address", address_plan, rank=10))
        for rank, name in enumerate(person.element_only_fields(), start=20):
            sources = person.extra_sources[name]
            code = sources[0][1].spec.element
            allowed = listed.filter(_requirement(person, sources[0][1].spec.requires_any))
            parts.extend(_multi_value_rows(allowed, sources, code, rank))
        # A test record ("John Doe"): no person. Its SSN alone is still worth a reviewer's look.
        fixtures = people.lazy().filter(pl.col(_EXISTS) & pl.col(_IS_FIXTURE))
        fixtures = fixtures.with_columns(mention_key=pl.lit(""))
        for part in _multi_value_rows(fixtures, person.element_sources.get("ssn", []), "ssn", 1):
            parts.append(part.with_columns(needs_review=pl.lit(True)))
        if not parts:
            return _EMPTY_ELEMENTS
        return _in_row_order(pl.concat(parts, how="vertical")).select(ELEMENT_TABLE_COLUMNS[1:]).collect()


FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def _in_row_order(rows: FrameT) -> FrameT:
    """Element rows by source row, then rank, then source column. These triples are unique, so one integer
    made of them sorts the rows the same way, faster than the three columns do (Polars encodes each row's
    keys for a sort on several columns)."""
    rank, source = pl.col("__rank").cast(pl.Int64), pl.col("__source").cast(pl.Int64)
    ranks, sources = rank.max() + 1, source.max() + 1
    return rows.sort((pl.col(ROW) * ranks + rank) * sources + source, maintain_order=True)


def _element_rows(
    rows: pl.LazyFrame, code: str, plan: ColumnPlan, *, rank: int, source: int = 0, column: str = ""
) -> pl.LazyFrame:
    """Element columns for ``rows`` (with ROW, mention_key, location, value) from one source plan."""
    return rows.select(
        pl.col(ROW),
        pl.lit(rank).alias("__rank"),
        pl.lit(source).alias("__source"),
        pl.col("mention_key"),
        pl.lit(code).alias("code"),
        pl.col("value").fill_null(""),
        pl.col("location"),
        pl.lit(-1, dtype=pl.Int64).alias("offset"),
        pl.lit(column or plan.header).alias("column"),
        pl.lit(plan.confidence, dtype=pl.Float64).alias("confidence"),
        pl.lit(plan.detector).alias("detector"),
        pl.lit(False).alias("needs_review"),
    )


def _multi_value_rows(
    people: pl.LazyFrame, sources: Sequence[tuple[str, ColumnPlan]], code: str, rank: int
) -> list[pl.LazyFrame]:
    """One element per distinct value per row across the source columns (home and work phone: two)."""
    parts = []
    for source, (column, plan) in enumerate(sources):
        values = people.select(ROW, "mention_key", "location", pl.col(column).alias("value")).filter(
            pl.col("value").is_not_null() & (pl.col("value") != "")
        )
        parts.append(_element_rows(values, code, plan, rank=rank, source=source))
    if len(parts) > 1:
        stacked = pl.concat(parts, how="vertical")
        return [stacked.unique(subset=[ROW, "value"], keep="first", maintain_order=True)]
    return parts


def _requirement(person: _PersonPlan, requires_any: Sequence[str]) -> pl.Expr:
    """True where the person has one of these fields, hints or element codes in the row."""
    if not requires_any:
        return pl.lit(True)
    present = [pl.lit(False)]
    for name in requires_any:
        if name in MENTION_FIELDS:
            present.append(pl.col(name).is_not_null() & (pl.col(name) != ""))
        for column, _plan in (
            *person.extra_sources.get(name, []),
            *(s for sources in person.extra_sources.values() for s in sources if s[1].spec.element == name),
            *person.element_sources.get(name, []),
        ):
            present.append(pl.col(column).is_not_null() & (pl.col(column) != ""))
    return pl.any_horizontal(present)


def _attributes_column(people: pl.DataFrame, owner_names: Sequence[str], hints: Sequence[str]) -> pl.Expr:
    """The mention's attributes as JSON (owner-rule columns and hints), "" when it has none."""
    if not owner_names and not hints:
        return pl.lit("")
    names = [f"owner:{n}" for n in owner_names] + [f"hint:{h}" for h in hints]
    values = people.select(names).rows()
    labels = [*owner_names, *hints]
    encoded = []
    for row in values:  # only tables with owner-rule or hint columns come here
        found = {label: value for label, value in zip(labels, row, strict=True) if value}
        encoded.append(json.dumps(found, sort_keys=True) if found else "")
    return pl.Series(encoded, dtype=pl.String)


_EMPTY_ELEMENTS = pl.DataFrame(
    {
        "mention_key": [], "code": [], "value": [], "location": [], "offset": [], "column": [],
        "confidence": [], "detector": [], "needs_review": [],
    },
    schema={
        "mention_key": pl.String, "code": pl.String, "value": pl.String, "location": pl.String,
        "offset": pl.Int64, "column": pl.String, "confidence": pl.Float64, "detector": pl.String,
        "needs_review": pl.Boolean,
    },
)  # fmt: skip


def _split_values(plan: ColumnPlan, number: int, values: pl.Series) -> dict[str, pl.Series]:
    """Part columns (``p3.first_name`` ...) of a full-name or one-line-address column, split per value."""
    assert plan.spec.parts is not None
    split = {v: plan.spec.parts(v) for v in values.drop_nulls().unique().to_list()}
    return {
        _frame_column(number, part): values.replace_strict(
            {v: parts.get(part) or None for v, parts in split.items()}, default=None, return_dtype=pl.String
        ).alias(_frame_column(number, part))
        for part in _part_fields(plan)
    }


def _person_frame(frame: pl.DataFrame, person: _PersonPlan) -> pl.DataFrame:
    """The Mention fields of one person for every row of the batch, first valid source winning, with
    whether the person exists in the row, is a test fixture, and their one-line address."""
    selected = [pl.col(ROW), pl.col("location")]
    for name in MENTION_FIELDS:
        sources = [pl.col(column) for column, _ in person.field_sources.get(name, [])]
        selected.append((pl.coalesce(sources) if sources else _EMPTY).alias(name))
    element_columns = {c for sources in person.element_sources.values() for c, _ in sources}
    element_columns |= {c for sources in person.extra_sources.values() for c, _ in sources}
    owner = [c for c in frame.columns if c.startswith("owner:")]
    hints = [
        pl.coalesce([pl.col(c) for c, _ in person.extra_sources[h]]).alias(f"hint:{h}")
        for h in person.hint_fields()
    ]
    people = frame.select(*selected, *(pl.col(c) for c in sorted(element_columns)), *owner, *hints)
    composed = pl.concat_str([pl.col(p) for p in NAME_PARTS], separator=" ", ignore_nulls=True)
    has_parts = pl.any_horizontal(pl.col("first_name").is_not_null(), pl.col("last_name").is_not_null())
    city_line = pl.concat_str([pl.col("state"), pl.col("postal_code")], separator=" ", ignore_nulls=True)
    one_line = pl.concat_str(
        [
            pl.col("address_line1"),
            pl.col("address_line2"),
            pl.col("city"),
            pl.when(city_line != "").then(city_line),
        ],
        separator=", ",
        ignore_nulls=True,
    )
    key = pl.concat_str(pl.col("location"), pl.lit(f"/{person.key}")) if person.key else pl.col("location")
    people = people.with_columns(
        pl.when(has_parts).then(composed).otherwise(pl.col("full_name")).alias("full_name"),
        (has_parts | pl.col("full_name").is_not_null()).alias(_HAS_NAME),
        _fixture_flags(people).alias(_IS_FIXTURE),
        one_line.alias(_ONE_LINE_ADDRESS),
        key.alias("mention_key"),
    )
    return people.with_columns(_exists(person).alias(_EXISTS))


_FIXTURE_KEYS = sorted(f"{first}|{last}" for first, last in FIXTURE_NAMES)
_FIXTURE_LAST_NAMES = sorted({last for _, last in FIXTURE_NAMES})


def _fixture_flags(people: pl.DataFrame) -> pl.Series:
    """Whether each row names a test fixture ("John Doe"): first and last name in lower case, without dots."""
    last = people["last_name"].str.to_lowercase().str.replace_all(".", "", literal=True)
    if not last.is_in(_FIXTURE_LAST_NAMES).any():  # the usual batch: then the first names need no look
        return pl.repeat(False, people.height, eager=True)
    first = people["first_name"].str.to_lowercase().str.replace_all(".", "", literal=True)
    key = pl.concat_str([first, last], separator="|")
    return people.select(key.is_in(_FIXTURE_KEYS).fill_null(False)).to_series()


def _exists(person: _PersonPlan) -> pl.Expr:
    """A row holds this person when it names them, gives their SSN, or holds their credentials (an
    element whose spec requires an identifying field - e-mail, user name - and has it)."""
    anyone = pl.col(_HAS_NAME) | pl.col("ssn").is_not_null()
    for column, _ in person.element_sources.get("ssn", []):
        anyone = anyone | pl.col(column).is_not_null()
    for name in person.element_only_fields():
        sources = person.extra_sources[name]
        requires_any = sources[0][1].spec.requires_any
        if requires_any:
            has_value = pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c) != "") for c, _ in sources])
            anyone = anyone | (has_value & _requirement(person, requires_any))
    return anyone
