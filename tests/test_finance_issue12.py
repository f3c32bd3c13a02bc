"""Who owns what and who pays (issue 12): finance assumptions as scenario data, campuses
that buy their power, IT equipment with its refresh, priced accelerators, ownership.

Pricing tests use small plans written in code (no solve); model tests hand-solvable
factory scenarios.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import factory as f
from stateside.finance.economics import EconomicsAssumptions, price_plan
from stateside.finance.report import attach_finance
from stateside.finance.syndication import plan_projects
from stateside.model.inputs.it_equipment import refresh_matrix
from stateside.plan import Plan
from stateside.scenario.load import load_checked
from stateside.scenario.settings import Settings
from stateside.scenario.types import Scenario
from stateside.sweep.apply import apply_values
from stateside.sweep.spec import SweepError, parse_spec

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    scenario, _ = load_checked(TINY)
    return scenario


def _with_finance(scenario: Scenario, **finance: Any) -> Scenario:
    s = scenario.settings
    data = s.model_dump()
    data["finance"].update(finance)
    return dataclasses.replace(scenario, settings=Settings.model_validate(data))


def _plan(**tables: pd.DataFrame) -> Plan:
    return Plan("case", "target", "ok", "optimal", 0.0, None, 0.0, 0.0, tables=dict(tables))


def _campuses(rows: list[tuple[str, str, int, float, float]]) -> pd.DataFrame:
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


def _prices(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region", "period", "price_usd_per_mwh"])


# --------------------------------------------------------------------------------------
# finance settings


def test_finance_assumptions_are_the_scenarios(tiny: Scenario) -> None:
    sc = _with_finance(tiny, campus_lease_usd_per_kw_month=222.0, target_dscr=1.5, it_refresh_years=4)
    a = EconomicsAssumptions.from_settings(sc.settings)
    assert a.campus_lease_usd_per_kw_month == 222.0
    assert a.target_dscr == 1.5 and a.it_refresh_years == 4
    assert a.accelerators_per_mw_it == 700.0  # chips: of the scenario
    with pytest.raises(ValueError, match="it_refresh_years"):
        _with_finance(tiny, it_refresh_years=9)


def test_raising_the_lease_raises_campus_irrs(tiny: Scenario) -> None:
    plan = _plan(
        campuses=_campuses([("camp_tx", "TX", 2028, 100.0, 11_000.0)]),
        prices=_prices([("TX", 2028, 40.0), ("TX", 2030, 40.0)]),
    )
    irr = []
    for lease in (200.0, 260.0):
        sc = _with_finance(tiny, campus_lease_usd_per_kw_month=lease)
        econ = price_plan(plan, sc, plan_projects(plan, sc))
        irr.append(float(econ.projects.set_index("project").loc["camp_tx", "equity_irr"]))
    assert irr[1] > irr[0] + 0.01


def test_campus_returns_differ_by_power_price_and_pue(tiny: Scenario) -> None:
    """camp_tx (PUE 1.2) in a 30 USD/MWh region and camp_nm (PUE 1.25) in a 60 USD/MWh
    region, same capex: the NM campus pays more for power, so its IRR is lower; its power
    bill is 100,000 kW x 0.8 x 1.25 x 8,760 h x (60 + network) + capacity on 125,000 kW."""
    plan = _plan(
        campuses=_campuses(
            [("camp_tx", "TX", 2030, 100.0, 11_000.0), ("camp_nm", "NM", 2030, 100.0, 11_000.0)]
        ),
        prices=_prices([("TX", 2028, 30.0), ("TX", 2030, 30.0), ("NM", 2028, 60.0), ("NM", 2030, 60.0)]),
    )
    sc = _with_finance(
        tiny, industrial_tariff_usd_per_mwh={"NM": 80.0}, industrial_tariff_default_usd_per_mwh=60.0
    )
    econ = price_plan(plan, sc, plan_projects(plan, sc))
    rows = econ.projects.set_index("project")
    assert rows.loc["camp_tx", "equity_irr"] > rows.loc["camp_nm", "equity_irr"] + 0.005
    cf = econ.project_cashflows
    nm = cf[(cf["project"] == "camp_nm") & (cf["year"] == 2030)].iloc[0]
    mwh = 100_000 * 0.8 * 1.25 * 8760 / 1000
    a = econ.assumptions
    bill = mwh * (60.0 + 0.25 * 80.0) + a.capacity_price_usd_per_kw_year * 125_000
    esc = (1 + a.inflation) ** (2030 - 2024)
    assert nm["fuel_usd"] == pytest.approx(bill * esc, rel=1e-9)
    assert nm["energy_mwh"] == pytest.approx(mwh)


# --------------------------------------------------------------------------------------
# IT equipment


def test_refresh_matrix_counts_refreshes_in_the_first_period_at_or_after() -> None:
    f_ = refresh_matrix([2026, 2028, 2030, 2032], 5)
    # 2026 + 5 = 2031 -> 2032; 2028 + 5 = 2033 is after the horizon
    assert f_[0].tolist() == [0, 0, 0, 1]
    assert f_[1:].sum() == 0
    assert refresh_matrix([2026, 2030, 2034], 4)[0].tolist() == [0, 1, 1]


def test_it_equipment_rounds_and_refresh_in_the_cash_flows(tiny: Scenario) -> None:
    """The coalition buys the IT equipment: 100 MW at camp_tx in 2028 is refreshed 4 years
    later (2032, a period of this plan); each purchase is a round of it-camp_tx at 32,000
    USD/kW, and its cash flows spend capex the year before each purchase."""
    base = dataclasses.replace(
        tiny,
        settings=tiny.settings.model_copy(
            update={
                "periods": [
                    *tiny.settings.periods,
                    tiny.settings.periods[0].model_copy(update={"year": 2032}),
                ]
            }
        ),
    )
    sc = _with_finance(base, it_equipment_buyer="coalition", it_refresh_years=4)
    camp = _campuses([("camp_tx", "TX", 2028, 100.0, 11_000.0)])
    camp = pd.concat(
        [camp, camp.assign(period=2030, new_modules=0.0, new_it_mw=0.0, capex_usd=0.0)], ignore_index=True
    )
    plan = _plan(campuses=camp, prices=_prices([("TX", 2028, 40.0), ("TX", 2030, 40.0), ("TX", 2032, 40.0)]))
    projects = plan_projects(plan, sc)
    it = projects[projects["asset_class"] == "it_equipment"]
    assert it["project"].unique().tolist() == ["it-camp_tx"]
    assert it["period"].tolist() == [2028, 2032]
    assert it["capex_usd"].tolist() == pytest.approx([100_000 * 32_000.0] * 2)
    assert it["equity_usd"].tolist() == pytest.approx([100_000 * 32_000.0 * 0.5] * 2)  # GPU debt 50 %
    econ = price_plan(plan, sc, projects)
    cf = econ.project_cashflows
    spend = cf[(cf["project"] == "it-camp_tx") & (cf["capex_usd"] > 0)]["year"].tolist()
    assert spend == [2027, 2031]
    # each round runs its refresh cycle (4 years), then the next one takes over
    years = cf[(cf["project"] == "it-camp_tx") & (cf["revenue_usd"] > 0)]["year"].tolist()
    assert years == list(range(2028, 2036))


def test_tenant_bought_it_equipment_is_not_the_coalitions(tiny: Scenario) -> None:
    plan = _plan(campuses=_campuses([("camp_tx", "TX", 2028, 100.0, 11_000.0)]))
    assert tiny.settings.finance.it_equipment_buyer == "tenant"
    assert "it_equipment" not in set(plan_projects(plan, tiny)["asset_class"])


def _one_campus(buyer: str, commitments: float = 1e12) -> Scenario:
    st = f.settings(
        it_target_mw={2026: 100.0},
        chips={"accelerators_per_mw_it": 500.0, "import_limit_per_year": 1e9},
        finance={
            "debt_share": dict.fromkeys(["datacenter", "generation", "storage", "transmission", "fab"], 0.0),
            "it_equipment_buyer": buyer,
            "it_equipment_usd_per_kw_it": 30_000.0,
            "accelerator_price_usd": 40_000.0,
        },
    )
    gas = {"technology": "gas"}
    return f.scenario(
        st,
        ["AA"],
        [gas],
        [{"technology": "gas", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 10.0}],
        {"AA": 8_760_000.0},
        campuses=[{"campus": "k1", "region": "AA", "module_it_mw": 100, "max_modules": 1}],
        investors=[{"investor": "inv"}],
        commitments=[{"investor": "inv", "year": 2026, "amount_usd": commitments}],
    )


def _solve(sc: Scenario) -> Plan:
    return f.solved(sc)


def test_accelerators_are_priced_and_bought_as_needed() -> None:
    """100 MW of IT at 500 accelerators/MW needs 50,000; the import limit is a billion a
    year but accelerators cost 40,000 USD each, so exactly 50,000 are imported. IT
    equipment capex: 100,000 kW x 30,000 USD/kW = 3.0 bn (2.0 bn of accelerators + 1.0 bn
    of servers and networking); with r = 0 and a 5-year refresh it costs 600 M USD a year
    in the objective."""
    plan = _solve(_one_campus("coalition"))
    chips = plan.table("chips").iloc[0]
    assert chips["need"] == pytest.approx(50_000.0)
    assert chips["imported"] == pytest.approx(chips["need"] - chips["domestic"])
    need = plan.table("equity_need").set_index("asset_class")
    assert need.loc["it_equipment", "capex_usd"] == pytest.approx(3.0e9, rel=1e-9)
    costs = plan.table("costs")
    it = costs[costs["component"] == "it_equipment"]
    assert float(it["annual_usd"].sum()) == pytest.approx(600e6, rel=1e-9)


def test_only_the_coalitions_it_equipment_draws_on_its_capital() -> None:
    """Coalition buyer: equity = campus 1.0 bn (no debt) + half of the IT's 3.0 bn (GPU-backed
    debt takes the other half by default); tenant buyer: the campus's 1.0 bn only."""
    coal = _solve(_one_campus("coalition")).table("capital")
    tenant = _solve(_one_campus("tenant")).table("capital")
    assert coal["equity_usd"].sum() == pytest.approx(2.5e9, rel=1e-6)
    assert tenant["equity_usd"].sum() == pytest.approx(1.0e9, rel=1e-6)
    assert "it_equipment" not in set(tenant["asset_class"])


