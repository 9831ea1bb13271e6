"""Records: a table's rows become person mentions and the elements tied to them.

Columns are classified once, from the header and the first batch. Each batch is
then validated column by column in Polars, and each person's fields are
assembled there too (first valid value per field, names composed, test names
flagged); Python only turns the surviving rows into ``Mention`` and ``Element``
objects. A row may hold several people (``spouse_``, ``dep1_`` ... columns):
each gets its own mention, keyed ``row N/spouse``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice

import polars as pl

from exposure.detect.columns import ColumnPlan, classify_columns, validate_batch
from exposure.detect.context import DetectContext
from exposure.detect.elements.names import FIXTURE_NAMES
from exposure.model import Detections, Element, Mention, Table

NAME_PARTS = ("first_name", "middle_name", "last_name", "suffix")
ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "state", "postal_code")
# Elements that may have several values in one row (home and work phone): each distinct value counts.
MULTI_VALUE_ELEMENTS = ("ssn", "date_of_birth", "email", "phone")
MENTION_FIELDS = (*NAME_PARTS, "full_name", *ADDRESS_FIELDS, *MULTI_VALUE_ELEMENTS, "ssn_last4")

# Frame columns computed per person besides the Mention fields.
_HAS_NAME, _IS_FIXTURE, _ONE_LINE_ADDRESS = "__has_name", "__is_fixture", "__address"


@dataclass
class _PersonPlan:
    """Where each field of one person of a row comes from (frame columns in precedence order)."""

    key: str  # "" for the row's own person, else the header prefix ("spouse", "dep1")
    role: str
    field_sources: dict[str, list[tuple[str, ColumnPlan]]] = field(default_factory=dict)
    element_sources: dict[str, list[tuple[str, ColumnPlan]]] = field(default_factory=dict)

    def first_plan(self, *fields: str) -> ColumnPlan | None:
        return next((p for f in fields for _, p in self.field_sources.get(f, [])), None)

    def name_columns(self) -> str:
        headers = (p.header for f in (*NAME_PARTS, "full_name") for _, p in self.field_sources.get(f, []))
        return "+".join(dict.fromkeys(headers))


def _frame_column(plan_number: int, part: str = "") -> str:
    return f"p{plan_number}.{part}" if part else f"p{plan_number}"


def _person_plans(plans: Sequence[ColumnPlan]) -> list[_PersonPlan]:
    """Group column plans by person; explicit columns before parts split out of a full name or address."""
    people: dict[str, _PersonPlan] = {}
    derived: dict[str, dict[str, list[tuple[str, ColumnPlan]]]] = {}
    for number, plan in enumerate(plans):
        person = people.setdefault(plan.person, _PersonPlan(plan.person, plan.role))
        spec = plan.spec
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


def detect_table(table: Table, ctx: DetectContext) -> Iterator[Detections]:
    """One :class:`Detections` per batch of ``ctx.batch_rows`` rows, so memory stays bounded."""
    rows = iter(table.rows)
    batch = list(islice(rows, ctx.batch_rows))
    if not batch:
        return
    plans = _fold_lone_prefixed_person(
        classify_columns(table.columns, table.has_header, [values for _, values in batch])
    )
    reader = _BatchReader(
        plans=plans,
        people=_person_plans(plans),
        owner_columns=_owner_columns(table.columns, ctx.owner_value_columns),
        location_prefix=f"{table.name}!" if table.name else "",
    )
    while batch:
        yield reader.read(batch)
        batch = list(islice(rows, ctx.batch_rows))


def _owner_columns(columns: Sequence[str], wanted: Sequence[str]) -> list[tuple[str, int]]:
    """(name as given in the context, column index) for each owner-rule column present in the table."""
    by_header = {c.strip().lower(): i for i, c in reversed(list(enumerate(columns)))}
    return [(name, by_header[name.strip().lower()]) for name in wanted if name.strip().lower() in by_header]


@dataclass
class _BatchReader:
    plans: list[ColumnPlan]
    people: list[_PersonPlan]
    owner_columns: list[tuple[str, int]]
    location_prefix: str

    def read(self, batch: Sequence[tuple[int, list[str]]]) -> Detections:
        out = Detections()
        if not self.plans:
            return out
        frame = self._validated_frame(batch)
        for person in self.people:
            self._emit_person(person, _person_frame(frame, person), batch, out)
        return out

    def _validated_frame(self, batch: Sequence[tuple[int, list[str]]]) -> pl.DataFrame:
        """One column per plan (normalised values or null), plus the parts of full names and addresses."""
        columns = validate_batch(self.plans, [values for _, values in batch])
        frame: dict[str, pl.Series] = {}
        for number, (plan, values) in enumerate(zip(self.plans, columns, strict=True)):
            frame[_frame_column(number)] = values
            if plan.spec.parts is not None:
                frame.update(_split_values(plan, number, values))
        return pl.DataFrame(frame)

    def _emit_person(
        self,
        person: _PersonPlan,
        frame: pl.DataFrame,
        batch: Sequence[tuple[int, list[str]]],
        out: Detections,
    ) -> None:
        ssn_sources = [column for column, _ in person.element_sources.get("ssn", [])]
        anyone = pl.col(_HAS_NAME)
        for column in ssn_sources:
            anyone = anyone | pl.col(column).is_not_null()
        frame = frame.with_row_index("__i").filter(anyone)
        names = frame.columns
        name_plan = person.first_plan("full_name", "last_name", "first_name")
        address_plan = person.first_plan("address_line1")
        name_columns = person.name_columns()
        for row in frame.iter_rows():
            values = dict(zip(names, row, strict=True))
            row_number, raw = batch[values["__i"]]
            location = f"{self.location_prefix}row {row_number}"
            key = f"{location}/{person.key}" if person.key else location
            if values[_IS_FIXTURE]:
                # A test record ("John Doe"): no person. Its SSN alone is still worth a reviewer's look.
                for code, value, plan in _element_values(person, values, ("ssn",)):
                    out.elements.append(_element(code, value, location, "", plan, needs_review=True))
                continue
            out.mentions.append(self._mention(person, values, key, location, raw))
            if values[_HAS_NAME] and name_plan is not None:
                out.elements.append(
                    _element("name", values["full_name"], location, key, name_plan, column=name_columns)
                )
            for code, value, plan in _element_values(person, values, MULTI_VALUE_ELEMENTS):
                out.elements.append(_element(code, value, location, key, plan))
            if values["address_line1"] and address_plan is not None:
                out.elements.append(
                    _element("address", values[_ONE_LINE_ADDRESS], location, key, address_plan)
                )

    def _mention(
        self, person: _PersonPlan, values: dict[str, str | None], key: str, location: str, raw: list[str]
    ) -> Mention:
        attributes = {name: raw[i] for name, i in self.owner_columns if i < len(raw) and raw[i]}
        return Mention(
            key=key,
            location=location,
            role=person.role or "individual",
            attributes=attributes,
            **{name: values[name] or "" for name in MENTION_FIELDS},
        )


def _split_values(plan: ColumnPlan, number: int, values: pl.Series) -> dict[str, pl.Series]:
    """Part columns (``p3.first_name`` ...) of a full-name or one-line-address column, split per value."""
    assert plan.spec.parts is not None
    split = {v: plan.spec.parts(v) for v in values.drop_nulls().unique().to_list()}
    return {
        _frame_column(number, part): values.replace_strict(
            {v: parts.get(part) or None for v, parts in split.items()}, default=None, return_dtype=pl.String
        )
        for part in _part_fields(plan)
    }


def _person_frame(frame: pl.DataFrame, person: _PersonPlan) -> pl.DataFrame:
    """The Mention fields of one person for every row of the batch, first valid source winning."""
    fields = []
    for name in MENTION_FIELDS:
        sources = [pl.col(column) for column, _ in person.field_sources.get(name, [])]
        fields.append((pl.coalesce(sources) if sources else pl.lit(None, dtype=pl.String)).alias(name))
    element_columns = {c for sources in person.element_sources.values() for c, _ in sources}
    people = frame.select(*fields, *(pl.col(c) for c in sorted(element_columns)))
    composed = pl.concat_str([pl.col(p) for p in NAME_PARTS], separator=" ", ignore_nulls=True)
    has_parts = pl.any_horizontal(pl.col("first_name").is_not_null(), pl.col("last_name").is_not_null())
    fixture_keys = [f"{first}|{last}" for first, last in FIXTURE_NAMES]
    bare = "[.]"
    fixture_key = pl.concat_str(
        [
            pl.col("first_name").str.to_lowercase().str.replace_all(bare, ""),
            pl.col("last_name").str.to_lowercase().str.replace_all(bare, ""),
        ],
        separator="|",
    )
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
    return people.with_columns(
        pl.when(has_parts).then(composed).otherwise(pl.col("full_name")).alias("full_name"),
        (has_parts | pl.col("full_name").is_not_null()).alias(_HAS_NAME),
        fixture_key.is_in(fixture_keys).fill_null(False).alias(_IS_FIXTURE),
        one_line.alias(_ONE_LINE_ADDRESS),
    )


def _element_values(
    person: _PersonPlan, values: dict[str, str | None], codes: Sequence[str]
) -> Iterator[tuple[str, str, ColumnPlan]]:
    """(code, value, source plan) for each distinct value of these element codes in one row."""
    for code in codes:
        seen: set[str] = set()
        for column, plan in person.element_sources.get(code, []):
            value = values[column]
            if value and value not in seen:
                seen.add(value)
                yield code, value, plan


def _element(
    code: str,
    value: str | None,
    location: str,
    mention_key: str,
    plan: ColumnPlan,
    *,
    column: str = "",
    needs_review: bool = False,
) -> Element:
    return Element(
        code=code,
        value=value or "",
        location=location,
        mention_key=mention_key,
        column=column or plan.header,
        confidence=plan.confidence,
        detector=plan.detector,
        needs_review=needs_review,
    )
