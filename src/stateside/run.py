"""Run a plan end to end: profiles → typical days → share caps → model → HiGHS → Plan.

This is the orchestration layer between the scenario, the model, the security rules
(which supply the share caps the model takes as data) and the results.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from stateside.diagnosis import explain_plan
from stateside.finance.report import attach_finance
from stateside.impact import attach_impact
from stateside.model.build import BuiltModel, build_model
from stateside.model.data import prepare
from stateside.model.solve import SolveResult, solve
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
    diagnose: bool = True,
    share_caps: pd.DataFrame | None = None,
) -> Plan:
    """Plan a scenario. ``progress`` is called with each stage name as it starts.
    ``diagnose``: measure each shortfall's causes by re-solves (:mod:`stateside.diagnosis`)."""
    return run_plan_detailed(scenario, mode, progress, share_caps, diagnose).plan


def run_plan_detailed(
    scenario: Scenario,
    mode: str | None = None,
    progress: Progress | None = None,
    diagnose: bool = True,
    share_caps: pd.DataFrame | None = None,
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
    from stateside.scenario.typical import scenario_typical_periods  # tsam: only when planning

    typical = scenario_typical_periods(scenario)
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
    result = solve(built, s.solver, progress=on_solve)
    lap("solve")
    step("results")
    plan = extract_plan(built, result, s.name, build_seconds, scenario.content_hash())
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
    attach_impact(plan, scenario)
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
            "stage_seconds": {**seconds, **{f"solve_{k}": v for k, v in result.stage_seconds.items()}},
        }
    )
    return PlanRun(plan=plan, built=built, result=result, share_caps=caps)
