"""Number formatting and HTML tables for the report (plain strings, escaped)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

Formatter = Callable[[Any], str]


def _f(x: Any) -> float | None:
    if x is None or x is pd.NA:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def bn(x: Any, digits: int = 2) -> str:
    """USD → billions, e.g. ``12.35``."""
    v = _f(x)
    return "–" if v is None else f"{v / 1e9:,.{digits}f}"


def usd(x: Any) -> str:
    """Money with a unit: ``$12.3 bn`` or ``$450 M``."""
    v = _f(x)
    if v is None:
        return "–"
    if abs(v) >= 1e9:
        return f"${v / 1e9:,.1f} bn"
    if abs(v) >= 1e6:
        return f"${v / 1e6:,.0f} M"
    return f"${v:,.0f}"


def num(x: Any, digits: int = 0) -> str:
    """A number with thousands separators."""
    v = _f(x)
    return "–" if v is None else f"{v:,.{digits}f}"


def pct(x: Any, digits: int = 1) -> str:
    """A fraction as a percentage."""
    v = _f(x)
    return "–" if v is None else f"{100 * v:.{digits}f} %"


def pct_points(x: Any, digits: int = 1) -> str:
    """A value already in percent."""
    v = _f(x)
    return "–" if v is None else f"{v:.{digits}f} %"


def text(x: Any) -> str:
    """Any value as text ('–' for blanks)."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    return str(x)


def year(x: Any) -> str:
    """A year or '–'."""
    v = _f(x)
    return "–" if v is None else f"{int(v)}"


def esc(x: Any) -> str:
    """HTML-escaped text."""
    return html.escape(text(x), quote=True)


Column = tuple[str, str, Formatter]


def table(
    df: pd.DataFrame,
    columns: Sequence[Column],
    *,
    cls: str = "",
    row_class: Callable[[dict[str, Any]], str] | None = None,
    cell_html: dict[str, Callable[[dict[str, Any]], str]] | None = None,
) -> str:
    """An HTML table of ``df``: ``columns`` are (column, header, formatter) triples.

    Columns formatted by anything but :func:`text` are numbers, right-aligned. ``cell_html``
    gives raw-HTML cells (already escaped by the caller), e.g. outcome badges.
    """
    cell_html = cell_html or {}
    numeric = {c for c, _, f in columns if f is not text}
    head = "".join(
        f'<th class="{"num" if c in numeric else ""}">{html.escape(label)}</th>' for c, label, _ in columns
    )
    body = []
    for rec in df.to_dict("records"):
        rc = row_class(rec) if row_class else ""
        cells = []
        for c, _, f in columns:
            content = cell_html[c](rec) if c in cell_html else html.escape(f(rec.get(c)))
            cells.append(f'<td class="{"num" if c in numeric else ""}">{content}</td>')
        body.append(f'<tr class="{rc}">' + "".join(cells) + "</tr>")
    return (
        f'<div class="table-wrap"><table class="{cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def rows_table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> str:
    """An HTML table of rows already formatted (cells are HTML: escape them first); the
    columns from ``numeric_from`` on are numbers, right-aligned."""
    th = "".join(
        f'<th class="{"num" if i >= numeric_from else ""}">{html.escape(h)}</th>' for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"num" if i >= numeric_from else ""}">{c}</td>' for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f'<div class="table-wrap"><table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'
