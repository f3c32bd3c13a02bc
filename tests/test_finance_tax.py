"""MACRS tables (IRS Publication 946, Table A-1), depreciation schedules, credits."""

from __future__ import annotations

import re

import numpy as np
import pytest

from stateside.finance import tax

# Pub 946 Table A-1 columns, as printed (percent). The 5- to 20-year columns are also
# the ones NREL ReEDS ships in inputs/financials/depreciation_schedules_default.csv.
PUB_946_A1 = {
    3: [33.33, 44.45, 14.81, 7.41],
    5: [20.00, 32.00, 19.20, 11.52, 11.52, 5.76],
    7: [14.29, 24.49, 17.49, 12.49, 8.93, 8.92, 8.93, 4.46],
    10: [10.00, 18.00, 14.40, 11.52, 9.22, 7.37, 6.55, 6.55, 6.56, 6.55, 3.28],
    15: [5.00, 9.50, 8.55, 7.70, 6.93, 6.23, 5.90, 5.90, 5.91, 5.90, 5.91, 5.90, 5.91, 5.90, 5.91, 2.95],
    20: [3.750, 7.219, 6.677, 6.177, 5.713, 5.285, 4.888, 4.522, 4.462, 4.461, 4.462,
         4.461, 4.462, 4.461, 4.462, 4.461, 4.462, 4.461, 4.462, 4.461, 2.231],
}  # fmt: skip


@pytest.mark.parametrize("years", sorted(PUB_946_A1))
def test_macrs_tables_match_publication_946(years: int) -> None:
    rates = tax.macrs_rates(years)
    np.testing.assert_allclose(rates * 100, PUB_946_A1[years], atol=1e-12)
    assert rates.size == years + 1  # half-year convention spills into year n + 1
    assert float(rates.sum()) == pytest.approx(1.0, abs=1e-12)


def test_five_year_class_digits() -> None:
    assert tax.macrs_rates(5).tolist() == pytest.approx(
        [0.20, 0.32, 0.192, 0.1152, 0.1152, 0.0576], abs=1e-15
    )


@pytest.mark.parametrize("years", sorted(tax.MACRS_HALF_YEAR_PERCENT))
def test_macrs_tables_follow_declining_balance_method(years: int) -> None:
    # 200 % DB (3-10 yr) or 150 % DB (15, 20 yr), switch to straight line, half-year
    # convention; the Table rounds each year (and nudges a few to sum to 100 %).
    computed = tax.db_half_year_rates(years, tax.MACRS_DB_FACTOR[years]) * 100
    decimals = 3 if years == 20 else 2
    step = 10.0**-decimals
    assert np.max(np.abs(computed - tax.macrs_rates(years) * 100)) <= 0.65 * step
    assert float(computed.sum()) == pytest.approx(100.0)
    # the cumulative table never drifts from the method by more than one rounding step
    assert np.max(np.abs(np.cumsum(computed) - np.cumsum(tax.macrs_rates(years) * 100))) <= step


def test_db_switch_year_five_year_class() -> None:
    # 5-year: DB 40 % on the remaining basis until year 5, where straight line (11.52 over
    # the remaining 1.5 years -> 11.52) equals DB; year 6 is the half year left.
    r = tax.db_half_year_rates(5, 2.0)
    np.testing.assert_allclose(r, [0.20, 0.32, 0.192, 0.1152, 0.1152, 0.0576], atol=1e-15)


def test_unknown_class_and_method_messages() -> None:
    with pytest.raises(ValueError, match="Table A-1 has"):
        tax.macrs_rates(12)
    with pytest.raises(ValueError, match=re.escape("expected 'macrs_<3|5|7|10|15|20>' or 'sl_<years>'")):
        tax.depreciation_rates("double_declining")
    np.testing.assert_allclose(tax.depreciation_rates("MACRS_7"), tax.macrs_rates(7))


def test_straight_line_rates() -> None:
    np.testing.assert_allclose(tax.straight_line_rates(4), [0.125, 0.25, 0.25, 0.25, 0.125])
    np.testing.assert_allclose(tax.straight_line_rates(4, half_year=False), [0.25] * 4)
    assert float(tax.depreciation_rates("sl_39").sum()) == pytest.approx(1.0)


def test_depreciation_schedule_placement_and_truncation() -> None:
    dep = tax.depreciation_schedule(1000.0, tax.macrs_rates(5), 10, start=2)
    np.testing.assert_allclose(dep, [0, 0, 200, 320, 192, 115.2, 115.2, 57.6, 0, 0])
    # a 4-year timeline from index 1: years 1-3 get 20/32/19.2 %, the rest (28.8 %) is
    # written off in the last year
    short = tax.depreciation_schedule([1000.0, 10.0], tax.macrs_rates(5), 4, start=1)
    np.testing.assert_allclose(short[0], [0, 200, 320, 480])
    np.testing.assert_allclose(short.sum(axis=-1), [1000.0, 10.0])
    with pytest.raises(ValueError, match="outside the timeline"):
        tax.depreciation_schedule(1.0, [1.0], 3, start=3)


def test_credits_and_income_tax() -> None:
    assert float(tax.investment_credit(1e9, tax.ITC_FULL_RATE)) == pytest.approx(3e8)
    assert float(tax.investment_credit(2e10, tax.CHIPS_48D_RATE)) == pytest.approx(5e9)
    with pytest.raises(ValueError, match="fraction"):
        tax.investment_credit(1.0, 30)
    ptc = tax.production_credit([0, 100, 100, 100, 100], 26.0, 2, start=1)
    np.testing.assert_allclose(ptc, [0, 2600, 2600, 0, 0])
    np.testing.assert_allclose(tax.income_tax([100.0, -40.0], 0.25), [25.0, -10.0])
