"""Elastic slacks and their penalties, ordered so the plan gives things up in a stated order.

Nothing in the plan is a hard wall that makes the problem infeasible: each target or
rule that may not be met has a slack with a penalty, and the diagnosis names every slack
in use with its size. From cheapest to dearest to give up:

1. **the IT target** — :math:`P_T` per GW short per period (1e5 $M/GW, i.e. 100 USD/W:
   far above the cost of a GW of campus for a period with its power and IT equipment —
   about 22,000 $M for a 2-year period of the default, IT equipment 7,800 $M/yr of it —
   even when a shortfall of half a module must be met with a whole one, so targets are
   met whenever they can be; issue 12 raised it from 5e4 when IT equipment was priced);
2. **the planning reserve margin** — :math:`P_{R,r,p}` per GW short per period:
   the larger of the user's ``reserve_shortfall_usd_per_kw_year`` x :math:`n_p` and
   :math:`1.01\\,P_T / \\min_k \\lambda_k(1+\\rho_r)`, so adding a campus whose peak the
   region cannot cover always costs more than leaving the target short;
3. **lost load** — each GW unserved in a typical hour costs
   :math:`\\max(W_p w_t \\mathrm{VOLL},\\; U)` with the floor
   :math:`U = 1.01\\, V / \\min_k \\ell_k`, where V is the value of one GW of IT in a
   period (:math:`P_T` in target mode, the budget value x the longest period in budget
   mode). Shedding background load in even one typical hour to run a campus therefore
   always costs more than reporting that campus's IT as short — the model can never
   "meet" a target by shedding load;
4. **capital** (100 $M per $M unfunded), 5. **accelerators** (1e6 $M per million short),
6. **security caps** (1,000 $M per $M above a cap).

Without campuses (power-only plans) the floor U is not applied: lost load costs VOLL.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from stateside.model.inputs import MW_PER_GW

PENALTY_TARGET_MUSD_PER_GW = 1e5
PENALTY_EQUITY_MUSD_PER_MUSD = 100.0
PENALTY_CHIPS_MUSD_PER_MILLION = 1e6
PENALTY_SECURITY_MUSD_PER_MUSD = 1_000.0
#: Value of 1 GW of IT capacity online for one year in budget mode ($M). It dwarfs
#: the cost term so capacity is maximised first; costs only break ties.
BUDGET_VALUE_MUSD_PER_GW = 1e5
#: margin by which each penalty exceeds the one below it
ORDER_MARGIN = 1.01


@dataclass(frozen=True)
class PenaltyData:
    voll_musd_per_gwh: float  # VOLL, the economic value reported for unserved energy
    unserved_floor_musd_per_gw: (
        float  # U: least objective cost of 1 GW unserved in any typical hour (0: none)
    )
    reserve_penalty_musd_per_gw: xr.DataArray  # (region, period) P_R
    #: (region, period) the user's reserve penalty alone (what P_R is without campuses)
    reserve_penalty_user_musd_per_gw: xr.DataArray


def build_penalties(
    *,
    mode: str,
    voll_usd_per_mwh: float,
    reserve_shortfall_usd_per_kw_year: float,
    period_length_years: xr.DataArray,
    reserve_margin: xr.DataArray,
    campus_load_factor: xr.DataArray,
    campus_peak_factor: xr.DataArray,
    has_campuses: bool,
) -> PenaltyData:
    """Penalties in model units ($M per GW or GWh), ordered as the module doc states."""
    user = reserve_shortfall_usd_per_kw_year * period_length_years  # USD/kW == $M/GW, per period
    penalty = user.broadcast_like(reserve_margin).transpose("region", "period").astype(float)
    user_penalty = penalty
    floor = 0.0
    if has_campuses and len(campus_load_factor):
        value = (
            PENALTY_TARGET_MUSD_PER_GW
            if mode == "target"
            else BUDGET_VALUE_MUSD_PER_GW * float(period_length_years.max())
        )
        lowest_load = max(float(campus_load_factor.min()), 1e-3)
        floor = ORDER_MARGIN * value / lowest_load
        lowest_peak = max(float(campus_peak_factor.min()), 1e-3)
        ordered = ORDER_MARGIN * value / (lowest_peak * (1.0 + reserve_margin))
        penalty = xr.apply_ufunc(np.maximum, penalty, ordered.broadcast_like(penalty))
    return PenaltyData(
        voll_musd_per_gwh=voll_usd_per_mwh / MW_PER_GW,
        unserved_floor_musd_per_gw=floor,
        reserve_penalty_musd_per_gw=penalty,
        reserve_penalty_user_musd_per_gw=user_penalty,
    )
