"""``stateside runs``: the saved plan runs — list, show, diff, export (registered in :mod:`stateside.cli`).

RUN is a run id, a unique prefix of one (the 8 characters ``runs list`` shows are
enough), ``latest`` or ``latest~N`` (the N-th before the latest). The store is
``$STATESIDE_DB_URL`` or the SQLite file in the user's data directory (docs/store.md).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console(highlight=False, soft_wrap=True)

runs_app = typer.Typer(
    help=(
        "The saved plan runs: list, show, compare and export them. Each 'stateside plan' is saved "
        "in the run store ($STATESIDE_DB_URL, default a SQLite file in the user's data folder)."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

RunArg = Annotated[
    str,
    typer.Argument(
        metavar="RUN",
        help="A run id or a unique prefix of one (see 'stateside runs list'), 'latest' or 'latest~N'.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@contextmanager
def _store_errors() -> Iterator[None]:
    """Store problems (bad URL, unknown run, unreadable table) as one red line and exit status 1."""
    from stateside.store.codec import CodecError
    from stateside.store.db import StoreError

    try:
        yield
    except (StoreError, CodecError) as exc:
        console.print(Text(f"error: {exc}", style="red"))
        raise typer.Exit(1) from None


def _fmt(v: Any) -> str:
    """A value for a table cell: thousands separators for big numbers, 6 significant digits else."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        return "0" if v == 0 else f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        return ";".join(_fmt(x) for x in v) if v else "(none)"
    if isinstance(v, dict) and not v:
        return "(none)"
    return str(v)


def _delta(a: Any, b: Any) -> str:
    if (
        isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        d = float(b) - float(a)
        if math.isnan(d):
            return ""
        text = _fmt(d)
        return text if d < 0 else f"+{text}"
    return ""


def _when(dt: Any) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M")


def _last_it_mw(summary: dict[str, Any]) -> str:
    it = summary.get("it_capacity_mw") or {}
    if not it:
        return "—"
    last = max(it, key=lambda k: int(k))
    return f"{float(it[last]):,.0f} ({last})"


@runs_app.command("list")
def list_cmd(
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="Show at most this many runs, newest first.")
    ] = 20,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Only runs of the scenario with this name.", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the saved runs, newest first: id, when, scenario, mode, status, cost, AI capacity online."""
    from stateside.store.api import list_runs
    from stateside.store.db import database_url, display_url

    with _store_errors():
        runs = list_runs(limit=limit, scenario_name=scenario)
        where = display_url(database_url())
    if as_json:
        sys.stdout.write(json.dumps([r.to_dict() for r in runs], indent=2) + "\n")
        return
    if not runs:
        console.print(f"No runs saved in {where} yet: each 'stateside plan' saves one.", markup=False)
        return
    t = Table(title=f"Runs in {where}", title_justify="left", title_style="bold")
    for col in (
        "run",
        "saved",
        "scenario",
        "mode",
        "status",
        "cost USD bn",
        "IT MW online",
        "version",
        "hash",
    ):
        t.add_column(col, justify="right" if col in ("cost USD bn", "IT MW online") else "left")
    for r in runs:
        cost = "—" if r.objective_usd is None else f"{r.objective_usd / 1e9:,.1f}"
        style = None if r.termination == "optimal" else "yellow"
        t.add_row(
            r.short_id,
            _when(r.created_at),
            r.scenario_name,
            r.mode,
            r.termination or r.status,
            cost,
            _last_it_mw(r.summary),
            r.code_version,
            r.scenario_hash[:8],
            style=style,
        )
    console.print(t)


@runs_app.command("show")
def show_cmd(run: RunArg, as_json: JsonOption = False) -> None:
    """Show one run: when and from what it was saved, then the plan's summary tables (as 'stateside plan' prints them)."""
    from stateside.cli_plan import print_plan
    from stateside.store.api import load_run, run_info

    with _store_errors():
        info = run_info(run)
        plan = load_run(info.id)
    if as_json:
        sys.stdout.write(json.dumps({"run": info.to_dict(), "summary": plan.summary()}, indent=2) + "\n")
        return
    console.print(Text.assemble(("Run ", "bold"), (info.id, "bold")))
    source = f" from {info.source}" if info.source else ""
    console.print(
        f"saved {_when(info.created_at)} by stateside {info.code_version} · scenario {info.scenario_name} "
        f"(hash {info.scenario_hash[:12]}){source}",
        markup=False,
    )
    print_plan(plan, console)


