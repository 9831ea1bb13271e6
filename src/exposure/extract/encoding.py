"""Text decoding for files whose encoding nobody wrote down."""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import IO

from charset_normalizer import from_bytes

SAMPLE_BYTES = 256 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def guess_encoding(sample: bytes) -> str:
    """BOM first, then strict UTF-8, then UTF-16 without BOM, then charset-normalizer, then cp1252."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if _is_utf8(sample):
        return "utf-8"
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    best = from_bytes(sample).best()
    if best is None or not best.encoding:
        return "cp1252"
    # Latin-alphabet code pages are hard to tell apart from a sample; the data this tool reads is
    # mostly US/Western, where cp1252 is the norm (charset-normalizer picks cp1250 for 'Muñoz').
    if best.encoding in _LATIN_CODE_PAGES and _decodes(sample, "cp1252"):
        return "cp1252"
    return best.encoding


_LATIN_CODE_PAGES = frozenset(
    {"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_9",
     "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "mac_latin2", "mac_roman", "cp850"}
)  # fmt: skip


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
        return True
    except UnicodeDecodeError:
        return False


def _is_utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        # A sample cut in the middle of a multi-byte character is still UTF-8.
        return exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"


def _utf16_without_bom(sample: bytes) -> str | None:
    """Excel 'Unicode text' can be UTF-16 without a BOM: ASCII text then has NULs in every other byte."""
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / len(sample[0::2])
    odd_nuls = sample[1::2].count(0) / len(sample[1::2])
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def open_text(path: Path) -> tuple[IO[str], str]:
    """Open a file as text with its guessed encoding; undecodable bytes become U+FFFD, never an error."""
    with open(path, "rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    encoding = guess_encoding(sample)
    binary = open(path, "rb")  # noqa: SIM115 - handed to the caller inside the wrapper
    return io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline=""), encoding
