"""Hourly profiles (pvlib solar, synthetic wind and demand) and typical-day reduction."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from pvlib import solarposition

from stateside.scenario.load import load_default
from stateside.scenario.profiles import (
    CLOCK_TZ,
    HOURS_PER_YEAR,
    HourlyProfiles,
    clock_index,
    fleet_power_curve,
    hourly_profiles,
    scale_to_mean,
    sun_position,
)
from stateside.scenario.settings import Settings
from stateside.scenario.types import TABLE_NAMES, Scenario
from stateside.scenario.typical import typical_periods

# A handful of states with their representative points (approximate geographic centres) and
# capacity factors of the order of NREL ATB class values; the numbers only need to be plausible.
REGIONS = pd.DataFrame(
    [
        ("TX", "Texas", "ERCOT", "ercot", 31.0, -99.0, "America/Chicago", 31_290_831, 0.25, 0.38),
        ("CA", "California", "CAISO", "western", 36.8, -119.4, "America/Los_Angeles", 39_431_263, 0.27, 0.30),
        ("NY", "New York", "NYISO", "eastern", 42.9, -75.5, "America/New_York", 19_867_248, 0.17, 0.28),
        ("AK", "Alaska", "AK", "alaska", 61.4, -150.0, "America/Anchorage", 740_133, 0.10, 0.25),
        ("HI", "Hawaii", "HI", "hawaii", 21.3, -157.8, "Pacific/Honolulu", 1_446_146, 0.21, 0.35),
        ("AZ", "Arizona", "WestConnect", "western", 34.2, -111.7, "America/Phoenix", 7_582_384, 0.30, 0.0),
    ],
    columns=[
        "region",
        "name",
        "iso_group",
        "interconnect",
        "latitude_deg",
        "longitude_deg",
        "timezone",
        "population",
        "solar_cf",
        "wind_cf",
    ],
).assign(retail_price_usd_per_mwh=np.nan, gas_price_usd_per_mmbtu=3.0, datacenter_share_pct=np.nan)


def make_scenario(regions: pd.DataFrame = REGIONS, profiles: pd.DataFrame | None = None) -> Scenario:
    settings = Settings.model_validate(
        {
            "name": "profiles-test",
            "base_dollar_year": 2024,
            "start_year": 2026,
            "periods": [{"year": 2026, "length_years": 2}],
            "discount_rate": 0.05,
            "reserve_margin": 0.15,
            "weather_year": 2019,
            "chips": {"accelerators_per_mw_it": 1000, "import_limit_per_year": 1e6},
            "finance": {
                "debt_share": {k: 0.5 for k in ("datacenter", "generation", "storage", "transmission", "fab")}
            },
        }
    )
    tables = {name: pd.DataFrame() for name in TABLE_NAMES}
    tables["regions"] = regions.reset_index(drop=True)
    return Scenario(settings=settings, tables=tables, profiles=profiles)


@pytest.fixture(scope="module")
def profiles() -> HourlyProfiles:
    return hourly_profiles(make_scenario())


def hour_of(month: int, day: int, hour: int, year: int = 2019) -> int:
    """Row of the profiles for a time on the common clock (UTC−6)."""
    t = pd.Timestamp(year=year, month=month, day=day, hour=hour, tz=CLOCK_TZ)
    return int((t - clock_index(year)[0]) / pd.Timedelta(hours=1))


# ---------------------------------------------------------------- hourly profiles


def test_shapes_and_clock(profiles: HourlyProfiles) -> None:
    for frame in (profiles.solar, profiles.wind, profiles.demand):
        assert frame.shape == (HOURS_PER_YEAR, 6)
        assert list(frame.columns) == ["TX", "CA", "NY", "AK", "HI", "AZ"]
    index = clock_index(2019)
    assert index[0] == pd.Timestamp("2019-01-01 06:00", tz="UTC")
    assert index[-1] == pd.Timestamp("2019-12-31 23:00", tz=CLOCK_TZ)
    # a leap weather year keeps its first 8760 hours
    assert clock_index(2020)[-1] == pd.Timestamp("2020-12-30 23:00", tz=CLOCK_TZ)


def test_capacity_factors_are_met_within_bounds(profiles: HourlyProfiles) -> None:
    regions = REGIONS.set_index("region")
    np.testing.assert_allclose(profiles.solar.mean(), regions["solar_cf"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(profiles.wind.mean(), regions["wind_cf"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(profiles.demand.mean(), 1.0, rtol=0, atol=1e-12)
    for frame in (profiles.solar, profiles.wind):
        assert frame.to_numpy().min() >= 0.0
        assert frame.to_numpy().max() <= 1.0
    assert (profiles.wind["AZ"] == 0).all()  # wind_cf 0: no wind at all
    assert (profiles.demand.to_numpy() > 0).all()


def test_solar_follows_the_sun(profiles: HourlyProfiles) -> None:
    # Texas (lon -99, on the UTC-6 clock): midnight dark, noon bright on 21 June
    assert profiles.solar.loc[hour_of(6, 21, 0), "TX"] == 0.0
    assert profiles.solar.loc[hour_of(6, 21, 12), "TX"] > 0.3
    # Hawaii is UTC-10: local noon is 16:00 on the clock, local midnight 04:00
    assert profiles.solar.loc[hour_of(6, 21, 16), "HI"] > 0.3
    assert profiles.solar.loc[hour_of(6, 21, 4), "HI"] == 0.0
    # New York is UTC-5: at 18:00 on the clock (19:00 EST = 20:00 EDT) in June the sun is
    # still up, in December (19:00 EST) it has long set
    assert profiles.solar.loc[hour_of(6, 21, 18), "NY"] > 0.0
    assert profiles.solar.loc[hour_of(12, 21, 18), "NY"] == 0.0


def test_solar_is_zero_exactly_when_the_sun_is_down(profiles: HourlyProfiles) -> None:
    """Compare with pvlib's full NREL SPA at the middle of each hour."""
    times = clock_index(2019) + pd.Timedelta(minutes=30)
    for region in ("TX", "AK", "HI"):
        row = REGIONS.set_index("region").loc[region]
        spa = solarposition.get_solarposition(
            times, row["latitude_deg"], row["longitude_deg"], method="nrel_numpy"
        )
        elevation = spa["elevation"].to_numpy()
        solar = profiles.solar[region].to_numpy()
        assert (solar[elevation < -1.0] == 0).all()  # below the horizon: nothing
        assert (solar[elevation > 3.0] > 0).all()  # clearly above it: something


