"""NPV, IRR (and its multiple-root policy), payback, LCOE and rate helpers."""

from __future__ import annotations

import math

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stateside.finance import metrics as m

flows = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=40)
rates = st.floats(-0.5, 1.0)


def cents(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Money amounts rounded to the cent. (Unrounded, hypothesis finds series such as
    [-1, 0, 0, 1, 1e-15] where numpy-financial's unpolished eigenvalue root is off by
    7e-6 while ours, polished by Newton, is exact; see test_irr_tiny_last_flow.)"""
    return st.floats(lo, hi).map(lambda x: round(x, 2))


@settings(max_examples=300, deadline=None)
@given(rate=rates, values=flows)
def test_npv_matches_numpy_financial(rate: float, values: list[float]) -> None:
    v = np.asarray(values)
    ours = float(m.npv(rate, v))
    theirs = float(npf.npv(rate, v))
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-9)


def test_npv_hand_values_and_batch() -> None:
    # -100 + 60/1.1 + 60/1.21 = -100 + 54.5454.. + 49.5867.. = 4.1322..
    assert float(m.npv(0.10, [-100.0, 60.0, 60.0])) == pytest.approx(-100 + 60 / 1.1 + 60 / 1.21, abs=1e-12)
    assert float(m.npv(0.10, [-100.0, 60.0, 60.0])) == pytest.approx(4.132231404958677, abs=1e-12)
    batch = np.array([[-100.0, 60.0, 60.0], [10.0, 0.0, 0.0]])
    np.testing.assert_allclose(m.npv([0.10, 0.5], batch), [4.132231404958677, 10.0], atol=1e-12)
    # start=1 discounts the first flow one year too
    assert float(m.npv(0.10, [110.0], start=1)) == pytest.approx(100.0)


# A series with exactly one root x0 in (0, inf): p(x) = (x - x0) q(x), q with positive
# coefficients (no positive root by Descartes). Its coefficients v_t = q_{t-1} - x0 q_t
# are the cash flows; they may change sign several times, and IRR = 1/x0 - 1 exactly.
def _unique_root_flows(x0: float, q: list[float]) -> np.ndarray:
    qa = np.asarray(q)
    return np.concatenate([[0.0], qa]) - x0 * np.concatenate([qa, [0.0]])


@settings(max_examples=300, deadline=None)
@given(x0=st.floats(0.6, 1.4), q=st.lists(st.floats(0.1, 10.0), min_size=1, max_size=25))
def test_irr_unique_root_matches_numpy_financial_and_truth(x0: float, q: list[float]) -> None:
    v = _unique_root_flows(x0, q)
    truth = 1.0 / x0 - 1.0
    res = m.irr_detail(v)
    assert res.status == "unique"
    assert res.rate == pytest.approx(truth, abs=1e-9)
    assert res.rate == pytest.approx(float(npf.irr(v)), abs=1e-9)
    assert float(m.npv(res.rate, v)) == pytest.approx(0.0, abs=1e-9 * float(np.sum(np.abs(v))))


def test_irr_several_sign_changes_unique_root() -> None:
    v = _unique_root_flows(0.9, [1.0, 100.0, 1.0, 100.0, 1.0])
    # -0.9, -89, 99.1, -89, 99.1, 1: three sign changes, one root r = 1/0.9 - 1
    np.testing.assert_allclose(v, [-0.9, -89.0, 99.1, -89.0, 99.1, 1.0])
    assert int(np.sum(np.diff(np.sign(v)) != 0)) == 3
    assert float(m.irr(v)) == pytest.approx(1 / 0.9 - 1, abs=1e-12)
    assert float(m.irr(v)) == pytest.approx(float(npf.irr(v)), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    invest=cents(1.0, 1e4),
    returns=st.lists(cents(0.0, 1e3), min_size=1, max_size=40).filter(lambda r: sum(r) > 0),
)
def test_irr_conventional_series_matches_numpy_financial(invest: float, returns: list[float]) -> None:
    v = np.asarray([-invest, *returns])
    res = m.irr_detail(v)
    assert res.status == "unique"  # one sign change: Descartes gives exactly one root
    assert res.rate == pytest.approx(float(npf.irr(v)), abs=1e-9)


def test_irr_tiny_last_flow() -> None:
    # -1 + x^3 + 1e-15 x^4 = 0 has its root at x = 1 - 3.3e-16, i.e. r = 3.3e-16
    res = m.irr_detail([-1.0, 0.0, 0.0, 1.0, 1e-15])
    assert res.status == "unique"
    assert res.rate == pytest.approx(0.0, abs=1e-14)


def test_irr_numpy_financial_docstring_example() -> None:
    assert float(m.irr([-100, 39, 59, 55, 20])) == pytest.approx(0.28095, abs=5e-6)


def test_irr_multiple_roots_policy() -> None:
    # -100 + 230/(1+r) - 132/(1+r)^2 = 0 at r = 10 % and r = 20 %
    v = [-100.0, 230.0, -132.0]
    res = m.irr_detail(v)
    assert res.status == "multiple"
    assert math.isnan(res.rate)
    assert res.roots == pytest.approx((0.10, 0.20), abs=1e-12)
    assert "2 roots" in res.reason
    assert math.isnan(float(m.irr(v)))
    assert float(m.irr(v, on_multiple="nearest", guess=0.12)) == pytest.approx(0.10, abs=1e-12)
    assert float(m.irr(v, on_multiple="nearest", guess=0.19)) == pytest.approx(0.20, abs=1e-12)
    # numpy-financial reports the root nearest zero; ours does so only when asked
    assert float(npf.irr(np.asarray(v))) == pytest.approx(0.10, abs=1e-9)
    assert float(m.irr(v, on_multiple="nearest", guess=0.0)) == pytest.approx(float(npf.irr(np.asarray(v))))


def test_irr_three_roots_from_numpy_financial_docs() -> None:
    # npf documents irr([-5, 10.5, 1, -8, 1]) = 0.0886; there are three roots > -1
    v = [-5.0, 10.5, 1.0, -8.0, 1.0]
    res = m.irr_detail(v)
    assert res.status == "multiple" and len(res.roots) == 3
    assert res.roots[1] == pytest.approx(0.0886, abs=5e-5)
    for r in res.roots:
        assert float(m.npv(r, v)) == pytest.approx(0.0, abs=1e-9)


def test_irr_no_root_and_invalid() -> None:
    same_sign = m.irr_detail([100.0, 50.0])
    assert same_sign.status == "none" and "same sign" in same_sign.reason and math.isnan(same_sign.rate)
    # -100 + 50x - 10x^2 has no real root (50^2 < 4*100*10)
    no_cross = m.irr_detail([-100.0, 50.0, -10.0])
    assert no_cross.status == "none" and "no zero" in no_cross.reason
    assert m.irr_detail([-1.0, float("nan")]).status == "invalid"
    assert m.irr_detail([0.0, 0.0, 0.0]).status == "none"


def test_irr_double_root_counts_once_and_zero_padding() -> None:
    # 1 - 2x + x^2 = (1 - x)^2: one (double) root r = 0
    assert m.irr_detail([1.0, -2.0, 1.0]).roots == pytest.approx((0.0,), abs=1e-7)
    # leading/trailing zero years do not change the IRR
    base = float(m.irr([-100.0, 60.0, 60.0]))
    assert float(m.irr([0.0, -100.0, 60.0, 60.0, 0.0])) == pytest.approx(base, abs=1e-12)


def test_irr_batch_shape() -> None:
    batch = np.array([[-100.0, 110.0], [-100.0, 121.0], [-100.0, 230.0]])
    batch3 = np.concatenate([batch, np.zeros((3, 1))], axis=1)
    out = m.irr(batch3.reshape(3, 1, 3))
    assert out.shape == (3, 1)
    np.testing.assert_allclose(out.ravel(), [0.10, 0.21, 1.30], atol=1e-12)


def test_payback_index() -> None:
    # cumulative -100, -50, 10, -10, 20: stays >= 0 only from index 4
    assert float(m.payback_index([-100, 50, 60, -20, 30])) == 4
    assert float(m.payback_index([-100, 60, 60])) == 2
    assert math.isnan(float(m.payback_index([-100, 10])))
    assert float(m.payback_index([0.0, 5.0])) == 0
    np.testing.assert_array_equal(m.payback_index([[-100, 60, 60], [-1, 2, 0]]), [2, 1])


def test_lcoe_hand_example_and_zero_energy() -> None:
    costs = [100.0, 10.0, 10.0]
    energy = [0.0, 5.0, 5.0]
    expected = (100 + 10 / 1.1 + 10 / 1.21) / (5 / 1.1 + 5 / 1.21)
    assert float(m.lcoe(costs, energy, 0.10)) == pytest.approx(expected, rel=1e-12)
    assert float(m.lcoe(costs, energy, 0.10)) == pytest.approx(13.523809523809524, rel=1e-12)
    assert math.isnan(float(m.lcoe([1.0, 1.0], [0.0, 0.0], 0.05)))


def test_rates_crf_wacc_fisher() -> None:
    # CRF(7 %, 20) = 0.0943929...
    assert float(m.capital_recovery_factor(0.07, 20)) == pytest.approx(0.07 * 1.07**20 / (1.07**20 - 1))
    assert float(m.capital_recovery_factor(0.07, 20)) == pytest.approx(0.09439292574325567)
    assert float(m.capital_recovery_factor(0.0, 20)) == pytest.approx(0.05)
    # ATB 2024: 55 % debt at 8 %, ROE 10.5 %, tax 25.74 %
    assert float(m.after_tax_wacc(0.55, 0.08, 0.105, 0.2574)) == pytest.approx(
        0.55 * 0.08 * (1 - 0.2574) + 0.45 * 0.105
    )
    assert float(m.after_tax_wacc(0.55, 0.08, 0.105, 0.2574)) == pytest.approx(0.0799244)
    assert float(m.real_rate(0.1070, 0.025)) == pytest.approx(0.08)
    assert float(m.nominal_rate(0.08, 0.025)) == pytest.approx(0.107)


def test_discount_factors_and_align() -> None:
    np.testing.assert_allclose(m.discount_factors(0.25, 3), [1.0, 0.8, 0.64])
    out = m.align_to_years([2030, 2031], [[1.0, 2.0]], [2029, 2030, 2031, 2032])
    np.testing.assert_array_equal(out, [[0.0, 1.0, 2.0, 0.0]])
    with pytest.raises(ValueError, match="2035"):
        m.align_to_years([2035], [1.0], [2030, 2031])
    with pytest.raises(ValueError, match="> -1"):
        m.npv(-1.0, [1.0, 2.0])


@settings(max_examples=300, deadline=None)
@given(values=st.lists(cents(-1e3, 1e3), min_size=2, max_size=40))
def test_irr_random_series_agree_with_numpy_financial_where_root_is_unique(values: list[float]) -> None:
    # Arbitrary series, typically with several sign changes. numpy-financial's candidates
    # are the exactly-real positive eigenvalues x; where there is exactly one, both agree.
    v = np.asarray(values)
    z = np.roots(v[::-1]) if np.any(v != 0) else np.empty(0)
    npf_roots = z[(z.imag == 0) & (z.real > 0)]
    res = m.irr_detail(v)
    if npf_roots.size == 1:
        assert res.status == "unique"
        assert res.rate == pytest.approx(float(npf.irr(v)), abs=1e-9)
    if res.status == "unique":
        # residual relative to the size of the discounted terms (r near -1 inflates them)
        scale = float(m.npv(res.rate, np.abs(v)))
        assert float(m.npv(res.rate, v)) == pytest.approx(0.0, abs=1e-9 * scale)
    for r in res.roots:
        assert r > -1.0
