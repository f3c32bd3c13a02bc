"""Campus-owned generation: islanded operation before a campus's grid connection.

Symbols as in :mod:`stateside.model.inputs.campus_power`, plus :math:`b^o_{g,k,v}` the
on-site capacity of technology g built for campus k online from period v (variable
``onsite_build``, GW, owned by the coalition), :math:`q^o_{g,k,p,t}` its output
(``onsite_gen``), :math:`N_{k,p}` modules online, :math:`m_k` module IT GW,
:math:`\\ell_k` grid energy and :math:`\\lambda_k` peak per IT GW
(:mod:`stateside.model.inputs.campuses`), :math:`A_{g,v,p}` 1 while a vintage is within
its lifetime, :math:`\\psi_g` capital recovery factor, :math:`\\phi_{g,p}` fixed O&M.

* on-site capacity :math:`K^o_{g,k,p} = \\sum_v A_{g,v,p}\\, b^o_{g,k,v}`;
* ``onsite_dispatch_limit``: :math:`q^o_{g,k,p,t} \\le a_{g,k,t} K^o_{g,k,p}`;
* ``island_energy`` for islanded :math:`(k,p)`:
  :math:`\\sum_g q^o_{g,k,p,t} = \\ell_k m_k N_{k,p}` in every typical hour — the campus
  runs on its own plant and neither imports nor exports;
* ``island_firm`` for islanded :math:`(k,p)` in which the campus may run:
  :math:`\\sum_g \\kappa_g K^o_{g,k,p} = (1 + \\rho^o_k)\\, \\lambda_k m_k N_{k,p}`
  (N+1 redundancy on the campus's peak, and no more: an equality, so the coalition
  never builds grid capacity under a campus's name);
* ``onsite_firm_def``: :math:`F_{k,p} = c_{k,p} \\sum_g \\kappa_g K^o_{g,k,p}` (variable
  ``onsite_firm``), the firm capacity the campus's region counts;
* the units feed their region: :math:`\\sum_{k \\in r} \\sum_g q^o` joins the supply side of
  ``energy_balance`` and :math:`\\sum_{k \\in r} F_{k,p}` the firm capacity of
  ``reserve_margin``. The campus's load and peak are on its region's balance and reserve
  requirement in every period; while islanded the output cancels the load exactly
  (``island_energy``) and :math:`F_{k,p} = (1+\\rho_r) \\lambda_k m_k N_{k,p}` cancels the
  campus's share of the requirement exactly, so an island neither lends nor borrows;
* gas units draw on the national ``turbine_supply``;
* cost (objective term ``campus_power``, $M/yr of period p):
  :math:`\\sum_{g,k,v} A_{g,v,p} \\psi_g \\kappa^o_{g,k,v} b^o_{g,k,v} + \\sum_{g,k} \\phi_{g,p} K^o_{g,k,p}
  + \\sum_{g,k,t} w_t \\mu_{g,k,p} q^o_{g,k,p,t}`;
* capital: :math:`I^{cp}_p = \\sum_{g,k} \\kappa^o_{g,k,p} b^o_{g,k,p}` in asset class
  ``campus_power``, which the coalition funds (:mod:`stateside.model.capital`).
"""

from __future__ import annotations

import linopy
import xarray as xr

from stateside.model.data import ModelData
from stateside.model.expressions import Expressions
from stateside.model.variables import membership, regional_sum


def add_onsite_variables(m: linopy.Model, d: ModelData) -> None:
    """``onsite_build`` (campus, technology, period) and ``onsite_gen`` (campus,
    technology, period, day, step); campus first, so regional sums gather along it."""
    if not d.has_campus_power:
        return
    can = d.onsite_can_build.transpose("campus", "technology", "period")
    m.add_variables(lower=0, coords=[d.campuses, d.onsite_techs, d.periods], name="onsite_build", mask=can)
    online = _possibly_online(d).transpose("campus", "technology", "period")
    mask = online.broadcast_like(d.onsite_availability).transpose(
        "campus", "technology", "period", "day", "step"
    )
    m.add_variables(
        lower=0,
        coords=[d.campuses, d.onsite_techs, d.periods, d.days, d.steps],
        name="onsite_gen",
        mask=mask,
    )
    m.add_variables(
        lower=0,
        coords=[d.campuses, d.periods],
        name="onsite_firm",
        mask=online.any("technology").transpose("campus", "period"),
    )


def _possibly_online(d: ModelData) -> xr.DataArray:
    """(technology, campus, period) bool: some on-site vintage may be online."""
    active = d.active.sel(technology=d.onsite_techs)
    can = d.onsite_can_build.rename(period="vintage").astype(float)
    return (can * active).sum("vintage") > 0


