"""Reading containers (zip, tar, gzip, bzip2, xz) member by member, within limits.

Each reader yields ``ArchiveItem``s in archive order; an item's bytes are read
through ``item.open()`` before the next item is asked for (tar is a stream).
``ExpansionBudget`` turns bombs and hangs into ``LimitExceeded``; anything the
archive libraries raise about broken data becomes ``DamagedArchive`` with a
short reason that never quotes file contents or member names.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import lzma
import re
import shutil
import stat
import struct
import tarfile
import tempfile
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
CHUNK = 1024 * 1024

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
        passwords: tuple[str, ...] | None = None,
        scratch_dir: Path | None = None,
    ):
        self.limits = limits
        # What the readers of protected or solid archives need, inherited by nested containers:
        # the passwords to try, and a private folder for bytes decompressed before they are stored.
        inherited = parent.passwords if parent else ()
        self.passwords: tuple[str, ...] = passwords if passwords is not None else inherited
        self.scratch_dir = scratch_dir or (parent.scratch_dir if parent else None)
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
    """A member stream whose data errors (``errors``) surface as ``DamagedArchive``."""

    def __init__(self, inner: BinaryIO, errors: tuple[type[BaseException], ...] = DATA_ERRORS):
        self._inner = inner
        self._errors = errors

    def read(self, n: int = -1) -> bytes:
        try:
            return self._inner.read(n)
        except self._errors as exc:
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

    def __init__(
        self, file: BinaryIO, passwords: tuple[str, ...] = (), clock: Callable[[], None] | None = None
    ):
        self._file = file
        self._passwords = PasswordList(passwords)
        self._check_time = clock or (lambda: None)
        self._protected: zipfile.ZipFile | None = None  # pyzipper's reader, opened for a protected member
        try:
            self._zip = zipfile.ZipFile(file)
            self._infos = self._zip.infolist()
        except DATA_ERRORS as exc:
            raise damaged(exc) from None
        self.member_count = len(self._infos)

    def items(self) -> Iterator[ArchiveItem]:
        for index, info in enumerate(self._infos):
            yield self._item(index, info)

    def _item(self, index: int, info: zipfile.ZipInfo) -> ArchiveItem:
        item = ArchiveItem(
            name=info.filename,
            kind=_zip_kind(info),
            declared_size=info.file_size,
            compressed_size=info.compress_size,
        )
        if info.flag_bits & 0x1:
            if self._passwords:
                item.open = lambda: self._open_protected(index)
            else:
                item.problem = ENCRYPTED
            return item
        if info.compress_type not in _ZIP_METHODS_READABLE:
            method = _ZIP_METHOD_NAMES.get(info.compress_type, str(info.compress_type))
            item.problem = f"unsupported compression method: {method}"
        item.open = lambda: self._open(info)
        return item

    def _open(self, info: zipfile.ZipInfo) -> BinaryIO:
        try:
            return _SafeStream(self._zip.open(info))  # type: ignore[return-value]
        except DATA_ERRORS as exc:
            raise damaged(exc) from None

    def _open_protected(self, index: int) -> BinaryIO:
        """The member decrypted with the first password that reads it whole (ZipCrypto or AES).

        A ZipCrypto password is checked by one byte only, so 1 wrong password in 256
        passes the check: each candidate is proven by reading the member to its CRC.
        """
        import pyzipper  # AES (WinZip) as well as ZipCrypto; only needed for protected members

        # pyzipper raises its own BadZipFile (a copy of zipfile's, not a subclass): a wrong ZipCrypto
        # password that passes the one-byte check ends in its "Bad CRC-32".
        errors = (*DATA_ERRORS, pyzipper.BadZipFile)
        if self._protected is None:
            try:
                self._protected = pyzipper.AESZipFile(self._file)
            except errors as exc:
                raise damaged(exc) from None
        info = self._protected.infolist()[index]
        if info.compress_type not in _ZIP_METHODS_READABLE:
            method = _ZIP_METHOD_NAMES.get(info.compress_type, str(info.compress_type))
            raise DamagedArchive(f"unsupported compression method: {method}")
        for password in self._passwords.in_order():
            secret = password.encode("utf-8")
            try:
                with self._protected.open(info, pwd=secret) as probe:
                    while probe.read(CHUNK):
                        self._check_time()
            except errors:
                continue
            self._passwords.worked(password)
            return _SafeStream(self._protected.open(info, pwd=secret), errors)  # type: ignore[return-value]
        raise DamagedArchive(ENCRYPTED)


class PasswordList:
    """The passwords to try, the one that last worked first (an archive usually has one password)."""

    def __init__(self, passwords: tuple[str, ...]):
        self._passwords = list(dict.fromkeys(p for p in passwords if p))

    def __bool__(self) -> bool:
        return bool(self._passwords)

    def in_order(self) -> list[str]:
        return list(self._passwords)

    def worked(self, password: str) -> None:
        self._passwords.remove(password)
        self._passwords.insert(0, password)


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
            yield ZipReader(raw, budget.passwords, budget.check_time)
        elif kind == "tar":
            # Skipping over unread tar members happens inside tarfile: watch the clock there too.
            timed = _CountingStream(_SafeStream(raw), lambda n: budget.check_time())  # type: ignore[arg-type]
            yield TarReader(timed, counts_own_output=False)  # type: ignore[arg-type]
        elif kind in _DECOMPRESSORS:
            yield _open_compressed(kind, raw, path, name, budget, stack)
        elif kind == "7z":
            yield SevenZipReader(raw, budget, stack)
        elif kind == "rar":
            yield RarReader(Path(path), budget)
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


# ------------------------------------------------------------------------------ 7z and RAR


class _ScratchFiles:
    """Members decompressed ahead of storing, in a private folder removed when the archive is closed."""

    def __init__(self, budget: ExpansionBudget, stack: ExitStack):
        parent = budget.scratch_dir
        if parent is not None:
            Path(parent).mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix="archive-", dir=parent))
        stack.callback(shutil.rmtree, self.folder, True)

    def path(self, index: int) -> Path:
        return self.folder / f"member-{index}"


class _WriteOnlySink:
    """The parts of py7zr's writer interface a write-only sink answers trivially."""

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        return None