def test_sun_position_at_solstice_noon() -> None:
    # Zenith at solar noon on the June solstice is latitude - 23.44 degrees: 31 - 23.44 = 7.56
    # for Texas. Solar noon at lon -99 is about 12:37 on the UTC-6 clock; the 12:30 sample is
    # 1.75 degrees of hour angle away, which lifts the zenith by about 0.2 degrees.
    times = pd.date_range("2019-06-21 12:30", periods=1, freq="h", tz=CLOCK_TZ)
    zenith, _ = sun_position(times, np.array([31.0]), np.array([-99.0]))
    assert abs(zenith[0, 0] - 7.56) < 0.6
    # December solstice: zenith 31 + 23.44 = 54.44, the sun due south (azimuth 180) within
    # the 7 minutes (about 2 degrees of azimuth at this elevation) to solar noon
    times = pd.date_range("2019-12-21 12:30", periods=1, freq="h", tz=CLOCK_TZ)
    zenith, azimuth = sun_position(times, np.array([31.0]), np.array([-99.0]))
    assert abs(zenith[0, 0] - 54.44) < 0.6
    assert abs(azimuth[0, 0] - 180.0) < 4.0
    # at the equinox at the equator the noon sun is nearly overhead
    times = pd.date_range("2019-03-20 12:00", periods=1, freq="h", tz="UTC")
    zenith, _ = sun_position(times, np.array([0.0]), np.array([0.0]))
    assert zenith[0, 0] < 2.5


def test_solar_seasons(profiles: HourlyProfiles) -> None:
    month = pd.Series(clock_index(2019).month, index=profiles.solar.index)
    by_month = profiles.solar.groupby(month).mean()
    assert by_month.loc[6, "AK"] > 5 * by_month.loc[12, "AK"]  # Alaskan winter is dark
    assert by_month.loc[6, "TX"] > by_month.loc[12, "TX"]
    # day-to-day cloudiness: daily energy varies even within one month
    daily = profiles.solar["TX"].to_numpy().reshape(365, 24).sum(axis=1)
    july = daily[181:212]
    assert july.std() / july.mean() > 0.05


