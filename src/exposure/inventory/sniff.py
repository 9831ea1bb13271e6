"""Decide a file's type from its bytes, not its name.

Only the first ``SNIFF_BYTES`` are read, except for zip and OLE files where the
central directory or the storage directory names the document kind (a bounded
read too). Names are short lowercase strings that the extract stage maps to a
reader. The file name is used only as a last tie-breaker where the bytes cannot
tell (an encrypted Office file hides whether it is a workbook or a document).
"""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

import charset_normalizer

SNIFF_BYTES = 64 * 1024

# Types the inventory opens itself, and archive formats it recognises but cannot open (none today).
CONTAINER_TYPES = frozenset({"zip", "tar", "gzip", "bzip2", "xz", "7z", "rar", "mbox", "eml", "msg", "pst"})
# Containers that are documents too (an e-mail's attachments are members, its text is read):
# their own row stays 'pending' for the extract stage once their members are recorded.
DOCUMENT_CONTAINER_TYPES = frozenset({"eml", "msg"})
UNSUPPORTED_CONTAINER_TYPES: frozenset[str] = frozenset()

_SIMPLE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"SQLite format 3\x00", "sqlite"),
    (b"PAR1", "parquet"),
    (b"!BDN", "pst"),
    (b"\x1f\x8b\x08", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"{\\rtf", "rtf"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

# NCPDP D.0 transaction codes (claims, reversals, eligibility, info reporting, controlled substance).
_NCPDP_CODES = frozenset(b"B1 B2 B3 E1 N1 N2 N3 P1 P2 P3 P4 C1 C2 C3 S1 S2 S3".split())
_NCPDP_SEPARATORS = (b"\x1c", b"\x1d", b"\x1e")

# Control characters that legitimately occur in text-based formats:
# tab/newlines/form feed, HL7 MLLP framing (0x0b, 0x1c), NCPDP separators, STX/ETX, DOS EOF.
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1c\x1d\x1e\x02\x03\x1a")

_MAIL_HEADERS = frozenset(
    ("from", "to", "cc", "bcc", "subject", "date", "message-id", "received", "return-path")
    + ("mime-version", "delivered-to", "reply-to", "sender", "x-mailer", "in-reply-to")
    + ("references", "thread-topic", "x-originating-ip")
)
_HEADER_LINE = re.compile(r"^[!-9;-~]+:")  # RFC 5322 field name: printable ASCII except ':'
_HTML_FIRST_TAGS = frozenset(
    ("html", "head", "body", "div", "p", "table", "span", "meta", "title", "link", "script", "style")
    + ("a", "ul", "ol", "form", "h1", "h2", "h3", "br")
)
_CSV_DELIMITERS = (",", "\t", "|", ";")


def detect_type(path: Path, name: str | None = None) -> str:
    """Return the short type name of the file at ``path`` (see the module doc).

    ``name`` is the file's logical name (for an extracted archive member its name
    in the archive) and only breaks ties the content cannot decide.
    Raises ``OSError`` when the file cannot be read.
    """
    path = Path(path)
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
        total = f.seek(0, io.SEEK_END)
    if not head:
        return "empty"
    by_magic = _type_from_magic(head, total)
    if by_magic == "zip":
        return _refine_zip(path)
    if by_magic == "ole":
        return _refine_ole(path, name or path.name)
    if by_magic:
        return by_magic
    return _type_from_text(head, truncated=total > len(head))


def _type_from_magic(head: bytes, total: int) -> str | None:
    """Binary formats recognised by their signature."""
    if head.startswith(_ZIP_MAGICS):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    for magic, kind in _SIMPLE_MAGIC:
        if head.startswith(magic):
            return kind
    if _is_bzip2(head):
        return "bzip2"
    if _is_pdf(head):
        return "pdf"
    if head[128:132] == b"DICM":
        return "dicom"
    if looks_like_tar(head):
        return "tar"
    if _is_bmp(head, total):
        return "bmp"
    if _is_ncpdp(head):
        return "ncpdp"
    return None


def _is_bzip2(head: bytes) -> bool:
    # 'BZh' + block size digit, then the block magic (pi) or the end-of-stream magic (sqrt pi).
    return (
        head[:3] == b"BZh"
        and head[3:4].isdigit()
        and head[3:4] != b"0"
        and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90")
    )


def _is_pdf(head: bytes) -> bool:
    # Readers accept the header anywhere in the first 1024 bytes; only trust an offset
    # when what precedes it is blank or binary junk, not prose that mentions '%PDF-'.
    pos = head.find(b"%PDF-", 0, 1024)
    if pos < 0:
        return False
    before = head[:pos]
    return pos == 0 or not before.strip() or b"\x00" in before


def _is_bmp(head: bytes, total: int) -> bool:
    # 'BM' alone starts plenty of text; the header also records the file size and zero reserved bytes.
    return (
        head[:2] == b"BM"
        and len(head) >= 26
        and struct.unpack_from("<I", head, 2)[0] == total
        and head[6:10] == b"\x00\x00\x00\x00"
    )


def _is_ncpdp(head: bytes) -> bool:
    """NCPDP D.0: 'D0' + a transaction code after the 6-digit BIN (requests) or first (responses)."""
    data = head[1:] if head[:1] == b"\x02" else head  # optional STX framing
    is_request = data[6:8] == b"D0" and data[8:10] in _NCPDP_CODES
    is_response = data[0:2] == b"D0" and data[2:4] in _NCPDP_CODES
    window = data[:4096]
    return (is_request or is_response) and any(sep in window for sep in _NCPDP_SEPARATORS)


def looks_like_tar(block: bytes) -> bool:
    """True when ``block`` starts with a tar header (ustar magic or a valid v7 checksum)."""
    if len(block) < 512:
        return False
    header = block[:512]
    if header[257:262] == b"ustar":
        return True
    if header[:1] == b"\x00":
        return False
    raw_sum = header[148:156].split(b"\x00", 1)[0].strip()
    if not raw_sum or not all(48 <= c <= 55 for c in raw_sum):
        return False
    return int(raw_sum, 8) in tarfile.calc_chksums(header)


def _refine_zip(path: Path) -> str:
    """Tell Office Open XML and OpenDocument files from plain zip archives."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                info = zf.getinfo("mimetype")
                if info.file_size <= 200 and not info.flag_bits & 0x1:
                    return _opendocument_kind(zf.read(info)) or "zip"
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError):
        return "zip"  # a damaged zip is still a zip; the inventory reports the damage
    if "[Content_Types].xml" not in names:
        return "zip"
    prefixes = {n.split("/", 1)[0] for n in names}
    for folder, kind in (("word", "docx"), ("xl", "xlsx"), ("ppt", "pptx")):
        if folder in prefixes:
            return kind
    return "zip"


def _opendocument_kind(mimetype: bytes) -> str | None:
    text = mimetype.decode("ascii", "replace").strip()
    for suffix, kind in (("text", "odt"), ("spreadsheet", "ods"), ("presentation", "odp")):
        if text == f"application/vnd.oasis.opendocument.{suffix}":
            return kind
    return None


def _refine_ole(path: Path, name: str) -> str:
    """Name the OLE (compound file) kind from the streams in its root storage."""
    try:
        names = ole_root_names(path)
    except (OSError, struct.error, ValueError):
        return "ole"
    if any(n.startswith(("__substg1.0_", "__properties_version1.0", "__recip_version1.0_")) for n in names):
        return "msg"
    if "WordDocument" in names:
        return "doc"
    if "Workbook" in names or "Book" in names:
        return "xls"
    if "PowerPoint Document" in names:
        return "ppt"
    if "EncryptedPackage" in names:
        # A password-protected docx/xlsx/pptx: only the name can say which.
        suffix = Path(name).suffix.lower().lstrip(".")
        return suffix if suffix in ("docx", "xlsx", "pptx") else "ole"
    return "ole"


_OLE_FREE = 0xFFFFFFFA  # sector ids at or above this are markers (end of chain, free, FAT ...)
_OLE_NO_STREAM = 0xFFFFFFFF
_OLE_DIR_BUDGET = 64 * 1024


def ole_root_names(path: Path) -> set[str]:
    """Names of the entries directly inside the root storage of an OLE compound file.

    Reads the header, then follows the directory sector chain through the FAT
    (at most ``_OLE_DIR_BUDGET`` bytes of directory), then walks the root's
    red-black tree of children. Entries beyond the budget are not seen.
    """
    entries: list[tuple[str, int, int, int]] = []  # (name, left, right, child)
    with Path(path).open("rb") as f:
        header = f.read(512)
        if len(header) < 512 or not header.startswith(_OLE_MAGIC):
            raise ValueError("not an OLE file")
        sector_size = 1 << struct.unpack_from("<H", header, 30)[0]
        if sector_size not in (512, 4096):
            raise ValueError("bad sector size")
        difat = struct.unpack_from("<109I", header, 76)
        sector = struct.unpack_from("<I", header, 48)[0]
        seen: set[int] = set()
        while sector < _OLE_FREE and sector not in seen and len(seen) * sector_size < _OLE_DIR_BUDGET:
            seen.add(sector)
            f.seek((sector + 1) * sector_size)
            data = f.read(sector_size)
            entries.extend(_ole_dir_entries(data))
            sector = _ole_next_sector(f, difat, sector, sector_size)
    return _ole_children_of_root(entries)


def _ole_dir_entries(data: bytes) -> list[tuple[str, int, int, int]]:
    out = []
    for offset in range(0, len(data) - 127, 128):
        raw = data[offset : offset + 128]
        name_len = struct.unpack_from("<H", raw, 64)[0]
        name = raw[: max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
        left, right, child = struct.unpack_from("<III", raw, 68)
        out.append((name, left, right, child))
    return out


def _ole_next_sector(f, difat: tuple[int, ...], sector: int, sector_size: int) -> int:
    per_fat_sector = sector_size // 4
    fat_index = sector // per_fat_sector
    if fat_index >= len(difat) or difat[fat_index] >= _OLE_FREE:
        return _OLE_NO_STREAM  # FAT sector listed outside the header: stop rather than chase it
    f.seek((difat[fat_index] + 1) * sector_size + (sector % per_fat_sector) * 4)
    raw = f.read(4)
    return struct.unpack("<I", raw)[0] if len(raw) == 4 else _OLE_NO_STREAM


def _ole_children_of_root(entries: list[tuple[str, int, int, int]]) -> set[str]:
    if not entries:
        return set()
    names: set[str] = set()
    stack = [entries[0][3]]
    visited: set[int] = set()
    while stack:
        index = stack.pop()
        if index >= len(entries) or index in visited:
            continue
        visited.add(index)
        name, left, right, _child = entries[index]
        names.add(name)
        stack.extend((left, right))
    return names


# ---------------------------------------------------------------- text formats


def decode_head(head: bytes, truncated: bool) -> str | None:
    """Decode a sample of a file as text, or None when it is not text in any common encoding."""
    text = _decode_with_bom(head) or _decode_utf16_without_bom(head)
    if text is None and b"\x00" not in head:
        text = _decode_utf8(head, truncated)
        if text is None:
            best = charset_normalizer.from_bytes(head).best()
            text = str(best) if best is not None else None
    if text is None or not _mostly_printable(text):
        return None
    return text


def _decode_with_bom(head: bytes) -> str | None:
    for bom, encoding in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            body = head[len(bom) :]
            unit = 4 if "32" in encoding else 2 if "16" in encoding else 1
            body = body[: len(body) - len(body) % unit]
            return body.decode(encoding, "replace")
    return None


def _decode_utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text (e.g. Excel 'Unicode text') has a zero in every other byte of its ASCII part."""
    sample = head[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    zeros_even = sample[0 : 2 * pairs : 2].count(0) / pairs
    zeros_odd = sample[1 : 2 * pairs : 2].count(0) / pairs
    body = head[: len(head) - len(head) % 2]
    if zeros_odd > 0.3 and zeros_even < 0.05:
        return body.decode("utf-16-le", "replace")
    if zeros_even > 0.3 and zeros_odd < 0.05:
        return body.decode("utf-16-be", "replace")
    return None


def _decode_utf8(head: bytes, truncated: bool) -> str | None:
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sample may end inside a multi-byte character.
        if truncated and exc.start >= len(head) - 3:
            return head[: exc.start].decode("utf-8", "replace")
        return None


def _mostly_printable(text: str) -> bool:
    if not text:
        return True
    sample = text[:16384]
    bad = sum(1 for ch in sample if (ch < " " and ch not in _ALLOWED_CONTROLS) or ch == "\ufffd")
    return bad <= len(sample) * 0.01


def _type_from_text(head: bytes, truncated: bool) -> str:
    text = decode_head(head, truncated)
    if text is None:
        if _looks_like_ebcdic(head):
            return "ebcdic"
        return "fixedwidth" if _has_rdw_chain(head, truncated) else "binary"
    text = text.lstrip("\ufeff")
    sniffers = (_sniff_x12, _sniff_hl7, _sniff_mail, _sniff_markup, _sniff_json, _sniff_sql_dump,
                _sniff_fixed_width)  # fmt: skip
    for sniff in sniffers:
        kind = sniff(text, truncated)
        if kind:
            return kind
    if _is_delimited(text, truncated):
        return "csv"
    return "text"


def _has_rdw_chain(head: bytes, truncated: bool) -> bool:
    """Variable-length mainframe records: 4-byte record descriptor words that walk the sample cleanly."""
    from exposure.extract.cobol.decode import RDW_FORMATS, _rdw_walk

    for rdw in RDW_FORMATS:
        lengths, clean = _rdw_walk(head, rdw, not truncated)
        if clean and (len(lengths) >= 8 or (not truncated and len(lengths) >= 2)):
            return True
    return False


_SQL_DUMP_BANNERS = ("-- MySQL dump", "-- MariaDB dump", "-- PostgreSQL database dump")
_SQL_STATEMENT = re.compile(
    r"^\s*(?:INSERT\s+(?:IGNORE\s+)?INTO\s+\S+.*?\bVALUES?\s*\(|COPY\s+\S+(?:\s*\([^)]*\))?\s+FROM\s+stdin\b)",
    re.I | re.M,
)


def _sniff_sql_dump(text: str, truncated: bool) -> str | None:
    """mysqldump / pg_dump output, or any file of INSERT statements: records, not prose."""
    if any(banner in text[:4096] for banner in _SQL_DUMP_BANNERS):
        return "sqldump"
    return "sqldump" if _SQL_STATEMENT.search(text) else None


def _sniff_fixed_width(text: str, truncated: bool) -> str | None:
    """Mainframe-style extracts: many lines of one length and no delimiter that splits them."""
    lines = text.splitlines()[:200]
    if truncated and len(lines) > 1:
        lines = lines[:-1]
    if len(lines) < 5 or len({len(line) for line in lines}) != 1 or len(lines[0]) < 20:
        return None
    return None if _is_delimited(text, truncated) else "fixedwidth"


def _sniff_x12(text: str, truncated: bool) -> str | None:
    t = text.lstrip(" \t\r\n")
    if not t.startswith("ISA") or len(t) < 4:
        return None
    sep = t[3]
    if sep.isalnum() or sep.isspace():
        return None
    if len(t) >= 106 and t[103] == sep:
        return "x12"
    # Tolerate wrapped or padded envelopes: 16 ISA elements, then a GS segment.
    fields = t[:400].split(sep, 16)
    return "x12" if len(fields) == 17 and f"GS{sep}" in t[:2000] else None


def _sniff_hl7(text: str, truncated: bool) -> str | None:
    t = text.lstrip(" \t\r\n\x0b\ufeff")  # blank lines, MLLP start-of-block, a BOM per message
    if t[:3] in ("MSH", "FHS", "BHS") and len(t) > 8:
        sep = t[3]
        return "hl7" if not sep.isalnum() and not sep.isspace() else None
    return None


def _sniff_mail(text: str, truncated: bool) -> str | None:
    lines = text.splitlines()[:300]
    if not lines:
        return None
    if lines[0].startswith("From ") and len(lines) > 1 and _HEADER_LINE.match(lines[1]):
        return "mbox"
    if not _HEADER_LINE.match(lines[0]):
        return None
    known = set()
    for line in lines:
        if not line.strip():
            break
        if line[0] in " \t":
            continue  # folded continuation of the previous header
        if not _HEADER_LINE.match(line):
            return None
        known.add(line.split(":", 1)[0].strip().lower())
    return "eml" if len(known & _MAIL_HEADERS) >= 2 else None


_XML_PROLOGUE = re.compile(r"^(?:\s*(?:<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>))*\s*", re.S | re.I)
_FIRST_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)")


def _sniff_markup(text: str, truncated: bool) -> str | None:
    t = text.lstrip()
    if not t.startswith("<"):
        return None
    lowered = t[:2000].lower()
    if lowered.startswith("<!doctype html") or "<!doctype html" in lowered[:500]:
        return "html"
    rest = t[_XML_PROLOGUE.match(t).end() :]
    tag = _FIRST_TAG.match(rest)
    if not tag:
        return "xml" if t.startswith("<?xml") else None
    if tag.group(1).lower() in _HTML_FIRST_TAGS:
        return "html"
    if tag.group(1).rsplit(":", 1)[-1] == "Message" and (
        "ncpdp.org/schema/script" in lowered or _SCRIPT_MESSAGE.search(t[:8192])
    ):
        return "ncpdp_script"
    return "xml"


_SCRIPT_MESSAGE = re.compile(
    r"<(?:\w+:)?(?:NewRx|RxRenewalRequest|RxChangeRequest|CancelRx|RxFill|RxHistoryRequest|Verify)\b"
)


_JSON_START = re.compile(r'^[\[{]\s*(?:["{\[\]}\-0-9]|true|false|null)')


def _sniff_json(text: str, truncated: bool) -> str | None:
    t = text.strip()
    if t[:1] not in ("{", "["):
        return None
    if not truncated:
        try:
            json.loads(t)
            return "json"
        except ValueError:
            pass
    lines = [line for line in t.splitlines() if line.strip()]
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut by the sample
    if len(lines) >= 2 and all(_is_json_container(line) for line in lines[:200]):
        return "ndjson"
    # A document larger than the sample, or several pretty-printed values one after another.
    return "json" if _JSON_START.match(t) else None


def _is_json_container(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict | list)
    except ValueError:
        return False


def _is_delimited(text: str, truncated: bool) -> bool:
    """Delimited text: one of , TAB | ; splits most of the first lines into the same number of fields."""
    lines = text.splitlines()
    if truncated and len(lines) > 1:
        lines = lines[:-1]
    lines = [line for line in lines[:100] if line.strip()]
    if len(lines) < 2:
        return False
    sample = "\n".join(lines)
    return any(_consistent_fields(sample, delimiter) for delimiter in _CSV_DELIMITERS)


def _consistent_fields(sample: str, delimiter: str) -> bool:
    if delimiter not in sample:
        return False
    try:
        counts = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter, strict=False)]
    except csv.Error:
        return False
    counts = [c for c in counts if c]
    if len(counts) < 2:
        return False
    fields, frequency = Counter(counts).most_common(1)[0]
    return fields >= 2 and frequency >= max(2, 0.8 * len(counts))


def _looks_like_ebcdic(head: bytes) -> bool:
    """Mainframe text: spaces are 0x40 and letters/digits sit in 0x81-0xE9 / 0xF0-0xF9."""
    sample = head[:8192]
    if len(sample) < 64:
        return False
    spaces = sample.count(0x40)
    alnum = sum(1 for b in sample if 0x81 <= b <= 0xE9 or 0xF0 <= b <= 0xF9)
    ascii_letters = sum(1 for b in sample if 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A)
    return (spaces + alnum) >= 0.6 * len(sample) and ascii_letters < 0.2 * len(sample)
