"""Office files of the demo share: an XLSX workbook, DOCX and PDF letters, a scanned letter (PNG).

Locations in the truth: ``<sheet>!row N`` (the row number Excel shows), ``paragraph N``
(1-based over the document body's paragraphs, empty ones included, as python-docx lists
them), ``page N`` for PDF pages and for the scanned image (one page).
"""

from __future__ import annotations

import datetime as dt
import io

from exposure.demo.documents import Doc, PersonMention, fixed_time_zip, row_elements
from exposure.demo.layout import OCEANVIEW_DIR, OCEANVIEW_NAME, Batch, unique_people
from exposure.demo.people import (
    SEGMENT_OCEANVIEW,
    Person,
    full_display,
    last_comma_first_mi,
    phone_as,
    us_date,
)

LETTER_DATE = dt.date(2024, 2, 20)
FIXED_DOC_TIME = dt.datetime(2024, 3, 1, 9, 30, 0)

WORKBOOK_COLUMNS = [
    "Member ID", "Last Name", "First Name", "Middle Name", "Date of Birth", "SSN", "Address", "City", "State",
    "ZIP", "Phone", "Email",
]  # fmt: skip
WORKBOOK_ELEMENTS = {
    "Last Name": "name", "First Name": "name", "Date of Birth": "date_of_birth", "SSN": "ssn",
    "Address": "address", "Phone": "phone", "Email": "email",
}  # fmt: skip
TERMINATED_COLUMNS = ["member_id", "member_name", "dob", "ssn", "term_date"]
TERMINATED_ELEMENTS = {"member_name": "name", "dob": "date_of_birth", "ssn": "ssn"}


def _oceanview_people(batch: Batch) -> list[Person]:
    return batch.people(SEGMENT_OCEANVIEW)


# ---- XLSX ---------------------------------------------------------------------------------


def workbook_files(batch: Batch) -> list[Doc]:
    members = _oceanview_people(batch)
    active = batch.sample(members, 0.25, 6)
    chosen = {p.truth_id for p in active}
    terminated = batch.sample([p for p in members if p.truth_id not in chosen and p.is_adult], 0.05, 3)
    return [members_workbook(batch, active, terminated)]


