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
import datetime as dt
import email.utils
import functools
import io
import mimetypes
import re
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import errors, policy
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from email.parser import BytesParser
from pathlib import Path
from typing import BinaryIO

import olefile

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

MAIL_TYPES = frozenset({"eml", "mbox", "msg", "pst"})
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
    elif kind == "msg":
        with open_msg(Path(path)) as item:
            yield MsgReader(item)
    elif kind == "pst":
        with open_pst(Path(path), budget) as reader:
            yield reader
    elif kind == "mbox":
        with Path(path).open("rb") as raw:
            yield MboxReader(raw, budget)
    else:
        raise DamagedArchive(f"mail format not supported: {kind}")


# ------------------------------------------------------------------------------ Outlook items
#
# An Outlook item (a message, a contact, an appointment) is a set of MAPI properties, found in an
# MSG file's OLE streams or in a PST's record sets. Both become the same ``OutlookItem`` here,
# so that an item is turned into e-mail (headers, body, attachments) or contact text one way.

PR_MESSAGE_CLASS = 0x001A
PR_SUBJECT = 0x0037
PR_CLIENT_SUBMIT_TIME = 0x0039
PR_SENT_REPRESENTING_NAME = 0x0042
PR_SENT_REPRESENTING_EMAIL = 0x0065
PR_TRANSPORT_HEADERS = 0x007D
PR_SENDER_NAME = 0x0C1A
PR_SENDER_ADDRTYPE = 0x0C1E
PR_SENDER_EMAIL = 0x0C1F
PR_RECIPIENT_TYPE = 0x0C15
PR_DISPLAY_BCC = 0x0E02
PR_DISPLAY_CC = 0x0E03
PR_DISPLAY_TO = 0x0E04
PR_DELIVERY_TIME = 0x0E06
PR_BODY = 0x1000
PR_RTF_COMPRESSED = 0x1009
PR_BODY_HTML = 0x1013
PR_DISPLAY_NAME = 0x3001
PR_ADDRTYPE = 0x3002
PR_EMAIL_ADDRESS = 0x3003
PR_ATTACH_DATA = 0x3701
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_MIME_TAG = 0x370E
PR_SMTP_ADDRESS = 0x39FE
PR_SENDER_SMTP_ADDRESS = 0x5D01
PR_INTERNET_CPID = 0x3FDE
PR_MESSAGE_CODEPAGE = 0x3FFD
PR_BIRTHDAY = 0x3A42

PT_STRING8 = 0x001E
PT_UNICODE = 0x001F
PT_BINARY = 0x0102
PT_OBJECT = 0x000D
PT_SYSTIME = 0x0040

ATTACH_BY_VALUE = 1
ATTACH_EMBEDDED_MSG = 5
ATTACH_OLE = 6

# Contact fields, in the order they are written: (label, property id).
CONTACT_NAME_FIELDS = (
    ("Title", 0x3A45),
    ("First name", 0x3A06),
    ("Middle name", 0x3A44),
    ("Last name", 0x3A11),
    ("Suffix", 0x3A05),
    ("Nickname", 0x3A4F),
)
CONTACT_PHONE_FIELDS = (
    ("Home phone", 0x3A09),
    ("Home phone 2", 0x3A2F),
    ("Mobile phone", 0x3A1C),
    ("Business phone", 0x3A08),
    ("Business phone 2", 0x3A1B),
    ("Primary phone", 0x3A1A),
    ("Other phone", 0x3A1F),
    ("Car phone", 0x3A1E),
    ("Pager", 0x3A21),
    ("Home fax", 0x3A25),
    ("Business fax", 0x3A24),
)
# (label, street, city, state, postal code, country)
CONTACT_ADDRESS_FIELDS = (
    ("Home address", 0x3A5D, 0x3A59, 0x3A5C, 0x3A5B, 0x3A5A),
    ("Business address", 0x3A29, 0x3A27, 0x3A28, 0x3A2A, 0x3A26),
    ("Other address", 0x3A63, 0x3A5F, 0x3A62, 0x3A61, 0x3A60),
)
CONTACT_OTHER_FIELDS = (
    ("Government ID", 0x3A07),
    ("Company", 0x3A16),
    ("Job title", 0x3A17),
    ("Department", 0x3A18),
)
PR_POSTAL_ADDRESS = 0x3A15
_EMAIL_VALUE = re.compile(r"[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[A-Za-z]{2,}")
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
_MAX_SUBJECT_CHARS = 80


