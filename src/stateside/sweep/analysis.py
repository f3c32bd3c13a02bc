"""What a sweep says: metrics of each plan, P10/P50/P90 across members, the tornado.

**Metrics** (:func:`metrics_of`), one number per plan:

``objective_usd``            discounted system cost, the model's objective (USD)
``capex_usd``                capital cost of everything built, all periods (USD);
                             ``capex_usd.<asset class>`` per asset class
``equity_usd``               equity the coalition must put in (capex − debt − grants), all
                             periods; ``equity_usd.<period>`` per period
``it_mw_online.<period>``    AI IT capacity online (MW)
``it_short_mw.<period>``     IT target not met (MW; 0 when the target is met)
``unserved_mwh``             unserved energy, all periods (MWh)
``violations``               number of targets or rules the plan could not meet

**Percentiles** are the 10th, 50th and 90th percentiles of the members' values: P10 is
the value 10 % of the members fall below (a low-cost outcome when the metric is a cost).
They interpolate linearly between order statistics (``numpy.percentile``'s default,
Hyndman & Fan type 7): with the 11 values 1, 2, …, 11, P10 = 2, P50 = 6, P90 = 10.

**Tornado**: each parameter is moved alone to its low and to its high value from the base
run; its *swing* is the span of the metric over its base, low and high runs (max − min),
and parameters are ranked by swing, largest first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stateside.plan import Plan
from stateside.sweep.sample import BASE_ROLE, GRID, MONTE_CARLO, TORNADO
from stateside.sweep.spec import SweepSpec
from stateside.sweep.store import MemberRecord, SweepInfo

QUANTILES: tuple[int, ...] = (10, 50, 90)

#: Metrics shown by default, in this order (period metrics expand to every period).
DEFAULT_METRICS: tuple[str, ...] = (
    "objective_usd",
    "capex_usd",
    "equity_usd",
    "equity_usd.*",
    "it_mw_online.*",
)


def _f(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def metrics_of(plan: Plan) -> dict[str, float]:
    """The sweep metrics of one plan (see the module docstring)."""
    out: dict[str, float] = {"objective_usd": _f(plan.objective_usd)}
    if plan.mip_gap is not None:
        out["mip_gap"] = float(plan.mip_gap)
    eq = plan.tables.get("equity_need")
    if eq is not None and len(eq):
        out["capex_usd"] = float(eq["capex_usd"].sum())
        for cls, v in eq.groupby("asset_class", sort=False)["capex_usd"].sum().items():
            out[f"capex_usd.{cls}"] = float(v)
        out["equity_usd"] = float(eq["equity_usd"].sum())
        for period, v in eq.groupby("period", sort=True)["equity_usd"].sum().items():
            out[f"equity_usd.{int(period)}"] = float(v)
    it = plan.tables.get("it_capacity")
    if it is not None and len(it):
        for r in it.itertuples():
            out[f"it_mw_online.{int(r.period)}"] = float(r.online_mw)
            out[f"it_short_mw.{int(r.period)}"] = float(r.short_mw)
    unserved = plan.tables.get("unserved")
    out["unserved_mwh"] = (
        float(unserved["unserved_mwh"].sum()) if unserved is not None and len(unserved) else 0.0
    )
    violations = plan.tables.get("violations")
    out["violations"] = float(len(violations)) if violations is not None else 0.0
    return out


def expand_metrics(patterns: Sequence[str], available: Sequence[str]) -> list[str]:
    """Metric names matching ``patterns`` (``name.*``: every period or class of ``name``), in order."""
    out: list[str] = []
    for pat in patterns:
        if pat.endswith(".*"):
            stem = pat[:-1]
            out.extend(sorted((m for m in available if m.startswith(stem)), key=_natural))
        elif pat in available:
            out.append(pat)
    return list(dict.fromkeys(out))


def _natural(name: str) -> tuple[str, int, str]:
    head, _, tail = name.rpartition(".")
    return (head, int(tail), "") if tail.isdigit() else (head, 0, tail)


# --------------------------------------------------------------------------------------
# percentiles


def percentile_table(
    metrics: pd.DataFrame,
    names: Sequence[str] | None = None,
    q: Sequence[int] = QUANTILES,
    groups: pd.Series | None = None,
) -> pd.DataFrame:
    """P10/P50/P90 (columns ``p10``, ``p50``, ``p90``), mean and count of each metric column.

    ``metrics`` has one row per member and one column per metric; NaN (a member without
    that metric) is left out. With ``groups`` (a label per row), one block per group.
    """
    names = list(names) if names is not None else list(metrics.columns)
    rows: list[dict[str, Any]] = []
    parts: list[tuple[Any, pd.DataFrame]] = (
        [(None, metrics)] if groups is None else list(metrics.groupby(groups, sort=True))
    )
    for key, part in parts:
        for name in names:
            vals = part[name].dropna().to_numpy(dtype=float) if name in part else np.array([])
            row: dict[str, Any] = {} if groups is None else {str(groups.name or "group"): key}
            row.update(
                {"metric": name, "n": len(vals), "mean": float(vals.mean()) if len(vals) else math.nan}
            )
            for qq in q:
                row[f"p{qq}"] = float(np.percentile(vals, qq)) if len(vals) else math.nan
            rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# tornado


TORNADO_COLUMNS = [
    "parameter",
    "low_value",
    "high_value",
    "metric_low",
    "metric_base",
    "metric_high",
    "effect_low",
    "effect_high",
    "swing",
    "rank",
]


def tornado(
    base: float,
    low: Mapping[str, tuple[Any, float]],
    high: Mapping[str, tuple[Any, float]],
) -> pd.DataFrame:
    """The tornado table from the base run's metric and each parameter's (value, metric) at low and high.

    ``effect_low``/``effect_high`` are the metric's change from the base; ``swing`` is the
    span of {base, low, high}; rows are ranked by swing, largest first (ties by name). A
    parameter with only one side run still gets a row (the other side NaN).
    """
    rows = []
    for name in dict.fromkeys([*low, *high]):
        lv, lm = low.get(name, (None, math.nan))
        hv, hm = high.get(name, (None, math.nan))
        span = [x for x in (base, lm, hm) if not math.isnan(x)]
        rows.append(
            {
                "parameter": name,
                "low_value": lv,
                "high_value": hv,
                "metric_low": lm,
                "metric_base": base,
                "metric_high": hm,
                "effect_low": lm - base,
                "effect_high": hm - base,
                "swing": (max(span) - min(span)) if span else math.nan,
            }
        )
    df = pd.DataFrame(rows, columns=TORNADO_COLUMNS[:-1])
    if not len(df):
        return pd.DataFrame(columns=TORNADO_COLUMNS)
    df = df.sort_values(["swing", "parameter"], ascending=[False, True], na_position="last", kind="stable")
    df["rank"] = np.arange(1, len(df) + 1)
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# a stored sweep


@dataclass
class SweepResults:
    """A sweep's finished members as frames (index: the member's sample index)."""

    info: SweepInfo
    members: (
        pd.DataFrame
    )  # design, role, grid_point, draw, status, termination, run_id, reused, error, seconds
    values: pd.DataFrame  # one column per parameter (object)
    metrics: pd.DataFrame  # one column per metric (float)

    @property
    def spec(self) -> SweepSpec:
        return self.info.spec

    @property
    def ok(self) -> pd.Series:
        return self.members["status"] == "ok"

    @property
    def main(self) -> pd.Series:
        """Members of the grid × Monte Carlo design that solved."""
        return self.ok & self.members["design"].isin([GRID, MONTE_CARLO])

    def grid_label(self, grid_point: int) -> str:
        """``turbines=2000, gas capex=1.2`` for a grid point."""
        rows = self.members.index[(self.members["grid_point"] == grid_point)]
        if not len(rows):
            return f"grid point {grid_point}"
        first = rows[0]
        parts = [f"{p.name}={_show(self.values.at[first, p.name])}" for p in self.spec.grid_parameters]
        return ", ".join(parts) or "all"


def _show(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return str(v)


def results_from(info: SweepInfo, members: list[MemberRecord]) -> SweepResults:
    """Frames of a sweep's stored members."""
    index = pd.Index([m.sample_index for m in members], name="sample_index")
    frame = pd.DataFrame(
        {
            "design": [m.design for m in members],
            "role": [m.role for m in members],
            "grid_point": pd.array([m.grid_point for m in members], dtype="Int64"),
            "draw": pd.array([m.draw for m in members], dtype="Int64"),
            "status": [m.status for m in members],
            "termination": [m.termination for m in members],
            "run_id": [m.run_id for m in members],
            "reused": [m.reused for m in members],
            "error": [m.error for m in members],
            "seconds": [m.seconds for m in members],
        },
        index=index,
    )
    names = [p.name for p in info.spec.parameters]
    values = pd.DataFrame(
        {n: pd.Series([m.values.get(n) for m in members], index=index, dtype=object) for n in names},
        index=index,
    )
    metric_names = list(dict.fromkeys(k for m in members for k in m.metrics))
    metrics = pd.DataFrame(
        {k: [m.metrics.get(k, math.nan) for m in members] for k in metric_names}, index=index, dtype=float
    )
    return SweepResults(info=info, members=frame, values=values, metrics=metrics)


