"""Matching keys computed in Python once per *distinct* value: nickname groups, surname sound, addresses.

Each function here is pure and cached, and is called from standardize.py over the
distinct values of a column (a case repeats the same names and addresses across many
files), never once per mention.
"""

from __future__ import annotations

import functools
import re

import usaddress
from nicknames import NickNamer

# A first name's group is itself plus the formal names it is a nickname of ("bill" ->
# william, ...). Two first names are compatible when their groups share a name.
_NICKNAMES_MAX_GROUP = 20  # the table's largest group is 18 (chris); a longer one would be a data error


@functools.cache
def _nicknamer() -> NickNamer:
    return NickNamer()  # reads the packaged names.csv (Apache-2.0, offline)


@functools.lru_cache(maxsize=65536)
def _nickname_group(first_std: str) -> tuple[str, ...]:
    if len(first_std) < 2:
        return (first_std,) if first_std else ()
    formal = _nicknamer().canonicals_of(first_std)
    if len(formal) > _NICKNAMES_MAX_GROUP:
        formal = set()
    return tuple(sorted({first_std} | {f for f in formal if f.isalpha()}))


def nickname_group(first_std: str) -> list[str]:
    """``bill`` -> ``['bill', 'william', ...]``: the name and its formal names, sorted."""
    return list(_nickname_group(first_std))


_SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"), **dict.fromkeys("dt", "3"),
    "l": "4", **dict.fromkeys("mn", "5"), "r": "6",
}  # fmt: skip


@functools.lru_cache(maxsize=65536)
def soundex(word: str) -> str:
    """American Soundex (``robert`` and ``rupert`` -> ``r163``); '' for no letters."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    if not letters:
        return ""
    out = [letters[0]]
    last = _SOUNDEX_CODES.get(letters[0], "")
    for char in letters[1:]:
        code = _SOUNDEX_CODES.get(char, "")
        if code and code != last:
            out.append(code)
        if char not in "hw":  # h and w do not separate equal codes; vowels do
            last = code
        if len(out) == 4:
            break
    return "".join(out).ljust(4, "0")


_STREET_TYPES = {
    "street": "st", "str": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr",
    "lane": "ln", "court": "ct", "place": "pl", "boulevard": "blvd", "circle": "cir",
    "terrace": "ter", "parkway": "pkwy", "highway": "hwy", "square": "sq", "trail": "trl",
    "way": "way", "point": "pt", "ridge": "rdg",
}  # fmt: skip
_DIRECTIONS = {
    "north": "n", "south": "s", "east": "e", "west": "w",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
}  # fmt: skip
_KEY_LABELS = ("AddressNumber", "StreetNamePreDirectional", "StreetName", "StreetNamePostType", "USPSBoxID")


def _fold_token(token: str) -> str:
    key = re.sub(r"[^0-9a-z]", "", token.lower())
    return _STREET_TYPES.get(key, _DIRECTIONS.get(key, key))


# Lines most files hold: a house number, street words, maybe a unit. Read directly (~50x faster
# than the CRF); anything else (PO boxes, rural routes, words first) goes to usaddress.
_UNIT = r"(?:apt|apartment|unit|suite|ste|#|fl|floor|rm|room|bldg)"
_SIMPLE_LINE = re.compile(rf"^(\d+[a-z]?)((?:\s+[a-z][a-z.'-]*)+?)(?:\s*,?\s*{_UNIT}\b\.?\s*#?\s*[\w-]+)?$")
_NOT_SIMPLE = re.compile(r"\b(?:box|po|p\.o\.|rr|route|hc|pmb|and)\b|&")


@functools.lru_cache(maxsize=262144)
def street_key(line1: str) -> str:
    """``123 N. Main Street`` and ``123 NORTH MAIN ST`` -> ``123 n main st`` (house + street, no unit)."""
    if not line1.strip():
        return ""
    lowered = line1.lower().strip()
    simple = _SIMPLE_LINE.match(lowered) if not _NOT_SIMPLE.search(lowered) else None
    if simple:
        kept = [simple.group(1)] + [_fold_token(t) for t in simple.group(2).split()]
        return " ".join(k for k in kept if k)
    try:
        tagged = usaddress.parse(line1)
    except Exception:  # usaddress raises on odd input; a folded copy of the line still compares
        tagged = []
    kept = [_fold_token(token) for token, label in tagged if label in _KEY_LABELS]
    if not kept:
        kept = [_fold_token(t) for t in line1.split()]
    return " ".join(k for k in kept if k)


@functools.cache
def _known_given_names() -> frozenset[str]:
    """Given names people really have: the 1990 Census lists (detect's gazetteer) and the nickname table."""
    from exposure.detect.elements.names import first_names

    table = _nicknamer()
    names = set(table.nickname_lookup) | set(table.canonical_lookup)
    return frozenset(first_names() | {n for n in names if n.isalpha()})


def is_known_given_name(first_std: str) -> bool:
    """True for a real given name (``emma``, ``ella``); False for a slip (``haryley``, ``tohmas``).

    Two *different real* names a letter apart (twins Emma and Ella) may be two people; a spelling
    that is nobody's name is a typo of the name it nearly is.
    """
    return first_std in _known_given_names()
