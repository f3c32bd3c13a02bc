"""Solve the built model with HiGHS: staged, time-limited, interruptible, with progress.

Integer decisions (campus modules, fab go/no-go) are few (tens) but every LP of the
default problem has ~50,000 rows after presolve, and HiGHS's branch and bound spends
most of its time looking for a first good incumbent. So the solve is staged, on one
HiGHS instance built once from the linopy model (each later LP starts from the previous
basis — a few bound changes, so the dual simplex needs few iterations):

1. **relaxation** — the LP relaxation (dual simplex: 2 s on the default, against 20 s for
   the interior point — see docs/benchmarks.md) gives a lower bound;
2. **rounding** — target-aware rounding (:mod:`stateside.model.rounding`). Fabs first:
   where the relaxation builds a fraction of a fab, the fabs are rounded (online from the
   first period the relaxation uses them) and fixed, and the LP is solved again with the
   modules free, so the campus build adapts to the fab decision (in budget mode a whole
   fab may not be affordable: then the fractional fabs are dropped instead). Then the
   modules are rounded from that LP (target mode: down, then whole modules added back
   until the IT targets are covered; budget mode: down, so the plan stays within capital);
3. **fixed LP** — the LP with every integer fixed gives a feasible plan and an upper
   bound. If it is infeasible, everything is rounded down and fixed instead;
4. if the gap between the bounds is within ``solver.mip_gap`` the plan is accepted (the
   reported gap is this proven bound); otherwise **branch and bound** (HiGHS's MIP solver)
   runs for the time left, warm started from the rounded plan, and the integers it finds
   are fixed for a **final LP**.

Either way the duals (regional prices and every shadow price) come from an LP with the
integers fixed — the usual practice in capacity expansion (ReEDS, GenX).

**Time limit.** ``solver.time_limit_s`` bounds the whole solve (every stage together; the
final LP of branch and bound keeps a small reserve). A solve that reaches it keeps the
best plan found so far and says so: ``termination == "time_limit"``,
``time_limit_reached``, and ``mip_gap`` is the proven gap of that plan; branch and bound
that improves neither its plan nor its bound for a while (STALL_S) stops the same way
with ``termination == "stalled"``. **Ctrl-C**
(KeyboardInterrupt) during a HiGHS run stops HiGHS the same way: the best plan so far is
kept and ``termination == "interrupted"``. A limit or interrupt before any plan exists
returns a result that is not :attr:`SolveResult.usable`.

**Hourly national studies.** Models of DECOMPOSE_MIN_ROWS rows or more (or any, with
``solver.decomposition: days``) are solved by Benders decomposition by typical day
instead (:mod:`stateside.model.decomposition`, ``method == "benders"``): the same
relaxation, rounding and fixed stages, on a day-averaged master and one LP per typical
day.

**Progress.** ``solve(..., progress=callback)`` calls ``callback(SolveEvent)`` from the
calling thread: when a stage starts and ends, and about once a second while HiGHS runs
(elapsed time; for branch and bound the incumbent, the bound and the gap HiGHS reports).
Nothing from HiGHS or linopy is printed (HiGHS's output is off; linopy's warnings about
non-optimal runs are held back): a probing LP that turns out infeasible is reported only
through the result and the events.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import highspy
import linopy
import numpy as np
import xarray as xr

from stateside.model.build import BuiltModel
from stateside.model.rounding import floor_fabs, round_fabs, round_modules
from stateside.scenario.settings import SolverSettings

INTEGER_VARIABLES = ("modules", "fab_build")
USABLE = ("optimal", "time_limit", "stalled", "rounded", "suboptimal", "interrupted")

#: the stages of a solve, in order (``lp`` alone when the model has no integers)
SOLVE_STAGES = ("relaxation", "rounding", "fixed_lp", "branch_and_bound", "final_lp")
STAGE_LABELS = {
    "lp": "LP",
    "relaxation": "LP relaxation",
    "rounding": "rounding",
    "fixed_lp": "fixed LP",
    "branch_and_bound": "branch and bound",
    "final_lp": "final LP",
}
#: seconds between progress events while HiGHS runs
PROGRESS_INTERVAL_S = 1.0
#: seconds kept back from branch and bound for the final LP (at least; see _reserve_s)
FINAL_LP_RESERVE_S = 5.0
#: the least time limit given to one HiGHS run, seconds
MIN_RUN_S = 0.5
#: branch and bound stops ("stalled") when, once it has a bound, neither its plan nor its
#: bound has improved by STALL_REL (relative) for STALL_S seconds (or three times the
#: relaxation's time, if longer); the best plan is kept with its proven gap
STALL_S = 60.0
STALL_REL = 1e-4
#: seconds past its time limit after which a HiGHS run is stopped from outside
OVERRUN_GRACE_S = 1.0

_INT_TOL = 1e-6
_log = logging.getLogger(__name__)

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible_or_unbounded",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
    highspy.HighsModelStatus.kSolutionLimit: "time_limit",
    highspy.HighsModelStatus.kMemoryLimit: "memory_limit",
}


@dataclass(frozen=True)
class SolveEvent:
    """One progress report of a solve (see the module docstring)."""

    stage: str  # one of SOLVE_STAGES, or "lp"
    kind: str  # "start", "progress" or "end"
    elapsed_s: float  # since the solve started
    objective_musd: float | None = None  # best plan so far (branch and bound: incumbent)
    bound_musd: float | None = None  # best proven lower bound
    gap: float | None = None  # relative gap between the two
    message: str = ""

    def describe(self) -> str:
        """One line for a log or a progress display."""
        parts = [STAGE_LABELS.get(self.stage, self.stage)]
        if self.message:
            parts.append(self.message)
        if self.objective_musd is not None and math.isfinite(self.objective_musd):
            parts.append(f"plan {self.objective_musd / 1e3:,.1f} USD bn")
        if self.bound_musd is not None and math.isfinite(self.bound_musd):
            parts.append(f"bound {self.bound_musd / 1e3:,.1f} USD bn")
        if self.gap is not None and math.isfinite(self.gap):
            parts.append(f"gap {self.gap:.2%}")
        return " · ".join(parts)


SolveProgress = Callable[[SolveEvent], None]


@dataclass(frozen=True)
class SolveResult:
    status: str  # "ok" when a plan exists, else "warning"
    termination: str  # "optimal", "time_limit", "interrupted", "infeasible", ...
    objective_musd: float
    mip_gap: float | None  # proven relative gap of the integer solution (None: no integers)
    solve_seconds: float  # wall time of the whole solve, every stage together
    duals: bool  # whether duals from the (fixed) LP are available
    method: str = "lp"  # "lp", "relax-and-round" or "branch-and-bound"
    lower_bound_musd: float | None = None
    time_limit_reached: bool = False
    interrupted: bool = False
    stage_seconds: dict[str, float] = field(default_factory=dict)
    highs_seconds: float = 0.0  # HiGHS's own run time, every run together
    #: the solved HiGHS instance, to solve variants of the plan warm (None: not kept)
    warm: Any = field(default=None, repr=False, compare=False)  # WarmModel or DecomposedWarm
    #: whether the relaxation started from a given basis (``solve(start=...)``)
    warm_started: bool = False

    @property
    def optimal(self) -> bool:
        return self.termination == "optimal"

    @property
    def usable(self) -> bool:
        """A solution exists (optimal, or the best plan found at a time limit or interrupt)."""
        return self.termination in USABLE and math.isfinite(self.objective_musd)


@dataclass(frozen=True)
class StartBasis:
    """A simplex basis to start a model's LP relaxation from: picklable (sent to sweep
    workers) and tied to the model's shape — ``key`` hashes the linopy labels of every
    column and row, so a basis is used only on a model with the same variables and
    constraints (a sweep member that changes numbers, not structure: commitments, costs,
    targets). Members of the coalition-value sweep differ from the full coalition only in
    capital: their relaxations start from its basis in 0.3–2.4 s instead of 14 s
    (docs/benchmarks.md)."""

    key: str
    col_status: np.ndarray  # int8, HiGHS's HighsBasisStatus per column
    row_status: np.ndarray  # int8, per row

    @classmethod
    def from_highs(cls, key: str, basis: Any) -> StartBasis:
        return cls(
            key,
            np.fromiter((int(x) for x in basis.col_status), dtype=np.int8),
            np.fromiter((int(x) for x in basis.row_status), dtype=np.int8),
        )

    def to_highs(self) -> Any:
        basis = highspy.HighsBasis()
        basis.col_status = [highspy.HighsBasisStatus(int(x)) for x in self.col_status]
        basis.row_status = [highspy.HighsBasisStatus(int(x)) for x in self.row_status]
        basis.valid = True
        return basis


def relaxation_basis(built: BuiltModel, settings: SolverSettings) -> StartBasis | None:
    """Solve ``built``'s LP relaxation alone and return its optimal basis (None if it did
    not solve, or if the model is solved by decomposition: a basis of the whole LP is
    what the decomposition avoids computing) — the start for a sweep's members."""
    if decomposes(built.model, settings):
        return None
    with quiet_linopy():
        hs = _Highs(built.model, settings, time.perf_counter(), lambda _e: None)
        term = hs.run("relaxation", float(settings.time_limit_s))
    basis = hs.h.getBasis()
    if term != "optimal" or not basis.valid:
        return None
    return StartBasis.from_highs(hs.shape_key, basis)


