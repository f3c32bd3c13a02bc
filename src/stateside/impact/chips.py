"""CHIPS complementarity: how much of the campuses' accelerator need the plan's domestic
fabs meet, and which CHIPS-awarded fabs the plan relies on.

The model's chip balance (``model/fabs.py``) only asks that domestic supply plus imports
cover the need of each period's new campus modules; domestic supply is bounded by the
output of the online fabs over the years since the previous period. Domestic and
imported supply are not priced, so the solver may report both above the need. This
table reads the plan the way a reviewer would: **domestic first** — the need met by
domestic fabs is ``min(domestic, need)``, imports cover the rest — and says how much of
the fabs' output is left for other buyers.

``chips_fabs`` lists every candidate fab with its CHIPS award (``fabs.chips_award``), whether
the plan builds it, from when it is online, and the accelerators it can supply within the
plan's horizon; ``relied_on`` marks built fabs whose output meets part of the need.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stateside.plan import Plan, is_true
from stateside.scenario.types import Scenario

TOL = 1e-6

CHIPS_COLUMNS: list[str] = [
    "period",
    "years",
    "need",
    "domestic_output",
    "domestic_used",
    "imported",
    "short",
    "domestic_share",
    "min_domestic_share",
    "domestic_surplus",
    "fabs_online",
    "chips_awarded_fabs_online",
    "source_ids",
]
FAB_COLUMNS: list[str] = [
    "fab",
    "name",
    "region",
    "built",
    "decision_period",
    "online_from",
    "capex_usd",
    "grant_usd",
    "accelerators_per_year",
    "accelerators_in_horizon",
    "chips_award",
    "chips_awarded",
    "relied_on",
    "source_ids",
]


def period_gap_years(scenario: Scenario) -> dict[int, float]:
    """Years since the previous period (the first: since ``start_year``), at least 1 — as the model uses."""
    s = scenario.settings
    years = [int(y) for y in s.period_years]
    gaps = np.maximum(np.diff(np.concatenate([[float(s.start_year)], np.array(years, dtype=float)])), 1.0)
    return dict(zip(years, gaps.tolist(), strict=True))


def _awarded(v: object) -> bool:
    return isinstance(v, str) and bool(v.strip())


def chips_fabs(plan: Plan, scenario: Scenario, complementarity: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per candidate fab (see the module docstring)."""
    cand = scenario.fabs
    if not len(cand):
        return pd.DataFrame(columns=FAB_COLUMNS)
    gaps = period_gap_years(scenario)
    fabs = plan.tables.get("fabs", pd.DataFrame())
    decided: dict[str, int] = {}
    online: dict[str, int] = {}
    for r in fabs.itertuples(index=False):
        if is_true(r.decided):
            decided[str(r.fab)] = int(r.period)
        if is_true(r.online):
            online[str(r.fab)] = min(online.get(str(r.fab), 10**6), int(r.period))
    used_periods: set[int] = set()
    if complementarity is not None and len(complementarity):
        used_periods = {int(p) for p in complementarity.loc[complementarity["domestic_used"] > TOL, "period"]}
    rows = []
    for r in cand.to_dict("records"):
        fab = str(r["fab"])
        first = online.get(fab)
        per_year = float(r["accelerators_per_year"])
        horizon = sum(per_year * g for p, g in gaps.items() if first is not None and p >= first)
        award = r.get("chips_award")
        rows.append(
            {
                "fab": fab,
                "name": str(r.get("name") or fab),
                "region": str(r["region"]),
                "built": fab in decided,
                "decision_period": decided.get(fab),
                "online_from": first,
                "capex_usd": float(r["capex_usd"]),
                "grant_usd": float(r.get("grant_usd") or 0.0),
                "accelerators_per_year": per_year,
                "accelerators_in_horizon": horizon,
                "chips_award": award if _awarded(award) else "",
                "chips_awarded": _awarded(award),
                "relied_on": first is not None and any(p >= first for p in used_periods),
                "source_ids": "plan;scenario fabs.csv",
            }
        )
    out = pd.DataFrame(rows, columns=FAB_COLUMNS)
    out["decision_period"] = out["decision_period"].astype("Int64")
    out["online_from"] = out["online_from"].astype("Int64")
    return out


def chips_complementarity(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """Per period: need, domestic output, need met domestically, imports, surplus."""
    chips = plan.tables.get("chips", pd.DataFrame())
    if not len(chips):
        return pd.DataFrame(columns=CHIPS_COLUMNS)
    gaps = period_gap_years(scenario)
    cand = scenario.fabs
    output = dict(zip(cand["fab"].astype(str), cand["accelerators_per_year"].astype(float), strict=True))
    awarded = {str(r["fab"]) for r in cand.to_dict("records") if _awarded(r.get("chips_award"))}
    fabs = plan.tables.get("fabs", pd.DataFrame())
    min_share = scenario.settings.chips.min_domestic_share
    rows = []
    for r in chips.itertuples(index=False):
        p = int(r.period)
        on = sorted(
            str(f.fab) for f in fabs.itertuples(index=False) if int(f.period) == p and is_true(f.online)
        )
        capacity = gaps.get(p, 1.0) * sum(output.get(f, 0.0) for f in on)
        need = float(r.need)
        used = min(float(r.domestic), need, capacity) if need > TOL else 0.0
        imported = min(float(r.imported), max(need - used, 0.0))
        rows.append(
            {
                "period": p,
                "years": gaps.get(p, 1.0),
                "need": need,
                "domestic_output": capacity,
                "domestic_used": used,
                "imported": imported,
                "short": float(r.short),
                "domestic_share": used / need if need > TOL else np.nan,
                "min_domestic_share": float(min_share.get(p, 0.0)),
                "domestic_surplus": max(capacity - used, 0.0),
                "fabs_online": ";".join(on),
                "chips_awarded_fabs_online": sum(1 for f in on if f in awarded),
                "source_ids": "plan",
            }
        )
    return pd.DataFrame(rows, columns=CHIPS_COLUMNS)
