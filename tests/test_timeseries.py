"""Time-resolved results: per typical hour dispatch, storage, flows and prices (issue #14, point 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import factory as f
from stateside.model.build import build_model
from stateside.model.data import prepare
from stateside.model.solve import solve
from stateside.plan import Plan, extract_plan, load_plan_dir
from stateside.timeseries import TIME_TABLES, annual_price, read_timeseries

REGIONS = ["AA", "BB"]
TECHS = [
    {"technology": "solar", "kind": "variable", "profile": "solar", "lifetime_years": 30.0},
    {"technology": "gas", "availability": 1.0},
    {
        "technology": "battery",
        "kind": "storage",
        "asset_class": "storage",
        "storage_hours": 4.0,
        "round_trip_efficiency": 0.81,
        "lifetime_years": 15.0,
    },
]
COSTS = [
    {"technology": "solar", "capex_usd_per_kw": 900.0},
    {"technology": "gas", "capex_usd_per_kw": 5_000.0, "variable_om_usd_per_mwh": 60.0},
    {"technology": "battery", "capex_usd_per_kw": 300.0},
]
SOLAR = [0.0, 0.6, 1.0, 0.7, 0.1, 0.0, 0.0, 0.3, 0.5, 0.3, 0.0, 0.0]
DEMAND = [0.8, 0.9, 1.0, 1.1, 1.3, 1.0, 0.8, 0.9, 1.0, 1.1, 1.2, 0.9]


@pytest.fixture(scope="module")
def plan() -> Plan:
    st = f.settings(periods=[{"year": 2030, "length_years": 1}], power_only=True, discount_rate=0.05)
    sc = f.scenario(
        st,
        REGIONS,
        TECHS,
        COSTS,
        {"AA": 2.0e6, "BB": 1.0e6},
        existing=[{"region": "AA", "technology": "gas", "capacity_mw": 400.0}],
        corridors=[
            {
                "corridor": "AA-BB",
                "region_from": "AA",
                "region_to": "BB",
                "existing_mw_forward": 60.0,
                "existing_mw_reverse": 60.0,
            }
        ],
    )
    typ = f.typical(REGIONS, steps=6, days=2, solar=SOLAR, demand=DEMAND, peak_factor=0.0)
    built = build_model(prepare(sc, typ))
    result = solve(built, sc.settings.solver)
    assert result.optimal
    return extract_plan(built, result, "ts", 0.0)


def test_every_time_table_has_snapshot_weights(plan: Plan) -> None:
    for name in TIME_TABLES:
        df = plan.table(name)
        assert len(df), name
        assert {"period", "day", "step", "hour", "weight_hours"} <= set(df.columns)
        # each typical day's blocks start at 0, 4, ..., 20 h; the weights sum to the year
        snaps = df.drop_duplicates(["day", "step"])
        assert len(snaps) == 12
        assert snaps["weight_hours"].sum() == pytest.approx(8760.0)
        assert sorted(snaps["hour"].unique()) == [0, 4, 8, 12, 16, 20]


def test_dispatch_adds_up_to_the_annual_table(plan: Plan) -> None:
    d = plan.table("dispatch_t")
    annual = (d["dispatch_mw"] * d["weight_hours"]).groupby([d["region"], d["technology"]]).sum()
    table = plan.table("dispatch").set_index(["region", "technology"])["energy_mwh"]
    for key, mwh in table.items():
        assert annual[key] == pytest.approx(mwh, rel=1e-9, abs=1e-3)
    # solar at night is zero; the battery charges by day and the state of charge cycles per day
    solar = d[d["technology"] == "solar"]
    assert (solar[solar["hour"] == 0]["dispatch_mw"].abs() < 1e-9).all()
    s = plan.table("storage_t")
    assert s["charge_mw"].max() > 1.0 and s["discharge_mw"].max() > 1.0
    assert s["soc_mwh"].min() >= -1e-9


def test_each_snapshot_balances_and_prices_match_the_annual_ones(plan: Plan) -> None:
    ds = read_timeseries(plan)
    flow = ds.flow_mw.sel(corridor="AA-BB", drop=True)  # AA -> BB
    supply = ds.dispatch_mw.sum("technology")
    net_import = xr.concat([-flow, flow], dim=pd.Index(REGIONS, name="region"))
    balance = supply + net_import - ds.load_mw
    assert float(abs(balance).max()) < 1e-6
    # the annual load-weighted price equals the plan's prices table (no campus load here)
    ap = annual_price(plan.table("prices_t")).set_index(["region", "period"])["price_usd_per_mwh"]
    pt = plan.table("prices").set_index(["region", "period"])["price_usd_per_mwh"]
    assert np.allclose(ap.sort_index().to_numpy(), pt.sort_index().to_numpy(), rtol=1e-9)
    # a binding corridor separates the prices in some hour; flows respect the limit
    assert float(abs(ds.flow_mw).max()) <= 60.0 + 1e-6
    assert float(ds.price_usd_per_mwh.max()) > 0


def test_plan_folder_writes_parquet_and_reads_back_as_one_dataset(plan: Plan, tmp_path: Path) -> None:
    out = plan.to_dir(tmp_path / "out", fmt="csv")
    for name in TIME_TABLES:
        assert (out / f"{name}.parquet").is_file()
        assert not (out / f"{name}.csv").exists()
    ds = read_timeseries(out)
    assert set(ds.dims) >= {"region", "technology", "corridor", "period", "day", "step"}
    assert ds.weight_hours.sum().item() == pytest.approx(8760.0)
    assert ds.price_usd_per_mwh.attrs["units"] == "USD/MWh"
    back = load_plan_dir(out)
    pd.testing.assert_frame_equal(back.table("prices_t"), plan.table("prices_t"))


def test_a_folder_without_time_tables_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="plan again"):
        read_timeseries(tmp_path)


def test_the_cli_summary_shows_prices_and_never_minus_zero(plan: Plan) -> None:
    from rich.console import Console

    from stateside.cli.plan import _money, summary_tables

    console = Console(width=80, record=True)
    for t in summary_tables(plan):
        console.print(t)
    text = console.export_text()
    assert "Wholesale prices" in text and "all states" in text
    w = plan.table("prices_t")
    national = float((w["price_usd_per_mwh"] * w["load_mw"] * w["weight_hours"]).sum()) / float(
        (w["load_mw"] * w["weight_hours"]).sum()
    )
    assert f"{national:,.2f}" in text
    assert _money(-1e-7) == "0.00" and _money(-2.5e9) == "-2.50"
