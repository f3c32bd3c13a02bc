"""The rules bound the plan: share caps derived from the rules, and cap tables checked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stateside.security.caps import (
    CAP_COLUMNS,
    check_holdings,
    derive_group_caps,
    derive_share_caps,
    holdings_at_caps,
)
from stateside.security.example import INVESTORS, example_scenario
from stateside.security.profiles import ASSET_CLASSES, SecurityContext

TINY = Path(__file__).parent / "fixtures" / "tiny"


def caps_dict(caps: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r["investor"], r["asset_class"]): r["max_share"] for r in caps.to_dict("records")}


def test_contract_columns_and_fractions() -> None:
    caps = derive_share_caps(example_scenario())
    assert list(caps.columns) == CAP_COLUMNS
    assert caps["max_share"].between(0, 1).all()
    assert set(caps["asset_class"]) <= set(ASSET_CLASSES)
    assert not caps.duplicated(["investor", "asset_class"]).any()
    assert (caps["max_share"] < 1).all()  # only binding rows


def test_caps_of_the_example_coalition_hand_checked() -> None:
    caps = caps_dict(derive_share_caps(example_scenario()))
    # the example's tenant buys the IT, and no campus runs before its grid connection
    classes = [c for c in ASSET_CLASSES if c not in ("it_equipment", "campus_power")]
    # US investors without limits: no rows.
    assert not any(inv in {"sponsor", "cloud", "chipco"} for inv, _ in caps)
    # Korean sovereign: control (≥ 50 %) of a TID business is prohibited (P2) → 49.9 % on TID classes;
    # datacenter too, because the Texas campus holds frontier weights (the class takes its tightest campus).
    for cls in classes:
        assert caps[("hanriver", cls)] == pytest.approx(0.499)
    # The two UAE vehicles form one government group: 49.9 % together, split equally.
    for cls in classes:
        assert caps[("falcon", cls)] == pytest.approx(0.2495)
        assert caps[("gulf", cls)] == pytest.approx(0.2495)
    # Own limits: Redwood max 20 %, excludes transmission; Sakura's explicit 30 % generation cap.
    assert caps[("redwood", "fab")] == pytest.approx(0.20)
    assert caps[("redwood", "transmission")] == 0.0
    assert caps[("sakura", "generation")] == pytest.approx(0.30)
    # Canada is excepted and Sakura holds no government stake: no rule cap.
    assert not any(inv == "maple" for inv, _ in caps)
    assert ("sakura", "fab") not in caps


def test_reasons_cite_the_rules_and_join_all_caps() -> None:
    caps = derive_share_caps(example_scenario())
    row = caps[(caps.investor == "redwood") & (caps.asset_class == "transmission")].iloc[0]
    assert row["reason"].startswith("[0 %] Redwood Ventures Fund III LP excludes transmission")
    assert "[20 %] Redwood Ventures Fund III LP: max_share_pct 20 %" in row["reason"]
    row = caps[(caps.investor == "hanriver") & (caps.asset_class == "fab")].iloc[0]
    assert "P2-foreign-government-control-of-tid" in row["reason"]
    assert "≥ 50 % on Arizona Accelerator Fab would be prohibited" in row["reason"]


def test_avoiding_mandatory_declarations_tightens_the_caps() -> None:
    caps = caps_dict(derive_share_caps(example_scenario(avoid_mandatory_declarations=True)))
    # UAE + board seat: any covered stake in the fab or the frontier campus needs a declaration
    # (§800.401(c), the UAE needs an export licence) → 0; ≥ 25 % of critical infrastructure
    # needs one (§800.401(b)) → 24.9 % for the group, 12.45 % each.
    assert caps[("falcon", "fab")] == 0.0
    assert caps[("falcon", "datacenter")] == 0.0
    assert caps[("falcon", "generation")] == pytest.approx(0.1245)
    # Han River takes no board seat: a passive stake is not covered, so no declaration below control.
    assert caps[("hanriver", "generation")] == pytest.approx(0.499)


def test_without_the_group_split_each_member_keeps_its_own_cap() -> None:
    scenario = example_scenario()
    caps = caps_dict(derive_share_caps(scenario, split_group_caps=False))
    assert caps[("falcon", "fab")] == pytest.approx(0.499)
    groups = derive_group_caps(scenario)
    assert set(groups["group"]) == {"gov:AE"}
    assert set(groups["investors"]) == {"falcon;gulf"}
    assert groups["max_share"].tolist() == pytest.approx([0.499] * 5)


def test_apply_rule_caps_false_keeps_only_the_investors_own_limits() -> None:
    caps = caps_dict(derive_share_caps(example_scenario(apply_rule_caps=False)))
    assert set(inv for inv, _ in caps) == {"redwood", "sakura"}


def test_rules_file_override_changes_the_caps() -> None:
    # A user rule: no foreign-government-controlled investor above 10 % of transmission.
    extra = """
rules:
  - id: U1-transmission-limit
    title: Transmission stays domestic-led
    section: "coalition policy (test)"
    outcome: prohibited
    when: {asset_classes: [transmission], foreign_government_controlled: true, excepted_investor: false,
           voting_pct_at_least: 10}