class _MemberWriter(_WriteOnlySink):
    """Where py7zr writes one member: a scratch file, checked against the limits as bytes arrive."""

    def __init__(self, reader: SevenZipReader, index: int):
        self._reader = reader
        self._index = index
        self._path = reader.scratch.path(index)
        self._out: BinaryIO | None = self._path.open("wb")
        self._size = 0

    def write(self, data: bytes | bytearray) -> int:
        n = len(data)
        if self._out is None:
            return n  # the member already failed: the rest of its bytes are decompressed, not kept
        self._size += n
        limits = self._reader.budget.limits
        if self._size > limits.max_file_bytes:
            reason = f"too large: more than {limits.max_file_bytes} bytes, the limit per file"
            self._drop(LimitExceeded(reason, whole_archive=False))
            return n
        try:
            self._reader.budget.charge(n)
        except LimitExceeded as exc:
            self._drop(exc)
            raise
        self._out.write(data)
        return n

    def _drop(self, exc: Exception) -> None:
        self._reader.errors[self._index] = exc
        self.close()
        self._path.unlink(missing_ok=True)

    def size(self) -> int:
        return self._size

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


class _SevenZipFactory:
    """py7zr asks it for one writer per member; members were renamed ``member-<id>`` to find them."""

    def __init__(self, reader: SevenZipReader):
        self._reader = reader

    def create(self, filename: str) -> _MemberWriter:
        index = int(filename.rsplit("member-", 1)[-1])
        return _MemberWriter(self._reader, index)


class _DiscardFactory:
    """Decompresses a member into nothing, watching the clock: proves a password."""

    def __init__(self, check_time: Callable[[], None]):
        self._check_time = check_time

    def create(self, filename: str) -> _Discard:
        return _Discard(self._check_time)


class _Discard(_WriteOnlySink):
    def __init__(self, check_time: Callable[[], None]):
        self._check_time = check_time

    def write(self, data: bytes | bytearray) -> int:
        self._check_time()
        return len(data)

    def size(self) -> int:
        return 0

    def close(self) -> None:
        return None


