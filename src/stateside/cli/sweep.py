"""``stateside sweep``: scenario sweeps and Monte Carlo on Dask (registered in :mod:`stateside.cli`).

``stateside sweep FILE`` is ``stateside sweep run FILE``: the group turns a first argument
that is not one of its commands into ``run``'s arguments.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

console = Console(highlight=False, soft_wrap=True)


class _SweepGroup(TyperGroup):
    """``sweep FILE …`` runs FILE: a first argument that is no command (nor help) goes to ``run``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


sweep_app = typer.Typer(
    cls=_SweepGroup,
    help=(
        "Scenario sweeps and Monte Carlo on Dask: vary a scenario (grid values, distributions, "
        "a tornado), solve every member in parallel, keep them in the run store and show "
        "P10/P50/P90 and the tornado. 'stateside sweep FILE' is 'stateside sweep run FILE' "
        "(docs/sweeps.md)."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

SweepRef = Annotated[
    str,
    typer.Argument(
        metavar="ID",
        help="A sweep id or a unique prefix of one (see 'stateside sweep list'), 'latest' or 'latest~N'.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
MetricOption = Annotated[
    str | None,
    typer.Option(
        "--metric",
        help="Metric the tornado is ranked by (default: the sweep file's; e.g. objective_usd, capex_usd, "
        "equity_usd, it_mw_online.2030).",
        show_default=False,
    ),
]


@contextmanager
def _errors() -> Iterator[None]:
    """Sweep and store problems as red lines and exit status 1."""
    from stateside.scenario.errors import ScenarioError
    from stateside.store.codec import CodecError
    from stateside.store.db import StoreError
    from stateside.sweep.spec import SweepError

    try:
        yield
    except (SweepError, StoreError, CodecError) as exc:
        for line in str(exc).splitlines():
            console.print(Text(f"error: {line}", style="red"))
        raise typer.Exit(1) from None
    except ScenarioError:
        raise


# --------------------------------------------------------------------------------------
# formatting


def _bn(x: float) -> str:
    return "-" if x is None or math.isnan(x) else f"{x / 1e9:,.2f}"


def _mw(x: float) -> str:
    return "-" if x is None or math.isnan(x) else f"{x:,.0f}"


def _fmt_metric(name: str, x: float) -> str:
    if name.endswith("_usd") or "_usd." in name:
        return _bn(x)
    if x is None or math.isnan(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.4g}"


def _label(name: str) -> str:
    if name.endswith("_usd") or "_usd." in name:
        return f"{name} (USD bn)"
    return name


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return "-" if v is None else str(v)


def show_tables(results: Any, metric: str | None = None) -> list[Table]:
    """The tables ``sweep show`` prints: percentiles, per grid point, tornado, failures."""
    from stateside.sweep.analysis import default_metrics, grid_percentiles, sweep_percentiles, sweep_tornado

    out: list[Table] = []
    names = default_metrics(results)
    pct = sweep_percentiles(results, names)
    n_main = int(results.main.sum())
    if n_main:
        t = Table(
            title=f"Across {n_main} member{'s' if n_main != 1 else ''}: P10 / P50 / P90",
            title_justify="left",
            title_style="bold",
        )
        for col in ("metric", "n", "P10", "P50", "P90", "mean"):
            t.add_column(col, justify="left" if col == "metric" else "right")
        for r in pct.itertuples():
            t.add_row(
                _label(r.metric), str(r.n), *(_fmt_metric(r.metric, v) for v in (r.p10, r.p50, r.p90, r.mean))
            )
        out.append(t)
    grid_metrics: list[str] = [m for m in ("objective_usd", "capex_usd", "equity_usd") if m in names]
    grid_metrics += [m for m in names if m.startswith("it_mw_online.")][-1:]
    grid = grid_percentiles(results, grid_metrics)
    if len(grid):
        samples = results.spec.samples
        stat = "p50" if samples > 1 else "mean"
        t = Table(
            title="By grid point" + (" (P50 of the draws; USD bn)" if samples > 1 else " (USD bn)"),
            title_justify="left",
            title_style="bold",
        )
        t.add_column("#", justify="right")
        grid_params = results.spec.grid_parameters
        for p in grid_params:
            t.add_column(p.name, justify="right")
        short = {"objective_usd": "objective", "capex_usd": "capex", "equity_usd": "equity"}
        for c in grid_metrics:
            t.add_column(short.get(c, c.replace("it_mw_online.", "IT MW ")), justify="right")
        wide = grid.pivot_table(index="grid_point", columns="metric", values=stat, sort=True)
        for gp, row in wide.iterrows():
            first = results.members.index[results.members["grid_point"] == gp][0]
            t.add_row(
                str(gp),
                *(_value(results.values.at[first, p.name]) for p in grid_params),
                *(_fmt_metric(c, float(row[c])) for c in grid_metrics),
            )
        out.append(t)
    tornado_metric = metric or (results.spec.tornado.metric if results.spec.tornado is not None else None)
    if tornado_metric is not None:
        tor = sweep_tornado(results, tornado_metric)
        if len(tor):
            t = Table(
                title=f"Tornado on {_label(tornado_metric)}: base {_fmt_metric(tornado_metric, float(tor['metric_base'].iloc[0]))}",
                title_justify="left",
                title_style="bold",
            )
            for col in ("rank", "parameter", "low", "at low", "high", "at high", "swing"):
                t.add_column(col, justify="left" if col in ("parameter",) else "right")
            for r in tor.itertuples():
                t.add_row(
                    str(r.rank),
                    str(r.parameter),
                    _value(r.low_value),
                    _fmt_metric(tornado_metric, r.metric_low),
                    _value(r.high_value),
                    _fmt_metric(tornado_metric, r.metric_high),
                    _fmt_metric(tornado_metric, r.swing),
                )
            out.append(t)
    failed = results.members[results.members["status"] != "ok"]
    if len(failed):
        t = Table(
            title=f"Failed members ({len(failed)}; run the sweep again to retry)",
            title_justify="left",
            title_style="bold red",
        )
        t.add_column("member", justify="right")
        t.add_column("error")
        for idx, r in failed.head(20).iterrows():
            t.add_row(str(idx), str(r["error"]))
        out.append(t)
    return out


def _header(results: Any) -> None:
    info = results.info
    when = info.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    console.print(Text(f"Sweep {info.short_id}  {info.name}", style="bold"))
    console.print(
        f"scenario {info.scenario_name} ({info.scenario_hash[:12]}) · mode {info.mode} · created {when} · "
        f"stateside {info.code_version}",
        markup=False,
    )
    spec = info.spec
    design = []
    if spec.grid_parameters:
        design.append(f"grid of {spec.n_grid_points} point{'s' if spec.n_grid_points != 1 else ''}")
    if spec.mc_parameters and spec.samples:
        design.append(
            f"{spec.samples} Monte Carlo draw{'s' if spec.samples != 1 else ''}"
            + (" per point" if spec.grid_parameters else "")
            + f" (seed {spec.seed})"
        )
    if spec.tornado is not None:
        design.append(
            f"tornado of {len(spec.tornado_parameters)} parameter{'s' if len(spec.tornado_parameters) != 1 else ''}"
        )
    console.print(
        f"members: {info.n_done} of {info.n_members} done"
        + (f", {info.n_failed} failed" if info.n_failed else "")
        + (f" · {', '.join(design)}" if design else ""),
        markup=False,
    )
    if info.n_done < info.n_members:
        console.print(
            Text(
                f"{info.n_members - info.n_done} members not done yet: run the sweep file again to finish it.",
                style="yellow",
            )
        )


def _json_ready(df: pd.DataFrame) -> list[dict[str, Any]]:
    recs = df.to_dict("records")
    for r in recs:
        for k, v in list(r.items()):
            if isinstance(v, float) and math.isnan(v):
                r[k] = None
            elif hasattr(v, "item"):
                r[k] = v.item()
    return recs


def results_json(results: Any, metric: str | None = None) -> dict[str, Any]:
    """Everything ``sweep show --json`` prints."""
    from stateside.sweep.analysis import grid_percentiles, sweep_percentiles, sweep_tornado

    members = []
    for idx, r in results.members.iterrows():
        members.append(
            {
                "index": int(idx),
                "design": r["design"],
                "role": r["role"],
                "grid_point": None if pd.isna(r["grid_point"]) else int(r["grid_point"]),
                "draw": None if pd.isna(r["draw"]) else int(r["draw"]),
                "status": r["status"],
                "termination": r["termination"],
                "run_id": r["run_id"],
                "reused": bool(r["reused"]),
                "error": r["error"],
                "values": {k: v for k, v in results.values.loc[idx].items() if v is not None},
                "metrics": {k: (None if math.isnan(v) else v) for k, v in results.metrics.loc[idx].items()},
            }
        )
    tornado_metric = metric or (
        results.spec.tornado.metric if results.spec.tornado is not None else "objective_usd"
    )
    return {
        "sweep": results.info.to_dict(),
        "percentiles": _json_ready(sweep_percentiles(results)),
        "grid": _json_ready(grid_percentiles(results)),
        "tornado": {"metric": tornado_metric, "rows": _json_ready(sweep_tornado(results, tornado_metric))},
        "members": members,
    }


# --------------------------------------------------------------------------------------
# commands


@sweep_app.command("run")
def run_cmd(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="Sweep file (YAML; see docs/sweeps.md).", show_default=False),
    ],
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Dask worker processes of the local cluster (default: one per core).",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Use an existing Dask cluster, e.g. tcp://HOST:8786 (its workers need this stateside).",
            show_default=False,
        ),
    ] = None,
    scenario_dir: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="Scenario folder to vary (instead of the one the file names).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=0,
            help="Solve at most this many scenarios now; run again to continue.",
            show_default=False,
        ),
    ] = None,
    no_reuse: Annotated[
        bool,
        typer.Option(
            "--no-reuse", help="Solve members even when the store has a run of the identical scenario."
        ),
    ] = False,
    metric: MetricOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a sweep file: solve every member on Dask, save each as it finishes, show the results.

    Running the same file again resumes it: members already solved (same scenario content hash) are not solved again. Members are kept in the run store ($STATESIDE_DB_URL); 'stateside sweep show ID' shows them later.
    """
    from stateside.scenario.load import default_dir_checked, load_checked
    from stateside.sweep.analysis import load_results
    from stateside.sweep.runner import run_sweep
    from stateside.sweep.spec import SweepError, load_spec
    from stateside.sweep.spec import scenario_dir as spec_scenario_dir

    with _errors():
        spec = load_spec(file)
        root = scenario_dir or spec_scenario_dir(spec, file)
        if root is not None and not root.exists():
            raise SweepError(f"{file}: scenario: no folder {root}")
        scenario, checked = load_checked(root if root is not None else default_dir_checked())
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        for issue in checked.issues:
            if not issue.is_error:
                err.print(Text(f"{issue} (warning)", style="yellow"))
        try:
            outcome = run_sweep(
                spec,
                scenario,
                file.read_text(encoding="utf-8"),
                workers=workers,
                scheduler=scheduler,
                limit=limit,
                reuse=not no_reuse,
                source=str(file.resolve()),
                console=err,
            )
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        results = load_results(outcome.sweep_id)
    if as_json:
        payload = results_json(results, metric)
        payload["run"] = outcome.to_dict()
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    console.print(
        f"solved {outcome.solved}, from stored runs {outcome.reused}, failed {outcome.failed}"
        + (f", left for later {outcome.left}" if outcome.left else "")
        + f" in {outcome.seconds:,.1f} s"
        + (f" on {outcome.workers} worker{'s' if outcome.workers != 1 else ''}" if outcome.workers else ""),
        markup=False,
    )
    _header(results)
    for t in show_tables(results, metric):
        console.print(t)
    if outcome.failed:
        raise typer.Exit(1)


@sweep_app.command("show")
def show_cmd(
    ref: SweepRef,
    metric: MetricOption = None,
    as_json: JsonOption = False,
    html_out: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write the sweep's HTML page (tables and Plotly charts) to this file.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show a stored sweep: P10/P50/P90 of cost, AI IT MW online and equity, results by grid point, the tornado."""
    from stateside.sweep.analysis import load_results

    with _errors():
        results = load_results(ref)
        if html_out is not None:
            from stateside.sweep.report import write_sweep_html

            write_sweep_html(results, html_out, metric=metric)
    if as_json:
        sys.stdout.write(json.dumps(results_json(results, metric), indent=2) + "\n")
        return
    _header(results)
    for t in show_tables(results, metric):
        console.print(t)
    if html_out is not None:
        console.print(f"wrote {html_out}", markup=False)


@sweep_app.command("list")
def list_cmd(
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="Show at most this many sweeps, newest first.")
    ] = 20,
    as_json: JsonOption = False,
) -> None:
    """List the stored sweeps, newest first: id, when, name, scenario, members done."""
    from stateside.sweep.store import list_sweeps

    with _errors():
        sweeps = list_sweeps(limit)
    if as_json:
        sys.stdout.write(json.dumps([s.to_dict() for s in sweeps], indent=2) + "\n")
        return
    if not sweeps:
        console.print("no sweeps in the store; run one with 'stateside sweep FILE'")
        return
    t = Table(title="Sweeps", title_justify="left", title_style="bold")
    for col in ("id", "created", "name", "scenario", "mode", "done", "failed"):
        t.add_column(col, justify="right" if col in ("done", "failed") else "left")
    for s in sweeps:
        t.add_row(
            s.short_id,
            s.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            s.name,
            s.scenario_name,
            s.mode,
            f"{s.n_done}/{s.n_members}",
            str(s.n_failed),
        )
    console.print(t)
