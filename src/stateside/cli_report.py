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
) -> Path:
    """Load the plan and its scenario, write the report, print where it went; returns the path.

    Exits with status 1 and a one-line message when the plan cannot be read.
    """
    if not Path(target).exists():
        if "/" in target or target.startswith("."):
            console.print(Text(f"error: no such plan folder {target}", style="red"))
            raise typer.Exit(1)
        return _report_from_run(target, scenario_dir, out, console, load_scenario, sweep)
    try:
        plan = load_plan(target)
    except PlanSourceError as exc:
        console.print(Text(f"error: {exc}", style="red"))
        raise typer.Exit(1) from None
    scenario = load_scenario(scenario_dir)
    if plan.scenario_hash and plan.scenario_hash != scenario.content_hash():
        source = "the embedded default scenario" if scenario_dir is None else str(scenario_dir)
        console.print(
            Text(
                f"warning: the plan was made from another scenario (hash {plan.scenario_hash[:12]}) than "
                f"{source} ({scenario.content_hash()[:12]}); names, sources and impact figures are read from "
                f"{source}. Pass --scenario DIR with the plan's scenario folder.",
                style="yellow",
            )
        )
    return _write(plan, scenario, out if out is not None else default_out(target), console, sweep)


def _report_from_run(
    ref: str,
    scenario_dir: Path | None,
    out: Path | None,
    console: Console,
    load_scenario: ScenarioLoader,
    sweep: str | None = None,
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
        plan, scenario, out if out is not None else Path(f"report-{run_id[:8]}.html"), console, sweep
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


def _write(plan: Plan, scenario: Scenario, path: Path, console: Console, sweep: str | None = None) -> Path:
    from stateside.report import write_report

    extra = [_sweep_section(sweep, console)] if sweep else []
    path = write_report(plan, scenario, path, extra_sections=extra)
    size_mb = path.stat().st_size / 1e6
    console.print(
        Text.assemble(
            ("Report written to ", "green"), (str(path), "bold"), f" ({size_mb:.1f} MB, works offline)"
        )
    )
    return path