class WarmModel:
    """The solved HiGHS instance of a plan, kept to solve variants of it warm.

    A variant fixes some variables (the integers, say) and solves the LP again from the
    plan's basis. The ratepayer counterfactual is the plan's model with every campus module
    and fab fixed at zero (no campus or fab load, no IT equipment, nothing for capital to
    fund): the grid other customers would have had — the same LP as the ``power_only``
    scenario up to constant penalty terms, but it starts from the plan's basis, so the dual
    simplex needs a few thousand iterations instead of ~70,000 from scratch (default plan:
    1.8 s against 16 s; docs/benchmarks.md).

    :meth:`solve_fixed` writes the variant's solution into the linopy model (so
    :func:`stateside.plan.extract_plan` reads it); :meth:`restore` writes the plan back.
    Not picklable: a copy sent to another process has no instance (:attr:`available` False).
    """

    def __init__(self, hs: _Highs | None, best: _Point | None, termination: str) -> None:
        self._hs, self._best, self._termination = hs, best, termination
        self._freed: list[np.ndarray] = []
        self._recosted: list[np.ndarray] = []
        self._bounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    @property
    def available(self) -> bool:
        return self._hs is not None and self._best is not None

    def __getstate__(self) -> dict[str, Any]:
        return {
            "_hs": None,
            "_best": None,
            "_termination": self._termination,
            "_freed": [],
            "_recosted": [],
            "_bounds": [],
        }

    def solve_fixed(
        self,
        fixed: dict[str, float],
        free: tuple[str, ...] = (),
        costs: dict[str, xr.DataArray] | None = None,
        label: str = "variant",
    ) -> SolveResult:
        """The LP with each named variable fixed at a value (every slot), the named
        constraints lifted (binding nothing) and the named variables' objective
        coefficients replaced by ``costs`` (broadcast to the variable's slots), from the
        plan's basis. :meth:`restore` puts the constraints and costs back."""
        hs, best = self._hs, self._best
        if hs is None or best is None:
            raise RuntimeError("no solved HiGHS instance is kept for this plan")
        t0 = time.perf_counter()
        lp = hs.h.getLp()
        lower, upper = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
        for name, value in fixed.items():
            if name in hs.m.variables:
                var = hs.m.variables[name]
                cols = hs.columns(var)
                idx = cols[cols >= 0].astype(np.int32)
                self._bounds.append((idx, lower[idx].copy(), upper[idx].copy()))
                hs.fix(var, xr.full_like(var.labels, float(value), dtype=float))
        for name in free:
            if name in hs.m.constraints:
                idx = hs.rows(hs.m.constraints[name])
                hs.free_rows(idx)
                self._freed.append(idx)
        for name, coeff in (costs or {}).items():
            if name in hs.m.variables:
                var = hs.m.variables[name]
                cols, vals = slot_settings(var, hs.columns(var), coeff.broadcast_like(var.labels))
                idx = cols.astype(np.int32)
                hs.h.changeColsCost(len(idx), idx, vals)
                self._recosted.append(idx)
        hs.use_options(mip=False)
        if best.basis is not None:
            hs.h.setBasis(best.basis)
        seconds_before = hs.highs_seconds
        with quiet_linopy():
            term = hs.run(label, float(hs.settings.time_limit_s))
            point = hs.point() if term == "optimal" else None
            if point is not None:
                hs.assign(point, "optimal")
        return SolveResult(
            "ok" if point is not None else "warning",
            term,
            point.objective if point is not None else math.nan,
            None,
            time.perf_counter() - t0,
            point is not None and point.dual is not None,
            "lp",
            highs_seconds=hs.highs_seconds - seconds_before,
        )

    def restore(self) -> None:
        """Write the plan's own solution back into the linopy model (and put back the
        bounds, constraints and costs a variant changed: the instance is the plan's again)."""
        if self._hs is not None:
            for idx in self._freed:
                self._hs.reset_rows(idx)
            for idx in self._recosted:
                self._hs.h.changeColsCost(len(idx), idx, self._hs.cost[idx])
            for idx, lo, up in reversed(self._bounds):
                self._hs.h.changeColsBounds(len(idx), idx, lo, up)
        self._freed, self._recosted, self._bounds = [], [], []
        if self._hs is not None and self._best is not None:
            with quiet_linopy():
                self._hs.assign(self._best, self._termination)


#: solver.dual_edge_weights -> HiGHS's simplex_dual_edge_weight_strategy
DUAL_EDGE_WEIGHTS = {"choose": -1, "dantzig": 0, "devex": 1, "steepest_edge": 2}


