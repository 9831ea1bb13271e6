"""Decode mainframe records: EBCDIC or ASCII text, zoned and packed decimals, binary, framing.

A record is decoded to text once (a 256-entry table, C speed); text and zoned fields are slices
of that text, packed and binary fields read the raw bytes. Values come out as strings: numbers
keep their PIC width when unscaled (``PIC 9(9)`` SSN ``012345678`` keeps its leading zero) and
show their decimals when scaled (``PIC S9(9)V99`` -> ``-988.91``).

Framing: fixed-length records (length from the copybook), lines (ASCII files with newlines) or
variable-length records behind 4-byte RDW headers, in any of the byte orders seen in practice
(big-endian with the header counted, as on the mainframe, or little-endian as Cobrix writes them).
"""

from __future__ import annotations

import codecs
import re
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from exposure.extract.cobol.copybook import BINARY, FLOAT, NATIONAL, PACKED, TEXT, ZONED, Field, Layout

EBCDIC_ENCODINGS = ("cp037", "cp1047", "cp500", "cp1140")
ASCII = "ascii"
ENCODINGS = (*EBCDIC_ENCODINGS, ASCII)
MAX_RDW_LENGTH = 32_760  # largest VB record the mainframe writes
SAMPLE_BYTES = 1 << 20
READ_BLOCK = 1 << 20

# cp1047 (z/OS Unix, many FTP tools) differs from cp037 in eight code points.
_CP1047_FROM_CP037 = {
    0x15: "\n", 0x25: "\x85", 0x5F: "^", 0xAD: "[", 0xB0: "¬", 0xBA: "Ý", 0xBB: "¨", 0xBD: "]",
}  # fmt: skip


class DecodeError(ValueError):
    """Records that cannot be framed (a broken RDW chain), with a plain reason and no content."""


# ---------------------------------------------------------------- character tables


def _base_chars(encoding: str) -> list[str]:
    if encoding == ASCII:
        # Fixed-width "ASCII" exports are usually Windows-1252; its five undefined bytes count as controls.
        return [bytes([b]).decode("cp1252", "replace").replace("\ufffd", "\x00") for b in range(256)]
    if encoding == "cp1047":
        chars = list(bytes(range(256)).decode("cp037"))
        for byte, char in _CP1047_FROM_CP037.items():
            chars[byte] = char
        return chars
    return list(bytes(range(256)).decode(encoding))


def _is_control(char: str) -> bool:
    return char < " " or "\x7f" <= char <= "\x9f"


