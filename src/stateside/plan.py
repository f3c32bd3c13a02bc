"""Plan: the tidy result tables of a solved planning model, its summary and its diagnosis.

Units in the tables are the user's (MW, MWh, USD of the base dollar year, tCO2), not the
model's scaled units.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.build import BuiltModel, legacy_semantics
from stateside.model.capital import capex_by_asset_class, coalition_share
from stateside.model.data import ACCELERATORS_PER_MILLION, MW_PER_GW, USD_PER_MUSD, ModelData
from stateside.model.objective import cost_terms
from stateside.model.solve import SolveResult
from stateside.scenario.settings import coalition_asset_classes
from stateside.timeseries import is_time_table, time_tables

TOL = 1e-6


@dataclass
class Plan:
    """What the plan builds, where, when and who pays — as tidy tables."""

    scenario_name: str
    mode: str
    status: str
    termination: str
    objective_usd: float
    mip_gap: float | None
    build_seconds: float
    solve_seconds: float
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    diagnosis: list[str] = field(default_factory=list)
    scenario_hash: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def it_capacity_mw(self) -> dict[str, float]:
        t = self.tables.get("it_capacity")
        if t is None or t.empty:
            return {}
        return {str(int(r.period)): round(float(r.online_mw), 6) for r in t.itertuples()}

    def capex_usd(self) -> dict[str, float]:
        t = self.tables.get("equity_need")
        if t is None or t.empty:
            return {}
        return {str(k): round(float(v), 2) for k, v in t.groupby("asset_class")["capex_usd"].sum().items()}

    def summary(self) -> dict[str, Any]:
        """The JSON summary (``stateside plan --json``)."""
        unserved = self.tables.get("unserved")
        return {
            "scenario": self.scenario_name,
            "scenario_hash": self.scenario_hash,
            "status": self.termination if self.termination else self.status,
            "mode": self.mode,
            "objective_usd": _finite(self.objective_usd),
            "mip_gap": self.mip_gap,
            "it_capacity_mw": self.it_capacity_mw(),
            "capex_usd": self.capex_usd(),
            "unserved_mwh": float(unserved["unserved_mwh"].sum())
            if unserved is not None and len(unserved)
            else 0.0,
            "build_seconds": round(self.build_seconds, 3),
            "solve_seconds": round(self.solve_seconds, 3),
            "diagnosis": self.diagnosis,
            **self.extra,
        }

    def to_dir(self, path: Path, fmt: str = "csv") -> Path:
        """Write every table (CSV or Parquet) and ``summary.json``; all or nothing."""
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"format must be csv or parquet, found {fmt!r}")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".plan-", dir=path.parent))
        try:
            for name, df in self.tables.items():
                if fmt == "csv" and not is_time_table(name):  # time-resolved tables: always Parquet
                    df.to_csv(tmp / f"{name}.csv", index=False)
                else:
                    df.to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / "summary.json").write_text(json.dumps(self.summary(), indent=2) + "\n")
            tmp.chmod(default_mode(directory=True))
            if path.exists():
                backup = path.with_name(path.name + ".old")
                if backup.exists():
                    shutil.rmtree(backup)
                os.replace(path, backup)
                os.replace(tmp, path)
                shutil.rmtree(backup)
            else:
                os.replace(tmp, path)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return path


def default_mode(directory: bool = False) -> int:
    """The permissions a new file (0o666) or folder (0o777) gets under the current umask;
    temporary files and folders are created private, so they are set to this before they
    are moved into place."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if directory else 0o666) & ~mask


