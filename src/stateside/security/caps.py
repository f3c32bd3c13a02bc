"""The rules bound the plan: share caps for the planning model, derived from the rules.

Contract with the model: ``derive_share_caps(scenario)`` returns a DataFrame with columns
``investor, asset_class, max_share, reason``: ``max_share`` is a fraction (0..1) of the
asset class's equity in each period, one row per binding (investor, asset class).

One source of truth: a rule cap is found by running the very review of ``review.py`` on
the investor's plan holding (voting = economic = its share of the equity, rights = its
board seat flag) at every percentage where a rule's threshold lies, and taking the
highest share below the first threshold whose outcome is to be avoided (prohibited;
also a mandatory declaration if ``settings.security.avoid_mandatory_declarations``),
less ``caps.margin_pct`` of the rules. Outcomes are constant between thresholds, so the
cap is exact. A class with several projects (campuses with different flags) takes the
tightest project; the class share is meant to be spread pro rata over its projects.

Investors controlled by one foreign government are considered together (§800.208(b)): a
group cap is derived on their summed share and, by default, split equally among them so
that the per-investor contract alone keeps the group below it
(``derive_group_caps`` gives the exact joint cap for a model that can add Σ constraints).
Investors' own exclusions and ``max_share_pct``, and the scenario's ``share_caps`` rows,
are merged in: the tightest cap wins, the reasons are joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from stateside.security.graph import as_bool, as_float
from stateside.security.profiles import ASSET_CLASSES, AssetProfile, InvestorProfile, SecurityContext, as_list
from stateside.security.review import (
    CapTableRow,
    Holding,
    Review,
    evaluate,
    fmt_pct,
    review_cap_table,
)
from stateside.security.rules import OUTCOME_LABELS, Outcome, RuleSet

CAP_COLUMNS: list[str] = ["investor", "asset_class", "max_share", "reason"]
TINY_PCT = 1e-6


@dataclass(frozen=True)
class RuleCap:
    """A cap from the rules, with the review at the threshold that sets it."""

    max_share: float
    threshold_pct: float | None
    outcome: Outcome | None
    rule_ids: tuple[str, ...]
    sections: tuple[str, ...]
    asset: AssetProfile

    def reason(self, inv: InvestorProfile, avoided: set[str]) -> str:
        """Why the cap exists, in one line."""
        if self.outcome is None:
            return "no rule binds"
        rules_txt = ", ".join(f"{i} ({s})" for i, s in zip(self.rule_ids, self.sections, strict=True))
        where = "" if self.asset.class_level else f" on {self.asset.name}"
        start = (
            "any holding"
            if not self.threshold_pct or self.threshold_pct <= TINY_PCT
            else f"≥ {fmt_pct(self.threshold_pct)}"
        )
        why = " (avoid_mandatory_declarations)" if self.outcome == "mandatory_declaration" else ""
        return f"{inv.name}: {start}{where} would be {OUTCOME_LABELS[self.outcome]}{why} under {rules_txt}"


def rule_cap(
    rules: RuleSet,
    inv: InvestorProfile,
    asset: AssetProfile,
    avoid: set[str],
    *,
    rights: frozenset[str] | None = None,
    group: bool = False,
) -> RuleCap:
    """The highest share of ``asset`` the investor may hold without an outcome in ``avoid``.

    ``group``: the share is that of the investor's whole same-government group.
    """
    rights = inv.rights if rights is None else rights
    # Outcomes only change at rule thresholds ("≥ t" at t, "> t" just above t).
    thresholds = [t for t in rules.voting_thresholds_pct() if t < 100.0]
    points = sorted({TINY_PCT, *(t for t in thresholds if t > 0), *(t + TINY_PCT for t in thresholds), 100.0})
    margin = rules.caps.margin_pct

    def holding(pct: float) -> Holding:
        return Holding(pct, pct, rights, pct if group else None)

    for i, pct in enumerate(points):
        outcome, reasons, _ = evaluate(rules, inv, asset, holding(pct))
        if outcome not in avoid:
            continue
        deciding = [r for r in reasons if r.outcome == outcome]
        # Every point below ``pct`` was allowed and outcomes are constant between points,
        # so any share below ``pct`` is allowed; keep ``margin`` below it.
        cap_pct = 0.0 if i == 0 else max(pct - margin, 0.0)
        if cap_pct > 0 and evaluate(rules, inv, asset, holding(cap_pct))[0] in avoid:
            cap_pct = 0.0  # defensive: a rule that is not monotone in the share
        return RuleCap(
            max_share=cap_pct / 100.0,
            threshold_pct=pct,
            outcome=outcome,
            rule_ids=tuple(r.rule_id for r in deciding),
            sections=tuple(r.section for r in deciding),
            asset=asset,
        )
    return RuleCap(1.0, None, None, (), (), asset)


def avoided_outcomes(scenario: Any) -> set[str]:
    """Outcomes the plan must avoid under the scenario's security settings."""
    avoid = {"prohibited"}
    if scenario.settings.security.avoid_mandatory_declarations:
        avoid.add("mandatory_declaration")
    return avoid