def members_workbook(batch: Batch, active: list[Person], terminated: list[Person]) -> Doc:
    """Two sheets: the visible ``Members`` (a title banner above the header) and a hidden ``Terminated``."""
    from openpyxl import Workbook  # imported here: generating the classic corpus does not need it

    workbook = Workbook()
    workbook.properties.creator = "Harborline Data Services"
    workbook.properties.created = FIXED_DOC_TIME
    members = workbook.active
    members.title = "Members"
    members.append([f"{OCEANVIEW_NAME} - group members as of 2024-02-29"])
    members.append([])
    members.append(WORKBOOK_COLUMNS)
    mentions: list[PersonMention] = []
    for person in active:
        row = {
            "Member ID": batch.member_id(person, "OV"),
            "Last Name": person.last_name,
            "First Name": person.first_name,
            "Middle Name": person.middle_name,
            "Date of Birth": person.date_of_birth,  # a real date cell, shown as the number format says
            "SSN": person.ssn,
            "Address": person.address_line1,
            "City": person.city,
            "State": person.state,
            "ZIP": person.postal_code,
            "Phone": phone_as(person, 0),
            "Email": person.email,
        }
        members.append([row[c] for c in WORKBOOK_COLUMNS])
        members.cell(row=members.max_row, column=5).number_format = "mm/dd/yyyy"
        mentions.append(
            PersonMention(f"Members!row {members.max_row}", person, row_elements(row, WORKBOOK_ELEMENTS))
        )
    hidden = workbook.create_sheet("Terminated")
    hidden.sheet_state = "hidden"  # hidden sheets are read too: people in them are exposed all the same
    hidden.append(TERMINATED_COLUMNS)
    for person in terminated:
        row = {
            "member_id": batch.member_id(person, "OV"),
            "member_name": last_comma_first_mi(person, upper=True),
            "dob": us_date(person.date_of_birth),
            "ssn": person.ssn,
            "term_date": "2023-12-31",
        }
        hidden.append([row[c] for c in TERMINATED_COLUMNS])
        mentions.append(
            PersonMention(f"Terminated!row {hidden.max_row}", person, row_elements(row, TERMINATED_ELEMENTS))
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    name = batch.named(f"{OCEANVIEW_DIR}/members/group_members_2024.xlsx")
    return Doc(name, fixed_time_zip(buffer.getvalue()), mentions, format="xlsx")


# ---- letters: what DOCX, PDF and the scan all say ------------------------------------------


def letter_lines(batch: Batch, person: Person, with_ssn: bool) -> tuple[list[str], int, set[str]]:
    """The letter's lines, the 0-based index of the addressee line and the elements written."""
    lines = [
        OCEANVIEW_NAME,
        "PO Box 4410, Portland, OR 97208",
        "",
        LETTER_DATE.strftime("%B %d, %Y"),
        "",
    ]
    name_at = len(lines)
    lines += [
        full_display(person).upper(),
        person.address_line1.upper(),
        f"{person.city.upper()}, {person.state} {person.postal_code}",
        "",
        f"Re: Contract {batch.member_id(person, 'OV')}",
        "",
        f"Dear {person.first_name} {person.last_name},",
        "",
        "We are writing to confirm the information we hold for your contract.",
        "",
    ]
    elements = {"name", "address", "date_of_birth"}
    if with_ssn:
        lines.append(f"Social Security number: {person.ssn}")
        elements.add("ssn")
    else:  # the last four only: recognises the person, exposes no SSN
        lines.append(f"Social Security number ending in {person.ssn[-4:]}")
    lines += [
        f"Date of birth: {us_date(person.date_of_birth)}",
        "",
        "If anything is wrong, call Policy Services at 1-800-555-0142.",
        "",
        "Sincerely,",
        "Mark Ellison, Policy Services",
    ]
    return lines, name_at, elements


def letter_people(batch: Batch, count: int) -> list[Person]:
    adults = [p for p in _oceanview_people(batch) if p.is_adult]
    return unique_people(batch.sample(adults, 0, count))


# ---- DOCX ---------------------------------------------------------------------------------


def docx_files(batch: Batch) -> list[Doc]:
    return [docx_letter(batch, person, n) for n, person in enumerate(letter_people(batch, 3))]


def docx_letter(batch: Batch, person: Person, number: int) -> Doc:
    """The letter as paragraphs, with DOB and SSN in a small table as letter templates often put them."""
    from docx import Document  # imported here: generating the classic corpus does not need it

    lines, name_at, elements = letter_lines(batch, person, with_ssn=number % 3 != 2)
    document = Document()
    document.core_properties.author = "Policy Services"
    document.core_properties.created = FIXED_DOC_TIME
    facts = [line for line in lines if line.startswith(("Social Security", "Date of birth"))]
    for line in lines:
        if line in facts:
            continue
        document.add_paragraph(line)
    table = document.add_table(rows=len(facts), cols=2)
    for row, fact in zip(table.rows, facts, strict=True):
        label, _, value = fact.partition(": ") if ": " in fact else (fact, "", "")
        row.cells[0].text, row.cells[1].text = label, value
    buffer = io.BytesIO()
    document.save(buffer)
    mention = PersonMention(f"paragraph {name_at + 1}", person, frozenset(elements))
    name = f"{OCEANVIEW_DIR}/letters/{batch.named('2024-02')}/letter_{batch.member_id(person, 'OV')}.docx"
    return Doc(name, fixed_time_zip(buffer.getvalue()), [mention], format="docx")


# ---- PDF ----------------------------------------------------------------------------------


def pdf_files(batch: Batch) -> list[Doc]:
    """One three-page PDF, a letter per page: ``page N`` names who is on it."""
    return [pdf_letters(batch, letter_people(batch, 3))]


def pdf_letters(batch: Batch, people: list[Person]) -> Doc:
    from reportlab.lib.pagesizes import LETTER
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    # invariant=1: no creation date and a fixed document id, so the same seed gives the same bytes
    canvas = Canvas(buffer, pagesize=LETTER, invariant=1, pageCompression=1)
    canvas.setAuthor("Policy Services")
    canvas.setTitle("Contract confirmation letters")
    mentions = []
    for page, person in enumerate(people, 1):
        lines, _, elements = letter_lines(batch, person, with_ssn=page != 2)
        text = canvas.beginText(72, 720)
        text.setFont("Helvetica", 11)
        for line in lines:
            text.textLine(line)
        canvas.drawText(text)
        canvas.showPage()
        mentions.append(PersonMention(f"page {page}", person, frozenset(elements)))
    canvas.save()
    name = batch.named(f"{OCEANVIEW_DIR}/letters/confirmations_2024-02.pdf")
    return Doc(name, buffer.getvalue(), mentions, format="pdf")


# ---- a scanned letter (image only: needs OCR) ---------------------------------------------

SCAN_SIZE = (1275, 1650)  # US letter at 150 dpi
SCAN_MARGIN = 90


def scan_files(batch: Batch) -> list[Doc]:
    return [scanned_letter(batch, person, n) for n, person in enumerate(letter_people(batch, 2))]


def scanned_letter(batch: Batch, person: Person, number: int) -> Doc:
    """A grey PNG of a short letter, its name, DOB and SSN drawn large and clear for OCR."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", SCAN_SIZE, color=250)  # scanner paper is never quite white
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)  # Pillow's bundled font: the same glyphs on every machine
    lines = [
        OCEANVIEW_NAME,
        "Policy Services - change of beneficiary form (scanned)",
        "",
        f"Policy holder: {full_display(person)}",
        f"Address: {person.address_line1}",
        f"         {person.city}, {person.state} {person.postal_code}",
        f"Date of birth: {us_date(person.date_of_birth)}",
        f"SSN: {person.ssn}",
        "",
        "I ask that the beneficiary of my contract be changed as below.",
        "Signed and dated by the policy holder.",
    ]
    y = SCAN_MARGIN
    for line in lines:
        draw.text((SCAN_MARGIN, y), line, fill=20, font=font)
        y += 52
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    mention = PersonMention("page 1", person, frozenset({"name", "address", "date_of_birth", "ssn"}))
    file_name = f"scan_{batch.member_id(person, 'OV')}_{number:03d}.png"
    name = f"{OCEANVIEW_DIR}/scans/{batch.named('2024-01')}/{file_name}"
    return Doc(name, buffer.getvalue(), [mention], format="ocr")