@dataclass
class OutlookAttachment:
    name: str  # as stored, not yet cleaned
    method: int
    data: Callable[[], bytes] | None = None  # the attached file's bytes
    item: Callable[[], OutlookItem] | None = None  # an attached (embedded) message
    mime_type: str = ""
    problem: str = ""  # why its bytes cannot be had


@dataclass
class OutlookRecipient:
    name: str
    address: str
    kind: int  # 1 To, 2 Cc, 3 Bcc


class OutlookItem:
    """The MAPI properties of one item; subclasses read them from an MSG or a PST."""

    def string(self, prop_id: int) -> str:
        raise NotImplementedError

    def binary(self, prop_id: int) -> bytes | None:
        raise NotImplementedError

    def time(self, prop_id: int) -> dt.datetime | None:
        raise NotImplementedError

    def named_strings(self) -> list[str]:
        """The text values of named properties (0x8000 and up): where contacts keep their e-mail addresses."""
        raise NotImplementedError

    def recipients(self) -> list[OutlookRecipient]:
        raise NotImplementedError

    def attachments(self) -> list[OutlookAttachment]:
        raise NotImplementedError

    @property
    def message_class(self) -> str:
        return self.string(PR_MESSAGE_CLASS)

    @property
    def is_contact(self) -> bool:
        return self.message_class.lower().startswith("ipm.contact")

    @property
    def subject(self) -> str:
        subject = self.string(PR_SUBJECT)
        if subject.startswith("\x01") and len(subject) >= 2:
            subject = subject[2:]  # a PST subject may start with 0x01 and the length of its prefix
        return subject


def _one_line(text: str) -> str:
    """A property value as one line of text (control characters and line breaks become spaces)."""
    return " ".join("".join(" " if ch < " " or ch == "\x7f" else ch for ch in text).split())


def filetime(raw: bytes) -> dt.datetime | None:
    """A Windows FILETIME (100 ns steps since 1601) as an aware datetime, None when unset or absurd."""
    if len(raw) < 8:
        return None
    ticks = struct.unpack_from("<Q", raw)[0]
    if ticks == 0 or ticks >= 0x7FFFFFFFFFFFFFFF:
        return None
    try:
        return _FILETIME_EPOCH + dt.timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None


def contact_text(item: OutlookItem) -> str:
    """A contact's fields, one ``Label: value`` line each (``Name:``, ``Email:``, phones, addresses)."""
    lines: list[str] = []

    def add(label: str, value: str) -> None:
        value = _one_line(value).strip(" ,")
        if value:
            lines.append(f"{label}: {value}\n")

    add("Name", item.string(PR_DISPLAY_NAME) or item.subject)
    for label, prop in CONTACT_NAME_FIELDS:
        add(label, item.string(prop))
    for address in contact_emails(item):
        add("Email", address)
    for label, prop in CONTACT_PHONE_FIELDS:
        add(label, item.string(prop))
    structured = False
    for label, street, city, state, postal, country in CONTACT_ADDRESS_FIELDS:
        region = " ".join(p for p in (item.string(state), item.string(postal)) if p.strip())
        parts = [item.string(street), item.string(city), region, item.string(country)]
        value = ", ".join(_one_line(p) for p in parts if p.strip())
        structured = structured or bool(value)
        add(label, value)
    if not structured:
        add("Mailing address", ", ".join(item.string(PR_POSTAL_ADDRESS).splitlines()))
    birthday = item.time(PR_BIRTHDAY)
    if birthday is not None:
        # Outlook stores a birthday as local midnight in UTC: the date is the one nearest to it.
        add("Birthday", (birthday + dt.timedelta(hours=12)).date().isoformat())
    for label, prop in CONTACT_OTHER_FIELDS:
        add(label, item.string(prop))
    return "".join(lines)


