"""What lands in each state: capex by asset class, jobs, new capacity, campuses, fabs.

One row per region of the scenario (the 50 states and DC by default):

* ``capex_<class>_usd`` — capex of the plan's assets in the state over all periods:
  campuses (``campuses.capex_usd``), new generation and storage (``builds.capex_usd``,
  asset class from ``technologies``), fabs (``fabs.capex_usd``) and transmission
  (``corridors.capex_usd``, half to each of the corridor's two states — illustrative, as
  in the jobs table);
* ``construction_job_years`` — sum of the ``jobs`` rows of the state; ``permanent_jobs``
  — their operations rows in the last period (a level, not a sum over periods);
  ``coefficient_ids`` names the coefficients behind them;
* ``new_generation_mw``, ``new_storage_mw`` — MW added over all periods;
  ``new_transmission_mw`` — MW added on corridors that touch the state;
* ``campus_it_mw`` — IT MW online in the last period; ``fab_accelerators_per_year`` —
  output of the fabs online in the last period; ``chips_grants_usd`` — grants of the
  fabs built in the state;
* ``co2_t`` — the state's CO2 in the last period (``emissions`` of the plan);
* ``allied_equity_usd`` — equity of investors from allied countries (not
  ``impact.home_country``) in the state's projects, from the cap tables after each
  project's last round (transmission projects split equally between the two states).
"""

from __future__ import annotations

import pandas as pd

from stateside.plan import Plan, is_true
from stateside.scenario.settings import ASSET_CLASSES
from stateside.scenario.types import Scenario

TOL = 1e-6

#: the columns that are a region's sum of what the plan puts there (0 where it puts nothing)
SUMMED_COLUMNS: list[str] = [
    "chips_grants_usd",
    "construction_job_years",
    "permanent_jobs",
    "new_generation_mw",
    "new_storage_mw",
    "new_transmission_mw",
    "campus_it_mw",
    "fab_accelerators_per_year",
    "co2_t",
    "allied_equity_usd",
]

STATE_COLUMNS: list[str] = [
    "region",
    "name",
    "population",
    *[f"capex_{c}_usd" for c in ASSET_CLASSES],
    "capex_total_usd",
    "capex_usd_per_capita",
    *SUMMED_COLUMNS,
    "coefficient_ids",
    "source_ids",
]


def _add(acc: dict[str, dict[str, float]], region: str, key: str, value: float) -> None:
    acc.setdefault(region, {})
    acc[region][key] = acc[region].get(key, 0.0) + value


def project_regions(scenario: Scenario) -> dict[str, tuple[str, str]]:
    """Corridor code -> its two regions (for transmission projects named ``line-<corridor>-<period>``)."""
    cor = scenario.corridors
    return {str(r["corridor"]): (str(r["region_from"]), str(r["region_to"])) for r in cor.to_dict("records")}