def _class_rule_cap(
    ctx: SecurityContext, inv: InvestorProfile, asset_class: str, avoid: set[str], *, group: bool = False
) -> RuleCap:
    caps = [rule_cap(ctx.rules, inv, a, avoid, group=group) for a in ctx.assets_of_class(asset_class)]
    return min(caps, key=lambda c: c.max_share)


def derive_group_caps(scenario: Any, *, context: SecurityContext | None = None) -> pd.DataFrame:
    """Joint caps on investors controlled by one foreign government (§800.208(b)).

    Columns ``group, investors, asset_class, max_share, reason``; ``investors`` is a
    ';'-separated list whose summed share of the asset class must stay ≤ ``max_share``.
    Only groups of two or more investors, only binding rows.
    """
    ctx = context or SecurityContext.from_scenario(scenario)
    rows: list[dict[str, object]] = []
    if not scenario.settings.security.apply_rule_caps:
        return pd.DataFrame(rows, columns=["group", "investors", "asset_class", "max_share", "reason"])
    avoid = avoided_outcomes(scenario)
    groups: dict[str, list[InvestorProfile]] = {}
    for inv in ctx.investors.values():
        if inv.group:
            groups.setdefault(inv.group, []).append(inv)
    for group, members in sorted(groups.items()):
        if len(members) < 2:
            continue
        union = frozenset().union(*(m.rights for m in members))
        for asset_class in ctx.asset_classes:
            caps = [
                min(
                    (
                        rule_cap(ctx.rules, m, a, avoid, rights=union, group=True)
                        for a in ctx.assets_of_class(asset_class)
                    ),
                    key=lambda c: c.max_share,
                )
                for m in members
            ]
            cap = min(caps, key=lambda c: c.max_share)
            if cap.max_share < 1.0:
                ids = ";".join(m.investor for m in members)
                rows.append(
                    {
                        "group": group,
                        "investors": ids,
                        "asset_class": asset_class,
                        "max_share": round(cap.max_share, 9),
                        "reason": (
                            f"investors controlled by the government of {group.split(':')[1]} ({ids}) are considered "
                            f"together (§800.208(b)): {cap.reason(members[0], avoid)}"
                        ),
                    }
                )
    return pd.DataFrame(rows, columns=["group", "investors", "asset_class", "max_share", "reason"])


