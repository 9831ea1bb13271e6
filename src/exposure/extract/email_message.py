"""E-mail messages (RFC 822 / MIME): the headers, then the body text as paragraphs.

Yields a ``headers`` block (``From: Name <address>``, ``To:``, ``Cc:``, ``Bcc:``,
``Subject:``, ``Date:`` ... one line each, encoded words decoded), then the body:
the ``text/plain`` parts, or a ``text/html`` part turned into text where a
message (or a ``multipart/alternative``) has no plain text, cut into paragraphs
located ``body line N`` (lines of the decoded body text, 1-based). Attachments
and attached messages are not read here: the inventory lists them as members of
the message and they are read on their own.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.encoding import guess_encoding
from exposure.extract.plaintext import paragraphs
from exposure.inventory.archives import DamagedArchive, LimitExceeded
from exposure.inventory.mail import is_body_text, message_damage, parse_message, read_message_bytes
from exposure.model import TextBlock

HEADER_NAMES = ("From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Date")
_ADDRESS_HEADERS = frozenset(("from", "sender", "reply-to", "to", "cc", "bcc"))
_BLANK_RUN = re.compile(r"\n{3,}")
_SPACES = re.compile(r"\s+")


@reader("eml")
def read_email(path: Path) -> Extracted:
    try:
        message = parse_message(read_message_bytes(path))
    except (DamagedArchive, LimitExceeded) as exc:
        raise ExtractError(exc.reason) from None
    except OSError as exc:
        raise ExtractError(f"cannot read: {(exc.strerror or type(exc).__name__).lower()}") from None
    damage = message_damage(message)
    if damage.startswith("damaged message: multipart body"):
        raise ExtractError(damage)
    try:
        yield from message_blocks(message)
    except RecursionError:
        raise ExtractError("damaged message: MIME parts nested too deeply") from None


def message_blocks(message: Message) -> Iterator[TextBlock]:
    """The header block, then the body paragraphs (offsets count in headers + newline + body)."""
    headers = header_block(message)
    offset = 0
    if headers:
        yield TextBlock(location="headers", text=headers, offset=0)
        offset = len(headers) + 1
    body = body_text(message)
    for block in paragraphs(body.splitlines(keepends=True)):
        yield TextBlock(location=f"body {block.location}", text=block.text, offset=offset + block.offset)


# ------------------------------------------------------------------------------ headers


def header_block(message: Message) -> str:
    lines = []
    for name in HEADER_NAMES:
        for value in _header_values(message, name):
            if value:
                lines.append(f"{name}: {value}\n")
    return "".join(lines)


def _header_values(message: Message, name: str) -> list[str]:
    raw_values = [v for k, v in message.raw_items() if k.lower() == name.lower()]
    try:
        parsed = message.get_all(name) or []
    except Exception:  # noqa: BLE001 - a header the parser cannot take: fall back to its raw text
        parsed = []
    if len(parsed) != len(raw_values):
        return [_unfold(str(v)) for v in raw_values]
    return [_header_text(header, raw) for header, raw in zip(parsed, raw_values, strict=True)]


def _header_text(header: object, raw: object) -> str:
    try:
        if _is_address_header(header) and not getattr(header, "defects", ()):
            addresses = header.addresses  # type: ignore[attr-defined]
            return ", ".join(_address(a.display_name, a.addr_spec) for a in addresses)
        return _unfold(str(header))
    except Exception:  # noqa: BLE001
        return _unfold(str(raw))


def _is_address_header(header: object) -> bool:
    return str(getattr(header, "name", "")).lower() in _ADDRESS_HEADERS and hasattr(header, "addresses")


def _address(display_name: str, addr_spec: str) -> str:
    display_name = " ".join(display_name.split())
    if addr_spec in ("", "<>"):
        return display_name
    return f"{display_name} <{addr_spec}>" if display_name else addr_spec


def _unfold(value: str) -> str:
    return " ".join(value.split())


# ------------------------------------------------------------------------------ body


def body_text(message: Message) -> str:
    """The text of the message's own body parts, joined by a blank line."""
    texts = [text for text in (part_text(part) for part in body_parts(message)) if text.strip()]
    return "\n\n".join(t.rstrip("\n") for t in texts) + ("\n" if texts else "")


def body_parts(part: Message) -> list[Message]:
    """Body text parts in order; of the choices of a multipart/alternative, the plain text one."""
    if part.get_content_maintype() == "message" and part.is_multipart():
        return []  # an attached message: a member of its own
    if not part.is_multipart():
        return [part] if is_body_text(part) else []
    children = part.get_payload()
    if not isinstance(children, list):
        return []
    if part.get_content_subtype() == "alternative":
        choices = [body_parts(child) for child in children]
        choices = [c for c in choices if any(part_text(p).strip() for p in c)]
        for choice in choices:
            if any(p.get_content_type() == "text/plain" for p in choice):
                return choice
        return choices[-1] if choices else []  # the richest alternative comes last
    return [p for child in children for p in body_parts(child)]


def part_text(part: Message) -> str:
    """The decoded text of a body part, lines ending in '\\n'; HTML turned into plain text."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    text = _decode(data, part.get_content_charset())
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    return text


def _decode(data: bytes, charset: str | None) -> str:
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = None
    if charset and charset.lower() in ("us-ascii", "ascii") and not data.isascii():
        charset = None  # declared ASCII, sent as 8-bit: guess instead of losing characters
    if not charset:
        charset = "utf-8" if _is_utf8(data) else guess_encoding(data[: 256 * 1024])
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("cp1252", "replace")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# Elements that start and end a line, and those that stand apart as a paragraph (blank line around).
_LINE_TAGS = frozenset(
    ("div", "li", "tr", "dd", "dt", "title", "section", "article", "header", "footer", "address", "caption")
)
_PARAGRAPH_TAGS = frozenset(
    ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "blockquote", "pre", "hr")
)
_SKIPPED_TAGS = frozenset(("script", "style", "head"))


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tail = "\n\n"  # the last characters written (the start counts as a paragraph break)
        self.skipping = 0

    def _write(self, text: str) -> None:
        self.parts.append(text)
        self.tail = (self.tail + text)[-2:]

    def _break(self, lines: int) -> None:
        """End the current line (1) or paragraph (2) unless that is already done."""
        missing = lines - (len(self.tail) - len(self.tail.rstrip("\n")))
        if missing > 0:
            self._write("\n" * missing)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag == "br":
            self._write("\n")
        elif tag in _LINE_TAGS:
            self._break(1)
        elif tag in _PARAGRAPH_TAGS:
            self._break(2)
        elif tag in ("td", "th"):
            self._write(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in _LINE_TAGS:
            self._break(1)
        elif tag in _PARAGRAPH_TAGS:
            self._break(2)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        text = _SPACES.sub(" ", data.replace("\xa0", " "))  # line breaks in HTML source are spaces
        if text.strip() or not self.tail.endswith("\n"):
            self._write(text)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body: one line per block element, scripts and styles left out."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = []
    for line in "".join(parser.parts).split("\n"):
        lines.append(" ".join(line.split()))
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"
