"""Person names: name-part columns, full-name columns and names in text.

Splitting here is deliberately simple (``LAST, FIRST M`` and ``First M Last``
with a generational suffix); the resolve stage standardises names further.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

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
    shaped = column.str.strip_chars().str.extract(_NAME_PART_SHAPE, 0)  # the shape is anchored: whole value
    return shaped.str.replace_all(r" {2,}", " ")  # the only white space of the shape is the space


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
    "client",
    "caller",
    "recipient",
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


def _name_in_line(rest: str, salutation: bool, min_words: int = 2) -> tuple[str, int]:
    """The name at the start of ``rest`` and where it ends there; ("", 0) when there is none."""
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(rest)]
    if len(tokens) >= 2 and is_fixture_name(tokens[0][0], tokens[1][0]):
        # "Test Patient": a test person, whatever stop words say
        return rest[tokens[0][1] : tokens[1][2]], tokens[1][2]
    i, titled = 0, False
    while i < len(tokens) and is_title(tokens[i][0]):
        i, titled = i + 1, True
    start, end, words, comma_used = None, 0, 0, False
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
                return "", 0
        else:
            break
        i += 1
    if start is None:
        return "", 0
    if salutation and (i >= len(tokens) or tokens[i][0] not in (",", ":")):
        return "", 0  # "Dear John Smith," - the salutation must end with its punctuation
    enough = words >= min_words or (salutation and titled and words == 1)
    name = rest[start:end].rstrip(",")
    return (name, start + len(name)) if enough else ("", 0)


def _is_name_word(word: str) -> bool:
    return bool(_NAME_WORD_RE.match(word)) and word[0].isupper() and _bare(word) not in STOP_WORDS


def name_after_label(rest: str) -> str:
    """``John A. Smith`` from the text after ``Name:``; "" when it does not look like a name."""
    return _name_in_line(rest, salutation=False)[0]


def name_after_dear(rest: str) -> str:
    """``John Smith`` from ``Mr. John Smith,`` (the text after ``Dear``)."""
    return _name_in_line(rest, salutation=True)[0]


def _label_is_for_a_person(match: re.Match[str]) -> bool:
    line_start = match.string.rfind("\n", 0, match.start()) + 1
    return not _OTHER_PARTY.search(match.string, line_start, match.start())


def _role_from_label(match: re.Match[str]) -> dict[str, str]:
    first_word = match.group("label").split()[0].lower()
    generic = first_word in ("name", "full", "account", "caller", "client", "recipient")
    return {"role": "individual" if generic else first_word, "via": "label"}


# ---- the gazetteer: census first names and surnames, shipped in detect/data ------------------------

_DATA = Path(__file__).resolve().parents[1] / "data"


@cache
def first_names() -> frozenset[str]:
    """First names of the 1990 U.S. Census lists (lower case), less ordinary words (build_gazetteer.py)."""
    return frozenset((_DATA / "first_names.txt").read_text(encoding="ascii").split())


@cache
def surnames() -> frozenset[str]:
    """Surnames of the 1990 U.S. Census list (lower case), less ordinary words (build_gazetteer.py)."""
    with gzip.open(_DATA / "surnames.txt.gz", "rt", encoding="ascii") as handle:
        return frozenset(handle.read().split())


_NOT_IN_GAZETTEER = str.maketrans("", "", ".'’")


def _gazetteer_form(word: str) -> str:
    """The census spelling: lower case without dots or apostrophes (O'Brien is OBRIEN there)."""
    return word.translate(_NOT_IN_GAZETTEER).lower()


def is_first_name(word: str) -> bool:
    return _gazetteer_form(word) in first_names()


def is_surname(word: str) -> bool:
    form = _gazetteer_form(word)
    return form in surnames() or any(part in surnames() for part in form.split("-") if len(part) > 1)


# ---- addressee blocks: a name line above a street line and a city, state and ZIP line --------------

# Words of an organisation's own address block ("Oceanview Life & Annuity", "Claims Department").
_ORGANISATION_WORDS_TEXT = """
inc llc llp ltd corp corporation co company companies group services service department dept
insurance assurance annuity life health healthcare medical hospital clinic center centre bank trust
financial fund plan plans mutual association associates partners office offices agency bureau
university college school church county city state federal national american division unit team
attn attention claims processing benefits payroll human resources administration solutions systems
pharmacy laboratory labs foundation institute network holdings enterprises industries
"""
_ORGANISATION_WORDS = frozenset(_ORGANISATION_WORDS_TEXT.split())


def _words(value: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", value) if w]


def _has_organisation_word(value: str) -> bool:
    return any(_bare(w) in _ORGANISATION_WORDS for w in _words(value))


def name_of_address_block(line: str) -> str:
    """The person named by the first line of an address block, when the whole line is that name.

    The organisation's own block ("Oceanview Life & Annuity") is no person: a line with an organisation
    word, or whose words are in neither census list, is refused.
    """
    line = line.strip().rstrip(",.")
    name, end = _name_in_line(line, salutation=False)
    if not name or line[end:].strip(" .,") or _has_organisation_word(line):
        return ""
    words = [w for w in _words(name) if not is_title(w) and not is_suffix(w)]
    return name if any(is_first_name(w) or is_surname(w) for w in words) else ""


# Kept simple on purpose: every pattern shares one database, and start-of-match tracking over richer
# expressions here doubles its compile time. ``_is_address_block`` checks the rest in Python.
_STREET_START = r"[ \t]*(?:\d|[Pp]\.?[ \t]*[Oo]\.?[ \t]*[Bb][Oo][Xx])"
ADDRESS_BLOCK_SCAN = rf"(?:^|\n)[ \t]*[A-Za-z][A-Za-z.,' -]+\r?\n{_STREET_START}"
# After the name line: the street line, maybe a second line, then "CITY, ST 12345".
_REST_OF_BLOCK = re.compile(
    r"[ \t]*(?:\d+[ \t]+[A-Za-z0-9]|p\.?[ \t]*o\.?[ \t]*box)[^\n]{0,80}\n(?:[^\n]{1,80}\n)?"
    r"[^\n]{2,60}?[ \t,]+[A-Za-z]{2}[ \t,]+\d{5}\b",
    re.IGNORECASE,
)


def _is_address_block(match: re.Match[str]) -> bool:
    street_line = match.string.find("\n", match.end("value")) + 1
    return bool(_REST_OF_BLOCK.match(match.string, street_line))


# ---- signatures: a closing line, then the signer ----------------------------------------------------

_CLOSINGS = (
    r"sincerely(?:[ \t]+yours)?|yours[ \t]+(?:sincerely|truly)|(?:very[ \t]+)?truly[ \t]+yours|"
    r"(?:best|kind|warm|warmest)[ \t]+regards|regards|respectfully(?:[ \t]+yours)?|cordially|"
    r"thank[ \t]+you|thanks|with[ \t]+thanks"
)
SIGNATURE_SCAN = rf"(?:^|\n)[ \t]*(?:{_CLOSINGS})[ \t]*[,.!]?[ \t]*\r?\n(?:[ \t]*\r?\n){{0,3}}[ \t]*[A-Za-z]"
_SIGNATURE_CONFIRM = re.compile(
    rf"\n?[ \t]*(?:{_CLOSINGS})[ \t]*[,.!]?[ \t]*\r?\n(?:[ \t]*\r?\n){{0,3}}[ \t]*(?P<value>[^\r\n]{{1,80}})",
    re.IGNORECASE,
)
# A line under (or beside) a signer's name that says they sign for the organisation.
_ROLE_LINE = re.compile(
    r"(?:@|www\.|\b(?:services?|department|dept|manager|director|officer|specialist|representative|rep|"
    r"team|inc|llc|corp|company|insurance|bank|plan|coordinator|analyst|administrator|supervisor|agent|"
    r"associate|claims|customer|member|policy|compliance|privacy|counsel|president|vp|ceo|cfo|cio|"
    r"secretary|assistant|clerk|adjuster|examiner|underwriter|advisor|consultant|support|operations|"
    r"eligibility|enrollment|billing|human resources|hr|chief|head|lead)\b)",
    re.IGNORECASE,
)


def name_of_signature(line: str) -> str:
    """The signer's name at the start of the line under a closing ("Mark Ellison, Policy Services")."""
    return _name_in_line(line.strip(), salutation=False, min_words=1)[0]


def _signer_role(match: re.Match[str]) -> dict[str, str]:
    """``staff`` when the signature names a role or the organisation; else ``signer`` (text.py decides)."""
    text, value_end = match.string, match.end("value")
    line = match.group("value")
    name = name_of_signature(line)
    beside = line[line.find(name) + len(name) :] if name else line
    next_start = value_end + 1
    next_end = text.find("\n", next_start)
    below = text[next_start : next_end if next_end >= 0 else len(text)]
    titled = bool(_ROLE_LINE.search(beside) or (below.strip() and _ROLE_LINE.search(below)))
    return {"role": "staff" if titled else "signer", "via": "signature"}


# Contact lines of a signature block ("Direct: 503-555-0100", "mark@oceanview.example").
_CONTACT_LINE = re.compile(
    r"\b(?:phone|tel|fax|e-?mail|direct|ext|cell|mobile|office)\b|@|www\.|\d{3}[-. )]+\d{3}", re.IGNORECASE
)
SIGNATURE_BLOCK_LINES = 3  # lines of title, organisation and contact a signature block may have


def signature_block_end(text: str, name_start: int) -> int:
    """Where the signature block that starts with the signer's name at ``name_start`` ends.

    The signer's line, then up to SIGNATURE_BLOCK_LINES lines of title, organisation or contact. What comes
    after (a reader may put a letter's table after its signature) is not the signer's.
    """
    end = text.find("\n", name_start)
    if end < 0:
        return len(text)
    for _ in range(SIGNATURE_BLOCK_LINES):
        next_end = text.find("\n", end + 1)
        line = text[end + 1 : next_end if next_end >= 0 else len(text)]
        if not line.strip() or not (_ROLE_LINE.search(line) or _CONTACT_LINE.search(line)):
            break
        end = next_end if next_end >= 0 else len(text)
    return end


# ---- names in prose: a census first name followed by a census surname -------------------------------

# A census first name and a capitalised word: one candidate per word pair (a longer scan would hide "Anna"
# in "On Monday Anna Kowalski" behind the leftmost start), the rest is read by the confirmation at the
# candidate. The first names are spelled out, so that the capitalised pairs of ordinary prose ("Board
# Meeting") are no candidates at all: Hyperscan matches thousands of words about as fast as one. It takes
# expressions of at most 16,000 characters: one per initial. No \b before the name: the confirmation
# looks behind it, and Hyperscan compiles thousands of words after \b several times slower.
_PROSE_FIRST_WORD = re.compile(r"[a-z]{2,15}")  # the first words a candidate could start with


def prose_scans() -> tuple[str, ...]:
    """The Hyperscan expressions of names in prose, one per initial of the census first names."""
    by_initial: dict[str, list[str]] = {}
    for name in sorted(first_names()):
        if _PROSE_FIRST_WORD.fullmatch(name):
            by_initial.setdefault(name[0], []).append(name.capitalize())
    return tuple(f"(?:{'|'.join(names)})[ \\t][A-Z][a-z.]" for names in by_initial.values())


_PROSE_CONFIRM = re.compile(
    r"(?<![\w'’.-])(?P<value>(?P<first>[A-Z][a-z]+)(?:[ \t]+(?:[A-Z][a-z]+|[A-Z]\.?))?[ \t]+"
    r"[A-Z][A-Za-z'’]*[a-z][A-Za-z'’]*(?:-[A-Z][A-Za-z'’]*[a-z])?)(?![\w'’-])"
)
# The word before a name that makes it someone acting in a role (a doctor, the staff one is told to call).
_ROLE_WORDS_TEXT = """
dr doctor prof professor provider physician nurse np pa rn md pharmacist therapist agent rep representative
adjuster examiner attn attention contact contacting call calling ask asking by from to cc author signed
manager director officer specialist counselor counsel judge attorney lawyer senator rev reverend st saint
"""
_ROLE_WORDS = frozenset(_ROLE_WORDS_TEXT.split())
# What right after a name makes it a place, an organisation or a doctor ("Grant Street", "Mary Smith, MD").
_AFTER_NAME = re.compile(
    r"[ \t]*(?:,?[ \t]*(?:m\.?d\.?|d\.?o\.?|r\.?n\.?|n\.?p\.?|pa-c|ph\.?d\.?|dds|esq)\b|&|@|"
    r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|court|ct|boulevard|blvd|way|place|pl|parkway|"
    r"highway|hwy|circle|square|county|city|hospital|clinic|center|centre|medical|health|memorial|"
    r"university|college|school|church|bank|insurance|foundation|institute|group|company|inc|llc|corp|"
    r"associates|partners|pharmacy|law|park|hall|building|tower|plaza|mall|library|museum|airport|"
    r"station|lake|river|mountain|valley|beach|island|heights|hills|springs|falls)\b)",
    re.IGNORECASE,
)


def name_in_prose(value: str) -> str:
    """``Maria Lopez`` when the first word is a census first name and the last a census surname."""
    words = value.split()
    if not is_first_name(words[0]) or not is_surname(words[-1]) or _bare(words[-1]) in STOP_WORDS:
        return ""
    middle = words[1] if len(words) == 3 else ""
    if len(middle.rstrip(".")) > 1 and not (is_first_name(middle) or is_surname(middle)):
        return ""
    return " ".join(words)


# Surnames that also end place names ("Lincoln Park"), and the words that put a place after them.
_PLACE_WORDS_TEXT = """
park parks hill hills lake lakes wood woods field fields stone church river rivers spring springs
north south east west
"""
_PLACE_SURNAMES = frozenset(_PLACE_WORDS_TEXT.split())
_LOCATIVE_TEXT = "near at on in along across toward towards into onto outside behind past by"
_LOCATIVE = frozenset(_LOCATIVE_TEXT.split())


def _prose_name_is_a_person(match: re.Match[str]) -> bool:
    """Census names, not after a label or a role word, not a place or organisation, not a doctor."""
    first = match.group("first")
    if _gazetteer_form(first) not in first_names():
        return False  # most capitalised pairs: settled by one set lookup
    text, start, end = match.string, match.start("value"), match.end("value")
    if _bare(match.group("value").split()[-1]) in _PLACE_SURNAMES:
        previous = text[max(0, start - 20) : start].split()
        if previous and _bare(previous[-1]) in _LOCATIVE:
            return False  # "near Lincoln Park"
    return not names_someone_in_a_role(text, start, end)


_CLOSING_ABOVE = re.compile(
    rf"(?:^|\n)[ \t]*(?:{_CLOSINGS})[ \t]*[,.!]?[ \t]*\r?\n(?:[ \t]*\r?\n){{0,3}}[ \t]*$", re.IGNORECASE
)


# A label right before a name ("Provider Name: ", "Also on the line: ").
_LABEL_BEFORE = re.compile(r"([A-Za-z][A-Za-z .'/-]{0,40}):$")
# Words of a label that gives the name after it to someone other than an affected individual.
_ROLE_LABEL = re.compile(
    r"\b(?:provider|physician|doctor|dr|prescriber|nurse|npi|from|to|cc|bcc|author|by|agent|rep|"
    r"representative|attn|attention|contact|signed|signature|signer|employer|company|facility|pharmacy|"
    r"clinic|hospital|vendor|payee|payer|carrier|insurer|referring|rendering|attending|billing|sender)\b",
    re.IGNORECASE,
)


def names_someone_in_a_role(text: str, start: int, end: int, any_label: bool = True) -> bool:
    """True when the name at ``text[start:end]`` is not an affected individual's by where it stands.

    After a role word ("Dr.", "contact") or a label (any label with ``any_label``, since the label
    patterns already read the labels of people; else one naming a role: "Provider:", "From:"), before a
    place or organisation word ("Street", "Hospital") or a degree ("MD"), or right under a closing
    ("Sincerely,"): a doctor, the staff one is told to call, a signer, a street.
    """
    line_start = text.rfind("\n", 0, start) + 1
    before = text[max(line_start, start - 60) : start].rstrip(" \t")
    while before and is_title(before.split()[-1]):  # "Mrs." says nothing; what stands before it does
        if _bare(before.split()[-1]) == "dr":
            return True
        before = before[: before.rfind(before.split()[-1])].rstrip(" \t")
    if before:
        if before[-1] in "@#/" or before[-1].isdigit():
            return True  # "#12 Grant Lee", "123 Mary Ellen Ave"
        if before[-1] == ":":
            label = _LABEL_BEFORE.search(before)
            return any_label or bool(label and _ROLE_LABEL.search(label.group(1)))
        if _bare(before.split()[-1]) in _ROLE_WORDS:
            return True
    if _AFTER_NAME.match(text, end, end + 30):
        return True
    if text[line_start:start].strip():
        return False  # a signer's name starts its line
    return bool(_CLOSING_ABOVE.search(text, max(0, line_start - 120), line_start))


# ---- e-mail header lines: correspondents, not the people a message is about -------------------------

CORRESPONDENT_SCAN = r"(?:^|\n)[ \t]*(?:from|to|cc|bcc|reply-to|sender|sent[ \t]+by)[ \t]*:"
_CORRESPONDENT_CONFIRM = re.compile(
    r"\n?[ \t]*(?P<value>from|to|cc|bcc|reply-to|sender|sent[ \t]+by)[ \t]*:", re.IGNORECASE
)


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
            name="name.subject",
            kind="person",
            scan=r"\b(re|subject|regarding)[ \t]*:",
            confirm=re.compile(
                r"(?:re|subject|regarding)[ \t]*:[ \t]*(?P<value>[^\r\n]{1,100})", re.IGNORECASE
            ),
            normalise=name_after_label,
            extras=lambda _match: {"role": "individual", "via": "subject", "subject": "1"},
            caseless=True,
            confidence=0.85,
        ),
        TextPattern(
            name="name.salutation",
            kind="person",
            scan=r"\bdear[ \t]+",
            confirm=re.compile(r"(?:Dear|DEAR)[ \t]+(?P<value>[^\r\n]{1,100})"),
            normalise=name_after_dear,
            extras=lambda _match: {"role": "individual", "via": "salutation", "addressee": "1"},
            caseless=True,
            confidence=0.9,
        ),
        TextPattern(
            name="name.address_block",
            kind="person",
            scan=ADDRESS_BLOCK_SCAN,
            confirm=re.compile(rf"\n?[ \t]*(?P<value>[A-Za-z][^\r\n]{{2,60}})\r?\n{_STREET_START}"),
            normalise=name_of_address_block,
            accept=_is_address_block,
            extras=lambda _match: {"role": "individual", "via": "address_block", "addressee": "1"},
            confidence=0.9,
        ),
        TextPattern(
            name="name.signature",
            kind="person",
            scan=SIGNATURE_SCAN,
            confirm=_SIGNATURE_CONFIRM,
            normalise=name_of_signature,
            extras=_signer_role,
            caseless=True,
            confidence=0.6,
        ),
        *(
            TextPattern(
                name="name.prose",
                kind="person",
                scan=scan,
                confirm=_PROSE_CONFIRM,
                normalise=name_in_prose,
                accept=_prose_name_is_a_person,
                extras=lambda _match: {"role": "individual", "via": "prose"},
                confidence=0.55,
            )
            for scan in prose_scans()
        ),
        TextPattern(
            name="name.correspondent",
            kind="correspondent",
            scan=CORRESPONDENT_SCAN,
            confirm=_CORRESPONDENT_CONFIRM,
            normalise=lambda value: value.lower(),
            caseless=True,
        ),
    ),
)