def decoding_table(encoding: str, control: str = " ") -> str:
    """A charmap table: each byte to its character, control characters to ``control``."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}")
    return "".join(control if _is_control(c) else c for c in _base_chars(encoding))


def space_byte(encoding: str) -> int:
    return 0x20 if encoding == ASCII else 0x40


def byte_classes(encoding: str) -> bytes:
    """A bytes.translate table: padding (NUL, space) -> 'p', controls -> 'c', the rest -> 'x'."""
    chars = _base_chars(encoding)
    out = bytearray()
    for b in range(256):
        out += b"p" if b in (0, space_byte(encoding)) else b"c" if _is_control(chars[b]) else b"x"
    return bytes(out)


# ---------------------------------------------------------------- values


_OVERPUNCH: dict[str, tuple[str, bool]] = {}
for _i, (_pos, _neg) in enumerate(zip("{ABCDEFGHI", "}JKLMNOPQR", strict=True)):
    _OVERPUNCH[_pos] = (str(_i), False)
    _OVERPUNCH[_neg] = (str(_i), True)
    _OVERPUNCH["pqrstuvwxy"[_i]] = (str(_i), True)  # Micro Focus ASCII negative zone
    _OVERPUNCH[str(_i)] = (str(_i), False)


def format_number(digits: str, scale: int, negative: bool, width: int = 0) -> str:
    """Digits as a decimal string: ``("98891", 2, False)`` -> ``988.91``; unscaled keeps ``width`` digits."""
    if scale > 0:
        digits = digits.zfill(scale + 1)
        text = f"{digits[:-scale].lstrip('0') or '0'}.{digits[-scale:]}"
    elif scale < 0:
        significant = digits.lstrip("0")
        text = significant + "0" * -scale if significant else "0"
    else:
        text = digits.zfill(width)
    return "-" + text if negative and digits.strip("0") else text


def zoned_value(chars: str, f: Field) -> str | None:
    """A zoned decimal from its display characters; '' when blank, None when not a number."""
    if chars.isascii() and chars.isdigit():
        return format_number(chars, f.scale, False)
    body = chars.strip()
    if not body:
        return ""
    negative = False
    if f.sign_separate:
        sign, body = (body[0], body[1:]) if f.sign_leading else (body[-1], body[:-1])
        if sign not in "+-":
            return None
        negative = sign == "-"
    else:
        at = 0 if f.sign_leading else -1
        punched = _OVERPUNCH.get(body[at])
        if punched is None:
            return None
        digit, negative = punched
        body = digit + body[1:] if f.sign_leading else body[:-1] + digit
    body = body.lstrip()
    if not (body.isascii() and body.isdigit()):
        return None
    return format_number(body.zfill(f.digits), f.scale, negative)


def packed_value(raw: bytes, f: Field) -> str | None:
    """A packed decimal (COMP-3): two digits a byte, the last nibble the sign (C/F +, D/B -)."""
    nibbles = raw.hex()
    digits, sign = nibbles[:-1], nibbles[-1:]
    if not digits.isdigit() or sign not in ("c", "f", "d", "b", "a", "e"):
        return "" if not raw.strip(b"\x00\x40") else None
    extra = len(digits) - f.digits
    if extra > 0 and not digits[:extra].strip("0"):
        digits = digits[extra:]
    return format_number(digits, f.scale, sign in ("d", "b"))


def binary_value(raw: bytes, f: Field) -> str:
    value = int.from_bytes(raw, "little" if f.little_endian else "big", signed=f.signed)
    return format_number(str(abs(value)), f.scale, value < 0, f.digits)


def ibm_float(raw: bytes) -> float:
    """IBM System/360 hexadecimal floating point (COMP-1 is 4 bytes, COMP-2 is 8)."""
    number = int.from_bytes(raw, "big")
    bits = len(raw) * 8
    sign = -1.0 if number >> (bits - 1) else 1.0
    exponent = ((number >> (bits - 8)) & 0x7F) - 64
    mantissa = (number & ((1 << (bits - 8)) - 1)) / float(1 << (bits - 8))
    return sign * mantissa * 16.0**exponent


def float_value(raw: bytes, ebcdic: bool) -> str:
    value = ibm_float(raw) if ebcdic else struct.unpack(">f" if len(raw) == 4 else ">d", raw)[0]
    return repr(value)


# ---------------------------------------------------------------- records


Converter = Callable[[str, bytes, int, int, Field], str | None]


def _text(text: str, raw: bytes, a: int, b: int, f: Field) -> str:
    return text[a:b].strip()


def _zoned(text: str, raw: bytes, a: int, b: int, f: Field) -> str | None:
    return zoned_value(text[a:b], f)


def _packed(text: str, raw: bytes, a: int, b: int, f: Field) -> str | None:
    return packed_value(raw[a:b], f) if b <= len(raw) else ""


def _binary(text: str, raw: bytes, a: int, b: int, f: Field) -> str:
    return binary_value(raw[a:b], f) if b <= len(raw) else ""


def _national(text: str, raw: bytes, a: int, b: int, f: Field) -> str:
    return raw[a:b].decode("utf-16-be", "replace").replace("\x00", " ").strip()


_CONVERTERS: dict[str, Converter] = {
    TEXT: _text, ZONED: _zoned, PACKED: _packed, BINARY: _binary, NATIONAL: _national,
}  # fmt: skip


class RecordDecoder:
    """Decodes records of one layout and encoding into value lists aligned with ``fields``.

    Invalid numbers (a packed field that is not packed, a zoned field with letters) decode to ''
    and are counted in ``invalid``: many of them mean a wrong layout or a text-mode transfer.
    """

    def __init__(
        self,
        fields: Sequence[Field],
        encoding: str,
        layout: Layout | None = None,
        *,
        drop_controls: bool = False,
    ) -> None:
        self.fields = list(fields)
        self.encoding = encoding
        self.ebcdic = encoding != ASCII
        self.drop_controls = drop_controls
        self.table = decoding_table(encoding, "\x1a" if drop_controls else " ")
        self.invalid = 0
        self.numbers = 0
        self._plan = [(self._converter(f), f.offset, f.end, f) for f in self.fields]
        self._depending = _depending_fields(self.fields, layout)
        simple = not (self._depending or drop_controls or any(f.kind == FLOAT for f in self.fields))
        self._fast = _FastPlan(self.fields) if simple else None

    def _converter(self, f: Field) -> Converter:
        if f.kind == FLOAT:
            ebcdic = self.ebcdic
            return lambda text, raw, a, b, f: float_value(raw[a:b], ebcdic) if b <= len(raw) else ""
        return _CONVERTERS[f.kind]

    def text(self, record: bytes) -> str:
        return codecs.charmap_decode(record, "strict", self.table)[0]

    def values(self, record: bytes) -> list[str]:
        fast = self._fast
        if fast is not None and len(record) >= fast.end:
            values, invalid = fast.values(codecs.charmap_decode(record, "strict", self.table)[0], record)
            self.numbers += fast.numbers
            self.invalid += invalid
            return values
        text = self.text(record)
        if self.drop_controls:
            text = text.replace("\x1a", "\x00")  # kept in place so offsets hold; removed per field below
        size = len(record)
        counts = self._occurs_counts(text, record) if self._depending else None
        out: list[str] = []
        for convert, a, b, f in self._plan:
            if a >= size or (counts and not _present(f, counts)):
                out.append("")
                continue
            value = convert(text, record, a, b, f)
            if f.kind in (ZONED, PACKED):
                self.numbers += 1
                if value is None:
                    self.invalid += 1
            if value is None:
                value = ""
            elif self.drop_controls and "\x00" in value:
                value = value.replace("\x00", "").strip()
            out.append(value)
        return out

    def _occurs_counts(self, text: str, record: bytes) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name, f in self._depending.items():
            value = _CONVERTERS[f.kind](text, record, f.offset, f.end, f) if f.end <= len(record) else ""
            try:
                counts[name] = int(float(value)) if value else 0
            except ValueError:
                counts[name] = 0
        return counts


_Getter = Callable[[Any], tuple[Any, ...]]


def _getter(slices: list[slice]) -> _Getter:
    """A C-speed function returning the given slices of a sequence, always as a tuple."""
    if not slices:
        return lambda data: ()
    if len(slices) == 1:
        only = slices[0]
        return lambda data: (data[only],)
    return itemgetter(*slices)


class _FastPlan:
    """Whole records (no OCCURS DEPENDING ON): fields sliced by kind in C, the common cases inlined."""

    def __init__(self, fields: Sequence[Field]) -> None:
        self.end = max((f.end for f in fields), default=0)
        by_kind: dict[str, list[tuple[int, Field]]] = {}
        for position, f in enumerate(fields):
            by_kind.setdefault(f.kind, []).append((position, f))
        self.width = len(fields)
        self.text = self._part(by_kind.get(TEXT, []))
        self.zoned = self._part(by_kind.get(ZONED, []))
        self.packed = self._part(by_kind.get(PACKED, []))
        self.binary = self._part(by_kind.get(BINARY, []))
        others = [(i, f) for i, f in by_kind.get(NATIONAL, [])]  # FLOAT fields take the general path
        self.others = [(i, f, _CONVERTERS[f.kind]) for i, f in others]
        self.numbers = len(self.zoned[1]) + len(self.packed[1])

    @staticmethod
    def _part(
        items: list[tuple[int, Field]],
    ) -> tuple[Callable[[Any], tuple[Any, ...]], list[tuple[int, Field]]]:
        return _getter([slice(f.offset, f.end) for _, f in items]), items

    def values(self, text: str, record: bytes) -> tuple[list[str], int]:
        out = [""] * self.width
        invalid = 0
        get, items = self.text
        for (i, _), value in zip(items, get(text), strict=True):
            out[i] = value.strip()
        get, items = self.zoned
        for (i, f), value in zip(items, get(text), strict=True):
            if f.scale == 0 and value.isdigit() and value.isascii():
                out[i] = value
                continue
            decoded = zoned_value(value, f)
            if decoded is None:
                invalid += 1
            else:
                out[i] = decoded
        get, items = self.packed
        for (i, f), raw in zip(items, get(record), strict=True):
            nibbles = raw.hex()
            digits, sign = nibbles[:-1], nibbles[-1]
            if len(digits) == f.digits and digits.isdigit() and sign in "cfd":
                scale = f.scale
                if scale > 0:
                    value = f"{digits[:-scale].lstrip('0') or '0'}.{digits[-scale:]}"
                else:
                    value = digits if scale == 0 else format_number(digits, scale, False)
                out[i] = "-" + value if sign == "d" and digits.strip("0") else value
                continue
            decoded = packed_value(raw, f)
            if decoded is None:
                invalid += 1
            else:
                out[i] = decoded
        get, items = self.binary
        for (i, f), raw in zip(items, get(record), strict=True):
            number = int.from_bytes(raw, "little" if f.little_endian else "big", signed=f.signed)
            if f.scale == 0:
                out[i] = str(number).zfill(f.digits) if number >= 0 else "-" + str(-number).zfill(f.digits)
            else:
                out[i] = format_number(str(abs(number)), f.scale, number < 0)
        for i, f, convert in self.others:
            out[i] = convert(text, record, f.offset, f.end, f) or ""
        return out, invalid


def _depending_fields(fields: Sequence[Field], layout: Layout | None) -> dict[str, Field]:
    """The OCCURS DEPENDING ON counters the fields need, by name."""
    names = {name for f in fields for name, _ in f.depending}
    if not names:
        return {}
    pool = layout.fields if layout is not None else fields
    found = {}
    for name in names:
        counter = next((f for f in pool if f.path[-1] == name and not f.occurs), None)
        if counter is not None and counter.kind in _CONVERTERS:
            found[name] = counter
    return found


def _present(f: Field, counts: dict[str, int]) -> bool:
    return all(counts.get(name, index) >= index for name, index in f.depending)


# ---------------------------------------------------------------- choosing REDEFINES branches


Choice = dict[int, int]  # redefine group id -> chosen branch index


def included(f: Field, choice: Choice) -> bool:
    """Whether a field belongs to the chosen branches (groups without a choice keep every branch)."""
    return all(choice.get(group, branch) == branch for group, branch in f.branches)


class BranchScorer:
    """How badly each REDEFINES branch fits a record: fields that split words, start with padding,
    hold control bytes or invalid numbers, or fall past the end of the record. Lower is better."""

    def __init__(self, layout: Layout, encoding: str) -> None:
        self.layout = layout
        self.classes = byte_classes(encoding)
        self.table = decoding_table(encoding)
        self._fields: dict[tuple[int, int], list[Field]] = {}
        self._nested: dict[tuple[int, int], list[int]] = {}
        for f in layout.fields:
            if f.branches:
                self._fields.setdefault(f.branches[-1], []).append(f)
        for group in layout.groups:
            if group.branches:
                self._nested.setdefault(group.branches[-1], []).append(group.id)

    def top_groups(self) -> list[int]:
        return [g.id for g in self.layout.groups if not g.branches]

    def penalty(self, group_id: int, branch: int, record: bytes, text: str | None = None) -> float:
        text = self.text(record) if text is None else text
        score = sum(self._field_penalty(f, record, text) for f in self._fields.get((group_id, branch), ()))
        for nested in self._nested.get((group_id, branch), ()):
            branches = range(len(self.layout.groups[nested].names))
            score += min(self.penalty(nested, b, record, text) for b in branches)
        score += self._uncovered(group_id, branch, record)
        return score

    def text(self, record: bytes) -> str:
        return codecs.charmap_decode(record, "strict", self.table)[0]

    def choose(self, record: bytes, groups: Sequence[int] | None = None) -> Choice:
        """The best branch of each group for this one record (ties: the branch declared first)."""
        text = self.text(record)
        choice: Choice = {}
        pending = list(self.top_groups() if groups is None else groups)
        while pending:
            group = pending.pop(0)
            count = len(self.layout.groups[group].names)
            scores = [self.penalty(group, b, record, text) for b in range(count)]
            best = scores.index(min(scores))
            choice[group] = best
            pending.extend(self._nested.get((group, best), ()))
        return choice

    def _field_penalty(self, f: Field, record: bytes, text: str) -> float:
        if f.offset >= len(record):
            return 2.0
        if f.kind == TEXT:
            classes = record[f.offset : f.end + 1].translate(self.classes)
            if f.end >= len(record):
                return _text_misfit(classes) + (1.0 if f.end > len(record) else 0.0)
            return _text_misfit(classes[:-1]) + (0.5 if classes[-2:] == b"xx" else 0.0)
        if f.end > len(record):
            return 1.0
        if f.kind == ZONED:
            return 1.0 if zoned_value(text[f.offset : f.end], f) is None else 0.0
        if f.kind == PACKED:
            return 1.0 if packed_value(record[f.offset : f.end], f) is None else 0.0
        return 0.0

    def _uncovered(self, group_id: int, branch: int, record: bytes) -> float:
        """Content bytes of the group's area that this (shorter) branch leaves unread."""
        group = self.layout.groups[group_id]
        fields = self._all_fields(group_id, branch)
        end = max((f.end for f in fields), default=group.offset)
        tail = record[end : group.offset + group.length].translate(self.classes)
        return 1.0 if b"x" in tail else 0.0

    def _all_fields(self, group_id: int, branch: int) -> list[Field]:
        return [f for f in self.layout.fields if (group_id, branch) in f.branches]


