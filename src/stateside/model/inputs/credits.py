"""Capacity accreditation: the firm share of each technology's summer capacity.

A technology without steps counts :math:`\\kappa_g K_{g,r,p}`. A technology with steps in
``capacity_credit_steps.csv`` (solar, wind, storage) has a credit that falls as its
capacity grows relative to the region's background peak (ReEDS/PJM-style declining
marginal ELCC): its capacity is split into tranches :math:`y_{g,r,p,k} \\ge 0` with

.. math::
    y_{g,r,p,k} \\le (s_k - s_{k-1})\\, \\hat D_{r,p}, \\qquad \\sum_k y_{g,r,p,k} \\le K_{g,r,p},
    \\qquad \\text{firm}_{g,r,p} = \\sum_k c_{g,k}\\, y_{g,r,p,k}

(:math:`s_k` the step's upper share of peak, :math:`s_0 = 0`, the last step unbounded;
:math:`c_{g,k}` its credit). Credits fall with k, so the tranches fill in order without
integers.

===================  ===========================================================
symbol               meaning
===================  ===========================================================
:math:`\\kappa_g`     flat capacity credit on summer rating (technologies.csv)
:math:`c_{g,k}`      credit of step k
:math:`s_k`          upper bound of step k as a share of the region's peak
===================  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs import da
from stateside.scenario.types import Scenario


@dataclass(frozen=True)
class CreditData:
    capacity_credit: xr.DataArray  # (technology) flat kappa_g (0 for stepped technologies)
    credit_techs: pd.Index  # technologies with steps
    credit_steps: pd.Index  # "credit_step" 1..K (the most steps any technology has)
    credit_step_value: (
        xr.DataArray
    )  # (technology in credit_techs, credit_step) c_{g,k}; 0 beyond its last step
    credit_step_share: xr.DataArray  # (technology, credit_step) s_k - s_{k-1}; inf on the last; 0 beyond


def build_credits(scenario: Scenario, technologies: pd.Index) -> CreditData:
    tech_df = scenario.technologies.set_index("technology")
    flat = tech_df["capacity_credit"].astype(float).reindex(technologies).to_numpy()
    table = scenario.tables.get("capacity_credit_steps")
    stepped: dict[str, list[tuple[int, float, float]]] = {}
    if table is not None and len(table):
        for row in table.itertuples(index=False):
            upto = row.share_of_peak_upto
            bound = np.inf if upto is None or pd.isna(upto) else float(upto)
            stepped.setdefault(str(row.technology), []).append(
                (int(row.step), bound, float(row.capacity_credit))
            )
    credit_techs = pd.Index([t for t in technologies if t in stepped], name="technology")
    n_steps = max([len(v) for v in stepped.values()] + [1])
    steps = pd.Index(range(1, n_steps + 1), name="credit_step")
    value = np.zeros((len(credit_techs), n_steps))
    width = np.zeros((len(credit_techs), n_steps))
    for i, t in enumerate(credit_techs):
        previous = 0.0
        for k, (_, bound, credit) in enumerate(sorted(stepped[t])):
            value[i, k] = credit
            width[i, k] = bound - previous
            previous = bound
        width[i, len(stepped[t]) - 1] = np.inf  # the last step has no upper bound
    flat = np.where(np.isin(np.asarray(technologies), np.asarray(credit_techs)), 0.0, flat)
    return CreditData(
        capacity_credit=da(flat, {"technology": technologies}),
        credit_techs=credit_techs,
        credit_steps=steps,
        credit_step_value=da(value, {"technology": credit_techs, "credit_step": steps}),
        credit_step_share=da(width, {"technology": credit_techs, "credit_step": steps}),
    )
