"""Healthcare X12 EDI (834, 837P/I, 835, 270/271, 276/277; 4010 and 5010) read as people with roles.

The structure of an X12 file says whose each value is (a dependent's loop, a claim's
patient), so this reader yields ``Detections`` directly instead of tables: see
``reader.read_x12``. Importing this package registers the ``x12`` reader.
"""

from __future__ import annotations

from pathlib import Path

from exposure.extract.base import Extracted
from exposure.extract.base import reader as register_reader  # 'reader' is also our submodule's name
from exposure.extract.x12.reader import read_x12
from exposure.extract.x12.tokenizer import Delimiters, X12Tokenizer, parse_isa

__all__ = ["Delimiters", "X12Tokenizer", "parse_isa", "read_x12", "read_x12_file"]


@register_reader("x12")
def read_x12_file(path: Path) -> Extracted:
    with open(path, "rb") as stream:
        yield from read_x12(stream)