def load_plan_dir(path: Path) -> Plan:
    """Read a plan written by :meth:`Plan.to_dir` (``stateside plan --out DIR``)."""
    path = Path(path)
    summary_file = path / "summary.json"
    if not summary_file.is_file():
        raise FileNotFoundError(f"{path} is not a plan folder: {summary_file.name} is missing")
    summary = json.loads(summary_file.read_text())
    tables: dict[str, pd.DataFrame] = {}
    for f in sorted(path.iterdir()):
        if f.suffix == ".csv":
            tables[f.stem] = pd.read_csv(f)
            if f.stem == "builds" and "campus" in tables[f.stem].columns:  # blank: the grid's
                tables[f.stem]["campus"] = tables[f.stem]["campus"].fillna("").astype(str)
        elif f.suffix == ".parquet":
            tables[f.stem] = pd.read_parquet(f)
    known = {
        "scenario",
        "scenario_hash",
        "status",
        "mode",
        "objective_usd",
        "mip_gap",
        "it_capacity_mw",
        "capex_usd",
        "unserved_mwh",
        "build_seconds",
        "solve_seconds",
        "diagnosis",
    }
    return Plan(
        scenario_name=str(summary.get("scenario", "")),
        mode=str(summary.get("mode", "")),
        status=str(summary.get("status", "")),
        termination=str(summary.get("status", "")),
        objective_usd=float(summary["objective_usd"])
        if summary.get("objective_usd") is not None
        else math.nan,
        mip_gap=summary.get("mip_gap"),
        build_seconds=float(summary.get("build_seconds", 0.0)),
        solve_seconds=float(summary.get("solve_seconds", 0.0)),
        tables=tables,
        diagnosis=list(summary.get("diagnosis", [])),
        scenario_hash=str(summary.get("scenario_hash", "")),
        extra={k: v for k, v in summary.items() if k not in known},
    )


def is_true(v: object) -> bool:
    """A yes/no cell of a plan or scenario table as a bool: a bool or number as such, text
    ``true`` / ``1`` / ``yes`` (any case, as read back from CSV) as True, other text as False."""
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes")
    return bool(v)


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _sol(m: linopy.Model, name: str) -> xr.DataArray | None:
    if name not in m.variables:
        return None
    return m.variables[name].solution.fillna(0.0)


def _frame(da: xr.DataArray, value: str, scale: float = 1.0) -> pd.DataFrame:
    df = (da * scale).to_dataframe(name=value).reset_index()
    return df


def extract_plan(
    built: BuiltModel,
    result: SolveResult,
    scenario_name: str,
    build_seconds: float,
    scenario_hash: str = "",
    explain: bool = True,
) -> Plan:
    """Read the solution into tables and diagnose what could not be met (``explain``:
    name the limits behind each shortfall; off for the ratepayer counterfactual, whose
    unmet IT targets are the point)."""
    with legacy_semantics():
        return _extract(built, result, scenario_name, build_seconds, scenario_hash, explain)


def _extract(
    built: BuiltModel,
    result: SolveResult,
    scenario_name: str,
    build_seconds: float,
    scenario_hash: str,
    explain: bool = True,
) -> Plan:
    m, d = built.model, built.data
    plan = Plan(
        scenario_name=scenario_name,
        mode=d.mode,
        status=result.status,
        termination=result.termination,
        objective_usd=result.objective_musd * USD_PER_MUSD if result.usable else math.nan,
        mip_gap=result.mip_gap,
        build_seconds=build_seconds,
        solve_seconds=result.solve_seconds,
        scenario_hash=scenario_hash,
    )
    if not result.usable:
        plan.diagnosis = [
            f"HiGHS stopped with '{result.termination}' and no usable solution. Every target, the "
            "reserve margin, lost load, capital, chips and security caps are elastic, so this is not "
            "a shortage: the time limit was too short, or the data are numerically broken (a cost or "
            "capacity of 1e300, say) — check 'stateside validate' and solver.time_limit_s."
        ]
        return plan

    tables = plan.tables
    tables["campus_power"] = _campus_power(m, d)
    tables["builds"] = _with_campus_power(_builds(m, d, built), tables["campus_power"])
    tables["dispatch"] = _with_onsite_energy(_dispatch(m, d), tables["campus_power"])
    tables["emissions"] = (
        tables["dispatch"].groupby(["region", "period"], as_index=False)["co2_t"].sum()
        if len(tables["dispatch"])
        else pd.DataFrame(columns=["region", "period", "co2_t"])
    )
    tables["unserved"] = _unserved(m, d)
    tables["prices"] = _prices(m, d)
    tables["corridors"] = _corridors(m, d, built)
    tables["campuses"] = _campuses(m, d)
    tables["fabs"] = _fabs(m, d)
    tables["it_capacity"] = _it_capacity(m, d)
    tables["chips"] = _chips(m, d, built)
    tables["equity_need"] = _equity_need(m, d)
    tables["capital"], tables["capital_by_investor"] = _capital(m, d)
    tables["costs"] = _costs(m, d, built)
    tables["violations"] = _violations(m, d)
    tables.update(time_tables(built))  # dispatch_t, storage_t, flows_t, prices_t (stateside.timeseries)
    plan.diagnosis = diagnose(m, d, tables) if explain else []
    return plan


