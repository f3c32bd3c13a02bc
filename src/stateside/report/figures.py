"""Plotly figures of the report; each returns ``None`` when the plan has nothing to show."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from stateside.plan import Plan
from stateside.report.colors import (
    CLASS_COLORS,
    CLASS_LABELS,
    FALLBACK,
    PARTY_COLORS,
    TECH_COLORS,
    color,
    tech_label,
)
from stateside.scenario.types import Scenario

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def _style(fig: go.Figure, height: int = 380, title: str | None = None) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        font={"family": FONT, "size": 13, "color": "#1b2a3a"},
        height=height,
        margin={"l": 60, "r": 20, "t": 60 if title else 30, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        title={"text": title, "x": 0, "font": {"size": 15}} if title else None,
        hoverlabel={"font": {"family": FONT}},
    )
    return fig


def _periods(scenario: Scenario) -> list[int]:
    return [int(p) for p in scenario.settings.period_years]


def it_capacity(plan: Plan) -> go.Figure | None:
    """AI IT capacity online vs target, per period."""
    it = plan.tables.get("it_capacity")
    if it is None or not len(it):
        return None
    x = [str(int(p)) for p in it["period"]]
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=it["online_mw"] / 1e3,
        name="online",
        marker_color=CLASS_COLORS["datacenter"],
        hovertemplate="%{x}: %{y:,.2f} GW online<extra></extra>",
    )
    if float(it["target_mw"].sum()) > 0:
        fig.add_scatter(
            x=x,
            y=it["target_mw"] / 1e3,
            name="target",
            mode="lines+markers",
            line={"color": "#d1495b", "dash": "dash", "width": 2},
            hovertemplate="%{x}: target %{y:,.2f} GW<extra></extra>",
        )
    fig.update_yaxes(title_text="GW of IT capacity")
    return _style(fig, 340)


def _names(scenario: Scenario, table: str, key: str) -> dict[str, str]:
    """id → name of a scenario table's rows (the id where the name is blank)."""
    t = scenario.tables.get(table)
    if t is None or not len(t) or "name" not in t.columns:
        return {}
    return {
        str(k): (str(v) if isinstance(v, str) and v.strip() else str(k))
        for k, v in zip(t[key], t["name"], strict=True)
    }


def build_timeline(plan: Plan, scenario: Scenario) -> go.Figure | None:
    """Each investment decision, by the period it comes online; marker area ~ capex."""
    items: list[dict[str, object]] = []
    t = plan.tables
    campus_names = _names(scenario, "campuses", "campus")
    fab_names = _names(scenario, "fabs", "fab")
    campuses = t.get("campuses", pd.DataFrame())
    for r in campuses.itertuples(index=False):
        if float(r.new_it_mw) > 1e-6:
            items.append(
                {
                    "label": f"{campus_names.get(str(r.campus), str(r.campus))}, {r.region}",
                    "cls": "datacenter",
                    "period": int(r.period),
                    "capex": float(r.capex_usd),
                    "what": f"+{float(r.new_it_mw):,.0f} MW IT",
                }
            )
    fabs = t.get("fabs", pd.DataFrame())
    for r in fabs.itertuples(index=False):
        if float(r.capex_usd) > 0:
            items.append(
                {
                    "label": f"{fab_names.get(str(r.fab), str(r.fab))}, {r.region}",
                    "cls": "fab",
                    "period": int(r.period),
                    "capex": float(r.capex_usd),
                    "what": f"fab, grant {float(r.grant_usd) / 1e9:,.2f} bn",
                }
            )
    builds = t.get("builds", pd.DataFrame())
    cls_of = dict(
        zip(
            scenario.technologies["technology"].astype(str),
            scenario.technologies["asset_class"].astype(str),
            strict=True,
        )
    )
    for r in builds.itertuples(index=False):
        if float(r.new_mw) > 1e-6:
            cls = cls_of.get(str(r.technology), "generation")
            items.append(
                {
                    "label": f"{tech_label(str(r.technology))}, {r.region}",
                    "cls": cls,
                    "period": int(r.period),
                    "capex": float(r.capex_usd),
                    "what": f"+{float(r.new_mw):,.0f} MW",
                }
            )
    cor = t.get("corridors", pd.DataFrame())
    for r in cor.itertuples(index=False):
        if float(r.new_mw) > 1e-6:
            items.append(
                {
                    "label": f"Line {r.region_from}–{r.region_to}",
                    "cls": "transmission",
                    "period": int(r.period),
                    "capex": float(r.capex_usd),
                    "what": f"+{float(r.new_mw):,.0f} MW",
                }
            )
    if not items:
        return None
    df = pd.DataFrame(items)
    order = {c: i for i, c in enumerate(CLASS_COLORS)}
    first = df.groupby("label")["period"].min()
    df["first"] = df["label"].map(first)
    df = df.sort_values(["first", "cls", "label"], key=lambda s: s.map(order) if s.name == "cls" else s)
    labels = list(dict.fromkeys(df["label"]))
    max_capex = float(df["capex"].max()) or 1.0
    fig = go.Figure()
    for cls in CLASS_COLORS:
        sub = df[df["cls"] == cls]
        if not len(sub):
            continue
        size = [8 + 30 * math.sqrt(max(c, 0.0) / max_capex) for c in sub["capex"]]
        fig.add_scatter(
            x=[str(p) for p in sub["period"]],
            y=sub["label"],
            mode="markers",
            name=CLASS_LABELS[cls],
            marker={
                "size": size,
                "color": CLASS_COLORS[cls],
                "line": {"width": 1, "color": "white"},
                "opacity": 0.9,
            },
            customdata=np.stack([sub["what"], sub["capex"] / 1e9], axis=-1),
            hovertemplate="%{y}, online %{x}<br>%{customdata[0]}<br>capex $%{customdata[1]:,.2f} bn<extra></extra>",
        )
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], automargin=True)
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=[str(p) for p in _periods(scenario)],
        title_text="online from",
    )
    return _style(fig, max(320, 26 * len(labels) + 120))


