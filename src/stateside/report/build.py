"""Assemble the HTML report: one self-contained file, plotly.js inlined once, no network.

:func:`write_report` renders a plan and its scenario to ``path``. Impact tables missing
from the plan (a plan written before they existed) are computed from the scenario; the
security review of the cap tables is always run here from the scenario's rules.
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from stateside import __version__
from stateside.impact import IMPACT_TABLES, impact_summary, impact_tables
from stateside.plan import Plan, default_mode
from stateside.report import figures
from stateside.report import fmt as f
from stateside.report.grid import TileLine, TileMetric, tile_map
from stateside.report.security import review_cap_tables, worst_by_project
from stateside.report.style import CSS
from stateside.scenario.types import Scenario
from stateside.security.rules import OUTCOME_LABELS, OUTCOMES

PLOT_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}
# Nothing may be fetched: scripts and styles are inline, images only from data: or blob: URLs.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:"
)
SECTION_IDS: tuple[str, ...] = (
    "summary",
    "map",
    "timeline",
    "power",
    "campuses",
    "capital",
    "projects",
    "security",
    "impact",
    "sources",
)


@dataclass
class Context:
    """Everything the sections read."""

    plan: Plan
    scenario: Scenario
    impact: dict[str, pd.DataFrame]
    impact_summary: dict[str, Any]
    reviews: pd.DataFrame | None
    review_note: str
    last: int
    figures: list[str] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame:
        """A plan or impact table (empty frame if absent)."""
        if name in self.impact:
            return self.impact[name]
        t = self.plan.tables.get(name)
        return t if t is not None else pd.DataFrame()


def _figure(
    ctx: Context, fig: go.Figure | None, name: str, empty: str = "Nothing to show for this plan."
) -> str:
    if fig is None:
        return f'<p class="empty">{html.escape(empty)}</p>'
    div_id = f"fig-{name}"
    ctx.figures.append(div_id)
    body = pio.to_html(fig, full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, div_id=div_id)
    return f'<div class="figure" data-figure="{name}">{body}</div>'


def _section(sid: str, title: str, lead: str, body: str) -> str:
    return (
        f'<section class="block" id="{sid}"><h2>{html.escape(title)}</h2>'
        f'<p class="lead">{html.escape(lead)}</p>{body}</section>'
    )


def _kpi(label: str, value: str, note: str = "") -> str:
    return (
        f'<div class="kpi"><div class="label">{html.escape(label)}</div>'
        f'<div class="value">{html.escape(value)}</div><div class="note">{html.escape(note)}</div></div>'
    )


def _badge(outcome: str) -> str:
    return f'<span class="badge {html.escape(outcome)}">{html.escape(OUTCOME_LABELS.get(outcome, outcome))}</span>'


def _sum(df: pd.DataFrame, col: str, where: pd.Series | None = None) -> float:
    if not len(df) or col not in df:
        return 0.0
    s = df.loc[where, col] if where is not None else df[col]
    return float(pd.to_numeric(s, errors="coerce").fillna(0.0).sum())


# -- sections ---------------------------------------------------------------------------


def _summary(ctx: Context) -> str:
    plan, s = ctx.plan, ctx.scenario.settings
    it = ctx.table("it_capacity")
    eq = ctx.table("equity_need")
    last = ctx.last
    online = _sum(it, "online_mw", it["period"] == last) if len(it) else 0.0
    target = _sum(it, "target_mw", it["period"] == last) if len(it) else 0.0
    capex = _sum(eq, "capex_usd")
    debt, grants, equity = _sum(eq, "debt_usd"), _sum(eq, "grants_usd"), _sum(eq, "equity_usd")
    jobs = ctx.table("jobs")
    perm = (
        _sum(jobs, "permanent_jobs", (jobs["phase"] == "operations") & (jobs["period"] == last))
        if len(jobs)
        else 0.0
    )
    con = _sum(jobs, "construction_job_years")
    em = ctx.table("emissions_detail")
    co2_last = _sum(em, "co2_t", em["period"] == last) if len(em) else 0.0
    gen_last = _sum(em, "generation_mwh", em["period"] == last) if len(em) else 0.0
    campus_co2 = _sum(em, "campus_co2_t", em["period"] == last) if len(em) else 0.0
    chips = ctx.table("chips_complementarity")
    dom = chips.loc[chips["period"] == last, "domestic_share"] if len(chips) else pd.Series(dtype=float)
    dom_share = float(dom.iloc[0]) if len(dom) and pd.notna(dom.iloc[0]) else math.nan
    countries = ctx.table("capital_by_country")
    allied = _sum(countries, "share", countries["allied"].astype(bool)) if len(countries) else 0.0
    states = ctx.table("state_benefits")
    n_states = int((states["capex_total_usd"] > 0).sum()) if len(states) else 0
    kpis = [
        _kpi(
            f"AI IT capacity online {last}",
            f"{online / 1e3:,.2f} GW",
            f"target {target / 1e3:,.2f} GW" if target else "no target",
        ),
        _kpi(
            "Capex, all periods",
            f.usd(capex),
            f"{f.usd(capex / (online / 1e3)) if online > 0 else '–'} per GW of IT (all assets)",
        ),
        _kpi("Financing", f"{f.usd(equity)} equity", f"{f.usd(debt)} debt · {f.usd(grants)} grants"),
        _kpi("Construction jobs", f"{con:,.0f} job-years", f"{perm:,.0f} permanent jobs in {last}"),
        _kpi(
            f"Power-sector CO2 {last}",
            f"{co2_last / 1e6:,.0f} Mt/yr",
            f"{co2_last / gen_last:.3f} t/MWh; campuses {campus_co2 / 1e6:,.1f} Mt" if gen_last > 0 else "",
        ),
        _kpi(
            f"Accelerators from domestic fabs {last}", f.pct(dom_share, 0), "of the period's new-campus need"
        ),
        _kpi(
            "Allied share of equity",
            f.pct(allied, 0),
            "investors outside " + ctx.scenario.settings.impact.home_country,
        ),
        _kpi("States with investment", f"{n_states}", f"of {len(ctx.scenario.regions)} regions"),
    ]
    if math.isfinite(plan.objective_usd):
        kpis.append(_kpi("System cost (objective)", f.usd(plan.objective_usd), "discounted, base-year USD"))
    if ctx.reviews is not None:
        worst = worst_by_project(ctx.reviews)
        counts = worst["outcome"].value_counts()
        flagged = int(counts.get("mandatory_declaration", 0) + counts.get("prohibited", 0))
        kpis.append(
            _kpi(
                "Security review",
                f"{flagged} of {len(worst)} projects",
                "need a mandatory declaration or are prohibited",
            )
        )
    findings = _findings(ctx, online, target, capex, con, perm, dom_share, allied)
    if plan.diagnosis:
        diag = (
            '<div class="diagnosis bad"><b>What cannot be met</b><ul>'
            + "".join(f"<li>{html.escape(d)}</li>" for d in plan.diagnosis)
            + "</ul></div>"
        )
    elif plan.tables.get("it_capacity") is None:
        diag = '<div class="diagnosis bad"><b>No usable solution.</b></div>'
    else:
        diag = '<div class="diagnosis"><b>Every target, capital limit, chip need and security cap is met.</b></div>'
    body = f'<div class="kpis">{"".join(kpis)}</div>{diag}<h3>Key findings</h3><ul class="findings">{findings}</ul>'
    lead = f"Scenario {s.name}: {s.description}".strip() if s.description else f"Scenario {s.name}."
    return _section("summary", "Executive summary", lead, body)


def _findings(
    ctx: Context,
    online: float,
    target: float,
    capex: float,
    con: float,
    perm: float,
    dom_share: float,
    allied: float,
) -> str:
    out: list[str] = []
    last = ctx.last
    campuses = ctx.table("campuses")
    if len(campuses):
        on = campuses[(campuses["period"] == last) & (campuses["it_mw_online"] > 1e-6)]
        if len(on):
            top = on.sort_values("it_mw_online", ascending=False).iloc[0]
            n_c, n_s = len(on), on["region"].nunique()
            out.append(
                f"{n_c} campus{'es' if n_c != 1 else ''} in {n_s} state{'s' if n_s != 1 else ''} put "
                f"{online / 1e3:,.2f} GW of AI IT capacity "
                f"online by {last}"
                + (f" (target {target / 1e3:,.2f} GW)" if target else "")
                + f"; the largest is {top['campus']} in {top['region']} ({float(top['it_mw_online']):,.0f} MW)."
            )
    states = ctx.table("state_benefits")
    if len(states) and float(states["capex_total_usd"].sum()) > 0:
        st = states[states["capex_total_usd"] > 0].sort_values("capex_total_usd", ascending=False).head(3)
        share = float(st["capex_total_usd"].sum()) / float(states["capex_total_usd"].sum())
        out.append(
            "Most capex lands in "
            + ", ".join(f"{r.name} ({f.usd(r.capex_total_usd)})" for r in st.itertuples(index=False))
            + f": {share:.0%} of {f.usd(capex)}."
        )
    if con > 0:
        out.append(
            f"Construction: {con:,.0f} job-years; operations: {perm:,.0f} permanent jobs in {last} "
            "(coefficients and sources in the impact section)."
        )
    fabs = ctx.table("chips_fabs")
    if len(fabs):
        relied = fabs[fabs["relied_on"].astype(bool)]
        if len(relied):
            out.append(
                "The plan relies on "
                + ", ".join(
                    f"{r.name}" + (f" — CHIPS: {r.chips_award}" if r.chips_award else "")
                    for r in relied.itertuples(index=False)
                )
                + (
                    f"; domestic fabs meet {dom_share:.0%} of the {last} accelerator need."
                    if math.isfinite(dom_share)
                    else "."
                )
            )
        else:
            out.append("No fab is built: the campuses' accelerators are imported.")
    if allied > 0:
        out.append(f"Investors from allied countries provide {allied:.0%} of the coalition's equity.")
    if ctx.reviews is not None:
        worst = worst_by_project(ctx.reviews)
        counts = worst["outcome"].value_counts()
        parts = [f"{int(counts[o])} {OUTCOME_LABELS[o]}" for o in reversed(OUTCOMES) if o in counts]
        out.append("Security review of the cap tables (worst outcome per project): " + ", ".join(parts) + ".")
    return (
        "".join(f"<li>{html.escape(x)}</li>" for x in out)
        or '<li class="empty">No findings: the plan is empty.</li>'
    )


def _map(ctx: Context) -> str:
    states = ctx.table("state_benefits")
    if not len(states):
        return _section("map", "Where it lands", "", '<p class="empty">No state table for this plan.</p>')
    st = states.copy()
    st["capex_gen_storage_usd"] = st["capex_generation_usd"] + st["capex_storage_usd"]
    st["new_power_mw"] = st["new_generation_mw"] + st["new_storage_mw"]
    prices = state_prices(ctx)
    if len(prices):
        st = st.merge(prices[["region", "price_usd_per_mwh"]], on="region", how="left")
    metrics = [
        TileMetric("capex_total_usd", "Capex, all assets", 1e9, "USD bn", 2),
        TileMetric("campus_it_mw", f"AI IT MW online {ctx.last}", 1.0, "MW"),
        TileMetric("construction_job_years", "Construction job-years", 1.0, "job-years"),
        TileMetric("permanent_jobs", f"Permanent jobs {ctx.last}", 1.0, "jobs"),
        TileMetric("new_power_mw", "New generation + storage", 1.0, "MW"),
        TileMetric("capex_transmission_usd", "Transmission capex", 1e9, "USD bn", 2),
        TileMetric("allied_equity_usd", "Allied equity", 1e9, "USD bn", 2),
        TileMetric("co2_t", f"Power-sector CO2 {ctx.last}", 1e6, "Mt"),
    ]
    if "price_usd_per_mwh" in st.columns:
        metrics.insert(2, TileMetric("price_usd_per_mwh", f"Wholesale price {ctx.last}", 1.0, "USD/MWh", 1))
    st, rate_metrics = ratepayer_layer(ctx, st)
    metrics[3:3] = rate_metrics
    names = dict(
        zip(ctx.scenario.regions["region"].astype(str), ctx.scenario.regions["name"].astype(str), strict=True)
    )
    cor = ctx.table("corridors")
    lines: list[TileLine] = []
    if len(cor):
        new = cor.groupby(["corridor", "region_from", "region_to"], as_index=False)["new_mw"].sum()
        lines = [
            TileLine(
                str(r.region_from), str(r.region_to), float(r.new_mw), f"+{float(r.new_mw) / 1e3:,.1f} GW"
            )
            for r in new.itertuples(index=False)
            if float(r.new_mw) > 0.5
        ]
    fig = tile_map(st, metrics, names, lines)
    return _section(
        "map",
        "Where it lands: the states",
        "One square per state with its value; pick a measure in the menu. Green lines are new "
        "transmission over the horizon (50 MW or more, its size at the middle). Transmission capex counts half of each "
        "line to each of its two states.",
        _figure(ctx, fig, "state-map"),
    )


def ratepayer_layer(ctx: Context, states: pd.DataFrame) -> tuple[pd.DataFrame, list[TileMetric]]:
    """The ratepayer impact of the last period as map layers (issue 12): the change in the
    state's energy price and in the grid's build-out cost per MWh of other load, against
    the plan without the coalition (table ``ratepayer_impact``); none if the plan has none."""
    rp = ctx.table("ratepayer_impact")
    if not len(rp):
        return states, []
    last = rp[rp["period"].astype(int) == ctx.last][
        ["region", "price_change_usd_per_mwh", "cost_change_usd_per_mwh_other_load"]
    ]
    out = states.merge(last.assign(region=last["region"].astype(str)), on="region", how="left")
    return out, [
        TileMetric("price_change_usd_per_mwh", f"Ratepayers: price change {ctx.last}", 1.0, "USD/MWh", 2),
        TileMetric(
            "cost_change_usd_per_mwh_other_load",
            f"Ratepayers: build-out cost change {ctx.last}",
            1.0,
            "USD/MWh",
            2,
        ),
    ]


def state_prices(ctx: Context) -> pd.DataFrame:
    """Per state in the last period: the load-weighted average wholesale price (USD/MWh), the
    lowest and highest hourly price and the campus load, from ``prices_t`` (else ``prices``)."""
    pt = ctx.table("prices_t")
    if len(pt):
        from stateside.timeseries import annual_price

        p = pt[pt["period"].astype(int) == ctx.last]
        avg = annual_price(p)
        rng = p.groupby("region")["price_usd_per_mwh"].agg(["min", "max"]).reset_index()
        out = avg.merge(rng, on="region", how="left")
    else:
        pr = ctx.table("prices")
        if not len(pr):
            return pd.DataFrame(columns=["region", "price_usd_per_mwh", "min", "max"])
        out = pr[pr["period"].astype(int) == ctx.last][["region", "price_usd_per_mwh"]].copy()
        out["min"] = out["max"] = float("nan")
    out["region"] = out["region"].astype(str)
    return out.reset_index(drop=True)


def _timeline(ctx: Context) -> str:
    body = (
        '<div class="grid2"><div><h3>AI capacity online vs target</h3>'
        + _figure(ctx, figures.it_capacity(ctx.plan), "it-capacity")
        + "</div><div><h3>Capex by asset class and period</h3>"
        + _figure(ctx, figures.capex_by_period(ctx.plan), "capex-period")
        + "</div></div><h3>Investments by period</h3>"
        + '<p class="muted small">Each marker is an investment coming online in that period; its area grows with capex.</p>'
        + _figure(ctx, figures.build_timeline(ctx.plan, ctx.scenario), "timeline")
    )
    return _section("timeline", "Build timeline", "What comes online, when, and what it costs.", body)


def _power(ctx: Context) -> str:
    em = ctx.table("emissions_detail")
    body = (
        "<h3>Power mix</h3>"
        + _figure(ctx, figures.generation_mix(ctx.plan, ctx.scenario), "generation-mix")
        + "<h3>New capacity by state</h3>"
        + _figure(
            ctx,
            figures.new_capacity_by_state(ctx.plan, ctx.scenario),
            "capacity-state",
            "No new generation, storage or lines.",
        )
    )
    if len(em):
        e = em[(em["period"] == ctx.last) & ((em["campus_load_mwh"] > 0) | (em["fab_load_mwh"] > 0))]
        e = e.sort_values("campus_co2_t", ascending=False)
        if len(e):
            body += (
                f"<h3>Campus and fab emissions, {ctx.last} (location-based)</h3>"
                + f.table(
                    e,
                    [
                        ("region", "state", f.text),
                        ("campus_load_mwh", "campus load, GWh/yr", lambda x: f.num(float(x) / 1e3)),
                        ("fab_load_mwh", "fab load, GWh/yr", lambda x: f.num(float(x) / 1e3)),
                        ("intensity_t_per_mwh", "state rate in plan, t/MWh", lambda x: f.num(x, 3)),
                        ("egrid2022_t_per_mwh", "eGRID 2022, t/MWh", lambda x: f.num(x, 3)),
                        ("campus_co2_t", "campus CO2, kt/yr", lambda x: f.num(float(x) / 1e3)),
                        ("fab_co2_t", "fab CO2, kt/yr", lambda x: f.num(float(x) / 1e3)),
                        ("campus_share", "campus share of state CO2", f.pct),
                    ],
                )
                + '<p class="muted small">Load × the state\'s average CO2 rate of generation in the plan '
                "(GHG Protocol Scope 2 location-based method); eGRID 2022 for comparison.</p>"
            )
    body += _hourly(ctx)
    return _section(
        "power",
        "Power",
        "Generation by technology, CO2, the new capacity each state gets, and hour by hour in the "
        "typical days: what runs and what power costs in each state.",
        body,
    )


def _hourly(ctx: Context) -> str:
    """The dispatch stack and hourly price per state (a menu), and the prices by state."""
    prices = state_prices(ctx)
    camp = ctx.table("campuses")
    load = (
        camp[camp["period"] == ctx.last].groupby("region")["grid_load_mw"].sum()
        if len(camp) and "grid_load_mw" in camp.columns
        else pd.Series(dtype=float)
    )
    regions = [str(r) for r in ctx.scenario.regions["region"]]
    # states with campus load first (largest first), then the others by name
    regions = sorted(regions, key=lambda r: (-float(load.get(r, 0.0)), r))
    fig = figures.dispatch_and_prices(ctx.plan, ctx.scenario, ctx.last, regions)
    body = (
        f"<h3>Hour by hour, {ctx.last}: dispatch and price per state</h3>"
        + '<p class="muted small">Pick a state in the menu (states with AI campuses first). Each step is a '
        "block of a typical day; ×N is how many days of the year it stands for. Storage charging and "
        "exports show as the gap between the stack and the load.</p>"
        + _figure(
            ctx,
            fig,
            "dispatch-prices",
            "No time-resolved results in this plan (plan it again to see them).",
        )
    )
    if len(prices):
        names = dict(
            zip(
                ctx.scenario.regions["region"].astype(str),
                ctx.scenario.regions["name"].astype(str),
                strict=True,
            )
        )
        pr = prices.assign(
            name=prices["region"].map(names).fillna(prices["region"]),
            campus_mw=prices["region"].map(load).fillna(0.0),
        ).sort_values(["campus_mw", "price_usd_per_mwh"], ascending=[False, False])
        columns = [
            ("name", "state", f.text),
            ("price_usd_per_mwh", f"average price {ctx.last}, USD/MWh", lambda x: f.num(x, 2)),
            ("min", "lowest hour", lambda x: f.num(x, 2)),
            ("max", "highest hour", lambda x: f.num(x, 2)),
            ("campus_mw", f"campus grid load {ctx.last}, MW", f.num),
        ]
        body += (
            f"<h3>Wholesale prices by state, {ctx.last}</h3>"
            + '<p class="muted small">The energy balance\'s marginal cost in each typical hour, averaged '
            "with the hours' load as weights (USD/MWh of the base dollar year).</p>"
            + f.table(pr.head(12), columns)
            + (
                f"<details><summary>All {len(pr)} states</summary>" + f.table(pr, columns) + "</details>"
                if len(pr) > 12
                else ""
            )
        )
    return body


def _campuses(ctx: Context) -> str:
    c = ctx.table("campuses")
    body = ""
    if len(c):
        cand = ctx.scenario.campuses.set_index("campus")
        built = c[c["new_modules"] > 1e-6]
        if len(built):
            first = built.groupby("campus")["period"].min()
            lastrow = c[c["period"] == ctx.last].set_index("campus")
            capex = c.groupby("campus")["capex_usd"].sum()
            rows = []
            for campus, p in first.items():
                rows.append(
                    {
                        "campus": campus,
                        "name": cand.loc[campus, "name"] if campus in cand.index else campus,
                        "region": lastrow.loc[campus, "region"],
                        "first": p,
                        "modules": lastrow.loc[campus, "modules_online"],
                        "it_mw": lastrow.loc[campus, "it_mw_online"],
                        "max_mw": float(cand.loc[campus, "module_it_mw"] * cand.loc[campus, "max_modules"])
                        if campus in cand.index
                        else math.nan,
                        "load": lastrow.loc[campus, "grid_load_mw"],
                        "capex": capex.get(campus, 0.0),
                    }
                )
            df = pd.DataFrame(rows).sort_values(["first", "it_mw"], ascending=[True, False])
            body += "<h3>Campuses built</h3>" + f.table(
                df,
                [
                    ("campus", "campus", f.text),
                    ("name", "name", f.text),
                    ("region", "state", f.text),
                    ("first", "first online", f.year),
                    ("modules", "modules", f.num),
                    ("it_mw", f"IT MW {ctx.last}", f.num),
                    ("max_mw", "site max MW", f.num),
                    ("load", "grid load MW", f.num),
                    ("capex", "capex, USD bn", f.bn),
                ],
            )
        else:
            body += '<p class="empty">No campus is built.</p>'
    fabs = ctx.table("chips_fabs")
    if len(fabs):
        body += "<h3>Fabs (candidates, with their CHIPS awards)</h3>" + f.table(
            fabs,
            [
                ("fab", "fab", f.text),
                ("name", "name", f.text),
                ("region", "state", f.text),
                ("built", "built", f.text),
                ("online_from", "online from", f.year),
                ("capex_usd", "capex, USD bn", f.bn),
                ("grant_usd", "grant, USD bn", f.bn),
                ("accelerators_per_year", "accelerators/yr", f.num),
                ("chips_award", "CHIPS award (company-wide)", f.text),
                ("relied_on", "plan relies on it", f.text),
            ],
            row_class=lambda r: "" if r.get("built") else "muted",
        )
    onsite = ctx.table("campus_power")
    if len(onsite):
        body += "<h3>Campus-owned power</h3>" + f.table(
            onsite,
            [
                ("campus", "campus", f.text),
                ("region", "state", f.text),
                ("technology", "technology", f.text),
                ("period", "period", f.year),
                ("islanded", "islanded (before its grid connection)", f.text),
                ("new_mw", "new MW", f.num),
                ("capacity_mw", "MW", f.num),
                ("energy_mwh", "output, MWh/yr", f.num),
                ("co2_t", "CO2, t/yr", f.num),
                ("capex_usd", "capex, USD bn", f.bn),
            ],
        )
        body += (
            '<p class="muted small">The coalition\'s own units (project <code>power-&lt;campus&gt;</code>): '
            "while islanded they make exactly the campus's load; once it is connected they run for the "
            "region like any plant.</p>"
        )
    chips = ctx.table("chips_complementarity")
    body += "<h3>Accelerators: need met by domestic fabs</h3>" + _figure(
        ctx, figures.chips(chips), "chips", "No accelerator need in this plan."
    )
    if len(chips):
        body += f.table(
            chips,
            [
                ("period", "period", f.year),
                ("need", "need", f.num),
                ("domestic_output", "domestic fab output", f.num),
                ("domestic_used", "met domestically", f.num),
                ("imported", "imported", f.num),
                ("short", "short", f.num),
                ("domestic_share", "domestic share", f.pct),
                ("min_domestic_share", "required", f.pct),
                ("domestic_surplus", "fab output left for others", f.num),
                ("fabs_online", "fabs online", f.text),
            ],
        )
        body += (
            '<p class="muted small">Need: accelerators for the period\'s new campus modules. Read domestic-first: '
            "the need met by domestic fabs is min(domestic supply, need); imports cover the rest.</p>"
        )
    return _section(
        "campuses",
        "Campuses, fabs and chips",
        "What is built where, and how it complements the CHIPS Act fabs.",
        body,
    )


def _capital(ctx: Context) -> str:
    body = (
        '<div class="grid2"><div><h3>Capital stack by asset class</h3>'
        + _figure(ctx, figures.capital_stack(ctx.plan, ctx.scenario), "capital-stack")
        + "</div><div><h3>Equity by investor country</h3>"
        + _figure(ctx, figures.equity_by_country(ctx.table("capital_by_country")), "equity-country")
        + "</div></div>"
    )
    ir = ctx.table("investor_returns")
    if len(ir):
        body += "<h3>Investors: commitments, equity and returns</h3>" + _figure(
            ctx, figures.investor_capital(ctx.plan), "investors"
        )
        body += f.table(
            ir,
            [
                ("investor", "investor", f.text),
                ("country", "country", f.text),
                ("committed_usd", "committed, USD bn", f.bn),
                ("plan_equity_usd", "plan equity, USD bn", f.bn),
                ("invested_usd", "paid in, USD bn", f.bn),
                ("distributed_usd", "paid out, USD bn", f.bn),
                ("npv_usd", "NPV, USD bn", f.bn),
                ("irr", "equity IRR (nominal)", f.pct),
                ("payback_year", "payback", f.year),
            ],
        )
    cc = ctx.table("capital_by_country")
    if len(cc):
        body += "<h3>Capital by country</h3>" + f.table(
            cc,
            [
                ("country", "country", f.text),
                ("allied", "allied", f.text),
                ("investors", "investors", f.text),
                ("committed_usd", "committed, USD bn", f.bn),
                ("equity_usd", "plan equity, USD bn", f.bn),
                ("share", "share of equity", f.pct),
                ("datacenter_equity_usd", "of which campuses, USD bn", f.bn),
            ],
        )
    return _section(
        "capital", "Capital stack", "Who pays for what: debt, grants and each investor's equity.", body
    )


def _projects(ctx: Context) -> str:
    pe = ctx.table("project_economics")
    if not len(pe):
        return _section(
            "projects",
            "Project economics",
            "",
            '<p class="empty">This plan has no project economics (finance tables).</p>',
        )
    pe = pe.sort_values(["first_period", "asset_class", "project"])
    body = f.table(
        pe,
        [
            ("project", "project", f.text),
            ("asset_class", "class", f.text),
            ("region", "state", f.text),
            ("first_period", "online", f.year),
            ("capex_usd", "capex, USD bn", f.bn),
            ("debt_usd", "debt, USD bn", f.bn),
            ("equity_usd", "equity, USD bn", f.bn),
            ("npv_usd", "equity NPV, USD bn", lambda x: f.bn(x, 3)),
            ("equity_irr", "equity IRR", f.pct),
            ("project_irr", "project IRR", f.pct),
            ("lcoe_usd_per_mwh", "LCOE, $/MWh", lambda x: f.num(x, 1)),
            ("min_dscr", "min DSCR", lambda x: f.num(x, 2)),
            ("payback_year", "payback", f.year),
        ],
    )
    return _section(
        "projects",
        "Project economics",
        "Per project: financing, NPV, IRR, LCOE, minimum DSCR and payback (see docs/finance.md).",
        body,
    )


def _security(ctx: Context) -> str:
    if ctx.reviews is None:
        return _section(
            "security", "Security review", "", f'<p class="empty">{html.escape(ctx.review_note)}</p>'
        )
    rev = ctx.reviews
    worst = worst_by_project(rev)
    counts = rev["outcome"].value_counts()
    badges = " ".join(f"{_badge(o)} × {int(counts[o])}" for o in OUTCOMES if o in counts)
    body = f"<p>Holdings reviewed (project × round × investor): {len(rev)}. {badges}</p>"
    body += "<h3>Worst outcome per project</h3>" + f.table(
        worst,
        [
            ("project", "project", f.text),
            ("asset_class", "class", f.text),
            ("outcome", "outcome", f.text),
            ("investor", "because of", f.text),
            ("period", "round", f.year),
            ("rule_ids", "rules", f.text),
        ],
        cell_html={"outcome": lambda r: _badge(str(r["outcome"]))},
    )
    flagged = rev[rev["outcome"] != "clear"]
    if len(flagged):
        body += (
            f"<details><summary>Every holding that is not clear ({len(flagged)})</summary>"
            + f.table(
                flagged,
                [
                    ("project", "project", f.text),
                    ("period", "round", f.year),
                    ("investor", "investor", f.text),
                    ("country", "country", f.text),
                    ("voting_pct", "voting %", lambda x: f.num(x, 1)),
                    ("group_voting_pct", "same-government group %", lambda x: f.num(x, 1)),
                    ("outcome", "outcome", f.text),
                    ("reasons", "why", f.text),
                    ("changes", "what would change it", f.text),
                ],
                cell_html={"outcome": lambda r: _badge(str(r["outcome"]))},
            )
            + "</details>"
        )
    if ctx.review_note:
        body += f'<p class="muted small">{html.escape(ctx.review_note)}</p>'
    body += (
        '<p class="muted small">Each financing round is reviewed as a transaction with the rules of the scenario '
        "(stateside.security; see docs/security.md). This is a screening aid, not legal advice.</p>"
    )
    return _section(
        "security",
        "Security review",
        "CFIUS-style outcome of every investor's holding in every project round.",
        body,
    )


def _impact(ctx: Context) -> str:
    jobs = ctx.table("jobs")
    body = "<h3>Jobs by state</h3>" + _figure(
        ctx, figures.jobs_by_state(jobs, ctx.last), "jobs-state", "No jobs: nothing is built."
    )
    if len(jobs):
        ops = jobs[(jobs["phase"] == "operations") & (jobs["period"] == ctx.last)]
        rows = []
        for cls in figures.CLASS_COLORS:
            sub = jobs[jobs["asset_class"] == cls]
            if not len(sub):
                continue
            rows.append(
                {
                    "asset_class": figures.CLASS_LABELS[cls],
                    "construction": float(sub["construction_job_years"].sum()),
                    "permanent": float(ops.loc[ops["asset_class"] == cls, "permanent_jobs"].sum()),
                    "coefficients": ", ".join(sorted(set(sub["coefficient_id"]) - {""})),
                }
            )
        df = pd.DataFrame(rows)
        total = pd.DataFrame(
            [
                {
                    "asset_class": "total",
                    "construction": df["construction"].sum(),
                    "permanent": df["permanent"].sum(),
                    "coefficients": "",
                }
            ]
        )
        body += f.table(
            pd.concat([df, total], ignore_index=True),
            [
                ("asset_class", "asset class", f.text),
                ("construction", "construction job-years", f.num),
                ("permanent", f"permanent jobs {ctx.last}", f.num),
                ("coefficients", "coefficients used", f.text),
            ],
            row_class=lambda r: "total" if r["asset_class"] == "total" else "",
        )
        body += (
            f"<details><summary>Every jobs row: quantity × coefficient ({len(jobs)} rows)</summary>"
            + f.table(
                jobs,
                [
                    ("asset", "asset", f.text),
                    ("region", "state", f.text),
                    ("period", "period", f.year),
                    ("phase", "phase", f.text),
                    ("quantity", "quantity", lambda x: f.num(x, 1)),
                    ("quantity_unit", "unit", f.text),
                    ("coefficient", "coefficient", lambda x: f"{float(x):.6g}"),
                    ("coefficient_unit", "coefficient unit", f.text),
                    ("construction_job_years", "job-years", f.num),
                    ("permanent_jobs", "jobs", lambda x: f.num(x, 1)),
                    ("coefficient_id", "coefficient id", f.text),
                    ("source_id", "source", f.text),
                ],
            )
            + "</details>"
        )
    states = ctx.table("state_benefits")
    if len(states):
        st = states[states["capex_total_usd"] > 0].sort_values("capex_total_usd", ascending=False)
        body += (
            "<h3>What each state gets: investment</h3>"
            + f.table(
                st,
                [
                    ("name", "state", f.text),
                    ("capex_total_usd", "capex, USD bn", f.bn),
                    ("capex_datacenter_usd", "AI campuses", f.bn),
                    ("capex_generation_usd", "generation", f.bn),
                    ("capex_storage_usd", "storage", f.bn),
                    ("capex_transmission_usd", "transmission", f.bn),
                    ("capex_fab_usd", "fabs", f.bn),
                    ("capex_usd_per_capita", "USD per resident", f.num),
                    ("chips_grants_usd", "CHIPS grants, USD bn", f.bn),
                    ("allied_equity_usd", "allied equity, USD bn", f.bn),
                ],
            )
            + "<h3>What each state gets: jobs and capacity</h3>"
            + f.table(
                st,
                [
                    ("name", "state", f.text),
                    ("construction_job_years", "construction job-years", f.num),
                    ("permanent_jobs", f"permanent jobs {ctx.last}", f.num),
                    ("campus_it_mw", f"AI IT MW {ctx.last}", f.num),
                    ("new_generation_mw", "new generation, MW", f.num),
                    ("new_storage_mw", "new storage, MW", f.num),
                    ("fab_accelerators_per_year", "accelerators per year", f.num),
                ],
            )
        )
    share = ctx.table("benefit_sharing")
    bs = ctx.scenario.settings.impact.benefit_sharing
    body += (
        "<h3>Benefit sharing: who gets the campus capacity</h3>"
        + f'<p class="muted small">Shares from the scenario (impact.benefit_sharing, illustrative): sponsor {bs.sponsor:.0%}, '
        f"other companies {bs.other_companies:.0%}, allied countries {bs.allied_countries:.0%}; the allied part is split "
        f"by {html.escape(ctx.scenario.settings.impact.allied_split)}.</p>"
        + _figure(ctx, figures.benefit_sharing(share), "benefit-sharing", "No campus capacity online.")
    )
    return _section(
        "impact",
        "Impact",
        "Jobs, what each state gets, and who benefits. Every figure is quantity × coefficient; "
        "the coefficients and their sources are listed below.",
        body,
    )


def _sources(ctx: Context) -> str:
    coef = ctx.table("impact_coefficients")
    src = ctx.table("impact_sources")
    body = ""
    if len(coef):
        body += "<h3>Coefficients used</h3>" + f.table(
            coef,
            [
                ("coefficient_id", "id", f.text),
                ("value", "value", lambda x: f"{float(x):.6g}"),
                ("unit", "unit", f.text),
                ("dollar_year", "dollar year", f.year),
                ("marking", "marking", f.text),
                ("source_id", "source", f.text),
                ("note", "how it was read or derived", f.text),
            ],
        )
    if len(src):
        body += "<h3>Sources</h3>" + f.table(
            src,
            [
                ("source_id", "id", f.text),
                ("title", "what", f.text),
                ("publisher", "publisher", f.text),
                ("year", "year", f.year),
                ("reference", "where", f.text),
                ("marking", "marking", f.text),
            ],
        )
    body += (
        '<p class="muted small">Markings: <b>source</b> read from the named file or page; <b>derived</b> computed '
        "from sourced numbers by the stated rule; <b>secondary</b> reported by secondary pages, not verified against "
        "the primary; <b>illustrative</b> an assumption with its reasoning (stateside/data/impact/SOURCES.md). "
        "Scenario inputs have their own sources in the scenario folder's SOURCES.md.</p>"
    )
    return _section("sources", "Coefficients and sources", "Where every impact number comes from.", body)


# -- page -------------------------------------------------------------------------------


def _text_blanks(df: pd.DataFrame) -> pd.DataFrame:
    """Blank text cells read back from CSV as NaN become '' again (as the impact tables write them)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].fillna("")
        elif out[col].isna().all() and col in (
            "country",
            "technology",
            "coefficient_id",
            "chips_award",
            "note",
        ):
            out[col] = ""
    return out


