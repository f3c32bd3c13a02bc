"""The sponsor's funding round: hand-worked arithmetic, validation, proceeds into the pipeline, security review."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from stateside.round import RoundError, with_round_proceeds, work_out
from stateside.scenario.errors import ScenarioError
from stateside.scenario.load import load_scenario
from stateside.scenario.types import Scenario
from stateside.scenario.validate import check_scenario
from stateside.security.round import review_rounds

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
ROUND_COLUMNS = (
    "round,date,security_type,pre_money_valuation_usd,participant,name,country,investor_type,"
    "government_ownership_pct,lead,amount_usd,board_seat,observer,information_rights,coalition_share_pct,source"
)


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


def _frame(sc: Scenario, name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=sc.tables[name].columns)


def _row(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "round": "series_a",
        "date": "2027-03-01",
        "security_type": "preferred",
        "pre_money_valuation_usd": 100e6,
        "participant": "us_vc",
        "name": "US Venture",
        "country": "US",
        "investor_type": "venture",
        "government_ownership_pct": 0.0,
        "lead": False,
        "amount_usd": 0.0,
        "board_seat": False,
        "observer": False,
        "information_rights": False,
        "coalition_share_pct": 0.0,
        "source": "test",
    }
    base.update(over)
    return base


def _cap(sc: Scenario, shares: bool = True) -> pd.DataFrame:
    rows = [("founders", 600.0, 60.0), ("pool", 100.0, 10.0), ("seed", 300.0, 30.0)]
    return _frame(
        sc,
        "sponsor_cap_table",
        [
            {
                "holder": h,
                "name": h,
                "country": "US",
                "security_type": "options" if h == "pool" else "common",
                "shares": n if shares else None,
                "stake_pct": None if shares else p,
                "source": "test",
            }
            for h, n, p in rows
        ],
    )


def _series_a(sc: Scenario) -> pd.DataFrame:
    return _frame(
        sc,
        "funding_rounds",
        [
            _row(participant="us_vc", lead=True, amount_usd=20e6, board_seat=True, coalition_share_pct=50.0),
            _row(
                participant="jp_corp",
                name=None,
                country=None,
                investor_type=None,
                government_ownership_pct=None,
                amount_usd=5e6,
                board_seat=True,
                coalition_share_pct=100.0,
            ),
        ],
    )


def test_post_money_price_and_stakes_by_hand(tiny: Scenario) -> None:
    """pre 100 M, 1,000 FD shares, 20 M + 5 M: post 125 M, price 100,000, new stakes 16 % and 4 %,
    existing holders × 100/125 (founders 60 % → 48 %)."""
    (r,) = work_out(_series_a(tiny), _cap(tiny), tiny.investors)
    assert r.post_money_usd == pytest.approx(125e6)
    assert r.price_per_share_usd == pytest.approx(100_000.0)
    assert r.new_shares == pytest.approx(250.0)
    assert r.lead == ["us_vc"]
    s = {x.holder: x for x in r.stakes}
    assert s["us_vc"].after_pct == pytest.approx(20e6 / 125e6 * 100)
    assert s["jp_corp"].after_pct == pytest.approx(4.0)
    assert s["jp_corp"].shares_after == pytest.approx(50.0)
    assert s["jp_corp"].country == "JP"  # taken from investors.csv
    assert s["founders"].before_pct == pytest.approx(60.0)
    assert s["founders"].after_pct == pytest.approx(48.0)
    assert s["founders"].dilution_pct == pytest.approx(12.0)
    assert sum(x.after_pct for x in r.stakes) == pytest.approx(100.0)
    assert r.coalition_usd == pytest.approx(0.5 * 20e6 + 5e6)


def test_stakes_only_and_two_rounds_in_date_order(tiny: Scenario) -> None:
    """Without shares: no price; a later round dilutes the first round's holders by its pre/post."""
    rounds = _frame(
        tiny,
        "funding_rounds",
        [
            _row(
                round="b",
                date="2028-01-10",
                pre_money_valuation_usd=375e6,
                participant="new_fund",
                amount_usd=125e6,
            ),
            _row(
                round="a",
                date="2027-01-10",
                pre_money_valuation_usd=75e6,
                participant="us_vc",
                amount_usd=25e6,
            ),
        ],
    )
    a, b = work_out(rounds, _cap(tiny, shares=False), tiny.investors)
    assert (a.round, b.round) == ("a", "b")
    assert a.price_per_share_usd is None
    sa = {x.holder: x for x in a.stakes}
    assert sa["us_vc"].after_pct == pytest.approx(25.0)  # 25 / (75 + 25)
    assert sa["founders"].after_pct == pytest.approx(60.0 * 0.75)
    sb = {x.holder: x for x in b.stakes}
    assert b.post_money_usd == pytest.approx(500e6)
    assert sb["new_fund"].after_pct == pytest.approx(25.0)
    assert sb["us_vc"].before_pct == pytest.approx(25.0)
    assert sb["us_vc"].after_pct == pytest.approx(25.0 * 375 / 500)
    assert sb["founders"].after_pct == pytest.approx(45.0 * 0.75)