def test_demand_shapes(profiles: HourlyProfiles) -> None:
    index = clock_index(2019)
    month = pd.Series(index.month, index=profiles.demand.index)
    by_month = profiles.demand.groupby(month).mean()
    assert by_month.loc[1, "AK"] > by_month.loc[7, "AK"]  # heating
    assert by_month.loc[7, "TX"] > by_month.loc[1, "TX"]  # cooling
    assert by_month.loc[7, "AZ"] > by_month.loc[3, "AZ"]
    # weekends lower than weekdays (Texas local weekday)
    local = index.tz_convert("America/Chicago")
    weekend = local.dayofweek >= 5
    assert profiles.demand["TX"][weekend].mean() < profiles.demand["TX"][~weekend].mean()
    # evening (18:00-20:00 local) above the small hours (02:00-04:00)
    hours = local.hour
    assert (
        profiles.demand["TX"][(hours >= 18) & (hours <= 20)].mean()
        > 1.2 * profiles.demand["TX"][(hours >= 2) & (hours <= 4)].mean()
    )
    assert (profiles.demand.max() > 1.2).all()


def test_wind_is_autocorrelated(profiles: HourlyProfiles) -> None:
    wind = profiles.wind["TX"].to_numpy()
    assert np.corrcoef(wind[:-1], wind[1:])[0, 1] > 0.85
    # a fleet: some hours near full output, not most, and never exactly nothing
    assert 0.0 < (wind >= 0.9).mean() < 0.4
    assert wind.min() > 0.0


def test_fleet_power_curve_is_the_smoothed_turbine_curve() -> None:
    speed = np.linspace(0.0, 80.0, 16_001)
    curve = fleet_power_curve(speed)
    assert np.all(np.diff(curve) >= 0.0)  # non-decreasing in speed
    assert 0.0 < curve[0] < 0.01 and curve[-1] == pytest.approx(1.0, abs=5e-4)
    assert curve.min() >= 0.0 and curve.max() <= 1.0
    # the turbine curve (zero below 3 m/s, cubic to 1 at 12 m/s) convolved with a Gaussian
    # of standard deviation 2.5 + 0.2·v, by independent quadrature
    z = np.linspace(-8.0, 8.0, 20_001)
    pdf = np.exp(-0.5 * z**2)
    for v in (0.0, 2.0, 4.0, 8.0, 12.0, 20.0):
        u = np.maximum(v + (2.5 + 0.2 * v) * z, 0.0)
        turbine = np.clip((u**3 - 27.0) / (12.0**3 - 27.0), 0.0, 1.0)
        assert float(fleet_power_curve(np.array(v))) == pytest.approx(
            (turbine * pdf).sum() / pdf.sum(), abs=2e-4
        )


def test_fleet_curve_removes_the_long_calms() -> None:
    """The default's Texas wind with one turbine's curve (2026-12-04, docs/profiles.md): 1,179
    hours below 1 % CF, a longest run below 2 % of 86 h, 32 days averaging under 2 %. With
    the fleet curve: 2 h, 12 h and none (thresholds leave room for coefficient changes)."""
    scenario = load_default()
    wind = hourly_profiles(scenario).wind
    expected = scenario.regions.set_index("region").loc[wind.columns, "wind_cf"]
    np.testing.assert_allclose(wind.mean(), expected, rtol=0, atol=1e-9)
    tx = wind["TX"].to_numpy()
    below = np.concatenate([[0], (tx < 0.02).astype(int), [0]])
    runs = np.flatnonzero(np.diff(below) == -1) - np.flatnonzero(np.diff(below) == 1)
    assert (tx < 0.01).sum() <= 50
    assert runs.max(initial=0) <= 24
    assert (tx.reshape(365, 24).mean(axis=1) < 0.02).sum() == 0


def test_unreachable_wind_cf_names_the_region() -> None:
    regions = REGIONS.copy()
    regions.loc[regions["region"] == "NY", "wind_cf"] = 0.9999  # above the curve's top (0.9997)
    with pytest.raises(ValueError, match=r"wind_cf too high.*NY"):
        hourly_profiles(make_scenario(regions))


