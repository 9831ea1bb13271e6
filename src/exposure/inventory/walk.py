"""The inventory stage: every input file and archive member, hashed, typed and given a status.

``inventory()`` walks the INPUT folders in sorted order and opens containers
recursively. Members are extracted into the case work folder only (content
addressed, see ``BlobStore``); nothing is ever written into an INPUT folder.
A container's own row comes *after* its members, once its final status is
known (a truncated tar turns out to be damaged only at its end); a consumer
may take that row as "all members of this container have been recorded".

An e-mail message (``eml``) is a document and a container: its attachments are
members, and its own row, after them, is ``pending`` (its headers and body are
still to be read) with ``is_container`` set, or ``failed`` when it is damaged.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from exposure.config import Limits
from exposure.inventory import archives
from exposure.inventory.archives import (
    ENCRYPTED,
    ArchiveItem,
    ArchiveReader,
    DamagedArchive,
    ExpansionBudget,
    LimitExceeded,
    MemberMeter,
    open_archive,
    plain_error,
    ratio_reason,
)
from exposure.inventory.hashing import BlobStore, sha256_file
from exposure.inventory.mail import MAIL_TYPES, open_mail
from exposure.inventory.sniff import (
    CONTAINER_TYPES,
    DOCUMENT_CONTAINER_TYPES,
    UNSUPPORTED_CONTAINER_TYPES,
    detect_type,
)
from exposure.model import FAILED, PENDING, PROCESSED, SKIPPED

KnownHash = Callable[[str, str, int, int], str | None]
OpenedContainer = Callable[[str], bool]

# Replaying an identical container from memory instead of re-reading it: bounded
# so that a million-member archive seen twice does not hold every row in memory.
MEMO_MAX_ROWS_PER_CONTAINER = 10_000
MEMO_MAX_ROWS_TOTAL = 500_000

_NOT_REGULAR = "not a regular file (device, pipe or socket)"
_DEPTH_REASON = "archive nested deeper than"
# Outcomes that depend on where a container sits (enclosing archives' budgets, the clock),
# not on its content: a recording holding one of them is not replayed elsewhere.
_CONTEXT_REASONS = ("not extracted:", "time limit:", "expansion limit: more than")


@dataclass
class FileEntry:
    root: str  # absolute path of the INPUT root as given (for a file INPUT: its parent folder)
    path: str  # relative to root, '/' separators; members as 'a.zip!inner/b.csv'
    parent: str  # path of the containing archive, '' for top-level files
    depth: int  # 0 top-level, +1 per container level
    local_path: Path | None  # where the bytes can be read now, None if unreadable
    sha256: str | None
    size: int | None
    mtime_ns: int | None  # top-level files only
    # From sniff.detect_type. Rows without readable content: 'unknown' (bytes could not be read),
    # 'folder' (an unreadable folder), 'symlink', 'hardlink', 'special' (device, pipe, socket).
    type: str
    status: str  # pending, processed, failed, skipped
    reason: str  # '' or a plain-language reason
    is_container: bool


def inventory(
    inputs: list[Path],
    work_dir: Path,
    limits: Limits,
    known_hash: KnownHash | None = None,
    opened_container: OpenedContainer | None = None,
    passwords: tuple[str, ...] = (),
) -> Iterator[FileEntry]:
    """Yield one ``FileEntry`` per input file, folder problem and archive member.

    ``known_hash(root, path, size, mtime_ns)`` may return the hash of an unchanged
    top-level file from an earlier run (it is then not read again);
    ``opened_container(sha256)`` returning True means that container's members
    were all recorded earlier: it is yielded ``processed`` without members
    (an ``eml`` message: ``pending``, to be read, without members).
    ``passwords`` are tried, in order, on protected zip, 7z and RAR members; a member opened
    with one is processed as any other, one that none opens is ``encrypted: password required``.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    store = BlobStore(work_dir)
    expander = _Expander(store, limits, opened_container, tuple(passwords))
    scanner = _TopLevel(limits, known_hash, expander, os.path.realpath(work_dir))
    try:
        seen: set[str] = set()
        for given in inputs:
            absolute = os.path.abspath(given)
            if absolute not in seen:
                seen.add(absolute)
                yield from scanner.scan_input(absolute)
    finally:
        store.close()


