"""Security review of the sponsor's funding round: each participant's stake in a US AI lab.

The sponsor is reviewed as a U.S. business that holds critical technology (frontier model
weights, the ``frontier_weights`` campus flag of the rules) and sensitive personal data
of US persons (``sensitive_data``): a TID U.S. business (§800.248) on both prongs. Each
participant is profiled exactly as an investor of the coalition (its country, its
government ownership, its entity in the ownership graph when it is an investor) and its
holding is its fully diluted stake after the round, with the rights the round gives it:
a board seat, an observer seat, information rights (access to material non-public
technical information, §800.232). The outcome, the reasons and their citations come from
the same rules and the same :func:`stateside.security.review.review_holding` as the
project reviews — nothing here decides an outcome.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stateside.round import RoundResult, participant_field, sponsor_investor, work_out
from stateside.scenario.types import Scenario
from stateside.security.profiles import SecurityContext, asset_profile
from stateside.security.review import Holding, Review, review_holding
from stateside.security.rules import OUTCOME_LABELS

#: What the sponsor holds, as the rules' campus flags (critical technology, sensitive data).
SPONSOR_FLAGS: tuple[str, ...] = ("sensitive_data", "frontier_weights")
RIGHT_OF_COLUMN = {"board_seat": "board_seat", "observer": "observer", "information_rights": "mnpi_access"}


@dataclass(frozen=True)
class ParticipantReview:
    """One participant of one round, reviewed."""

    round: str
    participant: str
    amount_usd: float
    stake_after_pct: float
    rights: tuple[str, ...]
    review: Review

    def to_dict(self) -> dict[str, Any]:
        r = self.review
        return {
            "round": self.round,
            "participant": self.participant,
            "name": r.investor_name,
            "amount_usd": self.amount_usd,
            "stake_after_pct": self.stake_after_pct,
            "rights": list(self.rights),
            "outcome": r.outcome,
            "outcome_label": OUTCOME_LABELS[r.outcome],
            "covered_transaction": r.facts.covered_transaction,
            "reasons": [
                {
                    "rule_id": x.rule_id,
                    "title": x.title,
                    "section": x.section,
                    "outcome": x.outcome,
                    "facts": list(x.facts),
                }
                for x in r.reasons
            ],
            "deciding": [x.text() for x in r.deciding],
            "changes": list(r.changes),
            "notice_fee_usd": r.notice_fee_usd,
        }


def _participants_as_investors(scenario: Scenario) -> pd.DataFrame:
    """investors.csv plus a row for every round participant that is not an investor."""
    inv = scenario.investors
    rounds = scenario.tables["funding_rounds"]
    known = set(inv["investor"].astype(str))
    extra: list[dict[str, Any]] = []
    for r in rounds.to_dict("records"):
        code = str(r["participant"])
        if code in known or code in {e["investor"] for e in extra}:
            continue
        extra.append(
            {
                "investor": code,
                "name": participant_field(r, inv, "name", code),
                "country": participant_field(r, inv, "country", ""),
                "investor_type": participant_field(r, inv, "investor_type", "other"),
                "government_ownership_pct": float(participant_field(r, inv, "government_ownership_pct", 0.0)),
                "entity": None,
                "excluded_asset_classes": "",
                "max_share_pct": 100.0,
                "board_seat": bool(r["board_seat"]),
                "source": r["source"],
            }
        )
    if not extra:
        return inv
    return pd.concat([inv, pd.DataFrame(extra, columns=inv.columns)], ignore_index=True)


def review_rounds(scenario: Scenario, results: list[RoundResult] | None = None) -> list[ParticipantReview]:
    """Every participant of every round, reviewed on its stake after the round and its rights."""
    rounds = scenario.tables.get("funding_rounds")
    if rounds is None or not len(rounds):
        return []
    if results is None:
        results = work_out(rounds, scenario.tables["sponsor_cap_table"], scenario.investors)
    tables = dict(scenario.tables)
    tables["investors"] = _participants_as_investors(scenario)
    ctx = SecurityContext.from_scenario(dataclasses.replace(scenario, tables=tables))
    sponsor = sponsor_investor(scenario) or "sponsor"
    sponsor_name = str(scenario.investors.set_index("investor")["name"].get(sponsor, sponsor))
    out: list[ParticipantReview] = []
    for res in results:
        asset = dataclasses.replace(
            asset_profile(ctx.rules, "datacenter", project=sponsor, name=sponsor_name, flags=SPONSOR_FLAGS),
            equity_usd=res.post_money_usd,
        )
        stakes = {s.holder: s for s in res.stakes}
        for r in rounds[rounds["round"].astype(str) == res.round].to_dict("records"):
            code = str(r["participant"])
            rights = tuple(right for col, right in RIGHT_OF_COLUMN.items() if bool(r[col]))
            stake = stakes[code].after_pct
            h = Holding(voting_pct=stake, economic_pct=stake, rights=frozenset(rights))
            out.append(
                ParticipantReview(
                    round=res.round,
                    participant=code,
                    amount_usd=float(r["amount_usd"]),
                    stake_after_pct=stake,
                    rights=rights,
                    review=review_holding(ctx.rules, ctx.investors[code], asset, h),
                )
            )
    return out
