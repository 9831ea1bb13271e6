"""Scale of `exposure resolve`: N synthetic person mentions resolved on this machine; prints tables.

    .venv/bin/python bench/resolve_scale.py [--mentions 1000000] [--seed 1] [--keep DIR]

People are drawn with realistic name frequencies (Faker's U.S. first- and last-name weights,
so common names collide as they do in real files), in households: a third of the people
share a surname, address and often a phone with the person before them, some of those are
twins (same birth date, another first name), and a few are Jr/Sr pairs (same name, DOBs a
generation apart). Each person is mentioned 1-5 times, each mention in the shape of one of
five kinds of source (a roster with everything; claims: name, DOB, e-mail, phone; payroll:
``LAST, FIRST M``, SSN, DOB, address; orders: name, DOB, address, phone; an extract: upper
case, SSN, address, phone, no DOB). About one mention in eight carries a variant: a
nickname, a surname typo, a day/month-swapped DOB, a missing DOB (with an SSN), an old
address. Values are as the detect stage stores them (SSN 9 digits, phone E.164, ISO dates).

Mentions are generated in chunks and inserted with one Arrow INSERT per chunk (not row by
row), spread over 1,000 pretend source documents; then ``resolve_case`` runs as
``exposure resolve`` does. Printed: seconds and the peak resident set (this process and its
children; a high-water mark, so each row shows the peak up to the end of that stage), then
accuracy against the generated truth (``exposure.demo.evaluate.ClusterScores``: pairwise
precision / recall / F1, over-merge and split rates) and the share of each variant's
mentions left apart from the person's plain mentions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
from array import array
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from resolve_common import (
    StageClock,
    insert_mentions,
    insert_sources,
    open_fresh_case,
    source_sha,
)
from resolve_febrl import resolver_version

SOURCES = 1000
CHUNK = 100_000
KINDS = ("roster", "claims", "payroll", "orders", "extract")
VARIANTS = ("", "nickname", "surname_typo", "dob_day_month_swap", "dob_missing", "old_address")
VARIANT_SHARES = {"nickname": 0.06, "surname_typo": 0.02, "dob_day_month_swap": 0.015,
                  "dob_missing": 0.02, "old_address": 0.03}  # fmt: skip
KIND_FIELDS = {
    "roster": {"dob", "ssn", "address", "email", "phone", "middle"},
    "claims": {"dob", "email", "phone", "middle"},
    "payroll": {"dob", "ssn", "address", "middle"},
    "orders": {"dob", "address", "phone"},
    "extract": {"ssn", "address", "phone", "middle"},
}
AREA_CODES = ("205", "212", "303", "312", "404", "415", "503", "602", "617", "702", "713", "801", "919")


@dataclass
class Person:
    number: int
    first: str
    middle: str
    last: str
    suffix: str
    born: dt.date
    ssn: str
    address: tuple[str, str, str, str]  # line1, city, state, zip
    old_address: tuple[str, str, str, str]
    email: str
    phone: str


class PeopleSource:
    """Streams people with households, twins and Jr/Sr pairs; pools drawn once from Faker."""

    def __init__(self, seed: int) -> None:
        from faker import Faker
        from faker.providers.person.en_US import Provider

        self.rng = random.Random(seed)
        fake = Faker("en_US")
        fake.seed_instance(seed)
        self.male = list(Provider.first_names_male)
        self.male_weights = list(Provider.first_names_male.values())
        self.female = list(Provider.first_names_female)
        self.female_weights = list(Provider.first_names_female.values())
        self.lasts = list(Provider.last_names)
        self.last_weights = list(Provider.last_names.values())
        self.places = [(fake.city(), *self._state_zip(fake)) for _ in range(4000)]
        self.streets = [fake.street_name() for _ in range(20_000)]
        self.used_ssns: set[int] = set()
        self.number = 0
        self.previous: Person | None = None

    @staticmethod
    def _state_zip(fake) -> tuple[str, str]:  # noqa: ANN001 - a Faker
        state = fake.state_abbr(include_territories=False, include_freely_associated_states=False)
        return state, fake.zipcode_in_state(state)

    def address(self) -> tuple[str, str, str, str]:
        city, state, postal = self.rng.choice(self.places)
        return (f"{self.rng.randint(1, 99999)} {self.rng.choice(self.streets)}", city, state, postal)

    def ssn(self) -> str:
        from stdnum.us import ssn as stdnum_ssn

        while True:
            area = self.rng.randint(1, 899)
            value = area * 1_000_000 + self.rng.randint(1, 99) * 10_000 + self.rng.randint(1, 9999)
            text = f"{value:09d}"
            fixture = text in ("123456789", "078051120")  # published SSNs: tools drop them as test data
            if area != 666 and value not in self.used_ssns and not fixture and stdnum_ssn.is_valid(text):
                self.used_ssns.add(value)
                return text

    def first_name(self, female: bool) -> str:
        names, weights = (self.female, self.female_weights) if female else (self.male, self.male_weights)
        return self.rng.choices(names, weights)[0]

    def next(self) -> Person:
        rng, before = self.rng, self.previous
        self.number += 1
        female = rng.random() < 0.5
        joins = before is not None and rng.random() < 0.33  # a household member of the person before
        first, suffix = self.first_name(female), ""
        middle = "" if rng.random() < 0.3 else self.first_name(rng.random() < 0.5)
        born = dt.date(1936, 1, 1) + dt.timedelta(days=rng.randint(0, 87 * 365))
        if joins:
            last, address, phone = before.last, before.address, before.phone if rng.random() < 0.5 else ""
            roll = rng.random()
            if roll < 0.05:  # a twin: same birthday, another first name
                born = before.born
                while first == before.first:
                    first = self.first_name(female)
            elif roll < 0.07 and not before.suffix:  # a junior: the father's name, a generation later
                first, middle, suffix, female = before.first, before.middle, "Jr", False
                before.suffix = "Sr"  # the father's later mentions say so; earlier ones did not
                born = before.born + dt.timedelta(days=rng.randint(22 * 365, 38 * 365))
        else:
            last, address, phone = rng.choices(self.lasts, self.last_weights)[0], self.address(), ""
        phone = phone or (f"+1{rng.choice(AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
                          if rng.random() < 0.9 else "")  # fmt: skip
        email = f"{first}.{last}{self.number}@example.com".lower() if rng.random() < 0.85 else ""
        person = Person(self.number, first, middle, last, suffix, born, self.ssn(), address, self.address(),
                        email, phone)  # fmt: skip
        self.previous = person
        return person


# Short forms a resolver's nickname table knows (a subset of the demo generator's).
NICKNAMES = {"William": "Bill", "Robert": "Bob", "Richard": "Rick", "James": "Jim", "John": "Jack",
             "Joseph": "Joe", "Thomas": "Tom", "Charles": "Chuck", "Michael": "Mike", "Daniel": "Dan",
             "Margaret": "Peggy", "Elizabeth": "Liz", "Katherine": "Kate", "Jennifer": "Jen",
             "Patricia": "Patty", "Susan": "Sue", "Rebecca": "Becky", "Christopher": "Chris",
             "Matthew": "Matt", "Anthony": "Tony", "Steven": "Steve", "Edward": "Ed", "Andrew": "Andy",
             "Jonathan": "Jon", "Benjamin": "Ben", "Timothy": "Tim", "David": "Dave",
             "Jessica": "Jess"}  # fmt: skip


def draw_variant(rng: random.Random, person: Person, fields: set[str]) -> str:
    roll, floor = rng.random(), 0.0
    for variant, share in VARIANT_SHARES.items():
        floor += share
        if roll < floor:
            fits = {
                "nickname": person.first in NICKNAMES,
                "surname_typo": len(person.last) >= 4,
                "dob_day_month_swap": "dob" in fields and 12 >= person.born.day != person.born.month,
                "dob_missing": "dob" in fields and "ssn" in fields,
                "old_address": "address" in fields,
            }[variant]  # fmt: skip
            return variant if fits else ""
    return ""


def typo(name: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped (or, where they are equal, one dropped); never the first."""
    at = rng.randint(1, len(name) - 2)
    if name[at] != name[at + 1]:
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    return name[:at] + name[at + 1 :]


