"""The ``stateside`` command line (Typer + Rich).

Each command is one small block: a function decorated with ``@app.command()`` (or
``@scenario_app.command()``) whose docstring is its ``--help``. Commands load scenarios
with :func:`_load`, which prints warnings; any :class:`ScenarioError` raised inside a
command is caught once, by the application itself (:class:`_App`), and printed as one
``file:row:column: expected …, found …`` line per problem with exit status 1 — never a
traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from stateside import __version__
from stateside.cli import finance as cli_finance
from stateside.cli import plan as cli_plan
from stateside.cli import screen as cli_screen
from stateside.finance.syndication import SyndicationError
from stateside.scenario.errors import Issue, ScenarioError
from stateside.scenario.load import copy_default as _copy_default
from stateside.scenario.load import default_dir_checked, load_checked
from stateside.scenario.precedence import precedence_notes
from stateside.scenario.types import Scenario
from stateside.security.errors import SecurityDataError

console = Console(highlight=False, soft_wrap=True)


def print_issues(issues: list[Issue], source: str | None = None) -> None:
    """Print each issue on one line (errors red, warnings yellow) and a count."""
    for issue in issues:
        if issue.is_error:
            console.print(Text(str(issue), style="red"))
        else:
            console.print(Text(f"{issue} (warning)", style="yellow"))
    errors = sum(1 for i in issues if i.is_error)
    if errors:
        where = f" in {source}" if source else ""
        plural = "s" if errors != 1 else ""
        console.print(Text(f"{errors} problem{plural}{where}: nothing was run.", style="bold red"))


class _App(TyperGroup):
    """The root command group: turns a ScenarioError from any command into issue lines and exit 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ScenarioError as exc:
            print_issues(exc.issues)
            raise typer.Exit(1) from None
        except (SecurityDataError, SyndicationError) as exc:
            console.print(Text(f"error: {exc}", style="red"))
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_App,
    name="stateside",
    help=(
        "Plan and finance the build-out of AI infrastructure (data-center campuses, power, "
        "transmission, fabs) by an investor coalition across US states.\n\n"
        "A scenario is a folder of CSV tables plus scenario.yaml; start from a copy of the "
        "default with 'stateside scenario new DIR', check it with 'stateside validate DIR'. "
        "The format is described in docs/scenario-format.md."
    ),
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
)