def test_a_background_load_build_is_never_in_a_cap_table() -> None:
    """The grid builds gas for the 1 GW of background load and the campus; the cap tables
    hold the campus (and its IT equipment, bought by the coalition) only."""
    sc = _one_campus("coalition")
    plan = _solve(sc)
    builds = plan.table("builds")
    assert builds.loc[builds["technology"] == "gas", "new_mw"].sum() > 1000.0
    assert set(builds["owner"]) == {"grid"}
    attach_finance(plan, sc, None)
    projects = set(plan.table("cap_tables")["project"])
    assert projects == {"k1", "it-k1"}
    classes = set(plan.table("project_economics")["asset_class"])
    assert classes == {"datacenter", "it_equipment"}


# --------------------------------------------------------------------------------------
# sweeps


def test_a_sweep_over_the_lease_applies_and_a_typo_is_named(tiny: Scenario) -> None:
    spec = parse_spec(
        "name: lease\nparameters:\n"
        "  - {name: lease, target: settings.finance.campus_lease_usd_per_kw_month, values: [250]}\n"
        "  - {name: typo, target: settings.finance.campus_lease_usd_per_kw_mont, values: [250]}\n"
    )
    out = apply_values(tiny, spec, {"lease": 250.0})  # type: ignore[arg-type]
    assert out.settings.finance.campus_lease_usd_per_kw_month == 250.0
    # members skip the ratepayer counterfactual solve unless the sweep targets it
    assert tiny.settings.impact.ratepayer_counterfactual
    assert not out.settings.impact.ratepayer_counterfactual
    asked = parse_spec(
        "name: rp\nparameters:\n  - {name: rp, target: settings.impact.ratepayer_counterfactual, values: [true]}\n"
    )
    assert apply_values(tiny, asked, {"rp": True}).settings.impact.ratepayer_counterfactual  # type: ignore[arg-type]
    with pytest.raises(SweepError, match=r"did you mean settings.finance.campus_lease_usd_per_kw_month\?"):
        apply_values(tiny, spec, {"typo": 250.0})  # type: ignore[arg-type]
    assert np.isfinite(out.settings.finance.campus_lease_usd_per_kw_month)


