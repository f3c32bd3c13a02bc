"""Build-out limits beyond the variables' bounds.

Lead times and per-region limits are bounds and masks on ``build`` and ``expand``
(:mod:`stateside.model.variables`): :math:`b_{g,r,p} = 0` unless
:math:`y_p \\ge y_0 + T^{build}_g`, and :math:`b_{g,r,p} \\le \\bar B_g`.
"""

from __future__ import annotations

import linopy

from stateside.model.campus_power import onsite_turbines
from stateside.model.data import ModelData


def add_turbine_supply(m: linopy.Model, d: ModelData) -> None:
    """``turbine_supply``: national gas-turbine deliveries,

    .. math:: \\sum_{g \\in \\mathcal{T}} \\Big(\\sum_r b_{g,r,p} + \\sum_k b^o_{g,k,p}\\Big) \\le \\Theta\\, \\gamma_p

    :math:`\\mathcal T` the technologies that use a gas turbine, :math:`\\Theta` the
    deliveries available per year and :math:`\\gamma_p` the years since the previous
    period (turbines for period p are delivered in those years); :math:`b^o` the on-site
    units campuses build (:mod:`stateside.model.campus_power`) take turbines too.
    """
    if d.turbine_limit_gw is None:
        return
    turbine_techs = d.technologies[d.uses_turbine.values]
    if not len(turbine_techs):
        return
    total = m.variables["build"].sel(technology=turbine_techs).sum(["technology", "region"])
    onsite = onsite_turbines(m, d)
    if onsite is not None:
        total = total + onsite
    m.add_constraints(total <= d.turbine_limit_gw, name="turbine_supply")