def _builds(m: linopy.Model, d: ModelData, built: BuiltModel) -> pd.DataFrame:
    build = _sol(m, "build")
    assert build is not None
    cap = built.expressions.capacity.solution.fillna(0.0)
    kept = _sol(m, "existing_online")
    fixed = d.existing_gw.where(~d.retirable, 0.0)
    existing_kept = fixed + (kept.fillna(0.0) if kept is not None else 0.0)
    # retired early (economic): scheduled capacity not kept; scheduled retirements are in existing_mw's fall
    retired = (d.existing_gw - existing_kept).clip(min=0.0)
    df = pd.DataFrame(
        {
            "new_mw": (build * MW_PER_GW).to_series(),
            "existing_mw": (existing_kept * MW_PER_GW).transpose(*build.dims).to_series(),
            "retired_mw": (retired * MW_PER_GW).transpose(*build.dims).to_series(),
            "capacity_mw": (cap * MW_PER_GW).transpose(*build.dims).to_series(),
            "capex_usd": (build * d.capex_musd_per_gw * USD_PER_MUSD).transpose(*build.dims).to_series(),
        }
    ).reset_index()
    keep = (df["capacity_mw"].abs() > TOL) | (df["new_mw"].abs() > TOL) | (df["retired_mw"].abs() > TOL)
    df = df[keep]
    # who builds it: the grid (utilities, merchants; recovered through rates) or the coalition
    owner = (
        d.asset_class_of_tech.to_series()
        .isin(coalition_asset_classes(d.settings.finance))
        .map({True: "coalition", False: "grid"})
    )
    df = df.assign(owner=df["technology"].map(owner))
    cols = [
        "region",
        "technology",
        "period",
        "owner",
        "new_mw",
        "existing_mw",
        "retired_mw",
        "capacity_mw",
        "capex_usd",
    ]
    return df[cols].reset_index(drop=True)


CAMPUS_POWER_COLUMNS = [
    "campus",
    "region",
    "technology",
    "period",
    "islanded",
    "new_mw",
    "capacity_mw",
    "energy_mwh",
    "co2_t",
    "capex_usd",
]


def _campus_power(m: linopy.Model, d: ModelData) -> pd.DataFrame:
    """Generation each campus owns (:mod:`stateside.model.campus_power`): one row per
    campus, technology and period where it has any; ``islanded`` where the campus runs on
    it alone (before its grid connection)."""
    b = _sol(m, "onsite_build")
    q = _sol(m, "onsite_gen")
    if b is None or q is None:
        return pd.DataFrame(columns=CAMPUS_POWER_COLUMNS)
    active = d.active.sel(technology=d.onsite_techs)
    cap = (b.rename(period="vintage") * active).sum("vintage")
    energy = _weighted_energy(q, d)
    dims = ("campus", "technology", "period")
    df = pd.DataFrame(
        {
            "new_mw": (b * MW_PER_GW).transpose(*dims).to_series(),
            "capacity_mw": (cap * MW_PER_GW).transpose(*dims).to_series(),
            "energy_mwh": energy.transpose(*dims).to_series(),
            "co2_t": (energy / MW_PER_GW * d.co2_t_per_gwh.sel(technology=d.onsite_techs))
            .transpose(*dims)
            .to_series(),
            "capex_usd": (b * d.onsite_capex_musd_per_gw * USD_PER_MUSD).transpose(*dims).to_series(),
        }
    ).reset_index()
    df = df[(df["capacity_mw"].abs() > TOL) | (df["new_mw"].abs() > TOL)]
    df["region"] = df["campus"].map(d.campus_region.to_series())
    islanded = d.campus_islanded.to_series()
    df["islanded"] = [bool(islanded.loc[(c, p)]) for c, p in zip(df["campus"], df["period"], strict=True)]
    return df[CAMPUS_POWER_COLUMNS].reset_index(drop=True)