scenario_app = typer.Typer(
    help="Create scenario folders to edit.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(scenario_app, name="scenario")

ScenarioDir = Annotated[
    Path,
    typer.Argument(
        metavar="DIR",
        help="Scenario folder: scenario.yaml plus one CSV per table (see docs/scenario-format.md).",
        show_default=False,
    ),
]
OptionalScenarioDir = Annotated[
    Path | None,
    typer.Argument(
        metavar="DIR",
        help="Scenario folder; leave out to use the embedded default US scenario.",
        show_default=False,
    ),
]


def _load(directory: Path | None) -> Scenario:
    """The scenario in ``directory`` (default: the embedded one); warnings are printed."""
    root = default_dir_checked() if directory is None else directory
    scenario, result = load_checked(root)
    warnings = [i for i in result.issues if not i.is_error]
    if warnings:
        print_issues(warnings)
    return scenario


def _version(value: bool) -> None:
    if value:
        console.print(f"stateside {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Plan and finance AI infrastructure across US states."""


# --------------------------------------------------------------------------------------
# validate


@app.command()
def validate(directory: ScenarioDir) -> None:
    """Check a scenario folder and report every problem at once.

    Prints one line per problem as file:row:column: expected …, found … (row is the line in the file, the header being line 1; '-' where it does not apply) and exits with status 1 if there is any error, or prints OK.

    Warnings (e.g. rows for years that are not scenario periods, which are ignored) do not fail the check. Where two inputs combine by design (a blank cell that takes a setting, stepwise credits replacing a flat one, a user profile replacing a synthetic one), it says which one the plan uses.
    """
    scenario, result = load_checked(directory)
    warnings = [i for i in result.issues if not i.is_error]
    print_issues(warnings)
    settings = scenario.settings
    periods = ", ".join(str(y) for y in settings.period_years)
    rows = sum(len(t) for t in scenario.tables.values())
    extra = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""
    notes = precedence_notes(scenario)
    if notes:
        console.print(Text("Where two inputs combine (which one the plan uses):", style="bold"))
        for note in notes:
            console.print(Text(f"  • {note}"))
    console.print(
        Text.assemble(
            ("OK ", "bold green"),
            (
                f"{directory}: scenario {settings.name!r}, {len(scenario.regions)} regions, "
                f"{rows} table rows, periods {periods}{extra}",
                "green",
            ),
        )
    )


# --------------------------------------------------------------------------------------
# scenario new


@scenario_app.command("new")
def scenario_new(directory: ScenarioDir) -> None:
    """Copy the default US scenario into DIR (a new or empty folder) to edit.

    Edit the CSV tables in a spreadsheet and the settings in scenario.yaml, then check the result with 'stateside validate DIR'. Nothing is ever overwritten.
    """
    _copy_default(directory)
    files = sorted(p.name for p in directory.iterdir())
    console.print(Text.assemble(("Created ", "green"), (str(directory), "bold"), f" ({len(files)} files)."))
    console.print(f"Edit its tables and scenario.yaml, then run: stateside validate {directory}")


# --------------------------------------------------------------------------------------
# info


def _table(title: str, frame: pd.DataFrame, formats: dict[str, str] | None = None) -> Table:
    """A Rich table of ``frame``: text columns left, numbers right with ``formats``."""
    formats = formats or {}
    table = Table(title=title, title_justify="left", title_style="bold")
    for name in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[name])
        table.add_column(str(name), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        cells = []
        for name, value in zip(frame.columns, row, strict=True):
            fmt = formats.get(str(name))
            if isinstance(value, float) and value != value:
                cells.append("-")
            elif fmt and isinstance(value, (int, float)):
                cells.append(format(value, fmt))
            else:
                cells.append(str(value))
        table.add_row(*cells)
    return table


def _sum_by(frame: pd.DataFrame, by: str, value: str, scale: float, name: str) -> pd.DataFrame:
    """Sum of ``value`` by ``by``, divided by ``scale``, largest first, with a total row."""
    out = (frame.groupby(by, sort=False)[value].sum() / scale).sort_values(ascending=False)
    result = pd.DataFrame({by: [str(k) for k in out.index], name: out.to_numpy(dtype=float)})
    total = pd.DataFrame({by: ["total"], name: [float(out.sum())]})
    return pd.concat([result, total], ignore_index=True)


def info_tables(scenario: Scenario) -> list[Table]:
    """The summary tables of ``stateside info``."""
    s = scenario.settings
    last = s.period_years[-1]
    tables: list[Table] = []

    existing = scenario.existing_capacity
    retiring = existing["retirement_year"].notna() & (existing["retirement_year"] <= last)
    cap = (
        existing.assign(retiring_mw=existing["capacity_mw"].where(retiring, 0.0))
        .groupby("technology", sort=False)[["capacity_mw", "retiring_mw"]]
        .sum()
        .sort_values("capacity_mw", ascending=False)
        / 1000.0
    )
    cap_frame = pd.DataFrame(
        {
            "technology": [*cap.index.astype(str), "total"],
            "existing GW": [*cap["capacity_mw"].to_numpy(float), float(cap["capacity_mw"].sum())],
            f"retired by {last}, GW": [*cap["retiring_mw"].to_numpy(float), float(cap["retiring_mw"].sum())],
        }
    )
    tables.append(
        _table("Existing capacity by technology", cap_frame, {c: ",.1f" for c in cap_frame.columns})
    )

    # the sum of peaks only where every region states its peak (blank peaks come from the profiles)
    grouped = scenario.demand.groupby("period")
    demand = grouped[["annual_demand_mwh", "peak_demand_mw"]].sum()
    demand.loc[grouped["peak_demand_mw"].count() < grouped.size(), "peak_demand_mw"] = float("nan")
    demand_frame = pd.DataFrame(
        {
            "period": [str(p) for p in demand.index],
            "background demand, TWh": (demand["annual_demand_mwh"] / 1e6).to_numpy(float),
            "sum of regional peaks, GW": (demand["peak_demand_mw"] / 1e3).to_numpy(float),
        }
    )
    tables.append(
        _table("Background demand by period", demand_frame, {c: ",.1f" for c in demand_frame.columns})
    )

    campuses, fabs = scenario.campuses, scenario.fabs
    candidates = pd.DataFrame(
        {
            "candidates": ["AI campuses", "fabs"],
            "count": [len(campuses), len(fabs)],
            "regions": [campuses["region"].nunique(), fabs["region"].nunique()],
            "capacity": [
                f"{(campuses['module_it_mw'] * campuses['max_modules']).sum() / 1e3:,.1f} GW IT (max)",
                f"{fabs['accelerators_per_year'].sum() / 1e6:,.2f} M accelerators/yr",
            ],
            "capex, USD bn": [
                float(
                    (
                        campuses["module_it_mw"] * campuses["max_modules"] * campuses["capex_usd_per_kw_it"]
                    ).sum()
                )
                / 1e6,
                float(fabs["capex_usd"].sum()) / 1e9,
            ],
        }
    )
    tables.append(_table("Candidates", candidates, {"capex, USD bn": ",.1f"}))

    commitments = scenario.commitments.merge(
        scenario.investors[["investor", "country", "investor_type"]], on="investor", how="left"
    )
    money = {"USD bn": ",.2f"}
    for by, title in (
        ("country", "Coalition commitments by country"),
        ("investor_type", "Coalition commitments by investor type"),
        ("stage", "Coalition commitments by pipeline stage"),
    ):
        tables.append(_table(title, _sum_by(commitments, by, "amount_usd", 1e9, "USD bn"), money))
    return tables


@app.command()
def info(directory: OptionalScenarioDir = None) -> None:
    """Summarise a scenario: regions, capacity, demand, candidates and the coalition.

    Prints the regions and corridors, existing capacity by technology (GW), background demand by period (TWh), candidate campuses and fabs, and coalition commitments by country, investor type and pipeline stage (USD bn). Without DIR, summarises the embedded default US scenario.
    """
    scenario = _load(directory)
    s = scenario.settings
    periods = ", ".join(f"{p.year} ({p.length_years} y)" for p in s.periods)
    source = "embedded default" if directory is None else str(directory)
    console.print(Text(f"{s.name} ({source})", style="bold"))
    if s.description:
        console.print(s.description, markup=False)
    console.print(
        f"Money in {s.base_dollar_year} USD · decisions from {s.start_year} · periods {periods} · mode {s.mode}",
        markup=False,
    )
    regions, corridors = scenario.regions, scenario.corridors
    by_interconnect = ", ".join(
        f"{k} {v}" for k, v in regions["interconnect"].value_counts().sort_index().items()
    )
    transfer_gw = (corridors["existing_mw_forward"].sum() + corridors["existing_mw_reverse"].sum()) / 1e3
    console.print(
        f"Regions: {len(regions)} ({by_interconnect}); corridors: {len(corridors)} "
        f"({transfer_gw:,.1f} GW existing transfer capability, both directions)",
        markup=False,
    )
    investors = scenario.investors
    console.print(f"Investors: {len(investors)}; commitments: {len(scenario.commitments)} rows", markup=False)
    if s.it_target_mw:
        targets = ", ".join(f"{y}: {mw:,.0f} MW" for y, mw in sorted(s.it_target_mw.items()))
        console.print(f"AI IT targets: {targets}", markup=False)
    for table in info_tables(scenario):
        console.print(table)


# --------------------------------------------------------------------------------------
# plan


@app.command()
def plan(
    directory: OptionalScenarioDir = None,
    mode: cli_plan.ModeOption = None,
    out: cli_plan.OutOption = None,
    as_json: cli_plan.JsonOption = False,
    fmt: cli_plan.FormatOption = "csv",
    reuse: cli_plan.ReuseOption = False,
    time_limit: cli_plan.TimeLimitOption = None,
    resolution: cli_plan.ResolutionOption = None,
    explain: cli_plan.ExplainOption = False,
) -> None:
    """Plan a scenario: what to build, where, when, and who pays.

    Solves the co-optimisation of campuses, power, transmission, fabs and capital with HiGHS and prints the AI capacity online, new power capacity, campuses and fabs built, capital by asset class and investor, and — if anything cannot be met — which targets or rules fail and by how much. Without DIR, plans the embedded default US scenario.

    Exit codes: 0 a plan proven within the scenario's solver.mip_gap; 1 a problem with the scenario or the run store; 3 stopped early at the time limit (or branch and bound stalled, or is off: solver.branch_and_bound false): the best plan found is printed and saved with its proven gap; 4 no plan (the solver found none); 130 interrupted (Ctrl-C): the best plan found so far is printed and saved, if there is one.
    """
    if mode is not None and mode not in ("target", "budget"):
        raise typer.BadParameter(f"expected target or budget, found {mode!r}", param_hint="--mode")
    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter(f"expected csv or parquet, found {fmt!r}", param_hint="--format")
    scenario = _load(directory)
    if time_limit is not None:
        scenario = cli_plan.with_time_limit(scenario, time_limit)
    if resolution is not None:
        scenario = cli_plan.with_resolution(scenario, resolution)
    cli_plan.plan_command(scenario, mode, out, as_json, fmt, console, reuse=reuse, explain=explain)


# --------------------------------------------------------------------------------------
# finance


@app.command()
def finance(
    target: cli_finance.FinanceTarget = None,
    scenario_dir: cli_finance.ScenarioOption = None,
    basis: cli_finance.BasisOption = None,
    as_json: cli_finance.JsonOption = False,
    cap_tables: cli_finance.CapTablesOption = False,
) -> None:
    """Who pays for what and what it earns: pipeline, cap tables, project and investor returns.

    Prints committed vs probability-weighted (expected) capital by investor and year, each investor's equity by period, money paid in by year, NPV and IRR, and each project's NPV, equity IRR, LCOE, minimum DSCR and payback year (docs/finance.md). The target is a scenario folder (planned first), a plan folder written by 'stateside plan --out', or nothing (the embedded default scenario, planned first).
    """
    cli_finance.finance_command(target, scenario_dir, basis, as_json, cap_tables, console, _load)


# --------------------------------------------------------------------------------------
# screen (national-security review; implemented in cli_screen)

app.command("screen")(cli_screen.screen)

# --------------------------------------------------------------------------------------
# export (PyPSA network files; implemented in cli_export)

from stateside.cli.export import export_app  # noqa: E402

app.add_typer(export_app, name="export")

# --------------------------------------------------------------------------------------
# runs (the run store; implemented in cli_runs)

from stateside.cli.runs import runs_app  # noqa: E402

app.add_typer(runs_app, name="runs")

# --------------------------------------------------------------------------------------
# report (the HTML report; implemented in cli_report)

from stateside.cli import report as cli_report  # noqa: E402


@app.command()
def report(
    target: cli_report.ReportTarget,
    out: cli_report.ReportOutOption = None,
    scenario_dir: cli_report.ReportScenarioOption = None,
    sweep: cli_report.ReportSweepOption = None,
    coalition: cli_report.ReportCoalitionOption = None,
) -> None:
    """Write the HTML report of a plan: one self-contained file that works offline.

    PLAN is a folder written by 'stateside plan --out DIR' or a stored run (id, prefix, latest). The report has an executive summary, a tile map of the states, the build timeline, the power mix and new capacity by state, campuses and fabs, the capital stack by investor and country, project economics, the security review of the cap tables and the impact tables (jobs, emissions, state benefits, CHIPS complementarity, benefit sharing), with interactive Plotly charts (docs/report.md). Give --scenario DIR when the plan was not made from the embedded default scenario.
    """
    cli_report.report_command(target, scenario_dir, out, console, _load, sweep=sweep, coalition=coalition)


# --------------------------------------------------------------------------------------
# sweep (scenario sweeps and Monte Carlo on Dask; implemented in cli_sweep)

from stateside.cli.sweep import sweep_app  # noqa: E402

app.add_typer(sweep_app, name="sweep")

# --------------------------------------------------------------------------------------
# serve and users (the web service; implemented in cli_serve)

from stateside.cli.serve import serve as _serve  # noqa: E402
from stateside.cli.serve import users_app  # noqa: E402

app.command("serve")(_serve)
app.add_typer(users_app, name="users")


# --------------------------------------------------------------------------------------
# coalition value and the sponsor's funding round (implemented in cli_coalition)

from stateside.cli import coalition as cli_coalition  # noqa: E402

app.add_typer(cli_coalition.coalition_app, name="coalition")


@app.command("round")
def round_(
    scenario_dir: cli_coalition.ScenarioArg = None,
    as_json: cli_coalition.JsonOption = False,
) -> None:
    """The sponsor's funding rounds: post-money, price per share, each holder's fully diluted stake before and after, dilution, the proceeds that join the coalition, and the security review of each participant (docs/coalition.md)."""
    cli_coalition.round_command(scenario_dir, as_json)


if __name__ == "__main__":  # pragma: no cover
    app()