class SevenZipReader(ArchiveReader):
    """A 7z archive (py7zr). Its members may share one compressed stream (a "solid" archive), so they are
    decompressed together, in one pass, into scratch files the first time a member is asked for; every
    byte is charged to the archive budget as it is written, so bombs stop early.

    Member names never become paths: py7zr is given a synthetic name per member, so a name such as
    ``../../x`` neither escapes nor makes py7zr refuse the whole archive.
    """

    listing_known = True
    counts_own_output = True

    def __init__(self, raw: BinaryIO, budget: ExpansionBudget, stack: ExitStack):
        import py7zr  # imported here: the package is only needed for 7z files

        self._py7zr = py7zr
        self._raw = raw
        self.budget = budget
        self.scratch = _ScratchFiles(budget, stack)
        self.errors: dict[int, Exception] = {}
        self._extracted = False
        self._aborted: LimitExceeded | None = None
        self._password: str | None = None
        self._locked = False
        self._archive = self._open_listing()
        self._files = list(self._archive.files)
        self.member_count = sum(1 for f in self._files if not f.is_directory)
        if self._archive.needs_password() and self._password is None:
            self._password = self._find_password()
            self._locked = self._password is None

    def _open(self, password: str | None):  # noqa: ANN202 - a py7zr.SevenZipFile
        self._raw.seek(0)
        return self._py7zr.SevenZipFile(self._raw, password=password)

    def _open_listing(self):  # noqa: ANN202
        try:
            return self._open(None)
        except self._py7zr.exceptions.PasswordRequired:
            pass  # the names themselves are encrypted: try the passwords on the header
        except Exception as exc:  # noqa: BLE001 - py7zr raises many kinds of errors on broken data
            raise damaged(exc) from None
        for password in PasswordList(self.budget.passwords).in_order():
            try:
                archive = self._open(password)
            except Exception:  # noqa: BLE001, S112 - a wrong password reads as broken data
                continue
            self._password = password
            return archive
        raise DamagedArchive(ENCRYPTED)

    def _find_password(self) -> str | None:
        """The first password that decompresses the smallest member without an error."""
        files = [f for f in self._files if not f.is_directory and not f.emptystream]
        if not files:
            return None
        probe = min(files, key=lambda f: f.uncompressed or 0)
        for password in PasswordList(self.budget.passwords).in_order():
            try:
                archive = self._open(password)
                archive.extract(targets=[probe.filename], factory=_DiscardFactory(self.budget.check_time))
            except LimitExceeded:
                raise
            except Exception:  # noqa: BLE001, S112 - a wrong password shows as corrupt data or a bad CRC
                continue
            return password
        return None

    def items(self) -> Iterator[ArchiveItem]:
        for index, info in enumerate(self._files):
            kind = "dir" if info.is_directory else "symlink" if info.is_symlink else "file"
            item = ArchiveItem(name=info.filename, kind=kind, declared_size=info.uncompressed)
            if kind == "file":
                if self._locked:
                    item.problem = ENCRYPTED
                else:
                    item.open = lambda index=index: self._member(index)
            yield item

    def _member(self, index: int) -> BinaryIO:
        if not self._extracted:
            self._extract_all()
        if index in self.errors:
            raise self.errors[index]
        path = self.scratch.path(index)
        if not path.exists():
            if self._aborted is not None:
                raise LimitExceeded(f"not extracted: {self._aborted.reason}", whole_archive=True)
            return io.BytesIO(b"")  # an empty member: py7zr writes nothing for it
        return _ClosingStream(path.open("rb"))  # type: ignore[return-value]

    def _extract_all(self) -> None:
        self._extracted = True
        archive = self._open(self._password)
        for info in archive.files:
            info._file_info["filename"] = f"member-{info.id}"  # see the class doc
        try:
            archive.extract(factory=_SevenZipFactory(self))
        except LimitExceeded as exc:
            self._aborted = exc
        except Exception as exc:  # noqa: BLE001 - broken data: members not written yet are damaged
            failure = damaged(exc)
            for index, info in enumerate(self._files):
                if not info.is_directory and index not in self.errors and not self._complete(index, info):
                    self.errors[index] = failure

    def _complete(self, index: int, info) -> bool:  # noqa: ANN001
        path = self.scratch.path(index)
        return path.exists() and path.stat().st_size == (info.uncompressed or 0)


class _ClosingStream:
    """A scratch file that closes itself once read to the end (the inventory only reads its streams)."""

    def __init__(self, inner: BinaryIO):
        self._inner = inner

    def read(self, n: int = -1) -> bytes:
        data = self._inner.read(n)
        if not data:
            self._inner.close()
        return data


