"""Documents in memory, with the people each one mentions, and the containers that hold them.

A writer builds a ``Doc`` (bytes plus the mentions it wrote, line by line), and
packers wrap docs into zips, tars and gzips. The truth files are then a walk of
the tree: a member's path is ``container!member`` exactly as files.csv spells it,
and a mention is readable only when every container above it can be opened.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import random
import re
import tarfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import pyzipper

from exposure.demo.people import Person

# Every archive entry gets this time so the same seed gives the same bytes.
FIXED_ZIP_TIME = (2024, 3, 1, 9, 30, 0)
FIXED_EPOCH = 1709285400  # 2024-03-01 09:30:00 UTC
ARCHIVE_PASSWORD = "infected"  # the usual password for shared malware/breach samples

PROCESSED, FAILED, SKIPPED = "processed", "failed", "skipped"

_FULL_SSN = re.compile(r"\d{3}-?\d{2}-?\d{4}")


@dataclass(frozen=True)
class PersonMention:
    location: str  # "row N" (header is line 1) or "line N"
    person: Person
    elements: frozenset[str]
    hard: bool = False  # carries no SSN and no name+DOB: a resolver may fairly miss it
    role: str = ""  # the person's role where the record names one: subscriber, dependent, patient ...
    variant: str = ""  # how this source writes the person differently (people.VARIANTS), "" for the truth


@dataclass
class Doc:
    name: str  # relative to its container: the input root or the archive
    data: bytes
    mentions: list[PersonMention] = field(default_factory=list)
    members: list[Doc] = field(default_factory=list)  # what an archive holds
    status: str = PROCESSED  # what files.csv should say
    reason: str = ""  # a keyword the files.csv reason should contain
    list_members: bool = True  # False when the tool cannot be expected to see inside
    format: str = ""  # what a reader must understand to find its people: csv, xlsx, x12 ... (truth column)
    x12_ids: tuple[str, ...] = ()  # ISA sender/receiver ids written in it (an owner's x12_ids rule)
    password: str = ""  # set on an encrypted container that a password of the case's passwords file opens


@dataclass(frozen=True)
class WalkedDoc:
    path: str
    doc: Doc
    readable: bool  # this doc and every container above it can be opened
    listed: bool  # the tool is expected to list it in files.csv
    needs_password: bool = False  # readable once the case's passwords file is given (--passwords)


def walk(
    docs: Iterable[Doc],
    prefix: str = "",
    readable: bool = True,
    listed: bool = True,
    needs_password: bool = False,
) -> Iterator[WalkedDoc]:
    """Every doc and archive member, depth first, with its files.csv path."""
    for doc in docs:
        path = f"{prefix}!{doc.name}" if prefix else doc.name
        doc_readable = readable and doc.status == PROCESSED
        yield WalkedDoc(path, doc, doc_readable, listed, needs_password)
        inner_needs_password = needs_password or bool(doc.password)
        yield from walk(doc.members, path, doc_readable, listed and doc.list_members, inner_needs_password)


# ---- tables --------------------------------------------------------------


class TableBuilder:
    """A delimited file written row by row, remembering which person each row is.

    ``element_columns`` maps a column to the element code its value exposes; a row's
    elements are the codes whose columns are filled (a masked SSN does not count).
    """

    def __init__(
        self,
        columns: Sequence[str],
        element_columns: dict[str, str],
        delimiter: str = ",",
        line_end: str = "\n",
    ) -> None:
        self.columns = list(columns)
        self.element_columns = element_columns
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=delimiter, lineterminator=line_end)
        self.writer.writerow(self.columns)
        self.line = 1
        self.mentions: list[PersonMention] = []

    def add(
        self, row: dict[str, str], person: Person | None = None, hard: bool = False, variant: str = ""
    ) -> None:
        """Write a row; with ``person`` it is a mention, without it a fixture or a non-person row."""
        values = [row.get(column, "") for column in self.columns]
        if any("\n" in v or "\r" in v for v in values):
            raise ValueError("row values must stay on one line so 'row N' is a line number")
        self.writer.writerow(values)
        self.line += 1
        if person is not None:
            mention = PersonMention(f"row {self.line}", person, self.elements_of(row), hard, variant=variant)
            self.mentions.append(mention)

    def elements_of(self, row: dict[str, str]) -> frozenset[str]:
        return row_elements(row, self.element_columns)

    def doc(self, name: str, encoding: str = "utf-8", format: str = "csv") -> Doc:
        return Doc(name, self.buffer.getvalue().encode(encoding), list(self.mentions), format=format)


def row_elements(row: dict[str, object], element_columns: dict[str, str]) -> frozenset[str]:
    """The element codes of the filled columns of a row (a masked SSN is not an SSN)."""
    codes = set()
    for column, code in element_columns.items():
        value = str(row.get(column) or "").strip()
        if not value or (code == "ssn" and not _FULL_SSN.fullmatch(value)):
            continue
        codes.add(code)
    return frozenset(codes)


# ---- text ----------------------------------------------------------------


class TextBuilder:
    """Plain text built line by line, so a mention can point at the line naming the person."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.mentions: list[PersonMention] = []

    def add(self, *lines: str) -> int:
        """Append lines; returns the 1-based number of the first one."""
        first = len(self.lines) + 1
        self.lines.extend(lines)
        return first

    def mention(
        self, line: int, person: Person, elements: Iterable[str], hard: bool = False, variant: str = ""
    ) -> None:
        mention = PersonMention(f"line {line}", person, frozenset(elements), hard, variant=variant)
        self.mentions.append(mention)

    def doc(self, name: str) -> Doc:
        return Doc(name, ("\n".join(self.lines) + "\n").encode("utf-8"), list(self.mentions), format="text")


