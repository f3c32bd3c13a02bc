"""Typical-day reduction of the hourly profiles (issue #2, part 5).

The 365 days of the weather year are clustered with tsam (hierarchical clustering, medoid
representation) on all profiles of all regions together, each column min-max normalised by
tsam. Each cluster is represented by its medoid, a real day of the year, copied from the
hourly data (so ``n_days=365, hours_per_block=1`` reproduces the year exactly). Typical days
are ordered by the calendar date of their medoid. Each day is then averaged in blocks of
``hours_per_block`` hours; a snapshot stands for ``occurrences × hours_per_block`` hours.

A medoid day rarely has its cluster's average energy, so each column is finally rescaled
to the hourly year's annual energy (see :func:`stateside.scenario.profiles.scale_to_mean`):
solar and wind with values kept at or below 1, demand at or below its full-year hourly peak
(the factor is found by bisection; steps at the bound stay there). Where the medoids' energy is off by more than a
factor 1.5 or cannot be rescaled under the bound (for example a calm medoid day for the only
typical day), that column instead takes each cluster's mean day, whose weighted sum is the
annual energy by construction. Annual energy is then met to machine precision.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from stateside.scenario.profiles import (
    DAYS_PER_YEAR,
    HOURS_PER_YEAR,
    PROFILE_KINDS,
    HourlyProfiles,
    scale_to_mean,
)
from stateside.scenario.types import Scenario, selected_demand

HOURS_PER_DAY = 24
_EXACT = 1e-12  # relative energy error below which a column is left untouched
_MAX_RESCALE = 1.5  # medoid energy may be rescaled by at most this factor (or its inverse)


@dataclass(frozen=True)
class TypicalPeriods:
    """Representative snapshots of a year.

    ``solar``, ``wind``, ``demand``: dims ("region", "snapshot"), per unit (demand has
    weighted mean 1). ``weight_hours`` (dims "snapshot"): hours of the year each snapshot
    stands for, summing to 8,760. ``day`` (dims "snapshot"): the typical day (0..n_days-1)
    a snapshot belongs to; snapshots are ordered by day then by step, so one day's snapshots
    are consecutive. ``block_hours``: hours per snapshot. ``peak_demand_factor`` (index
    region): maximum of the full-year hourly demand shape (peak MW = annual MWh / 8760 ×
    factor). ``hour_of_day`` (dims "snapshot"): clock hour at which each snapshot starts.
    ``day_of_year``: for each calendar day 0..364 the typical day that represents it.
    ``medoid_day``: for each typical day the calendar day (0..364) it was copied from.
    ``peak_day``: for each typical day, True where it is a kept peak day (extreme period).
    """

    solar: xr.DataArray
    wind: xr.DataArray
    demand: xr.DataArray
    weight_hours: xr.DataArray
    day: xr.DataArray
    block_hours: int
    peak_demand_factor: pd.Series
    hour_of_day: xr.DataArray | None = None
    day_of_year: pd.Series | None = None
    medoid_day: pd.Series | None = None
    peak_day: pd.Series | None = None

    @property
    def n_days(self) -> int:
        return int(self.day.max()) + 1 if self.day.size else 0


def _cluster_days(
    data: pd.DataFrame, n_days: int, peak_columns: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster the 365 days; return (cluster of each day, medoid day of each cluster).

    ``peak_columns``: columns whose highest hour's day is kept as a typical day of its own
    (tsam extreme periods, method "append": the day represents only itself, and the other
    days are clustered into the remaining typical days).
    """
    varying = data.loc[:, (data.max() - data.min()) > 0]
    peaks = [c for c in (peak_columns or []) if c in varying.columns]
    if varying.shape[1] == 0:
        # nothing tells the days apart: calendar blocks of days, each represented by its first
        days = np.arange(DAYS_PER_YEAR)
        assignment = days * n_days // DAYS_PER_YEAR
        medoids = np.array([days[assignment == k][0] for k in range(n_days)])
        return assignment, medoids
    import tsam  # 1-2 s with scikit-learn: only when days are clustered (not for cached ones)

    # tsam appends the extreme days to the clusters it is asked for (distinct days only),
    # so ask for fewer, and once more if some extremes fell on the same day
    n_regular = n_days - len(peaks)
    for _ in range(len(peaks) + 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = tsam.aggregate(
                varying,
                n_clusters=max(n_regular, 1),
                period_duration=HOURS_PER_DAY,
                temporal_resolution=1.0,
                cluster=tsam.ClusterConfig(method="hierarchical", representation="medoid"),
                extremes=tsam.ExtremeConfig(method="append", max_value=peaks) if peaks else None,
                preserve_column_means=False,
            )
        centers = result.clustering.cluster_centers
        found = len(centers) if centers is not None else 0
        if found >= n_days or n_regular >= n_days:
            break
        n_regular += n_days - found
    assignment = np.asarray(result.clustering.cluster_assignments, dtype=int)
    if centers is None or len(centers) != n_days or assignment.size != DAYS_PER_YEAR:
        raise RuntimeError("tsam returned an unexpected clustering")  # pragma: no cover
    return assignment, np.asarray(centers, dtype=int)


def typical_periods(
    profiles: HourlyProfiles,
    n_days: int,
    hours_per_block: int,
    seed: int = 0,
    peak_weights: pd.DataFrame | None = None,
) -> TypicalPeriods:
    r"""Reduce the hourly profiles to ``n_days`` typical days of ``24 / hours_per_block``
    snapshots each, weighted so that the weights sum to 8,760 hours and every profile's
    annual energy equals the hourly year's.

    ``peak_weights`` (index region, one column per group, e.g. the nation and each
    interconnection; at most ``n_days - 1`` columns are used) keeps, for each column, the
    day of the highest hour of :math:`\sum_r w_{r} \, \mathrm{demand}_r(h)` as a typical
    day that stands for itself alone (tsam extreme period), so that the energy balance
    of the plan faces the peak (issue #11). The weights are typically each region's mean
    demand in MW, so the sum is the group's demand in MW.

    ``seed`` is accepted for interface stability; hierarchical clustering is deterministic.
    """
    del seed
    if not 1 <= n_days <= DAYS_PER_YEAR:
        raise ValueError(f"typical_days must be between 1 and {DAYS_PER_YEAR}, found {n_days}")
    if hours_per_block < 1 or HOURS_PER_DAY % hours_per_block:
        raise ValueError(f"hours_per_block must divide 24, found {hours_per_block}")
    regions = list(profiles.demand.columns)
    for kind in PROFILE_KINDS:
        frame = profiles.frame(kind)
        if frame.shape[0] != HOURS_PER_YEAR:
            raise ValueError(f"{kind} profile has {frame.shape[0]} rows, expected {HOURS_PER_YEAR}")
        if list(frame.columns) != regions:
            raise ValueError(f"{kind} profile columns differ from the demand profile's regions")

    n_regions = len(regions)
    hourly = np.concatenate([profiles.frame(k).to_numpy(dtype=float) for k in PROFILE_KINDS], axis=1)
    labels = [f"{k}.{r}" for k in PROFILE_KINDS for r in regions]
    index = pd.date_range("2001-01-01", periods=HOURS_PER_YEAR, freq="h")  # any non-leap year
    frame = pd.DataFrame(hourly, index=index, columns=labels)
    peak_columns: list[str] = []
    if peak_weights is not None and n_days > 1 and len(peak_weights.columns):
        weights = peak_weights.reindex(regions).fillna(0.0).to_numpy(dtype=float)
        group_demand = profiles.demand.to_numpy(dtype=float) @ weights  # (hour, group)
        for j, group in enumerate(list(peak_weights.columns)[: n_days - 1]):
            name = f"peak.{group}"
            frame[name] = group_demand[:, j]
            peak_columns.append(name)
    assignment, medoids = _cluster_days(frame, n_days, peak_columns)
    peak_calendar_days = {int(np.argmax(frame[c].to_numpy()) // HOURS_PER_DAY) for c in peak_columns}

    # order typical days by the calendar date of their medoid
    order = np.argsort(medoids, kind="stable")
    rank = np.empty(n_days, dtype=int)
    rank[order] = np.arange(n_days)
    assignment = rank[assignment]
    medoids = medoids[order]
    occurrences = np.bincount(assignment, minlength=n_days).astype(float)

    steps = HOURS_PER_DAY // hours_per_block
    by_day = hourly.reshape(DAYS_PER_YEAR, HOURS_PER_DAY, -1)
    medoid_hours = by_day[medoids]
    mean_hours = np.stack([by_day[assignment == k].mean(axis=0) for k in range(n_days)])
    weight = np.repeat(occurrences * hours_per_block, steps)

    def to_blocks(days: np.ndarray) -> np.ndarray:
        return days.reshape(n_days, steps, hours_per_block, -1).mean(axis=2).reshape(n_days * steps, -1)

    blocks = to_blocks(medoid_hours)
    cluster_means = to_blocks(mean_hours)

    # restore each column's annual energy: rescale the medoid, or fall back to the cluster mean
    target_mean = hourly.mean(axis=0)
    achieved_mean = weight @ blocks / HOURS_PER_YEAR
    positive_share = weight @ (blocks > 0) / HOURS_PER_YEAR
    off = np.abs(achieved_mean - target_mean) > _EXACT * np.abs(target_mean)
    ratio = target_mean / np.where(achieved_mean > 0, achieved_mean, np.nan)
    # bounds: 1 for solar and wind, the full year's hourly peak for demand
    upper = np.where(
        np.repeat([kind == "demand" for kind in PROFILE_KINDS], n_regions), hourly.max(axis=0), 1.0
    )
    usable = (
        (achieved_mean > 0)
        & (ratio <= _MAX_RESCALE)
        & (ratio >= 1 / _MAX_RESCALE)
        & (target_mean < upper * positive_share * (1 - 1e-9))
    )
    fallback = off & ~usable
    blocks[:, fallback] = cluster_means[:, fallback]
    for i in range(len(PROFILE_KINDS)):
        cols = np.arange(i * n_regions, (i + 1) * n_regions)
        cols = cols[off[cols] & usable[cols]]
        if cols.size == 0:
            continue
        blocks[:, cols] = scale_to_mean(
            blocks[:, cols],
            target_mean[cols],
            weights=weight,
            upper=upper[cols],
            names=[labels[c] for c in cols],
        )

    snapshot = np.arange(n_days * steps)
    coords = {"region": regions, "snapshot": snapshot}

    def array(kind_index: int, name: str) -> xr.DataArray:
        values = blocks[:, kind_index * n_regions : (kind_index + 1) * n_regions].T
        return xr.DataArray(values, dims=("region", "snapshot"), coords=coords, name=name)

    return TypicalPeriods(
        solar=array(0, "solar"),
        wind=array(1, "wind"),
        demand=array(2, "demand"),
        weight_hours=xr.DataArray(
            weight, dims=("snapshot",), coords={"snapshot": snapshot}, name="weight_hours"
        ),
        day=xr.DataArray(
            np.repeat(np.arange(n_days), steps), dims=("snapshot",), coords={"snapshot": snapshot}, name="day"
        ),
        block_hours=hours_per_block,
        peak_demand_factor=pd.Series(
            profiles.demand.max(axis=0).to_numpy(dtype=float),
            index=pd.Index(regions, name="region"),
            name="peak_demand_factor",
        ),
        hour_of_day=xr.DataArray(
            np.tile(np.arange(steps) * hours_per_block, n_days),
            dims=("snapshot",),
            coords={"snapshot": snapshot},
            name="hour_of_day",
        ),
        day_of_year=pd.Series(
            assignment, index=pd.RangeIndex(DAYS_PER_YEAR, name="calendar_day"), name="day"
        ),
        medoid_day=pd.Series(medoids, index=pd.RangeIndex(n_days, name="day"), name="calendar_day"),
        peak_day=pd.Series(
            [int(x) in peak_calendar_days for x in medoids],
            index=pd.RangeIndex(n_days, name="day"),
            name="peak",
        ),
    )


def scenario_typical_periods(scenario: Scenario, profiles: HourlyProfiles | None = None) -> TypicalPeriods:
    """The scenario's typical days: its hourly profiles clustered with tsam, keeping the
    day of the national demand peak and then of each interconnection's peak (largest
    first) as their own typical days, ``settings.peak_days`` of them at most (issue #11)."""
    from stateside.scenario.profiles import hourly_profiles

    s = scenario.settings
    hourly = profiles if profiles is not None else hourly_profiles(scenario)
    peak_weights = None
    if s.peak_days > 0:
        dem = selected_demand(scenario)
        first = dem[dem["period"] == dem["period"].min()]
        mean_mw = first.set_index("region")["annual_demand_mwh"].astype(float) / HOURS_PER_YEAR
        groups = {"national": mean_mw}
        ic = scenario.regions.set_index("region")["interconnect"].astype(str)
        sizes = mean_mw.groupby(ic.reindex(mean_mw.index)).sum().sort_values(ascending=False)
        for name in sizes.index:
            groups[str(name)] = mean_mw.where(ic.reindex(mean_mw.index) == name, 0.0)
        columns = list(groups)[: s.peak_days]
        peak_weights = pd.DataFrame({c: groups[c] for c in columns})
    return typical_periods(hourly, s.typical_days, s.hours_per_block, peak_weights=peak_weights)