def cannot_read_reason(exc: OSError, what: str = "cannot read") -> str:
    """A plain reason for an OS error, without the path (it is already in the row)."""
    plain = {
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOENT: "not found",
        errno.EIO: "input/output error (damaged disk or network share?)",
        errno.ELOOP: "too many levels of symbolic links",
        errno.ENAMETOOLONG: "name too long",
    }.get(exc.errno or 0)
    return f"{what}: {plain or (exc.strerror or plain_error(exc)).lower()}"


def display_name(name: str) -> str:
    """A name that is always valid text: undecodable bytes in file names become '\\udcxx' escapes."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8") if name else "(unnamed)"


class _TopLevel:
    """Files and folders of the INPUTs themselves (depth 0)."""

    def __init__(self, limits: Limits, known_hash: KnownHash | None, expander: _Expander, work_real: str):
        self.limits = limits
        self.known_hash = known_hash
        self.expander = expander
        self.work_real = work_real

    def scan_input(self, absolute: str) -> Iterator[FileEntry]:
        # An INPUT named on the command line is followed even when it is a symbolic link:
        # the user pointed at it. Links found inside folders are not followed.
        if os.path.isdir(absolute):
            yield from self._scan_folder(absolute)
        else:
            root, name = os.path.split(absolute)
            yield from self._file(root, display_name(name), Path(absolute), follow=True)

    def _scan_folder(self, root: str) -> Iterator[FileEntry]:
        # The case work folder is skipped if it sits inside an INPUT: its blobs are our own output.
        inside = (self.work_real + os.sep).startswith(os.path.realpath(root) + os.sep)
        for rel, path, kind, error in walk_folder(Path(root), prune=self.work_real if inside else None):
            if kind == "file":
                yield from self._file(root, rel, path, follow=False)
            elif kind == "symlink":
                yield _row(root, rel, None, SKIPPED, "symbolic link (not followed)", type_="symlink")
            elif kind == "special":
                yield _row(root, rel, None, SKIPPED, _NOT_REGULAR, type_="special")
            elif kind == "unreadable folder":
                reason = cannot_read_reason(error, "cannot read folder") if error else "cannot read folder"
                yield _row(root, rel, None, FAILED, reason, type_="folder")
            elif kind == "pruned":
                yield _row(root, rel, None, SKIPPED, "case work folder (not input)", type_="folder")

    def _file(self, root: str, rel: str, path: Path, follow: bool) -> Iterator[FileEntry]:
        try:
            st = os.stat(path) if follow else os.lstat(path)
        except OSError as exc:
            yield _row(root, rel, path=None, status=FAILED, reason=cannot_read_reason(exc))
            return
        if not stat.S_ISREG(st.st_mode):  # a pipe or device named as INPUT: reading it could block forever
            yield _row(root, rel, None, SKIPPED, _NOT_REGULAR, type_="special")
            return
        entry = FileEntry(
            root, rel, "", 0, path, None, st.st_size, st.st_mtime_ns, "unknown", PENDING, "", False
        )
        try:
            if st.st_size > self.limits.max_file_bytes:
                entry.type = detect_type(path)  # the first 64 KiB only: still worth telling the user
                entry.is_container = (
                    entry.type in CONTAINER_TYPES or entry.type in UNSUPPORTED_CONTAINER_TYPES
                )
                yield _too_large(entry, st.st_size, self.limits)
                return
            cached = self.known_hash(root, rel, st.st_size, st.st_mtime_ns) if self.known_hash else None
            if cached:
                entry.sha256 = cached
            else:
                entry.sha256, entry.size = sha256_file(path)
            entry.type = detect_type(path)
        except OSError as exc:
            entry.local_path, entry.sha256 = None, None
            yield _mark(entry, FAILED, cannot_read_reason(exc))
            return
        yield from self.expander.classify(entry, parent_budget=None)


def _row(
    root: str, rel: str, path: Path | None, status: str, reason: str, type_: str = "unknown"
) -> FileEntry:
    return FileEntry(root, rel, "", 0, path, None, None, None, type_, status, reason, False)


def _mark(entry: FileEntry, status: str, reason: str = "") -> FileEntry:
    entry.status, entry.reason = status, reason
    return entry


def _too_large(entry: FileEntry, size: int, limits: Limits) -> FileEntry:
    entry.sha256 = None
    return _mark(entry, FAILED, f"too large: {size} bytes exceeds the limit of {limits.max_file_bytes} bytes")


def walk_folder(root: Path, prune: str | None = None) -> Iterator[tuple[str, Path, str, OSError | None]]:
    """Yield ``(relative path, path, kind, error)`` depth-first, entries sorted by name.

    ``kind`` is 'file', 'folder', 'symlink', 'special', 'unreadable folder', or
    'pruned' for the folder whose real path is ``prune`` (not descended into).
    Symbolic links are reported, never followed. An explicit stack instead of
    recursion keeps very deep trees from hitting the recursion limit.
    """
    try:
        top = _sorted_entries(root)
    except OSError as exc:
        yield ".", root, "unreadable folder", exc
        return
    stack: list[tuple[Iterator[os.DirEntry[str]], str]] = [(iter(top), "")]
    while stack:
        entries, prefix = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        rel = prefix + display_name(entry.name)
        path = Path(entry.path)
        kind = _entry_kind(entry)
        if kind == "folder" and prune is not None and os.path.realpath(path) == prune:
            kind = "pruned"
        if kind != "folder":
            yield rel, path, kind, None
            continue
        yield rel, path, "folder", None
        try:
            children = _sorted_entries(path)
        except OSError as exc:
            yield rel, path, "unreadable folder", exc
            continue
        stack.append((iter(children), rel + "/"))


def _sorted_entries(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def _entry_kind(entry: os.DirEntry[str]) -> str:
    try:
        if entry.is_symlink():
            return "symlink"
        if entry.is_dir(follow_symlinks=False):
            return "folder"
        if entry.is_file(follow_symlinks=False):
            return "file"
    except OSError:
        return "file"  # let the read report the actual problem
    return "special"


class _Outcome:
    """What happened while one container was expanded."""

    def __init__(self) -> None:
        self.failure = ""
        self.files = 0
        self.encrypted = 0

    def fail(self, reason: str) -> None:
        self.failure = self.failure or reason


@dataclass
class _Recording:
    """Member rows of one expanded container, relative to it, to replay for an identical copy."""

    depth: int
    rows: list[tuple[str, str, int, FileEntry]]
    status: str = ""
    reason: str = ""
    overflow: bool = False
    deepest_container: int = 0  # depth below the container of its most deeply nested container
    hit_depth_limit: bool = False
    context_dependent: bool = False

    def add(self, container: FileEntry, member: FileEntry) -> None:
        if self.overflow:
            return
        if len(self.rows) >= MEMO_MAX_ROWS_PER_CONTAINER:
            self.overflow, self.rows = True, []
            return
        cut = len(container.path) + 1
        rel_parent = "" if member.parent == container.path else member.parent[cut:]
        delta = member.depth - container.depth
        self.context_dependent = self.context_dependent or member.reason.startswith(_CONTEXT_REASONS)
        if member.is_container:
            self.deepest_container = max(self.deepest_container, delta)
            self.hit_depth_limit = self.hit_depth_limit or member.reason.startswith(_DEPTH_REASON)
        # A copy: the consumer may change the rows it receives.
        self.rows.append((member.path[cut:], rel_parent, delta, replace(member)))

    def fits_at(self, depth: int, max_depth: int) -> bool:
        """Whether replaying at ``depth`` gives the rows a fresh expansion would give."""
        if depth == self.depth:
            return True
        return not self.hit_depth_limit and depth + self.deepest_container <= max_depth

    def replay(self, container: FileEntry) -> Iterator[FileEntry]:
        for rel_path, rel_parent, depth_delta, template in self.rows:
            yield replace(
                template,
                root=container.root,
                path=f"{container.path}!{rel_path}",
                parent=f"{container.path}!{rel_parent}" if rel_parent else container.path,
                depth=container.depth + depth_delta,
            )
        yield _mark(container, self.status, self.reason)


class _UniqueNames:
    """Archives may hold the same name twice; every row needs its own path."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, name: str) -> str:
        count = self._seen.get(name, 0) + 1
        self._seen[name] = count
        return name if count == 1 else f"{name} (duplicate {count})"