def highs_options(settings: SolverSettings, mip: bool) -> dict[str, Any]:
    opts: dict[str, Any] = {
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
    opts["simplex_scale_strategy"] = int(settings.simplex_scale_strategy)
    opts["simplex_dual_edge_weight_strategy"] = DUAL_EDGE_WEIGHTS[settings.dual_edge_weights]
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


@contextmanager
def quiet_linopy() -> Iterator[None]:
    """Keep linopy's "Optimization potentially failed … infeasible" warnings (logged for
    every non-optimal solve, including probes whose infeasibility is expected and handled)
    off stderr; the caller reports what a status means."""
    logger = logging.getLogger("linopy")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _gap(upper: float, lower: float) -> float:
    return max(0.0, (upper - lower) / max(abs(upper), 1e-9))


@dataclass
class _Point:
    """A solution of the HiGHS model: column values, row duals (None: none) and objective."""

    col: np.ndarray
    dual: np.ndarray | None
    objective: float
    basis: Any = None  # HiGHS's basis at this point (a warm start for a later LP)


class _Highs:
    """The linopy model as one HiGHS instance, run stage by stage (see module docstring)."""

    def __init__(self, m: linopy.Model, settings: SolverSettings, t0: float, emit: SolveProgress) -> None:
        self.m, self.settings, self.t0, self.emit = m, settings, t0, emit
        m.constraints.sanitize_zeros()
        m.constraints.sanitize_infinities()
        M = m.matrices
        self.vlabels = np.asarray(M.vlabels)
        self.clabels = np.asarray(M.clabels)
        n = len(self.vlabels)
        digest = hashlib.sha1(np.ascontiguousarray(self.vlabels, dtype=np.int64).tobytes())
        digest.update(np.ascontiguousarray(self.clabels, dtype=np.int64).tobytes())
        self.shape_key = digest.hexdigest()
        self.lb = np.asarray(M.lb, dtype=float)
        self.ub = np.asarray(M.ub, dtype=float)
        self.row_lower = self.row_upper = np.zeros(0)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.addVars(n, self.lb, self.ub)
        self.cost = np.asarray(M.c, dtype=float)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), self.cost)
        A = M.A
        if A is not None and A.shape[0]:
            A = A.tocsr()
            b = np.asarray(M.b, dtype=float)
            lower = np.where(M.sense != "<", b, -np.inf)
            upper = np.where(M.sense != ">", b, np.inf)
            h.addRows(A.shape[0], lower, upper, A.nnz, A.indptr, A.indices, A.data)
            self.row_lower, self.row_upper = lower, upper
        if m.objective.sense == "max":
            h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        for key, value in highs_options(settings, mip=False).items():
            h.setOptionValue(key, value)
        log_file = os.environ.get("STATESIDE_HIGHS_LOG")
        if log_file:  # HiGHS's own log of every stage, for diagnosis (docs/model.md)
            h.setOptionValue("log_file", log_file)
            h.setOptionValue("output_flag", True)
            h.setOptionValue("log_to_console", False)
        self.h = h
        self.pos = label_positions(self.vlabels)
        self.row_pos = label_positions(self.clabels)
        self.interrupted = False
        self.highs_seconds = 0.0
        self.stage_seconds: dict[str, float] = {}
        self._stat: dict[str, float] = {}
        self._best: tuple[float, float, float] = (math.inf, -math.inf, 0.0)
        self._last_emit = 0.0
        # stopping HiGHS (Ctrl-C, the watchdog, a stall): _cancel is set and the interrupt
        # callbacks pass it on at HiGHS's next check; it is cleared before every run, as
        # HiGHS keeps the callback's interrupt flag from one run to the next
        self._cancel = False
        for cb in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
            cb.subscribe(self._on_interrupt_check)
        h.cbMipImprovingSolution.subscribe(self._on_incumbent)

    # ---- HiGHS callbacks (HiGHS's thread): record only; events go out from the caller's
    def _on_interrupt_check(self, e: Any) -> None:
        if e.data_in is not None:
            e.data_in.user_interrupt = self._cancel
        now = time.perf_counter()
        if now - self._stat.get("at", 0.0) < 0.25:
            return
        out = e.data_out
        self._stat = {
            "at": now,
            "primal": float(out.mip_primal_bound),
            "dual": float(out.mip_dual_bound),
            "gap": float(out.mip_gap),
        }

    def _on_incumbent(self, e: Any) -> None:
        self._stat = {**self._stat, "incumbent": float(e.data_out.objective_function_value)}

    # ---- running
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def left(self) -> float:
        return float(self.settings.time_limit_s) - self.elapsed()

    def use_options(self, mip: bool) -> None:
        """Switch HiGHS to the LP or the MIP options of the settings (output stays off)."""
        for key, value in highs_options(self.settings, mip=mip).items():
            if key != "output_flag":
                self.h.setOptionValue(key, value)

    def run(
        self, stage: str, time_limit_s: float, mip: bool = False, known_bound: float | None = None
    ) -> str:
        """Run HiGHS on the current model; returns its termination as a word.

        ``known_bound`` (branch and bound): a proven lower bound of our own (the fab
        branches'); HiGHS is stopped as soon as its incumbent is within ``solver.mip_gap``
        of it — HiGHS would go on until its own, weaker bound closes the gap — and the run
        counts as optimal."""
        h = self.h
        # HiGHS's run clock accumulates over the runs of one instance
        h.setOptionValue("time_limit", float(h.getRunTime()) + max(float(time_limit_s), MIN_RUN_S))
        self._stat = {}
        start = time.perf_counter()
        deadline = start + max(float(time_limit_s), MIN_RUN_S) + OVERRUN_GRACE_S
        timed_out = stalled = proven = False
        self._best = (math.inf, -math.inf, start)
        self._cancel = False
        h.startSolve()
        done = False
        while not done:
            try:
                done = bool(h.wait(0.1)[0])
            except KeyboardInterrupt:
                self.interrupted = True
                self._cancel = True
                continue
            if not done:
                if mip and not timed_out and not proven and self._proven(known_bound):
                    proven = True
                    self._cancel = True
                if mip and not timed_out and self._stalled(start):
                    stalled = timed_out = True
                    self._cancel = True
                if not timed_out and time.perf_counter() > deadline:
                    # HiGHS checks its time limit only now and then (not inside every
                    # heuristic of branch and bound): stop it as Ctrl-C would
                    timed_out = True
                    self._cancel = True
                self._progress(stage, mip)
        took = time.perf_counter() - start
        self.highs_seconds += took
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + took
        term = _STATUS.get(h.getModelStatus(), "error")
        if term == "interrupted" and timed_out and not self.interrupted:
            term = "stalled" if stalled else "time_limit"
        elif term == "interrupted" and proven and not self.interrupted:
            term = "optimal"
        return term

    def _proven(self, known_bound: float | None) -> bool:
        """The incumbent is within the gap of ``known_bound``."""
        primal = self._stat.get("incumbent", self._stat.get("primal", math.inf))
        if (
            known_bound is None
            or not math.isfinite(known_bound)
            or not math.isfinite(primal)
            or abs(primal) > 1e20
        ):
            return False
        return _gap(primal, known_bound) <= float(self.settings.mip_gap)

    def _stalled(self, start: float) -> bool:
        """Branch and bound has improved neither its plan nor its bound (by STALL_REL)
        for STALL_S seconds."""
        primal, dual = self._stat.get("primal", math.inf), self._stat.get("dual", -math.inf)
        best_primal, best_dual, since = self._best
        now = time.perf_counter()
        if not (math.isfinite(dual) and abs(dual) < 1e20):  # still at the root: no bound yet
            self._best = (best_primal, best_dual, now)
            return False
        scale = max(abs(primal) if math.isfinite(primal) else abs(dual), 1e-9)
        if primal < best_primal - STALL_REL * scale or dual > best_dual + STALL_REL * scale:
            self._best = (min(primal, best_primal), max(dual, best_dual), now)
            return False
        # a window of at least three relaxations: node LPs of a large model are slow
        return now - since > max(STALL_S, 3.0 * self.stage_seconds.get("relaxation", 0.0))

    def _progress(self, stage: str, mip: bool) -> None:
        now = time.perf_counter()
        if now - self._last_emit < PROGRESS_INTERVAL_S:
            return
        self._last_emit = now
        if mip and self._stat:
            primal = self._stat.get("primal", math.inf)
            dual = self._stat.get("dual", -math.inf)
            gap = self._stat.get("gap", math.inf)
            self.emit(
                SolveEvent(
                    stage,
                    "progress",
                    self.elapsed(),
                    primal if math.isfinite(primal) else None,
                    dual if math.isfinite(dual) else None,
                    gap if math.isfinite(gap) and gap < 1e20 else None,
                )
            )
        else:
            self.emit(SolveEvent(stage, "progress", self.elapsed()))

    def has_solution(self) -> bool:
        return int(self.h.getInfo().primal_solution_status) == 2

    def point(self) -> _Point:
        sol = self.h.getSolution()
        dual = np.asarray(sol.row_dual, dtype=float) if sol.dual_valid else None
        basis = self.h.getBasis()
        return _Point(
            np.asarray(sol.col_value, dtype=float),
            dual,
            float(self.h.getInfo().objective_function_value),
            basis if basis.valid else None,
        )

    # ---- integer columns
    def columns(self, var: linopy.Variable) -> np.ndarray:
        """HiGHS column of each slot of ``var`` (-1 where masked), in ``var.labels``' shape."""
        return label_columns(self.pos, var)

    def values(self, var: linopy.Variable, col: np.ndarray) -> xr.DataArray:
        return slot_values(var, self.columns(var), col)

    def fix(self, var: linopy.Variable, value: xr.DataArray) -> None:
        cols, v = slot_settings(var, self.columns(var), value)
        idx = cols.astype(np.int32)
        self.h.changeColsBounds(len(idx), idx, v, v)

    def rows(self, con: linopy.constraints.Constraint) -> np.ndarray:
        """HiGHS rows of a constraint's valid slots."""
        return label_rows(self.row_pos, con).astype(np.int32)

    def free_rows(self, idx: np.ndarray) -> None:
        """Lift a set of rows' bounds (the rows stay, binding nothing)."""
        n = len(idx)
        self.h.changeRowsBounds(n, idx, np.full(n, -np.inf), np.full(n, np.inf))  # type: ignore[attr-defined]

    def reset_rows(self, idx: np.ndarray) -> None:
        self.h.changeRowsBounds(len(idx), idx, self.row_lower[idx], self.row_upper[idx])  # type: ignore[attr-defined]

    def unfix(self, var: linopy.Variable) -> None:
        idx = self.columns(var)
        idx = idx[idx >= 0].astype(np.int32)
        self.h.changeColsBounds(len(idx), idx, self.lb[idx], self.ub[idx])

    def integrality(self, var: linopy.Variable, integer: bool) -> None:
        idx = self.columns(var)
        idx = idx[idx >= 0].astype(np.int32)
        kind = np.full(len(idx), 1 if integer else 0, dtype=np.uint8)
        self.h.changeColsIntegrality(len(idx), idx, kind)

    # ---- back to linopy
    def assign(self, point: _Point, termination: str) -> None:
        """Write ``point`` into the linopy model (:func:`assign_point`)."""
        assign_point(self.m, self.vlabels, self.clabels, point.col, point.dual, point.objective, termination)


