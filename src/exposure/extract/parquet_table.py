"""Parquet files, streamed one record batch at a time with pyarrow.

Struct columns are flattened to dotted names (``address.city``); list values are joined with ``; ``.
The row number is the row's 1-based position in the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from exposure.extract.base import Extracted, ExtractError, reader
from exposure.extract.spreadsheet import cell_text
from exposure.model import Table

BATCH_ROWS = 10_000
JOINER = "; "


@reader("parquet")
def read_parquet(path: Path) -> Extracted:
    try:
        parquet = pq.ParquetFile(path)
        schema = _flat_schema(parquet.schema_arrow)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ExtractError(f"damaged Parquet file: {_plain(exc)}") from exc
    columns = [f.name for f in schema]
    if columns:
        yield Table(name="", columns=columns, rows=_rows(parquet), has_header=True)


def _flat_schema(schema: pa.Schema) -> pa.Schema:
    return pa.Table.from_batches([], schema=schema).flatten().schema if _has_struct(schema) else schema


def _has_struct(schema: pa.Schema) -> bool:
    return any(pa.types.is_struct(f.type) for f in schema)


def _rows(parquet: pq.ParquetFile) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
            table = pa.Table.from_batches([batch])
            while _has_struct(table.schema):
                table = table.flatten()
            columns = [_column_texts(column) for column in table.columns]
            for values in zip(*columns, strict=True):
                number += 1
                yield number, list(values)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ExtractError(f"damaged Parquet file: {_plain(exc)}") from exc


def _column_texts(column: pa.ChunkedArray) -> list[str]:
    """Scalars are cast to text in Arrow (fast); lists, maps and binary go through Python."""
    kind = column.type
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return [cell_text(value) for value in column.to_pylist()]  # ISO dates, no '00:00:00.000000'
    if not (pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind)):
        try:
            return [text or "" for text in pc.cast(column, pa.string()).to_pylist()]
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            pass
    return [_value_text(value) for value in column.to_pylist()]


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):  # lists, and a map's (key, value) pairs
        return JOINER.join(_value_text(v) for v in value if v is not None)
    if isinstance(value, dict):
        return JOINER.join(f"{k}={_value_text(v)}" for k, v in value.items() if v is not None)
    return cell_text(value)


def _plain(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:160]
