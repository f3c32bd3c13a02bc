"""Builders of the model's coefficients, one module per component (PyPSA-style).

Each module turns one part of a checked :class:`~stateside.scenario.types.Scenario` into
a small frozen dataclass of labelled arrays, documented with its symbols and tested on
its own; :func:`stateside.model.data.prepare` assembles them into ``ModelData``.

============  ==============================================================
module        what it builds
============  ==============================================================
``time``      periods, discounting, typical days and their weights
``fleet``     technologies: costs, availability, existing fleet, retirements; fuel
              prices from :mod:`stateside.scenario.fuels`
``credits``   capacity accreditation (flat and stepwise credits)
``demand``    background demand, peak, reserve margins, penalty ordering
``corridors`` transfer corridors, seams and incidence
``campuses``  candidate AI campuses and IT targets
``fabs``      candidate fabs and the accelerator supply chain
``capital``   investors' capital by period and share caps
============  ==============================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

MW_PER_GW = 1_000.0
USD_PER_MUSD = 1e6
ACCELERATORS_PER_MILLION = 1e6


def da(values: object, coords: dict[str, pd.Index | list[object]], name: str | None = None) -> xr.DataArray:
    """A labelled array with the dims named by ``coords`` (in order)."""
    return xr.DataArray(np.asarray(values), coords=coords, dims=list(coords), name=name)


def years_bool(years: pd.Index, earliest: pd.Series | np.ndarray) -> np.ndarray:
    """(item, period) matrix: True where the period year is at or after the item's earliest year."""
    return np.asarray(years.values)[None, :] >= np.asarray(earliest, dtype=float)[:, None]


def annuity_factor(rate: float, lifetime_years: float) -> float:
    """Capital recovery factor :math:`r / (1 - (1 + r)^{-n})`; :math:`1/n` when r = 0."""
    if lifetime_years <= 0:
        raise ValueError("lifetime must be positive")
    if rate == 0:
        return 1.0 / lifetime_years
    return rate / (1.0 - (1.0 + rate) ** -lifetime_years)