def test_existing_holder_that_invests_again(tiny: Scenario) -> None:
    rounds = _frame(tiny, "funding_rounds", [_row(participant="seed", amount_usd=25e6)])
    (r,) = work_out(rounds, _cap(tiny), tiny.investors)
    seed = next(x for x in r.stakes if x.holder == "seed")
    assert seed.after_pct == pytest.approx(30.0 * 100 / 125 + 20.0)
    assert seed.shares_after == pytest.approx(300.0 + 250.0)


def test_round_problems_named(tiny: Scenario) -> None:
    bad = _frame(
        tiny,
        "funding_rounds",
        [
            _row(amount_usd=1e6),
            _row(participant="x", country=None, amount_usd=1e6, pre_money_valuation_usd=5e6),
        ],
    )
    with pytest.raises(RoundError, match=r"funding_rounds.csv:3:pre_money_valuation_usd: expected 100000000"):
        work_out(bad, _cap(tiny), tiny.investors)


def test_proceeds_join_the_sponsors_commitments(tiny: Scenario) -> None:
    t = dict(tiny.tables)
    t["funding_rounds"], t["sponsor_cap_table"] = _series_a(tiny), _cap(tiny)
    sc = with_round_proceeds(dataclasses.replace(tiny, tables=t))
    com = sc.commitments
    new = com[(com["investor"] == "us_lab") & (com["year"] == 2027)]
    assert len(new) == 1
    assert float(new["amount_usd"].iloc[0]) == pytest.approx(15e6)
    assert new["stage"].iloc[0] == "funded"
    assert float(com["amount_usd"].sum()) == pytest.approx(float(tiny.commitments["amount_usd"].sum()) + 15e6)
    assert with_round_proceeds(tiny) is tiny  # no rounds: unchanged


def test_japanese_board_seat_is_a_covered_transaction(tiny: Scenario) -> None:
    """A JP strategic with a board seat in a US AI lab holding frontier weights and sensitive data:
    JP is not an excepted state, a board seat makes it a covered investment (§800.211(b)) in a TID
    U.S. business; no export licence of frontier weights to JP, so no §800.401(c) declaration:
    a voluntary notice, by rule C3. The US lead is not a foreign person."""
    t = dict(tiny.tables)
    t["funding_rounds"], t["sponsor_cap_table"] = _series_a(tiny), _cap(tiny)
    reviews = {r.participant: r for r in review_rounds(dataclasses.replace(tiny, tables=t))}
    jp = reviews["jp_corp"]
    assert jp.review.facts.covered_transaction
    assert jp.review.outcome == "voluntary_notice"
    assert [x.rule_id for x in jp.review.deciding] == ["C3-covered-investment"]
    assert "§800.211" in jp.review.deciding[0].section
    assert "board_seat" in jp.to_dict()["deciding"][0]
    assert jp.stake_after_pct == pytest.approx(4.0)
    us = reviews["us_vc"]
    assert us.review.outcome == "clear"
    assert not us.review.facts.covered_transaction


