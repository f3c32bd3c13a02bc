"""Export the power part of a scenario (or of a plan) as a PyPSA network file (netCDF).

One investment period of the Stateside model becomes one PyPSA network whose optimum is
the same as Stateside's power-only optimum for that period (up to the constant factor
:math:`W_p` and the parts PyPSA has no native component for; docs/export.md):

===========================  ==============================================================
Stateside                    PyPSA
===========================  ==============================================================
region                       ``Bus`` (x = longitude, y = latitude)
existing fleet (after        ``Generator`` / ``StorageUnit`` ``"{region} {tech}"``,
retirements; plus, from a    non-extendable, ``capital_cost`` 0 (its fixed O&M is a
plan, earlier builds still   constant Stateside leaves out of the objective too)
online)
existing capacity that may   ``"{region} {tech} existing"``, extendable up to the
retire early (economic       existing MW (from a plan: no more than the plan kept the
retirement)                  period before), ``capital_cost`` = fixed O&M: keeping a MW
                             costs its O&M, as in Stateside's objective
new build of the period      ``"{region} {tech} new"``, extendable up to the per-region
                             build limit; ``capital_cost`` = capital recovery factor ×
                             capex + fixed O&M (USD/MW/yr)
availability                 ``p_max_pu``: solar/wind profile of the typical hours, the
                             flat derate of thermal plants
VOM + fuel + carbon          ``marginal_cost`` (USD/MWh; storage: on discharge)
corridor (transport model)   ``Link`` ``"{corridor}"`` for today's capability in both
                             directions (``p_max_pu`` = forward / p_nom, ``p_min_pu`` =
                             −reverse / p_nom) plus ``"{corridor} expansion"``,
                             extendable, ``p_min_pu`` = −1 (expansion adds the same
                             capability both ways, as in Stateside)
background demand            ``Load`` ``"{region}"`` (time series)
campus and fab load (plan)   ``Load`` ``"{region} datacenter"``, ``"{region} fab"`` (flat)
unserved energy              ``Generator`` ``"{region} load shedding"`` at the value of
                             lost load (p_nom 1e9 MW, PyPSA's own load-shedding bound)
period                       one investment period named by its year
typical days                 snapshots (year, timestamp on the day's medoid date) weighted
                             by the hours of the year they stand for; storage cycles over
                             the year, and :func:`solve_network` makes each typical day
                             its own cycle, as in Stateside (:func:`per_day_storage_cycles`)
a plan's solution            ``p_nom_opt``, ``generators_t.p``, ``storage_units_t``,
                             ``links_t.p0/p1``, ``buses_t.marginal_price`` of the period
===========================  ==============================================================

Units are PyPSA's usual ones: MW, MWh, USD of the scenario's dollar year. ``pypsa`` is
imported only when a network is built (the import takes seconds).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.data import MW_PER_GW, ModelData, prepare
from stateside.report.colors import CLASS_COLORS, TECH_COLORS, color
from stateside.scenario.types import Scenario

if TYPE_CHECKING:
    import pypsa

    from stateside.plan import Plan
    from stateside.scenario.typical import TypicalPeriods

#: $M/GW and $M/GWh (model units) to USD/MW and USD/MWh.
USD_PER_MW_PER_MUSD_PER_GW = 1_000.0
#: Bound on load shedding, MW: the default of PyPSA's ``n.optimize.add_load_shedding``.
LOAD_SHEDDING_P_NOM_MW = 1e9
KM_PER_MILE = 1.609344

OMITTED_RESERVE = (
    "reserve margin: Stateside requires derated capacity plus firm imports >= (1 + reserve margin) x "
    "peak demand in each region; PyPSA has no native component for it (the optima agree when it "
    "does not bind)"
)
OMITTED_TURBINES = (
    "national gas-turbine supply limit: a limit on the sum of several technologies' builds, which "
    "PyPSA's global constraints (one carrier each) cannot express"
)


class ExportError(ValueError):
    """A request the export cannot honour (unknown period, plan that does not fit the scenario)."""


@dataclass
class PypsaExport:
    """What was written: one period of the power system, as a PyPSA network."""

    period: int
    typical_days: int
    snapshots: int
    objective_factor: float  # W_p: Stateside's objective = factor x PyPSA's objective
    components: dict[str, int]
    campus_load_mw: float = 0.0
    fab_load_mw: float = 0.0
    from_plan: bool = False
    solution: bool = False
    omitted: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    path: Path | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "path": str(self.path) if self.path else None,
            "period": self.period,
            "typical_days": self.typical_days,
            "snapshots": self.snapshots,
            "objective_factor": self.objective_factor,
            "components": self.components,
            "campus_load_mw": self.campus_load_mw,
            "fab_load_mw": self.fab_load_mw,
            "from_plan": self.from_plan,
            "solution": self.solution,
            "omitted": self.omitted,
            "notes": self.notes,
        }


def export_pypsa(
    scenario: Scenario,
    path: Path,
    *,
    plan: Plan | None = None,
    period: int | None = None,
    typical: TypicalPeriods | None = None,
) -> PypsaExport:
    """Write one period of the power system as a PyPSA netCDF file that ``pypsa.Network(path)`` opens.

    ``plan`` (optional) is a plan of ``scenario``: its campus and fab loads in the period
    are added as flat loads, and what it built in earlier periods (still online) counts as
    existing capacity. ``period`` defaults to the scenario's last period. ``typical``
    defaults to the scenario's own typical days (hourly profiles + tsam, as ``stateside
    plan`` computes them).
    """
    n, info = build_network(scenario, plan=plan, period=period, typical=typical)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n.export_to_netcdf(str(path))
    info.path = path
    return info


def solve_network(n: pypsa.Network, solver_options: dict[str, Any] | None = None) -> float:
    """Optimise an exported network with HiGHS, storage cycling within each typical day as in
    Stateside, and return its objective (USD per year).

    ``n.optimize()`` alone solves the file with one storage cycle over all typical days of
    the year (storage may carry energy from one typical day into the next), a relaxation
    whose optimum is at most Stateside's; this adds the per-day cycles
    (:func:`per_day_storage_cycles`) so the optimum is Stateside's. Raises
    :class:`RuntimeError` unless the solve is optimal (PyPSA reports a time limit as status
    ``ok``). Multiply by ``n.meta["objective_factor"]`` for Stateside's objective.
    """
    if n.meta.get("source") == "stateside" and "per_day_storage_cycles" not in n.meta:
        raise ExportError(
            "this network was exported by an earlier stateside (typical days as investment periods); "
            "export it again with this version"
        )
    status, condition = n.optimize(
        solver_name="highs",
        solver_options=solver_options or {},
        log_to_console=False,
        include_objective_constant=False,
        extra_functionality=per_day_storage_cycles,
    )
    objective = n.objective
    if condition != "optimal" or objective is None:
        raise RuntimeError(f"PyPSA/HiGHS stopped with status {status!r}, condition {condition!r}")
    return float(objective)


def per_day_storage_cycles(n: pypsa.Network, snapshots: Any = None) -> None:
    """PyPSA ``extra_functionality``: each typical day is its own storage cycle, as in
    Stateside (``storage_balance``: the step before a day's first is the same day's last).

    PyPSA chains the state of charge from one snapshot to the next over the whole year. A
    free variable :math:`\\delta_{s,k}` (``StorageUnit-day_shift``) is added to the previous
    state of charge in the energy balance of day k's first snapshot, with
    :math:`e_{s,\\mathrm{last}(k)} = e_{s,\\mathrm{last}(k-1)} + \\delta_{s,k}`: the level day k
    starts from is its own end level, whatever the other days' levels are (each day may
    cycle at its own level; equal end levels on every day would be tighter than
    Stateside). Needs ``n.meta["typical_day"]``.
    """
    days = np.asarray(n.meta.get("typical_day", []), dtype=int)
    if days.size != len(n.snapshots) or days.size == 0 or not len(n.storage_units):
        return
    m = n.model
    soc = m["StorageUnit-state_of_charge"]
    change = days[1:] != days[:-1]
    first = np.flatnonzero(np.r_[True, change])  # each day's first snapshot
    last = np.flatnonzero(np.r_[change, True])  # and its last
    if len(last) < 2:
        return  # one day: PyPSA's yearly cycle is already the day's
    is_first = xr.DataArray(np.isin(np.arange(days.size), first), coords={"snapshot": soc.coords["snapshot"]})
    shift = m.add_variables(
        coords=soc.labels.coords, name="StorageUnit-day_shift", mask=is_first & (soc.labels >= 0)
    )
    balance = m.constraints["StorageUnit-energy_balance"]  # -e_t + e_(t-1) + ... = inflow
    balance.update(lhs=balance.lhs + shift.fillna(0))  # no shift outside first snapshots
    for k in range(len(last)):
        m.add_constraints(
            soc.isel(snapshot=int(last[k]), drop=True)
            - soc.isel(snapshot=int(last[k - 1]), drop=True)
            - shift.isel(snapshot=int(first[k]), drop=True)
            == 0,
            name=f"StorageUnit-day-{k}-cycle",
        )


# --------------------------------------------------------------------------------------
# the period's data


def _typical_of(scenario: Scenario) -> TypicalPeriods:
    from stateside.scenario.profiles import hourly_profiles
    from stateside.scenario.typical import typical_periods

    s = scenario.settings
    return typical_periods(hourly_profiles(scenario), s.typical_days, s.hours_per_block)


def _pick_period(d: ModelData, period: int | None) -> int:
    years = [int(p) for p in d.periods]
    if period is None:
        return years[-1]
    if int(period) not in years:
        raise ExportError(f"period {period} is not a period of the scenario; periods are {years}")
    return int(period)


def _flat(arr: xr.DataArray, *lead: str) -> np.ndarray:
    """(lead..., day, step) -> (lead..., snapshot) as numpy, day-major like the snapshots."""
    a = arr.transpose(*lead, "day", "step").values
    return a.reshape(*a.shape[: len(lead)], -1)


def _tr(arr: xr.DataArray) -> np.ndarray:
    """(technology, region) numpy array in ModelData order."""
    return np.asarray(arr.transpose("technology", "region").values)


@dataclass
class _Period:
    """The coefficients of one period in PyPSA units (MW, USD), numpy arrays in ModelData order."""

    year: int
    existing_mw: np.ndarray  # (technology, region) that cannot retire early
    retirable_mw: np.ndarray  # (technology, region) that may retire early (economic retirement)
    fixed_om: np.ndarray  # (technology, region) USD/MW/yr: what keeping a retirable MW costs
    can_build: np.ndarray  # (technology, region) bool
    max_build_mw: np.ndarray  # (technology, region), inf where unlimited
    capital_cost: np.ndarray  # (technology, region) USD/MW/yr: annuity x capex + fixed O&M
    marginal_cost: np.ndarray  # (technology, region) USD/MWh
    corridor_fwd_mw: np.ndarray  # (corridor,) today's (and, from a plan, earlier) capability
    corridor_rev_mw: np.ndarray
    corridor_can_expand: np.ndarray  # (corridor,) bool
    demand_mw: np.ndarray  # (region, snapshot)
    campus_mw: np.ndarray  # (region,)
    fab_mw: np.ndarray  # (region,)


def _period_data(d: ModelData, year: int, plan: Plan | None) -> _Period:
    sel = {"period": year}
    scheduled = d.existing_gw.sel(sel, drop=True)
    retirable = scheduled.where(d.retirable, 0.0)
    existing = scheduled - retirable
    prior_cor = xr.zeros_like(d.corridor_fwd_gw)
    campus = fab = np.zeros(len(d.regions))
    if plan is not None:
        prior_cap, prior_cor = _plan_prior_capacity(plan, d, year)
        existing = existing + prior_cap
        campus, fab = _plan_loads_mw(plan, d, year)
        retirable = _plan_retirable_left(plan, d, year, retirable)
    fom = d.fom_musd_per_gw_year.sel(sel, drop=True)
    capital = d.annuity * d.capex_musd_per_gw.sel(sel, drop=True) + fom
    return _Period(
        year=year,
        existing_mw=_tr(existing) * MW_PER_GW,
        retirable_mw=_tr(retirable) * MW_PER_GW,
        fixed_om=_tr(fom.broadcast_like(scheduled)) * USD_PER_MW_PER_MUSD_PER_GW,
        can_build=_tr(d.can_build.sel(sel, drop=True)).astype(bool),
        max_build_mw=np.nan_to_num(_tr(d.max_build_gw) * MW_PER_GW, nan=np.inf),
        capital_cost=_tr(capital) * USD_PER_MW_PER_MUSD_PER_GW,
        marginal_cost=_tr(d.marginal_cost_musd_per_gwh.sel(sel, drop=True)) * USD_PER_MW_PER_MUSD_PER_GW,
        corridor_fwd_mw=(d.corridor_fwd_gw + prior_cor).values * MW_PER_GW,
        corridor_rev_mw=(d.corridor_rev_gw + prior_cor).values * MW_PER_GW,
        corridor_can_expand=d.corridor_can_build.sel(sel, drop=True).values.astype(bool),
        demand_mw=_flat(d.demand_gw.sel(sel, drop=True), "region") * MW_PER_GW,
        campus_mw=campus,
        fab_mw=fab,
    )


def _plan_years(plan: Plan) -> list[int]:
    """The plan's periods, from the tables every plan has (empty when none is there)."""
    years: set[int] = set()
    for name in ("it_capacity", "builds", "corridors", "campuses", "fabs"):
        t = plan.tables.get(name)
        if t is not None and "period" in t.columns:
            years |= {int(y) for y in pd.to_numeric(t["period"], errors="coerce").dropna()}
    return sorted(years)


