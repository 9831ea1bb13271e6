"""7z and RAR archives as containers, and protected zip / 7z / RAR members opened with passwords."""

from __future__ import annotations

import base64
import io
import os
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import py7zr
import pytest
import pyzipper

from exposure.config import Limits
from exposure.inventory import FileEntry, inventory
from exposure.inventory import archives as archives_module

MB = 1024 * 1024
PEOPLE = b"name,ssn\nAnn Lee,219-09-9999\n"
ENCRYPTED = "encrypted: password required"
EXPECTED_STEST = b"".join(b"%03d\n" % n for n in range(512))  # stest1.txt, stest2.txt of the RAR files
needs_unar = pytest.mark.skipif(shutil.which("unar") is None, reason="the unar program is not installed")

# Three small RAR files from the test suite of rarfile 4.5 (test/files/), by Marko Kreen, ISC licence:
# "Copyright (c) 2005-2024 Marko Kreen <markokr@gmail.com>. Permission to use, copy, modify, and/or
# distribute this software for any purpose with or without fee is hereby granted, provided that the
# above copyright notice and this permission notice appear in all copies." No free program can write
# RAR, so these stand in for RAR files found in a breach.
RAR3_SUBDIRS = (  # RAR 3, stored (no compression): sub/dir1/file1.txt, sub/dir2/file2.txt, ...
    "UmFyIRoHAM+QcwAADQAAAAAAAADiw3QgkDcABgAAAAYAAAADx6QEyTao9FAdMBIApIEAAHN1YlxkaXIyXGZpbGUy"
    "LnR4dACwfLUwZmlsZTIK+lF0IJA/AAgAAAAIAAAAA30kt3FIqPRQHTAaAKSBAABzdWJcd2l0aCBzcGFjZVxsb25n"
    "IGZuLnR4dADwCEdMbG9uZyBmbgojwXQgklcABQAAAAUAAAADwYnsL+Co9FAdMDIApIEAAHN1YlzDvMi1xKnDtuG4"
    "i8OoXGZpbGUudHh0AALGAvw1KQEg9gse6FwAZmlsZQAudHh0ALByoRVmaWxlChRcdCCQNwAGAAAABgAAAAME9yni"
    "MKj0UB0wEgCkgQAAc3ViXGRpcjFcZmlsZTEudHh0APAChIVmaWxlMQrRdXTgkC0AAAAAAAAAAAADAAAAADao9FAU"
    "MAgA7UEAAHN1YlxkaXIyALB/JjP75XTgkDMAAAAAAAAAAAADAAAAAEio9FAUMA4A7UEAAHN1Ylx3aXRoIHNwYWNl"
    "APDLG06903TgkC4AAAAAAAAAAAADAAAAACSo9FAUMAkA7UEAAHN1YlxlbXB0eQDwcNkb8Ed04JJDAAAAAAAAAAAA"
    "AwAAAADgqPRQFDAeAO1BAABzdWJcw7zItcSpw7bhuIvDqAACxgL8NSkBIPYLHugAsDR2F89rdOCQLQAAAAAAAAAA"
    "AAMAAAAAMKj0UBQwCADtQQAAc3ViXGRpcjEA8MVYh6xSdOCQKAAAAAAAAAAAAAMAAAAA1aj0UBQwAwDtQQAAc3Vi"
    "ALAO1STEPXsAQAcA"
)


def run(inputs: Path, work: Path, limits: Limits | None = None, **kwargs) -> list[FileEntry]:
    return list(inventory([inputs], work, limits or Limits(), **kwargs))


def by_path(entries: list[FileEntry]) -> dict[str, FileEntry]:
    paths = [e.path for e in entries]
    assert len(paths) == len(set(paths)), "every row needs its own path"
    return {e.path: e for e in entries}


def content(row: FileEntry) -> bytes:
    assert row.local_path is not None, (row.path, row.status, row.reason)
    return row.local_path.read_bytes()