def capex_by_period(plan: Plan) -> go.Figure | None:
    """Capex by asset class and period (USD bn)."""
    eq = plan.tables.get("equity_need")
    if eq is None or not len(eq) or float(eq["capex_usd"].sum()) <= 0:
        return None
    fig = go.Figure()
    for cls in CLASS_COLORS:
        sub = eq[eq["asset_class"] == cls]
        if not len(sub) or float(sub["capex_usd"].sum()) <= 0:
            continue
        fig.add_bar(
            x=[str(int(p)) for p in sub["period"]],
            y=sub["capex_usd"] / 1e9,
            name=CLASS_LABELS[cls],
            marker_color=CLASS_COLORS[cls],
            hovertemplate="%{x}: $%{y:,.2f} bn<extra>" + CLASS_LABELS[cls] + "</extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="capex, USD bn")
    return _style(fig, 340)


def generation_mix(plan: Plan, scenario: Scenario) -> go.Figure | None:
    """Generation by technology per period (TWh), with CO2 (Mt) on a second axis."""
    d = plan.tables.get("dispatch")
    if d is None or not len(d):
        return None
    storage = set(scenario.technologies.loc[scenario.technologies["asset_class"] == "storage", "technology"])
    g = (
        d[~d["technology"].isin(storage)]
        .groupby(["technology", "period"], as_index=False)[["energy_mwh", "co2_t"]]
        .sum()
    )
    periods = [str(p) for p in _periods(scenario)]
    totals = g.groupby("technology")["energy_mwh"].sum().sort_values(ascending=False)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for i, tech in enumerate(totals.index):
        sub = g[g["technology"] == tech].set_index("period").reindex([int(p) for p in periods]).fillna(0.0)
        fig.add_bar(
            x=periods,
            y=sub["energy_mwh"] / 1e6,
            name=tech_label(str(tech)),
            marker_color=color(str(tech), TECH_COLORS, i),
            hovertemplate="%{x}: %{y:,.1f} TWh<extra>" + tech_label(str(tech)) + "</extra>",
            secondary_y=False,
        )
    co2 = g.groupby("period")["co2_t"].sum().reindex([int(p) for p in periods]).fillna(0.0)
    fig.add_scatter(
        x=periods,
        y=co2 / 1e6,
        name="CO2 (Mt, right)",
        mode="lines+markers",
        line={"color": "#1b2a3a", "width": 2},
        hovertemplate="%{x}: %{y:,.1f} Mt CO2<extra></extra>",
        secondary_y=True,
    )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="generation, TWh/yr", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(
        title_text="CO2, Mt/yr",
        secondary_y=True,
        range=[0, 1.15 * float(co2.max() or 1.0) / 1e6],
        tickmode="auto",
        showgrid=False,
    )
    return _style(fig, 420)


def new_capacity_by_state(plan: Plan, scenario: Scenario) -> go.Figure | None:
    """New generation, storage and transmission MW by state over the horizon."""
    b = plan.tables.get("builds", pd.DataFrame())
    rows: list[dict[str, object]] = []
    for r in b.itertuples(index=False):
        if float(r.new_mw) > 1e-6:
            rows.append({"region": str(r.region), "what": str(r.technology), "mw": float(r.new_mw)})
    cor = plan.tables.get("corridors", pd.DataFrame())
    for r in cor.itertuples(index=False):
        if float(r.new_mw) > 1e-6:
            for reg in (str(r.region_from), str(r.region_to)):
                rows.append(
                    {
                        "region": reg,
                        "what": "transmission (line MW touching the state)",
                        "mw": float(r.new_mw),
                    }
                )
    if not rows:
        return None
    df = pd.DataFrame(rows).groupby(["region", "what"], as_index=False)["mw"].sum()
    order = df.groupby("region")["mw"].sum().sort_values()
    fig = go.Figure()
    for i, what in enumerate(sorted(df["what"].unique())):
        sub = df[df["what"] == what].set_index("region").reindex(order.index).fillna(0.0)
        c = CLASS_COLORS["transmission"] if what.startswith("transmission") else color(what, TECH_COLORS, i)
        name = what if what.startswith("transmission") else tech_label(what)
        fig.add_bar(
            y=list(order.index),
            x=sub["mw"],
            orientation="h",
            name=name,
            marker_color=c,
            hovertemplate="%{y}: %{x:,.0f} MW<extra>" + name + "</extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="new MW over the horizon")
    return _style(fig, max(300, 24 * len(order) + 140))


def capital_stack(plan: Plan, scenario: Scenario) -> go.Figure | None:
    """Per asset class: debt, grants and each investor's equity (USD bn)."""
    eq = plan.tables.get("equity_need")
    cap = plan.tables.get("capital")
    if eq is None or not len(eq) or float(eq["capex_usd"].sum()) <= 0:
        return None
    by = eq.groupby("asset_class")[["capex_usd", "debt_usd", "grants_usd", "equity_usd"]].sum()
    classes = [c for c in CLASS_COLORS if c in by.index and by.loc[c, "capex_usd"] > 0]
    x = [CLASS_LABELS[c] for c in classes]
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=[by.loc[c, "debt_usd"] / 1e9 for c in classes],
        name="project debt",
        marker_color="#b8c4d2",
        hovertemplate="%{x}: debt $%{y:,.2f} bn<extra></extra>",
    )
    if float(by["grants_usd"].sum()) > 0:
        fig.add_bar(
            x=x,
            y=[by.loc[c, "grants_usd"] / 1e9 for c in classes],
            name="grants (CHIPS)",
            marker_color="#8fd3b6",
            hovertemplate="%{x}: grants $%{y:,.2f} bn<extra></extra>",
        )
    if cap is not None and len(cap):
        country = dict(
            zip(
                scenario.investors["investor"].astype(str),
                scenario.investors["country"].astype(str),
                strict=True,
            )
        )
        inv_eq = cap.groupby(["investor", "asset_class"])["equity_usd"].sum()
        investors = cap.groupby("investor")["equity_usd"].sum().sort_values(ascending=False).index
        for i, inv in enumerate(investors):
            ys = [float(inv_eq.get((inv, c), 0.0)) / 1e9 for c in classes]
            fig.add_bar(
                x=x,
                y=ys,
                name=f"{inv} ({country.get(str(inv), '?')})",
                marker_color=FALLBACK[i % len(FALLBACK)],
                hovertemplate="%{x}: equity $%{y:,.2f} bn<extra>" + str(inv) + "</extra>",
            )
    else:
        fig.add_bar(
            x=x, y=[by.loc[c, "equity_usd"] / 1e9 for c in classes], name="equity", marker_color="#3b6fb6"
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="USD bn (all periods)")
    _style(fig, 420)
    fig.update_layout(legend={"orientation": "v", "yanchor": "top", "y": 1, "xanchor": "left", "x": 1.02})
    return fig


def equity_by_country(countries: pd.DataFrame) -> go.Figure | None:
    """Donut of the coalition's plan equity by investor country."""
    if countries is None or not len(countries) or float(countries["equity_usd"].sum()) <= 0:
        return None
    c = countries[countries["equity_usd"] > 0]
    fig = go.Figure(
        go.Pie(
            labels=[f"{r.country}{' (allied)' if r.allied else ''}" for r in c.itertuples(index=False)],
            values=c["equity_usd"] / 1e9,
            hole=0.55,
            sort=False,
            marker={"colors": FALLBACK[: len(c)]},
            hovertemplate="%{label}: $%{value:,.2f} bn (%{percent})<extra></extra>",
        )
    )
    fig.update_layout(showlegend=True)
    return _style(fig, 340)


def investor_capital(plan: Plan) -> go.Figure | None:
    """Per investor: committed capital vs equity the plan uses (USD bn)."""
    ir = plan.tables.get("investor_returns")
    if ir is None or not len(ir):
        return None
    ir = ir.sort_values("committed_usd", ascending=False)
    fig = go.Figure()
    fig.add_bar(
        x=ir["investor"],
        y=ir["committed_usd"] / 1e9,
        name="committed",
        marker_color="#b8c4d2",
        hovertemplate="%{x}: committed $%{y:,.2f} bn<extra></extra>",
    )
    fig.add_bar(
        x=ir["investor"],
        y=ir["plan_equity_usd"] / 1e9,
        name="plan equity",
        marker_color="#3b6fb6",
        hovertemplate="%{x}: plan equity $%{y:,.2f} bn<extra></extra>",
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="USD bn")
    return _style(fig, 340)


def jobs_by_state(jobs: pd.DataFrame, last_period: int, top: int = 20) -> go.Figure | None:
    """Construction job-years (all periods) and permanent jobs (last period) by state and asset class."""
    if jobs is None or not len(jobs):
        return None
    con = jobs.groupby(["region", "asset_class"])["construction_job_years"].sum()
    ops = jobs[(jobs["phase"] == "operations") & (jobs["period"] == last_period)]
    perm = ops.groupby(["region", "asset_class"])["permanent_jobs"].sum()
    total = con.groupby("region").sum().sort_values(ascending=False)
    regions = list(total.index[:top])[::-1]
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=("construction job-years (all periods)", f"permanent jobs in {last_period}"),
    )
    for cls in CLASS_COLORS:
        xs = [float(con.get((r, cls), 0.0)) for r in regions]
        xp = [float(perm.get((r, cls), 0.0)) for r in regions]
        if sum(xs) + sum(xp) <= 0:
            continue
        fig.add_bar(
            y=regions,
            x=xs,
            orientation="h",
            name=CLASS_LABELS[cls],
            marker_color=CLASS_COLORS[cls],
            legendgroup=cls,
            hovertemplate="%{y}: %{x:,.0f} job-years<extra>" + CLASS_LABELS[cls] + "</extra>",
            row=1,
            col=1,
        )
        fig.add_bar(
            y=regions,
            x=xp,
            orientation="h",
            name=CLASS_LABELS[cls],
            marker_color=CLASS_COLORS[cls],
            legendgroup=cls,
            showlegend=False,
            hovertemplate="%{y}: %{x:,.0f} jobs<extra>" + CLASS_LABELS[cls] + "</extra>",
            row=1,
            col=2,
        )
    fig.update_layout(barmode="stack")
    _style(fig, max(320, 24 * len(regions) + 170))
    fig.update_layout(
        margin={"t": 40, "b": 90},
        legend={"orientation": "h", "yanchor": "top", "y": -0.06, "xanchor": "left", "x": 0},
    )
    return fig


