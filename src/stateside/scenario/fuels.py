"""Delivered fuel prices per technology, region and period — one source per price.

A fuel's price in region r and period p is its row in ``fuel_prices.csv`` when the fuel
has regional rows there (and the fuel is then available only in the regions listed:
no pipeline gas in Hawaii), otherwise the national price in ``fuels.csv``. Validation
refuses a fuel priced in both places, so no input silently overrides another.

=====================  =================================================
symbol                 meaning
=====================  =================================================
:math:`\\pi_{f,r,p}`    delivered price of fuel f (USD/MMBtu)
:math:`a_{f,r,p}`      1 where fuel f can be had in region r in period p
=====================  =================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stateside.scenario.types import Scenario


@dataclass(frozen=True)
class FuelPrices:
    """``price``: (fuel, region, period) USD/MMBtu, NaN where the fuel is not available."""

    price: np.ndarray
    fuels: pd.Index
    regions: pd.Index
    periods: pd.Index

    def of(self, fuel: str) -> np.ndarray:
        """(region, period) price of a fuel; NaN where not available."""
        return self.price[self.fuels.get_loc(fuel)]


def fuel_price_table(scenario: Scenario) -> pd.DataFrame:
    """Tidy ``fuel, region, period, price_usd_per_mmbtu, basis`` for every available
    combination (``basis``: regional or national), the one reader of fuel prices."""
    fp = build_fuel_prices(scenario)
    rows = []
    regional = _regional_fuels(scenario)
    for i, f in enumerate(fp.fuels):
        for j, r in enumerate(fp.regions):
            for k, p in enumerate(fp.periods):
                v = fp.price[i, j, k]
                if np.isfinite(v):
                    rows.append(
                        (str(f), str(r), int(p), float(v), "regional" if f in regional else "national")
                    )
    return pd.DataFrame(rows, columns=["fuel", "region", "period", "price_usd_per_mmbtu", "basis"])


def _regional_fuels(scenario: Scenario) -> set[str]:
    table = scenario.tables.get("fuel_prices")
    if table is None or not len(table):
        return set()
    return {str(f) for f in table["fuel"]}


def build_fuel_prices(scenario: Scenario) -> FuelPrices:
    """Resolve :math:`\\pi_{f,r,p}` from fuels.csv and fuel_prices.csv (see module doc)."""
    s = scenario.settings
    fuels_df = scenario.fuels
    fuels = pd.Index(fuels_df["fuel"].astype(str), name="fuel")
    regions = pd.Index(scenario.regions["region"].astype(str), name="region")
    periods = pd.Index(s.period_years, name="period")
    price = np.full((len(fuels), len(regions), len(periods)), np.nan)
    national = (
        pd.to_numeric(fuels_df["price_usd_per_mmbtu"], errors="coerce").to_numpy(dtype=float)
        if "price_usd_per_mmbtu" in fuels_df.columns
        else np.full(len(fuels), np.nan)
    )
    price[:, :, :] = national[:, None, None]
    table = scenario.tables.get("fuel_prices")
    if table is not None and len(table):
        fpos = {f: i for i, f in enumerate(fuels)}
        rpos = {r: i for i, r in enumerate(regions)}
        ppos = {int(p): i for i, p in enumerate(periods)}
        for f in {str(x) for x in table["fuel"]}:
            if f in fpos:
                price[fpos[f]] = np.nan  # regional rows define where the fuel is available
        for row in table.itertuples(index=False):
            i, j, k = fpos.get(str(row.fuel)), rpos.get(str(row.region)), ppos.get(int(row.period))
            if i is not None and j is not None and k is not None:
                price[i, j, k] = float(row.price_usd_per_mmbtu)
    return FuelPrices(price=price, fuels=fuels, regions=regions, periods=periods)
