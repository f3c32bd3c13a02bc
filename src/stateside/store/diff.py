"""What changed between two runs: their inputs and their results.

* **Settings** — every scenario.yaml field (dotted path, e.g. ``periods[1].year``) whose
  value differs, and whether the security rules text differs.
* **Input tables** — per scenario table, the rows added, removed and changed, matched on
  the table's key columns from ``schema/tables.csv`` (e.g. ``demand`` on region+period),
  each changed row with the fields that differ. Input values compare exactly.
* **Summary** — every figure of the plan summary (``stateside plan --json``: objective,
  IT MW online by period, capex by asset class, unserved MWh, finance…) that differs,
  timings and the hash left out.
* **Result tables** — per result table, the row count and the sum of each numeric
  column (``True`` counts 1) that differ; year and period columns are labels and ratios
  (``…_pct``, ``share``, ``irr``, ``dscr``, ``fraction``, ``probability``) mean nothing
  summed, so neither is summed.

Results compare with a relative tolerance of 1e-9 (absolute 1e-6), so a re-solve of the
same scenario shows no change from rounding noise.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stateside.scenario.schema import table_specs

REL_TOL = 1e-9
ABS_TOL = 1e-6

SUMMARY_SKIP = frozenset({"scenario_hash", "build_seconds", "solve_seconds"})
LABEL_COLUMNS = frozenset({"period", "year", "hour", "first_period"})
#: Name parts of ratio columns, whose sums mean nothing (``equity_pct``, ``share``, ``irr``…).
RATIO_PARTS = frozenset({"pct", "share", "fraction", "irr", "dscr", "probability", "ratio"})


@dataclass(frozen=True)
class FieldChange:
    """One value that differs: ``name`` in run A was ``a``, in run B is ``b`` (None: absent)."""

    name: str
    a: Any
    b: Any


@dataclass(frozen=True)
class RowChange:
    """A row of an input table added in B, removed from A, or changed (with its fields)."""

    key: str
    change: str
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class TableDiff:
    """The differences of one input table."""

    table: str
    added: int = 0
    removed: int = 0
    changed: int = 0
    rows: tuple[RowChange, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class AggregateChange:
    """A result-table figure that differs: the row count or the sum of a column."""

    table: str
    figure: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


@dataclass
class RunDiff:
    """Everything that differs between run ``a`` and run ``b``."""

    a: str
    b: str
    inputs_compared: bool
    settings: list[FieldChange] = field(default_factory=list)
    inputs: list[TableDiff] = field(default_factory=list)
    summary: list[FieldChange] = field(default_factory=list)
    results: list[AggregateChange] = field(default_factory=list)

    @property
    def same_inputs(self) -> bool:
        return self.inputs_compared and not self.settings and not self.inputs

    @property
    def same_results(self) -> bool:
        return not self.summary and not self.results

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``stateside runs diff --json``)."""
        return _jsonable(asdict(self)) | {"same_inputs": self.same_inputs, "same_results": self.same_results}


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "item"):
        return _jsonable(x.item())
    return x


