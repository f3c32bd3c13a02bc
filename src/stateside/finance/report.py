"""Finance of a plan, assembled: :func:`attach_finance` adds the pipeline, the cap
tables, the project economics and the investor returns to a :class:`~stateside.plan.Plan`;
the ``*_frame`` functions shape them into the display tables of ``stateside finance``.

Tables added to ``plan.tables`` (money in real USD of the scenario's base year unless
a column says nominal; see docs/finance.md):

* ``capital_pipeline`` — every commitment with its stage, committed and expected USD
  (:mod:`.pipeline`);
* ``cap_tables`` — per project and financing round, each investor's equity, %, votes
  and governance rights (:mod:`.syndication`);
* ``project_economics`` — per project: capex, debt, equity, NPV, IRR, LCOE, minimum
  DSCR, payback (:mod:`.economics`);
* ``project_cashflows`` — per project and year, the pro-forma lines (nominal USD);
* ``investor_returns`` — per investor: committed, expected, plan equity, paid in, paid
  out, NPV, IRR;
* ``investor_cashflows`` — per investor and year: paid in, paid out, net.

``plan.extra["finance"]`` holds a compact summary for ``stateside plan --json``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from stateside.finance.economics import (
    EconomicsAssumptions,
    investor_returns,
    price_plan,
)
from stateside.finance.pipeline import capital_pipeline
from stateside.finance.syndication import TICKET_FLOOR_SHARE, TICKET_FLOOR_USD, syndicate
from stateside.plan import Plan
from stateside.scenario.settings import coalition_asset_classes
from stateside.scenario.types import Scenario

FINANCE_TABLES: tuple[str, ...] = (
    "capital_pipeline",
    "cap_tables",
    "project_economics",
    "project_cashflows",
    "investor_returns",
    "investor_cashflows",
)


def _num(x: Any, digits: int = 2) -> float | None:
    """A JSON-safe rounded number (None for NaN/inf/None)."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return round(v, digits) if math.isfinite(v) else None


def attach_finance(
    plan: Plan,
    scenario: Scenario,
    caps: pd.DataFrame | None,
    assumptions: EconomicsAssumptions | None = None,
) -> None:
    """Add the finance tables to ``plan.tables`` and a ``finance`` summary to ``plan.extra``.

    ``caps`` is the share-caps frame the plan was solved with (``run.share_caps_for``);
    ``assumptions`` default to the scenario's ``finance:`` settings.
    A plan without a usable solution (no ``capital`` table) gets the pipeline only.
    Raises :class:`~.syndication.SyndicationError` if the plan's equity cannot be split
    under the caps (which cannot happen for a plan that obeyed them).
    """
    pipeline = capital_pipeline(scenario)
    plan.tables["capital_pipeline"] = pipeline
    basis = scenario.settings.finance.capital_basis
    summary: dict[str, Any] = {
        "capital_basis": basis,
        "coalition_asset_classes": list(coalition_asset_classes(scenario.settings.finance)),
        "committed_usd": _num(pipeline["committed_usd"].sum()) if len(pipeline) else 0.0,
        "expected_usd": _num(pipeline["expected_usd"].sum()) if len(pipeline) else 0.0,
    }
    if "capital" not in plan.tables:
        summary["note"] = "no usable plan: pipeline only"
        plan.extra["finance"] = summary
        return
    synd = syndicate(plan, scenario, caps)
    econ = price_plan(plan, scenario, synd.projects, assumptions)
    returns, flows = investor_returns(econ, synd.allocations, synd.projects, scenario.investors, pipeline)
    returns["payback_year"] = returns["payback_year"].astype("Int64")
    projects = econ.projects.copy()
    projects["payback_year"] = projects["payback_year"].astype("Int64")
    plan.tables["cap_tables"] = synd.cap_tables
    plan.tables["project_economics"] = projects
    plan.tables["project_cashflows"] = econ.project_cashflows
    plan.tables["investor_returns"] = returns
    plan.tables["investor_cashflows"] = flows
    summary.update(
        {
            "projects": len(projects),
            "equity_usd": _num(projects["plan_equity_usd"].sum()) if len(projects) else 0.0,
            "npv_usd": _num(projects["npv_usd"].sum()) if len(projects) else 0.0,
            "valuation_year": econ.valuation_year,
            "dollar_year": econ.dollar_year,
            "investors": {
                str(r.investor): {
                    "committed_usd": _num(r.committed_usd),
                    "expected_usd": _num(r.expected_usd),
                    "plan_equity_usd": _num(r.plan_equity_usd),
                    "invested_usd": _num(r.invested_usd),
                    "npv_usd": _num(r.npv_usd),
                    "irr": _num(r.irr, 6),
                    "irr_status": str(r.irr_status),
                }
                for r in returns.itertuples(index=False)
            },
            "syndication": {
                "objective": "minimise USD away from each investor's pro-rata share of its asset class",
                "ticket_floor": f"hard (binary): 0 or >= min(${TICKET_FLOOR_USD / 1e6:,.0f}M, "
                f"{TICKET_FLOOR_SHARE:.0%} of the round)",
                "floors_relaxed": [f"{a} {p}" for a, p in synd.floors_relaxed],
                "deviation_from_pro_rata_usd": _num(synd.deviation_usd),
                "notes": synd.notes,
            },
            "notes": econ.notes,
        }
    )
    plan.extra["finance"] = summary


