"""The objective: discounted system cost (target mode) or IT capacity less cost (budget mode).

.. math::
    \\min \\sum_p W_p \\Big[ \\sum_{g,r,v} A_{g,v,p}\\, \\psi_g \\kappa_{g,r,v} b_{g,r,v}
      + \\sum_{g,r} \\phi_{g,p} (K_{g,r,p} - E_{g,r,p})
      + \\sum_t w_t \\big( \\sum_{g,r} \\mu_{g,r,p}\\, q_{g,r,p,t} + \\sum_{s,r} \\mu_{s,r,p}\\, o_{s,r,p,t}
      + \\sum_r \\lambda u_{r,p,t} \\big)
      + \\sum_c \\psi^{tx} \\kappa_c X_{c,p}
      + \\sum_k (\\psi_k \\kappa_k + \\phi_k)\\, m_k N_{k,p}
      + \\sum_f (\\psi_f \\kappa_f + \\phi_f) O_{f,p} \\Big] + \\text{penalties}

:math:`W_p = \\sum_{y \\in p} (1+r)^{-(y-y_0)}` discounted years of the period;
:math:`\\psi` capital recovery factors (annualised capex is counted in every period an
asset is active, PyPSA's multi-period convention); :math:`\\kappa` capex; :math:`\\phi`
fixed O&M per year; :math:`\\mu` marginal cost (VOM + fuel + carbon); :math:`\\lambda`
value of lost load. The fixed O&M of the existing fleet is a constant and left out
(it is reported in the plan's cost table). Penalties (undiscounted) price the elastic
slacks — see :mod:`stateside.model.data`. Grants are transfers: the social cost of a
fab is its whole capex; grants only lower the equity the coalition must raise.

Budget mode minimises the same cost less :math:`V \\sum_p L_p\\, IT_p`.
"""

from __future__ import annotations

import linopy

from stateside.model import data as md
from stateside.model.data import ModelData
from stateside.model.expressions import Expressions


def cost_terms(m: linopy.Model, d: ModelData, e: Expressions) -> dict[str, linopy.LinearExpression]:
    """Undiscounted annual cost per period by component ($M/yr), dims (period,)."""
    build = m.variables["build"]
    terms: dict[str, linopy.LinearExpression] = {}
    annual_capex = build.rename(period="vintage") * (
        d.active * d.annuity * d.capex_musd_per_gw.rename(period="vintage")
    )
    terms["generation_capex"] = annual_capex.sum(["technology", "region", "vintage"])
    new_capacity = e.capacity - d.existing_gw
    terms["fixed_om"] = (new_capacity * d.fom_musd_per_gw_year).sum(["technology", "region"])
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
    return terms


def penalty_terms(m: linopy.Model) -> dict[str, linopy.LinearExpression]:
    """Elastic-slack penalties ($M, not discounted)."""
    out: dict[str, linopy.LinearExpression] = {}
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
    for expr in penalty_terms(m).values():
        total = total + expr
    if d.mode == "budget" and e.it_online is not None:
        total = total - (e.it_online * (md.BUDGET_VALUE_MUSD_PER_GW * d.period_length_years)).sum()
    m.add_objective(total)
