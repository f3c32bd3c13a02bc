"""Plan a scenario, or reuse the stored run of an identical one — the step that joins the
run layer (:mod:`stateside.run`, which plans) and the store (:mod:`stateside.store`, which
keeps runs and never plans itself). The CLI and tests call it; the web service's workers
plan with :func:`stateside.run.run_plan` and save with :func:`stateside.store.api.save_run`.
"""

from __future__ import annotations

from collections.abc import Callable

from stateside import __version__
from stateside.plan import Plan
from stateside.scenario.types import Scenario

Progress = Callable[[str], None]


def plan_with_store(
    scenario: Scenario,
    mode: str | None = None,
    reuse: bool = False,
    progress: Progress | None = None,
    source: str | None = None,
    url: str | None = None,
) -> tuple[Plan, str, bool]:
    """Plan ``scenario`` and save the run; with ``reuse``, load an identical earlier run instead.

    Returns ``(plan, run_id, reused)``. A run is reused when one of the same scenario content
    hash and mode, saved by this version of stateside, solved to optimality. The store is
    opened before solving, so a bad ``STATESIDE_DB_URL`` fails at once, not after the solve.
    """
    from stateside.run import run_plan
    from stateside.store.api import find_run_by_hash, load_run, save_run
    from stateside.store.db import engine_for

    engine_for(url)
    resolved_mode = mode or scenario.settings.mode
    if reuse:
        found = find_run_by_hash(scenario.content_hash(), resolved_mode, code_version=__version__, url=url)
        if found is not None:
            return load_run(found, url), found, True
    plan = run_plan(scenario, mode=mode, progress=progress)
    run_id = save_run(plan, scenario, source=source, url=url)
    return plan, run_id, False