def assign_point(
    m: linopy.Model,
    vlabels: np.ndarray,
    clabels: np.ndarray,
    col: np.ndarray,
    row_dual: np.ndarray | None,
    objective: float,
    termination: str,
) -> None:
    """Write a solution (column values and row duals in the order of ``m.matrices``'
    labels) into the linopy model (variables' solution, constraints' duals, objective
    value), as linopy's own HiGHS interface does."""
    from linopy.constants import Result, Solution, SolverStatus, Status, TerminationCondition

    n_vars = max(int(m._xCounter), int(vlabels.max()) + 1 if len(vlabels) else 0)
    primal = np.full(n_vars, np.nan)
    primal[vlabels] = col
    dual = np.array([], dtype=float)
    if row_dual is not None and len(clabels):
        dual = np.full(max(int(m._cCounter), int(clabels.max()) + 1), np.nan)
        dual[clabels] = row_dual
    linopy_term = {"interrupted": "user_interrupt", "stalled": "terminated_by_limit"}.get(
        termination, termination
    )
    condition = TerminationCondition[linopy_term] if linopy_term in TerminationCondition.__members__ else None
    # the point is a feasible plan whatever stopped the solve: "ok", so linopy takes it
    status = Status(SolverStatus.ok, condition or TerminationCondition.unknown)
    with quiet_linopy():
        m.assign_result(Result(status=status, solution=Solution(primal, dual, objective)))


def lp_options(settings: SolverSettings) -> dict[str, Any]:
    """The HiGHS options of the settings' LPs, without the time limit and the output."""
    return {
        k: v for k, v in highs_options(settings, mip=False).items() if k not in ("time_limit", "output_flag")
    }


def label_positions(labels: np.ndarray) -> np.ndarray:
    """Position of each linopy label in ``labels`` (a matrix's ``vlabels`` or ``clabels``),
    indexed by label; -1 for labels not in the matrix."""
    pos = np.full(int(labels.max()) + 1 if len(labels) else 1, -1, dtype=np.int64)
    pos[labels] = np.arange(len(labels))
    return pos


def label_rows(row_pos: np.ndarray, con: linopy.constraints.Constraint) -> np.ndarray:
    """Matrix rows of a constraint's valid slots (``row_pos`` from :func:`label_positions`)."""
    labels = np.asarray(con.labels.values).ravel()
    rows = row_pos[labels[(labels >= 0) & (labels < len(row_pos))]]
    return rows[rows >= 0]


def label_columns(pos: np.ndarray, var: linopy.Variable) -> np.ndarray:
    """Matrix column of each slot of ``var`` (-1 where masked), in ``var.labels``' shape;
    ``pos`` maps linopy labels to columns (-1: not in the matrix)."""
    labels = np.asarray(var.labels.values)
    out = np.full(labels.shape, -1, dtype=np.int64)
    ok = (labels >= 0) & (labels < len(pos))
    out[ok] = pos[labels[ok]]
    return out


def slot_values(var: linopy.Variable, cols: np.ndarray, vector: np.ndarray) -> xr.DataArray:
    """``var``'s values in ``vector`` (indexed by ``cols``, ``var.labels``' shape; NaN
    where masked)."""
    vals = np.where(cols >= 0, vector[np.clip(cols, 0, None)], np.nan)
    return xr.DataArray(vals, coords=var.labels.coords, dims=var.labels.dims)