# --------------------------------------------------------------------------------------
# the plan summary and the penalty ordering


def test_budget_mode_summary_names_capacity_and_money_never_a_negative_cost() -> None:
    """A budget-mode plan's objective is cost less the value of IT (negative); the summary
    reports the system cost from the cost table, the coalition's capex and equity, the
    grid's build-out and the IT capacity bought."""
    from stateside.finance.report import money_headline

    costs = pd.DataFrame(
        [
            {"component": "generation_capex", "period": 2026, "annual_usd": 2e9, "discounted_usd": 3e9},
            {"component": "datacenter", "period": 2026, "annual_usd": 1e9, "discounted_usd": 1.5e9},
            {
                "component": "existing_fleet_fixed_om (plants that cannot retire early: constant, not in objective)",
                "period": 2026,
                "annual_usd": 9e9,
                "discounted_usd": 9e9,
            },
        ]
    )
    need = pd.DataFrame(
        [
            {"asset_class": "datacenter", "period": 2026, "capex_usd": 10e9, "equity_usd": 3.5e9},
            {"asset_class": "generation", "period": 2026, "capex_usd": 20e9, "equity_usd": 9e9},
            {"asset_class": "it_equipment", "period": 2026, "capex_usd": 32e9, "equity_usd": 16e9},
        ]
    )
    it = pd.DataFrame([{"period": 2026, "target_mw": 0.0, "online_mw": 1000.0, "short_mw": 0.0}])
    plan = Plan(
        "case",
        "budget",
        "ok",
        "optimal",
        -6_392.8e9,
        None,
        0.0,
        0.0,
        tables={"costs": costs, "equity_need": need, "it_capacity": it},
    )
    text = "\n".join(money_headline(plan))
    assert "system cost USD 4.5 bn" in text
    assert "coalition capex USD 10.0 bn, equity USD 3.5 bn (datacenter)" in text
    assert "grid build-out capex USD 20.0 bn" in text
    assert "tenants' IT equipment USD 32.0 bn" in text
    assert "IT capacity bought 1,000 MW" in text
    assert "-" not in text.replace("build-out", "")
    plan.extra["finance"] = {"coalition_asset_classes": ["datacenter", "fab", "it_equipment"]}
    text = "\n".join(money_headline(plan))
    assert "coalition capex USD 42.0 bn, equity USD 19.5 bn (datacenter, it_equipment)" in text
    from stateside.finance.report import asset_owner

    assert asset_owner(plan, "it_equipment") == "coalition"
    assert asset_owner(plan, "generation") == "grid"
    plan.extra["finance"] = {"coalition_asset_classes": ["datacenter", "fab"]}
    assert asset_owner(plan, "it_equipment") == "tenant"