def contact_emails(item: OutlookItem) -> list[str]:
    """A contact's e-mail addresses: named properties whose whole value is an address (no name map needed)."""
    found: dict[str, None] = {}
    for value in item.named_strings():
        value = value.strip()
        if _EMAIL_VALUE.fullmatch(value):
            found.setdefault(value.lower(), None)
    return list(found)


def outlook_email(
    item: OutlookItem, with_attachments: bool, max_bytes: int = MAX_MESSAGE_BYTES
) -> EmailMessage:
    """An item as an RFC 822 message: headers, the plain and/or HTML body, and (optionally) attachments.

    Attached messages become attached ``message/rfc822`` parts. ``max_bytes`` bounds the attachment
    bytes held in memory (``LimitExceeded`` past it).
    """
    message = EmailMessage()
    for name, value in outlook_headers(item):
        try:
            message[name] = value
        except (ValueError, TypeError):
            continue  # a value the header registry refuses: the reader still shows the body
    plain, html = outlook_bodies(item)
    if plain and html:
        message.set_content(plain)
        message.add_alternative(html, subtype="html")
    elif html:
        message.set_content(html, subtype="html")
    else:
        message.set_content(plain or "")
    if with_attachments:
        budget = [max_bytes]
        for position, attachment in enumerate(item.attachments(), start=1):
            _attach(message, attachment, position, budget)
    return message


def outlook_headers(item: OutlookItem) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    sender = _sender(item)
    if sender:
        headers.append(("From", sender))
    by_kind: dict[int, list[str]] = {1: [], 2: [], 3: []}
    for recipient in item.recipients():
        by_kind.setdefault(recipient.kind, []).append(_mailbox(recipient.name, recipient.address))
    for kind, name, display in (
        (1, "To", PR_DISPLAY_TO),
        (2, "Cc", PR_DISPLAY_CC),
        (3, "Bcc", PR_DISPLAY_BCC),
    ):
        mailboxes = [m for m in by_kind.get(kind, []) if m]
        if not mailboxes:  # no recipient table: the display string lists names separated by ';'
            mailboxes = [_mailbox(n, "") for n in item.string(display).split(";") if _one_line(n)]
        if mailboxes:
            headers.append((name, ", ".join(mailboxes)))
    subject = _one_line(item.subject)
    if subject:
        headers.append(("Subject", subject))
    sent = item.time(PR_CLIENT_SUBMIT_TIME) or item.time(PR_DELIVERY_TIME)
    if sent is not None:
        headers.append(("Date", email.utils.format_datetime(sent)))
    return headers


def _sender(item: OutlookItem) -> str:
    name = item.string(PR_SENDER_NAME) or item.string(PR_SENT_REPRESENTING_NAME)
    address = item.string(PR_SENDER_SMTP_ADDRESS)
    if not address and item.string(PR_SENDER_ADDRTYPE).upper() in ("SMTP", ""):
        address = item.string(PR_SENDER_EMAIL)
    if not _EMAIL_VALUE.fullmatch(address.strip()):
        address = item.string(PR_SENT_REPRESENTING_EMAIL)
    return _mailbox(name, address)


def _mailbox(name: str, address: str) -> str:
    """``"Name" <address>`` for a header; a name alone, an address alone, or '' when there is neither."""
    name, address = _one_line(name).strip("'\" "), _one_line(address)
    if not _EMAIL_VALUE.fullmatch(address):
        address = ""
    if name.lower() == address.lower():
        name = ""
    if not address:
        return name  # a display name without an address (Outlook's internal recipients)
    return email.utils.formataddr((name, address), charset="utf-8") if name else address


def outlook_bodies(item: OutlookItem) -> tuple[str, str]:
    """The plain text body and the HTML body ('' when absent)."""
    plain = item.string(PR_BODY).replace("\r\n", "\n").replace("\x00", "")
    html_raw = item.binary(PR_BODY_HTML)
    html = ""
    if html_raw:
        html = html_raw.decode(_codepage(item) or "utf-8", "replace").replace("\x00", "")
    elif item.string(PR_BODY_HTML):
        html = item.string(PR_BODY_HTML)
    return plain, html