_SPLIT_BY_PADDING = re.compile(rb"xpp+x")


def _text_misfit(classes: bytes) -> float:
    """Penalty of one text field's byte classes; a word running on into the next field costs 0.5 (set by
    the caller), a blank field 0.1 so that, all else equal, the branch whose fields are filled wins."""
    if not classes or b"x" not in classes:
        return 1.0 if b"c" in classes else 0.1
    score = 0.0
    if b"c" in classes:
        score += 1.0
    if classes[0:1] == b"p":
        score += 1.0  # a value does not start with padding: the field starts inside another one
    if _SPLIT_BY_PADDING.search(classes):
        score += 1.0  # padding between two values: the field spans two
    return score


# ---------------------------------------------------------------- encodings


def guess_encoding(records: Sequence[bytes], layout: Layout | None, candidates: Sequence[str]) -> str:
    """The candidate whose decoding of the text fields (of whole records without a layout) has the most
    ordinary characters (ties: the first candidate)."""
    whole = [Field("", (), 0, max((len(r) for r in records), default=0), TEXT)]
    text_fields = ([f for f in layout.fields if f.kind == TEXT] or layout.fields) if layout else whole
    best, best_score = candidates[0], -1
    for encoding in candidates:
        table = decoding_table(encoding, "\x00")
        score = 0
        for record in records:
            text = codecs.charmap_decode(record, "strict", table)[0]
            for f in text_fields:
                score += sum(1 for ch in text[f.offset : f.end] if ch in _ORDINARY)
        if score > best_score:
            best, best_score = encoding, score
    return best