"""
    caps = caps_dict(derive_share_caps(example_scenario(rules_yaml=extra)))
    assert caps[("hanriver", "transmission")] == pytest.approx(0.099)
    assert caps[("hanriver", "storage")] == pytest.approx(0.499)


def test_holdings_at_the_caps_have_no_prohibited_outcome() -> None:
    for avoid in (False, True):
        scenario = example_scenario(avoid_mandatory_declarations=avoid)
        ctx = SecurityContext.from_scenario(scenario)
        caps = derive_share_caps(scenario, context=ctx)
        checked = check_holdings(scenario, holdings_at_caps(scenario, caps, context=ctx), context=ctx)
        assert len(checked) > 40
        assert "prohibited" not in set(checked["outcome"])
        if avoid:
            assert "mandatory_declaration" not in set(checked["outcome"])
        else:
            assert "mandatory_declaration" in set(checked["outcome"])


def test_exceeding_a_cap_is_caught() -> None:
    scenario = example_scenario()
    holdings = pd.DataFrame(
        [
            {"project": "az_fab", "investor": "hanriver", "share": 0.50},
            {"project": "gen_tx_2030", "asset_class": "generation", "investor": "falcon", "voting_pct": 30.0},
            {"project": "gen_tx_2030", "asset_class": "generation", "investor": "gulf", "voting_pct": 25.0},
        ]
    )
    checked = check_holdings(scenario, holdings)
    outcome = dict(zip(checked["investor"], checked["outcome"], strict=True))
    assert outcome == {"hanriver": "prohibited", "falcon": "prohibited", "gulf": "prohibited"}
    assert checked.loc[checked.investor == "falcon", "group_voting_pct"].item() == pytest.approx(55.0)


def test_rights_columns_of_a_cap_table_are_read() -> None:
    scenario = example_scenario()
    holdings = pd.DataFrame(
        [
            {
                "project": "az_fab",
                "investor": "hanriver",
                "voting_pct": 10.0,
                "board_seat": False,
                "rights": "",
            },
            {"project": "tx_frontier", "investor": "hanriver", "voting_pct": 10.0, "rights": "observer"},
        ]
    )
    checked = check_holdings(scenario, holdings)
    assert checked["outcome"].tolist() == ["clear", "voluntary_notice"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=len(INVESTORS), max_size=len(INVESTORS)))
def test_any_cap_table_within_the_caps_is_never_prohibited(fractions: list[float]) -> None:
    scenario = _SCENARIO
    caps = caps_dict(_CAPS)
    rows = []
    for inv, frac in zip(INVESTORS, fractions, strict=True):
        for project, cls in (("az_fab", "fab"), ("tx_frontier", "datacenter"), ("grid_1", "transmission")):
            share = frac * caps.get((inv["investor"], cls), 1.0)
            rows.append({"project": project, "asset_class": cls, "investor": inv["investor"], "share": share})
    checked = check_holdings(scenario, pd.DataFrame(rows), context=_CTX)
    assert "prohibited" not in set(checked["outcome"])


_SCENARIO = example_scenario()
_CTX = SecurityContext.from_scenario(_SCENARIO)
_CAPS = derive_share_caps(_SCENARIO, context=_CTX)


def test_tiny_fixture_caps_through_the_loader() -> None:
    from stateside.scenario.load import load_scenario

    scenario = load_scenario(TINY)
    caps = caps_dict(derive_share_caps(scenario))
    # ae_fund: explicit 25 % datacenter cap, excludes fab and transmission, max 40 % elsewhere.
    assert caps[("ae_fund", "datacenter")] == pytest.approx(0.25)
    assert caps[("ae_fund", "fab")] == 0.0
    assert caps[("ae_fund", "transmission")] == 0.0
    assert caps[("ae_fund", "generation")] == pytest.approx(0.40)
    assert caps[("jp_corp", "fab")] == pytest.approx(0.60)


def test_plan_solved_with_the_derived_caps_has_no_prohibited_holding() -> None:
    from stateside.run import run_plan
    from stateside.scenario.load import load_scenario

    scenario = load_scenario(TINY)
    plan = run_plan(scenario)
    capital = plan.tables["capital"]
    assert len(capital) > 0
    holdings = pd.DataFrame(
        {
            "project": capital["asset_class"] + ":" + capital["period"].astype(str),
            "asset_class": capital["asset_class"],
            "investor": capital["investor"],
            "share": capital["share"],
        }
    )
    checked = check_holdings(scenario, holdings)
    assert "prohibited" not in set(checked["outcome"])
    caps = caps_dict(derive_share_caps(scenario))
    for row in capital.to_dict("records"):
        assert row["share"] <= caps.get((row["investor"], row["asset_class"]), 1.0) + 1e-6


def test_default_coalition_verdicts_are_sensible() -> None:
    from stateside.scenario.load import default_scenario_dir, load_scenario
    from stateside.security.report import build_report

    folder = default_scenario_dir()
    if not (folder / "scenario.yaml").is_file():
        pytest.skip("default scenario not built")
    scenario = load_scenario(folder)
    ctx = SecurityContext.from_scenario(scenario)
    rep = build_report(scenario, context=ctx)
    table = rep.table()
    for inv in ctx.investors.values():
        outcomes = set(table.loc[table.investor == inv.investor, "outcome"])
        if not inv.foreign_person:
            assert outcomes == {"clear"}, inv.investor  # US investors: outside Part 800
        if inv.excepted_investor:
            assert "prohibited" not in outcomes and "mandatory_declaration" not in outcomes
        if inv.foreign_government_controlled and not inv.excepted_investor:
            fabs = table[(table.investor == inv.investor) & (table.asset_class == "fab")]
            assert set(fabs["outcome"]) <= {"prohibited"}  # control of a fab by a foreign government
    # The caps leave no prohibited holding anywhere, even with every investor at its cap.
    caps = derive_share_caps(scenario, context=ctx)
    checked = check_holdings(scenario, holdings_at_caps(scenario, caps, context=ctx), context=ctx)
    assert "prohibited" not in set(checked["outcome"])
