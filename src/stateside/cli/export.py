"""``stateside export``: write a scenario's or a plan's power system for other tools.

Registered in :mod:`stateside.cli` as ``app.add_typer(export_app, name="export")``.
``stateside export pypsa SOURCE OUT.nc`` writes one investment period as a PyPSA network
(docs/export.md); SOURCE is a scenario folder or a plan folder from ``stateside plan --out``.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from stateside.scenario.load import default_dir_checked, load_checked
from stateside.scenario.types import Scenario

if TYPE_CHECKING:  # the PyPSA export (and the report colours it uses) load only when exporting
    from stateside.export.pypsa import PypsaExport

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

export_app = typer.Typer(
    help="Write a scenario's or a plan's power system in other tools' formats.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _load(path: Path | None) -> Scenario:
    """The scenario folder ``path`` (None: the embedded default); warnings go to stderr."""
    scenario, result = load_checked(default_dir_checked() if path is None else path)
    for issue in result.issues:
        if not issue.is_error:
            err_console.print(Text(f"{issue} (warning)", style="yellow"))
    return scenario


def _fail(message: str) -> typer.Exit:
    err_console.print(Text(f"error: {message}", style="red"))
    return typer.Exit(1)


def _summary_table(info: PypsaExport, source: str) -> Table:
    t = Table(
        title=f"PyPSA network written to {info.path}",
        title_justify="left",
        title_style="bold",
        show_header=False,
    )
    t.add_column("", justify="left")
    t.add_column("", justify="left")
    t.add_row("source", source)
    t.add_row("period", str(info.period))
    snaps = f"{info.snapshots} ({info.typical_days} typical day{'s' if info.typical_days != 1 else ''})"
    t.add_row("snapshots", snaps)
    for comp, count in info.components.items():
        t.add_row(comp, str(count))
    if info.from_plan:
        t.add_row("campus load (MW)", f"{info.campus_load_mw:,.0f}")
        t.add_row("fab load (MW)", f"{info.fab_load_mw:,.0f}")
    if info.from_plan:
        t.add_row(
            "plan's solution",
            "included: n.statistics() reads capacities, dispatch, flows and prices without solving"
            if info.solution
            else "capacities only (the plan has no time-resolved results; plan again)",
        )
    if info.typical_days > 1:
        t.add_row(
            "solve with",
            "stateside.export.pypsa.solve_network(n): storage cycles within each typical day as in "
            "Stateside; n.optimize() alone chains the typical days (a relaxation)",
        )
    else:
        t.add_row("solve with", 'n.optimize(solver_name="highs")')
    t.add_row(
        "objective", f"Stateside's = {info.objective_factor:.6g} x PyPSA's (discounted years of the period)"
    )
    return t


@export_app.command("pypsa")
def pypsa_command(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="SOURCE",
            help="Scenario folder, plan folder written by 'stateside plan --out', or stored run (id, prefix, 'latest'); a plan or run adds its campus and fab load.",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Argument(metavar="OUT.nc", help="netCDF file to write.", show_default=False)],
    scenario_dir: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="With a plan folder: the scenario it was planned from (default: the embedded one).",
            show_default=False,
        ),
    ] = None,
    period: Annotated[
        int | None,
        typer.Option(
            "--period", help="Investment period (year) to export; default: the last.", show_default=False
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was written as one JSON object.")
    ] = False,
) -> None:
    """Write one period of the power system as a PyPSA network (netCDF) that pypsa.Network(OUT.nc) opens.

    Regions become buses, corridors links (the same transport model), the existing fleet fixed generators and storage units, the period's new-build options extendable ones with annualised capital costs, demand loads (plus, from a plan, its campus and fab load). From a plan or stored run the file also holds the plan's solution of the period (p_nom_opt, dispatch, storage, flows, prices), so n.statistics() works on it as written. Solved with stateside.export.pypsa.solve_network, its optimum equals Stateside's power-only optimum of the period, except for the reserve margin and turbine supply limit, which PyPSA has no native component for (docs/export.md).
    """
    plan = None
    if (source / "summary.json").is_file():
        from stateside.plan import load_plan_dir

        plan = load_plan_dir(source)
        scenario = _load(scenario_dir)
        label = f"plan {source} of scenario {scenario_dir or 'default (embedded)'}"
    elif (source / "scenario.yaml").is_file():
        if scenario_dir is not None:
            raise typer.BadParameter(
                f"{source} is a scenario folder; --scenario goes with a plan folder", param_hint="--scenario"
            )
        scenario = _load(source)
        label = f"scenario {source}"
    elif not source.exists():
        from stateside.store.api import load_run, load_run_scenario, resolve_run
        from stateside.store.db import StoreError

        try:
            run_id = resolve_run(str(source))
            plan = load_run(run_id)
            scenario = _load(scenario_dir) if scenario_dir is not None else load_run_scenario(run_id)
        except StoreError as exc:
            raise _fail(f"{source}: no such folder, and not a stored run: {exc}") from None
        label = f"stored run {run_id[:8]}"
    else:
        raise _fail(f"{source}: neither a scenario folder (scenario.yaml) nor a plan folder (summary.json)")
    if out.exists() and out.is_dir():
        raise _fail(f"{out} is a folder; give the path of the .nc file to write")
    logging.getLogger("pypsa").setLevel(logging.WARNING)  # no INFO lines about the file it wrote
    from stateside.export.pypsa import ExportError, export_pypsa

    try:
        info = export_pypsa(scenario, out, plan=plan, period=period)
    except ExportError as exc:
        raise _fail(str(exc)) from None
    for note in info.notes:
        err_console.print(Text(f"warning: {note}", style="yellow"))
    if as_json:
        sys.stdout.write(json.dumps(info.summary(), indent=2) + "\n")
        return
    console.print(_summary_table(info, label))
    if info.omitted:
        console.print("Not exported (PyPSA has no native equivalent):")
    for item in info.omitted:
        console.print(f"  - {item}")
