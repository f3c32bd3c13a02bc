"""Benders decomposition by typical day (stateside.model.decomposition).

Hand-solvable optima, bounds that bracket the monolithic solve's optimum, the errors of a
model that cannot be split, and the statuses of a time-limited decomposed solve.
"""

from __future__ import annotations

import math
from pathlib import Path

import linopy
import numpy as np
import pandas as pd
import pytest

import factory as f
from stateside.model.build import build_model
from stateside.model.data import prepare
from stateside.model.decomposition import Benders, DecompositionError, partition
from stateside.model.solve import SolveEvent, decomposes, solve
from stateside.plan import extract_plan
from stateside.scenario.load import load_scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"
GAS = {"technology": "gas", "fuel": "gas", "heat_rate_mmbtu_per_mwh": 7.0}
GAS_COST = {"technology": "gas", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 10.0}


def test_peak_hour_sets_the_build_hand_solved() -> None:
    """One region, gas at 1000 $/kW over 20 years (r = 0: 50 $/kW-yr) and 10 $/MWh; two
    typical days of two 12-hour blocks, demand 1.5 / 0.5 GW on the first and 1 / 1 GW on
    the second (mean 1 GW, 8.76 TWh a year). Lost load costs 10,000 $/MWh, so the peak is
    served: 1.5 GW at 75 $M plus 8.76 TWh at 10 $/MWh = 87.6 $M, 162.6 $M in all. The
    day-averaged master alone sees 1 GW every day: its first bound (50 + 87.6 = 137.6 $M)
    is below the optimum, and the cuts close the gap."""
    sc = f.with_solver(
        f.scenario(f.settings(hours_per_block=12), ["AA"], [GAS], [GAS_COST], {"AA": 8_760_000}),
        decomposition="days",
    )
    typ = f.typical(["AA"], steps=2, days=2, demand=[1.5, 0.5, 1.0, 1.0])
    built = build_model(prepare(sc, typ))
    events: list[SolveEvent] = []
    result = solve(built, sc.settings.solver, progress=events.append)
    assert result.optimal and result.method == "benders"
    assert result.objective_musd == pytest.approx(162.6, rel=1e-6)
    plan = extract_plan(built, result, "test", 0.0)
    assert plan.table("builds").set_index("technology")["new_mw"]["gas"] == pytest.approx(1500.0, rel=1e-6)
    rounds = [e for e in events if e.kind == "progress"]
    assert rounds[0].bound_musd == pytest.approx(137.6, rel=1e-6)  # the averaged days alone
    assert len(rounds) >= 2 and rounds[-1].bound_musd == pytest.approx(162.6, rel=1e-6)
    # the same problem without the decomposition
    off = f.with_solver(sc, decomposition="off")
    mono_built = build_model(prepare(off, typ))
    mono = solve(mono_built, off.settings.solver)
    assert mono.method != "benders" and mono.objective_musd == pytest.approx(162.6, rel=1e-9)
    # prices are the whole LP's (long-run) duals, not the days' short-run ones: the peak
    # block carries the capacity cost (50 $/kW-yr over its 2,190 h: 22.83 $/MWh) on top of
    # the 10 $/MWh running cost, where the day alone may price it anywhere up to the value
    # of lost load; the load-weighted average is (1.5 × 32.83 + 2.5 × 10) / 4 = 18.56
    price = plan.table("prices")["price_usd_per_mwh"].item()
    mono_price = extract_plan(mono_built, mono, "test", 0.0).table("prices")["price_usd_per_mwh"].item()
    assert price == pytest.approx(mono_price, rel=1e-6)
    assert price == pytest.approx((1.5 * (10.0 + 50_000.0 / 2190.0) + 2.5 * 10.0) / 4.0, rel=1e-6)


def test_storage_shifts_energy_across_the_day_as_without_decomposition() -> None:
    """Free solar only in the first 12-hour block, gas at 100 $/MWh, a 12-hour battery with
    81 % round trip: the battery carries the solar into the night, so nothing is burnt and
    the cost is zero (tests/test_model_optima.py solves the same case monolithically). The
    day-averaged master cannot see the storage level within the day; the day's subproblem
    does, and the plan matches."""
    st = f.settings(hours_per_block=12, solver={"method": "simplex", "mip_gap": 0.0, "decomposition": "days"})
    sc = f.solar_battery_scenario(st)
    built = build_model(prepare(sc, f.typical(["AA"], steps=2, solar=[1.0, 0.0])))
    result = solve(built, sc.settings.solver)
    assert result.optimal and result.method == "benders"
    assert result.objective_musd == pytest.approx(0.0, abs=1e-6)
    disp = extract_plan(built, result, "test", 0.0).table("dispatch").set_index("technology")["energy_mwh"]
    assert disp["battery"] == pytest.approx(-(0.5 / 0.81 - 0.5) * 4380 * 1000, rel=1e-6)


