"""Never-merge rules and clustering that respects them.

Deterministic tiers produce *atoms* (groups of mentions known to be one person); the
linker proposes edges between atoms. Here the edges become people, under rules that a
link can never override:

- different full SSNs (a one-digit typo only with the same DOB and compatible names);
- different SSN last-4s;
- different generational suffixes (Jr/Sr, II/III);
- dates of birth far apart (parent and child sharing a name);
- different first names (twins, spouses, siblings sharing an address);
- different middle initials (twins Mary A. and Mary B.).

A *slip* is not a different person when the evidence for one person is strong (see
``strong_evidence``): a first name that is nobody's name and is two edits or a truncation
away from the other (``haryley``/``harley``, ``soph``/``sophie``), or first and last name
swapped with a typo in one of them; a date of birth two characters off within a few
years. One slip at a time: a slipped first name needs agreeing dates of birth and the
other way round. Two different *real* names (twins Emma and Ella) and dates decades
apart (parent and child) are never slips, whatever else agrees: a whole value replaced
looks exactly like a relative, and a missed merge costs a letter, a wrong one a notice.

Rules are checked on whole clusters as they grow, so A-B-C never becomes one person when
A and C conflict. An atom whose candidate matches conflict with each other is ambiguous:
it stays on its own, flagged for review. Only atoms that have edges are loaded here;
the loop runs over candidate edges, never over all mentions.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from exposure.resolve.keys import is_known_given_name

AMBIGUOUS = "could be one of several people who cannot be the same person"
CHAIN_HELD_APART = "a likely match was held apart because it conflicts with this person's other records"
SSN_TYPO_MERGED = "SSNs differ by one digit: merged as a typo"
PROBABLE_MATCH = "merged on a probable (not certain) match"


@dataclass
class Profile:
    """What a cluster of mentions says about who it is (sets: a cluster may hold variants)."""

    ssns: set[str] = field(default_factory=set)
    last4s: set[str] = field(default_factory=set)
    dobs: set[str] = field(default_factory=set)  # ISO dates
    firsts: set[str] = field(default_factory=set)  # folded first names, 2+ letters
    initials: set[str] = field(default_factory=set)  # first letters of first names (incl. 1-letter ones)
    groups: set[str] = field(default_factory=set)  # nickname groups of the first names
    mis: set[str] = field(default_factory=set)  # middle initials
    suffixes: set[str] = field(default_factory=set)
    lasts: set[str] = field(default_factory=set)  # surname parts
    ids: set[str] = field(default_factory=set)  # member ids (health plan, customer: strong identifiers)
    places: set[str] = field(default_factory=set)  # house + street | ZIP

    def absorb(self, other: Profile) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).update(getattr(other, name))


@functools.lru_cache(maxsize=262144)
def damerau_levenshtein_at_most_one(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one substitution, insertion, deletion or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        if len(diffs) != 2 or diffs[1] != diffs[0] + 1:
            return False
        i, j = diffs
        return a[i] == b[j] and a[j] == b[i]  # two neighbours swapped
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@functools.lru_cache(maxsize=262144)
def damerau_levenshtein_at_most_two(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are at most two edits apart (substitution, insertion, deletion, swap)."""
    if abs(len(a) - len(b)) > 2:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > 2:
            return False
        previous2, previous = previous, row
    return previous[len(b)] <= 2


# A date of birth off by a typo is one person only this close in years (parent and child never are).
DOB_SLIP_YEARS = 5


