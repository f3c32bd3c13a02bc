"""What changed between two runs: their inputs and their results.

* **Planner's view** (:func:`planner_changes`, shown first by ``stateside runs diff``) —
  headline figures, campuses added / removed / resized, fabs, capacity by technology and
  by state, corridor expansion, prices by state, investor equity and returns, and the
  security review's outcomes, each with old, new and delta, in the units a planner reads.

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
RATIO_PARTS = frozenset(
    {"pct", "share", "fraction", "irr", "dscr", "probability", "ratio", "coefficient", "price"}
)
#: Columns whose rows carry different units (jobs.csv: MW IT, MW, accelerators…).
MIXED_UNIT_COLUMNS = frozenset({"quantity"})


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


@dataclass(frozen=True)
class PlannerChange:
    """One figure of the planner's view that differs: ``item`` of ``section`` went from ``a``
    to ``b`` (None: absent), in ``unit``; ``note`` says "added", "removed" and the like."""

    section: str
    item: str
    a: float | None
    b: float | None
    unit: str
    note: str = ""

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
    planner: list[PlannerChange] = field(default_factory=list)

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
    """Labels (period, year, …), ratios (…_pct, share, irr, dscr, …), intensities (…_per_…)
    and quantities in mixed units (``quantity`` next to a ``quantity_unit`` column)."""
    if column in LABEL_COLUMNS or column.endswith("_year") or column.endswith("_period"):
        return True
    parts = column.split("_")
    return bool(RATIO_PARTS.intersection(parts)) or "per" in parts or column in MIXED_UNIT_COLUMNS


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
        if name.endswith("_t"):  # time-resolved tables: their sums mean nothing
            continue
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


# --------------------------------------------------------------------------------------
# the planner's view

#: sections of the planner's view, in the order they are shown
SECTIONS = (
    "Headline",
    "Campuses",
    "Fabs",
    "Capacity by technology",
    "Capacity by state",
    "Corridor expansion",
    "Prices by state",
    "Investors",
    "Security review",
)
_MW_TOL = 0.5
_PRICE_TOL = 0.01  # USD/MWh
_USD_TOL = 5e6  # half of the 0.01 USD bn shown


def _last_period(*tables: pd.DataFrame | None) -> int | None:
    years = [int(t["period"].max()) for t in tables if t is not None and len(t) and "period" in t]
    return max(years) if years else None


def _by(t: pd.DataFrame | None, keys: list[str], value: str, period: int | None) -> pd.Series:
    if t is None or not len(t) or value not in t.columns:
        return pd.Series(dtype=float)
    rows = t if period is None or "period" not in t.columns else t[t["period"].astype(int) == period]
    return rows.groupby([rows[k].astype(str) for k in keys])[value].sum().astype(float)


def _compare(
    section: str,
    a: pd.Series,
    b: pd.Series,
    unit: str,
    tol: float,
    scale: float = 1.0,
    label: Any = None,
    presence: bool = False,
) -> list[PlannerChange]:
    """Items of two series that differ by more than ``tol`` (in the series' units), largest first."""
    out = []
    for key in dict.fromkeys([*a.index, *b.index]):
        va, vb = a.get(key), b.get(key)
        fa = float(va) if va is not None and not _missing(va) else 0.0
        fb = float(vb) if vb is not None and not _missing(vb) else 0.0
        if abs(fb - fa) <= tol:
            continue
        note = ""
        if presence:
            note = "added" if abs(fa) <= tol else "removed" if abs(fb) <= tol else "resized"
        name = label(key) if label else str(key)
        out.append(PlannerChange(section, name, fa / scale, fb / scale, unit, note))
    return sorted(out, key=lambda c: -abs(c.delta or 0.0))


def _summary_figure(s: dict[str, Any], *path: str) -> float | None:
    v: Any = s
    for k in path:
        if not isinstance(v, dict) or k not in v:
            return None
        v = v[k]
    return float(v) if _is_number(v) and not _missing(v) else None


def planner_changes(
    ta: dict[str, pd.DataFrame],
    tb: dict[str, pd.DataFrame],
    sa: dict[str, Any],
    sb: dict[str, Any],
    security: tuple[dict[str, int], dict[str, int]] | None = None,
) -> list[PlannerChange]:
    """What changed from plan A to plan B in a planner's terms (see the module docstring).

    ``ta``/``tb`` are the result tables, ``sa``/``sb`` the summaries; ``security`` the
    security review's outcome counts of each plan (None: not reviewed). Capacities, prices
    and campuses are those of the last period either plan has."""
    out: list[PlannerChange] = []
    last = _last_period(ta.get("it_capacity"), tb.get("it_capacity"), ta.get("builds"), tb.get("builds"))

    # headline
    heads: list[tuple[str, float | None, float | None, str, float]] = [
        (
            "discounted system cost",
            _summary_figure(sa, "objective_usd"),
            _summary_figure(sb, "objective_usd"),
            "USD bn",
            1e9,
        ),
    ]
    if last is not None:
        heads.append(
            (
                f"AI IT capacity online {last}",
                _summary_figure(sa, "it_capacity_mw", str(last)),
                _summary_figure(sb, "it_capacity_mw", str(last)),
                "MW",
                1.0,
            )
        )
    capex_a = sum((sa.get("capex_usd") or {}).values()) if sa.get("capex_usd") else None
    capex_b = sum((sb.get("capex_usd") or {}).values()) if sb.get("capex_usd") else None
    heads += [
        ("capex, all periods", capex_a, capex_b, "USD bn", 1e9),
        (
            "coalition equity",
            _summary_figure(sa, "finance", "equity_usd"),
            _summary_figure(sb, "finance", "equity_usd"),
            "USD bn",
            1e9,
        ),
        (
            "coalition NPV",
            _summary_figure(sa, "finance", "npv_usd"),
            _summary_figure(sb, "finance", "npv_usd"),
            "USD bn",
            1e9,
        ),
        (
            "unserved energy",
            _summary_figure(sa, "unserved_mwh"),
            _summary_figure(sb, "unserved_mwh"),
            "MWh",
            1.0,
        ),
    ]
    if last is not None:
        ea, eb = ta.get("emissions"), tb.get("emissions")
        if ea is not None and eb is not None and len(ea) and len(eb):
            co2a = float(ea[ea["period"].astype(int) == last]["co2_t"].sum())
            co2b = float(eb[eb["period"].astype(int) == last]["co2_t"].sum())
            heads.append((f"CO2 emissions {last}", co2a, co2b, "Mt", 1e6))
    for item, va, vb, unit, scale in heads:
        if va is None and vb is None:
            continue
        if va is not None and vb is not None and math.isclose(va, vb, rel_tol=1e-6, abs_tol=1e-6 * scale):
            continue
        out.append(
            PlannerChange(
                "Headline", item, None if va is None else va / scale, None if vb is None else vb / scale, unit
            )
        )
    da, db = sa.get("diagnosis") or [], sb.get("diagnosis") or []
    if len(da) != len(db):
        out.append(
            PlannerChange("Headline", "targets or limits not met", float(len(da)), float(len(db)), "count")
        )

    # campuses: IT MW online in the last period
    if last is not None:
        ca, cb = ta.get("campuses"), tb.get("campuses")
        regions: dict[str, str] = {}
        for t in (ca, cb):
            if t is not None and len(t):
                regions.update(dict(zip(t["campus"].astype(str), t["region"].astype(str), strict=False)))
        out += _compare(
            "Campuses",
            _by(ca, ["campus"], "it_mw_online", last),
            _by(cb, ["campus"], "it_mw_online", last),
            "MW IT",
            _MW_TOL,
            label=lambda k: f"{k} ({regions.get(str(k), '?')})",
            presence=True,
        )
        fa, fb = ta.get("fabs"), tb.get("fabs")
        out += _compare(
            "Fabs",
            _by(fa, ["fab"], "capex_usd", None),
            _by(fb, ["fab"], "capex_usd", None),
            "USD bn capex",
            _USD_TOL,
            scale=1e9,
            presence=True,
        )
        out += _compare(
            "Capacity by technology",
            _by(ta.get("builds"), ["technology"], "capacity_mw", last),
            _by(tb.get("builds"), ["technology"], "capacity_mw", last),
            f"MW in {last}",
            _MW_TOL,
        )
        out += _compare(
            "Capacity by state",
            _by(ta.get("builds"), ["region"], "capacity_mw", last),
            _by(tb.get("builds"), ["region"], "capacity_mw", last),
            f"MW in {last}",
            _MW_TOL,
        )
        out += _compare(
            "Corridor expansion",
            _by(ta.get("corridors"), ["corridor"], "new_mw", None),
            _by(tb.get("corridors"), ["corridor"], "new_mw", None),
            "MW, all periods",
            _MW_TOL,
            presence=True,
        )
        out += _compare(
            "Prices by state",
            _by(ta.get("prices"), ["region"], "price_usd_per_mwh", last),
            _by(tb.get("prices"), ["region"], "price_usd_per_mwh", last),
            f"USD/MWh in {last}",
            _PRICE_TOL,
        )

    # investors: equity in the plan, NPV and IRR
    ia = (sa.get("finance") or {}).get("investors") or {}
    ib = (sb.get("finance") or {}).get("investors") or {}
    for inv in dict.fromkeys([*ia, *ib]):
        a, b = ia.get(inv) or {}, ib.get(inv) or {}
        for key, label, unit, scale, tol in (
            ("plan_equity_usd", "equity", "USD bn", 1e9, _USD_TOL),
            ("npv_usd", "NPV", "USD bn", 1e9, _USD_TOL),
            ("irr", "IRR", "%", 0.01, 1e-4),
        ):
            va = _summary_figure(a, key)
            vb = _summary_figure(b, key)
            if va is None and vb is None:
                continue
            if va is not None and vb is not None and abs(vb - va) <= tol:
                continue
            out.append(
                PlannerChange(
                    "Investors",
                    f"{inv}: {label}",
                    None if va is None else va / scale,
                    None if vb is None else vb / scale,
                    unit,
                )
            )

    if security is not None:
        ra, rb = security
        for outcome in ("prohibited", "mandatory_declaration", "voluntary_notice", "clear"):
            va, vb = float(ra.get(outcome, 0)), float(rb.get(outcome, 0))
            if va != vb:
                out.append(PlannerChange("Security review", outcome.replace("_", " "), va, vb, "holdings"))
    order = {s: i for i, s in enumerate(SECTIONS)}
    return sorted(out, key=lambda c: order.get(c.section, len(order)))  # stable: keeps the ranking