def state_benefits(plan: Plan, scenario: Scenario, jobs: pd.DataFrame) -> pd.DataFrame:
    """One row per region (see the module docstring)."""
    acc: dict[str, dict[str, float]] = {}
    periods = [int(p) for p in scenario.settings.period_years]
    last = periods[-1]
    t = plan.tables

    campuses = t.get("campuses", pd.DataFrame())
    for r in campuses.itertuples(index=False):
        _add(acc, str(r.region), "capex_datacenter_usd", float(r.capex_usd))
        if int(r.period) == last:
            _add(acc, str(r.region), "campus_it_mw", float(r.it_mw_online))

    cls_of = dict(
        zip(
            scenario.technologies["technology"].astype(str),
            scenario.technologies["asset_class"].astype(str),
            strict=True,
        )
    )
    builds = t.get("builds", pd.DataFrame())
    for r in builds.itertuples(index=False):
        # a campus's own units are campus power (the coalition's), not the grid's generation
        own = str(getattr(r, "owner", "")) == "coalition" and bool(str(getattr(r, "campus", "") or ""))
        cls = cls_of.get(str(r.technology), "generation")
        _add(acc, str(r.region), f"capex_{'campus_power' if own else cls}_usd", float(r.capex_usd))
        _add(acc, str(r.region), f"new_{cls}_mw", float(r.new_mw))  # MW in the state, whoever owns it

    output = dict(
        zip(
            scenario.fabs["fab"].astype(str),
            scenario.fabs["accelerators_per_year"].astype(float),
            strict=True,
        )
    )
    fabs = t.get("fabs", pd.DataFrame())
    for r in fabs.itertuples(index=False):
        _add(acc, str(r.region), "capex_fab_usd", float(r.capex_usd))
        _add(acc, str(r.region), "chips_grants_usd", float(r.grant_usd))
        if int(r.period) == last and is_true(r.online):
            _add(acc, str(r.region), "fab_accelerators_per_year", output.get(str(r.fab), 0.0))

    cor = t.get("corridors", pd.DataFrame())
    for r in cor.itertuples(index=False):
        for region in (str(r.region_from), str(r.region_to)):
            _add(acc, region, "capex_transmission_usd", 0.5 * float(r.capex_usd))
            _add(acc, region, "new_transmission_mw", float(r.new_mw))

    emissions = t.get("emissions", pd.DataFrame())
    for r in emissions.itertuples(index=False):
        if int(r.period) == last:
            _add(acc, str(r.region), "co2_t", float(r.co2_t))

    coef_ids: dict[str, set[str]] = {}
    if len(jobs):
        for r in jobs.itertuples(index=False):
            region = str(r.region)
            _add(acc, region, "construction_job_years", float(r.construction_job_years or 0.0))
            if r.phase == "operations" and int(r.period) == last:
                _add(acc, region, "permanent_jobs", float(r.permanent_jobs or 0.0))
            if r.coefficient_id:
                coef_ids.setdefault(region, set()).add(str(r.coefficient_id))

    _allied_equity(plan, scenario, acc)

    regions = scenario.regions
    rows = []
    for reg in regions.to_dict("records"):
        code = str(reg["region"])
        a = acc.get(code, {})
        row: dict[str, object] = {"region": code, "name": str(reg.get("name") or code)}
        pop = float(reg.get("population") or 0.0)
        row["population"] = pop
        total = 0.0
        for c in ASSET_CLASSES:
            v = a.get(f"capex_{c}_usd", 0.0)
            row[f"capex_{c}_usd"] = v
            total += v
        row["capex_total_usd"] = total
        row["capex_usd_per_capita"] = total / pop if pop > 0 else float("nan")
        for key in SUMMED_COLUMNS:
            row[key] = a.get(key, 0.0)
        row["coefficient_ids"] = ";".join(sorted(coef_ids.get(code, set())))
        row["source_ids"] = "plan;jobs"
        rows.append(row)
    return pd.DataFrame(rows, columns=STATE_COLUMNS)


def _allied_equity(plan: Plan, scenario: Scenario, acc: dict[str, dict[str, float]]) -> None:
    ct = plan.tables.get("cap_tables")
    if ct is None or not len(ct) or "cumulative_equity_usd" not in ct:
        return
    home = scenario.settings.impact.home_country
    last = ct.groupby("project")["period"].transform("max")
    final = ct[(ct["period"] == last) & (ct["country"].astype(str) != home)]
    corridors = project_regions(scenario)
    for r in final.itertuples(index=False):
        project = str(r.project)
        regions: tuple[str, ...] = (str(r.region),)
        if str(r.asset_class) == "transmission" and project.startswith("line-"):
            corridor = project.removeprefix("line-").rsplit("-", 1)[0]
            regions = corridors.get(corridor, regions)
        for region in regions:
            _add(acc, region, "allied_equity_usd", float(r.cumulative_equity_usd) / len(regions))
