"""Project pro-forma: a hand-checked small project, conventions, defaults and errors."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from stateside.finance import defaults, metrics
from stateside.finance.project import (
    DebtTerms,
    Financing,
    ProjectSpec,
    TaxTerms,
    build_cashflows,
)

SHARED_ATB = (
    Path(__file__).resolve().parents[2] / "shared/data/raw/reeds/financials/financials_sys_ATB2024.csv"
)

# 1 construction year, 3 operating years, no inflation: every line checkable by hand.
HAND = ProjectSpec(
    name="hand",
    first_year=2030,
    construction_years=1,
    operating_years=3,
    capex_usd=1000.0,
    revenue_usd_per_year=500.0,
    opex_usd_per_year=100.0,
    energy_mwh_per_year=10.0,
    tax=TaxTerms(depreciation="sl_3"),
    financing=Financing(
        debt=DebtTerms(interest_rate_nominal=0.10, tenor_years=2, target_dscr=2.0, max_debt_fraction=1.0),
        return_on_equity_nominal=0.12,
        income_tax_rate=0.25,
        inflation=0.0,
    ),
)


def test_hand_project_every_line() -> None:
    cf = build_cashflows(HAND)
    np.testing.assert_array_equal(cf.years, [2030, 2031, 2032, 2033])
    np.testing.assert_allclose(cf.cfads_usd, [0, 400, 400, 400])
    # sculpted: DS = 400 / 2.0 = 200 in the 2 tenor years; D = 200/1.1 + 200/1.21
    d = 200 / 1.1 + 200 / 1.21
    np.testing.assert_allclose(cf.debt_draw_usd, [d, 0, 0, 0])
    np.testing.assert_allclose(cf.debt_service_usd, [0, 200, 200, 0])
    np.testing.assert_allclose(cf.interest_usd, [0, 0.1 * d, 0.1 * (1.1 * d - 200), 0])
    np.testing.assert_allclose(cf.debt_balance_usd, [d, 1.1 * d - 200, 0, 0], atol=1e-9)
    # straight line, half-year, 3 years: 1/6, 1/3, then 1/3 + the last 1/6 written off
    np.testing.assert_allclose(cf.depreciation_usd, [0, 1000 / 6, 1000 / 3, 500])
    taxable = np.array([0, 400 - 0.1 * d - 1000 / 6, 400 - 0.1 * (1.1 * d - 200) - 1000 / 3, -100])
    np.testing.assert_allclose(cf.taxable_income_usd, taxable, atol=1e-9)
    np.testing.assert_allclose(cf.income_tax_usd, 0.25 * taxable, atol=1e-9)
    np.testing.assert_allclose(
        cf.equity_cashflow_usd,
        [-1000 + d, 400 - 200 - 0.25 * taxable[1], 400 - 200 - 0.25 * taxable[2], 400 + 25],
        atol=1e-9,
    )
    # the same numbers written out: -652.89, 150.34, 187.88, 425
    np.testing.assert_allclose(
        cf.equity_cashflow_usd, [-652.892562, 150.344353, 187.878788, 425.0], atol=1e-6
    )
    np.testing.assert_allclose(
        cf.project_cashflow_usd, [-1000, 400 - 58.333333, 400 - 16.666667, 425], atol=1e-6
    )

    out = cf.metrics()
    assert out.min_dscr == pytest.approx(2.0, abs=1e-12)
    assert out.debt_usd == pytest.approx(d)
    assert out.equity_invested_usd == pytest.approx(1000 - d)
    assert out.payback_year == 2033  # cumulative -652.9, -502.5, -314.7, +110.3
    eq = cf.equity_cashflow_usd
    assert out.equity_npv_usd == pytest.approx(eq[0] + eq[1] / 1.12 + eq[2] / 1.12**2 + eq[3] / 1.12**3)
    assert out.equity_irr_status == "unique"
    assert float(metrics.npv(out.equity_irr_nominal, eq)) == pytest.approx(0.0, abs=1e-9)
    assert out.equity_irr_real == pytest.approx(out.equity_irr_nominal)  # no inflation
    # WACC = 1.0 * 10 % * (1 - 25 %) + 0 * 12 % = 7.5 %; LCOE = PV(costs) / PV(energy)
    w = 0.075
    pv_cost = 1000 + sum(100 / (1 + w) ** t for t in (1, 2, 3))
    pv_energy = sum(10 / (1 + w) ** t for t in (1, 2, 3))
    assert out.lcoe_real_usd_per_mwh == pytest.approx(pv_cost / pv_energy)
    pcf = cf.project_cashflow_usd
    assert out.project_npv_usd == pytest.approx(sum(pcf[t] / (1 + w) ** t for t in range(4)))


def _atb_project(**overrides: object) -> ProjectSpec:
    base: dict[str, object] = dict(
        name="solar",
        first_year=2027,
        construction_years=2,
        operating_years=30,
        capex_usd=1.0e9,
        revenue_usd_per_year=1.1e8,
        opex_usd_per_year=2.0e7,
        energy_mwh_per_year=2.5e6,
        dollar_year=2024,
    )
    base.update(overrides)
    return ProjectSpec(**base)  # type: ignore[arg-type]


def test_nominal_pro_forma_equals_real_valuation() -> None:
    cf = build_cashflows(_atb_project())
    out = cf.metrics(valuation_year=2025)
    # real flows at the real cost of equity, valued at the start of 2025, in 2024 USD
    k_real = float(metrics.real_rate(cf.return_on_equity_nominal, cf.inflation))
    real = cf.real(cf.equity_cashflow_usd)
    expected = sum(real[t] / (1 + k_real) ** (2027 + t - 2025) for t in range(real.size))
    assert out.equity_npv_usd == pytest.approx(expected, rel=1e-10)
    assert out.capex_usd == pytest.approx(1.0e9)  # real 2024 USD whatever the inflation
    assert cf.capex_usd[0] == pytest.approx(0.5e9 * 1.025**3)  # nominal 2027 USD
    assert (1 + out.equity_irr_real) * 1.025 == pytest.approx(1 + out.equity_irr_nominal)
    assert out.valuation_year == 2025 and out.dollar_year == 2024


def test_uncapped_dscr_target_is_met_exactly_and_cap_binds_otherwise() -> None:
    free = DebtTerms(target_dscr=1.35, max_debt_fraction=1.0, tenor_years=18)
    out = build_cashflows(_atb_project(financing=Financing(debt=free))).metrics()
    assert out.min_dscr == pytest.approx(1.35, rel=1e-9)
    # default: ATB 55 % debt cap binds for this project, coverage is then above 1.30
    capped = build_cashflows(_atb_project()).metrics()
    assert capped.debt_usd == pytest.approx(0.55e9)
    assert capped.min_dscr > defaults.TARGET_DSCR
    level = DebtTerms(target_dscr=1.35, max_debt_fraction=1.0, sculpted=False)
    cf_level = build_cashflows(_atb_project(financing=Financing(debt=level)))
    assert cf_level.metrics().min_dscr == pytest.approx(1.35, rel=1e-9)


def test_fixed_fraction_debt_without_target() -> None:
    terms = DebtTerms(target_dscr=None, max_debt_fraction=0.6, sculpted=False)
    cf = build_cashflows(_atb_project(financing=Financing(debt=terms)))
    assert cf.metrics().debt_usd == pytest.approx(0.6e9)
    # level payments: constant debt service over the 18-year tenor
    ds = cf.debt_service_usd[2:20]
    assert np.ptp(ds) <= 1e-6 * ds[0]
    # interest during construction is capitalised: balance at COD = draws grown at 8 %
    draws = cf.debt_draw_usd[:2]
    assert cf.debt_balance_usd[1] == pytest.approx(draws[0] * 1.08 + draws[1])
    assert cf.debt_balance_usd[19] == pytest.approx(0.0, abs=1e-3)


def test_itc_ptc_and_grants() -> None:
    no_credit = build_cashflows(_atb_project())
    itc = build_cashflows(_atb_project(tax=TaxTerms(itc_rate=0.30)))
    nominal_capex = float(itc.capex_usd.sum())
    assert itc.tax_credit_usd[2] == pytest.approx(0.30 * nominal_capex)
    # basis reduced by half the ITC (IRC §50(c)(3))
    assert float(itc.depreciation_usd.sum()) == pytest.approx(nominal_capex * (1 - 0.15))
    assert itc.metrics().equity_npv_usd > no_credit.metrics().equity_npv_usd

    ptc = build_cashflows(_atb_project(tax=TaxTerms(ptc_usd_per_mwh=26.0)))
    # 26 USD/MWh in 2024 USD, escalated to 2029 (first operating year), for 10 years
    assert ptc.tax_credit_usd[2] == pytest.approx(26.0 * 1.025**5 * 2.5e6)
    assert np.count_nonzero(ptc.tax_credit_usd) == 10

    grant = build_cashflows(_atb_project(grant_usd=2.5e8))
    out = grant.metrics()
    assert out.grant_usd == pytest.approx(2.5e8)
    assert float(grant.depreciation_usd.sum()) == pytest.approx(
        float((grant.capex_usd - grant.grant_usd).sum())
    )
    assert out.debt_usd == pytest.approx(0.55 * 7.5e8)  # cap applies to capex net of grants
    # LCOE counts capex net of grants
    assert out.lcoe_real_usd_per_mwh < no_credit.metrics().lcoe_real_usd_per_mwh


def test_multiple_irr_is_reported_as_such() -> None:
    # no tax, debt or inflation; a large cost in the last year (e.g. decommissioning):
    # equity flows -1000, 2300, -1320 (USD m) have IRRs of 10 % and 20 %
    spec = ProjectSpec(
        name="two-roots",
        first_year=2030,
        construction_years=1,
        operating_years=2,
        capex_usd=1.0e9,
        revenue_usd_per_year=[2.3e9, 0.0],
        opex_usd_per_year=[0.0, 1.32e9],
        financing=Financing(debt=DebtTerms(max_debt_fraction=0.0), income_tax_rate=0.0, inflation=0.0),
    )
    cf = build_cashflows(spec)
    np.testing.assert_allclose(cf.equity_cashflow_usd, [-1.0e9, 2.3e9, -1.32e9])
    out = cf.metrics()
    assert out.equity_irr_status == "multiple"
    assert math.isnan(out.equity_irr_nominal) and math.isnan(out.equity_irr_real)
    assert metrics.irr_detail(cf.equity_cashflow_usd).roots == pytest.approx((0.10, 0.20))
    assert math.isnan(out.min_dscr)  # no debt
    assert out.payback_year is None  # cumulative -1000, 1300, -20


def test_equity_on_years_and_frame() -> None:
    cf = build_cashflows(HAND)
    target = np.arange(2028, 2036)
    placed = cf.equity_on_years(target, share=0.25)
    np.testing.assert_allclose(placed[2:6], 0.25 * cf.equity_cashflow_usd)
    assert placed[0] == placed[1] == placed[6] == placed[7] == 0.0
    frame = cf.to_frame()
    assert list(frame.columns[:2]) == ["project", "year"]
    assert len(frame) == 4 and frame["capex_usd"].sum() == pytest.approx(1000.0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"construction_years": 0}, "construction_years must be >= 1"),
        ({"grant_usd": 2e9}, "grant_usd must be between 0 and capex_usd"),
        ({"revenue_usd_per_year": [1.0, 2.0]}, r"revenue_usd_per_year must be a number or 30 values"),
        ({"capex_schedule": [0.7, 0.7]}, "capex_schedule must have 2 non-negative shares"),
        ({"tax": TaxTerms(depreciation="macrs_12")}, "Table A-1 has"),
        ({"financing": Financing(debt=DebtTerms(max_debt_fraction=1.5))}, "max_debt_fraction must be in"),
    ],
)
def test_input_errors_name_project_and_field(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _atb_project(**overrides)


def test_atb_defaults_transcribed_from_reeds_file() -> None:
    assert defaults.ATB2024_CURRENT.interest_rate_nominal == 0.08
    assert defaults.ATB2024_CURRENT.return_on_equity_nominal == 0.105
    assert defaults.ATB2024_CURRENT.debt_fraction == 0.55
    assert defaults.ATB2024_CURRENT.tax_rate == 0.2574
    assert defaults.atb2024_financing(2015).tax_rate == 0.389
    with pytest.raises(ValueError, match="2010-2100"):
        defaults.atb2024_financing(2101)
    if not SHARED_ATB.exists():
        pytest.skip("shared raw data not present")
    with SHARED_ATB.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 91
    for row in rows:
        got = defaults.atb2024_financing(int(row["t"]))
        # the file writes rates as 1 + r
        assert got.interest_rate_nominal == pytest.approx(float(row["interest_rate_nom"]) - 1, abs=1e-12)
        assert got.return_on_equity_nominal == pytest.approx(float(row["rroe_nom"]) - 1, abs=1e-12)
        assert got.debt_fraction == pytest.approx(float(row["debt_fraction"]), abs=1e-12)
        assert got.tax_rate == pytest.approx(float(row["tax_rate"]), abs=1e-12)