def derive_share_caps(
    scenario: Any,
    *,
    context: SecurityContext | None = None,
    split_group_caps: bool = True,
) -> pd.DataFrame:
    """Share caps for the planning model (see the module docstring for the contract)."""
    ctx = context or SecurityContext.from_scenario(scenario)
    avoid = avoided_outcomes(scenario)
    found: dict[tuple[str, str], list[tuple[float, str]]] = {}

    def add(investor: str, asset_class: str, cap: float, reason: str) -> None:
        if cap < 1.0:
            found.setdefault((investor, asset_class), []).append((max(0.0, min(cap, 1.0)), reason))

    for inv in ctx.investors.values():
        for asset_class in sorted(inv.excluded_asset_classes):
            add(
                inv.investor,
                asset_class,
                0.0,
                f"{inv.name} excludes {asset_class} (investors.excluded_asset_classes)",
            )
        if inv.max_share_pct < 100.0:
            for asset_class in ctx.asset_classes:
                add(
                    inv.investor,
                    asset_class,
                    inv.max_share_pct / 100.0,
                    f"{inv.name}: max_share_pct {fmt_pct(inv.max_share_pct)} (investors.csv)",
                )
        if scenario.settings.security.apply_rule_caps:
            for asset_class in ctx.asset_classes:
                cap = _class_rule_cap(ctx, inv, asset_class, avoid)
                if cap.max_share < 1.0:
                    add(inv.investor, asset_class, cap.max_share, cap.reason(inv, avoid))
    if split_group_caps:
        groups = derive_group_caps(scenario, context=ctx)
        for row in groups.to_dict("records"):
            members = str(row["investors"]).split(";")
            share = float(row["max_share"]) / len(members)
            for m in members:
                add(m, str(row["asset_class"]), share, f"{row['reason']}; split equally among {len(members)}")
    for i, row in enumerate(scenario.tables.get("share_caps", pd.DataFrame()).to_dict("records")):
        pct = as_float(row.get("max_share_pct"), 100.0)
        reason = str(row.get("reason") or "").strip() or "explicit cap"
        add(str(row["investor"]), str(row["asset_class"]), pct / 100.0, f"{reason} (share_caps.csv:{i + 2})")
    rows = []
    for (investor, asset_class), caps in sorted(found.items()):
        caps.sort(key=lambda c: c[0])
        rows.append(
            {
                "investor": investor,
                "asset_class": asset_class,
                "max_share": round(caps[0][0], 9),
                "reason": "; ".join(f"[{fmt_pct(100 * c)}] {r}" for c, r in caps),
            }
        )
    return pd.DataFrame(rows, columns=CAP_COLUMNS)


def _holdings_rows(ctx: SecurityContext, holdings: pd.DataFrame) -> dict[tuple[str, str], list[CapTableRow]]:
    """Group a holdings table by project."""
    needed = {"project", "investor"}
    missing = needed - set(holdings.columns)
    if missing:
        raise ValueError(f"holdings: missing columns {sorted(missing)}")
    if "voting_pct" not in holdings.columns and "share" not in holdings.columns:
        raise ValueError("holdings: give voting_pct (%) or share (fraction)")
    by_project: dict[tuple[str, str], list[CapTableRow]] = {}
    for i, row in enumerate(holdings.to_dict("records")):
        project = str(row["project"])
        investor = str(row["investor"])
        if investor not in ctx.investors:
            raise ValueError(f"holdings:{i + 2}:investor: unknown investor '{investor}'")
        if project in ctx.assets:
            asset_class = ctx.assets[project].asset_class
        elif "asset_class" in row and str(row["asset_class"]) in ASSET_CLASSES:
            asset_class = str(row["asset_class"])
        else:
            raise ValueError(
                f"holdings:{i + 2}:asset_class: project '{project}' is not a campus, fab or campus IT "
                f"equipment; give its asset_class (one of {', '.join(ASSET_CLASSES)})"
            )
        voting = as_float(row.get("voting_pct"), float("nan"))
        if voting != voting:  # NaN: use the share
            voting = 100.0 * as_float(row.get("share"), 0.0)
        economic = as_float(row.get("economic_pct"), voting)
        rights: frozenset[str] | None = None
        if "rights" in row and as_list(row.get("rights")):
            rights = frozenset(as_list(row.get("rights")))
        flags = [
            r for r in ("board_seat", "observer", "veto", "mnpi_access", "substantive_decisions") if r in row
        ]
        if flags:
            rights = frozenset(r for r in flags if as_bool(row.get(r))) | (rights or frozenset())
        by_project.setdefault((project, asset_class), []).append(
            CapTableRow(investor, voting, economic, rights)
        )
    return by_project