# ---- containers ------------------------------------------------------------


def zip_doc(name: str, members: list[Doc]) -> Doc:
    return Doc(name, _zip_bytes(members), members=members, format="zip")


def _zip_bytes(members: list[Doc]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            archive.writestr(_zip_info(member.name), member.data)
    return buffer.getvalue()


def _zip_info(name: str, info_class: type[zipfile.ZipInfo] = zipfile.ZipInfo) -> zipfile.ZipInfo:
    info = info_class(name, date_time=FIXED_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # unix, whatever platform generates the corpus
    return info


def encrypted_zip_doc(
    name: str,
    members: list[Doc],
    rng: random.Random,
    password: str = ARCHIVE_PASSWORD,
    in_case_file: bool = False,
) -> Doc:
    """An AES zip: member names are visible, contents need ``password``.

    ``in_case_file``: the password is one of those in the case's passwords file, so the
    tool opens it when given that file (``--passwords``) and fails it otherwise.
    """
    buffer = io.BytesIO()
    with (
        _seeded_aes_salt(rng),
        pyzipper.AESZipFile(
            buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as archive,
    ):
        archive.setpassword(password.encode())
        for member in members:
            archive.writestr(_zip_info(member.name, pyzipper.zipfile_aes.AESZipInfo), member.data)
    return Doc(
        name,
        buffer.getvalue(),
        members=members,
        status=FAILED,
        reason="encrypted",
        list_members=False,
        format="zip",
        password=password if in_case_file else "",
    )


@contextlib.contextmanager
def _seeded_aes_salt(rng: random.Random) -> Iterator[None]:
    """pyzipper draws each AES salt from the OS; a seeded source keeps the archive's bytes stable."""

    class SeededRandom:
        @staticmethod
        def new() -> SeededRandom:
            return SeededRandom()

        @staticmethod
        def read(size: int) -> bytes:
            return rng.randbytes(size)

    module = pyzipper.zipfile_aes
    original = module.Random
    module.Random = SeededRandom
    try:
        yield
    finally:
        module.Random = original


def truncated_zip_doc(name: str, members: list[Doc], keep: float = 0.55) -> Doc:
    """A zip cut short in transfer: no central directory, so nothing inside can be listed or trusted."""
    whole = _zip_bytes(members)
    return Doc(
        name,
        whole[: int(len(whole) * keep)],
        members=members,
        status=FAILED,
        reason="corrupt",
        list_members=False,
        format="zip",
    )


def tar_gz_doc(name: str, members: list[Doc]) -> Doc:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for member in members:
            info = tarfile.TarInfo(member.name)
            info.size, info.mtime, info.mode = len(member.data), FIXED_EPOCH, 0o644
            info.uname = info.gname = "backup"
            archive.addfile(info, io.BytesIO(member.data))
    return Doc(name, gzip_bytes(raw.getvalue(), ""), members=members, format="tar")


def gzip_bytes(data: bytes, original_name: str) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=original_name, mode="wb", fileobj=buffer, mtime=FIXED_EPOCH) as stream:
        stream.write(data)
    return buffer.getvalue()


def gzip_doc(name: str, inner: Doc) -> Doc:
    """A single gzipped file holds one member named after it without '.gz' (``x.csv.gz!x.csv``)."""
    member_name = name.rsplit("/", 1)[-1].removesuffix(".gz")
    member = Doc(member_name, inner.data, mentions=inner.mentions, format=inner.format)
    return Doc(name, gzip_bytes(inner.data, member_name), members=[member], format="gzip")


def seven_zip_doc(name: str, members: list[Doc]) -> Doc:
    """A 7z archive (LZMA2), every entry stamped ``FIXED_EPOCH``: the bytes never depend on the clock."""
    import py7zr  # imported here: only this kind needs it
    from py7zr.helpers import ArchiveTimestamp

    stamp = ArchiveTimestamp.from_datetime(FIXED_EPOCH)
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w") as archive:
        for member in members:
            archive.writestr(member.data, member.name)
        for info in archive.header.files_info.files:  # py7zr stamps each entry with the current time
            info["creationtime"] = info["lastwritetime"] = info["lastaccesstime"] = stamp
    return Doc(name, buffer.getvalue(), members=members, format="7z")


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def opendocument_bytes(mimetype: bytes, content: bytes, manifest: bytes) -> bytes:
    """An OpenDocument package as the standard wants it: ``mimetype`` first and stored, then the XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        parts = (("mimetype", mimetype), ("content.xml", content), ("META-INF/manifest.xml", manifest))
        for member, data in parts:
            info = _zip_info(member)
            if member == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, data)
    return buffer.getvalue()


def fixed_time_zip(data: bytes) -> bytes:
    """Rewrite an Office (OOXML) zip with fixed entry times and fixed core-property dates.

    openpyxl and python-docx stamp both with the clock when they save; the same seed must
    give the same bytes, so the package is re-zipped member by member, in the same order.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(rb"\g<1>2024-03-01T09:30:00Z\g<2>", content)
            target.writestr(_zip_info(info.filename), content)
    return out.getvalue()
