"""Password-protected Office files (XLSX, DOCX, PPTX in an OLE wrapper; XLS, DOC with RC4): msoffcrypto-tool.

A protected OOXML file is an OLE compound file holding ``EncryptionInfo`` and ``EncryptedPackage``;
a protected legacy file keeps its usual streams, encrypted in place. Either way the readers
decrypt it to a temporary file with the first case password (``read_options().passwords``)
that opens it and read that file as they would an unprotected one. The temporary file is
deleted when the reader is done with it; it lives only as long as the ``decrypted`` block.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import msoffcrypto
from msoffcrypto.exceptions import DecryptionError, FileFormatError, InvalidKeyError

from exposure.extract.base import ExtractError, read_options

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PASSWORD_REQUIRED = "encrypted: password required"
# Said when passwords were given and none fits: still "password required", the reason a reviewer acts on.
NO_PASSWORD_FITS = f"{PASSWORD_REQUIRED} (none of the case passwords opens it)"
# What msoffcrypto raises on a structure it cannot parse (it asserts on malformed streams).
_PARSE_ERRORS = (FileFormatError, ValueError, AssertionError, KeyError, IndexError, EOFError)


def starts_like_ole(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(8) == OLE_MAGIC


def is_encrypted_office(path: Path) -> bool:
    """True for an OLE compound file that msoffcrypto recognises as password-protected."""
    try:
        if not starts_like_ole(path):
            return False  # only OLE containers carry Office encryption
        with open(path, "rb") as handle:
            return bool(msoffcrypto.OfficeFile(handle).is_encrypted())
    except (OSError, *_PARSE_ERRORS):
        return False  # an OLE file msoffcrypto cannot parse: the format's own reader says why


@contextlib.contextmanager
def decrypted(path: Path) -> Iterator[Path]:
    """A temporary decrypted copy of ``path``, opened with the first case password that fits.

    Raises ``ExtractError`` (``encrypted: password required ...``) when there are no case
    passwords or none opens the file, and ``encrypted file is damaged`` when it cannot be parsed.
    """
    passwords = read_options().passwords
    if not passwords:
        raise ExtractError(PASSWORD_REQUIRED)
    with tempfile.NamedTemporaryFile(prefix="exposure-decrypted-") as plain:
        if not _decrypt_with_any(path, passwords, plain):
            raise ExtractError(NO_PASSWORD_FITS)
        plain.flush()
        yield Path(plain.name)


def _decrypt_with_any(path: Path, passwords: tuple[str, ...], out: IO[bytes]) -> bool:
    for password in passwords:
        with open(path, "rb") as handle:
            try:
                office = msoffcrypto.OfficeFile(handle)
                office.load_key(password=password)
                out.seek(0)
                out.truncate()
                office.decrypt(out)
                return True
            except (InvalidKeyError, DecryptionError):
                continue  # the wrong password (legacy formats say so only when decrypting)
            except _PARSE_ERRORS as exc:
                raise ExtractError(f"encrypted file is damaged: {type(exc).__name__}") from exc
    return False


@contextlib.contextmanager
def plain_office_file(path: Path) -> Iterator[Path]:
    """``path`` itself when it is a plain OOXML zip; a decrypted copy when an OLE wrapper protects it.

    Any OLE file under a DOCX/PPTX type is treated as protected: that is the only reason Office
    wraps one, and without a fitting password it fails as ``encrypted: password required``.
    """
    if not starts_like_ole(path):
        yield path
        return
    with decrypted(path) as plain:
        yield plain