def slot_settings(
    var: linopy.Variable, cols: np.ndarray, value: xr.DataArray
) -> tuple[np.ndarray, np.ndarray]:
    """The columns of ``var``'s valid slots and ``value`` at each (for fixing them)."""
    v = np.asarray(value.transpose(*var.labels.dims).values, dtype=float)
    ok = cols >= 0
    return cols[ok], v[ok]


def _integer_vars(m: linopy.Model) -> list[linopy.Variable]:
    """The integer variables, including any whose every slot is masked."""
    return [m.variables[name] for name in INTEGER_VARIABLES if name in m.variables]


def integers_in_use(m: linopy.Model) -> list[linopy.Variable]:
    """The integer variables with at least one slot in the model."""
    return [v for v in _integer_vars(m) if bool((v.labels >= 0).any())]


def _any_integer_slot(ints: list[linopy.Variable]) -> bool:
    return any(bool((var.labels >= 0).any()) for var in ints)


def _same(a: xr.DataArray | None, b: xr.DataArray | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and bool((a == b).all()))


def _distinct_candidates(
    cands: list[tuple[xr.DataArray | None, _Point | None]],
) -> list[tuple[xr.DataArray | None, _Point | None]]:
    """The candidates with distinct fab decisions, the first of each kept."""
    out: list[tuple[xr.DataArray | None, _Point | None]] = []
    for c, p in cands:
        if not any(_same(c, o) for o, _ in out):
            out.append((c, p))
    return out


def _fractional(values: xr.DataArray) -> bool:
    v = values.fillna(0.0).values
    return bool((np.abs(v - np.round(v)) > _INT_TOL).any())


#: fractional fabs branched on to tighten the relaxation's bound (one LP per branch)
MAX_FAB_BRANCHES = 3
#: candidate roundings taken from the branches' LPs (the best ones), besides the relaxation's
MAX_BRANCH_CANDIDATES = 2
#: the rounding stage tries further candidates only while it has spent less than the
#: relaxation's time (at least this many seconds)
MIN_ROUNDING_BUDGET_S = 5.0


def _fab_count_bound(
    hs: _Highs, fab: linopy.Variable, y: xr.DataArray, lower: float
) -> tuple[float, list[_Point]]:
    """A tighter lower bound from the number of fabs built. Every integer plan builds a
    whole number of fabs, :math:`F = \\sum_{f,p} y_{f,p} \\in \\mathbb{Z}`; where the
    relaxation's :math:`F^*` is fractional, the two LPs with :math:`F \\le \\lfloor F^*
    \\rfloor` and :math:`F \\ge \\lceil F^* \\rceil` (one extra row, removed again) bound
    every integer plan, the lesser of them being the bound. Branching on one fab at a
    time leaves another fab free to take the fraction (the default's budget mode: 0.82
    of one fab, and branching on it moved the bound nowhere). Returns the bound (``lower``
    if none is better) and the two LPs' solutions (starting points for rounding; their
    duals dropped, as they include the extra row)."""
    total = float(y.fillna(0.0).sum())
    if abs(total - round(total)) <= _INT_TOL:
        return lower, []
    cols = hs.columns(fab)
    idx = np.sort(cols[cols >= 0].astype(np.int32))
    if not len(idx):
        return lower, []
    row = hs.h.getNumRow()
    hs.h.addRow(-np.inf, np.inf, len(idx), idx, np.ones(len(idx)))
    children: list[float] = []
    points: list[_Point] = []
    try:
        for lo, up in ((-np.inf, float(math.floor(total))), (float(math.ceil(total)), np.inf)):
            if hs.interrupted or hs.left() <= 0:
                return lower, points
            hs.h.changeRowBounds(row, lo, up)
            term = hs.run("rounding", hs.left())
            if term == "optimal":
                pt = hs.point()
                points.append(_Point(pt.col, None, pt.objective, None))
                children.append(pt.objective)
            elif term == "infeasible":
                children.append(math.inf)
            else:
                return lower, points
    finally:
        hs.h.deleteRows(1, np.array([row], dtype=np.int32))
    return max(lower, min(children)), points


def _fab_branch_bound(
    hs: _Highs, fab: linopy.Variable, y: xr.DataArray, lower: float
) -> tuple[float, list[_Point]]:
    """A tighter lower bound than the relaxation's. Every integer plan builds a fab never,
    or once in one of its allowed periods; so for a fab the relaxation builds a fraction
    of (in total, or split over periods), the least of those branches' LP values bounds
    every integer plan. The most fractional fabs are branched on (each branch a
    warm-started LP) and the best such bound returned (``lower`` if none is better), with
    the branches' solutions (starting points for rounding)."""
    v = y.fillna(0.0).transpose("fab", "period").values
    frac = np.abs(v - np.round(v)).max(axis=1)
    order = [int(i) for i in np.argsort(-frac) if frac[i] > _INT_TOL][:MAX_FAB_BRANCHES]
    cols = hs.columns(fab)
    if fab.labels.dims != ("fab", "period"):
        cols = np.asarray(xr.DataArray(cols, dims=fab.labels.dims).transpose("fab", "period").values)
    bound = lower
    points: list[_Point] = []
    budget_s = max(MIN_ROUNDING_BUDGET_S, hs.stage_seconds.get("relaxation", 0.0))
    start = time.perf_counter()
    for i in order:
        if time.perf_counter() - start > budget_s:
            break
        allowed = cols[i][cols[i] >= 0].astype(np.int32)
        if not len(allowed):
            continue
        children: list[float] = []
        for built_in in (None, *allowed):
            if hs.interrupted or hs.left() <= 0:
                return bound, points
            up = np.array([1.0 if c == built_in else 0.0 for c in allowed])
            hs.h.changeColsBounds(len(allowed), allowed, up, up)
            term = hs.run("rounding", hs.left())
            if term == "optimal":
                points.append(hs.point())
                children.append(points[-1].objective)
            elif term == "infeasible":
                children.append(math.inf)
            hs.h.changeColsBounds(len(allowed), allowed, hs.lb[allowed], hs.ub[allowed])
            if term not in ("optimal", "infeasible"):
                break
        else:
            bound = max(bound, min(children))
    return bound, points