def load_results(ref: str, url: str | None = None) -> SweepResults:
    """The results of the stored sweep ``ref`` (id, prefix, ``latest``)."""
    from stateside.sweep.store import load_members, sweep_info

    info = sweep_info(ref, url)
    return results_from(info, load_members(info.id, url))


def default_metrics(results: SweepResults) -> list[str]:
    return expand_metrics(DEFAULT_METRICS, list(results.metrics.columns))


def sweep_percentiles(results: SweepResults, names: Sequence[str] | None = None) -> pd.DataFrame:
    """P10/P50/P90 over the grid × Monte Carlo members that solved (all grid points together)."""
    names = list(names) if names is not None else default_metrics(results)
    return percentile_table(results.metrics.loc[results.main], names)


def grid_percentiles(results: SweepResults, names: Sequence[str] | None = None) -> pd.DataFrame:
    """P10/P50/P90 per grid point (column ``grid``: the grid point's label); empty without a grid."""
    if not results.spec.grid_parameters:
        return pd.DataFrame()
    names = list(names) if names is not None else default_metrics(results)
    main = results.main
    labels = results.members.loc[main, "grid_point"].map(lambda g: results.grid_label(int(g)))
    order = results.members.loc[main, "grid_point"].astype(int)
    table = percentile_table(results.metrics.loc[main], names, groups=order.rename("grid_point"))
    if len(table):
        table.insert(1, "grid", table["grid_point"].map(dict(zip(order, labels, strict=True))))
    return table


