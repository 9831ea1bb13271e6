"""Streaming X12 tokenizer: bytes in, ``(segment_index, segment_id, elements)`` out.

The delimiters are not fixed by the standard: every interchange declares its own in the
fixed-width ISA header (element separator at byte 3, repetition separator ISA11 at byte 82,
component separator ISA16 at byte 104, segment terminator at byte 105). A file may hold
several interchanges, each with different delimiters, and segments may sit on one line or
one per line. The file is read in chunks, so memory stays bounded whatever its size.

``elements[0]`` is the segment id, so ``elements[i]`` is the standard's ``XXi`` (NM103 is
``elements[3]``). ``segment_index`` counts segments from 1 (the first ISA) across the whole
file, damaged ones included, so a reviewer counting terminators lands on the same segment.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

from exposure.extract.base import ExtractError

ISA_LENGTH = 106  # "ISA" + 16 fixed-width elements and their separators + the terminator
CHUNK_BYTES = 1 << 20
MAX_SEGMENT_BYTES = 1 << 20  # real segments are a few hundred bytes; more means not X12
_ISA_SCAN_BYTES = 512  # a padded or unpadded ISA is always shorter than this
_BLANKS = b" \t\r\n\x00\x1a"  # after terminators: line breaks, padding, DOS end-of-file
_NEWLINES = (b"\r", b"\n")
_DAMAGE_SAMPLE = 100  # segments after which a mostly damaged file is given up on

Segment = tuple[int, str, list[str]]


class Delimiters(NamedTuple):
    element: str
    repetition: str  # "" when ISA11 is not a separator (the 4010 'U' standards id)
    component: str
    segment: str


def parse_isa(header: bytes) -> tuple[Delimiters, int]:
    """The delimiters an ISA header declares, and its length including the terminator.

    ``header`` starts at ``ISA``. The fixed 106-byte layout is checked first; a header whose
    elements were not padded to width is accepted when it still has its 16 elements.
    """
    if len(header) < 4 or header[:3] != b"ISA":
        raise ExtractError("malformed ISA header: the interchange does not start with ISA")
    element = header[3:4]
    if element.isalnum() or element in b" \r\n":
        raise ExtractError("malformed ISA header: byte 3 is not an element separator")
    if len(header) >= ISA_LENGTH and header[103:104] == element and header.count(element, 0, 104) == 16:
        return _delimiters(header[:105].split(element), element, header[105:106]), ISA_LENGTH
    scanned = header[:_ISA_SCAN_BYTES]
    fields = scanned.split(element, 16)
    if len(fields) < 17 or len(fields[16]) < 2:
        if len(header) < ISA_LENGTH:
            raise ExtractError(f"truncated ISA header: {len(header)} of {ISA_LENGTH} bytes")
        raise ExtractError("malformed ISA header: fewer than 16 elements before the segment terminator")
    length = len(scanned) - len(fields[16]) + 2  # up to ISA16 and the terminator after it
    return _delimiters([*fields[:16], fields[16][:1]], element, fields[16][1:2]), length


def _delimiters(fields: list[bytes], element: bytes, terminator: bytes) -> Delimiters:
    if len(fields) != 17:
        raise ExtractError("malformed ISA header: it does not have 16 elements")
    if not terminator or terminator.isalnum() or terminator == b" ":
        raise ExtractError("malformed ISA header: no segment terminator after ISA16")
    component = fields[16][:1]
    if not component or component.isalnum():
        raise ExtractError("malformed ISA header: ISA16 is not a component separator")
    repetition = fields[11][:1]
    version = fields[12].strip()
    # ISA11 became the repetition separator in 00402; before that it is the standards id 'U'.
    if repetition.isalnum() or repetition in (b"", b" ") or version < b"00402":
        repetition = b""
    chars = [c.decode("latin-1") for c in (element, repetition, component, terminator)]
    delimiters = Delimiters(*chars)
    used = [c for c in delimiters if c]
    if len(set(used)) != len(used):
        raise ExtractError("malformed ISA header: two delimiters are the same character")
    return delimiters


def _is_isa(piece: bytes) -> bool:
    return piece[:3] == b"ISA" and len(piece) > 3 and not piece[3:4].isalnum()


def _decode(piece: bytes) -> str:
    try:
        return piece.decode("utf-8")
    except UnicodeDecodeError:
        return piece.decode("cp1252", errors="replace")  # older mainframe exports: one byte per letter


def _is_segment_id(text: str) -> bool:
    return 2 <= len(text) <= 3 and text.isascii() and text.isalnum() and text[0].isalpha()


class X12Tokenizer:
    """Iterate over the segments of an X12 byte stream; ``delimiters`` are the current interchange's."""

    def __init__(self, stream: BinaryIO, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._stream = stream
        self._chunk_bytes = chunk_bytes
        self._eof = False
        self._unwrap = False  # 80-column mainframe wrapping: line breaks are not data
        self.delimiters: Delimiters | None = None
        self.segments = 0
        self.damaged = 0
        self.interchanges = 0

    def __iter__(self) -> Iterator[Segment]:
        buffer = self._read()
        if buffer.startswith(b"\xef\xbb\xbf"):
            buffer = buffer[3:]
        while True:
            buffer = buffer.lstrip(_BLANKS)
            while len(buffer) < _ISA_SCAN_BYTES and not self._eof:
                buffer += self._read()
                buffer = buffer.lstrip(_BLANKS)
            if not buffer:
                break
            if not _is_isa(buffer):
                if self.delimiters is None:
                    raise ExtractError("not an X12 file: it does not start with an ISA segment")
                raise ExtractError("damaged X12 file: unreadable data between interchanges")
            buffer = self._detect_wrapping(buffer)
            buffer = yield from self._interchange(buffer)
            if buffer is None:
                break
        self._check_damage(final=True)

    def _read(self) -> bytes:
        if self._eof:
            return b""
        data = self._stream.read(self._chunk_bytes)
        if not data:
            self._eof = True
            return b""
        if self._unwrap:
            data = data.replace(b"\r", b"").replace(b"\n", b"")
        return data

    def _detect_wrapping(self, buffer: bytes) -> bytes:
        """Mainframe exports break lines every 80 bytes, even inside the ISA: a line break before the
        16th element separator can only be such a wrap, and then no line break anywhere is data."""
        first_break = min((i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0), default=-1)
        if first_break < 0 or self._unwrap:
            return buffer
        if buffer.count(buffer[3:4], 0, first_break) >= 16:
            return buffer
        self._unwrap = True
        return buffer.replace(b"\r", b"").replace(b"\n", b"")

    def _interchange(self, buffer: bytes):  # noqa: ANN202 - generator returning the leftover bytes
        """Segments from one ISA on, until a later ISA declares other delimiters (leftover returned
        from that ISA on) or the file ends (None returned)."""
        delimiters, length = parse_isa(buffer[:_ISA_SCAN_BYTES])
        self.delimiters = delimiters
        self.interchanges += 1
        yield self._segment(buffer[: length - 1])
        buffer = buffer[length:]
        terminator = delimiters.segment.encode("latin-1")
        while True:
            cut = buffer.rfind(terminator)
            if cut < 0:
                if _is_isa(buffer.lstrip(_BLANKS)):
                    return buffer  # an interchange whose terminator is not ours: the caller re-reads its ISA
                if len(buffer) > MAX_SEGMENT_BYTES:
                    raise ExtractError("damaged X12 file: a segment longer than 1 MB has no terminator")
                more = self._read()
                if more:
                    buffer += more
                    continue
                if buffer.strip(_BLANKS):
                    yield self._segment(buffer.strip(_BLANKS))  # last segment without its terminator
                return None
            block, buffer = buffer[:cut], buffer[cut + 1 :]
            pieces = block.split(terminator)
            for number, piece in enumerate(pieces):
                piece = piece.strip(_BLANKS)
                if not piece:
                    continue
                if _is_isa(piece) and not self._same_delimiters(piece + terminator):
                    # The next interchange declares other delimiters: re-split from its ISA on.
                    return terminator.join(pieces[number:]) + terminator + buffer
                if _is_isa(piece):
                    self.interchanges += 1
                yield self._segment(piece)
            if len(buffer) < self._chunk_bytes:
                buffer += self._read()

    def _same_delimiters(self, isa: bytes) -> bool:
        try:
            delimiters, length = parse_isa(isa)
        except ExtractError:
            return False
        return delimiters == self.delimiters and length == len(isa)

    def _segment(self, piece: bytes) -> Segment:
        assert self.delimiters is not None
        self.segments += 1
        elements = _decode(piece).split(self.delimiters.element)
        segment_id = elements[0].strip().upper()
        if not _is_segment_id(segment_id):
            self.damaged += 1
            self._check_damage(final=False)
            return self.segments, "", elements
        elements[0] = segment_id
        return self.segments, segment_id, elements

    def _check_damage(self, final: bool) -> None:
        """Give up on files that are garbage after a plausible ISA, instead of reporting nobody."""
        sampled = self.segments == _DAMAGE_SAMPLE or (final and self.segments < _DAMAGE_SAMPLE)
        if sampled and self.damaged * 2 > self.segments:
            raise ExtractError(
                f"damaged X12 file: {self.damaged} of the first {self.segments} segments are unreadable"
            )
