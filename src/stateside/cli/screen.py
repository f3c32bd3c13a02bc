"""``stateside screen``: the national-security review of a plan's holdings or of a scenario.

Registered in ``cli.py`` as ``app.command("screen")(cli_screen.screen)``. Given a plan
folder (``stateside plan --out DIR``) or a stored run (id, prefix, ``latest``), it reviews
the plan's actual cap tables (each project's holdings in its last round); given a
scenario folder, or with ``--mode max-share``, it reviews every investor on every
candidate project (campuses, fabs) and asset class at the investor's maximum potential
share. It prints a compact review (one line per project, fits 100 columns; ``--matrix``
for the project × investor matrix), the screening hits, and writes
``security_report.md`` and ``security_report.html``.
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
from stateside.security.review import Review, fmt_pct
from stateside.security.rules import SEVERITY
from stateside.security.screening import ScreeningConfig, load_sanctions_list, screen_scenario

console = Console(highlight=False)

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
            console.print(Text(f"{issue} (warning)", style="yellow"), soft_wrap=True)
    return scenario


MODES = ("holdings", "max-share")


def _compact_table(rep: SecurityReport, title: str) -> Table:
    """One line per project: its worst outcome and the investors behind each outcome that is not clear."""
    reviews = rep.holdings_reviews if rep.holdings_reviews is not None else rep.potential
    table = Table(title=title, title_justify="left", title_style="bold", box=None, pad_edge=False)
    table.add_column("project", no_wrap=True)
    table.add_column("class", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("who (voting %)", overflow="fold")
    by_project: dict[str, list[Review]] = {}
    for r in reviews:
        by_project.setdefault(r.project, []).append(r)
    for asset in rep.projects:
        rows = by_project.get(asset.project)
        if not rows:
            continue
        worst = max(rows, key=lambda r: SEVERITY[r.outcome])
        who = Text()
        for outcome in ("prohibited", "mandatory_declaration", "voluntary_notice"):
            names = [f"{r.investor} {fmt_pct(r.holding.voting_pct)}" for r in rows if r.outcome == outcome]
            if names:
                if who:
                    who.append("; ")
                who.append(f"{SHORT[outcome]}: ", style=STYLE[outcome])
                who.append(", ".join(names))
        table.add_row(
            asset.project,
            asset.asset_class,
            Text(SHORT[worst.outcome], style=STYLE[worst.outcome]),
            who if who else Text(f"{len(rows)} holder(s), all clear", style="dim"),
        )
    return table


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


def _plan_holdings(source: str, scenario_dir: Path | None) -> tuple[pd.DataFrame, Scenario, str] | None:
    """The final cap table of each project of a plan folder or stored run, the scenario it was
    planned from and a label; None when ``source`` is neither."""
    from stateside.plan import load_plan_dir

    path = Path(source)
    if (path / "summary.json").is_file():
        plan = load_plan_dir(path)
        if scenario_dir is not None:
            scenario = _load(scenario_dir)
        else:
            from stateside.cli.report import _scenario_of  # the report's rule: folder, default, store

            found = _scenario_of(plan, path, _load)
            if found is None:
                raise SecurityDataError(
                    f"{path} was planned from a scenario (hash {plan.scenario_hash[:12]}) that is neither "
                    "the default, nor in the folder (scenario/), nor stored with a run; pass --scenario DIR"
                )
            scenario = found[0]
        label = f"plan {path}"
    elif path.exists() or "/" in source:
        return None
    else:
        from stateside.store.api import load_run, load_run_scenario, resolve_run
        from stateside.store.db import StoreError

        try:
            run_id = resolve_run(source)
        except StoreError:
            return None
        plan = load_run(run_id)
        scenario = _load(scenario_dir) if scenario_dir is not None else load_run_scenario(run_id)
        label = f"stored run {run_id[:8]}"
    ct = plan.tables.get("cap_tables")
    if ct is None or not len(ct):
        raise SecurityDataError(
            f"{label} has no cap tables (plan it with finance: 'stateside plan --out DIR'); "
            "use --mode max-share to review the scenario instead"
        )
    return final_cap_tables(ct, scenario), scenario, label


def final_cap_tables(ct: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Each project's rows of its last round (the holdings after the plan), investors of the scenario only."""
    known = set(scenario.investors["investor"].astype(str)) if "investors" in scenario.tables else set()
    last = ct.groupby("project")["period"].transform("max")
    rows = ct[(ct["period"] == last) & ct["investor"].astype(str).isin(known)]
    return rows.reset_index(drop=True)