def rtf_body(item: OutlookItem) -> bytes:
    """The RTF body (decompressed) of an item that has no plain or HTML body, else b''."""
    if any(outlook_bodies(item)):
        return b""
    raw = item.binary(PR_RTF_COMPRESSED)
    if not raw:
        return b""
    try:
        from compressed_rtf import decompress  # MIT; only needed for RTF-only messages

        return bytes(decompress(raw))
    except Exception:  # noqa: BLE001 - a damaged RTF body is left out, the rest of the item is read
        return b""


def _codepage(item: OutlookItem) -> str | None:
    for prop in (PR_INTERNET_CPID, PR_MESSAGE_CODEPAGE):
        number = item.integer(prop) if hasattr(item, "integer") else None
        if number:
            name = _CODEPAGES.get(number, f"cp{number}")
            try:
                codecs.lookup(name)
                return name
            except LookupError:
                continue
    return None


_CODEPAGES = {65001: "utf-8", 20127: "ascii", 28591: "latin-1", 1200: "utf-16-le", 50220: "iso2022_jp"}


def _attach(message: EmailMessage, attachment: OutlookAttachment, position: int, budget: list[int]) -> None:
    name = clean_file_name(attachment.name)
    if attachment.item is not None:
        inner = outlook_email(attachment.item(), with_attachments=True, max_bytes=budget[0])
        filename = name if name.lower().endswith(".eml") else f"{embedded_name(attachment, position)}"
        message.add_attachment(inner, filename=filename)
        return
    if attachment.data is None:
        return
    data = attachment.data()
    budget[0] -= len(data)
    if budget[0] < 0:
        raise LimitExceeded(
            f"too large to open as e-mail: more than {MAX_MESSAGE_BYTES} bytes of attachments",
            whole_archive=False,
        )
    maintype, subtype = _mime_type(attachment, name).split("/", 1)
    message.add_attachment(
        data, maintype=maintype, subtype=subtype, filename=name or f"attachment-{position}.bin"
    )


def _mime_type(attachment: OutlookAttachment, name: str) -> str:
    declared = attachment.mime_type.strip().lower()
    if re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", declared):
        return declared
    guessed, _ = _BUILTIN_TYPES.guess_type(name or "x.bin", strict=False)
    return guessed or "application/octet-stream"


def embedded_name(attachment: OutlookAttachment, position: int) -> str:
    """The member name of an attached message: its display name (or subject) + ``.eml``."""
    base = clean_file_name(attachment.name)
    if not base and attachment.item is not None:
        base = clean_file_name(_one_line(attachment.item().subject))
    base = base[:_MAX_SUBJECT_CHARS].strip() or f"attachment-{position}"
    return f"{base}.eml"


# ------------------------------------------------------------------------------ MSG (OLE) files


