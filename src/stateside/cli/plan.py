"""``stateside plan``: plan a scenario and show what it builds (registered in :mod:`stateside.cli`)."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from stateside.finance.report import asset_owner, money_headline
from stateside.model.solve import SolveEvent
from stateside.plan import Plan
from stateside.scenario.types import Scenario

STAGE_LABELS = {
    "profiles": "Hourly profiles and typical days",
    "caps": "Share caps from the security rules",
    "build": "Building the model",
    "solve": "Solving with HiGHS",
    "results": "Reading results",
    "diagnosis": "Diagnosing shortfalls (re-solves with one limit relaxed at a time)",
    "finance": "Cap tables and project economics",
    "impact": "Jobs, emissions, state benefits",
}


#: exit codes of ``stateside plan`` (documented in its --help, README and docs/model.md)
EXIT_OK = 0  # a plan proven within solver.mip_gap
EXIT_ERROR = 1  # the scenario or the run store has a problem (message on stderr)
EXIT_STOPPED = (
    3  # stopped early (time limit; branch and bound stalled or off): the best plan found, with its gap
)
EXIT_NO_PLAN = 4  # no plan: the solver found none (infeasible, or stopped before a first plan)
EXIT_INTERRUPTED = 130  # Ctrl-C: the best plan found so far is printed and saved, if there is one

EXIT_CODES_HELP = (
    "Exit codes: 0 a plan proven within the scenario's solver.mip_gap; 1 a problem with the scenario or "
    "the run store; 3 stopped early at solver.time_limit_s (or branch and bound stalled, or is off: "
    "solver.branch_and_bound false) — the best plan "
    "found is printed and saved with its proven gap; 4 no plan (the solver found none); 130 interrupted "
    "(Ctrl-C) — the best plan found so far is printed and saved, if there is one."
)


def exit_code(plan: Plan) -> int:
    """The exit code of ``stateside plan`` for a finished plan (see EXIT_CODES_HELP)."""
    term = plan.termination or plan.status
    if plan.extra.get("interrupted") or term == "interrupted":
        return EXIT_INTERRUPTED
    if not math.isfinite(plan.objective_usd):  # no solution: the tables are empty
        return EXIT_NO_PLAN
    if term == "optimal":
        return EXIT_OK
    return EXIT_STOPPED


class _Reporter:
    """Stage names and solve events (:class:`stateside.model.solve.SolveEvent`) to a Rich
    progress display on a terminal, or to plain lines on stderr otherwise."""

    def __init__(self, err: Console, progress: Progress | None, quiet: bool) -> None:
        self.err, self.progress, self.quiet = err, progress, quiet
        self.task_ids: dict[str, Any] = {}
        self.stage = ""
        self._last_line = 0.0

    def __call__(self, stage: str) -> None:
        self.stage = stage
        if self.progress is not None:
            self.finish()
            self.task_ids[stage] = self.progress.add_task(STAGE_LABELS.get(stage, stage), total=None)
        elif not self.quiet:
            self.err.print(f"… {STAGE_LABELS.get(stage, stage)}")

    def on_solve(self, event: SolveEvent) -> None:
        if event.stage == "done":
            return
        text = f"{STAGE_LABELS['solve']} · {event.describe()}"
        if self.progress is not None and "solve" in self.task_ids:
            self.progress.update(self.task_ids["solve"], description=text)
        elif not self.quiet:
            now = time.monotonic()
            if event.kind != "progress" or now - self._last_line >= PLAIN_PROGRESS_INTERVAL_S:
                self._last_line = now
                self.err.print(
                    f"  {event.elapsed_s:6.1f} s  {event.describe()}", markup=False, soft_wrap=True
                )

    def finish(self) -> None:
        if self.progress is not None:
            for tid in self.task_ids.values():
                self.progress.update(tid, completed=1, total=1)


#: seconds between progress lines of a long solve when stderr is not a terminal
PLAIN_PROGRESS_INTERVAL_S = 10.0


def execute(scenario: Scenario, mode: str | None, quiet: bool, reuse: bool = False) -> tuple[Plan, str, bool]:
    """Run the plan (saved to the run store) with a Rich progress display on stderr (none
    when ``quiet``): each stage, and during the solve its stage (relaxation, rounding,
    fixed LP, branch and bound), elapsed time, plan, bound and gap. Returns the plan, its
    run id and whether a stored run was reused."""
    from stateside.planning import plan_with_store

    err = Console(stderr=True, highlight=False)
    if quiet or (not err.is_terminal and not sys.stderr.isatty()):
        # plain lines when not on a terminal (CI logs, pipes)
        return plan_with_store(scenario, mode, reuse, _Reporter(err, None, quiet))
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err, transient=False
    ) as progress:
        reporter = _Reporter(err, progress, quiet)
        result = plan_with_store(scenario, mode, reuse, reporter)
        reporter.finish()
    return result


def _money(x: float) -> str:
    text = f"{x / 1e9:,.2f}"
    return "0.00" if text == "-0.00" else text  # no negative zero (unspent of a fully spent commitment)


def _ids(t: Table, *columns: str) -> None:
    """Never truncate the id columns of a table: they are what a user types next."""
    for col in t.columns:
        if str(col.header) in columns:
            col.no_wrap = True
            col.overflow = "fold"
            col.min_width = max((len(str(c)) for c in col._cells), default=0) or None


def price_table(plan: Plan) -> Table | None:
    """Load-weighted wholesale prices (USD/MWh) by period: all states, then the campus states."""
    from stateside.timeseries import annual_price

    pt = plan.tables.get("prices_t")
    prices = annual_price(pt) if pt is not None and len(pt) else plan.tables.get("prices")
    if prices is None or not len(prices):
        return None
    periods = sorted(int(p) for p in prices["period"].unique())
    t = Table(
        title="Wholesale prices (USD/MWh, load-weighted over the typical hours)",
        title_justify="left",
        title_style="bold",
    )
    t.add_column("where")
    for p in periods:
        t.add_column(str(p), justify="right")
    if pt is not None and len(pt):
        w = pt["load_mw"].astype(float) * pt["weight_hours"].astype(float)
        num = (pt["price_usd_per_mwh"].astype(float) * w).groupby(pt["period"]).sum()
        national = num / w.groupby(pt["period"]).sum()
        t.add_row("all states", *[f"{float(national.get(p, float('nan'))):,.2f}" for p in periods])
    camp = plan.tables.get("campuses", pd.DataFrame())
    if len(camp) and "grid_load_mw" in camp.columns:
        load = camp.groupby("region")["grid_load_mw"].max().sort_values(ascending=False)
        by = prices.set_index(["region", "period"])["price_usd_per_mwh"]
        for region in [str(r) for r, v in load.items() if v > 0][:8]:
            t.add_row(region, *[f"{float(by.get((region, p), float('nan'))):,.2f}" for p in periods])
    return t


def summary_tables(plan: Plan) -> list[Table]:
    out: list[Table] = []
    it = plan.tables.get("it_capacity", pd.DataFrame())
    if len(it):
        t = Table(title="AI IT capacity online (MW)", title_justify="left", title_style="bold")
        for col in ("period", "target", "online", "short"):
            t.add_column(col, justify="right")
        for r in it.itertuples():
            t.add_row(str(r.period), f"{r.target_mw:,.0f}", f"{r.online_mw:,.0f}", f"{r.short_mw:,.0f}")
        out.append(t)
    b = plan.tables.get("builds", pd.DataFrame())
    if len(b):
        new = b.pivot_table(
            index="technology", columns="period", values="new_mw", aggfunc="sum", fill_value=0.0
        )
        new = new[new.sum(axis=1) > 0.5]
        if len(new):
            t = Table(
                title="New power capacity by technology (MW, online from the period)",
                title_justify="left",
                title_style="bold",
            )
            t.add_column("technology")
            for p in new.columns:
                t.add_column(str(p), justify="right")
            for tech, row in new.iterrows():
                t.add_row(str(tech), *[f"{v:,.0f}" for v in row])
            out.append(t)
    camp = plan.tables.get("campuses", pd.DataFrame())
    if len(camp):
        built = camp.groupby(["campus", "region"], as_index=False)["new_it_mw"].sum()
        built = built[built["new_it_mw"] > 0]
        if len(built):
            first = camp[camp["new_modules"] > 0].groupby("campus")["period"].min()
            t = Table(title="Campuses built", title_justify="left", title_style="bold")
            for col in ("campus", "region", "IT MW", "first online"):
                t.add_column(col, justify="right" if col in ("IT MW", "first online") else "left")
            for r in built.itertuples():
                t.add_row(str(r.campus), str(r.region), f"{r.new_it_mw:,.0f}", str(first.get(r.campus, "")))
            _ids(t, "campus")
            out.append(t)
    onsite = plan.tables.get("campus_power", pd.DataFrame())
    if len(onsite) and float(onsite["new_mw"].sum()) > 0.5:
        t = Table(
            title="Campus-owned power (the coalition's; runs the campus before its grid connection)",
            title_justify="left",
            title_style="bold",
        )
        for col in ("campus", "technology", "MW", "online from", "islanded in", "capex USD bn"):
            t.add_column(col, justify="right" if col in ("MW", "capex USD bn") else "left")
        for (campus, tech), g in onsite.groupby(["campus", "technology"], sort=True):
            new = g[g["new_mw"] > 1e-6]
            isl = ", ".join(str(int(p)) for p in g.loc[g["islanded"].astype(bool), "period"])
            t.add_row(
                str(campus),
                str(tech),
                f"{new['new_mw'].sum():,.0f}",
                ", ".join(str(int(p)) for p in new["period"]),
                isl or "-",
                _money(float(new["capex_usd"].sum())),
            )
        out.append(t)
    fabs = plan.tables.get("fabs", pd.DataFrame())
    if len(fabs) and fabs["decided"].any():
        t = Table(title="Fabs built", title_justify="left", title_style="bold")
        for col in ("fab", "region", "online from", "capex USD bn", "grant USD bn"):
            t.add_column(col)
        for r in fabs[fabs["decided"]].itertuples():
            t.add_row(str(r.fab), str(r.region), str(r.period), _money(r.capex_usd), _money(r.grant_usd))
        _ids(t, "fab")
        out.append(t)
    need = plan.tables.get("equity_need", pd.DataFrame())
    if len(need):
        g = need.groupby("asset_class")[["capex_usd", "debt_usd", "grants_usd", "equity_usd"]].sum()
        t = Table(
            title="Capital by asset class (USD bn, all periods; only the coalition's classes draw on its capital)",
            title_justify="left",
            title_style="bold",
        )
        for col in ("asset class", "funded by", "capex", "debt", "grants", "equity"):
            t.add_column(col, justify="left" if col in ("asset class", "funded by") else "right")
        for a, r in g.iterrows():
            t.add_row(
                str(a),
                asset_owner(plan, str(a)),
                _money(r.capex_usd),
                _money(r.debt_usd),
                _money(r.grants_usd),
                _money(r.equity_usd),
            )
        t.add_row("total", "", *[_money(float(g[c].sum())) for c in g.columns], style="bold")
        out.append(t)
    ret = plan.tables.get("investor_returns", pd.DataFrame())
    if len(ret):
        t = Table(
            title=(
                "Investors: capital and returns (USD bn; paid in: equity in the project pro-formas, "
                "incl. any debt the DSCR target does not support; nominal equity IRR)"
            ),
            title_justify="left",
            title_style="bold",
        )
        for col in ("investor", "country", "committed", "plan equity", "unspent", "paid in", "NPV", "IRR"):
            t.add_column(col, justify="left" if col in ("investor", "country") else "right")
        for r in ret.itertuples():
            irr = "—" if pd.isna(r.irr) else f"{r.irr:.1%}"
            t.add_row(
                str(r.investor),
                str(r.country),
                _money(r.committed_usd),
                _money(r.plan_equity_usd),
                _money(r.committed_usd - r.plan_equity_usd),
                _money(r.invested_usd),
                _money(r.npv_usd),
                irr,
            )
        _ids(t, "investor")
        out.append(t)
    prices = price_table(plan)
    if prices is not None:
        out.insert(min(2, len(out)), prices)
    return out


STATUS_NOTES = {
    "time_limit": "Stopped at the time limit (solver.time_limit_s): this is the best plan found, "
    "proven within {gap:.2%} of the optimum.",
    "stalled": "Stopped: branch and bound improved neither the plan nor its bound for a minute; this is "
    "the best plan found, proven within {gap:.2%} of the optimum.",
    "rounded": "Rounded plan kept without branch and bound (solver.branch_and_bound is false, or the "
    "model was solved by decomposition, which has none over the campus modules): proven within {gap:.2%} of the optimum.",
    "interrupted": "Interrupted (Ctrl-C): this is the best plan found so far, proven within {gap:.2%} of "
    "the optimum.",
}


def resolution_text(summary: dict[str, Any]) -> str:
    """ " · 16 typical days × 4 h (by decomposition)": the time resolution the plan was
    solved at (docs/resolution.md), or "" for a plan saved without it."""
    days, snapshots = summary.get("typical_days"), summary.get("snapshots_per_period")
    if not days or not snapshots:
        return ""
    hours = 24 * int(days) / int(snapshots)
    how = " (by decomposition)" if summary.get("solve_method") == "benders" else ""
    return f" · {int(days)} typical days × {hours:g} h{how}"


def print_plan(plan: Plan, console: Console, explain: bool = False) -> None:
    s = plan.summary()
    status_style = "green" if s["status"] == "optimal" else "yellow"
    console.print(
        Text.assemble(
            ("Plan ", "bold"),
            (f"{plan.scenario_name} ", "bold"),
            (f"[{plan.mode} mode] ", ""),
            (f"{s['status']}", status_style),
            (f" · MIP gap {s['mip_gap']:.2%}" if s["mip_gap"] is not None else "")
            + resolution_text(s)
            + f" · build {s['build_seconds']:.1f} s, solve {s['solve_seconds']:.1f} s",
        )
    )
    for line in money_headline(plan):
        console.print(Text(line))
    note = STATUS_NOTES.get(str(s["status"]))
    if note:
        console.print(
            Text(note.format(gap=s["mip_gap"] if s["mip_gap"] is not None else float("nan")), style="yellow")
        )
    for table in summary_tables(plan):
        console.print(table)
    if plan.diagnosis:
        from stateside.diagnosis import explained_lines

        console.print(Text("What could not be met:", style="bold yellow"))
        for line in explained_lines(plan) if explain else plan.diagnosis:
            console.print(Text(f"  {line}" if line.startswith(" ") else f"  • {line}", style="yellow"))
    else:
        console.print(Text("Every target, capital limit, chip need and security cap is met.", style="green"))


def plan_command(
    scenario: Scenario,
    mode: str | None,
    out: Path | None,
    as_json: bool,
    fmt: str,
    console: Console,
    reuse: bool = False,
    explain: bool = False,
) -> Plan:
    from stateside.store.db import StoreError

    t0 = time.perf_counter()
    try:
        plan, run_id, reused = execute(scenario, mode, quiet=as_json, reuse=reuse)
    except StoreError as exc:
        console.print(Text(f"error: {exc}", style="red"))
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        Console(stderr=True).print(Text("interrupted before a plan existed; nothing saved", style="yellow"))
        raise typer.Exit(EXIT_INTERRUPTED) from None
    io_start = time.perf_counter()
    stages = plan.extra.get("stage_seconds")
    if isinstance(stages, dict) and not reused:
        stages["save"] = round(
            io_start - t0 - sum(v for k, v in stages.items() if not k.startswith("solve_")), 3
        )
    if out is not None:
        from stateside.report import write_report  # plotly loads only when a report is written

        plan.to_dir(out, fmt=fmt)
        write_report(plan, scenario, out / "report.html")
    if isinstance(stages, dict) and not reused:
        stages["output"] = round(time.perf_counter() - io_start, 3)
    if as_json:
        sys.stdout.write(json.dumps({**plan.summary(), "run_id": run_id, "reused": reused}, indent=2) + "\n")
    else:
        print_plan(plan, console, explain=explain)
        if out is not None:
            console.print(f"Tables, summary.json and report.html written to {out}")
        verb = "Reused stored" if reused else "Saved as"
        console.print(f"{verb} run {run_id[:8]} (stateside runs show {run_id[:8]})")
    code = exit_code(plan)
    if code != EXIT_OK:
        raise typer.Exit(code)
    return plan


ModeOption = Annotated[
    str | None,
    typer.Option(
        "--mode",
        help="target: meet the IT targets at least cost; budget: most IT MW within committed capital. Default: the scenario's setting.",
        show_default=False,
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", help="Folder to write every result table and summary.json into.", show_default=False
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON object (the summary) instead of tables.")
]
ReuseOption = Annotated[
    bool,
    typer.Option(
        "--reuse",
        help="Return the stored run of an identical scenario (same content hash and mode, this stateside version, solved to optimality) instead of solving again.",
    ),
]
ExplainOption = Annotated[
    bool,
    typer.Option(
        "--explain",
        help="For each shortfall, list every candidate cause with its measured effect (the re-solve with that limit relaxed), not only the top one or two.",
    ),
]
FormatOption = Annotated[str, typer.Option("--format", help="Table format for --out: csv or parquet.")]
TimeLimitOption = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        min=1.0,
        help="Seconds the whole solve may take (overrides the scenario's solver.time_limit_s); at the limit the best plan found is kept (exit code 3).",
        show_default=False,
    ),
]


ResolutionOption = Annotated[
    str | None,
    typer.Option(
        "--resolution",
        metavar="DAYS:HOURS",
        help="Typical days and hours per time step, e.g. 24:1 for 24 typical days hourly (overrides the scenario's typical_days and hours_per_block; docs/resolution.md). Models of 400,000 rows or more are solved by decomposition by typical day (docs/model.md).",
        show_default=False,
    ),
]


def with_resolution(scenario: Scenario, text: str) -> Scenario:
    """The scenario with ``typical_days`` and ``hours_per_block`` from ``DAYS:HOURS``;
    a :class:`typer.BadParameter` naming what was expected otherwise."""
    import dataclasses

    from pydantic import ValidationError

    parts = text.split(":")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise typer.BadParameter(
            f"expected DAYS:HOURS (typical days and hours per step, e.g. 24:1), found {text!r}",
            param_hint="--resolution",
        )
    days, hours = (int(p) for p in parts)
    s = scenario.settings
    try:
        settings = type(s).model_validate({**s.model_dump(), "typical_days": days, "hours_per_block": hours})
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        raise typer.BadParameter(f"{text!r}: {problems}", param_hint="--resolution") from None
    return dataclasses.replace(scenario, settings=settings)


def with_time_limit(scenario: Scenario, seconds: float) -> Scenario:
    """The scenario with ``solver.time_limit_s`` set to ``seconds``."""
    import dataclasses

    s = scenario.settings
    solver = s.solver.model_copy(update={"time_limit_s": float(seconds)})
    return dataclasses.replace(scenario, settings=s.model_copy(update={"solver": solver}))
