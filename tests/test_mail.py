"""E-mail: EML messages as documents and containers of their attachments, MBOX as a container."""

from __future__ import annotations

import hashlib
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from exposure.config import Limits
from exposure.extract import reader_for
from exposure.extract.email_message import html_to_text, read_email
from exposure.inventory import FileEntry, detect_type, inventory
from exposure.model import TextBlock

EML_SAMPLES = Path("/work/shared/samples/eml")
needs_samples = pytest.mark.skipif(not EML_SAMPLES.is_dir(), reason="shared samples not available")

CSV = b"member_id,first_name,last_name\nM100,Jane,Smith\n"
INNER_CSV = b"ssn,name\n219-09-9999,Carl Ochoa\n"


def run(inputs: list[Path] | Path, work: Path, limits: Limits | None = None, **kwargs) -> list[FileEntry]:
    if isinstance(inputs, Path):
        inputs = [inputs]
    return list(inventory(inputs, work, limits or Limits(), **kwargs))


def by_path(entries: list[FileEntry]) -> dict[str, FileEntry]:
    paths = [e.path for e in entries]
    assert len(paths) == len(set(paths)), "every row needs its own path"
    return {e.path: e for e in entries}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blocks_of(path: Path) -> list[TextBlock]:
    return [b for b in read_email(path) if isinstance(b, TextBlock)]


