"""The objective: discounted system cost (target mode) or IT capacity less cost (budget mode).

.. math::
    \\min \\sum_p W_p \\Big[ \\sum_{g,r,v} A_{g,v,p}\\, \\psi_g \\kappa_{g,r,v} b_{g,r,v}
      + \\sum_{g,r} \\phi_{g,p} B_{g,r,p} + \\sum_{(g,r) \\in \\mathcal R} \\phi_{g,p} O_{g,r,p}
      + \\sum_t w_t \\big( \\sum_{g,r} \\mu_{g,r,p}\\, q_{g,r,p,t} + \\sum_{s,r} \\mu_{s,r,p}\\, o_{s,r,p,t}
      + \\sum_r \\lambda u_{r,p,t} \\big)
      + \\sum_c \\psi^{tx} \\kappa_c X_{c,p}
      + \\sum_k (\\psi_k \\kappa_k + \\phi_k)\\, m_k N_{k,p}
      + \\sum_f (\\psi_f \\kappa_f + \\phi_f) O_{f,p}
      + \\psi^{IT} \\sum_v A^{IT}_{v,p} \\big(\\kappa^{IT} P^{IT}_v + \\pi^{acc} (\\chi^{dom}_v + \\chi^{imp}_v)\\big)
      + C^{cp}_p \\Big] + \\text{penalties}

:math:`W_p = \\sum_{y \\in p} (1+r)^{-(y-y_0)}` discounted years of the period;
:math:`\\psi` capital recovery factors (annualised capex is counted in every period an
asset is active, PyPSA's multi-period convention); :math:`\\kappa` capex; :math:`\\phi`
fixed O&M per year; :math:`\\mu` marginal cost (VOM + fuel + carbon); :math:`\\lambda`
value of lost load. IT equipment (:mod:`stateside.model.inputs.it_equipment`) bought in
period v — new modules and refreshes, :math:`P^{IT}_v`, and the accelerators bought,
imported or domestic, at their price — is annualised over its refresh cycle R and
counted in each period p with :math:`y_v \\le y_p < y_v + R`, whoever buys it (the
tenant or the coalition: that only decides whose capital pays). The fixed O&M of existing capacity that may retire early
(:math:`O`, :mod:`stateside.model.retirement`) is in the objective; that of the rest of
the existing fleet is a constant, left out and reported in the plan's cost table.
Penalties (undiscounted) price the elastic slacks in a stated order — see
:mod:`stateside.model.inputs.penalties`: the IT target, the reserve margin
(:math:`P_{R,r,p} s_{r,p}`), and the floor that makes each GW of lost load in a typical
hour cost at least U (the part of :math:`\\max(W_p w_t \\lambda, U)` above
:math:`W_p w_t \\lambda`). Grants are transfers: the social cost of a
fab is its whole capex; grants only lower the equity the coalition must raise.

:math:`C^{cp}_p` is the annual cost of campus-owned generation (capex annuity, fixed
O&M, fuel; :func:`stateside.model.campus_power.onsite_cost`).

Budget mode minimises the same cost less :math:`V \\sum_p L_p\\, IT_p`.
"""

from __future__ import annotations

import linopy
import xarray as xr

from stateside.model import data as md
from stateside.model.campus_power import onsite_cost
from stateside.model.campuses import it_counted
from stateside.model.data import ModelData
from stateside.model.expressions import Expressions
from stateside.model.fabs import accelerators_bought