class MsgItem(OutlookItem):
    """An item in an MSG file: the message at the root, or one attached inside it (``prefix``)."""

    def __init__(self, ole: olefile.OleFileIO, prefix: tuple[str, ...] = (), header_size: int = 32):
        self._ole = ole
        self._prefix = prefix
        self._header_size = header_size
        self._fixed: dict[int, tuple[int, bytes]] | None = None
        self._children: list[str] | None = None

    def _stream(self, name: str) -> bytes | None:
        path = [*self._prefix, name]
        try:
            if self._ole.get_type(path) != olefile.STGTY_STREAM:
                return None
            return self._ole.openstream(path).read()
        except Exception:  # noqa: BLE001 - a broken stream is a missing property
            return None

    def string(self, prop_id: int) -> str:
        raw = self._stream(f"__substg1.0_{prop_id:04X}{PT_UNICODE:04X}")
        if raw is not None:
            return raw.decode("utf-16-le", "replace").rstrip("\x00")
        raw = self._stream(f"__substg1.0_{prop_id:04X}{PT_STRING8:04X}")
        if raw is not None:
            return raw.decode(_codepage(self) or "cp1252", "replace").rstrip("\x00")
        return ""

    def binary(self, prop_id: int) -> bytes | None:
        return self._stream(f"__substg1.0_{prop_id:04X}{PT_BINARY:04X}")

    def _fixed_properties(self) -> dict[int, tuple[int, bytes]]:
        """Fixed-size values from ``__properties_version1.0``: id -> (type, 8 value bytes)."""
        if self._fixed is None:
            self._fixed = {}
            raw = self._stream("__properties_version1.0") or b""
            for offset in range(self._header_size, len(raw) - 15, 16):
                tag = struct.unpack_from("<I", raw, offset)[0]
                self._fixed[tag >> 16] = (tag & 0xFFFF, raw[offset + 8 : offset + 16])
        return self._fixed

    def integer(self, prop_id: int) -> int | None:
        found = self._fixed_properties().get(prop_id)
        if found is None or found[0] not in (0x0002, 0x0003, 0x000B):
            return None
        return struct.unpack_from("<i", found[1])[0]

    def time(self, prop_id: int) -> dt.datetime | None:
        found = self._fixed_properties().get(prop_id)
        return filetime(found[1]) if found and found[0] == PT_SYSTIME else None

    def _names(self) -> list[str]:
        if self._children is None:
            depth = len(self._prefix)
            self._children = sorted(
                {
                    entry[depth]
                    for entry in self._ole.listdir(streams=True, storages=True)
                    if len(entry) > depth and tuple(entry[:depth]) == self._prefix
                }
            )
        return self._children

    def named_strings(self) -> list[str]:
        values = []
        for name in self._names():
            match = re.fullmatch(r"__substg1\.0_([89A-F][0-9A-F]{3})(001F|001E)", name)
            if match:
                values.append(self.string(int(match.group(1), 16)))
        return values

    def recipients(self) -> list[OutlookRecipient]:
        found = []
        for name in self._names():
            if name.startswith("__recip_version1.0_"):
                recipient = MsgItem(self._ole, (*self._prefix, name), header_size=8)
                address = recipient.string(PR_SMTP_ADDRESS)
                if not address and recipient.string(PR_ADDRTYPE).upper() in ("SMTP", ""):
                    address = recipient.string(PR_EMAIL_ADDRESS)
                kind = recipient.integer(PR_RECIPIENT_TYPE) or 1
                found.append(OutlookRecipient(recipient.string(PR_DISPLAY_NAME), address, kind & 0x0F))
        return found

    def attachments(self) -> list[OutlookAttachment]:
        found = []
        for name in self._names():
            if not name.startswith("__attach_version1.0_"):
                continue
            part = MsgItem(self._ole, (*self._prefix, name), header_size=8)
            label = (
                part.string(PR_ATTACH_LONG_FILENAME)
                or part.string(PR_ATTACH_FILENAME)
                or part.string(PR_DISPLAY_NAME)
            )
            method = part.integer(PR_ATTACH_METHOD) or ATTACH_BY_VALUE
            embedded = (*part._prefix, f"__substg1.0_{PR_ATTACH_DATA:04X}{PT_OBJECT:04X}")
            attachment = OutlookAttachment(label, method, mime_type=part.string(PR_ATTACH_MIME_TAG))
            if method == ATTACH_EMBEDDED_MSG and self._ole.exists(list(embedded)):
                attachment.item = functools.partial(MsgItem, self._ole, embedded, 24)
            elif method != ATTACH_OLE:
                data = part.binary(PR_ATTACH_DATA)
                if data is not None:
                    attachment.data = functools.partial(_constant, data)
            found.append(attachment)
        return found


def _constant(data: bytes) -> bytes:
    return data


@contextmanager
def open_msg(path: Path) -> Iterator[MsgItem]:
    """The root item of the MSG file at ``path``; ``DamagedArchive`` when it is not a readable MSG."""
    size = Path(path).stat().st_size
    if size > MAX_MESSAGE_BYTES:
        raise LimitExceeded(
            f"too large to open as e-mail: {size} bytes exceeds the limit of {MAX_MESSAGE_BYTES} bytes",
            whole_archive=True,
        )
    try:
        ole = olefile.OleFileIO(str(path))
    except Exception as exc:  # noqa: BLE001 - olefile raises several kinds of errors on broken files
        raise DamagedArchive(f"damaged message: {plain_error(exc)}") from None
    try:
        yield MsgItem(ole)
    finally:
        ole.close()


