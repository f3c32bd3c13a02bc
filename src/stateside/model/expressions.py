"""Shared linear expressions built once from the variables.

=====================  ==========================================================================
symbol                 definition
=====================  ==========================================================================
:math:`K_{g,r,p}`      capacity: :math:`E^{kept}_{g,r,p} + \\sum_{v} A_{g,v,p}\\, b_{g,r,v}` (existing
                       capacity kept — :math:`E_{g,r,p}` after scheduled retirements, or the
                       variable :math:`O_{g,r,p} \\le E_{g,r,p}` where it may retire early — plus
                       every vintage v still within its lifetime in p)
:math:`B_{g,r,p}`      new capacity online: :math:`\\sum_{v} A_{g,v,p}\\, b_{g,r,v}`
:math:`X_{c,p}`        corridor expansion online: :math:`\\sum_{v \\le p} x_{c,v}`
:math:`N_{k,p}`        campus modules online: :math:`\\sum_{v \\le p} n_{k,v}`
:math:`O_{f,p}`        fab online: :math:`\\sum_{v \\le p} y_{f,v}`
:math:`L^{dc}_{r,p}`   campus grid load (GW): :math:`\\sum_{k \\in r} m_k\\, u_k\\, \\mathrm{PUE}_k N_{k,p}`
:math:`\\hat L^{dc}_{r,p}` campus peak load (GW): :math:`\\sum_{k \\in r} m_k\\, \\mathrm{PUE}_k N_{k,p}`
:math:`L^{fab}_{r,p}`  fab load (GW): :math:`\\sum_{f \\in r} P_f O_{f,p}`
:math:`IT_p`           AI IT capacity online (GW): :math:`\\sum_k m_k N_{k,p}`
:math:`P^{IT}_p`       IT equipment bought in period p (GW of IT): new modules and the
                       refresh of earlier ones, :math:`\\sum_k m_k (n_{k,p} + \\sum_v F_{v,p} n_{k,v})`
                       (:mod:`stateside.model.inputs.it_equipment`)
=====================  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.data import ModelData
from stateside.model.variables import membership, regional_sum


def cumulative(x: linopy.Variable | linopy.LinearExpression, periods: pd.Index) -> linopy.LinearExpression:
    """:math:`\\sum_{v \\le p} x_v` along the period dimension (lower-triangular sum), for a
    variable or an expression."""
    years = np.asarray(periods.values)
    tri = xr.DataArray(
        (years[None, :] >= years[:, None]).astype(float),
        coords={"vintage": years, "period": years},
        dims=["vintage", "period"],
    )
    return (x.rename(period="vintage") * tri).sum("vintage")


@dataclass
class Expressions:
    capacity: linopy.LinearExpression  # (technology, region, period) GW
    new_capacity: linopy.LinearExpression  # (technology, region, period) GW of builds online
    campus_peak: linopy.LinearExpression | None  # (region, period) GW at peak
    corridor_expansion: linopy.LinearExpression | None  # (corridor, period) GW
    campus_modules_online: linopy.LinearExpression | None  # (campus, period)
    fab_online: linopy.LinearExpression | None  # (fab, period)
    campus_load: linopy.LinearExpression | None  # (region, period) GW
    fab_load: linopy.LinearExpression | None  # (region, period) GW
    it_online: linopy.LinearExpression | None  # (period) GW
    it_purchase: linopy.LinearExpression | None = None  # (period) GW of IT equipment bought


def build_expressions(m: linopy.Model, d: ModelData) -> Expressions:
    build = m.variables["build"]
    new_capacity = (build.rename(period="vintage") * d.active).sum("vintage")
    fixed = d.existing_gw.where(~d.retirable, 0.0)
    capacity = new_capacity + fixed
    if "existing_online" in m.variables:
        capacity = capacity + m.variables["existing_online"]

    expansion = cumulative(m.variables["expand"], d.periods) if len(d.corridors) else None

    modules_online = campus_load = campus_peak = it_online = it_purchase = None
    if d.has_campuses:
        modules_online = cumulative(m.variables["modules"], d.periods)
        idx, sign = membership(d.campus_region, d.regions)
        # load of region r = sum over its campuses of (grid GW per module) x modules online
        energy_gw = m.variables["modules"] * (d.campus_module_gw * d.campus_load_factor)
        campus_load = cumulative(regional_sum_expr(m, energy_gw, idx, sign), d.periods)
        peak_gw = m.variables["modules"] * (d.campus_module_gw * d.campus_peak_factor)
        campus_peak = cumulative(regional_sum_expr(m, peak_gw, idx, sign), d.periods)
        it_online = (modules_online * d.campus_module_gw).sum("campus")
        it_purchase = it_equipment_bought(m, d)

    fab_online = fab_load = None
    if d.has_fabs:
        fab_online = cumulative(m.variables["fab_build"], d.periods)
        idx, sign = membership(d.fab_region, d.regions)
        fab_load = cumulative(
            regional_sum_expr(m, m.variables["fab_build"] * d.fab_power_gw, idx, sign), d.periods
        )

    return Expressions(
        capacity=capacity,
        new_capacity=new_capacity,
        campus_peak=campus_peak,
        corridor_expansion=expansion,
        campus_modules_online=modules_online,
        fab_online=fab_online,
        campus_load=campus_load,
        fab_load=fab_load,
        it_online=it_online,
        it_purchase=it_purchase,
    )


def it_equipment_bought(m: linopy.Model, d: ModelData) -> linopy.LinearExpression:
    """:math:`P^{IT}_p = \\sum_k m_k (n_{k,p} + \\sum_v F_{v,p} n_{k,v})`: GW of IT equipment
    bought in each period, new and refreshed (campuses only)."""
    new_it = (m.variables["modules"] * d.campus_module_gw).sum("campus")
    refreshed = (new_it.rename(period="vintage") * d.it_refresh).sum("vintage")
    return new_it + refreshed


def regional_sum_expr(
    m: linopy.Model, expr: linopy.LinearExpression, index: xr.DataArray, sign: xr.DataArray
) -> linopy.LinearExpression:
    """Like :func:`regional_sum` for a one-term-per-item expression (variable x coefficient)."""
    first = str(next(iter(dim for dim in expr.data["vars"].dims if dim != "_term")))
    data = expr.data
    pos = index.clip(min=0)
    labels = (
        data["vars"].isel({first: pos, "_term": 0}).where(index >= 0, -1).drop_vars(first, errors="ignore")
    )
    coeffs = (
        (data["coeffs"].isel({first: pos, "_term": 0}) * sign)
        .where(index >= 0, 0.0)
        .drop_vars(first, errors="ignore")
    )
    ds = xr.Dataset({"coeffs": coeffs.transpose(*labels.dims), "vars": labels.astype(np.int64)})
    return linopy.LinearExpression(ds, m)


__all__ = ["Expressions", "build_expressions", "cumulative", "it_equipment_bought", "regional_sum"]
