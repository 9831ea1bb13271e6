"""Office files of the demo share: XLSX, XLSM and ODS workbooks, DOCX and PDF letters, a scanned letter (PNG).

Locations in the truth: ``<sheet>!row N`` (the row number Excel or LibreOffice shows), ``paragraph N``
(1-based over the document body's paragraphs, empty ones included, as python-docx lists
them), ``page N`` for PDF pages and for the scanned image (one page).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

from exposure.demo.documents import (
    Doc,
    PersonMention,
    fixed_time_zip,
    opendocument_bytes,
    row_elements,
)
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


# ---- XLSM: a macro-enabled enrollment workbook ------------------------------------------------

XLSX_MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN_TYPE = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
ENROLLMENT_COLUMNS = ["Employee ID", "Full Name", "SSN", "Birth Date", "Email", "Plan"]
ENROLLMENT_ELEMENTS = {"Full Name": "name", "SSN": "ssn", "Birth Date": "date_of_birth", "Email": "email"}


def xlsm_files(batch: Batch) -> list[Doc]:
    adults = [p for p in _oceanview_people(batch) if p.is_adult]
    return [enrollment_xlsm(batch, unique_people(batch.sample(adults, 0.05, 4)))]


def enrollment_xlsm(batch: Batch, people: list[Person]) -> Doc:
    """An ``Enrollment`` sheet of people and a ``Plans`` lookup sheet, in a macro-enabled package."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.creator = "Harborline Data Services"
    workbook.properties.created = FIXED_DOC_TIME
    enrollment = workbook.active
    enrollment.title = "Enrollment"
    enrollment.append(ENROLLMENT_COLUMNS)
    mentions: list[PersonMention] = []
    for number, person in enumerate(people):
        row = {
            "Employee ID": batch.member_id(person, "OV"),
            "Full Name": full_display(person),
            "SSN": person.ssn,
            "Birth Date": person.date_of_birth,
            "Email": person.email,
            "Plan": ("PPO-500", "HMO-250")[number % 2],
        }
        enrollment.append([row[c] for c in ENROLLMENT_COLUMNS])
        enrollment.cell(row=enrollment.max_row, column=4).number_format = "mm/dd/yyyy"
        location = f"Enrollment!row {enrollment.max_row}"
        mentions.append(PersonMention(location, person, row_elements(row, ENROLLMENT_ELEMENTS)))
    plans = workbook.create_sheet("Plans")  # a lookup sheet the macros would read: no people in it
    plans.append(["Plan", "Deductible"])
    plans.append(["PPO-500", 500])
    plans.append(["HMO-250", 250])
    buffer = io.BytesIO()
    workbook.save(buffer)
    name = batch.named(f"{OCEANVIEW_DIR}/members/enrollment_tool.xlsm")
    return Doc(name, fixed_time_zip(macro_enabled(buffer.getvalue())), mentions, format="xlsm")


