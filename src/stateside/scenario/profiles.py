"""Hourly availability and demand profiles for every region (issue #2, part 5).

Three per-unit profiles per region, each 8,760 hours of the scenario's weather year:

* **solar**: sun position from pvlib (Spencer declination and equation of time, analytical
  zenith and azimuth) at the region's representative point, Haurwitz clear-sky GHI, a
  seeded day-by-day cloudiness factor, the Erbs direct/diffuse split and an isotropic
  transposition onto a fixed south-facing plane tilted at the latitude; then scaled to the
  region's ``solar_cf`` with values clipped at 1 (like inverter clipping at a DC/AC ratio
  above one).
* **wind**: a synthetic hub-height wind speed (seasonal + diurnal + spatially and temporally
  correlated seeded noise, log-normal), through a fleet power curve (a generic turbine's curve
  smoothed over the spread of speeds across a state's sites, after Staffell & Pfenninger
  2016); the speed scale is solved so that the annual mean equals the region's ``wind_cf``.
* **demand**: a synthetic load shape (activity by local hour, weekday/weekend and federal
  holidays, times heating and cooling terms of a synthetic temperature that depends on
  latitude), normalised to mean 1.

Every coefficient below is **illustrative** (chosen to give plausible shapes, not fitted to
measurements); the annual means are exact. See docs/profiles.md.

Time basis: hour ``h`` is ``h`` hours after 00:00 on 1 January of ``weather_year`` on one
common clock for all regions, US Central Standard Time **without daylight saving**
(UTC−06:00, IANA ``Etc/GMT+6``), so row ``h`` is the same instant in every region (what the
transmission model needs) and clock days start at night in all of the contiguous US. A
leap weather year keeps its first 8,760 hours (31 December is dropped). The user's own hourly
CSV is read on the same clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar
from pvlib import clearsky, irradiance, solarposition
from pvlib.tools import cosd

from stateside.scenario.types import Scenario

HOURS_PER_YEAR = 8760
DAYS_PER_YEAR = 365
CLOCK_TZ = "Etc/GMT+6"
"""The common clock of all profiles: UTC−06:00 all year (POSIX sign convention in the name)."""
PROFILE_KINDS: tuple[str, ...] = ("solar", "wind", "demand")

FloatArray = np.ndarray


@dataclass(frozen=True)
class HourlyProfiles:
    """Per-unit hourly profiles, 8,760 rows (hour of the weather year on the common clock,
    see :data:`CLOCK_TZ`), one column per region code.

    ``solar`` and ``wind`` are availability per unit of capacity in [0, 1] with annual mean
    equal to the region's ``solar_cf`` / ``wind_cf`` (unless the user supplied the column);
    ``demand`` has annual mean exactly 1 (multiply by ``annual_demand_mwh / 8760`` for MW).
    """

    solar: pd.DataFrame
    wind: pd.DataFrame
    demand: pd.DataFrame

    def frame(self, kind: str) -> pd.DataFrame:
        """The profile frame of one kind ("solar", "wind" or "demand")."""
        if kind not in PROFILE_KINDS:
            raise KeyError(f"unknown profile kind {kind!r}; expected one of {PROFILE_KINDS}")
        frame: pd.DataFrame = getattr(self, kind)
        return frame


def clock_index(weather_year: int) -> pd.DatetimeIndex:
    """Start of each of the 8,760 hours of ``weather_year`` on the common clock (tz-aware)."""
    return pd.date_range(
        pd.Timestamp(year=weather_year, month=1, day=1), periods=HOURS_PER_YEAR, freq="h", tz=CLOCK_TZ
    )


# --------------------------------------------------------------------------------------
# scaling to an annual mean with an upper bound
# --------------------------------------------------------------------------------------


def scale_to_mean(
    values: FloatArray,
    target_mean: FloatArray,
    *,
    weights: FloatArray | None = None,
    upper: float | FloatArray | None = 1.0,
    names: Sequence[str] | None = None,
) -> FloatArray:
    """Scale each column of ``values`` (rows: time steps, values ≥ 0) so that its weighted
    mean equals ``target_mean`` while staying at or below ``upper``.

    Without a bound this is a plain multiplication. With one, the result is
    ``min(upper, s·x)`` (``upper`` a number or one bound per column) with the per-column
    factor ``s`` found by bisection (the mean is
    increasing in ``s``), and a last correction spreads the remaining rounding error over the
    unclipped steps, so the mean is met to machine precision. Raises ``ValueError`` when a
    target cannot be met: above ``upper`` times the weighted share of non-zero steps, or a
    positive target for an all-zero column.
    """
    x = np.asarray(values, dtype=float)
    n_rows, n_cols = x.shape
    w = np.ones(n_rows) if weights is None else np.asarray(weights, dtype=float)
    w_total = float(w.sum())
    target = np.broadcast_to(np.asarray(target_mean, dtype=float), (n_cols,)).copy()
    labels = list(names) if names is not None else [str(i) for i in range(n_cols)]
    if np.any(x < 0) or not np.all(np.isfinite(x)):
        raise ValueError("profile values must be finite and non-negative")

    mean_x = (w @ x) / w_total
    positive_share = (w @ (x > 0)) / w_total
    out = np.zeros_like(x)
    wanted = target > 0
    empty = wanted & (mean_x <= 0)
    if np.any(empty):
        bad = [labels[i] for i in np.flatnonzero(empty)]
        raise ValueError(f"cannot scale an all-zero profile to a positive mean for {bad}")
    if upper is None:
        factor = np.where(wanted, target / np.where(mean_x > 0, mean_x, 1.0), 0.0)
        return x * factor

    bound = np.broadcast_to(np.asarray(upper, dtype=float), (n_cols,))
    reachable = bound * positive_share
    too_high = wanted & (target > reachable * (1 + 1e-12))
    if np.any(too_high):
        detail = ", ".join(
            f"{labels[i]} (mean {target[i]:.4g} > at most {reachable[i]:.4g})"
            for i in np.flatnonzero(too_high)
        )
        raise ValueError(f"profile mean cannot be reached without exceeding the upper bound: {detail}")

    cols = np.flatnonzero(wanted)
    if cols.size == 0:
        return out
    # values below 1e-12 (denormal tails of the sun-position model) are zero for all purposes;
    # keeping them would overflow ub / min_positive below
    xc = np.where(x[:, cols] < 1e-12, 0.0, x[:, cols])
    tc = target[cols]
    ub = bound[cols]
    # f(s) = mean(min(upper, s·x)) is continuous and non-decreasing in s.
    # s_lo: no clipping assumed (f(s_lo) <= target); s_hi: every positive step clipped.
    min_positive = np.where(xc > 0, xc, np.inf).min(axis=0)
    log_lo = np.log(tc / mean_x[cols])
    log_hi = np.maximum(np.log(ub / min_positive), log_lo)
    for _ in range(80):
        mid = 0.5 * (log_lo + log_hi)
        f_mid = (w @ np.minimum(ub, np.exp(mid) * xc)) / w_total
        below = f_mid < tc
        log_lo = np.where(below, mid, log_lo)
        log_hi = np.where(below, log_hi, mid)
    out[:, cols] = _polish(np.minimum(ub, np.exp(log_hi) * xc), w, tc, ub)
    return out


def _polish(y: FloatArray, w: FloatArray, target_mean: FloatArray, upper: FloatArray) -> FloatArray:
    """Move the last rounding error of each column's weighted mean onto its steps strictly
    between 0 and ``upper`` (a relative change of order 1e-15)."""
    free = (y > 0) & (y < upper)
    free_energy = w @ np.where(free, y, 0.0)
    deficit = target_mean * w.sum() - w @ y
    ratio = np.where(free_energy > 0, 1.0 + deficit / np.where(free_energy > 0, free_energy, 1.0), 1.0)
    polished: FloatArray = np.where(free, np.minimum(upper, y * ratio), y)
    return polished


# --------------------------------------------------------------------------------------
# seeded weather: spatially and temporally correlated standard-normal fields
# --------------------------------------------------------------------------------------

# Fixed grid of "weather centres" covering the US including Alaska and Hawaii. A region's
# noise is a distance-weighted mix of the centres' AR(1) series, so it depends only on its own
# location and the seed (removing a region changes no other region's profile).
_GRID_LAT_DEG = np.arange(15.0, 75.0, 6.0)
_GRID_LON_DEG = np.arange(-176.0, -56.0, 8.0)
_EARTH_RADIUS_KM = 6371.0

_STREAM_CLOUD = 1
_STREAM_WIND_SLOW = 2
_STREAM_WIND_FAST = 3
_STREAM_TEMPERATURE = 4


def _great_circle_km(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def correlated_noise(
    latitude_deg: FloatArray,
    longitude_deg: FloatArray,
    n_steps: int,
    *,
    persistence: float,
    length_km: float,
    seed: Sequence[int],
) -> FloatArray:
    """Standard-normal noise, shape (n_steps, regions): AR(1) in time with lag-one
    correlation ``persistence``, Gaussian-kernel correlated in space over ``length_km``."""
    rng = np.random.default_rng(list(seed))
    glat, glon = np.meshgrid(_GRID_LAT_DEG, _GRID_LON_DEG, indexing="ij")
    glat, glon = glat.ravel(), glon.ravel()
    eps = rng.standard_normal((n_steps, glat.size))
    innovation = np.sqrt(1.0 - persistence**2)
    series = np.empty_like(eps)
    series[0] = eps[0]
    for t in range(1, n_steps):
        series[t] = persistence * series[t - 1] + innovation * eps[t]
    d = _great_circle_km(
        np.asarray(latitude_deg, float)[:, None],
        np.asarray(longitude_deg, float)[:, None],
        glat[None, :],
        glon[None, :],
    )
    # shift by the nearest centre's distance so weights never all underflow
    logw = -((d / length_km) ** 2) + (d.min(axis=1, keepdims=True) / length_km) ** 2
    w = np.exp(logw)
    w /= np.sqrt((w**2).sum(axis=1, keepdims=True))
    noise: FloatArray = series @ w.T
    return noise


def _seed(seed: int, weather_year: int, stream: int) -> tuple[int, int, int]:
    return (int(seed) & 0xFFFFFFFF, int(weather_year) & 0xFFFFFFFF, stream)


# --------------------------------------------------------------------------------------
# solar
# --------------------------------------------------------------------------------------

# Daily clearness factor c = logistic(_CLOUD_MEAN + _CLOUD_SPREAD·z), z the daily noise
# (illustrative: median ≈ 0.77, 5th percentile ≈ 0.3, clear days ≈ 0.97).
_CLOUD_MEAN = 1.2
_CLOUD_SPREAD = 1.3
_CLOUD_PERSISTENCE = 0.5  # day-to-day correlation of cloudiness (illustrative)
_CLOUD_LENGTH_KM = 500.0  # spatial correlation length of cloudiness (illustrative)
_ALBEDO = 0.25  # ground reflectance (pvlib's default)


def sun_position(
    times: pd.DatetimeIndex, latitude_deg: FloatArray, longitude_deg: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Solar zenith and azimuth (degrees), shape (times, regions), with pvlib's analytical
    formulas (Spencer 1971 declination and equation of time; accuracy about 0.5°)."""
    utc = times.tz_convert("UTC")
    doy = utc.dayofyear.to_numpy()
    declination = solarposition.declination_spencer71(doy)
    eot_min = solarposition.equation_of_time_spencer71(doy)
    hour_angle_at_greenwich = np.asarray(solarposition.hour_angle(utc, 0.0, eot_min), dtype=float)
    hour_angle = np.radians(hour_angle_at_greenwich[:, None] + np.asarray(longitude_deg, float)[None, :])
    lat = np.radians(np.asarray(latitude_deg, float))[None, :]
    zenith = solarposition.solar_zenith_analytical(lat, hour_angle, declination[:, None])
    azimuth = solarposition.solar_azimuth_analytical(lat, hour_angle, declination[:, None], zenith)
    return np.degrees(zenith), np.degrees(azimuth)


