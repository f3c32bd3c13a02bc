"""Tables as JSON and CSV, a page at a time."""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10000


def json_value(v: Any) -> Any:
    """A cell as a JSON value: numbers (None for NaN/±inf), strings, booleans, lists, ISO dates."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, str):
        return v
    if isinstance(v, (tuple, list, np.ndarray)):
        return [json_value(x) for x in v]
    if isinstance(v, (datetime, date, pd.Timestamp)):
        return v.isoformat()
    return str(v)


def column_type(s: pd.Series) -> str:
    """The JSON type of a column: integer, number, boolean, string or array."""
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_integer_dtype(s):
        return "integer"
    if pd.api.types.is_numeric_dtype(s):
        return "number"
    if len(s) and isinstance(s.dropna().iloc[0] if s.notna().any() else None, (tuple, list)):
        return "array"
    return "string"


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [str(c) for c in df.columns]
    return [
        {c: json_value(v) for c, v in zip(cols, row, strict=True)}
        for row in df.itertuples(index=False, name=None)
    ]


def page(df: pd.DataFrame, offset: int, limit: int) -> pd.DataFrame:
    return df.iloc[offset : offset + limit]


def table_json(name: str, df: pd.DataFrame, offset: int, limit: int) -> dict[str, Any]:
    """``{name, columns, total, offset, limit, rows}`` for rows ``offset`` … ``offset + limit``."""
    return {
        "name": name,
        "columns": [{"name": str(c), "type": column_type(df[c])} for c in df.columns],
        "total": len(df),
        "offset": offset,
        "limit": limit,
        "rows": records(page(df, offset, limit)),
    }


#: first characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(v: Any) -> Any:
    """A text cell that cannot start a spreadsheet formula: one that would is prefixed with ``'``."""
    if isinstance(v, str) and v.startswith(FORMULA_START):
        return "'" + v
    return v


def table_csv(df: pd.DataFrame) -> str:
    """CSV with a header; list cells ';'-joined as in scenario files, blanks for missing values; text
    cells (and column names) that a spreadsheet would read as a formula get a leading ``'``."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = (
                out[c]
                .map(lambda v: safe_cell(";".join(map(str, v)) if isinstance(v, (tuple, list)) else v))
                .astype(object)
            )
    out.columns = [safe_cell(str(c)) for c in out.columns]
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def link_header(path: str, offset: int, limit: int, total: int, extra: str = "") -> str:
    """An RFC 8288 ``Link`` header with ``next`` and ``prev`` pages."""
    links = []
    if offset + limit < total:
        links.append(f'<{path}?offset={offset + limit}&limit={limit}{extra}>; rel="next"')
    if offset > 0:
        links.append(f'<{path}?offset={max(0, offset - limit)}&limit={limit}{extra}>; rel="prev"')
    return ", ".join(links)
