"""Solve the built model with HiGHS through linopy's direct interface.

With integer decisions (campus modules, fab go/no-go) the MIP is solved first; then the
integers are fixed at their optimum and the LP is solved again, so that the duals of the
energy balance (regional prices) and of every other constraint are those of the LP
with integers fixed — the usual practice in capacity expansion (ReEDS, GenX).
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import linopy

from stateside.model.build import BuiltModel
from stateside.scenario.settings import SolverSettings

INTEGER_VARIABLES = ("modules", "fab_build")


@dataclass(frozen=True)
class SolveResult:
    status: str  # linopy status: "ok", "warning", ...
    termination: str  # "optimal", "time_limit", "infeasible", ...
    objective_musd: float
    mip_gap: float | None  # relative gap reached by branch and bound (None: no integers)
    solve_seconds: float  # HiGHS wall time, MIP and fixed LP together
    duals: bool  # whether duals from the fixed LP are available

    @property
    def optimal(self) -> bool:
        return self.termination == "optimal"

    @property
    def usable(self) -> bool:
        """A solution exists (optimal, or a feasible point at a time limit)."""
        return self.termination in ("optimal", "time_limit", "suboptimal") and math.isfinite(
            self.objective_musd
        )


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
def _quiet_stdout() -> Iterator[None]:
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


def _solve(m: linopy.Model, options: dict[str, Any]) -> tuple[str, str]:
    with _quiet_stdout():
        return m.solve(solver_name="highs", io_api="direct", **options)


def _has_integers(m: linopy.Model) -> bool:
    return any(name in m.variables and (m.variables[name].labels >= 0).any() for name in INTEGER_VARIABLES)


def solve(built: BuiltModel, settings: SolverSettings) -> SolveResult:
    """Solve; never raises for infeasible or unbounded models — the status says it."""
    m = built.model
    t0 = time.perf_counter()
    mip_gap: float | None = None
    if _has_integers(m):
        status, term = _solve(m, highs_options(settings, mip=True))
        if term not in ("optimal", "time_limit", "suboptimal") or not math.isfinite(
            float(m.objective.value or math.nan)
        ):
            return SolveResult(status, term, math.nan, None, time.perf_counter() - t0, False)
        mip_gap = _mip_gap(m)
        for name in INTEGER_VARIABLES:
            if name in m.variables:
                var = m.variables[name]
                var.fix(value=var.solution.fillna(0.0).round())
                var.relax()
        m_term_before = term
        status, term = _solve(m, highs_options(settings, mip=False))
        if term != "optimal":
            term = m_term_before if term == "optimal" else term
    else:
        status, term = _solve(m, highs_options(settings, mip=False))
    elapsed = time.perf_counter() - t0
    objective = float(m.objective.value) if m.objective.value is not None else math.nan
    return SolveResult(status, term, objective, mip_gap, elapsed, duals=term == "optimal")


def _mip_gap(m: linopy.Model) -> float | None:
    solver_model = getattr(m, "solver_model", None)
    if solver_model is None:
        return None
    try:
        gap = float(solver_model.getInfo().mip_gap)
    except Exception:
        return None
    return gap if math.isfinite(gap) else 0.0
