"""Reading containers (zip, tar, gzip, bzip2, xz) member by member, within limits.

Each reader yields ``ArchiveItem``s in archive order; an item's bytes are read
through ``item.open()`` before the next item is asked for (tar is a stream).
``ExpansionBudget`` turns bombs and hangs into ``LimitExceeded``; anything the
archive libraries raise about broken data becomes ``DamagedArchive`` with a
short reason that never quotes file contents or member names.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
import stat
import struct
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from exposure.config import Limits
from exposure.inventory.sniff import looks_like_tar
from exposure.masking import mask_text

# Expansion up to this size is never called a bomb: small, very repetitive files
# (a block of zeros, a padded fixed-width extract) legitimately compress 1000:1.
RATIO_FLOOR_BYTES = 10 * 1024 * 1024

ENCRYPTED = "encrypted: password required"

# Errors the archive and compression libraries raise on broken input data.
DATA_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,  # gzip.BadGzipFile, bz2 'Invalid data stream', short reads
    ValueError,
    RuntimeError,  # zipfile: encrypted member without a password
    NotImplementedError,  # zipfile: compression method it cannot read
    struct.error,
)

_ZIP_METHODS_READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_METHOD_NAMES = {1: "shrink", 6: "implode", 9: "deflate64", 93: "zstandard", 95: "xz", 98: "ppmd"}
# Callers own the returned streams (closed through an ExitStack or a with block).
_DECOMPRESSORS: dict[str, Callable[[BinaryIO], BinaryIO]] = {
    "gzip": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),  # noqa: SIM115
    "bzip2": lambda raw: bz2.BZ2File(raw, mode="rb"),  # noqa: SIM115
    "xz": lambda raw: lzma.LZMAFile(raw, mode="rb"),  # noqa: SIM115
}
_COMPRESSION_SUFFIXES = {
    "gzip": (".gz", ".gzip", ".z"),
    "bzip2": (".bz2", ".bzip2", ".bz"),
    "xz": (".xz", ".lzma"),
}
_TAR_SHORTHANDS = {".tgz": ".tar", ".tbz2": ".tar", ".tbz": ".tar", ".txz": ".tar"}


class LimitExceeded(Exception):
    """A limit was hit; ``whole_archive`` says whether the archive must stop too."""

    def __init__(self, reason: str, whole_archive: bool):
        super().__init__(reason)
        self.reason = reason
        self.whole_archive = whole_archive


class DamagedArchive(Exception):
    """The archive (or one member's data) cannot be read: truncated, bad CRC, not really an archive."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def plain_error(exc: BaseException) -> str:
    """A short message for ``exc``: quoted names and checksums removed, identifiers masked."""
    message = str(exc) or type(exc).__name__
    message = re.sub(r"\s*(?:for (?:file|member)\s*)?(?:'[^']*'|\"[^\"]*\")", "", message)
    message = re.sub(r"\s*0x[0-9a-fA-F]+(?:\s*!=\s*0x[0-9a-fA-F]+)?", "", message)
    message = " ".join(message.split()).rstrip(".:")
    if message[1:2].islower():  # keep acronyms such as CRC as they are
        message = message[:1].lower() + message[1:]
    if len(message) > 100:
        message = message[:97] + "..."
    return mask_text(message)


def damaged(exc: BaseException) -> DamagedArchive:
    return DamagedArchive(f"damaged archive: {plain_error(exc)}")


class ExpansionBudget:
    """What one container may spend while it is expanded: bytes, ratio and wall-clock time.

    Bytes are also charged to every enclosing container, so ``archive_max_bytes``
    bounds the disk an archive can fill, nested archives included.
    """

    def __init__(
        self,
        limits: Limits,
        archive_size: int | None,
        parent: ExpansionBudget | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limits = limits
        self.archive_size = max(archive_size or 0, 1)
        self.parent = parent
        self.clock = clock
        self.expanded = 0  # bytes produced by this container itself
        self.total = 0  # bytes produced by it and every container nested in it
        deadline = clock() + limits.file_seconds
        self.deadline = min(deadline, parent.deadline) if parent else deadline
        self.exceeded: str | None = None

    def charge(self, n: int) -> None:
        """Record ``n`` more bytes expanded from this container; raise when a limit is passed."""
        self.expanded += n
        self._charge_total(n)
        ratio = self.expanded / self.archive_size
        if self.expanded > RATIO_FLOOR_BYTES and ratio > self.limits.archive_max_ratio:
            limit = self.limits.archive_max_ratio
            self._trip(f"expansion limit: archive ratio {ratio:.0f}:1 exceeds {limit:.0f}:1")
        self.check_time()

    def check_time(self) -> None:
        if self.clock() > self.deadline:
            self._trip(f"time limit: expanding took longer than {self.limits.file_seconds:g} seconds")

    def stopped(self) -> str | None:
        """The reason this container must stop (its own limit or an enclosing one), or None."""
        node: ExpansionBudget | None = self
        while node is not None:
            if node.exceeded:
                return node.exceeded
            node = node.parent
        return None

    def _charge_total(self, n: int) -> None:
        node: ExpansionBudget | None = self
        while node is not None:
            node.total += n
            if node.total > self.limits.archive_max_bytes:
                node._trip(
                    f"expansion limit: more than {self.limits.archive_max_bytes} bytes from one archive"
                )
            node = node.parent

    def _trip(self, reason: str) -> None:
        self.exceeded = self.exceeded or reason
        raise LimitExceeded(reason, whole_archive=True)


class MemberMeter:
    """Checks one member's streamed bytes: per-file size and per-member ratio, then the archive budget."""

    def __init__(self, budget: ExpansionBudget, compressed_size: int | None, charge_archive: bool):
        self.budget = budget
        self.compressed_size = compressed_size
        self.charge_archive = charge_archive
        self.out = 0

    def __call__(self, n: int) -> None:
        self.out += n
        limits = self.budget.limits
        if self.out > limits.max_file_bytes:
            raise LimitExceeded(
                f"too large: more than {limits.max_file_bytes} bytes, the limit per file", whole_archive=False
            )
        if self.compressed_size is not None:
            ratio = self.out / max(self.compressed_size, 1)
            if self.out > RATIO_FLOOR_BYTES and ratio > limits.archive_max_ratio:
                raise LimitExceeded(ratio_reason(ratio, limits), whole_archive=False)
        if self.charge_archive:
            self.budget.charge(n)
        else:
            self.budget.check_time()


def ratio_reason(ratio: float, limits: Limits) -> str:
    return f"expansion limit: ratio {ratio:.0f}:1 exceeds {limits.archive_max_ratio:.0f}:1"


@dataclass
class ArchiveItem:
    """One entry of an archive directory (or of a tar stream)."""

    name: str
    kind: str  # 'file', 'dir', 'symlink', 'hardlink', 'special'
    declared_size: int | None = None
    compressed_size: int | None = None  # None when stored as is (tar): no per-member ratio
    problem: str = ""  # a reason known before reading (encrypted, unsupported method)
    type: str = ""  # the member's type when the container says what it is (a message in an mbox)
    open: Callable[[], BinaryIO] | None = None


class _SafeStream:
    """A member stream whose data errors surface as ``DamagedArchive``."""

    def __init__(self, inner: BinaryIO):
        self._inner = inner

    def read(self, n: int = -1) -> bytes:
        try:
            return self._inner.read(n)
        except DATA_ERRORS as exc:
            raise damaged(exc) from None


class _CountingStream:
    """Charges every decompressed byte to the archive budget (tar inside gzip/bzip2/xz)."""

    def __init__(self, inner: BinaryIO, charge: Callable[[int], None]):
        self._inner = inner
        self._charge = charge

    def read(self, n: int = -1) -> bytes:
        data = self._inner.read(n)
        self._charge(len(data))
        return data


class ArchiveReader:
    """Common shape of the readers below."""

    listing_known = False  # True when every name is known up front (zip directory)
    counts_own_output = False  # True when the decompressed stream is already charged to the budget
    single_stream = False  # gzip/bzip2/xz of one file: the container is its one member
    member_count: int | None = None

    def items(self) -> Iterator[ArchiveItem]:
        raise NotImplementedError


class ZipReader(ArchiveReader):
    listing_known = True

    def __init__(self, file: BinaryIO):
        try:
            self._zip = zipfile.ZipFile(file)
            self._infos = self._zip.infolist()
        except DATA_ERRORS as exc:
            raise damaged(exc) from None
        self.member_count = len(self._infos)

    def items(self) -> Iterator[ArchiveItem]:
        for info in self._infos:
            yield self._item(info)

    def _item(self, info: zipfile.ZipInfo) -> ArchiveItem:
        item = ArchiveItem(
            name=info.filename,
            kind=_zip_kind(info),
            declared_size=info.file_size,
            compressed_size=info.compress_size,
        )
        if info.flag_bits & 0x1:
            item.problem = ENCRYPTED
        elif info.compress_type not in _ZIP_METHODS_READABLE:
            method = _ZIP_METHOD_NAMES.get(info.compress_type, str(info.compress_type))
            item.problem = f"unsupported compression method: {method}"
        item.open = lambda: self._open(info)
        return item

    def _open(self, info: zipfile.ZipInfo) -> BinaryIO:
        try:
            return _SafeStream(self._zip.open(info))  # type: ignore[return-value]
        except DATA_ERRORS as exc:
            raise damaged(exc) from None


def _zip_kind(info: zipfile.ZipInfo) -> str:
    if info.is_dir():
        return "dir"
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_ISLNK(mode):  # made on Unix with a symlink mode
        return "symlink"
    return "file"


class TarReader(ArchiveReader):
    def __init__(self, stream: BinaryIO, counts_own_output: bool):
        self._stream = stream
        self.counts_own_output = counts_own_output

    def items(self) -> Iterator[ArchiveItem]:
        try:
            # Stream mode: one pass, no seeking. Closed with the underlying file by open_archive.
            tar = tarfile.open(fileobj=self._stream, mode="r|")  # noqa: SIM115
        except DATA_ERRORS as exc:
            raise damaged(exc) from None
        while True:
            try:
                info = tar.next()
            except DATA_ERRORS as exc:
                raise damaged(exc) from None
            if info is None:
                return
            yield self._item(tar, info)

    @staticmethod
    def _item(tar: tarfile.TarFile, info: tarfile.TarInfo) -> ArchiveItem:
        item = ArchiveItem(name=info.name, kind=_tar_kind(info), declared_size=info.size)
        if item.kind == "file":
            item.open = lambda: _SafeStream(tar.extractfile(info))  # type: ignore[arg-type,return-value]
        return item


def _tar_kind(info: tarfile.TarInfo) -> str:
    if info.isdir():
        return "dir"
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hardlink"
    if info.isreg():
        return "file"
    return "special"


class SingleStreamReader(ArchiveReader):
    """gzip / bzip2 / xz of a single file: one member named after the container."""

    listing_known = True
    single_stream = True
    member_count = 1

    def __init__(self, open_stream: Callable[[], BinaryIO], name: str, compressed_size: int):
        self._open_stream = open_stream
        self._name = name
        self._compressed_size = compressed_size

    def items(self) -> Iterator[ArchiveItem]:
        yield ArchiveItem(
            name=self._name,
            kind="file",
            compressed_size=self._compressed_size,
            open=lambda: _SafeStream(self._open_stream()),  # type: ignore[return-value]
        )


def member_name_for_compressed(container_name: str, kind: str) -> str:
    """``x.csv.gz`` -> ``x.csv``; ``x.tgz`` -> ``x.tar``; a name without the suffix is kept."""
    base = container_name.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    lowered = base.lower()
    for shorthand, replacement in _TAR_SHORTHANDS.items():
        if lowered.endswith(shorthand):
            return base[: -len(shorthand)] + replacement
    for suffix in _COMPRESSION_SUFFIXES.get(kind, ()):
        if lowered.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


@contextmanager
def open_archive(kind: str, path: Path, name: str, budget: ExpansionBudget) -> Iterator[ArchiveReader]:
    """Open the container at ``path`` (type ``kind`` from the sniffer) for reading its members.

    Raises ``DamagedArchive`` when it cannot even be opened.
    """
    with ExitStack() as stack:
        raw = stack.enter_context(Path(path).open("rb"))
        if kind == "zip":
            yield ZipReader(raw)
        elif kind == "tar":
            # Skipping over unread tar members happens inside tarfile: watch the clock there too.
            timed = _CountingStream(_SafeStream(raw), lambda n: budget.check_time())  # type: ignore[arg-type]
            yield TarReader(timed, counts_own_output=False)  # type: ignore[arg-type]
        elif kind in _DECOMPRESSORS:
            yield _open_compressed(kind, raw, path, name, budget, stack)
        else:
            raise DamagedArchive(f"archive format not supported: {kind}")


def _open_compressed(
    kind: str, raw: BinaryIO, path: Path, name: str, budget: ExpansionBudget, stack: ExitStack
) -> ArchiveReader:
    decompress = _DECOMPRESSORS[kind]
    try:
        with decompress(raw) as probe:
            first_block = probe.read(512)
    except DATA_ERRORS as exc:
        raise damaged(exc) from None
    raw.seek(0)
    if looks_like_tar(first_block):
        stream = stack.enter_context(decompress(raw))
        return TarReader(_CountingStream(stream, budget.charge), counts_own_output=True)  # type: ignore[arg-type]
    compressed_size = Path(path).stat().st_size

    def open_stream() -> BinaryIO:
        raw.seek(0)
        return stack.enter_context(decompress(raw))

    return SingleStreamReader(open_stream, member_name_for_compressed(name, kind), compressed_size)