def screen(
    path: Annotated[
        str | None,
        typer.Argument(
            metavar="[SOURCE]",
            help="A plan folder ('stateside plan --out DIR'), a stored run (id, prefix, 'latest') or a scenario folder (default: the packaged default scenario).",
            show_default=False,
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode",
            help="holdings: the plan's actual cap tables (default for a plan or run); max-share: every investor on every project at its maximum share (default for a scenario).",
            show_default=False,
        ),
    ] = None,
    scenario_dir: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            help="With a plan folder: the scenario it was planned from (default: DIR/scenario, else the packaged default).",
            show_default=False,
        ),
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
            help="A cap table CSV to review (project, investor, voting_pct or share, optional rights), e.g. a plan's cap_tables.csv.",
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
            "--share-pct",
            help="With --mode max-share: review every investor at this voting share (%) instead of its maximum.",
        ),
    ] = None,
    matrix: Annotated[
        bool,
        typer.Option("--matrix", help="Print the project x investor matrix (needs about 160 columns)."),
    ] = False,
) -> None:
    """Review who may own what: CFIUS-style outcome per project and investor, share caps, name screening.

    Given a plan folder or a stored run it reviews the plan's actual holdings; given a scenario folder, every investor at its maximum share (--mode max-share).
    """
    if mode is not None and mode not in MODES:
        raise typer.BadParameter(f"expected one of {', '.join(MODES)}, found {mode!r}", param_hint="--mode")
    try:
        from_plan = _plan_holdings(path, scenario_dir) if path is not None else None
        if from_plan is not None:
            plan_held, scenario, label = from_plan
        else:
            if path is not None and not Path(path).exists():
                raise SecurityDataError(
                    f"{path}: no such folder, and not a stored run ('stateside runs list' shows them)"
                )
            if mode == "holdings" and holdings is None:
                raise SecurityDataError(
                    "--mode holdings needs a plan folder, a stored run or --holdings CAP_TABLE.csv"
                )
            scenario = _load(Path(path) if path is not None else None)
            plan_held, label = None, f"scenario {path or 'default (packaged)'}"
        ctx = SecurityContext.from_scenario(scenario)
        held = pd.read_csv(holdings) if holdings is not None else None
        chosen = mode or ("holdings" if (plan_held is not None or held is not None) else "max-share")
        if chosen == "holdings" and held is None:
            held = plan_held
        if chosen == "max-share":
            held = None
        elif share_pct is not None:
            raise typer.BadParameter("--share-pct goes with --mode max-share", param_hint="--share-pct")
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
            console.print(Text(str(issue), style="red" if issue.is_error else "yellow"), soft_wrap=True)
        raise typer.Exit(1) from None
    except (SecurityDataError, ValueError, OSError) as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            console.print(Text(line, style="red"), soft_wrap=True)
        raise typer.Exit(1) from None
    what = (
        "the plan's holdings (each project's last round)"
        if chosen == "holdings"
        else f"every investor at {'its maximum share' if share_pct is None else fmt_pct(share_pct)}"
    )
    console.print(
        Text(
            f"Security review of {label}: {what}. Rules {ctx.rules.version}; {len(ctx.investors)} investors, "
            f"{len(rep.projects)} projects or classes.",
            style="bold",
        )
    )
    if matrix:
        console.print(_review_table(rep))
    else:
        console.print(_compact_table(rep, "Outcome per project (worst of its investors)"))
    counts: dict[str, int] = {}
    for r in rep.holdings_reviews if rep.holdings_reviews is not None else rep.potential:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    console.print(
        "  ".join(f"[{STYLE[k]}]{SHORT[k]}[/]: {counts.get(k, 0)}" for k in STYLE)
        + "  (holdings by outcome; notice = voluntary notice advisable)"
    )
    if chosen == "max-share":
        console.print(
            Text(
                "Hypothetical: each investor alone at its maximum share. Review a plan's actual holdings with "
                "'stateside screen PLAN_DIR' or 'stateside screen latest'.",
                style="dim",
            )
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
        # names in other scripts: transliterated (and said so), or not screenable at all
        for note in hits.attrs.get("notes", []):
            console.print(Text(f"  note: {note}", style="yellow"), soft_wrap=True)
    folder = out or Path.cwd()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "security_report.md").write_text(to_markdown(rep), encoding="utf-8")
        (folder / "security_report.html").write_text(to_html(rep), encoding="utf-8")
    except OSError as exc:
        console.print(Text(f"{folder}: cannot write the report: {exc}", style="red"))
        raise typer.Exit(1) from None
    console.print(f"Report: {folder / 'security_report.md'} and {folder / 'security_report.html'}")
