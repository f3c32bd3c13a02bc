"""The dashboard's charts: Plotly figures over the tables a viewer may see, as JSON for the page.

The figures themselves are the report's (:mod:`stateside.report.figures`,
:func:`stateside.report.grid.tile_map`); this module only feeds them a plan whose tables
were filtered by :mod:`stateside.api.access`, so a chart can show no more than its viewer
may see.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from stateside.plan import Plan
from stateside.report import figures
from stateside.report.grid import TileMetric, tile_map
from stateside.scenario.types import Scenario

OTHERS = "__others__"
OTHERS_LABEL = "other investors (total)"


def fig_json(fig: go.Figure | None) -> str | None:
    """A figure as JSON safe to put inside a ``<script type="application/json">`` element."""
    if fig is None:
        return None
    text = fig.to_json()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def plan_view(plan: Plan, tables: dict[str, pd.DataFrame]) -> Plan:
    """``plan`` with only ``tables`` (the filtered tables a viewer may see)."""
    return dataclasses.replace(plan, tables=dict(tables))


def _last(tables: dict[str, pd.DataFrame]) -> int | None:
    for name in ("it_capacity", "campuses", "builds", "emissions"):
        df = tables.get(name)
        if df is not None and len(df) and "period" in df.columns:
            return int(df["period"].max())
    return None


def state_metrics(
    tables: dict[str, pd.DataFrame], regions: list[str]
) -> tuple[pd.DataFrame, list[TileMetric]]:
    """Per region: IT MW online in the last period, new generation and storage MW, capex, CO2 — from
    whichever of the campuses, builds, fabs, corridors and emissions tables are given."""
    last = _last(tables)
    out = pd.DataFrame({"region": regions}).set_index("region")
    metrics: list[TileMetric] = []
    camp = tables.get("campuses")
    if camp is not None and len(camp) and last is not None:
        online = camp[camp["period"] == last].groupby("region")["it_mw_online"].sum()
        out["campus_it_mw"] = online.reindex(out.index).fillna(0.0)
        metrics.append(TileMetric("campus_it_mw", f"AI IT MW online {last}", 1.0, "MW"))
    builds = tables.get("builds")
    if builds is not None and len(builds):
        out["new_power_mw"] = builds.groupby("region")["new_mw"].sum().reindex(out.index).fillna(0.0)
        metrics.append(TileMetric("new_power_mw", "New generation + storage", 1.0, "MW"))
    capex = pd.Series(0.0, index=out.index)
    seen = False
    for name in ("campuses", "builds", "fabs"):
        df = tables.get(name)
        if df is not None and len(df) and "capex_usd" in df.columns:
            capex = capex.add(df.groupby("region")["capex_usd"].sum(), fill_value=0.0)
            seen = True
    cor = tables.get("corridors")
    if cor is not None and len(cor):
        for end in ("region_from", "region_to"):
            capex = capex.add(cor.groupby(end)["capex_usd"].sum() / 2.0, fill_value=0.0)
        seen = True
    if seen:
        out["capex_usd"] = capex.reindex(out.index).fillna(0.0)
        metrics.append(TileMetric("capex_usd", "Capex, all assets", 1e9, "USD bn", 2))
    em = tables.get("emissions")
    if em is not None and len(em) and last is not None:
        out["co2_t"] = (
            em[em["period"] == last].groupby("region")["co2_t"].sum().reindex(out.index).fillna(0.0)
        )
        metrics.append(TileMetric("co2_t", f"Power-sector CO2 {last}", 1e6, "Mt", 2))
    return out.reset_index(), metrics


def state_map(tables: dict[str, pd.DataFrame], names: dict[str, str]) -> go.Figure | None:
    """The tile map of the states (the report's), over the given tables."""
    states, metrics = state_metrics(tables, list(names))
    if not metrics or not len(states):
        return None
    return tile_map(states, metrics, names)


def build_timeline(view: Plan, scenario: Scenario | None) -> go.Figure | None:
    if scenario is None:
        return None
    return figures.build_timeline(view, scenario)


def it_capacity(view: Plan) -> go.Figure | None:
    return figures.it_capacity(view)


def capital_stack(view: Plan, scenario: Scenario | None, investor: str | None = None) -> go.Figure | None:
    """Debt, grants and equity by asset class. For an investor viewer: its own equity and the other
    investors' as one total (``equity_need`` less its own), never split by investor."""
    if scenario is None:
        return None
    if investor is None:
        return figures.capital_stack(view, scenario)
    eq = view.tables.get("equity_need")
    cap = view.tables.get("capital")
    if eq is None or not len(eq):
        return None
    own = (
        cap if cap is not None else pd.DataFrame(columns=["investor", "asset_class", "period", "equity_usd"])
    )
    total = eq.groupby("asset_class")["equity_usd"].sum()
    mine = own.groupby("asset_class")["equity_usd"].sum() if len(own) else pd.Series(dtype=float)
    rest = (total - mine.reindex(total.index).fillna(0.0)).clip(lower=0.0)
    others = pd.DataFrame(
        {
            "investor": OTHERS,
            "asset_class": rest.index,
            "period": 0,
            "equity_usd": rest.to_numpy(),
            "share": 0.0,
        }
    )
    frames = [f for f in (own[["investor", "asset_class", "period", "equity_usd"]], others) if len(f)]
    combined = pd.concat(frames, ignore_index=True) if frames else others
    fig = figures.capital_stack(plan_view(view, {**view.tables, "capital": combined}), scenario)
    if fig is not None:
        for trace in fig.data:
            name = str(getattr(trace, "name", "") or "")
            if name.startswith(OTHERS):
                trace.name = OTHERS_LABEL
                trace.hovertemplate = "%{x}: equity $%{y:,.2f} bn<extra>" + OTHERS_LABEL + "</extra>"
    return fig


def bars(
    df: pd.DataFrame, x: str, y: str, color: str | None, title: str, scale: float = 1.0, unit: str = ""
) -> go.Figure | None:
    """A stacked bar chart of ``y`` by ``x`` (and ``color``), in the report's style."""
    if df is None or not len(df) or float(df[y].abs().sum()) == 0.0:
        return None
    fig = go.Figure()
    groups = [(None, df)] if color is None else list(df.groupby(color, sort=True))
    for i, (key, g) in enumerate(groups):
        agg = g.groupby(x, sort=True)[y].sum() / scale
        fig.add_bar(
            x=[str(v) for v in agg.index],
            y=agg.to_numpy(),
            name=str(key) if key is not None else y,
            marker_color=figures.FALLBACK[i % len(figures.FALLBACK)],
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=unit)
    fig.update_xaxes(type="category")
    return figures._style(fig, 320, title)


def cashflows(flows: pd.DataFrame) -> go.Figure | None:
    """An investor's money paid in and paid out by year (real USD bn)."""
    if flows is None or not len(flows):
        return None
    by = flows.groupby("year")[["invested_usd", "distributed_usd"]].sum()
    fig = go.Figure()
    fig.add_bar(
        x=[str(y) for y in by.index], y=-by["invested_usd"] / 1e9, name="paid in", marker_color="#e0883e"
    )
    fig.add_bar(
        x=[str(y) for y in by.index], y=by["distributed_usd"] / 1e9, name="paid out", marker_color="#3b6fb6"
    )
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text="USD bn (real)")
    fig.update_xaxes(type="category")
    return figures._style(fig, 320)


def figure_specs(items: dict[str, go.Figure | None]) -> list[dict[str, Any]]:
    """``[{"id", "json"}]`` of the figures that exist, for the page template."""
    return [{"id": k, "json": j} for k, f in items.items() if (j := fig_json(f)) is not None]