def message(
    subject: str = "Eligibility file",
    body: str = "Hi team,\n\nSee attached.\n",
    attachments: list[tuple[bytes, str, str, str | None]] = (),  # (data, maintype, subtype, filename)
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Dana Whitfield <dwhitfield@harborline-data.example>"
    msg["To"] = "eligibility@harborline-data.example"
    msg["Date"] = "Fri, 01 Mar 2024 17:37:00 -0500"
    msg["Subject"] = subject
    msg.set_content(body)
    for data, maintype, subtype, filename in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def nested_message() -> bytes:
    """a.eml: a CSV attachment and an attached message b.eml that has its own attachment c.csv."""
    inner = message("Inner", "Inner body.\n", [(INNER_CSV, "text", "csv", "c.csv")])
    outer = message("Outer", "Outer body.\n", [(CSV, "text", "csv", "people.csv")])
    outer.add_attachment(inner, filename="b.eml")
    return outer.as_bytes()


@pytest.fixture
def case(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "input"
    source.mkdir()
    return source, tmp_path / "case" / "work"


# ------------------------------------------------------------------------------ samples


@needs_samples
def test_sample_attachment_is_a_member_and_the_message_stays_pending(tmp_path: Path) -> None:
    before = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in EML_SAMPLES.iterdir()}
    entries = run(EML_SAMPLES, tmp_path / "work")
    rows = by_path(entries)
    name = "unstructured_fake-email-attachment.eml"
    member = rows[f"{name}!fake-attachment.txt"]
    assert member.sha256 == sha(b"Hey this is a fake attachment!")
    assert (member.type, member.status, member.parent, member.depth) == ("text", "pending", name, 1)
    assert (
        member.local_path is not None and member.local_path.read_bytes() == b"Hey this is a fake attachment!"
    )
    assert member.local_path.parent == tmp_path / "work" / "blobs"
    container = rows[name]
    assert (container.type, container.status, container.reason, container.is_container) == (
        "eml",
        "pending",
        "",
        True,
    )
    assert container.sha256 == sha((EML_SAMPLES / name).read_bytes())
    assert [e.path for e in entries].index(member.path) < [e.path for e in entries].index(name)
    # Inline text/plain and text/html body parts are not members; the other samples have none.
    assert sorted(rows) == sorted([f"{name}!fake-attachment.txt"] + [p.name for p in EML_SAMPLES.iterdir()])
    assert all(rows[p.name].type == "eml" and rows[p.name].status == "pending" for p in EML_SAMPLES.iterdir())
    assert {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in EML_SAMPLES.iterdir()} == before


@needs_samples
def test_sample_base64_body_is_decoded() -> None:
    blocks = blocks_of(EML_SAMPLES / "unstructured_fake-email-b64.eml")
    assert blocks[0].location == "headers"
    assert "Subject: Test Email\n" in blocks[0].text
    assert [(b.location, b.text) for b in blocks[1:]] == [
        ("body line 1", "This is a test email to use for unit tests.\n"),
        ("body line 3", "Important points:\n"),
        ("body line 5", "   - Roses are red\n   - Violets are blue\n"),
    ]


@needs_samples
def test_sample_utf16_message_is_decoded_before_parsing(tmp_path: Path) -> None:
    path = EML_SAMPLES / "unstructured_fake-email-utf-16-le.eml"
    assert detect_type(path) == "eml"
    blocks = blocks_of(path)
    assert blocks[0] == TextBlock(
        "headers",
        "From: Matthew Robinson <mrobinson@unstructured.io>\n"
        "To: Matthew Robinson <mrobinson@unstructured.io>\n"
        "Subject: Test Email\n"
        "Date: Fri, 16 Dec 2022 17:04:16 -0500\n",
        0,
    )
    body = "".join(b.text for b in blocks[1:])
    assert "This is a test email to use for unit tests." in body
    assert "Violets are blue" in body
    assert "<div" not in body  # the plain alternative, not the HTML one


@needs_samples
def test_sample_to_cc_bcc_header_block() -> None:
    blocks = blocks_of(EML_SAMPLES / "unstructured_mime-multi-to-cc-bcc.eml")
    assert blocks[0].location == "headers"
    assert blocks[0].text == (
        "From: sender@example.com\n"
        "To: Bob <bob@example.com>, Sue <sue@example.com>\n"
        "Cc: Tom <tom@example.com>, Alice <alice@example.com>\n"
        "Bcc: John <john@example.com>, Mary <mary@example.com>\n"
        "Subject: Example Plain-Text MIME Message\n"
    )
    assert [(b.location, b.text) for b in blocks[1:]] == [("body line 1", "This is a plain-text message.\n")]


@needs_samples
def test_sample_attachment_message_body_is_the_plain_part() -> None:
    blocks = blocks_of(EML_SAMPLES / "unstructured_fake-email-attachment.eml")
    body = "".join(b.text for b in blocks[1:])
    assert body.startswith("Hello!\n")
    assert "Hey this is a fake attachment" not in body  # the attachment is a member, read on its own


def test_eml_reader_is_registered() -> None:
    found = reader_for("eml")
    assert found is not None and found.read is read_email


# ------------------------------------------------------------------------------ sniffing


def test_headers_only_from_to_subject_saved_as_txt_is_eml(tmp_path: Path) -> None:
    path = tmp_path / "correction.txt"
    path.write_bytes(
        b"From: Dana Whitfield <dwhitfield@harborline-data.example>\n"
        b"To: eligibility@harborline-data.example\n"
        b"Date: Fri, 01 Mar 2024 17:37:00 -0500\n"
        b"Subject: Record correction request\n"
        b"\n"
        b"Hi team,\n\nPlease correct the date of birth for Member: Jane Smith.\n"
    )
    assert detect_type(path) == "eml"
    path.write_bytes(b"From: Dana Whitfield <dw@example.com>\nTo: a@example.com\nSubject: Hi\n\nHello\n")
    assert detect_type(path) == "eml"


def test_mbox_and_generated_messages_are_sniffed(tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(nested_message())
    (tmp_path / "box").write_bytes(mbox_bytes([message("One").as_bytes(), message("Two").as_bytes()]))
    assert detect_type(tmp_path / "a.eml") == "eml"
    assert detect_type(tmp_path / "box") == "mbox"


# ------------------------------------------------------------------------------ generated messages


def test_nested_message_and_its_attachment_are_members(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "a.eml").write_bytes(nested_message())
    entries = run(source, work)
    assert [(e.path, e.type, e.status, e.is_container) for e in entries] == [
        ("a.eml!people.csv", "csv", "pending", False),
        ("a.eml!b.eml!c.csv", "csv", "pending", False),
        ("a.eml!b.eml", "eml", "pending", True),
        ("a.eml", "eml", "pending", True),
    ]
    rows = by_path(entries)
    assert rows["a.eml!people.csv"].sha256 == sha(CSV)
    assert rows["a.eml!b.eml!c.csv"].sha256 == sha(INNER_CSV)
    assert (rows["a.eml!b.eml!c.csv"].parent, rows["a.eml!b.eml!c.csv"].depth) == ("a.eml!b.eml", 2)
    assert (rows["a.eml!b.eml"].parent, rows["a.eml!b.eml"].depth) == ("a.eml", 1)
    # The attached message is a document of its own: its headers and body, not the outer ones.
    inner = blocks_of(rows["a.eml!b.eml"].local_path)
    assert "Subject: Inner\n" in inner[0].text
    assert "".join(b.text for b in inner[1:]) == "Inner body.\n"
    outer = blocks_of(source / "a.eml")
    assert "".join(b.text for b in outer[1:]) == "Outer body.\n"


def test_opened_eml_is_still_pending_without_members(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "a.eml").write_bytes(nested_message())
    asked = []

    def opened(digest: str) -> bool:
        asked.append(digest)
        return True

    [row] = run(source, work, opened_container=opened)
    assert asked == [sha((source / "a.eml").read_bytes())]
    assert (row.path, row.type, row.status, row.is_container) == ("a.eml", "eml", "pending", True)


def test_identical_messages_are_listed_with_their_members_twice(case: tuple[Path, Path]) -> None:
    source, work = case
    raw = nested_message()
    (source / "one.eml").write_bytes(raw)
    (source / "two.eml").write_bytes(raw)
    rows = by_path(run(source, work))
    for name in ("one.eml", "two.eml"):
        assert rows[f"{name}!b.eml!c.csv"].sha256 == sha(INNER_CSV)
        assert (rows[name].status, rows[f"{name}!b.eml"].status) == ("pending", "pending")


def test_attachment_names_are_cleaned_made_unique_and_given_to_nameless_parts(
    case: tuple[Path, Path],
) -> None:
    source, work = case
    msg = message(
        attachments=[
            (CSV, "text", "csv", "../../etc/list!1.csv"),
            (b"a,b\n1,2\n", "text", "csv", "list_1.csv"),
            (b"%PDF-1.4\n%%EOF\n", "application", "pdf", None),
            (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image", "png", None),
        ]
    )
    (source / "m.eml").write_bytes(msg.as_bytes())
    entries = run(source, work)
    assert [e.path for e in entries] == [
        "m.eml!list_1.csv",
        "m.eml!list_1.csv (duplicate 2)",
        "m.eml!attachment-3.pdf",
        "m.eml!attachment-4.png",
        "m.eml",
    ]
    assert [e.type for e in entries] == ["csv", "csv", "pdf", "png", "eml"]
    assert not list(work.parent.rglob("etc"))


def test_inline_image_and_csv_parts_are_members_but_body_text_is_not(case: tuple[Path, Path]) -> None:
    source, work = case
    raw = (
        b"From: a@example.com\nTo: b@example.com\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/related; boundary="B"\n\n'
        b"--B\nContent-Type: text/html; charset=utf-8\n\n<p>Member: Jane Smith</p>\n"
        b"--B\nContent-Type: text/csv\n\nid,name\n1,Jane\n"
        b"--B\nContent-Type: image/png\nContent-Disposition: inline\nContent-Transfer-Encoding: base64\n\n"
        b"iVBORw0KGgoAAAAAAAAAAA==\n"
        b"--B--\n"
    )
    (source / "m.eml").write_bytes(raw)
    entries = run(source, work)
    assert [(e.path, e.type) for e in entries] == [
        ("m.eml!attachment-1.csv", "csv"),
        ("m.eml!attachment-2.png", "png"),
        ("m.eml", "eml"),
    ]
    assert entries[1].size == 16
    blocks = blocks_of(source / "m.eml")
    assert [(b.location, b.text) for b in blocks[1:]] == [("body line 1", "Member: Jane Smith\n")]


def test_reader_locates_the_member_line_in_the_body(tmp_path: Path) -> None:
    body = (
        "Hi team,\n"
        "\n"
        "Please correct the record below.\n"
        "\n"
        "Member: Jane Q. Public\n"
        "DOB: 04/12/1961\n"
        "\n"
        "Thanks,\nDana\n"
    )
    path = tmp_path / "m.eml"
    path.write_bytes(message("Record correction request", body).as_bytes())
    blocks = blocks_of(path)
    assert blocks[0] == TextBlock(
        "headers",
        "From: Dana Whitfield <dwhitfield@harborline-data.example>\n"
        "To: eligibility@harborline-data.example\n"
        "Subject: Record correction request\n"
        "Date: Fri, 01 Mar 2024 17:37:00 -0500\n",
        0,
    )
    [member] = [b for b in blocks if "Member:" in b.text]
    assert member.location == "body line 5"
    assert member.text == "Member: Jane Q. Public\nDOB: 04/12/1961\n"
    # Offsets count through the header block, a newline, then the body.
    document = blocks[0].text + "\n" + body
    assert document[member.offset : member.offset + len(member.text)] == member.text
    assert [b.location for b in blocks] == [
        "headers",
        "body line 1",
        "body line 3",
        "body line 5",
        "body line 8",
    ]


def test_html_only_body_is_turned_into_text(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["To"] = "b@example.com"
    msg["Subject"] = "=?utf-8?q?Gr=C3=BC=C3=9Fe?="
    msg.set_content(
        "<html><head><style>p {color: red}</style></head><body><p>Dear Jane Smith,</p>"
        "<p>Your member id&nbsp;is <b>XZ123</b>.<br>Call us.</p><script>var x = 1;</script></body></html>",
        subtype="html",
    )
    path = tmp_path / "h.eml"
    path.write_bytes(msg.as_bytes())
    blocks = blocks_of(path)
    assert "Subject: Grüße\n" in blocks[0].text
    assert [(b.location, b.text) for b in blocks[1:]] == [
        ("body line 1", "Dear Jane Smith,\n"),
        ("body line 3", "Your member id is XZ123.\nCall us.\n"),
    ]
    assert html_to_text("<div>a</div><div>b</div>") == "a\nb\n"
    assert html_to_text("<div>Hello!</div><div><br></div>\n  <div>Bye</div>") == "Hello!\n\nBye\n"
    assert (
        html_to_text("<table><tr><td>Member:</td><td>Jane Smith</td></tr></table>") == "Member: Jane Smith\n"
    )


def test_part_charsets_are_respected(tmp_path: Path) -> None:
    raw = (
        b"From: =?iso-8859-1?q?Ren=E9e_M=FCller?= <rm@example.com>\nTo: x@example.com\nSubject: s\n"
        b'MIME-Version: 1.0\nContent-Type: text/plain; charset="iso-8859-1"\n'
        b"Content-Transfer-Encoding: quoted-printable\n\nMember: Ren=E9e M=FCller\n"
    )
    path = tmp_path / "m.eml"
    path.write_bytes(raw)
    blocks = blocks_of(path)
    assert blocks[0].text.startswith("From: Renée Müller <rm@example.com>\n")
    assert blocks[1].text == "Member: Renée Müller\n"


# ------------------------------------------------------------------------------ mbox


def mbox_bytes(messages: list[bytes]) -> bytes:
    out = b""
    for i, raw in enumerate(messages):
        body = raw.replace(b"\r\n", b"\n")
        if not body.endswith(b"\n"):
            body += b"\n"
        out += f"From sender{i}@example.com Fri Mar  1 17:37:00 2024\n".encode() + body + b"\n"
    return out


def test_mbox_messages_are_eml_members(case: tuple[Path, Path]) -> None:
    source, work = case
    first = message("One", "Member: Jane Smith\n>From the desk of Dana\n").as_bytes()
    second = message("Two", "With a file.\n", [(CSV, "text", "csv", "list.csv")]).as_bytes()
    third = b"From: x@example.com\nTo: y@example.com\nSubject: Three\n\nLast one.\n\n\nSigned\n"
    (source / "inbox.mbox").write_bytes(mbox_bytes([first, second, third]))
    entries = run(source, work)
    assert [(e.path, e.type, e.status, e.is_container) for e in entries] == [
        ("inbox.mbox!message-00001.eml", "eml", "pending", True),
        ("inbox.mbox!message-00002.eml!list.csv", "csv", "pending", False),
        ("inbox.mbox!message-00002.eml", "eml", "pending", True),
        ("inbox.mbox!message-00003.eml", "eml", "pending", True),
        ("inbox.mbox", "mbox", "processed", True),
    ]
    rows = by_path(entries)
    # A message's bytes are the message itself: no "From " line, no separating blank line.
    assert rows["inbox.mbox!message-00001.eml"].local_path.read_bytes() == first.replace(b"\r\n", b"\n")
    assert rows["inbox.mbox!message-00003.eml"].local_path.read_bytes() == third
    assert rows["inbox.mbox!message-00002.eml!list.csv"].sha256 == sha(CSV)
    assert rows["inbox.mbox!message-00002.eml"].depth == 1
    assert rows["inbox.mbox!message-00002.eml!list.csv"].depth == 2
    blocks = blocks_of(rows["inbox.mbox!message-00001.eml"].local_path)
    assert "Subject: One\n" in blocks[0].text
    assert blocks[1] == TextBlock(
        "body line 1", "Member: Jane Smith\n>From the desk of Dana\n", blocks[1].offset
    )


def test_mbox_with_crlf_lines_and_a_long_line(case: tuple[Path, Path], monkeypatch) -> None:
    from exposure.inventory import mail

    monkeypatch.setattr(mail, "_MBOX_LINE_BYTES", 16)  # a line longer than one read, "From " inside it
    source, work = case
    one = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: 1\r\n\r\nxxxxxxxxxxxxxxxxFrom here on\r\n"
    two = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: 2\r\n\r\nbye\r\n"
    raw = b"From a@example.com Fri Mar  1 17:37:00 2024\r\n" + one + b"\r\n"
    raw += b"From a@example.com Fri Mar  1 17:38:00 2024\r\n" + two
    (source / "box").write_bytes(raw)
    rows = by_path(run(source, work))
    assert rows["box"].type == "mbox" and rows["box"].status == "processed"
    assert rows["box!message-00001.eml"].local_path.read_bytes() == one
    assert rows["box!message-00002.eml"].local_path.read_bytes() == two


# ------------------------------------------------------------------------------ containers around mail


def test_zip_holding_a_message_with_an_attachment(case: tuple[Path, Path]) -> None:
    source, work = case
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("m.eml", message(attachments=[(CSV, "text", "csv", "a.csv")]).as_bytes())
    (source / "x.zip").write_bytes(buffer.getvalue())
    entries = run(source, work)
    assert [(e.path, e.type, e.status, e.is_container, e.depth) for e in entries] == [
        ("x.zip!m.eml!a.csv", "csv", "pending", False, 2),
        ("x.zip!m.eml", "eml", "pending", True, 1),
        ("x.zip", "zip", "processed", True, 0),
    ]
    assert entries[0].sha256 == sha(CSV) and entries[0].parent == "x.zip!m.eml"


def test_zip_attached_to_a_message_is_opened(case: tuple[Path, Path]) -> None:
    source, work = case
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("inner/list.csv", CSV)
    msg = message(attachments=[(buffer.getvalue(), "application", "zip", "export.zip")])
    (source / "m.eml").write_bytes(msg.as_bytes())
    assert [(e.path, e.status) for e in run(source, work)] == [
        ("m.eml!export.zip!inner/list.csv", "pending"),
        ("m.eml!export.zip", "processed"),
        ("m.eml", "pending"),
    ]


def test_nested_messages_obey_the_depth_limit(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "a.eml").write_bytes(nested_message())
    rows = by_path(run(source, work, Limits(archive_max_depth=0)))
    assert rows["a.eml!b.eml"].status == "failed"
    assert rows["a.eml!b.eml"].reason == "archive nested deeper than 0 levels"
    assert "a.eml!b.eml!c.csv" not in rows
    assert (rows["a.eml"].status, rows["a.eml!people.csv"].status) == ("pending", "pending")


# ------------------------------------------------------------------------------ damage


def test_truncated_message_is_failed_and_keeps_what_was_read(case: tuple[Path, Path]) -> None:
    source, work = case
    raw = message(
        attachments=[
            (CSV, "text", "csv", "first.csv"),
            (b"x" * 3000, "application", "octet-stream", "big.bin"),
        ]
    ).as_bytes()
    (source / "cut.eml").write_bytes(raw[: len(raw) - 1500])
    entries = run(source, work)
    assert [(e.path, e.status) for e in entries] == [
        ("cut.eml!first.csv", "pending"),
        ("cut.eml!big.bin", "failed"),
        ("cut.eml", "failed"),
    ]
    assert entries[1].reason == "damaged attachment: cut off where the message ends"
    assert entries[2].reason == "damaged message: truncated (the file ends inside a MIME part)"
    assert entries[2].is_container and entries[2].type == "eml"


def test_multipart_message_without_boundaries_is_failed(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "bad.eml").write_bytes(
        b"From: a@example.com\nTo: b@example.com\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="nowhere"\n\nMember: Jane Smith\nSSN 219-09-9999\n'
    )
    [row] = run(source, work)
    assert (row.path, row.type, row.status) == ("bad.eml", "eml", "failed")
    assert row.reason == "damaged message: multipart body without its MIME boundaries"
    assert "Jane" not in row.reason


def test_invalid_base64_attachment_fails_alone(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "m.eml").write_bytes(
        b"From: a@example.com\nTo: b@example.com\nSubject: x\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nHello\n"
        b'--B\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="x.bin"\n'
        b"Content-Transfer-Encoding: base64\n\nQUJDR\n"
        b"--B--\n"
    )
    rows = by_path(run(source, work))
    assert (rows["m.eml!x.bin"].status, rows["m.eml!x.bin"].reason) == (
        "failed",
        "damaged attachment: invalid base64 data",
    )
    assert rows["m.eml"].status == "pending"


def test_message_too_large_to_parse_is_failed(case: tuple[Path, Path], monkeypatch) -> None:
    from exposure.inventory import mail

    monkeypatch.setattr(mail, "MAX_MESSAGE_BYTES", 100)
    source, work = case
    (source / "m.eml").write_bytes(nested_message())
    [row] = run(source, work)
    assert row.status == "failed"
    assert row.reason.startswith("too large to open as e-mail:")
