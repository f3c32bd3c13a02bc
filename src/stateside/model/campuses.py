"""Data-center campuses: integer modules, site caps and the AI IT target."""

from __future__ import annotations

import linopy

from stateside.model.data import ModelData
from stateside.model.expressions import Expressions


def add_campus_limits(m: linopy.Model, d: ModelData) -> None:
    """``campus_site_limit``: :math:`\\sum_p n_{k,p} \\le \\bar N_k`, with
    :math:`n_{k,p} \\in \\mathbb{Z}_{\\ge 0}` and :math:`n_{k,p} = 0` before the site's earliest year."""
    if not d.has_campuses:
        return
    m.add_constraints(m.variables["modules"].sum("period") <= d.campus_max_modules, name="campus_site_limit")


def add_it_unpowered(m: linopy.Model, d: ModelData) -> None:
    """``it_unpowered_def``: IT capacity is not counted online while load is shed in its
    interconnection,

    .. math:: \\ell_{min}\\, v_{I,p} \\ge \\sum_{r \\in I} u_{r,p,t} \\quad \\forall t

    (:math:`v_{I,p} \\ge 0` variable ``it_unpowered``, :math:`\\ell_{min}` the least grid
    energy per IT GW of any campus). A target can therefore never be "met" by shedding
    load: each GW shed in any typical hour removes :math:`1/\\ell_{min}` GW from the IT
    counted online, and the diagnosis reports the target short and the lost load.
    """
    if "it_unpowered" not in m.variables:
        return
    v = m.variables["it_unpowered"]
    shed = (m.variables["unserved"] * d.interconnect_member).sum("region")
    lowest = float(d.campus_load_factor.min())
    m.add_constraints(lowest * v - shed >= 0, name="it_unpowered_def")


def it_counted(m: linopy.Model, e: Expressions) -> linopy.LinearExpression | None:
    """:math:`IT_p - \\sum_I v_{I,p}`: IT online that the grid actually powers."""
    if e.it_online is None:
        return None
    if "it_unpowered" in m.variables:
        return e.it_online - m.variables["it_unpowered"].sum("interconnect")
    return e.it_online


def add_it_target(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    """``it_target`` (target mode): :math:`IT_p - \\sum_I v_{I,p} + \\sigma^{IT}_p \\ge \\tau_p`
    with the elastic shortfall :math:`\\sigma^{IT}_p \\ge 0` penalised in the objective
    (with no candidate campuses at all, :math:`IT_p = 0` and the whole target is reported
    short)."""
    add_it_unpowered(m, d)
    if "target_short" not in m.variables:
        return
    short = m.variables["target_short"]
    counted = it_counted(m, e)
    lhs = short + counted if counted is not None else 1 * short
    m.add_constraints(lhs >= d.it_target_gw, name="it_target")
