r"""Benders decomposition by typical day: hourly studies at national scale.

At 51 regions × 24 typical days × 24 hourly steps × 4 periods the model's LP has about
2.6 million rows and 2.2 million columns. HiGHS's dual simplex does not finish its
relaxation in ten minutes on a 2-core machine and its interior point needs about as long
(docs/benchmarks.md). The LP is, however, nearly separable: every constraint indexed by
``(period, day, step)`` links only that typical day's dispatch to the **investment**
columns (builds, retirements, corridor expansion, campus modules, on-site units, fabs,
capital), and no constraint links two typical days' dispatch. So the problem is split:

.. math::

    \min_{x, y}\; c_x^\top x + \sum_k c_k^\top y_k
    \quad\text{s.t.}\quad L_0 \le A_0 x \le U_0,\;
    L_k \le A_k^x x + A_k^y y_k \le U_k,\; l \le (x, y) \le u

with :math:`x` every column without a ``step`` dimension (the *master* columns) and
:math:`y_k` the dispatch of typical day :math:`k = (p, d)`. For a fixed :math:`\bar x`
each day is an LP of about 27,000 rows (:math:`z_k(\bar x)`, the **subproblem**), and
:math:`z_k` is convex and piecewise linear in :math:`x`. With :math:`\pi_k` the
subproblem's row duals (HiGHS's sign: :math:`\partial z_k / \partial` row bound),

.. math::

    z_k(x) \;\ge\; z_k(\bar x) - \pi_k^\top A_k^x (x - \bar x)

(a **Benders cut**). The **master** is the LP in :math:`(x, \bar y, \theta)`:
:math:`\min c_x^\top x + \sum_k \theta_k` over the master rows, every cut found so far,
and a **day-averaged copy of each day** — each dispatch column replaced by its mean over
the day's steps :math:`\bar y`, each per-step row by its mean over the steps — with
:math:`\theta_k \ge \bar c_k^\top \bar y_k`. Any hourly dispatch's day means satisfy the
averaged rows (they are sums of the hourly rows; :func:`partition` checks that each
column's total coefficient over a day's rows is the same at every step, which is what
makes the average exact — a storage level appears as :math:`+1` and :math:`-1` in
consecutive steps of its cyclic day and sums to 0), so the averaged day is a relaxation
of the hourly one and the master is a relaxation of the model: its optimum is a **lower
bound**. The master starts as a 1-snapshot-a-day model (about the size of the 4:4 plan's
LP) and each round adds one cut per day whose :math:`z_k` exceeds its :math:`\theta_k`.

Every :math:`\bar x` with its days' dispatch is a feasible plan; its cost
:math:`c_x^\top \bar x + \sum_k z_k(\bar x)` is an **upper bound**. Rounds continue until
the bounds are within ``tolerance``.

**Integers.** The master is solved with the campus modules and fabs relaxed until the
LP bounds meet (the *relaxation*); the modules and fabs are then rounded as in the
monolithic solve (:mod:`stateside.model.rounding`), fixed in the master, and the rounds
continue with every cut kept (a cut bounds :math:`z_k`, whatever the integers) until the
fixed plan is within tolerance of its own bound. The fewest whole fabs are tried first;
only a plan outside ``mip_gap`` brings the number-of-fabs branches (a tighter bound and
their own fab choices) and then the branch and bound over the fabs alone on the master
(:func:`stateside.model.solve._fab_tree_bound` through :class:`_TreeView`). The proven gap
reported is the best plan's cost against the best of these bounds.

**Infeasible days.** A day whose subproblem is infeasible at :math:`\bar x` (e.g. lost
load above what the master's ``it_unpowered`` allows) is solved again with a penalised
slack on each row that involves master columns (:data:`ELASTIC_PENALTY` × the largest
cost). Its optimum is below the true :math:`z_k` (more is allowed), so its cut is still
valid, and it pushes the master away; the round gives no upper bound.

Symbols: :math:`A_0, L_0, U_0` the master rows (no dispatch column), :math:`A_k^x,
A_k^y, L_k, U_k` day :math:`k`'s rows, :math:`c` the objective, :math:`l, u` the column
bounds, :math:`\theta_k` the master's estimate of day :math:`k`'s cost (USD, objective
units), :math:`\bar c_k` day :math:`k`'s costs summed over its steps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import highspy
import linopy
import numpy as np
import scipy.sparse as sp
import xarray as xr

#: the dimensions that make a column or row part of a typical day's dispatch
DAY_DIMS = ("period", "day", "step")
#: penalty per unit of slack of an infeasible day's rows, times the model's largest cost
ELASTIC_PENALTY = 100.0
#: relative tolerance of "a column's coefficient is the same at every step of its day"
_EXACT_TOL = 1e-9
#: rounds a stage that must give a plan may run past the time limit until it has one
ROUNDS_PAST_DEADLINE = 10
#: a cut is added when z_k exceeds θ_k by more than this (relative to |z_k| + 1)
_CUT_TOL = 1e-7
#: HiGHS statuses that are an answer (anything else is solved again from scratch once)
_DEFINITE = (
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kModelEmpty,
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kInterrupt,
    highspy.HighsModelStatus.kMemoryLimit,
)
#: the decomposition's branch and bound over the fabs may spend this many times the
#: relaxation's time (each node is about one round of it; at least MIN_ROUNDING_BUDGET_S)
TREE_BUDGET_ROUNDS = 3.0
#: HiGHS options of the master over the solver settings: with its cuts (dense rows,
#: coefficients from 2e-4 to 6e5) the warm re-solves run faster scaled by largest value
#: (strategy 4) than with HiGHS's default (1, the settings' default, best for the whole
#: LP): the relaxation's master at 16:4 takes 4.8 s against 5.7 s (docs/benchmarks.md)
MASTER_OPTIONS: dict[str, Any] = {"simplex_scale_strategy": 4}


class DecompositionError(ValueError):
    """The model cannot be split by typical day (a constraint couples two days, or a
    day's rows cannot be averaged exactly)."""


@dataclass
class Partition:
    """The model's columns and rows split into the master and the typical days.

    Positions are into linopy's matrices (``m.matrices``): columns in ``vlabels`` order,
    rows in ``clabels`` order."""

    n_days: int  # typical days k = period index × days + day index
    col_day: np.ndarray  # day of each column, -1: master
    row_day: np.ndarray  # day of each row, -1: master
    col_group: np.ndarray  # averaged column of each day column (-1: master)
    row_group: np.ndarray  # averaged row of each day row (-1: master)
    n_col_groups: int
    n_row_groups: int
    group_day: np.ndarray  # day of each averaged column
    pos: np.ndarray  # column of each linopy variable label (-1: not in the matrix)
    rpos: np.ndarray  # row of each linopy constraint label (-1: not in the matrix)


def _day_index(
    labels: np.ndarray, dims: tuple[str, ...], sizes: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For one variable's or constraint's labels (any dim order): the labels, their day
    (period × n_day + day) and their group (the slot without its step), flattened with
    ``step`` last."""
    order = [dim for dim in dims if dim not in DAY_DIMS] + list(DAY_DIMS)
    arr = np.moveaxis(labels, [dims.index(d) for d in order], range(len(order)))
    n_p, n_d, n_s = sizes["period"], sizes["day"], sizes["step"]
    day = np.broadcast_to(
        (np.arange(n_p)[:, None] * n_d + np.arange(n_d)[None, :])[..., None], arr.shape[-3:]
    )
    day = np.broadcast_to(day, arr.shape)
    group = np.broadcast_to(np.arange(arr.size // n_s).reshape(arr.shape[:-1])[..., None], arr.shape)
    return arr.reshape(-1, n_s), day.reshape(-1, n_s), group.reshape(-1, n_s)


def partition(m: linopy.Model, vlabels: np.ndarray, clabels: np.ndarray) -> Partition:
    """Split ``m``'s columns and rows by typical day (see the module docstring)."""
    from stateside.model.solve import label_positions

    n, n_rows = len(vlabels), len(clabels)
    pos, rpos = label_positions(vlabels), label_positions(clabels)
    col_day = np.full(n, -1, dtype=np.int64)
    col_group = np.full(n, -1, dtype=np.int64)
    row_day = np.full(n_rows, -1, dtype=np.int64)
    row_group = np.full(n_rows, -1, dtype=np.int64)
    n_days = 0
    sizes: dict[str, int] = {}

    def assign(
        items: Any, where: np.ndarray, day_of: np.ndarray, group_of: np.ndarray, kind: str
    ) -> tuple[int, np.ndarray]:
        nonlocal n_days, sizes
        next_group = 0
        group_days: list[np.ndarray] = []
        for name, item in items:
            dims = tuple(str(dim) for dim in item.labels.dims)
            if not set(DAY_DIMS) <= set(dims):
                continue
            these = {dim: int(item.labels.sizes[dim]) for dim in DAY_DIMS}
            if not sizes:
                sizes = these
                n_days = these["period"] * these["day"]
            elif these != sizes:
                raise DecompositionError(f"{kind} {name!r} has period/day/step sizes {these}, not {sizes}")
            labels, day, group = _day_index(np.asarray(item.labels.values), dims, sizes)
            # a slot is in the model if it has a label that the matrix kept (a row whose
            # every coefficient is zero is dropped from the matrix)
            inside = (labels >= 0) & (labels < len(where))
            valid = inside & (where[np.where(inside, labels, 0)] >= 0)
            partial = valid.any(axis=1) & ~valid.all(axis=1)
            if partial.any():
                raise DecompositionError(
                    f"{kind} {name!r} is masked at some steps of a day but not others: a day's "
                    "mean cannot stand for it"
                )
            keep = valid.all(axis=1)
            labels, day, group = labels[keep], day[keep], group[keep]
            # renumber the kept groups consecutively
            ids = next_group + np.arange(len(labels))
            next_group += len(labels)
            p = where[labels.ravel()]
            if (p < 0).any():
                raise DecompositionError(f"{kind} {name!r} has slots missing from the model's matrix")
            day_of[p] = day.ravel()
            group_of[p] = np.repeat(ids, sizes["step"])
            group_days.append(day[:, 0])
        groups_day = np.concatenate(group_days) if group_days else np.zeros(0, dtype=np.int64)
        return next_group, groups_day

    n_cg, group_day = assign(m.variables.items(), pos, col_day, col_group, "variable")
    n_rg, _ = assign(m.constraints.items(), rpos, row_day, row_group, "constraint")
    return Partition(n_days, col_day, row_day, col_group, row_group, n_cg, n_rg, group_day, pos, rpos)


@dataclass
class _Day:
    """One typical day's subproblem: a HiGHS LP over its dispatch columns."""

    cols: np.ndarray  # positions in the model
    rows: np.ndarray
    a_x: sp.csr_matrix  # rows × master columns (positions in the master column list)
    lower: np.ndarray  # row bounds before the master's share is moved over
    upper: np.ndarray
    highs: Any
    elastic: Any = None  # the penalised copy, built when first needed
    linked: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass
class DayResult:
    objective: float
    col: np.ndarray
    dual: np.ndarray
    feasible: bool


@dataclass
class BendersPoint:
    """A plan found by the decomposition: full column values and row duals (model
    positions), its cost, and the master bound it was found under."""

    col: np.ndarray
    dual: np.ndarray
    objective: float


@dataclass
class Round:
    """One round: the master's bound, the plan's cost (inf: some day infeasible), seconds."""

    stage: str
    lower: float
    upper: float
    cuts: int
    seconds: float


def _day_result(h: Any, n_cols: int, feasible: bool) -> DayResult:
    """A solved day's cost, its dispatch columns' values (the first ``n_cols``: a penalised
    copy has its slacks after them) and its row duals."""
    sol = h.getSolution()
    return DayResult(
        float(h.getInfo().objective_function_value),
        np.asarray(sol.col_value)[:n_cols],
        np.asarray(sol.row_dual),
        feasible,
    )


def _status_word(status: Any) -> str:
    """HiGHS's model status as the solve's termination words (stateside.model.solve)."""
    return {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible_or_unbounded",
        highspy.HighsModelStatus.kUnbounded: "unbounded",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
        highspy.HighsModelStatus.kInterrupt: "interrupted",
        highspy.HighsModelStatus.kMemoryLimit: "memory_limit",
    }.get(status, "error")


def _group_mean(summer: Any, values: np.ndarray, counts: np.ndarray, infinite: float) -> np.ndarray:
    """Mean of ``values`` over each group (``summer``: group × item, ones; ``counts``: items
    per group); ``infinite`` (±inf) where any item of the group is infinite — an averaged
    bound is unbounded if any step's is."""
    finite = np.isfinite(values)
    mean = (summer @ np.where(finite, values, 0.0)) / np.maximum(counts, 1.0)
    mean[(summer @ (~finite).astype(float)) > 0] = infinite
    return np.asarray(mean, dtype=float)


def _quiet(h: Any) -> None:
    h.setOptionValue("output_flag", False)


def _highs_lp(
    lb: np.ndarray,
    ub: np.ndarray,
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    A: sp.csr_matrix,
    options: dict[str, Any],
    threads: int | None = None,
) -> Any:
    """A quiet HiGHS instance holding the LP min cᵀy, lower ≤ A y ≤ upper, lb ≤ y ≤ ub."""
    h = highspy.Highs()
    _quiet(h)
    n = len(lb)
    h.addVars(n, lb, ub)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    if A.shape[0]:
        h.addRows(
            A.shape[0], lower, upper, A.nnz, A.indptr.astype(np.int32), A.indices.astype(np.int32), A.data
        )
    for key, value in options.items():
        h.setOptionValue(key, value)
    if threads is not None:
        h.setOptionValue("threads", threads)
    return h


class Benders:
    """The decomposition of one linopy model (see the module docstring)."""

    def __init__(
        self,
        m: linopy.Model,
        options: dict[str, Any] | None = None,
        threads: int = 2,
    ) -> None:
        if m.objective.sense == "max":
            raise DecompositionError("the decomposition minimises; the model maximises")
        m.constraints.sanitize_zeros()
        m.constraints.sanitize_infinities()
        M = m.matrices
        self.m = m
        self.vlabels = np.asarray(M.vlabels)
        self.clabels = np.asarray(M.clabels)
        self.part = part = partition(m, self.vlabels, self.clabels)
        if part.n_days == 0:
            raise DecompositionError("the model has no (period, day, step) dispatch to split off")
        A = M.A.tocsr() if M.A is not None else sp.csr_matrix((0, len(self.vlabels)))
        b = np.asarray(M.b, dtype=float)
        sense = np.asarray(M.sense)
        self.row_lower = np.where(sense != "<", b, -np.inf)
        self.row_upper = np.where(sense != ">", b, np.inf)
        self.cost = np.asarray(M.c, dtype=float)
        self.lb = np.asarray(M.lb, dtype=float)
        self.ub = np.asarray(M.ub, dtype=float)
        self.options = {"presolve": "on", "solver": "simplex", **(options or {})}
        self.threads = max(1, int(threads))
        n = len(self.vlabels)
        self.pos = part.pos

        # master columns and their positions in the master LP
        self.x_cols = np.flatnonzero(part.col_day < 0)
        self.x_index = np.full(n, -1, dtype=np.int64)
        self.x_index[self.x_cols] = np.arange(len(self.x_cols))
        master_rows = np.flatnonzero(part.row_day < 0)
        day_rows = np.flatnonzero(part.row_day >= 0)
        day_cols = np.flatnonzero(part.col_day >= 0)

        # no master row may touch a day's dispatch; a day's row touches only its own day
        A_master = A[master_rows]
        if A_master.nnz and (part.col_day[A_master.indices] >= 0).any():
            bad = master_rows[
                np.unique(
                    np.repeat(np.arange(len(master_rows)), np.diff(A_master.indptr))[
                        part.col_day[A_master.indices] >= 0
                    ]
                )
            ][:1]
            raise DecompositionError(
                f"constraint row {self._row_name(int(bad[0]))} links dispatch of a typical day to the "
                "master rows: the days cannot be solved apart"
            )
        A_day = A[day_rows]
        entry_row_day = np.repeat(part.row_day[day_rows], np.diff(A_day.indptr))
        entry_col_day = part.col_day[A_day.indices]
        cross = (entry_col_day >= 0) & (entry_col_day != entry_row_day)
        if cross.any():
            r = day_rows[np.repeat(np.arange(len(day_rows)), np.diff(A_day.indptr))[cross][0]]
            raise DecompositionError(
                f"constraint row {self._row_name(int(r))} links two typical days: the days cannot be solved apart"
            )
        self.A = A
        self.A_master_x = A_master[:, self.x_cols].tocsr()
        self.master_rows = master_rows
        self.day_rows = day_rows

        # the day-averaged rows (module docstring): sums over each row group's steps
        n_steps = np.bincount(part.row_group[day_rows], minlength=part.n_row_groups).astype(float)
        S = sp.csr_matrix(
            (np.ones(len(day_rows)), (part.row_group[day_rows], np.arange(len(day_rows)))),
            shape=(part.n_row_groups, len(day_rows)),
        )
        B = (S @ A_day[:, day_cols]).tocsc()  # row group × day column: Σ over the group's steps
        P = sp.csr_matrix(
            (np.ones(len(day_cols)), (np.arange(len(day_cols)), part.col_group[day_cols])),
            shape=(len(day_cols), part.n_col_groups),
        )
        col_steps = np.asarray(P.sum(axis=0)).ravel()
        kappa = (B @ P) @ sp.diags(1.0 / np.maximum(col_steps, 1.0))  # mean over the steps
        spread = B - kappa @ P.T
        scale = max(1.0, float(abs(B).max()) if B.nnz else 1.0)
        if spread.nnz and float(abs(spread).max()) > _EXACT_TOL * scale:
            coo = spread.tocoo()
            worst = int(np.argmax(np.abs(coo.data)))
            col = day_cols[coo.col[worst]]
            raise DecompositionError(
                f"column {self._col_name(int(col))} has a different coefficient over a day's rows at "
                "different steps: the day-averaged master would not be a relaxation"
            )
        c_day = self.cost[day_cols]
        c_mean = (P.T @ c_day) / np.maximum(col_steps, 1.0)
        if np.abs(c_day - c_mean[part.col_group[day_cols]]).max(initial=0.0) > _EXACT_TOL * max(
            1.0, float(np.abs(c_day).max(initial=0.0))
        ):
            raise DecompositionError("a dispatch cost differs between the steps of a day")
        inv_steps = sp.diags(1.0 / np.maximum(n_steps, 1.0))
        agg_x = (inv_steps @ S @ A_day[:, self.x_cols]).tocsr()
        agg_y = kappa.tocsr()  # κ: the mean row has κ ȳ (module docstring)
        agg_lower = _group_mean(S, self.row_lower[day_rows], n_steps, -np.inf)
        agg_upper = _group_mean(S, self.row_upper[day_rows], n_steps, np.inf)
        g_lb = _group_mean(P.T, self.lb[day_cols], col_steps, -np.inf)
        g_ub = _group_mean(P.T, self.ub[day_cols], col_steps, np.inf)
        group_cost = c_mean * col_steps
        self.group_cost = group_cost

        # the master LP: columns x | ȳ | θ; rows: master rows, averaged rows, θ rows, cuts
        nx, ng, K = len(self.x_cols), part.n_col_groups, part.n_days
        self.nx, self.ng, self.K = nx, ng, K
        self.x_cost = self.cost[self.x_cols].copy()  # the master columns' costs as they are now
        blocks = [
            sp.hstack([self.A_master_x, sp.csr_matrix((len(master_rows), ng + K))]),
            sp.hstack([agg_x, agg_y, sp.csr_matrix((part.n_row_groups, K))]),
        ]
        # θ_k - Σ_g c̄_g ȳ_g ≥ 0 for the day's averaged columns g
        theta_rows = sp.hstack(
            [
                sp.csr_matrix((K, nx)),
                sp.csr_matrix((-group_cost, (part.group_day, np.arange(ng))), shape=(K, ng)),
                sp.identity(K, format="csr"),
            ]
        )
        blocks.append(theta_rows)
        Am = sp.vstack(blocks).tocsr()
        self.master = _highs_lp(
            np.concatenate([self.lb[self.x_cols], g_lb, np.full(K, -np.inf)]),
            np.concatenate([self.ub[self.x_cols], g_ub, np.full(K, np.inf)]),
            np.concatenate([self.cost[self.x_cols], np.zeros(ng), np.ones(K)]),
            np.concatenate([self.row_lower[master_rows], agg_lower, np.zeros(K)]),
            np.concatenate([self.row_upper[master_rows], agg_upper, np.full(K, np.inf)]),
            Am,
            {**self.options, **MASTER_OPTIONS},
        )
        self.n_master_rows = len(master_rows)
        self.n_row_groups = part.n_row_groups
        self.group_steps = np.maximum(n_steps, 1.0)
        self.cuts = 0
        # each cut's master row, day and day duals: the model's duals are recovered from
        # the master's duals on its cuts and averaged rows (:meth:`point`)
        self.cut_rows: list[int] = []
        self.cut_day: list[int] = []
        self.cut_duals: list[np.ndarray] = []

        # the days' subproblems
        order = np.argsort(part.row_day[day_rows], kind="stable")
        rows_by_day = np.split(
            day_rows[order], np.searchsorted(part.row_day[day_rows][order], np.arange(1, K))
        )
        corder = np.argsort(part.col_day[day_cols], kind="stable")
        cols_by_day = np.split(
            day_cols[corder], np.searchsorted(part.col_day[day_cols][corder], np.arange(1, K))
        )
        self.max_cost = float(np.abs(self.cost).max(initial=1.0))
        self.days: list[_Day] = []
        for k in range(K):
            rows, cols = rows_by_day[k], cols_by_day[k]
            Ar = A[rows]
            a_y = Ar[:, cols].tocsr()
            a_x = Ar[:, self.x_cols].tocsr()
            hk = _highs_lp(
                self.lb[cols],
                self.ub[cols],
                self.cost[cols],
                self.row_lower[rows],
                self.row_upper[rows],
                a_y,
                self.options,
                threads=1,
            )
            linked = np.flatnonzero(np.diff(a_x.indptr) > 0)
            self.days.append(
                _Day(cols, rows, a_x, self.row_lower[rows], self.row_upper[rows], hk, linked=linked)
            )
        # where each model row and column sits: the master's row, or its day's local index
        self.master_row_index = np.full(len(self.clabels), -1, dtype=np.int64)
        self.master_row_index[master_rows] = np.arange(len(master_rows))
        self.local = np.full(n, -1, dtype=np.int64)
        self.row_local = np.full(len(self.clabels), -1, dtype=np.int64)
        for day in self.days:
            self.local[day.cols] = np.arange(len(day.cols))
            self.row_local[day.rows] = np.arange(len(day.rows))
        self.rounds: list[Round] = []
        self.last_x = np.zeros(0)
        self.stage_best: BendersPoint | None = None
        self.stage_lower = -math.inf

    # ---- names for errors
    def _row_name(self, r: int) -> str:
        try:
            return str(self.m.constraints.get_label_position(int(self.clabels[r]))[0])
        except Exception:
            return f"#{r}"

    def _col_name(self, c: int) -> str:
        try:
            return str(self.m.variables.get_label_position(int(self.vlabels[c]))[0])
        except Exception:
            return f"#{c}"

    # ---- master
    def fix_master(self, cols: np.ndarray, values: np.ndarray) -> None:
        """Fix model columns (positions) of the master at values."""
        idx = self.x_index[cols].astype(np.int32)
        self.master.changeColsBounds(len(idx), idx, values, values)

    def unfix_master(self, cols: np.ndarray) -> None:
        idx = self.x_index[cols].astype(np.int32)
        self.master.changeColsBounds(len(idx), idx, self.lb[cols], self.ub[cols])

    def solve_master(self) -> tuple[str, np.ndarray, np.ndarray, float, np.ndarray]:
        h = self.master
        h.run()
        status = h.getModelStatus()
        if status not in _DEFINITE:
            # numerical trouble from the warm basis (HiGHS "error" after many cuts at 24
            # days hourly): solve again from scratch once
            h.clearSolver()
            h.run()
            status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            return _status_word(status), np.zeros(0), np.zeros(0), math.nan, np.zeros(0)
        sol = h.getSolution()
        col = np.asarray(sol.col_value)
        dual = np.asarray(sol.row_dual)
        return (
            "optimal",
            col[: self.nx],
            col[self.nx + self.ng :],
            float(h.getInfo().objective_function_value),
            dual,
        )

    # ---- days
    def _solve_day(self, k: int, x: np.ndarray) -> DayResult | None:
        """Day k at master point x (None: infeasible even with the penalised slacks —
        rows that do not involve the master conflict, so the model is infeasible)."""
        day = self.days[k]
        if not len(day.cols):
            return DayResult(0.0, np.zeros(0), np.zeros(len(day.rows)), True)
        shift = day.a_x @ x
        lo, up = day.lower - shift, day.upper - shift
        h = day.highs
        h.changeRowsBounds(len(lo), np.arange(len(lo), dtype=np.int32), lo, up)
        h.run()
        status = h.getModelStatus()
        if status not in _DEFINITE:
            h.clearSolver()  # numerical trouble from the warm basis: once more from scratch
            h.run()
            status = h.getModelStatus()
        if status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kModelEmpty):
            return _day_result(h, len(day.cols), feasible=True)
        if status not in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            raise DecompositionError(f"typical day {k}: HiGHS ended {h.modelStatusToString(status)}")
        return self._solve_elastic(k, lo, up)

    def _solve_elastic(self, k: int, lo: np.ndarray, up: np.ndarray) -> DayResult | None:
        """The day with a penalised slack (both ways) on every row linked to the master."""
        day = self.days[k]
        n_cols, linked = len(day.cols), day.linked
        if day.elastic is None:
            Ar = self.A[day.rows][:, day.cols].tocsc()
            nl = len(linked)
            slack = sp.csc_matrix(
                (
                    np.concatenate([np.ones(nl), -np.ones(nl)]),
                    (np.concatenate([linked, linked]), np.arange(2 * nl)),
                ),
                shape=(len(day.rows), 2 * nl),
            )
            h = _highs_lp(
                np.concatenate([self.lb[day.cols], np.zeros(2 * nl)]),
                np.concatenate([self.ub[day.cols], np.full(2 * nl, np.inf)]),
                np.concatenate(
                    [
                        np.asarray(day.highs.getLp().col_cost_),  # the day's costs as they are now
                        np.full(2 * nl, ELASTIC_PENALTY * self.max_cost),
                    ]
                ),
                lo,
                up,
                sp.hstack([Ar, slack]).tocsr(),
                self.options,
                threads=1,
            )
            day.elastic = h
        h = day.elastic
        h.changeRowsBounds(len(lo), np.arange(len(lo), dtype=np.int32), lo, up)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return _day_result(h, n_cols, feasible=False)

    def solve_days(self, x: np.ndarray) -> list[DayResult | None]:
        if self.threads == 1:
            return [self._solve_day(k, x) for k in range(self.K)]
        pool = ThreadPoolExecutor(self.threads)
        try:
            return list(pool.map(lambda k: self._solve_day(k, x), range(self.K)))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # Ctrl-C: the days under way finish
            raise
        finally:
            pool.shutdown(wait=False)

    def add_cuts(self, x: np.ndarray, theta: np.ndarray, days: list[DayResult]) -> int:
        """θ_k + π_kᵀ A_kˣ x ≥ z_k + π_kᵀ A_kˣ x̄ for each day whose cost exceeds θ_k."""
        rows, lo = [], []
        for k, res in enumerate(days):
            if res.objective <= theta[k] + _CUT_TOL * (abs(res.objective) + 1.0):
                continue
            g = self.days[k].a_x.T @ res.dual  # π_kᵀ A_kˣ, over the master columns
            nz = np.flatnonzero(np.abs(g) > 1e-12 * (np.abs(g).max(initial=0.0) + 1e-300))
            rows.append((np.concatenate([nz, [self.nx + self.ng + k]]), np.concatenate([g[nz], [1.0]])))
            lo.append(res.objective + float(g[nz] @ x[nz]))
            self.cut_day.append(k)
            self.cut_duals.append(res.dual[: len(self.days[k].rows)].copy())
        if not rows:
            return 0
        starts = np.cumsum([0] + [len(r[0]) for r in rows[:-1]]).astype(np.int32)
        idx = np.concatenate([r[0] for r in rows]).astype(np.int32)
        val = np.concatenate([r[1] for r in rows])
        first = int(self.master.getNumRow())
        self.master.addRows(len(rows), np.asarray(lo), np.full(len(rows), np.inf), len(idx), starts, idx, val)
        self.cut_rows.extend(range(first, first + len(rows)))
        self.cuts += len(rows)
        return len(rows)

    def point(self, x: np.ndarray, days: list[DayResult], master_dual: np.ndarray) -> BendersPoint:
        r"""The plan at master point ``x`` with its days' dispatch, and the model's duals.

        The days' own duals at fixed ``x`` are short-run prices: where a day's capacity
        is exactly used up, any value between the running cost and the value of lost load
        is a dual, and HiGHS returns one end. The model's duals are instead recovered from
        the master (as the whole LP would give them): for a day row at step s of row group
        r, :math:`\sum_c \lambda_c \pi_{c,s} + \nu_r / n_r` — :math:`\lambda_c \ge 0`
        the master's dual of cut c of that day (with :math:`\pi_c` the day duals it was
        made from), :math:`\nu_r` the dual of the averaged row r and :math:`n_r` its steps.
        θ_k's cost of 1 makes :math:`\sum_c \lambda_c` plus the averaged copy's weight 1."""
        n = len(self.vlabels)
        col = np.zeros(n)
        col[self.x_cols] = x
        dual = np.zeros(len(self.clabels))
        dual[self.master_rows] = master_dual[: self.n_master_rows]
        nu = master_dual[self.n_master_rows : self.n_master_rows + self.n_row_groups] / self.group_steps
        dual[self.day_rows] = nu[self.part.row_group[self.day_rows]]
        total = float(self.x_cost @ x)
        for day, res in zip(self.days, days, strict=True):
            col[day.cols] = res.col
            total += res.objective
        lam = master_dual[np.asarray(self.cut_rows, dtype=np.int64)] if self.cut_rows else np.zeros(0)
        for c in np.flatnonzero(np.abs(lam) > 0.0):
            day = self.days[self.cut_day[c]]
            dual[day.rows] += lam[c] * self.cut_duals[c]
        return BendersPoint(col, dual, total)

    def iterate(
        self,
        stage: str,
        tolerance: float,
        deadline: float,
        on_round: Callable[[Round], None] | None = None,
        max_rounds: int = 500,
        need_plan: bool = False,
    ) -> tuple[str, float, BendersPoint | None]:
        """Rounds until the master's bound and the best plan are within ``tolerance``:
        returns (termination, lower bound, best plan). Past ``deadline`` the rounds stop —
        with ``need_plan``, only once some round gave a plan (at most
        :data:`ROUNDS_PAST_DEADLINE` more)."""
        # kept on the object so that Ctrl-C (KeyboardInterrupt out of a round) keeps them
        self.stage_best = None
        self.stage_lower = -math.inf
        over = 0
        for _ in range(max_rounds):
            t0 = time.perf_counter()
            term, x, theta, bound, mdual = self.solve_master()
            if term != "optimal":
                return term, self.stage_lower, self.stage_best
            self.stage_lower = lower = bound
            self.last_x = x
            solved = self.solve_days(x)
            if any(r is None for r in solved):
                return "infeasible", lower, self.stage_best  # rows without the master conflict
            days = [r for r in solved if r is not None]
            upper = math.inf
            feasible = all(r.feasible for r in days)
            if feasible:
                p = self.point(x, days, mdual)
                upper = p.objective
                if self.stage_best is None or p.objective < self.stage_best.objective:
                    self.stage_best = p
            best = self.stage_best
            added = self.add_cuts(x, theta, days)
            r = Round(stage, lower, upper, added, time.perf_counter() - t0)
            self.rounds.append(r)
            if on_round is not None:
                on_round(r)
            if best is not None and (best.objective - lower) <= tolerance * max(abs(best.objective), 1e-9):
                return "optimal", lower, best
            if added == 0:
                # no day costs more than the master thinks: with every day feasible the
                # master's point is optimal; with a penalised day that adds no cut, the
                # penalty is too weak to push the master away — no proof either way
                return ("optimal" if feasible and best is not None else "stalled"), lower, best
            if time.perf_counter() > deadline:
                over += 1
                if best is not None or not need_plan or over > ROUNDS_PAST_DEADLINE:
                    return "time_limit", lower, best
        return "stalled", self.stage_lower, self.stage_best

    # ---- variables of the linopy model
    def columns(self, var: linopy.Variable) -> np.ndarray:
        """Model column of each slot of ``var`` (-1 where masked), in ``var.labels``' shape."""
        from stateside.model.solve import label_columns

        return label_columns(self.pos, var)

    def master_values(self, var: linopy.Variable, x: np.ndarray) -> xr.DataArray:
        """A master variable's values at master point ``x``."""
        from stateside.model.solve import slot_values

        cols = self.columns(var)
        return slot_values(var, np.where(cols >= 0, self.x_index[np.clip(cols, 0, None)], -1), x)

    def fix_var(self, var: linopy.Variable, value: xr.DataArray) -> None:
        from stateside.model.solve import slot_settings

        self.fix_master(*slot_settings(var, self.columns(var), value))

    def unfix_var(self, var: linopy.Variable) -> None:
        cols = self.columns(var)
        self.unfix_master(cols[cols >= 0])

    def count_row(self, var: linopy.Variable) -> int:
        """Add a master row Σ var (bounds free); returns its index (for :meth:`drop_row`)."""
        cols = self.columns(var)
        idx = np.sort(self.x_index[cols[cols >= 0]]).astype(np.int32)
        row = int(self.master.getNumRow())
        self.master.addRow(-np.inf, np.inf, len(idx), idx, np.ones(len(idx)))
        return row

    def drop_cuts(self) -> None:
        """Delete every cut and every penalised day (they stand for the days' costs and
        rows as they were: a variant that changes them needs its own)."""
        for day in self.days:
            day.elastic = None
        base = self.n_master_rows + self.n_row_groups + self.K
        n = int(self.master.getNumRow())
        if n > base:
            self.master.deleteRows(n - base, np.arange(base, n, dtype=np.int32))
        self.cut_rows, self.cut_day, self.cut_duals = [], [], []

    def rows_of(self, con: Any) -> np.ndarray:
        """Model rows (positions) of a constraint's valid slots."""
        from stateside.model.solve import label_rows

        return label_rows(self.part.rpos, con)

    def drop_row(self, row: int) -> None:
        self.master.deleteRows(1, np.array([row], dtype=np.int32))
        self.cut_rows = [r - 1 if r > row else r for r in self.cut_rows]


#: share of ``solver.mip_gap`` each LP stage of the decomposition is solved to (the
#: relaxation's bound and the fixed plan's cost each lose at most this share of the gap)
STAGE_GAP_SHARE = 0.1
#: the fixed stage is given at least this share of the time limit (the relaxation stops early)
FIXED_STAGE_SHARE = 0.3


def solve_decomposed(built: Any, settings: Any, t0: float, emit: Any) -> Any:
    """Solve ``built`` by :class:`Benders` (module docstring): the relaxation to
    ``STAGE_GAP_SHARE × mip_gap``; the plan with the fewest whole fabs, the modules rounded
    and the integers fixed; while not within ``mip_gap``, the number-of-fabs bound and its
    candidates, then the branch and bound over the fabs for a deeper bound. Returns a :class:`stateside.model.solve.SolveResult` (method ``"benders"``)
    whose ``warm`` is a :class:`DecomposedWarm` for variants of the plan."""
    from stateside.model.rounding import fabs_by_count, round_fabs, round_modules
    from stateside.model.solve import (
        _INT_TOL,
        SolveEvent,
        SolveResult,
        _fractional,
        _gap,
        _same,
        assign_point,
        integers_in_use,
        lp_options,
    )

    m, d = built.model, built.data
    threads = int(settings.threads) or 2
    limit = float(settings.time_limit_s)
    deadline = t0 + limit
    stage_seconds: dict[str, float] = {}
    interrupted = False

    def elapsed() -> float:
        return time.perf_counter() - t0

    emit(SolveEvent("relaxation", "start", elapsed(), message="Benders by typical day: setting up"))
    bd = Benders(m, lp_options(settings), threads=threads)
    stage_seconds["decomposition_setup"] = round(elapsed(), 3)
    ints = integers_in_use(m)
    tol = STAGE_GAP_SHARE * float(settings.mip_gap)
    best_ub = [math.inf]

    def reporter(stage: str) -> Callable[[Round], None]:
        def on_round(r: Round) -> None:
            if math.isfinite(r.upper):
                best_ub[0] = min(best_ub[0], r.upper)
            gap = (best_ub[0] - r.lower) / max(abs(best_ub[0]), 1e-9) if math.isfinite(best_ub[0]) else None
            emit(
                SolveEvent(
                    stage,
                    "progress",
                    elapsed(),
                    best_ub[0] if math.isfinite(best_ub[0]) else None,
                    r.lower,
                    gap,
                    message=f"round {len(bd.rounds)}: {r.cuts} cuts ({bd.cuts} in all)",
                )
            )

        return on_round

    def run(stage: str, until: float, need_plan: bool = False) -> tuple[str, float, BendersPoint | None]:
        nonlocal interrupted
        best_ub[0] = math.inf
        s0 = time.perf_counter()
        try:
            out = bd.iterate(stage, tol, until, reporter(stage), need_plan=need_plan)
        except KeyboardInterrupt:
            interrupted = True
            out = ("interrupted", bd.stage_lower, bd.stage_best)
        stage_seconds[stage] = round(stage_seconds.get(stage, 0.0) + time.perf_counter() - s0, 3)
        return out

    def result(term: str, best: BendersPoint | None, lower: float | None, gap: float | None) -> Any:
        if ints:  # the stages a model with integers reports, even when one had nothing to do
            for stage in ("relaxation", "rounding", "fixed_lp"):
                stage_seconds.setdefault(stage, 0.0)
        if lower is not None and not math.isfinite(lower):
            lower = gap = None
        if best is not None:
            assign_point(m, bd.vlabels, bd.clabels, best.col, best.dual, best.objective, term)
        emit(SolveEvent("done", "end", elapsed(), best.objective if best else None, lower, gap, message=term))
        return SolveResult(
            "ok" if best is not None else "warning",
            term,
            best.objective if best is not None else math.nan,
            gap,
            elapsed(),
            best is not None,
            "benders",
            lower,
            time_limit_reached=term == "time_limit",
            interrupted=interrupted,
            warm=DecomposedWarm(bd, best, term, tol, limit) if best is not None else None,
            stage_seconds=stage_seconds,
            highs_seconds=sum(v for k, v in stage_seconds.items() if k != "decomposition_setup"),
        )

    # 1. the relaxation (or the LP, without integers)
    stage = "relaxation" if ints else "lp"
    until = deadline - (FIXED_STAGE_SHARE * limit if ints else 0.0)
    term, lower, relaxed = run(stage, until)
    emit(
        SolveEvent(
            stage,
            "end",
            elapsed(),
            relaxed.objective if relaxed else None,
            lower,
            _gap(relaxed.objective, lower) if relaxed else None,
        )
    )
    if not ints:
        gap = _gap(relaxed.objective, lower) if relaxed is not None else None
        return result("interrupted" if interrupted else term, relaxed, lower, gap)
    if term in ("infeasible", "unbounded", "infeasible_or_unbounded", "error", "memory_limit") or (
        term != "optimal" and len(bd.last_x) == 0
    ):
        return result(
            "interrupted" if interrupted else term, None, lower if math.isfinite(lower) else None, None
        )
    x_relaxed = bd.last_x.copy()

    # 2. rounding, the fewest whole fabs first: within the gap of the relaxation's
    # bound, the plan needs no more. Otherwise the number-of-fabs bound (as the monolithic
    # solve) raises the bound and gives each count's own fab choice, and those are tried.
    # Each candidate fixes the fab decision, lets the campuses adapt, rounds the modules
    # from that LP and solves the plan with the integers fixed.
    fab = m.variables["fab_build"] if "fab_build" in m.variables else None  # noqa: SIM401
    modules = m.variables["modules"] if "modules" in m.variables else None  # noqa: SIM401
    fab_ok = fab is not None and any(v is fab for v in ints)
    mod_ok = modules is not None and any(v is modules for v in ints)
    y = bd.master_values(fab, x_relaxed) if fab_ok and fab is not None else None
    total = float(y.fillna(0.0).sum()) if y is not None else 0.0
    # the relaxation builds a fraction of some fab: the campuses are re-solved for each fab
    # decision (their modules then round from that LP), and the fab search may tighten the bound
    fab_fractional = y is not None and _fractional(y)
    gap_goal = float(settings.mip_gap)
    best: BendersPoint | None = None
    fixed_term = "optimal"
    # (fab choice, module rounding) of each plan solved: a fab choice tried again (its
    # count's branch chose the same fabs) may round the modules otherwise from the
    # branch's better-cut master, and is solved only if it does
    tried: list[tuple[xr.DataArray | None, xr.DataArray | None]] = []
    attempts: list[xr.DataArray | None] = []  # every fab choice tried, once per try

    def within() -> bool:
        return best is not None and _gap(best.objective, lower) <= gap_goal

    def stop() -> bool:  # the first candidate runs even past the limit: a plan to keep
        return interrupted or (best is not None and time.perf_counter() > deadline)

    def consider(choice: xr.DataArray | None) -> None:
        """The plan with fab decision ``choice`` (None: no fabs to decide)."""
        nonlocal best, fixed_term
        attempts.append(choice)
        emit(SolveEvent("rounding", "start", elapsed(), bound_musd=lower))
        source = x_relaxed
        if choice is not None and fab is not None:
            bd.fix_var(fab, choice)
            if mod_ok and fab_fractional:
                t_r, _, _ = run("rounding", deadline)  # the campuses adapt to the fab decision
                if t_r not in ("optimal", "time_limit", "stalled"):
                    bd.unfix_var(fab)
                    emit(
                        SolveEvent("rounding", "end", elapsed(), bound_musd=lower, message=f"no plan ({t_r})")
                    )
                    return
                source = bd.last_x.copy()
        rounded = None
        if mod_ok:
            assert modules is not None
            rounded = round_modules(bd.master_values(modules, source), d, cover_targets=d.mode == "target")
        if any(_same(c, choice) and _same(r, rounded) for c, r in tried):
            if choice is not None and fab is not None:
                bd.unfix_var(fab)
            emit(SolveEvent("rounding", "end", elapsed(), bound_musd=lower, message="the same plan again"))
            return
        tried.append((choice, rounded))
        if rounded is not None:
            assert modules is not None
            bd.fix_var(modules, rounded)
        emit(SolveEvent("rounding", "end", elapsed(), bound_musd=lower))
        emit(SolveEvent("fixed_lp", "start", elapsed(), bound_musd=lower))
        fixed_term, _, point = run("fixed_lp", deadline, need_plan=best is None)
        if point is not None and (best is None or point.objective < best.objective):
            best = point
        emit(
            SolveEvent(
                "fixed_lp",
                "end",
                elapsed(),
                best.objective if best else None,
                lower,
                _gap(best.objective, lower) if best else None,
                message="" if point is not None else f"no plan ({fixed_term})",
            )
        )
        for var in (fab, modules):
            if var is not None and any(v is var for v in ints):
                bd.unfix_var(var)

    fractional_count = y is not None and abs(total - round(total)) > _INT_TOL
    if fractional_count:
        assert y is not None
        # the fewest whole fabs, one at least: a fab is a lump of billions the relaxation
        # spreads in fractions (1.6 of one at 16:4, 0.23 at 4:4), and one fab online early
        # serves every later period's accelerator rule
        consider(fabs_by_count(y, max(1, math.floor(total))))
    candidates: list[tuple[float, xr.DataArray | None]] = []  # (bound of its branch, fab choice)
    children: list[float] = []  # each count branch's bound
    branches: list[tuple[int, float, float, xr.DataArray]] = []  # (index in children, count from, to, fabs)
    if y is not None:
        assert fab is not None
        if fractional_count and not (within() or stop()) and time.perf_counter() < until:
            emit(SolveEvent("rounding", "start", elapsed(), bound_musd=lower, message="number-of-fabs bound"))
            row = bd.count_row(fab)
            children = []
            for i, (lo, up) in enumerate(
                ((-np.inf, float(math.floor(total))), (float(math.ceil(total)), np.inf))
            ):
                if interrupted:
                    children.append(-math.inf)  # not solved: no bound from this branch
                    continue
                bd.master.changeRowBounds(row, lo, up)
                t_b, lb_b, _ = run("rounding", until)
                if t_b == "infeasible" and not math.isfinite(lb_b):
                    children.append(math.inf)  # the master itself is infeasible: no plan there
                    continue
                if t_b not in ("optimal", "time_limit", "stalled") or not math.isfinite(lb_b):
                    children.append(-math.inf)
                    continue
                children.append(lb_b)
                y_b = bd.master_values(fab, bd.last_x)
                branches.append((i, lo, up, y_b))
                candidates.append((lb_b, fabs_by_count(y_b, round(float(y_b.fillna(0.0).sum())))))
            bd.drop_row(row)
            lower = max(lower, min(children))
            emit(SolveEvent("rounding", "end", elapsed(), bound_musd=lower, message="number-of-fabs bound"))
        candidates.sort(key=lambda c: c[0])

        def count_bound(choice: xr.DataArray) -> float:
            """The bound of the count branch a fab choice falls in (``lower`` before any)."""
            if len(children) != 2:
                return lower
            n = float(choice.fillna(0.0).sum())
            return children[0] if n <= math.floor(total) + _INT_TOL else children[1]

        for choice in (
            round_fabs(y),
            *(
                (
                    fabs_by_count(y, math.ceil(total - _INT_TOL)),
                    fabs_by_count(y, math.floor(total + _INT_TOL)),
                )
                if fab_fractional
                else ()
            ),
        ):
            candidates.append((max(lower, count_bound(choice)), choice))
    else:
        candidates.append((lower, None))

    # 3. the plan with the integers fixed, for each fab candidate while not within the gap
    # (each fab choice once, with the best bound it came with)
    distinct: list[tuple[float, xr.DataArray | None]] = []
    for bound, choice in candidates:
        if not any(_same(c, choice) for _, c in distinct):
            distinct.append((bound, choice))
    for bound, choice in distinct:
        if stop() or within():
            break
        if best is not None and bound >= best.objective:
            continue  # its branch cannot do better than the plan in hand
        before = sum(_same(c, choice) for c in attempts)
        if (before and not (mod_ok and fab_fractional)) or before > 1:
            continue  # the same fab choice, with no campus re-solve to round it otherwise, or twice
        consider(choice)
    if best is None:
        return result(
            "interrupted"
            if interrupted
            else ("time_limit" if time.perf_counter() > deadline else fixed_term),
            None,
            lower,
            None,
        )
    gap = _gap(best.objective, lower)
    if gap > gap_goal and mod_ok and fab_fractional and not stop():
        # not proven within the gap: a deeper bound from branch and bound over the fabs
        # alone (modules relaxed), each node the master iterated with its fabs fixed
        from stateside.model.solve import _fab_tree_bound

        assert fab is not None
        emit(
            SolveEvent(
                "rounding", "start", elapsed(), best.objective, lower, gap, message="fab branch and bound"
            )
        )
        view = _TreeView(
            bd, run, deadline, TREE_BUDGET_ROUNDS * stage_seconds.get("relaxation", 0.0), lambda: interrupted
        )
        # where one count branch alone can beat the plan (the other solved, its bound no
        # better than the plan), search under that count only
        live = [b for b in branches if children[b[0]] < best.objective]
        tree = -math.inf
        try:
            if len(live) == 1 and len(children) == 2 and children[1 - live[0][0]] >= best.objective:
                i, lo, up, y_b = live[0]
                row = bd.count_row(fab)
                try:
                    bd.master.changeRowBounds(row, lo, up)
                    tree = min(_fab_tree_bound(view, fab, y_b, children[i])[0], children[1 - i])  # type: ignore[arg-type]
                finally:
                    bd.drop_row(row)
            else:
                tree = _fab_tree_bound(view, fab, y, lower)[0]  # type: ignore[arg-type]
        except KeyboardInterrupt:
            interrupted = True  # the plan in hand is kept, with the bound before the search
        lower = max(lower, tree)
        gap = _gap(best.objective, lower)
        emit(
            SolveEvent(
                "rounding", "end", elapsed(), best.objective, lower, gap, message="fab branch and bound"
            )
        )
    if interrupted:
        final = "interrupted"
    elif gap <= gap_goal:
        final = "optimal"
    elif time.perf_counter() > deadline:
        final = "time_limit"
    else:
        final = "rounded"
    return result(final, best, lower, gap)


class _MasterByModelColumn:
    """The master's HiGHS instance addressed by model column positions."""

    def __init__(self, bd: Benders) -> None:
        self._bd = bd

    def changeColsBounds(self, n: int, idx: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        self._bd.master.changeColsBounds(n, self._bd.x_index[idx].astype(np.int32), lower, upper)


class _TreeView:
    """A :class:`Benders` seen as the staged solve's HiGHS wrapper, for its branch and
    bound over the fabs (:func:`stateside.model.solve._fab_tree_bound`): a node's LP is
    the master iterated to the stage tolerance with the node's fabs fixed (the cuts stay
    valid whatever the bounds), and the node's value is that iteration's lower bound, so
    every bound the search returns is a valid one."""

    def __init__(
        self,
        bd: Benders,
        run: Callable[[str, float], tuple[str, float, BendersPoint | None]],
        deadline: float,
        budget_s: float,
        interrupted: Callable[[], bool],
    ) -> None:
        self.h = _MasterByModelColumn(bd)
        self.lb, self.ub = bd.lb, bd.ub
        # what the search reads its time budget from (the relaxation's time in the staged solve)
        self.stage_seconds = {"relaxation": budget_s}
        self._bd, self._run, self._deadline, self._interrupted = bd, run, deadline, interrupted
        self._lower = math.nan

    @property
    def interrupted(self) -> bool:
        return self._interrupted()

    def left(self) -> float:
        return self._deadline - time.perf_counter()

    def columns(self, var: linopy.Variable) -> np.ndarray:
        return self._bd.columns(var)

    def values(self, var: linopy.Variable, col: np.ndarray) -> xr.DataArray:
        from stateside.model.solve import slot_values

        return slot_values(var, self.columns(var), col)

    def run(self, stage: str, _seconds: float) -> str:
        term, self._lower, _ = self._run(stage, self._deadline)
        if term == "infeasible" and math.isfinite(self._lower):
            # the master was solved before (a round's bound exists): not a proof that the
            # node has no plan (numerical trouble, or a day infeasible whatever the master)
            return "error"
        return term

    def point(self) -> Any:
        from stateside.model.solve import _Point

        col = np.zeros(len(self._bd.vlabels))
        col[self._bd.x_cols] = self._bd.last_x
        return _Point(col, None, self._lower)


class DecomposedWarm:
    """The decomposition of a solved plan, kept to solve a variant of it warm — the
    counterpart of :class:`stateside.model.solve.WarmModel` for decomposed plans (the
    ratepayer counterfactual: modules and fabs fixed at zero, ``it_unpowered_def``
    lifted, the reserve and lost-load penalties at their power-only values).

    The variant changes the master's bounds and costs, the days' row bounds and costs,
    and the averaged days' rows and cost coefficients in the master; the plan's cuts are
    dropped (they bound the old days' costs) and the rounds start again from the plan's
    bases — every HiGHS instance is reused, none is built again. :meth:`restore` puts
    back bounds and costs and writes the plan's solution into the linopy model again."""

    def __init__(
        self, bd: Benders, best: BendersPoint, termination: str, tolerance: float, limit_s: float
    ) -> None:
        self._bd: Benders | None = bd
        self._best = best
        self._termination = termination
        self._tolerance = tolerance
        self._limit_s = limit_s
        self._undo: list[Callable[[], Any]] = []

    @property
    def available(self) -> bool:
        return self._bd is not None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_bd": None, "_undo": []}

    def solve_fixed(
        self,
        fixed: dict[str, float],
        free: tuple[str, ...] = (),
        costs: dict[str, xr.DataArray] | None = None,
        label: str = "variant",
    ) -> Any:
        """The LP with the named variables fixed, the named constraints lifted and the
        named variables' costs replaced (as ``WarmModel.solve_fixed``)."""
        from stateside.model.solve import SolveResult, _gap, assign_point, slot_settings

        bd = self._bd
        if bd is None:
            raise RuntimeError("no decomposition is kept for this plan")
        t0 = time.perf_counter()
        m = bd.m
        h: Any = bd.master
        lp = h.getLp()
        col_lo, col_up = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
        row_lo, row_up = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
        for name, value in fixed.items():
            if name not in m.variables:
                continue
            cols = bd.columns(m.variables[name])
            cols = cols[cols >= 0]
            if (bd.part.col_day[cols] >= 0).any():
                raise DecompositionError(f"{name!r} is a dispatch variable: a variant cannot fix it")
            idx = bd.x_index[cols].astype(np.int32)
            lo, up = col_lo[idx].copy(), col_up[idx].copy()
            h.changeColsBounds(
                len(idx), idx, np.full(len(idx), float(value)), np.full(len(idx), float(value))
            )
            self._undo.append(partial(h.changeColsBounds, len(idx), idx, lo, up))
        for name in free:
            if name not in m.constraints:
                continue
            rows = bd.rows_of(m.constraints[name])
            in_master = bd.master_row_index[rows]
            groups = np.unique(bd.part.row_group[rows[bd.part.row_day[rows] >= 0]])
            idx = np.concatenate([in_master[in_master >= 0], bd.n_master_rows + groups]).astype(np.int32)
            lo, up = row_lo[idx].copy(), row_up[idx].copy()
            h.changeRowsBounds(len(idx), idx, np.full(len(idx), -np.inf), np.full(len(idx), np.inf))
            self._undo.append(partial(h.changeRowsBounds, len(idx), idx, lo, up))
            day_rows = rows[bd.part.row_day[rows] >= 0]
            for k in np.unique(bd.part.row_day[day_rows]):
                day = bd.days[int(k)]
                loc = bd.row_local[day_rows[bd.part.row_day[day_rows] == k]]
                self._undo.append(
                    partial(_set_bounds, day, loc, day.lower[loc].copy(), day.upper[loc].copy())
                )
                day.lower[loc], day.upper[loc] = -np.inf, np.inf
        for name, coeff in (costs or {}).items():
            if name not in m.variables:
                continue
            var = m.variables[name]
            cols, vals = slot_settings(var, bd.columns(var), coeff.broadcast_like(var.labels))
            master = bd.part.col_day[cols] < 0
            if master.any():
                idx = bd.x_index[cols[master]].astype(np.int32)
                old = bd.x_cost[idx].copy()
                h.changeColsCost(len(idx), idx, vals[master])
                bd.x_cost[idx] = vals[master]
                self._undo.append(partial(h.changeColsCost, len(idx), idx, old))
                self._undo.append(partial(bd.x_cost.__setitem__, idx, old))
            day_cols, day_vals = cols[~master], vals[~master]
            for k in np.unique(bd.part.col_day[day_cols]):
                sel = bd.part.col_day[day_cols] == k
                day = bd.days[int(k)]
                loc = bd.local[day_cols[sel]].astype(np.int32)
                day.highs.changeColsCost(len(loc), loc, day_vals[sel])
                old = bd.cost[day_cols[sel]]
                self._undo.append(partial(day.highs.changeColsCost, len(loc), loc, old))
            groups = bd.part.col_group[day_cols]
            for g in np.unique(groups):
                new_cost = float(day_vals[groups == g].sum())
                row = bd.n_master_rows + bd.n_row_groups + int(bd.part.group_day[g])
                h.changeCoeff(row, bd.nx + int(g), -new_cost)
                old_cost = float(bd.group_cost[g])
                self._undo.append(partial(h.changeCoeff, row, bd.nx + int(g), -old_cost))
        bd.drop_cuts()
        term, lower, point = bd.iterate(label, self._tolerance, t0 + self._limit_s)
        if point is not None:
            assign_point(m, bd.vlabels, bd.clabels, point.col, point.dual, point.objective, "optimal")
        return SolveResult(
            "ok" if point is not None else "warning",
            term if point is not None else ("infeasible" if term == "optimal" else term),
            point.objective if point is not None else math.nan,
            _gap(point.objective, lower) if point is not None and math.isfinite(lower) else None,
            time.perf_counter() - t0,
            point is not None,
            "benders",
            highs_seconds=time.perf_counter() - t0,
        )

    def restore(self) -> None:
        """Put back what the variant changed and write the plan's solution into the model."""
        from stateside.model.solve import assign_point

        for undo in reversed(self._undo):
            undo()
        self._undo = []
        bd = self._bd
        if bd is not None:
            bd.drop_cuts()  # the variant's cuts bound the variant's days
            b = self._best
            assign_point(bd.m, bd.vlabels, bd.clabels, b.col, b.dual, b.objective, self._termination)


def _set_bounds(day: _Day, loc: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
    day.lower[loc], day.upper[loc] = lower, upper
