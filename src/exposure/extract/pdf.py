"""PDF text page by page with PDFium (pypdfium2); scanned pages go through OCR.

A page is OCR'd (rendered at 300 dpi) when its text layer is empty, mostly
non-words, or a page-sized image with a thin or doubtful text layer (a scan with
a stamp, or with a poor OCR layer from the scanner); the OCR text replaces the
layer when it reads better (more words, fewer non-words). Filled form fields (AcroForm widgets)
are read too: a W-9 or an intake form keeps its personal data there, not in the page text.

Blocks are located ``page N line M``. Encrypted files are opened with the case
passwords when one fits; otherwise they fail as ``encrypted: password required``.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from exposure.extract.base import Extracted, ExtractError, read_options, reader
from exposure.extract.ocr import MAX_OCR_PIXELS, OCR_DPI, ocr_image
from exposure.extract.plaintext import paragraphs
from exposure.model import TextBlock

MIN_TEXT_CHARS = 20  # fewer non-blank characters than this is an empty text layer
MIN_WORD_RATIO = 0.5  # below: the layer is mostly non-words (broken font encoding, garbage OCR)
SCAN_TRUSTED_WORD_RATIO = 0.95  # a scan's OCR layer at least this clean is kept without a second OCR
SCAN_SHORT_TEXT_CHARS = 200  # a scan whose layer is shorter is probably a stamp or a Bates number
SCAN_IMAGE_SHARE = 0.5  # an image covering this share of the page makes the page a scan

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_WORD = re.compile(r"^(?:[A-Z]?[a-z]+|[A-Z]+|[A-Za-z][a-z]*(?:[-'’][A-Za-z]+)+)$")
_NUMBER = re.compile(r"^[#$(+]?\d[\d,./:()$%+-]*$")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_VOWEL = re.compile(r"[aeiouyAEIOUY]")
_TOKEN_EDGES = "\"'“”‘’.,;:!?()[]{}<>*"


@reader("pdf")
def read_pdf(path: Path) -> Extracted:
    document = open_pdf(path)
    try:
        page_start = 0  # offset of the page's text in the whole document
        for number in range(1, len(document) + 1):
            end = page_start
            for block in _page_blocks(document, number):
                block.offset += page_start
                end = block.offset + len(block.text) + 1
                yield block
            page_start = end
    finally:
        document.close()


def open_pdf(path: Path) -> pdfium.PdfDocument:
    """Open the PDF, trying the case passwords when it is encrypted."""
    try:
        return _load(path, None)
    except _PasswordNeeded:
        pass
    for password in read_options().passwords:
        try:
            return _load(path, password)
        except _PasswordNeeded:
            continue
    raise ExtractError("encrypted: password required")


class _PasswordNeeded(Exception):
    pass


def _load(path: Path, password: str | None) -> pdfium.PdfDocument:
    try:
        document = pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise _PasswordNeeded from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise ExtractError("encrypted: unsupported security handler") from None
        raise ExtractError("damaged PDF: the file is truncated or not a valid PDF") from None
    except OSError as exc:
        raise ExtractError(f"cannot open PDF: {exc.strerror}") from None
    # Filled form fields are drawn when a page is rendered for OCR; a broken form still leaves the pages.
    with contextlib.suppress(pdfium.PdfiumError):
        document.init_forms()
    return document


def _page_blocks(document: pdfium.PdfDocument, number: int) -> list[TextBlock]:
    """The page's text blocks (offsets from the page start), OCR'd when the text layer is not enough."""
    try:
        page = document[number - 1]
    except pdfium.PdfiumError:
        raise ExtractError(f"damaged PDF: page {number} cannot be read") from None
    try:
        layer = _layer_text(page, number)
        blocks = _text_blocks(layer, number)
        if _needs_ocr(page, layer):
            image, dpi = _render(page)
            ocr = ocr_image(image, f"page {number}", dpi=dpi)
            if _reading_score(ocr.text) >= _reading_score(layer):
                blocks = ocr.blocks
        fields = _form_fields(document, page)
        if fields:
            start = (blocks[-1].offset + len(blocks[-1].text) + 1) if blocks else 0
            blocks.append(TextBlock(f"page {number} form fields", fields, start))
        return blocks
    finally:
        page.close()


def _layer_text(page: pdfium.PdfPage, number: int) -> str:
    try:
        textpage = page.get_textpage()
    except pdfium.PdfiumError:
        raise ExtractError(f"damaged PDF: the text of page {number} cannot be read") from None
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _text_blocks(text: str, number: int) -> list[TextBlock]:
    blocks = []
    for block in paragraphs(text.splitlines(keepends=True)):
        block.location = f"page {number} {block.location}"
        block.text = block.text.rstrip("\n")
        blocks.append(block)
    return blocks


def _needs_ocr(page: pdfium.PdfPage, layer: str) -> bool:
    visible = len("".join(layer.split()))
    if visible == 0:
        return True  # a scan, or text drawn as outlines
    largest_image = _largest_image_share(page)
    if visible < MIN_TEXT_CHARS:
        return largest_image > 0  # a title-only page has nothing more to read; a picture may
    ratio = word_ratio(layer)
    if ratio < MIN_WORD_RATIO:
        return True
    if largest_image < SCAN_IMAGE_SHARE:
        return False
    # A scan with a text layer: a stamp or Bates number, or the scanner's own OCR, good or bad.
    return visible < SCAN_SHORT_TEXT_CHARS or ratio < SCAN_TRUSTED_WORD_RATIO


def _largest_image_share(page: pdfium.PdfPage) -> float:
    """The share of the page covered by its largest image (0 when none): ~1 for a scanned page."""
    width, height = page.get_size()
    page_area = max(width * height, 1.0)
    largest = 0.0
    try:
        for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
            left, bottom, right, top = image.get_bounds()
            largest = max(largest, (right - left) * (top - bottom) / page_area)
    except pdfium.PdfiumError:
        return 0.0
    return largest


def _render(page: pdfium.PdfPage):  # noqa: ANN202 - (PIL image, its dpi)
    width, height = page.get_size()
    scale = OCR_DPI / 72
    pixels = width * height * scale * scale
    if pixels > MAX_OCR_PIXELS:  # a poster-sized page: render smaller rather than run out of memory
        scale *= (MAX_OCR_PIXELS / pixels) ** 0.5
    try:
        bitmap = page.render(scale=scale, grayscale=True)
    except pdfium.PdfiumError:
        raise ExtractError("damaged PDF: a page cannot be rendered for OCR") from None
    return bitmap.to_pil(), round(scale * 72)


def word_ratio(text: str) -> float:
    """Share of the whitespace-separated tokens that look like words, numbers, e-mails or links."""
    tokens = text.split()
    return _word_count(text) / len(tokens) if tokens else 0.0


def _reading_score(text: str) -> float:
    """More words, and cleaner ones, score higher: OCR replaces a layer only when it reads better."""
    return _word_count(text) * word_ratio(text)


def _word_count(text: str) -> int:
    return sum(1 for token in text.split() if _is_wordlike(token.strip(_TOKEN_EDGES)))


def _is_wordlike(token: str) -> bool:
    if not token:
        return False
    if _NUMBER.match(token) or _EMAIL.match(token) or token.startswith(("http://", "https://", "www.")):
        return True
    return bool(_WORD.match(token)) and (len(token) <= 3 or bool(_VOWEL.search(token)))


def _form_fields(document: pdfium.PdfDocument, page: pdfium.PdfPage) -> str:
    """``name: value`` lines of the filled form fields on the page ('' when none)."""
    formenv = getattr(document, "formenv", None)
    if formenv is None:
        return ""
    lines = []
    for annot in _widgets(page):
        try:
            value = _annot_string(pdfium_c.FPDFAnnot_GetFormFieldValue, formenv.raw, annot).strip()
            if value and value.lower() != "off":
                name = _annot_string(pdfium_c.FPDFAnnot_GetFormFieldName, formenv.raw, annot).strip()
                lines.append(f"{name}: {value}" if name else value)
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return "\n".join(lines)


def _widgets(page: pdfium.PdfPage) -> Iterator:  # noqa: ANN401 - raw FPDF_ANNOTATION handles
    count = pdfium_c.FPDFPage_GetAnnotCount(page.raw)
    for index in range(max(count, 0)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, index)
        if not annot:
            continue
        if pdfium_c.FPDFAnnot_GetSubtype(annot) == pdfium_c.FPDF_ANNOT_WIDGET:
            yield annot
        else:
            pdfium_c.FPDFPage_CloseAnnot(annot)


def _annot_string(function, form_handle, annot) -> str:  # noqa: ANN001 - raw PDFium call and handles
    """A UTF-16 string from one of PDFium's two-call (size, then fill) annotation getters."""
    size = function(form_handle, annot, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    function(form_handle, annot, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), size)
    return buffer.raw[: size - 2].decode("utf-16-le", "replace")