def _with_campus_power(builds: pd.DataFrame, onsite: pd.DataFrame) -> pd.DataFrame:
    """``builds`` with a ``campus`` column: blank for the grid's builds, the campus served
    for the coalition's own generation (one row per campus, technology and period)."""
    builds = builds.assign(campus="")
    if not len(onsite):
        return builds
    own = onsite.assign(owner="coalition", existing_mw=0.0, retired_mw=0.0)
    return pd.concat([builds, own[builds.columns]], ignore_index=True)


def grid_builds(builds: pd.DataFrame) -> pd.DataFrame:
    """The grid's rows of a ``builds`` table: without the units campuses own (``owner``
    coalition; plans made before ownership was recorded are all the grid's)."""
    if "owner" not in builds.columns:
        return builds
    return builds[builds["owner"].astype(str) != "coalition"]


def _with_onsite_energy(dispatch: pd.DataFrame, onsite: pd.DataFrame) -> pd.DataFrame:
    """Campus-owned output joins its region's dispatch (energy mix, emissions)."""
    if not len(onsite):
        return dispatch
    keys = ["region", "technology", "period"]
    both = pd.concat([dispatch, onsite[[*keys, "energy_mwh", "co2_t"]]], ignore_index=True)
    return both.groupby(keys, as_index=False, sort=False)[["energy_mwh", "co2_t"]].sum()


def _weighted_energy(x: xr.DataArray, d: ModelData) -> xr.DataArray:
    """GW per typical hour -> MWh per year."""
    return (x * d.weight_hours).sum(["day", "step"]) * MW_PER_GW


def _dispatch(m: linopy.Model, d: ModelData) -> pd.DataFrame:
    gen = _sol(m, "gen")
    assert gen is not None
    energy = _weighted_energy(gen, d)
    parts = [energy]
    if len(d.storage):
        dis = _sol(m, "discharge")
        ch = _sol(m, "charge")
        assert dis is not None and ch is not None
        parts.append(_weighted_energy(dis - ch, d))
    energy_all = xr.concat(parts, dim="technology") if len(parts) > 1 else energy
    co2 = energy_all / MW_PER_GW * d.co2_t_per_gwh.sel(technology=energy_all.technology)
    df = pd.DataFrame(
        {
            "energy_mwh": energy_all.transpose("technology", "region", "period").to_series(),
            "co2_t": co2.transpose("technology", "region", "period").to_series(),
        }
    ).reset_index()
    df = df[df["energy_mwh"].abs() > TOL]
    return df[["region", "technology", "period", "energy_mwh", "co2_t"]].reset_index(drop=True)


def _unserved(m: linopy.Model, d: ModelData) -> pd.DataFrame:
    u = _sol(m, "unserved")
    assert u is not None
    df = _frame(_weighted_energy(u, d), "unserved_mwh")
    return df[df["unserved_mwh"] > TOL].reset_index(drop=True)


def _prices(m: linopy.Model, d: ModelData) -> pd.DataFrame:
    """Demand-weighted average of the hourly duals of the energy balance, USD/MWh."""
    con = m.constraints["energy_balance"]
    dual = con.dual if con.dual is not None else None
    if dual is None or not np.isfinite(dual.values).any():
        return pd.DataFrame(columns=["region", "period", "price_usd_per_mwh"])
    # dual in $M per GW of one typical hour; its value per GWh is dual / (w_t W_p)
    price = dual / (d.weight_hours * d.period_weight) * (USD_PER_MUSD / MW_PER_GW)
    load = d.demand_gw + 1e-9
    avg = (price * load * d.weight_hours).sum(["day", "step"]) / (load * d.weight_hours).sum(["day", "step"])
    return _frame(avg.transpose("region", "period"), "price_usd_per_mwh")