class RarReader(ArchiveReader):
    """A RAR archive (rarfile). Headers are parsed in Python; compressed or encrypted data is decompressed
    by the ``unar`` program (Debian package ``unar``), streamed through a pipe. Stored (uncompressed,
    unencrypted) members are read directly, without the program.
    """

    listing_known = True

    def __init__(self, path: Path, budget: ExpansionBudget):
        import rarfile  # imported here: the package is only needed for RAR files

        # unar only: of the programs Debian has, the one that reads RAR 3 and 5 and takes passwords.
        # Without it stored members are still read; the others fail with _NO_RAR_TOOL.
        with contextlib.suppress(rarfile.RarCannotExec):
            rarfile.tool_setup(
                unrar=False, unar=True, bsdtar=False, sevenzip=False, sevenzip2=False, force=True
            )
        self._rarfile = rarfile
        self._budget = budget
        self._password: str | None = None
        self._locked = False
        self._rar = self._open_listing(path)
        self._infos = self._rar.infolist()
        self.member_count = sum(1 for info in self._infos if not info.is_dir())
        if any(info.needs_password() for info in self._infos) and self._password is None:
            self._password = self._find_password()
            self._locked = self._password is None

    def _open_listing(self, path: Path):  # noqa: ANN202 - a rarfile.RarFile
        rarfile = self._rarfile
        try:
            archive = rarfile.RarFile(str(path))
            if not archive.infolist() and archive.strerror():
                # Parsing stops quietly at the first bad header; with nothing listed, the file is damage.
                raise DamagedArchive(f"damaged archive: {plain_error(Exception(archive.strerror()))}")
            if not archive.needs_password() or archive.infolist():
                return archive
        except rarfile.NeedFirstVolume:
            raise DamagedArchive("part of a multi-volume RAR archive: open the first volume") from None
        except rarfile.PasswordRequired:
            pass
        except DamagedArchive:
            raise
        except Exception as exc:  # noqa: BLE001 - rarfile raises several kinds of errors on broken data
            raise damaged(exc) from None
        for password in PasswordList(self._budget.passwords).in_order():  # names are encrypted too
            try:
                archive = rarfile.RarFile(str(path), pwd=password)
                if not archive.infolist():
                    continue
            except Exception:  # noqa: BLE001, S112 - a wrong password reads as broken data
                continue
            self._password = password
            return archive
        raise DamagedArchive(ENCRYPTED)

    def _find_password(self) -> str | None:
        probe = min(
            (i for i in self._infos if i.needs_password() and not i.is_dir()),
            key=lambda i: i.file_size or 0,
        )
        for password in PasswordList(self._budget.passwords).in_order():
            try:
                with self._rar.open(probe, pwd=password) as stream:
                    while stream.read(CHUNK):
                        self._budget.check_time()
            except LimitExceeded:
                raise
            except self._rarfile.RarCannotExec:
                raise DamagedArchive(_NO_RAR_TOOL) from None
            except Exception:  # noqa: BLE001, S112 - a wrong password shows as a bad CRC or a refusal
                continue
            return password
        return None

    def items(self) -> Iterator[ArchiveItem]:
        for info in self._infos:
            item = ArchiveItem(
                name=info.filename,
                kind=_rar_kind(info),
                declared_size=info.file_size,
                compressed_size=info.compress_size,
            )
            if item.kind == "file":
                if info.needs_password() and self._locked:
                    item.problem = ENCRYPTED
                else:
                    item.open = lambda info=info: self._open_member(info)
            yield item
        if self._rar.strerror():  # the listing stopped at a broken header: the members before it are kept
            raise DamagedArchive(f"damaged archive: {plain_error(Exception(self._rar.strerror()))}")

    def _open_member(self, info) -> BinaryIO:  # noqa: ANN001 - a rarfile.RarInfo
        rarfile = self._rarfile
        try:
            stream = self._rar.open(info, pwd=self._password if info.needs_password() else None)
        except rarfile.RarCannotExec:
            raise DamagedArchive(_NO_RAR_TOOL) from None
        except Exception as exc:  # noqa: BLE001
            raise damaged(exc) from None
        return _RarStream(stream)  # type: ignore[return-value]


_NO_RAR_TOOL = "cannot read RAR data: the unar program is not installed"


class _RarStream:
    """A rarfile member stream whose errors (bad CRC, the program failing) become ``DamagedArchive``."""

    def __init__(self, inner: BinaryIO):
        self._inner = inner

    def read(self, n: int = -1) -> bytes:
        try:
            return self._inner.read(n)
        except Exception as exc:  # noqa: BLE001 - rarfile.Error and the pipe's OSError alike
            self._inner.close()
            raise damaged(exc) from None


def _rar_kind(info) -> str:  # noqa: ANN001 - a rarfile.RarInfo
    if info.is_dir():
        return "dir"
    if info.is_symlink():
        return "symlink"
    if info.is_file():
        return "file"
    return "special"