class MentionChunk:
    """Column lists for one Arrow INSERT."""

    NAMES = (
        "sha256", "mention_key", "full_name", "first_name", "middle_name", "last_name", "suffix",
        "date_of_birth", "ssn", "address_line1", "city", "state", "postal_code", "email", "phone",
    )  # fmt: skip

    def __init__(self) -> None:
        self.columns: dict[str, list[str]] = {name: [] for name in self.NAMES}

    def __len__(self) -> int:
        return len(self.columns["sha256"])

    def add(self, number: int, person: Person, kind: str, variant: str, rng: random.Random) -> None:
        fields = KIND_FIELDS[kind]
        first = NICKNAMES[person.first] if variant == "nickname" else person.first
        last = typo(person.last, rng) if variant == "surname_typo" else person.last
        middle = person.middle[:1] if "middle" in fields and person.middle else ""
        born = person.born
        if variant == "dob_day_month_swap":
            born = born.replace(month=born.day, day=born.month)
        dob = born.isoformat() if "dob" in fields and variant != "dob_missing" else ""
        line1, city, state, postal = person.old_address if variant == "old_address" else person.address
        has_address = "address" in fields
        upper = kind in ("extract", "payroll") or rng.random() < 0.1
        if upper:
            first, middle, last = first.upper(), middle.upper(), last.upper()
        if kind == "payroll":
            full = f"{last}, {first} {middle}".strip()
        else:
            full = " ".join(p for p in (first, middle, last, person.suffix) if p)
        values = {
            "sha256": source_sha(f"source_{number % SOURCES:04d}_{kind}.csv"),
            "mention_key": f"m{number}",
            "full_name": full, "first_name": first, "middle_name": middle, "last_name": last,
            "suffix": person.suffix if rng.random() < 0.8 else "",  # a suffix is often dropped
            "date_of_birth": dob,
            "ssn": person.ssn if "ssn" in fields else "",
            "address_line1": line1 if has_address else "", "city": city if has_address else "",
            "state": state if has_address else "", "postal_code": postal if has_address else "",
            "email": person.email if "email" in fields else "",
            "phone": person.phone if "phone" in fields else "",
        }  # fmt: skip
        for name, value in values.items():
            self.columns[name].append(value)