def seven_zip(path: Path, members: dict[str, bytes], **kwargs) -> None:
    with py7zr.SevenZipFile(path, "w", **kwargs) as archive:
        for name, data in members.items():
            archive.writestr(data, name)


def seven_zip_bytes(members: dict[str, bytes], **kwargs) -> bytes:
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w", **kwargs) as archive:
        for name, data in members.items():
            archive.writestr(data, name)
    return buffer.getvalue()


@pytest.fixture
def case(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "input"
    source.mkdir()
    return source, tmp_path / "case" / "work"


# ------------------------------------------------------------------------------ 7z


def test_7z_members_are_extracted(case: tuple[Path, Path]) -> None:
    source, work = case
    seven_zip(source / "a.7z", {"dir/people.csv": PEOPLE, "notes.txt": b"hello\n", "empty.txt": b""})
    entries = run(source, work)
    rows = by_path(entries)
    assert [e.path for e in entries][-1] == "a.7z"  # the container's row comes after its members
    assert (rows["a.7z"].status, rows["a.7z"].reason, rows["a.7z"].is_container) == ("processed", "", True)
    member = rows["a.7z!dir/people.csv"]
    assert (member.type, member.status, member.parent, member.depth) == ("csv", "pending", "a.7z", 1)
    assert content(member) == PEOPLE and member.local_path.parent == work / "blobs"
    assert content(rows["a.7z!notes.txt"]) == b"hello\n"
    assert (rows["a.7z!empty.txt"].type, rows["a.7z!empty.txt"].size) == ("empty", 0)
    assert sorted(p.name for p in work.iterdir()) == ["blobs"]  # scratch files are gone


def test_7z_nested_in_zip_in_7z(case: tuple[Path, Path]) -> None:
    source, work = case
    inner = seven_zip_bytes({"deep.csv": PEOPLE})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("inner.7z", inner)
    seven_zip(source / "outer.7z", {"middle.zip": buffer.getvalue(), "top.txt": b"top\n"})
    rows = by_path(run(source, work))
    deep = rows["outer.7z!middle.zip!inner.7z!deep.csv"]
    assert (deep.depth, deep.parent, deep.status) == (3, "outer.7z!middle.zip!inner.7z", "pending")
    assert content(deep) == PEOPLE
    assert rows["outer.7z!middle.zip!inner.7z"].type == "7z"
    assert all(rows[p].status == "processed" for p in ("outer.7z", "outer.7z!middle.zip"))


@pytest.mark.parametrize("header_encryption", [False, True])
def test_encrypted_7z_needs_the_right_password(case: tuple[Path, Path], header_encryption: bool) -> None:
    source, work = case
    members = {"people.csv": PEOPLE, "more.txt": b"more\n"}
    seven_zip(source / "locked.7z", members, password="s3cret", header_encryption=header_encryption)

    locked = by_path(run(source, work / "none"))
    assert (locked["locked.7z"].status, locked["locked.7z"].reason) == ("failed", ENCRYPTED)
    if header_encryption:
        assert set(locked) == {"locked.7z"}  # even the names are encrypted
    else:
        assert (locked["locked.7z!people.csv"].status, locked["locked.7z!people.csv"].reason) == (
            "failed",
            ENCRYPTED,
        )
    assert not list((work / "none" / "blobs").iterdir())

    wrong = by_path(run(source, work / "wrong", passwords=("letmein", "S3CRET")))
    assert (wrong["locked.7z"].status, wrong["locked.7z"].reason) == ("failed", ENCRYPTED)

    opened = by_path(run(source, work / "right", passwords=("letmein", "s3cret")))
    assert (opened["locked.7z"].status, opened["locked.7z"].reason) == ("processed", "")
    member = opened["locked.7z!people.csv"]
    assert (member.status, member.reason, member.type) == ("pending", "", "csv")
    assert content(member) == PEOPLE


def test_7z_bomb_is_stopped_while_expanding(case: tuple[Path, Path], monkeypatch) -> None:
    source, work = case
    monkeypatch.setattr(archives_module, "RATIO_FLOOR_BYTES", 0)
    seven_zip(source / "bomb.7z", {"zeros.bin": bytes(4 * MB), "after.txt": b"after\n"})
    assert (source / "bomb.7z").stat().st_size < 10_000
    rows = by_path(run(source, work, Limits(archive_max_ratio=50)))
    assert rows["bomb.7z"].status == "failed"
    assert rows["bomb.7z"].reason.startswith("expansion limit: archive ratio ")
    assert rows["bomb.7z!zeros.bin"].status == "failed" and rows["bomb.7z!zeros.bin"].sha256 is None
    assert rows["bomb.7z!after.txt"].status == "failed"
    assert sum(p.stat().st_size for p in work.rglob("*") if p.is_file()) < MB


def test_7z_total_bytes_and_member_size_limits(case: tuple[Path, Path]) -> None:
    source, work = case
    seven_zip(source / "big.7z", {"big.bin": b"abc" * 2000, "small.txt": b"small\n"})
    rows = by_path(run(source, work / "a", Limits(max_file_bytes=4000)))
    assert rows["big.7z!big.bin"].status == "failed"
    assert rows["big.7z!big.bin"].reason.startswith("too large: ")
    assert content(rows["big.7z!small.txt"]) == b"small\n"
    seven_zip(source / "big.7z", {f"p{i}.bin": os.urandom(300_000) for i in range(4)})
    rows = by_path(run(source, work / "b", Limits(archive_max_bytes=500_000)))
    assert rows["big.7z"].status == "failed"
    assert rows["big.7z"].reason.startswith("expansion limit: more than 500000 bytes")


def test_7z_member_count_limit(case: tuple[Path, Path]) -> None:
    source, work = case
    seven_zip(source / "many.7z", {f"{i}.txt": b"x" for i in range(3)})
    [row] = run(source, work, Limits(archive_max_members=2))
    assert (row.status, row.reason) == ("failed", "too many members: 3 exceeds the limit of 2")


def test_damaged_7z_is_failed(case: tuple[Path, Path]) -> None:
    source, work = case
    data = seven_zip_bytes({f"f{i}.bin": os.urandom(3000) for i in range(3)})
    (source / "cut.7z").write_bytes(data[: len(data) // 2])
    (source / "junk.7z").write_bytes(b"7z\xbc\xaf\x27\x1c" + os.urandom(100))
    rows = by_path(run(source, work))
    for name in ("cut.7z", "junk.7z"):
        assert (rows[name].status, rows[name].type, rows[name].is_container) == ("failed", "7z", True)
        assert rows[name].reason.startswith("damaged archive: ")


def _seven_zip_with_names(names: dict[str, str]) -> bytes:
    """A 7z whose member names are replaced afterwards (py7zr refuses to write '../' names)."""
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w") as archive:
        archive.encoded_header_mode = False  # names stay readable (UTF-16) in the header
        for placeholder in names:
            archive.writestr(b"payload " + placeholder.encode(), placeholder)
    data = bytearray(buffer.getvalue())
    for placeholder, evil in names.items():
        assert len(placeholder) == len(evil)
        old, new = placeholder.encode("utf-16-le"), evil.encode("utf-16-le")
        data[data.index(old) : data.index(old) + len(old)] = new
    # The start header holds the CRC of the (now changed) header at its end, and its own CRC.
    offset, size = struct.unpack_from("<QQ", data, 12)
    header = bytes(data[32 + offset : 32 + offset + size])
    struct.pack_into("<I", data, 28, zlib.crc32(header))
    struct.pack_into("<I", data, 8, zlib.crc32(bytes(data[12:32])))
    return bytes(data)


def test_7z_slip_names_never_write_outside_work_dir(case: tuple[Path, Path], tmp_path: Path) -> None:
    source, work = case
    names = {"aa/aa/escaped.txt": "../../escaped.txt", "aa/abs-name.txt": "/tmp/abs-name.txt"[:15]}
    (source / "slip.7z").write_bytes(_seven_zip_with_names(names))
    before = {p for p in tmp_path.rglob("*")}
    rows = by_path(run(source, work))
    assert rows["slip.7z"].status == "processed"
    assert content(rows["slip.7z!../../escaped.txt"]) == b"payload aa/aa/escaped.txt"
    assert content(rows["slip.7z!/tmp/abs-name.t"]) == b"payload aa/abs-name.txt"
    created = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert created and all(str(p).startswith(str(work / "blobs")) for p in created)
    assert not (tmp_path / "escaped.txt").exists() and not (source.parent / "escaped.txt").exists()


# ------------------------------------------------------------------------------ zip with passwords


def _zipcrypto(members: dict[str, bytes], password: bytes) -> bytes:
    """A zip whose stored members are encrypted with the traditional PKWARE cipher (ZipCrypto).

    Neither the standard library nor pyzipper writes ZipCrypto, so it is done here by hand.
    """
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)

    def crc_step(crc: int, byte: int) -> int:
        return (crc >> 8) ^ table[(crc ^ byte) & 0xFF]

    plain_crcs = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            keys = [0x12345678, 0x23456789, 0x34567890]

            def update(byte: int, keys: list[int] = keys) -> None:
                keys[0] = crc_step(keys[0], byte)
                keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
                keys[2] = crc_step(keys[2], keys[1] >> 24)

            for byte in password:
                update(byte)
            crc = zlib.crc32(data)
            plain_crcs[name] = (crc, len(data))
            out = bytearray()
            for byte in os.urandom(11) + bytes([crc >> 24]) + data:
                temp = (keys[2] | 2) & 0xFFFF
                out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
                update(byte)
            zf.writestr(name, bytes(out))
    raw = bytearray(buffer.getvalue())
    for name, (crc, size) in plain_crcs.items():  # mark encrypted; CRC and size of the plain data
        encoded = name.encode()
        local = raw.index(b"PK\x03\x04" + raw[4:6])
        while raw[local + 30 : local + 30 + len(encoded)] != encoded:
            local = raw.index(b"PK\x03\x04", local + 4)
        raw[local + 6] |= 1
        struct.pack_into("<I", raw, local + 14, crc)
        struct.pack_into("<I", raw, local + 22, size)
        central = raw.index(b"PK\x01\x02")
        while raw[central + 46 : central + 46 + len(encoded)] != encoded:
            central = raw.index(b"PK\x01\x02", central + 4)
        raw[central + 8] |= 1
        struct.pack_into("<I", raw, central + 16, crc)
        struct.pack_into("<I", raw, central + 24, size)
    return bytes(raw)


def test_zipcrypto_zip_opens_with_a_password_from_the_list(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "legacy.zip").write_bytes(_zipcrypto({"people.csv": PEOPLE, "b.txt": b"bee\n"}, b"hunter2"))
    with zipfile.ZipFile(source / "legacy.zip") as check:  # the hand-made cipher is the real one
        assert check.read("people.csv", pwd=b"hunter2") == PEOPLE
    locked = by_path(run(source, work / "none"))
    assert (locked["legacy.zip"].status, locked["legacy.zip"].reason) == ("failed", ENCRYPTED)
    wrong = by_path(run(source, work / "wrong", passwords=("a", "b", "c", "hunter3")))
    assert wrong["legacy.zip!people.csv"].reason == ENCRYPTED
    opened = by_path(run(source, work / "right", passwords=("wrong", "hunter2")))
    assert (opened["legacy.zip!people.csv"].status, opened["legacy.zip!people.csv"].reason) == ("pending", "")
    assert content(opened["legacy.zip!people.csv"]) == PEOPLE
    assert content(opened["legacy.zip!b.txt"]) == b"bee\n"
    assert opened["legacy.zip"].status == "processed"


def _wrong_password_passing_the_check_byte(archive: Path, member: str) -> str:
    """A password ZipCrypto's one-byte check lets through (1 in 256) that does not decrypt ``member``."""
    with pyzipper.AESZipFile(archive) as zf:
        for n in range(100_000):
            candidate = f"wrong{n}"
            try:
                zf.read(member, pwd=candidate.encode())
            except RuntimeError:  # "Bad password": the check byte caught it
                continue
            except pyzipper.BadZipFile:  # the check byte passed; the CRC of the garbage did not
                return candidate
    raise AssertionError("no password passed the check byte")


def test_a_wrong_zipcrypto_password_that_passes_the_check_byte_is_only_a_wrong_password(
    case: tuple[Path, Path],
) -> None:
    source, work = case
    (source / "legacy.zip").write_bytes(_zipcrypto({"people.csv": PEOPLE}, b"hunter2"))
    lucky = _wrong_password_passing_the_check_byte(source / "legacy.zip", "people.csv")
    wrong = by_path(run(source, work / "wrong", passwords=(lucky,)))
    assert (wrong["legacy.zip!people.csv"].status, wrong["legacy.zip!people.csv"].reason) == (
        "failed",
        ENCRYPTED,
    )
    opened = by_path(run(source, work / "right", passwords=(lucky, "hunter2")))
    assert content(opened["legacy.zip!people.csv"]) == PEOPLE


def test_aes_zip_opens_with_a_password_from_the_list(case: tuple[Path, Path]) -> None:
    source, work = case
    with pyzipper.AESZipFile(source / "aes.zip", "w", compression=pyzipper.ZIP_DEFLATED) as zf:
        zf.setpassword(b"correct horse")
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.writestr("people.csv", PEOPLE)
    (source / "plain.zip").write_bytes(b"")  # an empty file: not a zip, just another row
    opened = by_path(run(source, work / "right", passwords=("nope", "correct horse")))
    member = opened["aes.zip!people.csv"]
    assert (member.status, member.reason, member.type) == ("pending", "", "csv")
    assert content(member) == PEOPLE
    wrong = by_path(run(source, work / "wrong", passwords=("nope",)))
    assert (wrong["aes.zip!people.csv"].status, wrong["aes.zip!people.csv"].reason) == ("failed", ENCRYPTED)
    assert (wrong["aes.zip"].status, wrong["aes.zip"].reason) == ("failed", ENCRYPTED)


def test_passwords_reach_archives_nested_in_archives(case: tuple[Path, Path]) -> None:
    source, work = case
    inner = seven_zip_bytes({"people.csv": PEOPLE}, password="pw1")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("inner.7z", inner)
    (source / "outer.zip").write_bytes(buffer.getvalue())
    rows = by_path(run(source, work, passwords=("pw1",)))
    assert content(rows["outer.zip!inner.7z!people.csv"]) == PEOPLE


# ------------------------------------------------------------------------------ RAR


def test_stored_rar_is_read_without_any_program(case: tuple[Path, Path], monkeypatch) -> None:
    source, work = case
    (source / "dirs.rar").write_bytes(base64.b64decode(RAR3_SUBDIRS))
    monkeypatch.setenv("PATH", str(source))  # no unar: stored members are read by rarfile itself
    rows = by_path(run(source, work))
    assert rows["dirs.rar"].status == "processed" and rows["dirs.rar"].type == "rar"
    assert content(rows["dirs.rar!sub/dir1/file1.txt"]) == b"file1\n"
    assert content(rows["dirs.rar!sub/dir2/file2.txt"]) == b"file2\n"
    assert content(rows["dirs.rar!sub/with space/long fn.txt"]) == b"long fn\n"
    assert not any(path.endswith(("sub/dir1", "sub/dir2")) for path in rows)  # folders have no row


def _rar_from_sdist(name: str) -> bytes:
    """RAR files that need decompression, from the same rarfile test suite, kept compressed below."""
    return zlib.decompress(base64.b64decode(RAR_COMPRESSED[name]))


@needs_unar
def test_compressed_rar_is_read_with_unar(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "solid.rar").write_bytes(_rar_from_sdist("rar3-solid.rar"))
    rows = by_path(run(source, work))
    assert rows["solid.rar"].status == "processed"
    for name in ("stest1.txt", "stest2.txt"):
        data = content(rows[f"solid.rar!{name}"])
        assert data == EXPECTED_STEST


def test_rar_without_the_program_fails_with_a_plain_reason(case: tuple[Path, Path], monkeypatch) -> None:
    source, work = case
    (source / "solid.rar").write_bytes(_rar_from_sdist("rar3-solid.rar"))
    monkeypatch.setenv("PATH", str(source))
    rows = by_path(run(source, work))
    assert rows["solid.rar!stest1.txt"].status == "failed"
    assert rows["solid.rar!stest1.txt"].reason == "cannot read RAR data: the unar program is not installed"


@needs_unar
def test_encrypted_rar5_needs_the_right_password(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "locked.rar").write_bytes(_rar_from_sdist("rar5-psw.rar"))
    locked = by_path(run(source, work / "none"))
    assert (locked["locked.rar!stest1.txt"].status, locked["locked.rar!stest1.txt"].reason) == (
        "failed",
        ENCRYPTED,
    )
    assert (locked["locked.rar"].status, locked["locked.rar"].reason) == ("failed", ENCRYPTED)
    wrong = by_path(run(source, work / "wrong", passwords=("Password", "secret")))
    assert wrong["locked.rar"].reason == ENCRYPTED
    opened = by_path(run(source, work / "right", passwords=("secret", "password")))
    assert (opened["locked.rar"].status, opened["locked.rar"].reason) == ("processed", "")
    for name in ("stest1.txt", "stest2.txt"):
        row = opened[f"locked.rar!{name}"]
        assert (row.status, row.reason) == ("pending", "")
        assert content(row) == EXPECTED_STEST


def test_damaged_rar_is_failed(case: tuple[Path, Path]) -> None:
    source, work = case
    (source / "junk.rar").write_bytes(b"Rar!\x1a\x07\x00" + os.urandom(200))
    data = base64.b64decode(RAR3_SUBDIRS)
    (source / "cut.rar").write_bytes(data[:100])
    rows = by_path(run(source, work))
    assert (rows["junk.rar"].status, rows["junk.rar"].is_container) == ("failed", True)
    assert rows["junk.rar"].reason.startswith("damaged archive: ")
    assert (rows["cut.rar"].status, rows["cut.rar"].type) == ("failed", "rar")
    assert rows["cut.rar"].reason.startswith("damaged archive: ")


RAR_COMPRESSED = {  # zlib + base64 of the original files
    "rar3-solid.rar": (
        "eNoLSixSlGJnsL5QzMHAywAB2iYlDRN0GGJAbA4GBuZFz7Yf3ZB2xk7WmIthSSMDQ3FJanGJoV5JRQnDAUGeM/965m34Z9i4"
        "es3G3Q7lK7hSrnmbNx9k38P4oHXSu9/bZBk4FBg4Ol5W8FziYU+0cqzw3pw3P4jr1il1h13PuVO6kgp/72CYOC9A/0bo/1/H"
        "Il6/PnK9oy5kWru875ubYiUTgO7gw+sOI4g7NiowdLC//sSV+evPlHsXjthWMziwMwAAUFVVxQ=="
    ),
    "rar5-psw.rar": (
        "eNoBYwmc9lJhciEaBwEA8+GC6wsBBQcABgEBgICAANZmnm4TAwKfAASfAAAiQ36pgAABA0NNVFJBUjUgYXJjaGl2ZSAtIG5v"
        "aGRyLXBhc3N3b3JkCgCYm9mOWQIDPMAABIAQpIMC6u4ouoADAQpzdGVzdDEudHh0MAEAAw9+mCzdGuIcNsejkdqNCIpooDqt"
        "JvSCe4fVTHJc5ztpZ4FRz/Y2ScFuGGoiDwoDAoDMIJfmKMwBb1zkiruJZFttmvQVFTIPykxIHy5o/H5FG4dfjz7JkSEcD5HA"
        "Xg5drLIpAKJT7E2hYmVzvyvVQUhUgZsSUjffdYM6/NBpAgNMgBAEgBCkgwLq7ii6gAABCnN0ZXN0Mi50eHQwAQADD36YLN0a"
        "4hw2x6OR2o0Iimjfg/oM2G6IuLb4UUZ9eUnSgVHP9jZJwW4YaiIPGgMOgMwgl+YozAGAFuMSCrTRAYBwRRUKtNEBSdEYOHG8"
        "4mVDV6UlaHaajc3BhdMwKTqIv2eciA7aqWATnM2O+a83WvbQY+TnewkvGJ78oXJDG48Rm35IQH9RkR0MBdMvYbGRVG0vBB1h"
        "/uaOxQsTcAivdq0ynTWbqhqHQt8xLPXtKdsq34DECly8Eu2ZBvmDMW88JX2Der13NWeMhXXMQw55nsiBxuyTaMZWsBLYIkHw"
        "xYTGwMrMSGss+t1PqXog4WarEoxvA/wkWCLgAsWXTw/f4eLXh3Lwh33cBpvHptnNcPpByAf4sME5W4o2+8jsX/ckQZEKBYeW"
        "iLtzQjm8EnEWkzdhrreuvEcggg7X5wYL8XpDFd+3oVWnpJub/x8giMV0tmN70W0g0isYEwNRxWcMTkR/DkiRdMGp5PSEYXHV"
        "6/T5hFJ+5buCyA9a18seRGwWhcke54E/QJIEMe3MLdshSSoMfMtWff971zTSg0JgXWcQ+hviQ/qMnBG4rQBaeq2TMQ+cwMmk"
        "Egk5g2DqB+i38fleY7MSDTp3TIbyQgXmJiceT5Rl2k4ZIRCGCrld84tqixtY0+XGeyn4wO4j04lqO6PxcdadEJrl0XpSbb2I"
        "VF2pyPRfuztzbuO2Uqq2DakbjQCAw4iOdJBkeDtnElO3mvz2fKoh0YEed0C94LPo4C+/BC5SU7kEI0T9z+63pGqjcCBNtWGn"
        "EO/VfcU57S1KtLPgQJwlVfLehqZoalgqrwHUm/xXbtKLfKR0GdcJmyuZIce0b2ksqvwreVE7rafkC1XJG39GUNQZtcJqOa2r"
        "+9ny9HMqccJkotX6UMIGfe3yrwmeW+7prhOmuwYe4tSgaemz3cvJ+J1nw6Fj8iZTWzYmiQR61V+mJ4gQ4G91jLMDisS0UQLt"
        "coUWmlpT1lDdRC9zK55mrWPQR7JMw/5T+ujIToGZy2whjin/HtTxqrK2/kGyRGy6atDJhTwksU/hg5zO1yxJiYLimQX6L13D"
        "GLYyT8INEe2KtQgErFX/3N9/X2pe9sfJNgYI8vzOc8IjI6uwsYwxVXj8R0Ie2tqW69S6Xg0UdY4Qk4syz4Xm41DDpwylK9sz"
        "gxyzCa1JMQ2t0DdXfVCIAyqDK95FUwfkloA4TlRwDNFjF9V0saIw4CK9r0QK+MHSkme8u1JwhwUkfR0XpH+SpbIWDJii8K2A"
        "gkelCWKXMof4bHpdIw0IHnc1Fj2w3ADwvgQpJ23ezmQ1D/eavS4EISd0CJyTUza76V8mpFoip1/2C1irpMXvszS2mCCUOsQQ"
        "ARSNC6rC2uEuyglgXIE+JoLe6zlBHk75DsZPKBCTfFYgON+pGUdGLEUdwkU3GAh8ZDtp2TTr6J/aP495H9uw8AI1w1kSKxFt"
        "t1C+h5N+WdZF/8z1c8IRBN0Y+MYsa6NsXsSwNoBhqKR9oYDit8jnpl0bHlUaXabnKmpxOqIyozuK804ZJ0IE/b15CMElD9A+"
        "OyxvO1EeS5nHhWI4h/9upUAZozpCSCfjaJqaEkNj4EV6ITMKm8GtudsxCCFTMJo/I5HIUfgYvgoI6rAKQF4HmyBstHwDkbvQ"
        "3CzVmlRFhRcmJn5mh7fb/OzvEsqaUugSmWboWNZyeNTth5x0lRV4POdkp24s+yUMjlpSuJjyvptlI7EgqhIUAhpjE4BjXx8A"
        "bqPGuj0x9WNDw4AWvUP/TF73zKyjUY/5onO9f+WjmqmaB8yjII6R8CU5YjvjJl/yAy0wNgvYsRQYmX5ztDfIsv2MQEjVdVdM"
        "Jbxwy4IeHXYz9erzYTeHpdVxpCyJHVk4pxNpidbZ/EYNi5Nsinedlj4hc6qn/UHanqhUqHsx0o4YTQMl2SLLkT8ZhinQchtq"
        "hjyMmT9xPiSsINH/p4ufSxkPpE1DZ07xtLgKANeum2EEM0zjOAYn3dAzb2W9QjopRypA+LlwMtlGw+BZ/iQunL0l2PyHLoZe"
        "DGiIDw8xSU7NbVYW0ltwkO1uDVkbM0lup1cF2eQurri24UNbYFfVEx1IdjvI2iEXYfvkgIRYeg9gi4dlpfctQm0ooKntXV34"
        "N27FXeWt34VWK97M75+b1QwbsyYcX1sypzYNxCPxUrcYOQi0D0Qv32ZRPMn2wcz9i5hg9RFF8m01Fs8xttFo8tO77xc489d6"
        "NG7EtQc3yXtvQn0HjKBdPfe1SaSIa09jMWHljNLQWDwThEd3cJ+LQTuwpMH704CPjrKox05fwOwHO1WprYclXrlcq+/iUpb9"
        "5vUh419UmkRXR8bfJNEf6C0A5zuvbOEKLdE6pGjXUGBoX79Oq390Ygglo7+dAReOvnQ8qCVVMtqpWq226v/J4wfPNo1wx4Rd"
        "Npo+ShzLyHBU5Q0q+OuK97Tpjxl39PGmcIKoR3/CkFb8y4PgUHq0zjsTygAeqfYZrU7dDTmmCkE0ae5jZMQAmVY9ItOli6zf"
        "EU3U/SnYfkqBP+0lYXo14d/l3ubrtfQQxi2qn3E0WqOjj+RVw2ETh6BkiFkwzqWJ+QMclsRPhSapQ1o75lDbqr4FUr1nF93U"
        "XAuB2+Af2hKRIuuQKhbfCGsglQ78bYJnZ1TDTrdJ9zfzx7vn5Xd7+EJYcFLcB0zJympHL3cE2N83aOOeuAosyJm6U4MEO4RH"
        "H8sXu6hxmKfxW4+QuZuQAKn8Pke25rJK2cAb4Icz1WcVjqN9D7vbk/Zd/Yoj4Yh0MUR+oTUZFkNXZiNWBAeIdWE89t/jGvG3"
        "di7GdMcEyxqRtVnXCiQXKwZSYeObyrC/ukIdd1ZRAwUEADTNa2s="
    ),
}
