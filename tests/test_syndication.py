"""Syndication into cap tables: the tiny plan's cap tables obey every cap and add up; small
hand-solved cases where a per-project cap or the ticket floor moves the split off pro rata."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from stateside.finance.report import attach_finance
from stateside.finance.syndication import (
    PROJECT_COLUMNS,
    UNFUNDED,
    SyndicationError,
    syndicate,
)
from stateside.plan import Plan
from stateside.run import run_plan, share_caps_for
from stateside.scenario.load import load_checked
from stateside.scenario.types import Scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture(scope="module")
def tiny() -> tuple[Scenario, Plan, pd.DataFrame]:
    scenario, _ = load_checked(TINY)
    caps = share_caps_for(scenario)
    plan = run_plan(scenario, share_caps=caps)
    attach_finance(plan, scenario, caps)
    return scenario, plan, caps


def test_every_cap_table_sums_to_100_percent(tiny: tuple[Scenario, Plan, pd.DataFrame]) -> None:
    _, plan, _ = tiny
    ct = plan.tables["cap_tables"]
    assert len(ct)
    sums = ct.groupby(["project", "period"])["equity_pct"].sum()
    assert (sums - 100.0).abs().max() < 1e-9
    assert (ct["voting_pct"] == ct["equity_pct"]).all()


def test_cap_tables_obey_every_cap(tiny: tuple[Scenario, Plan, pd.DataFrame]) -> None:
    _, plan, caps = tiny
    ct = plan.tables["cap_tables"]
    cap = {(r.investor, r.asset_class): r.max_share for r in caps.itertuples()}
    assert cap[("ae_fund", "datacenter")] == 0.25  # share_caps.csv of the fixture
    # cumulative ownership and each round's own split
    for r in ct.itertuples():
        limit = cap.get((r.investor, r.asset_class), 1.0)
        assert r.equity_pct / 100.0 <= limit + 1e-9
        assert (
            r.equity_usd <= limit * (r.project_equity_usd - (r.cumulative_equity_usd - r.equity_usd)) + 1e-3
        )
        if limit == 0.0:
            assert r.cumulative_equity_usd == 0.0
    excluded = [(i, a) for (i, a), s in cap.items() if s == 0.0]
    assert ("ae_fund", "fab") in excluded
    for i, a in excluded:
        assert not ((ct["investor"] == i) & (ct["asset_class"] == a)).any()


def test_allocations_equal_plan_equity_and_stay_within_commitments(
    tiny: tuple[Scenario, Plan, pd.DataFrame],
) -> None:
    _, plan, _ = tiny
    ct = plan.tables["cap_tables"]
    alloc = ct.groupby(["investor", "asset_class", "period"])["equity_usd"].sum()
    capital = plan.tables["capital"].set_index(["investor", "asset_class", "period"])["equity_usd"]
    assert set(alloc[alloc > 0].index) == set(capital.index)
    for key, e in capital.items():
        assert alloc[key] == pytest.approx(e, rel=1e-9)
    # over time, never more than committed so far
    used = alloc.groupby(["investor", "period"]).sum().groupby("investor").cumsum()
    avail = plan.tables["capital_by_investor"].set_index(["investor", "period"])["cumulative_available_usd"]
    for key, u in used.items():
        assert u <= avail[key] * (1 + 1e-9)


def test_governance_flags_follow_the_thresholds(tiny: tuple[Scenario, Plan, pd.DataFrame]) -> None:
    scenario, plan, _ = tiny
    ct = plan.tables["cap_tables"]
    seats = scenario.investors.set_index("investor")["board_seat"].astype(bool)
    for r in ct.itertuples():
        assert r.board_seat == (r.equity_pct >= 10.0 and bool(seats[r.investor]))
        assert r.observer == (not r.board_seat and r.equity_pct >= 5.0)
        assert r.information_rights == (r.equity_pct >= 1.0)
    countries = scenario.investors.set_index("investor")["country"]
    assert (ct["country"] == ct["investor"].map(countries)).all()


# --------------------------------------------------------------------------------------
# hand-solved small cases


def _case(
    investors: list[tuple[str, bool]],
    projects: list[tuple[str, float]],
    equity: dict[str, float],
    period: int = 2028,
    asset_class: str = "datacenter",
) -> tuple[Scenario, Plan, pd.DataFrame]:
    """A plan with ``projects`` (name, equity USD) of one class and period and the plan's
    equity per investor; a scenario with those investors."""
    scenario, _ = load_checked(TINY)
    inv = pd.DataFrame(
        [
            {
                "investor": i,
                "name": i,
                "country": "US",
                "investor_type": "other",
                "government_ownership_pct": 0.0,
                "board_seat": seat,
            }
            for i, seat in investors
        ]
    )
    scenario = dataclasses.replace(scenario, tables={**scenario.tables, "investors": inv})
    capital = pd.DataFrame(
        [
            {"investor": i, "asset_class": asset_class, "period": period, "equity_usd": e}
            for i, e in equity.items()
        ]
    )
    plan = Plan("case", "target", "ok", "optimal", 0.0, None, 0.0, 0.0, tables={"capital": capital})
    proj = pd.DataFrame(
        [
            {
                "project": name,
                "asset_class": asset_class,
                "region": "TX",
                "period": period,
                "capex_usd": 2 * e,
                "grant_usd": 0.0,
                "equity_usd": e,
                "description": "",
            }
            for name, e in projects
        ],
        columns=PROJECT_COLUMNS,
    )
    return scenario, plan, proj


def _split(result_alloc: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r.investor, r.project): r.equity_usd / 1e6 for r in result_alloc.itertuples()}


def test_pro_rata_without_binding_rules() -> None:
    scenario, plan, proj = _case(
        [("X", False), ("Y", True)], [("A", 100e6), ("B", 100e6)], {"X": 40e6, "Y": 160e6}
    )
    res = syndicate(plan, scenario, None, projects=proj)
    split = _split(res.allocations)
    assert split[("X", "A")] == pytest.approx(20.0) and split[("X", "B")] == pytest.approx(20.0)
    assert split[("Y", "A")] == pytest.approx(80.0) and split[("Y", "B")] == pytest.approx(80.0)
    assert res.deviation_usd == pytest.approx(0.0, abs=1e-3)


def test_a_project_cap_forces_the_split_off_pro_rata() -> None:
    """X holds 20 % of the class; a rule caps it at 10 % of campus A. X must take 10 of A
    and so 30 of B (its 40 in total); Y the rest. Any other feasible split moves more
    dollars: deviation = 4 × (20 - x_A) with x_A ≤ 10, so 40 $M at the optimum."""
    scenario, plan, proj = _case(
        [("X", False), ("Y", True)], [("A", 100e6), ("B", 100e6)], {"X": 40e6, "Y": 160e6}
    )
    caps = pd.DataFrame(
        [
            {
                "investor": "X",
                "asset_class": "datacenter",
                "max_share": 0.10,
                "reason": "sensitive site",
                "project": "A",
            }
        ]
    )
    res = syndicate(plan, scenario, caps, projects=proj)
    split = _split(res.allocations)
    assert split[("X", "A")] == pytest.approx(10.0)
    assert split[("X", "B")] == pytest.approx(30.0)
    assert split[("Y", "A")] == pytest.approx(90.0)
    assert split[("Y", "B")] == pytest.approx(70.0)
    assert res.deviation_usd == pytest.approx(40e6, rel=1e-9)
    ct = res.cap_tables.set_index(["project", "investor"])
    assert ct.loc[("A", "X"), "equity_pct"] == pytest.approx(10.0)
    assert ct.loc[("A", "X"), "max_share_pct"] == pytest.approx(10.0)
    assert ct.loc[("A", "X"), "cap_reason"] == "sensitive site"
    # X takes no board seats: observer at 10 % and 30 %; Y (takes seats) a board seat
    assert ct.loc[("A", "X"), "observer"] and not ct.loc[("A", "X"), "board_seat"]
    assert ct.loc[("B", "Y"), "board_seat"]


def test_ticket_floor_concentrates_a_small_investor() -> None:
    """Ten $100M projects; X has $20M (2 % each pro rata = $2M tickets). The floor is
    min($50M, 5 % × $100M, $20M) = $5M: X takes four tickets of exactly $5M. Deviation:
    X moves |5-2|×4 + 2×6 = 24, Y the same, 48 $M in all (fewer tickets move more)."""
    names = [(f"P{k}", 100e6) for k in range(10)]
    scenario, plan, proj = _case([("X", False), ("Y", False)], names, {"X": 20e6, "Y": 980e6})
    res = syndicate(plan, scenario, None, projects=proj)
    x = res.allocations[res.allocations["investor"] == "X"]["equity_usd"]
    assert len(x) == 4
    assert x.to_numpy() == pytest.approx([5e6] * 4)
    assert res.deviation_usd == pytest.approx(48e6, rel=1e-9)
    assert res.floors_relaxed == []
    funded = res.allocations.groupby("project")["equity_usd"].sum()
    assert funded.to_numpy() == pytest.approx([100e6] * 10, rel=1e-12)


def test_a_plan_shortfall_is_shown_as_unfunded() -> None:
    scenario, plan, proj = _case([("X", False)], [("A", 100e6)], {"X": 60e6})
    res = syndicate(plan, scenario, None, projects=proj)
    ct = res.cap_tables.set_index("investor")
    assert ct.loc[UNFUNDED, "equity_usd"] == pytest.approx(40e6)
    assert ct.loc[UNFUNDED, "equity_pct"] == pytest.approx(40.0)
    assert not ct.loc[UNFUNDED, "information_rights"]
    assert any(UNFUNDED in n for n in res.notes)


def test_rules_that_cannot_be_met_raise_a_clear_error() -> None:
    scenario, plan, proj = _case([("X", False), ("Y", False)], [("A", 100e6)], {"X": 50e6, "Y": 50e6})
    caps = pd.DataFrame(
        [
            {"investor": i, "asset_class": "datacenter", "max_share": 0.3, "reason": "r", "project": "A"}
            for i in "XY"
        ]
    )
    with pytest.raises(
        SyndicationError, match=r"X must place \$0\.050B but its caps allow at most \$0\.030B"
    ):
        syndicate(plan, scenario, caps, projects=proj)


def test_a_plan_above_a_class_cap_is_followed_and_noted() -> None:
    scenario, plan, proj = _case([("X", False), ("Y", False)], [("A", 100e6)], {"X": 40e6, "Y": 60e6})
    caps = pd.DataFrame([{"investor": "X", "asset_class": "datacenter", "max_share": 0.3, "reason": "r"}])
    res = syndicate(plan, scenario, caps, projects=proj)
    assert _split(res.allocations)[("X", "A")] == pytest.approx(40.0)
    assert any("above its cap" in n for n in res.notes)
