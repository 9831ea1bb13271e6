"""Person names: name-part columns, full-name columns and names in text.

Splitting here is deliberately simple (``LAST, FIRST M`` and ``First M Last``
with a generational suffix); the resolve stage standardises names further.
"""

from __future__ import annotations

import re

import polars as pl

from exposure.detect.elements import IDENTITY, ElementFamily, FieldSpec, TextPattern, synonyms

SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr"})

# Obvious test fixtures (CONTRACT: not affected individuals), as (first, last) in lower case:
# the Doe family, and "Test" paired with a role word in either order (TEST, EMPLOYEE / Patient Test).
_FIXTURE_ROLE_WORDS = ("test", "patient", "user", "member", "employee", "person", "subscriber", "customer",
                       "client", "account", "record", "dummy", "sample", "demo")  # fmt: skip
FIXTURE_NAMES = frozenset(
    {("john", "doe"), ("jane", "doe"), ("baby", "doe")}
    | {("test", word) for word in _FIXTURE_ROLE_WORDS}
    | {(word, "test") for word in _FIXTURE_ROLE_WORDS}
)

# A word of a name: letters, inner apostrophes or hyphens (O'Neil, Smith-Jones), maybe an initial's dot.
NAME_WORD = r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*\.?"
_NAME_WORD_RE = re.compile(rf"^{NAME_WORD}$")
_NAME_PART_SHAPE = r"^\p{L}[\p{L}'’. -]{0,39}$"
_FULL_NAME_SHAPE = r"^\p{L}[\p{L}'’., -]{2,80}$"

