"""Legacy Word documents (.doc, Word 97-2003) through the Debian ``catdoc`` program.

There is no good pure-Python reader for the Word binary format. ``catdoc`` is
called as a separate program with a time limit (antiword was tried too: it
refuses small documents, such as the sample, as having "too small a text stream").
With ``-w`` it writes one paragraph per line, so blocks are ``paragraph N``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.office_crypto import OLE_MAGIC, decrypted, is_encrypted_office
from exposure.model import TextBlock

TIMEOUT_SECONDS = 120.0
_ENCRYPTED_NOTE = "[File is encrypted."


@reader("doc")
def read_doc(path: Path) -> Extracted:
    if is_encrypted_office(path):  # RC4-protected Word 97-2003: decrypted with a case password
        with decrypted(path) as plain:
            text = _catdoc(plain)
    else:
        text = _catdoc(path)
    if text.lstrip().startswith(_ENCRYPTED_NOTE):
        raise ExtractError("encrypted: password required")
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if line.strip():
            yield TextBlock(f"paragraph {number}", line, offset)
        offset += len(line) + 1


def _catdoc(path: Path) -> str:
    with open(path, "rb") as f:
        if f.read(8) != OLE_MAGIC:
            # catdoc prints any non-OLE file back as plain text: that is not reading a Word file.
            raise ExtractError("damaged DOC: not an OLE compound file")
    executable = shutil.which("catdoc")
    if executable is None:
        raise ExtractError("cannot read DOC: the catdoc program is not installed")
    try:
        done = subprocess.run(
            [executable, "-w", "-d", "utf-8", str(path)],
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ExtractError(f"DOC reading timed out after {TIMEOUT_SECONDS:g} s") from None
    except OSError as exc:
        raise ExtractError(f"cannot read DOC: catdoc could not be started ({exc.strerror})") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").replace(str(path), "the file").strip().splitlines()
        detail = f": {reason[0][:120]}" if reason else ""
        raise ExtractError(f"damaged DOC: catdoc exited with status {done.returncode}{detail}")
    return done.stdout.decode("utf-8", "replace")