def build_context(plan: Plan, scenario: Scenario) -> Context:
    """Gather the plan, its impact tables (computed if missing) and the security review."""
    have = all(name in plan.tables for name in IMPACT_TABLES)
    tables = (
        {n: _text_blanks(plan.tables[n]) for n in IMPACT_TABLES} if have else impact_tables(plan, scenario)
    )
    stored = plan.extra.get("impact")
    summary: dict[str, Any] = (
        stored if have and isinstance(stored, dict) else impact_summary(tables, scenario)
    )
    reviews, note = review_cap_tables(plan, scenario)
    return Context(
        plan=plan,
        scenario=scenario,
        impact=tables,
        impact_summary=summary,
        reviews=reviews,
        review_note=note,
        last=int(scenario.settings.period_years[-1]),
    )


def render_report(
    plan: Plan,
    scenario: Scenario,
    *,
    generated_at: datetime | None = None,
    extra_sections: Sequence[tuple[str, str, str]] = (),
) -> str:
    """The report as one HTML string. ``extra_sections`` are (id, nav title, HTML) blocks
    placed before the sources (e.g. a sweep's results)."""
    ctx = build_context(plan, scenario)
    sections = [
        _summary(ctx),
        _map(ctx),
        _timeline(ctx),
        _power(ctx),
        _campuses(ctx),
        _capital(ctx),
        _projects(ctx),
        _security(ctx),
        _impact(ctx),
        _sources(ctx),
    ]
    titles = [
        "Summary",
        "States",
        "Timeline",
        "Power",
        "Campuses & fabs",
        "Capital",
        "Projects",
        "Security",
        "Impact",
        "Sources",
    ]
    ids = list(SECTION_IDS)
    for sid, title_text, block in extra_sections:
        at = len(sections) - 1  # before the sources
        sections.insert(at, block)
        titles.insert(at, title_text)
        ids.insert(at, sid)
    nav = "".join(f'<a href="#{sid}">{t}</a>' for sid, t in zip(ids, titles, strict=True))
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    s = scenario.settings
    status = plan.termination or plan.status
    gap = f" · MIP gap {plan.mip_gap:.2%}" if isinstance(plan.mip_gap, (int, float)) else ""
    title = f"Stateside plan report — {s.name}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="stateside {html.escape(__version__)}">
