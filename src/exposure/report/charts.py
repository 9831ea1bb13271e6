"""Inline SVG charts for the HTML reports.

Plain SVG inside the page: no script, no font or image to fetch, so the page reads the
same when mailed, archived or printed. Every chart carries its numbers as text, so a
reader (or a screen reader, through the ``aria-label``) never has to guess from a bar.
No ``xmlns``: inline SVG in HTML needs none, and the page must name no external address.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

BAR_COLOR = "#2f6fd6"
TRACK_COLOR = "#e6e9ef"
TEXT_COLOR = "#1d2330"
MUTED_COLOR = "#5b6475"
EMPTY_TILE = "#eef0f4"
# Light to dark: more people, darker tile (readable in greyscale print too).
TILE_SHADES: tuple[str, ...] = ("#cfe0fb", "#94b9f2", "#5a92e6", "#2f6fd6", "#174a9c")

_WIDTH = 900  # about the page's width, so chart text prints at the page's size
_LABEL_WIDTH = 270  # at most
_VALUE_WIDTH = 130
_ROW_HEIGHT = 22
_BAR_HEIGHT = 13
_LABEL_CHARS = 38  # what fits in _LABEL_WIDTH at 13px

# A tile grid of the United States (column, row): each state one equal square, placed
# roughly where it lies, so small states are as visible as large ones.
US_TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (10, 0),
    "WI": (5, 1), "VT": (9, 1), "NH": (10, 1),
    "WA": (0, 2), "ID": (1, 2), "MT": (2, 2), "ND": (3, 2), "MN": (4, 2), "IL": (5, 2), "MI": (6, 2),
    "NY": (8, 2), "MA": (9, 2),
    "OR": (0, 3), "NV": (1, 3), "WY": (2, 3), "SD": (3, 3), "IA": (4, 3), "IN": (5, 3), "OH": (6, 3),
    "PA": (7, 3), "NJ": (8, 3), "CT": (9, 3), "RI": (10, 3),
    "CA": (0, 4), "UT": (1, 4), "CO": (2, 4), "NE": (3, 4), "MO": (4, 4), "KY": (5, 4), "WV": (6, 4),
    "VA": (7, 4), "MD": (8, 4), "DE": (9, 4),
    "AZ": (1, 5), "NM": (2, 5), "KS": (3, 5), "AR": (4, 5), "TN": (5, 5), "NC": (6, 5), "SC": (7, 5),
    "DC": (8, 5),
    "OK": (3, 6), "LA": (4, 6), "MS": (5, 6), "AL": (6, 6), "GA": (7, 6),
    "HI": (0, 7), "GU": (1, 7), "TX": (3, 7), "FL": (8, 7), "PR": (9, 7), "VI": (10, 7),
}  # fmt: skip
_TILE = 46
_TILE_GAP = 4


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def count_text(value: int) -> str:
    return f"{value:,}"


def share_text(part: int, total: int) -> str:
    """``12%``; ``<1%`` rather than a misleading ``0%`` for a few people out of many."""
    if not total:
        return ""
    share = 100.0 * part / total
    if 0 < share < 1:
        return "<1%"
    return f"{share:.0f}%"


def _short(label: str, limit: int = _LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _svg_open(width: int, height: int, label: str, css_class: str) -> str:
    return (
        f'<svg class="{css_class}" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{esc(label)}" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif">'
    )


def label_width_for(labels: Iterable[str]) -> int:
    """Room for the longest label (about 7.5 px a character at 13 px), so short labels leave no gap."""
    widest = max((len(_short(label)) for label in labels), default=0)
    return int(min(_LABEL_WIDTH, max(60, 7.5 * widest + 16)))


def bar_chart(
    rows: Sequence[tuple[str, int]],
    *,
    label: str,
    total: int | None = None,
    scale_to: int | None = None,
    row_height: int = _ROW_HEIGHT,
) -> str:
    """Horizontal bars, one per (label, count), in the order given.

    ``total`` adds each row's share (``37%``) beside its count; ``scale_to`` is the count of a
    full-width bar (default: the largest row, so small counts stay visible).
    """
    if not rows:
        return '<p class="empty">None.</p>'
    longest = max(n for _, n in rows)
    full = max(scale_to or longest, 1)
    label_width = label_width_for(name for name, _ in rows)
    track = _WIDTH - label_width - _VALUE_WIDTH
    height = row_height * len(rows) + 4
    parts = [_svg_open(_WIDTH, height, label, "chart bars")]
    for i, (name, n) in enumerate(rows):
        y = 2 + i * row_height
        mid = y + row_height / 2
        bar = round(track * min(n, full) / full, 1)
        if n and bar < 2:
            bar = 2.0  # a person is never drawn as nothing
        value = count_text(n) + (f" ({share_text(n, total)})" if total else "")
        parts.append(
            f"<g><title>{esc(name)}: {esc(value)}</title>"
            f'<text x="{label_width - 8}" y="{mid + 4.5}" text-anchor="end" font-size="13" '
            f'fill="{TEXT_COLOR}">{esc(_short(name))}</text>'
            f'<rect x="{label_width}" y="{mid - _BAR_HEIGHT / 2}" width="{track}" height="{_BAR_HEIGHT}" '
            f'rx="3" fill="{TRACK_COLOR}"/>'
            f'<rect x="{label_width}" y="{mid - _BAR_HEIGHT / 2}" width="{bar}" height="{_BAR_HEIGHT}" '
            f'rx="3" fill="{BAR_COLOR}"/>'
            f'<text x="{_WIDTH - _VALUE_WIDTH + 8}" y="{mid + 4.5}" font-size="13" '
            f'fill="{TEXT_COLOR}">{esc(value)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def shade_for(count: int, largest: int) -> str:
    """The tile colour of ``count`` on a scale of equal steps up to ``largest``."""
    if count <= 0 or largest <= 0:
        return EMPTY_TILE
    step = min(len(TILE_SHADES) - 1, (count * len(TILE_SHADES) - 1) // largest)
    return TILE_SHADES[step]


def _tile(code: str, column: int, row: int, count: int, largest: int) -> str:
    x = column * (_TILE + _TILE_GAP)
    y = row * (_TILE + _TILE_GAP)
    fill = shade_for(count, largest)
    dark = fill in TILE_SHADES[3:]
    ink = "#ffffff" if dark else (MUTED_COLOR if count == 0 else TEXT_COLOR)
    number = count_text(count) if count else "–"
    return (
        f"<g><title>{esc(code)}: {count_text(count)}</title>"
        f'<rect x="{x}" y="{y}" width="{_TILE}" height="{_TILE}" rx="4" fill="{fill}"/>'
        f'<text x="{x + _TILE / 2}" y="{y + 19}" text-anchor="middle" font-size="13" font-weight="600" '
        f'fill="{ink}">{esc(code)}</text>'
        f'<text x="{x + _TILE / 2}" y="{y + 36}" text-anchor="middle" font-size="11" '
        f'fill="{ink}">{number}</text></g>'
    )


def _legend(largest: int, top: int) -> str:
    """Boxes for each shade with the range of counts it stands for."""
    steps = len(TILE_SHADES)
    parts = [f'<text x="0" y="{top + 12}" font-size="12" fill="{MUTED_COLOR}">People:</text>']
    x = 58
    low = 1
    for step, colour in enumerate(TILE_SHADES):
        high = largest * (step + 1) // steps  # the largest count that still gets this shade
        if high < low:
            continue
        text = f"{count_text(low)}" if low == high else f"{count_text(low)}–{count_text(high)}"
        parts.append(
            f'<rect x="{x}" y="{top + 1}" width="14" height="14" rx="2" fill="{colour}"/>'
            f'<text x="{x + 19}" y="{top + 12}" font-size="12" fill="{TEXT_COLOR}">{text}</text>'
        )
        x += 30 + 8 * len(text)
        low = high + 1
    return "".join(parts)


def tile_map(counts: Mapping[str, int], *, label: str) -> str:
    """The US tile grid, each state's tile shaded and labelled with its count of people.

    Codes not on the grid (armed forces, other territories) are left to the bar chart beside it.
    """
    largest = max((counts.get(code, 0) for code in US_TILES), default=0)
    columns = 1 + max(c for c, _ in US_TILES.values())
    rows = 1 + max(r for _, r in US_TILES.values())
    width = columns * (_TILE + _TILE_GAP)
    grid_height = rows * (_TILE + _TILE_GAP)
    height = grid_height + (26 if largest else 4)
    ordered = sorted(US_TILES.items(), key=lambda item: (item[1][1], item[1][0]))
    parts = [_svg_open(width, height, label, "chart tiles")]
    parts += [_tile(code, c, r, counts.get(code, 0), largest) for code, (c, r) in ordered]
    if largest:
        parts.append(_legend(largest, grid_height + 4))
    parts.append("</svg>")
    return "".join(parts)


def status_strip(parts: Sequence[tuple[str, int, str]], *, label: str) -> str:
    """One stacked bar split into (name, count, colour) parts, with a legend below."""
    total = sum(n for _, n, _ in parts)
    if not total:
        return ""
    svg = [_svg_open(_WIDTH, 48, label, "chart strip")]
    x = 0.0
    for name, n, colour in parts:
        if not n:
            continue
        width = max(_WIDTH * n / total, 2.0)
        svg.append(
            f'<rect x="{round(x, 1)}" y="0" width="{round(width, 1)}" height="18" fill="{colour}">'
            f"<title>{esc(name)}: {count_text(n)}</title></rect>"
        )
        x += width
    legend_x = 0
    for name, n, colour in parts:
        text = f"{name}: {count_text(n)} ({share_text(n, total)})"
        svg.append(
            f'<rect x="{legend_x}" y="28" width="12" height="12" rx="2" fill="{colour}"/>'
            f'<text x="{legend_x + 17}" y="39" font-size="12" fill="{TEXT_COLOR}">{esc(text)}</text>'
        )
        legend_x += 40 + 7 * len(text)
    svg.append("</svg>")
    return "".join(svg)
