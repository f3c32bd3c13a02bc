"""What each member brings: the coalition's characteristic function, planned as a sweep.

v(S) for a group S of members (countries or investors) is the plan's result when only
S's capital is available: every commitment of the other members is removed (the sweep
target ``commitments.drop_investors``), everything else is unchanged.

* ``metric="cost"`` (target mode): v(S) = system cost of the empty coalition − system cost
  with S (the model's objective, shortfall of the IT target penalised as in any plan),
  so v(∅) = 0 and v(S) is the cost S saves;
* ``metric="capacity"`` (budget mode): v(S) = AI IT MW online in the last period.

The coalitions to plan are the members of one sweep (:mod:`stateside.sweep.runner`), so
they run on a Dask LocalCluster or ``--scheduler``, every plan is a run of the store, a
scenario already planned is reused by its content hash, and a killed run resumes where it
stopped. The sweep's description carries the game (players, method, orderings) as JSON
after :data:`TAG`, so ``coalition show ID`` and ``report --coalition ID`` rebuild every
number from the store alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stateside.coalition import game
from stateside.coalition.game import CoreCheck
from stateside.scenario.types import Scenario
from stateside.sweep.spec import DROP_TARGET, Parameter, SweepError, SweepSpec

TAG = "coalition-value:"
BY = ("country", "investor")
METRICS = ("cost", "capacity")
MODE_OF_METRIC = {"cost": "target", "capacity": "budget"}
UNIT_OF_METRIC = {"cost": "USD", "capacity": "MW"}
DEFAULT_SAMPLES = 64
MW_TOL = 0.5


class CoalitionError(ValueError):
    """A coalition-value request that cannot be run (unknown member, nothing stored, …)."""


@dataclass(frozen=True)
class Player:
    """One member of the game: a country (its investors) or one investor."""

    code: str
    label: str
    investors: list[str]
    committed_usd: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "investors": list(self.investors),
            "committed_usd": self.committed_usd,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Player:
        return cls(
            str(d["code"]), str(d["label"]), [str(x) for x in d["investors"]], float(d["committed_usd"])
        )


def json_safe(x: Any) -> Any:
    """JSON-safe: NaN and infinities become null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, list):
        return [json_safe(v) for v in x]
    return x


def players_of(scenario: Scenario, by: str = "country") -> list[Player]:
    """The scenario's members by country (first-seen order of investors.csv) or by investor."""
    if by not in BY:
        raise CoalitionError(f"--by: expected one of {', '.join(BY)}, found {by!r}")
    inv = scenario.investors
    com = scenario.commitments
    committed = com.groupby(com["investor"].astype(str))["amount_usd"].sum().to_dict() if len(com) else {}
    if by == "investor":
        return [
            Player(
                str(r.investor), str(r.name), [str(r.investor)], float(committed.get(str(r.investor), 0.0))
            )
            for r in inv.itertuples()
        ]
    out: dict[str, list[str]] = {}
    for r in inv.itertuples():
        out.setdefault(str(r.country), []).append(str(r.investor))
    return [Player(c, c, codes, float(sum(committed.get(x, 0.0) for x in codes))) for c, codes in out.items()]