def _coupled_model(couple: bool) -> linopy.Model:
    """x (capacity, cost 10) and gen over (period, day, step), demand 1 / 3 / 2 / 2 at the
    four snapshots, gen ≤ x; ``couple`` adds a row summing gen over both days."""
    m = linopy.Model()
    coords = [pd.Index([2026], name="period"), pd.Index([0, 1], name="day"), pd.Index([0, 1], name="step")]
    demand = np.array([[[1.0, 3.0], [2.0, 2.0]]])
    import xarray as xr

    d = xr.DataArray(demand, coords=coords)
    x = m.add_variables(lower=0, name="x")
    g = m.add_variables(lower=0, coords=coords, name="gen")
    m.add_constraints(g - x <= 0, name="limit")
    m.add_constraints(g >= d, name="demand")
    if couple:
        m.add_constraints(g.sum() <= 100, name="annual_energy")
    m.add_objective(10 * x + g.sum())
    return m


def test_a_row_over_two_days_cannot_be_split() -> None:
    with pytest.raises(DecompositionError, match="annual_energy"):
        Benders(_coupled_model(couple=True))


def test_hand_model_bounds_and_cut() -> None:
    """min 10x + Σ gen, gen ≥ demand (1, 3 | 2, 2), gen ≤ x: x = 3, cost 30 + 8 = 38. The
    master's averaged days need x ≥ 2 only (bound 20 + 8 = 28); the first day's cut
    (θ₀ ≥ 4 + 0·(x − 2) … infeasible at x = 2 until the penalised day pushes x up)."""
    m = _coupled_model(couple=False)
    part = partition(m, np.asarray(m.matrices.vlabels), np.asarray(m.matrices.clabels))
    assert part.n_days == 2 and part.n_col_groups == 2 and part.n_row_groups == 4
    bd = Benders(m, threads=1)
    term, lower, best = bd.iterate("lp", 1e-9, math.inf)
    assert term == "optimal" and best is not None
    assert bd.rounds[0].lower == pytest.approx(28.0)
    assert not math.isfinite(bd.rounds[0].upper)  # day 0 infeasible at x = 2: no plan that round
    assert lower == pytest.approx(38.0) and best.objective == pytest.approx(38.0)
    x_col = bd.columns(m.variables["x"]).item()
    assert best.col[x_col] == pytest.approx(3.0)


@pytest.mark.parametrize("mode", ["target", "budget"])
def test_tiny_scenario_decomposed_matches_the_monolithic_solve(mode: str) -> None:
    """The tiny fixture with its integers: the decomposition's bound is below the
    monolithic optimum (exact, mip_gap 0) and its plan within its own proven gap above."""
    sc = f.with_solver(load_scenario(TINY), mip_gap=0.0)
    exact = solve(f.built(sc, mode), sc.settings.solver)
    assert exact.optimal
    dec_sc = f.with_solver(sc, mip_gap=0.01, decomposition="days")
    built = f.built(dec_sc, mode)
    assert decomposes(built.model, dec_sc.settings.solver)
    dec = solve(built, dec_sc.settings.solver)
    assert dec.usable and dec.method == "benders"
    assert dec.lower_bound_musd is not None and dec.mip_gap is not None
    assert dec.lower_bound_musd <= exact.objective_musd + 1e-6 * abs(exact.objective_musd)
    assert dec.objective_musd >= exact.objective_musd - 1e-6 * abs(exact.objective_musd)
    assert dec.objective_musd - dec.lower_bound_musd <= dec.mip_gap * abs(dec.objective_musd) + 1e-6
    # the assembled plan satisfies every row and bound of the whole model
    M = built.model.matrices
    sol = np.full(int(M.vlabels.max()) + 1, np.nan)
    for var in built.model.variables.data.values():
        labels = np.asarray(var.labels.values).ravel()
        keep = labels >= 0
        sol[labels[keep]] = np.asarray(var.solution.values).ravel()[keep]
    z = sol[M.vlabels]
    assert np.isfinite(z).all()
    activity = M.A @ z
    b, sense = np.asarray(M.b), np.asarray(M.sense)
    tol = 1e-6 * (1.0 + np.abs(b))
    assert (activity[sense != "<"] >= b[sense != "<"] - tol[sense != "<"]).all()
    assert (activity[sense != ">"] <= b[sense != ">"] + tol[sense != ">"]).all()
    assert (z >= np.asarray(M.lb) - 1e-7).all() and (z <= np.asarray(M.ub) + 1e-7).all()
    plan = extract_plan(built, dec, "test", 0.0)
    assert len(plan.table("prices")) > 0  # duals from the days' subproblems


def test_time_limited_decomposition_keeps_a_plan_and_says_so() -> None:
    """A limit far below one round: each stage still runs one round, so a plan exists,
    and the result says the limit was reached."""
    sc = f.with_solver(load_scenario(TINY), mip_gap=0.0, decomposition="days", time_limit_s=1e-6)
    result = solve(f.built(sc, "budget"), sc.settings.solver)
    assert result.termination == "time_limit" and result.time_limit_reached
    assert result.usable and result.mip_gap is not None and result.mip_gap > 0


def test_auto_splits_only_large_models() -> None:
    sc = load_scenario(TINY)
    built = f.built(sc)
    assert not decomposes(built.model, sc.settings.solver)  # auto, a few thousand rows
    assert decomposes(built.model, f.with_solver(sc, decomposition="days").settings.solver)
    assert not decomposes(built.model, f.with_solver(sc, decomposition="off").settings.solver)


