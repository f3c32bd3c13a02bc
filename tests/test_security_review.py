"""Outcomes per (project, investor): each class, with reasons and what would change them."""

from __future__ import annotations

import copy

import pytest

from stateside.security.example import ENTITIES, INVESTORS, OWNERSHIP, example_scenario
from stateside.security.profiles import SecurityContext
from stateside.security.review import CapTableRow, Holding, review_cap_table, review_holding, review_potential


@pytest.fixture(scope="module")
def ctx() -> SecurityContext:
    return SecurityContext.from_scenario(example_scenario())


def review(ctx: SecurityContext, investor: str, project: str, voting: float, rights: set[str] | None = None):
    inv = ctx.investors[investor]
    asset = ctx.assets[project] if project in ctx.assets else ctx.class_assets[project]
    h = Holding(voting, voting, frozenset(inv.rights if rights is None else rights))
    return review_holding(ctx.rules, inv, asset, h)


def test_investor_profiles_hand_checked(ctx: SecurityContext) -> None:
    falcon = ctx.investors["falcon"]
    # 75 % (council → Oasis, a 51 % parent) + 20 % (treasury) = 95 % for the UAE government.
    assert falcon.foreign_government_country == "AE"
    assert falcon.foreign_government_pct == pytest.approx(95.0)
    assert falcon.government_interests["AE"].economic_pct == pytest.approx(58.25)
    assert falcon.foreign_government_controlled and not falcon.excepted_investor
    assert falcon.export_authorisation_countries == ("AE",)
    maple = ctx.investors["maple"]
    assert maple.foreign_person and maple.excepted_investor  # Canada is an excepted foreign state
    assert not ctx.investors["sponsor"].foreign_person
    assert not ctx.investors["redwood"].country_of_concern  # HK LP at 8 % economic, below 10 %


def test_us_investor_is_outside_part_800(ctx: SecurityContext) -> None:
    r = review(ctx, "sponsor", "az_fab", 100.0)
    assert r.outcome == "clear"
    assert r.reasons[0].rule_id == "C1-not-foreign-person"
    assert r.reasons[0].section == "§800.224"


def test_passive_foreign_stake_is_clear(ctx: SecurityContext) -> None:
    # Korean sovereign, 40 % of the fab, no board seat or other §800.211(b) right: passive.
    r = review(ctx, "hanriver", "az_fab", 40.0)
    assert r.outcome == "clear"
    assert [x.rule_id for x in r.reasons] == ["C4-not-covered"]
    assert "passive" in " ".join(r.reasons[0].facts)


def test_board_seat_in_tid_business_is_a_covered_investment(ctx: SecurityContext) -> None:
    # Japanese strategic, 10 % of a generation project with a board seat: §800.211, any percentage.
    r = review(ctx, "sakura", "generation", 10.0)
    assert r.outcome == "voluntary_notice"
    assert r.deciding[0].rule_id == "C3-covered-investment"
    assert any("with no board seat this becomes: clear" in c for c in r.changes)


def test_non_tid_campus_board_seat_is_not_covered(ctx: SecurityContext) -> None:
    # The Ohio campus has neither sensitive data nor frontier weights: not a TID business.
    r = review(ctx, "sakura", "oh_inference", 40.0)
    assert r.outcome == "clear"
    r = review(ctx, "sakura", "tx_frontier", 40.0)  # frontier weights: critical technology
    assert r.outcome == "voluntary_notice"


def test_control_by_foreign_person_is_a_voluntary_notice(ctx: SecurityContext) -> None:
    r = review(ctx, "sakura", "oh_inference", 60.0)
    assert r.outcome == "voluntary_notice"
    assert r.deciding[0].rule_id == "C2-covered-control-transaction"
    assert "voting 60 % ≥ 50 %" in r.deciding[0].facts[-1]
    assert r.changes[0] == "at 49.9 % voting (now 60 %) this becomes: clear"


def test_excepted_investor_non_control_is_not_covered_but_control_is(ctx: SecurityContext) -> None:
    # Canadian pension fund with a board seat in the fab: excepted investor → not covered (§800.219).
    r = review(ctx, "maple", "az_fab", 40.0)
    assert r.outcome == "clear"
    assert "excepted investor" in r.facts.covered_why
    # Control transactions are covered even for excepted investors (C2).
    r = review(ctx, "maple", "az_fab", 60.0)
    assert r.outcome == "voluntary_notice"
    assert {x.rule_id for x in r.reasons} == {"C2-covered-control-transaction"}


def test_mandatory_declaration_for_foreign_government_substantial_interest(ctx: SecurityContext) -> None:
    # UAE sovereign (95 % government) takes 30 % of a generation project with a board seat: §800.401(b).
    r = review(ctx, "falcon", "generation", 30.0)
    assert r.outcome == "mandatory_declaration"
    assert r.deciding[0].rule_id == "C5-mandatory-foreign-government"
    facts = " ".join(r.deciding[0].facts)
    assert "holds 95 % of Falcon AI Investments (≥ 49 %" in facts
    assert "voting 30 % ≥ 25 %" in facts
    # What would change it: below 25 % voting it is a voluntary notice; without a seat, clear.
    assert r.changes[0] == "at 24.9 % voting (now 30 %) this becomes: voluntary notice advisable"
    assert r.changes[1] == "with no board seat this becomes: clear"
    assert r.changes[2] == "at 50 % voting (now 30 %) this becomes: prohibited"


