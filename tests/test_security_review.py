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
    # The same stake from Japan is mandatory too: the fab's 3E001 production technology is NS column 1,
    # a licence for every destination but Canada once licence exceptions are set aside (§800.401(c)(2)(i)).
    jp = review(ctx, "sakura", "az_fab", 5.0)
    assert jp.outcome == "mandatory_declaration"
    assert [x.rule_id for x in jp.deciding] == ["C6-mandatory-critical-technology"]


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


# --------------------------------------------------------------------------------------
# issue 15, points 7-9: cases checked against 31 CFR 800, and the regulation's own examples

CASE_ENTITIES = [
    *ENTITIES,
    {"entity": "northern_co", "name": "Northern Grid Partners Inc.", "schema": "Company", "country": "CA"},
    {"entity": "kaede", "name": "Kaede Holdings KK", "schema": "Company", "country": "JP"},
    {"entity": "crown_pension", "name": "Crown Pension Board", "schema": "PublicBody", "country": "CA"},
    {"entity": "crown_us", "name": "Crown Pension US Holdco LLC", "schema": "Company", "country": "US"},
    {"entity": "sa_fund", "name": "State Fund X", "schema": "PublicBody", "country": "SA"},
    {"entity": "b_co", "name": "B Holdings", "schema": "Company", "country": "SA"},
    {"entity": "a_co", "name": "A Acquisitions", "schema": "Company", "country": "SA"},
]
CASE_INVESTORS = [
    *INVESTORS,
    # a Canadian entity, 60 % Crown and 40 % a Japanese company
    {"investor": "northern", "name": "Northern Grid Partners", "country": "CA", "investor_type": "strategic",
     "entity": "northern_co", "government_ownership_pct": 60.0, "board_seat": True, "source": "t"},
    # a US-organised vehicle wholly owned by a Canadian Crown pension
    {"investor": "crown_us", "name": "Crown Pension US Holdco", "country": "US", "investor_type": "pension",
     "entity": "crown_us", "board_seat": True, "source": "t"},
    # §800.244(c)'s example: a government holds 75 % of B, B holds x % of A, A is the acquirer
    {"investor": "a_acq", "name": "A Acquisitions", "country": "SA", "investor_type": "sovereign",
     "entity": "a_co", "board_seat": True, "source": "t"},
]  # fmt: skip


def _case_ctx(b_in_a_pct: float = 51.0) -> SecurityContext:
    ownership = [
        *OWNERSHIP,
        {"owner": "kaede", "asset": "northern_co", "voting_pct": 40.0, "economic_pct": 40.0},
        {"owner": "crown_pension", "asset": "crown_us", "voting_pct": 100.0, "economic_pct": 100.0},
        {"owner": "sa_fund", "asset": "b_co", "voting_pct": 75.0, "economic_pct": 75.0},
        {"owner": "b_co", "asset": "a_co", "voting_pct": b_in_a_pct, "economic_pct": b_in_a_pct},
    ]
    return SecurityContext.from_scenario(
        example_scenario(investors=CASE_INVESTORS, entities=CASE_ENTITIES, ownership=ownership)
    )


@pytest.fixture(scope="module")
def cases() -> SecurityContext:
    return _case_ctx()


def test_800_401b_ignores_governments_of_excepted_foreign_states(cases: SecurityContext) -> None:
    # Canadian entity, 60 % Crown / 40 % Japanese, 30 % of a generation project with a board seat:
    # the Crown's 60 % is not a "substantial interest" of §800.401(b) (Canada is excepted), so no
    # mandatory declaration; the Japanese 40 % holder makes it a non-excepted investor: voluntary.
    northern = cases.investors["northern"]
    assert northern.foreign_government_country == "CA" and northern.foreign_government_pct == pytest.approx(
        60
    )
    assert northern.non_excepted_government_country is None
    assert not northern.excepted_investor
    r = review(cases, "northern", "generation", 30.0)
    assert r.outcome == "voluntary_notice", r.reasons
    assert "C5-mandatory-foreign-government" not in [x.rule_id for x in r.reasons]
    assert [x.rule_id for x in r.deciding] == ["C3-covered-investment"]


