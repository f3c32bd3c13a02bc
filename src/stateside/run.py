"""Run a plan end to end: profiles → typical days → share caps → model → HiGHS → Plan.

This is the orchestration layer between the scenario, the model, the security rules
(which supply the share caps the model takes as data) and the results.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from stateside.diagnosis import explain_plan
from stateside.finance.report import attach_finance
from stateside.impact import attach_impact
from stateside.model.build import BuiltModel, build_model
from stateside.model.data import prepare
from stateside.model.solve import SolveResult, StartBasis, relaxation_basis, solve
from stateside.plan import Plan, extract_plan
from stateside.scenario.types import Scenario

Progress = Callable[[str], None]
"""Called with each stage name as it starts. If the callable also has an ``on_solve``
attribute, that is called with every :class:`stateside.model.solve.SolveEvent` of the
solve (relaxation, rounding, fixed LP, branch and bound: elapsed time, plan, bound, gap)."""

STAGES = ("profiles", "caps", "build", "solve", "results", "finance", "impact")


def share_caps_for(scenario: Scenario) -> pd.DataFrame:
    """The share caps the plan must obey, derived from the security rules (one source of truth)."""
    from stateside.security.caps import derive_share_caps

    return derive_share_caps(scenario)


#: typical days kept in the cache folder (the oldest are removed beyond this)
TYPICAL_CACHE_ENTRIES = 64


def typical_cache_dir() -> Path | None:
    """Where typical days are cached: ``$STATESIDE_CACHE_DIR/typical`` or
    ``~/.cache/stateside/typical``; None (no cache) when STATESIDE_CACHE_DIR is ``off``."""
    root = os.environ.get("STATESIDE_CACHE_DIR")
    if root is not None and root.strip().lower() in ("off", "0", "no", "false", ""):
        return None
    base = (
        Path(root) if root else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "stateside"
    )
    return base / "typical"


def _typical_code_hash() -> str:
    """The code that turns a scenario into typical days (every module of stateside.scenario)
    and the tsam version: a change to either is a different cache key."""
    import importlib.metadata

    h = hashlib.sha256()
    for f in sorted((Path(__file__).parent / "scenario").glob("*.py")):
        h.update(f.read_bytes())
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        h.update(importlib.metadata.version("tsam").encode())
    return h.hexdigest()


def cached_typical_periods(scenario: Scenario, content_hash: str | None = None) -> Any:
    """The scenario's typical days (:func:`stateside.scenario.typical.scenario_typical_periods`),
    from the cache when an identical scenario (content hash) was clustered by the same code
    before: hourly profiles and tsam's clustering are the largest cost of a plan outside
    the solver. A cache that cannot be read or written is ignored."""
    from stateside.scenario.typical import scenario_typical_periods  # tsam: only when planning

    folder = typical_cache_dir()
    if folder is None:
        return scenario_typical_periods(scenario)
    key = hashlib.sha256(
        ((content_hash or scenario.content_hash()) + _typical_code_hash()).encode()
    ).hexdigest()
    path = folder / f"{key[:32]}.pkl"
    with contextlib.suppress(Exception), path.open("rb") as fh:
        return pickle.load(fh)
    typical = scenario_typical_periods(scenario)
    with contextlib.suppress(OSError, pickle.PicklingError):
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(typical, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        old = sorted(folder.glob("*.pkl"), key=lambda f: f.stat().st_mtime)[:-TYPICAL_CACHE_ENTRIES]
        for f in old:
            f.unlink(missing_ok=True)
    return typical


@dataclass
class PlanRun:
    """A plan with what produced it: the built model, the solver result and the caps."""

    plan: Plan
    built: BuiltModel
    result: SolveResult
    share_caps: pd.DataFrame


def run_plan(
    scenario: Scenario,
    mode: str | None = None,
    progress: Progress | None = None,
    share_caps: pd.DataFrame | None = None,
    diagnose: bool = True,
    start_basis: StartBasis | None = None,
) -> Plan:
    """Plan a scenario. ``progress`` is called with each stage name as it starts.
    ``diagnose``: measure each shortfall's causes by re-solves (:mod:`stateside.diagnosis`).
    ``start_basis``: a basis to start the LP relaxation from (a sweep's members start from
    the base scenario's, :func:`relaxation_start`)."""
    return run_plan_detailed(
        scenario, mode, progress, share_caps=share_caps, diagnose=diagnose, start_basis=start_basis
    ).plan


def relaxation_start(scenario: Scenario, mode: str | None = None) -> StartBasis | None:
    """The optimal basis of ``scenario``'s LP relaxation (its plan's model, integers
    relaxed): the start for sweep members of the same shape (:class:`StartBasis`)."""
    typical = cached_typical_periods(scenario, scenario.content_hash())
    built = build_model(prepare(scenario, typical, share_caps_for(scenario), mode=mode))
    return relaxation_basis(built, scenario.settings.solver)


def run_plan_detailed(
    scenario: Scenario,
    mode: str | None = None,
    progress: Progress | None = None,
    share_caps: pd.DataFrame | None = None,
    diagnose: bool = True,
    start_basis: StartBasis | None = None,
) -> PlanRun:
    """:func:`run_plan`, keeping the solved linopy model (for checks and exports)."""
    step = progress or (lambda _stage: None)
    on_solve = getattr(progress, "on_solve", None)
    s = scenario.settings
    seconds: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(stage: str) -> None:
        now = time.perf_counter()
        seconds[stage] = round(now - clock[0], 3)
        clock[0] = now

    step("profiles")
    content_hash = scenario.content_hash()
    typical = cached_typical_periods(scenario, content_hash)
    lap("profiles")
    step("caps")
    caps = share_caps if share_caps is not None else share_caps_for(scenario)
    lap("caps")
    step("build")
    t0 = time.perf_counter()
    data = prepare(scenario, typical, caps, mode=mode)
    built = build_model(data)
    build_seconds = time.perf_counter() - t0
    lap("build")
    step("solve")
    result = solve(built, s.solver, progress=on_solve, start=start_basis)
    lap("solve")
    step("results")
    plan = extract_plan(built, result, s.name, build_seconds, content_hash)
    lap("results")
    if result.usable and len(plan.tables.get("violations", ())):
        # re-solves with one family of limits relaxed at a time; none after a time limit or Ctrl-C
        resolve = diagnose and not (result.time_limit_reached or result.interrupted)
        if resolve:
            step("diagnosis")
        explain_plan(plan, built, result, s.solver, resolve=resolve)
        if resolve:
            lap("diagnosis")
    step("finance")
    attach_finance(plan, scenario, caps)
    lap("finance")
    step("impact")
    attach_impact(plan, scenario, typical=typical, built=built, result=result)
    lap("impact")
    sizes = built.data.weight_hours.sizes
    plan.extra.update(
        {
            "share_caps": len(caps),
            "solve_method": result.method,
            "typical_days": int(sizes.get("day", 0)),
            "snapshots_per_period": int(sizes.get("day", 0) * sizes.get("step", 0)),
            "time_limit_reached": result.time_limit_reached,
            "interrupted": result.interrupted,
            "lower_bound_usd": result.lower_bound_musd * 1e6
            if result.lower_bound_musd is not None and math.isfinite(result.lower_bound_musd)
            else None,
            "highs_seconds": round(result.highs_seconds, 3),
            "warm_started": result.warm_started,
            "stage_seconds": {**seconds, **{f"solve_{k}": v for k, v in result.stage_seconds.items()}},
        }
    )
    return PlanRun(plan=plan, built=built, result=result, share_caps=caps)
