"""COBOL copybooks: parse the data division text of a record layout into a flat list of fields.

Each elementary item becomes a :class:`Field` with its byte offset and length, its storage kind
(text, zoned or packed decimal, binary, float, national), scale and sign, the occurrence index
when it sits in an OCCURS table, and the REDEFINES branches it belongs to. Level 88 condition
names and level 66 RENAMES describe no storage and are skipped; several 01 records in one
copybook are alternatives laid over the same bytes (like a REDEFINES at the root).

Source format: fixed-form copybooks keep code in columns 8-72 (1-6 sequence numbers, 7 the
indicator: ``*``/``/`` comment, ``-`` continuation); free-form ones (no sequence area) are read
whole, with ``*>`` comments. The form is decided per file from the shape of its lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_OCCURS = 100_000  # a table larger than this is a damaged or hostile copybook
MAX_FIELDS = 200_000

TEXT, NATIONAL, ZONED, PACKED, BINARY, FLOAT = "text", "national", "zoned", "packed", "binary", "float"


class CopybookError(ValueError):
    """A copybook that cannot be parsed, with the line it failed on."""


@dataclass(frozen=True, slots=True)
class Field:
    """One elementary item at a fixed place in the record."""

    name: str  # the item's name with COBOL subscripts for OCCURS: ``PHONE(2)``, ``AMT(1,3)``
    path: tuple[str, ...]  # group names from the 01 level down, then the item's own name
    offset: int
    length: int
    kind: str  # TEXT, NATIONAL, ZONED, PACKED, BINARY or FLOAT
    digits: int = 0  # PIC digit positions for numbers
    scale: int = 0  # digits after the implied decimal point (negative: PIC P scaling to the left)
    signed: bool = False
    sign_leading: bool = False
    sign_separate: bool = False
    little_endian: bool = False  # COMP-9 (Cobrix' name for little-endian binary)
    occurs: tuple[int, ...] = ()  # 1-based index in each enclosing OCCURS table
    branches: tuple[tuple[int, int], ...] = ()  # (redefine group id, branch index), outermost first
    depending: tuple[tuple[str, int], ...] = ()  # (OCCURS DEPENDING ON field, this element's index)

    @property
    def end(self) -> int:
        return self.offset + self.length


@dataclass(frozen=True)
class RedefineGroup:
    """An item and the items that REDEFINE it: alternative views of the same bytes."""

    id: int
    offset: int
    length: int  # the largest branch
    names: tuple[str, ...]  # branch names, the redefined item first
    path: tuple[str, ...]  # the enclosing group's path
    branches: tuple[tuple[int, int], ...] = ()  # the branches that enclose this group


@dataclass
class Layout:
    """The flat record layout of a copybook."""

    fields: list[Field]
    groups: list[RedefineGroup]
    record_length: int

    def field_named(self, name: str) -> Field | None:
        """The first field with this name (case-insensitive, with or without subscript)."""
        wanted = name.strip().upper()
        return next((f for f in self.fields if f.name == wanted or f.path[-1] == wanted), None)


@dataclass
class _Item:
    """An entry of the data description before layout: a group or an elementary item."""

    level: int
    name: str  # "" for FILLER and unnamed items
    line: int
    pic: str = ""
    usage: str = ""
    sign_leading: bool | None = None
    sign_separate: bool | None = None
    redefines: str = ""
    occurs_min: int = 1
    occurs_max: int = 1
    depending_on: str = ""
    children: list[_Item] = field(default_factory=list)
    size: int = 0  # bytes of one occurrence, set by _measure


# ---------------------------------------------------------------- source text


_SEQUENCE_AREA = re.compile(r"^(?:[ ]{6}|\S{6})[ *\-/dD$]")


def source_lines(text: str) -> list[tuple[int, str]]:
    """(line number, code) for each line with code, comments removed and continuations joined."""
    raw = text.replace("\t", "        ").splitlines()
    raw = [re.sub(r"[\x00-\x1f\x7f]", " ", line) for line in raw]  # DOS EOF (^Z) and other debris
    fixed = _is_fixed_form(raw)
    out: list[tuple[int, str]] = []
    for number, line in enumerate(raw, start=1):
        if fixed:
            indicator = line[6:7]
            if indicator in ("*", "/", "$") or indicator in ("d", "D"):
                continue
            code = line[7:72]
            if indicator == "-" and out:
                # A continued word or literal: glue it to the previous line without the gap.
                previous_number, previous = out[-1]
                out[-1] = (previous_number, previous.rstrip() + code.strip().lstrip("'\""))
                continue
        else:
            code = line.split("*>", 1)[0]
            if code.lstrip().startswith("*"):
                continue
        if code.strip():
            out.append((number, code))
    return out


def _is_fixed_form(lines: list[str]) -> bool:
    """Fixed form when every code line has a blank or full 6-column sequence area and an indicator."""
    code_lines = [line for line in lines if line.strip()]
    if not code_lines:
        return True
    return all(len(line) <= 6 or _SEQUENCE_AREA.match(line) for line in code_lines)


_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|[^\s,;'\"]+")


def statements(text: str) -> list[tuple[int, list[str]]]:
    """(line number, tokens) of each period-terminated entry of the copybook."""
    out: list[tuple[int, list[str]]] = []
    tokens: list[str] = []
    first_line = 0
    for number, code in source_lines(text):
        for token in _TOKEN.findall(code):
            if not tokens:
                first_line = number
            ends = token.endswith(".") and not token.startswith(("'", '"'))
            word = token[:-1] if ends else token
            if word:
                tokens.append(word)
            if ends and tokens:
                out.append((first_line, tokens))
                tokens = []
    if tokens:
        out.append((first_line, tokens))  # a last entry without its period
    return out


# ---------------------------------------------------------------- entries


_USAGES = {
    "DISPLAY": "DISPLAY", "COMP": "COMP", "COMPUTATIONAL": "COMP", "COMP-4": "COMP",
    "COMPUTATIONAL-4": "COMP", "BINARY": "COMP", "COMP-5": "COMP-5", "COMPUTATIONAL-5": "COMP-5",
    "COMP-3": "COMP-3", "COMPUTATIONAL-3": "COMP-3", "PACKED-DECIMAL": "COMP-3", "COMP-1": "COMP-1",
    "COMPUTATIONAL-1": "COMP-1", "COMP-2": "COMP-2", "COMPUTATIONAL-2": "COMP-2", "COMP-9": "COMP-9",
    "POINTER": "POINTER", "INDEX": "POINTER", "NATIONAL": "NATIONAL", "DISPLAY-1": "DISPLAY",
}  # fmt: skip
_SKIP_AFTER = {"VALUE", "VALUES", "INDEXED", "ASCENDING", "DESCENDING"}


def parse_entry(line: int, tokens: list[str]) -> _Item | None:
    """One data description entry; None for entries that describe no storage (66, 88)."""
    words = [t.upper() if not t.startswith(("'", '"')) else t for t in tokens]
    if not words[0].isdigit():
        raise CopybookError(f"line {line}: expected a level number, found a word")
    level = int(words[0])
    if level in (66, 88):
        return None
    if not (1 <= level <= 49 or level == 77):
        raise CopybookError(f"line {line}: level {level} is not a data level")
    rest = words[1:]
    name = ""
    if rest and rest[0] not in _CLAUSE_WORDS and not rest[0].startswith(("'", '"')):
        name = rest.pop(0)
    if name == "FILLER":
        name = ""
    item = _Item(level=1 if level == 77 else level, name=name, line=line)
    _read_clauses(item, rest)
    return item


_CLAUSE_WORDS = {
    "PIC", "PICTURE", "USAGE", "REDEFINES", "OCCURS", "SIGN", "VALUE", "VALUES", "JUST", "JUSTIFIED",
    "BLANK", "SYNC", "SYNCHRONIZED", "LEADING", "TRAILING", "GLOBAL", "EXTERNAL", *_USAGES,
}  # fmt: skip


def _read_clauses(item: _Item, words: list[str]) -> None:
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word in ("PIC", "PICTURE"):
            if i < len(words) and words[i] == "IS":
                i += 1
            if i >= len(words):
                raise CopybookError(f"line {item.line}: PIC without a picture string")
            item.pic = words[i]
            i += 1
        elif word == "USAGE":
            if i < len(words) and words[i] == "IS":
                i += 1
            if i < len(words) and words[i] in _USAGES:
                item.usage = _USAGES[words[i]]
                i += 1
        elif word in _USAGES:
            item.usage = _USAGES[word]
        elif word == "REDEFINES" and i < len(words):
            item.redefines = words[i]
            i += 1
        elif word == "OCCURS":
            i = _read_occurs(item, words, i)
        elif word in ("SIGN", "LEADING", "TRAILING"):
            i = _read_sign(item, words, i - 1)
        elif word in _SKIP_AFTER:
            i = _skip_to_next_clause(words, i)


def _read_occurs(item: _Item, words: list[str], i: int) -> int:
    numbers: list[int] = []
    while i < len(words) and (words[i].isdigit() or words[i] == "TO"):
        if words[i].isdigit():
            numbers.append(int(words[i]))
        i += 1
    if not numbers:
        raise CopybookError(f"line {item.line}: OCCURS without a count")
    item.occurs_min, item.occurs_max = (numbers[0], numbers[-1]) if len(numbers) > 1 else (1, numbers[0])
    if item.occurs_max > MAX_OCCURS or item.occurs_max < 1:
        raise CopybookError(f"line {item.line}: OCCURS count {item.occurs_max} is out of range")
    if len(numbers) == 1:
        item.occurs_min = item.occurs_max
    while i < len(words) and words[i] in ("TIMES", "DEPENDING", "ON"):
        if words[i] == "DEPENDING":
            j = i + 1 + (i + 1 < len(words) and words[i + 1] == "ON")
            if j < len(words):
                item.depending_on = words[j]
                i = j
        i += 1
    return i


def _read_sign(item: _Item, words: list[str], i: int) -> int:
    if words[i] == "SIGN":
        i += 1
        if i < len(words) and words[i] == "IS":
            i += 1
    if i < len(words) and words[i] in ("LEADING", "TRAILING"):
        item.sign_leading = words[i] == "LEADING"
        item.sign_separate = False
        i += 1
    if i < len(words) and words[i] == "SEPARATE":
        item.sign_separate = True
        i += 1
        if i < len(words) and words[i] == "CHARACTER":
            i += 1
    return i


def _skip_to_next_clause(words: list[str], i: int) -> int:
    while i < len(words) and words[i] not in _CLAUSE_WORDS - {"VALUE", "VALUES"}:
        i += 1
    return i


# ---------------------------------------------------------------- pictures


@dataclass(frozen=True)
class Picture:
    kind: str  # TEXT, NATIONAL or ZONED (display); the usage turns ZONED into PACKED/BINARY
    chars: int  # display positions (bytes for TEXT/ZONED, characters for NATIONAL)
    digits: int = 0
    scale: int = 0
    signed: bool = False


def expand_picture(pic: str) -> str:
    """``S9(5)V99`` -> ``S99999V99``."""
    expanded = re.sub(r"(.)\((\d+)\)", lambda m: m.group(1) * min(int(m.group(2)), 1_000_000), pic.upper())
    if "(" in expanded or ")" in expanded:
        raise CopybookError("malformed repeat count")
    return expanded


def parse_picture(pic: str) -> Picture:
    body = expand_picture(pic)
    if set(body) <= set("9SVP") and ("9" in body or "P" in body):
        signed = body.startswith("S")
        digits_part = body.lstrip("S")
        left, _, right = digits_part.partition("V")
        if right:
            scale = len(right)
        elif left.startswith("P"):
            scale = len(left)
        elif left.endswith("P"):
            scale = -left.count("P")
        else:
            scale = 0
        digits = body.count("9")
        return Picture(ZONED, digits, digits, scale, signed)
    if set(body) <= set("NG"):
        return Picture(NATIONAL, len(body))
    # Alphanumeric (X, A) and numeric-edited (Z9.99, $,$$9.99CR, 99/99/99) are stored as display text.
    return Picture(TEXT, len(body.replace("V", "")))


# ---------------------------------------------------------------- layout


def parse_copybook(text: str) -> Layout:
    """The flat layout of the records a copybook describes."""
    roots = _build_tree(text)
    if not roots:
        raise CopybookError("no data description entries found")
    for root in roots:
        _measure(root, usage="", sign=(None, None))
    builder = _LayoutBuilder()
    if len(roots) == 1:
        builder.place(roots[0], 0, (), (), (), ())
    else:
        builder.place_alternatives(roots, 0, (), (), (), ())
    # Trailing FILLER emits no field but is part of the record: the length comes from the items.
    length = max(root.size * root.occurs_max for root in roots)
    if length == 0 or not builder.fields:
        raise CopybookError("the copybook describes no storage")
    return Layout(builder.fields, builder.groups, length)


def _build_tree(text: str) -> list[_Item]:
    roots: list[_Item] = []
    stack: list[_Item] = []
    for line, tokens in statements(text):
        if not tokens[0].isdigit():
            continue  # COPY/REPLACE statements, stray words between entries
        item = parse_entry(line, tokens)
        if item is None:
            continue
        while stack and stack[-1].level >= item.level:
            stack.pop()
        if stack:
            stack[-1].children.append(item)
        else:
            roots.append(item)
        stack.append(item)
    return roots


def _measure(item: _Item, usage: str, sign: tuple[bool | None, bool | None]) -> int:
    """Size in bytes of one occurrence; usage and SIGN are inherited from enclosing groups."""
    usage = item.usage or usage
    item.usage = usage
    sign = (
        item.sign_leading if item.sign_leading is not None else sign[0],
        item.sign_separate if item.sign_separate is not None else sign[1],
    )
    item.sign_leading, item.sign_separate = sign
    if item.children:
        # Items that REDEFINE share the bytes of the item just before them: the widest view counts.
        size = 0
        for alternatives in redefine_runs(item.children):
            size += max(_measure(child, usage, sign) * child.occurs_max for child in alternatives)
        item.size = size
    else:
        item.size = _elementary_size(item)
    return item.size


def redefine_runs(children: list[_Item]) -> list[list[_Item]]:
    """Children grouped as [item, its REDEFINES...]; COBOL puts redefining items right after their target."""
    runs: list[list[_Item]] = []
    for child in children:
        if child.redefines and runs:
            runs[-1].append(child)
        else:
            runs.append([child])
    return runs


def _elementary_size(item: _Item) -> int:
    if item.usage in ("COMP-1", "POINTER"):
        return 4
    if item.usage == "COMP-2":
        return 8
    if not item.pic:
        return 0  # a group with no children: nothing stored
    try:
        picture = parse_picture(item.pic)
    except CopybookError as exc:
        raise CopybookError(f"line {item.line}: bad PIC ({exc})") from None
    if picture.kind == NATIONAL or item.usage == "NATIONAL":
        return 2 * picture.chars
    if picture.kind == TEXT:
        return picture.chars
    if item.usage == "COMP-3":
        return picture.digits // 2 + 1
    if item.usage in ("COMP", "COMP-5", "COMP-9"):
        return binary_size(picture.digits)
    return picture.digits + (1 if picture.signed and item.sign_separate else 0)


def binary_size(digits: int) -> int:
    """Bytes of a binary item: halfword up to 4 digits, fullword to 9, doubleword to 18."""
    return 2 if digits <= 4 else 4 if digits <= 9 else 8 if digits <= 18 else 16


class _LayoutBuilder:
    def __init__(self) -> None:
        self.fields: list[Field] = []
        self.groups: list[RedefineGroup] = []

    def place(
        self,
        item: _Item,
        offset: int,
        path: tuple[str, ...],
        occurs: tuple[int, ...],
        branches: tuple[tuple[int, int], ...],
        depending: tuple[tuple[str, int], ...],
    ) -> None:
        """Emit the fields of ``item`` (all its occurrences) starting at ``offset``."""
        own_path = (*path, item.name or "FILLER")
        for index in range(item.occurs_max):
            start = offset + index * item.size
            element_occurs = (*occurs, index + 1) if item.occurs_max > 1 or item.depending_on else occurs
            element_depending = depending
            if item.depending_on and index + 1 > item.occurs_min:
                element_depending = (*depending, (item.depending_on, index + 1))
            if item.children:
                self._place_children(item, start, own_path, element_occurs, branches, element_depending)
            elif item.name:
                self._add_field(item, start, own_path, element_occurs, branches, element_depending)

    def _place_children(
        self,
        item: _Item,
        offset: int,
        path: tuple[str, ...],
        occurs: tuple[int, ...],
        branches: tuple[tuple[int, int], ...],
        depending: tuple[tuple[str, int], ...],
    ) -> None:
        position = offset
        for alternatives in redefine_runs(item.children):
            if len(alternatives) == 1:
                child = alternatives[0]
                self.place(child, position, path, occurs, branches, depending)
                position += child.size * child.occurs_max
            else:
                position += self.place_alternatives(alternatives, position, path, occurs, branches, depending)

    def place_alternatives(
        self,
        items: list[_Item],
        offset: int,
        path: tuple[str, ...],
        occurs: tuple[int, ...],
        branches: tuple[tuple[int, int], ...],
        depending: tuple[tuple[str, int], ...],
    ) -> int:
        """Lay items over the same bytes as one redefine group; returns the group's size."""
        length = max(item.size * item.occurs_max for item in items)
        group = RedefineGroup(
            id=len(self.groups),
            offset=offset,
            length=length,
            names=tuple(item.name or "FILLER" for item in items),
            path=path,
            branches=branches,
        )
        self.groups.append(group)
        for number, item in enumerate(items):
            self.place(item, offset, path, occurs, (*branches, (group.id, number)), depending)
        return length

    def _add_field(
        self,
        item: _Item,
        offset: int,
        path: tuple[str, ...],
        occurs: tuple[int, ...],
        branches: tuple[tuple[int, int], ...],
        depending: tuple[tuple[str, int], ...],
    ) -> None:
        if len(self.fields) >= MAX_FIELDS:
            raise CopybookError(f"more than {MAX_FIELDS} fields: the OCCURS tables are too large")
        name = item.name + (f"({','.join(map(str, occurs))})" if occurs else "")
        kind, digits, scale, signed = _storage(item)
        self.fields.append(
            Field(
                name=name,
                path=path,
                offset=offset,
                length=item.size,
                kind=kind,
                digits=digits,
                scale=scale,
                signed=signed,
                sign_leading=bool(item.sign_leading),
                sign_separate=bool(item.sign_separate) and signed,
                little_endian=item.usage == "COMP-9",
                occurs=occurs,
                branches=branches,
                depending=depending,
            )
        )


def _storage(item: _Item) -> tuple[str, int, int, bool]:
    """(kind, digits, scale, signed) of an elementary item."""
    if item.usage in ("COMP-1", "COMP-2"):
        return FLOAT, 0, 0, True
    if item.usage == "POINTER":
        return BINARY, 9, 0, False
    picture = parse_picture(item.pic)
    if picture.kind == NATIONAL or item.usage == "NATIONAL":
        return NATIONAL, 0, 0, False
    if picture.kind == TEXT:
        return TEXT, 0, 0, False
    kind = {"COMP-3": PACKED, "COMP": BINARY, "COMP-5": BINARY, "COMP-9": BINARY}.get(item.usage, ZONED)
    return kind, picture.digits, picture.scale, picture.signed
