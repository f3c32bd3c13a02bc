"""Project economics on small plans built in code: a campus and a regulated line checked
by hand, generation revenue and costs from the plan's dispatch and prices, debt at the
DSCR target, and investor returns that are the metrics of their own aggregated flows."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stateside.finance import metrics
from stateside.finance.economics import EconomicsAssumptions, build_components, price_plan
from stateside.finance.project import build_cashflows
from stateside.finance.report import attach_finance
from stateside.finance.syndication import plan_projects
from stateside.plan import Plan, load_plan_dir
from stateside.scenario.load import load_checked
from stateside.scenario.settings import ASSET_CLASSES
from stateside.scenario.types import Scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"
NO_TAX_NO_INFLATION = EconomicsAssumptions(inflation=0.0, income_tax_rate=0.0)
#: the campus hand checks: a 140 USD/kW-month lease and no power bill, property tax or insurance
CAMPUS_HAND = dict(
    campus_lease_usd_per_kw_month=140.0,
    campus_property_tax_insurance_share_per_year=0.0,
    campus_network_charge_share=0.0,
    capacity_price_usd_per_kw_year=0.0,
)


@pytest.fixture(scope="module")
def tiny_scenario() -> Scenario:
    scenario, _ = load_checked(TINY)
    return scenario


def _with_debt_share(scenario: Scenario, **shares: float) -> Scenario:
    s = scenario.settings
    debt = {**s.finance.debt_share, **shares}
    finance = s.finance.model_copy(update={"debt_share": debt})
    return dataclasses.replace(scenario, settings=s.model_copy(update={"finance": finance}))


def _plan(**tables: pd.DataFrame) -> Plan:
    return Plan("case", "target", "ok", "optimal", 0.0, None, 0.0, 0.0, tables=dict(tables))


def _campus_rows(rows: list[tuple[str, str, int, float, float]]) -> pd.DataFrame:
    """(campus, region, period, new IT MW, capex USD/kW)"""
    return pd.DataFrame(
        [
            {
                "campus": c,
                "region": r,
                "period": p,
                "new_modules": mw / 100.0,
                "modules_online": mw / 100.0,
                "new_it_mw": mw,
                "it_mw_online": mw,
                "grid_load_mw": mw,
                "capex_usd": mw * 1000.0 * usd_per_kw,
            }
            for c, r, p, mw, usd_per_kw in rows
        ]
    )


def test_campus_npv_equals_the_hand_computation(tiny_scenario: Scenario) -> None:
    """100 MW IT at 11,000 USD/kW built 2026-2027 (even spend), leased from 2028 for 20
    years at 140 USD/kW-month (168 M$/yr) with 200 USD/kW-yr O&M (20 M$/yr); no debt, no
    tax, no inflation; NPV at the 10.5 % ROE valued at the start year 2026."""
    scenario = _with_debt_share(tiny_scenario, datacenter=0.0)
    plan = _plan(campuses=_campus_rows([("camp_tx", "TX", 2028, 100.0, 11_000.0)]))
    a = dataclasses.replace(NO_TAX_NO_INFLATION, **CAMPUS_HAND)
    econ = price_plan(plan, scenario, plan_projects(plan, scenario), a)
    row = econ.projects.set_index("project").loc["camp_tx"]
    k = 0.105
    hand = -550e6 - 550e6 / (1 + k) + sum(148e6 / (1 + k) ** (y - 2026) for y in range(2028, 2048))
    assert row["npv_usd"] == pytest.approx(hand, rel=1e-12)
    assert row["revenue_usd_per_year"] == pytest.approx(168e6)
    assert row["debt_usd"] == 0.0 and math.isnan(row["min_dscr"])
    assert math.isnan(row["lcoe_usd_per_mwh"])
    # the IRR is the rate at which the hand NPV is zero
    flows = [-550e6, -550e6] + [148e6] * 20
    assert row["equity_irr"] == pytest.approx(float(metrics.irr(flows)), abs=1e-12)
    assert row["payback_year"] == 2028 + math.ceil(1100 / 148) - 1  # cumulative turns positive in 2035


def test_campus_with_tax_depreciates_39_year_straight_line(tiny_scenario: Scenario) -> None:
    """Same campus with the ATB 25.74 % tax: deductions 1/78 of the basis in 2028, then
    1/39 a year; the remainder of the 39-year schedule is deducted in the last year."""
    scenario = _with_debt_share(tiny_scenario, datacenter=0.0)
    plan = _plan(campuses=_campus_rows([("camp_tx", "TX", 2028, 100.0, 11_000.0)]))
    a = EconomicsAssumptions(inflation=0.0, **CAMPUS_HAND)
    econ = price_plan(plan, scenario, plan_projects(plan, scenario), a)
    T, k, basis = a.income_tax_rate, 0.105, 1.1e9
    dep = [basis / 78] + [basis / 39] * 18
    dep.append(basis - sum(dep))
    flows = [-550e6, -550e6] + [148e6 - T * (148e6 - d) for d in dep]
    hand = sum(v / (1 + k) ** t for t, v in enumerate(flows))
    assert econ.projects.iloc[0]["npv_usd"] == pytest.approx(hand, rel=1e-12)


def test_regulated_line_earns_exactly_its_allowed_roe(tiny_scenario: Scenario) -> None:
    """Cost of service without tax, debt or inflation: revenue = O&M + RB₀/L + ROE · RB,
    with RB₀ the capex compounded at the ROE to COD (AFUDC). The equity IRR is then the
    allowed ROE (FERC 10.02 %) exactly."""
    scenario = _with_debt_share(tiny_scenario, transmission=0.0)
    corridors = pd.DataFrame(
        [
            {
                "corridor": "OK-TX",
                "region_from": "OK",
                "region_to": "TX",
                "period": 2030,
                "new_mw": 1000.0,
                "capex_usd": 1.2e9,
            }
        ]
    )
    plan = _plan(corridors=corridors)
    econ = price_plan(plan, scenario, plan_projects(plan, scenario, ASSET_CLASSES), NO_TAX_NO_INFLATION)
    row = econ.projects.iloc[0]
    assert row["project"] == "line-OK-TX-2030"
    assert row["irr_status"] == "unique"
    assert row["equity_irr"] == pytest.approx(0.1002, abs=1e-9)
    # four construction years (corridors.csv), 2026-2029
    cf = econ.project_cashflows
    assert cf.loc[cf["capex_usd"] > 0, "year"].tolist() == [2026, 2027, 2028, 2029]


def _power_plan() -> Plan:
    builds = pd.DataFrame(
        [
            ("TX", "solar", 2028, 100.0, 400.0, 145e6),
            ("TX", "solar", 2030, 0.0, 400.0, 0.0),
            ("TX", "gas_cc", 2028, 200.0, 200.0, 209e6),
            ("TX", "gas_cc", 2030, 0.0, 200.0, 0.0),
        ],
        columns=["region", "technology", "period", "new_mw", "capacity_mw", "capex_usd"],
    )
    dispatch = pd.DataFrame(
        [
            ("TX", "solar", 2028, 800_000.0, 0.0),
            ("TX", "solar", 2030, 1_000_000.0, 0.0),
            ("TX", "gas_cc", 2028, 1_000_000.0, 339_584.0),
            ("TX", "gas_cc", 2030, 1_000_000.0, 339_584.0),
        ],
        columns=["region", "technology", "period", "energy_mwh", "co2_t"],
    )
    prices = pd.DataFrame(
        [("TX", 2028, 30.0), ("TX", 2030, 35.0)], columns=["region", "period", "price_usd_per_mwh"]
    )
    return _plan(builds=builds, dispatch=dispatch, prices=prices)


def test_generation_revenue_and_costs_come_from_the_plan(tiny_scenario: Scenario) -> None:
    """Solar: 100 of 400 MW in TX, so 1/4 of 800 GWh (2028-29) then 1/4 of 1,000 GWh, at
    30 then 35 USD/MWh, plus 0.3 × 100,000 kW × 98.5 USD/kW-yr of capacity value; PTC 26
    USD/MWh. Gas CC: all of 1,000 GWh, fuel 6.4 MMBtu/MWh × 3.0 USD/MMBtu (fuels.csv), O&M 30
    USD/kW-yr × 200,000 kW + 2.5 USD/MWh."""
    plan = _power_plan()
    projects = plan_projects(plan, tiny_scenario, ASSET_CLASSES)
    assert projects["project"].tolist() == ["gen-TX-2028"]
    assert projects.iloc[0]["equity_usd"] == pytest.approx((145e6 + 209e6) * (1 - 0.6))
    comps = {
        c.label.split()[0]: c for c in build_components(plan, tiny_scenario, projects, NO_TAX_NO_INFLATION)
    }
    solar, gas = comps["solar"].spec, comps["gas_cc"].spec
    capacity_value = 0.3 * 100_000 * 98.5
    assert solar.series("energy_mwh_per_year")[:3].tolist() == pytest.approx([200_000, 200_000, 250_000])
    assert solar.series("revenue_usd_per_year")[:3].tolist() == pytest.approx(
        [6.0e6 + capacity_value, 6.0e6 + capacity_value, 8.75e6 + capacity_value]
    )
    assert solar.tax.ptc_usd_per_mwh == 26.0 and solar.tax.depreciation == "macrs_5"
    assert solar.construction_years == 1 and solar.operating_years == 30  # technologies.csv
    assert gas.series("fuel_usd_per_year")[0] == pytest.approx(1e6 * 6.4 * 3.0)
    assert gas.series("opex_usd_per_year")[0] == pytest.approx(30 * 200_000 + 2.5 * 1e6)
    assert gas.tax.ptc_usd_per_mwh == 0.0 and gas.tax.depreciation == "macrs_15"
    assert gas.construction_years == 2  # 3 years in technologies.csv, but decided in 2026 for 2028
    cf = build_cashflows(solar)
    assert cf.tax_credit_usd[1] == pytest.approx(26.0 * 200_000)


def test_solar_lcoe_and_dscr_target(tiny_scenario: Scenario) -> None:
    """Solar alone with a 90 % debt cap (the DSCR binds): minimum DSCR = 1.30 exactly; LCOE
    = (capex + fixed O&M, discounted) / discounted energy at the real after-tax WACC."""
    plan = _power_plan()
    builds = plan.tables["builds"]
    plan.tables["builds"] = builds[builds["technology"] == "solar"].reset_index(drop=True)
    scenario = _with_debt_share(tiny_scenario, generation=0.9)
    a = EconomicsAssumptions(inflation=0.0)
    econ = price_plan(plan, scenario, plan_projects(plan, scenario, ASSET_CLASSES), a)
    row = econ.projects.iloc[0]
    assert row["min_dscr"] == pytest.approx(1.30, abs=1e-9)
    assert row["debt_fraction"] < 0.9
    wacc = float(
        metrics.after_tax_wacc(0.9, a.interest_rate_nominal, a.return_on_equity_nominal, a.income_tax_rate)
    )
    energy = [0.0] + [200_000.0] * 2 + [250_000.0] * 28
    costs = [145e6] + [22.0 * 100_000] * 30
    disc = [(1 + wacc) ** -t for t in range(31)]
    hand = sum(c * d for c, d in zip(costs, disc, strict=True)) / sum(
        e * d for e, d in zip(energy, disc, strict=True)
    )
    assert row["lcoe_usd_per_mwh"] == pytest.approx(hand, rel=1e-12)


def _two_campus_plan(tiny_scenario: Scenario) -> tuple[Plan, Scenario]:
    plan = _plan(
        campuses=_campus_rows(
            [("camp_tx", "TX", 2028, 300.0, 11_000.0), ("camp_nm", "NM", 2030, 100.0, 11_500.0)]
        ),
        capital=pd.DataFrame(
            [
                ("us_lab", "datacenter", 2028, 1.65e9 * 0.9),
                ("ae_fund", "datacenter", 2028, 1.65e9 * 0.1),
                ("us_lab", "datacenter", 2030, 0.575e9 * 0.5),
                ("ae_fund", "datacenter", 2030, 0.575e9 * 0.5),
            ],
            columns=["investor", "asset_class", "period", "equity_usd"],
        ),
    )
    return plan, tiny_scenario


def test_investor_returns_are_the_metrics_of_their_own_flows(tiny_scenario: Scenario) -> None:
    """ae_fund holds 10 % of camp_tx and 50 % of camp_nm: its nominal flows are exactly
    0.1 × camp_tx's + 0.5 × camp_nm's equity cash flow; its NPV and IRR are those of
    metrics on that sum."""
    plan, scenario = _two_campus_plan(tiny_scenario)
    attach_finance(plan, scenario, None)
    cf = plan.tables["project_cashflows"].pivot_table(
        index="year", columns="project", values="equity_cashflow_usd", fill_value=0.0
    )
    flows = plan.tables["investor_cashflows"]
    ae = flows[flows["investor"] == "ae_fund"].set_index("year")["net_nominal_usd"]
    expected = (0.1 * cf["camp_tx"] + 0.5 * cf["camp_nm"]).reindex(ae.index, fill_value=0.0)
    assert np.allclose(ae.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=1e-3)
    ret = plan.tables["investor_returns"].set_index("investor")
    irr = metrics.irr_detail(ae.to_numpy())
    assert irr.status == "unique" and ret.loc["ae_fund", "irr_status"] == "unique"
    assert ret.loc["ae_fund", "irr"] == pytest.approx(irr.rate, abs=1e-12)
    a = EconomicsAssumptions()
    start = int(ae.index[0]) - scenario.settings.start_year
    npv = float(metrics.npv(a.return_on_equity_nominal, ae.to_numpy(), start=start))
    npv /= (1 + a.inflation) ** (scenario.settings.start_year - scenario.settings.base_dollar_year)
    assert ret.loc["ae_fund", "npv_usd"] == pytest.approx(npv, rel=1e-12)
    # the investors' NPVs add up to the projects' (shares of each round sum to one)
    assert ret["npv_usd"].sum() == pytest.approx(plan.tables["project_economics"]["npv_usd"].sum(), rel=1e-9)
    # paid in (real) = plan equity when the plan's debt share is bankable (DSCR not binding)
    assert ret.loc["ae_fund", "invested_usd"] == pytest.approx(
        ret.loc["ae_fund", "plan_equity_usd"], rel=1e-9
    )


def test_finance_summary_is_json_and_survives_the_plan_folder(
    tiny_scenario: Scenario, tmp_path: Path
) -> None:
    plan, scenario = _two_campus_plan(tiny_scenario)
    attach_finance(plan, scenario, None)
    summary: dict[str, Any] = json.loads(json.dumps(plan.summary()))
    fin = summary["finance"]
    assert set(fin["investors"]) == {"us_lab", "jp_corp", "ae_fund"}
    assert fin["investors"]["ae_fund"]["irr"] == pytest.approx(
        plan.tables["investor_returns"].set_index("investor").loc["ae_fund", "irr"], abs=1e-6
    )
    assert fin["investors"]["jp_corp"]["irr"] is None  # no projects: no IRR, not NaN
    plan.to_dir(tmp_path / "run")
    back = load_plan_dir(tmp_path / "run")
    assert back.extra["finance"]["projects"] == 2
    for name in ("cap_tables", "project_economics", "investor_returns", "capital_pipeline"):
        assert len(back.tables[name]) == len(plan.tables[name])
