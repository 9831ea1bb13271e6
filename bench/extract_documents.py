"""Throughput of the PDF reader: born-digital text (pages/s) and scanned pages through OCR (pages/min).

    .venv/bin/python bench/extract_documents.py [--text-pages 200] [--ocr-pages 10]

Generates a text PDF (reportlab), and a scanned copy of its first pages (rendered at
300 dpi with PDFium, saved as an image-only PDF with Pillow). Each measurement runs
in a fresh process; peak memory is that process's largest resident set, and for OCR
also the largest Tesseract process it started.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

LINES_PER_PAGE = 45


def make_text_pdf(path: Path, pages: int) -> None:
    """Letter-like pages: a name, an address, an SSN and a date of birth on every page, then prose."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=letter)
    for page in range(pages):
        y = 740
        lines = [
            f"Member {page:04d}: Dear Alex Q. Example{page},",
            f"{100 + page} Main Street, Springfield, IL 62704",
            f"SSN 536-22-{1000 + page:04d}   Date of birth: 04/05/19{50 + page % 50:02d}",
        ]
        lines += [f"Line {i}: the claim was processed and the statement mailed on 03/0{1 + i % 9}/2023."
                  for i in range(LINES_PER_PAGE - len(lines))]  # fmt: skip
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 15
        pdf.showPage()
    pdf.save()


def make_scanned_pdf(source: Path, path: Path, pages: int) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(source))
    images = [document[i].render(scale=300 / 72, grayscale=True).to_pil() for i in range(pages)]
    images[0].save(path, save_all=True, append_images=images[1:], resolution=300)
    document.close()


def measure(path: str) -> None:
    """Child process: read the PDF, print pages, seconds and peak RSS as JSON."""
    from exposure.extract.pdf import read_pdf

    started = time.perf_counter()
    blocks = 0
    pages: set[str] = set()
    ocr_blocks = 0
    for block in read_pdf(Path(path)):
        blocks += 1
        pages.add(block.location.split(" line")[0])
        ocr_blocks += block.confidence is not None
    seconds = time.perf_counter() - started
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "pages": len(pages), "blocks": blocks, "ocr_blocks": ocr_blocks, "seconds": seconds,
        "cpu_seconds": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
        "rss_kib": own.ru_maxrss, "child_rss_kib": children.ru_maxrss,
    }))  # fmt: skip


def run_child(path: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--measure", str(path)], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_row(name: str, row: dict, unit: str, per: int) -> None:
    wall_rate = row["pages"] / row["seconds"] * per
    cpu_rate = row["pages"] / row["cpu_seconds"] * per
    tesseract = f"{row['child_rss_kib'] / 1024:.0f}" if row["ocr_blocks"] else "-"
    rss = row["rss_kib"] / 1024
    print(f"{name:<26}{row['pages']:>6}{row['seconds']:>8.2f}{row['cpu_seconds']:>8.2f}"
          f"{wall_rate:>8.1f} {unit:<6}{cpu_rate:>8.1f} {unit:<6}{rss:>14.0f}{tesseract:>15}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--text-pages", type=int, default=200)
    parser.add_argument("--ocr-pages", type=int, default=10)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    with tempfile.TemporaryDirectory() as folder:
        text_pdf, scanned_pdf = Path(folder) / "text.pdf", Path(folder) / "scanned.pdf"
        make_text_pdf(text_pdf, args.text_pages)
        make_scanned_pdf(text_pdf, scanned_pdf, args.ocr_pages)
        text = run_child(text_pdf)
        ocr = run_child(scanned_pdf)
    print(f"{'case':<26}{'pages':>6}{'wall s':>8}{'CPU s':>8}{'rate (wall)':>15}{'rate (CPU)':>15}"
          f"{'peak RSS MiB':>14}{'tesseract MiB':>15}")  # fmt: skip
    print_row("text PDF (pdfium)", text, "pg/s", 1)
    print_row("scanned PDF (OCR 300dpi)", ocr, "pg/min", 60)
    if ocr["ocr_blocks"] != ocr["blocks"]:
        print("warning: some scanned pages were not read by OCR", file=sys.stderr)


if __name__ == "__main__":
    main()