def _corridors(m: linopy.Model, d: ModelData, built: BuiltModel) -> pd.DataFrame:
    cols = [
        "corridor",
        "region_from",
        "region_to",
        "period",
        "new_mw",
        "capacity_forward_mw",
        "capacity_reverse_mw",
        "energy_forward_mwh",
        "energy_reverse_mwh",
        "capex_usd",
    ]
    if not len(d.corridors):
        return pd.DataFrame(columns=cols)
    flow = _sol(m, "flow")
    expand = _sol(m, "expand")
    assert flow is not None and expand is not None and built.expressions.corridor_expansion is not None
    online = built.expressions.corridor_expansion.solution.fillna(0.0)
    df = pd.DataFrame(
        {
            "new_mw": (expand * MW_PER_GW).to_series(),
            "capacity_forward_mw": ((online + d.corridor_fwd_gw) * MW_PER_GW)
            .transpose("corridor", "period")
            .to_series(),
            "capacity_reverse_mw": ((online + d.corridor_rev_gw) * MW_PER_GW)
            .transpose("corridor", "period")
            .to_series(),
            "energy_forward_mwh": _weighted_energy(flow.clip(min=0), d).to_series(),
            "energy_reverse_mwh": _weighted_energy((-flow).clip(min=0), d).to_series(),
            "capex_usd": (expand * d.corridor_capex_musd_per_gw * USD_PER_MUSD)
            .transpose("corridor", "period")
            .to_series(),
        }
    ).reset_index()
    df["region_from"] = df["corridor"].map(d.corridor_from.to_series())
    df["region_to"] = df["corridor"].map(d.corridor_to.to_series())
    return df[cols]


def _campuses(m: linopy.Model, d: ModelData) -> pd.DataFrame:
    cols = [
        "campus",
        "region",
        "period",
        "new_modules",
        "modules_online",
        "new_it_mw",
        "it_mw_online",
        "grid_load_mw",
        "capex_usd",
    ]
    n = _sol(m, "modules")
    if n is None:
        return pd.DataFrame(columns=cols)
    n = n.round(6)
    online = n.cumsum("period")
    df = pd.DataFrame(
        {
            "new_modules": n.to_series(),
            "modules_online": online.to_series(),
            "new_it_mw": (n * d.campus_module_gw * MW_PER_GW).transpose("campus", "period").to_series(),
            "it_mw_online": (online * d.campus_module_gw * MW_PER_GW)
            .transpose("campus", "period")
            .to_series(),
            "grid_load_mw": (online * d.campus_module_gw * d.campus_load_factor * MW_PER_GW)
            .transpose("campus", "period")
            .to_series(),
            "capex_usd": (n * d.campus_module_gw * d.campus_capex_musd_per_gw * USD_PER_MUSD)
            .transpose("campus", "period")
            .to_series(),
        }
    ).reset_index()
    df["region"] = df["campus"].map(d.campus_region.to_series())
    return df[cols]


def _fabs(m: linopy.Model, d: ModelData) -> pd.DataFrame:
    cols = ["fab", "region", "period", "decided", "online", "capex_usd", "grant_usd", "power_mw"]
    y = _sol(m, "fab_build")
    if y is None:
        return pd.DataFrame(columns=cols)
    y = y.round(6)
    online = y.cumsum("period")
    df = pd.DataFrame(
        {
            "decided": y.to_series().astype(bool),
            "online": online.to_series().astype(bool),
            "capex_usd": (y * d.fab_capex_musd * USD_PER_MUSD).transpose("fab", "period").to_series(),
            "grant_usd": (y * d.fab_grant_musd * USD_PER_MUSD).transpose("fab", "period").to_series(),
            "power_mw": (online * d.fab_power_gw * MW_PER_GW).transpose("fab", "period").to_series(),
        }
    ).reset_index()
    df["region"] = df["fab"].map(d.fab_region.to_series())
    return df[cols]