class MsgReader(ArchiveReader):
    """The attachments of an MSG: attached files by their names, attached messages as ``<name>.eml``
    (RFC 822, built with the standard library, so that their own attachments are members of them in
    turn), and the RTF body as ``message-body.rtf`` when the message has no other body.
    """

    listing_known = True

    def __init__(self, item: OutlookItem):
        self._item = item
        try:
            self._attachments = item.attachments()
            self._rtf = rtf_body(item) if not item.is_contact else b""
        except Exception as exc:  # noqa: BLE001
            raise DamagedArchive(f"damaged message: {plain_error(exc)}") from None
        self.member_count = len(self._attachments) + bool(self._rtf)

    def items(self) -> Iterator[ArchiveItem]:
        yield from outlook_attachment_items(self._attachments)
        if self._rtf:
            yield ArchiveItem(
                name="message-body.rtf", kind="file", open=functools.partial(io.BytesIO, self._rtf)
            )


def outlook_attachment_items(attachments: list[OutlookAttachment], prefix: str = "") -> Iterator[ArchiveItem]:
    for position, attachment in enumerate(attachments, start=1):
        if attachment.item is not None:
            name = embedded_name(attachment, position)
            yield ArchiveItem(name=prefix + name, kind="file", type="eml", open=_embedded_opener(attachment))
            continue
        name = clean_file_name(attachment.name) or f"attachment-{position}.bin"
        item = ArchiveItem(name=prefix + name, kind="file")
        if attachment.data is not None:
            item.open = _data_opener(attachment)
        elif attachment.problem:
            item.problem = attachment.problem
        elif attachment.method == ATTACH_OLE:
            item.problem = "embedded OLE object: not supported"
        elif attachment.method in (2, 3, 4):
            item.problem = "attached by reference: the file is not inside the message"
        else:
            item.problem = "damaged attachment: no data"
        yield item


def _data_opener(attachment: OutlookAttachment) -> Callable[[], BinaryIO]:
    def open_data() -> BinaryIO:
        assert attachment.data is not None
        try:
            return io.BytesIO(attachment.data())
        except Exception as exc:  # noqa: BLE001
            raise DamagedArchive(f"damaged attachment: {plain_error(exc)}") from None

    return open_data


def _embedded_opener(attachment: OutlookAttachment) -> Callable[[], BinaryIO]:
    def open_embedded() -> BinaryIO:
        assert attachment.item is not None
        try:
            return io.BytesIO(_serialise(outlook_email(attachment.item(), with_attachments=True)))
        except LimitExceeded:
            raise
        except Exception as exc:  # noqa: BLE001
            raise DamagedArchive(f"damaged attached message: {plain_error(exc)}") from None

    return open_embedded


# ------------------------------------------------------------------------------ PST / OST files
#
# A PST (or OST) is a container of items. Each becomes one member named
#   <folder path>/<NNNNN> <subject>.eml    a message, appointment, task ... as RFC 822 (+ attachments)
#   <folder path>/<NNNNN> <name>.txt       a contact, as ``Name: ... / Email: ...`` lines
# where the folder path runs from the top of the store (``Top of Personal Folders/Inbox``) and
# NNNNN is the item's 1-based position in its folder, so names are unique and stable between runs.
# Attached Outlook items inside a PST item (libpff cannot read them) are failed members
# ``<NNNNN> <subject> attachment-K``. A PST "password" is only a check made by Outlook; the data
# is not encrypted with it, and libpff reads such a file like any other.

_PST_STRING_TYPES = (PT_UNICODE, PT_STRING8)
_PST_MAX_FOLDER_DEPTH = 100