def test_mandatory_declaration_for_critical_technology_needing_export_licence(ctx: SecurityContext) -> None:
    # 5 % of the fab with a board seat: covered investment; the UAE needs a licence (§800.401(c)).
    r = review(ctx, "falcon", "az_fab", 5.0)
    assert r.outcome == "mandatory_declaration"
    assert [x.rule_id for x in r.deciding] == ["C6-mandatory-critical-technology"]
    assert r.changes == (
        "with no board seat this becomes: clear",
        "at 50 % voting (now 5 %) this becomes: prohibited",
    )
    # The same stake from Japan (no licence needed) is only a voluntary notice.
    assert review(ctx, "sakura", "az_fab", 5.0).outcome == "voluntary_notice"


def test_prohibited_foreign_government_control_of_tid(ctx: SecurityContext) -> None:
    r = review(ctx, "hanriver", "az_fab", 50.0)
    assert r.outcome == "prohibited"
    assert r.deciding[0].rule_id == "P2-foreign-government-control-of-tid"
    assert r.changes[0] == "at 49.9 % voting (now 50 %) this becomes: clear"


def test_country_of_concern_investor_is_prohibited_at_any_share() -> None:
    investors = [
        *INVESTORS,
        {
            "investor": "dragon",
            "name": "Dragon Capital",
            "country": "CN",
            "investor_type": "strategic",
            "source": "t",
        },
    ]
    ctx = SecurityContext.from_scenario(example_scenario(investors=investors))
    r = review(ctx, "dragon", "oh_inference", 0.5)
    assert r.outcome == "prohibited"
    assert r.deciding[0].rule_id == "P1-country-of-concern"
    assert "organised in China (CN), a country of concern" in " ".join(r.deciding[0].facts)


def test_country_of_concern_owner_above_threshold_taints_a_us_fund() -> None:
    # Hong Kong LP at 12 % economic (above the 10 % policy threshold) in the US venture fund.
    ownership = copy.deepcopy(OWNERSHIP)
    for row in ownership:
        if row["owner"] == "harbor_fo":
            row["economic_pct"] = 12.0
        if row["owner"] == "us_lps":
            row["economic_pct"] = 87.0
    ctx = SecurityContext.from_scenario(example_scenario(ownership=ownership, entities=ENTITIES))
    redwood = ctx.investors["redwood"]
    assert not redwood.foreign_person  # US GP controls the fund
    assert redwood.country_of_concern
    assert "holders from Hong Kong (HK) hold 0 % voting / 12 % economic" in redwood.concern_reasons[0]
    assert review(ctx, "redwood", "generation", 5.0).outcome == "prohibited"


def test_same_government_holdings_are_aggregated_in_a_cap_table(ctx: SecurityContext) -> None:
    # Falcon and Gulf Horizon (both controlled by the UAE government) at 15 % each of a storage
    # project: 30 % together ≥ 25 % → mandatory declaration for both (§800.208(b), §800.401(b)).
    asset = ctx.class_assets["storage"]
    reviews = review_cap_table(ctx, asset, [CapTableRow("falcon", 15, 15), CapTableRow("gulf", 15, 15)])
    assert [r.outcome for r in reviews] == ["mandatory_declaration", "mandatory_declaration"]
    assert reviews[0].holding.group_voting_pct == pytest.approx(30.0)
    assert "voting 30 % (with the investors controlled by the same government) ≥ 25 %" in " ".join(
        reviews[0].deciding[0].facts
    )
    alone = review_cap_table(ctx, asset, [CapTableRow("falcon", 15, 15)])
    assert alone[0].outcome == "voluntary_notice"


def test_notice_fee_follows_the_800_1101_table(ctx: SecurityContext) -> None:
    # Fab equity = 20 bn × (1 − 0.3) − 6.6 bn grant = 7.4 bn; 5 % = 370 m → $150,000 fee bracket.
    r = review(ctx, "sakura", "az_fab", 5.0)
    assert r.deal_value_usd == pytest.approx(0.05 * 7.4e9)
    assert r.notice_fee_usd == 150_000
    assert ctx.rules.filing_fees.fee_usd(499_999) == 0
    assert ctx.rules.filing_fees.fee_usd(500_000) == 750
    assert ctx.rules.filing_fees.fee_usd(750e6) == 300_000


def test_potential_review_uses_max_share(ctx: SecurityContext) -> None:
    r = review_potential(ctx, "redwood", ctx.class_assets["generation"])
    assert r.holding.voting_pct == 20.0  # its max_share_pct
    assert r.outcome == "clear"


def test_review_per_asset_class_takes_the_most_severe_project(ctx: SecurityContext) -> None:
    from stateside.security.review import review_asset_classes

    reviews = {(r.investor, r.asset_class): r for r in review_asset_classes(ctx, share_pct=30.0)}
    # Datacenter: the Ohio campus is not TID, the Texas one (frontier weights) is → the Texas review.
    assert reviews[("falcon", "datacenter")].project == "tx_frontier"
    assert reviews[("falcon", "datacenter")].outcome == "mandatory_declaration"
    assert reviews[("hanriver", "fab")].outcome == "clear"
    assert reviews[("sakura", "transmission")].outcome == "voluntary_notice"
    assert len(reviews) == len(ctx.investors) * 5
