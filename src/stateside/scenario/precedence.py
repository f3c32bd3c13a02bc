"""Where two inputs legitimately combine, which one wins — said by ``stateside validate``.

Every input has one source (issue #14): a value is never silently overridden by another
table. Where two inputs *combine* by design — a blank cell that takes a setting, a step
table that replaces a flat column, a user profile that replaces a synthetic one — this
module names the rule and the rows it applies to, so a user editing one of them knows
whether the plan will see the edit.
"""

from __future__ import annotations

import pandas as pd

from stateside.scenario.types import Scenario

_SHOWN = 6


def _some(items: list[str]) -> str:
    head = ", ".join(items[:_SHOWN])
    return head + (f" … (+{len(items) - _SHOWN})" if len(items) > _SHOWN else "")


def precedence_notes(scenario: Scenario) -> list[str]:
    """One sentence per place where two inputs combine, naming the one that wins."""
    s = scenario.settings
    notes: list[str] = []
    regions = scenario.regions
    if "reserve_margin" in regions.columns:
        blank = regions[pd.to_numeric(regions["reserve_margin"], errors="coerce").isna()]["region"].astype(
            str
        )
        if len(blank):
            notes.append(
                f"regions.csv reserve_margin is blank for {len(blank)} region(s) ({_some(list(blank))}): "
                f"scenario.yaml reserve_margin {s.reserve_margin:g} applies there; elsewhere the region's own value wins"
            )
    demand = scenario.demand
    if "case" in demand.columns:
        cases = sorted({str(c) for c in demand["case"].dropna()})
        if len(cases) > 1:
            notes.append(
                f"demand.csv has cases {', '.join(cases)}: scenario.yaml demand_case {s.demand_case!r} selects the rows used"
            )
        demand = demand[demand["case"].astype(str) == s.demand_case]
    if "peak_demand_mw" in demand.columns:
        blank_peak = demand[pd.to_numeric(demand["peak_demand_mw"], errors="coerce").isna()]
        if len(blank_peak):
            notes.append(
                f"demand.csv peak_demand_mw is blank in {len(blank_peak)} row(s): the peak there is annual demand / 8760 "
                "x the hourly demand shape's peak-to-mean ratio"
            )
    steps = scenario.tables.get("capacity_credit_steps")
    if steps is not None and len(steps):
        techs = sorted({str(t) for t in steps["technology"]})
        notes.append(
            f"capacity_credit_steps.csv gives stepwise credits for {_some(techs)}: they replace those "
            "technologies' capacity_credit in technologies.csv"
        )
    prices = scenario.tables.get("fuel_prices")
    regional = sorted({str(f) for f in prices["fuel"]}) if prices is not None and len(prices) else []
    fuels = scenario.fuels
    national = sorted(
        str(f)
        for f, p in zip(
            fuels["fuel"], pd.to_numeric(fuels["price_usd_per_mmbtu"], errors="coerce"), strict=True
        )
        if pd.notna(p)
    )
    if regional:
        notes.append(
            f"fuel prices: {', '.join(regional)} by region and period from fuel_prices.csv (a region with no row has "
            f"no supply of that fuel)"
            + (f"; {', '.join(national)} one national price from fuels.csv" if national else "")
        )
    profiles = scenario.profiles
    if profiles is not None and len(profiles.columns):
        kinds: dict[str, int] = {}
        for col in profiles.columns:
            kind, _, region = str(col).partition(".")
            if region:
                kinds[kind] = kinds.get(kind, 0) + 1
        n_regions = len(regions)
        parts = [f"{kind} for {n} of {n_regions} regions" for kind, n in sorted(kinds.items())]
        notes.append(
            "profiles.csv replaces the synthetic hourly profiles: "
            + "; ".join(parts)
            + " (the rest synthetic, see docs/profiles.md)"
        )
    multipliers = scenario.tables.get("cost_multipliers")
    if multipliers is not None and len(multipliers):
        notes.append(
            "cost_multipliers.csv scales capex by region; technology and region pairs without a row use 1"
        )
    return notes