class PstItem(OutlookItem):
    """An item of a PST read through libpff's record sets (``pypff.message`` or a recipient set)."""

    def __init__(self, entries: dict[int, object], source: object | None = None):
        self._entries = entries
        self._source = source

    @classmethod
    def of(cls, pff_item: object) -> PstItem:
        return cls(_record_entries(pff_item, 0), pff_item)

    def _entry(self, prop_id: int) -> object | None:
        return self._entries.get(prop_id)

    def string(self, prop_id: int) -> str:
        entry = self._entry(prop_id)
        if entry is None or entry.value_type not in _PST_STRING_TYPES:  # type: ignore[attr-defined]
            return ""
        try:
            return (entry.get_data_as_string() or "").rstrip("\x00")  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - an undecodable value is a missing one
            return ""

    def binary(self, prop_id: int) -> bytes | None:
        entry = self._entry(prop_id)
        if entry is None or entry.value_type != PT_BINARY:  # type: ignore[attr-defined]
            return None
        try:
            return entry.data  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001
            return None

    def integer(self, prop_id: int) -> int | None:
        entry = self._entry(prop_id)
        if entry is None or entry.value_type not in (0x0002, 0x0003):  # type: ignore[attr-defined]
            return None
        try:
            return int(entry.get_data_as_integer())  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001
            return None

    def time(self, prop_id: int) -> dt.datetime | None:
        entry = self._entry(prop_id)
        if entry is None or entry.value_type != PT_SYSTIME:  # type: ignore[attr-defined]
            return None
        try:
            return filetime(entry.data)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001
            return None

    def named_strings(self) -> list[str]:
        return [self.string(prop) for prop in sorted(self._entries) if prop >= 0x8000]

    def recipients(self) -> list[OutlookRecipient]:
        table = getattr(self._source, "recipients", None) if self._source is not None else None
        found = []
        for index in range(_count(table, "number_of_record_sets")):
            recipient = PstItem(_record_entries(table, index))
            address = recipient.string(PR_SMTP_ADDRESS)
            if not address and recipient.string(PR_ADDRTYPE).upper() in ("SMTP", ""):
                address = recipient.string(PR_EMAIL_ADDRESS)
            kind = (recipient.integer(PR_RECIPIENT_TYPE) or 1) & 0x0F
            found.append(OutlookRecipient(recipient.string(PR_DISPLAY_NAME), address, kind))
        return found

    def attachments(self) -> list[OutlookAttachment]:
        found = []
        for index in range(_count(self._source, "number_of_attachments")):
            pff_attachment = self._source.get_attachment(index)  # type: ignore[union-attr]
            part = PstItem.of(pff_attachment)
            label = (
                part.string(PR_ATTACH_LONG_FILENAME)
                or part.string(PR_ATTACH_FILENAME)
                or part.string(PR_DISPLAY_NAME)
            )
            method = part.integer(PR_ATTACH_METHOD) or ATTACH_BY_VALUE
            attachment = OutlookAttachment(label, method, mime_type=part.string(PR_ATTACH_MIME_TAG))
            if method in (ATTACH_EMBEDDED_MSG, ATTACH_OLE):
                attachment.problem = "attached Outlook item inside a PST: not supported"
            elif method == ATTACH_BY_VALUE:
                attachment.data = functools.partial(_pst_attachment_bytes, pff_attachment)
            found.append(attachment)
        return found


def _count(obj: object | None, attribute: str) -> int:
    try:
        return int(getattr(obj, attribute)) if obj is not None else 0
    except Exception:  # noqa: BLE001
        return 0


def _record_entries(pff_item: object, index: int) -> dict[int, object]:
    entries: dict[int, object] = {}
    try:
        record_set = pff_item.get_record_set(index)  # type: ignore[attr-defined]
        for position in range(record_set.number_of_entries):
            entry = record_set.get_entry(position)
            entries.setdefault(entry.entry_type, entry)
    except Exception:  # noqa: BLE001 - an item without readable properties has none
        pass
    return entries


def _pst_attachment_bytes(pff_attachment: object) -> bytes:
    size = int(pff_attachment.size or 0)  # type: ignore[attr-defined]
    if size > MAX_MESSAGE_BYTES:
        raise LimitExceeded(
            f"too large to open as e-mail: {size} bytes exceeds the limit of {MAX_MESSAGE_BYTES} bytes",
            whole_archive=False,
        )
    return pff_attachment.read_buffer(size) if size else b""  # type: ignore[attr-defined]


