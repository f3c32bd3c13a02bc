"""Time: investment periods with their discounting, and the typical hours of a period.

==========================  ======================================================
symbol                      meaning
==========================  ======================================================
:math:`p`, :math:`y_p`      period and its first year; :math:`y_0` the start year
:math:`n_p`                 years the period stands for
:math:`W_p`                 discounted years :math:`\\sum_{k<n_p} (1+r)^{-(y_p+k-y_0)}`
:math:`\\gamma_p`            years since the previous period (or the start year), at least 1
:math:`t=(d,h)`             typical hour: day d, step h
:math:`w_t`                 hours of the year the typical hour stands for (sum 8,760)
:math:`\\Delta`              hours per step
:math:`\\mathcal P`          peak hours: the typical days kept as peak days (tsam
                            extreme periods), else the day of the highest demand
==========================  ======================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs import da
from stateside.scenario.settings import Settings

if TYPE_CHECKING:
    from stateside.scenario.typical import TypicalPeriods


@dataclass(frozen=True)
class TimeData:
    periods: pd.Index
    days: pd.Index
    steps: pd.Index
    weight_hours: xr.DataArray  # (day, step) w_t
    block_hours: float  # Delta
    period_weight: xr.DataArray  # (period) W_p
    period_length_years: xr.DataArray  # (period) n_p
    period_gap_years: xr.DataArray  # (period) gamma_p
    peak_snapshot: xr.DataArray  # (day, step) bool: P

    def to_day_step(self, arr: xr.DataArray) -> xr.DataArray:
        """Reshape an array with a ``snapshot`` dim into (…, day, step)."""
        other = [d for d in arr.dims if d != "snapshot"]
        vals = arr.transpose(*other, "snapshot").values.reshape(
            *[arr.sizes[d] for d in other], len(self.days), len(self.steps)
        )
        coords: dict[str, pd.Index | list[object]] = {str(d): pd.Index(arr[d].values, name=d) for d in other}
        coords["day"] = self.days
        coords["step"] = self.steps
        return da(vals, coords)


def build_time(s: Settings, typical: TypicalPeriods) -> TimeData:
    """Periods, discount weights :math:`W_p`, gaps :math:`\\gamma_p` and the typical hours."""
    r = s.discount_rate
    periods = pd.Index(s.period_years, name="period")
    lengths = np.array([p.length_years for p in s.periods], dtype=float)
    starts = np.array(s.period_years, dtype=float)
    gaps = np.maximum(np.diff(np.concatenate([[float(s.start_year)], starts])), 1.0)
    weight = np.array(
        [
            sum((1 + r) ** -(y + k - s.start_year) for k in range(int(n)))
            for y, n in zip(starts, lengths, strict=True)
        ]
    )
    day_of = typical.day.values
    n_days = int(day_of.max()) + 1
    steps_per_day = len(day_of) // n_days
    days = pd.Index(range(n_days), name="day")
    steps = pd.Index(range(steps_per_day), name="step")
    w = typical.weight_hours.values.reshape(n_days, steps_per_day)
    if typical.peak_day is not None and bool(typical.peak_day.any()):
        peak_days = typical.peak_day.to_numpy(dtype=bool)
    else:  # no kept peak day: the typical day of the highest total demand shape
        total = typical.demand.sum("region").values.reshape(n_days, steps_per_day)
        peak_days = np.zeros(n_days, dtype=bool)
        peak_days[int(np.unravel_index(np.argmax(total), total.shape)[0])] = True
    peak = np.repeat(peak_days[:, None], steps_per_day, axis=1)
    return TimeData(
        periods=periods,
        days=days,
        steps=steps,
        weight_hours=da(w, {"day": days, "step": steps}),
        block_hours=float(typical.block_hours),
        period_weight=da(weight, {"period": periods}),
        period_length_years=da(lengths, {"period": periods}),
        period_gap_years=da(gaps, {"period": periods}),
        peak_snapshot=da(peak, {"day": days, "step": steps}),
    )