<title>{html.escape(title)}</title>
<style>{CSS}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head>
<body>
<header class="top"><div class="wrap">
<h1>{html.escape(title)}</h1>
<div class="sub">AI infrastructure build-out across US states: campuses, power, transmission, fabs and the coalition that pays for them.</div>
<div class="meta">status <b>{html.escape(status)}</b> · mode {html.escape(plan.mode)}{gap} · periods {", ".join(str(y) for y in s.period_years)} ·
money in {s.base_dollar_year} USD · scenario hash <code>{html.escape(plan.scenario_hash[:12] or "–")}</code> · generated {when} by stateside {html.escape(__version__)}</div>
</div></header>
<nav class="toc"><div class="wrap">{nav}</div></nav>
<main class="wrap">
{"".join(sections)}
</main>
<footer><div class="wrap">Stateside {html.escape(__version__)} · figures: {len(ctx.figures)} · This file is self-contained and works offline.</div></footer>
</body>
</html>
"""


def write_report(
    plan: Plan,
    scenario: Scenario,
    path: Path,
    *,
    generated_at: datetime | None = None,
    extra_sections: Sequence[tuple[str, str, str]] = (),
) -> Path:
    """Write the report of ``plan`` to ``path`` (one HTML file, written atomically); returns the path."""
    path = Path(path)
    text = render_report(plan, scenario, generated_at=generated_at, extra_sections=extra_sections)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".html", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, default_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