def _it_capacity(m: linopy.Model, d: ModelData) -> pd.DataFrame:
    if d.power_only:
        return pd.DataFrame(columns=["period", "target_mw", "online_mw", "short_mw"])
    n = _sol(m, "modules")
    online = (
        (n.round(6).cumsum("period") * d.campus_module_gw).sum("campus") * MW_PER_GW
        if n is not None
        else xr.zeros_like(d.it_target_gw)
    )
    short = _sol(m, "target_short")
    df = pd.DataFrame(
        {
            "target_mw": (d.it_target_gw * MW_PER_GW).to_series(),
            "online_mw": online.to_series(),
            "short_mw": (short * MW_PER_GW).to_series() if short is not None else 0.0,
        }
    ).reset_index()
    return df


def _chips(m: linopy.Model, d: ModelData, built: BuiltModel) -> pd.DataFrame:
    n = _sol(m, "modules")
    bought = built.expressions.it_purchase
    if n is None or bought is None:
        return pd.DataFrame(columns=["period", "need", "domestic", "imported", "short"])
    # need: the accelerators of the IT equipment bought in the period (new modules and refreshes)
    need = bought.solution.fillna(0.0) * d.accelerators_million_per_gw
    out = {"need": need}
    for col, var in (("domestic", "chips_domestic"), ("imported", "chips_import"), ("short", "chips_short")):
        sol = _sol(m, var)
        out[col] = sol if sol is not None else xr.zeros_like(need)
    return pd.DataFrame({k: (v * ACCELERATORS_PER_MILLION).to_series() for k, v in out.items()}).reset_index()


def _equity_need(m: linopy.Model, d: ModelData) -> pd.DataFrame:
    cols = ["asset_class", "period", "capex_usd", "debt_usd", "grants_usd", "equity_usd"]
    capex = capex_by_asset_class(m, d).solution.fillna(0.0)
    debt = capex * d.debt_share
    grants = xr.zeros_like(capex)
    y = _sol(m, "fab_build")
    if y is not None:
        fab_grants = (y * d.fab_grant_musd).sum("fab")
        grants.loc[{"asset_class": "fab"}] = fab_grants
    # the coalition raises equity only for its own classes (model.capital's chi_a); the grid's
    # builds (and IT equipment a tenant buys) keep their capex and debt here but need no equity
    equity = (capex - debt - grants) * coalition_share(d)
    df = pd.DataFrame(
        {
            "capex_usd": (capex * USD_PER_MUSD).to_series(),
            "debt_usd": (debt * USD_PER_MUSD).transpose(*capex.dims).to_series(),
            "grants_usd": (grants * USD_PER_MUSD).to_series(),
            "equity_usd": (equity * USD_PER_MUSD).transpose(*capex.dims).to_series(),
        }
    ).reset_index()
    return df[cols]


def _capital(m: linopy.Model, d: ModelData) -> tuple[pd.DataFrame, pd.DataFrame]:
    eq = _sol(m, "equity")
    cols = ["investor", "asset_class", "period", "equity_usd", "share"]
    cols2 = [
        "investor",
        "period",
        "available_usd",
        "cumulative_available_usd",
        "used_usd",
        "cumulative_used_usd",
    ]
    if eq is None:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=cols2)
    total = eq.sum("investor")
    share = xr.where(total > TOL, eq / total.where(total > TOL, 1.0), 0.0)
    df = pd.DataFrame(
        {"equity_usd": (eq * USD_PER_MUSD).to_series(), "share": share.transpose(*eq.dims).to_series()}
    ).reset_index()
    df = df[df["equity_usd"] > 1.0].reset_index(drop=True)[cols]
    used = eq.sum("asset_class")
    avail = d.capital_available_musd
    inv = pd.DataFrame(
        {
            "available_usd": (avail * USD_PER_MUSD).to_series(),
            "cumulative_available_usd": (avail.cumsum("period") * USD_PER_MUSD).to_series(),
            "used_usd": (used * USD_PER_MUSD).transpose(*avail.dims).to_series(),
            "cumulative_used_usd": (used.cumsum("period") * USD_PER_MUSD).transpose(*avail.dims).to_series(),
        }
    ).reset_index()
    return df, inv[cols2]