# --------------------------------------------------------------------------------------
# values


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    return isinstance(v, float) and math.isnan(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def same_exact(a: Any, b: Any) -> bool:
    """Equal, with missing equal to missing (inputs)."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def same_close(a: Any, b: Any) -> bool:
    """Equal within the result tolerance (numbers), else exactly equal."""
    if _is_number(a) and _is_number(b) and not (_missing(a) or _missing(b)):
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_close(x, y) for x, y in zip(a, b, strict=True))
    return same_exact(a, b)


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts and lists of dicts as ``{"a.b[0].c": value}``; lists of scalars stay values."""
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        if not obj and prefix:
            out[prefix] = {}
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        for i, v in enumerate(obj):
            out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = obj
    return out


def diff_values(
    a: dict[str, Any], b: dict[str, Any], close: bool, skip: frozenset[str] = frozenset()
) -> list[FieldChange]:
    """Changes between two flat dicts, in the order of ``a`` then keys only in ``b``."""
    same = same_close if close else same_exact
    keys = list(dict.fromkeys([*a, *b]))
    return [
        FieldChange(k, a.get(k), b.get(k))
        for k in keys
        if k.split(".")[0] not in skip and k not in skip and not (k in a and k in b and same(a[k], b[k]))
    ]


# --------------------------------------------------------------------------------------
# input tables


def _key_text(values: tuple[Any, ...]) -> str:
    return "/".join(
        "-" if _missing(v) else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        for v in values
    )


def _records(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in df.astype(object).itertuples(index=False, name=None)]


def _row_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Hashable, with every missing value the same."""
    return tuple(None if _missing(v) else v for v in row)


def diff_table(name: str, a: pd.DataFrame | None, b: pd.DataFrame | None) -> TableDiff | None:
    """How input table ``name`` changed from ``a`` to ``b`` (None: no change)."""
    if a is None or b is None:
        if a is None and b is None:
            return None
        present = b if a is None else a
        assert present is not None
        if len(present) == 0:
            return None
        return TableDiff(
            name,
            added=len(present) if a is None else 0,
            removed=len(present) if b is None else 0,
            note="only in run B" if a is None else "only in run A",
        )
    spec = table_specs().get(name)
    common = [c for c in a.columns if c in b.columns]
    extra = [c for c in a.columns if c not in b.columns] + [c for c in b.columns if c not in a.columns]
    note = f"columns in one run only: {', '.join(map(str, extra))}" if extra else ""
    key = list(spec.key) if spec is not None and all(k in common for k in spec.key) and spec.key else []
    a_rows, b_rows = _records(a[common]), _records(b[common])
    if key:
        pos = [common.index(k) for k in key]
        a_map = {_row_key(tuple(r[p] for p in pos)): r for r in a_rows}
        b_map = {_row_key(tuple(r[p] for p in pos)): r for r in b_rows}
        if len(a_map) == len(a_rows) and len(b_map) == len(b_rows):
            rows: list[RowChange] = []
            for k, ra in a_map.items():
                rb = b_map.get(k)
                if rb is None:
                    rows.append(RowChange(_key_text(k), "removed"))
                    continue
                fields = tuple(
                    FieldChange(str(c), ra[i], rb[i])
                    for i, c in enumerate(common)
                    if not same_exact(ra[i], rb[i])
                )
                if fields:
                    rows.append(RowChange(_key_text(k), "changed", fields))
            rows.extend(RowChange(_key_text(k), "added") for k in b_map if k not in a_map)
            counts = Counter(r.change for r in rows)
            if not rows and not note:
                return None
            return TableDiff(name, counts["added"], counts["removed"], counts["changed"], tuple(rows), note)
    # no usable key: rows compared whole, as multisets
    ca, cb = Counter(map(_row_key, a_rows)), Counter(map(_row_key, b_rows))
    removed, added = ca - cb, cb - ca
    if not removed and not added and not note:
        return None
    rows = [RowChange(_key_text(r), "removed") for r in removed.elements()]
    rows += [RowChange(_key_text(r), "added") for r in added.elements()]
    return TableDiff(
        name, added=sum(added.values()), removed=sum(removed.values()), rows=tuple(rows), note=note
    )


def diff_profiles(a: pd.DataFrame | None, b: pd.DataFrame | None) -> TableDiff | None:
    """Own hourly profiles: which columns differ, and in how many hours."""
    if a is None and b is None:
        return None
    if a is None or b is None:
        return TableDiff("profiles", note="own profiles only in run " + ("B" if a is None else "A"))
    rows: list[RowChange] = []
    for c in dict.fromkeys([*a.columns, *b.columns]):
        if c not in a.columns or c not in b.columns:
            rows.append(RowChange(str(c), "added" if c not in a.columns else "removed"))
            continue
        va, vb = a[c].to_numpy(dtype=float), b[c].to_numpy(dtype=float)
        if va.shape != vb.shape:
            rows.append(RowChange(str(c), "changed", (FieldChange("hours", len(va), len(vb)),)))
            continue
        differ = int((~((va == vb) | (np.isnan(va) & np.isnan(vb)))).sum())
        if differ:
            rows.append(
                RowChange(
                    str(c),
                    "changed",
                    (
                        FieldChange(
                            f"sum ({differ} hours differ)", float(np.nansum(va)), float(np.nansum(vb))
                        ),
                    ),
                )
            )
    if not rows:
        return None
    counts = Counter(r.change for r in rows)
    return TableDiff("profiles", counts["added"], counts["removed"], counts["changed"], tuple(rows))


# --------------------------------------------------------------------------------------
# result tables


def _not_summed(column: str) -> bool:
    """Labels (period, year, …) and ratios (…_pct, share, irr, dscr, …)."""
    if column in LABEL_COLUMNS or column.endswith("_year") or column.endswith("_period"):
        return True
    return bool(RATIO_PARTS.intersection(column.split("_")))


def aggregates(df: pd.DataFrame) -> dict[str, float]:
    """``rows`` and ``sum of <column>`` for every numeric column that is not a label or a ratio."""
    out: dict[str, float] = {"rows": float(len(df))}
    for c in df.columns:
        s = df[c]
        if _not_summed(str(c)):
            continue
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            out[f"sum of {c}"] = float(pd.to_numeric(s, errors="coerce").astype(float).sum())
    return out


def diff_results(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> list[AggregateChange]:
    out: list[AggregateChange] = []
    for name in dict.fromkeys([*a, *b]):
        ga = aggregates(a[name]) if name in a else {}
        gb = aggregates(b[name]) if name in b else {}
        for fig in dict.fromkeys([*ga, *gb]):
            va, vb = ga.get(fig), gb.get(fig)
            if va is not None and vb is not None and same_close(va, vb):
                continue
            out.append(AggregateChange(name, fig, va, vb))
    return out


def diff_settings(a_json: str, b_json: str, a_rules: str | None, b_rules: str | None) -> list[FieldChange]:
    changes = diff_values(flatten(json.loads(a_json)), flatten(json.loads(b_json)), close=False)
    if (a_rules or "") != (b_rules or ""):
        lines = [f"{len(r.splitlines())} lines" if r else "none" for r in (a_rules, b_rules)]
        changes.append(FieldChange("security rules file (text)", lines[0], lines[1]))
    return changes
