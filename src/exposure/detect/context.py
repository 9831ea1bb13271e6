"""Settings of the detect stage that come from the case (owner rules) and from resource limits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DetectContext:
    # Columns whose values are copied (by header, case-insensitive) into Mention.attributes, under the
    # name given here: the owner rules of the case config (``values = { column = ... }``) need them.
    owner_value_columns: tuple[str, ...] = ()
    # Rows per batch of a table: each batch is one Polars frame and one Detections, so memory is bounded
    # by cells (rows x columns), and each batch pays a fixed cost (a hundred Polars operations, ~20 ms):
    # narrow tables get long batches, wide ones shorter, never over ``batch_rows``.
    batch_rows: int = 80_000
    batch_cells: int = 1_000_000

    def rows_per_batch(self, columns: int) -> int:
        """Rows per batch for a table of ``columns`` columns."""
        return min(self.batch_rows, max(MIN_BATCH_ROWS, self.batch_cells // max(columns, 1)))


MIN_BATCH_ROWS = 1_000
