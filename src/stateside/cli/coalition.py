"""``stateside coalition value|show`` and ``stateside round`` (registered in :mod:`stateside.cli`).

``coalition value`` plans every coalition of members the game needs as one sweep on Dask
(:mod:`stateside.coalition.value`) and prints Shapley values, the core test, leave-one-out
and the proposed capacity sharing; ``round`` prints the sponsor's funding rounds and their
security review.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

console = Console(highlight=False, soft_wrap=True)

coalition_app = typer.Typer(
    help=(
        "What each member brings: the coalition's value with and without each member "
        "(Shapley values, the core, leave-one-out, a security review that blocks a member), "
        "planned as a sweep on Dask (docs/coalition.md)."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ScenarioArg = Annotated[
    Path | None,
    typer.Argument(help="Scenario folder (default: the embedded default scenario).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


@contextmanager
def _errors() -> Iterator[None]:
    from stateside.coalition.value import CoalitionError
    from stateside.round import RoundError
    from stateside.store.codec import CodecError
    from stateside.store.db import StoreError
    from stateside.sweep.spec import SweepError

    try:
        yield
    except (CoalitionError, SweepError, StoreError, CodecError, RoundError) as exc:
        for line in str(exc).splitlines():
            console.print(Text(f"error: {line}", style="red"))
        raise typer.Exit(1) from None


def _num(x: Any, unit: str) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if unit == "USD":
        return f"{x / 1e9:,.2f}"
    return f"{x:,.0f}"


def _pct(x: Any) -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{100 * x:.1f}"


def print_value(d: dict[str, Any], out: Console) -> None:
    """The tables of a coalition-value result (``CoalitionValue.to_dict()``)."""
    unit = d["unit"]
    label = "USD bn" if unit == "USD" else "MW"
    what = (
        "system cost saved against the empty coalition (target mode)"
        if d["metric"] == "cost"
        else f"AI IT MW online in {d['last_period']} (budget mode)"
    )
    out.print(
        Text(
            f"coalition value by {d['by']}: v(S) = {what}; {d['method']} Shapley"
            + (f" from {d['samples']} orderings (seed {d['seed']})" if d["method"] == "sampled" else "")
            + f"; sweep {d['sweep_id'][:8]}",
            style="bold",
        )
    )
    if d["excluded"]:
        out.print(f"excluded (blocked by the security review): {', '.join(p['code'] for p in d['excluded'])}")
    if d["missing"]:
        out.print(
            Text(
                f"{len(d['missing'])} coalition(s) not planned yet or failed: run the same command again to resume",
                style="yellow",
            )
        )
    if d.get("not_optimal"):
        gap = d.get("max_member_gap")
        out.print(
            Text(
                f"{len(d['not_optimal'])} coalition plan(s) not proven within the solver's gap (rounded "
                "plans, kept without branch and bound, or stopped at the time limit): each value is within "
                "its plan's proven gap"
                + (f" (at most {gap:.1%} of that plan's cost)" if isinstance(gap, float) else ""),
                style="yellow",
            )
        )
    borrowed = [c for c in d.get("coalitions", []) if c.get("plan_from") not in (None, c["members"])]
    if borrowed:
        out.print(
            Text(
                f"{len(borrowed)} coalition(s) take the plan of a smaller coalition, which costs less than "
                "their own rounded plan and is feasible for them too (more members only add capital)",
                style="yellow",
            )
        )
    out.print(f"v(∅) = {_num(d['v_empty'], unit)} {label}   v(N) = {_num(d['v_grand'], unit)} {label}")
    t = Table(title="What each member brings", title_justify="left")
    for c in (
        "member",
        "investors",
        "committed USD bn",
        f"Shapley {label}",
        "± s.e.",
        "share %",
        f"leave-one-out {label}",
    ):
        t.add_column(c, justify="left" if c in ("member", "investors") else "right")
    se = d.get("shapley_std_error") or {}
    loo = {r["member"]: r for r in d["leave_one_out"]}
    for p in d["players"]:
        c = p["code"]
        t.add_row(
            c,
            ", ".join(p["investors"]),
            f"{p['committed_usd'] / 1e9:,.1f}",
            _num(d["shapley"][c], unit),
            _num(se.get(c), unit) if se else "",
            _pct(d["shapley_share"].get(c)),
            _num(loo[c]["value_lost"], unit),
        )
    out.print(t)
    if d["core"] is not None:
        core = d["core"]
        out.print(
            "core: "
            + (
                "empty — no split of v(N) gives every group at least what it would get alone"
                if core["empty"]
                else "not empty — some split of v(N) gives every group at least what it gets alone"
            )
        )
    t = Table(title="Without each member (what the security review blocking it costs)", title_justify="left")
    for c in ("member", "IT MW lost", "cost increase USD bn", "campuses that drop", "states that drop"):
        t.add_column(
            c, justify="left" if c in ("member", "campuses that drop", "states that drop") else "right"
        )
    for r in d["leave_one_out"]:
        t.add_row(
            r["member"],
            _num(r["it_mw_lost"], "MW"),
            _num(r["cost_increase_usd"], "USD"),
            ", ".join(
                f"{x['campus']} (-{x['it_mw_before'] - x['it_mw_after']:,.0f})" for x in r["campuses_dropped"]
            )
            or "-",
            ", ".join(
                f"{x['region']} (-{x['it_mw_before'] - x['it_mw_after']:,.0f})" for x in r["states_dropped"]
            )
            or "-",
        )
    out.print(t)
    t = Table(title="Capacity offtake: by Shapley share vs by equity (today)", title_justify="left")
    for c in ("member", "Shapley share %", "IT MW", "equity share %", "IT MW (equity)"):
        t.add_column(c, justify="left" if c == "member" else "right")
    for r in d["sharing"]:
        t.add_row(
            r["member"],
            _pct(r["shapley_share"]),
            _num(r["shapley_it_mw"], "MW"),
            _pct(r["equity_share"]),
            _num(r["equity_it_mw"], "MW"),
        )
    out.print(t)
    b = d.get("blocked")
    if b:
        out.print(
            f"blocking {', '.join(b['excluded'])}: {_num(b['it_mw_lost'], 'MW')} MW of IT lost, cost up by "
            f"USD {_num(b['cost_increase_usd'], 'USD')} bn; campuses that drop: "
            + (", ".join(x["campus"] for x in b["campuses_dropped"]) or "none")
            + "; states: "
            + (", ".join(x["region"] for x in b["states_dropped"]) or "none")
        )


@coalition_app.command("value")
def value(
    scenario_dir: ScenarioArg = None,
    by: Annotated[str, typer.Option("--by", help="Members are countries or investors.")] = "country",
    metric: Annotated[
        str,
        typer.Option(
            "--metric", help="cost: system cost saved (target mode); capacity: AI IT MW online (budget mode)."
        ),
    ] = "cost",
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="A member the security review blocks (repeatable): its capital is out of every coalition.",
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            help="Random orderings for sampled Shapley values (default: exact up to 6 members, else 64).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the sampled orderings.")] = 0,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local Dask workers (default: one per core).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of a Dask scheduler (tcp://HOST:8786).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Plan at most N coalitions now; run again to resume.")
    ] = None,
    reuse: Annotated[
        bool, typer.Option("--reuse/--no-reuse", help="Reuse stored runs of identical scenarios.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Plan the coalition with and without each group of members and say what each brings.

    v(S) is the plan with only S's commitments (the others' set to zero). Prints v(∅), v(N), each member's Shapley value (exact with at most 6 members, sampled with a standard error otherwise), whether the core is empty, what the coalition loses without each member (IT MW, cost, campuses and states that drop) and a capacity offtake by Shapley share beside the equity-proportional one. The coalitions are one sweep: every plan is kept in the run store, and running the same command again resumes a killed run. JSON: players, shapley, leave_one_out, v_grand, v_empty, …
    """
    from stateside.cli.app import _load
    from stateside.coalition.value import json_safe, make_game, run_value
    from stateside.scenario.load import default_dir_checked

    scenario = _load(scenario_dir if scenario_dir is not None else default_dir_checked())
    with _errors():
        g = make_game(scenario, by=by, metric=metric, exclude=exclude, samples=samples, seed=seed)
        cv, outcome = run_value(
            scenario,
            g,
            workers=workers,
            scheduler=scheduler,
            limit=limit,
            reuse=reuse,
            source=f"coalition value {scenario_dir or 'default'}",
            console=Console(stderr=True, highlight=False),
            progress=not as_json,
        )
    d = cv.to_dict()
    if as_json:
        d["run"] = outcome.to_dict()
        typer.echo(json.dumps(json_safe(d), indent=2))
    else:
        print_value(d, console)
    if cv.missing:
        raise typer.Exit(3 if outcome.left else 1)


