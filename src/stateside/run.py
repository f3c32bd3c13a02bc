"""Run a plan end to end: profiles → typical days → share caps → model → HiGHS → Plan.

This is the orchestration layer between the scenario, the model, the security rules
(which supply the share caps the model takes as data) and the results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from stateside.finance.report import attach_finance
from stateside.impact import attach_impact
from stateside.model.build import BuiltModel, build_model
from stateside.model.data import prepare
from stateside.model.solve import SolveResult, solve
from stateside.plan import Plan, extract_plan
from stateside.scenario.types import Scenario
from stateside.scenario.typical import scenario_typical_periods

Progress = Callable[[str], None]

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
    share_caps: pd.DataFrame | None = None,
) -> Plan:
    """Plan a scenario. ``progress`` is called with each stage name as it starts."""
    return run_plan_detailed(scenario, mode, progress, share_caps).plan


def run_plan_detailed(
    scenario: Scenario,
    mode: str | None = None,
    progress: Progress | None = None,
    share_caps: pd.DataFrame | None = None,
) -> PlanRun:
    """:func:`run_plan`, keeping the solved linopy model (for checks and exports)."""
    step = progress or (lambda _stage: None)
    s = scenario.settings
    step("profiles")
    typical = scenario_typical_periods(scenario)
    step("caps")
    caps = share_caps if share_caps is not None else share_caps_for(scenario)
    step("build")
    t0 = time.perf_counter()
    data = prepare(scenario, typical, caps, mode=mode)
    built = build_model(data)
    build_seconds = time.perf_counter() - t0
    step("solve")
    result = solve(built, s.solver)
    step("results")
    plan = extract_plan(built, result, s.name, build_seconds, scenario.content_hash())
    plan.extra["share_caps"] = len(caps)
    plan.extra["solve_method"] = result.method
    step("finance")
    attach_finance(plan, scenario, caps)
    step("impact")
    attach_impact(plan, scenario)
    return PlanRun(plan=plan, built=built, result=result, share_caps=caps)