@runs_app.command("diff")
def diff_cmd(
    a: Annotated[str, typer.Argument(metavar="A", help="The run to compare from.", show_default=False)],
    b: Annotated[str, typer.Argument(metavar="B", help="The run to compare to.", show_default=False)],
    rows: Annotated[
        int, typer.Option("--rows", help="Show at most this many changed rows per input table.")
    ] = 10,
    as_json: JsonOption = False,
) -> None:
    """What changed from run A to run B: settings and input-table rows, summary figures and result tables.

    Input rows are matched on each table's key columns (e.g. demand on region and period); result tables are compared by their row counts and column sums, within a relative tolerance of 1e-9.
    """
    from stateside.store.api import diff_runs, run_info

    with _store_errors():
        ia, ib = run_info(a), run_info(b)
        d = diff_runs(ia.id, ib.id)
    if as_json:
        sys.stdout.write(json.dumps(d.to_dict(), indent=2) + "\n")
        return
    console.print(
        Text.assemble(
            ("Run A ", "bold"),
            f"{ia.short_id} ({ia.scenario_name}, {ia.mode}, {_when(ia.created_at)})  →  ",
            ("run B ", "bold"),
            f"{ib.short_id} ({ib.scenario_name}, {ib.mode}, {_when(ib.created_at)})",
        )
    )
    if ia.mode != ib.mode:
        console.print(Text(f"mode: {ia.mode} → {ib.mode}", style="yellow"))
    if not d.inputs_compared:
        console.print(Text("Inputs: not compared (a run was saved without its scenario).", style="yellow"))
    elif d.same_inputs:
        console.print(Text("Inputs: identical (settings and every scenario table).", style="green"))
    if d.settings:
        t = Table(title="Settings changed", title_justify="left", title_style="bold")
        for col in ("setting", "A", "B"):
            t.add_column(col)
        for c in d.settings:
            t.add_row(c.name, _fmt(c.a), _fmt(c.b))
        console.print(t)
    for td in d.inputs:
        counts = ", ".join(
            f"{n} {label}"
            for n, label in ((td.changed, "changed"), (td.added, "added"), (td.removed, "removed"))
            if n
        )
        title = f"Input table {td.table}: {counts or 'changed'}" + (f" ({td.note})" if td.note else "")
        if not td.rows:
            console.print(Text(title, style="bold"))
            continue
        t = Table(title=title, title_justify="left", title_style="bold")
        for col in ("row", "change", "field", "A", "B"):
            t.add_column(col)
        for rc in td.rows[:rows]:
            if rc.fields:
                for i, f in enumerate(rc.fields):
                    t.add_row(
                        rc.key if i == 0 else "", rc.change if i == 0 else "", f.name, _fmt(f.a), _fmt(f.b)
                    )
            else:
                t.add_row(rc.key, rc.change, "", "", "")
        if len(td.rows) > rows:
            t.add_row(f"… {len(td.rows) - rows} more rows (--rows)", "", "", "", "")
        console.print(t)
    if d.same_results:
        console.print(Text("Results: identical (summary and every result table).", style="green"))
        return
    if d.summary:
        t = Table(title="Summary figures changed", title_justify="left", title_style="bold")
        for col in ("figure", "A", "B", "B − A"):
            t.add_column(col, justify="left" if col == "figure" else "right")
        for c in d.summary:
            t.add_row(c.name, _fmt(c.a), _fmt(c.b), _delta(c.a, c.b))
        console.print(t)
    if d.results:
        t = Table(
            title="Result tables changed (row counts and column sums)",
            title_justify="left",
            title_style="bold",
        )
        for col in ("table", "figure", "A", "B", "B − A"):
            t.add_column(col, justify="left" if col in ("table", "figure") else "right")
        last = ""
        for g in d.results:
            t.add_row(g.table if g.table != last else "", g.figure, _fmt(g.a), _fmt(g.b), _delta(g.a, g.b))
            last = g.table
        console.print(t)


@runs_app.command("export")
def export_cmd(
    run: RunArg,
    directory: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="Folder to write (replaced if it exists).", show_default=False),
    ],
    fmt: Annotated[str, typer.Option("--format", help="Table format: csv or parquet.")] = "csv",
) -> None:
    """Write a run into DIR: every result table and summary.json (as 'stateside plan --out'), run.json, and the scenario it was planned from in DIR/scenario (a folder 'stateside plan' can run again)."""
    from stateside.store.api import export_run, run_info

    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter(f"expected csv or parquet, found {fmt!r}", param_hint="--format")
    with _store_errors():
        info = run_info(run)
        try:
            export_run(info.id, directory, fmt=fmt)
        except ImportError as exc:
            console.print(
                Text(f"error: --format {fmt} needs a package that is not installed ({exc})", style="red")
            )
            raise typer.Exit(1) from None
    scenario = directory / "scenario"
    extra = f"; its scenario in {scenario}" if scenario.is_dir() else ""
    console.print(f"Run {info.short_id} written to {directory}{extra}", markup=False)
