"""The security review of a plan's cap tables, round by round.

Each financing round of a project is a transaction; its cap table (every investor's
cumulative voting and economic %, board seat, observer and information rights) is
reviewed with :func:`stateside.security.caps.check_holdings`, which aggregates investors
controlled by the same foreign government within the round. The pseudo-investor of an
unfunded gap (``UNFUNDED``) is not an investor and is left out.
"""

from __future__ import annotations

import pandas as pd

from stateside.plan import Plan
from stateside.scenario.types import Scenario
from stateside.security.errors import SecurityDataError
from stateside.security.rules import SEVERITY

REVIEW_COLUMNS: list[str] = [
    "project",
    "asset_class",
    "period",
    "investor",
    "name",
    "country",
    "voting_pct",
    "group_voting_pct",
    "outcome",
    "rule_ids",
    "reasons",
    "changes",
]


def review_cap_tables(plan: Plan, scenario: Scenario) -> tuple[pd.DataFrame | None, str]:
    """Review every round of the plan's cap tables: (reviews, note). ``None`` when there is nothing to review."""
    ct = plan.tables.get("cap_tables")
    if ct is None or not len(ct):
        return None, "This plan has no cap tables (no finance tables), so there is nothing to review."
    from stateside.security.caps import check_holdings
    from stateside.security.profiles import SecurityContext

    try:
        ctx = SecurityContext.from_scenario(scenario)
        known = set(ctx.investors)
        parts = []
        for period, grp in ct.groupby("period", sort=True):
            g = grp[grp["investor"].astype(str).isin(known)]
            if not len(g):
                continue
            checked = check_holdings(scenario, g, context=ctx)
            checked["period"] = int(period)
            parts.append(checked)
    except (SecurityDataError, ValueError) as exc:
        return None, f"The security review could not run: {exc}"
    if not parts:
        return None, "No cap-table row names an investor of the scenario."
    out = pd.concat(parts, ignore_index=True)
    info = ct.drop_duplicates("investor").set_index("investor")
    out["name"] = out["investor"].map(info["name"]) if "name" in info else out["investor"]
    out["country"] = out["investor"].map(info["country"]) if "country" in info else ""
    out["_sev"] = out["outcome"].map(SEVERITY).fillna(0)
    out = out.sort_values(["_sev", "project", "period", "voting_pct"], ascending=[False, True, True, False])
    unfunded = sorted(set(ct["investor"].astype(str)) - known)
    note = f"Rows of {', '.join(unfunded)} (not investors) are not reviewed." if unfunded else ""
    return out.drop(columns="_sev")[REVIEW_COLUMNS].reset_index(drop=True), note


def worst_by_project(reviews: pd.DataFrame) -> pd.DataFrame:
    """Per project: the most severe outcome over its rounds and investors, and who causes it."""
    r = reviews.assign(_sev=reviews["outcome"].map(SEVERITY).fillna(0))
    idx = r.groupby("project")["_sev"].idxmax()
    worst = r.loc[idx, ["project", "asset_class", "outcome", "investor", "period", "rule_ids"]]
    return worst.reset_index(drop=True)
