"""Honest solve statuses, progress events and Ctrl-C (stateside.model.solve, plan exit codes).

The tiny fixture in budget mode has a fractional relaxation whose rounded plan misses the
2 % gap, so branch and bound runs; the tests below stop it at a time limit, interrupt it
or watch its events, on a problem that solves in well under a second.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import highspy
import pytest
from typer.testing import CliRunner

import factory as f
from stateside.cli import app
from stateside.cli import plan as cli_plan
from stateside.model import solve as solve_mod
from stateside.model.solve import SOLVE_STAGES, SolveEvent, solve
from stateside.run import run_plan
from stateside.scenario.load import load_scenario
from stateside.scenario.types import Scenario

TINY = Path(__file__).parent / "fixtures" / "tiny"


def _tiny(mip_gap: float = 0.0) -> Scenario:
    return f.with_solver(load_scenario(TINY), mip_gap=mip_gap)


@pytest.fixture
def branch_and_bound_gets_no_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Branch and bound is left (almost) no time: the whole limit is the final LP's reserve."""
    monkeypatch.setattr(solve_mod, "FINAL_LP_RESERVE_S", 1e9)
    monkeypatch.setattr(solve_mod, "MIN_RUN_S", 1e-6)
    yield


def test_events_name_every_stage_in_order() -> None:
    events: list[SolveEvent] = []
    sc = _tiny()
    result = solve(f.built(sc, "budget"), sc.settings.solver, progress=events.append)
    assert result.optimal and result.method == "branch-and-bound"
    starts = [e.stage for e in events if e.kind == "start"]
    assert starts[0] == "relaxation"
    assert {"rounding", "fixed_lp", "branch_and_bound"} <= set(starts)
    assert [s for s in SOLVE_STAGES if s in starts] == list(
        dict.fromkeys(s for s in starts if s in SOLVE_STAGES)
    )
    ends = {e.stage: e for e in events if e.kind == "end"}
    assert ends["relaxation"].bound_musd == pytest.approx(result.lower_bound_musd, rel=1e-6) or (
        ends["relaxation"].bound_musd is not None
        and result.lower_bound_musd is not None
        and ends["relaxation"].bound_musd <= result.lower_bound_musd + 1e-6
    )
    assert ends["fixed_lp"].objective_musd is not None and ends["fixed_lp"].gap is not None
    assert events[-1].stage == "done" and events[-1].message == "optimal"
    elapsed = [e.elapsed_s for e in events]
    assert elapsed == sorted(elapsed)
    assert set(result.stage_seconds) >= {"relaxation", "rounding", "fixed_lp", "branch_and_bound"}


def test_time_limited_solve_keeps_the_best_plan_with_its_gap(branch_and_bound_gets_no_time: None) -> None:
    sc = _tiny()
    result = solve(f.built(sc, "budget"), sc.settings.solver)
    assert result.termination == "time_limit" and result.time_limit_reached
    assert result.usable and result.duals and result.method == "branch-and-bound"
    assert result.mip_gap is not None and result.mip_gap > sc.settings.solver.mip_gap
    assert result.lower_bound_musd is not None
    assert result.objective_musd >= result.lower_bound_musd - 1e-6 * abs(result.lower_bound_musd)