def test_the_same_canadian_entity_in_a_fab_is_mandatory_through_its_japanese_holder(
    cases: SecurityContext,
) -> None:
    # §800.401(c) counts every foreign person with ≥ 25 % of the acquirer's votes: Kaede (JP) has 40 %.
    r = review(cases, "northern", "az_fab", 30.0)
    assert r.outcome == "mandatory_declaration"
    facts = " ".join(r.deciding[0].facts)
    assert r.deciding[0].rule_id == "C6-mandatory-critical-technology"
    assert "3E001" in facts and "Japan (JP)" in facts and "hold 40 % of its votes" in facts


def test_a_us_vehicle_of_an_excepted_state_owner_is_an_excepted_investor(cases: SecurityContext) -> None:
    # §800.219(a)(3)(i): organised under the laws of an excepted foreign state *or the United States*.
    crown = cases.investors["crown_us"]
    assert crown.foreign_person and crown.excepted_investor, crown.excepted_reasons
    assert "§800.219(a)(3)(i)" in crown.excepted_reasons[0]
    r = review(cases, "crown_us", "az_fab", 30.0)
    assert r.outcome == "clear"
    assert [x.rule_id for x in r.deciding] == ["C4-not-covered"]
    # excepted status exempts nothing from control (§800.210): at 60 % it is a voluntary notice
    assert review(cases, "crown_us", "az_fab", 60.0).outcome == "voluntary_notice"


@pytest.mark.parametrize(
    ("investor", "rights", "voting"),
    [
        ("sakura", {"board_seat"}, 5.0),  # a Japanese board seat
        ("sakura", {"observer"}, 5.0),  # a Japanese observer
        ("sakura", set(), 60.0),  # Japanese control
        ("hanriver", {"board_seat"}, 10.0),  # a Korean board seat
    ],
)
def test_japanese_or_korean_rights_in_a_fab_are_mandatory_with_the_reason(
    ctx: SecurityContext, investor: str, rights: set[str], voting: float
) -> None:
    r = review(ctx, investor, "az_fab", voting, rights)
    assert r.outcome in ("mandatory_declaration", "prohibited")
    c6 = next(x for x in r.reasons if x.rule_id == "C6-mandatory-critical-technology")
    text = " ".join(c6.facts)
    country = "Japan (JP)" if investor == "sakura" else "Korea"
    assert "3E001" in text and country in text and "without licence exceptions" in text
    assert c6.section.startswith("§800.401(c)")


def test_canada_needs_no_licence_and_a_passive_japanese_stake_stays_clear(ctx: SecurityContext) -> None:
    tech = {t.id: t for t in ctx.rules.export_authorisation.technologies}
    assert not tech["semiconductor_production_technology"].licence_needed("CA")
    assert tech["semiconductor_production_technology"].licence_needed("JP")
    assert tech["advanced_computing_items"].licence_needed("AE") and not tech[
        "advanced_computing_items"
    ].licence_needed("JP")
    assert all(t.section.strip() and t.eccn.strip() for t in tech.values())  # each entry says its source
    assert review(ctx, "sakura", "az_fab", 5.0, set()).outcome == "clear"  # no §800.211(b) right: passive


def test_the_800_244c_example_parent_deemed_to_hold_everything() -> None:
    # "the foreign government holds 75 % of B; B holds 51 % of A (a parent): A is 75 % government-held";
    # with B at 49 % (not a parent) it is 0.75 × 0.49 = 36.75 %.
    parent = _case_ctx(51.0).investors["a_acq"]
    assert parent.non_excepted_government_country == "SA"
    assert parent.non_excepted_government_pct == pytest.approx(75.0)
    minority = _case_ctx(49.0).investors["a_acq"]
    assert minority.non_excepted_government_pct == pytest.approx(36.75)
    # §800.401(b) needs ≥ 49 %: 30 % of a generation project is mandatory only in the first case
    assert review(_case_ctx(51.0), "a_acq", "generation", 30.0).outcome == "mandatory_declaration"
    assert review(_case_ctx(49.0), "a_acq", "generation", 30.0).outcome == "voluntary_notice"
