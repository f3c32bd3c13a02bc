"""The state page's prices and ratepayer view: what power costs in the state, hour by hour and
per period, and how much of the state's load the coalition's campuses and fabs are.

Everything is read from the tables a viewer may see for the state (``prices_t``,
``dispatch_t``, ``campuses``, ``fabs``), so a state official sees exactly its own state.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from stateside.plan import Plan
from stateside.scenario.types import Scenario

#: column → header of the ratepayer table (units in the header, as in the report)
RATEPAYER_HEADERS: dict[str, str] = {
    "period": "period",
    "price_usd_per_mwh": "average wholesale price, USD/MWh",
    "change_usd_per_mwh": "change since the first period, USD/MWh",
    "lowest_usd_per_mwh": "lowest hour, USD/MWh",
    "highest_usd_per_mwh": "highest hour, USD/MWh",
    "load_twh": "state load, TWh/yr",
    "coalition_load_share": "of which AI campuses and fabs",
    "energy_cost_usd": "wholesale energy bill of the state's load, USD/yr",
}


def ratepayer_table(tables: dict[str, pd.DataFrame], state: str) -> pd.DataFrame | None:
    """Per period: the load-weighted average wholesale price and its range over the typical
    hours, the state's load and the campuses' and fabs' share of it, and the wholesale cost of
    that load (Σ price × load × hours). None when the plan has no time-resolved prices."""
    pt = tables.get("prices_t")
    if pt is None or not len(pt):
        return None
    p = pt[pt["region"].astype(str) == state]
    if not len(p):
        return None
    rows = []
    first: float | None = None
    for period, g in p.groupby("period", sort=True):
        w = g["weight_hours"].astype(float)
        load = g["load_mw"].astype(float)
        price = g["price_usd_per_mwh"].astype(float)
        mwh = float((load * w).sum())
        avg = float((price * load * w).sum() / mwh) if mwh > 0 else math.nan
        first = avg if first is None else first
        coalition_mw = _flat_load(tables, "campuses", "grid_load_mw", state, int(period)) + _flat_load(
            tables, "fabs", "power_mw", state, int(period)
        )
        rows.append(
            {
                "period": int(period),
                "price_usd_per_mwh": avg,
                "change_usd_per_mwh": avg - first,
                "lowest_usd_per_mwh": float(price.min()),
                "highest_usd_per_mwh": float(price.max()),
                "load_twh": mwh / 1e6,
                "coalition_load_share": coalition_mw * float(w.sum()) / mwh if mwh > 0 else 0.0,
                "energy_cost_usd": float((price * load * w).sum()),
            }
        )
    return pd.DataFrame(rows)


def _flat_load(tables: dict[str, pd.DataFrame], name: str, column: str, state: str, period: int) -> float:
    t = tables.get(name)
    if t is None or not len(t) or column not in t.columns or "region" not in t.columns:
        return 0.0
    rows = t[(t["region"].astype(str) == state) & (t["period"].astype(int) == period)]
    return float(rows[column].astype(float).sum())


def price_figure(plan: Plan, scenario: Scenario | None, state: str) -> go.Figure | None:
    """The report's dispatch stack and hourly price for ``state`` in the plan's last period
    (None without time-resolved prices, or without the run's scenario)."""
    from stateside.report.figures import dispatch_and_prices

    pt = plan.tables.get("prices_t")
    if pt is None or not len(pt) or scenario is None:
        return None
    last = int(pt["period"].max())
    return dispatch_and_prices(plan, scenario, last, [state])
