"""Firm capacity: a planning reserve margin per region with limited firm imports."""

from __future__ import annotations

import linopy

from stateside.model.data import ModelData
from stateside.model.expressions import Expressions
from stateside.model.variables import regional_sum


def add_reserve_margin(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    """``reserve_margin`` per region and period:

    .. math::
        \\sum_g \\kappa_g K_{g,r,p} + \\sum_c A_{r,c}\\, z_{c,p}
        \\ge (1 + \\rho) \\left(\\hat D_{r,p} + L^{dc}_{r,p} + L^{fab}_{r,p}\\right)

    and ``reserve_flow_limit``: :math:`|z_{c,p}| \\le \\phi (F^\\pm_c + X_{c,p})`.

    :math:`\\kappa_g` capacity credit, :math:`z` firm capacity shared over a corridor
    (what one region counts, its neighbour gives up, so nothing is counted twice),
    :math:`\\phi` the firm-import share, :math:`\\rho` the reserve margin and
    :math:`\\hat D` background peak demand.
    """
    firm = (e.capacity * d.capacity_credit).sum("technology")
    lhs = firm
    if len(d.corridors):
        z = m.variables["reserve_flow"]
        assert e.corridor_expansion is not None
        phi = d.firm_import_share
        m.add_constraints(
            z - phi * e.corridor_expansion <= phi * d.corridor_fwd_gw, name="reserve_flow_forward_limit"
        )
        m.add_constraints(
            -z - phi * e.corridor_expansion <= phi * d.corridor_rev_gw, name="reserve_flow_reverse_limit"
        )
        lhs = lhs + regional_sum(m, z, d.incidence_index, d.incidence_sign)
    factor = 1.0 + d.reserve_margin
    if e.campus_load is not None:
        lhs = lhs - factor * e.campus_load
    if e.fab_load is not None:
        lhs = lhs - factor * e.fab_load
    m.add_constraints(lhs >= factor * d.peak_gw, name="reserve_margin")