def _fab_tree_bound(
    hs: _Highs, fab: linopy.Variable, y: xr.DataArray, lower: float
) -> tuple[float, list[_Point]]:
    r"""A tighter lower bound than the relaxation's, by best-first branch and bound over
    the fabs alone (the campus modules stay relaxed).

    Every integer plan builds each fab never, or once in one of its allowed periods. A
    node fixes that choice for some fabs; its LP (the others and every module relaxed)
    bounds every plan below it. The open node with the least LP value is expanded: if its
    fabs are all whole, no plan with whole fabs does better — its value bounds every
    integer plan (modules relaxed), and the search stops; otherwise its most fractional
    fab is branched on (never, or built in each allowed period; infeasible children are
    dropped). Stopped early (``MAX_FAB_NODES`` LPs or the rounding budget: the relaxation's
    time, at least ``MIN_ROUNDING_BUDGET_S``), the least open value is still a bound.

    Run only when the rounded plan is not proven within the gap by the cheaper bounds
    (:func:`_fab_branch_bound`, one level, cannot move the bound where another fab takes
    the fraction: budget mode on the default, bound −5,742.5 against −5,638.5 USD bn from
    this search — a proven gap of 1.09 % instead of 2.95 %, and no branch and bound).
    Each node is a warm-started LP (0.1–0.3 s on the default); only column bounds
    change, and they are put back. Returns the bound (at least ``lower``) and, when the
    search ended at a node with whole fabs, that node's solution (else ``[]``)."""
    cols = hs.columns(fab)
    if fab.labels.dims != ("fab", "period"):
        cols = np.asarray(xr.DataArray(cols, dims=fab.labels.dims).transpose("fab", "period").values)
    allowed = [c[c >= 0].astype(np.int32) for c in cols]
    every = (
        np.concatenate([a for a in allowed if len(a)])
        if any(len(a) for a in allowed)
        else np.zeros(0, np.int32)
    )
    budget_s = max(MIN_ROUNDING_BUDGET_S, hs.stage_seconds.get("relaxation", 0.0))
    start = time.perf_counter()

    def fractional_fab(values: np.ndarray, fixed: dict[int, int | None]) -> int | None:
        frac = np.abs(values - np.round(values)).max(axis=1)
        frac[list(fixed)] = 0.0
        i = int(np.argmax(frac))
        return i if frac[i] > _INT_TOL else None

    def fab_values(col: np.ndarray) -> np.ndarray:
        return np.asarray(hs.values(fab, col).fillna(0.0).transpose("fab", "period").values)

    # (value, tie-break, fixings fab -> column built in (None: never), solution)
    heap: list[tuple[float, int, dict[int, int | None], _Point | None]] = [(lower, 0, {}, None)]
    root_values = np.asarray(y.fillna(0.0).transpose("fab", "period").values)
    counter = 1
    bound = lower
    try:
        while heap:
            value, _, fixed, point = heapq.heappop(heap)
            bound = max(lower, value)
            values = root_values if point is None else fab_values(point.col)
            i = fractional_fab(values, fixed)
            if i is None:  # the least open node has whole fabs
                return bound, [point] if point is not None else []
            if (
                counter > MAX_FAB_NODES
                or time.perf_counter() - start > budget_s
                or hs.interrupted
                or hs.left() <= 0
            ):
                return bound, []
            for built_in in (None, *[int(c) for c in allowed[i]]):
                child = {**fixed, i: built_in}
                fixed_cols = np.concatenate([allowed[j] for j in child]).astype(np.int32)
                fix_up = np.concatenate([(allowed[j] == choice).astype(float) for j, choice in child.items()])
                hs.h.changeColsBounds(len(every), every, hs.lb[every], hs.ub[every])
                hs.h.changeColsBounds(len(fixed_cols), fixed_cols, fix_up, fix_up)
                term = hs.run("rounding", hs.left())
                counter += 1
                if term == "optimal":
                    p = hs.point()
                    heapq.heappush(heap, (p.objective, counter, child, p))
                elif term != "infeasible":
                    heapq.heappush(heap, (value, counter, child, None))  # unknown: its parent's value
                    return max(lower, min(h[0] for h in heap)), []
        return lower, []  # every branch infeasible: nothing to add to the bound
    finally:
        hs.h.changeColsBounds(len(every), every, hs.lb[every], hs.ub[every])


#: LPs the fab branch and bound may solve (it stops earlier at the rounding budget)
MAX_FAB_NODES = 60


#: fractional campuses at which one more module is tried in budget mode
MAX_MODULE_TRIES = 10


def _add_modules(
    hs: _Highs, modules: linopy.Variable, lp: _Point, plan: _Point, emit: SolveProgress
) -> _Point:
    """Budget mode: rounding down leaves capital unspent. Add one whole module back at
    each campus the LP built a fraction of (most fractional first, from the period the
    fraction appears), keeping it when the fixed LP stays feasible and improves."""
    n_lp = hs.values(modules, lp.col).fillna(0.0)
    dims = n_lp.dims
    n_fix = hs.values(modules, plan.col).fillna(0.0).round()
    cum_lp = np.cumsum(np.clip(n_lp.values, 0.0, None), axis=-1)
    cum = np.cumsum(n_fix.values, axis=-1)
    frac = cum_lp - cum
    cols = hs.columns(modules)
    ub = np.where(cols >= 0, hs.ub[np.clip(cols, 0, None)], 0.0)
    tries: list[tuple[float, int, int]] = []
    for k in range(frac.shape[0]):
        js = np.flatnonzero(frac[k] > 1e-3)
        if len(js):
            tries.append((float(frac[k].max()), k, int(js[0])))
    tries.sort(reverse=True)
    for _f, k, j in tries[:MAX_MODULE_TRIES]:
        if hs.interrupted or hs.left() <= 0:
            break
        trial = cum.copy()
        trial[k, j:] += 1.0
        added = np.diff(np.concatenate([np.zeros((trial.shape[0], 1)), trial], axis=1), axis=1)
        if (added[k] > ub[k] + _INT_TOL).any() or (added[k] > 0.5)[cols[k] < 0].any():
            continue
        hs.fix(modules, xr.DataArray(added, coords=n_lp.coords, dims=dims))
        term = hs.run("fixed_lp", hs.left())
        if term == "optimal" and hs.h.getInfo().objective_function_value < plan.objective - 1e-9 * abs(
            plan.objective
        ):
            plan, cum = hs.point(), trial
            emit(SolveEvent("fixed_lp", "progress", hs.elapsed(), plan.objective, message="one more module"))
    added = np.diff(np.concatenate([np.zeros((cum.shape[0], 1)), cum], axis=1), axis=1)
    hs.fix(modules, xr.DataArray(added, coords=n_lp.coords, dims=dims))
    return plan


def solve(
    built: BuiltModel,
    settings: SolverSettings,
    progress: SolveProgress | None = None,
    start: StartBasis | None = None,
) -> SolveResult:
    """Solve; never raises for infeasible or unbounded models, time limits or Ctrl-C —
    the result says what happened. ``start``: a basis to start the relaxation (or the LP)
    from, used when it was taken from a model of the same shape (:class:`StartBasis`)."""
    t0 = time.perf_counter()
    emit: SolveProgress = progress or (lambda _e: None)
    if decomposes(built.model, settings):
        from stateside.model.decomposition import DecompositionError, solve_decomposed

        try:
            with quiet_linopy():
                decomposed: SolveResult = solve_decomposed(built, settings, t0, emit)
            release_memory()
            return decomposed
        except DecompositionError as exc:
            # a model that cannot be split by typical day (a constraint over several days):
            # solved whole instead, within what is left of the time limit
            _log.warning("decomposition by typical day not possible, solving the whole LP: %s", exc)
            emit(SolveEvent("relaxation", "progress", time.perf_counter() - t0, message=f"one LP: {exc}"))
    with quiet_linopy():
        return _solve_staged(built, settings, t0, emit, start)