def onsite_capacity(m: linopy.Model, d: ModelData) -> linopy.LinearExpression:
    """:math:`K^o_{g,k,p}` (campus, technology, period), GW."""
    active = d.active.sel(technology=d.onsite_techs)
    return (m.variables["onsite_build"].rename(period="vintage") * active).sum("vintage")


def add_campus_power(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    """``onsite_dispatch_limit``, ``island_energy`` and ``island_firm`` (see the module)."""
    if not d.has_campus_power:
        return
    assert e.campus_modules_online is not None
    gen = m.variables["onsite_gen"]
    cap = onsite_capacity(m, d)
    m.add_constraints(
        gen - d.onsite_availability * cap <= 0, name="onsite_dispatch_limit", mask=gen.labels >= 0
    )
    islanded = d.campus_islanded.transpose("campus", "period")
    energy_gw = e.campus_modules_online * (d.campus_module_gw * d.campus_load_factor)
    # every islanded hour in which an on-site unit may run: output = the campus's load
    # (0 before the campus runs: the units never sell to the grid while islanded)
    units = _possibly_online(d).any("technology").transpose("campus", "period")
    hourly = (islanded & units).broadcast_like(d.onsite_availability.isel(technology=0, drop=True))
    m.add_constraints(
        gen.sum("technology") - energy_gw == 0,
        name="island_energy",
        mask=hourly.transpose("campus", "period", "day", "step"),
    )
    firm = (cap * d.capacity_credit.sel(technology=d.onsite_techs)).sum("technology")
    peak = e.campus_modules_online * (
        d.campus_module_gw * d.campus_peak_factor * (1 + d.onsite_island_margin)
    )
    running = d.campus_islanded_running.transpose("campus", "period")
    m.add_constraints(firm - peak == 0, name="island_firm", mask=running)
    f = m.variables["onsite_firm"]
    m.add_constraints(f - d.onsite_firm_share * firm == 0, name="onsite_firm_def", mask=f.labels >= 0)


def _by_region(m: linopy.Model, d: ModelData, var: linopy.Variable) -> linopy.LinearExpression:
    idx, sign = membership(d.campus_region, d.regions)
    return regional_sum(m, var, idx, sign)


def onsite_supply(m: linopy.Model, d: ModelData) -> linopy.LinearExpression | None:
    """:math:`\\sum_{k \\in r} \\sum_g q^o_{g,k,p,t}` (region, period, day, step): the
    ``energy_balance`` term."""
    if not d.has_campus_power:
        return None
    return _by_region(m, d, m.variables["onsite_gen"]).sum("technology")


def onsite_firm(m: linopy.Model, d: ModelData) -> linopy.LinearExpression | None:
    """:math:`\\sum_{k \\in r} F_{k,p}` (region, period): the ``reserve_margin`` term."""
    if not d.has_campus_power:
        return None
    return _by_region(m, d, m.variables["onsite_firm"])


def onsite_turbines(m: linopy.Model, d: ModelData) -> linopy.LinearExpression | None:
    """:math:`\\sum_{g \\in \\mathcal T \\cap \\mathcal O} \\sum_k b^o_{g,k,p}` (period): on-site
    gas turbines in the national ``turbine_supply``."""
    if not d.has_campus_power:
        return None
    turbine = d.uses_turbine.sel(technology=d.onsite_techs)
    techs = d.onsite_techs[turbine.values.astype(bool)]
    if not len(techs):
        return None
    return m.variables["onsite_build"].sel(technology=techs).sum(["campus", "technology"])


def onsite_capex(m: linopy.Model, d: ModelData) -> linopy.LinearExpression | None:
    """:math:`I^{cp}_p = \\sum_{g,k} \\kappa^o_{g,k,p} b^o_{g,k,p}` (period), $M."""
    if not d.has_campus_power:
        return None
    return (m.variables["onsite_build"] * d.onsite_capex_musd_per_gw).sum(["campus", "technology"])


def onsite_cost(m: linopy.Model, d: ModelData) -> linopy.LinearExpression | None:
    """The objective term ``campus_power`` (period), $M/yr: annualised capex of the
    vintages online, fixed O&M of the capacity online, fuel and variable O&M."""
    if not d.has_campus_power:
        return None
    techs = d.onsite_techs
    active = d.active.sel(technology=techs)
    annual = m.variables["onsite_build"].rename(period="vintage") * (
        active * d.annuity.sel(technology=techs) * d.onsite_capex_musd_per_gw.rename(period="vintage")
    )
    fom = onsite_capacity(m, d) * d.fom_musd_per_gw_year.sel(technology=techs)
    run = m.variables["onsite_gen"] * (d.weight_hours * d.onsite_marginal_cost_musd_per_gwh)
    return (
        annual.sum(["campus", "technology", "vintage"])
        + fom.sum(["campus", "technology"])
        + run.sum(["campus", "technology", "day", "step"])
    )