@coalition_app.command("show")
def show(
    ref: Annotated[
        str, typer.Argument(metavar="ID", help="A coalition-value id (sweep id or prefix) or 'latest'.")
    ] = "latest",
    as_json: JsonOption = False,
) -> None:
    """Print a stored coalition-value result again, from the run store alone."""
    from stateside.coalition.value import CoalitionError, json_safe, latest_coalition_id, load_value

    with _errors():
        if ref == "latest":
            found = latest_coalition_id()
            if found is None:
                raise CoalitionError(
                    "no coalition-value run in the store; run 'stateside coalition value' first"
                )
            ref = found
        d = load_value(ref).to_dict()
    if as_json:
        typer.echo(json.dumps(json_safe(d), indent=2))
    else:
        print_value(d, console)


def round_command(scenario_dir: Path | None, as_json: bool) -> None:
    """``stateside round``: the sponsor's rounds, stakes before and after, and each participant's review."""
    from stateside.cli.app import _load
    from stateside.coalition.value import json_safe
    from stateside.round import work_out
    from stateside.scenario.load import default_dir_checked
    from stateside.security.round import review_rounds

    scenario = _load(scenario_dir if scenario_dir is not None else default_dir_checked())
    rounds = scenario.tables.get("funding_rounds")
    if rounds is None or not len(rounds):
        console.print("no funding rounds in this scenario (funding_rounds.csv; docs/scenario-format.md)")
        if as_json:
            typer.echo(json.dumps({"rounds": [], "reviews": []}))
        return
    with _errors():
        results = work_out(rounds, scenario.tables["sponsor_cap_table"], scenario.investors)
        reviews = review_rounds(scenario, results)
    if as_json:
        typer.echo(
            json.dumps(
                json_safe(
                    {"rounds": [r.to_dict() for r in results], "reviews": [r.to_dict() for r in reviews]}
                ),
                indent=2,
            )
        )
        return
    for r in results:
        price = f", USD {r.price_per_share_usd:,.2f} a share" if r.price_per_share_usd else ""
        console.print(
            Text(
                f"{r.round} ({r.security_type}, closing {r.date}): pre-money USD {r.pre_money_usd / 1e9:,.1f} bn + "
                f"USD {r.new_money_usd / 1e9:,.2f} bn = post-money USD {r.post_money_usd / 1e9:,.1f} bn{price}; "
                f"lead {', '.join(r.lead) or '-'}; to the coalition: USD {r.coalition_usd / 1e9:,.2f} bn in {r.year}",
                style="bold",
            )
        )
        t = Table()
        for c in ("holder", "country", "new money USD bn", "before %", "after %", "dilution pts"):
            t.add_column(c, justify="left" if c in ("holder", "country") else "right")
        for s in sorted(r.stakes, key=lambda s: -s.after_pct):
            t.add_row(
                f"{s.name} ({s.holder})" if s.name != s.holder else s.holder,
                s.country,
                f"{s.new_money_usd / 1e9:,.2f}" if s.new_money_usd else "",
                f"{s.before_pct:.2f}",
                f"{s.after_pct:.2f}",
                f"{s.dilution_pct:.2f}" if s.before_pct > 0 else "",
            )
        console.print(t)
        t = Table(
            title="Security review of each participant (the sponsor: critical technology and sensitive data)"
        )
        for c in ("participant", "rights", "outcome", "why (rule, section)"):
            t.add_column(c)
        for pr in [x for x in reviews if x.round == r.round]:
            t.add_row(
                pr.participant,
                ", ".join(pr.rights) or "-",
                pr.review.outcome_label,
                "\n".join(x.text() for x in pr.review.deciding),
            )
        console.print(t)
