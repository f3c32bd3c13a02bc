"""Solve the built model with HiGHS through linopy's direct interface.

Integer decisions (campus modules, fab go/no-go) are few (tens) but every LP of the
default problem has ~50,000 rows after presolve, and HiGHS's branch and bound spends
most of its time looking for a first good incumbent. So the solve is staged:

1. the LP relaxation (dual simplex: 2 s on the default, against 20 s for the interior
   point — see docs/benchmarks.md) gives a lower bound;
2. target-aware rounding (:mod:`stateside.model.rounding`) gives integers; the LP with
   them fixed gives a feasible plan and an upper bound;
3. if the gap between the two is within ``solver.mip_gap`` the plan is accepted
   (the reported gap is this proven bound); otherwise HiGHS's MIP solver runs, warm
   started from the rounded plan, and the integers it finds are fixed for a final LP.

Either way the duals (regional prices and every shadow price) come from the LP with the
integers fixed — the usual practice in capacity expansion (ReEDS, GenX).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import linopy

from stateside.model.build import BuiltModel
from stateside.model.rounding import round_fabs, round_modules
from stateside.scenario.settings import SolverSettings

INTEGER_VARIABLES = ("modules", "fab_build")
USABLE = ("optimal", "time_limit", "suboptimal")


@dataclass(frozen=True)
class SolveResult:
    status: str  # linopy status: "ok", "warning", ...
    termination: str  # "optimal", "time_limit", "infeasible", ...
    objective_musd: float
    mip_gap: float | None  # proven relative gap of the integer solution (None: no integers)
    solve_seconds: float  # HiGHS wall time, every stage together
    duals: bool  # whether duals from the (fixed) LP are available
    method: str = "lp"  # "lp", "relax-and-round" or "branch-and-bound"
    lower_bound_musd: float | None = None

    @property
    def optimal(self) -> bool:
        return self.termination == "optimal"

    @property
    def usable(self) -> bool:
        """A solution exists (optimal, or a feasible point at a time limit)."""
        return self.termination in USABLE and math.isfinite(self.objective_musd)


def highs_options(settings: SolverSettings, mip: bool) -> dict[str, object]:
    opts: dict[str, object] = {
        "presolve": "on" if settings.presolve else "off",
        "time_limit": float(settings.time_limit_s),
        "output_flag": False,
    }
    if not mip:
        opts["solver"] = settings.method
        if settings.method in ("ipm", "hipo"):
            opts["run_crossover"] = "on" if settings.crossover else "off"
    else:
        opts["mip_rel_gap"] = float(settings.mip_gap)
    if settings.threads:
        opts["threads"] = int(settings.threads)
    return opts


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Keep HiGHS's banner (printed by the C++ library on file descriptor 1) off stdout,
    so ``stateside plan --json`` prints nothing but JSON."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # captured stdout (tests): nothing to guard
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


def _solve(m: linopy.Model, options: dict[str, Any], warmstart: Path | None = None) -> tuple[str, str]:
    with quiet_stdout():
        if warmstart is not None:
            return m.solve(solver_name="highs", io_api="direct", warmstart_fn=warmstart, **options)
        return m.solve(solver_name="highs", io_api="direct", **options)


def _objective(m: linopy.Model) -> float:
    value = m.objective.value
    return float(value) if value is not None else math.nan


def _integer_vars(m: linopy.Model) -> list[linopy.Variable]:
    """The integer variables, including any whose every slot is masked (they still make
    the model a MILP for linopy)."""
    return [m.variables[name] for name in INTEGER_VARIABLES if name in m.variables]


def _any_integer_slot(ints: list[linopy.Variable]) -> bool:
    return any(bool((var.labels >= 0).any()) for var in ints)


def _gap(upper: float, lower: float) -> float:
    return max(0.0, (upper - lower) / max(abs(upper), 1e-9))


def solve(built: BuiltModel, settings: SolverSettings) -> SolveResult:
    """Solve; never raises for infeasible or unbounded models — the status says it."""
    m, d = built.model, built.data
    t0 = time.perf_counter()
    lp_opts = highs_options(settings, mip=False)
    ints = _integer_vars(m)
    if not _any_integer_slot(ints):
        for var in ints:
            var.relax()
        status, term = _solve(m, lp_opts)
        return SolveResult(status, term, _objective(m), None, time.perf_counter() - t0, term == "optimal")

    # 1. LP relaxation: lower bound
    for var in ints:
        var.relax()
    status, term = _solve(m, lp_opts)
    if term not in USABLE:
        return SolveResult(status, term, math.nan, None, time.perf_counter() - t0, False)
    lower = _objective(m)

    # 2. round and fix: upper bound
    rounded: dict[str, Any] = {}
    if "modules" in m.variables:
        rounded["modules"] = round_modules(
            m.variables["modules"].solution, d, cover_targets=d.mode == "target"
        )
    if "fab_build" in m.variables:
        rounded["fab_build"] = round_fabs(m.variables["fab_build"].solution)
    for var in ints:
        var.fix(value=rounded[str(var.name)])
    status, term = _solve(m, lp_opts)
    upper = _objective(m) if term in USABLE else math.inf
    if term == "optimal" and _gap(upper, lower) <= settings.mip_gap:
        return SolveResult(
            status, term, upper, _gap(upper, lower), time.perf_counter() - t0, True, "relax-and-round", lower
        )

    # 3. branch and bound, warm started from the rounded plan when it is feasible
    with tempfile.TemporaryDirectory(prefix="stateside-") as tmp:
        start: Path | None = None
        solver_model = getattr(m, "solver_model", None)
        if term == "optimal" and solver_model is not None:
            start = Path(tmp) / "start.sol"
            solver_model.writeSolution(str(start), 0)
        for var in ints:
            var.unfix()
            var.unrelax()
        mip_opts = highs_options(settings, mip=True)
        remaining = settings.time_limit_s - (time.perf_counter() - t0)
        mip_opts["time_limit"] = max(remaining, 1.0)
        status, term = _solve(m, mip_opts, warmstart=start)
    if term not in USABLE or not math.isfinite(_objective(m)):
        return SolveResult(
            status, term, math.nan, None, time.perf_counter() - t0, False, "branch-and-bound", lower
        )
    mip_gap = _mip_gap(m)
    mip_term = term
    for var in ints:
        var.fix(value=var.solution.fillna(0.0).round())
        var.relax()
    status, term = _solve(m, lp_opts)
    final_term = mip_term if term == "optimal" else term
    objective = _objective(m)
    if mip_gap is None:
        mip_gap = _gap(objective, lower)
    return SolveResult(
        status,
        final_term,
        objective,
        mip_gap,
        time.perf_counter() - t0,
        term == "optimal",
        "branch-and-bound",
        lower,
    )


def _mip_gap(m: linopy.Model) -> float | None:
    solver_model = getattr(m, "solver_model", None)
    if solver_model is None:
        return None
    try:
        gap = float(solver_model.getInfo().mip_gap)
    except Exception:
        return None
    return gap if math.isfinite(gap) else 0.0
