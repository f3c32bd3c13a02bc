"""Investors' capital by period and the share caps that reach the model.

==================  ==================================================================
symbol              meaning
==================  ==================================================================
:math:`C_{i,p}`     new capital of investor i available in period p ($M): each
                    commitment counts in the first period whose year is at or after
                    its year, in full (``committed``/``funded`` under the committed
                    basis) or at its stage probability (expected basis)
:math:`\\delta_a`    debt share of asset class a
:math:`\\bar s_{i,a}` most share of class a's equity investor i may hold
==================  ==================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs import USD_PER_MUSD, da
from stateside.model.inputs.time import TimeData
from stateside.scenario.settings import ASSET_CLASSES
from stateside.scenario.types import Scenario


@dataclass(frozen=True)
class CapitalData:
    investors: pd.Index
    asset_classes: pd.Index
    debt_share: xr.DataArray  # (asset_class)
    capital_available_musd: xr.DataArray  # (investor, period)
    max_share: xr.DataArray  # (investor, asset_class) fraction
    max_share_reason: dict[tuple[str, str], str]


def build_capital(scenario: Scenario, time: TimeData, share_caps: pd.DataFrame | None) -> CapitalData:
    """``share_caps`` (investor, asset_class, max_share, reason) is the single place where
    security rules, investor exclusions and explicit caps reach the model."""
    s = scenario.settings
    inv = scenario.investors if not s.power_only else scenario.investors.iloc[0:0]
    investors = pd.Index(inv["investor"].astype(str), name="investor")
    asset_classes = pd.Index(list(ASSET_CLASSES), name="asset_class")
    starts = np.asarray(time.periods.values, dtype=float)
    available = np.zeros((len(investors), len(time.periods)))
    ipos = {x: i for i, x in enumerate(investors)}
    prob = s.finance.pipeline_probability
    for row in scenario.commitments.itertuples(index=False) if len(investors) else []:
        if str(row.investor) not in ipos:
            continue
        stage = str(row.stage)
        if s.finance.capital_basis == "committed":
            weight = 1.0 if stage in ("committed", "funded") else 0.0
        else:
            weight = float(prob[stage])
        j = int(np.searchsorted(starts, float(row.year), side="left"))
        if j < len(time.periods):
            available[ipos[str(row.investor)], j] += float(row.amount_usd) * weight / USD_PER_MUSD
    max_share = np.ones((len(investors), len(asset_classes)))
    reasons: dict[tuple[str, str], str] = {}
    if share_caps is not None and len(share_caps) and len(investors):
        apos = {x: i for i, x in enumerate(asset_classes)}
        for row in share_caps.itertuples(index=False):
            i_pos, a_pos = ipos.get(str(row.investor)), apos.get(str(row.asset_class))
            if i_pos is None or a_pos is None:
                continue
            max_share[i_pos, a_pos] = min(max_share[i_pos, a_pos], float(row.max_share))
            key = (str(row.investor), str(row.asset_class))
            reasons[key] = "; ".join(filter(None, [reasons.get(key), str(row.reason)]))
    return CapitalData(
        investors=investors,
        asset_classes=asset_classes,
        debt_share=da([s.finance.debt_share[a] for a in asset_classes], {"asset_class": asset_classes}),
        capital_available_musd=da(available, {"investor": investors, "period": time.periods}),
        max_share=da(max_share, {"investor": investors, "asset_class": asset_classes}),
        max_share_reason=reasons,
    )
