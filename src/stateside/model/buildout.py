"""Build-out limits beyond the variables' bounds.

Lead times and per-region limits are bounds and masks on ``build`` and ``expand``
(:mod:`stateside.model.variables`): :math:`b_{g,r,p} = 0` unless
:math:`y_p \\ge y_0 + T^{build}_g`, and :math:`b_{g,r,p} \\le \\bar B_g`.
"""

from __future__ import annotations

import linopy

from stateside.model.data import ModelData


def add_turbine_supply(m: linopy.Model, d: ModelData) -> None:
    """``turbine_supply``: national gas-turbine deliveries,

    .. math:: \\sum_{g \\in \\mathcal{T}} \\sum_r b_{g,r,p} \\le \\Theta\\, \\gamma_p

    :math:`\\mathcal T` the technologies that use a gas turbine, :math:`\\Theta` the
    deliveries available per year and :math:`\\gamma_p` the years since the previous
    period (turbines for period p are delivered in those years).
    """
    if d.turbine_limit_gw is None:
        return
    turbine_techs = d.technologies[d.uses_turbine.values]
    if not len(turbine_techs):
        return
    build = m.variables["build"].sel(technology=turbine_techs)
    m.add_constraints(build.sum(["technology", "region"]) <= d.turbine_limit_gw, name="turbine_supply")