def cost_terms(m: linopy.Model, d: ModelData, e: Expressions) -> dict[str, linopy.LinearExpression]:
    """Undiscounted annual cost per period by component ($M/yr), dims (period,)."""
    build = m.variables["build"]
    terms: dict[str, linopy.LinearExpression] = {}
    annual_capex = build.rename(period="vintage") * (
        d.active * d.annuity * d.capex_musd_per_gw.rename(period="vintage")
    )
    terms["generation_capex"] = annual_capex.sum(["technology", "region", "vintage"])
    terms["fixed_om"] = (e.new_capacity * d.fom_musd_per_gw_year).sum(["technology", "region"])
    if "existing_online" in m.variables:
        terms["existing_fixed_om"] = (m.variables["existing_online"] * d.fom_musd_per_gw_year).sum(
            ["technology", "region"]
        )
    w = d.weight_hours
    gen_cost = d.marginal_cost_musd_per_gwh.sel(technology=d.generators)
    terms["fuel_and_variable_om"] = (m.variables["gen"] * (w * gen_cost)).sum(
        ["technology", "region", "day", "step"]
    )
    if len(d.storage):
        st_cost = d.marginal_cost_musd_per_gwh.sel(technology=d.storage)
        terms["fuel_and_variable_om"] = terms["fuel_and_variable_om"] + (
            m.variables["discharge"] * (w * st_cost)
        ).sum(["technology", "region", "day", "step"])
    terms["unserved_energy"] = (m.variables["unserved"] * (w * d.voll_musd_per_gwh)).sum(
        ["region", "day", "step"]
    )
    if e.corridor_expansion is not None:
        terms["transmission_capex"] = (
            e.corridor_expansion * (d.corridor_annuity * d.corridor_capex_musd_per_gw)
        ).sum("corridor")
    if e.campus_modules_online is not None:
        per_module = d.campus_module_gw * (
            d.campus_annuity * d.campus_capex_musd_per_gw + d.campus_fom_musd_per_gw_year
        )
        terms["datacenter"] = (e.campus_modules_online * per_module).sum("campus")
    if e.fab_online is not None:
        terms["fab"] = (e.fab_online * (d.fab_annuity * d.fab_capex_musd + d.fab_fom_musd_per_year)).sum(
            "fab"
        )
    bought = accelerators_bought(m)
    if e.it_purchase is not None and bought is not None:
        spend = e.it_purchase * d.it_rest_musd_per_gw + bought * d.accelerator_price_musd_per_million
        terms["it_equipment"] = (spend.rename(period="vintage") * (d.it_active * d.it_annuity)).sum("vintage")
    onsite = onsite_cost(m, d)
    if onsite is not None:
        terms["campus_power"] = onsite
    return terms


def unserved_value_musd_per_gw(d: ModelData) -> xr.DataArray:
    """Objective coefficient of 1 GW unserved in a typical hour at the value of lost load,
    discounted (period, day, step): :math:`W_p w_t \\mathrm{VOLL}` (without the floor U)."""
    return d.period_weight * d.weight_hours * d.voll_musd_per_gwh


def penalty_terms(m: linopy.Model, d: ModelData) -> dict[str, linopy.LinearExpression]:
    """Elastic-slack penalties ($M, not discounted)."""
    out: dict[str, linopy.LinearExpression] = {}
    out["reserve_short"] = (m.variables["reserve_short"] * d.reserve_penalty_musd_per_gw).sum()
    if d.unserved_floor_musd_per_gw > 0:
        valued = unserved_value_musd_per_gw(d)
        extra = (d.unserved_floor_musd_per_gw - valued).clip(min=0.0)
        if float(extra.max()) > 0:
            out["unserved_floor"] = (m.variables["unserved"] * extra).sum()
    weights = {
        "target_short": md.PENALTY_TARGET_MUSD_PER_GW,
        "equity_short": md.PENALTY_EQUITY_MUSD_PER_MUSD,
        "chips_short": md.PENALTY_CHIPS_MUSD_PER_MILLION,
        "cap_excess": md.PENALTY_SECURITY_MUSD_PER_MUSD,
    }
    for name, weight in weights.items():
        if name in m.variables:
            out[name] = (weight * m.variables[name]).sum()
    return out


def add_objective(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    terms = cost_terms(m, d, e)
    discounted = [(expr * d.period_weight).sum() for expr in terms.values()]
    total: linopy.LinearExpression = linopy.merge(discounted, cls=linopy.LinearExpression)
    for expr in penalty_terms(m, d).values():
        total = total + expr
    counted = it_counted(m, e)
    if d.mode == "budget" and counted is not None:
        total = total - (counted * (md.BUDGET_VALUE_MUSD_PER_GW * d.period_length_years)).sum()
    m.add_objective(total)
