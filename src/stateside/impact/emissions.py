"""Emissions detail: CO2 by region and period with intensity and the campuses' and fabs' share.

The plan's ``dispatch`` table already carries ``co2_t`` per (region, technology, period):
energy × heat rate × the fuel's CO2 factor (scenario ``technologies`` and ``fuels``).
This table adds, per (region, period):

* ``generation_mwh`` — energy of the region's generators (storage excluded);
* ``intensity_t_per_mwh`` — ``co2_t / generation_mwh``, the average rate of the region's
  own generation;
* ``campus_load_mwh``, ``fab_load_mwh`` — the new campuses' and fabs' grid load over a
  year (their load is constant in the model: MW × 8,760 h);
* ``campus_co2_t``, ``fab_co2_t`` — that load × the region's intensity: the location-based
  method of the GHG Protocol Scope 2 Guidance (2015), using the plan's own regional rate
  rather than a published grid factor;
* ``campus_share`` — ``campus_co2_t / co2_t``;
* ``egrid2022_t_per_mwh`` — EPA eGRID2022's state CO2 output rate, for comparison.

A region that generates nothing has no intensity; its campus and fab CO2 are left blank
(their supply is imported; see ``note``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stateside.impact.coefficients import egrid_state_co2
from stateside.plan import Plan
from stateside.scenario.types import Scenario

HOURS_PER_YEAR = 8760.0
TOL = 1e-6

EMISSIONS_COLUMNS: list[str] = [
    "region",
    "period",
    "generation_mwh",
    "co2_t",
    "intensity_t_per_mwh",
    "campus_load_mwh",
    "campus_co2_t",
    "campus_share",
    "fab_load_mwh",
    "fab_co2_t",
    "egrid2022_t_per_mwh",
    "method",
    "source_ids",
    "note",
]
METHOD = "location-based: load x the region's average generation CO2 rate in the plan"


def emissions_detail(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """CO2 by (region, period) with intensity and the campus and fab shares."""
    dispatch = plan.tables.get("dispatch", pd.DataFrame())
    if not len(dispatch):
        return pd.DataFrame(columns=EMISSIONS_COLUMNS)
    techs = scenario.technologies
    storage = set(techs.loc[techs["asset_class"].astype(str) == "storage", "technology"].astype(str))
    d = dispatch.copy()
    d["technology"] = d["technology"].astype(str)
    gen = d[~d["technology"].isin(storage)]
    out = (
        gen.groupby(["region", "period"], as_index=False)["energy_mwh"]
        .sum()
        .rename(columns={"energy_mwh": "generation_mwh"})
        .merge(
            d.groupby(["region", "period"], as_index=False)["co2_t"].sum(),
            on=["region", "period"],
            how="outer",
        )
    )
    periods = [int(p) for p in scenario.settings.period_years]
    grid = pd.MultiIndex.from_product(
        [scenario.regions["region"].astype(str).tolist(), periods], names=["region", "period"]
    ).to_frame(index=False)
    out = grid.merge(out, on=["region", "period"], how="left").fillna({"generation_mwh": 0.0, "co2_t": 0.0})
    out["intensity_t_per_mwh"] = np.where(
        out["generation_mwh"] > TOL,
        out["co2_t"] / out["generation_mwh"].where(out["generation_mwh"] > TOL),
        np.nan,
    )
    out["campus_load_mwh"] = _load(plan.tables.get("campuses"), "grid_load_mw", out)
    out["fab_load_mwh"] = _load(plan.tables.get("fabs"), "power_mw", out)
    out["campus_co2_t"] = out["campus_load_mwh"] * out["intensity_t_per_mwh"]
    out["fab_co2_t"] = out["fab_load_mwh"] * out["intensity_t_per_mwh"]
    for col in ("campus_co2_t", "fab_co2_t"):
        load = col.replace("co2_t", "load_mwh")
        out.loc[out[load] <= TOL, col] = 0.0
    out["campus_share"] = np.where(
        out["co2_t"] > TOL, out["campus_co2_t"] / out["co2_t"].where(out["co2_t"] > TOL), 0.0
    )
    egrid = egrid_state_co2().set_index("region")["co2_t_per_mwh"]
    out["egrid2022_t_per_mwh"] = out["region"].map(egrid)
    out["method"] = METHOD
    out["source_ids"] = "plan;ghg_protocol_scope2;egrid2022"
    notes = []
    for r in out.itertuples(index=False):
        loads = float(r.campus_load_mwh) + float(r.fab_load_mwh)
        if loads > TOL and not math.isfinite(float(r.intensity_t_per_mwh)):
            notes.append(
                "no generation in the region: its campus and fab load is imported; CO2 not attributed"
            )
        else:
            notes.append("")
    out["note"] = notes
    # drop empty rows: no generation, no CO2 and no new load
    keep = (out["generation_mwh"].abs() > TOL) | (out["co2_t"].abs() > TOL) | (out["campus_load_mwh"] > TOL)
    keep |= out["fab_load_mwh"] > TOL
    return out.loc[keep, EMISSIONS_COLUMNS].reset_index(drop=True)


def _load(table: pd.DataFrame | None, column: str, frame: pd.DataFrame) -> pd.Series:
    """Annual MWh of a constant MW load per (region, period), aligned to ``frame``."""
    if table is None or not len(table):
        return pd.Series(0.0, index=frame.index)
    by = table.groupby(["region", "period"])[column].sum() * HOURS_PER_YEAR
    idx = pd.MultiIndex.from_frame(frame[["region", "period"]])
    return pd.Series(by.reindex(idx).fillna(0.0).to_numpy(dtype=float), index=frame.index)
