"""``stateside screen``: the national-security review of a scenario (or of a cap table).

Registered in ``cli.py`` as ``app.command("screen")(cli_screen.screen)``. It reviews every
investor on every candidate project (campuses, fabs) and asset class at the investor's
maximum potential share, prints the review table, the derived share caps and any
screening hits, and writes ``security_report.md`` and ``security_report.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from stateside.scenario.errors import ScenarioError
from stateside.scenario.types import Scenario
from stateside.security.errors import SecurityDataError
from stateside.security.profiles import SecurityContext
from stateside.security.report import SHORT, SecurityReport, build_report, to_html, to_markdown
from stateside.security.review import fmt_pct
from stateside.security.screening import ScreeningConfig, load_sanctions_list, screen_scenario

console = Console(highlight=False, soft_wrap=True)

STYLE: dict[str, str] = {
    "clear": "green",
    "voluntary_notice": "yellow",
    "mandatory_declaration": "bold dark_orange",
    "prohibited": "bold red",
}


def _load(path: Path | None) -> Scenario:
    """The scenario at ``path`` (a folder, or a run folder holding one), or the default.

    Prints the loader's warnings; a scenario with errors raises ScenarioError.
    """
    from stateside.scenario.load import default_dir_checked, load_checked

    if path is None:
        folder = default_dir_checked()
    elif (path / "scenario.yaml").is_file():
        folder = path
    elif (path / "scenario" / "scenario.yaml").is_file():  # a stored run that keeps its scenario
        folder = path / "scenario"
    else:
        raise SecurityDataError(f"{path}: no scenario.yaml here (give a scenario folder)")
    scenario, result = load_checked(folder)
    for issue in result.issues:
        if not issue.is_error:
            console.print(Text(f"{issue} (warning)", style="yellow"))
    return scenario


def _review_table(rep: SecurityReport) -> Table:
    investors = list(rep.ctx.investors.values())
    table = Table(
        title="Security review: outcome @ the investor's maximum share; cap from the rules → outcome at the cap",
        show_lines=False,
    )
    table.add_column("project", style="bold")
    for inv in investors:
        table.add_column(f"{inv.investor}\n{inv.country}", justify="center")
    reviews = rep.holdings_reviews if rep.holdings_reviews is not None else rep.potential
    by = {(r.project, r.investor): r for r in reviews}
    cap = {(r["investor"], r["asset_class"]): float(r["max_share"]) for r in rep.caps.to_dict("records")}
    for asset in rep.projects:
        cells: list[Text | str] = [f"{asset.name}\n({asset.asset_class})"]
        for inv in investors:
            r = by.get((asset.project, inv.investor))
            c = cap.get((inv.investor, asset.asset_class))
            cap_txt = "" if c is None else f"\ncap {fmt_pct(100 * c)}"
            if r is None:
                cells.append(Text("—" + cap_txt, style="dim"))
            else:
                cell = Text(f"{SHORT[r.outcome]} @ {fmt_pct(r.holding.voting_pct)}", style=STYLE[r.outcome])
                cell.append(cap_txt, style="dim")
                capped = (
                    rep.at_cap.get((asset.project, inv.investor)) if rep.holdings_reviews is None else None
                )
                if capped is not None:
                    cell.append(" → ")
                    cell.append(SHORT[capped.outcome], style=STYLE[capped.outcome])
                cells.append(cell)
        table.add_row(*cells)
    return table


def screen(
    path: Annotated[
        Path | None,
        typer.Argument(help="Scenario folder (default: the packaged default scenario).", show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder for security_report.md and .html (default: the current folder)."
        ),
    ] = None,
    holdings: Annotated[
        Path | None,
        typer.Option(
            "--holdings",
            help="Cap table CSV to review instead (project, investor, voting_pct or share, optional rights).",
        ),
    ] = None,
    sanctions: Annotated[
        Path | None,
        typer.Option("--sanctions", help="Sanctions list in OpenSanctions targets.simple.csv form."),
    ] = None,
    sample_list: Annotated[
        bool,
        typer.Option("--sample-list", help="Screen against the packaged synthetic sample list (a demo)."),
    ] = False,
    threshold: Annotated[
        float, typer.Option(help="Screening score from which a name counts as a match.")
    ] = 0.7,
    share_pct: Annotated[
        float | None,
        typer.Option(
            "--share-pct", help="Review every investor at this voting share (%) instead of its maximum."
        ),
    ] = None,
) -> None:
    """Review who may own what: CFIUS-style outcome per project and investor, share caps, name screening."""
    try:
        scenario = _load(path)
        ctx = SecurityContext.from_scenario(scenario)
        held = pd.read_csv(holdings) if holdings is not None else None
        hits = None
        config = ScreeningConfig(threshold=threshold)
        if sanctions is not None or sample_list:
            hits = screen_scenario(ctx, load_sanctions_list(sanctions), config)
        rep = build_report(
            scenario,
            context=ctx,
            holdings=held,
            screening=hits,
            screening_threshold=threshold,
            share_pct=share_pct,
        )
    except ScenarioError as exc:
        for issue in exc.issues:
            console.print(Text(str(issue), style="red" if issue.is_error else "yellow"))
        raise typer.Exit(1) from None
    except (SecurityDataError, ValueError, OSError) as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            console.print(Text(line, style="red"))
        raise typer.Exit(1) from None
    console.print(
        Text(
            f"Rules {ctx.rules.version}; {len(ctx.investors)} investors, {len(rep.projects)} projects or classes.",
            style="bold",
        )
    )
    console.print(_review_table(rep))
    counts: dict[str, int] = {}
    for r in rep.holdings_reviews if rep.holdings_reviews is not None else rep.potential:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    console.print(
        "  ".join(f"[{STYLE[k]}]{SHORT[k]}[/]: {counts.get(k, 0)}" for k in STYLE)
        + "   (notice = voluntary notice advisable; caps are fractions of each asset class's equity)"
    )
    if hits is not None:
        matches = hits[hits["match"]]
        console.print(
            Text(
                f"Name screening: {len(matches)} match(es), {len(hits) - len(matches)} near miss(es) at "
                f"threshold {threshold}.",
                style="bold red" if len(matches) else "green",
            )
        )
        for r in matches.to_dict("records"):
            console.print(
                f"  {r['subject_name']} ~ {r['list_name']} ({r['list_id']}): {r['score']:.3f}  [{r['features']}]"
            )
    folder = out or Path.cwd()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "security_report.md").write_text(to_markdown(rep), encoding="utf-8")
        (folder / "security_report.html").write_text(to_html(rep), encoding="utf-8")
    except OSError as exc:
        console.print(Text(f"{folder}: cannot write the report: {exc}", style="red"))
        raise typer.Exit(1) from None
    console.print(f"Report: {folder / 'security_report.md'} and {folder / 'security_report.html'}")
