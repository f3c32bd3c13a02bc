"""Firm capacity: a planning reserve margin per region, with accredited capacity, firm
imports that share corridor capability with energy flows, and an elastic shortfall.

``reserve_margin`` per region r and period p:

.. math::
    \\sum_{g \\notin \\mathcal C} \\kappa_g K_{g,r,p}
    + \\sum_{g \\in \\mathcal C} \\sum_k c_{g,k}\\, y_{g,r,p,k}
    + \\sum_c A_{r,c} (z^+_{c,p} - z^-_{c,p})
    + \\sum_{k \\in r} \\sum_g \\kappa_g K^o_{g,k,p} + s_{r,p}
    \\ge (1 + \\rho_r) \\left(\\hat D_{r,p} + \\hat L^{dc}_{r,p} + L^{fab}_{r,p}\\right)

* ``credit_tranche_limit``: :math:`\\sum_k y_{g,r,p,k} \\le K_{g,r,p}` for stepped
  technologies :math:`\\mathcal C` (:mod:`stateside.model.inputs.credits`)
* ``firm_forward_limit``: :math:`z^+_{c,p} \\le \\phi (F^+_c + X_{c,p})`,
  ``firm_reverse_limit``: :math:`z^-_{c,p} \\le \\phi (F^-_c + X_{c,p})`; the same
  :math:`z^\\pm` also take corridor capability from energy flows in every hour
  (:func:`stateside.model.power.add_corridor_limits`)

:math:`\\kappa_g` flat credit on summer rating; :math:`z^\\pm` firm capacity lent over a
corridor (what one region counts, its neighbour gives up, so nothing is counted twice);
:math:`\\phi` the firm-import share; :math:`\\rho_r` the region's reserve margin;
:math:`\\hat D` background peak; :math:`\\hat L^{dc}` campus peak (IT x PUE, as
interconnection planning counts it); :math:`s_{r,p} \\ge 0` the shortfall (variable
``reserve_short``), penalised above the IT target (:mod:`stateside.model.inputs.penalties`)
and reported as "reserve margin in XX short by N MW in YEAR".
"""

from __future__ import annotations

import linopy

from stateside.model.campus_power import onsite_firm
from stateside.model.data import ModelData
from stateside.model.expressions import Expressions
from stateside.model.variables import regional_sum


def add_reserve_margin(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    lhs = (e.capacity * d.capacity_credit).sum("technology") + m.variables["reserve_short"]
    if len(d.credit_techs):
        y = m.variables["credit_tranche"]
        m.add_constraints(
            y.sum("credit_step") - e.capacity.sel(technology=d.credit_techs) <= 0, name="credit_tranche_limit"
        )
        lhs = lhs + (y * d.credit_step_value).sum(["technology", "credit_step"])
    if len(d.corridors):
        fwd, rev = m.variables["firm_forward"], m.variables["firm_reverse"]
        assert e.corridor_expansion is not None
        phi = d.firm_import_share
        m.add_constraints(
            fwd - phi * e.corridor_expansion <= phi * d.corridor_fwd_gw, name="firm_forward_limit"
        )
        m.add_constraints(
            rev - phi * e.corridor_expansion <= phi * d.corridor_rev_gw, name="firm_reverse_limit"
        )
        lhs = lhs + regional_sum(m, fwd, d.incidence_index, d.incidence_sign)
        lhs = lhs - regional_sum(m, rev, d.incidence_index, d.incidence_sign)
    onsite = onsite_firm(m, d)
    if onsite is not None:
        lhs = lhs + onsite
    factor = 1.0 + d.reserve_margin
    if e.campus_peak is not None:
        lhs = lhs - factor * e.campus_peak
    if e.fab_load is not None:
        lhs = lhs - factor * e.fab_load
    m.add_constraints(lhs >= factor * d.peak_gw, name="reserve_margin")