def test_no_plan_when_the_limit_comes_before_the_first_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every HiGHS run gets no time: the relaxation stops, there is no plan, and it says so."""
    sc = _tiny()
    solver = sc.settings.solver.model_copy(update={"time_limit_s": 1e-9})
    monkeypatch.setattr(solve_mod, "MIN_RUN_S", 1e-9)
    result = solve(f.built(sc, "budget"), solver)
    assert result.termination == "time_limit" and result.time_limit_reached
    assert not result.usable and result.mip_gap is None


def test_ctrl_c_in_branch_and_bound_keeps_the_best_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """KeyboardInterrupt while HiGHS runs branch and bound: HiGHS is stopped, the rounded
    plan (or a better incumbent) is kept with its proven gap and the status says so."""
    armed = {"on": False}
    real_wait = highspy.Highs.wait

    def wait(self: Any, timeout: float = -1.0) -> Any:
        if armed["on"]:
            armed["on"] = False
            raise KeyboardInterrupt
        return real_wait(self, timeout)

    def arm(e: SolveEvent) -> None:
        if e.stage == "branch_and_bound" and e.kind == "start":
            armed["on"] = True

    monkeypatch.setattr(highspy.Highs, "wait", wait)
    sc = _tiny()
    result = solve(f.built(sc, "budget"), sc.settings.solver, progress=arm)
    assert result.termination == "interrupted" and result.interrupted
    assert result.usable and result.duals and result.mip_gap is not None


def test_budget_mode_spends_within_committed_capital() -> None:
    plan = run_plan(_tiny(mip_gap=0.02), mode="budget")
    assert plan.termination == "optimal"
    need = plan.table("equity_need")
    for col in ("capex_usd", "debt_usd", "equity_usd"):
        assert (need[col] >= -1e-3).all(), col
    assert need["capex_usd"].sum() > 0
    cap = plan.table("capital_by_investor")
    assert (cap["used_usd"] >= -1e-3).all()
    assert (cap["cumulative_used_usd"] <= cap["cumulative_available_usd"] * (1 + 1e-6) + 1.0).all()
    assert (plan.table("it_capacity")["online_mw"] >= 0).all()


def test_plan_json_reports_resolution_limit_and_stage_times() -> None:
    res = CliRunner().invoke(app, ["plan", str(TINY), "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert s["status"] == "optimal" and s["time_limit_reached"] is False
    assert s["typical_days"] == load_scenario(TINY).settings.typical_days
    assert s["snapshots_per_period"] % s["typical_days"] == 0 and s["snapshots_per_period"] > 0
    stages = s["stage_seconds"]
    for key in (
        "profiles",
        "caps",
        "build",
        "solve",
        "solve_relaxation",
        "solve_fixed_lp",
        "finance",
        "impact",
    ):
        assert key in stages and stages[key] >= 0, key
    assert {"save", "output"} <= set(stages)


def test_plan_at_its_time_limit_exits_3_with_the_plan_saved(
    tmp_path: Path, branch_and_bound_gets_no_time: None
) -> None:
    folder = tmp_path / "sc"
    shutil.copytree(TINY, folder)
    yaml = (folder / "scenario.yaml").read_text()
    (folder / "scenario.yaml").write_text(yaml.replace("solver:\n", "solver:\n  mip_gap: 0.0\n", 1))
    res = CliRunner().invoke(app, ["plan", str(folder), "--mode", "budget", "--json", "--time-limit", "60"])
    assert res.exit_code == cli_plan.EXIT_STOPPED, res.output
    s = json.loads(res.stdout)
    assert s["status"] == "time_limit" and s["time_limit_reached"] is True
    assert s["mip_gap"] > 0 and s["objective_usd"] is not None and s["it_capacity_mw"]
    assert s["run_id"]
    assert "infeasible" not in res.stderr.lower()


def test_exit_codes_are_documented_in_plan_help() -> None:
    res = CliRunner().invoke(app, ["plan", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    for code in ("0 a plan proven", "3 stopped early", "4 no plan", "130 interrupted"):
        assert code in text, code


def test_stall_rule_waits_for_a_bound_then_for_a_quiet_window() -> None:
    sc = _tiny()
    hs = solve_mod._Highs(
        f.built(sc, "budget").model, sc.settings.solver, time.perf_counter(), lambda _e: None
    )
    long_ago = time.perf_counter() - 10 * solve_mod.STALL_S
    hs._best = (math.inf, -math.inf, long_ago)
    hs._stat = {}  # the root LP: no bound yet
    assert not hs._stalled(long_ago)
    hs._stat = {"primal": 110.0, "dual": 100.0}
    assert not hs._stalled(long_ago)  # first bound: an improvement
    hs._best = (110.0, 100.0, long_ago)
    assert hs._stalled(long_ago)  # nothing better for ten windows
    hs._stat = {"primal": 109.0, "dual": 100.0}
    assert not hs._stalled(long_ago)  # a better plan resets the window


def test_plan_without_a_plan_exits_4_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "sc"
    shutil.copytree(TINY, folder)
    yaml = (folder / "scenario.yaml").read_text()
    assert "time_limit_s: 60" in yaml
    (folder / "scenario.yaml").write_text(yaml.replace("time_limit_s: 60", "time_limit_s: 0.000001", 1))
    monkeypatch.setattr(solve_mod, "MIN_RUN_S", 1e-9)
    res = CliRunner().invoke(app, ["plan", str(folder), "--json"])
    assert res.exit_code == cli_plan.EXIT_NO_PLAN, res.output
    s = json.loads(res.stdout)
    assert s["status"] == "time_limit" and s["objective_usd"] is None and s["time_limit_reached"] is True
    assert s["diagnosis"] and "time limit" in s["diagnosis"][0]


def test_typical_days_come_from_the_cache_the_second_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stateside import run as run_mod
    from stateside.scenario import typical as typical_mod

    monkeypatch.setenv("STATESIDE_CACHE_DIR", str(tmp_path))
    sc = _tiny()
    first = run_mod.cached_typical_periods(sc)
    assert len(list((tmp_path / "typical").glob("*.pkl"))) == 1

    def fail(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("clustered again")

    monkeypatch.setattr(typical_mod, "scenario_typical_periods", fail)
    again = run_mod.cached_typical_periods(sc)
    for name in ("solar", "wind", "demand", "weight_hours"):
        assert getattr(again, name).equals(getattr(first, name)), name
    # another scenario is another key: clustered, not read from the cache
    other = dataclasses.replace(sc, settings=sc.settings.model_copy(update={"discount_rate": 0.09}))
    with pytest.raises(AssertionError, match="clustered again"):
        run_mod.cached_typical_periods(other)
    monkeypatch.setenv("STATESIDE_CACHE_DIR", "off")
    assert run_mod.typical_cache_dir() is None


def test_a_run_after_a_cancelled_run_is_not_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopping one HiGHS run (Ctrl-C, the watchdog, a stall) must not stop the next: the
    final LP after an interrupted branch and bound has to give the plan its duals."""
    sc = _tiny()
    hs = solve_mod._Highs(
        f.built(sc, "budget").model, sc.settings.solver, time.perf_counter(), lambda _e: None
    )
    real_wait = highspy.Highs.wait
    calls = {"n": 0}

    def wait(self: Any, timeout: float = -1.0) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt
        return real_wait(self, timeout)

    monkeypatch.setattr(highspy.Highs, "wait", wait)
    hs.run("relaxation", 60.0)
    assert hs.interrupted
    hs.interrupted = False
    assert hs.run("fixed_lp", 60.0) == "optimal"
    assert not hs.interrupted


