"""Jobs: construction job-years and permanent jobs of what the plan builds.

One row per (asset, region, period, phase, coefficient), so that every figure is
``quantity × coefficient`` with the coefficient's id and source on the same row:

* **campuses** — construction: new IT MW × job-years/MW IT, in the period the modules
  come online; operations: IT MW online × permanent jobs/MW IT;
* **fabs** — construction: capex (USD bn of the coefficient's dollar year) ×
  job-years/USD bn, in the period the fab is decided; operations: capex of each online
  fab × jobs/USD bn;
* **generation and storage** — construction: new MW × job-years/MW (NREL JEDI/WIRED via
  ReEDS); operations: new MW online (cumulated over periods) × jobs/MW, plus, for
  technologies with a per-MWh factor, the new capacity's energy × job-years/MWh. The new
  capacity's energy is its pro-rata share of the technology's dispatch in the region
  (new MW online / all MW online; illustrative where existing units of the same
  technology run in the same region);
* **transmission** — construction: line capex converted to the coefficient's dollar
  year × job-years/USD; each corridor's row is split equally between its two states
  (illustrative: the route length in each state is not in the data).

Existing plants are not counted: they are not an effect of the plan. Construction
job-years sum over periods; permanent jobs are a level per period (sum over assets
within one period, never over periods).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import pandas as pd

from stateside.impact.coefficients import Coefficient, CoefficientBook, dollar_factor
from stateside.plan import Plan, is_true
from stateside.scenario.types import Scenario

TOL = 1e-6
USD_PER_BN = 1e9

JOBS_COLUMNS: list[str] = [
    "asset_class",
    "asset",
    "technology",
    "region",
    "period",
    "phase",
    "quantity",
    "quantity_unit",
    "coefficient",
    "coefficient_unit",
    "construction_job_years",
    "permanent_jobs",
    "coefficient_id",
    "source_id",
    "note",
]


def _row(
    asset_class: str,
    asset: str,
    technology: str,
    region: str,
    period: int,
    phase: str,
    quantity: float,
    quantity_unit: str,
    coef: Coefficient | None,
    note: str = "",
) -> dict[str, Any]:
    value = coef.value if coef is not None else math.nan
    jobs = quantity * value
    construction = phase == "construction"
    if coef is None:
        note = (note + "; " if note else "") + (
            f"no {phase} jobs coefficient for {asset_class}/{technology or '-'} in data/impact/jobs_coefficients.csv"
        )
    return {
        "asset_class": asset_class,
        "asset": asset,
        "technology": technology,
        "region": region,
        "period": int(period),
        "phase": "operations" if phase == "operations_energy" else phase,
        "quantity": quantity,
        "quantity_unit": quantity_unit,
        "coefficient": value,
        "coefficient_unit": coef.unit if coef is not None else "",
        "construction_job_years": jobs if construction else 0.0,
        "permanent_jobs": 0.0 if construction else jobs,
        "coefficient_id": coef.coefficient_id if coef is not None else "",
        "source_id": coef.source_id if coef is not None else "",
        "note": note,
    }


def _money_to(coef: Coefficient | None, base_year: int) -> tuple[float, int]:
    """Factor from base-year USD to the coefficient's dollar year, and that year
    (1 and the base year if the coefficient names none)."""
    if coef is None or not coef.dollar_year:
        return 1.0, base_year
    return dollar_factor(base_year, coef.dollar_year), coef.dollar_year


def _campus_rows(plan: Plan, book: CoefficientBook) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    campuses = plan.tables.get("campuses", pd.DataFrame())
    build = book.get("datacenter", "", "construction")
    operate = book.get("datacenter", "", "operations")
    for r in campuses.itertuples(index=False):
        campus_row = partial(_row, "datacenter", str(r.campus), "", str(r.region), int(r.period))
        if float(r.new_it_mw) > TOL:
            rows.append(campus_row("construction", float(r.new_it_mw), "MW IT added", build))
        if float(r.it_mw_online) > TOL:
            rows.append(campus_row("operations", float(r.it_mw_online), "MW IT online", operate))
    return rows


def _fab_rows(plan: Plan, scenario: Scenario, book: CoefficientBook) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    fabs = plan.tables.get("fabs", pd.DataFrame())
    if not len(fabs):
        return rows
    base = scenario.settings.base_dollar_year
    capex_of = dict(
        zip(scenario.fabs["fab"].astype(str), scenario.fabs["capex_usd"].astype(float), strict=True)
    )
    build = book.get("fab", "", "construction")
    operate = book.get("fab", "", "operations")
    for r in fabs.itertuples(index=False):
        fab = str(r.fab)
        fab_row = partial(_row, "fab", fab, "", str(r.region), int(r.period))
        if is_true(r.decided):
            f, year = _money_to(build, base)
            rows.append(
                fab_row(
                    "construction",
                    float(r.capex_usd) * f / USD_PER_BN,
                    f"capex USD bn ({year} $)",
                    build,
                    note=f"capex {float(r.capex_usd) / USD_PER_BN:,.3f} bn {base} $ x {f:.6f}",
                )
            )
        if is_true(r.online):
            f, year = _money_to(operate, base)
            capex = capex_of.get(fab, 0.0)
            rows.append(
                fab_row(
                    "operations",
                    capex * f / USD_PER_BN,
                    f"capex of the online fab, USD bn ({year} $)",
                    operate,
                    note=f"capex {capex / USD_PER_BN:,.3f} bn {base} $ x {f:.6f}",
                )
            )
    return rows


def _power_rows(plan: Plan, scenario: Scenario, book: CoefficientBook) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    builds = plan.tables.get("builds", pd.DataFrame())
    if not len(builds):
        return rows
    techs = scenario.technologies
    cls_of = dict(zip(techs["technology"].astype(str), techs["asset_class"].astype(str), strict=True))
    b = builds.copy()
    b["technology"] = b["technology"].astype(str)
    b = b.sort_values(["region", "technology", "period"])
    b["new_online_mw"] = b.groupby(["region", "technology"])["new_mw"].cumsum()
    dispatch = plan.tables.get("dispatch", pd.DataFrame())
    energy: dict[tuple[str, str, int], float] = {}
    if len(dispatch):
        for d in dispatch.itertuples(index=False):
            energy[(str(d.region), str(d.technology), int(d.period))] = float(d.energy_mwh)
    for r in b.itertuples(index=False):
        tech, region, period = str(r.technology), str(r.region), int(r.period)
        cls = cls_of.get(tech, "generation")
        unit_row = partial(_row, cls, f"{tech}-{region}", tech, region, period)
        if float(r.new_mw) > TOL:
            rows.append(
                unit_row("construction", float(r.new_mw), "MW added", book.get(cls, tech, "construction"))
            )
        online = float(r.new_online_mw)
        if online <= TOL:
            continue
        rows.append(unit_row("operations", online, "new MW online", book.get(cls, tech, "operations")))
        vom = book.get(cls, tech, "operations_energy")
        mwh = energy.get((region, tech, period), 0.0)
        if vom is not None and mwh > TOL:
            share = min(online / float(r.capacity_mw), 1.0) if float(r.capacity_mw) > TOL else 1.0
            rows.append(
                unit_row(
                    "operations_energy",
                    mwh * share,
                    "MWh/yr from new capacity",
                    vom,
                    note=f"{share:.1%} of the {mwh:,.0f} MWh/yr dispatched (new MW online / all MW online)",
                )
            )
    return rows


def _transmission_rows(plan: Plan, scenario: Scenario, book: CoefficientBook) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    cor = plan.tables.get("corridors", pd.DataFrame())
    if not len(cor):
        return rows
    coef = book.get("transmission", "", "construction")
    f, year = _money_to(coef, scenario.settings.base_dollar_year)
    length = dict(
        zip(
            scenario.corridors["corridor"].astype(str),
            scenario.corridors["length_miles"].astype(float),
            strict=True,
        )
    )
    for r in cor.itertuples(index=False):
        if float(r.new_mw) <= TOL:
            continue
        miles = length.get(str(r.corridor), math.nan)
        for region in (str(r.region_from), str(r.region_to)):
            rows.append(
                _row(
                    "transmission",
                    str(r.corridor),
                    "",
                    region,
                    int(r.period),
                    "construction",
                    0.5 * float(r.capex_usd) * f,
                    f"half of the line capex, USD ({year} $)",
                    coef,
                    note=(
                        f"{float(r.new_mw):,.0f} MW x {miles:,.0f} mi = {float(r.new_mw) * miles:,.0f} MW-miles; "
                        f"capex {float(r.capex_usd) / 1e6:,.1f} M x {f:.6f}; split equally between "
                        f"{r.region_from} and {r.region_to} (illustrative)"
                    ),
                )
            )
    return rows


def jobs_table(plan: Plan, scenario: Scenario, book: CoefficientBook | None = None) -> pd.DataFrame:
    """The jobs rows of a plan (see the module docstring)."""
    book = book or CoefficientBook()
    rows = (
        _campus_rows(plan, book)
        + _fab_rows(plan, scenario, book)
        + _power_rows(plan, scenario, book)
        + _transmission_rows(plan, scenario, book)
    )
    df = pd.DataFrame(rows, columns=JOBS_COLUMNS)
    order = {"datacenter": 0, "fab": 1, "generation": 2, "storage": 3, "transmission": 4}
    if len(df):
        df = (
            df.assign(_o=df["asset_class"].map(order).fillna(9))
            .sort_values(["_o", "period", "asset", "region", "phase"], kind="stable")
            .drop(columns="_o")
            .reset_index(drop=True)
        )
    return df
