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
from rich import box
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
        help="A run id or a unique prefix of one (see 'stateside runs list'), 'latest' (the latest plan you ran; sweep members do not count) or 'latest~N'.",
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
    """AI IT MW online in the plan's last period."""
    it = summary.get("it_capacity_mw") or {}
    if not it:
        return "—"
    last = max(it, key=lambda k: int(k))
    return f"{float(it[last]):,.0f}"


@runs_app.command("list")
def list_cmd(
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="Show at most this many runs, newest first.")
    ] = 20,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Only runs of the scenario with this name.", show_default=False),
    ] = None,
    sweeps: Annotated[
        bool,
        typer.Option("--sweeps", help="Also list the runs of sweep members, tagged with their sweep."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List the runs you planned, newest first: id, when, scenario, mode, status, cost, AI capacity online. Sweep members are listed only with --sweeps ('stateside sweep list' shows the sweeps)."""
    from stateside.store.api import list_runs
    from stateside.store.db import database_url, display_url

    with _store_errors():
        runs = list_runs(limit=limit, scenario_name=scenario, sweeps=sweeps)
        where = display_url(database_url())
    if as_json:
        sys.stdout.write(json.dumps([r.to_dict() for r in runs], indent=2) + "\n")
        return
    if not runs:
        console.print(f"No runs saved in {where} yet: each 'stateside plan' saves one.", markup=False)
        return
    t = Table(
        title=f"Runs in {where}",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )
    for col in (
        "run",
        "saved",
        "scenario",
        "mode",
        "status",
        "USD bn",
        "IT MW",
        "hash",
        *(("sweep",) if sweeps else ()),
    ):
        t.add_column(
            col,
            justify="right" if col in ("USD bn", "IT MW") else "left",
            header_style="bold",
            no_wrap=col != "sweep",
            min_width=8 if col in ("run", "hash") else None,
            overflow="fold",
        )
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
            r.scenario_hash[:8],
            *((r.sweep or "",) if sweeps else ()),
            style=style,
        )
    console.print(t)


@runs_app.command("show")
def show_cmd(run: RunArg, as_json: JsonOption = False) -> None:
    """Show one run: when and from what it was saved, then the plan's summary tables (as 'stateside plan' prints them)."""
    from stateside.cli.plan import print_plan
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


#: rows per section of the planner's view (and changed input rows per table) without --all
SHORT_ROWS = 5


def _num(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    digits = 2 if unit.startswith("USD bn") or unit in ("Mt", "%") or unit.startswith("USD/MWh") else 0
    text = f"{v:,.{digits}f}"
    return "0" if text.strip("-0.,") == "" else text  # never '-0.00'


def _signed(v: float | None, unit: str) -> str:
    if v is None:
        return ""
    text = _num(v, unit)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def _planner_table(changes: list[Any], everything: bool) -> Table | None:
    if not changes:
        return None
    t = Table(
        title="What changed in the plan (A → B)",
        title_justify="left",
        title_style="bold",
        box=None,
        pad_edge=False,
        show_edge=False,
    )
    for col, just in (("", "left"), ("A", "right"), ("B", "right"), ("change", "right"), ("unit", "left")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    sections: dict[str, list[Any]] = {}
    for c in changes:
        sections.setdefault(c.section, []).append(c)
    for section, rows in sections.items():
        t.add_row(Text(section, style="bold"), "", "", "", "")
        shown = rows if everything or section == "Headline" else rows[:SHORT_ROWS]
        for c in shown:
            item = f"  {c.item}" + (f" ({c.note})" if c.note else "")
            t.add_row(item, _num(c.a, c.unit), _num(c.b, c.unit), _signed(c.delta, c.unit), c.unit)
        if len(rows) > len(shown):
            t.add_row(Text(f"  … {len(rows) - len(shown)} more (--all)", style="dim"), "", "", "", "")
    return t


@runs_app.command("diff")
def diff_cmd(
    a: Annotated[str, typer.Argument(metavar="A", help="The run to compare from.", show_default=False)],
    b: Annotated[str, typer.Argument(metavar="B", help="The run to compare to.", show_default=False)],
    everything: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Everything: every changed figure of each section, every changed input row, summary figures and result-table sums.",
        ),
    ] = False,
    rows: Annotated[
        int | None,
        typer.Option(
            "--rows",
            help="With --all: show at most this many changed rows per input table.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """What changed from run A to run B, in a planner's terms: headline figures, campuses added or removed, capacity by technology and state, corridor expansion, prices by state, investor equity and returns, security outcomes — each with A, B and the change; then the inputs that differ.

    A screen long by default (the largest changes of each section first); --all shows everything, including changed input rows, summary figures and result-table sums (matched within a relative tolerance of 1e-9).
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
            ("A ", "bold"),
            f"{ia.short_id} ({ia.scenario_name}, {ia.mode}, {_when(ia.created_at)})  →  ",
            ("B ", "bold"),
            f"{ib.short_id} ({ib.scenario_name}, {ib.mode}, {_when(ib.created_at)})",
        )
    )
    if ia.mode != ib.mode:
        console.print(Text(f"mode: {ia.mode} → {ib.mode}", style="yellow"))
    # inputs
    if not d.inputs_compared:
        console.print(Text("Inputs: not compared (a run was saved without its scenario).", style="yellow"))
    elif d.same_inputs:
        console.print(Text("Inputs: identical (settings and every scenario table).", style="green"))
    else:
        console.print(Text("Inputs changed:", style="bold"))
        settings = d.settings if everything else d.settings[:SHORT_ROWS]
        for c in settings:
            console.print(f"  setting {c.name}: {_fmt(c.a)} → {_fmt(c.b)}", markup=False)
        if len(d.settings) > len(settings):
            console.print(Text(f"  … {len(d.settings) - len(settings)} more settings (--all)", style="dim"))
        for td in d.inputs:
            counts = ", ".join(
                f"{n} {label}"
                for n, label in ((td.changed, "changed"), (td.added, "added"), (td.removed, "removed"))
                if n
            )
            keys = [rc.key for rc in td.rows[:3]]
            more = f", … {len(td.rows) - 3} more" if len(td.rows) > 3 else ""
            which = f": {', '.join(keys)}{more}" if keys else ""
            note = f" ({td.note})" if td.note else ""
            console.print(f"  Input table {td.table}: {counts or 'changed'}{note}{which}", markup=False)
    planner = _planner_table(d.planner, everything)
    if planner is not None:
        console.print(planner)
    if d.same_results:
        console.print(Text("Results: identical (summary and every result table).", style="green"))
    elif planner is None:
        console.print(
            Text("Results: no change a planner would see (see --all for result-table sums).", style="green")
        )
    if everything:
        _print_all(d, rows)


def _print_all(d: Any, rows: int | None) -> None:
    """The full detail of a diff (``--all``): changed input rows, summary figures, result-table sums."""
    for td in d.inputs:
        if not td.rows:
            continue
        t = Table(title=f"Input table {td.table}", title_justify="left", title_style="bold")
        for col in ("row", "change", "field", "A", "B"):
            t.add_column(col, overflow="fold")
        shown = td.rows if rows is None else td.rows[:rows]
        for rc in shown:
            if rc.fields:
                for i, f in enumerate(rc.fields):
                    t.add_row(
                        rc.key if i == 0 else "", rc.change if i == 0 else "", f.name, _fmt(f.a), _fmt(f.b)
                    )
            else:
                t.add_row(rc.key, rc.change, "", "", "")
        if len(td.rows) > len(shown):
            t.add_row(f"… {len(td.rows) - len(shown)} more rows (--rows)", "", "", "", "")
        console.print(t)
    if d.summary:
        t = Table(title="Summary figures changed", title_justify="left", title_style="bold")
        for col in ("figure", "A", "B", "B − A"):
            t.add_column(col, justify="left" if col == "figure" else "right", overflow="fold")
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
            t.add_column(col, justify="left" if col in ("table", "figure") else "right", overflow="fold")
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