def solar_profiles(
    latitude_deg: FloatArray,
    longitude_deg: FloatArray,
    capacity_factor: FloatArray,
    weather_year: int,
    *,
    seed: int = 0,
    names: Sequence[str] | None = None,
) -> FloatArray:
    """Hourly solar availability (8760, regions) in [0, 1] with mean ``capacity_factor``.

    Sun position at the middle of each hour; Haurwitz clear-sky GHI times a daily clearness
    factor; Erbs split; isotropic-sky irradiance on a south-facing plane tilted at the
    latitude; scaled by :func:`scale_to_mean` (clipped at 1).
    """
    lat = np.asarray(latitude_deg, float)
    lon = np.asarray(longitude_deg, float)
    mid_hour = clock_index(weather_year) + pd.Timedelta(minutes=30)
    zenith, azimuth = sun_position(mid_hour, lat, lon)
    ghi_clear = (
        clearsky.haurwitz(pd.Series(zenith.ravel()))["ghi"].to_numpy(dtype=float).reshape(zenith.shape)
    )
    z = correlated_noise(
        lat,
        lon,
        DAYS_PER_YEAR,
        persistence=_CLOUD_PERSISTENCE,
        length_km=_CLOUD_LENGTH_KM,
        seed=_seed(seed, weather_year, _STREAM_CLOUD),
    )
    clearness = 1.0 / (1.0 + np.exp(-(_CLOUD_MEAN + _CLOUD_SPREAD * z)))
    ghi = ghi_clear * np.repeat(clearness, 24, axis=0)
    doy = np.broadcast_to(mid_hour.tz_convert("UTC").dayofyear.to_numpy()[:, None], zenith.shape)
    split = irradiance.erbs(ghi, zenith, doy)
    poa = irradiance.get_total_irradiance(
        surface_tilt=np.abs(lat)[None, :],
        surface_azimuth=np.where(lat >= 0, 180.0, 0.0)[None, :],
        solar_zenith=zenith,
        solar_azimuth=azimuth,
        dni=np.asarray(split["dni"], float),
        ghi=ghi,
        dhi=np.asarray(split["dhi"], float),
        albedo=_ALBEDO,
        model="isotropic",
    )
    raw = np.nan_to_num(np.asarray(poa["poa_global"], float), nan=0.0)
    raw = np.where((cosd(zenith) > 0) & (raw > 0), raw / 1000.0, 0.0)
    return scale_to_mean(raw, np.asarray(capacity_factor, float), upper=1.0, names=names)


