"""Settings of the detect stage that come from the case (owner rules) and from resource limits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DetectContext:
    # Columns whose values are copied (by header, case-insensitive) into Mention.attributes, under the
    # name given here: the owner rules of the case config (``values = { column = ... }``) need them.
    owner_value_columns: tuple[str, ...] = ()
    # Rows per batch of a table: each batch is one Polars frame and one Detections, so memory is bounded.
    batch_rows: int = 20_000
