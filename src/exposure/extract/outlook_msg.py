"""Outlook MSG files: a message's headers and body, or a contact's fields.

A message yields what an ``eml`` yields (``email_message.message_blocks``): a ``headers`` block
(``From:``, ``To:``, ``Cc:``, ``Bcc:``, ``Subject:``, ``Date:``) built from the MAPI properties,
then the body paragraphs (the plain text body, else the HTML body as text). A contact
(``IPM.Contact``) yields a ``contact`` block of ``Label: value`` lines (``Name:``, ``Email:``,
phones, addresses, birthday), then its notes. Attachments and attached messages are members
of the MSG (the inventory lists them) and are read on their own.
"""

from __future__ import annotations

from pathlib import Path

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.email_message import message_blocks
from exposure.extract.plaintext import paragraphs
from exposure.inventory.archives import DamagedArchive, LimitExceeded, plain_error
from exposure.inventory.mail import PR_BODY, contact_text, open_msg, outlook_email
from exposure.model import TextBlock


@reader("msg")
def read_msg(path: Path) -> Extracted:
    try:
        with open_msg(path) as item:
            if item.is_contact:
                blocks = list(_contact_blocks(contact_text(item), item.string(PR_BODY)))
            else:
                blocks = list(message_blocks(outlook_email(item, with_attachments=False)))
    except (DamagedArchive, LimitExceeded) as exc:
        raise ExtractError(exc.reason) from None
    except OSError as exc:
        raise ExtractError(f"cannot read: {(exc.strerror or type(exc).__name__).lower()}") from None
    except Exception as exc:  # noqa: BLE001 - olefile on a damaged file: a plain reason, never a crash
        raise ExtractError(f"damaged message: {plain_error(exc)}") from None
    yield from blocks


def _contact_blocks(fields: str, notes: str):  # noqa: ANN202 - an iterator of TextBlock
    if fields:
        yield TextBlock(location="contact", text=fields, offset=0)
    offset = len(fields) + 1 if fields else 0
    notes = notes.replace("\r\n", "\n").replace("\r", "\n")
    for block in paragraphs(notes.splitlines(keepends=True)):
        yield TextBlock(location=f"notes {block.location}", text=block.text, offset=offset + block.offset)