def macro_enabled(xlsx: bytes) -> bytes:
    """The XLSX package declared macro-enabled, as Excel saves an .xlsm (a VBA part is optional)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "[Content_Types].xml":
                content = content.replace(XLSX_MAIN_TYPE, XLSM_MAIN_TYPE)
            target.writestr(info, content)
    return out.getvalue()


# ---- ODS: an OpenDocument spreadsheet, written by hand ------------------------------------------

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ODS_MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/"
  manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
ODS_MEMBER_COLUMNS = [
    "Member ID", "Last Name", "First Name", "Date of Birth", "SSN", "Address", "City", "State", "ZIP",
    "Phone", "Alt Phone", "Fax", "Email",
]  # fmt: skip
ODS_MEMBER_ELEMENTS = {
    "Last Name": "name", "First Name": "name", "Date of Birth": "date_of_birth", "SSN": "ssn",
    "Address": "address", "Phone": "phone", "Email": "email",
}  # fmt: skip
ODS_DEPENDENT_COLUMNS = ["Subscriber ID", "Dependent Name", "DOB", "SSN"]
ODS_DEPENDENT_ELEMENTS = {"Dependent Name": "name", "DOB": "date_of_birth", "SSN": "ssn"}
_ODS_BLANK_ROWS = 2  # a gap LibreOffice writes as one repeated row: the rows below still count it


def ods_files(batch: Batch) -> list[Doc]:
    adults = [p for p in _oceanview_people(batch) if p.is_adult]
    members = unique_people(batch.sample(adults, 0.1, 4))
    chosen = {p.truth_id for p in members}
    dependents = unique_people(batch.sample([p for p in adults if p.truth_id not in chosen], 0.05, 2))
    return [members_ods(batch, members, dependents)]


def members_ods(batch: Batch, members: list[Person], dependents: list[Person]) -> Doc:
    """``Members`` (a banner, the header, people with a blank gap) and ``Dependents``, in content.xml."""
    mentions: list[PersonMention] = []
    rows = [_ods_row([f"{OCEANVIEW_NAME} - member roster"]), _ods_row(ODS_MEMBER_COLUMNS)]
    row_number = 2
    for index, person in enumerate(members):
        if index == len(members) // 2:
            rows.append(f'<table:table-row table:number-rows-repeated="{_ODS_BLANK_ROWS}"><table:table-cell/>'
                        "</table:table-row>")  # fmt: skip
            row_number += _ODS_BLANK_ROWS
        row = {
            "Member ID": batch.member_id(person, "OV"),
            "Last Name": person.last_name,
            "First Name": person.first_name,
            "Date of Birth": person.date_of_birth,  # a date cell: office:date-value, shown US style
            "SSN": person.ssn,
            "Address": person.address_line1,
            "City": person.city,
            "State": person.state,
            "ZIP": person.postal_code,
            "Phone": phone_as(person, 1),
            "Alt Phone": "",
            "Fax": "",  # with Alt Phone: one empty cell repeated twice, as LibreOffice writes it
            "Email": person.email,
        }
        rows.append(_ods_row([row[c] for c in ODS_MEMBER_COLUMNS]))
        row_number += 1
        location = f"Members!row {row_number}"
        mentions.append(PersonMention(location, person, row_elements(row, ODS_MEMBER_ELEMENTS)))
    dependent_rows = [_ods_row(ODS_DEPENDENT_COLUMNS)]
    for person in dependents:
        row = {
            "Subscriber ID": batch.member_id(person, "OV"),
            "Dependent Name": last_comma_first_mi(person, upper=True),
            "DOB": us_date(person.date_of_birth),
            "SSN": person.ssn,
        }
        dependent_rows.append(_ods_row([row[c] for c in ODS_DEPENDENT_COLUMNS]))
        location = f"Dependents!row {len(dependent_rows)}"
        mentions.append(PersonMention(location, person, row_elements(row, ODS_DEPENDENT_ELEMENTS)))
    content = ods_content({"Members": rows, "Dependents": dependent_rows})
    name = batch.named(f"{OCEANVIEW_DIR}/members/roster_export_2024.ods")
    return Doc(name, ods_bytes(content), mentions, format="ods")


def _ods_row(values: list[object]) -> str:
    """One table:table-row; runs of empty cells collapse into one repeated cell."""
    cells: list[str] = []
    empty = 0
    for value in [*values, None]:
        if value in ("", None):
            empty += 1
            continue
        if empty:
            repeat = f' table:number-columns-repeated="{empty}"' if empty > 1 else ""
            cells.append(f"<table:table-cell{repeat}/>")
            empty = 0
        cells.append(_ods_cell(value))
    return f"<table:table-row>{''.join(cells)}</table:table-row>"


def _ods_cell(value: object) -> str:
    if isinstance(value, dt.date):
        return (f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
                f"<text:p>{us_date(value)}</text:p></table:table-cell>")  # fmt: skip
    text = escape(str(value))
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def ods_content(sheets: dict[str, list[str]]) -> bytes:
    tables = "\n".join(
        f"   <table:table table:name={quoteattr(name)}>\n    " + "\n    ".join(rows) + "\n   </table:table>"
        for name, rows in sheets.items()
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body>
  <office:spreadsheet>
{tables}
  </office:spreadsheet>
 </office:body>
</office:document-content>
""".encode()


def ods_bytes(content: bytes) -> bytes:
    return opendocument_bytes(ODS_MIMETYPE, content, _ODS_MANIFEST)


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
