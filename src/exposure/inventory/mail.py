"""E-mail as containers: the attachments of an RFC 822 / MIME message, the messages of an mbox.

An ``eml`` message is a document (its headers and body text are read by the
``eml`` reader of the extract stage) *and* a container: every MIME part that
is not inline body text (``text/plain`` / ``text/html``) is an attachment
member, attached messages (``message/rfc822``) included. An ``mbox`` is a
container only: each message is a member ``message-00001.eml``.

The readers here have the shape of ``archives.ArchiveReader`` so the inventory
extracts members exactly as it does for zip members (blob store, limits).
Parsing uses the standard library (``email`` with ``policy.default``); the
helpers that decide what a message's body is are shared with the reader.
"""

from __future__ import annotations

import codecs
import io
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from email import errors, policy
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from email.parser import BytesParser
from pathlib import Path
from typing import BinaryIO

from exposure.inventory.archives import (
    ArchiveItem,
    ArchiveReader,
    DamagedArchive,
    ExpansionBudget,
    LimitExceeded,
    plain_error,
)

# A message is parsed in memory (the email package has no streaming access to parts):
# larger messages are refused rather than risk exhausting memory.
MAX_MESSAGE_BYTES = 256 * 1024 * 1024

MAIL_TYPES = frozenset({"eml", "mbox"})
BODY_TYPES = ("text/plain", "text/html")
RFC822_TYPES = ("message/rfc822", "message/global")

_MAX_NAME_CHARS = 200
_MBOX_LINE_BYTES = 1024 * 1024  # read mbox lines in bounded pieces (a line may be huge)
# Extensions for nameless parts; other types fall back to the standard library's built-in table
# (never the machine's /etc/mime.types, so that names are the same everywhere).
_EXTENSIONS = {
    "text/plain": "txt",
    "text/csv": "csv",
    "text/html": "html",
    "text/calendar": "ics",
    "text/vcard": "vcf",
    "text/x-vcard": "vcf",
    "message/rfc822": "eml",
    "message/global": "eml",
    "message/delivery-status": "txt",
    "message/disposition-notification": "txt",
    "text/rfc822-headers": "txt",
    "application/octet-stream": "bin",
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/ms-tnef": "dat",
    "application/vnd.ms-tnef": "dat",
}
_BUILTIN_TYPES = mimetypes.MimeTypes()
# Re-serialising an attached message: header lines as they were, 8-bit bodies kept as bytes.
_SERIALISE = policy.default.clone(refold_source="none", cte_type="8bit", max_line_length=0)


# ------------------------------------------------------------------------------ parsing


def read_message_bytes(path: Path) -> bytes:
    """The bytes of the message at ``path``, ready for the parser (see ``normalise_message_bytes``).

    Raises ``LimitExceeded`` for a message too large to parse in memory.
    """
    size = Path(path).stat().st_size
    if size > MAX_MESSAGE_BYTES:
        raise LimitExceeded(
            f"too large to open as e-mail: {size} bytes exceeds the limit of {MAX_MESSAGE_BYTES} bytes",
            whole_archive=True,
        )
    return normalise_message_bytes(Path(path).read_bytes())


def normalise_message_bytes(raw: bytes) -> bytes:
    """Undo a text encoding applied to the whole file: a message saved as UTF-16 (or UTF-32)
    is decoded and re-encoded as UTF-8, a UTF-8 byte order mark is dropped.

    Without this the parser sees no header at all in a UTF-16 file.
    """
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, None),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if raw.startswith(bom):
            if encoding is None:
                return raw[len(bom) :]
            return raw.decode(encoding, "replace").encode("utf-8", "surrogateescape")
    encoding = _utf16_without_bom(raw)
    if encoding:
        body = raw[: len(raw) - len(raw) % 2]
        return body.decode(encoding, "replace").encode("utf-8")
    return raw


def _utf16_without_bom(raw: bytes) -> str | None:
    """ASCII headers in UTF-16 have a zero in every other byte; 8-bit mail has almost none."""
    sample = raw[:4096]
    pairs = len(sample) // 2
    if pairs < 8:
        return None
    zeros_even = sample[0 : 2 * pairs : 2].count(0) / pairs
    zeros_odd = sample[1 : 2 * pairs : 2].count(0) / pairs
    if zeros_odd > 0.4 and zeros_even < 0.05:
        return "utf-16-le"
    if zeros_even > 0.4 and zeros_odd < 0.05:
        return "utf-16-be"
    return None


