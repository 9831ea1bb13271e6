"""More document formats of the demo share: an HTML portal export, an XML export, RTF and ODT letters,
a PPTX slide with a table of members, and a two-page TIFF fax scan.

Locations in the truth:
- HTML: ``line N``, the source line where the member's block (one ``<p>``) starts.
- XML: ``record N``, the 1-based ``<member>`` element.
- RTF and ODT: ``paragraph N`` (1-based over the body's paragraphs, empty ones included).
- PPTX: ``slide 1 table 1 row N`` (the header is row 1).
- TIFF: ``page N``, one letter per page.
Each writer fixes every date and id it stores, so the same seed gives the same bytes.
"""

from __future__ import annotations

import html
import io
from xml.sax.saxutils import escape

from exposure.demo.documents import Doc, PersonMention, fixed_time_zip, opendocument_bytes
from exposure.demo.kinds_office import SCAN_MARGIN, SCAN_SIZE, letter_lines, letter_people
from exposure.demo.layout import OCEANVIEW_DIR, OCEANVIEW_NAME, Batch, unique_people
from exposure.demo.people import SEGMENT_OCEANVIEW, Person, full_display, masked_ssn, us_date


def _adults(batch: Batch) -> list[Person]:
    return [p for p in batch.people(SEGMENT_OCEANVIEW) if p.is_adult]


def _some(batch: Batch, count: int) -> list[Person]:
    return unique_people(batch.sample(_adults(batch), 0, count))


# ---- HTML: a member portal export ---------------------------------------------------------


def html_files(batch: Batch) -> list[Doc]:
    return [portal_export_html(batch, _some(batch, 3))]


def portal_export_html(batch: Batch, people: list[Person]) -> Doc:
    """One ``<p>`` per member on one source line; the last member's SSN is masked, as portals show it."""
    lines = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"><title>Member portal - export</title>',
        "<style>p.member { margin: 1em 0; }</style></head>",
        "<body>",
        f"<h1>{html.escape(OCEANVIEW_NAME)} member portal</h1>",
        '<div class="export">',
    ]
    mentions = []
    for number, person in enumerate(people):
        masked = number == len(people) - 1 and len(people) > 1
        ssn = masked_ssn(person) if masked else person.ssn
        lines.append(
            f'<p class="member">Member: {html.escape(full_display(person))}<br>'
            f"DOB: {us_date(person.date_of_birth)}<br>SSN: {ssn}</p>"
        )
        elements = {"name", "date_of_birth"} | (set() if masked else {"ssn"})
        mentions.append(PersonMention(f"line {len(lines)}", person, frozenset(elements)))
    lines += ["</div>", "<p>Exported by the portal's admin console.</p>", "</body></html>"]
    name = batch.named(f"{OCEANVIEW_DIR}/portal/member_export.html")
    return Doc(name, ("\n".join(lines) + "\n").encode("utf-8"), mentions, format="html")


# ---- XML: repeated <member> records ------------------------------------------------------------


def xml_files(batch: Batch) -> list[Doc]:
    return [members_xml(batch, _some(batch, 5))]


def members_xml(batch: Batch, people: list[Person]) -> Doc:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<members export="2024-03-01">']
    mentions = []
    for number, person in enumerate(people, 1):
        lines += [
            f'  <member id="{batch.member_id(person, "OV")}">',
            f"    <first_name>{escape(person.first_name)}</first_name>",
            f"    <last_name>{escape(person.last_name)}</last_name>",
            f"    <dob>{person.date_of_birth.isoformat()}</dob>",
            f"    <ssn>{person.ssn}</ssn>",
            "  </member>",
        ]
        elements = frozenset({"name", "date_of_birth", "ssn"})
        mentions.append(PersonMention(f"record {number}", person, elements))
    lines.append("</members>")
    name = batch.named(f"{OCEANVIEW_DIR}/export/members_export.xml")
    return Doc(name, ("\n".join(lines) + "\n").encode("utf-8"), mentions, format="xml")


# ---- RTF: a letter written as RTF by hand ----------------------------------------------------


def rtf_files(batch: Batch) -> list[Doc]:
    return [rtf_letter(batch, person, n) for n, person in enumerate(_some(batch, 2))]


def _rtf_text(value: str) -> str:
    """RTF escapes: backslash and braces; anything beyond ASCII as ``\\uN?``."""
    out = []
    for ch in value:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ord(ch) > 127:
            out.append(f"\\u{ord(ch) if ord(ch) < 32768 else ord(ch) - 65536}?")
        else:
            out.append(ch)
    return "".join(out)


