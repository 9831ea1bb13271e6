"""One letter as a PDF (reportlab): return address, date, addressee block, title, sections, bureaus."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from exposure.report.letters.content import CREDIT_BUREAUS, LetterText

_BODY_PT = 10.5  # California asks for no smaller than 10-point type; every template keeps to it


def _styles(min_pt: float) -> dict[str, ParagraphStyle]:
    body = max(_BODY_PT, min_pt)
    return {
        "body": ParagraphStyle("body", fontName="Helvetica", fontSize=body, leading=body * 1.35),
        "title": ParagraphStyle(
            "title",
            fontName="Helvetica-Bold",
            fontSize=body + 4,
            leading=(body + 4) * 1.3,
            spaceBefore=6,
            spaceAfter=6,
        ),
        "heading": ParagraphStyle(
            "heading",
            fontName="Helvetica-Bold",
            fontSize=body + 0.5,
            leading=body * 1.4,
            spaceBefore=8,
            spaceAfter=2,
        ),
        "small": ParagraphStyle("small", fontName="Helvetica", fontSize=max(8, min_pt), leading=11),
    }


def letter_pdf(letter: LetterText) -> bytes:
    """The PDF bytes of one letter (deterministic: no creation date, fixed document id)."""
    styles = _styles(letter.template.min_font_pt)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=inch,
        rightMargin=inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
        title=letter.title,
        author=letter.return_block[0],
        invariant=True,
    )
    document.build(_story(letter, styles))
    return buffer.getvalue()


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _lines(lines: tuple[str, ...], style: ParagraphStyle) -> Paragraph:
    return Paragraph("<br/>".join(escape(line) for line in lines if line), style)


def _story(letter: LetterText, styles: dict[str, ParagraphStyle]) -> list:
    body = styles["body"]
    story = [
        _lines(letter.return_block, body),
        Spacer(1, 12),
        _para(letter.date, body),
        Spacer(1, 12),
        _lines((letter.addressee, *letter.address_lines), body),
        Spacer(1, 16),
        _para(letter.salutation, body),
        _para(letter.title, styles["title"]),
    ]
    for heading, text in letter.sections:
        story += [_para(heading, styles["heading"]), _para(text, body)]
    if letter.credit_bureaus:
        story.append(_para("Consumer reporting agencies", styles["heading"]))
        story += [
            _para(f"{name}, {address}, {phone}, {web}", body) for name, address, phone, web in CREDIT_BUREAUS
        ]
    story += [
        Spacer(1, 14),
        _lines(letter.closing, body),
        Spacer(1, 18),
        _para(f"Reference: {letter.person_id}", styles["small"]),
    ]
    return story