def test_cli_resolution_sets_the_typical_days_and_rejects_bad_values(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from stateside.cli import app

    runner = CliRunner()
    env = {"STATESIDE_DB_URL": f"sqlite:///{tmp_path / 'runs.db'}", "COLUMNS": "200"}
    ok = runner.invoke(app, ["plan", str(TINY), "--resolution", "2:12", "--json"], env=env)
    assert ok.exit_code == 0, ok.output
    summary = json.loads(ok.stdout)
    assert summary["typical_days"] == 2 and summary["snapshots_per_period"] == 4
    for bad, says in (
        ("24:5", "must divide 24"),
        ("24", "DAYS:HOURS"),
        ("0:1", "greater than or equal to 1"),
    ):
        res = runner.invoke(app, ["plan", str(TINY), "--resolution", bad], env=env)
        assert res.exit_code == 2 and says in " ".join(res.output.split()), res.output


def test_no_whole_lp_basis_is_computed_for_a_decomposed_model() -> None:
    """Sweeps start members from the base's relaxation basis; a decomposed model has none
    (solving the whole LP for it is what the decomposition avoids)."""
    from stateside.model.solve import relaxation_basis

    sc = load_scenario(TINY)
    built = f.built(sc)
    assert relaxation_basis(built, sc.settings.solver) is not None
    assert relaxation_basis(built, f.with_solver(sc, decomposition="days").settings.solver) is None


def test_a_model_that_cannot_be_split_is_solved_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """solve() never raises for a model the decomposition cannot split: it says so in a
    progress event and solves the whole LP within the time left."""
    from stateside.model import decomposition

    def refuse(*_a: object, **_k: object) -> None:
        raise DecompositionError("constraint 'annual_energy' links two typical days")

    monkeypatch.setattr(decomposition, "partition", refuse)
    sc = f.with_solver(load_scenario(TINY), decomposition="days")
    events: list[SolveEvent] = []
    result = solve(f.built(sc), sc.settings.solver, progress=events.append)
    assert result.optimal and result.method != "benders"
    assert any("annual_energy" in e.message for e in events)


def test_ratepayer_counterfactual_is_a_warm_variant_of_the_decomposed_plan() -> None:
    """The counterfactual (modules and fabs at zero, it_unpowered_def lifted, power-only
    penalties) solved on the plan's own decomposition — its HiGHS instances reused, its
    cuts dropped — has the optimum of the staged solve's warm variant; afterwards the
    plan's solution is in the model again."""
    from stateside.impact.ratepayer import counterfactual_from_plan
    from stateside.model.decomposition import DecomposedWarm

    sc = f.with_solver(load_scenario(TINY), mip_gap=0.0)
    mono_built = f.built(sc)
    mono = solve(mono_built, sc.settings.solver)
    got_mono = counterfactual_from_plan(mono_built, mono, sc)
    assert got_mono is not None
    dsc = f.with_solver(sc, decomposition="days", mip_gap=1e-4)
    built = f.built(dsc)
    result = solve(built, dsc.settings.solver)
    assert isinstance(result.warm, DecomposedWarm) and result.warm.available
    modules = built.model.variables["modules"].solution.copy()
    got = counterfactual_from_plan(built, result, dsc)
    assert got is not None
    cf, _ = got
    assert cf.objective_usd == pytest.approx(got_mono[0].objective_usd, rel=1e-4)
    np.testing.assert_array_equal(built.model.variables["modules"].solution.values, modules.values)


class _FailingOnce:
    """A HiGHS instance whose next solve reports a solver error (numerical trouble from a
    warm basis), as the 24-day hourly master did once after many cuts."""

    def __init__(self, h: object) -> None:
        self._h, self.failures = h, 1

    def __getattr__(self, name: str) -> object:
        return getattr(self._h, name)

    def getModelStatus(self) -> object:
        import highspy

        if self.failures:
            self.failures -= 1
            return highspy.HighsModelStatus.kSolveError
        return self._h.getModelStatus()  # type: ignore[attr-defined]


def test_a_master_solve_that_errs_is_solved_again_from_scratch() -> None:
    """The peak-hour case again: the master's first solve reports an error; it is solved
    again from scratch and the rounds end at the same optimum (162.6 $M)."""
    sc = f.with_solver(
        f.scenario(f.settings(hours_per_block=12), ["AA"], [GAS], [GAS_COST], {"AA": 8_760_000}),
        decomposition="days",
    )
    typ = f.typical(["AA"], steps=2, days=2, demand=[1.5, 0.5, 1.0, 1.0])
    bd = Benders(build_model(prepare(sc, typ)).model, threads=1)
    failing = _FailingOnce(bd.master)
    bd.master = failing  # type: ignore[assignment]
    term, lower, best = bd.iterate("lp", 1e-9, math.inf)
    assert failing.failures == 0  # the error was seen
    assert term == "optimal" and best is not None
    assert best.objective == pytest.approx(162.6, rel=1e-6) and lower == pytest.approx(162.6, rel=1e-6)
