"""Same-name records told apart by their values: the indexed join gives exactly what comparing each
record with every person found before it gives (the plain reading of the rule), on random call logs."""

from __future__ import annotations

import random

from exposure.detect.text import _Apart, _differ, _told_apart


def told_apart_by_comparing_all(records: list[list[int]], values: list[dict[str, set[str]]]) -> list[_Apart]:
    people: list[_Apart] = []
    current = None
    for record, found in zip(records, values, strict=True):
        if current is not None and not found:
            current.hits.extend(record)
            continue
        home = next((p for p in people if shares(p.values, found) and not _differ(p.values, found)), None)
        if home is None and current is not None and not _differ(current.values, found):
            home = current
        if home is None:
            home = _Apart([], {})
            people.append(home)
        home.hits.extend(record)
        for code, vs in found.items():
            home.values.setdefault(code, set()).update(vs)
        current = home
    return people


def shares(these: dict[str, set[str]], those: dict[str, set[str]]) -> bool:
    return any(these.get(code, set()) & found for code, found in those.items())


def random_log(rng: random.Random, size: int) -> tuple[list[list[int]], list[dict[str, set[str]]]]:
    ssns = [f"ssn{i}" for i in range(rng.randint(1, 6))]
    dobs = [f"dob{i}" for i in range(rng.randint(1, 4))]
    records, values = [], []
    for n in range(size):
        records.append([n])
        found: dict[str, set[str]] = {}
        if rng.random() < 0.6:
            found["ssn"] = set(rng.sample(ssns, rng.choice([1, 1, 1, 2]) if len(ssns) > 1 else 1))
        if rng.random() < 0.5:
            found["date_of_birth"] = {rng.choice(dobs)}
        values.append(found)
    return records, values


def shape(people: list[_Apart]) -> list[tuple[list, dict]]:
    return [(p.hits, p.values) for p in people]


def test_indexed_join_equals_comparing_with_everyone() -> None:
    rng = random.Random(53)
    split_somewhere = 0
    for _ in range(3000):
        records, values = random_log(rng, rng.randint(2, 30))
        expected = told_apart_by_comparing_all([list(r) for r in records], values)
        found = _told_apart([list(r) for r in records], values)
        assert shape(found) == shape(expected)
        split_somewhere += len(found) > 1
    assert split_somewhere > 1000  # the logs do hold several people


def test_a_long_log_of_one_name_joins_each_ssn_into_one_person() -> None:
    records = [[n] for n in range(20_000)]
    values = [{"ssn": {f"ssn{n % 5000}"}} for n in range(20_000)]
    people = _told_apart(records, values)
    assert len(people) == 5000
    assert people[7].hits == [7, 5007, 10007, 15007]
