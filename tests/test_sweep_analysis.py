"""Percentiles, the tornado and plan metrics on synthetic results with known answers."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from plotly.offline import get_plotlyjs

from stateside.plan import Plan
from stateside.sweep.analysis import (
    grid_percentiles,
    metrics_of,
    percentile_table,
    results_from,
    sweep_percentiles,
    sweep_tornado,
    tornado,
)
from stateside.sweep.report import render_sweep_html, sweep_figures, sweep_section_html
from stateside.sweep.spec import parse_spec
from stateside.sweep.store import MemberRecord, SweepInfo


def test_percentiles_of_one_to_eleven() -> None:
    metrics = pd.DataFrame({"x": np.arange(1.0, 12.0)})
    t = percentile_table(metrics).iloc[0]
    # linear interpolation between order statistics: position q/100 * (n - 1) = 1, 5, 9
    assert (t.p10, t.p50, t.p90, t["mean"], t.n) == (2.0, 6.0, 10.0, 6.0, 11)


def test_percentiles_follow_a_linear_cost() -> None:
    rng = np.random.default_rng(0)
    m = rng.triangular(0.8, 1.0, 1.5, size=101)
    # cost = 2 bn + 3 bn x m: an increasing linear map commutes with every percentile
    metrics = pd.DataFrame({"m": m, "cost_usd": 2e9 + 3e9 * m, "saving_usd": -1e9 * m})
    t = percentile_table(metrics).set_index("metric")
    for q in (10, 50, 90):
        assert t.at["cost_usd", f"p{q}"] == pytest.approx(2e9 + 3e9 * t.at["m", f"p{q}"], rel=1e-12)
    # a decreasing map swaps P10 and P90
    assert t.at["saving_usd", "p10"] == pytest.approx(-1e9 * t.at["m", "p90"], rel=1e-12)
    # 101 draws: P50 is the 51st smallest draw exactly
    assert t.at["m", "p50"] == np.sort(m)[50]


def test_percentiles_by_group_and_missing_values() -> None:
    metrics = pd.DataFrame({"x": [1.0, 2.0, 3.0, 10.0, 20.0, math.nan]})
    groups = pd.Series([0, 0, 0, 1, 1, 1], name="grid_point")
    t = percentile_table(metrics, groups=groups).set_index("grid_point")
    assert t.loc[0, "p50"] == 2.0 and t.loc[0, "n"] == 3
    assert t.loc[1, "p50"] == 15.0 and t.loc[1, "n"] == 2  # the NaN is left out
    assert t.loc[1, "p10"] == pytest.approx(11.0)


def test_tornado_ranks_by_swing() -> None:
    t = tornado(
        100.0,
        low={"a": (0.8, 90.0), "b": (0.5, 105.0), "c": (1, 100.0), "d": (-1, 120.0)},
        high={"a": (1.2, 130.0), "b": (2.0, 95.0), "c": (2, 100.0), "d": (1, 120.0)},
    )
    assert list(t["parameter"]) == ["a", "d", "b", "c"]
    assert list(t["swing"]) == [40.0, 20.0, 10.0, 0.0]  # d does not cross the base: 120 - 100
    assert list(t["rank"]) == [1, 2, 3, 4]
    a = t.iloc[0]
    assert (a.effect_low, a.effect_high, a.metric_base) == (-10.0, 30.0, 100.0)
    assert t.iloc[2].effect_high == -5.0  # b lowers the metric at its high value


def test_tornado_of_a_parameter_that_scales_cost_linearly() -> None:
    # cost = 5 bn x m: base m = 1, low 0.8, high 1.4 -> swing 5 bn x 0.6
    t = tornado(5e9, low={"m": (0.8, 4e9)}, high={"m": (1.4, 7e9)})
    assert t.iloc[0].swing == pytest.approx(3e9)
    assert t.iloc[0].effect_low == pytest.approx(-1e9)


def _plan(objective: float, capex: dict[tuple[str, int], float], online: dict[int, float]) -> Plan:
    rows = [
        {
            "asset_class": c,
            "period": p,
            "capex_usd": v,
            "debt_usd": 0.5 * v,
            "grants_usd": 0.0,
            "equity_usd": 0.5 * v,
        }
        for (c, p), v in capex.items()
    ]
    it = pd.DataFrame(
        {"period": list(online), "target_mw": [500.0] * len(online), "online_mw": list(online.values())}
    )
    it["short_mw"] = (it["target_mw"] - it["online_mw"]).clip(lower=0)
    return Plan(
        scenario_name="s",
        mode="target",
        status="ok",
        termination="optimal",
        objective_usd=objective,
        mip_gap=0.0,
        build_seconds=0.0,
        solve_seconds=0.0,
        tables={
            "equity_need": pd.DataFrame(rows),
            "it_capacity": it,
            "unserved": pd.DataFrame({"region": ["TX"], "period": [2030], "unserved_mwh": [12.5]}),
            "violations": pd.DataFrame(
                {"kind": ["it_target"], "period": [2028], "where": ["-"], "amount": [100.0], "unit": ["MW"]}
            ),
        },
    )


def test_metrics_of_a_plan_are_hand_summed() -> None:
    plan = _plan(
        7e9,
        {("datacenter", 2028): 2e9, ("fab", 2030): 3e9, ("datacenter", 2030): 1e9},
        {2028: 400.0, 2030: 600.0},
    )
    m = metrics_of(plan)
    assert m["objective_usd"] == 7e9
    assert m["capex_usd"] == 6e9 and m["capex_usd.datacenter"] == 3e9 and m["capex_usd.fab"] == 3e9
    assert m["equity_usd"] == 3e9 and m["equity_usd.2028"] == 1e9 and m["equity_usd.2030"] == 2e9
    assert m["it_mw_online.2028"] == 400.0 and m["it_short_mw.2028"] == 100.0 and m["it_short_mw.2030"] == 0.0
    assert m["unserved_mwh"] == 12.5 and m["violations"] == 1.0


SPEC = parse_spec(
    """