def review_holdings(ctx: SecurityContext, holdings: pd.DataFrame) -> list[Review]:
    """Review every row of a cap table (see ``check_holdings`` for its columns)."""
    out: list[Review] = []
    for (project, asset_class), rows in _holdings_rows(ctx, holdings).items():
        out += review_cap_table(ctx, ctx.asset(project, asset_class), rows)
    return out


def check_holdings(
    scenario: Any,
    holdings: pd.DataFrame,
    *,
    context: SecurityContext | None = None,
) -> pd.DataFrame:
    """Review a cap table: one row per (project, investor) with its outcome and reasons.

    ``holdings`` columns: ``project``, ``investor``, ``voting_pct`` (%) or ``share``
    (fraction), optional ``economic_pct``, ``asset_class`` (needed for projects that are
    neither campuses nor fabs), and rights either as a ';'-list ``rights`` or boolean
    columns ``board_seat``, ``observer``, ``veto``, ``mnpi_access``,
    ``substantive_decisions`` (default: the investor's board_seat flag). Investors
    controlled by one foreign government are aggregated per project.
    """
    ctx = context or SecurityContext.from_scenario(scenario)
    records = [review_record(r) for r in review_holdings(ctx, holdings)]
    return pd.DataFrame(records, columns=HOLDING_COLUMNS)


HOLDING_COLUMNS: list[str] = [
    "project",
    "asset_class",
    "investor",
    "voting_pct",
    "economic_pct",
    "group_voting_pct",
    "outcome",
    "rule_ids",
    "reasons",
    "changes",
]


def review_record(review: Review) -> dict[str, object]:
    """A review as a flat table row."""
    return {
        "project": review.project,
        "asset_class": review.asset_class,
        "investor": review.investor,
        "voting_pct": review.holding.voting_pct,
        "economic_pct": review.holding.economic_pct,
        "group_voting_pct": review.holding.group_voting_pct,
        "outcome": review.outcome,
        "rule_ids": ";".join(r.rule_id for r in review.reasons),
        "reasons": " | ".join(r.text() for r in review.reasons),
        "changes": " | ".join(review.changes),
    }


def holdings_at_caps(
    scenario: Any, caps: pd.DataFrame, *, context: SecurityContext | None = None
) -> pd.DataFrame:
    """A cap table putting every investor at its cap (or 100 % if uncapped) in every project.

    Not a feasible plan (shares add to more than 100 %); it is the hardest case for the
    rules, used to check that the caps leave no avoided outcome.
    """
    ctx = context or SecurityContext.from_scenario(scenario)
    lookup = {(r["investor"], r["asset_class"]): float(r["max_share"]) for r in caps.to_dict("records")}
    rows = []
    for asset_class in ctx.asset_classes:
        for asset in ctx.assets_of_class(asset_class):
            for inv in ctx.investors.values():
                share = lookup.get((inv.investor, asset_class), 1.0)
                if share <= 0:
                    continue
                rows.append(
                    {
                        "project": asset.project,
                        "asset_class": asset_class,
                        "investor": inv.investor,
                        "voting_pct": 100.0 * share,
                        "economic_pct": 100.0 * share,
                    }
                )
    return pd.DataFrame(rows)


__all__ = [
    "CAP_COLUMNS",
    "RuleCap",
    "check_holdings",
    "derive_group_caps",
    "derive_share_caps",
    "holdings_at_caps",
    "review_holdings",
    "review_record",
    "rule_cap",
]
