"""Time-resolved results of a plan: per typical hour dispatch, storage, corridor flows and prices.

Stateside represents each year by a few typical days of several blocks ("snapshots",
``day`` × ``step``); each snapshot stands for ``weight_hours`` hours of the year (the
weights sum to 8,760). A plan keeps four long tables of its solution, one row per
snapshot, written by ``stateside plan --out DIR`` as Parquet whatever ``--format`` says:

=====================  ==========================================================================
file                   columns (besides ``period, day, step, hour, weight_hours``)
=====================  ==========================================================================
dispatch_t.parquet     ``region, technology, dispatch_mw`` — output of each generator technology;
                       storage as net discharge (discharge − charge); ``technology`` "unserved"
                       for load shedding. Rows that are zero in every snapshot are left out.
storage_t.parquet      ``region, technology, charge_mw, discharge_mw, soc_mwh`` (state of charge
                       at the end of the block)
flows_t.parquet        ``corridor, region_from, region_to, flow_mw`` (positive from → to),
                       ``capacity_forward_mw, capacity_reverse_mw``
prices_t.parquet       ``region, price_usd_per_mwh`` (dual of the energy balance per MWh of the
                       snapshot), ``load_mw`` (background demand + campus and fab load)
=====================  ==========================================================================

``hour`` is the clock hour the block starts at. Annual energy = Σ value × ``weight_hours``.
:func:`read_timeseries` reads a plan folder (or a :class:`~stateside.plan.Plan`) back as
one :class:`xarray.Dataset` with dimensions ``region, technology, corridor, period, day,
step``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.data import MW_PER_GW, USD_PER_MUSD

if TYPE_CHECKING:
    from stateside.model.build import BuiltModel
    from stateside.plan import Plan

#: The time-resolved tables, in the order they are written.
TIME_TABLES = ("dispatch_t", "storage_t", "flows_t", "prices_t")
TIME_COLUMNS = ["period", "day", "step", "hour", "weight_hours"]
_KEYS = {
    "dispatch_t": ["region", "technology"],
    "storage_t": ["region", "technology"],
    "flows_t": ["corridor", "region_from", "region_to"],
    "prices_t": ["region"],
}
_VALUES = {
    "dispatch_t": ["dispatch_mw"],
    "storage_t": ["charge_mw", "discharge_mw", "soc_mwh"],
    "flows_t": ["flow_mw", "capacity_forward_mw", "capacity_reverse_mw"],
    "prices_t": ["price_usd_per_mwh", "load_mw"],
}
UNSERVED = "unserved"
_TOL_MW = 1e-6


def is_time_table(name: str) -> bool:
    return name in TIME_TABLES


def empty_table(name: str) -> pd.DataFrame:
    return pd.DataFrame(columns=[*_KEYS[name], *TIME_COLUMNS, *_VALUES[name]])


def _sol(built: BuiltModel, name: str) -> xr.DataArray | None:
    m = built.model
    if name not in m.variables:
        return None
    return m.variables[name].solution.fillna(0.0)


def _long(
    arr: xr.DataArray, value: str, lead: list[str], hours: xr.DataArray, weight: xr.DataArray
) -> pd.DataFrame:
    """(lead..., period, day, step) array -> long frame with the snapshot columns."""
    arr = arr.transpose(*lead, "period", "day", "step")
    df = arr.to_dataframe(name=value).reset_index()
    idx = pd.MultiIndex.from_frame(df[["day", "step"]])
    w = weight.to_series().reindex(idx).to_numpy()
    h = hours.to_series().reindex(idx).to_numpy()
    df.insert(len(lead) + 3, "hour", h.astype(int))
    df.insert(len(lead) + 4, "weight_hours", w.astype(float))
    df["period"] = df["period"].astype(int)
    df["day"] = df["day"].astype(int)
    df["step"] = df["step"].astype(int)
    return df


def _drop_all_zero(df: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """Leave out the series (keys + period) that are zero in every snapshot."""
    nonzero = df[values].abs().max(axis=1) > _TOL_MW
    keep = nonzero.groupby([df[k] for k in [*keys, "period"]]).transform("any")
    return df[keep.to_numpy()].reset_index(drop=True)


def time_tables(built: BuiltModel) -> dict[str, pd.DataFrame]:
    """The four time-resolved tables of a solved model (see the module docstring)."""
    d = built.data
    weight = d.weight_hours
    hours = xr.DataArray(
        (np.asarray(d.steps, dtype=float) * d.block_hours).round(),
        coords={"step": d.steps},
        dims=["step"],
    ).broadcast_like(weight)
    out: dict[str, pd.DataFrame] = {}

    parts: list[pd.DataFrame] = []
    gen = _sol(built, "gen")
    if gen is not None:
        parts.append(_long(gen * MW_PER_GW, "dispatch_mw", ["region", "technology"], hours, weight))
    charge, discharge, soc = _sol(built, "charge"), _sol(built, "discharge"), _sol(built, "soc")
    if len(d.storage) and charge is not None and discharge is not None:
        net = (discharge - charge) * MW_PER_GW
        parts.append(_long(net, "dispatch_mw", ["region", "technology"], hours, weight))
    unserved = _sol(built, "unserved")
    if unserved is not None:
        u = (unserved * MW_PER_GW).expand_dims(technology=[UNSERVED])
        parts.append(_long(u, "dispatch_mw", ["region", "technology"], hours, weight))
    dispatch = pd.concat(parts, ignore_index=True) if parts else empty_table("dispatch_t")
    out["dispatch_t"] = _drop_all_zero(dispatch, _KEYS["dispatch_t"], _VALUES["dispatch_t"])

    if len(d.storage) and charge is not None and discharge is not None and soc is not None:
        lead = ["region", "technology"]
        st = _long(charge * MW_PER_GW, "charge_mw", lead, hours, weight)
        st["discharge_mw"] = _long(discharge * MW_PER_GW, "discharge_mw", lead, hours, weight)["discharge_mw"]
        st["soc_mwh"] = _long(soc * MW_PER_GW, "soc_mwh", lead, hours, weight)["soc_mwh"]
        out["storage_t"] = _drop_all_zero(st, _KEYS["storage_t"], _VALUES["storage_t"])
    else:
        out["storage_t"] = empty_table("storage_t")

    flow = _sol(built, "flow")
    e = built.expressions
    if flow is not None and len(d.corridors) and e.corridor_expansion is not None:
        fl = _long(flow * MW_PER_GW, "flow_mw", ["corridor"], hours, weight)
        online = e.corridor_expansion.solution.fillna(0.0)
        fwd = ((online + d.corridor_fwd_gw) * MW_PER_GW).transpose("corridor", "period").to_series()
        rev = ((online + d.corridor_rev_gw) * MW_PER_GW).transpose("corridor", "period").to_series()
        key = pd.MultiIndex.from_frame(fl[["corridor", "period"]])
        fl["capacity_forward_mw"] = fwd.reindex(key).to_numpy()
        fl["capacity_reverse_mw"] = rev.reindex(key).to_numpy()
        fl.insert(1, "region_from", fl["corridor"].map(d.corridor_from.to_series()))
        fl.insert(2, "region_to", fl["corridor"].map(d.corridor_to.to_series()))
        out["flows_t"] = fl
    else:
        out["flows_t"] = empty_table("flows_t")

    out["prices_t"] = _prices(built, hours)
    return out


def _prices(built: BuiltModel, hours: xr.DataArray) -> pd.DataFrame:
    m, d, e = built.model, built.data, built.expressions
    load = d.demand_gw
    for extra in (e.campus_load, e.fab_load):
        if extra is not None:
            load = load + extra.solution.fillna(0.0)
    dual = m.constraints["energy_balance"].dual if "energy_balance" in m.constraints else None
    if dual is None or not np.isfinite(dual.values).any():
        price = xr.full_like(d.demand_gw, np.nan)
    else:
        # dual in $M per GW of one typical hour; per GWh it is dual / (w_t W_p)
        price = dual / (d.weight_hours * d.period_weight) * (USD_PER_MUSD / MW_PER_GW)
    df = _long(
        price.transpose("region", "period", "day", "step"),
        "price_usd_per_mwh",
        ["region"],
        hours,
        d.weight_hours,
    )
    df["load_mw"] = _long(
        (load * MW_PER_GW).transpose("region", "period", "day", "step"),
        "load_mw",
        ["region"],
        hours,
        d.weight_hours,
    )["load_mw"]
    return df


# --------------------------------------------------------------------------------------
# reading back


def _tables_of(source: Plan | Path | str | Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_dir():
            raise FileNotFoundError(f"{path} is not a plan folder (written by stateside plan --out DIR)")
        found: dict[str, pd.DataFrame] = {}
        for name in TIME_TABLES:
            f = path / f"{name}.parquet"
            if f.is_file():
                found[name] = pd.read_parquet(f)
        if not found:
            raise FileNotFoundError(
                f"{path} has no time-resolved results ({', '.join(n + '.parquet' for n in TIME_TABLES)}); "
                "plan again with this version of stateside: stateside plan SCENARIO --out DIR"
            )
        return found
    if isinstance(source, Mapping):
        return {k: v for k, v in source.items() if k in TIME_TABLES}
    return {k: v for k, v in source.tables.items() if k in TIME_TABLES}


def to_dataset(tables: Mapping[str, pd.DataFrame]) -> xr.Dataset:
    """One Dataset of the time-resolved tables; series left out of the tables read as 0
    (dispatch, storage) or NaN (flows, prices of a plan without them)."""
    arrays: dict[str, xr.DataArray] = {}
    weight: pd.Series | None = None
    hour: pd.Series | None = None
    for name in TIME_TABLES:
        df = tables.get(name)
        if df is None or not len(df):
            continue
        if weight is None:
            snap = df.drop_duplicates(["day", "step"]).set_index(["day", "step"]).sort_index()
            weight, hour = snap["weight_hours"].astype(float), snap["hour"].astype(int)
        keys = ["technology", "region"] if name in ("dispatch_t", "storage_t") else _KEYS[name][:1]
        index = [*keys, "period", "day", "step"]
        for value in _VALUES[name]:
            s = df.set_index(index)[value].astype(float)
            da = xr.DataArray.from_series(s)
            if name in ("dispatch_t", "storage_t"):
                da = da.fillna(0.0)
            arrays[value] = da
        if name == "flows_t":
            ends = df.drop_duplicates("corridor").set_index("corridor")
            arrays["region_from"] = xr.DataArray.from_series(ends["region_from"].astype(str))
            arrays["region_to"] = xr.DataArray.from_series(ends["region_to"].astype(str))
    ds = xr.Dataset(arrays)
    if weight is not None and hour is not None:
        ds["weight_hours"] = xr.DataArray.from_series(weight)
        ds = ds.assign_coords(hour=xr.DataArray.from_series(hour))
    units = {
        "dispatch_mw": "MW",
        "charge_mw": "MW",
        "discharge_mw": "MW",
        "soc_mwh": "MWh",
        "flow_mw": "MW",
        "capacity_forward_mw": "MW",
        "capacity_reverse_mw": "MW",
        "price_usd_per_mwh": "USD/MWh",
        "load_mw": "MW",
        "weight_hours": "h",
    }
    for v, u in units.items():
        if v in ds:
            ds[v].attrs["units"] = u
    ds.attrs["description"] = (
        "Stateside time-resolved results: typical days (day) of blocks (step), each snapshot "
        "standing for weight_hours hours of the year; annual energy = (x * weight_hours).sum(['day', 'step'])"
    )
    return ds


def read_timeseries(source: Plan | Path | str | Mapping[str, pd.DataFrame]) -> xr.Dataset:
    """The time-resolved results of a plan folder, a :class:`~stateside.plan.Plan` or its
    tables, as one :class:`xarray.Dataset`::

        from stateside.timeseries import read_timeseries
        ds = read_timeseries("out/")
        ds.price_usd_per_mwh.sel(region="TX", period=2030)            # (day, step)
        (ds.dispatch_mw * ds.weight_hours).sum(["day", "step"])      # MWh per year
    """
    tables = _tables_of(source)
    if not tables:
        raise ValueError(
            "this plan has no time-resolved results (it was made before they were kept); plan it again"
        )
    return to_dataset(tables)


def annual_price(prices_t: pd.DataFrame) -> pd.DataFrame:
    """Load-weighted average price per region and period (USD/MWh) from ``prices_t``."""
    p = prices_t.dropna(subset=["price_usd_per_mwh"])
    w = p["load_mw"].astype(float) * p["weight_hours"].astype(float)
    num = (p["price_usd_per_mwh"] * w).groupby([p["region"], p["period"]]).sum()
    den = w.groupby([p["region"], p["period"]]).sum()
    return (num / den.where(den > 0)).rename("price_usd_per_mwh").reset_index()
