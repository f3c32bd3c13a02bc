"""One source per fuel price (issue #11 and #14 point 1): fuels.csv gives a national price
only for fuels without regional rows in fuel_prices.csv; a region without a row for a
regionally priced fuel has no supply of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stateside.model.data import prepare
from stateside.scenario.fuels import fuel_price_table
from stateside.scenario.load import load_scenario
from stateside.scenario.typical import scenario_typical_periods
from stateside.scenario.validate import check_scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    dest = tmp_path / "tiny"
    shutil.copytree(TINY, dest)
    return dest


def _regional_gas(folder: Path, regions: list[str], price: float) -> None:
    rows = [
        {"fuel": "gas", "region": r, "period": p, "price_usd_per_mmbtu": price, "source": "test"}
        for r in regions
        for p in (2028, 2030)
    ]
    pd.DataFrame(rows).to_csv(folder / "fuel_prices.csv", index=False)


def _issues(folder: Path) -> list[str]:
    return [str(i) for i in check_scenario(folder).issues]


def test_a_fuel_priced_both_ways_is_refused(tiny: Path) -> None:
    _regional_gas(tiny, ["TX", "OK", "NM"], 2.5)
    issues = _issues(tiny)
    assert any(
        i.startswith(
            "fuels.csv:2:price_usd_per_mmbtu: expected blank: 'gas' has regional prices in fuel_prices.csv"
        )
        for i in issues
    ), issues


def test_editing_the_national_price_changes_the_plan_inputs(tiny: Path) -> None:
    before = prepare(load_scenario(tiny), scenario_typical_periods(load_scenario(tiny)))
    fuels = pd.read_csv(tiny / "fuels.csv")
    fuels.loc[fuels["fuel"] == "gas", "price_usd_per_mmbtu"] = 6.0
    fuels.to_csv(tiny / "fuels.csv", index=False)
    sc = load_scenario(tiny)
    after = prepare(sc, scenario_typical_periods(sc))
    mc0 = before.marginal_cost_musd_per_gwh.sel(technology="gas_cc", region="TX")
    mc1 = after.marginal_cost_musd_per_gwh.sel(technology="gas_cc", region="TX")
    assert (mc1 > mc0).all()


def test_regional_rows_replace_the_national_price_and_limit_supply(tiny: Path) -> None:
    """Gas priced only in TX and OK: NM has no gas — nothing burning gas can be built or run
    there, and NM's existing gas plants are refused by validation."""
    _regional_gas(tiny, ["TX", "OK"], 2.5)
    fuels = pd.read_csv(tiny / "fuels.csv")
    fuels.loc[fuels["fuel"] == "gas", "price_usd_per_mmbtu"] = np.nan
    fuels.to_csv(tiny / "fuels.csv", index=False)
    existing = pd.read_csv(tiny / "existing_capacity.csv")
    nm_gas = existing[(existing["region"] == "NM") & existing["technology"].str.startswith("gas")]
    issues = _issues(tiny)
    if len(nm_gas):
        assert any("existing_capacity.csv" in i and "'gas' has no price there" in i for i in issues), issues
        existing = existing.drop(nm_gas.index)
        existing.to_csv(tiny / "existing_capacity.csv", index=False)
    sc = load_scenario(tiny)
    table = fuel_price_table(sc)
    assert set(table[table["fuel"] == "gas"]["region"]) == {"TX", "OK"}
    assert (table[table["fuel"] == "gas"]["price_usd_per_mmbtu"] == 2.5).all()
    d = prepare(sc, scenario_typical_periods(sc))
    assert not bool(d.can_build.sel(technology="gas_cc", region="NM").any())
    assert not bool(d.dispatchable.sel(technology="gas_cc", region="NM"))
    assert bool(d.can_build.sel(technology="gas_cc", region="TX").any())


def test_a_burnt_fuel_without_any_price_is_refused(tiny: Path) -> None:
    fuels = pd.read_csv(tiny / "fuels.csv")
    fuels.loc[fuels["fuel"] == "gas", "price_usd_per_mmbtu"] = np.nan
    fuels.to_csv(tiny / "fuels.csv", index=False)
    issues = _issues(tiny)
    assert any("expected a price for 'gas'" in i for i in issues), issues


def test_validate_says_which_input_wins_where_two_combine(tiny: Path) -> None:
    """`stateside validate` names the rule wherever two inputs combine by design."""
    from typer.testing import CliRunner

    from stateside.cli import app
    from stateside.scenario.precedence import precedence_notes

    notes = precedence_notes(load_scenario(tiny))
    assert any("reserve_margin is blank for 3 region(s)" in n and "0.15 applies" in n for n in notes), notes
    _regional_gas(tiny, ["TX", "OK", "NM"], 2.5)
    fuels = pd.read_csv(tiny / "fuels.csv")
    fuels.loc[fuels["fuel"] == "gas", "price_usd_per_mmbtu"] = np.nan
    fuels.to_csv(tiny / "fuels.csv", index=False)
    steps = pd.DataFrame(
        [
            {
                "technology": "solar",
                "step": 1,
                "share_of_peak_upto": None,
                "capacity_credit": 0.3,
                "source": "t",
            }
        ]
    )
    steps.to_csv(tiny / "capacity_credit_steps.csv", index=False)
    result = CliRunner().invoke(app, ["validate", str(tiny)], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Where two inputs combine" in text
    assert "gas by region and period from fuel_prices.csv" in text
    assert "uranium one national price from fuels.csv" in text
    assert "stepwise credits for solar: they replace those technologies' capacity_credit" in text


def test_a_huge_number_is_refused_in_a_scenario_folder(tiny: Path) -> None:
    """1e300 passes a column's bounds but would break the solver: validate refuses it by
    file, row and column (the web upload used the same limit already)."""
    fuels = pd.read_csv(tiny / "fuels.csv")
    fuels.loc[fuels["fuel"] == "gas", "price_usd_per_mmbtu"] = 1e300
    fuels.to_csv(tiny / "fuels.csv", index=False)
    issues = _issues(tiny)
    assert any(
        i.startswith("fuels.csv:2:price_usd_per_mmbtu: expected a number of magnitude at most 1e+15")
        for i in issues
    ), issues
