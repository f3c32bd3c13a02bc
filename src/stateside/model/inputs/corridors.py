"""Transfer corridors between regions: capability, expansion and the seams between interconnections.

==================  ==================================================================
symbol              meaning
==================  ==================================================================
:math:`F^\\pm_c`     existing transfer capability from→to (+) and to→from (-), GW
:math:`\\bar X_c`    most expansion per period, GW
:math:`\\kappa_c`    expansion capex ($M/GW), annualised over 40 years
:math:`A_{r,c}`     incidence: +1 where r is the corridor's 'to' end, -1 its 'from' end
seam                the two ends lie in different interconnections (regions.interconnect)
==================  ==================================================================

A seam corridor is an asynchronous border: only DC ties cross it, so its data carry
the ties' capability (not an AC estimate) and its expansion is a back-to-back converter
project at the corridor's own expansion cost; with ``seam_expansion: off`` it cannot
be expanded at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs import MW_PER_GW, USD_PER_MUSD, annuity_factor, da, years_bool
from stateside.model.inputs.time import TimeData
from stateside.scenario.types import Scenario

#: annualisation lifetime of transmission (years), ReEDS's and PyPSA's usual 40
TRANSMISSION_LIFETIME_YEARS = 40.0


@dataclass(frozen=True)
class CorridorData:
    corridors: pd.Index
    corridor_from: xr.DataArray  # (corridor) region code
    corridor_to: xr.DataArray  # (corridor)
    corridor_is_seam: xr.DataArray  # (corridor) bool
    corridor_fwd_gw: xr.DataArray  # (corridor) F+
    corridor_rev_gw: xr.DataArray  # (corridor) F-
    corridor_capex_musd_per_gw: xr.DataArray  # (corridor)
    corridor_max_expansion_gw: xr.DataArray  # (corridor)
    corridor_can_build: xr.DataArray  # (corridor, period)
    corridor_annuity: float
    incidence_index: xr.DataArray  # (region, _term) corridor position, -1 padding
    incidence_sign: xr.DataArray  # (region, _term) +1 into region, -1 out, 0 padding


def build_corridors(scenario: Scenario, time: TimeData, regions: pd.Index) -> CorridorData:
    s = scenario.settings
    cor = scenario.corridors
    corridors = pd.Index(cor["corridor"].astype(str), name="corridor")
    cfrom = cor["region_from"].astype(str).to_numpy()
    cto = cor["region_to"].astype(str).to_numpy()
    ic = scenario.regions.set_index("region")["interconnect"].astype(str).str.lower()
    seam = np.array([ic.get(a) != ic.get(b) for a, b in zip(cfrom, cto, strict=True)], dtype=bool)
    earliest = s.start_year + cor["construction_years"].astype(float)
    can = years_bool(time.periods, earliest) & s.new_corridors_allowed
    if s.seam_expansion == "off":
        can = can & ~seam[:, None]
    inc_idx, inc_sign = _incidence(regions, cfrom, cto)
    return CorridorData(
        corridors=corridors,
        corridor_from=da(cfrom, {"corridor": corridors}),
        corridor_to=da(cto, {"corridor": corridors}),
        corridor_is_seam=da(seam, {"corridor": corridors}),
        corridor_fwd_gw=da(
            cor["existing_mw_forward"].astype(float).to_numpy() / MW_PER_GW, {"corridor": corridors}
        ),
        corridor_rev_gw=da(
            cor["existing_mw_reverse"].astype(float).to_numpy() / MW_PER_GW, {"corridor": corridors}
        ),
        corridor_capex_musd_per_gw=da(
            cor["expansion_capex_usd_per_mw"].astype(float).to_numpy() * MW_PER_GW / USD_PER_MUSD,
            {"corridor": corridors},
        ),
        corridor_max_expansion_gw=da(
            cor["max_expansion_mw_per_period"].astype(float).to_numpy() / MW_PER_GW, {"corridor": corridors}
        ),
        corridor_can_build=da(can, {"corridor": corridors, "period": time.periods}),
        corridor_annuity=annuity_factor(s.discount_rate, TRANSMISSION_LIFETIME_YEARS),
        incidence_index=da(inc_idx, {"region": regions, "_term": list(range(inc_idx.shape[1]))}),
        incidence_sign=da(inc_sign, {"region": regions, "_term": list(range(inc_idx.shape[1]))}),
    )


def _incidence(regions: pd.Index, cfrom: np.ndarray, cto: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sparse incidence :math:`A_{r,c}` as (region, term) position and sign arrays."""
    terms: dict[str, list[tuple[int, float]]] = {reg: [] for reg in regions}
    for k, (a, b) in enumerate(zip(cfrom, cto, strict=True)):
        terms[a].append((k, -1.0))
        terms[b].append((k, +1.0))
    width = max([len(v) for v in terms.values()] + [1])
    idx = np.full((len(regions), width), -1, dtype=int)
    sign = np.zeros((len(regions), width))
    for i, reg in enumerate(regions):
        for j, (k, sg) in enumerate(terms[reg]):
            idx[i, j] = k
            sign[i, j] = sg
    return idx, sign
