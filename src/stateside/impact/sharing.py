"""Benefit sharing: who gets the campus capacity, and whose capital pays for it.

* ``benefit_sharing`` — per period, the AI IT capacity online split by the scenario's
  ``impact.benefit_sharing`` shares between the sponsor, other companies and allied
  countries; the allied countries' part is divided among the allied countries (every
  investor country other than ``impact.home_country``) in proportion to their cumulative
  datacenter equity in the plan (``allied_split: equity``) or equally among the allied
  countries that have invested by then (``equal``). With no allied equity yet, the
  allied part stays unassigned.
* ``capital_by_country`` — the coalition's plan equity (the ``capital`` table) by
  investor country: USD, share, and whether the country is allied (not the home country);
  the allied share of the coalition's capital is the sum of the allied rows' shares.
"""

from __future__ import annotations

import pandas as pd

from stateside.plan import Plan
from stateside.scenario.types import Scenario

TOL = 1e-6

SHARING_COLUMNS: list[str] = [
    "period",
    "party",
    "country",
    "share",
    "it_mw",
    "basis",
    "source_ids",
]
COUNTRY_COLUMNS: list[str] = [
    "country",
    "allied",
    "investors",
    "equity_usd",
    "share",
    "datacenter_equity_usd",
    "committed_usd",
    "source_ids",
]


def _equity_by_country(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    cap = plan.tables.get("capital", pd.DataFrame())
    if not len(cap):
        return pd.DataFrame(columns=["investor", "asset_class", "period", "equity_usd", "country"])
    country = dict(
        zip(
            scenario.investors["investor"].astype(str), scenario.investors["country"].astype(str), strict=True
        )
    )
    out = cap.copy()
    out["investor"] = out["investor"].astype(str)
    out["country"] = out["investor"].map(country).fillna("??")
    return out


def capital_by_country(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """Plan equity by investor country, with the allied flag and share."""
    home = scenario.settings.impact.home_country
    eq = _equity_by_country(plan, scenario)
    inv = scenario.investors
    committed: dict[str, float] = {}
    pipeline = plan.tables.get("capital_pipeline")
    if pipeline is not None and len(pipeline) and "committed_usd" in pipeline:
        committed = pipeline.groupby("country")["committed_usd"].sum().to_dict()
    rows = []
    total = float(eq["equity_usd"].sum()) if len(eq) else 0.0
    for c in sorted(set(inv["country"].astype(str))):
        sub = eq[eq["country"] == c] if len(eq) else eq
        equity = float(sub["equity_usd"].sum()) if len(sub) else 0.0
        dc = float(sub.loc[sub["asset_class"] == "datacenter", "equity_usd"].sum()) if len(sub) else 0.0
        rows.append(
            {
                "country": c,
                "allied": c != home,
                "investors": ";".join(
                    sorted(inv.loc[inv["country"].astype(str) == c, "investor"].astype(str))
                ),
                "equity_usd": equity,
                "share": equity / total if total > TOL else 0.0,
                "datacenter_equity_usd": dc,
                "committed_usd": float(committed.get(c, 0.0)),
                "source_ids": "plan",
            }
        )
    out = pd.DataFrame(rows, columns=COUNTRY_COLUMNS)
    return out.sort_values(["equity_usd", "country"], ascending=[False, True]).reset_index(drop=True)


def benefit_sharing(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """Campus capacity online per period split between sponsor, other companies and allied countries."""
    it = plan.tables.get("it_capacity", pd.DataFrame())
    if not len(it):
        return pd.DataFrame(columns=SHARING_COLUMNS)
    settings = scenario.settings.impact
    shares = settings.benefit_sharing
    home = settings.home_country
    eq = _equity_by_country(plan, scenario)
    allied_eq = eq[(eq["country"] != home)] if len(eq) else eq
    rows = []
    for r in it.itertuples(index=False):
        p, mw = int(r.period), float(r.online_mw)
        for party, share in (("sponsor", shares.sponsor), ("other_companies", shares.other_companies)):
            rows.append(
                {
                    "period": p,
                    "party": party,
                    "country": "",
                    "share": share,
                    "it_mw": mw * share,
                    "basis": f"impact.benefit_sharing.{party}",
                    "source_ids": "illustrative;plan",
                }
            )
        so_far = allied_eq[allied_eq["period"] <= p] if len(allied_eq) else allied_eq
        if settings.allied_split == "equity":
            weights = (
                so_far[so_far["asset_class"] == "datacenter"].groupby("country")["equity_usd"].sum()
                if len(so_far)
                else pd.Series(dtype=float)
            )
            basis = "cumulative datacenter equity of the country's investors"
        else:
            countries = sorted(set(so_far.loc[so_far["equity_usd"] > TOL, "country"])) if len(so_far) else []
            weights = pd.Series(1.0, index=countries, dtype=float)
            basis = "equal among allied countries that have invested"
        weights = weights[weights > TOL]
        if not len(weights):
            rows.append(
                {
                    "period": p,
                    "party": "allied_countries",
                    "country": "",
                    "share": shares.allied_countries,
                    "it_mw": mw * shares.allied_countries,
                    "basis": "impact.benefit_sharing.allied_countries (no allied equity yet: unassigned)",
                    "source_ids": "illustrative;plan",
                }
            )
            continue
        total = float(weights.sum())
        for c, w in sorted(weights.items()):
            share = shares.allied_countries * float(w) / total
            rows.append(
                {
                    "period": p,
                    "party": "allied_countries",
                    "country": str(c),
                    "share": share,
                    "it_mw": mw * share,
                    "basis": f"impact.benefit_sharing.allied_countries x {float(w) / total:.1%} ({basis})",
                    "source_ids": "illustrative;plan",
                }
            )
    return pd.DataFrame(rows, columns=SHARING_COLUMNS)