def rtf_letter(batch: Batch, person: Person, number: int) -> Doc:
    """One paragraph (``\\par``) per letter line, each on its own source line."""
    lines, name_at, elements = letter_lines(batch, person, with_ssn=number % 2 == 0)
    body = [_rtf_text(line) + "\\par" for line in lines]
    text = "\n".join(["{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}", "\\f0\\fs22", *body, "}"])
    mention = PersonMention(f"paragraph {name_at + 1}", person, frozenset(elements))
    name = f"{OCEANVIEW_DIR}/letters/rtf/{batch.named('letter')}_{batch.member_id(person, 'OV')}.rtf"
    return Doc(name, (text + "\n").encode("ascii"), [mention], format="rtf")


# ---- ODT: an OpenDocument letter, zipped by hand ----------------------------------------------

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_ODT_MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def odt_files(batch: Batch) -> list[Doc]:
    return [odt_letter(batch, person, n) for n, person in enumerate(_some(batch, 2))]


def odt_letter(batch: Batch, person: Person, number: int) -> Doc:
    lines, name_at, elements = letter_lines(batch, person, with_ssn=number % 2 == 1)
    paragraphs = "\n".join(f"   <text:p>{escape(line)}</text:p>" for line in lines)
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body>
  <office:text>
{paragraphs}
  </office:text>
 </office:body>
</office:document-content>
"""
    mention = PersonMention(f"paragraph {name_at + 1}", person, frozenset(elements))
    name = f"{OCEANVIEW_DIR}/letters/odt/{batch.named('letter')}_{batch.member_id(person, 'OV')}.odt"
    return Doc(name, odt_bytes(content.encode("utf-8")), [mention], format="odt")


def odt_bytes(content: bytes) -> bytes:
    return opendocument_bytes(ODT_MIMETYPE, content, _ODT_MANIFEST)


# ---- PPTX: a slide with a table of members -----------------------------------------------------

PPTX_COLUMNS = ("Member ID", "Name", "Date of Birth", "SSN")


def pptx_files(batch: Batch) -> list[Doc]:
    return [members_pptx(batch, _some(batch, 4))]


def members_pptx(batch: Batch, people: list[Person]) -> Doc:
    from pptx import Presentation  # imported here: generating the classic corpus does not need it
    from pptx.util import Inches, Pt

    presentation = Presentation()
    presentation.core_properties.author = "Client Services"
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])  # title only
    slide.shapes.title.text = "March load: members to re-send"
    shape = slide.shapes.add_table(len(people) + 1, len(PPTX_COLUMNS), Inches(0.5), Inches(1.8),
                                   Inches(9), Inches(0.4) * (len(people) + 1))  # fmt: skip
    table = shape.table
    for column, label in enumerate(PPTX_COLUMNS):
        table.cell(0, column).text = label
    mentions = []
    for row, person in enumerate(people, 1):
        member_id, born = batch.member_id(person, "OV"), us_date(person.date_of_birth)
        values = (member_id, full_display(person), born, person.ssn)
        for column, value in enumerate(values):
            cell = table.cell(row, column)
            cell.text = value
            cell.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
        elements = frozenset({"name", "date_of_birth", "ssn"})
        mentions.append(PersonMention(f"slide 1 table 1 row {row + 1}", person, elements))
    buffer = io.BytesIO()
    presentation.save(buffer)
    name = batch.named(f"{OCEANVIEW_DIR}/reports/march_load_review.pptx")
    return Doc(name, fixed_time_zip(buffer.getvalue()), mentions, format="pptx")


# ---- TIFF: a two-page fax, one letter per page (needs OCR) ---------------------------------------


def tiff_files(batch: Batch) -> list[Doc]:
    return [fax_tiff(batch, letter_people(batch, 2))]


def fax_tiff(batch: Batch, people: list[Person]) -> Doc:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=28)  # Pillow's bundled font: the same glyphs on every machine
    pages, mentions = [], []
    for number, person in enumerate(people, 1):
        page = Image.new("L", SCAN_SIZE, color=250)
        draw = ImageDraw.Draw(page)
        lines = [
            f"FAX  page {number} of {len(people)}  to: {OCEANVIEW_NAME} Policy Services",
            "",
            "Request for a duplicate contract statement",
            "",
            f"Name: {full_display(person)}",
            f"Date of birth: {us_date(person.date_of_birth)}",
            f"SSN: {person.ssn}",
            f"Address: {person.address_line1}",
            f"         {person.city}, {person.state} {person.postal_code}",
            "",
            "Please mail the statement to the address above.",
        ]
        y = SCAN_MARGIN
        for line in lines:
            draw.text((SCAN_MARGIN, y), line, fill=20, font=font)
            y += 52
        pages.append(page)
        mentions.append(
            PersonMention(f"page {number}", person, frozenset({"name", "address", "date_of_birth", "ssn"}))
        )
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    name = batch.named(f"{OCEANVIEW_DIR}/scans/fax_20240305.tif")
    return Doc(name, buffer.getvalue(), mentions, format="tiff")