# --------------------------------------------------------------------------------------
# wind
# --------------------------------------------------------------------------------------

_WIND_SIGMA = 0.6  # log-normal spread of hourly speed (close to a Weibull k≈2; illustrative)
_WIND_SLOW_PERSISTENCE = float(np.exp(-1.0 / 36.0))  # synoptic weather, ~36 h time scale
_WIND_FAST_PERSISTENCE = float(np.exp(-1.0 / 6.0))  # fronts and convection, ~6 h
_WIND_FAST_SHARE = 0.15  # variance share of the fast component
_WIND_LENGTH_KM = 800.0
_WIND_SEASONAL = 0.35  # amplitude of the annual cycle, maximum in mid-March (day 75)
_WIND_SEASON_PEAK_DAY = 75.0
_WIND_DIURNAL = 0.25  # amplitude of the daily cycle, maximum at 02:00 solar time (low-level jet)
_WIND_DIURNAL_PEAK_HOUR = 2.0
_CUT_IN_M_S = 3.0
_RATED_M_S = 12.0
# Fleet power curve: the turbine curve convolved with a Gaussian spread of speeds whose standard
# deviation is _FLEET_SPREAD_M_S + _FLEET_SPREAD_PER_M_S·v. Staffell & Pfenninger (2016) use
# 0.6 + 0.2·v for one farm; a state's fleet spans hundreds of km, so the spread at low speed is
# wider: 2.5 m/s is the smallest intercept (in steps of 0.25) that leaves no day averaging
# under 2 % and no run under 2 % longer than 12 h in TX, OK, KS, IA, NM, WY or CA
# (docs/profiles.md has the sweep; illustrative, not fitted to fleet output data).
_FLEET_SPREAD_M_S = 2.5
_FLEET_SPREAD_PER_M_S = 0.2
_CURVE_STEP_M_S = 0.05  # the fleet curve is tabulated on this speed grid, linear in between
_CURVE_MAX_M_S = 60.0  # beyond this the fleet curve is flat (at 0.9997)
_CURVE_Z = np.linspace(-6.0, 6.0, 481)  # quadrature nodes of the Gaussian, in standard deviations