# --------------------------------------------------------------------------------------
# display frames


def pipeline_frame(pipeline: pd.DataFrame) -> pd.DataFrame:
    """Committed and expected capital by investor (rows) and year (columns), USD.

    Columns ``(year, "committed")`` and ``(year, "expected")`` for each year, then totals."""
    if not len(pipeline):
        return pd.DataFrame()
    g = pipeline.groupby(["investor", "year"])[["committed_usd", "expected_usd"]].sum()
    wide = g.unstack("year", fill_value=0.0)
    wide.columns = pd.MultiIndex.from_tuples(
        [(int(y), k.removesuffix("_usd")) for k, y in wide.columns], names=["year", "kind"]
    )
    wide = wide.sort_index(axis=1)
    wide[("total", "committed")] = g["committed_usd"].groupby("investor").sum()
    wide[("total", "expected")] = g["expected_usd"].groupby("investor").sum()
    return wide


def investor_frame(plan: Plan) -> pd.DataFrame:
    """Per investor: committed, expected, plan equity by period, paid in, NPV, IRR."""
    ret = plan.tables.get("investor_returns", pd.DataFrame())
    if not len(ret):
        return pd.DataFrame()
    cap = plan.tables.get("capital", pd.DataFrame())
    out = ret.set_index("investor")[
        ["country", "committed_usd", "expected_usd", "invested_usd", "npv_usd", "irr", "irr_status"]
    ].copy()
    if len(cap):
        by = cap.groupby(["investor", "period"])["equity_usd"].sum().unstack("period", fill_value=0.0)
        for p in sorted(by.columns):
            out[f"equity {int(p)}"] = by[p].reindex(out.index).fillna(0.0)
    return out.reset_index()


def project_frame(plan: Plan) -> pd.DataFrame:
    """Per project: class, region, first period, capex, plan equity, NPV, IRR, LCOE, DSCR, payback."""
    pe = plan.tables.get("project_economics", pd.DataFrame())
    if not len(pe):
        return pd.DataFrame()
    cols = [
        "project",
        "asset_class",
        "region",
        "first_period",
        "capex_usd",
        "plan_equity_usd",
        "equity_gap_usd",
        "npv_usd",
        "equity_irr",
        "irr_status",
        "lcoe_usd_per_mwh",
        "min_dscr",
        "payback_year",
    ]
    return pe[cols].sort_values(["asset_class", "first_period", "project"]).reset_index(drop=True)


