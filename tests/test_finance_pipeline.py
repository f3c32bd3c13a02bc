"""The investor pipeline (committed vs expected capital) checked by hand on the tiny
fixture, the plan reading either basis, and ``stateside finance`` end to end."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from stateside.cli import app
from stateside.finance.pipeline import capital_pipeline, pipeline_by_investor
from stateside.finance.report import FINANCE_TABLES, attach_finance
from stateside.plan import Plan
from stateside.run import run_plan, share_caps_for
from stateside.scenario.load import load_checked
from stateside.scenario.types import Scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"
runner = CliRunner()


def _basis(scenario: Scenario, basis: str) -> Scenario:
    s = scenario.settings
    finance = s.finance.model_copy(update={"capital_basis": basis})
    return dataclasses.replace(scenario, settings=s.model_copy(update={"finance": finance}))


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    scenario, _ = load_checked(TINY)
    return scenario


@pytest.fixture(scope="module")
def plan_dir(tiny: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny plan with its finance, written as ``stateside plan --out`` would."""
    caps = share_caps_for(tiny)
    plan = run_plan(tiny, share_caps=caps)
    attach_finance(plan, tiny, caps)
    return plan.to_dir(tmp_path_factory.mktemp("plans") / "tiny")


def test_committed_and_expected_by_hand(tiny: Scenario) -> None:
    """commitments.csv of the fixture, probabilities 0.1/0.3/0.6/0.9/1.0 (defaults):
    us_lab 1.5 funded + 1.5 committed; jp_corp 1.0 committed + 1.0 term sheet;
    ae_fund 2.0 committed + 2.0 in talks (USD bn)."""
    by = pipeline_by_investor(capital_pipeline(tiny)).set_index("investor")
    assert by.loc["us_lab", "committed_usd"] == pytest.approx(3.0e9)
    assert by.loc["us_lab", "expected_usd"] == pytest.approx(1.5e9 * 1.0 + 1.5e9 * 0.9)
    assert by.loc["jp_corp", "committed_usd"] == pytest.approx(1.0e9)
    assert by.loc["jp_corp", "expected_usd"] == pytest.approx(1.0e9 * 0.9 + 1.0e9 * 0.6)
    assert by.loc["ae_fund", "committed_usd"] == pytest.approx(2.0e9)
    assert by.loc["ae_fund", "expected_usd"] == pytest.approx(2.0e9 * 0.9 + 2.0e9 * 0.3)
    assert by.loc["ae_fund", "country"] == "AE"


def test_commitments_arrive_in_the_next_period(tiny: Scenario) -> None:
    pipe = capital_pipeline(tiny)
    period = dict(zip(zip(pipe["investor"], pipe["year"], strict=True), pipe["period"], strict=True))
    # periods 2028 and 2030: 2026 and 2027 money is there by 2028, 2029 money by 2030
    assert period[("ae_fund", 2027)] == 2028
    assert period[("ae_fund", 2029)] == 2030
    assert period[("us_lab", 2028)] == 2028


def test_a_commitment_after_the_horizon_has_no_period(tiny: Scenario) -> None:
    extra = pd.DataFrame(
        [{"investor": "us_lab", "year": 2035, "amount_usd": 1e9, "stage": "prospect", "source": ""}]
    )
    scenario = dataclasses.replace(
        tiny, tables={**tiny.tables, "commitments": pd.concat([tiny.commitments, extra], ignore_index=True)}
    )
    row = capital_pipeline(scenario).set_index(["investor", "year"]).loc[("us_lab", 2035)]
    assert pd.isna(row["period"])
    assert row["expected_usd"] == pytest.approx(0.1e9) and row["committed_usd"] == 0.0


@pytest.mark.parametrize("basis", ["committed", "expected"])
def test_the_plan_runs_on_either_basis(tiny: Scenario, plan_dir: Path, basis: str) -> None:
    """The capital the model makes available per investor and period is the pipeline's
    ``basis_usd`` summed by period (jp_corp: 1.0 committed, 1.5 expected by 2028)."""
    scenario = _basis(tiny, basis)
    pipe = capital_pipeline(scenario)
    assert (pipe["basis_usd"] == pipe[f"{basis}_usd"]).all()
    if basis == "committed":  # the fixture's own setting: the plan of ``plan_dir``
        by_investor = pd.read_csv(plan_dir / "capital_by_investor.csv")
    else:
        plan: Plan = run_plan(scenario)
        by_investor = plan.tables["capital_by_investor"]
    avail = by_investor.set_index(["investor", "period"])["available_usd"]
    want = pipe.groupby(["investor", "period"])["basis_usd"].sum()
    for key, v in avail.items():
        assert v == pytest.approx(float(want.get(key, 0.0)), abs=1.0)
    assert avail[("jp_corp", 2028)] == pytest.approx(1.0e9 if basis == "committed" else 1.5e9)


def test_unknown_stage_probability_is_a_clear_error(tiny: Scenario) -> None:
    s = tiny.settings
    finance = s.finance.model_copy(update={"pipeline_probability": {"committed": 0.9, "funded": 1.0}})
    scenario = dataclasses.replace(tiny, settings=s.model_copy(update={"finance": finance}))
    with pytest.raises(ValueError, match=r"no probability for stage\(s\) \['in_talks', 'term_sheet'\]"):
        capital_pipeline(scenario)


# --------------------------------------------------------------------------------------
# the command


def test_finance_command_prints_investors_and_projects(plan_dir: Path) -> None:
    result = runner.invoke(app, ["finance", str(plan_dir), "--cap-tables"], terminal_width=160)
    assert result.exit_code == 0, result.output
    out = result.output
    for title in ("Capital pipeline by year", "Investors", "Plan equity by period", "Projects", "Cap tables"):
        assert title in out
    assert "camp_tx" in out and "us_lab" in out
    # the pipeline totals of the fixture: 6.00 committed, 6.75 expected (USD bn)
    assert "6.00" in out and "6.75" in out


def test_finance_json_matches_the_tables(plan_dir: Path) -> None:
    result = runner.invoke(app, ["finance", str(plan_dir), "--json"])
    assert result.exit_code == 0, result.output
    fin = json.loads(result.output)
    ret = pd.read_csv(plan_dir / "investor_returns.csv").set_index("investor")
    assert fin["capital_basis"] == "committed"
    assert fin["committed_usd"] == pytest.approx(6.0e9) and fin["expected_usd"] == pytest.approx(6.75e9)
    for inv, d in fin["investors"].items():
        assert d["invested_usd"] == pytest.approx(ret.loc[inv, "invested_usd"], abs=0.01)


def test_finance_on_a_plan_folder_without_finance(plan_dir: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    for f in plan_dir.iterdir():
        if f.stem not in FINANCE_TABLES:
            (bare / f.name).write_bytes(f.read_bytes())
    result = runner.invoke(app, ["finance", str(bare), "--scenario", str(TINY), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["projects"] >= 1


def test_finance_rejects_a_bad_basis(plan_dir: Path) -> None:
    result = runner.invoke(app, ["finance", str(TINY), "--basis", "hoped"])
    assert result.exit_code != 0
    assert "expected committed or expected" in result.output
    result = runner.invoke(app, ["finance", str(plan_dir), "--basis", "expected"])
    assert result.exit_code != 0
    assert "plan folder" in result.output