def sweep_tornado(results: SweepResults, metric: str | None = None) -> pd.DataFrame:
    """The tornado of a stored sweep for ``metric`` (default: the sweep file's tornado metric)."""
    spec = results.spec
    metric = metric or (spec.tornado.metric if spec.tornado is not None else "objective_usd")
    m = results.members
    t = m[(m["design"] == TORNADO) & (m["status"] == "ok")]
    if metric not in results.metrics.columns or not len(t):
        return pd.DataFrame(columns=TORNADO_COLUMNS)
    base_rows = t.index[t["role"] == BASE_ROLE]
    if not len(base_rows):
        return pd.DataFrame(columns=TORNADO_COLUMNS)
    base = float(results.metrics.at[base_rows[0], metric])
    low: dict[str, tuple[Any, float]] = {}
    high: dict[str, tuple[Any, float]] = {}
    for idx, role in t["role"].items():
        name, _, side = str(role).rpartition(":")
        if side not in ("low", "high") or name not in results.values.columns:
            continue
        entry = (results.values.at[idx, name], float(results.metrics.at[idx, metric]))
        (low if side == "low" else high)[name] = entry
    order = [p.name for p in spec.parameters]
    low = {k: low[k] for k in order if k in low}
    high = {k: high[k] for k in order if k in high}
    return tornado(base, low, high)
