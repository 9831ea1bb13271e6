"""Password-protected Office files: read with the right case password, failed as encrypted without it.

The protected DOCX and PPTX are generated here (python-docx / python-pptx, then encrypted with
msoffcrypto-tool, Agile encryption as Office writes it); the XLSX is the shared sample (password 123).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from msoffcrypto.format.ooxml import OOXMLFile
from pptx import Presentation
from pptx.util import Inches

from exposure.extract import ExtractError, ReadOptions, reader_for
from exposure.extract.base import set_read_options
from exposure.extract.doc import read_doc
from exposure.extract.docx import read_docx
from exposure.extract.office_crypto import decrypted, is_encrypted_office
from exposure.extract.pptx import read_pptx
from exposure.inventory.sniff import detect_type
from exposure.model import Table, TextBlock

from conftest import SAMPLES

PASSWORD = "Tr0ub4dor&3"
MEMBER_LINE = "Member: Rosalind Okafor, DOB 04/12/1961, SSN 521-44-8830"


@pytest.fixture(autouse=True)
def _reset_read_options() -> Iterator[None]:
    set_read_options(ReadOptions())
    yield
    set_read_options(ReadOptions())


def encrypt_ooxml(plain: bytes, target: Path, password: str = PASSWORD) -> Path:
    office = OOXMLFile(io.BytesIO(plain))
    with target.open("wb") as out:
        office.encrypt(password, out)
    return target


def docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("Oceanview Life & Annuity")
    document.add_paragraph(MEMBER_LINE)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pptx_bytes() -> bytes:
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(8), Inches(1))
    box.text_frame.text = MEMBER_LINE
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def texts(blocks: list[object]) -> str:
    return "\n".join(b.text for b in blocks if isinstance(b, TextBlock))


@pytest.fixture
def locked_docx(tmp_path: Path) -> Path:
    return encrypt_ooxml(docx_bytes(), tmp_path / "letter.docx")


@pytest.fixture
def locked_pptx(tmp_path: Path) -> Path:
    return encrypt_ooxml(pptx_bytes(), tmp_path / "members.pptx")


def test_an_encrypted_docx_is_an_ole_file_named_by_its_extension(locked_docx: Path, tmp_path: Path) -> None:
    assert locked_docx.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    assert is_encrypted_office(locked_docx)
    assert detect_type(locked_docx, name=locked_docx.name) == "docx"
    nameless = tmp_path / "attachment.bin"
    shutil.copy(locked_docx, nameless)
    assert detect_type(nameless) == "ole"  # inside an archive under another name: only 'ole'


@pytest.mark.parametrize(("fixture", "read"), [("locked_docx", read_docx), ("locked_pptx", read_pptx)])
def test_protected_document_needs_a_case_password(
    fixture: str, read: object, request: pytest.FixtureRequest
) -> None:
    path: Path = request.getfixturevalue(fixture)
    with pytest.raises(ExtractError, match="^encrypted: password required$"):
        list(read(path))  # type: ignore[operator]
    set_read_options(ReadOptions(passwords=("wrong", "Summer2023")))
    with pytest.raises(ExtractError, match="^encrypted: password required"):
        list(read(path))  # type: ignore[operator]
    set_read_options(ReadOptions(passwords=("wrong", PASSWORD)))
    found = texts(list(read(path)))  # type: ignore[operator]
    assert MEMBER_LINE in found


def test_protected_docx_under_another_name_is_read_as_ole(locked_docx: Path, tmp_path: Path) -> None:
    nameless = tmp_path / "attachment.bin"
    shutil.copy(locked_docx, nameless)
    reader = reader_for(detect_type(nameless))
    assert reader is not None
    with pytest.raises(ExtractError, match="^encrypted: password required$"):
        list(reader.read(nameless))
    set_read_options(ReadOptions(passwords=(PASSWORD,)))
    blocks = list(reader.read(nameless))
    assert MEMBER_LINE in texts(blocks)
    assert [b.location for b in blocks if isinstance(b, TextBlock)] == ["paragraph 1", "paragraph 2"]


def test_decrypted_copy_is_removed_after_reading(locked_docx: Path) -> None:
    set_read_options(ReadOptions(passwords=(PASSWORD,)))
    with decrypted(locked_docx) as plain:
        assert plain.read_bytes()[:2] == b"PK"
        kept = plain
    assert not kept.exists()


def test_password_protected_xlsx_sample_opens_with_123() -> None:
    path = SAMPLES / "office" / "unstructured_password_protected.xlsx"
    if not path.is_file():
        pytest.skip("shared samples not present")
    kind = detect_type(path, name=path.name)
    reader = reader_for(kind)
    assert reader is not None
    with pytest.raises(ExtractError, match="^encrypted: password required$"):
        list(reader.read(path))
    set_read_options(ReadOptions(passwords=("12",)))
    with pytest.raises(ExtractError, match="^encrypted: password required"):
        list(reader.read(path))
    set_read_options(ReadOptions(passwords=("123",)))
    tables = [t for t in reader.read(path) if isinstance(t, Table)]
    assert tables and any(list(t.rows) for t in tables)


def test_ole_garbage_under_a_docx_name_is_damaged_not_decrypted(tmp_path: Path) -> None:
    fake = tmp_path / "locked.docx"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(ExtractError, match="^encrypted: password required$"):
        list(read_docx(fake))
    set_read_options(ReadOptions(passwords=(PASSWORD,)))
    with pytest.raises(ExtractError, match="damaged"):
        list(read_docx(fake))


def test_unprotected_doc_sample_is_still_read_without_passwords() -> None:
    path = SAMPLES / "office" / "unstructured_fake.doc"
    if not path.is_file() or shutil.which("catdoc") is None:
        pytest.skip("needs the shared sample and catdoc")
    assert not is_encrypted_office(path)
    set_read_options(ReadOptions(passwords=(PASSWORD,)))
    assert texts(list(read_doc(path))).strip()
