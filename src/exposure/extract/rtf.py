"""Rich Text Format documents, as paragraphs (striprtf does the parsing).

striprtf ends each paragraph with a newline and each table cell with ``|``; a table
row therefore comes out as one line, written here with cells joined by `` | ``.
Blocks are ``paragraph N`` (the Nth paragraph or table row of the document).
"""

from __future__ import annotations

from pathlib import Path

from striprtf.striprtf import rtf_to_text

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.model import TextBlock

# striprtf works on the whole text in memory; RTF beyond this is almost all embedded pictures.
MAX_RTF_BYTES = 256 * 1024 * 1024


@reader("rtf")
def read_rtf(path: Path) -> Extracted:
    if path.stat().st_size > MAX_RTF_BYTES:
        raise ExtractError(f"RTF larger than {MAX_RTF_BYTES // (1024 * 1024)} MB is not read")
    # RTF is 7-bit text; stray 8-bit bytes map one to one so nothing fails to decode.
    raw = path.read_text(encoding="latin-1")
    if not raw.lstrip().startswith("{\\rtf"):
        raise ExtractError("damaged RTF: no {\\rtf header")
    try:
        text = rtf_to_text(raw, errors="replace")
    except (LookupError, ValueError, IndexError, RecursionError) as exc:
        raise ExtractError(f"damaged RTF: {type(exc).__name__}") from None
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = _table_row(line.rstrip("\r"))
        if line.strip():
            yield TextBlock(f"paragraph {number}", line, offset)
        offset += len(line) + 1


def _table_row(line: str) -> str:
    if line.endswith("|") and line.count("|") >= 2:
        return " | ".join(cell.strip() for cell in line[:-1].split("|"))
    return line
