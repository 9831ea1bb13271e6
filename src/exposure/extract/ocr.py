"""OCR of one page image with the Tesseract program, keeping how sure it was of each word.

Tesseract runs as a separate process (Debian ``tesseract-ocr`` + ``tesseract-ocr-eng``;
the English model ships with the package, nothing is downloaded). It gets the page
on stdin and answers in TSV, so one run gives both the words and their confidences.
A per-page time limit kills the process on a pathological image.

Blocks are Tesseract's paragraphs, located by their first line on the page
(``page 3 line 12``). ``TextBlock.confidence`` is the mean word confidence (0-100)
of the block; below ``LOW_CONFIDENCE`` a reviewer should confirm what was read.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

from PIL import Image

from exposure.extract.base import ExtractError, read_options
from exposure.model import TextBlock

LOW_CONFIDENCE = 60.0  # mean word confidence under which OCR text needs review
OCR_DPI = 300
PAGE_TIMEOUT_SECONDS = 120.0  # one page; the worker also limits the whole file
TIMEOUT_SETTING = "ocr_page_timeout"  # case setting that overrides the page limit (seconds)
# Tesseract's time grows with pixels; a 300 dpi Letter page is ~8.4 MP, A3 ~17 MP.
MAX_OCR_PIXELS = 40_000_000
LANGUAGE = "eng"

# One thread per Tesseract: workers already use every core, and OpenMP threads on a
# busy machine make it several times slower, not faster.
_TESSERACT_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}
_WORD_LEVEL = "5"


@dataclass
class OcrPage:
    """What OCR read on one page: paragraph blocks (offsets from the page start) and the page mean."""

    blocks: list[TextBlock] = field(default_factory=list)
    confidence: float | None = None  # mean word confidence of the page, None when no word was read

    @property
    def text(self) -> str:
        return "\n".join(block.text for block in self.blocks)


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def is_low_confidence(block: TextBlock) -> bool:
    """True for OCR text a reviewer should confirm (born-digital text is never low confidence)."""
    return block.confidence is not None and block.confidence < LOW_CONFIDENCE


def page_timeout() -> float:
    """The per-page OCR limit: the case setting ``ocr_page_timeout`` when given, else the default."""
    for key, value in read_options().settings:
        if key == TIMEOUT_SETTING:
            try:
                return max(1.0, float(value))
            except ValueError:
                break
    return PAGE_TIMEOUT_SECONDS


def ocr_image(image: Image.Image, page_label: str = "", dpi: int | None = None) -> OcrPage:
    """OCR one page image. ``page_label`` ('page 3', or '' for a single image) prefixes locations.

    Raises ExtractError when Tesseract is missing, fails, or runs past the page time limit.
    """
    image, dpi = _prepared(image, dpi)
    tsv = _run_tesseract(_as_pnm(image), dpi)
    return _page_from_tsv(tsv, page_label)


def _prepared(image: Image.Image, dpi: int | None) -> tuple[Image.Image, int | None]:
    """Grayscale on white, at most MAX_OCR_PIXELS (scaled down, and the dpi with it)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent pixels often hide black: text would sit on black once alpha is dropped.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode == "I;16" or image.mode.startswith("I;16"):
        image = image.point(lambda v: v / 256)  # 16-bit scans: keep the top byte
    if image.mode != "L":
        image = image.convert("L")
    pixels = image.width * image.height
    if pixels > MAX_OCR_PIXELS:
        factor = (MAX_OCR_PIXELS / pixels) ** 0.5
        size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
        image = image.resize(size, Image.Resampling.BILINEAR)
        dpi = int(dpi * factor) if dpi else None
    return image, dpi


def _as_pnm(image: Image.Image) -> bytes:
    # PGM is read by Tesseract without any decoding cost; PNG compression would cost more than OCR saves.
    buffer = io.BytesIO()
    image.save(buffer, format="PPM")
    return buffer.getvalue()


def _run_tesseract(image_bytes: bytes, dpi: int | None) -> str:
    executable = shutil.which("tesseract")
    if executable is None:
        raise ExtractError("OCR unavailable: the tesseract program is not installed")
    command = [executable, "stdin", "stdout", "-l", LANGUAGE, "--psm", "3"]
    if dpi and dpi >= 70:
        command += ["--dpi", str(dpi)]
    command.append("tsv")
    limit = page_timeout()
    try:
        done = subprocess.run(
            command, input=image_bytes, capture_output=True, timeout=limit, env=_TESSERACT_ENV, check=False
        )
    except subprocess.TimeoutExpired:
        raise ExtractError(f"OCR timed out: a page took longer than {limit:g} s") from None
    except OSError as exc:
        raise ExtractError(f"OCR unavailable: tesseract could not be started ({exc.strerror})") from None
    if done.returncode != 0:
        reason = _first_error_line(done.stderr)
        raise ExtractError(f"OCR failed: tesseract exited with status {done.returncode}{reason}")
    return done.stdout.decode("utf-8", "replace")


def _first_error_line(stderr: bytes) -> str:
    for line in stderr.decode("utf-8", "replace").splitlines():
        if "error" in line.lower():
            return f" ({line.strip()[:120]})"
    return ""


_SPACES = re.compile(r"\s+")


def _page_from_tsv(tsv: str, page_label: str) -> OcrPage:
    """Group TSV word rows into paragraphs of lines, numbering lines down the page."""
    paragraphs: dict[tuple[str, str], dict[tuple[str, str, str], list[tuple[str, float]]]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t", 11)
        if len(cells) < 12 or cells[0] != _WORD_LEVEL:
            continue
        word = _SPACES.sub(" ", cells[11]).strip()
        if not word:
            continue
        try:
            confidence = float(cells[10])
        except ValueError:
            continue
        block, paragraph, line = cells[2], cells[3], cells[4]
        lines = paragraphs.setdefault((block, paragraph), {})
        lines.setdefault((block, paragraph, line), []).append((word, confidence))
    return _blocks(paragraphs, page_label)


def _blocks(
    paragraphs: dict[tuple[str, str], dict[tuple[str, str, str], list[tuple[str, float]]]], page_label: str
) -> OcrPage:
    page = OcrPage()
    all_confidences: list[float] = []
    line_number = 0
    offset = 0
    prefix = f"{page_label} " if page_label else ""
    for lines in paragraphs.values():  # dicts keep Tesseract's reading order
        first_line = line_number + 1
        texts = []
        confidences = []
        for words in lines.values():
            line_number += 1
            texts.append(" ".join(word for word, _ in words))
            confidences.extend(conf for _, conf in words if conf >= 0)
        text = "\n".join(texts)
        mean = round(sum(confidences) / len(confidences), 1) if confidences else None
        page.blocks.append(TextBlock(f"{prefix}line {first_line}", text, offset, confidence=mean))
        offset += len(text) + 1
        all_confidences.extend(confidences)
    if all_confidences:
        page.confidence = round(sum(all_confidences) / len(all_confidences), 1)
    return page