class PstReader(ArchiveReader):
    """The items of a PST/OST, folder by folder (see the naming scheme above)."""

    listing_known = True

    def __init__(self, pff_file: object, budget: ExpansionBudget):
        self._file = pff_file
        self._budget = budget

    def items(self) -> Iterator[ArchiveItem]:
        try:
            root = self._file.root_folder  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001
            raise DamagedArchive(f"damaged mailbox: {plain_error(exc)}") from None
        stack: list[tuple[object, str, int]] = [(root, "", 0)]
        while stack:
            folder, path, depth = stack.pop()
            self._budget.check_time()
            yield from self._folder_items(folder, path)
            if depth >= _PST_MAX_FOLDER_DEPTH:
                continue
            subfolders = []
            for index in range(_count(folder, "number_of_sub_folders")):
                try:
                    sub = folder.get_sub_folder(index)  # type: ignore[attr-defined]
                    name = _folder_segment(sub.name, index + 1)
                except Exception as exc:  # noqa: BLE001
                    raise DamagedArchive(f"damaged mailbox: {plain_error(exc)}") from None
                subfolders.append((sub, f"{path}{name}/", depth + 1))
            stack.extend(reversed(subfolders))  # depth first, folders in the store's order

    def _folder_items(self, folder: object, path: str) -> Iterator[ArchiveItem]:
        import pypff

        for index in range(_count(folder, "number_of_sub_messages")):
            try:
                pff_item = folder.get_sub_message(index)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001
                yield ArchiveItem(name=f"{path}{index + 1:05d}", kind="file", problem="damaged mailbox item")
                continue
            if not isinstance(pff_item, pypff.message):
                continue  # Outlook's own bookkeeping (free/busy data): not a message or contact
            item = PstItem.of(pff_item)
            title = clean_file_name(_one_line(item.subject))[:_MAX_SUBJECT_CHARS].strip()
            stem = f"{path}{index + 1:05d}" + (f" {title}" if title else "")
            if item.is_contact:
                text = contact_text(item) + _contact_notes(item)
                yield ArchiveItem(
                    name=f"{stem}.txt", kind="file", open=functools.partial(io.BytesIO, text.encode("utf-8"))
                )
                continue
            yield ArchiveItem(name=f"{stem}.eml", kind="file", type="eml", open=_pst_message_opener(item))
            for position, attachment in enumerate(_safe_attachments(item), start=1):
                if attachment.problem:
                    yield ArchiveItem(
                        name=f"{stem} attachment-{position}", kind="file", problem=attachment.problem
                    )


def _contact_notes(item: OutlookItem) -> str:
    notes = item.string(PR_BODY).replace("\r\n", "\n").strip()
    return f"\n{notes}\n" if notes else ""


def _safe_attachments(item: OutlookItem) -> list[OutlookAttachment]:
    try:
        return item.attachments()
    except Exception:  # noqa: BLE001 - the message's own member reports the damage
        return []


def _folder_segment(name: object, position: int) -> str:
    text = clean_file_name(_one_line(str(name or "")).replace("/", "_"))
    return text or f"folder-{position}"


def _pst_message_opener(item: OutlookItem) -> Callable[[], BinaryIO]:
    def open_message() -> BinaryIO:
        try:
            message = outlook_email(item, with_attachments=False)
            budget = [MAX_MESSAGE_BYTES]
            for position, attachment in enumerate(item.attachments(), start=1):
                if not attachment.problem:
                    _attach(message, attachment, position, budget)
            rtf = rtf_body(item)
            if rtf:
                message.add_attachment(
                    rtf, maintype="application", subtype="rtf", filename="message-body.rtf"
                )
            return io.BytesIO(_serialise(message))
        except LimitExceeded:
            raise
        except Exception as exc:  # noqa: BLE001 - libpff errors on a damaged item fail that item only
            raise DamagedArchive(f"damaged mailbox item: {plain_error(exc)}") from None

    return open_message


@contextmanager
def open_pst(path: Path, budget: ExpansionBudget) -> Iterator[PstReader]:
    import pypff  # LGPL (libpff); only needed for PST/OST files

    pff_file = pypff.file()
    try:
        pff_file.open(str(path))
    except Exception as exc:  # noqa: BLE001 - libpff raises OSError and others on broken files
        raise DamagedArchive(f"damaged mailbox: {plain_error(exc)}") from None
    try:
        yield PstReader(pff_file, budget)
    finally:
        pff_file.close()