_ORDINARY = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-'/&()#@:;+*%$!?_\"")


def looks_like_ebcdic(sample: bytes) -> bool:
    """Mainframe text: spaces are 0x40 and letters and digits sit in 0x81-0xE9 / 0xF0-0xF9."""
    if not sample:
        return False
    spaces = sample.count(0x40)
    alnum = sum(1 for b in sample if 0x81 <= b <= 0xE9 or 0xF0 <= b <= 0xF9)
    ascii_text = sum(1 for b in sample if 0x20 <= b <= 0x7E)
    return spaces + alnum > ascii_text


# ---------------------------------------------------------------- framing


@dataclass(frozen=True)
class Rdw:
    """Where a 4-byte record descriptor word keeps the length, and what the length counts."""

    big_endian: bool  # length in bytes 0-1 big-endian (mainframe) or bytes 2-3 little-endian (Cobrix)
    includes_header: bool  # the mainframe counts the 4 header bytes in the length

    def payload_length(self, header: bytes) -> int | None:
        if self.big_endian:
            if header[2:4] != b"\x00\x00":
                return None
            length = int.from_bytes(header[0:2], "big")
        else:
            if header[0:2] != b"\x00\x00":
                return None
            length = int.from_bytes(header[2:4], "little")
        length -= 4 if self.includes_header else 0
        return length if 0 < length <= MAX_RDW_LENGTH else None

    def describe(self) -> str:
        order = "big-endian" if self.big_endian else "little-endian"
        return f"RDW {order}, length {'with' if self.includes_header else 'without'} header"