def _power_curve(speed_m_s: FloatArray) -> FloatArray:
    """Generic turbine: zero below cut-in, cubic ramp to rated, then 1 (no cut-out)."""
    ramp = (speed_m_s**3 - _CUT_IN_M_S**3) / (_RATED_M_S**3 - _CUT_IN_M_S**3)
    return np.clip(ramp, 0.0, 1.0)


def _fleet_curve_table() -> tuple[FloatArray, FloatArray]:
    """The fleet power curve on the grid 0, 0.05, …, 60 m/s, and its slope per m/s on each
    interval (see :func:`fleet_power_curve`)."""
    grid = np.arange(0.0, _CURVE_MAX_M_S + _CURVE_STEP_M_S / 2, _CURVE_STEP_M_S)
    weight = np.exp(-0.5 * _CURVE_Z**2)
    weight /= weight.sum()
    sigma = _FLEET_SPREAD_M_S + _FLEET_SPREAD_PER_M_S * grid
    speeds = np.maximum(grid[:, None] + sigma[:, None] * _CURVE_Z[None, :], 0.0)
    # the convolution is non-decreasing in speed; the running maximum removes quadrature noise
    table = np.maximum.accumulate(_power_curve(speeds) @ weight)
    slope = np.append(np.diff(table), 0.0) / _CURVE_STEP_M_S
    return table, slope


