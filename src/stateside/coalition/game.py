"""Cooperative-game arithmetic on a characteristic function: Shapley values, the core, leave-one-out.

Players are numbered 0 … n−1 and a coalition S is a bitmask (bit i set: player i is in S).
``v`` maps a mask to the coalition's value; every function here is pure (no plans, no
solver), so it is tested on hand-worked games.

* :func:`shapley_exact` — φᵢ = Σ_{S ⊆ N∖{i}} |S|! (n−|S|−1)! / n! · (v(S ∪ {i}) − v(S)),
  over all 2ⁿ coalitions. Efficiency holds exactly: Σφᵢ = v(N) − v(∅).
* :func:`sample_permutations` / :func:`shapley_sampled` — the average marginal contribution
  of each player over K random orderings (Castro, Gómez & Tejada 2009), with its standard
  error (sample standard deviation / √K). Each ordering's contributions sum to
  v(N) − v(∅), so the sampled values are efficient too.
* :func:`best_known` — cost(S) ≤ cost(T) for every T ⊆ S when more members only add
  capital (T's plan is feasible for S, at the same cost); a heuristic plan that misses
  it is replaced by the best plan of a sub-coalition, so the values stay monotone.
* :func:`core_is_empty` — the core {x : Σᵢ xᵢ = v(N) − v(∅), Σ_{i∈S} xᵢ ≥ v(S) − v(∅) ∀S}
  is non-empty iff min Σxᵢ subject to the coalition constraints is ≤ v(N) − v(∅)
  (Bondareva–Shapley, as one LP over all 2ⁿ coalitions).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

#: Most players whose Shapley values are computed exactly (2ⁿ coalitions to plan).
EXACT_MAX_PLAYERS = 6


def best_known(cost: Mapping[int, float]) -> tuple[dict[int, float], dict[int, int]]:
    """For each coalition S: the least cost of any planned T ⊆ S, and that T.

    Valid when a sub-coalition's plan is feasible for S at the same cost (more members
    only add capital): the solver's plan for S is then no better than its best
    sub-coalition's only when it was not solved to optimality."""
    best: dict[int, float] = {}
    source: dict[int, int] = {}
    finite = {m: c for m, c in cost.items() if math.isfinite(c)}
    for s in cost:
        subs = [t for t in finite if t & ~s == 0]
        if not subs:
            best[s], source[s] = cost[s], s
            continue
        t = min(subs, key=lambda t: (finite[t], t != s))
        best[s], source[s] = finite[t], t
    return best, source


def full_mask(n: int) -> int:
    """The grand coalition N of ``n`` players."""
    return (1 << n) - 1


def members(mask: int, n: int) -> list[int]:
    """The players of coalition ``mask``."""
    return [i for i in range(n) if mask >> i & 1]


def all_masks(n: int) -> list[int]:
    """Every coalition of ``n`` players, ∅ first, N last."""
    return list(range(1 << n))


def _missing(v: Mapping[int, float], masks: Iterable[int]) -> None:
    gone = [m for m in masks if m not in v]
    if gone:
        raise KeyError(f"the characteristic function has no value for coalition mask {gone[0]}")


def shapley_exact(v: Mapping[int, float], n: int) -> list[float]:
    """Exact Shapley values from v over all 2ⁿ coalitions."""
    _missing(v, all_masks(n))
    fact = [math.factorial(k) for k in range(n + 1)]
    phi = [0.0] * n
    for mask in range(1 << n):
        size = mask.bit_count()
        for i in range(n):
            if mask >> i & 1:
                continue
            weight = fact[size] * fact[n - size - 1] / fact[n]
            phi[i] += weight * (v[mask | 1 << i] - v[mask])
    return phi


def sample_permutations(n: int, samples: int, seed: int = 0) -> list[list[int]]:
    """``samples`` random orderings of the players (NumPy PCG64, seeded)."""
    rng = np.random.default_rng(seed)
    return [[int(x) for x in rng.permutation(n)] for _ in range(samples)]


def prefix_masks(perms: Iterable[list[int]], n: int) -> list[int]:
    """Every coalition the orderings pass through (∅, then each prefix), sorted, unique."""
    out = {0, full_mask(n)}
    for perm in perms:
        mask = 0
        for i in perm:
            mask |= 1 << i
            out.add(mask)
    return sorted(out)


@dataclass(frozen=True)
class Sampled:
    """Sampled Shapley values and their standard errors."""

    shapley: list[float]
    std_error: list[float]
    samples: int


def shapley_sampled(v: Mapping[int, float], n: int, perms: list[list[int]]) -> Sampled:
    """Average marginal contributions over the orderings ``perms``, with standard errors."""
    if not perms:
        raise ValueError("at least one ordering is needed")
    contrib = np.zeros((len(perms), n))
    for k, perm in enumerate(perms):
        mask = 0
        for i in perm:
            before = v[mask]
            mask |= 1 << i
            contrib[k, i] = v[mask] - before
    mean = contrib.mean(axis=0)
    k = len(perms)
    se = contrib.std(axis=0, ddof=1) / math.sqrt(k) if k > 1 else np.full(n, math.nan)
    return Sampled([float(x) for x in mean], [float(x) for x in se], len(perms))


def leave_one_out(v: Mapping[int, float], n: int) -> list[float]:
    """What the grand coalition loses without each player: v(N) − v(N ∖ {i})."""
    grand = full_mask(n)
    _missing(v, [grand, *(grand & ~(1 << i) for i in range(n))])
    return [v[grand] - v[grand & ~(1 << i)] for i in range(n)]


@dataclass(frozen=True)
class CoreCheck:
    """Whether the core is empty, and the LP's least total that satisfies every coalition."""

    empty: bool
    min_total: float
    grand_value: float


def core_is_empty(v: Mapping[int, float], n: int, rel_tol: float = 1e-7) -> CoreCheck:
    """The core test (one LP over all 2ⁿ coalitions); values are taken relative to v(∅)."""
    from scipy.optimize import linprog

    _missing(v, all_masks(n))
    base = v[0]
    grand = v[full_mask(n)] - base
    rows = [m for m in range(1, full_mask(n))]
    if not rows:  # one player: the core is {v(N) − v(∅)}
        return CoreCheck(False, grand, grand)
    a_ub = np.array([[-(1.0 if m >> i & 1 else 0.0) for i in range(n)] for m in rows])
    b_ub = np.array([-(v[m] - base) for m in rows])
    res = linprog(np.ones(n), A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * n, method="highs")
    if res.status != 0:
        raise RuntimeError(f"the core LP did not solve: {res.message}")
    min_total = float(res.fun)
    scale = max(1.0, abs(grand), abs(min_total))
    return CoreCheck(min_total > grand + rel_tol * scale, min_total, grand)