def test_validate_names_file_row_field(tmp_path: Path) -> None:
    d = tmp_path / "sc"
    shutil.copytree(TINY, d)
    (d / "funding_rounds.csv").write_text(
        ROUND_COLUMNS
        + "\nseed,2027-02-30,preferred,1e8,us_lab,,,,,true,1e7,false,false,false,100,t\n"
        + "seed,2027-02-01,preferred,1e8,anon,,,,,false,1e7,false,false,false,100,t\n",
        encoding="utf-8",
    )
    result = check_scenario(d)
    text = [str(i) for i in result.issues if i.is_error]
    assert any("funding_rounds.csv:2" in x and "date" in x and "YYYY-MM-DD" in x for x in text), text
    assert any("funding_rounds.csv:3" in x and "country" in x for x in text), text
    with pytest.raises(ScenarioError):
        load_scenario(d)


def test_a_scenario_with_a_round_loads_with_the_proceeds(tmp_path: Path, tiny: Scenario) -> None:
    d = tmp_path / "sc"
    shutil.copytree(TINY, d)
    (d / "funding_rounds.csv").write_text(
        ROUND_COLUMNS + "\nseed,2028-02-01,preferred,1e9,us_lab,,,,,true,2e8,true,false,false,50,t\n",
        encoding="utf-8",
    )
    sc = load_scenario(d)
    row = sc.commitments[(sc.commitments["investor"] == "us_lab") & (sc.commitments["year"] == 2028)]
    assert float(row["amount_usd"].iloc[0]) == pytest.approx(1.5e9 + 1e8)
    assert row["stage"].iloc[0] == "committed"
    assert "funding round seed" in row["source"].iloc[0]


def test_default_round_and_its_review() -> None:
    """The default's illustrative round: USD 11.5 bn on USD 150 bn pre-money; the Japanese strategic's
    board seat makes it a covered transaction (voluntary notice, C3); the passive UAE fund is not covered."""
    from stateside.scenario.load import load_default

    sc = load_default()
    (r,) = work_out(sc.funding_rounds, sc.sponsor_cap_table, sc.investors)
    assert r.post_money_usd == pytest.approx(161.5e9)
    assert r.lead == ["growth_lead"]
    stakes = {s.holder: s for s in r.stakes}
    assert stakes["founders"].after_pct == pytest.approx(30.0 * 150 / 161.5)
    assert stakes["jp_strategic"].after_pct == pytest.approx(2.0 / 161.5 * 100)
    reviews = {x.participant: x for x in review_rounds(sc)}
    assert reviews["jp_strategic"].review.outcome == "voluntary_notice"
    assert reviews["jp_strategic"].review.facts.covered_transaction
    assert [x.rule_id for x in reviews["jp_strategic"].review.deciding] == ["C3-covered-investment"]
    assert not reviews["uae_fund"].review.facts.covered_transaction
    assert reviews["growth_lead"].review.outcome == "clear"
    assert r.coalition_usd == 0.0  # the default's coalition money is in commitments.csv already


def test_round_cli_json() -> None:
    import json

    from typer.testing import CliRunner

    from stateside.cli import app

    res = CliRunner().invoke(app, ["round", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["rounds"][0]["post_money_usd"] == pytest.approx(161.5e9)
    jp = next(x for x in d["reviews"] if x["participant"] == "jp_strategic")
    assert jp["outcome"] == "voluntary_notice" and jp["covered_transaction"]
    assert any("§800.211" in x["section"] for x in jp["reasons"])