def test_profiles_are_deterministic_and_local(profiles: HourlyProfiles) -> None:
    again = hourly_profiles(make_scenario())
    pd.testing.assert_frame_equal(again.wind, profiles.wind)
    # a region's profiles do not depend on which other regions are in the scenario
    fewer = hourly_profiles(make_scenario(REGIONS[REGIONS["region"].isin(["TX", "NY"])]))
    for kind in ("solar", "wind", "demand"):
        pd.testing.assert_frame_equal(fewer.frame(kind), profiles.frame(kind)[["TX", "NY"]])
    other_seed = hourly_profiles(make_scenario(), seed=1)
    assert not np.allclose(other_seed.wind["TX"], profiles.wind["TX"])


def test_user_profiles_replace_synthetic_columns(profiles: HourlyProfiles) -> None:
    hour = np.arange(HOURS_PER_YEAR)
    user = pd.DataFrame(
        {
            "hour": hour[::-1],  # any row order
            "solar.TX": np.where(hour[::-1] % 24 == 12, 0.9, 0.0),
            "demand.NY": 500.0 + (hour[::-1] % 2) * 100.0,  # MW: 500/600 alternating
        }
    )
    got = hourly_profiles(make_scenario(profiles=user))
    expected_solar = np.where(hour % 24 == 12, 0.9, 0.0)
    np.testing.assert_array_equal(got.solar["TX"].to_numpy(), expected_solar)  # as given, not rescaled
    assert got.solar["TX"].mean() == pytest.approx(0.9 / 24)
    np.testing.assert_allclose(got.demand["NY"].to_numpy()[:2], [500 / 550, 600 / 550])
    assert got.demand["NY"].mean() == pytest.approx(1.0)
    pd.testing.assert_series_equal(got.wind["TX"], profiles.wind["TX"])
    pd.testing.assert_series_equal(got.solar["CA"], profiles.solar["CA"])


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"solar.ZZ": 0.1}, "unknown region 'ZZ'"),
        ({"hydro.TX": 0.1}, "expected '<solar|wind|demand>.<region>'"),
        ({"wind.TX": 1.5}, "expected values in [0, 1]"),
    ],
)
def test_bad_user_profiles_are_named(columns: dict[str, float], message: str) -> None:
    user = pd.DataFrame({"hour": np.arange(HOURS_PER_YEAR), **columns})
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("|", r"\|")):
        hourly_profiles(make_scenario(profiles=user))
    with pytest.raises(ValueError, match="8760 rows"):
        hourly_profiles(make_scenario(profiles=user.iloc[:100]))


def test_unreachable_solar_cf_names_the_region() -> None:
    regions = REGIONS.copy()
    regions.loc[regions["region"] == "NY", "solar_cf"] = 0.8  # more than the daylight share
    with pytest.raises(ValueError, match="NY"):
        hourly_profiles(make_scenario(regions))


def test_scale_to_mean_by_hand() -> None:
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    # no bound: multiply by 0.5 / 1.5
    np.testing.assert_allclose(scale_to_mean(x, np.array([0.5]), upper=None)[:, 0], [0, 1 / 3, 2 / 3, 1])
    # bound 1, mean 0.6: s·(1 + 2) + 1 = 2.4 with the top step clipped -> s = 0.7/1.5... solve:
    # values min(1, s·x): s=0.7 gives 0, 0.7, 1, 1 (mean 0.675); s=0.4 gives 0, .4, .8, 1 (0.55)
    y = scale_to_mean(x, np.array([0.6]), upper=1.0)[:, 0]
    # top clipped, s·1 + s·2 = 2.4 - 1 -> s = 1.4/3
    np.testing.assert_allclose(y, [0, 1.4 / 3, 2.8 / 3, 1.0], atol=1e-12)
    # weights count
    y = scale_to_mean(x, np.array([0.5]), weights=np.array([1.0, 1.0, 1.0, 5.0]), upper=1.0)[:, 0]
    assert (y * [1, 1, 1, 5]).sum() / 8 == pytest.approx(0.5, abs=1e-12)
    with pytest.raises(ValueError, match=r"at most 0\.75"):
        scale_to_mean(x, np.array([0.8]), upper=1.0)


def test_fifty_one_regions_are_fast() -> None:
    rng = np.random.default_rng(0)
    many = pd.concat([REGIONS] * 9, ignore_index=True).iloc[:51].copy()
    many["region"] = [f"R{i:02d}" for i in range(51)]
    many["latitude_deg"] = rng.uniform(25, 49, 51)
    many["longitude_deg"] = rng.uniform(-124, -67, 51)
    many["wind_cf"] = rng.uniform(0.2, 0.45, 51)
    start = time.perf_counter()
    result = hourly_profiles(make_scenario(many))
    elapsed = time.perf_counter() - start
    assert result.solar.shape == (HOURS_PER_YEAR, 51)
    np.testing.assert_allclose(result.wind.mean(), many["wind_cf"], atol=1e-9)
    assert elapsed < 10.0  # about 1 s on one core; generous for a shared machine