def test_rich_display_shows_the_solve_stage_bound_and_gap() -> None:
    import io

    from rich.console import Console
    from rich.progress import Progress, TextColumn

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200)
    with Progress(TextColumn("{task.description}"), console=console, auto_refresh=False) as progress:
        reporter = cli_plan._Reporter(console, progress, quiet=False)
        reporter("solve")
        reporter.on_solve(SolveEvent("branch_and_bound", "progress", 12.0, 463_200.0, 462_900.0, 0.00065))
        task = progress.tasks[0]
        assert "branch and bound" in task.description
        assert "plan 463.2 USD bn" in task.description and "bound 462.9 USD bn" in task.description
        assert "gap 0.07%" in task.description


def test_exit_code_follows_the_status() -> None:
    plan = run_plan(_tiny(mip_gap=0.02))
    assert cli_plan.exit_code(plan) == cli_plan.EXIT_OK
    for term, code in (
        ("time_limit", cli_plan.EXIT_STOPPED),
        ("stalled", cli_plan.EXIT_STOPPED),
        ("rounded", cli_plan.EXIT_STOPPED),
        ("interrupted", cli_plan.EXIT_INTERRUPTED),
    ):
        assert cli_plan.exit_code(dataclasses.replace(plan, termination=term)) == code
    assert cli_plan.exit_code(
        dataclasses.replace(plan, termination="infeasible", objective_usd=math.nan)
    ) == (cli_plan.EXIT_NO_PLAN)


def test_without_branch_and_bound_the_rounded_plan_is_kept_with_its_gap() -> None:
    """solver.branch_and_bound false: the rounded plan that misses the gap is kept as it is
    (status "rounded", its proven gap), and no branch and bound runs."""
    sc = _tiny()
    solver = sc.settings.solver.model_copy(update={"branch_and_bound": False})
    events: list[SolveEvent] = []
    result = solve(f.built(sc, "budget"), solver, progress=events.append)
    assert result.termination == "rounded" and result.usable and result.duals
    assert result.method == "relax-and-round"
    assert result.mip_gap is not None and result.mip_gap > solver.mip_gap
    assert "branch_and_bound" not in {e.stage for e in events}
    with_bnb = solve(f.built(sc, "budget"), sc.settings.solver)
    assert with_bnb.objective_musd <= result.objective_musd + 1e-9 * abs(result.objective_musd)


def test_a_relaxation_basis_starts_a_model_of_the_same_shape_only() -> None:
    """The relaxation's optimal basis (relaxation_basis) starts the same model's relaxation
    at its optimum, gives the same plan, is the same basis from one build to the next, and
    is ignored by a model of another shape."""
    from stateside.model.solve import relaxation_basis

    sc = _tiny()
    basis = relaxation_basis(f.built(sc, "budget"), sc.settings.solver)
    assert basis is not None
    again = relaxation_basis(f.built(sc, "budget"), sc.settings.solver)
    assert again is not None and again.key == basis.key
    assert list(again.col_status) == list(basis.col_status)
    cold = solve(f.built(sc, "budget"), sc.settings.solver)
    assert not cold.warm_started
    events: list[SolveEvent] = []
    warm = solve(f.built(sc, "budget"), sc.settings.solver, progress=events.append, start=basis)
    assert warm.warm_started
    assert warm.objective_musd == pytest.approx(cold.objective_musd, rel=1e-9)
    relax_end = next(e for e in events if e.stage == "relaxation" and e.kind == "end")
    assert relax_end.message == "warm start"
    # target mode builds other variables (the target's slack): another shape, a cold start
    other = solve(f.built(sc, "target"), sc.settings.solver, start=basis)
    assert not other.warm_started and other.usable