def parse_message(raw: bytes) -> EmailMessage:
    """Parse message bytes (``policy.default``); raises ``DamagedArchive`` if the parser gives up."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # noqa: BLE001 - the parser is lenient; anything it raises is damage
        raise DamagedArchive(f"damaged message: {plain_error(exc)}") from None
    assert isinstance(message, EmailMessage)
    return message


def message_damage(message: Message) -> str:
    """A plain reason when the message's structure is broken, else ''.

    ``truncated`` means the file ends inside a multipart body: the parts read so
    far are kept (like the members of a truncated tar), the message is failed.
    """
    defects = message.defects
    no_boundary = (errors.StartBoundaryNotFoundDefect, errors.NoBoundaryInMultipartDefect)
    if any(isinstance(d, no_boundary) for d in defects):
        return "damaged message: multipart body without its MIME boundaries"
    if any(isinstance(d, errors.CloseBoundaryNotFoundDefect) for d in defects):
        return "damaged message: truncated (the file ends inside a MIME part)"
    return ""


def is_rfc822(part: Message) -> bool:
    return part.get_content_type() in RFC822_TYPES


def is_body_text(part: Message) -> bool:
    """Inline text of the message itself (read by the reader), as opposed to an attachment (a member)."""
    if part.is_multipart() or part.get_content_type() not in BODY_TYPES:
        return False
    return part.get_content_disposition() != "attachment" and not part.get_filename()


def leaf_parts(message: Message) -> list[Message]:
    """Every non-multipart part in order; an attached message is one leaf (its parts are its own)."""
    leaves: list[Message] = []
    stack: list[Message] = [message]
    while stack:
        part = stack.pop()
        if part.is_multipart() and not (part is not message and part.get_content_maintype() == "message"):
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(reversed(payload))
                continue
        leaves.append(part)
    return leaves


def attachment_parts(message: Message) -> list[Message]:
    """The parts that become members: every leaf that is not inline body text.

    A message that is a single non-text part (a bare PDF sent as the whole body) has that one member.
    """
    return [
        part
        for part in leaf_parts(message)
        if not is_body_text(part) and (part is not message or _has_payload(part))
    ]


def _has_payload(part: Message) -> bool:
    payload = part.get_payload()
    return bool(payload.strip()) if isinstance(payload, str) else bool(payload)


def part_bytes(part: Message) -> bytes:
    """The bytes of an attachment as the sender attached them (transfer encoding undone).

    An attached message is written out again from its parsed form, so its bytes
    may differ slightly from the original (line endings, header folding).
    """
    if part.get_content_maintype() == "message" and part.is_multipart():
        payload = part.get_payload()
        if is_rfc822(part) and isinstance(payload, list) and len(payload) == 1:
            return _serialise(payload[0])
        # message/delivery-status and the like: blocks of header lines.
        return b"\n".join(_serialise(block) for block in payload if isinstance(block, Message))
    data = part.get_payload(decode=True)
    if any(isinstance(d, errors.InvalidBase64LengthDefect) for d in part.defects):
        raise DamagedArchive("damaged attachment: invalid base64 data")
    if isinstance(data, bytes):
        return data
    return b""


def _serialise(message: Message) -> bytes:
    buffer = io.BytesIO()
    BytesGenerator(buffer, mangle_from_=False, policy=_SERIALISE).flatten(message)
    return buffer.getvalue()


def attachment_name(part: Message, position: int) -> str:
    """The member name of an attachment: its file name made safe, or ``attachment-N.<ext>``."""
    try:
        raw = part.get_filename() or ""
    except Exception:  # noqa: BLE001 - a malformed parameter is a nameless part
        raw = ""
    name = clean_file_name(str(raw))
    if name:
        return name
    return f"attachment-{position}.{extension_for(part.get_content_type())}"


def clean_file_name(name: str) -> str:
    """The last path component, without control characters or the member separator '!'."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join("_" if ch < " " or ch in "\x7f!" else ch for ch in name).strip()
    if name.strip(".") == "":
        return ""
    if len(name) > _MAX_NAME_CHARS:
        stem, dot, suffix = name.rpartition(".")
        keep = f"{dot}{suffix}" if dot and stem and len(suffix) <= 16 else ""
        name = name[: _MAX_NAME_CHARS - len(keep)] + keep
    return name


def extension_for(content_type: str) -> str:
    if content_type in _EXTENSIONS:
        return _EXTENSIONS[content_type]
    guessed = _BUILTIN_TYPES.guess_extension(content_type)
    return guessed.lstrip(".") if guessed else "bin"


# ------------------------------------------------------------------------------ readers