RDW_FORMATS = (Rdw(True, True), Rdw(True, False), Rdw(False, False), Rdw(False, True))


@dataclass(frozen=True)
class Framing:
    kind: str  # "fixed", "rdw" or "lines"
    record_length: int
    rdw: Rdw | None = None

    def describe(self) -> str:
        if self.kind == "rdw" and self.rdw is not None:
            return self.rdw.describe()
        return f"{self.kind} records of {self.record_length} bytes"


def _rdw_walk(sample: bytes, rdw: Rdw, complete: bool) -> tuple[list[int], bool]:
    """(payload lengths of the records an RDW chain walks through the sample, whether it walks cleanly)."""
    lengths: list[int] = []
    position = 0
    while position + 4 <= len(sample):
        length = rdw.payload_length(sample[position : position + 4])
        if length is None:
            return lengths, False
        lengths.append(length)
        position += 4 + length
    clean = not complete or position == len(sample)  # else the last record is cut short
    return lengths, clean


MIN_RECORDS_BEFORE_DAMAGE = 8  # a chain this long is no coincidence: the break is damage, reported later


def detect_framing(sample: bytes, total_size: int, record_length: int, encoding: str | None) -> Framing:
    """RDW when a header chain walks the sample cleanly, lines for newline-terminated ASCII, else fixed."""
    complete = len(sample) >= total_size
    walked = []
    for rdw in RDW_FORMATS:
        lengths, clean = _rdw_walk(sample, rdw, complete)
        enough = len(lengths) >= 3 or complete if clean else len(lengths) >= MIN_RECORDS_BEFORE_DAMAGE
        if lengths and enough:
            fits = sum(1 for n in lengths if n <= record_length) / len(lengths)
            walked.append((clean, fits, -RDW_FORMATS.index(rdw), rdw))
    if walked:
        return Framing("rdw", record_length, max(walked)[3])
    if encoding in (None, ASCII) and _looks_like_lines(sample, record_length, total_size):
        return Framing("lines", record_length)
    return Framing("fixed", record_length)


