"""Fabs and the accelerator supply chain."""

from __future__ import annotations

import linopy

from stateside.model.data import ModelData
from stateside.model.expressions import Expressions, cumulative


def add_fab_once(m: linopy.Model, d: ModelData) -> None:
    """``fab_once``: :math:`\\sum_p y_{f,p} \\le 1`, :math:`y_{f,p} \\in \\{0,1\\}`, and
    :math:`y_{f,p} = 0` before :math:`\\max(y_0 + T^{lead}_f, y^{earliest}_f)`."""
    if not d.has_fabs:
        return
    m.add_constraints(m.variables["fab_build"].sum("period") <= 1, name="fab_once")


def add_chips(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    """Accelerators for the IT equipment bought in the period — new campus modules and the
    refresh of earlier ones, :math:`P^{IT}_p` (:mod:`stateside.model.expressions`) — in millions:

    * ``chips_balance``: :math:`\\chi^{dom}_p + \\chi^{imp}_p + \\sigma^{chip}_p \\ge \\alpha P^{IT}_p`
    * ``chips_fab_output``: :math:`\\chi^{dom}_p \\le \\gamma_p \\sum_f Q_f O_{f,p}`
    * ``chips_domestic_share``: :math:`\\chi^{dom}_p \\ge \\delta_p\\, \\alpha P^{IT}_p`
    * bound: :math:`\\chi^{imp}_p \\le \\gamma_p \\bar I`

    :math:`\\alpha` accelerators per GW of IT, :math:`Q_f` fab output per year,
    :math:`\\gamma_p` years since the previous period, :math:`\\delta_p` minimum domestic share.
    Every accelerator bought costs :math:`\\pi^{acc}` (objective and capex), so the plan
    buys exactly what it needs: imports are the need less domestic supply.
    """
    if not d.has_campuses:
        return
    assert e.it_purchase is not None
    need = e.it_purchase * d.accelerators_million_per_gw
    dom, imp, short = m.variables["chips_domestic"], m.variables["chips_import"], m.variables["chips_short"]
    m.add_constraints(dom + imp + short - need >= 0, name="chips_balance")
    if d.has_fabs:
        output = (cumulative(m.variables["fab_build"], d.periods) * d.fab_output_million_per_year).sum("fab")
        m.add_constraints(dom - d.period_gap_years * output <= 0, name="chips_fab_output")
    else:
        m.add_constraints(dom <= 0, name="chips_fab_output")
    if float(d.min_domestic_share.max()) > 0:
        m.add_constraints(dom + short - d.min_domestic_share * need >= 0, name="chips_domestic_share")


def accelerators_bought(m: linopy.Model) -> linopy.LinearExpression | None:
    """:math:`\\chi^{dom}_p + \\chi^{imp}_p` (millions), None without campuses."""
    if "chips_import" not in m.variables:
        return None
    return m.variables["chips_domestic"] + m.variables["chips_import"]