# Words that end a name in text: the next label, or a salutation that is not a name.
_STOP_WORDS_TEXT = """
dob ssn date birth address addr phone tel email e-mail id member account acct policy number no sex gender age
group plan claim patient name street apt re subject from to dear customer valued sir madam friend friends
client team policyholder participant employee provider insured subscriber applicant colleague parent guardian
resident occupant unknown none and or the of department human resources inc llc corp company hospital health
insurance mrn dos home cell mobile fax zip city state yes male female
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def _bare(word: str) -> str:
    return word.strip(".").lower()


def is_suffix(word: str) -> bool:
    return _bare(word) in SUFFIXES


def is_title(word: str) -> bool:
    return _bare(word) in TITLES


def split_name(value: str) -> dict[str, str]:
    """Split a full name written ``LAST, FIRST M`` or ``[Title] First M Last[,] [Suffix]``.

    >>> split_name("SMITH, JOHN A")["first_name"], split_name("Jane A. Smith Jr.")["suffix"]
    ('JOHN', 'Jr.')
    """
    text = " ".join(value.replace(",", ", ").split())
    head, _, tail = text.partition(",")
    tail_words = tail.replace(",", " ").split()
    if tail and not all(is_suffix(w) for w in tail_words):
        last_words, rest = head.split(), tail_words
        suffix = rest.pop() if len(rest) > 1 and is_suffix(rest[-1]) else ""
        if not suffix and len(last_words) > 1 and is_suffix(last_words[-1]):  # "SMITH JR, JOHN"
            suffix = last_words.pop()
        first, middle, last = (rest[0] if rest else ""), " ".join(rest[1:]), " ".join(last_words)
    else:
        words = [w for w in head.split()]
        while words and is_title(words[0]):
            words.pop(0)
        suffix = " ".join(tail_words)
        if not suffix and len(words) > 2 and is_suffix(words[-1]):
            suffix = words.pop()
        first = words[0] if words else ""
        last = words[-1] if len(words) > 1 else ""
        middle = " ".join(words[1:-1])
    full = " ".join(p for p in (first, middle, last, suffix) if p)
    return {
        "first_name": first, "middle_name": middle, "last_name": last, "suffix": suffix, "full_name": full
    }  # fmt: skip


def normalise_full_name(value: str) -> str:
    """The name with spaces collapsed, when it has 2-4 name words (titles and suffixes aside)."""
    words = [w for w in value.replace(",", " ").split() if not is_title(w) and not is_suffix(w)]
    if not 2 <= len(words) <= 4 or not all(_NAME_WORD_RE.match(w) for w in words):
        return ""
    return " ".join(value.split())


def is_fixture_name(first: str, last: str) -> bool:
    return (_bare(first), _bare(last)) in FIXTURE_NAMES


_NAME_PART_RE = re.compile(r"^[^\W\d_][^\W\d_'’. -]{0,39}$")


def normalise_name_part(value: str) -> str:
    """A first, middle or last name with spaces collapsed; "" when it is not made of letters."""
    stripped = value.strip()
    return " ".join(stripped.split()) if _NAME_PART_RE.match(stripped) else ""


def _name_part_expression(column: pl.Expr) -> pl.Expr:
    stripped = column.str.strip_chars()
    return pl.when(stripped.str.contains(_NAME_PART_SHAPE)).then(stripped.str.replace_all(r"\s+", " "))


def _suffix_expression(column: pl.Expr) -> pl.Expr:
    stripped = column.str.strip_chars()
    return pl.when(stripped.str.contains(r"(?i)^(?:jr|sr|ii|iii|iv|v)\.?$")).then(stripped)


def _name_part(field: str, headers: frozenset[str], priority: int) -> FieldSpec:
    return FieldSpec(
        field=field,
        element="",  # the row's name element is built from all its parts
        headers=headers,
        normalise=normalise_name_part,
        polars_normalise=_name_part_expression,
        priority=priority,
    )


# ---- names in text ----------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\s,;:]+|[,;:]")
_PERSON_LABELS = (
    "patient",
    "member",
    "employee",
    "insured",
    "subscriber",
    "policyholder",
    "policy holder",
    "cardholder",
    "card holder",
    "enrollee",
    "guarantor",
    "resident",
    "claimant",
    "beneficiary",
    "dependent",
    "spouse",
    "applicant",
    "borrower",
    "customer",
    "student",
    "participant",
    "account holder",
)
_LABEL_ALTERNATIVES = "|".join(_PERSON_LABELS)
# Words right before a "Name:" label that make it someone other than an affected individual.
_OTHER_PARTY = re.compile(
    r"(?:provider|physician|doctor|prescriber|company|employer|facility|file|user|plan|group|business|"
    r"organi[sz]ation|agent|broker|contact|bank|pharmacy|practice|clinic|hospital|vendor|product|sponsor|"
    r"rep|representative|signer|signature|payee|payer|carrier|insurer|referring|rendering|attending|"
    r"billing|facility|street|city|host|server|printer|device)[ \t]*$",
    re.IGNORECASE,
)


def _name_in_line(rest: str, salutation: bool) -> str:
    """The name at the start of ``rest`` (the text after a label or after ``Dear``), or ""."""
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(rest)]
    if len(tokens) >= 2 and is_fixture_name(tokens[0][0], tokens[1][0]):
        return rest[tokens[0][1] : tokens[1][2]]  # "Test Patient": a test person, whatever stop words say
    i, titled = 0, False
    while i < len(tokens) and is_title(tokens[i][0]):
        i, titled = i + 1, True
    start, end, words, comma_used = None, None, 0, False
    while i < len(tokens):
        word, w_start, w_end = tokens[i]
        if (
            word == ","
            and not comma_used
            and words >= 1
            and i + 1 < len(tokens)
            and _is_name_word(tokens[i + 1][0])
        ):
            comma_used = True  # LAST, FIRST or First Last, Jr.
        elif _is_name_word(word) and (salutation or i + 1 >= len(tokens) or tokens[i + 1][0] != ":"):
            start = w_start if start is None else start
            end, words = w_end, words + (0 if is_suffix(word) else 1)
            if words > 4:
                return ""
        else:
            break
        i += 1
    if start is None:
        return ""
    if salutation and (i >= len(tokens) or tokens[i][0] not in (",", ":")):
        return ""  # "Dear John Smith," - the salutation must end with its punctuation
    enough = words >= 2 or (salutation and titled and words == 1)
    return rest[start:end].rstrip(",") if enough else ""


def _is_name_word(word: str) -> bool:
    return bool(_NAME_WORD_RE.match(word)) and word[0].isupper() and _bare(word) not in STOP_WORDS


def name_after_label(rest: str) -> str:
    """``John A. Smith`` from the text after ``Name:``; "" when it does not look like a name."""
    return _name_in_line(rest, salutation=False)


def name_after_dear(rest: str) -> str:
    """``John Smith`` from ``Mr. John Smith,`` (the text after ``Dear``)."""
    return _name_in_line(rest, salutation=True)


def _label_is_for_a_person(match: re.Match[str]) -> bool:
    line_start = match.string.rfind("\n", 0, match.start()) + 1
    return not _OTHER_PARTY.search(match.string, line_start, match.start())


def _role_from_label(match: re.Match[str]) -> dict[str, str]:
    first_word = match.group("label").split()[0].lower()
    if first_word in ("name", "full", "account"):
        return {"role": "individual"}
    return {"role": first_word}


FAMILY = ElementFamily(
    name="name",
    codes=("name",),
    legal_category=IDENTITY,
    fields=(
        _name_part("first_name", synonyms("first_name", "first", "fname", "given_name", "forename"), 30),
        _name_part(
            "middle_name",
            synonyms("middle_name", "middle", "middle_initial", "mi", "mname", "middle_init", "m_i"),
            31,
        ),
        _name_part("last_name", synonyms("last_name", "last", "lname", "surname", "family_name"), 32),
        FieldSpec(
            field="suffix",
            element="",
            headers=synonyms("suffix", "name_suffix", "sfx", "generation", "suffix_name"),
            normalise=lambda v: v.strip() if is_suffix(v.strip()) else "",
            polars_normalise=_suffix_expression,
            priority=33,
        ),
        FieldSpec(
            field="full_name",
            element="",
            headers=synonyms(
                "name",
                "full_name",
                "fullname",
                "person_name",
                "display_name",
                "legal_name",
                "name_full",
                "insured_name",
                "member_name",
                "patient_name",
                "employee_name",
                "customer_name",
                "client_name",
            ),
            normalise=normalise_full_name,
            shape=_FULL_NAME_SHAPE,
            parts=split_name,
            priority=34,
        ),
    ),
    text_patterns=(
        TextPattern(
            name="name.label",
            kind="person",
            scan=rf"\b((({_LABEL_ALTERNATIVES}|full)[ \t]+)?name|{_LABEL_ALTERNATIVES})[ \t]*:",
            confirm=re.compile(
                rf"(?P<label>(?:(?:{_LABEL_ALTERNATIVES}|full)[ \t]+)?name|{_LABEL_ALTERNATIVES})"
                r"[ \t]*:[ \t]*"
                r"(?P<value>[^\r\n]{1,100})",
                re.IGNORECASE,
            ),
            normalise=name_after_label,
            accept=_label_is_for_a_person,
            extras=_role_from_label,
            caseless=True,
            confidence=0.85,
        ),
        TextPattern(
            name="name.salutation",
            kind="person",
            scan=r"\bdear[ \t]+",
            confirm=re.compile(r"(?:Dear|DEAR)[ \t]+(?P<value>[^\r\n]{1,100})"),
            normalise=name_after_dear,
            extras=lambda _match: {"role": "individual", "addressee": "1"},
            caseless=True,
            confidence=0.9,
        ),
    ),
)
