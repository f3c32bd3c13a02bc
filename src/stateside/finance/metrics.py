"""Cash-flow metrics: discounting, NPV, IRR, payback, LCOE, rate conversions.

Conventions (shared by every function here and by :mod:`stateside.finance.project`):

* A cash-flow series ``v`` is a numpy array whose **last axis is time**, one entry per
  year, each flow at the **end** of its year. Index 0 is valued at ``t = 0``, i.e. it is
  not discounted (the numpy-financial convention)::

      NPV(r) = Σ_{t=0}^{T-1} v_t (1 + r)^(-t)

* Leading axes are a batch (for example projects × years): every function broadcasts
  the rate over them and returns one value per series.
* Rates are fractions per year (0.08 means 8 %/yr). Real and nominal are never mixed
  silently: a real series is discounted at a real rate and a nominal series at a nominal
  rate; :func:`real_rate` and :func:`nominal_rate` convert with the Fisher relation
  ``(1 + nominal) = (1 + real)(1 + inflation)``.

Functions returning one number per series return a numpy array of shape
``values.shape[:-1]`` (a 0-d array for a single series: use ``float()`` on it).

IRR policy (see :func:`irr_detail`): the IRR is a root ``r > -1`` of ``NPV(r) = 0``.
With ``x = 1/(1+r)`` the NPV is the polynomial ``p(x) = Σ v_t x^t`` and ``r ∈ (-1, ∞)``
maps one-to-one onto ``x ∈ (0, ∞)``. We find **every** such root (companion-matrix
eigenvalues, each polished by Newton's method on ``p`` and checked by its residual), then:

* exactly one root → it is *the* IRR (status ``"unique"``);
* no root → NaN (status ``"none"``: all flows of one sign, or the NPV never crosses zero);
* several roots → NaN by default (status ``"multiple"``), because no single rate then
  summarises the series; ``on_multiple="nearest"`` instead returns the root nearest to
  ``guess``, and every root is in ``IrrResult.roots``.

Descartes' rule of signs guarantees a unique root for a *conventional* series (one
sign change, e.g. investment then returns); several sign changes *may* but need not
give several roots. numpy-financial 1.0 returns the root nearest zero when there are
several; on series with a unique root the two agree (tested to 1e-9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IrrStatus = Literal["unique", "multiple", "none", "invalid"]

_IMAG_TOL = 1e-6  # relative |imag| below which an eigenvalue counts as a real root candidate
_RESIDUAL_TOL = 1e-9  # |p(x)| / Σ|v_t| x^t below which a polished candidate is a root
_DEDUP_TOL = 1e-7  # relative distance below which two roots are the same root


def _as_float(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _rate_for(rate: npt.ArrayLike, batch_shape: tuple[int, ...]) -> FloatArray:
    """Broadcast a rate to the batch shape and add a trailing time axis."""
    r = _as_float(rate)
    if np.any(r <= -1.0):
        raise ValueError(f"a discount rate must be > -1 (fraction per year); got {r[r <= -1.0].ravel()[:3]}")
    return np.broadcast_to(r, batch_shape)[..., np.newaxis]


def discount_factors(rate: npt.ArrayLike, n_periods: int, *, start: float = 0.0) -> FloatArray:
    """Discount factors ``d_t = (1 + r)^-(t + start)`` for ``t = 0 .. n_periods-1``.

    ``rate`` may be an array; the result has shape ``rate.shape + (n_periods,)``.
    ``start`` shifts the time origin: ``start = 1`` discounts the first flow one year.
    """
    if n_periods < 0:
        raise ValueError(f"n_periods must be >= 0, got {n_periods}")
    r = _rate_for(rate, np.shape(rate))
    t = np.arange(n_periods, dtype=np.float64) + start
    return np.asarray((1.0 + r) ** (-t), dtype=np.float64)


def npv(rate: npt.ArrayLike, values: npt.ArrayLike, *, start: float = 0.0) -> FloatArray:
    """Net present value ``Σ_t v_t (1 + r)^-(t + start)`` along the last axis.

    ``start = 0`` (default) leaves the first flow undiscounted, as numpy-financial's
    ``npv`` does. ``rate`` broadcasts against ``values.shape[:-1]``.
    """
    v = _as_float(values)
    if v.ndim == 0:
        raise ValueError("values must have a time axis (at least one dimension)")
    r = _rate_for(rate, v.shape[:-1])
    t = np.arange(v.shape[-1], dtype=np.float64) + start
    return np.asarray(np.sum(v * (1.0 + r) ** (-t), axis=-1), dtype=np.float64)


@dataclass(frozen=True)
class IrrResult:
    """The IRR of one series, how it was chosen, and every root found.

    ``rate``: the reported IRR (fraction/yr) or NaN. ``status``: ``unique`` (exactly one
    root in (-1, ∞)), ``multiple`` (several; ``rate`` is NaN unless ``on_multiple=
    "nearest"``), ``none`` (no root) or ``invalid`` (non-finite flows). ``roots``: all
    roots in (-1, ∞), ascending. ``reason``: a sentence for reports.
    """

    rate: float
    status: IrrStatus
    roots: tuple[float, ...]
    reason: str


def irr_roots(values: npt.ArrayLike) -> FloatArray:
    """Every distinct real ``r > -1`` with ``Σ_t v_t (1+r)^-t = 0``, ascending (one series).

    Method: with ``x = 1/(1+r)``, ``p(x) = Σ v_t x^t``. Leading and trailing zero flows
    are stripped (they add roots only at x = 0 or change nothing), the eigenvalues of the
    companion matrix give candidate roots (``numpy.roots``), candidates with a negligible
    imaginary part and positive real part are polished by Newton's method on ``p`` and
    kept if ``|p(x)| <= 1e-9 · Σ|v_t| x^t``. Roots closer than 1e-7 (relative) merge.
    Returns an empty array if the flows are not finite or have fewer than two non-zero
    entries.
    """
    v = _as_float(values)
    if v.ndim != 1:
        raise ValueError(f"irr_roots takes one series (1-D); got shape {v.shape}")
    if v.size == 0 or not np.all(np.isfinite(v)):
        return np.empty(0)
    nonzero = np.flatnonzero(v)
    if nonzero.size < 2:
        return np.empty(0)
    c = v[nonzero[0] : nonzero[-1] + 1] / np.max(np.abs(v))
    poly = c[::-1]  # highest power first, as numpy.polyval/roots expect
    dpoly = np.polyder(poly)
    abs_poly = np.abs(poly)
    z = np.roots(poly)
    keep = (np.abs(z.imag) <= _IMAG_TOL * np.maximum(1.0, np.abs(z))) & (z.real > 0)
    found: list[float] = []
    for x0 in z.real[keep]:
        x = float(x0)
        for _ in range(60):
            d = float(np.polyval(dpoly, x))
            if d == 0.0:
                break
            step = float(np.polyval(poly, x)) / d
            x_new = x - step
            if x_new <= 0.0:
                x_new = x / 2.0
            converged = abs(x_new - x) <= 1e-15 * max(1.0, abs(x))
            x = x_new
            if converged:
                break
        if x <= 0.0:
            continue
        scale = float(np.polyval(abs_poly, x))
        if abs(float(np.polyval(poly, x))) <= _RESIDUAL_TOL * scale:
            found.append(x)
    xs = np.sort(np.asarray(found, dtype=np.float64))
    distinct: list[float] = []
    for x in xs:
        if not distinct or abs(x - distinct[-1]) > _DEDUP_TOL * max(1.0, x):
            distinct.append(float(x))
    rates = 1.0 / np.asarray(distinct, dtype=np.float64) - 1.0
    return np.sort(rates)


def irr_detail(
    values: npt.ArrayLike,
    *,
    on_multiple: Literal["nan", "nearest"] = "nan",
    guess: float = 0.1,
) -> IrrResult:
    """IRR of one series with the policy of this module (see the module docstring).

    ``on_multiple="nan"`` (default) reports NaN when ``NPV(r) = 0`` has several roots in
    (-1, ∞); ``"nearest"`` reports the root nearest ``guess``.
    """
    v = _as_float(values)
    if v.ndim != 1:
        raise ValueError(f"irr_detail takes one series (1-D); got shape {v.shape}")
    if v.size == 0 or not np.all(np.isfinite(v)):
        return IrrResult(float("nan"), "invalid", (), "cash flows are empty or not finite")
    roots = irr_roots(v)
    if roots.size == 1:
        return IrrResult(float(roots[0]), "unique", (float(roots[0]),), "unique root")
    if roots.size == 0:
        if np.all(v >= 0) or np.all(v <= 0):
            why = "all cash flows have the same sign: NPV never crosses zero"
        else:
            why = "NPV(r) has no zero for r > -1"
        return IrrResult(float("nan"), "none", (), why)
    listed = ", ".join(f"{r:.6g}" for r in roots)
    if on_multiple == "nearest":
        chosen = float(roots[np.argmin(np.abs(roots - guess))])
        return IrrResult(
            chosen,
            "multiple",
            tuple(float(r) for r in roots),
            f"{roots.size} roots ({listed}); nearest to {guess}",
        )
    return IrrResult(
        float("nan"),
        "multiple",
        tuple(float(r) for r in roots),
        f"{roots.size} roots ({listed}): no single IRR; use NPV at a stated rate",
    )


def irr(
    values: npt.ArrayLike,
    *,
    on_multiple: Literal["nan", "nearest"] = "nan",
    guess: float = 0.1,
) -> FloatArray:
    """IRR of each series along the last axis (fraction/yr), NaN where it is not unique.

    Applies :func:`irr_detail` to every series of the batch; see the module docstring for
    the policy. Returns shape ``values.shape[:-1]``.
    """
    v = _as_float(values)
    if v.ndim == 0:
        raise ValueError("values must have a time axis (at least one dimension)")
    flat = v.reshape(-1, v.shape[-1])
    out = np.array([irr_detail(row, on_multiple=on_multiple, guess=guess).rate for row in flat])
    return out.reshape(v.shape[:-1])


def payback_index(values: npt.ArrayLike) -> FloatArray:
    """Index of the payback year along the last axis; NaN if the flows never pay back.

    Payback is the first period ``t`` from which the cumulative sum ``S_k = Σ_{j<=k} v_j``
    stays ``>= 0`` for every ``k >= t`` (so a late dip below zero, e.g. decommissioning,
    moves payback later). A series that never goes below zero pays back at 0.
    Discounted payback: pass discounted flows.
    """
    v = _as_float(values)
    if v.ndim == 0:
        raise ValueError("values must have a time axis (at least one dimension)")
    cum = np.cumsum(v, axis=-1)
    suffix_min = np.minimum.accumulate(cum[..., ::-1], axis=-1)[..., ::-1]
    ok = suffix_min >= 0.0
    first = np.argmax(ok, axis=-1).astype(np.float64)
    return np.where(np.any(ok, axis=-1), first, np.nan)


def lcoe(
    costs: npt.ArrayLike, energy: npt.ArrayLike, rate: npt.ArrayLike, *, start: float = 0.0
) -> FloatArray:
    """Levelised cost: ``Σ_t C_t (1+r)^-t / Σ_t E_t (1+r)^-t`` along the last axis.

    ``costs`` (USD) and ``energy`` (MWh) are yearly series on the same time axis; the
    result is USD/MWh. Costs and rate must be in the same terms: real costs with a real
    rate give a real (constant-dollar) LCOE, nominal with nominal give a nominal one.
    NaN where the discounted energy is not positive.
    """
    c = _as_float(costs)
    e = _as_float(energy)
    if c.shape != e.shape:
        raise ValueError(f"costs and energy must have the same shape; got {c.shape} and {e.shape}")
    num = npv(rate, c, start=start)
    den = npv(rate, e, start=start)
    safe = np.where(den > 0.0, den, 1.0)
    return np.asarray(np.where(den > 0.0, num / safe, np.nan), dtype=np.float64)


def capital_recovery_factor(rate: npt.ArrayLike, n_years: npt.ArrayLike) -> FloatArray:
    """``CRF = r (1+r)^n / ((1+r)^n - 1)``; ``1/n`` at ``r = 0``. Annualises a capital cost."""
    r = _as_float(rate)
    n = _as_float(n_years)
    if np.any(n <= 0):
        raise ValueError("n_years must be > 0")
    growth = (1.0 + r) ** n
    small = np.abs(r) < 1e-12
    safe_r = np.where(small, 1.0, r)
    crf = np.where(small, 1.0 / n, safe_r * growth / np.where(small, 2.0, growth - 1.0))
    return np.asarray(crf, dtype=np.float64)


def real_rate(nominal: npt.ArrayLike, inflation: npt.ArrayLike) -> FloatArray:
    """Fisher: ``(1 + nominal) / (1 + inflation) - 1``."""
    return np.asarray((1.0 + _as_float(nominal)) / (1.0 + _as_float(inflation)) - 1.0, dtype=np.float64)


def nominal_rate(real: npt.ArrayLike, inflation: npt.ArrayLike) -> FloatArray:
    """Fisher: ``(1 + real)(1 + inflation) - 1``."""
    return np.asarray((1.0 + _as_float(real)) * (1.0 + _as_float(inflation)) - 1.0, dtype=np.float64)


def after_tax_wacc(
    debt_fraction: npt.ArrayLike,
    interest_rate: npt.ArrayLike,
    return_on_equity: npt.ArrayLike,
    tax_rate: npt.ArrayLike,
) -> FloatArray:
    """After-tax weighted average cost of capital, as in NREL ATB:

    ``WACC = DF · i · (1 - T) + (1 - DF) · ROE`` (all nominal or all real alike).
    """
    df = _as_float(debt_fraction)
    return np.asarray(
        df * _as_float(interest_rate) * (1.0 - _as_float(tax_rate))
        + (1.0 - df) * _as_float(return_on_equity),
        dtype=np.float64,
    )


def align_to_years(years: npt.ArrayLike, values: npt.ArrayLike, target_years: npt.ArrayLike) -> FloatArray:
    """Place a yearly series (last axis on ``years``) onto ``target_years``, zero elsewhere.

    Used to add cash flows of projects with different calendars (e.g. an investor's flows
    over its projects). Every year of ``years`` must be in ``target_years``.
    """
    y = np.asarray(years, dtype=np.int64)
    tgt = np.asarray(target_years, dtype=np.int64)
    v = _as_float(values)
    if v.shape[-1] != y.size:
        raise ValueError(f"values have {v.shape[-1]} years but years has {y.size}")
    pos = np.searchsorted(tgt, y)
    if np.any(pos >= tgt.size) or np.any(tgt[np.minimum(pos, tgt.size - 1)] != y):
        missing = sorted(set(y.tolist()) - set(tgt.tolist()))
        raise ValueError(f"years {missing[:5]} are not in target_years")
    out = np.zeros((*v.shape[:-1], tgt.size))
    out[..., pos] = v
    return out