def _plan_retirable_left(plan: Plan, d: ModelData, year: int, retirable: xr.DataArray) -> xr.DataArray:
    """Retirable existing GW a plan could still keep in ``year``: no more than it kept of
    the fleet the period before (retired capacity stays retired, ``retirement_once``)."""
    builds = plan.tables.get("builds")
    years = [int(p) for p in d.periods]
    if builds is None or not len(builds) or "existing_mw" not in builds.columns or years.index(year) == 0:
        return retirable
    before = builds[builds["period"].astype(int) == years[years.index(year) - 1]]
    kept = before.groupby([before["technology"].astype(str), before["region"].astype(str)])[
        "existing_mw"
    ].sum()
    out = retirable.copy()
    for (g, r), mw in kept.items():
        if g in d.technologies and r in d.regions:
            cell = {"technology": g, "region": r}
            out.loc[cell] = min(float(out.loc[cell]), float(mw) / MW_PER_GW)
    return out


def _plan_prior_capacity(plan: Plan, d: ModelData, year: int) -> tuple[xr.DataArray, xr.DataArray]:
    """GW the plan built before ``year`` and still online in it: (technology, region) and (corridor,)."""
    cap = xr.zeros_like(d.existing_gw.sel(period=year, drop=True))
    cor = xr.zeros_like(d.corridor_fwd_gw)
    builds = plan.tables.get("builds")
    if builds is not None and len(builds):
        early = builds[(builds["period"].astype(int) < year) & (builds["new_mw"].astype(float) > 0)]
        unknown = sorted(
            f"{r.region}/{r.technology}"
            for r in early.itertuples()
            if r.technology not in d.technologies or r.region not in d.regions
        )
        if unknown:
            raise ExportError(
                f"the plan builds {', '.join(unknown[:5])}, which the scenario does not have: "
                "give the scenario the plan was made from (--scenario DIR)"
            )
        for r in early.itertuples():
            alive = float(d.active.sel(technology=r.technology, vintage=int(r.period), period=year))
            cap.loc[{"technology": r.technology, "region": r.region}] += float(r.new_mw) / MW_PER_GW * alive
    corridors = plan.tables.get("corridors")
    if corridors is not None and len(corridors):
        early = corridors[(corridors["period"].astype(int) < year) & (corridors["new_mw"].astype(float) > 0)]
        missing = sorted(set(early["corridor"].astype(str)) - set(d.corridors))
        if missing:
            raise ExportError(
                f"the plan expands corridors {', '.join(missing[:5])}, which the scenario does not have"
            )
        for r in early.itertuples():
            cor.loc[{"corridor": str(r.corridor)}] += float(r.new_mw) / MW_PER_GW
    return cap, cor


