"""Documents: PDF (text and scanned), images by OCR, DOCX, DOC, RTF, ODT, PPTX and HTML.

Runs on the shared samples as they are and on files the tests generate. OCR tests
need the Debian ``tesseract-ocr`` and ``tesseract-ocr-eng`` packages and fail (not
skip) without them: CI installs them.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from lxml import etree
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pptx import Presentation
from pptx.util import Inches
from reportlab.lib.pagesizes import letter
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from exposure.detect import DetectContext, detect_text
from exposure.extract import ExtractError, ReadOptions, reader_for
from exposure.extract import ocr as ocr_module
from exposure.extract.base import set_read_options
from exposure.extract.doc import read_doc
from exposure.extract.docx import read_docx
from exposure.extract.html import read_html
from exposure.extract.images import read_image
from exposure.extract.ocr import LOW_CONFIDENCE, is_low_confidence, ocr_image, tesseract_available
from exposure.extract.odt import read_odt
from exposure.extract.pdf import read_pdf
from exposure.extract.pptx import read_pptx
from exposure.extract.rtf import read_rtf
from exposure.inventory import detect_type
from exposure.model import Table, TextBlock

from conftest import SAMPLES

PDF = SAMPLES / "pdf"
OFFICE = SAMPLES / "office"
IMAGE = SAMPLES / "image"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not available")


@pytest.fixture(autouse=True)
def default_read_options():
    set_read_options(ReadOptions())
    yield
    set_read_options(ReadOptions())


def text_of(blocks: list[TextBlock]) -> str:
    return "\n".join(block.text for block in blocks)


def assert_offsets_increase(blocks: list[TextBlock]) -> None:
    ends = [0] + [b.offset + len(b.text) for b in blocks]
    for block, previous_end in zip(blocks, ends, strict=False):
        assert block.offset >= previous_end, (block.location, block.offset, previous_end)


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def text_image(lines: list[str], size: tuple[int, int] = (1700, 700), font_size: int = 40) -> Image.Image:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((100, 100 + i * 120), line, fill=0, font=font(font_size))
    return image


# ------------------------------------------------------------------ types and registry


@needs_samples
@pytest.mark.parametrize(
    ("sample", "kind", "module"),
    [
        (PDF / "presidio_sample.pdf", "pdf", "pdf"),
        (IMAGE / "presidio_ocr_text.png", "png", "images"),
        (OFFICE / "unstructured_fake.docx", "docx", "docx"),
        (OFFICE / "unstructured_fake.doc", "doc", "doc"),
        (OFFICE / "unstructured_fake-doc.rtf", "rtf", "rtf"),
        (OFFICE / "unstructured_fake.odt", "odt", "odt"),
    ],
)
def test_inventory_types_reach_these_readers(sample: Path, kind: str, module: str) -> None:
    assert detect_type(sample) == kind
    assert reader_for(kind).name == module


def test_every_image_and_document_type_has_a_reader() -> None:
    for kind, module in [("jpeg", "images"), ("tiff", "images"), ("gif", "images"), ("bmp", "images"),
                         ("pptx", "pptx"), ("html", "html")]:  # fmt: skip
        assert reader_for(kind).name == module


# ------------------------------------------------------------------ OCR


def test_tesseract_is_installed() -> None:
    assert tesseract_available(), "install the Debian packages tesseract-ocr and tesseract-ocr-eng"


@needs_samples
def test_png_ocr_finds_the_name_phone_and_email() -> None:
    blocks = list(read_image(IMAGE / "presidio_ocr_text.png"))
    text = text_of(blocks)
    assert "David Johnson" in text
    assert "(212) 555-1234" in text
    assert "opencode@microsoft.com" in text
    assert blocks[0].location == "page 1 line 1"
    assert all(b.location.startswith("page 1 line ") for b in blocks)
    assert all(b.confidence is not None and b.confidence > 80 for b in blocks)
    assert_offsets_increase(blocks)
    found = detect_text(blocks, DetectContext())
    codes = {(e.code, e.value) for e in found.elements}
    assert ("email", "opencode@microsoft.com") in codes
    assert ("phone", "+12125551234") in codes


def test_multi_page_tiff_is_read_page_by_page(tmp_path: Path) -> None:
    pages = [
        text_image(["Patient: Maria Lopez", "Phone (415) 555-0142"]),
        text_image(["Member ID XJ4471902", "Email maria.lopez@example.org"]),
    ]
    path = tmp_path / "fax.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], dpi=(300, 300), compression="tiff_lzw")
    assert detect_type(path) == "tiff"
    blocks = list(read_image(path))
    by_page = {b.location.split(" line")[0]: b.text for b in blocks if "line 1" in b.location}
    assert "Maria Lopez" in by_page["page 1"]
    assert "XJ4471902" in by_page["page 2"]
    assert [b.location for b in blocks][:1] == ["page 1 line 1"]
    assert "maria.lopez@example.org" in text_of([b for b in blocks if b.location.startswith("page 2")])
    assert_offsets_increase(blocks)


def test_jpeg_bmp_and_gif_are_read(tmp_path: Path) -> None:
    image = text_image(["Claimant Dana Whitfield"], size=(1300, 300))
    for kind, name in (("JPEG", "a.jpg"), ("BMP", "a.bmp"), ("GIF", "a.gif")):
        image.save(tmp_path / name, format=kind)
        assert "Dana Whitfield" in text_of(list(read_image(tmp_path / name))), kind


def test_blurred_scan_is_low_confidence() -> None:
    image = Image.new("L", (700, 120), 255)
    ImageDraw.Draw(image).text((10, 40), "Claimant Robert Smith, phone 212 555 0188", fill=60, font=font(12))
    page = ocr_image(image.filter(ImageFilter.GaussianBlur(1.4)))
    assert page.blocks, "Tesseract read nothing at all"
    assert page.confidence is not None and page.confidence < LOW_CONFIDENCE
    assert all(is_low_confidence(b) for b in page.blocks)
    assert not is_low_confidence(TextBlock("line 1", "born-digital text"))


def test_transparent_png_is_read_on_white(tmp_path: Path) -> None:
    # Text drawn on a fully transparent black background: dropping alpha would leave black on black.
    image = Image.new("RGBA", (1300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).text((100, 100), "Beneficiary Omar Haddad", fill=(0, 0, 0, 255), font=font(40))
    image.save(tmp_path / "t.png")
    assert "Omar Haddad" in text_of(list(read_image(tmp_path / "t.png")))


def test_ocr_page_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text_image(["Member Ann Lee"]).save(tmp_path / "a.png")
    monkeypatch.setattr(ocr_module, "page_timeout", lambda: 0.001)
    with pytest.raises(ExtractError, match="OCR timed out"):
        list(read_image(tmp_path / "a.png"))


def test_ocr_page_time_limit_from_case_settings() -> None:
    set_read_options(ReadOptions(settings=(("ocr_page_timeout", "7.5"),)))
    assert ocr_module.page_timeout() == 7.5


def test_damaged_and_oversized_images_fail_plainly(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    text_image(["Member Ann Lee"]).save(buffer, format="PNG")
    (tmp_path / "cut.png").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ExtractError, match="damaged image"):
        list(read_image(tmp_path / "cut.png"))
    # A PNG whose header claims 60000 x 60000 pixels: refused before anything is decoded.
    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)
    chunks = b"".join(
        _png_chunk(kind, data) for kind, data in ((b"IHDR", header), (b"IDAT", b"x"), (b"IEND", b""))
    )
    (tmp_path / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunks)
    with pytest.raises(ExtractError, match="too large"):
        list(read_image(tmp_path / "bomb.png"))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# ------------------------------------------------------------------ PDF


@needs_samples
def test_presidio_pdf_text() -> None:
    blocks = list(read_pdf(PDF / "presidio_sample.pdf"))
    assert blocks[0].location == "page 1 line 1"
    text = text_of(blocks)
    assert "Hi my name is Charles Darwin and my email is cdarwin@hmsbeagle.org" in text
    assert "You can contact me on 01234 567890." in text
    assert all(b.confidence is None for b in blocks), "a born-digital page is not OCR'd"


@needs_samples
def test_memo_pdf_text() -> None:
    text = text_of(list(read_pdf(PDF / "unstructured_fake-memo.pdf")))
    assert "To Whom it May Concern:" in text
    assert "200 laptops delivered on January 23" in text


@needs_samples
def test_image_only_pdf_goes_through_ocr() -> None:
    blocks = list(read_pdf(PDF / "unstructured_loremipsum-flat.pdf"))
    assert blocks and all(b.location.startswith("page 1 line ") for b in blocks)
    assert blocks[0].text.startswith("Lorem ipsum dolor sit amet, consectetur adipiscing elit.")
    assert all(b.confidence is not None and b.confidence >= LOW_CONFIDENCE for b in blocks)
    assert "Pellentesque" in text_of(blocks)
    assert_offsets_increase(blocks)


@needs_samples
def test_garbage_ocr_layer_is_replaced_by_a_new_ocr() -> None:
    blocks = list(read_pdf(PDF / "unstructured_pdf-with-ocr-text.pdf"))
    text = text_of(blocks)
    assert "«POAH" not in text and "tanntxim" not in text, "the scanner's garbage layer was kept"
    assert "keep you posted on the progress of the" in text
    assert "A letter from" in text
    assert all(b.confidence is not None for b in blocks)


@needs_samples
def test_password_pdf_needs_its_password() -> None:
    with pytest.raises(ExtractError, match="^encrypted: password required$"):
        list(read_pdf(PDF / "unstructured_password.pdf"))
    set_read_options(ReadOptions(passwords=("wrong", "password")))
    blocks = list(read_pdf(PDF / "unstructured_password.pdf"))
    assert blocks[0].location == "page 1 line 1"
    assert "File with password" in blocks[0].text
    assert blocks[0].confidence is None, "a short born-digital page with no picture is not OCR'd"


@needs_samples
def test_damaged_pdf_fails_with_a_plain_reason(tmp_path: Path) -> None:
    data = (PDF / "presidio_sample.pdf").read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.pdf").write_bytes(
        b"%PDF-1.7\n" + bytes(random.Random(3).randrange(256) for _ in range(4000))
    )
    for name in ("cut.pdf", "junk.pdf"):
        with pytest.raises(ExtractError, match="^damaged PDF: ") as caught:
            list(read_pdf(tmp_path / name))
        assert "Darwin" not in str(caught.value)


def test_generated_pdf_pages_form_fields_and_a_scanned_page(tmp_path: Path) -> None:
    path = tmp_path / "mixed.pdf"
    pdf = canvas.Canvas(str(path), pagesize=letter)
    pdf.drawString(72, 720, "Enrollment form for the 2024 plan year")
    pdf.acroForm.textfield(name="member_name", value="Jane Q. Sample", x=72, y=650, width=200, height=20)
    pdf.acroForm.textfield(name="ssn", value="536-22-1234", x=72, y=600, width=200, height=20)
    pdf.showPage()
    pdf.drawString(72, 720, "Second page: Dear Pat Rivera,")
    pdf.drawString(72, 700, "")
    pdf.drawString(72, 680, "Your member number is on file.")
    pdf.showPage()
    scan = text_image(
        ["Scanned note about Kim Nakamura", "Call (503) 555-0199"], size=(2550, 3300), font_size=50
    )
    pdf.drawImage(ImageReader(scan), 0, 0, width=letter[0], height=letter[1])
    # Software stamps a Bates number on the scan: a text layer, but not the page's content.
    pdf.drawString(300, 30, "CONFIDENTIAL - PRODUCED - BATES 000123")
    pdf.showPage()
    pdf.save()
    blocks = list(read_pdf(path))
    by_location = {b.location: b for b in blocks}
    assert by_location["page 1 line 1"].text == "Enrollment form for the 2024 plan year"
    assert by_location["page 1 form fields"].text == "member_name: Jane Q. Sample\nssn: 536-22-1234"
    assert "Dear Pat Rivera," in by_location["page 2 line 1"].text
    assert by_location["page 2 line 1"].confidence is None
    scanned = [b for b in blocks if b.location.startswith("page 3")]
    assert "Kim Nakamura" in text_of(scanned) and "(503) 555-0199" in text_of(scanned)
    assert "BATES 000123" in text_of(scanned), "the OCR of the rendered page reads the stamp too"
    assert all(b.confidence is not None for b in scanned)
    assert_offsets_increase(blocks)


# ------------------------------------------------------------------ DOCX


@needs_samples
def test_docx_sample() -> None:
    blocks = list(read_docx(OFFICE / "unstructured_fake.docx"))
    assert [(b.location, b.text) for b in blocks] == [("paragraph 1", "Lorem ipsum dolor sit amet.")]


def _docx_with_table_and_header(path: Path) -> None:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Oceanview Life & Annuity - Member Services"
    document.sections[0].footer.paragraphs[0].text = "Confidential footer"
    document.add_paragraph("Claims register")
    document.add_paragraph("")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate([["Name", "SSN", "DOB"], ["Ruth Alvarez", "536-22-1234", "04/05/1976"],
                             ["Owen Park", "", "11/30/1980"]]):  # fmt: skip
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(2, 1).add_table(rows=1, cols=2).cell(0, 0).text = "nested"
    document.add_paragraph("End of register")
    # A content control (form letters put the addressee there); python-docx's own API would skip it.
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    control = etree.fromstring(
        f'<w:sdt xmlns:w="{w}"><w:sdtContent><w:p><w:r><w:t>Addressee: Lena Fischer</w:t></w:r>'
        "</w:p></w:sdtContent></w:sdt>"
    )
    document.element.body.insert(0, control)
    document.save(str(path))


def test_docx_table_rows_header_footer_and_content_controls(tmp_path: Path) -> None:
    path = tmp_path / "register.docx"
    _docx_with_table_and_header(path)
    blocks = list(read_docx(path))
    pairs = [(b.location, b.text) for b in blocks]
    assert pairs[0] == ("header", "Oceanview Life & Annuity - Member Services")
    assert pairs[-1] == ("footer", "Confidential footer")
    assert ("paragraph 1", "Addressee: Lena Fischer") in pairs
    assert ("paragraph 2", "Claims register") in pairs
    assert ("table 1 row 1", "Name | SSN | DOB") in pairs
    assert ("table 1 row 2", "Ruth Alvarez | 536-22-1234 | 04/05/1976") in pairs
    assert ("table 1 row 3", "Owen Park | nested |  | 11/30/1980") in pairs
    assert ("paragraph 4", "End of register") in pairs  # the blank paragraph 3 is counted, not yielded
    assert_offsets_increase(blocks)


def test_docx_letter_end_to_end_through_detect(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("March 3, 2024")
    document.add_paragraph("Dear Jane Q. Sample,")
    document.add_paragraph(
        "We write about an incident involving your information, including your SSN 536-22-1234 "
        "and Date of birth: 04/05/1976."
    )
    document.add_paragraph("Sincerely,")
    path = tmp_path / "letter.docx"
    document.save(str(path))
    found = detect_text(list(read_docx(path)), DetectContext())
    people = [m for m in found.mentions if m.last_name == "Sample"]
    assert len(people) == 1
    person = people[0]
    assert (person.first_name, person.middle_name) == ("Jane", "Q.")
    assert person.location == "paragraph 2"
    assert person.ssn == "536221234"
    assert person.date_of_birth == "1976-04-05"
    codes = {e.code for e in found.elements if e.mention_key == person.key}
    assert {"name", "ssn", "date_of_birth"} <= codes
    ssn = next(e for e in found.elements if e.code == "ssn")
    assert ssn.location == "paragraph 3"


def test_encrypted_and_damaged_docx(tmp_path: Path) -> None:
    (tmp_path / "locked.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(ExtractError, match="^encrypted: password required$"):
        list(read_docx(tmp_path / "locked.docx"))
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ExtractError, match="damaged DOCX"):
        list(read_docx(tmp_path / "bad.docx"))
    with zipfile.ZipFile(tmp_path / "empty.docx", "w") as archive:
        archive.writestr("hello.txt", "no word document here")
    with pytest.raises(ExtractError, match="damaged DOCX"):
        list(read_docx(tmp_path / "empty.docx"))


# ------------------------------------------------------------------ DOC, RTF, ODT


@needs_samples
def test_doc_sample() -> None:
    blocks = list(read_doc(OFFICE / "unstructured_fake.doc"))
    assert [(b.location, b.text) for b in blocks] == [("paragraph 1", "Lorem ipsum dolor sit amet.")]


def test_doc_that_is_not_ole_fails(tmp_path: Path) -> None:
    (tmp_path / "fake.doc").write_text("just text with a .doc name")
    with pytest.raises(ExtractError, match="damaged DOC"):
        list(read_doc(tmp_path / "fake.doc"))
    (tmp_path / "cut.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(ExtractError, match="damaged DOC"):
        list(read_doc(tmp_path / "cut.doc"))


@needs_samples
def test_rtf_sample_paragraphs_and_table_rows() -> None:
    pairs = [(b.location, b.text) for b in read_rtf(OFFICE / "unstructured_fake-doc.rtf")]
    assert pairs[0] == ("paragraph 1", "My First Heading")
    assert ("paragraph 2", "My first paragraph.") in pairs
    assert ("paragraph 5", "Row 1, Cell 1 | Row 1, Cell 2") in pairs


def test_rtf_code_page_and_unicode(tmp_path: Path) -> None:
    (tmp_path / "a.rtf").write_bytes(
        rb"{\rtf1\ansi\ansicpg1252 {\fonttbl{\f0 Arial;}}\f0 Patient Jos\'e9 M\u252?ller\par "
        rb"DOB 01/02/1960\par}"
    )
    pairs = [(b.location, b.text) for b in read_rtf(tmp_path / "a.rtf")]
    assert pairs[0][0] == "paragraph 1" and "José" in pairs[0][1] and "Müller" in pairs[0][1]
    assert pairs[1] == ("paragraph 2", "DOB 01/02/1960")
    (tmp_path / "b.rtf").write_bytes(b"not rtf at all")
    with pytest.raises(ExtractError, match="damaged RTF"):
        list(read_rtf(tmp_path / "b.rtf"))


@needs_samples
def test_odt_sample() -> None:
    pairs = [(b.location, b.text) for b in read_odt(OFFICE / "unstructured_fake.odt")]
    assert pairs[0] == ("paragraph 1", "Lorem ipsum dolor sit amet.")
    assert ("table 1 row 1", "Header row | Mon | Wed | Fri") in pairs
    assert ("table 1 row 4", "Leader | Sarah | Mark | Ryan") in pairs


_ODF = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)


def _odt(path: Path, body: str, master: str = "", encrypted: bool = False) -> None:
    content = f'<?xml version="1.0"?><office:document-content {_ODF}><office:body><office:text>{body}'
    content += "</office:text></office:body></office:document-content>"
    styles = f'<?xml version="1.0"?><office:document-styles {_ODF}><office:master-styles>{master}'
    styles += "</office:master-styles></office:document-styles>"
    manifest = (
        "<manifest><file-entry><encryption-data/></file-entry></manifest>" if encrypted else "<manifest/>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("styles.xml", styles)
        archive.writestr("META-INF/manifest.xml", manifest)


def test_generated_odt_header_spans_tables_and_tracked_deletions(tmp_path: Path) -> None:
    body = (
        "<text:tracked-changes><text:changed-region><text:deletion><text:p>Deleted Ida Gone</text:p>"
        "</text:deletion></text:changed-region></text:tracked-changes>"
        '<text:h>Notice</text:h><text:p>Dear <text:span>Carl</text:span><text:s text:c="2"/>Ochoa,'
        "<text:line-break/>SSN<text:tab/>536-22-1234"
        "<office:annotation><dc:creator>Staff Reviewer</dc:creator>"
        "<text:p>checked</text:p></office:annotation>"
        "</text:p>"
        "<table:table><table:table-row><table:table-cell><text:p>Name</text:p></table:table-cell>"
        "<table:table-cell><text:p>Phone</text:p></table:table-cell></table:table-row>"
        "<table:table-row><table:table-cell><text:p>Bea Stone</text:p></table:table-cell>"
        "<table:table-cell><text:p>(212) 555-0101</text:p></table:table-cell></table:table-row></table:table>"
        "<text:list><text:list-item><text:p>List item one</text:p></text:list-item></text:list>"
    )
    master = (
        '<style:master-page style:name="Standard">'
        "<style:header><text:p>Oceanview Claims</text:p></style:header>"
        "<style:footer><text:p>Page footer</text:p></style:footer></style:master-page>"
    )
    path = tmp_path / "notice.odt"
    _odt(path, body, master)
    assert detect_type(path) == "odt"
    blocks = list(read_odt(path))
    pairs = [(b.location, b.text) for b in blocks]
    assert pairs == [
        ("header", "Oceanview Claims"),
        ("paragraph 1", "Notice"),
        ("paragraph 2", "Dear Carl  Ochoa,\nSSN\t536-22-1234checked"),
        ("table 1 row 1", "Name | Phone"),
        ("table 1 row 2", "Bea Stone | (212) 555-0101"),
        ("paragraph 3", "List item one"),
        ("footer", "Page footer"),
    ]
    assert_offsets_increase(blocks)


def test_encrypted_and_damaged_odt(tmp_path: Path) -> None:
    _odt(tmp_path / "locked.odt", "<text:p>x</text:p>", encrypted=True)
    with pytest.raises(ExtractError, match="^encrypted: password required$"):
        list(read_odt(tmp_path / "locked.odt"))
    _odt(tmp_path / "broken.odt", "<text:p>unclosed")
    with pytest.raises(ExtractError, match="damaged ODT: invalid XML"):
        list(read_odt(tmp_path / "broken.odt"))
    bomb = f'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><office:document-content {_ODF}>&a;'
    bomb += "</office:document-content>"
    with zipfile.ZipFile(tmp_path / "entity.odt", "w") as archive:
        archive.writestr("content.xml", bomb)
    with pytest.raises(ExtractError, match="damaged ODT"):
        list(read_odt(tmp_path / "entity.odt"))


# ------------------------------------------------------------------ PPTX and HTML


def test_pptx_shapes_tables_groups_and_notes(tmp_path: Path) -> None:
    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Claims review"
    first.placeholders[1].text = "Member Jane Q. Sample\nDOB 04/05/1976"
    group = first.shapes.add_group_shape()
    group.shapes.add_textbox(
        Inches(1), Inches(5), Inches(3), Inches(1)
    ).text_frame.text = "Grouped: Ravi Patel"
    second = deck.slides.add_slide(deck.slide_layouts[5])
    table = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for (r, c), value in {
        (0, 0): "Name",
        (0, 1): "Phone",
        (1, 0): "John Roe",
        (1, 1): "(212) 555-1234",
    }.items():
        table.cell(r, c).text = value
    second.notes_slide.notes_text_frame.text = "Call john.roe@example.com"
    path = tmp_path / "deck.pptx"
    deck.save(str(path))
    assert detect_type(path) == "pptx"
    items = list(read_pptx(path))
    blocks = [item for item in items if isinstance(item, TextBlock)]
    pairs = [(b.location, b.text) for b in blocks]
    assert ("slide 1", "Claims review") in pairs
    assert ("slide 1", "Member Jane Q. Sample\nDOB 04/05/1976") in pairs
    assert ("slide 1", "Grouped: Ravi Patel") in pairs
    assert ("slide 2 notes", "Call john.roe@example.com") in pairs
    assert_offsets_increase(blocks)
    # a slide table is records, its header row naming the columns, so detection reads it like a sheet
    (table,) = [item for item in items if isinstance(item, Table)]
    assert (table.name, table.columns, table.has_header) == ("slide 2 table 1", ["Name", "Phone"], True)
    assert list(table.rows) == [(2, ["John Roe", "(212) 555-1234"])]


HTML = """<!DOCTYPE html>
<html><head><title>Member letter</title>
<style>p { color: red }</style>
<script>var leaked = "should not be read";</script>
<body>
<p>Dear Jane Q. Sample,<br>12 Main St<br>Springfield, IL 62704</p>
<div>Your SSN 536-22-1234 &amp; date of birth 04/05/1976
were exposed.</div>
<table><tr><th>Name</th><th>Phone</th></tr>
<tr><td><div>John Roe</div></td><td>(212) 555-1234</td></tr></table>
<form><input type="text" name="email" value="jroe@example.com"><input type="password" value="hunter2"></form>
<!-- a comment -->
"""


def test_html_visible_text_blocks_and_source_lines(tmp_path: Path) -> None:
    path = tmp_path / "letter.html"
    path.write_text(HTML, encoding="utf-8")
    assert detect_type(path) == "html"
    blocks = list(read_html(path))
    pairs = [(b.location, b.text) for b in blocks]
    assert pairs == [
        ("line 2", "Member letter"),
        ("line 6", "Dear Jane Q. Sample,\n12 Main St\nSpringfield, IL 62704"),
        ("line 7", "Your SSN 536-22-1234 & date of birth 04/05/1976 were exposed."),
        ("line 9", "Name | Phone"),
        ("line 10", "John Roe | (212) 555-1234"),
        ("line 11", "jroe@example.com"),
    ]
    assert "should not be read" not in text_of(blocks) and "hunter2" not in text_of(blocks)
    assert_offsets_increase(blocks)


def test_large_html_is_streamed_across_chunks(tmp_path: Path) -> None:
    rows = "\n".join(f"<tr><td>Person {i:05d}</td><td>{i:05d}</td></tr>" for i in range(20_000))
    path = tmp_path / "export.html"
    path.write_text(f"<html><body><table>\n{rows}\n</table></body></html>", encoding="utf-8")
    assert path.stat().st_size > 3 * 64 * 1024
    blocks = list(read_html(path))
    assert len(blocks) == 20_000
    assert (blocks[12_345].location, blocks[12_345].text) == ("line 12347", "Person 12345 | 12345")
    assert_offsets_increase(blocks)
