"""Attach the impact tables to a plan (called by ``run_plan`` after finance)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from stateside.impact.chips import chips_complementarity, chips_fabs
from stateside.impact.coefficients import CoefficientBook, sources
from stateside.impact.emissions import emissions_detail
from stateside.impact.jobs import jobs_table
from stateside.impact.ratepayer import attach_ratepayer
from stateside.impact.sharing import benefit_sharing, capital_by_country
from stateside.impact.states import state_benefits
from stateside.plan import Plan
from stateside.scenario.types import Scenario

IMPACT_TABLES: tuple[str, ...] = (
    "jobs",
    "emissions_detail",
    "state_benefits",
    "chips_complementarity",
    "chips_fabs",
    "benefit_sharing",
    "capital_by_country",
    "impact_coefficients",
    "impact_sources",
)


def _num(x: Any, digits: int = 2) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return round(v, digits) if math.isfinite(v) else None


def impact_tables(
    plan: Plan, scenario: Scenario, book: CoefficientBook | None = None
) -> dict[str, pd.DataFrame]:
    """Every impact table of ``plan`` (see :data:`IMPACT_TABLES`), computed from its tables and ``scenario``."""
    book = book or CoefficientBook()
    jobs = jobs_table(plan, scenario, book)
    chips = chips_complementarity(plan, scenario)
    used = set(jobs["coefficient_id"][jobs["coefficient_id"] != ""]) if len(jobs) else set()
    return {
        "jobs": jobs,
        "emissions_detail": emissions_detail(plan, scenario),
        "state_benefits": state_benefits(plan, scenario, jobs),
        "chips_complementarity": chips,
        "chips_fabs": chips_fabs(plan, scenario, chips),
        "benefit_sharing": benefit_sharing(plan, scenario),
        "capital_by_country": capital_by_country(plan, scenario),
        "impact_coefficients": book.used(used),
        "impact_sources": sources(),
    }


def impact_summary(tables: dict[str, pd.DataFrame], scenario: Scenario) -> dict[str, Any]:
    """The compact JSON summary kept in ``plan.extra['impact']``."""
    jobs = tables["jobs"]
    periods = [int(p) for p in scenario.settings.period_years]
    ops = jobs[jobs["phase"] == "operations"] if len(jobs) else jobs
    em = tables["emissions_detail"]
    chips = tables["chips_complementarity"]
    fabs = tables["chips_fabs"]
    countries = tables["capital_by_country"]
    notes = sorted(
        {
            str(n)
            for n in jobs.get("note", pd.Series(dtype=str))
            if "no " in str(n) and "coefficient" in str(n)
        }
    )
    return {
        "construction_job_years": _num(jobs["construction_job_years"].sum(), 1) if len(jobs) else 0.0,
        "permanent_jobs": {
            str(p): _num(ops.loc[ops["period"] == p, "permanent_jobs"].sum(), 1) if len(ops) else 0.0
            for p in periods
        },
        "co2_t": {
            str(p): _num(em.loc[em["period"] == p, "co2_t"].sum(), 0) if len(em) else 0.0 for p in periods
        },
        "campus_co2_t": {
            str(p): _num(em.loc[em["period"] == p, "campus_co2_t"].sum(), 0) if len(em) else 0.0
            for p in periods
        },
        "domestic_accelerator_share": {
            str(int(r.period)): _num(r.domestic_share, 4) for r in chips.itertuples(index=False)
        },
        "chips_awarded_fabs_relied_on": sorted(
            str(f) for f in fabs.loc[fabs["relied_on"] & fabs["chips_awarded"], "fab"]
        )
        if len(fabs)
        else [],
        "allied_capital_share": _num(countries.loc[countries["allied"], "share"].sum(), 4)
        if len(countries)
        else 0.0,
        "notes": notes,
    }


def attach_impact(
    plan: Plan,
    scenario: Scenario,
    book: CoefficientBook | None = None,
    typical: Any = None,
    built: Any = None,
    result: Any = None,
) -> None:
    """Add the impact tables to ``plan.tables`` and an ``impact`` summary to ``plan.extra``.

    Works on any plan, usable or not (a plan without a solution gets empty tables). Call it
    after :func:`stateside.finance.report.attach_finance`: the allied equity by state reads
    the cap tables, and the capital by country the pipeline. A usable plan with campuses
    also gets its ratepayer impact (:mod:`stateside.impact.ratepayer`: one more solve,
    of the same scenario without the coalition, on the plan's own typical days when
    ``typical`` is given — they do not depend on the coalition, so they are not clustered
    again; as a warm variant of the plan's own solved LP when its ``built`` model and solve
    ``result`` are given).
    """
    tables = impact_tables(plan, scenario, book)
    plan.tables.update(tables)
    plan.extra["impact"] = impact_summary(tables, scenario)
    if plan.status != "" and "builds" in plan.tables:
        attach_ratepayer(plan, scenario, typical, built=built, result=result)