def chips(chips_table: pd.DataFrame) -> go.Figure | None:
    """Accelerator need per period: met by domestic fabs, imported, short; domestic share."""
    if chips_table is None or not len(chips_table) or float(chips_table["need"].sum()) <= 0:
        return None
    x = [str(int(p)) for p in chips_table["period"]]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(
        x=x,
        y=chips_table["domestic_used"] / 1e6,
        name="met by domestic fabs",
        marker_color="#7b5bb5",
        hovertemplate="%{x}: %{y:,.2f} M<extra>domestic</extra>",
        secondary_y=False,
    )
    fig.add_bar(
        x=x,
        y=chips_table["imported"] / 1e6,
        name="imported",
        marker_color="#b8c4d2",
        hovertemplate="%{x}: %{y:,.2f} M<extra>imported</extra>",
        secondary_y=False,
    )
    if float(chips_table["short"].sum()) > 0:
        fig.add_bar(
            x=x, y=chips_table["short"] / 1e6, name="short", marker_color="#d1495b", secondary_y=False
        )
    if float(chips_table["domestic_output"].sum()) > 0:
        out = chips_table["domestic_output"].where(chips_table["domestic_output"] > 0) / 1e6
        fig.add_scatter(
            x=x,
            y=out,
            name="domestic fab output",
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 30, "color": "#7b5bb5", "line": {"width": 3}},
            hovertemplate="%{x}: output %{y:,.2f} M<extra></extra>",
            secondary_y=False,
        )
    fig.add_scatter(
        x=x,
        y=chips_table["domestic_share"] * 100,
        name="domestic share (%, right)",
        mode="lines+markers",
        line={"color": "#1b2a3a"},
        hovertemplate="%{x}: %{y:.1f} %<extra></extra>",
        secondary_y=True,
    )
    if float(chips_table["min_domestic_share"].sum()) > 0:
        fig.add_scatter(
            x=x,
            y=chips_table["min_domestic_share"] * 100,
            name="required domestic share (%)",
            mode="lines",
            line={"color": "#d1495b", "dash": "dot"},
            secondary_y=True,
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="accelerators, millions", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(
        title_text="domestic share, %", range=[0, 105], tickmode="auto", secondary_y=True, showgrid=False
    )
    return _style(fig, 380)


def benefit_sharing(sharing: pd.DataFrame) -> go.Figure | None:
    """IT capacity online per period by who benefits (MW)."""
    if sharing is None or not len(sharing) or float(sharing["it_mw"].sum()) <= 0:
        return None
    s = sharing.copy()
    s["label"] = [
        f"allied: {r.country}"
        if r.party == "allied_countries" and r.country
        else str(r.party).replace("_", " ")
        for r in s.itertuples(index=False)
    ]
    fig = go.Figure()
    shades = ["#e0883e", "#f2b26b", "#c97b4a", "#f6d2a8", "#b5651d", "#8c564b"]
    allied = [lbl for lbl in dict.fromkeys(s["label"]) if lbl.startswith("allied")]
    for lbl in dict.fromkeys(s["label"]):
        sub = s[s["label"] == lbl]
        if lbl.startswith("allied"):
            c = shades[allied.index(lbl) % len(shades)]
        else:
            c = PARTY_COLORS.get(str(sub["party"].iloc[0]), "#999999")
        fig.add_bar(
            x=[str(int(p)) for p in sub["period"]],
            y=sub["it_mw"],
            name=lbl,
            marker_color=c,
            hovertemplate="%{x}: %{y:,.0f} MW<extra>" + lbl + "</extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text="IT MW online")
    return _style(fig, 340)


def _snapshot_labels(df: pd.DataFrame) -> tuple[list[tuple[int, int]], list[str]]:
    """The typical hours (day, step) in order and their axis labels ("day 1 08:00 (×91)")."""
    snaps = df.drop_duplicates(["day", "step"]).sort_values(["day", "step"])
    keys = [(int(r.day), int(r.step)) for r in snaps.itertuples(index=False)]
    steps_per_day = snaps.groupby("day")["step"].count().to_dict()
    labels = []
    for r in snaps.itertuples(index=False):
        block_hours = 24.0 / max(1, int(steps_per_day[r.day]))
        days = round(float(r.weight_hours) / block_hours)
        labels.append(f"day {int(r.day) + 1} {int(r.hour):02d}:00 (×{days})")
    return keys, labels


def dispatch_and_prices(plan: Plan, scenario: Scenario, period: int, regions: list[str]) -> go.Figure | None:
    """Per region (a menu): the dispatch stack over the typical hours of ``period`` (MW; storage
    charging below zero) with the load, and the hourly price (USD/MWh) below it."""
    d = plan.tables.get("dispatch_t")
    p = plan.tables.get("prices_t")
    if d is None or p is None or not len(d) or not len(p):
        return None
    d = d[d["period"].astype(int) == period]
    p = p[p["period"].astype(int) == period]
    regions = [r for r in regions if r in set(p["region"].astype(str))]
    if not regions:
        return None
    keys, labels = _snapshot_labels(p)
    names = _names(scenario, "regions", "region")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.06)
    visible_sets: list[list[int]] = []
    order = {t: i for i, t in enumerate(TECH_COLORS)}
    n = 0
    for k, region in enumerate(regions):
        mine: list[int] = []
        rd = d[d["region"].astype(str) == region]
        techs = sorted(rd["technology"].astype(str).unique(), key=lambda t: (order.get(t, 99), t))
        for i, tech in enumerate(techs):
            series = rd[rd["technology"].astype(str) == tech].set_index(["day", "step"])["dispatch_mw"]
            ys = [float(series.get(key, 0.0)) for key in keys]
            # output stacks up from zero, storage charging down from zero
            for part, sign in (("pos", 1.0), ("neg", -1.0)):
                part_ys = [max(sign * y, 0.0) * sign for y in ys]
                if max((abs(y) for y in part_ys), default=0.0) < 0.5:
                    continue
                charging = part == "neg"
                fig.add_scatter(
                    x=labels,
                    y=part_ys,
                    name=tech_label(tech) + (" charging" if charging else ""),
                    mode="lines",
                    stackgroup=part,
                    line={
                        "width": 0.5,
                        "color": "#d1495b" if tech == "unserved" else color(tech, TECH_COLORS, i),
                    },
                    visible=k == 0,
                    legendgroup=tech,
                    hovertemplate="%{x}: %{y:,.0f} MW<extra>"
                    + tech_label(tech)
                    + (" charging" if charging else "")
                    + "</extra>",
                    row=1,
                    col=1,
                )
                mine.append(n)
                n += 1
        rp = p[p["region"].astype(str) == region].set_index(["day", "step"])
        fig.add_scatter(
            x=labels,
            y=[float(rp["load_mw"].get(key, 0.0)) for key in keys],
            name="load (incl. campuses, fabs)",
            mode="lines",
            line={"color": "#1b2a3a", "width": 2, "dash": "dot"},
            visible=k == 0,
            hovertemplate="%{x}: load %{y:,.0f} MW<extra></extra>",
            row=1,
            col=1,
        )
        fig.add_scatter(
            x=labels,
            y=[float(rp["price_usd_per_mwh"].get(key, float("nan"))) for key in keys],
            name="price (USD/MWh)",
            mode="lines+markers",
            line={"color": "#3b6fb6", "width": 2, "shape": "hv"},
            visible=k == 0,
            hovertemplate="%{x}: %{y:,.2f} USD/MWh<extra>price</extra>",
            row=2,
            col=1,
        )
        mine += [n, n + 1]
        n += 2
        visible_sets.append(mine)
    buttons = []
    for k, region in enumerate(regions):
        vis = [False] * n
        for i in visible_sets[k]:
            vis[i] = True
        buttons.append(
            {
                "label": f"{names.get(region, region)} ({region})",
                "method": "restyle",
                "args": [{"visible": vis}],
            }
        )
    fig.update_layout(
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 0.0,
                "xanchor": "left",
                "y": 1.14,
                "yanchor": "top",
                "bgcolor": "#ffffff",
            }
        ],
    )
    fig.update_yaxes(title_text="MW", row=1, col=1)
    fig.update_yaxes(title_text="USD/MWh", row=2, col=1, rangemode="tozero")
    fig.update_xaxes(tickangle=-45, row=2, col=1)
    _style(fig, 560)
    fig.update_layout(
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1.0, "yanchor": "top"},
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
    )
    return fig