def _swapped(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{year}-{day}-{month}"


def dobs_compatible(a: str, b: str) -> bool:
    """Same date, day and month swapped, or one character off within a few years (a typo); else two people.

    One character in the year's tens (1962/1992) is a parent and child born on the same day as
    often as it is a typo: such dates stay two people.
    """
    if a == b or _swapped(a) == b:
        return True
    return abs(int(a[:4]) - int(b[:4])) <= DOB_SLIP_YEARS and damerau_levenshtein_at_most_one(a, b)


# An edge at least this strong (log2 odds; p > 0.999999) with the same surname and address is
# strong evidence; so is a shared SSN or member id with the same surname.
STRONG_WEIGHT = 20.0


def dob_slip(a: str, b: str) -> bool:
    """Two characters off within a few years (``1964-03-11``/``1964-01-31``): a slip, not a relative."""
    return abs(int(a[:4]) - int(b[:4])) <= DOB_SLIP_YEARS and damerau_levenshtein_at_most_two(a, b)


def _name_slip(x: str, y: str) -> bool:
    """``x`` and ``y`` are one first name, one of them mistyped: never two real names."""
    if x == y:
        return True
    if is_known_given_name(x) and is_known_given_name(y):
        return False  # Emma and Ella, Ann and Anna: may be twins
    if min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x)):  # soph / sophie
        return True
    return min(len(x), len(y)) >= 5 and damerau_levenshtein_at_most_two(x, y)  # wiloiam / willaim


def _close(x: str, y: str) -> bool:
    return x == y or (min(len(x), len(y)) >= 3 and damerau_levenshtein_at_most_one(x, y))


def firsts_slip(a: Profile, b: Profile) -> bool:
    """Some first names of ``a`` and ``b`` are one name with a slip, or name fields swapped with a typo."""
    if any(_name_slip(x, y) for x in a.firsts for y in b.firsts):
        return True
    # first and last name written the other way round, one of them mistyped: masno madeline / madeline mason
    return any(
        (x == v and _close(y, u)) or (y == u and _close(x, v))
        for x in a.firsts for u in a.lasts for y in b.firsts for v in b.lasts
    )  # fmt: skip


def strong_evidence(a: Profile, b: Profile, weight: float | None) -> bool:
    """Same surname and a shared SSN or member id, or a very strong match at the same address."""
    if not (a.lasts & b.lasts or a.firsts & b.lasts or b.firsts & a.lasts):
        return False
    if a.ssns & b.ssns or a.ids & b.ids:
        return True
    return weight is not None and weight >= STRONG_WEIGHT and bool(a.places & b.places)


def firsts_compatible(a: Profile, b: Profile) -> bool:
    """Some first name of each agrees: equal, nickname, one letter off, short form, initial, or swapped."""
    if not (a.initials and b.initials):
        return True
    if a.groups & b.groups:
        return True
    if a.firsts & b.lasts and b.firsts & a.lasts:  # first and last name written the other way round
        return True
    for x in a.firsts:
        for y in b.firsts:
            # One letter off is a typo, unless both are real given names: twins Ella and Emma are two people
            # (spellings of one name, Ann and Anna, are in the same nickname group above).
            if (
                min(len(x), len(y)) >= 3
                and damerau_levenshtein_at_most_one(x, y)
                and not (is_known_given_name(x) and is_known_given_name(y))
            ):
                return True
            if min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x)):  # Chris, Christine
                return True
    # an initial alone ("J. Smith") agrees with any first name of that letter
    only_initials_a = not a.firsts
    only_initials_b = not b.firsts
    return (only_initials_a or only_initials_b) and bool(a.initials & b.initials)


def ssn_typo(a: Profile, b: Profile) -> bool:
    """One SSN each, one digit apart, the same DOB and names that agree: a typo, not two people."""
    if len(a.ssns) != 1 or len(b.ssns) != 1:
        return False
    (x,), (y,) = a.ssns, b.ssns
    return (
        damerau_levenshtein_at_most_one(x, y)
        and bool(a.dobs & b.dobs)
        and bool(a.lasts & b.lasts)
        and bool(a.groups & b.groups)
        and not (a.mis and b.mis and not a.mis & b.mis)
    )


