"""Impact tables on a hand-made plan of the tiny scenario: every number is checked by hand.

The plan below is not solved; its tables are written by hand (2 periods, 2028 and 2030,
two years apart, as in tests/fixtures/tiny) so that each jobs, emissions, chips, state
and sharing figure can be recomputed on paper from the coefficients of
stateside/data/impact/jobs_coefficients.csv.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from stateside.impact import IMPACT_TABLES, attach_impact, impact_tables
from stateside.plan import Plan
from stateside.scenario.load import load_scenario
from stateside.scenario.settings import BenefitSharing
from stateside.scenario.types import Scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"
DC_BUILD = 6.666667  # job-years per MW IT (Abilene: 4,000 workers x 2 years / 1,200 MW)
DC_OPERATE = 0.25  # jobs per MW IT
GAS_CC = (0.57898781, 0.052, 0.00002764)  # ReEDS JEDI Gas-CC: construction, fom, vom
BATTERY = (0.937020565, 0.033333333)  # ReEDS JEDI battery_li
TO_2022 = 1 / 1.062742  # 2024 $ -> 2022 $ (BEA GDP deflator 125.428 / 118.023)
TO_2004 = 1 / 1.58615  # 2024 $ -> 2004 $
HOURS = 8760.0


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(TINY)


def hand_plan() -> Plan:
    t: dict[str, pd.DataFrame] = {}
    t["campuses"] = pd.DataFrame(
        {
            "campus": ["camp_tx", "camp_tx"],
            "region": ["TX", "TX"],
            "period": [2028, 2030],
            "new_modules": [2.0, 1.0],
            "modules_online": [2.0, 3.0],
            "new_it_mw": [200.0, 100.0],
            "it_mw_online": [200.0, 300.0],
            "grid_load_mw": [192.0, 288.0],
            "capex_usd": [2.2e9, 1.1e9],
        }
    )
    t["fabs"] = pd.DataFrame(
        {
            "fab": ["fab_tx", "fab_tx"],
            "region": ["TX", "TX"],
            "period": [2028, 2030],
            "decided": [False, True],
            "online": [False, True],
            "capex_usd": [0.0, 12e9],
            "grant_usd": [0.0, 2e9],
            "power_mw": [0.0, 100.0],
        }
    )
    t["builds"] = pd.DataFrame(
        {
            "region": ["TX", "TX", "TX", "TX", "TX"],
            "technology": ["gas_cc", "gas_cc", "battery", "nuclear", "nuclear"],
            "period": [2028, 2030, 2030, 2028, 2030],
            "new_mw": [100.0, 0.0, 50.0, 0.0, 0.0],
            "capacity_mw": [100.0, 100.0, 50.0, 1200.0, 1200.0],
            "capex_usd": [1e8, 0.0, 5e7, 0.0, 0.0],
        }
    )
    t["dispatch"] = pd.DataFrame(
        {
            "region": ["TX", "TX", "TX", "TX", "TX"],
            "technology": ["gas_cc", "nuclear", "gas_cc", "nuclear", "battery"],
            "period": [2028, 2028, 2030, 2030, 2030],
            "energy_mwh": [400_000.0, 1e7, 400_000.0, 1e7, -1_000.0],
            "co2_t": [160_000.0, 0.0, 160_000.0, 0.0, 0.0],
        }
    )
    t["emissions"] = t["dispatch"].groupby(["region", "period"], as_index=False)["co2_t"].sum()
    t["corridors"] = pd.DataFrame(
        {
            "corridor": ["OK-TX", "OK-TX"],
            "region_from": ["OK", "OK"],
            "region_to": ["TX", "TX"],
            "period": [2028, 2030],
            "new_mw": [0.0, 1000.0],
            "capacity_forward_mw": [1601.0, 2601.0],
            "capacity_reverse_mw": [1773.8, 2773.8],
            "energy_forward_mwh": [0.0, 0.0],
            "energy_reverse_mwh": [0.0, 0.0],
            "capex_usd": [0.0, 1586.15e6],
        }
    )
    t["chips"] = pd.DataFrame(
        {
            "period": [2028, 2030],
            "need": [140_000.0, 70_000.0],
            "domestic": [0.0, 500_000.0],
            "imported": [800_000.0, 0.0],
            "short": [0.0, 0.0],
        }
    )
    t["it_capacity"] = pd.DataFrame(
        {
            "period": [2028, 2030],
            "target_mw": [200.0, 300.0],
            "online_mw": [200.0, 300.0],
            "short_mw": [0.0, 0.0],
        }
    )
    t["capital"] = pd.DataFrame(
        {
            "investor": ["us_lab", "jp_corp", "ae_fund", "jp_corp"],
            "asset_class": ["datacenter", "datacenter", "datacenter", "fab"],
            "period": [2028, 2028, 2030, 2030],
            "equity_usd": [1e9, 3e8, 1e8, 5e8],
            "share": [0.77, 0.23, 1.0, 1.0],
        }
    )
    return Plan("hand", "target", "ok", "optimal", 0.0, 0.0, 0.0, 0.0, tables=t)


@pytest.fixture(scope="module")
def tables(tiny: Scenario) -> dict[str, pd.DataFrame]:
    return impact_tables(hand_plan(), tiny)


def _one(df: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for k, v in where.items():
        mask &= df[k] == v
    rows = df[mask]
    assert len(rows) == 1, f"{where}: {len(rows)} rows"
    return rows.iloc[0]


def test_campus_jobs_are_mw_times_the_abilene_and_reported_coefficients(
    tables: dict[str, pd.DataFrame],
) -> None:
    jobs = tables["jobs"]
    build = _one(jobs, asset="camp_tx", period=2028, phase="construction")
    assert build["construction_job_years"] == pytest.approx(200 * DC_BUILD)
    assert (build["coefficient_id"], build["source_id"]) == ("datacenter_construction", "abilene_crusoe")
    assert _one(jobs, asset="camp_tx", period=2030, phase="construction")["quantity"] == 100.0
    operate = _one(jobs, asset="camp_tx", period=2030, phase="operations")
    assert operate["permanent_jobs"] == pytest.approx(300 * DC_OPERATE)  # a level: 75, not 50 + 75


def test_fab_jobs_scale_with_capex_in_2022_dollars(tables: dict[str, pd.DataFrame]) -> None:
    jobs = tables["jobs"]
    bn_2022 = 12.0 * TO_2022
    build = _one(jobs, asset="fab_tx", phase="construction")
    assert build["period"] == 2030 and build["quantity"] == pytest.approx(bn_2022, rel=1e-6)
    assert build["construction_job_years"] == pytest.approx(1050 * bn_2022, rel=1e-6)  # 11,856
    assert _one(jobs, asset="fab_tx", phase="operations")["permanent_jobs"] == pytest.approx(
        150 * bn_2022, rel=1e-6
    )
    assert not len(jobs[(jobs["asset"] == "fab_tx") & (jobs["period"] == 2028)])


def test_power_jobs_use_the_reeds_jedi_factors(tables: dict[str, pd.DataFrame]) -> None:
    jobs = tables["jobs"]
    gas = jobs[jobs["asset"] == "gas_cc-TX"]
    assert _one(gas, phase="construction")["construction_job_years"] == pytest.approx(100 * GAS_CC[0])
    fom = gas[(gas["coefficient_id"] == "jedi_gas_cc_fom")]
    assert list(fom["period"]) == [2028, 2030] and fom["permanent_jobs"].tolist() == pytest.approx([5.2, 5.2])
    vom = gas[gas["coefficient_id"] == "jedi_gas_cc_vom"]
    assert vom["permanent_jobs"].tolist() == pytest.approx([400_000 * GAS_CC[2]] * 2)  # 11.056 a year
    bat = jobs[jobs["asset"] == "battery-TX"]
    assert _one(bat, phase="construction")["construction_job_years"] == pytest.approx(50 * BATTERY[0])
    assert _one(bat, phase="operations")["permanent_jobs"] == pytest.approx(50 * BATTERY[1])
    # existing nuclear is not a job of the plan
    assert not len(jobs[jobs["technology"] == "nuclear"])


def test_transmission_jobs_are_split_between_the_two_states(tables: dict[str, pd.DataFrame]) -> None:
    jobs = tables["jobs"]
    line = jobs[jobs["asset"] == "OK-TX"]
    assert sorted(line["region"]) == ["OK", "TX"]
    # $1,586.15 M of 2024 $ = $1,000 M of 2004 $; x 3.31e-6 job-years per 2004 $ = 3,310, half each
    assert line["construction_job_years"].tolist() == pytest.approx([1655.0, 1655.0], rel=1e-6)
    assert "1,000 MW x 300 mi = 300,000 MW-miles" in line["note"].iloc[0]


def test_every_jobs_row_names_its_coefficient_and_source(tables: dict[str, pd.DataFrame]) -> None:
    jobs = tables["jobs"]
    assert (jobs["coefficient_id"] != "").all() and (jobs["source_id"] != "").all()
    recomputed = jobs["quantity"] * jobs["coefficient"]
    assert (recomputed - jobs["construction_job_years"] - jobs["permanent_jobs"]).abs().max() < 1e-6
    used = set(tables["impact_coefficients"]["coefficient_id"])
    assert used == set(jobs["coefficient_id"])
    assert set(jobs["source_id"]) <= set(tables["impact_sources"]["source_id"])


def test_emissions_intensity_and_campus_share(tables: dict[str, pd.DataFrame]) -> None:
    em = tables["emissions_detail"]
    tx = _one(em, region="TX", period=2028)
    assert tx["generation_mwh"] == pytest.approx(10_400_000)  # storage left out
    assert tx["intensity_t_per_mwh"] == pytest.approx(160_000 / 10_400_000)
    assert tx["campus_load_mwh"] == pytest.approx(192 * HOURS)
    assert tx["campus_co2_t"] == pytest.approx(192 * HOURS * 160_000 / 10_400_000)  # 25,876 t
    assert tx["campus_share"] == pytest.approx(192 * HOURS / 10_400_000)
    assert tx["egrid2022_t_per_mwh"] == pytest.approx(818.537 * 0.45359237 / 1000, abs=1e-6)
    tx30 = _one(em, region="TX", period=2030)
    assert tx30["fab_co2_t"] == pytest.approx(100 * HOURS * 160_000 / 10_400_000)


def test_chips_domestic_first(tables: dict[str, pd.DataFrame]) -> None:
    ch = tables["chips_complementarity"].set_index("period")
    assert ch.loc[2028, "domestic_used"] == 0 and ch.loc[2028, "imported"] == 140_000
    assert ch.loc[2028, "domestic_share"] == 0
    # fab_tx online in 2030: 250,000 a year x 2 years = 500,000 of output for a need of 70,000
    assert ch.loc[2030, "domestic_output"] == 500_000 and ch.loc[2030, "domestic_used"] == 70_000
    assert ch.loc[2030, "domestic_share"] == 1.0 and ch.loc[2030, "domestic_surplus"] == 430_000
    assert ch.loc[2030, "fabs_online"] == "fab_tx"
    fab = _one(tables["chips_fabs"], fab="fab_tx")
    assert fab["built"] and fab["online_from"] == 2030 and fab["accelerators_in_horizon"] == 500_000
    assert fab["relied_on"] and not fab["chips_awarded"]


def test_chips_awarded_fab_is_named(tiny: Scenario) -> None:
    fabs = tiny.fabs.copy()
    fabs["chips_award"] = "Samsung Electronics final award 2024-12-20, $4.745B (TX)"
    scenario = dataclasses.replace(tiny, tables={**tiny.tables, "fabs": fabs})
    plan = hand_plan()
    attach_impact(plan, scenario)
    assert plan.extra["impact"]["chips_awarded_fabs_relied_on"] == ["fab_tx"]
    assert int(_one(plan.tables["chips_complementarity"], period=2030)["chips_awarded_fabs_online"]) == 1


def test_state_benefits_add_up_to_the_plan(tables: dict[str, pd.DataFrame]) -> None:
    st = tables["state_benefits"].set_index("region")
    tx, ok = st.loc["TX"], st.loc["OK"]
    assert tx["capex_datacenter_usd"] == 3.3e9 and tx["capex_fab_usd"] == 12e9
    assert tx["capex_generation_usd"] == 1e8 and tx["capex_storage_usd"] == 5e7
    assert tx["capex_transmission_usd"] == ok["capex_transmission_usd"] == pytest.approx(1586.15e6 / 2)
    plan_capex = 3.3e9 + 12e9 + 1e8 + 5e7 + 1586.15e6
    assert st["capex_total_usd"].sum() == pytest.approx(plan_capex)
    assert tx["capex_usd_per_capita"] == pytest.approx(tx["capex_total_usd"] / 31_290_831)
    assert tx["campus_it_mw"] == 300 and tx["fab_accelerators_per_year"] == 250_000
    assert tx["chips_grants_usd"] == 2e9 and tx["new_generation_mw"] == 100 and tx["new_storage_mw"] == 50
    jobs = tables["jobs"]
    assert st["construction_job_years"].sum() == pytest.approx(jobs["construction_job_years"].sum())
    ops_2030 = jobs[(jobs["phase"] == "operations") & (jobs["period"] == 2030) & (jobs["region"] == "TX")]
    assert tx["permanent_jobs"] == pytest.approx(ops_2030["permanent_jobs"].sum())
    assert "fab_operations" in tx["coefficient_ids"].split(";")


def test_benefit_sharing_splits_the_allied_part_by_datacenter_equity(tables: dict[str, pd.DataFrame]) -> None:
    bs = tables["benefit_sharing"]
    assert _one(bs, period=2028, party="sponsor")["it_mw"] == 100  # 50 % of 200
    assert _one(bs, period=2028, party="other_companies")["it_mw"] == 60
    assert _one(bs, period=2028, party="allied_countries", country="JP")["it_mw"] == pytest.approx(40)
    # 2030: JP 300 M and AE 100 M of datacenter equity -> 75 % / 25 % of the allied 20 % of 300 MW
    assert _one(bs, period=2030, country="JP")["it_mw"] == pytest.approx(45)
    assert _one(bs, period=2030, country="AE")["it_mw"] == pytest.approx(15)
    assert bs.groupby("period")["it_mw"].sum().tolist() == pytest.approx([200, 300])


def test_benefit_sharing_equal_split(tiny: Scenario) -> None:
    s = tiny.settings.model_copy(
        update={"impact": tiny.settings.impact.model_copy(update={"allied_split": "equal"})}
    )
    out = impact_tables(hand_plan(), dataclasses.replace(tiny, settings=s))["benefit_sharing"]
    allied = out[(out["period"] == 2030) & (out["party"] == "allied_countries")]
    assert dict(zip(allied["country"], allied["it_mw"], strict=True)) == pytest.approx(
        {"AE": 30.0, "JP": 30.0}
    )


def test_capital_by_country_and_allied_share(tables: dict[str, pd.DataFrame]) -> None:
    cc = tables["capital_by_country"].set_index("country")
    assert cc.loc["US", "equity_usd"] == 1e9 and not cc.loc["US", "allied"]
    assert cc.loc["JP", "equity_usd"] == 8e8 and cc.loc["JP", "datacenter_equity_usd"] == 3e8
    assert cc.loc[["JP", "AE"], "share"].sum() == pytest.approx(9e8 / 1.9e9)


def test_benefit_shares_must_sum_to_one() -> None:
    with pytest.raises(ValidationError, match=r"must sum to 1, found 1\.2"):
        BenefitSharing(sponsor=0.5, other_companies=0.5, allied_countries=0.2)


def test_attach_impact_on_a_plan_without_solution(tiny: Scenario) -> None:
    plan = Plan("x", "target", "error", "infeasible", math.nan, None, 0.0, 0.0)
    attach_impact(plan, tiny)
    assert set(IMPACT_TABLES) <= set(plan.tables)
    for name in ("jobs", "emissions_detail", "chips_complementarity", "benefit_sharing"):
        assert plan.tables[name].empty, name
    assert plan.extra["impact"]["construction_job_years"] == 0.0
    json.dumps(plan.extra["impact"])


def test_impact_summary_is_json_and_round_trips_through_a_plan_folder(tiny: Scenario, tmp_path: Path) -> None:
    from stateside.plan import load_plan_dir

    plan = hand_plan()
    attach_impact(plan, tiny)
    summary = plan.extra["impact"]
    assert summary["permanent_jobs"]["2028"] == pytest.approx(50 + 5.2 + 11.1, abs=0.05)
    assert summary["allied_capital_share"] == pytest.approx(0.4737, abs=1e-4)
    plan.to_dir(tmp_path / "p")
    back = load_plan_dir(tmp_path / "p")
    assert back.extra["impact"] == json.loads(json.dumps(summary))
    assert back.table("jobs")["construction_job_years"].sum() == pytest.approx(
        plan.table("jobs")["construction_job_years"].sum()
    )
