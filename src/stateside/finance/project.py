"""Yearly cash flows and returns of one project (single owner, project-financed).

A :class:`ProjectSpec` holds simple inputs in **real USD of ``dollar_year``**: overnight
capex spread over the construction years, grants, yearly revenue, O&M, fuel and energy
over the operating years, the tax treatment (:class:`TaxTerms`) and the financing
(:class:`Financing`). :func:`build_cashflows` turns it into a :class:`ProjectCashflows`:
one **nominal** USD array per line of the pro-forma, year by year. Its
:meth:`~ProjectCashflows.metrics` gives NPV, IRR, LCOE, minimum DSCR and payback.

Timeline and conventions (NREL SAM Single Owner / ProFAST style):

* Years ``y_0 .. y_{C+L-1}``: ``C >= 1`` construction years, then ``L`` operating years.
  Each flow is at the end of its year. Construction ends (commercial operation, COD) at
  the end of year ``C-1``; the asset is placed in service in year ``C``.
* Real inputs become nominal with ``esc_t = (1 + π)^(y_t - dollar_year)``: taxes,
  depreciation and debt are nominal contracts, so the pro-forma is nominal.
* Capex and grants in construction year ``j`` are ``capex · s_j · esc_j`` with schedule
  ``s`` (default even). Debt is drawn as a share ``λ`` of each year's capex net of grants;
  interest during construction is capitalised, so the balance at COD is
  ``D = λ Σ_j (capex_j - grant_j)(1+i)^(C-1-j)``. ``λ <= max_debt_fraction``.
* Debt (see :mod:`stateside.finance.debt`): with a target DSCR, sculpted (default) or
  level repayment over ``min(tenor, L)`` years sized so the tightest year's coverage
  is the target, unless the debt-fraction cap binds; without a target, ``λ =
  max_debt_fraction`` (the ATB convention) with sculpted or level repayment.
  ``CFADS = revenue - O&M - fuel`` (pre-tax, as SAM).
* Tax: ``taxable = revenue - O&M - fuel - interest - depreciation``, ``tax = T ·
  taxable``; a negative tax is a benefit used against the owner's other income in the
  same year (SAM Single Owner). Credits are used at face value when earned (IRA
  transferability, §6418): the ITC (or §48D) in the placed-in-service year on the capex
  net of grants; the PTC on energy for ``ptc_years``, its USD/MWh escalated with
  inflation as the IRS adjusts it. Depreciable basis = capex - grants (if
  ``grants_reduce_basis``) - ``itc_basis_reduction_share`` · ITC; capitalised
  construction interest is left out of the basis (a small, conservative simplification).
* Equity cash flow = -capex + grants + debt draws + revenue - O&M - fuel - debt service
  - tax + credits. Project (unlevered, after-tax) cash flow = the same without debt,
  with tax on ``revenue - O&M - fuel - depreciation``.

Metrics: every USD amount is **real USD of ``dollar_year``**, NPVs valued at the start
of ``valuation_year`` (default: the first project year): ``NPV = Σ_t cf_nom_t /
(1 + k_nom)^(y_t - valuation_year) / (1 + π)^(valuation_year - dollar_year)``, which is
the same as discounting the real flows at the real rate. Equity NPV uses the nominal
return on equity; project NPV the after-tax nominal WACC (ATB: ``DF·i·(1-T) +
(1-DF)·ROE`` with ``DF = max_debt_fraction``). IRRs are reported nominal and real
(Fisher). LCOE is real: ``Σ (capex - grants + O&M + fuel)_real,t (1+w)^-t / Σ E_t
(1+w)^-t`` at the real WACC ``w`` — pre-tax and before credits (taxes and credits enter
the NPVs and IRRs, not the LCOE). Payback is the year from which cumulative nominal
equity cash flow stays non-negative.

Building per-investor returns later: an investor with share ``s`` of a project's equity
receives ``s ×`` its equity cash flow (:meth:`ProjectCashflows.equity_on_years` puts
flows of projects with different calendars on one axis), so investor NPV and IRR are the
functions of :mod:`stateside.finance.metrics` on the sum.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from stateside.finance import debt as debt_mod
from stateside.finance import metrics, tax
from stateside.finance.defaults import ATB2024_CURRENT, DEBT_TENOR_YEARS, INFLATION_RATE, TARGET_DSCR
from stateside.finance.metrics import FloatArray, IntArray

Series = float | Sequence[float] | FloatArray


@dataclass(frozen=True)
class DebtTerms:
    """Project debt. Defaults: ATB 2024 interest and debt fraction; tenor and DSCR illustrative
    (see :mod:`stateside.finance.defaults`)."""

    interest_rate_nominal: float = ATB2024_CURRENT.interest_rate_nominal
    tenor_years: int = DEBT_TENOR_YEARS
    target_dscr: float | None = TARGET_DSCR
    max_debt_fraction: float = ATB2024_CURRENT.debt_fraction
    sculpted: bool = True


@dataclass(frozen=True)
class Financing:
    """Owner's financing: debt terms, required return on equity (nominal), income tax
    rate (combined federal + state) and inflation. Defaults: ATB 2024 and ReEDS inflation."""

    debt: DebtTerms = field(default_factory=DebtTerms)
    return_on_equity_nominal: float = ATB2024_CURRENT.return_on_equity_nominal
    income_tax_rate: float = ATB2024_CURRENT.tax_rate
    inflation: float = INFLATION_RATE

    @property
    def wacc_nominal(self) -> float:
        """After-tax nominal WACC ``DF·i·(1-T) + (1-DF)·ROE`` (ATB), ``DF = max_debt_fraction``."""
        return float(
            metrics.after_tax_wacc(
                self.debt.max_debt_fraction,
                self.debt.interest_rate_nominal,
                self.return_on_equity_nominal,
                self.income_tax_rate,
            )
        )


@dataclass(frozen=True)
class TaxTerms:
    """Project-specific tax treatment: depreciation method (``"macrs_<n>"`` or
    ``"sl_<n>"``), investment credit (ITC or §48D) rate and its basis reduction, PTC in
    real USD/MWh of the project's dollar year and its duration, and whether grants reduce
    the depreciable basis. Defaults: 5-year MACRS, no credits."""

    depreciation: str = "macrs_5"
    itc_rate: float = 0.0
    itc_basis_reduction_share: float = tax.ITC_BASIS_REDUCTION_SHARE
    ptc_usd_per_mwh: float = 0.0
    ptc_years: int = tax.PTC_YEARS
    grants_reduce_basis: bool = True


@dataclass(frozen=True)
class ProjectSpec:
    """Inputs for one project, money in real USD of ``dollar_year``.

    Yearly inputs (``revenue_usd_per_year`` etc.) are a number (the same every operating
    year) or one value per operating year. ``capex_schedule``: share of capex spent in
    each construction year (sums to 1; default even). ``grant_usd`` (e.g. a CHIPS award)
    is received pro rata with capex.
    """

    name: str
    first_year: int
    construction_years: int
    operating_years: int
    capex_usd: float
    revenue_usd_per_year: Series
    opex_usd_per_year: Series = 0.0
    fuel_usd_per_year: Series = 0.0
    energy_mwh_per_year: Series = 0.0
    grant_usd: float = 0.0
    dollar_year: int | None = None
    capex_schedule: Sequence[float] | None = None
    tax: TaxTerms = field(default_factory=TaxTerms)
    financing: Financing = field(default_factory=Financing)

    def __post_init__(self) -> None:
        where = f"project {self.name!r}"
        if self.construction_years < 1:
            raise ValueError(f"{where}: construction_years must be >= 1, got {self.construction_years}")
        if self.operating_years < 1:
            raise ValueError(f"{where}: operating_years must be >= 1, got {self.operating_years}")
        if not self.capex_usd >= 0:
            raise ValueError(f"{where}: capex_usd must be >= 0, got {self.capex_usd}")
        if not 0 <= self.grant_usd <= self.capex_usd:
            raise ValueError(f"{where}: grant_usd must be between 0 and capex_usd, got {self.grant_usd}")
        fin = self.financing
        if not 0 <= fin.debt.max_debt_fraction <= 1:
            raise ValueError(
                f"{where}: max_debt_fraction must be in [0, 1], got {fin.debt.max_debt_fraction}"
            )
        if fin.debt.tenor_years < 0:
            raise ValueError(f"{where}: tenor_years must be >= 0, got {fin.debt.tenor_years}")
        if fin.debt.target_dscr is not None and not fin.debt.target_dscr > 0:
            raise ValueError(f"{where}: target_dscr must be > 0, got {fin.debt.target_dscr}")
        if not 0 <= fin.income_tax_rate < 1:
            raise ValueError(f"{where}: income_tax_rate must be in [0, 1), got {fin.income_tax_rate}")
        if not 0 <= self.tax.itc_rate <= 1:
            raise ValueError(f"{where}: itc_rate must be in [0, 1], got {self.tax.itc_rate}")
        tax.depreciation_rates(self.tax.depreciation)  # raises a clear error for a bad name
        if self.capex_schedule is not None:
            s = np.asarray(self.capex_schedule, dtype=np.float64)
            if s.shape != (self.construction_years,) or np.any(s < 0) or abs(float(s.sum()) - 1.0) > 1e-9:
                raise ValueError(
                    f"{where}: capex_schedule must have {self.construction_years} non-negative shares "
                    f"summing to 1, got {list(self.capex_schedule)}"
                )
        for name in ("revenue_usd_per_year", "opex_usd_per_year", "fuel_usd_per_year", "energy_mwh_per_year"):
            self.series(name)

    def series(self, name: str) -> FloatArray:
        """A yearly input as an array over the operating years (clear error if misshapen)."""
        raw = np.asarray(getattr(self, name), dtype=np.float64)
        if raw.ndim == 0:
            return np.full(self.operating_years, float(raw))
        if raw.shape != (self.operating_years,):
            raise ValueError(
                f"project {self.name!r}: {name} must be a number or {self.operating_years} values "
                f"(one per operating year), got shape {raw.shape}"
            )
        if not np.all(np.isfinite(raw)):
            raise ValueError(f"project {self.name!r}: {name} has non-finite values")
        return raw


@dataclass(frozen=True)
class ProjectMetrics:
    """Outcomes of one project; USD in real ``dollar_year`` dollars, rates as fractions/yr.

    ``*_irr_status``: ``unique``, ``multiple`` or ``none`` (see :mod:`.metrics`); the IRR
    is NaN unless ``unique``. ``min_dscr`` is NaN without debt. ``payback_year`` is None if
    the equity is never paid back within the project's life. ``debt_usd`` is the sum of
    debt draws (excluding capitalised construction interest); ``equity_invested_usd`` the
    sum of every negative equity cash flow (construction and any later shortfall).
    """

    name: str
    dollar_year: int
    valuation_year: int
    capex_usd: float
    grant_usd: float
    debt_usd: float
    equity_invested_usd: float
    equity_npv_usd: float
    project_npv_usd: float
    equity_irr_nominal: float
    equity_irr_real: float
    equity_irr_status: str
    project_irr_nominal: float
    project_irr_real: float
    project_irr_status: str
    lcoe_real_usd_per_mwh: float
    min_dscr: float
    payback_year: int | None


@dataclass(frozen=True, eq=False)
class ProjectCashflows:
    """The pro-forma of one project: yearly **nominal** USD arrays on ``years``.

    Signs: every cost line (capex, opex, fuel, income tax, debt service) is positive as a
    cost; ``income_tax_usd`` is negative when it is a benefit. ``project_cashflow_usd``
    and ``equity_cashflow_usd`` are signed (negative = money in).
    """

    name: str
    years: IntArray
    dollar_year: int
    inflation: float
    return_on_equity_nominal: float
    wacc_nominal: float
    construction_years: int
    energy_mwh: FloatArray
    capex_usd: FloatArray
    grant_usd: FloatArray
    revenue_usd: FloatArray
    opex_usd: FloatArray
    fuel_usd: FloatArray
    cfads_usd: FloatArray
    depreciation_usd: FloatArray
    taxable_income_usd: FloatArray
    income_tax_usd: FloatArray
    tax_credit_usd: FloatArray
    debt_draw_usd: FloatArray
    interest_usd: FloatArray
    repayment_usd: FloatArray
    debt_service_usd: FloatArray
    debt_balance_usd: FloatArray
    dscr: FloatArray
    project_cashflow_usd: FloatArray
    equity_cashflow_usd: FloatArray

    SERIES: ClassVar[tuple[str, ...]] = (
        "energy_mwh",
        "capex_usd",
        "grant_usd",
        "revenue_usd",
        "opex_usd",
        "fuel_usd",
        "cfads_usd",
        "depreciation_usd",
        "taxable_income_usd",
        "income_tax_usd",
        "tax_credit_usd",
        "debt_draw_usd",
        "interest_usd",
        "repayment_usd",
        "debt_service_usd",
        "debt_balance_usd",
        "dscr",
        "project_cashflow_usd",
        "equity_cashflow_usd",
    )

    @property
    def escalation(self) -> FloatArray:
        """``(1 + π)^(year - dollar_year)``: nominal USD per real ``dollar_year`` USD."""
        return np.asarray((1.0 + self.inflation) ** (self.years - self.dollar_year), dtype=np.float64)

    def real(self, nominal_usd: npt.ArrayLike) -> FloatArray:
        """Deflate a nominal series on ``years`` to real ``dollar_year`` USD."""
        return np.asarray(np.asarray(nominal_usd, dtype=np.float64) / self.escalation, dtype=np.float64)

    def to_frame(self) -> pd.DataFrame:
        """The pro-forma as a table: one row per year, one column per series (nominal USD)."""
        data: dict[str, npt.ArrayLike] = {"year": self.years}
        for name in self.SERIES:
            data[name] = getattr(self, name)
        frame = pd.DataFrame(data)
        frame.insert(0, "project", self.name)
        return frame

    def equity_on_years(self, target_years: npt.ArrayLike, share: float = 1.0) -> FloatArray:
        """``share ×`` the nominal equity cash flow placed on ``target_years`` (ascending,
        covering this project's years), zero in other years."""
        return metrics.align_to_years(self.years, share * self.equity_cashflow_usd, target_years)

    def _npv_real(self, nominal: FloatArray, rate_nominal: float, valuation_year: int) -> float:
        value_at_valuation = metrics.npv(rate_nominal, nominal, start=float(self.years[0] - valuation_year))
        return float(value_at_valuation) / (1.0 + self.inflation) ** (valuation_year - self.dollar_year)

    def metrics(self, valuation_year: int | None = None) -> ProjectMetrics:
        """NPV, IRR, LCOE, minimum DSCR and payback; see the module docstring."""
        v_year = int(self.years[0]) if valuation_year is None else valuation_year
        eq = metrics.irr_detail(self.equity_cashflow_usd)
        pj = metrics.irr_detail(self.project_cashflow_usd)
        real_wacc = float(metrics.real_rate(self.wacc_nominal, self.inflation))
        costs_real = self.real(self.capex_usd - self.grant_usd + self.opex_usd + self.fuel_usd)
        lcoe = float(metrics.lcoe(costs_real, self.energy_mwh, real_wacc))
        finite = self.dscr[np.isfinite(self.dscr)]
        pay = metrics.payback_index(self.equity_cashflow_usd)
        eq_real = self.real(self.equity_cashflow_usd)
        c = self.construction_years
        return ProjectMetrics(
            name=self.name,
            dollar_year=self.dollar_year,
            valuation_year=v_year,
            capex_usd=float(np.sum(self.real(self.capex_usd))),
            grant_usd=float(np.sum(self.real(self.grant_usd))),
            debt_usd=float(np.sum(self.real(self.debt_draw_usd)[:c])),
            equity_invested_usd=float(-np.sum(np.minimum(eq_real, 0.0))),
            equity_npv_usd=self._npv_real(self.equity_cashflow_usd, self.return_on_equity_nominal, v_year),
            project_npv_usd=self._npv_real(self.project_cashflow_usd, self.wacc_nominal, v_year),
            equity_irr_nominal=eq.rate,
            equity_irr_real=float(metrics.real_rate(eq.rate, self.inflation)),
            equity_irr_status=eq.status,
            project_irr_nominal=pj.rate,
            project_irr_real=float(metrics.real_rate(pj.rate, self.inflation)),
            project_irr_status=pj.status,
            lcoe_real_usd_per_mwh=lcoe,
            min_dscr=float(finite.min()) if finite.size else math.nan,
            payback_year=None if np.isnan(pay) else int(self.years[int(pay)]),
        )


def build_cashflows(spec: ProjectSpec) -> ProjectCashflows:
    """The nominal pro-forma of ``spec`` (see the module docstring for every convention)."""
    fin = spec.financing
    terms = fin.debt
    c, life = spec.construction_years, spec.operating_years
    n = c + life
    dollar_year = spec.first_year if spec.dollar_year is None else spec.dollar_year
    years = spec.first_year + np.arange(n, dtype=np.int64)
    esc = (1.0 + fin.inflation) ** (years - dollar_year).astype(np.float64)

    share = (
        np.full(c, 1.0 / c)
        if spec.capex_schedule is None
        else np.asarray(spec.capex_schedule, dtype=np.float64)
    )
    capex = np.zeros(n)
    grant = np.zeros(n)
    capex[:c] = spec.capex_usd * share * esc[:c]
    grant[:c] = spec.grant_usd * share * esc[:c]

    def operating(name: str, escalate: bool) -> FloatArray:
        out = np.zeros(n)
        out[c:] = spec.series(name) * (esc[c:] if escalate else 1.0)
        return out

    revenue = operating("revenue_usd_per_year", True)
    opex = operating("opex_usd_per_year", True)
    fuel = operating("fuel_usd_per_year", True)
    energy = operating("energy_mwh_per_year", False)
    cfads = revenue - opex - fuel

    # Debt: balance at COD D = λ·A, draws λ·(capex - grant) in construction years.
    i = terms.interest_rate_nominal
    net_capex = capex - grant
    accrual = (1.0 + i) ** (c - 1 - np.arange(c, dtype=np.float64))
    a_cod = float(np.sum(net_capex[:c] * accrual))
    tenor = min(terms.tenor_years, life)
    window = cfads[c : c + tenor]
    draws = np.zeros(n)
    ds = np.zeros(n)
    interest = np.zeros(n)
    repay = np.zeros(n)
    balance = np.zeros(n)
    ratio = np.full(n, np.nan)
    if tenor > 0 and a_cod > 0 and terms.max_debt_fraction > 0 and np.max(window) > 0:
        cap = terms.max_debt_fraction * a_cod
        if terms.target_dscr is not None:
            size_fn = debt_mod.size_debt_sculpted if terms.sculpted else debt_mod.size_debt_level
            sched = size_fn(window, i, terms.target_dscr, max_size_usd=cap)
        else:
            shape_fn = debt_mod.sculpted_debt if terms.sculpted else debt_mod.level_debt
            sched = shape_fn(cap, i, window)
        size = float(sched.size_usd)
        draws[:c] = (size / a_cod) * net_capex[:c]
        ds[c : c + tenor] = sched.debt_service_usd
        interest[c : c + tenor] = sched.interest_usd
        repay[c : c + tenor] = sched.repayment_usd
        balance[c : c + tenor] = sched.balance_usd
        balance[:c] = _construction_balance(draws[:c], i)
        ratio[c : c + tenor] = sched.dscr

    # Tax.
    t = fin.income_tax_rate
    capex_total = float(capex.sum())
    grant_total = float(grant.sum())
    itc = float(tax.investment_credit(capex_total - grant_total, spec.tax.itc_rate))
    basis = capex_total - (grant_total if spec.tax.grants_reduce_basis else 0.0)
    basis -= spec.tax.itc_basis_reduction_share * itc
    depreciation = tax.depreciation_schedule(basis, tax.depreciation_rates(spec.tax.depreciation), n, start=c)
    credits = tax.production_credit(energy, spec.tax.ptc_usd_per_mwh * esc, spec.tax.ptc_years, start=c)
    credits[c] += itc
    taxable = cfads - interest - depreciation
    income_tax = tax.income_tax(taxable, t)
    unlevered_tax = tax.income_tax(cfads - depreciation, t)

    project_cf = -capex + grant + cfads - unlevered_tax + credits
    equity_cf = -capex + grant + draws + cfads - ds - income_tax + credits

    return ProjectCashflows(
        name=spec.name,
        years=years,
        dollar_year=dollar_year,
        inflation=fin.inflation,
        return_on_equity_nominal=fin.return_on_equity_nominal,
        wacc_nominal=fin.wacc_nominal,
        construction_years=c,
        energy_mwh=energy,
        capex_usd=capex,
        grant_usd=grant,
        revenue_usd=revenue,
        opex_usd=opex,
        fuel_usd=fuel,
        cfads_usd=cfads,
        depreciation_usd=depreciation,
        taxable_income_usd=taxable,
        income_tax_usd=income_tax,
        tax_credit_usd=credits,
        debt_draw_usd=draws,
        interest_usd=interest,
        repayment_usd=repay,
        debt_service_usd=ds,
        debt_balance_usd=balance,
        dscr=ratio,
        project_cashflow_usd=project_cf,
        equity_cashflow_usd=equity_cf,
    )


def _construction_balance(draws: FloatArray, rate: float) -> FloatArray:
    """End-of-year balance during construction: ``B_j = B_{j-1}(1+i) + draw_j``."""
    out = np.zeros_like(draws)
    b = 0.0
    for j, d in enumerate(draws):
        b = b * (1.0 + rate) + float(d)
        out[j] = b
    return out