def _costs(m: linopy.Model, d: ModelData, built: BuiltModel) -> pd.DataFrame:
    rows = []
    for name, expr in cost_terms(m, d, built.expressions).items():
        annual = expr.solution.fillna(0.0) if hasattr(expr, "solution") else xr.zeros_like(d.period_weight)
        for p in d.periods:
            a = float(annual.sel(period=p)) * USD_PER_MUSD
            rows.append(
                {
                    "component": name,
                    "period": int(p),
                    "annual_usd": a,
                    "discounted_usd": a * float(d.period_weight.sel(period=p)),
                }
            )
    existing_fom = (d.existing_gw.where(~d.retirable, 0.0) * d.fom_musd_per_gw_year).sum(
        ["technology", "region"]
    )
    for p in d.periods:
        a = float(existing_fom.sel(period=p)) * USD_PER_MUSD
        rows.append(
            {
                "component": "existing_fleet_fixed_om (plants that cannot retire early: constant, not in objective)",
                "period": int(p),
                "annual_usd": a,
                "discounted_usd": a * float(d.period_weight.sel(period=p)),
            }
        )
    return pd.DataFrame(rows)


#: elastic slacks reported as violations: variable, kind, unit, scale to the unit
_SLACKS = (
    ("target_short", "it_target", "MW", MW_PER_GW),
    ("reserve_short", "reserve_margin", "MW", MW_PER_GW),
    ("equity_short", "equity", "USD", USD_PER_MUSD),
    ("chips_short", "accelerators", "accelerators", ACCELERATORS_PER_MILLION),
    ("cap_excess", "security_cap", "USD", USD_PER_MUSD),
)


def _violations(m: linopy.Model, d: ModelData) -> pd.DataFrame:
    """One row per elastic slack in use; ``where`` names the asset class or investor/class."""
    rows: list[dict[str, Any]] = []
    for var, kind, unit, scale in _SLACKS:
        sol = _sol(m, var)
        if sol is None:
            continue
        for key, v in sol.to_series().items():
            if v <= TOL:
                continue
            parts = key if isinstance(key, tuple) else (key,)
            *where, period = parts
            rows.append(
                {
                    "kind": kind,
                    "period": int(period),
                    "where": "/".join(map(str, where)) or "national",
                    "amount": v * scale,
                    "unit": unit,
                }
            )
    return pd.DataFrame(rows, columns=["kind", "period", "where", "amount", "unit"])


def diagnose(m: linopy.Model, d: ModelData, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Sentences a planner understands for each shortfall and each unserved MWh.

    Each shortfall names the limits that hold at the plan where they could cause it, best
    first by their dual (:func:`stateside.diagnosis.screen`, no solve); the run layer then
    measures each family by a re-solve with it relaxed and rewrites these lines with the
    amounts that would close the gap (:func:`stateside.diagnosis.explain_plan`).
    """
    from stateside.diagnosis import screen, sentences

    out = sentences(screen(m, d, tables["violations"]))
    out.extend(unserved_lines(tables["unserved"]))
    return out


def unserved_lines(un: pd.DataFrame) -> list[str]:
    """One line per period with lost load, the regions with most first."""
    out: list[str] = []
    if len(un):
        by = un.groupby("period")["unserved_mwh"].sum()
        for p, v in by.items():
            regs = un[un["period"] == p].sort_values("unserved_mwh", ascending=False)["region"].tolist()
            out.append(f"{int(p)} unserved energy {v:,.0f} MWh in " + ", ".join(map(str, regs[:6])))
    return out


def summarise_periods(values: Iterable[tuple[int, float]]) -> dict[str, float]:
    return {str(int(p)): float(v) for p, v in values}