@dataclass
class Game:
    """Which coalitions to plan and how to read them (stored in the sweep's description)."""

    by: str
    metric: str
    players: list[Player]
    excluded: list[Player]
    method: str  # exact | sampled
    seed: int
    perms: list[list[int]]
    masks: list[int]
    unblocked_index: int | None = None  # sample index of the coalition with the excluded members in

    @property
    def n(self) -> int:
        return len(self.players)

    @property
    def mode(self) -> str:
        return MODE_OF_METRIC[self.metric]

    def dropped(self, mask: int) -> list[str]:
        """Investors whose commitments are removed in coalition ``mask``."""
        out = [x for p in self.excluded for x in p.investors]
        out += [x for i, p in enumerate(self.players) if not mask >> i & 1 for x in p.investors]
        return sorted(set(out))

    def values(self) -> list[list[str]]:
        """The sweep's grid values: one dropped-investor list per coalition, then the unblocked one."""
        vals = [self.dropped(m) for m in self.masks]
        if self.unblocked_index is not None:
            vals.append([])
        return vals

    def to_json(self) -> str:
        return json.dumps(
            {
                "by": self.by,
                "metric": self.metric,
                "players": [p.to_dict() for p in self.players],
                "excluded": [p.to_dict() for p in self.excluded],
                "method": self.method,
                "seed": self.seed,
                "perms": self.perms,
                "masks": self.masks,
                "unblocked_index": self.unblocked_index,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Game:
        d = json.loads(text)
        return cls(
            by=d["by"],
            metric=d["metric"],
            players=[Player.from_dict(p) for p in d["players"]],
            excluded=[Player.from_dict(p) for p in d["excluded"]],
            method=d["method"],
            seed=int(d["seed"]),
            perms=[[int(i) for i in p] for p in d["perms"]],
            masks=[int(m) for m in d["masks"]],
            unblocked_index=d.get("unblocked_index"),
        )


def make_game(
    scenario: Scenario,
    by: str = "country",
    metric: str = "cost",
    exclude: list[str] | None = None,
    samples: int | None = None,
    seed: int = 0,
    exact_max_players: int = game.EXACT_MAX_PLAYERS,
) -> Game:
    """The game on ``scenario``: exact with at most ``exact_max_players`` players (unless
    ``samples`` is given), otherwise ``samples`` random orderings (default 64)."""
    if metric not in METRICS:
        raise CoalitionError(f"--metric: expected one of {', '.join(METRICS)}, found {metric!r}")
    everyone = players_of(scenario, by)
    codes = [p.code for p in everyone]
    exclude = list(exclude or [])
    unknown = [x for x in exclude if x not in codes]
    if unknown:
        raise CoalitionError(
            f"--exclude: no member {unknown[0]!r} by {by}; the members are {', '.join(codes)}"
        )
    players = [p for p in everyone if p.code not in exclude]
    excluded = [p for p in everyone if p.code in exclude]
    n = len(players)
    if n == 0:
        raise CoalitionError("no members are left once the excluded ones are taken out")
    if samples is not None and samples < 1:
        raise CoalitionError(f"--samples: expected at least 1, found {samples}")
    grand = game.full_mask(n)
    loo = [grand & ~(1 << i) for i in range(n)]
    if samples is None and n <= exact_max_players:
        method, perms = "exact", []
        masks = game.all_masks(n)
    else:
        method = "sampled"
        perms = game.sample_permutations(n, samples or DEFAULT_SAMPLES, seed)
        masks = sorted(set(game.prefix_masks(perms, n)) | set(loo))
    g = Game(by, metric, players, excluded, method, seed, perms, masks)
    if excluded:
        g.unblocked_index = len(masks)
    return g


#: the solver setting coalition members turn off (see :func:`sweep_spec`)
BNB_TARGET = "settings.solver.branch_and_bound"


def sweep_spec(g: Game, solver_threads: int | None = 1) -> SweepSpec:
    """The sweep that plans every coalition of ``g`` (one grid value per coalition)."""
    label = f"coalition value by {g.by} ({g.metric})"
    if g.excluded:
        label += f" without {', '.join(p.code for p in g.excluded)}"
    return SweepSpec(
        name=label,
        description=TAG + g.to_json(),
        mode=g.mode,  # type: ignore[arg-type]
        seed=g.seed,
        samples=1,
        solver_threads=solver_threads,
        parameters=[
            Parameter(name="coalition", target=DROP_TARGET, values=g.values()),  # type: ignore[call-arg]
            # each coalition keeps its rounded plan with its proven gap (reported per
            # coalition): branch and bound on a capital-starved coalition runs for minutes
            # to close a few per cent, and 2**n coalitions are solved
            Parameter(name="branch_and_bound", target=BNB_TARGET, values=[False], tornado=False),  # type: ignore[call-arg]
        ],
    )


def game_of_spec(spec: SweepSpec) -> Game:
    """The game a coalition sweep was made for; a CoalitionError for any other sweep."""
    if not spec.description.startswith(TAG):
        raise CoalitionError(f"sweep {spec.name!r} is not a coalition-value run")
    return Game.from_json(spec.description[len(TAG) :])


# --------------------------------------------------------------------------------------
# reading the plans


@dataclass
class CoalitionValue:
    """Everything ``coalition value`` reports."""

    sweep_id: str
    game: Game
    v: dict[int, float]
    objective_usd: dict[int, float]
    it_mw: dict[int, float]
    shapley: list[float]
    std_error: list[float] | None
    core: CoreCheck | None
    leave_one_out: list[dict[str, Any]]
    sharing: list[dict[str, Any]]
    blocked: dict[str, Any] | None
    last_period: int | None
    missing: list[int] = field(default_factory=list)
    run_ids: dict[int, str | None] = field(default_factory=dict)
    terminations: dict[int, str] = field(default_factory=dict)
    gaps: dict[int, float | None] = field(default_factory=dict)
    own_objective_usd: dict[int, float] = field(default_factory=dict)  # each coalition's own plan
    plan_from: dict[int, int] = field(default_factory=dict)  # whose plan gives its value

    @property
    def complete(self) -> bool:
        return not self.missing

    def to_dict(self) -> dict[str, Any]:
        g = self.game
        codes = [p.code for p in g.players]

        def coalition(mask: int) -> list[str]:
            return [codes[i] for i in game.members(mask, g.n)]

        total = sum(self.shapley)
        return {
            "sweep_id": self.sweep_id,
            "by": g.by,
            "metric": g.metric,
            "unit": UNIT_OF_METRIC[g.metric],
            "mode": g.mode,
            "method": g.method,
            "samples": len(g.perms) if g.method == "sampled" else None,
            "seed": g.seed if g.method == "sampled" else None,
            "last_period": self.last_period,
            "players": [p.to_dict() for p in g.players],
            "excluded": [p.to_dict() for p in g.excluded],
            "v_empty": self.v.get(0),
            "v_grand": self.v.get(game.full_mask(g.n)),
            "shapley": dict(zip(codes, self.shapley, strict=True)),
            "shapley_std_error": dict(zip(codes, self.std_error, strict=True)) if self.std_error else None,
            "shapley_share": {
                c: (x / total if total else None) for c, x in zip(codes, self.shapley, strict=True)
            },
            "core": None
            if self.core is None
            else {
                "empty": self.core.empty,
                "min_total": self.core.min_total,
                "grand_value": self.core.grand_value,
            },
            "leave_one_out": self.leave_one_out,
            "sharing": self.sharing,
            "blocked": self.blocked,
            "coalitions": [
                {
                    "members": coalition(m),
                    "value": self.v.get(m),
                    "objective_usd": self.objective_usd.get(m),
                    # its own plan's cost, and the coalition whose plan its value is from
                    # (a sub-coalition's when that plan is cheaper: see game.best_known)
                    "own_plan_objective_usd": self.own_objective_usd.get(m),
                    "plan_from": coalition(self.plan_from.get(m, m)),
                    "it_mw_online": self.it_mw.get(m),
                    "run_id": self.run_ids.get(m),
                    "termination": self.terminations.get(m),
                    "mip_gap": self.gaps.get(m),
                }
                for m in g.masks
                if m in self.v
            ],
            "missing": [coalition(m) for m in self.missing],
            # plans stopped before proven optimality (time limit): their values carry the solver's gap
            "not_optimal": [coalition(m) for m, t in self.terminations.items() if t != "optimal"],
            # the largest proven gap of any coalition's plan (its value is within it)
            "max_member_gap": max((x for x in self.gaps.values() if x is not None), default=None),
        }


def _last_it(metrics: dict[str, float]) -> tuple[int | None, float]:
    periods = sorted(int(k.split(".", 1)[1]) for k in metrics if k.startswith("it_mw_online."))
    if not periods:
        return None, math.nan
    return periods[-1], float(metrics[f"it_mw_online.{periods[-1]}"])


def _campus_mw(plan: Any, period: int | None) -> pd.DataFrame:
    c = plan.tables.get("campuses")
    if c is None or not len(c) or period is None:
        return pd.DataFrame(columns=["campus", "region", "it_mw"])
    last = c[c["period"].astype(int) == period]
    return (
        last.groupby(["campus", "region"], as_index=False)["it_mw_online"]
        .sum()
        .rename(columns={"it_mw_online": "it_mw"})
    )


def drops(before: pd.DataFrame, after: pd.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Campuses and states whose AI IT MW online falls from ``before`` to ``after``."""
    m = before.merge(after, on=["campus", "region"], how="outer", suffixes=("_before", "_after")).fillna(0.0)
    campuses = [
        {
            "campus": str(r.campus),
            "region": str(r.region),
            "it_mw_before": float(r.it_mw_before),
            "it_mw_after": float(r.it_mw_after),
        }
        for r in m.itertuples()
        if r.it_mw_after < r.it_mw_before - MW_TOL
    ]
    by_state = m.groupby("region")[["it_mw_before", "it_mw_after"]].sum()
    states = [
        {"region": str(reg), "it_mw_before": float(r.it_mw_before), "it_mw_after": float(r.it_mw_after)}
        for reg, r in by_state.iterrows()
        if r.it_mw_after < r.it_mw_before - MW_TOL
    ]
    return campuses, states


def analyse(sweep_id: str, g: Game, records: dict[int, Any], load_plan: Any | None = None) -> CoalitionValue:
    """The coalition's values from the sweep's member records (by sample index).

    ``load_plan(run_id)`` returns a stored plan (for which campuses and states drop and the
    equity-proportional sharing); without it those parts are left empty.
    """
    n = g.n
    metrics: dict[int, dict[str, float]] = {}
    runs: dict[int, str | None] = {}
    terms: dict[int, str] = {}
    missing: list[int] = []
    for idx, mask in enumerate(g.masks):
        rec = records.get(idx)
        if rec is None or not rec.ok:
            missing.append(mask)
            continue
        metrics[mask] = rec.metrics
        runs[mask] = rec.run_id
        terms[mask] = str(rec.termination)
    unblocked = records.get(g.unblocked_index) if g.unblocked_index is not None else None
    objective = {m: float(x.get("objective_usd", math.nan)) for m, x in metrics.items()}
    last_period: int | None = None
    it_mw: dict[int, float] = {}
    for m, x in metrics.items():
        period, mw = _last_it(x)
        last_period = period if period is not None else last_period
        it_mw[m] = mw
    own_objective = dict(objective)
    plan_from = {m: m for m in objective}
    if g.metric == "cost":
        # a coalition's plan can be no dearer than any sub-coalition's (the same plan is
        # feasible with more capital): rounded plans that miss this take the better one
        objective, plan_from = game.best_known(own_objective)
        ref = objective.get(0, math.nan)
        v = {m: ref - objective[m] for m in objective}
    else:
        v = dict(it_mw)
    grand = game.full_mask(n)
    shapley: list[float] = [math.nan] * n
    std_error: list[float] | None = None
    core = None
    loo_values = [math.nan] * n
    if not missing:
        if g.method == "exact":
            shapley = game.shapley_exact(v, n)
            core = game.core_is_empty(v, n)
        else:
            s = game.shapley_sampled(v, n, g.perms)
            shapley, std_error = s.shapley, s.std_error
        loo_values = game.leave_one_out(v, n)

    plans: dict[int, Any] = {}

    def plan_of(mask: int) -> Any:
        if load_plan is None or runs.get(mask) is None:
            return None
        if mask not in plans:
            plans[mask] = load_plan(runs[mask])
        return plans[mask]

    grand_plan = plan_of(grand) if grand in metrics else None
    grand_campuses = _campus_mw(grand_plan, last_period) if grand_plan is not None else None
    loo: list[dict[str, Any]] = []
    for i, p in enumerate(g.players):
        without = grand & ~(1 << i)
        row: dict[str, Any] = {
            "member": p.code,
            "value_lost": loo_values[i],
            "it_mw_lost": it_mw.get(grand, math.nan) - it_mw.get(without, math.nan),
            "cost_increase_usd": objective.get(without, math.nan) - objective.get(grand, math.nan),
            "campuses_dropped": [],
            "states_dropped": [],
        }
        other = plan_of(without) if without in metrics else None
        if grand_campuses is not None and other is not None:
            row["campuses_dropped"], row["states_dropped"] = drops(
                grand_campuses, _campus_mw(other, last_period)
            )
        loo.append(row)

    sharing = _sharing(g, shapley, grand_plan, it_mw.get(grand, math.nan))
    blocked = None
    if g.excluded and unblocked is not None and unblocked.ok and grand in metrics:
        p_u, mw_u = _last_it(unblocked.metrics)
        blocked = {
            "excluded": [p.code for p in g.excluded],
            "it_mw_lost": mw_u - it_mw[grand],
            "cost_increase_usd": objective[grand] - float(unblocked.metrics.get("objective_usd", math.nan)),
            "campuses_dropped": [],
            "states_dropped": [],
        }
        if load_plan is not None and unblocked.run_id and grand_plan is not None:
            u_plan = load_plan(unblocked.run_id)
            blocked["campuses_dropped"], blocked["states_dropped"] = drops(
                _campus_mw(u_plan, p_u), _campus_mw(grand_plan, last_period)
            )
    return CoalitionValue(
        sweep_id=sweep_id,
        game=g,
        v=v,
        objective_usd=objective,
        it_mw=it_mw,
        shapley=shapley,
        std_error=std_error,
        core=core,
        leave_one_out=loo,
        sharing=sharing,
        blocked=blocked,
        last_period=last_period,
        missing=missing,
        run_ids=runs,
        terminations=terms,
        gaps={m: x.get("mip_gap") for m, x in metrics.items()},
        own_objective_usd=own_objective,
        plan_from=plan_from,
    )


def _sharing(g: Game, shapley: list[float], grand_plan: Any, grand_it_mw: float) -> list[dict[str, Any]]:
    """Capacity offtake per member by Shapley share, beside the equity-proportional split.

    The Shapley share is max(φᵢ, 0) / Σ max(φⱼ, 0) (a member whose contribution is negative
    is offered nothing); the equity share is the member's part of the grand plan's equity.
    """
    pos = [max(x, 0.0) if math.isfinite(x) else math.nan for x in shapley]
    total = sum(pos) if all(math.isfinite(x) for x in pos) else math.nan
    equity: dict[str, float] = {}
    cap = grand_plan.tables.get("capital") if grand_plan is not None else None
    if cap is not None and len(cap):
        by_inv = cap.groupby(cap["investor"].astype(str))["equity_usd"].sum()
        for p in g.players:
            equity[p.code] = float(sum(by_inv.get(x, 0.0) for x in p.investors))
    eq_total = sum(equity.values())
    out = []
    for p, x in zip(g.players, pos, strict=True):
        share = x / total if total and math.isfinite(total) else math.nan
        eq_share = equity[p.code] / eq_total if eq_total > 0 else math.nan
        out.append(
            {
                "member": p.code,
                "shapley_share": share,
                "shapley_it_mw": share * grand_it_mw,
                "equity_usd": equity.get(p.code, math.nan),
                "equity_share": eq_share,
                "equity_it_mw": eq_share * grand_it_mw,
            }
        )
    return out


# --------------------------------------------------------------------------------------
# running


def run_value(
    scenario: Scenario,
    g: Game,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    url: str | None = None,
    limit: int | None = None,
    reuse: bool = True,
    source: str | None = None,
    console: Any = None,
    progress: bool = True,
    solver_threads: int | None = 1,
) -> tuple[CoalitionValue, Any]:
    """Plan every coalition of ``g`` as a sweep (resuming one already in the store) and read it.

    Returns the values and the sweep's :class:`~stateside.sweep.runner.SweepOutcome`.
    """
    import yaml

    from stateside.sweep.runner import run_sweep

    spec = sweep_spec(g, solver_threads)
    text = yaml.safe_dump(spec.model_dump(mode="json", exclude_none=True), sort_keys=False)
    try:
        outcome = run_sweep(
            spec,
            scenario,
            text,
            workers=workers,
            scheduler=scheduler,
            url=url,
            limit=limit,
            reuse=reuse,
            source=source,
            console=console,
            progress=progress,
        )
    except SweepError as exc:
        raise CoalitionError(str(exc)) from None
    return load_value(outcome.sweep_id, url), outcome


def load_value(sweep_ref: str, url: str | None = None, load_plan: Any | None = None) -> CoalitionValue:
    """A stored coalition-value run (a sweep id, prefix or ``latest``), read again."""
    from stateside.store.api import load_run
    from stateside.sweep.store import load_members, sweep_info

    info = sweep_info(sweep_ref, url)
    g = game_of_spec(info.spec)
    records = {m.sample_index: m for m in load_members(info.id, url)}
    loader = load_plan or (lambda run_id: load_run(run_id, url))
    return analyse(info.id, g, records, loader)


def latest_coalition_id(url: str | None = None) -> str | None:
    """The newest stored coalition-value sweep, or None."""
    from stateside.sweep.store import list_sweeps

    for s in list_sweeps(url=url):
        if s.spec.description.startswith(TAG):
            return s.id
    return None