def release_memory() -> None:
    """Hand freed heap memory back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). A decomposed hourly solve frees its 96 HiGHS instances on return, but
    glibc keeps the pages: 3.5 GB at 51 regions × 24 days hourly, which the ratepayer
    counterfactual's own solve would otherwise add to (peak 7.5 GB against 4.9 GB)."""
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


#: ``solver.decomposition: auto`` splits models with at least this many rows by typical
#: day (51 regions: 4 days × 6 steps ≈ 0.11 M rows, 16 × 6 ≈ 0.43 M, 24 × 24 ≈ 2.6 M)
DECOMPOSE_MIN_ROWS = 400_000


def decomposes(m: linopy.Model, settings: SolverSettings) -> bool:
    """Whether ``m`` is solved by Benders decomposition by typical day
    (:mod:`stateside.model.decomposition`): ``solver.decomposition`` ``days`` always,
    ``off`` never, ``auto`` from DECOMPOSE_MIN_ROWS rows."""
    if settings.decomposition == "auto":
        return int(m.constraints.ncons) >= DECOMPOSE_MIN_ROWS
    return settings.decomposition == "days"


def _solve_staged(
    built: BuiltModel, settings: SolverSettings, t0: float, emit: SolveProgress, start: StartBasis | None
) -> SolveResult:
    m, d = built.model, built.data
    hs = _Highs(m, settings, t0, emit)
    ints = integers_in_use(m)
    warm_started = False
    if start is not None and start.key == hs.shape_key:
        warm_started = hs.h.setBasis(start.to_highs()) == highspy.HighsStatus.kOk

    def result(
        term: str,
        best: _Point | None,
        method: str,
        lower: float | None,
        gap: float | None,
    ) -> SolveResult:
        elapsed = hs.elapsed()
        if best is not None:
            hs.assign(best, term)
        emit(
            SolveEvent(
                "done",
                "end",
                elapsed,
                best.objective if best is not None else None,
                lower,
                gap,
                message=term,
            )
        )
        return SolveResult(
            "ok" if best is not None else "warning",
            term,
            best.objective if best is not None else math.nan,
            gap,
            elapsed,
            best is not None and best.dual is not None,
            method,
            lower,
            time_limit_reached=term == "time_limit",
            interrupted=hs.interrupted,
            stage_seconds={k: round(v, 3) for k, v in hs.stage_seconds.items()},
            highs_seconds=hs.highs_seconds,
            warm=WarmModel(hs, best, term) if best is not None else None,
            warm_started=warm_started,
        )

    def stopped_term() -> str:
        return "interrupted" if hs.interrupted else "time_limit"

    # 0. no integers: one LP
    if not ints:
        emit(SolveEvent("lp", "start", hs.elapsed()))
        term = hs.run("lp", hs.left())
        if term == "optimal":
            solution = hs.point()
            emit(SolveEvent("lp", "end", hs.elapsed(), solution.objective))
            return result("optimal", solution, "lp", None, None)
        if hs.interrupted:
            term = "interrupted"
        return result(term, None, "lp", None, None)

    # 1. LP relaxation: lower bound
    emit(SolveEvent("relaxation", "start", hs.elapsed()))
    term = hs.run("relaxation", hs.left())
    if term != "optimal":
        return result(
            stopped_term() if term in ("time_limit", "interrupted") else term, None, "lp", None, None
        )
    relaxed = hs.point()
    lower = relaxed.objective
    emit(
        SolveEvent(
            "relaxation", "end", hs.elapsed(), bound_musd=lower, message="warm start" if warm_started else ""
        )
    )

    # 2.-3. rounding and fixed LP: one candidate plan per way of rounding the fabs (up
    # from first use; down, when the relaxation builds a fraction of one), the best kept
    fab = m.variables["fab_build"] if "fab_build" in m.variables else None  # noqa: SIM401
    modules = m.variables["modules"] if "modules" in m.variables else None  # noqa: SIM401
    fab_ok = fab is not None and any(v is fab for v in ints)
    mod_ok = modules is not None and any(v is modules for v in ints)
    # candidates: a fab decision, with the LP at that decision (modules free) when one is
    # already solved — the fab branches' LPs first (best first: they bound every integer
    # plan), then the relaxation's fabs rounded up from first use, and down
    candidates: list[tuple[xr.DataArray | None, _Point | None]] = []
    y = None
    if fab_ok:
        assert fab is not None
        y = hs.values(fab, relaxed.col)
    if fab_ok and mod_ok and y is not None and _fractional(y.sum("period")):
        assert fab is not None
        emit(SolveEvent("rounding", "start", hs.elapsed(), bound_musd=lower, message="fab branches"))
        r0 = time.perf_counter()
        count_bound, count_points = _fab_count_bound(hs, fab, y, lower)
        branch_bound, branch_points = _fab_branch_bound(hs, fab, y, lower)
        lower = max(lower, count_bound, branch_bound)
        branch_points = count_points + branch_points
        for p in sorted(branch_points, key=lambda p: p.objective)[:MAX_BRANCH_CANDIDATES]:
            y_p = hs.values(fab, p.col)
            candidates.append((round_fabs(y_p), None if _fractional(y_p) else p))
        hs.stage_seconds["rounding"] = hs.stage_seconds.get("rounding", 0.0) + (time.perf_counter() - r0)
        emit(SolveEvent("rounding", "end", hs.elapsed(), bound_musd=lower, message="fab branches"))
    if fab_ok and y is not None:
        candidates.append((round_fabs(y), None))
        if _fractional(y):
            candidates.append((floor_fabs(y), None))
    else:
        candidates.append((None, None))
    candidates = _distinct_candidates(candidates)
    best: _Point | None = None
    gap: float | None = None
    rounding_budget_s = max(MIN_ROUNDING_BUDGET_S, hs.stage_seconds.get("relaxation", 0.0))
    for i, (choice, solved) in enumerate(candidates):
        if hs.interrupted or hs.left() <= 0:
            break
        if best is not None and (
            _gap(best.objective, lower) <= settings.mip_gap
            or hs.stage_seconds.get("rounding", 0.0) > rounding_budget_s
        ):
            break  # a plan within the gap, or enough time spent on candidates
        emit(SolveEvent("rounding", "start", hs.elapsed(), message=f"candidate {i + 1} of {len(candidates)}"))
        r0 = time.perf_counter()
        current = relaxed
        if choice is not None:
            assert fab is not None and y is not None
            hs.fix(fab, choice)
            if mod_ok and solved is not None:
                current = solved  # the branch's LP: these fabs, modules free
            elif mod_ok and _fractional(y):
                assert modules is not None
                hs.unfix(modules)
                term = hs.run("rounding", hs.left())  # the campuses adapt to the fab decision
                if term != "optimal":
                    emit(SolveEvent("rounding", "end", hs.elapsed(), message=f"no plan ({term})"))
                    continue
                current = hs.point()
        hs.stage_seconds["rounding"] = hs.stage_seconds.get("rounding", 0.0) + (time.perf_counter() - r0)
        emit(
            SolveEvent(
                "rounding",
                "end",
                hs.elapsed(),
                message=f"LP with the fabs fixed {current.objective / 1e3:,.1f} USD bn"
                if current is not relaxed
                else "",
            )
        )
        # module roundings: target mode covers the targets (up), and when that plan is not
        # within the gap (capital or power short for the extra modules) also rounds down
        # and adds whole modules back while the plan improves; budget mode only the latter
        ways = ("cover", "greedy") if d.mode == "target" else ("greedy",)
        for way in ways if mod_ok else ("none",):
            if way == "greedy" and best is not None and _gap(best.objective, lower) <= settings.mip_gap:
                break
            if hs.interrupted or hs.left() <= 0:
                break
            if mod_ok:
                assert modules is not None
                hs.fix(
                    modules, round_modules(hs.values(modules, current.col), d, cover_targets=way == "cover")
                )
            emit(SolveEvent("fixed_lp", "start", hs.elapsed(), message="" if way == "none" else way))
            term = hs.run("fixed_lp", hs.left())
            point = hs.point() if term == "optimal" else None
            if point is not None and way == "greedy":
                assert modules is not None
                point = _add_modules(hs, modules, current, point, emit)
            if point is not None and (best is None or point.objective < best.objective):
                best = point
            gap = _gap(best.objective, lower) if best is not None else None
            emit(
                SolveEvent(
                    "fixed_lp",
                    "end",
                    hs.elapsed(),
                    point.objective if point is not None else None,
                    lower,
                    _gap(point.objective, lower) if point is not None else None,
                    message="" if point is not None else f"no plan ({term})",
                )
            )
    if best is None and not hs.interrupted and hs.left() > 0:
        # every candidate infeasible: round everything down
        if fab_ok:
            assert fab is not None and y is not None
            hs.fix(fab, floor_fabs(y))
        if mod_ok:
            assert modules is not None
            hs.fix(modules, round_modules(hs.values(modules, relaxed.col), d, cover_targets=False))
        emit(SolveEvent("fixed_lp", "start", hs.elapsed(), message="everything rounded down"))
        term = hs.run("fixed_lp", hs.left())
        best = hs.point() if term == "optimal" else None
        gap = _gap(best.objective, lower) if best is not None else None
        emit(SolveEvent("fixed_lp", "end", hs.elapsed(), best.objective if best else None, lower, gap))
    if (
        best is not None
        and gap is not None
        and gap > settings.mip_gap
        and fab_ok
        and mod_ok
        and y is not None
        and _fractional(y)
        and not hs.interrupted
        and hs.left() > 0
    ):
        # not proven within the gap: a deeper bound from branch and bound over the fabs
        # alone, before HiGHS's branch and bound over everything
        assert fab is not None and modules is not None
        emit(SolveEvent("rounding", "start", hs.elapsed(), bound_musd=lower, message="fab branch and bound"))
        r0 = time.perf_counter()
        hs.unfix(fab)
        hs.unfix(modules)
        tree_bound, _ = _fab_tree_bound(hs, fab, y, lower)
        lower = max(lower, tree_bound)
        gap = _gap(best.objective, lower)
        hs.stage_seconds["rounding"] = hs.stage_seconds.get("rounding", 0.0) + (time.perf_counter() - r0)
        emit(
            SolveEvent(
                "rounding", "end", hs.elapsed(), best.objective, lower, gap, message="fab branch and bound"
            )
        )
    if best is not None and gap is not None and gap <= settings.mip_gap:
        return result("optimal", best, "relax-and-round", lower, gap)
    if hs.interrupted or hs.left() <= 0:
        gap = _gap(best.objective, lower) if best is not None else None
        return result(stopped_term(), best, "relax-and-round", lower, gap)
    if not settings.branch_and_bound and best is not None:
        # the rounded plan is kept with its proven gap (solver.branch_and_bound off)
        return result("rounded", best, "relax-and-round", lower, gap)

    # 4. branch and bound for the time left, warm started from the rounded plan
    emit(SolveEvent("branch_and_bound", "start", hs.elapsed(), best.objective if best else None, lower))
    for var in ints:
        hs.unfix(var)
        hs.integrality(var, True)
    if best is not None:
        hs.h.setSolution(len(best.col), np.arange(len(best.col), dtype=np.int32), best.col)
    hs.use_options(mip=True)
    hs.h.setOptionValue("solver", "choose")  # "simplex" would make HiGHS ignore integrality
    reserve = max(FINAL_LP_RESERVE_S, 2.0 * hs.stage_seconds.get("fixed_lp", 0.0))
    term = hs.run("branch_and_bound", max(hs.left() - reserve, MIN_RUN_S), mip=True, known_bound=lower)
    info = hs.h.getInfo()
    bound = float(info.mip_dual_bound)
    if math.isfinite(bound) and abs(bound) < 1e20:
        lower = max(lower, bound)
    incumbent = hs.point() if hs.has_solution() else None
    emit(
        SolveEvent(
            "branch_and_bound",
            "end",
            hs.elapsed(),
            incumbent.objective if incumbent else None,
            lower,
            _gap(incumbent.objective, lower) if incumbent else None,
            message=term,
        )
    )
    mip_finished = term == "optimal"
    for var in ints:
        hs.integrality(var, False)
    if incumbent is not None and (
        best is None or incumbent.objective < best.objective - 1e-9 * abs(best.objective)
    ):
        # 5. final LP with the integers branch and bound found: duals for the plan
        for var in ints:
            hs.fix(var, hs.values(var, incumbent.col).fillna(0.0).round())
        hs.use_options(mip=False)
        if best is not None and best.basis is not None:
            hs.h.setBasis(best.basis)  # the rounded plan's basis: a few integers differ
        emit(SolveEvent("final_lp", "start", hs.elapsed()))
        interrupted_before = hs.interrupted
        hs.interrupted = False
        # the final LP runs even past the limit (its reserve) or after Ctrl-C: a few seconds
        term_lp = hs.run("final_lp", max(hs.left(), reserve))
        if term_lp == "optimal" and hs.point().objective > incumbent.objective + 1e-7 * abs(
            incumbent.objective
        ):
            # the warm start went wrong (the LP with the incumbent's integers cannot be
            # worse than the incumbent): solve it again from scratch
            hs.h.clearSolver()
            term_lp = hs.run("final_lp", max(hs.left(), reserve))
        hs.interrupted = hs.interrupted or interrupted_before
        if term_lp == "optimal":
            best = hs.point()
        emit(
            SolveEvent(
                "final_lp",
                "end",
                hs.elapsed(),
                best.objective if best else None,
                lower,
                message="" if term_lp == "optimal" else f"no plan ({term_lp}): the rounded plan is kept",
            )
        )
    if best is None:
        if term in ("time_limit", "interrupted") or hs.interrupted:
            return result(stopped_term(), None, "branch-and-bound", lower, None)
        return result(term, None, "branch-and-bound", lower, None)
    gap = _gap(best.objective, lower)
    if hs.interrupted:
        final = "interrupted"
    elif mip_finished or gap <= settings.mip_gap:
        final = "optimal"
    elif term == "stalled":
        final = "stalled"
    else:
        final = "time_limit"  # branch and bound stopped at the time left to it
    return result(final, best, "branch-and-bound", lower, gap)
