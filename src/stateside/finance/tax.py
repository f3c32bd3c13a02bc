"""Tax depreciation (MACRS), investment and production tax credits, income tax.

MACRS: IRS Publication 946 (How To Depreciate Property), Appendix A, **Table A-1**,
"3-, 5-, 7-, 10-, 15-, and 20-Year Property, Half-Year Convention". The 3- to 10-year
classes use the 200 % declining-balance method, the 15- and 20-year classes 150 %
declining balance, each switching to straight line in the year that gives the larger
deduction; the half-year convention gives half a year's deduction in the first year and
the remainder in year ``n + 1``. The percentages below are the Table's, digit for digit
(5- to 20-year also cross-checked against NREL ReEDS-2.0
``inputs/financials/depreciation_schedules_default.csv``); :func:`db_half_year_rates`
recomputes them from the method and the tests check both agree to the Table's rounding.

Which class: IRS Pub 946 Table B-1/B-2 asset classes — e.g. solar and wind energy
property 5-year (§168(e)(3)(B)(vi)), semiconductor manufacturing equipment 5-year
(class 36.0), electric utility combustion-turbine production plant 15-year (class 49.13),
electric transmission 20-year (class 49.14), nonresidential real property 39-year
straight line (mid-month convention; :func:`straight_line_rates` gives a half-year
approximation, labelled as such).

Credits (Inflation Reduction Act, per the project's reference note
``shared/reference/cfius-finance-numbers.md`` §3.3, secondary sources [S]; the 2025
legislative changes were not checked, so every rate is an input, these are defaults):

* ITC (§48/§48E): 6 % base, 30 % with prevailing-wage and apprenticeship rules, +10
  points domestic content, +10 points energy community.
* PTC (§45/§45Y): 0.3 ¢/kWh base, 1.5 ¢/kWh full in 1992 $, inflation-adjusted, ≈ 2.6
  ¢/kWh now, for 10 years from placed in service.
* Advanced manufacturing investment credit (§48D, CHIPS Act 2022): 25 % of qualified
  investment in a semiconductor fab [S]. (Reported raised to 35 % for property placed in
  service after 2025 — not verified here [U].)
* Basis reduction: the depreciable basis is reduced by 50 % of an energy ITC (IRC
  §50(c)(3)); for other investment credits such as §48D the reduction is 100 % of the
  credit (§50(c)(1)).
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from stateside.finance.metrics import FloatArray

# IRS Publication 946, Table A-1 (percent of the unadjusted basis, by recovery year).
MACRS_HALF_YEAR_PERCENT: dict[int, tuple[float, ...]] = {
    3: (33.33, 44.45, 14.81, 7.41),
    5: (20.00, 32.00, 19.20, 11.52, 11.52, 5.76),
    7: (14.29, 24.49, 17.49, 12.49, 8.93, 8.92, 8.93, 4.46),
    10: (10.00, 18.00, 14.40, 11.52, 9.22, 7.37, 6.55, 6.55, 6.56, 6.55, 3.28),
    15: (5.00, 9.50, 8.55, 7.70, 6.93, 6.23, 5.90, 5.90, 5.91, 5.90, 5.91, 5.90, 5.91, 5.90, 5.91, 2.95),
    20: (
        3.750, 7.219, 6.677, 6.177, 5.713, 5.285, 4.888, 4.522, 4.462, 4.461, 4.462,
        4.461, 4.462, 4.461, 4.462, 4.461, 4.462, 4.461, 4.462, 4.461, 2.231,
    ),
}  # fmt: skip

# Declining-balance factor behind each Table A-1 column (200 % or 150 %).
MACRS_DB_FACTOR: dict[int, float] = {3: 2.0, 5: 2.0, 7: 2.0, 10: 2.0, 15: 1.5, 20: 1.5}

ITC_BASE_RATE = 0.06
ITC_FULL_RATE = 0.30
ITC_DOMESTIC_CONTENT_BONUS = 0.10
ITC_ENERGY_COMMUNITY_BONUS = 0.10
ITC_BASIS_REDUCTION_SHARE = 0.5  # IRC §50(c)(3): energy credit reduces basis by half of it
PTC_FULL_USD_PER_MWH = 26.0  # ≈ 2.6 ¢/kWh (reference note §3.3 [S]); scenario input
PTC_YEARS = 10
CHIPS_48D_RATE = 0.25  # §48D advanced manufacturing investment credit [S]
CHIPS_48D_BASIS_REDUCTION_SHARE = 1.0  # IRC §50(c)(1)

_METHOD = re.compile(r"^(macrs|sl)_(\d+)$")


def macrs_rates(recovery_years: int) -> FloatArray:
    """MACRS rates (fractions, length ``n + 1``) for a Table A-1 class; sums to 1.

    >>> macrs_rates(5).tolist()
    [0.2, 0.32, 0.192, 0.1152, 0.1152, 0.0576]
    """
    if recovery_years not in MACRS_HALF_YEAR_PERCENT:
        raise ValueError(
            f"no MACRS half-year table for a {recovery_years}-year class; "
            f"IRS Pub 946 Table A-1 has {sorted(MACRS_HALF_YEAR_PERCENT)}"
        )
    return np.asarray(MACRS_HALF_YEAR_PERCENT[recovery_years], dtype=np.float64) / 100.0


def db_half_year_rates(recovery_years: int, db_factor: float) -> FloatArray:
    """Declining balance with switch to straight line, half-year convention (unrounded).

    Year 1 deducts ``f/n · ½`` of the basis. In each later year ``k`` with remaining basis
    ``B`` and remaining life ``L`` (years, ``n - (k - 1.5)``), the deduction is
    ``max(B · f/n, B / L)``; the last year (``n + 1``) takes what is left. This is the
    method behind Pub 946 Table A-1 (which rounds the results).
    """
    n = recovery_years
    if n < 1 or db_factor <= 0:
        raise ValueError("recovery_years must be >= 1 and db_factor > 0")
    rate = db_factor / n
    out = np.zeros(n + 1)
    remaining = 1.0
    out[0] = rate * 0.5
    remaining -= out[0]
    for k in range(1, n):
        life_left = n - (k - 0.5)
        out[k] = max(remaining * rate, remaining / life_left)
        remaining -= out[k]
    out[n] = remaining
    return out


def straight_line_rates(recovery_years: int, *, half_year: bool = True) -> FloatArray:
    """Straight-line rates summing to 1: ``n`` equal years, or with the half-year
    convention half a year first and last (length ``n + 1``).

    For 39-year nonresidential real property the IRS uses a mid-month convention (Pub 946
    Table A-7a); the half-year form here is an approximation to it.
    """
    n = recovery_years
    if n < 1:
        raise ValueError("recovery_years must be >= 1")
    if not half_year:
        return np.full(n, 1.0 / n)
    out = np.full(n + 1, 1.0 / n)
    out[0] = out[-1] = 0.5 / n
    return out


def depreciation_rates(method: str) -> FloatArray:
    """Rates for a method named ``"macrs_<n>"`` (Table A-1) or ``"sl_<n>"`` (straight line,
    half-year convention). Raises a clear error for any other name."""
    m = _METHOD.match(method.strip().lower())
    if m is None:
        raise ValueError(
            f"unknown depreciation method {method!r}: expected 'macrs_<3|5|7|10|15|20>' or 'sl_<years>'"
        )
    kind, years = m.group(1), int(m.group(2))
    return macrs_rates(years) if kind == "macrs" else straight_line_rates(years)


def depreciation_schedule(
    basis_usd: npt.ArrayLike, rates: npt.ArrayLike, n_periods: int, *, start: int = 0
) -> FloatArray:
    """Yearly depreciation of ``basis_usd`` on a timeline of ``n_periods`` years.

    Deduction in period ``start + k`` is ``basis · rates[k]``. If the timeline ends before
    the schedule does, what is left is deducted in the last period (disposal of the asset
    at the end of the project's life), so the deductions always sum to the basis.
    ``basis_usd`` may be an array (a batch); the result has shape ``basis.shape + (n_periods,)``.
    """
    b = np.asarray(basis_usd, dtype=np.float64)
    r = np.asarray(rates, dtype=np.float64)
    if not 0 <= start < n_periods:
        raise ValueError(f"start {start} is outside the timeline of {n_periods} periods")
    out = np.zeros((*b.shape, n_periods))
    fit = min(r.size, n_periods - start)
    out[..., start : start + fit] = b[..., np.newaxis] * r[:fit]
    if fit < r.size:
        out[..., n_periods - 1] += b * float(np.sum(r[fit:]))
    return out


def investment_credit(eligible_basis_usd: npt.ArrayLike, rate: npt.ArrayLike) -> FloatArray:
    """Investment tax credit ``rate × eligible basis`` (ITC §48/§48E or §48D)."""
    rt = np.asarray(rate, dtype=np.float64)
    if np.any((rt < 0) | (rt > 1)):
        raise ValueError(f"an investment credit rate must be a fraction in [0, 1]; got {rt}")
    return np.asarray(np.asarray(eligible_basis_usd, dtype=np.float64) * rt, dtype=np.float64)


def production_credit(
    energy_mwh: npt.ArrayLike, usd_per_mwh: npt.ArrayLike, credit_years: int, *, start: int = 0
) -> FloatArray:
    """Production tax credit ``usd_per_mwh × energy`` for ``credit_years`` years from
    ``start`` (index on the last axis), zero before and after. ``usd_per_mwh`` may be a
    series on the same axis (e.g. inflation-adjusted)."""
    e = np.asarray(energy_mwh, dtype=np.float64)
    t = np.arange(e.shape[-1])
    window = (t >= start) & (t < start + credit_years)
    return np.asarray(e * np.asarray(usd_per_mwh, dtype=np.float64) * window, dtype=np.float64)


def income_tax(taxable_income_usd: npt.ArrayLike, tax_rate: npt.ArrayLike) -> FloatArray:
    """Income tax ``T × taxable income``; negative (a benefit) when income is negative.

    The benefit convention is NREL SAM Single Owner's: the owner uses tax losses against
    other income in the year they arise (no carry-forward).
    """
    return np.asarray(
        np.asarray(taxable_income_usd, dtype=np.float64) * np.asarray(tax_rate, dtype=np.float64),
        dtype=np.float64,
    )