def _plan_loads_mw(plan: Plan, d: ModelData, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat campus and fab grid load by region in ``year`` (MW), in ModelData region order."""
    regions = pd.Index([str(r) for r in d.regions])

    def by_region(name: str, column: str) -> np.ndarray:
        t = plan.tables.get(name)
        if t is None or not len(t):
            return np.zeros(len(regions))
        rows = t[t["period"].astype(int) == year]
        out = rows.groupby(rows["region"].astype(str))[column].sum().astype(float)
        unknown = sorted(set(out.index) - set(regions))
        if unknown:
            raise ExportError(f"the plan's {name} table names regions {unknown} the scenario does not have")
        return out.reindex(regions, fill_value=0.0).to_numpy()

    return by_region("campuses", "grid_load_mw"), by_region("fabs", "power_mw")


# --------------------------------------------------------------------------------------
# building the network

#: name suffix of the existing capacity that may retire early (an extendable unit)
RETIRABLE_SUFFIX = " existing"

#: Values of the optional columns for rows that leave them out (existing vs new-build rows).
_ROW_DEFAULTS: dict[str, object] = {
    "p_nom": 0.0,
    "p_nom_extendable": False,
    "p_nom_max": np.inf,
    "p_max_pu": 1.0,
    "capital_cost": 0.0,
}
_BOOL_COLUMNS = ("p_nom_extendable", "cyclic_state_of_charge", "cyclic_state_of_charge_per_period")


def _add_rows(n: pypsa.Network, component: str, rows: list[dict[str, Any]]) -> None:
    """Add components given as one dict each (key ``name``); absent keys take :data:`_ROW_DEFAULTS`."""
    if not rows:
        return
    frame = pd.DataFrame(rows).set_index("name")
    for col, default in _ROW_DEFAULTS.items():
        if col in frame.columns:
            frame[col] = frame[col].where(frame[col].notna(), default)
    for col in frame.columns:
        if col in _BOOL_COLUMNS:
            frame[col] = frame[col].astype(bool)
    n.add(component, frame.index, **{c: frame[c].to_numpy() for c in frame.columns})


def _existing_and_new(pd_: _Period, i: int, j: int, name: str, base: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for the existing unit (if any), the existing capacity that may retire early (if
    any) and the period's new-build option (if allowed)."""
    rows: list[dict[str, Any]] = []
    if pd_.existing_mw[i, j] > 0:
        rows.append({"name": name, **base, "p_nom": float(pd_.existing_mw[i, j])})
    if pd_.retirable_mw[i, j] > 0:
        rows.append(
            {
                "name": f"{name}{RETIRABLE_SUFFIX}",
                **base,
                "p_nom_extendable": True,
                "p_nom_max": float(pd_.retirable_mw[i, j]),
                "capital_cost": float(pd_.fixed_om[i, j]),
            }
        )
    if pd_.can_build[i, j]:
        rows.append(
            {
                "name": f"{name} new",
                **base,
                "p_nom_extendable": True,
                "p_nom_max": float(pd_.max_build_mw[i, j]),
                "capital_cost": float(pd_.capital_cost[i, j]),
            }
        )
    return rows


def _add_generators(n: pypsa.Network, d: ModelData, pd_: _Period) -> int:
    regions = [str(r) for r in d.regions]
    techs = [str(t) for t in d.technologies]
    avail = _flat(d.availability, "technology", "region")  # (generator tech, region, snapshot)
    rows: list[dict[str, Any]] = []
    profiles: dict[str, np.ndarray] = {}
    for k, t in enumerate(str(g) for g in d.generators):
        i = techs.index(t)
        for j, r in enumerate(regions):
            a = avail[k, j]
            constant = bool(np.all(a == a[0]))
            base = {
                "bus": r,
                "carrier": t,
                "marginal_cost": float(pd_.marginal_cost[i, j]),
                "p_max_pu": float(a[0]) if constant else 1.0,
            }
            added = _existing_and_new(pd_, i, j, f"{r} {t}", base)
            rows += added
            if not constant:
                profiles.update({row["name"]: a for row in added})
    _add_rows(n, "Generator", rows)
    if profiles:
        n.generators_t.p_max_pu = pd.DataFrame(profiles, index=n.snapshots)
    n.add(
        "Generator",
        [f"{r} load shedding" for r in regions],
        bus=regions,
        carrier="load shedding",
        p_nom=LOAD_SHEDDING_P_NOM_MW,
        marginal_cost=d.voll_musd_per_gwh * USD_PER_MW_PER_MUSD_PER_GW,
    )
    return len(rows)


def _add_storage(n: pypsa.Network, d: ModelData, pd_: _Period) -> int:
    regions = [str(r) for r in d.regions]
    techs = [str(t) for t in d.technologies]
    rows: list[dict[str, Any]] = []
    for t in (str(s) for s in d.storage):
        i = techs.index(t)
        for j, r in enumerate(regions):
            base = {
                "bus": r,
                "carrier": t,
                "marginal_cost": float(pd_.marginal_cost[i, j]),
                "max_hours": float(d.storage_hours.sel(technology=t)),
                "efficiency_store": float(d.efficiency_charge.sel(technology=t)),
                "efficiency_dispatch": float(d.efficiency_discharge.sel(technology=t)),
                # one cycle over the year's typical days; solve_network adds the per-day cycles
                "cyclic_state_of_charge": True,
                "cyclic_state_of_charge_per_period": True,
            }
            rows += _existing_and_new(pd_, i, j, f"{r} {t}", base)
    _add_rows(n, "StorageUnit", rows)
    return len(rows)


def _add_links(n: pypsa.Network, scenario: Scenario, d: ModelData, pd_: _Period) -> int:
    rows: list[dict[str, Any]] = []
    length_km = (
        scenario.corridors.set_index("corridor")["length_miles"].astype(float) * KM_PER_MILE
    ).to_dict()
    capital = d.corridor_annuity * d.corridor_capex_musd_per_gw.values * USD_PER_MW_PER_MUSD_PER_GW
    upper = np.nan_to_num(d.corridor_max_expansion_gw.values * MW_PER_GW, nan=np.inf)
    for k, c in enumerate(str(x) for x in d.corridors):
        fwd, rev = float(pd_.corridor_fwd_mw[k]), float(pd_.corridor_rev_mw[k])
        base = {
            "bus0": str(d.corridor_from.values[k]),
            "bus1": str(d.corridor_to.values[k]),
            "carrier": "transmission",
            "length": float(length_km.get(c, 0.0)),
        }
        top = max(fwd, rev)
        if top > 0:
            rows.append({"name": c, **base, "p_nom": top, "p_max_pu": fwd / top, "p_min_pu": -rev / top})
        if pd_.corridor_can_expand[k] and upper[k] > 0:
            rows.append(
                {
                    "name": f"{c} expansion",
                    **base,
                    "p_nom_extendable": True,
                    "p_nom_max": float(upper[k]),
                    "p_min_pu": -1.0,
                    "capital_cost": float(capital[k]),
                }
            )
    _add_rows(n, "Link", rows)
    return len(rows)


def _add_loads(n: pypsa.Network, d: ModelData, pd_: _Period) -> None:
    regions = [str(r) for r in d.regions]
    n.add(
        "Load",
        regions,
        bus=regions,
        carrier="demand",
        p_set=pd.DataFrame(pd_.demand_mw.T, index=n.snapshots, columns=regions),
    )
    for kind, mw in (("datacenter", pd_.campus_mw), ("fab", pd_.fab_mw)):
        where = [j for j in range(len(regions)) if mw[j] > 0]
        if where:
            n.add(
                "Load",
                [f"{regions[j]} {kind}" for j in where],
                bus=[regions[j] for j in where],
                carrier=kind,
                p_set=mw[where],
            )


def build_network(
    scenario: Scenario,
    *,
    plan: Plan | None = None,
    period: int | None = None,
    typical: TypicalPeriods | None = None,
) -> tuple[pypsa.Network, PypsaExport]:
    """The PyPSA network of one period (see the module docstring) and what it holds."""
    try:
        import pypsa  # noqa: F401  (fails early, with advice, when the extra is missing)
    except ImportError as exc:
        raise ExportError("the PyPSA export needs the pypsa package: pip install 'stateside[pypsa]'") from exc
    with warnings.catch_warnings():
        # PyPSA 1.x announces a change of its string dtype on the first add(); nothing to act on
        warnings.filterwarnings("ignore", message=".*infers the `str` dtype.*", category=FutureWarning)
        return _build(scenario, plan, period, typical)


def _build(
    scenario: Scenario, plan: Plan | None, period: int | None, typical: TypicalPeriods | None
) -> tuple[pypsa.Network, PypsaExport]:
    import pypsa

    typical = typical if typical is not None else _typical_of(scenario)
    d = prepare(scenario, typical)
    year = _pick_period(d, period)
    scenario_hash = scenario.content_hash()
    notes: list[str] = []
    if plan is not None:
        years = _plan_years(plan)
        if years and year not in years:
            raise ExportError(f"the plan has no period {year}; its periods are {years}")
        if plan.scenario_hash and plan.scenario_hash != scenario_hash:
            notes.append(
                "the plan was made from a scenario with different inputs (its scenario_hash differs)"
            )
    pd_ = _period_data(d, year, plan)

    # snapshots: the typical hours, dated on the calendar day each typical day was copied from,
    # in one investment period named by the year; weighted by the hours of the year they stand for
    regions = [str(r) for r in d.regions]
    n_days, n_steps = len(d.days), len(d.steps)
    snapshots = _snapshots(year, typical, n_days, n_steps, d.block_hours)
    weight = _flat(d.weight_hours)
    n = pypsa.Network(name=f"{scenario.settings.name} {year} (Stateside export)")
    n.set_snapshots(snapshots)
    n.set_investment_periods([year])
    n.snapshot_weightings.loc[:, "objective"] = weight
    n.snapshot_weightings.loc[:, "generators"] = weight
    n.snapshot_weightings.loc[:, "stores"] = d.block_hours
    n.investment_period_weightings.loc[:, "objective"] = 1.0
    n.investment_period_weightings.loc[:, "years"] = 1.0

    # carriers and buses
    tech = scenario.technologies.set_index("technology")
    techs = [str(t) for t in d.technologies]
    n.add(
        "Carrier",
        techs,
        nice_name=[str(tech.at[t, "name"]) or t for t in techs],
        co2_emissions=d.co2_t_per_gwh.values / MW_PER_GW,
        color=[color(t, TECH_COLORS, i) for i, t in enumerate(techs)],
    )
    others = {
        "AC": ("electricity", "#1b2a3a"),
        "transmission": ("Transmission", CLASS_COLORS["transmission"]),
        "load shedding": ("Unserved energy", "#d1495b"),
        "demand": ("Background demand", "#8a97a8"),
        "datacenter": ("AI campuses", CLASS_COLORS["datacenter"]),
        "fab": ("Fabs", CLASS_COLORS["fab"]),
    }
    n.add(
        "Carrier",
        list(others),
        nice_name=[v[0] for v in others.values()],
        color=[v[1] for v in others.values()],
    )
    reg = scenario.regions.set_index("region")
    n.add(
        "Bus",
        regions,
        carrier="AC",
        x=reg.loc[regions, "longitude_deg"].astype(float).to_numpy(),
        y=reg.loc[regions, "latitude_deg"].astype(float).to_numpy(),
    )

    counts = {
        "Bus": len(regions),
        "Generator": _add_generators(n, d, pd_),
        "StorageUnit": _add_storage(n, d, pd_),
        "Link": _add_links(n, scenario, d, pd_) if len(d.corridors) else 0,
    }
    _add_loads(n, d, pd_)
    counts["Load"] = len(n.loads)

    omitted = [OMITTED_RESERVE]
    turbine = d.uses_turbine.values.astype(bool)
    if d.turbine_limit_gw is not None and pd_.can_build[turbine].any():
        omitted.append(OMITTED_TURBINES)
    w_p = float(d.period_weight.sel(period=year))
    n.meta = {
        "source": "stateside",
        "scenario": scenario.settings.name,
        "scenario_hash": scenario_hash,
        "period": year,
        "typical_days": n_days,
        "typical_day": [int(x) for x in np.repeat(np.arange(n_days), n_steps)],
        "per_day_storage_cycles": (
            "Stateside cycles storage within each typical day. n.optimize() alone cycles it once "
            "over the year's typical days (a relaxation, optimum <= Stateside's); for Stateside's "
            "problem solve with stateside.export.pypsa.solve_network(n), or pass "
            "extra_functionality=stateside.export.pypsa.per_day_storage_cycles"
        ),
        "objective_factor": w_p,
        "objective_note": (
            "annual cost (USD/yr); Stateside's objective for this period = objective_factor x this "
            "(the fixed O&M of existing capacity that cannot retire early is a constant left out of "
            "both; that of capacity that may retire is the capital_cost of its ' existing' unit)"
        ),
        "money": f"USD of {scenario.settings.base_dollar_year}",
        "omitted": omitted,
    }
    solution = False
    if plan is not None:
        why_not = _write_solution(n, d, plan, year, pd_)
        solution = why_not is None
        if solution:
            n.meta["solution"] = (
                "the plan's solution of this period: p_nom_opt, dispatch, storage, link flows and "
                "bus prices; n.statistics() reads it without solving"
            )
        else:
            notes.append(f"{why_not}: the network holds the plan's builds but not its dispatch; plan again")
    return n, PypsaExport(
        period=year,
        typical_days=n_days,
        snapshots=len(n.snapshots),
        objective_factor=w_p,
        components=counts,
        campus_load_mw=float(pd_.campus_mw.sum()),
        fab_load_mw=float(pd_.fab_mw.sum()),
        from_plan=plan is not None,
        solution=solution,
        omitted=omitted,
        notes=notes,
    )


def _snapshots(
    year: int, typical: TypicalPeriods, n_days: int, n_steps: int, block_hours: float
) -> pd.MultiIndex:
    """(period, timestep): the year, and each typical hour dated on the calendar day its typical
    day was copied from (day of year = the typical day's number where that is not known)."""
    medoid = typical.medoid_day
    calendar = (
        np.asarray(medoid.to_numpy(), dtype=int)
        if medoid is not None and len(medoid) == n_days
        else np.arange(n_days)
    )
    if len(set(calendar.tolist())) != n_days or np.any(np.diff(calendar) <= 0):
        calendar = np.arange(n_days)
    start = pd.Timestamp(year=year, month=1, day=1)
    stamps = [
        start + pd.Timedelta(days=int(calendar[day]), hours=float(step * block_hours))
        for day in range(n_days)
        for step in range(n_steps)
    ]
    return pd.MultiIndex.from_arrays(
        [np.full(len(stamps), year), pd.DatetimeIndex(stamps)], names=["period", "timestep"]
    )


# --------------------------------------------------------------------------------------
# the plan's solution


def _write_solution(n: pypsa.Network, d: ModelData, plan: Plan, year: int, pd_: _Period) -> str | None:
    """Put the plan's capacities and time-resolved results of ``year`` into the network (as
    if PyPSA had solved it); None when done, else why the dispatch could not be included."""
    from stateside.timeseries import TIME_TABLES

    tables = {k: plan.tables.get(k) for k in TIME_TABLES}
    n.generators["p_nom_opt"] = n.generators["p_nom"]
    n.storage_units["p_nom_opt"] = n.storage_units["p_nom"]
    n.links["p_nom_opt"] = n.links["p_nom"]
    new = _new_capacity_mw(plan, year)
    kept = _kept_capacity_mw(plan, year)
    for comp in (n.generators, n.storage_units):
        named = np.array([str(i).endswith(RETIRABLE_SUFFIX) for i in comp.index], dtype=bool)
        retirable = named & comp["p_nom_extendable"].astype(bool).to_numpy()
        ext = comp.index[comp["p_nom_extendable"].astype(bool) & ~retirable]
        key = [(str(comp.at[i, "bus"]), str(comp.at[i, "carrier"])) for i in ext]
        built = np.array([new.get(k, 0.0) for k in key], dtype=float)
        comp.loc[ext, "p_nom_opt"] = built
        comp.loc[ext, "p_nom"] = built
        # what the plan kept of retirable capacity: its fleet less the part that cannot retire
        for i in comp.index[retirable]:
            k = (str(comp.at[i, "bus"]), str(comp.at[i, "carrier"]))
            fixed = str(i).removesuffix(RETIRABLE_SUFFIX)
            fixed_mw = float(comp.at[fixed, "p_nom"]) if fixed in comp.index else 0.0
            keep_mw = min(max(kept.get(k, 0.0) - fixed_mw, 0.0), float(comp.at[i, "p_nom_max"]))
            comp.loc[i, ["p_nom_opt", "p_nom"]] = keep_mw
    cor_new = _new_corridor_mw(plan, year)
    ext = n.links.index[n.links["p_nom_extendable"]]
    built = np.array([cor_new.get(str(i).removesuffix(" expansion"), 0.0) for i in ext], dtype=float)
    n.links.loc[ext, "p_nom_opt"] = built
    n.links.loc[ext, "p_nom"] = built
    prices_t = tables["prices_t"]
    if tables["dispatch_t"] is None or not len(tables["dispatch_t"]) or prices_t is None or not len(prices_t):
        return "the plan has no time-resolved results (made before they were kept)"
    snaps = prices_t[prices_t["period"].astype(int) == year].drop_duplicates(["day", "step"])
    theirs = snaps.set_index(["day", "step"])["weight_hours"].astype(float).sort_index()
    ours = d.weight_hours.to_series().sort_index()
    if len(theirs) != len(ours) or not np.allclose(theirs.to_numpy(), ours.to_numpy(), rtol=1e-9):
        return (
            "the plan's typical days are not the ones this stateside makes of the scenario (the plan "
            "was made by another version, or from other profiles)"
        )
    # a complete plan: what it keeps of the fleet (after economic retirements) is its capacity
    # less the period's builds, on the units that cannot retire and those that may
    for comp in (n.generators, n.storage_units):
        fixed = comp.index[~comp["p_nom_extendable"].astype(bool) & (comp["carrier"] != "load shedding")]
        fixed = fixed[[f"{i}{RETIRABLE_SUFFIX}" not in comp.index for i in fixed]]
        mw = np.array(
            [kept.get((str(comp.at[i, "bus"]), str(comp.at[i, "carrier"])), 0.0) for i in fixed], dtype=float
        )
        comp.loc[fixed, "p_nom"] = mw
        comp.loc[fixed, "p_nom_opt"] = mw

    snaps = n.snapshots
    n_snap = len(snaps)

    def series(df: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
        """(snapshot x key) frame of ``value`` in the year, in snapshot order."""
        rows = df[df["period"].astype(int) == year]
        pos = rows["day"].astype(int).to_numpy() * len(d.steps) + rows["step"].astype(int).to_numpy()
        key = rows[keys].astype(str).agg(" ".join, axis=1) if len(keys) > 1 else rows[keys[0]].astype(str)
        wide = pd.DataFrame({"pos": pos, "key": key.to_numpy(), "v": rows[value].astype(float).to_numpy()})
        out = wide.pivot_table(index="pos", columns="key", values="v", aggfunc="sum")
        return out.reindex(range(n_snap)).fillna(0.0)

    def split(total: pd.DataFrame, comp: pd.DataFrame) -> pd.DataFrame:
        """Share each (region tech) series among its units in proportion to their p_nom_opt."""
        unit_key = comp["bus"].astype(str) + " " + comp["carrier"].astype(str)
        cap = comp["p_nom_opt"].astype(float)
        whole = cap.groupby(unit_key).transform("sum")
        share = (cap / whole.where(whole > 0)).fillna(0.0)
        cols = {}
        for name in comp.index:
            k = unit_key[name]
            cols[name] = total[k].to_numpy() * share[name] if k in total.columns else np.zeros(n_snap)
        return pd.DataFrame(cols, index=snaps)

    dispatch = tables["dispatch_t"]
    assert dispatch is not None
    gens = n.generators[n.generators["carrier"] != "load shedding"]
    gen_total = series(
        dispatch[dispatch["technology"].isin(list(gens["carrier"].unique()))],
        ["region", "technology"],
        "dispatch_mw",
    )
    p = split(gen_total, gens)
    shed = series(dispatch[dispatch["technology"] == "unserved"], ["region"], "dispatch_mw")
    for r in (str(x) for x in d.regions):
        p[f"{r} load shedding"] = shed[r].to_numpy() if r in shed.columns else np.zeros(n_snap)
    n.generators_t.p = p[n.generators.index]

    storage = tables["storage_t"]
    if storage is not None and len(storage) and len(n.storage_units):
        su = n.storage_units
        ch = split(series(storage, ["region", "technology"], "charge_mw"), su)
        dis = split(series(storage, ["region", "technology"], "discharge_mw"), su)
        soc = split(series(storage, ["region", "technology"], "soc_mwh"), su)
        n.storage_units_t.p_store = ch
        n.storage_units_t.p_dispatch = dis
        n.storage_units_t.p = dis - ch
        n.storage_units_t.state_of_charge = soc

    flows = tables["flows_t"]
    if flows is not None and len(flows) and len(n.links):
        total = series(flows, ["corridor"], "flow_mw")
        p0 = {}
        for name in n.links.index:
            c = str(name).removesuffix(" expansion")
            f = total[c].to_numpy() if c in total.columns else np.zeros(n_snap)
            if name == c:  # today's capability carries the flow up to its limits
                lo = float(n.links.at[name, "p_min_pu"]) * float(n.links.at[name, "p_nom"])
                hi = float(n.links.at[name, "p_max_pu"]) * float(n.links.at[name, "p_nom"])
                p0[name] = np.clip(f, lo, hi)
            else:
                base = np.clip(f, *_link_range(n, c)) if c in n.links.index else np.zeros(n_snap)
                p0[name] = f - base
        p0_frame = pd.DataFrame(p0, index=snaps)
        n.links_t.p0 = p0_frame
        n.links_t.p1 = -p0_frame

    prices = tables["prices_t"]
    assert prices is not None
    n.buses_t.marginal_price = (
        series(prices, ["region"], "price_usd_per_mwh").reindex(columns=n.buses.index).set_axis(snaps)
    )
    n.loads_t.p = n.loads_t.p_set.reindex(columns=n.loads.index).copy()
    for name in n.loads.index:
        if name not in n.loads_t.p_set.columns:
            n.loads_t.p[name] = float(n.loads.at[name, "p_set"])
    return None


def _link_range(n: pypsa.Network, name: str) -> tuple[float, float]:
    p_nom = float(n.links.at[name, "p_nom"])
    return float(n.links.at[name, "p_min_pu"]) * p_nom, float(n.links.at[name, "p_max_pu"]) * p_nom


def _new_capacity_mw(plan: Plan, year: int) -> dict[tuple[str, str], float]:
    builds = plan.tables.get("builds")
    if builds is None or not len(builds):
        return {}
    rows = builds[builds["period"].astype(int) == year]
    new = rows.groupby([rows["region"].astype(str), rows["technology"].astype(str)])["new_mw"].sum()
    return {(str(r), str(g)): float(mw) for (r, g), mw in new.items() if float(mw) > 0}


def _kept_capacity_mw(plan: Plan, year: int) -> dict[tuple[str, str], float]:
    """(region, technology) → MW online in ``year`` that is not the year's own build."""
    builds = plan.tables.get("builds")
    if builds is None or not len(builds) or "capacity_mw" not in builds.columns:
        return {}
    rows = builds[builds["period"].astype(int) == year]  # every owner's (grid and campus-owned)
    kept = (
        (rows["capacity_mw"].astype(float) - rows["new_mw"].astype(float))
        .groupby([rows["region"].astype(str), rows["technology"].astype(str)])
        .sum()
    )
    return {(str(r), str(g)): max(float(mw), 0.0) for (r, g), mw in kept.items()}


def _new_corridor_mw(plan: Plan, year: int) -> dict[str, float]:
    cor = plan.tables.get("corridors")
    if cor is None or not len(cor):
        return {}
    rows = cor[cor["period"].astype(int) == year]
    return {str(r.corridor): float(r.new_mw) for r in rows.itertuples() if float(r.new_mw) > 0}
