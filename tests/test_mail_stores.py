"""Outlook mail stores: MSG files (documents and containers) and PST/OST mailboxes (containers)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest

from exposure.config import Limits
from exposure.extract import reader_for
from exposure.extract.base import ExtractError
from exposure.extract.email_message import read_email
from exposure.extract.outlook_msg import read_msg
from exposure.inventory import FileEntry, detect_type, inventory
from exposure.inventory.archives import DamagedArchive, ExpansionBudget
from exposure.inventory.mail import (
    ATTACH_BY_VALUE,
    ATTACH_EMBEDDED_MSG,
    EmlReader,
    OutlookAttachment,
    OutlookItem,
    OutlookRecipient,
    open_mail,
    outlook_email,
)
from exposure.model import TextBlock

SAMPLES = Path("/work/shared/samples")
MSG = SAMPLES / "msg"
PST = SAMPLES / "pst"
needs_samples = pytest.mark.skipif(
    not MSG.is_dir() or not PST.is_dir(), reason="shared samples not available"
)


def run(inputs: list[Path] | Path, work: Path, limits: Limits | None = None) -> list[FileEntry]:
    return list(inventory(inputs if isinstance(inputs, list) else [inputs], work, limits or Limits()))


def by_path(entries: list[FileEntry]) -> dict[str, FileEntry]:
    paths = [e.path for e in entries]
    assert len(paths) == len(set(paths)), "every row needs its own path"
    return {e.path: e for e in entries}


def blocks(path: Path, read=read_msg) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(b.location, b.text) for b in read(path) if isinstance(b, TextBlock)]


# ------------------------------------------------------------------------------ MSG: inventory


@needs_samples
def test_msg_samples_attachments_are_members(tmp_path: Path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in MSG.iterdir()}
    entries = run(MSG, tmp_path / "work")
    rows = by_path(entries)
    assert sorted((e.path, e.type, e.status) for e in entries if e.depth == 1) == [
        ("msgreader_attachmentFiles.msg!jpg.jpg", "jpeg", "pending"),
        ("msgreader_attachmentFiles.msg!png.png", "png", "pending"),
        ("msgreader_attachmentFiles.msg!tif.tif", "tiff", "pending"),
        ("msgreader_msgInMsg.msg!Microsoft Outlook テスト メッセージ.eml", "eml", "pending"),
        ("msgreader_msgInMsg.msg!green.png", "png", "pending"),
        ("unstructured_fake-email-attachment.msg!fake-attachment.txt", "text", "pending"),
    ]
    attachment = rows["unstructured_fake-email-attachment.msg!fake-attachment.txt"]
    assert attachment.local_path.read_bytes() == b"Hey this is a fake attachment!"
    assert attachment.sha256 == hashlib.sha256(b"Hey this is a fake attachment!").hexdigest()
    for sample in MSG.iterdir():  # each message is a document still to be read, after its members
        row = rows[sample.name]
        assert (row.type, row.status, row.reason, row.is_container) == ("msg", "pending", "", True)
        assert [e.path for e in entries].index(sample.name) > max(
            [i for i, e in enumerate(entries) if e.parent == sample.name], default=-1
        )
    assert {p.name: p.stat().st_mtime_ns for p in MSG.iterdir()} == before


@needs_samples
def test_msg_in_msg_becomes_an_eml_member_read_as_email(tmp_path: Path) -> None:
    rows = by_path(run(MSG / "msgreader_msgInMsg.msg", tmp_path / "work"))
    inner = rows["msgreader_msgInMsg.msg!Microsoft Outlook テスト メッセージ.eml"]
    assert (inner.parent, inner.depth, inner.is_container) == ("msgreader_msgInMsg.msg", 1, True)
    assert detect_type(inner.local_path) == "eml"
    read = blocks(inner.local_path, read_email)
    assert read[0] == (
        "headers",
        "From: Microsoft Outlook <xmailuser@xmailserver.test>\n"
        "To: xmailuser <xmailuser@xmailserver.test>\n"
        "Subject: Microsoft Outlook テスト メッセージ\n"
        "Date: Tue, 12 May 2020 05:45:17 +0000\n",
    )
    assert "Microsoft Outlook から自動送信されたものです" in read[1][1]


# ------------------------------------------------------------------------------ MSG: reader


@needs_samples
def test_msg_reader_headers_and_bodies_of_every_message_sample() -> None:
    expected_headers = {
        "msgreader_attachmentFiles.msg": "From: hmailuser <hmailuser@hmailserver.test>\n"
        "To: hmailuser@hmailserver.test\nSubject: attachmentFiles\nDate: Wed, 01 Nov 2023 00:48:31 +0000\n",
        "msgreader_msgInMsg.msg": "Subject: I have attachments!\nDate: Thu, 10 Sep 2020 10:18:08 +0000\n",
        "msgreader_nonUnicodeMail.msg": "To: xmailuser2@xmailserver.test\nSubject: Non Unicode mail subject\n"
        "Date: Fri, 05 Nov 2021 10:22:54 +0000\n",
        "unstructured_fake-email-attachment.msg": "From: Mallori Harrell <mallori@unstructured.io>\n"
        "To: Mallori Harrell <mallori@unstructured.io>\nSubject: Fake email with attachment\n"
        "Date: Thu, 20 Apr 2023 21:39:10 +0000\n",
        "unstructured_fake-email-with-cc-and-bcc.msg": "From: John <johnjennings702@gmail.com>\n"
        "To: John Jennings <john-ctr@unstructured.io>\nCc: steve@unstructured.io\n"
        "Bcc: hello@unstructured.io\nSubject: Fake email with cc and bcc recipients\n"
        "Date: Mon, 29 Jul 2024 20:38:11 +0000\n",
        "unstructured_fake-email.msg": "From: Matthew Robinson <mrobinson@unstructured.io>\n"
        "To: Matthew Robinson <mrobinson@unstructured.io>\nSubject: Test Email\n"
        "Date: Tue, 28 Mar 2023 17:00:31 +0000\n",
    }
    expected_body_start = {
        "msgreader_attachmentFiles.msg": "attachmentFiles\n",
        "msgreader_msgInMsg.msg": "I have attachments!\n",
        "msgreader_nonUnicodeMail.msg": "Non Unicode mail body!\n",
        "unstructured_fake-email-attachment.msg": "Hello!\n",
        "unstructured_fake-email-with-cc-and-bcc.msg": "This is a test email. Please ignore.\n",
        "unstructured_fake-email.msg": "This is a test email to use for unit tests.\n",
    }
    for name, headers in expected_headers.items():
        read = blocks(MSG / name)
        assert read[0] == ("headers", headers), name
        assert read[1] == ("body line 1", expected_body_start[name]), name
    body = "".join(text for _, text in blocks(MSG / "unstructured_fake-email-attachment.msg")[1:])
    assert "   - Lots of whitespace\n" in body and "Hey this is a fake attachment" not in body


@needs_samples
def test_msg_contact_fields_are_text() -> None:
    read = blocks(MSG / "msgreader_contactUnicode.msg")
    assert read[0][0] == "contact"
    assert read[0][1] == (
        "Name: Mr. イグザンプル ドット コム 殿\n"
        "Title: Mr.\n"
        "First name: コム\n"
        "Middle name: ドット\n"
        "Last name: イグザンプル\n"
        "Suffix: 殿\n"
        "Email: test@example.com\n"
        "Home phone: 06-0001-0001\n"
        "Mobile phone: 080-0001-0001\n"
        "Business phone: 06-0001-0002\n"
        "Business fax: 06-0001-0003\n"
        "Business address: Somewhere, Osaka, Osaka 544-0001, 日本\n"
        + read[0][1].split("Business address: Somewhere, Osaka, Osaka 544-0001, 日本\n", 1)[1]
    )
    assert "\nCompany: My work company\nJob title: My position\nDepartment: My division\n" in read[0][1]
    assert "Birthday: " in read[0][1]


def test_msg_reader_is_registered() -> None:
    found = reader_for("msg")
    assert found is not None and found.read is read_msg


@needs_samples
def test_damaged_msg_is_failed_plainly(tmp_path: Path) -> None:
    cut = tmp_path / "cut.msg"
    cut.write_bytes((MSG / "unstructured_fake-email-attachment.msg").read_bytes()[:9000])
    with pytest.raises(ExtractError, match=r"^damaged message: incomplete OLE sector$"):
        list(read_msg(cut))
    budget = ExpansionBudget(Limits(), cut.stat().st_size)
    with pytest.raises(DamagedArchive, match=r"^damaged message: "), open_mail("msg", cut, "cut.msg", budget):
        pass


# ------------------------------------------------------------------------------ Outlook items as e-mail


class FakeItem(OutlookItem):
    """An item built in memory: lets the nesting of attached messages be tested without an MSG writer."""

    def __init__(self, strings: dict[int, str], attachments: list[OutlookAttachment] = ()):
        self._strings = strings
        self._attachments = list(attachments)

    def string(self, prop_id: int) -> str:
        return self._strings.get(prop_id, "")

    def binary(self, prop_id: int) -> bytes | None:
        return None

    def time(self, prop_id: int) -> dt.datetime | None:
        return dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC) if prop_id == 0x0039 else None

    def named_strings(self) -> list[str]:
        return []

    def recipients(self) -> list[OutlookRecipient]:
        return [OutlookRecipient("Carl Ochoa", "carl@example.com", 1), OutlookRecipient("Ann", "", 2)]

    def attachments(self) -> list[OutlookAttachment]:
        return self._attachments


def test_attached_messages_nest_as_eml_members(tmp_path: Path) -> None:
    csv = b"ssn,name\n219-09-9999,Carl Ochoa\n"
    inner = FakeItem(
        {0x0037: "Inner", 0x1000: "Inner body.\r\n"},
        [OutlookAttachment("c.csv", ATTACH_BY_VALUE, data=lambda: csv)],
    )
    outer = FakeItem(
        {0x0037: "Outer", 0x0C1A: "Dana", 0x5D01: "dana@example.com", 0x1000: "Outer body.\r\n"},
        [OutlookAttachment("", ATTACH_EMBEDDED_MSG, item=lambda: inner)],
    )
    message = outlook_email(outer, with_attachments=True)
    path = tmp_path / "outer.eml"
    path.write_bytes(message.as_bytes())
    assert blocks(path, read_email)[0] == (
        "headers",
        "From: Dana <dana@example.com>\nTo: Carl Ochoa <carl@example.com>\nCc: Ann\nSubject: Outer\n"
        "Date: Fri, 01 Mar 2024 12:00:00 +0000\n",
    )
    rows = by_path(run(path, tmp_path / "work"))
    assert rows["outer.eml!Inner.eml"].type == "eml"
    assert rows["outer.eml!Inner.eml!c.csv"].local_path.read_bytes() == csv
    members = [item.name for item in EmlReader(path).items()]
    assert members == ["Inner.eml"]


# ------------------------------------------------------------------------------ PST


@needs_samples
def test_pst_items_are_members_with_folder_paths(tmp_path: Path) -> None:
    entries = run(PST / "javalibpst_dist-list.pst", tmp_path / "work")
    rows = by_path(entries)
    box = "javalibpst_dist-list.pst"
    top = f"{box}!Top of Personal Folders"
    assert [(e.path, e.type, e.status) for e in entries if e.parent == box] == [
        (f"{top}/Calendar/00001 Test appointment.eml", "eml", "pending"),
        (f"{top}/Calendar/00001 Test appointment attachment-1", "unknown", "failed"),
        (f"{top}/Calendar/00001 Test appointment attachment-2", "unknown", "failed"),
        (f"{top}/Contacts/00001 test dist list.eml", "eml", "pending"),
        (f"{top}/Contacts/00002 contact name 1.txt", "text", "pending"),
    ]
    assert rows[f"{top}/Calendar/00001 Test appointment attachment-1"].reason == (
        "attached Outlook item inside a PST: not supported"
    )
    assert (rows[box].type, rows[box].status, rows[box].reason) == ("pst", "processed", "")
    appointment = rows[f"{top}/Calendar/00001 Test appointment.eml"].local_path
    assert blocks(appointment, read_email) == [
        ("headers", "From: Unknown\nSubject: Test appointment\nDate: Tue, 02 Aug 2016 00:27:12 +0000\n"),
        ("body line 1", "This is a complete test\n"),
    ]
    contact = rows[f"{top}/Contacts/00002 contact name 1.txt"].local_path.read_text()
    assert contact == (
        "Name: contact name 1\nFirst name: contact\nMiddle name: name\nLast name: 1\n"
        "Email: contact1@rjohnson.id.au\n"
    )


@needs_samples
def test_passworded_pst_is_read_like_any_other(tmp_path: Path) -> None:
    rows = by_path(run(PST / "javalibpst_passworded.pst", tmp_path / "work"))
    box = "javalibpst_passworded.pst"
    assert (rows[box].status, rows[box].reason) == ("processed", "")
    contact = rows[f"{box}!Top of Personal Folders/Contacts/00002 contact name 1.txt"]
    assert "Email: contact1@rjohnson.id.au\n" in contact.local_path.read_text()


def test_damaged_pst_is_failed(tmp_path: Path) -> None:
    source = tmp_path / "input"
    source.mkdir()
    (source / "broken.pst").write_bytes(b"!BDN" + os.urandom(2000))
    [row] = run(source, tmp_path / "work")
    assert (row.type, row.status, row.is_container) == ("pst", "failed", True)
    assert row.reason.startswith("damaged mailbox: ")