_FLEET_TABLE, _FLEET_SLOPE = _fleet_curve_table()


def _fleet_lookup(speed_m_s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Fleet power curve and its derivative (per m/s) at ``speed_m_s`` (any shape, ≥ 0)."""
    v = np.minimum(speed_m_s, _CURVE_MAX_M_S)
    i = np.minimum(v * (1.0 / _CURVE_STEP_M_S), _FLEET_TABLE.size - 1).astype(np.intp)
    slope = _FLEET_SLOPE[i]
    return _FLEET_TABLE[i] + (v - i * _CURVE_STEP_M_S) * slope, slope


def fleet_power_curve(speed_m_s: FloatArray) -> FloatArray:
    """Per-unit output of a state's fleet of turbines whose representative hub-height speed
    is ``speed_m_s``.

    The generic turbine curve (:func:`_power_curve`: zero below 3 m/s, cubic to rated power
    at 12 m/s) convolved with a Gaussian whose standard deviation grows with speed,
    ``σ(v) = 2.5 + 0.2·v`` m/s. The form is the farm power curve of the Virtual Wind Farm
    model behind Renewables.ninja (Staffell & Pfenninger 2016, "Using bias-corrected
    reanalysis to simulate current and future wind power output", Energy 114, 1224–1239),
    whose ``σ(v) = 0.6 + 0.2·v`` describes one farm (windpowerlib implements it as
    ``standard_deviation_method="Staffell_Pfenninger"``). A state's fleet is spread over
    hundreds of km, and with the farm spread the synthetic speed still gave Texas an 81-hour
    calm, so the intercept is widened to 2.5 m/s (see the constants above and
    docs/profiles.md). The curve is above zero at any speed (0.004 at 0 m/s, 0.10 at 4 m/s)
    and approaches full output only gradually (0.70 at 12 m/s, 0.95 at 20 m/s), instead of
    one turbine's hard edges. Tabulated every 0.05 m/s up to 60 m/s and interpolated
    linearly; non-decreasing.
    """
    value, _ = _fleet_lookup(np.asarray(speed_m_s, dtype=float))
    return value


def wind_profiles(
    latitude_deg: FloatArray,
    longitude_deg: FloatArray,
    capacity_factor: FloatArray,
    weather_year: int,
    *,
    seed: int = 0,
    names: Sequence[str] | None = None,
) -> FloatArray:
    """Hourly wind availability (8760, regions) in [0, 1] with mean ``capacity_factor``:
    a synthetic hub-height speed through the fleet power curve (:func:`fleet_power_curve`)."""
    lat = np.asarray(latitude_deg, float)
    lon = np.asarray(longitude_deg, float)
    cf = np.asarray(capacity_factor, float)
    times = clock_index(weather_year).tz_convert("UTC")
    slow = correlated_noise(
        lat,
        lon,
        HOURS_PER_YEAR,
        persistence=_WIND_SLOW_PERSISTENCE,
        length_km=_WIND_LENGTH_KM,
        seed=_seed(seed, weather_year, _STREAM_WIND_SLOW),
    )
    fast = correlated_noise(
        lat,
        lon,
        HOURS_PER_YEAR,
        persistence=_WIND_FAST_PERSISTENCE,
        length_km=_WIND_LENGTH_KM / 2,
        seed=_seed(seed, weather_year, _STREAM_WIND_FAST),
    )
    day = times.dayofyear.to_numpy(dtype=float)[:, None]
    solar_hour = (times.hour.to_numpy(dtype=float) + 0.5)[:, None] + lon[None, :] / 15.0
    x = (
        np.sqrt(1 - _WIND_FAST_SHARE) * slow
        + np.sqrt(_WIND_FAST_SHARE) * fast
        + _WIND_SEASONAL * np.cos(2 * np.pi * (day - _WIND_SEASON_PEAK_DAY) / 365.25)
        + _WIND_DIURNAL * np.cos(2 * np.pi * (solar_hour - _WIND_DIURNAL_PEAK_HOUR) / 24.0)
    )
    x /= np.sqrt(1 + (_WIND_SEASONAL**2 + _WIND_DIURNAL**2) / 2)
    shape = np.exp(_WIND_SIGMA * x)  # speed per unit of the site's speed scale

    out = np.zeros_like(shape)
    out[:, cf >= 1] = 1.0
    cols = np.flatnonzero((cf > 0) & (cf < 1))
    if cols.size:
        q = shape[:, cols]
        target = cf[cols]
        # the speed scale S is solved in t = log S: mean(fleet(S·q)) is increasing in S.
        # At t_hi every hour is at or above the end of the curve's table (its maximum).
        log_lo = np.full(cols.size, np.log(0.01))
        log_hi = np.log(_CURVE_MAX_M_S / q.min(axis=0))
        reachable = fleet_power_curve(q * np.exp(log_hi)).mean(axis=0)
        if np.any(target > reachable):
            labels = list(names) if names is not None else [str(i) for i in range(cf.size)]
            bad = [labels[cols[i]] for i in np.flatnonzero(target > reachable)]
            raise ValueError(f"wind_cf too high for the synthetic wind profile: {bad}")
        power = _solve_speed_scale(q, target, log_lo, log_hi)
        out[:, cols] = _polish(power, np.ones(HOURS_PER_YEAR), target, np.ones(cols.size))
    return out


def _solve_speed_scale(
    q: FloatArray, target: FloatArray, log_lo: FloatArray, log_hi: FloatArray
) -> FloatArray:
    """``fleet_power_curve(S·q)`` with the per-column scale ``S`` such that each column's mean
    is ``target``: safeguarded Newton on ``t = log S`` inside the bracket [log_lo, log_hi]
    (a bisection step whenever Newton would leave it), to a mean within 1e-13."""
    lo, hi = log_lo.copy(), log_hi.copy()
    t = 0.5 * (lo + hi)
    power = np.zeros_like(q)
    for _ in range(100):
        speed = np.exp(t) * q
        power, slope = _fleet_lookup(speed)
        gap = power.mean(axis=0) - target
        done = np.abs(gap) < 1e-13
        if np.all(done):
            break
        lo = np.where(gap < 0, t, lo)
        hi = np.where(gap < 0, hi, t)
        derivative = (slope * speed).mean(axis=0)  # d mean / d t
        newton = t - gap / np.where(derivative > 0, derivative, 1.0)
        inside = (derivative > 0) & (newton >= lo) & (newton <= hi)
        t = np.where(done, t, np.where(inside, newton, 0.5 * (lo + hi)))
    return power


# --------------------------------------------------------------------------------------
# demand
# --------------------------------------------------------------------------------------

# Activity by local hour (per unit, before weather): night trough, morning ramp, evening peak.
# Illustrative, shaped like a typical US balancing-area load curve in spring (EIA-930).
_ACTIVITY_BY_HOUR = np.array(
    [0.80, 0.76, 0.74, 0.73, 0.74, 0.78, 0.86, 0.94, 0.99, 1.02, 1.04, 1.05,
     1.05, 1.05, 1.05, 1.05, 1.06, 1.09, 1.12, 1.12, 1.09, 1.03, 0.95, 0.87]
)  # fmt: skip
_WEEKEND_FACTOR = 0.92  # Saturdays, Sundays (illustrative)
_HOLIDAY_FACTOR = 0.90  # US federal holidays (illustrative)
_HEATING_BASE_C = 15.5  # heating below this outdoor temperature
_COOLING_BASE_C = 21.0  # cooling above
_HEATING_PER_C = 0.012  # extra load per degree below, per unit of activity (illustrative)
_COOLING_PER_C = 0.025  # extra load per degree above (illustrative)
_TEMP_DAILY_SD_C = 3.0  # standard deviation of day-to-day weather anomalies
_TEMP_PERSISTENCE = 0.75
_TEMP_LENGTH_KM = 1000.0
_TEMP_DIURNAL_C = 5.0  # half of the day-night swing, warmest at 15:00 solar time
_TEMP_COLDEST_DAY = 20.0  # day of year of the coldest day (about 20 January)


def annual_mean_temperature_c(latitude_deg: FloatArray) -> FloatArray:
    """Illustrative annual mean temperature by latitude: 27 °C at 25°N, −0.9 °C per degree
    north, at most 26 °C (Miami ≈ 26, Minneapolis ≈ 9, Anchorage ≈ −5)."""
    return np.minimum(26.0, 27.0 - 0.9 * (np.asarray(latitude_deg, float) - 25.0))


def seasonal_amplitude_c(latitude_deg: FloatArray) -> FloatArray:
    """Illustrative half-range of the annual temperature cycle: 2.5 °C at 20°N, +0.6 °C per
    degree north (Honolulu ≈ 2.5, Miami ≈ 6, Minneapolis ≈ 17)."""
    return 2.5 + 0.6 * np.maximum(0.0, np.abs(np.asarray(latitude_deg, float)) - 20.0)


def demand_profiles(
    latitude_deg: FloatArray,
    longitude_deg: FloatArray,
    timezones: Sequence[str],
    weather_year: int,
    *,
    seed: int = 0,
) -> FloatArray:
    """Hourly demand shape (8760, regions), mean exactly 1.

    ``activity(local hour) × weekday factor × (1 + heating·HDD + cooling·CDD)`` with a
    synthetic hourly temperature: latitude-dependent annual mean and seasonal cycle, a diurnal
    cycle and seeded, spatially correlated day-to-day anomalies.
    """
    lat = np.asarray(latitude_deg, float)
    lon = np.asarray(longitude_deg, float)
    n = lat.size
    clock = clock_index(weather_year)
    utc = clock.tz_convert("UTC")

    activity = np.empty((HOURS_PER_YEAR, n))
    tzs = list(timezones)
    for tz in dict.fromkeys(tzs):
        try:
            local = clock.tz_convert(tz)
        except Exception as exc:  # unknown zone names
            raise ValueError(f"regions: unknown IANA time zone {tz!r}") from exc
        naive_days = local.tz_localize(None).normalize()
        holidays = USFederalHolidayCalendar().holidays(naive_days.min(), naive_days.max())
        factor = np.where(local.dayofweek.to_numpy() >= 5, _WEEKEND_FACTOR, 1.0)
        factor = np.where(naive_days.isin(holidays), _HOLIDAY_FACTOR, factor)
        shape = _ACTIVITY_BY_HOUR[local.hour.to_numpy()] * factor
        for j, region_tz in enumerate(tzs):
            if region_tz == tz:
                activity[:, j] = shape

    anomaly = correlated_noise(
        lat,
        lon,
        DAYS_PER_YEAR + 1,
        persistence=_TEMP_PERSISTENCE,
        length_km=_TEMP_LENGTH_KM,
        seed=_seed(seed, weather_year, _STREAM_TEMPERATURE),
    )
    # daily anomalies placed at noon of each clock day, linearly interpolated in between
    hours = np.arange(HOURS_PER_YEAR, dtype=float)
    anchors = 12.0 + 24.0 * np.arange(DAYS_PER_YEAR + 1)
    daily = np.column_stack([np.interp(hours, anchors, anomaly[:, j]) for j in range(n)])
    day = utc.dayofyear.to_numpy(dtype=float)[:, None] + utc.hour.to_numpy(dtype=float)[:, None] / 24
    solar_hour = (utc.hour.to_numpy(dtype=float) + 0.5)[:, None] + lon[None, :] / 15.0
    season_sign = np.where(lat >= 0, 1.0, -1.0)[None, :]
    temperature = (
        annual_mean_temperature_c(lat)[None, :]
        - season_sign
        * seasonal_amplitude_c(lat)[None, :]
        * np.cos(2 * np.pi * (day - _TEMP_COLDEST_DAY) / 365.25)
        + _TEMP_DIURNAL_C * np.cos(2 * np.pi * (solar_hour - 15.0) / 24.0)
        + _TEMP_DAILY_SD_C * daily
    )
    weather = (
        1.0
        + _HEATING_PER_C * np.maximum(0.0, _HEATING_BASE_C - temperature)
        + _COOLING_PER_C * np.maximum(0.0, temperature - _COOLING_BASE_C)
    )
    load = activity * weather
    result: FloatArray = load / load.mean(axis=0, keepdims=True)
    return result


# --------------------------------------------------------------------------------------
# scenario entry point
# --------------------------------------------------------------------------------------


def _user_columns(user: pd.DataFrame, regions: list[str]) -> dict[tuple[str, str], FloatArray]:
    """Check the user's hourly table and return its profile columns by (kind, region)."""
    if "hour" not in user.columns:
        raise ValueError("profiles: column 'hour' is missing")
    hour = pd.to_numeric(user["hour"], errors="coerce")
    expected = np.arange(HOURS_PER_YEAR)
    if (
        len(user) != HOURS_PER_YEAR
        or hour.isna().any()
        or not np.array_equal(np.sort(hour.to_numpy()), expected)
    ):
        raise ValueError(
            f"profiles: expected {HOURS_PER_YEAR} rows with hour = 0..{HOURS_PER_YEAR - 1} once each"
        )
    ordered = user.iloc[np.argsort(hour.to_numpy(), kind="stable")]
    known = set(regions)
    columns: dict[tuple[str, str], FloatArray] = {}
    for col in ordered.columns:
        if col == "hour":
            continue
        kind, _, region = str(col).partition(".")
        if kind not in PROFILE_KINDS or not region:
            raise ValueError(f"profiles: column {col!r}: expected '<solar|wind|demand>.<region>'")
        if region not in known:
            raise ValueError(f"profiles: column {col!r}: unknown region {region!r}")
        values = pd.to_numeric(ordered[col], errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(values)):
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise ValueError(f"profiles: column {col!r}, hour {row}: expected a number")
        if kind in ("solar", "wind") and (values.min() < 0 or values.max() > 1):
            raise ValueError(f"profiles: column {col!r}: expected values in [0, 1]")
        if kind == "demand":
            if values.min() < 0 or values.mean() <= 0:
                raise ValueError(
                    f"profiles: column {col!r}: expected non-negative values with a positive mean"
                )
            values = values / values.mean()
        columns[(kind, region)] = values
    return columns


def hourly_profiles(scenario: Scenario, seed: int = 0) -> HourlyProfiles:
    """The scenario's hourly solar, wind and demand profiles (synthetic, see module doc),
    with the user's own columns (``scenario.profiles``) replacing synthetic ones: solar and
    wind as given, demand normalised to mean 1."""
    regions_table = scenario.regions
    codes = [str(c) for c in regions_table["region"]]
    needed = ["latitude_deg", "longitude_deg", "timezone", "solar_cf", "wind_cf"]
    missing = [c for c in needed if c not in regions_table.columns]
    if missing:
        raise ValueError(f"regions: missing columns {missing}")
    numeric = regions_table[["latitude_deg", "longitude_deg", "solar_cf", "wind_cf"]].apply(
        pd.to_numeric, errors="coerce"
    )
    if numeric.isna().to_numpy().any():
        row, col = np.argwhere(numeric.isna().to_numpy())[0]
        raise ValueError(
            f"regions: row {row + 1} ({codes[row]}), column {numeric.columns[col]}: expected a number"
        )
    lat = numeric["latitude_deg"].to_numpy(float)
    lon = numeric["longitude_deg"].to_numpy(float)
    year = scenario.settings.weather_year
    index = pd.RangeIndex(HOURS_PER_YEAR, name="hour")
    user = scenario.profiles
    user_columns = _user_columns(user, codes) if user is not None and len(user.columns) > 0 else {}

    def frame(values: FloatArray) -> pd.DataFrame:
        return pd.DataFrame(values, index=index, columns=pd.Index(codes, name="region"))

    frames = {
        "solar": frame(
            solar_profiles(lat, lon, numeric["solar_cf"].to_numpy(float), year, seed=seed, names=codes)
        ),
        "wind": frame(
            wind_profiles(lat, lon, numeric["wind_cf"].to_numpy(float), year, seed=seed, names=codes)
        ),
        "demand": frame(
            demand_profiles(lat, lon, [str(t) for t in regions_table["timezone"]], year, seed=seed)
        ),
    }
    for (kind, region), values in user_columns.items():
        frames[kind][region] = values
    return HourlyProfiles(solar=frames["solar"], wind=frames["wind"], demand=frames["demand"])
