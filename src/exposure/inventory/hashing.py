"""SHA-256 of files and streams, and the content-addressed store of extracted members.

Everything is streamed in 1 MiB chunks so memory stays flat whatever the file size.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

CHUNK_SIZE = 1024 * 1024


def sha256_file(path: Path) -> tuple[str, int]:
    """Return ``(hex digest, bytes read)`` of the file at ``path``."""
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class BlobStore:
    """Extracted bytes under ``work_dir/blobs/<sha256>``: identical content is kept once.

    A member is streamed into a private temporary folder while it is hashed, then
    renamed to its content address. Names inside archives never become file
    names here, so a member called ``../../x`` cannot land outside ``work_dir``.
    """

    def __init__(self, work_dir: Path):
        self.blob_dir = Path(work_dir) / "blobs"
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir = Path(tempfile.mkdtemp(prefix=".inventory-tmp-", dir=work_dir))

    def path_for(self, sha256: str) -> Path:
        return self.blob_dir / sha256

    def store(self, stream: BinaryIO, on_chunk: Callable[[int], None] | None = None) -> tuple[str, int, Path]:
        """Copy ``stream`` into the store; return ``(sha256, size, blob path)``.

        ``on_chunk(n)`` is called before each chunk is written and may raise to
        abandon the copy (limits); the partial copy is then removed.
        """
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp_dir)
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK_SIZE):
                    if on_chunk is not None:
                        on_chunk(len(chunk))
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            sha256 = digest.hexdigest()
            blob = self.path_for(sha256)
            if blob.exists():
                tmp_path.unlink()  # same content extracted before: keep one copy
            else:
                os.replace(tmp_path, blob)
            return sha256, size, blob
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise

    def close(self) -> None:
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