def _looks_like_lines(sample: bytes, record_length: int, total_size: int) -> bool:
    if b"\n" not in sample:
        return False
    if total_size % record_length == 0 and sample[record_length - 1 : record_length] != b"\n":
        first_line = sample.split(b"\n", 1)[0]
        if len(first_line.rstrip(b"\r")) > record_length:
            return False
    lines = sample.split(b"\n")[:-1][:1000]
    lengths = [len(line.rstrip(b"\r")) for line in lines]
    if not lengths:
        return False
    return max(lengths) <= record_length and sum(lengths) / len(lengths) >= record_length / 2


def iter_records(stream: BinaryIO, framing: Framing) -> Iterator[bytes]:
    """The records of a stream, read in bounded blocks."""
    if framing.kind == "rdw" and framing.rdw is not None:
        yield from _rdw_records(stream, framing.rdw)
    elif framing.kind == "lines":
        for line in stream:
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield line
    else:
        yield from _fixed_records(stream, framing.record_length)


def _fixed_records(stream: BinaryIO, length: int) -> Iterator[bytes]:
    block_size = max(length, READ_BLOCK // length * length)
    carry = b""
    while True:
        block = stream.read(block_size)
        if not block:
            break
        data = carry + block if carry else block
        usable = len(data) - len(data) % length
        for start in range(0, usable, length):
            yield data[start : start + length]
        carry = data[usable:]
    if carry:
        yield carry  # a short last record: decoded as far as it goes


def _rdw_records(stream: BinaryIO, rdw: Rdw) -> Iterator[bytes]:
    number = 0
    while True:
        header = stream.read(4)
        if not header:
            return
        number += 1
        length = rdw.payload_length(header) if len(header) == 4 else None
        if length is None:
            raise DecodeError(f"record {number}: invalid record descriptor word (RDW)")
        payload = stream.read(length)
        if len(payload) < length:
            yield payload  # cut short at the end of the file: decoded as far as it goes
            return
        yield payload


def guess_record_length(sample: bytes, low: int = 20, high: int = 2048) -> int | None:
    """Record length of fixed records without delimiters, by autocorrelation.

    Bytes at the same place of consecutive records (padding, sign nibbles, record codes) tend to be
    equal, so the share of equal bytes at distance p peaks at the record length and its multiples.
    Each candidate is scored by the mean share over its multiples (a comb), and the shortest candidate
    nearly as good as the best wins (the multiples of the length score as well as it does)."""
    sample = sample[: 32 * 1024]
    high = min(high, len(sample) // 3)
    if high < low:
        return None
    whole = int.from_bytes(sample, "big")
    shares = {}
    for period in range(low, high + 1):
        width = len(sample) - period
        ahead = whole & ((1 << (8 * width)) - 1)  # sample[period:]
        shares[period] = ((whole >> (8 * period)) ^ ahead).to_bytes(width, "big").count(0) / width
    baseline = sum(shares.values()) / len(shares)
    # At least three multiples each, so that no candidate wins on one lucky distance.
    combs = {
        p: sum(shares[k] for k in range(p, high + 1, p)) / (high // p) for p in range(low, high // 3 + 1)
    }
    if not combs:
        return None
    best = max(combs.values())
    if best - baseline < 0.03:
        return None  # no period stands out: not fixed records, or too few of them
    return min(p for p, comb in combs.items() if comb - baseline >= 0.9 * (best - baseline))


def open_records(path: Path) -> BinaryIO:
    return path.open("rb", buffering=READ_BLOCK)
