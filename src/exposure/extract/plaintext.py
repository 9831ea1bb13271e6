"""Plain text in any common encoding, as paragraphs with line positions."""

from __future__ import annotations

from pathlib import Path

from exposure.extract.base import Extracted, reader
from exposure.extract.encoding import open_text
from exposure.model import TextBlock

# Paragraphs keep a letter's addressee and its body together; very long runs
# without blank lines are cut so memory stays bounded.
MAX_BLOCK_CHARS = 64 * 1024


@reader("text")
def read_text(path: Path) -> Extracted:
    text, _encoding = open_text(path)
    with text:
        yield from paragraphs(text)


def paragraphs(lines) -> Extracted:  # noqa: ANN001 - any iterable of lines
    """Blocks of consecutive non-blank lines, located by their first line number (1-based)."""
    buffer: list[str] = []
    size = 0
    first_line = 1
    offset = 0
    block_offset = 0
    for number, line in enumerate(lines, start=1):
        if (not line.strip() or size >= MAX_BLOCK_CHARS) and buffer:
            yield TextBlock(location=f"line {first_line}", text="".join(buffer), offset=block_offset)
            buffer, size = [], 0
        if line.strip():
            if not buffer:
                first_line, block_offset = number, offset
            buffer.append(line)
            size += len(line)
        offset += len(line)
    if buffer:
        yield TextBlock(location=f"line {first_line}", text="".join(buffer), offset=block_offset)