def test_fab_count_bound_closes_what_branching_on_one_fab_cannot() -> None:
    """Two fabs worth 1 each, 10 units of capital apiece, 8 units available: the
    relaxation builds 0.8 of a fab (value -0.8). Branching on fab a moves nothing (a = 0
    lets b take the 0.8; a = 1 is infeasible); branching on their number does: F <= 0
    gives 0 and F >= 1 is infeasible, so every integer plan is worth at least 0 — the
    true optimum (no fab). The extra row is removed again."""
    import linopy
    import pandas as pd

    from stateside.model.solve import _fab_branch_bound, _fab_count_bound, _Highs

    m = linopy.Model()
    fabs = pd.Index(["a", "b"], name="fab")
    periods = pd.Index([2026], name="period")
    y = m.add_variables(lower=0, upper=1, coords=[fabs, periods], name="fab_build")
    m.add_constraints((10 * y).sum() <= 8, name="capital")
    m.add_objective(-1 * y.sum())
    settings = _tiny().settings.solver
    hs = _Highs(m, settings, time.perf_counter(), lambda _e: None)
    rows = hs.h.getNumRow()
    assert hs.run("relaxation", 10.0) == "optimal"
    relaxed = hs.point()
    assert relaxed.objective == pytest.approx(-0.8)
    values = hs.values(y, relaxed.col)
    one_fab, _ = _fab_branch_bound(hs, y, values, relaxed.objective)
    assert one_fab == pytest.approx(-0.8)
    count, points = _fab_count_bound(hs, y, values, relaxed.objective)
    assert count == pytest.approx(0.0, abs=1e-9)
    assert len(points) == 1 and points[0].dual is None  # F <= 0 solved, F >= 1 infeasible
    assert hs.h.getNumRow() == rows


def test_fab_branch_and_bound_reaches_the_integer_bound() -> None:
    """The same two fabs: branch and bound over the fabs alone expands a (a = 0 lets b
    take the 0.8; a = 1 infeasible), then b (b = 0: value 0; b = 1 infeasible). The least
    open node then has whole fabs, so 0 — the true optimum — bounds every integer plan,
    where one level of branching stays at the relaxation's -0.8. Column bounds are put
    back afterwards."""
    import linopy
    import pandas as pd

    from stateside.model.solve import _fab_tree_bound, _Highs

    m = linopy.Model()
    fabs = pd.Index(["a", "b"], name="fab")
    periods = pd.Index([2026, 2028], name="period")
    y = m.add_variables(lower=0, upper=1, coords=[fabs, periods], name="fab_build")
    m.add_constraints((10 * y).sum() <= 8, name="capital")
    m.add_constraints(y.sum("period") <= 1, name="fab_once")
    m.add_objective(-1 * y.sum())
    hs = _Highs(m, _tiny().settings.solver, time.perf_counter(), lambda _e: None)
    assert hs.run("relaxation", 10.0) == "optimal"
    relaxed = hs.point()
    assert relaxed.objective == pytest.approx(-0.8)
    bound, points = _fab_tree_bound(hs, y, hs.values(y, relaxed.col), relaxed.objective)
    assert bound == pytest.approx(0.0, abs=1e-9)
    assert points and hs.values(y, points[0].col).sum() == pytest.approx(0.0, abs=1e-9)
    lp = hs.h.getLp()
    assert list(lp.col_lower_) == [0.0] * 4 and list(lp.col_upper_) == [1.0] * 4


def test_plan_headline_names_the_resolution_and_the_method(tmp_path: Path) -> None:
    """The first line says at what time resolution the plan was solved, and whether by
    decomposition (docs/resolution.md): the tiny fixture's 2 typical days × 4 h, then the
    same forced through the decomposition at 2 days × 6 h."""
    res = CliRunner().invoke(app, ["plan", str(TINY)])
    assert res.exit_code == 0, res.output
    first = res.stdout.splitlines()[0]
    assert "· 2 typical days × 4 h ·" in first and "decomposition" not in first
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    yaml = folder / "scenario.yaml"
    yaml.write_text(yaml.read_text().replace("solver:\n", "solver:\n  decomposition: days\n"))
    res = CliRunner().invoke(app, ["plan", str(folder), "--resolution", "2:6"])
    assert res.exit_code in (0, 3), res.output
    assert "· 2 typical days × 6 h (by decomposition) ·" in res.stdout.splitlines()[0]
