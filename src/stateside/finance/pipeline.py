"""The investor pipeline: committed versus probability-weighted ("expected") capital.

Every row of ``commitments.csv`` is capital an investor means to make available in a
year, at a pipeline stage (prospect, in_talks, term_sheet, committed, funded). Two
views of the same rows:

* **committed**: a commitment at stage ``committed`` or ``funded`` counts in full, any
  earlier stage not at all — what the coalition can count on;
* **expected**: every commitment counts at its stage's probability of closing,
  ``settings.finance.pipeline_probability`` (defaults 0.1 / 0.3 / 0.6 / 0.9 / 1.0,
  illustrative) — the probability-weighted mean of what arrives.

The plan's capital constraint uses one of the two (``settings.finance.capital_basis``;
``stateside finance --basis`` re-plans on the other). Capital arriving in year ``y``
becomes available to the first plan period whose year is ``>= y`` (as the model reads
it); capital arriving after the last period is shown with no period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stateside.scenario.types import Scenario

COMMITTED_STAGES: tuple[str, ...] = ("committed", "funded")

PIPELINE_COLUMNS: list[str] = [
    "investor",
    "country",
    "year",
    "period",
    "stage",
    "amount_usd",
    "probability",
    "committed_usd",
    "expected_usd",
    "basis_usd",
]


def period_of_year(years: pd.Series, period_years: list[int]) -> pd.Series:
    """The first period whose year is ``>= year`` (nullable Int64; NA after the last period)."""
    starts = np.asarray(period_years, dtype=float)
    pos = np.searchsorted(starts, years.astype(float).to_numpy(), side="left")
    out = pd.Series(pd.array([pd.NA] * len(years), dtype="Int64"), index=years.index)
    inside = pos < len(starts)
    out[inside] = starts[pos[inside]].astype(np.int64)
    return out


def capital_pipeline(scenario: Scenario) -> pd.DataFrame:
    """One row per commitment with its committed and expected amounts (USD, base year).

    ``committed_usd = amount`` if the stage is committed or funded, else 0;
    ``expected_usd = amount × probability(stage)``; ``basis_usd`` is whichever of the two
    the plan used (``settings.finance.capital_basis``).
    """
    s = scenario.settings
    com = scenario.commitments
    if com is None or not len(com):
        return pd.DataFrame(columns=PIPELINE_COLUMNS)
    prob = s.finance.pipeline_probability
    country = scenario.investors.set_index("investor")["country"].astype(str)
    out = pd.DataFrame(
        {
            "investor": com["investor"].astype(str),
            "year": com["year"].astype(int),
            "stage": com["stage"].astype(str),
            "amount_usd": com["amount_usd"].astype(float),
        }
    )
    unknown = sorted(set(out["stage"]) - set(prob))
    if unknown:
        raise ValueError(
            f"settings.finance.pipeline_probability has no probability for stage(s) {unknown} "
            f"used in commitments.csv; it has {sorted(prob)}"
        )
    out["country"] = out["investor"].map(country)
    out["period"] = period_of_year(out["year"], s.period_years)
    out["probability"] = out["stage"].map(prob).astype(float)
    out["committed_usd"] = np.where(out["stage"].isin(COMMITTED_STAGES), out["amount_usd"], 0.0)
    out["expected_usd"] = out["amount_usd"] * out["probability"]
    out["basis_usd"] = out["committed_usd" if s.finance.capital_basis == "committed" else "expected_usd"]
    return out[PIPELINE_COLUMNS].sort_values(["investor", "year", "stage"]).reset_index(drop=True)


def pipeline_by_investor(pipeline: pd.DataFrame) -> pd.DataFrame:
    """Totals per investor: ``amount_usd`` (every stage), ``committed_usd``, ``expected_usd``."""
    cols = ["amount_usd", "committed_usd", "expected_usd"]
    if not len(pipeline):
        return pd.DataFrame(columns=["investor", "country", *cols])
    g = pipeline.groupby(["investor", "country"], as_index=False)[cols].sum()
    return g.sort_values("investor").reset_index(drop=True)


def pipeline_by_year(pipeline: pd.DataFrame) -> pd.DataFrame:
    """Committed and expected capital per (investor, year), long format."""
    cols = ["amount_usd", "committed_usd", "expected_usd"]
    if not len(pipeline):
        return pd.DataFrame(columns=["investor", "year", *cols])
    return pipeline.groupby(["investor", "year"], as_index=False)[cols].sum()