def test_the_target_penalty_exceeds_meeting_a_gw_with_its_it_equipment() -> None:
    """Default data: a GW of IT for one period (at most its length in years, undiscounted)
    costs its campus annuity and O&M, its IT equipment annuity and its power (PUE x
    utilisation x 8,760 h at 200 USD/MWh, a generous price) — less than the 1e5 $M/GW
    penalty of leaving it short, even twice over (a shortfall of half a module met by a whole
    one), so targets are met whenever they can be."""
    from stateside.model.inputs import annuity_factor
    from stateside.model.inputs.penalties import PENALTY_TARGET_MUSD_PER_GW
    from stateside.scenario.load import load_default

    sc = load_default()
    s = sc.settings
    years = max(p.length_years for p in s.periods)
    it = annuity_factor(s.discount_rate, s.finance.it_refresh_years) * s.finance.it_equipment_usd_per_kw_it
    worst = 0.0
    for c in sc.campuses.itertuples(index=False):
        campus = annuity_factor(s.discount_rate, float(c.lifetime_years)) * float(c.capex_usd_per_kw_it)
        power = float(c.pue) * float(c.utilisation) * 8760 * 0.2  # $M per GW-yr at 200 USD/MWh
        worst = max(worst, years * (campus + float(c.fixed_om_usd_per_kw_year) + it + power))
    assert worst < PENALTY_TARGET_MUSD_PER_GW
    # modules are lumps: meeting a shortfall of half a module takes a whole one
    assert 2 * worst < PENALTY_TARGET_MUSD_PER_GW
    assert worst > 10_000  # IT equipment makes a GW dear: about 22,000 $M per 2-year period
