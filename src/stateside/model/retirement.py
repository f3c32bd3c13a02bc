"""Retirement of the existing fleet: scheduled, and economic (ReEDS/GenX-style).

Scheduled retirements (announced dates, or an age rule in the data) are in
:math:`E_{g,r,p}` (:mod:`stateside.model.inputs.fleet`). Where :math:`(g,r) \\in \\mathcal R`
the capacity kept, :math:`O_{g,r,p}` (variable ``existing_online``), is a decision:

* bound: :math:`0 \\le O_{g,r,p} \\le E_{g,r,p}`
* ``retirement_once``: :math:`O_{g,r,p} \\le O_{g,r,p-1}` — capacity retired stays retired

and its fixed O&M :math:`\\phi_{g,p} O_{g,r,p}` is in the objective, so a plant whose
energy and capacity value do not cover its fixed O&M retires early. Retired capacity in
period p is :math:`E_{g,r,p} - O_{g,r,p}` (reported as ``retired_mw`` in ``builds``).
"""

from __future__ import annotations

import linopy

from stateside.model.data import ModelData


def add_retirement(m: linopy.Model, d: ModelData) -> None:
    if "existing_online" not in m.variables or len(d.periods) < 2:
        return
    kept = m.variables["existing_online"]
    previous = kept.shift(period=1)
    mask = (kept.labels >= 0) & (previous.labels >= 0)
    m.add_constraints(kept - previous <= 0, name="retirement_once", mask=mask)
