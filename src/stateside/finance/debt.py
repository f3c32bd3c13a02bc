"""Project debt: sizing to a debt-service coverage ratio (DSCR), amortisation, coverage.

Time convention: the last axis holds the repayment years ``k = 1 .. n`` of the tenor; the
loan balance ``D`` is measured at ``k = 0`` (the start of operation) and each year's debt
service ``DS_k`` is paid at the end of year ``k``. ``CFADS_k`` is the cash flow available
for debt service in year ``k`` (pre-tax operating cash flow, EBITDA, as in NREL SAM
Single Owner). ``DSCR_k = CFADS_k / DS_k``.

Sculpted repayment (NREL SAM "DSCR" debt option, ProFAST-style): debt service follows
the cash flow, ``DS_k = max(CFADS_k, 0) / DSCR*``, and the loan is what that service
repays at the interest rate ``i``::

    D = Σ_k DS_k (1 + i)^-k

so every year with positive CFADS has coverage exactly ``DSCR*``. If ``D`` exceeds a cap
(e.g. a maximum debt fraction of capex) the loan is the cap and every ``DS_k`` shrinks by
``cap / D``, so coverage rises above the target.

Level repayment (mortgage style): constant ``DS`` with ``D = DS · a(i, n)``, where
``a(i, n) = Σ_k (1+i)^-k`` is the annuity factor; sized to a DSCR target, ``DS =
min_k CFADS_k / DSCR*`` so the tightest year has coverage exactly ``DSCR*``.

Years with ``DS_k = 0`` have no coverage ratio (NaN) and are skipped by the minimum.
Interest on a balance that debt service does not cover is capitalised (the balance grows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stateside.finance.metrics import FloatArray

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class DebtSchedule:
    """A loan and its repayment over the tenor (last axis = repayment years 1..n).

    ``size_usd`` is the balance at the start of repayment; ``balance_usd`` the balance at
    the end of each year (zero at the end of the tenor, up to rounding). Scalars per loan
    have the batch shape (0-d for one loan).
    """

    size_usd: FloatArray
    debt_service_usd: FloatArray
    interest_usd: FloatArray
    repayment_usd: FloatArray
    balance_usd: FloatArray
    dscr: FloatArray
    min_dscr: FloatArray
    capped: BoolArray


def _f(x: npt.ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _check_rate(rate: FloatArray) -> None:
    if np.any(rate <= -1.0):
        raise ValueError("interest rate must be > -1 (fraction per year)")


def annuity_factor(rate: npt.ArrayLike, n_years: int) -> FloatArray:
    """``a(i, n) = Σ_{k=1}^{n} (1 + i)^-k`` (``n`` at ``i = 0``)."""
    r = _f(rate)
    _check_rate(r)
    k = np.arange(1, n_years + 1, dtype=np.float64)
    return np.asarray(np.sum((1.0 + r[..., np.newaxis]) ** (-k), axis=-1), dtype=np.float64)


def dscr(cfads_usd: npt.ArrayLike, debt_service_usd: npt.ArrayLike) -> FloatArray:
    """Yearly coverage ``CFADS / DS``; NaN where there is no debt service."""
    c = _f(cfads_usd)
    ds = _f(debt_service_usd)
    pos = ds > 0.0
    return np.asarray(np.where(pos, c / np.where(pos, ds, 1.0), np.nan), dtype=np.float64)


def _min_dscr(ratio: FloatArray) -> FloatArray:
    any_finite = np.any(np.isfinite(ratio), axis=-1)
    filled = np.where(np.isfinite(ratio), ratio, np.inf)
    return np.asarray(np.where(any_finite, np.min(filled, axis=-1), np.nan), dtype=np.float64)


def amortise(
    size_usd: npt.ArrayLike, debt_service_usd: npt.ArrayLike, rate: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Split debt service into interest and repayment: for ``k = 1..n``,
    ``interest_k = i · B_{k-1}``, ``repayment_k = DS_k - interest_k``,
    ``B_k = B_{k-1} - repayment_k`` with ``B_0 = size``. Returns (interest, repayment,
    end-of-year balance), each shaped like ``debt_service_usd``."""
    ds = _f(debt_service_usd)
    r = np.broadcast_to(_f(rate), ds.shape[:-1])
    _check_rate(r)
    balance = np.broadcast_to(_f(size_usd), ds.shape[:-1]).astype(np.float64)
    interest = np.zeros_like(ds)
    repay = np.zeros_like(ds)
    bal = np.zeros_like(ds)
    for k in range(ds.shape[-1]):
        interest[..., k] = r * balance
        repay[..., k] = ds[..., k] - interest[..., k]
        balance = balance - repay[..., k]
        bal[..., k] = balance
    return interest, repay, bal


def _schedule(
    size: FloatArray, ds: FloatArray, rate: FloatArray, cfads: FloatArray, capped: BoolArray
) -> DebtSchedule:
    interest, repay, bal = amortise(size, ds, rate)
    ratio = dscr(cfads, ds)
    return DebtSchedule(size, ds, interest, repay, bal, ratio, _min_dscr(ratio), capped)


