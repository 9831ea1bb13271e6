"""extract: bytes to records (``Table``) or text with positions (``TextBlock``).

Each format is one module in this package that registers itself with
``@reader("type", ...)``; ``reader_for`` finds it by the inventory's type name.
"""

from exposure.extract.base import ExtractError, Reader, ReadOptions, read_options, reader_for, readers

__all__ = ["ExtractError", "ReadOptions", "Reader", "read_options", "reader_for", "readers"]
