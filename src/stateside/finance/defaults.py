"""Default financing assumptions, each with its source.

ATB 2024 financing (NREL Annual Technology Baseline 2024, as shipped in NREL ReEDS
``inputs/financials/financials_sys_ATB2024.csv``; copy in
``shared/data/raw/reeds/financials/``). That file writes rates as ``1 + r`` (1.08 means
8 %); here they are fractions. Its columns: ``interest_rate_nom`` (nominal debt interest),
``rroe_nom`` (nominal required return on equity), ``debt_fraction``, ``tax_rate``
(combined federal + state income tax). The file has three regimes, transcribed below:

=========  ========  ======  =============  ========
years      interest  ROE     debt fraction  tax rate
=========  ========  ======  =============  ========
2010-2017  5.0 %     10.0 %  0.738          0.389
2018-2020  5.0 %     10.0 %  0.738          0.2574
2021-2100  8.0 %     10.5 %  0.55           0.2574
=========  ========  ======  =============  ========

Inflation 2.5 %/yr: NREL ReEDS ``inputs/financials/inflation_default.csv`` (1.025 for
every year from 2024) and NREL SAM's default (reference note §3.2).

Debt tenor and target DSCR are **illustrative**: ATB sizes debt by a fixed fraction, not
by coverage. 18 years at a 1.30 DSCR is the debt case of a public SAM test harness
quoted in the reference note §3.2 (not confirmed as SAM defaults) and sits within the
usual 1.25-1.40 range lenders ask of contracted power projects.
"""

from __future__ import annotations

from dataclasses import dataclass

ATB2024_SOURCE = "NREL ATB 2024 via NREL ReEDS inputs/financials/financials_sys_ATB2024.csv"
INFLATION_SOURCE = "NREL ReEDS inputs/financials/inflation_default.csv (2.5 %/yr from 2024); NREL SAM default"


@dataclass(frozen=True)
class AtbFinancing:
    """ATB financing for one year (fractions; rates nominal)."""

    year: int
    interest_rate_nominal: float
    return_on_equity_nominal: float
    debt_fraction: float
    tax_rate: float


# (first year, last year, interest, ROE, debt fraction, tax rate), rates as fractions.
_ATB2024_REGIMES: tuple[tuple[int, int, float, float, float, float], ...] = (
    (2010, 2017, 0.05, 0.10, 0.738, 0.389),
    (2018, 2020, 0.05, 0.10, 0.738, 0.2574),
    (2021, 2100, 0.08, 0.105, 0.55, 0.2574),
)

INFLATION_RATE = 0.025
DEBT_TENOR_YEARS = 18  # illustrative, see module docstring
TARGET_DSCR = 1.30  # illustrative, see module docstring


def atb2024_financing(year: int) -> AtbFinancing:
    """ATB 2024 financing assumptions for ``year`` (2010-2100)."""
    for first, last, interest, roe, debt, tax in _ATB2024_REGIMES:
        if first <= year <= last:
            return AtbFinancing(year, interest, roe, debt, tax)
    raise ValueError(f"ATB 2024 financing covers 2010-2100; got year {year}")


ATB2024_CURRENT = atb2024_financing(2025)