def sculpted_debt(size_usd: npt.ArrayLike, rate: npt.ArrayLike, cfads_usd: npt.ArrayLike) -> DebtSchedule:
    """A loan of a given size repaid in proportion to ``max(CFADS, 0)`` over the tenor
    (the length of ``cfads_usd``): ``DS_k = D · CFADS⁺_k / Σ_j CFADS⁺_j (1+i)^-j``."""
    c = _f(cfads_usd)
    r = _f(rate)
    size = np.broadcast_to(_f(size_usd), c.shape[:-1]).astype(np.float64)
    cpos = np.maximum(c, 0.0)
    k = np.arange(1, c.shape[-1] + 1, dtype=np.float64)
    pv = np.sum(cpos * (1.0 + r[..., np.newaxis]) ** (-k), axis=-1)
    if np.any((pv <= 0.0) & (size > 0.0)):
        raise ValueError("cannot sculpt a loan to a cash flow that is never positive over the tenor")
    ds = cpos * (size / np.where(pv > 0.0, pv, 1.0))[..., np.newaxis]
    return _schedule(size, ds, r, c, np.zeros(size.shape, dtype=bool))


def level_debt(size_usd: npt.ArrayLike, rate: npt.ArrayLike, cfads_usd: npt.ArrayLike) -> DebtSchedule:
    """A loan of a given size repaid by equal payments ``DS = D / a(i, n)`` over the tenor
    (the length of ``cfads_usd``, used for the coverage ratios)."""
    c = _f(cfads_usd)
    r = _f(rate)
    size = np.broadcast_to(_f(size_usd), c.shape[:-1]).astype(np.float64)
    payment = size / annuity_factor(r, c.shape[-1])
    ds = np.broadcast_to(payment[..., np.newaxis], c.shape).astype(np.float64)
    return _schedule(size, ds, r, c, np.zeros(size.shape, dtype=bool))


def size_debt_sculpted(
    cfads_usd: npt.ArrayLike,
    rate: npt.ArrayLike,
    target_dscr: npt.ArrayLike,
    *,
    max_size_usd: npt.ArrayLike = np.inf,
) -> DebtSchedule:
    """Largest sculpted loan with coverage ``target_dscr`` in every year with positive
    CFADS, capped at ``max_size_usd``: ``D = min(cap, Σ_k (CFADS⁺_k / DSCR*) (1+i)^-k)``.

    Uncapped, ``min_dscr`` equals ``target_dscr`` (to rounding); capped, it is
    ``target_dscr · D_uncapped / cap``.
    """
    c = _f(cfads_usd)
    r = _f(rate)
    _check_rate(r)
    target = _f(target_dscr)
    if np.any(target <= 0.0):
        raise ValueError("target DSCR must be > 0")
    cpos = np.maximum(c, 0.0)
    ds_full = cpos / target[..., np.newaxis]
    k = np.arange(1, c.shape[-1] + 1, dtype=np.float64)
    size_full = np.sum(ds_full * (1.0 + r[..., np.newaxis]) ** (-k), axis=-1)
    cap = _f(max_size_usd)
    if np.any(cap < 0.0):
        raise ValueError("max_size_usd must be >= 0")
    capped = size_full > cap
    size = np.where(capped, cap, size_full)
    scale = np.where(capped, size / np.where(size_full > 0.0, size_full, 1.0), 1.0)
    ds = ds_full * scale[..., np.newaxis]
    return _schedule(np.asarray(size, dtype=np.float64), ds, r, c, np.asarray(capped))


def size_debt_level(
    cfads_usd: npt.ArrayLike,
    rate: npt.ArrayLike,
    target_dscr: npt.ArrayLike,
    *,
    max_size_usd: npt.ArrayLike = np.inf,
) -> DebtSchedule:
    """Largest level-payment loan whose tightest year has coverage ``target_dscr``:
    ``DS = max(min_k CFADS_k, 0) / DSCR*``, ``D = min(cap, DS · a(i, n))``."""
    c = _f(cfads_usd)
    r = _f(rate)
    _check_rate(r)
    target = _f(target_dscr)
    if np.any(target <= 0.0):
        raise ValueError("target DSCR must be > 0")
    payment = np.maximum(np.min(c, axis=-1), 0.0) / target
    size_full = payment * annuity_factor(r, c.shape[-1])
    cap = _f(max_size_usd)
    if np.any(cap < 0.0):
        raise ValueError("max_size_usd must be >= 0")
    capped = size_full > cap
    size = np.asarray(np.where(capped, cap, size_full), dtype=np.float64)
    schedule = level_debt(size, r, c)
    return DebtSchedule(
        schedule.size_usd,
        schedule.debt_service_usd,
        schedule.interest_usd,
        schedule.repayment_usd,
        schedule.balance_usd,
        schedule.dscr,
        schedule.min_dscr,
        np.asarray(capped),
    )