# ---------------------------------------------------------------- typical days


@pytest.mark.parametrize(("n_days", "block_hours"), [(4, 4), (12, 1), (8, 3), (1, 24), (2, 6)])
def test_typical_days_keep_annual_energy(profiles: HourlyProfiles, n_days: int, block_hours: int) -> None:
    tp = typical_periods(profiles, n_days, block_hours)
    steps = 24 // block_hours
    assert tp.solar.dims == ("region", "snapshot")
    assert tp.solar.sizes == {"region": 6, "snapshot": n_days * steps}
    assert list(tp.solar["snapshot"].values) == list(range(n_days * steps))
    assert float(tp.weight_hours.sum()) == pytest.approx(8760.0, abs=1e-9)
    assert (tp.weight_hours > 0).all()
    assert tp.block_hours == block_hours
    # weights are whole days x block hours, constant within a day
    per_day = tp.weight_hours.values.reshape(n_days, steps)
    assert (per_day == per_day[:, :1]).all()
    days = per_day[:, 0] / block_hours
    assert days.sum() == 365 and np.array_equal(days, np.round(days))
    assert list(tp.day.values) == [d for d in range(n_days) for _ in range(steps)]
    for kind in ("solar", "wind", "demand"):
        typical = (tp.__getattribute__(kind) * tp.weight_hours).sum("snapshot").to_series()
        hourly = profiles.frame(kind).sum()
        np.testing.assert_allclose(typical[hourly.index], hourly, rtol=0.01)
        np.testing.assert_allclose(typical[hourly.index], hourly, rtol=1e-9, atol=1e-9)
    for kind in ("solar", "wind"):
        values = tp.__getattribute__(kind).values
        assert values.min() >= 0 and values.max() <= 1
    assert float((tp.demand * tp.weight_hours).sum("snapshot").mean() / 8760) == pytest.approx(1.0)
    # days are in calendar order of their medoid; each calendar day maps to one typical day
    assert tp.medoid_day is not None and tp.day_of_year is not None
    assert list(tp.medoid_day) == sorted(tp.medoid_day)
    assert np.array_equal(np.bincount(tp.day_of_year, minlength=n_days), days)
    assert tp.hour_of_day is not None and list(tp.hour_of_day.values[:steps]) == list(
        range(0, 24, block_hours)
    )


def test_full_year_is_reproduced_exactly(profiles: HourlyProfiles) -> None:
    tp = typical_periods(profiles, 365, 1)
    assert (tp.weight_hours == 1).all()
    for kind in ("solar", "wind", "demand"):
        np.testing.assert_array_equal(tp.__getattribute__(kind).values.T, profiles.frame(kind).to_numpy())
    assert list(tp.medoid_day) == list(range(365))


def test_daily_blocks_average_hours(profiles: HourlyProfiles) -> None:
    tp = typical_periods(profiles, 365, 6)
    first_block = profiles.demand["TX"].iloc[0:6].mean()
    assert float(tp.demand.sel(region="TX", snapshot=0)) == pytest.approx(first_block, rel=1e-12)
    assert float(tp.weight_hours[0]) == 6.0


def test_peak_demand_factor(profiles: HourlyProfiles) -> None:
    tp = typical_periods(profiles, 4, 4)
    assert (tp.peak_demand_factor >= 1).all()
    pd.testing.assert_series_equal(
        tp.peak_demand_factor, profiles.demand.max().rename("peak_demand_factor"), check_names=False
    )
    # averaging 4-hour blocks of a few days cannot exceed the hourly peak
    assert (tp.demand.max("snapshot").to_series() <= tp.peak_demand_factor + 1e-9).all()


def test_typical_arguments_are_checked(profiles: HourlyProfiles) -> None:
    with pytest.raises(ValueError, match="must divide 24"):
        typical_periods(profiles, 4, 5)
    with pytest.raises(ValueError, match="between 1 and 365"):
        typical_periods(profiles, 0, 4)
