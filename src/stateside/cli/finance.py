"""``stateside finance``: the coalition's capital, cap tables and returns of a plan
(registered in :mod:`stateside.cli`).

The target is a scenario folder (planned first, then priced), a plan folder written by
``stateside plan --out`` (it has a ``summary.json``; its finance tables are shown, or
computed with ``--scenario``, default the embedded scenario), or nothing (the embedded
default scenario).
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from stateside.cli import plan as cli_plan
from stateside.finance.report import (
    attach_finance,
    investor_frame,
    paid_in_frame,
    pipeline_frame,
    project_frame,
)
from stateside.finance.syndication import SyndicationError, final_cap_tables
from stateside.plan import Plan, load_plan_dir
from stateside.run import share_caps_for
from stateside.scenario.types import Scenario

Loader = Callable[[Path | None], Scenario]


def _bn(x: float) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x / 1e9:,.2f}"


def _pct(x: float) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f} %"


def _num(x: object, fmt: str) -> str:
    if x is None or x is pd.NA:
        return "-"
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)
    return "-" if math.isnan(v) else format(v, fmt)


def _table(title: str, columns: list[str], left: int = 1) -> Table:
    t = Table(title=title, title_justify="left", title_style="bold")
    for k, col in enumerate(columns):
        t.add_column(col, justify="left" if k < left else "right")
    return t


def finance_tables(plan: Plan, cap_tables: bool = False) -> list[Table]:
    """The Rich tables of ``stateside finance``."""
    out: list[Table] = []
    basis = plan.extra.get("finance", {}).get("capital_basis", "")
    pipe = pipeline_frame(plan.tables.get("capital_pipeline", pd.DataFrame()))
    if len(pipe):
        years = [y for y in pipe.columns.get_level_values(0).unique() if y != "total"]
        t = _table(
            f"Capital pipeline by year (USD bn): committed = committed or funded, expected = "
            f"x stage probability; the plan used '{basis}'",
            ["investor", "", *[str(y) for y in years], "total"],
            left=2,
        )
        tot = pipe.sum()
        for inv, row in [*pipe.iterrows(), ("total", tot)]:
            style = "bold" if inv == "total" else None
            for k, kind in enumerate(("committed", "expected")):
                t.add_row(
                    str(inv) if k == 0 else "",
                    kind,
                    *[_bn(row[(y, kind)]) for y in [*years, "total"]],
                    style=style,
                    end_section=k == 1,
                )
        out.append(t)
    inv = investor_frame(plan)
    if len(inv):
        t = _table(
            "Investors (USD bn; NPV of its equity flows at the ATB 10.5 % return on equity, real, "
            "valued at the start year; IRR nominal)",
            ["investor", "country", "committed", "expected", "paid in", "NPV", "IRR"],
            left=2,
        )
        for r in inv.itertuples(index=False):
            irr = _pct(r.irr) if r.irr_status == "unique" else str(r.irr_status)
            t.add_row(
                str(r.investor),
                str(r.country),
                _bn(r.committed_usd),
                _bn(r.expected_usd),
                _bn(r.invested_usd),
                _bn(r.npv_usd),
                irr,
            )
        out.append(t)
        eq_cols = [c for c in inv.columns if str(c).startswith("equity ")]
        if eq_cols:
            t = _table(
                "Plan equity by period (USD bn)", ["investor", *[c.removeprefix("equity ") for c in eq_cols]]
            )
            for _, row in inv.iterrows():
                t.add_row(str(row["investor"]), *[_bn(float(row[c])) for c in eq_cols])
            out.append(t)
    paid = paid_in_frame(plan)
    if len(paid):
        t = _table(
            "Equity paid in by year (USD bn, real; pro-forma with DSCR-sized debt)",
            ["investor", *map(str, paid.columns)],
        )
        for i, row in paid.iterrows():
            t.add_row(str(i), *[_bn(float(v)) for v in row])
        out.append(t)
    proj = project_frame(plan)
    if len(proj):
        t = _table(
            "Projects (USD bn; NPV of equity at 10.5 % real at the start year, IRR of equity nominal "
            "('-': no unique IRR), LCOE real USD/MWh, minimum DSCR over the loans, payback year)",
            ["project", "online", "equity", "NPV", "IRR", "LCOE", "DSCR", "payback"],
        )
        for cls, grp in proj.groupby("asset_class", sort=False):
            t.add_row(Text(str(cls), style="bold italic"))
            for k, r in enumerate(grp.itertuples(index=False)):
                t.add_row(
                    str(r.project),
                    str(r.first_period),
                    _bn(r.plan_equity_usd),
                    _bn(r.npv_usd),
                    _pct(r.equity_irr) if r.irr_status == "unique" else "-",
                    _num(r.lcoe_usd_per_mwh, ",.1f"),
                    _num(r.min_dscr, ".2f"),
                    _num(r.payback_year, ".0f"),
                    end_section=k == len(grp) - 1,
                )
        out.append(t)
    ct = plan.tables.get("cap_tables", pd.DataFrame())
    if cap_tables and len(ct):
        final = final_cap_tables(ct)
        t = _table(
            "Cap tables after each project's last round (voting = equity %; board seat >= 10 % for "
            "investors that take seats, observer >= 5 %, information rights >= 1 %)",
            ["project", "investor", "country", "USD bn", "equity %", "cap %", "rights"],
            left=3,
        )
        for r in final.itertuples(index=False):
            rights = (
                "board"
                if r.board_seat
                else "observer"
                if r.observer
                else "info"
                if r.information_rights
                else ""
            )
            t.add_row(
                str(r.project),
                str(r.investor),
                str(r.country),
                _bn(r.cumulative_equity_usd),
                f"{r.equity_pct:.2f}",
                f"{r.max_share_pct:.1f}",
                rights,
            )
        out.append(t)
    return out


def print_finance(plan: Plan, console: Console, cap_tables: bool = False) -> None:
    fin = plan.extra.get("finance", {})
    console.print(
        Text.assemble(
            ("Finance ", "bold"),
            (f"{plan.scenario_name} ", "bold"),
            f"· capital basis {fin.get('capital_basis', '?')} · {fin.get('projects', 0)} projects · "
            f"money in {fin.get('dollar_year', '')} USD, NPVs at {fin.get('valuation_year', '')}",
        )
    )
    for table in finance_tables(plan, cap_tables):
        console.print(table)
    notes = list(fin.get("syndication", {}).get("notes", [])) + list(fin.get("notes", []))
    for line in notes:
        console.print(Text(f"  • {line}", style="yellow"))


def _is_plan_dir(path: Path) -> bool:
    return (path / "summary.json").is_file()


def finance_command(
    target: Path | None,
    scenario_dir: Path | None,
    basis: str | None,
    as_json: bool,
    cap_tables: bool,
    console: Console,
    load: Loader,
) -> Plan:
    """Run ``stateside finance`` (see the module docstring); ``load`` loads a scenario
    folder (None: the embedded default) and prints its warnings. A plan whose equity
    cannot be split under the caps is reported in one message, exit status 1."""
    try:
        return _finance(target, scenario_dir, basis, as_json, cap_tables, console, load)
    except SyndicationError as exc:
        console.print(Text(f"finance: {exc}", style="red"))
        raise typer.Exit(1) from None


def _finance(
    target: Path | None,
    scenario_dir: Path | None,
    basis: str | None,
    as_json: bool,
    cap_tables: bool,
    console: Console,
    load: Loader,
) -> Plan:
    if basis is not None and basis not in ("committed", "expected"):
        raise typer.BadParameter(f"expected committed or expected, found {basis!r}", param_hint="--basis")
    if target is not None and _is_plan_dir(target):
        if basis is not None:
            raise typer.BadParameter(
                f"{target} is a plan folder; --basis re-plans, so give a scenario folder instead",
                param_hint="--basis",
            )
        plan = load_plan_dir(target)
        if "cap_tables" not in plan.tables or scenario_dir is not None:
            scenario = load(scenario_dir)
            if plan.scenario_hash and plan.scenario_hash != scenario.content_hash():
                Console(stderr=True).print(
                    Text(
                        f"warning: {target} was planned from a different scenario than "
                        f"{scenario_dir or 'the embedded default'} (hash differs); pass --scenario DIR",
                        style="yellow",
                    )
                )
            attach_finance(plan, scenario, share_caps_for(scenario))
    else:
        scenario = load(target)
        if basis is not None and basis != scenario.settings.finance.capital_basis:
            s = scenario.settings
            finance = s.finance.model_copy(update={"capital_basis": basis})
            scenario = dataclasses.replace(scenario, settings=s.model_copy(update={"finance": finance}))
        plan, _run_id, _reused = cli_plan.execute(scenario, None, quiet=as_json)
        if "cap_tables" not in plan.tables:
            attach_finance(plan, scenario, share_caps_for(scenario))
    if as_json:
        sys.stdout.write(json.dumps(plan.extra.get("finance", {}), indent=2) + "\n")
    else:
        print_finance(plan, console, cap_tables)
    return plan


FinanceTarget = Annotated[
    Path | None,
    typer.Argument(
        metavar="DIR|PLAN_DIR",
        help="Scenario folder (planned, then priced) or plan folder from 'stateside plan --out'; leave out for the embedded default scenario.",
        show_default=False,
    ),
]
ScenarioOption = Annotated[
    Path | None,
    typer.Option(
        "--scenario",
        help="With a plan folder that has no finance tables yet: the scenario it was planned from (default: the embedded one).",
        show_default=False,
    ),
]
BasisOption = Annotated[
    str | None,
    typer.Option(
        "--basis",
        help="Plan on 'committed' capital (committed and funded commitments in full) or 'expected' (every commitment times its stage probability). Default: the scenario's setting.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the finance summary as one JSON object.")]
CapTablesOption = Annotated[bool, typer.Option("--cap-tables", help="Also print every project's cap table.")]
