"""Mainframe records: COBOL copybooks, EBCDIC/ASCII fixed and variable-length record files."""

from exposure.extract.cobol import reader as _reader  # noqa: F401 - registers the readers
