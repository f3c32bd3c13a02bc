"""``stateside report``: write the HTML report of a plan (registered in :mod:`stateside.cli`).

The plan comes from a *plan source*: :func:`report_command` takes a ``load_plan``
callable that turns the user's PLAN argument into a :class:`~stateside.plan.Plan`. The
default, :func:`plan_from_dir`, reads a folder written by ``stateside plan --out``; the
run store can pass its own loader (run ids) without changing this module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from stateside.plan import Plan, load_plan_dir
from stateside.scenario.types import Scenario

ScenarioLoader = Callable[[Path | None], Scenario]
PlanLoader = Callable[[str], Plan]

ReportTarget = Annotated[
    str,
    typer.Argument(
        metavar="PLAN",
        help="A plan folder written by 'stateside plan --out DIR', or a stored run: an id, a unique prefix, 'latest' or 'latest~N' (stateside runs list).",
        show_default=False,
    ),
]
ReportSweepOption = Annotated[
    str | None,
    typer.Option(
        "--sweep",
        help="Add a stored sweep's results (P10/P50/P90, tornado) as a section: its id, a prefix or 'latest' (stateside sweep list).",
        show_default=False,
    ),
]
ReportCoalitionOption = Annotated[
    str | None,
    typer.Option(
        "--coalition",
        help="Add a stored coalition-value result (Shapley values, leave-one-out, offtake) as a section: its id, a prefix or 'latest' (stateside coalition value).",
        show_default=False,
    ),
]
ReportOutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="HTML file to write (default: report.html inside the plan folder).",
        show_default=False,
    ),
]
ReportScenarioOption = Annotated[
    Path | None,
    typer.Option(
        "--scenario",
        help="Scenario folder the plan was made from (default: the embedded default scenario).",
        show_default=False,
    ),
]


class PlanSourceError(ValueError):
    """The PLAN argument names nothing a report can be made from."""


def plan_from_dir(target: str) -> Plan:
    """Read a plan folder (``stateside plan --out``); a clear error for anything else."""
    path = Path(target)
    if not path.exists():
        raise PlanSourceError(f"{target}: no such plan folder (write one with 'stateside plan --out DIR')")
    if not path.is_dir():
        raise PlanSourceError(
            f"{target}: not a folder; expected a plan folder written by 'stateside plan --out DIR'"
        )
    try:
        return load_plan_dir(path)
    except FileNotFoundError as exc:
        raise PlanSourceError(str(exc)) from None


def _scenario_of(plan: Plan, folder: Path, load_scenario: ScenarioLoader) -> tuple[Scenario, str] | None:
    """The scenario a plan folder was planned from: ``folder/scenario`` (as 'runs export'
    writes it), the default when the hashes agree, else the scenario stored with a run of
    the same hash; None when none of these is it. Returns it with where it was found."""
    own = folder / "scenario"
    if (own / "scenario.yaml").is_file():
        return load_scenario(own), f"{own} (saved with the plan)"
    default = load_scenario(None)
    if not plan.scenario_hash or plan.scenario_hash == default.content_hash():
        return default, ""
    from stateside.scenario.errors import ScenarioError
    from stateside.store.api import list_runs, load_run_scenario
    from stateside.store.db import StoreError

    try:
        runs = list_runs(limit=1, scenario_hash=plan.scenario_hash)
        if runs:
            return load_run_scenario(runs[0].id), f"stored with run {runs[0].short_id}"
    except (StoreError, ScenarioError):
        return None
    return None


def default_out(target: str) -> Path:
    """``report.html`` inside the plan folder, or in the current folder for other plan sources."""
    path = Path(target)
    return path / "report.html" if path.is_dir() else Path("report.html")


def report_command(
    target: str,
    scenario_dir: Path | None,
    out: Path | None,
    console: Console,
    load_scenario: ScenarioLoader,
    load_plan: PlanLoader = plan_from_dir,
    sweep: str | None = None,
    coalition: str | None = None,
) -> Path:
    """Load the plan and its scenario, write the report, print where it went; returns the path.

    Exits with status 1 and a one-line message when the plan cannot be read.
    """
    if not Path(target).exists():
        if "/" in target or target.startswith("."):
            console.print(Text(f"error: no such plan folder {target}", style="red"))
            raise typer.Exit(1)
        return _report_from_run(target, scenario_dir, out, console, load_scenario, sweep, coalition)
    try:
        plan = load_plan(target)
    except PlanSourceError as exc:
        console.print(Text(f"error: {exc}", style="red"))
        raise typer.Exit(1) from None
    if scenario_dir is None:
        found = _scenario_of(plan, Path(target), load_scenario)
        if found is None:
            console.print(
                Text(
                    f"error: {target} was planned from a scenario (hash {plan.scenario_hash[:12]}) that is "
                    "neither the default, nor in the folder (scenario/), nor stored with a run; pass "
                    "--scenario DIR with the plan's scenario folder so names and figures are the plan's",
                    style="red",
                ),
                soft_wrap=True,
            )
            raise typer.Exit(1)
        scenario, where = found
        if where:
            console.print(f"Scenario: {where}", markup=False)
    else:
        scenario = load_scenario(scenario_dir)
        if plan.scenario_hash and plan.scenario_hash != scenario.content_hash():
            console.print(
                Text(
                    f"warning: the plan was made from another scenario (hash {plan.scenario_hash[:12]}) than "
                    f"{scenario_dir} ({scenario.content_hash()[:12]}); names, sources and impact figures are "
                    f"read from {scenario_dir}.",
                    style="yellow",
                )
            )
    return _write(plan, scenario, out if out is not None else default_out(target), console, sweep, coalition)


def _report_from_run(
    ref: str,
    scenario_dir: Path | None,
    out: Path | None,
    console: Console,
    load_scenario: ScenarioLoader,
    sweep: str | None = None,
    coalition: str | None = None,
) -> Path:
    """The report of a stored run, with the scenario stored with it (or --scenario DIR)."""
    from stateside.store.api import load_run, load_run_scenario, resolve_run
    from stateside.store.db import StoreError

    try:
        run_id = resolve_run(ref)
        plan = load_run(run_id)
        scenario = load_scenario(scenario_dir) if scenario_dir is not None else load_run_scenario(run_id)
    except StoreError as exc:
        console.print(Text(f"error: {exc} (and no plan folder {ref!r} exists)", style="red"))
        raise typer.Exit(1) from None
    return _write(
        plan,
        scenario,
        out if out is not None else Path(f"report-{run_id[:8]}.html"),
        console,
        sweep,
        coalition,
    )


def _sweep_section(ref: str, console: Console) -> tuple[str, str, str]:
    from stateside.store.db import StoreError
    from stateside.sweep.analysis import load_results
    from stateside.sweep.report import sweep_section_html

    try:
        results = load_results(ref)
    except (StoreError, LookupError, ValueError) as exc:
        console.print(Text(f"error: sweep {ref!r}: {exc}", style="red"))
        raise typer.Exit(1) from None
    return ("sweep", "Sweep", sweep_section_html(results))


def _coalition_section(ref: str, console: Console) -> tuple[str, str, str]:
    from stateside.coalition.value import CoalitionError, latest_coalition_id, load_value
    from stateside.report.coalition import coalition_section_html
    from stateside.store.db import StoreError

    try:
        if ref == "latest":
            found = latest_coalition_id()
            if found is None:
                raise CoalitionError("no coalition-value run in the store")
            ref = found
        d = load_value(ref).to_dict()
    except (StoreError, CoalitionError, LookupError) as exc:
        console.print(Text(f"error: coalition {ref!r}: {exc}", style="red"))
        raise typer.Exit(1) from None
    return ("coalition", "Coalition", coalition_section_html(d))


def _write(
    plan: Plan,
    scenario: Scenario,
    path: Path,
    console: Console,
    sweep: str | None = None,
    coalition: str | None = None,
) -> Path:
    from stateside.report import write_report

    extra = [_sweep_section(sweep, console)] if sweep else []
    if coalition:
        extra.append(_coalition_section(coalition, console))
    path = write_report(plan, scenario, path, extra_sections=extra)
    size_mb = path.stat().st_size / 1e6
    console.print(
        Text.assemble(
            ("Report written to ", "green"), (str(path), "bold"), f" ({size_mb:.1f} MB, works offline)"
        )
    )
    return path