def generate_into(con, total: int, seed: int, clock: StageClock) -> tuple[array, array]:  # noqa: ANN001
    """Insert ``total`` mentions; per mention (by number) the true person and the variant index."""
    people = PeopleSource(seed)
    rng = random.Random(seed + 1)
    truth, variants = array("i"), array("b")
    insert_sources(con, [f"source_{n:04d}_{kind}.csv" for n in range(SOURCES) for kind in KINDS])
    chunk, number = MentionChunk(), 0
    while number < total:
        person = people.next()
        for _ in range(min(rng.randint(1, 5), total - number)):
            kind = rng.choice(KINDS)
            variant = draw_variant(rng, person, KIND_FIELDS[kind])
            chunk.add(number, person, kind, variant, rng)
            truth.append(person.number)
            variants.append(VARIANTS.index(variant))
            number += 1
            if len(chunk) >= CHUNK:
                insert_mentions(con, chunk.columns)
                chunk = MentionChunk()
    if len(chunk):
        insert_mentions(con, chunk.columns)
    return truth, variants


def accuracy(con, truth: array, variants: array):  # noqa: ANN001, ANN201 - returns (ClusterScores, dict)
    """Scores in DuckDB: the truth joins person_mentions by mention number."""
    from exposure.demo.evaluate import ClusterScores

    con.register("bench_truth", pa.table({
        "mention_key": pa.array([f"m{n}" for n in range(len(truth))]),
        "truth": pa.array(truth, pa.int32()), "variant": pa.array(variants, pa.int8())}))  # fmt: skip
    con.execute("""
        CREATE OR REPLACE TEMP TABLE scored AS
        SELECT t.truth, t.variant, pm.person_id FROM bench_truth t JOIN person_mentions pm USING (mention_key)
    """)
    records, entities, clusters, true_pairs, predicted, correct, merged, split = con.execute("""
        SELECT (SELECT count(*) FROM scored),
               (SELECT count(DISTINCT truth) FROM scored),
               (SELECT count(DISTINCT person_id) FROM scored),
               (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM scored GROUP BY truth)),
               (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM scored GROUP BY person_id)),
               (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) n FROM scored GROUP BY person_id, truth)),
               (SELECT count(*) FROM (SELECT person_id FROM scored GROUP BY person_id
                                      HAVING count(DISTINCT truth) > 1)),
               (SELECT count(*) FROM (SELECT truth FROM scored GROUP BY truth
                                      HAVING count(DISTINCT person_id) > 1))
    """).fetchone()
    per_variant = con.execute("""
        WITH plain AS (SELECT DISTINCT truth, person_id FROM scored WHERE variant = 0)
        SELECT s.variant, count(*) FILTER (WHERE p.person_id IS NULL), count(*)
        FROM scored s LEFT JOIN plain p ON p.truth = s.truth AND p.person_id = s.person_id
        WHERE s.variant > 0 AND s.truth IN (SELECT truth FROM plain)
        GROUP BY s.variant ORDER BY s.variant
    """).fetchall()
    con.unregister("bench_truth")
    pairs = (int(true_pairs or 0), int(predicted or 0), int(correct or 0))
    scores = ClusterScores(records, entities, clusters, *pairs, merged, split)
    return scores, {VARIANTS[v]: (apart, n) for v, apart, n in per_variant}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the case here (an empty folder) and keep it")
    args = parser.parse_args()

    from resolve_common import SCORES_HEADER, scores_row

    from exposure.config import CaseConfig
    from exposure.resolve import resolve_case

    print(f"resolver: {resolver_version()}; mentions: {args.mentions:,}\n")
    clock = StageClock()
    with tempfile.TemporaryDirectory() as tmp:
        case_dir = args.keep or Path(tmp) / "case"
        con = open_fresh_case(case_dir)
        with clock.stage("generate + insert mentions (Arrow, 100k per INSERT)"):
            truth, variants = generate_into(con, args.mentions, args.seed, clock)
        with clock.stage("resolve_case"):
            stats = resolve_case(con, CaseConfig())
        with clock.stage("score against the truth"):
            scores, per_variant = accuracy(con.cursor(), truth, variants)
        con.close()
    print(clock.markdown())
    rate = args.mentions / max(1e-9, clock.rows[1][1]) * 60
    print(f"\nresolve: {stats.mentions:,} mentions -> {stats.persons:,} persons "
          f"({stats.needs_review:,} flagged for review); {rate:,.0f} mentions/min\n")  # fmt: skip
    print(SCORES_HEADER)
    print(scores_row("exposure resolve", scores))
    print("\n| variant | mentions left apart | scored | rate |\n|---|---:|---:|---:|")
    for variant, (apart, total) in per_variant.items():
        print(f"| {variant} | {apart:,} | {total:,} | {apart / total if total else 0:.3f} |")


if __name__ == "__main__":
    main()
