"""Records flattened from nested formats (JSON, XML): one row of cells from leaf values."""

from __future__ import annotations

from collections.abc import Callable

JOINER = "; "
MAX_CELL_CHARS = 64 * 1024  # values of one column in one record beyond this are dropped


def flat_row(
    values: dict[str, list[str]],
    index: dict[str, int],
    context_values: dict[str, str],
    width: int,
    capped: bool,
    label: Callable[[str], str] = str,
) -> list[str]:
    """One row: each leaf's values joined in its column; enclosing records' values repeated on it.

    When the columns were ``capped``, leaves without a column go to the last one as ``label(leaf)=value``.
    """
    row = [""] * width
    other: list[str] = []
    for leaf, text in context_values.items():
        row[index[leaf]] = text
    for leaf, texts in values.items():
        joined = JOINER.join(texts)
        if leaf in index:
            row[index[leaf]] = joined
        elif capped:
            other.append(f"{label(leaf)}={joined}")
    if capped:
        row[-1] = JOINER.join(other)[:MAX_CELL_CHARS]
    return row
