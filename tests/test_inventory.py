"""The inventory stage: walking, hashing, sniffing, archives and their limits."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
import sqlite3
import tarfile
import warnings
import zipfile
from pathlib import Path

import pytest

from exposure.config import Limits
from exposure.inventory import FileEntry, detect_type, inventory
from exposure.inventory import archives as archives_module
from exposure.inventory import walk as walk_module
from exposure.inventory.hashing import BlobStore

SAMPLES = Path("/work/shared/samples")
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not available")
MB = 1024 * 1024


def run(inputs: list[Path] | Path, work: Path, limits: Limits | None = None, **kwargs) -> list[FileEntry]:
    if isinstance(inputs, Path):
        inputs = [inputs]
    return list(inventory(inputs, work, limits or Limits(), **kwargs))


def by_path(entries: list[FileEntry]) -> dict[str, FileEntry]:
    paths = [e.path for e in entries]
    assert len(paths) == len(set(paths)), "every row needs its own path"
    return {e.path: e for e in entries}


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def tree_files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if not p.is_dir() or p.is_symlink()
    }


@pytest.fixture
def case(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "input"
    source.mkdir()
    return source, tmp_path / "case" / "work"


# ----------------------------------------------------------------------------- sniffing


EXPECTED_SAMPLE_TYPES = {
    "archive/unstructured_simple.zip": "zip",
    "dicom/presidio_2_ORIGINAL.dcm": "dicom",
    "image/presidio_ocr_text.png": "png",
    "office/unstructured_fake-doc.rtf": "rtf",
    "office/unstructured_fake.doc": "doc",
    "office/unstructured_fake.docx": "docx",
    "office/unstructured_fake.odt": "odt",
    "office/unstructured_password_protected.xlsx": "xlsx",
    "office/unstructured_semicolon-delimited.csv": "csv",
    "office/unstructured_stanley-cups-utf-16.csv": "csv",
    "office/unstructured_stanley-cups.xlsx": "xlsx",
    "office/unstructured_tests-example.xls": "xls",
    "ncpdp/cosyte_script_newrx-basic.xml": "ncpdp_script",
    "cobol/cobrix_test3_TRAN2.AUG31.DATA.dat": "ebcdic",
    "cobol/cobrix_test3_copybook.cob": "text",
    "cobol/cobrix_test3_expected_first50.txt": "ndjson",
}
SAMPLE_FOLDER_TYPES = {
    "x12": "x12",
    "hl7": "hl7",
    "eml": "eml",
    "msg": "msg",
    "pdf": "pdf",
    "pst": "pst",
    "ncpdp": None,  # .ncpdp files are ncpdp, the SCRIPT .xml is ncpdp_script (listed above)
}


def _sample_cases() -> list[tuple[str, str]]:
    cases = dict(EXPECTED_SAMPLE_TYPES)
    if SAMPLES.is_dir():
        for folder, kind in SAMPLE_FOLDER_TYPES.items():
            for path in sorted((SAMPLES / folder).iterdir()):
                if kind:
                    cases[f"{folder}/{path.name}"] = kind
                elif path.suffix == ".ncpdp":
                    cases[f"{folder}/{path.name}"] = "ncpdp"
    return sorted(cases.items())


@needs_samples
@pytest.mark.parametrize(("name", "expected"), _sample_cases())
def test_detect_type_of_samples(name: str, expected: str) -> None:
    assert detect_type(SAMPLES / name) == expected


def test_csv_named_dat_is_csv(tmp_path: Path) -> None:
    path = tmp_path / "export.dat"
    path.write_text("id,name,ssn\n1,Ann Lee,123\n2,Bo Chan,456\n3,Cy Diaz,789\n")
    assert detect_type(path) == "csv"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"a\tb\tc\n1\t2\t3\n4\t5\t6\n", "csv"),
        (b"a|b|c\n1|2|3\n4|5|6\n", "csv"),
        ("name;city\nJos\u00e9;S\u00e3o Paulo\nRen\u00e9e;Montr\u00e9al\n".encode("cp1252"), "csv"),
        ("a\tb\n1\t2\n3\t4\n".encode("utf-16-le"), "csv"),  # Excel 'Unicode text' without BOM
        (b"Dear customer,\nyour statement is attached.\nRegards\n", "text"),
        ("Gr\u00fc\u00dfe aus K\u00f6ln, sch\u00f6ne Stra\u00dfe\n".encode("latin-1"), "text"),
        (b'{"a": 1, "b": [1, 2]}', "json"),
        (b'{"a": 1}\n{"a": 2}\n{"a": 3}\n', "ndjson"),
        (b'<?xml version="1.0"?>\n<root><a>1</a></root>', "xml"),
        (b"<!DOCTYPE html>\n<html><body>hi</body></html>", "html"),
        (b"<html><head></head></html>", "html"),
        (b"From alice@example.com Mon Jan  1 00:00:00 2024\nFrom: a@example.com\nSubject: x\n\nhi\n", "mbox"),
        (b"From: a@example.com\nTo: b@example.com\nSubject: hello\n\nbody\n", "eml"),
        (b"Subject: just one header line\nand then prose\n", "text"),
        (b"\x0bMSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\r", "hl7"),
        (b"\xef\xbb\xbfMSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\r", "hl7"),
        (b"{\\rtf1\\ansi hello}", "rtf"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "jpeg"),
        (b"II*\x00" + b"\x00" * 40, "tiff"),
        (b"GIF89a" + b"\x00" * 40, "gif"),
        (b"PAR1" + b"\x00" * 40, "parquet"),
        (b"!BDN" + b"\x00" * 40, "pst"),
        (b"7z\xbc\xaf\x27\x1c" + b"\x00" * 40, "7z"),
        (b"Rar!\x1a\x07\x01\x00" + b"\x00" * 40, "rar"),
        (b"\x00" * 128 + b"DICM" + b"\x00" * 40, "dicom"),
        (bytes(range(256)) * 8, "binary"),
    ],
)
def test_detect_type_from_content(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    assert detect_type(path) == expected


def test_detect_x12_needs_the_same_separator_at_3_and_103(tmp_path: Path) -> None:
    isa = (
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
        "*240101*1200*^*00501*000000001*0*P*:~"
    )
    assert len(isa) == 106 and isa[103] == "*"
    (tmp_path / "a.edi").write_text(isa + "GS*HC*S*R*20240101*1200*1*X*005010X222A1~")
    assert detect_type(tmp_path / "a.edi") == "x12"
    (tmp_path / "b.txt").write_text("ISA is an individual savings account in the UK.\n")
    assert detect_type(tmp_path / "b.txt") == "text"


def test_detect_binary_containers_and_databases(tmp_path: Path) -> None:
    (tmp_path / "a.gz").write_bytes(gzip.compress(b"hello"))
    (tmp_path / "a.bz2").write_bytes(bz2.compress(b"hello"))
    (tmp_path / "a.xz").write_bytes(lzma.compress(b"hello"))
    with tarfile.open(tmp_path / "a.tar", "w") as tar:
        info = tarfile.TarInfo("x.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    db = sqlite3.connect(tmp_path / "a.db")
    db.execute("create table t (x)")
    db.commit()
    db.close()
    kinds = {name: detect_type(tmp_path / name) for name in ("a.gz", "a.bz2", "a.xz", "a.tar", "a.db")}
    assert kinds == {"a.gz": "gzip", "a.bz2": "bzip2", "a.xz": "xz", "a.tar": "tar", "a.db": "sqlite"}


def test_plain_zip_is_zip_and_ooxml_is_by_content(tmp_path: Path) -> None:
    (tmp_path / "report.docx").write_bytes(zip_bytes({"a.csv": b"x,y\n"}))
    assert detect_type(tmp_path / "report.docx") == "zip"
    ooxml = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    (tmp_path / "data.bin").write_bytes(zip_bytes(ooxml))
    assert detect_type(tmp_path / "data.bin") == "xlsx"


def test_sniffing_reads_a_bounded_head(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w") as f:
        f.write("a,b,c\n")
        for i in range(200_000):
            f.write(f"{i},{i * 2},{i * 3}\n")
    assert detect_type(path) == "csv"


# ----------------------------------------------------------------------------- walking


def test_walk_is_sorted_deterministic_and_hashes(case: tuple[Path, Path]) -> None:
    source, work = case
    for name in ("b/z.txt", "a.txt", "c.txt", "b/a.txt", "B.txt"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(f"content of {name}\n")
    first = run(source, work)
    second = run(source, work)
    assert [e.path for e in first] == ["B.txt", "a.txt", "b/a.txt", "b/z.txt", "c.txt"]
    assert [(e.path, e.sha256) for e in first] == [(e.path, e.sha256) for e in second]
    entry = by_path(first)["b/a.txt"]
    assert entry.root == str(source)
    assert entry.sha256 == hashlib.sha256(b"content of b/a.txt\n").hexdigest()
    assert (entry.size, entry.depth, entry.parent, entry.status, entry.type) == (19, 0, "", "pending", "text")
    assert entry.local_path == source / "b" / "a.txt"
    assert entry.mtime_ns == (source / "b" / "a.txt").stat().st_mtime_ns


def test_file_input_uses_its_folder_as_root(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "one.csv").write_text("a,b\n1,2\n")
    [entry] = run(source / "one.csv", work)
    assert (entry.root, entry.path, entry.type) == (str(source), "one.csv", "csv")


def test_symlinks_are_recorded_not_followed(case: tuple[Path, Path], tmp_path: Path) -> None:
    source, work = case
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("a,b\n1,2\n")
    (source / "real.txt").write_text("hello\n")
    (source / "link.txt").symlink_to(source / "real.txt")
    (source / "linkdir").symlink_to(outside)
    rows = by_path(run(source, work))
    assert set(rows) == {"link.txt", "linkdir", "real.txt"}
    for name in ("link.txt", "linkdir"):
        assert (rows[name].status, rows[name].reason) == ("skipped", "symbolic link (not followed)")


def test_unreadable_file_is_failed_with_plain_reason(case: tuple[Path, Path], monkeypatch) -> None:
    source, work = case
    (source / "locked.csv").write_text("a,b\n")
    (source / "open.csv").write_text("a,b\n")
    real = walk_module.sha256_file

    def refuse(path: Path):
        if Path(path).name == "locked.csv":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(walk_module, "sha256_file", refuse)
    rows = by_path(run(source, work))
    locked = rows["locked.csv"]
    assert (locked.status, locked.reason, locked.sha256) == ("failed", "cannot read: permission denied", None)
    assert rows["open.csv"].status == "pending"


def test_pipes_are_skipped_without_hanging(case: tuple[Path, Path]) -> None:
    source, work = case
    os.mkfifo(source / "pipe")
    [row] = run(source, work)
    assert row.status == "skipped" and "not a regular file" in row.reason


def test_undecodable_file_names_become_valid_text(case: tuple[Path, Path]) -> None:
    source, work = case
    raw = os.fsencode(source) + b"/caf\xe9.txt"
    with open(raw, "wb") as f:
        f.write(b"hello\n")
    [row] = run(source, work)
    row.path.encode("utf-8")  # must not raise
    assert (
        row.status == "pending" and row.local_path is not None and row.local_path.read_bytes() == b"hello\n"
    )


def test_too_large_file_is_failed_and_not_hashed(case: tuple[Path, Path], monkeypatch) -> None:
    source, work = case
    (source / "big.csv").write_text("a,b\n" + "1,2\n" * 100)
    monkeypatch.setattr(walk_module, "sha256_file", lambda path: pytest.fail("must not hash"))
    [row] = run(source, work, Limits(max_file_bytes=100))
    assert row.status == "failed" and row.sha256 is None
    assert row.reason == "too large: 404 bytes exceeds the limit of 100 bytes"


def test_known_hash_skips_rehashing(case: tuple[Path, Path], monkeypatch) -> None:
    source, work = case
    (source / "a.txt").write_text("hello\n")
    st = (source / "a.txt").stat()
    calls = []

    def known(root: str, path: str, size: int, mtime_ns: int) -> str | None:
        calls.append((root, path, size, mtime_ns))
        return "f" * 64

    monkeypatch.setattr(walk_module, "sha256_file", lambda path: pytest.fail("must not hash"))
    [row] = run(source, work, known_hash=known)
    assert calls == [(str(source), "a.txt", st.st_size, st.st_mtime_ns)]
    assert row.sha256 == "f" * 64 and row.status == "pending"


def test_inputs_are_never_written(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "a.zip").write_bytes(zip_bytes({"x.csv": b"a,b\n1,2\n", "y/z.txt": b"hi"}))
    (source / "b.csv.gz").write_bytes(gzip.compress(b"a,b\n"))
    before = tree_files(source)
    run(source, work)
    assert tree_files(source) == before
    assert sorted(p.name for p in work.iterdir()) == ["blobs"]  # the temporary folder is gone


# ----------------------------------------------------------------------------- archives


def test_zip_members_are_extracted_content_addressed(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "a.zip").write_bytes(zip_bytes({"dir/": b"", "dir/x.csv": b"a,b\n1,2\n", "y.txt": b"hello\n"}))
    rows = run(source, work)
    assert [r.path for r in rows] == ["a.zip!dir/x.csv", "a.zip!y.txt", "a.zip"]
    table = by_path(rows)
    member = table["a.zip!dir/x.csv"]
    assert (member.parent, member.depth, member.type, member.status, member.mtime_ns) == (
        "a.zip",
        1,
        "csv",
        "pending",
        None,
    )
    assert member.sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert member.local_path == work / "blobs" / member.sha256
    assert member.local_path.read_bytes() == b"a,b\n1,2\n"
    container = table["a.zip"]
    assert (container.status, container.is_container, container.type, container.depth) == (
        "processed",
        True,
        "zip",
        0,
    )


def test_zip_slip_names_never_write_outside_work_dir(case: tuple[Path, Path], tmp_path: Path) -> None:
    source, work = case
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in ("../../escaped.txt", "../../../../../../tmp/escaped2.txt", "/etc/passwd-copy", "ok.txt"):
            zf.writestr(zipfile.ZipInfo(name), b"payload " + name.encode())
    (source / "slip.zip").write_bytes(buffer.getvalue())
    with tarfile.open(source / "slip.tar", "w") as tar:
        for name in ("../../tar-escaped.txt", "/abs-escaped.txt"):
            info = tarfile.TarInfo(name)
            info.size = 4
            tar.addfile(info, io.BytesIO(b"data"))
        link = tarfile.TarInfo("evil-link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc"
        tar.addfile(link)
        through = tarfile.TarInfo("evil-link/passwd")
        through.size = 4
        tar.addfile(through, io.BytesIO(b"pwnd"))
    before = set(tree_files(tmp_path))
    rows = by_path(run(source, work))
    created = set(tree_files(tmp_path)) - before
    assert created and all(name.startswith("case/work/blobs/") for name in created)
    assert not Path("/tmp/escaped2.txt").exists()
    assert rows["slip.zip!../../escaped.txt"].status == "pending"
    assert rows["slip.zip!/etc/passwd-copy"].local_path.parent == work / "blobs"
    assert rows["slip.tar!evil-link"].reason == "symbolic link (not followed)"
    assert rows["slip.tar!evil-link/passwd"].local_path.parent == work / "blobs"


def test_nested_zip(case: tuple[Path, Path]) -> None:
    source, work = case
    inner = zip_bytes({"deep/c.csv": b"a,b\n1,2\n"})
    middle = zip_bytes({"b.zip": inner, "note.txt": b"hello\n"})
    (source / "a.zip").write_bytes(middle)
    rows = run(source, work)
    assert [(r.path, r.parent, r.depth, r.status) for r in rows] == [
        ("a.zip!b.zip!deep/c.csv", "a.zip!b.zip", 2, "pending"),
        ("a.zip!b.zip", "a.zip", 1, "processed"),
        ("a.zip!note.txt", "a.zip", 1, "pending"),
        ("a.zip", "", 0, "processed"),
    ]


def test_depth_limit(case: tuple[Path, Path]) -> None:
    source, work = case
    data = zip_bytes({"leaf.txt": b"hello\n"})
    for level in range(4):
        data = zip_bytes({f"level{level}.zip": data})
    (source / "top.zip").write_bytes(data)
    rows = run(source, work, Limits(archive_max_depth=2))
    failed = [r for r in rows if r.status == "failed"]
    assert [(r.depth, r.reason) for r in failed] == [(3, "archive nested deeper than 2 levels")]
    assert max(r.depth for r in rows) == 3 and not any(r.path.endswith("leaf.txt") for r in rows)


def test_tar_gz_and_compressed_tars(case: tuple[Path, Path]) -> None:
    source, work = case
    for mode, name in (("w:gz", "a.tar.gz"), ("w:bz2", "b.tbz2"), ("w:xz", "c.tar.xz"), ("w", "d.tar")):
        with tarfile.open(source / name, mode) as tar:
            for member, data in (("x/one.csv", b"a,b\n1,2\n"), ("two.txt", b"hello\n")):
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            folder = tarfile.TarInfo("x")
            folder.type = tarfile.DIRTYPE
            tar.addfile(folder)
    rows = by_path(run(source, work))
    for name, kind in (("a.tar.gz", "gzip"), ("b.tbz2", "bzip2"), ("c.tar.xz", "xz"), ("d.tar", "tar")):
        assert (rows[name].status, rows[name].type, rows[name].is_container) == ("processed", kind, True)
        assert rows[f"{name}!x/one.csv"].type == "csv"
        assert rows[f"{name}!two.txt"].status == "pending"
        assert f"{name}!x" not in rows  # folders inside archives produce no row


def test_tar_links_and_devices_are_skipped(case: tuple[Path, Path]) -> None:
    source, work = case
    with tarfile.open(source / "a.tar", "w") as tar:
        info = tarfile.TarInfo("file.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
        for name, kind in (("sym", tarfile.SYMTYPE), ("hard", tarfile.LNKTYPE), ("dev", tarfile.CHRTYPE)):
            special = tarfile.TarInfo(name)
            special.type, special.linkname = kind, "file.txt"
            tar.addfile(special)
    rows = by_path(run(source, work))
    assert rows["a.tar!sym"].reason == "symbolic link (not followed)"
    assert rows["a.tar!hard"].reason == "hard link (not followed)"
    assert rows["a.tar!dev"].reason == "device or special file (not read)"
    assert {rows[f"a.tar!{n}"].status for n in ("sym", "hard", "dev")} == {"skipped"}
    assert rows["a.tar"].status == "processed"


def test_zip_symlink_member_is_skipped(case: tuple[Path, Path]) -> None:
    source, work = case
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        link = zipfile.ZipInfo("link")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    (source / "a.zip").write_bytes(buffer.getvalue())
    rows = by_path(run(source, work))
    assert (rows["a.zip!link"].status, rows["a.zip!link"].reason) == (
        "skipped",
        "symbolic link (not followed)",
    )


def test_single_file_compression_names_member_without_suffix(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "x.csv.gz").write_bytes(gzip.compress(b"a,b\n1,2\n"))
    (source / "y.json.bz2").write_bytes(bz2.compress(b'{"a": 1}'))
    (source / "z.txt.xz").write_bytes(lzma.compress(b"hello\n"))
    rows = by_path(run(source, work))
    assert rows["x.csv.gz!x.csv"].type == "csv"
    assert rows["y.json.bz2!y.json"].type == "json"
    assert rows["z.txt.xz!z.txt"].type == "text"
    assert all(rows[n].status == "processed" for n in ("x.csv.gz", "y.json.bz2", "z.txt.xz"))


def test_gzip_holding_a_zip_is_opened_again(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "a.zip.gz").write_bytes(gzip.compress(zip_bytes({"in.txt": b"hello\n"})))
    rows = by_path(run(source, work))
    assert rows["a.zip.gz!a.zip!in.txt"].depth == 2
    assert rows["a.zip.gz!a.zip"].status == "processed"


def test_identical_container_listed_at_both_paths_extracted_once(
    case: tuple[Path, Path], monkeypatch
) -> None:
    source, work = case
    archive = zip_bytes({"x.csv": b"a,b\n1,2\n", "inner.zip": zip_bytes({"y.txt": b"hello\n"})})
    for folder in ("one", "two"):
        (source / folder).mkdir()
        (source / folder / "copy.zip").write_bytes(archive)
    stored = []
    real_store = BlobStore.store

    def counting_store(self, stream, on_chunk=None):
        result = real_store(self, stream, on_chunk)
        stored.append(result[0])
        return result

    monkeypatch.setattr(BlobStore, "store", counting_store)
    rows = by_path(run(source, work))
    for folder in ("one", "two"):
        for member in ("x.csv", "inner.zip", "inner.zip!y.txt"):
            assert rows[f"{folder}/copy.zip!{member}"].sha256
        assert rows[f"{folder}/copy.zip"].status == "processed"
        assert rows[f"{folder}/copy.zip!inner.zip!y.txt"].parent == f"{folder}/copy.zip!inner.zip"
    assert len(stored) == len(set(stored)) == 3  # each distinct member written once
    assert len(list((work / "blobs").iterdir())) == 3


def test_opened_container_is_not_opened_again(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "a.zip").write_bytes(zip_bytes({"x.csv": b"a,b\n"}))
    sha = hashlib.sha256((source / "a.zip").read_bytes()).hexdigest()
    asked = []

    def opened(digest: str) -> bool:
        asked.append(digest)
        return True

    [row] = run(source, work, opened_container=opened)
    assert asked == [sha]
    assert (row.path, row.status, row.is_container) == ("a.zip", "processed", True)
    assert not list((work / "blobs").iterdir())


def test_duplicate_names_in_an_archive_get_distinct_paths(case: tuple[Path, Path]) -> None:
    source, work = case
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as zf:
        warnings.simplefilter("ignore")
        zf.writestr("a.txt", b"first")
        zf.writestr("a.txt", b"second")
    (source / "d.zip").write_bytes(buffer.getvalue())
    rows = by_path(run(source, work))
    assert {"d.zip!a.txt", "d.zip!a.txt (duplicate 2)"} <= set(rows)


# ----------------------------------------------------------------------------- broken and hostile archives


def test_encrypted_zip_needs_a_password(case: tuple[Path, Path]) -> None:
    pyzipper = pytest.importorskip("pyzipper")
    source, work = case
    with pyzipper.AESZipFile(source / "locked.zip", "w", compression=pyzipper.ZIP_DEFLATED) as zf:
        zf.setpassword(b"secret")
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.writestr("people.csv", b"name,ssn\nAnn,123456789\n")
        zf.writestr("more.csv", b"a,b\n")
    rows = by_path(run(source, work))
    for name in ("locked.zip!people.csv", "locked.zip!more.csv", "locked.zip"):
        assert (rows[name].status, rows[name].reason) == ("failed", "encrypted: password required")
    assert not list((work / "blobs").iterdir())


def test_partly_encrypted_zip_is_processed(case: tuple[Path, Path]) -> None:
    pyzipper = pytest.importorskip("pyzipper")
    source, work = case
    (source / "mixed.zip").write_bytes(zip_bytes({"plain.txt": b"hello\n"}))
    with pyzipper.AESZipFile(source / "mixed.zip", "a", compression=pyzipper.ZIP_DEFLATED) as zf:
        zf.setpassword(b"secret")
        zf.setencryption(pyzipper.WZ_AES)
        zf.writestr("hidden.txt", b"secret text")
    rows = by_path(run(source, work))
    assert rows["mixed.zip!plain.txt"].status == "pending"
    assert rows["mixed.zip!hidden.txt"].reason == "encrypted: password required"
    assert rows["mixed.zip"].status == "processed"


def test_truncated_zip_is_damaged(case: tuple[Path, Path]) -> None:
    source, work = case
    data = zip_bytes({f"f{i}.txt": os.urandom(2000) for i in range(5)})
    (source / "cut.zip").write_bytes(data[: len(data) // 2])
    [row] = run(source, work)
    assert (row.status, row.type, row.is_container) == ("failed", "zip", True)
    assert row.reason.startswith("damaged archive: ")


def test_zip_member_with_bad_crc_fails_alone(case: tuple[Path, Path]) -> None:
    source, work = case
    data = bytearray(zip_bytes({"a.txt": b"A" * 100, "b.txt": b"B" * 100}, zipfile.ZIP_STORED))
    offset = data.index(b"A" * 100)
    data[offset] = ord("X")  # corrupt the stored bytes, not the headers
    (source / "crc.zip").write_bytes(bytes(data))
    rows = by_path(run(source, work))
    assert rows["crc.zip!a.txt"].status == "failed"
    assert rows["crc.zip!a.txt"].reason == "damaged archive: bad CRC-32"
    assert rows["crc.zip!b.txt"].status == "pending"
    assert rows["crc.zip"].status == "processed"


def test_truncated_tar_keeps_members_already_read(case: tuple[Path, Path]) -> None:
    source, work = case
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for i in range(3):
            info = tarfile.TarInfo(f"part{i}.bin")
            info.size = 20_000
            tar.addfile(info, io.BytesIO(os.urandom(20_000)))
    data = buffer.getvalue()
    (source / "cut.tar").write_bytes(data[: 512 * 3 + 40_000 + 5000])
    rows = by_path(run(source, work))
    assert rows["cut.tar!part0.bin"].status == "pending" and rows["cut.tar!part0.bin"].local_path.exists()
    assert rows["cut.tar!part1.bin"].status == "pending"
    assert rows["cut.tar!part2.bin"].status == "failed"
    assert rows["cut.tar"].status == "failed" and rows["cut.tar"].reason.startswith("damaged archive: ")


def test_gzip_with_bad_crc_is_damaged(case: tuple[Path, Path]) -> None:
    source, work = case
    data = bytearray(gzip.compress(b"a,b\n1,2\n" * 100))
    data[-8] ^= 0xFF  # the CRC-32 in the trailer
    (source / "bad.csv.gz").write_bytes(bytes(data))
    rows = by_path(run(source, work))
    assert rows["bad.csv.gz!bad.csv"].status == "failed"
    assert rows["bad.csv.gz!bad.csv"].reason == "damaged archive: CRC check failed"
    assert rows["bad.csv.gz"].status == "failed"
    assert not list((work / "blobs").iterdir())


def test_zip_bomb_member_fails_and_leaves_no_big_file(case: tuple[Path, Path]) -> None:
    source, work = case
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("zeros.bin", "w") as out:
        for _ in range(50):
            out.write(bytes(MB))
    (source / "bomb.zip").write_bytes(buffer.getvalue())
    rows = by_path(run(source, work))
    member = rows["bomb.zip!zeros.bin"]
    assert member.status == "failed" and member.sha256 is None and member.local_path is None
    assert member.reason.startswith("expansion limit: ratio ") and member.reason.endswith("exceeds 250:1")
    assert sum(p.stat().st_size for p in work.rglob("*") if p.is_file()) < MB


def test_gzip_bomb_is_stopped_while_streaming(case: tuple[Path, Path]) -> None:
    source, work = case
    with gzip.GzipFile(source / "bomb.bin.gz", "wb") as out:
        for _ in range(40):
            out.write(bytes(MB))
    rows = by_path(run(source, work))
    member = rows["bomb.bin.gz!bomb.bin"]
    assert member.status == "failed" and member.reason.startswith("expansion limit: ratio ")
    assert rows["bomb.bin.gz"].status == "failed"
    assert sum(p.stat().st_size for p in work.rglob("*") if p.is_file()) < MB


def test_archive_total_limit_stops_the_rest(case: tuple[Path, Path]) -> None:
    source, work = case
    members = {f"part{i}.bin": os.urandom(300_000) for i in range(5)}
    (source / "big.zip").write_bytes(zip_bytes(members))
    rows = run(source, work, Limits(archive_max_bytes=700_000))
    table = by_path(rows)
    assert [table[f"big.zip!part{i}.bin"].status for i in range(5)] == ["pending", "pending"] + ["failed"] * 3
    assert table["big.zip!part2.bin"].reason.startswith("expansion limit: more than 700000 bytes")
    assert table["big.zip!part4.bin"].reason.startswith("not extracted: expansion limit")
    assert table["big.zip"].status == "failed"


def test_archive_total_counts_nested_archives(case: tuple[Path, Path]) -> None:
    source, work = case
    inner = zip_bytes({f"p{i}.bin": os.urandom(200_000) for i in range(4)}, zipfile.ZIP_STORED)
    (source / "outer.zip").write_bytes(zip_bytes({"inner.zip": inner, "z.txt": b"after"}, zipfile.ZIP_STORED))
    rows = by_path(run(source, work, Limits(archive_max_bytes=1_200_000)))
    assert rows["outer.zip"].status == "failed"
    assert rows["outer.zip!z.txt"].reason.startswith("not extracted: expansion limit")


def test_archive_ratio_limit_streams_real_bytes(case: tuple[Path, Path], monkeypatch) -> None:
    source, work = case
    monkeypatch.setattr(archives_module, "RATIO_FLOOR_BYTES", 0)
    with tarfile.open(source / "z.tar.gz", "w:gz") as tar:
        for i in range(3):
            info = tarfile.TarInfo(f"zeros{i}.bin")
            info.size = 2 * MB
            tar.addfile(info, io.BytesIO(bytes(2 * MB)))
    rows = by_path(run(source, work, Limits(archive_max_ratio=50)))
    assert rows["z.tar.gz"].status == "failed"
    assert rows["z.tar.gz"].reason.startswith("expansion limit: archive ratio ")


def test_member_count_limit(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "many.zip").write_bytes(zip_bytes({f"{i}.txt": b"x" for i in range(3)}))
    [row] = run(source, work, Limits(archive_max_members=2))
    assert (row.status, row.reason) == ("failed", "too many members: 3 exceeds the limit of 2")


def test_oversized_member_fails(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "a.zip").write_bytes(zip_bytes({"big.txt": b"x" * 5000, "small.txt": b"y"}))
    rows = by_path(run(source, work, Limits(max_file_bytes=4000)))
    assert rows["a.zip!big.txt"].reason == "too large: 5000 bytes exceeds the limit of 4000 bytes"
    assert rows["a.zip!small.txt"].status == "pending"


def test_time_limit_fails_the_container_without_hanging(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "a.zip").write_bytes(zip_bytes({"x.txt": b"x", "y.txt": b"y"}))
    rows = by_path(run(source, work, Limits(file_seconds=0)))
    assert rows["a.zip"].status == "failed" and rows["a.zip"].reason.startswith("time limit: ")
    assert rows["a.zip!x.txt"].reason.startswith("not extracted: time limit")


def test_a_7z_signature_over_random_bytes_is_a_damaged_archive(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "a.7z").write_bytes(b"7z\xbc\xaf\x27\x1c" + os.urandom(100))
    [row] = run(source, work)
    assert (row.status, row.is_container) == ("failed", True)
    assert row.reason.startswith("damaged archive: ")


def test_every_named_member_has_a_row_with_a_status(case: tuple[Path, Path]) -> None:
    source, work = case
    names = [f"n{i}.bin" for i in range(6)]
    (source / "a.zip").write_bytes(zip_bytes({n: os.urandom(100_000) for n in names}))
    rows = by_path(run(source, work, Limits(archive_max_bytes=250_000)))
    for name in names:
        assert rows[f"a.zip!{name}"].status in ("pending", "failed")
    assert all(r.reason or r.status == "pending" for r in rows.values() if r.path != "a.zip")


def test_work_dir_inside_an_input_is_not_scanned(tmp_path: Path) -> None:
    source = tmp_path / "share"
    source.mkdir()
    (source / "a.zip").write_bytes(zip_bytes({"x.txt": b"hello\n"}))
    rows = by_path(run(source, source / "case"))
    assert rows["case"].status == "skipped" and rows["case"].reason == "case work folder (not input)"
    assert not any(path.startswith("case/") for path in rows)


def test_pipe_named_as_input_is_skipped(case: tuple[Path, Path]) -> None:
    source, work = case
    os.mkfifo(source / "pipe")
    [row] = run(source / "pipe", work)
    assert (row.status, row.type) == ("skipped", "special")


def test_same_container_at_another_depth_is_replayed(case: tuple[Path, Path], monkeypatch) -> None:
    source, work = case
    inner = zip_bytes({"x.csv": b"a,b\n1,2\n"})
    (source / "a.zip").write_bytes(inner)
    (source / "b.zip").write_bytes(zip_bytes({"copy.zip": inner}))
    opened = []
    real_open = archives_module.open_archive

    def spy(kind, path, name, budget):
        opened.append(name)
        return real_open(kind, path, name, budget)

    monkeypatch.setattr(walk_module, "open_archive", spy)
    rows = by_path(run(source, work))
    assert rows["b.zip!copy.zip!x.csv"].depth == 2 and rows["b.zip!copy.zip!x.csv"].parent == "b.zip!copy.zip"
    assert rows["a.zip!x.csv"].sha256 == rows["b.zip!copy.zip!x.csv"].sha256
    assert opened == ["a.zip", "b.zip"]  # the identical inner zip was not read a second time


def test_limit_outcomes_of_one_archive_are_not_replayed_for_another(case: tuple[Path, Path]) -> None:
    source, work = case
    inner = zip_bytes({f"p{i}.bin": os.urandom(200_000) for i in range(3)}, zipfile.ZIP_STORED)
    crowded = zip_bytes({"filler.bin": os.urandom(500_000), "inner.zip": inner}, zipfile.ZIP_STORED)
    (source / "a.zip").write_bytes(crowded)
    (source / "b.zip").write_bytes(zip_bytes({"inner.zip": inner}, zipfile.ZIP_STORED))
    rows = by_path(run(source, work, Limits(archive_max_bytes=1_500_000)))
    assert rows["a.zip!inner.zip"].status == "failed"  # expanded, then stopped by a.zip's total
    assert rows["a.zip!inner.zip"].reason.startswith("expansion limit: more than 1500000 bytes")
    assert rows["b.zip!inner.zip"].status == "processed"
    assert all(rows[f"b.zip!inner.zip!p{i}.bin"].status == "pending" for i in range(3))
