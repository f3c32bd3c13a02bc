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


def add_it_target(m: linopy.Model, d: ModelData, e: Expressions) -> None:
    """``it_target`` (target mode): :math:`IT_p + \\sigma^{IT}_p \\ge \\tau_p` with the elastic
    shortfall :math:`\\sigma^{IT}_p \\ge 0` penalised in the objective (with no candidate
    campuses at all, :math:`IT_p = 0` and the whole target is reported short)."""
    if "target_short" not in m.variables:
        return
    short = m.variables["target_short"]
    lhs = short + e.it_online if e.it_online is not None else 1 * short
    m.add_constraints(lhs >= d.it_target_gw, name="it_target")