def conflict(a: Profile, b: Profile, weight: float | None = None) -> str | None:
    """Why ``a`` and ``b`` can never be one person, or None when they may be.

    ``weight``: the match weight of the edge that would join them (None: no edge), for
    ``strong_evidence``, which lets one slip (a mistyped first name or date of birth) through.
    """
    if a.suffixes and b.suffixes and not a.suffixes & b.suffixes:
        return "suffix"
    if a.ssns and b.ssns and not a.ssns & b.ssns and not ssn_typo(a, b):
        return "ssn"
    if a.last4s and b.last4s and not a.last4s & b.last4s and not ssn_typo(a, b):
        return "ssn_last4"
    dobs_agree = not (a.dobs and b.dobs) or any(dobs_compatible(x, y) for x in a.dobs for y in b.dobs)
    firsts_agree = firsts_compatible(a, b)
    if not dobs_agree and not (
        firsts_agree and any(dob_slip(x, y) for x in a.dobs for y in b.dobs) and strong_evidence(a, b, weight)
    ):
        return "date_of_birth"
    if not firsts_agree and not (dobs_agree and firsts_slip(a, b) and strong_evidence(a, b, weight)):
        return "first_name"
    if a.mis and b.mis and not a.mis & b.mis:
        return "middle_initial"
    return None


@dataclass
class Clustering:
    cluster_of: dict[str, str]  # atom -> cluster label (the smallest atom in it)
    flags: dict[str, str]  # atom -> review reason


def _find(parent: dict[str, str], x: str) -> str:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


# An atom is ambiguous when two of its candidate matches conflict and the weaker is within
# this many bits (log2 odds) of the stronger: the evidence does not say which one it is.
AMBIGUITY_MARGIN_BITS = 10.0
# Merges only through edges weaker than this (p < 0.999) are flagged as probable, not certain.
CERTAIN_WEIGHT = 9.97


def _ambiguous_atoms(edges: list[tuple[str, str, float]], profiles: dict[str, Profile]) -> set[str]:
    """Atoms with two candidate matches that can never be one person and that score about the same."""
    neighbours: dict[str, dict[str, float]] = {}
    for a, b, w in edges:
        neighbours.setdefault(a, {})[b] = w
        neighbours.setdefault(b, {})[a] = w
    ambiguous = set()
    for atom, near in neighbours.items():
        if len(near) < 2:
            continue
        ranked = sorted(near.items(), key=lambda item: (-item[1], item[0]))
        if any(
            abs(wx - wy) < AMBIGUITY_MARGIN_BITS and conflict(profiles[x], profiles[y])
            for i, (x, wx) in enumerate(ranked)
            for y, wy in ranked[i + 1 :]
        ):
            ambiguous.add(atom)
    return ambiguous


def cluster_atoms(
    edges: Iterable[tuple[str, str, float]],
    profiles: dict[str, Profile],
    certain: float = CERTAIN_WEIGHT,
) -> Clustering:
    """Join atoms along edges (strongest first) unless the joined clusters would conflict.

    ``edges`` are (atom, atom, match weight); pairs that conflict outright are dropped;
    ambiguous atoms stay alone and are flagged; a merge only through edges below
    ``certain`` is flagged as a probable match.
    """
    usable = sorted(
        ((a, b, w) for a, b, w in edges if a != b and conflict(profiles[a], profiles[b], w) is None),
        key=lambda e: (-e[2], e[0], e[1]),
    )
    ambiguous = _ambiguous_atoms(usable, profiles)
    flags = dict.fromkeys(sorted(ambiguous), AMBIGUOUS)
    parent = {atom: atom for atom in profiles}
    merged = {atom: Profile(**{k: set(v) for k, v in vars(p).items()}) for atom, p in profiles.items()}
    best_edge: dict[str, float] = {}
    for a, b, w in usable:
        if a in ambiguous or b in ambiguous:
            continue
        ra, rb = _find(parent, a), _find(parent, b)
        if ra != rb:
            if conflict(merged[ra], merged[rb], w) is not None:
                flags.setdefault(a, CHAIN_HELD_APART)
                flags.setdefault(b, CHAIN_HELD_APART)
                continue
            keep, gone = (ra, rb) if ra < rb else (rb, ra)  # the smaller label stays: order-independent
            parent[gone] = keep
            merged[keep].absorb(merged.pop(gone))
        best_edge[a] = max(best_edge.get(a, -1e9), w)
        best_edge[b] = max(best_edge.get(b, -1e9), w)
    for atom, w in best_edge.items():
        if w < certain:
            flags.setdefault(atom, PROBABLE_MATCH)
    cluster_of = {atom: _find(parent, atom) for atom in profiles}
    return Clustering(cluster_of=cluster_of, flags=flags)