class _Expander:
    """Opens containers recursively and turns their members into rows."""

    def __init__(
        self,
        store: BlobStore,
        limits: Limits,
        opened_container: OpenedContainer | None,
        passwords: tuple[str, ...] = (),
    ):
        self.store = store
        self.passwords = passwords
        self.limits = limits
        self.opened_container = opened_container
        self.memo: dict[str, _Recording] = {}
        self.memo_rows = 0

    def classify(self, entry: FileEntry, parent_budget: ExpansionBudget | None) -> Iterator[FileEntry]:
        """Yield ``entry`` as pending, or expand it when it is a container."""
        if entry.type in CONTAINER_TYPES or entry.type in UNSUPPORTED_CONTAINER_TYPES:
            yield from self.expand(entry, parent_budget)
        else:
            yield _mark(entry, PENDING)

    def expand(self, entry: FileEntry, parent_budget: ExpansionBudget | None) -> Iterator[FileEntry]:
        """Yield the members of container ``entry`` (recursively), then ``entry`` with its final status."""
        entry.is_container = True
        max_depth = self.limits.archive_max_depth
        if entry.type in UNSUPPORTED_CONTAINER_TYPES:
            yield _mark(entry, FAILED, f"archive format not supported: {entry.type}")
        elif entry.depth > max_depth:
            yield _mark(entry, FAILED, f"{_DEPTH_REASON} {max_depth} levels")
        elif entry.sha256 and self.opened_container and self.opened_container(entry.sha256):
            yield _mark(entry, PENDING if entry.type in DOCUMENT_CONTAINER_TYPES else PROCESSED)
        elif entry.sha256 in self.memo and self.memo[entry.sha256].fits_at(entry.depth, max_depth):
            yield from self.memo[entry.sha256].replay(entry)
        else:
            yield from self._expand_fresh(entry, parent_budget)

    def _expand_fresh(self, entry: FileEntry, parent_budget: ExpansionBudget | None) -> Iterator[FileEntry]:
        budget = ExpansionBudget(
            self.limits,
            entry.size,
            parent_budget,
            passwords=self.passwords if parent_budget is None else None,
            scratch_dir=self.store.tmp_dir,
        )
        outcome = _Outcome()
        recording = _Recording(entry.depth, [])
        for member in self._members(entry, budget, outcome):
            recording.add(entry, member)
            yield member
        status, reason = _verdict(outcome, budget)
        if status == PROCESSED and entry.type in DOCUMENT_CONTAINER_TYPES:
            status = PENDING  # members recorded; the document itself is still to be read
        self._remember(entry, recording, status, reason)
        yield _mark(entry, status, reason)

    def _remember(self, entry: FileEntry, recording: _Recording, status: str, reason: str) -> None:
        if recording.overflow or recording.context_dependent or reason.startswith(_CONTEXT_REASONS):
            return  # too big to keep, or a result that may differ elsewhere
        if not entry.sha256:
            return
        if self.memo_rows + len(recording.rows) > MEMO_MAX_ROWS_TOTAL:
            return
        recording.status, recording.reason = status, reason
        self.memo[entry.sha256] = recording
        self.memo_rows += len(recording.rows)

    def _members(self, entry: FileEntry, budget: ExpansionBudget, outcome: _Outcome) -> Iterator[FileEntry]:
        assert entry.local_path is not None
        try:
            opener = open_mail if entry.type in MAIL_TYPES else open_archive
            with opener(entry.type, entry.local_path, entry.path, budget) as reader:
                yield from self._read_members(entry, reader, budget, outcome)
        except (DamagedArchive, LimitExceeded) as exc:
            outcome.fail(exc.reason)

    def _read_members(
        self, entry: FileEntry, reader: ArchiveReader, budget: ExpansionBudget, outcome: _Outcome
    ) -> Iterator[FileEntry]:
        max_members = self.limits.archive_max_members
        if reader.member_count is not None and reader.member_count > max_members:
            outcome.fail(f"too many members: {reader.member_count} exceeds the limit of {max_members}")
            return
        unique = _UniqueNames()
        count = 0
        for item in reader.items():
            if item.kind == "dir":
                continue  # folders inside archives hold no bytes of their own
            count += 1
            if count > max_members:
                outcome.fail(f"too many members: more than {max_members}")
                return
            member = _new_member(entry, unique(display_name(item.name)), item.declared_size)
            stop = budget.stopped() or _out_of_time(budget)
            if stop and not reader.listing_known:
                outcome.fail(stop)  # a stream cannot be listed without expanding it
                return
            if stop:
                yield _mark(member, FAILED, f"not extracted: {stop}")
                continue
            yield from self._member(member, item, reader, budget, outcome)
            if outcome.failure and not reader.listing_known:
                return

    def _member(
        self,
        member: FileEntry,
        item: ArchiveItem,
        reader: ArchiveReader,
        budget: ExpansionBudget,
        outcome: _Outcome,
    ) -> Iterator[FileEntry]:
        skipped = {
            "symlink": "symbolic link (not followed)",
            "hardlink": "hard link (not followed)",
            "special": "device or special file (not read)",
        }.get(item.kind)
        if skipped:
            member.type = item.kind
            yield _mark(member, SKIPPED, skipped)
            return
        outcome.files += 1
        problem = item.problem or self._declared_problem(item)
        if problem:
            outcome.encrypted += problem == ENCRYPTED
            yield _mark(member, FAILED, problem)
            return
        meter = MemberMeter(budget, item.compressed_size, charge_archive=not reader.counts_own_output)
        try:
            assert item.open is not None
            member.sha256, member.size, member.local_path = self.store.store(item.open(), meter)
        except (LimitExceeded, DamagedArchive) as exc:
            outcome.encrypted += exc.reason == ENCRYPTED  # no password given opened it
            if reader.single_stream or (isinstance(exc, DamagedArchive) and not reader.listing_known):
                outcome.fail(exc.reason)  # the container has nothing else to offer, or its stream is broken
            yield _mark(member, FAILED, exc.reason)
            return
        try:
            member.type = detect_type(member.local_path, name=item.name)
            if item.type and member.type != "empty":
                member.type = item.type  # the container knows better (a message of an mbox)
        except OSError as exc:
            yield _mark(member, FAILED, cannot_read_reason(exc))
            return
        yield from self.classify(member, budget)

    def _declared_problem(self, item: ArchiveItem) -> str:
        """Refuse before reading when the archive directory already admits a bomb or an oversized file."""
        size, packed = item.declared_size, item.compressed_size
        if size is None:
            return ""
        if size > self.limits.max_file_bytes:
            return f"too large: {size} bytes exceeds the limit of {self.limits.max_file_bytes} bytes"
        if (
            packed is not None
            and size > archives.RATIO_FLOOR_BYTES
            and size / max(packed, 1) > self.limits.archive_max_ratio
        ):
            return ratio_reason(size / max(packed, 1), self.limits)
        return ""


def _new_member(container: FileEntry, name: str, declared_size: int | None) -> FileEntry:
    """A member row, failed until its bytes have been read."""
    return FileEntry(
        root=container.root,
        path=f"{container.path}!{name}",
        parent=container.path,
        depth=container.depth + 1,
        local_path=None,
        sha256=None,
        size=declared_size,
        mtime_ns=None,
        type="unknown",
        status=FAILED,
        reason="",
        is_container=False,
    )


def _out_of_time(budget: ExpansionBudget) -> str | None:
    try:
        budget.check_time()
    except LimitExceeded as exc:
        return exc.reason
    return None


def _verdict(outcome: _Outcome, budget: ExpansionBudget) -> tuple[str, str]:
    """The container's own status once all its members have been seen."""
    reason = outcome.failure or budget.stopped()
    if reason:
        return FAILED, reason
    if outcome.files and outcome.encrypted == outcome.files:
        return FAILED, ENCRYPTED
    return PROCESSED, ""
