"""Debt sized to a DSCR target: sculpted and level repayment, caps, amortisation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stateside.finance import debt

cfads_lists = st.lists(st.floats(1.0, 1e6), min_size=1, max_size=30)
interest = st.floats(0.0, 0.15)
targets = st.floats(1.0, 2.5)


def test_sculpted_hand_example() -> None:
    # CFADS 130 and 260 at DSCR 1.3 -> DS 100 and 200; D = 100/1.08 + 200/1.08^2
    s = debt.size_debt_sculpted([130.0, 260.0], 0.08, 1.3)
    d = 100 / 1.08 + 200 / 1.08**2
    assert float(s.size_usd) == pytest.approx(d)
    assert float(s.size_usd) == pytest.approx(264.0603566529492)
    np.testing.assert_allclose(s.debt_service_usd, [100.0, 200.0])
    np.testing.assert_allclose(s.interest_usd, [0.08 * d, 0.08 * (d * 1.08 - 100)])
    np.testing.assert_allclose(s.balance_usd, [d * 1.08 - 100, 0.0], atol=1e-9)
    np.testing.assert_allclose(s.dscr, [1.3, 1.3])
    assert not bool(s.capped)


@settings(max_examples=300, deadline=None)
@given(cfads=cfads_lists, rate=interest, target=targets)
def test_sculpted_min_dscr_equals_target(cfads: list[float], rate: float, target: float) -> None:
    s = debt.size_debt_sculpted(cfads, rate, target)
    assert float(s.min_dscr) == pytest.approx(target, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(s.dscr, target, rtol=1e-9)
    assert abs(float(s.balance_usd[-1])) <= 1e-9 * float(s.size_usd)
    np.testing.assert_allclose(
        s.interest_usd + s.repayment_usd, s.debt_service_usd, atol=1e-12 * float(s.size_usd)
    )
    assert float(np.sum(s.repayment_usd)) == pytest.approx(float(s.size_usd), rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(cfads=cfads_lists, rate=interest, target=targets)
def test_level_min_dscr_equals_target(cfads: list[float], rate: float, target: float) -> None:
    s = debt.size_debt_level(cfads, rate, target)
    assert float(s.min_dscr) == pytest.approx(target, rel=1e-9, abs=1e-9)
    assert np.ptp(s.debt_service_usd) <= 1e-9 * float(s.debt_service_usd[0])
    assert abs(float(s.balance_usd[-1])) <= 1e-9 * float(s.size_usd)


@settings(max_examples=200, deadline=None)
@given(cfads=cfads_lists, rate=interest, target=targets, cap_share=st.floats(0.05, 0.95))
def test_cap_binds_and_raises_coverage(
    cfads: list[float], rate: float, target: float, cap_share: float
) -> None:
    free = debt.size_debt_sculpted(cfads, rate, target)
    cap = cap_share * float(free.size_usd)
    s = debt.size_debt_sculpted(cfads, rate, target, max_size_usd=cap)
    assert bool(s.capped)
    assert float(s.size_usd) == pytest.approx(cap)
    assert float(s.min_dscr) == pytest.approx(target / cap_share, rel=1e-9)
    assert float(s.min_dscr) >= target


def test_sculpting_skips_years_without_cash_and_capitalises_interest() -> None:
    # year 1 has no CFADS: no debt service, interest accrues onto the balance
    s = debt.size_debt_sculpted([-50.0, 0.0, 220.0], 0.10, 1.1)
    assert float(s.size_usd) == pytest.approx(200 / 1.1**3)
    np.testing.assert_allclose(s.debt_service_usd, [0.0, 0.0, 200.0])
    assert math.isnan(float(s.dscr[0])) and math.isnan(float(s.dscr[1]))
    assert float(s.min_dscr) == pytest.approx(1.1)
    np.testing.assert_allclose(s.balance_usd, [200 / 1.1**2, 200 / 1.1, 0.0], atol=1e-9)


def test_level_hand_example_and_annuity() -> None:
    # min CFADS 120 at DSCR 1.2 -> payment 100 for 3 years at 5 %
    s = debt.size_debt_level([150.0, 120.0, 300.0], 0.05, 1.2)
    assert float(debt.annuity_factor(0.05, 3)) == pytest.approx(1 / 1.05 + 1 / 1.05**2 + 1 / 1.05**3)
    assert float(s.size_usd) == pytest.approx(100 * (1 / 1.05 + 1 / 1.05**2 + 1 / 1.05**3))
    np.testing.assert_allclose(s.dscr, [1.5, 1.2, 3.0])
    assert float(debt.annuity_factor(0.0, 4)) == 4.0
    # a tenor whose worst year has no cash supports no level debt
    assert float(debt.size_debt_level([100.0, -1.0], 0.05, 1.3).size_usd) == 0.0


def test_given_size_schedules_and_batch() -> None:
    lvl = debt.level_debt(1000.0, 0.0, [300.0, 300.0, 300.0, 300.0])
    np.testing.assert_allclose(lvl.debt_service_usd, [250.0] * 4)
    assert float(lvl.min_dscr) == pytest.approx(1.2)
    sc = debt.sculpted_debt(1000.0, 0.0, [100.0, 300.0])
    np.testing.assert_allclose(sc.debt_service_usd, [250.0, 750.0])
    with pytest.raises(ValueError, match="never positive"):
        debt.sculpted_debt(1.0, 0.05, [0.0, -1.0])
    batch = debt.size_debt_sculpted([[130.0, 260.0], [110.0, 110.0]], [0.08, 0.0], [1.3, 1.1])
    np.testing.assert_allclose(batch.size_usd, [264.0603566529492, 200.0])
    np.testing.assert_allclose(batch.min_dscr, [1.3, 1.1])
    with pytest.raises(ValueError, match="DSCR must be > 0"):
        debt.size_debt_sculpted([1.0], 0.05, 0.0)
