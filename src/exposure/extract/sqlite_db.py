"""SQLite databases: every table (views repeat their tables' rows and are skipped).

The file is opened read-only and immutable, so SQLite never writes a journal or WAL beside the
evidence and never waits on a lock. Each table is one ``Table`` named after it; the row number is the
row's position in rowid order, 1-based.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.spreadsheet import cell_text
from exposure.model import Table

FETCH_ROWS = 5000


@reader("sqlite")
def read_sqlite(path: Path) -> Extracted:
    connection = _connect(path)
    try:
        for name in _table_names(connection):
            columns = _columns(connection, name)
            if columns:
                yield Table(name=name, columns=columns, rows=_rows(connection, name), has_header=True)
    finally:
        connection.close()


def _connect(path: Path) -> sqlite3.Connection:
    uri = f"file:{urllib.parse.quote(str(Path(path).resolve()))}?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
        connection.text_factory = lambda raw: raw.decode("utf-8", "replace")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()  # fails here when damaged
    except sqlite3.DatabaseError as exc:
        raise ExtractError(f"damaged SQLite database: {_plain(exc)}") from exc
    return connection


def _table_names(connection: sqlite3.Connection) -> list[str]:
    try:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
            "ORDER BY rowid"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise ExtractError(f"damaged SQLite database: {_plain(exc)}") from exc
    return [row[0] for row in rows]


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    try:
        cursor = connection.execute(f"SELECT * FROM {_quote(table)} LIMIT 0")
    except sqlite3.OperationalError:
        return []  # a virtual table whose module this SQLite lacks (e.g. an FTS variant): nothing to read
    except sqlite3.DatabaseError as exc:
        raise ExtractError(f"damaged SQLite database: {_plain(exc)}") from exc
    return [description[0] for description in cursor.description or []]


def _rows(connection: sqlite3.Connection, table: str) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        cursor = connection.execute(f"SELECT * FROM {_quote(table)}")
        while batch := cursor.fetchmany(FETCH_ROWS):
            for row in batch:
                number += 1
                yield number, [cell_text(value) for value in row]
    except sqlite3.DatabaseError as exc:
        raise ExtractError(f"damaged SQLite database: {_plain(exc)}") from exc


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _plain(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:160]