name: synthetic
samples: 11
parameters:
  - {name: region, target: campuses.capex_usd_per_kw_it, values: [1.0, 2.0]}
  - {name: m, target: fabs.capex_usd, distribution: {kind: uniform, low: 0.5, high: 1.5}}
tornado: {metric: cost_usd}
"""
)


def _synthetic() -> object:
    """Cost = region x m bn with m = 1, 2, …, 11 at each of two grid points; a tornado on m."""
    members = []
    idx = 0
    for g, region in enumerate((1.0, 2.0)):
        for d in range(11):
            m = float(d + 1)
            members.append(
                MemberRecord(
                    idx, "monte_carlo", "", g, d, f"h{idx}", "ok", "optimal", f"r{idx}", False,
                    {"region": region, "m": m}, {"cost_usd": region * m * 1e9, "it_mw_online.2030": 100.0 * d},
                )
            )  # fmt: skip
            idx += 1
    for role, vals, cost in (("base", {}, 6e9), ("m:low", {"m": 2.0}, 2e9), ("m:high", {"m": 10.0}, 10e9)):
        members.append(
            MemberRecord(
                idx,
                "tornado",
                role,
                None,
                None,
                f"h{idx}",
                "ok",
                "optimal",
                None,
                False,
                vals,
                {"cost_usd": cost},
            )
        )
        idx += 1
    members.append(
        MemberRecord(
            idx,
            "tornado",
            "region:low",
            None,
            None,
            "x",
            "error",
            "",
            None,
            False,
            {"region": 1.0},
            {},
            "boom",
        )
    )
    info = SweepInfo(
        id="f" * 32, created_at=datetime.now(UTC), name="synthetic", scenario_name="s", scenario_hash="h",
        mode="target", n_members=len(members) + 1, code_version="0", source=None, spec=SPEC, spec_yaml="",
        n_done=len(members) - 1, n_failed=1,
    )  # fmt: skip
    return results_from(info, members)


def test_stored_results_give_known_percentiles_per_grid_point_and_overall() -> None:
    r = _synthetic()
    overall = sweep_percentiles(r, ["cost_usd"]).iloc[0]  # type: ignore[arg-type]
    # 22 values: 1..11 and 2..22 (bn); P50 of the pooled set is the mean of the 11th and 12th smallest
    pooled = np.sort(np.r_[np.arange(1, 12), 2 * np.arange(1, 12)]) * 1e9
    assert overall.n == 22 and overall.p50 == pytest.approx((pooled[10] + pooled[11]) / 2)
    grid = grid_percentiles(r, ["cost_usd"]).set_index("grid_point")  # type: ignore[arg-type]
    assert (
        list(grid["p10"]) == [2e9, 4e9]
        and list(grid["p50"]) == [6e9, 12e9]
        and list(grid["p90"]) == [10e9, 20e9]
    )
    assert list(grid["grid"]) == ["region=1", "region=2"]


def test_stored_results_give_the_tornado_and_skip_failed_members() -> None:
    r = _synthetic()
    t = sweep_tornado(r)  # type: ignore[arg-type]
    assert list(t["parameter"]) == ["m"]  # region's only run failed
    row = t.iloc[0]
    assert (row.low_value, row.high_value, row.metric_base, row.swing) == (2.0, 10.0, 6e9, 8e9)
    assert sweep_tornado(r, "no_such_metric").empty  # type: ignore[arg-type]


def test_report_fragment_and_page_have_tables_and_figures() -> None:
    r = _synthetic()
    figs = sweep_figures(r)  # type: ignore[arg-type]
    assert {"it_mw", "grid", "tornado"} <= set(figs)
    section = sweep_section_html(r)  # type: ignore[arg-type]
    assert section.startswith('<section class="block" id="sweep">')
    assert "Tornado on cost_usd (USD bn)" in section and "plotly" in section.lower()
    assert section.count("Plotly.newPlot") == len(figs)
    library = get_plotlyjs()
    assert library[:200] not in section  # the embedding page loads Plotly once
    page = render_sweep_html(r)  # type: ignore[arg-type]
    assert page.startswith("<!DOCTYPE html>") and library[:200] in page and section[:40] in page