def paid_in_frame(plan: Plan) -> pd.DataFrame:
    """Money paid in by investor (rows) and year (columns), real USD; years with at least $1M."""
    cf = plan.tables.get("investor_cashflows", pd.DataFrame())
    if not len(cf):
        return pd.DataFrame()
    wide = cf.pivot_table(
        index="investor", columns="year", values="invested_usd", aggfunc="sum", fill_value=0.0
    )
    keep = [c for c in wide.columns if float(np.abs(wide[c]).sum()) >= 1e6]
    return wide[keep]


# --------------------------------------------------------------------------------------
# the plan's money, named (console headline)


GRID_ASSET_CLASSES: tuple[str, ...] = ("generation", "storage", "transmission")


def asset_owner(plan: Plan, asset_class: str) -> str:
    """Who funds an asset class of the plan: ``coalition``, ``grid`` (recovered through
    rates) or ``tenant`` (IT equipment the campus tenant buys)."""
    named = plan.extra.get("finance", {}).get("coalition_asset_classes") or ["datacenter", "fab"]
    if asset_class in named:
        return "coalition"
    if asset_class in GRID_ASSET_CLASSES:
        return "grid"
    return "tenant" if asset_class == "it_equipment" else "other"


def money_headline(plan: Plan, coalition_classes: tuple[str, ...] | None = None) -> list[str]:
    """The plan's money in words, each figure named (``stateside plan``'s headline).

    * **system cost**: the discounted cost of the whole planned system — every US power
      plant, line and storage the grid builds and runs for all load, plus the campuses,
      fabs and IT equipment (table ``costs``, column ``discounted_usd``, existing plants'
      constant O&M left out) — what the optimisation minimises, never a negative number;
    * **coalition**: capex, debt and equity of what the coalition owns and funds (table
      ``equity_need``, its asset classes);
    * **grid build-out**: capex of the generation, storage and transmission the grid builds,
      recovered through rates (not the coalition's money);
    * budget mode: the IT capacity the money bought and the coalition's spending.
    """
    if coalition_classes is None:
        named = plan.extra.get("finance", {}).get("coalition_asset_classes")
        coalition_classes = tuple(named) if named else ("datacenter", "fab")
    lines: list[str] = []
    costs = plan.tables.get("costs", pd.DataFrame())
    if len(costs):
        in_objective = costs[~costs["component"].astype(str).str.startswith("existing_fleet_fixed_om")]
        system = float(in_objective["discounted_usd"].sum())
        lines.append(
            f"system cost USD {system / 1e9:,.1f} bn (discounted cost of the whole planned power system, "
            "campuses, fabs and IT equipment)"
        )
    need = plan.tables.get("equity_need", pd.DataFrame())
    if len(need):
        g = need.groupby("asset_class")[["capex_usd", "equity_usd"]].sum()
        own = g[g.index.isin(coalition_classes)]
        grid = g[g.index.isin(("generation", "storage", "transmission"))]
        it_tenant = (
            g.loc["it_equipment", "capex_usd"]
            if "it_equipment" in g.index and "it_equipment" not in coalition_classes
            else 0.0
        )
        lines.append(
            f"coalition capex USD {own['capex_usd'].sum() / 1e9:,.1f} bn, equity USD {own['equity_usd'].sum() / 1e9:,.1f} bn "
            f"({', '.join(c for c in coalition_classes if c in g.index)}); "
            f"grid build-out capex USD {grid['capex_usd'].sum() / 1e9:,.1f} bn (utilities, recovered through rates)"
            + (f"; tenants' IT equipment USD {float(it_tenant) / 1e9:,.1f} bn" if it_tenant > 0 else "")
        )
    if plan.mode == "budget":
        it = plan.tables.get("it_capacity", pd.DataFrame())
        online = float(it["online_mw"].max()) if len(it) else 0.0
        lines.append(f"budget mode: IT capacity bought {online:,.0f} MW")
    return lines