class EmlReader(ArchiveReader):
    """The attachments of one message, all known once the message is parsed."""

    listing_known = True

    def __init__(self, path: Path):
        message = parse_message(read_message_bytes(path))
        self.damage = message_damage(message)
        if self.damage.startswith("damaged message: multipart body"):
            raise DamagedArchive(self.damage)
        try:
            self._parts = attachment_parts(message)
            leaves = leaf_parts(message)
        except Exception as exc:  # noqa: BLE001 - headers the email package chokes on
            raise DamagedArchive(f"damaged message: {plain_error(exc)}") from None
        # In a truncated message the last part is cut off where the file ends.
        self._cut = leaves[-1] if self.damage and leaves and leaves[-1] in self._parts else None
        self.member_count = len(self._parts)

    def items(self) -> Iterator[ArchiveItem]:
        for position, part in enumerate(self._parts, start=1):
            item = ArchiveItem(name=attachment_name(part, position), kind="file")
            if is_rfc822(part):
                item.type = "eml"
            if part is self._cut:
                item.problem = "damaged attachment: cut off where the message ends"
            item.open = _opener(part)
            yield item
        if self.damage:
            raise DamagedArchive(self.damage)


def _opener(part: Message):  # noqa: ANN202 - a closure per part
    def open_part() -> BinaryIO:
        try:
            return io.BytesIO(part_bytes(part))
        except DamagedArchive:
            raise
        except Exception as exc:  # noqa: BLE001 - broken encodings inside one part fail that part only
            raise DamagedArchive(f"damaged attachment: {plain_error(exc)}") from None

    return open_part


class MboxReader(ArchiveReader):
    """The messages of an mbox, streamed one after another (``message-00001.eml`` ...).

    Split as the standard library's ``mailbox.mbox`` does (every line starting
    with ``From `` begins a message; the blank line before it belongs to no
    message; the ``From `` line itself is not part of the message) but in one
    pass over a read-only file: ``mailbox.mbox`` opens its file for writing when
    it may, and INPUT files are never opened for writing.
    """

    def __init__(self, file: BinaryIO, budget: ExpansionBudget):
        self._file = file
        self._budget = budget
        self._line = b""
        self._at_line_start = True
        self._starts_line = True
        self._open_message = False

    def _next_line(self) -> bytes:
        """The next piece of a line (a whole line unless it is very long), b'' at the end."""
        starts_line = self._at_line_start
        piece = self._file.readline(_MBOX_LINE_BYTES)
        self._at_line_start = piece.endswith(b"\n")
        self._starts_line = starts_line
        return piece

    def _is_separator(self, piece: bytes) -> bool:
        return self._starts_line and piece.startswith(b"From ")

    def items(self) -> Iterator[ArchiveItem]:
        piece = self._next_line()
        if piece.startswith(b"\xef\xbb\xbf"):
            piece = piece[3:]
        while piece and not self._is_separator(piece):
            piece = self._next_line()  # text before the first "From " line is not a message
        number = 0
        while piece:
            while not self._at_line_start:  # the rest of a long "From " line
                if not self._next_line():
                    return
            number += 1
            self._open_message = True
            yield ArchiveItem(
                name=f"message-{number:05d}.eml", kind="file", type="eml", open=lambda: _MessageStream(self)
            )
            for _ in self.message_pieces():  # the rest of a message nobody read
                self._budget.check_time()
            piece = self._line

    def message_pieces(self) -> Iterator[bytes]:
        """The pieces of the current message; leaves the next ``From `` line in ``self._line``."""
        if not self._open_message:
            return
        held = b""  # a blank line: part of the message only if more of the message follows
        while True:
            piece = self._next_line()
            if not piece or self._is_separator(piece):
                self._line, self._open_message = piece, False
                return
            if self._starts_line and piece in (b"\n", b"\r\n"):
                if held:
                    yield held
                held = piece
                continue
            if held:
                yield held
                held = b""
            yield piece


class _MessageStream:
    """One mbox message as a readable stream of bytes."""

    def __init__(self, reader: MboxReader):
        self._pieces = reader.message_pieces()
        self._buffer = b""

    def read(self, n: int = -1) -> bytes:
        chunks = [self._buffer]
        size = len(self._buffer)
        while n < 0 or size < n:
            piece = next(self._pieces, b"")
            if not piece:
                break
            chunks.append(piece)
            size += len(piece)
        data = b"".join(chunks)
        if n < 0:
            self._buffer = b""
            return data
        self._buffer = data[n:]
        return data[:n]


@contextmanager
def open_mail(kind: str, path: Path, name: str, budget: ExpansionBudget) -> Iterator[ArchiveReader]:
    """Open an ``eml`` or ``mbox`` file for reading its members (the shape of ``open_archive``).

    Raises ``DamagedArchive`` when a message cannot be parsed, ``LimitExceeded``
    when it is too large to parse.
    """
    if kind == "eml":
        yield EmlReader(Path(path))
    elif kind == "mbox":
        with Path(path).open("rb") as raw:
            yield MboxReader(raw, budget)
    else:
        raise DamagedArchive(f"mail format not supported: {kind}")
