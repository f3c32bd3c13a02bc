"""Syndication: the plan's equity per (investor, asset class, period) split into a cap
table for every project, under the plan's share caps, with a small linopy + HiGHS MILP.

Projects (:func:`plan_projects`)
    * each **campus** — one project; every period in which it adds modules is a
      financing round (a *tranche*) with equity ``capex × (1 − δ_datacenter)``;
    * each **fab** — decided in one period; equity ``capex × (1 − δ_fab) − grant``;
    * each region's **generation** build of a period (every generation technology
      built there then) and, separately, its **storage** build of the period;
    * each **corridor expansion** of a period (generation, storage and transmission are
      the grid's, not the coalition's: they are listed only if a caller's asset classes
      include them);
    * each campus's **IT equipment** (project ``it-<campus>``) where the coalition buys it
      (``settings.finance.it_equipment_buyer``): a round in every period the campus adds
      modules or refreshes earlier ones (every ``it_refresh_years``, as the model buys
      them), capex ``it_equipment_usd_per_kw_it`` per kW of IT bought.

    ``δ_a`` is the plan's debt share (``settings.finance.debt_share``), the grant the
    plan's (already capped) CHIPS grant, so the projects' equity of an (asset class,
    period) adds up to the plan's ``equity_need`` of it.

The problem, for each group ``g = (asset class a, period p)`` with tranches ``t`` of
equity ``E_t`` and investors ``i`` with plan equity ``e_ig`` (table ``capital``)::

    minimise   Σ_{i,t} (d⁺_it + d⁻_it)                       (USD away from pro rata)
    subject to Σ_i x_it = E_t                      ∀ t        (each project fully funded)
               Σ_t x_it = e_ig                     ∀ i        (exactly the plan's equity)
               x_it − π_it = d⁺_it − d⁻_it,  d⁺, d⁻ ≥ 0       (π_it = e_ig / Σ_j e_jg · E_t)
               0 ≤ x_it ≤ s_it E_t y_it                       (share caps; s = 0: excluded)
               x_it ≥ f_it y_it,   y_it ∈ {0, 1}              (minimum ticket)

**Objective**, stated: stay as close as possible (in dollars, L1) to each investor's
pro-rata share of its asset class — every project of the class-period gets the
investor's plan share ``e_ig / Σ_j e_jg``. Pro rata is the natural syndication and is
feasible for the class-level caps whenever the plan obeyed them (the same cap on every
project of the class); the solver departs from it only where a per-project cap or a
ticket floor forces it to, and then by as few dollars as possible.

**Share caps** ``s_it`` come from the caps frame the plan used (``investor,
asset_class, max_share, reason``; :func:`stateside.run.share_caps_for`): a class cap
applies to every project of the class, in every round. The frame may also carry an
optional ``project`` column: a row with a project applies to that project only (e.g. a
campus holding frontier model weights); the tightest applicable cap wins.

**Minimum ticket** (a hard rule, with binaries ``y``): an investor takes either nothing
of a round or at least ``f_it = min(TICKET_FLOOR_USD, TICKET_FLOOR_SHARE × E_t, e_ig,
s_it E_t)`` — $50M or 5 % of the round, whichever is smaller (illustrative: below that
a ticket is not worth its diligence and legal cost, and 5 % is where observer rights
start here), but never more than the investor has to place in the group or may hold.
Should the floors make a group infeasible, it is solved again without them
(an LP) and ``notes`` says so.

Reconciliation before solving (both in ``notes``): plan equity that differs from the
projects' equity by solver rounding (≤ 1e-6 relative) is scaled to match exactly; a
real shortfall (target mode with ``equity_short``) is taken by the pseudo-investor
``UNFUNDED`` (no caps). If the plan itself holds an investor above a class cap (the
penalised ``cap_excess`` slack), its cap in that group is raised to its plan share —
the cap tables follow the plan and the note names the breach. Anything still infeasible
raises :class:`SyndicationError`.

Cap-table rows (:func:`cap_tables`): one per (project, round, investor holding
equity after the round). ``equity_usd`` is the investor's money in this round;
``equity_pct`` its share of all the project's equity paid in up to and including this
round (cumulative ownership, %); ``voting_pct = equity_pct`` (one vote per dollar of
common equity, no dual-class shares modelled); governance rights (illustrative
thresholds, typical of project joint ventures): a **board seat** at ≥ 10 % if the
investor takes board seats (``investors.board_seat``), otherwise an **observer** seat
at ≥ 5 %, and **information rights** at ≥ 1 %. These are the facts the security review
reads (``stateside.security.caps.check_holdings`` takes these columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.inputs.it_equipment import refresh_matrix
from stateside.model.solve import quiet_linopy, quiet_stdout
from stateside.plan import Plan, grid_builds, is_true
from stateside.scenario.settings import coalition_asset_classes
from stateside.scenario.types import Scenario

TICKET_FLOOR_USD = 50e6  # illustrative, see the module docstring
TICKET_FLOOR_SHARE = 0.05  # illustrative
BOARD_SEAT_MIN_PCT = 10.0  # illustrative governance thresholds, see the module docstring
OBSERVER_MIN_PCT = 5.0
INFORMATION_RIGHTS_MIN_PCT = 1.0
UNFUNDED = "UNFUNDED"

_USD_PER_MUSD = 1e6
_EQUITY_TOL_USD = 1.0  # equity below one dollar is solver noise
_RECONCILE_REL = 1e-6
_TIME_LIMIT_S = 20.0

PROJECT_COLUMNS: list[str] = [
    "project",
    "asset_class",
    "region",
    "period",
    "capex_usd",
    "grant_usd",
    "equity_usd",
    "description",
]

ALLOCATION_COLUMNS: list[str] = [
    "project",
    "asset_class",
    "region",
    "period",
    "investor",
    "equity_usd",
    "pro_rata_usd",
    "max_share",
]

CAP_TABLE_COLUMNS: list[str] = [
    "project",
    "asset_class",
    "region",
    "period",
    "investor",
    "name",
    "country",
    "investor_type",
    "government_ownership_pct",
    "equity_usd",
    "cumulative_equity_usd",
    "project_equity_usd",
    "equity_pct",
    "economic_pct",
    "voting_pct",
    "board_seat",
    "observer",
    "information_rights",
    "pro_rata_usd",
    "max_share_pct",
    "cap_reason",
]


class SyndicationError(ValueError):
    """The plan's equity cannot be split into cap tables that obey the rules."""


@dataclass
class Syndication:
    """Result of :func:`syndicate`: allocations per round, cap tables and notes."""

    projects: pd.DataFrame
    allocations: pd.DataFrame
    cap_tables: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    floors_relaxed: list[tuple[str, int]] = field(default_factory=list)
    deviation_usd: float = 0.0


# --------------------------------------------------------------------------------------
# projects


def _tech_asset_class(scenario: Scenario) -> pd.Series:
    return scenario.technologies.set_index("technology")["asset_class"].astype(str)


def plan_projects(plan: Plan, scenario: Scenario, classes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The plan's projects and their financing rounds: one row per (project, period)
    with capex, grant and the plan's equity (``capex × (1 − δ_a) − grant``), USD.

    ``classes``: the asset classes listed — by default the coalition's
    (:func:`~stateside.scenario.settings.coalition_asset_classes`); pass all of
    ``ASSET_CLASSES`` to price the grid's builds too (analysis only: they are never
    syndicated to the coalition)."""
    owned = classes if classes is not None else coalition_asset_classes(scenario.settings.finance)
    debt = scenario.settings.finance.debt_share
    rows: list[dict[str, object]] = []

    def add(project: str, cls: str, region: str, period: int, capex: float, grant: float, text: str) -> None:
        equity = capex * (1.0 - debt[cls]) - grant
        if capex > _EQUITY_TOL_USD and equity > _EQUITY_TOL_USD:
            rows.append(
                {
                    "project": project,
                    "asset_class": cls,
                    "region": region,
                    "period": int(period),
                    "capex_usd": capex,
                    "grant_usd": grant,
                    "equity_usd": equity,
                    "description": text,
                }
            )

    camp = plan.tables.get("campuses", pd.DataFrame())
    for r in camp.itertuples(index=False):
        if float(r.new_modules) > 0:
            add(
                str(r.campus),
                "datacenter",
                str(r.region),
                int(r.period),
                float(r.capex_usd),
                0.0,
                f"campus {r.campus}: {float(r.new_modules):g} modules, {float(r.new_it_mw):,.0f} MW IT",
            )
    if "it_equipment" in owned:
        for project, cls, region, period, capex, text in it_equipment_rounds(plan, scenario):
            add(project, cls, region, period, capex, 0.0, text)
    fabs = plan.tables.get("fabs", pd.DataFrame())
    for r in fabs.itertuples(index=False):
        if is_true(r.decided):
            add(
                str(r.fab),
                "fab",
                str(r.region),
                int(r.period),
                float(r.capex_usd),
                float(r.grant_usd),
                f"fab {r.fab}",
            )
    onsite = plan.tables.get("campus_power", pd.DataFrame())
    for (campus, region, period), grp in (
        onsite[onsite["new_mw"] > 1e-6].groupby(["campus", "region", "period"], sort=True)
        if "campus_power" in owned and len(onsite)
        else []
    ):
        techs = ", ".join(f"{t} {mw:,.0f} MW" for t, mw in zip(grp["technology"], grp["new_mw"], strict=True))
        add(
            f"power-{campus}",
            "campus_power",
            str(region),
            int(period),
            float(grp["capex_usd"].sum()),
            0.0,
            f"on-site power of campus {campus}: {techs}",
        )
    # generation, storage and transmission are the grid's (COALITION_ASSET_CLASSES): listed only on request
    builds = grid_builds(plan.tables.get("builds", pd.DataFrame()))  # campus power: above
    if len(builds):
        cls = builds["technology"].astype(str).map(_tech_asset_class(scenario))
        new = builds.assign(asset_class=cls)
        new = new[
            (new["new_mw"] > 1e-6) & (new["capex_usd"] > _EQUITY_TOL_USD) & new["asset_class"].isin(owned)
        ]
        for (region, period, a), grp in new.groupby(["region", "period", "asset_class"], sort=True):
            techs = ", ".join(
                f"{t} {mw:,.0f} MW" for t, mw in zip(grp["technology"], grp["new_mw"], strict=True)
            )
            prefix = "gen" if a == "generation" else "storage"
            add(
                f"{prefix}-{region}-{int(period)}",
                str(a),
                str(region),
                int(period),
                float(grp["capex_usd"].sum()),
                0.0,
                f"{a} in {region}: {techs}",
            )
    cor = plan.tables.get("corridors", pd.DataFrame())
    for r in cor.itertuples(index=False) if "transmission" in owned else []:
        if float(r.new_mw) > 1e-6:
            add(
                f"line-{r.corridor}-{int(r.period)}",
                "transmission",
                str(r.region_from),
                int(r.period),
                float(r.capex_usd),
                0.0,
                f"corridor {r.corridor} ({r.region_from}-{r.region_to}) +{float(r.new_mw):,.0f} MW",
            )
    out = pd.DataFrame(rows, columns=PROJECT_COLUMNS)
    return out.sort_values(["asset_class", "period", "project"]).reset_index(drop=True)


def it_equipment_rounds(plan: Plan, scenario: Scenario) -> list[tuple[str, str, str, int, float, str]]:
    """``(project, "it_equipment", region, period, capex_usd, description)`` for each period a
    campus buys IT equipment: its new IT MW plus the refresh of the MW it added
    ``k × it_refresh_years`` earlier (in the first period at or after that year, within the
    horizon — :func:`stateside.model.inputs.it_equipment.refresh_matrix`)."""
    fin = scenario.settings.finance
    camp = plan.tables.get("campuses", pd.DataFrame())
    if not len(camp):
        return []
    years = [int(y) for y in scenario.settings.period_years]
    refresh = refresh_matrix(years, fin.it_refresh_years)
    out: list[tuple[str, str, str, int, float, str]] = []
    for campus, grp in camp.groupby(camp["campus"].astype(str), sort=True):
        added = {int(p): float(mw) for p, mw in zip(grp["period"], grp["new_it_mw"], strict=True)}
        new = [added.get(y, 0.0) for y in years]
        refreshed = [sum(refresh[i, j] * new[i] for i in range(len(years))) for j in range(len(years))]
        region = str(grp["region"].iloc[0])
        for j, y in enumerate(years):
            mw = new[j] + refreshed[j]
            if mw <= 1e-6:
                continue
            text = f"IT equipment of {campus}: {new[j]:,.0f} MW new"
            if refreshed[j] > 1e-6:
                text += f", {refreshed[j]:,.0f} MW refreshed"
            out.append(
                (
                    f"it-{campus}",
                    "it_equipment",
                    region,
                    y,
                    mw * 1000.0 * fin.it_equipment_usd_per_kw_it,
                    text,
                )
            )
    return out


# --------------------------------------------------------------------------------------
# caps


def cap_lookup(
    caps: pd.DataFrame | None,
) -> tuple[dict[tuple[str, str], tuple[float, str]], dict[tuple[str, str], tuple[float, str]]]:
    """Class caps ``{(investor, asset_class): (max_share, reason)}`` and project caps
    ``{(investor, project): (max_share, reason)}`` from a caps frame (tightest wins)."""
    by_class: dict[tuple[str, str], tuple[float, str]] = {}
    by_project: dict[tuple[str, str], tuple[float, str]] = {}
    if caps is None or not len(caps):
        return by_class, by_project
    has_project = "project" in caps.columns
    for row in caps.to_dict("records"):
        share = float(row["max_share"])
        reason = str(row.get("reason", "") or "")
        project = row.get("project") if has_project else None
        if project is not None and not (isinstance(project, float) and np.isnan(project)) and str(project):
            key = (str(row["investor"]), str(project))
            target = by_project
        else:
            key = (str(row["investor"]), str(row["asset_class"]))
            target = by_class
        if key not in target or share < target[key][0]:
            target[key] = (share, reason)
    return by_class, by_project


# --------------------------------------------------------------------------------------
# the MILP


@dataclass(frozen=True)
class _Group:
    asset_class: str
    period: int
    tranches: pd.DataFrame  # project, region, equity_usd
    investor_equity: pd.Series  # investor -> USD (reconciled)
    share_cap: pd.DataFrame  # index investor, columns project: max share
    notes: tuple[str, ...]


def _solve_group(g: _Group, floors: bool) -> pd.DataFrame | None:
    """Solve one (asset class, period); None if infeasible. Money in $M inside."""
    E = g.tranches.set_index("project")["equity_usd"] / _USD_PER_MUSD
    e = g.investor_equity / _USD_PER_MUSD
    total = float(e.sum())
    recs = []
    for inv, e_i in e.items():
        for proj, E_t in E.items():
            s = float(g.share_cap.at[inv, proj])
            ub = min(s * E_t, e_i)
            if ub <= 0:
                continue
            floor = min(TICKET_FLOOR_USD / _USD_PER_MUSD, TICKET_FLOOR_SHARE * E_t, e_i, ub)
            recs.append((inv, proj, ub, floor, e_i / total * E_t))
    if not recs:
        return None
    pairs = pd.DataFrame(recs, columns=["investor", "project", "ub", "floor", "pro_rata"])
    if _pro_rata_is_feasible(pairs, E, e, floors):
        # deviation 0 is the optimum and only pro rata attains it: no solver needed
        pairs["x"] = np.where(
            pairs["pro_rata"].to_numpy(float) < 1e-9, 0.0, pairs["pro_rata"].to_numpy(float)
        )
        return pairs
    idx = pd.Index(
        [f"{i}|{p}" for i, p in zip(pairs["investor"], pairs["project"], strict=True)], name="pair"
    )
    coords = {"pair": idx}

    def da(values: object) -> xr.DataArray:
        return xr.DataArray(np.asarray(values), coords=coords, dims=["pair"])

    m = linopy.Model()
    x = m.add_variables(lower=0.0, upper=da(pairs["ub"].to_numpy(float)), coords=[idx], name="x")
    dp = m.add_variables(lower=0.0, coords=[idx], name="dev_plus")
    dm = m.add_variables(lower=0.0, coords=[idx], name="dev_minus")
    by_project = da(pairs["project"].to_numpy(str))
    by_investor = da(pairs["investor"].to_numpy(str))
    proj_sum = x.groupby(by_project).sum()
    m.add_constraints(
        proj_sum == xr.DataArray(E.to_numpy(float), coords={"group": E.index.to_numpy(str)}).sortby("group"),
        name="funded",
    )
    inv_sum = x.groupby(by_investor).sum()
    m.add_constraints(
        inv_sum == xr.DataArray(e.to_numpy(float), coords={"group": e.index.to_numpy(str)}).sortby("group"),
        name="plan_equity",
    )
    m.add_constraints(x - dp + dm == da(pairs["pro_rata"].to_numpy(float)), name="deviation")
    if floors:
        y = m.add_variables(binary=True, coords=[idx], name="ticket")
        m.add_constraints(x - da(pairs["ub"].to_numpy(float)) * y <= 0, name="ticket_on")
        m.add_constraints(x - da(pairs["floor"].to_numpy(float)) * y >= 0, name="ticket_floor")
    m.add_objective((dp + dm).sum())
    options: dict[str, Any] = {"output_flag": False, "time_limit": _TIME_LIMIT_S}
    if floors:
        options["mip_rel_gap"] = 1e-6
    with quiet_stdout(), quiet_linopy():  # an infeasible probe is expected: floors relaxed next
        _status, term = m.solve(solver_name="highs", io_api="direct", **options)
    if term not in ("optimal", "time_limit", "suboptimal") or x.solution.isnull().all():
        return None
    sol = np.asarray(x.solution.fillna(0.0).values, dtype=float)
    sol = np.where(sol < 1e-9, 0.0, sol)
    pairs["x"] = sol
    return pairs


def _pro_rata_is_feasible(pairs: pd.DataFrame, E: pd.Series, e: pd.Series, floors: bool) -> bool:
    """Whether every investor's pro-rata share of every project is allowed: each (investor,
    project) pair exists (no cap of zero), within its cap and, with ``floors``, at least its
    minimum ticket; and the investors' equity adds up to the projects' (reconciled)."""
    if len(pairs) != len(E) * len(e):
        return False
    total_e, total_E = float(e.sum()), float(E.sum())
    if abs(total_e - total_E) > 1e-9 * max(total_E, 1.0):
        return False
    pr = pairs["pro_rata"].to_numpy(float)
    tol = 1e-9 * max(total_E, 1.0)
    if (pr > pairs["ub"].to_numpy(float) + tol).any():
        return False
    return not (floors and (pr < pairs["floor"].to_numpy(float) - tol).any())


def _groups(
    projects: pd.DataFrame,
    capital: pd.DataFrame,
    caps: pd.DataFrame | None,
) -> list[_Group]:
    by_class, by_project = cap_lookup(caps)
    out: list[_Group] = []
    cap_cols = ["investor", "asset_class", "period", "equity_usd"]
    cap_df = capital[cap_cols] if len(capital) else pd.DataFrame(columns=cap_cols)
    for (a, p), tr in projects.groupby(["asset_class", "period"], sort=True):
        a, p = str(a), int(p)
        E_g = float(tr["equity_usd"].sum())
        rows = cap_df[(cap_df["asset_class"].astype(str) == a) & (cap_df["period"].astype(int) == p)]
        e = rows.groupby(rows["investor"].astype(str))["equity_usd"].sum().astype(float)
        e = e[e > _EQUITY_TOL_USD]
        notes: list[str] = []
        S_g = float(e.sum())
        if S_g > 0 and abs(S_g - E_g) <= _RECONCILE_REL * E_g + _EQUITY_TOL_USD:
            e = e * (E_g / S_g)
        elif S_g < E_g:
            short = E_g - S_g
            notes.append(
                f"{a} {p}: investors' plan equity ${S_g / 1e9:,.3f}B is short of the projects' ${E_g / 1e9:,.3f}B; "
                f"{UNFUNDED} takes ${short / 1e9:,.3f}B"
            )
            e = pd.concat([e, pd.Series({UNFUNDED: short})])
        else:
            notes.append(
                f"{a} {p}: investors' plan equity ${S_g / 1e9:,.3f}B exceeds the projects' ${E_g / 1e9:,.3f}B; scaled down"
            )
            e = e * (E_g / S_g)
        share = pd.DataFrame(1.0, index=e.index, columns=tr["project"].tolist())
        for inv in e.index:
            if inv == UNFUNDED:
                continue
            class_cap = by_class.get((inv, a), (1.0, ""))[0]
            plan_share = float(e[inv]) / E_g
            if plan_share > class_cap * (1 + 1e-9) + 1e-12:
                notes.append(
                    f"{a} {p}: the plan holds {inv} at {plan_share:.4%} of {a} equity, above its cap "
                    f"{class_cap:.4%} ({by_class[(inv, a)][1]}); its cap tables follow the plan"
                )
                class_cap = plan_share
            for proj in tr["project"]:
                share.at[inv, proj] = min(class_cap, by_project.get((inv, str(proj)), (1.0, ""))[0])
        out.append(_Group(a, p, tr[["project", "region", "equity_usd"]].copy(), e, share, tuple(notes)))
    return out


def syndicate(
    plan: Plan,
    scenario: Scenario,
    caps: pd.DataFrame | None,
    *,
    projects: pd.DataFrame | None = None,
) -> Syndication:
    """Split the plan's equity into per-project cap tables (see the module docstring)."""
    projects = plan_projects(plan, scenario) if projects is None else projects
    capital = plan.tables.get("capital", pd.DataFrame())
    notes: list[str] = []
    relaxed: list[tuple[str, int]] = []
    frames: list[pd.DataFrame] = []
    deviation = 0.0
    for g in _groups(projects, capital, caps):
        notes.extend(g.notes)
        sol = _solve_group(g, floors=True)
        if sol is None:
            sol = _solve_group(g, floors=False)
            if sol is not None:
                relaxed.append((g.asset_class, g.period))
                notes.append(
                    f"{g.asset_class} {g.period}: minimum tickets relaxed (no split meets them and the caps)"
                )
        if sol is None:
            raise SyndicationError(_infeasible_message(g))
        sol["asset_class"] = g.asset_class
        sol["period"] = g.period
        sol["cap"] = [
            float(g.share_cap.at[i, p]) for i, p in zip(sol["investor"], sol["project"], strict=True)
        ]
        deviation += float((sol["x"] - sol["pro_rata"]).abs().sum()) * _USD_PER_MUSD
        frames.append(sol)
    if frames:
        sol = pd.concat(frames, ignore_index=True)
        region = projects.set_index(["project", "period"])["region"]
        alloc = pd.DataFrame(
            {
                "project": sol["project"],
                "asset_class": sol["asset_class"],
                "region": [region[(p, q)] for p, q in zip(sol["project"], sol["period"], strict=True)],
                "period": sol["period"].astype(int),
                "investor": sol["investor"],
                "equity_usd": sol["x"] * _USD_PER_MUSD,
                "pro_rata_usd": sol["pro_rata"] * _USD_PER_MUSD,
                "max_share": sol["cap"],
            }
        )
        alloc = alloc[alloc["equity_usd"] > 0].reset_index(drop=True)
    else:
        alloc = pd.DataFrame(columns=ALLOCATION_COLUMNS)
    table = cap_tables(alloc, scenario.investors, caps)
    return Syndication(projects, alloc[ALLOCATION_COLUMNS], table, notes, relaxed, deviation)


def _infeasible_message(g: _Group) -> str:
    E = g.tranches.set_index("project")["equity_usd"]
    lines = [
        f"cannot syndicate {g.asset_class} equity of {g.period} into its {len(E)} projects under the share caps:"
    ]
    for inv, e_i in g.investor_equity.items():
        room = float((g.share_cap.loc[inv] * E).sum())
        if e_i > room * (1 + 1e-9):
            lines.append(
                f"  {inv} must place ${e_i / 1e9:,.3f}B but its caps allow at most ${room / 1e9:,.3f}B"
            )
    for proj, E_t in E.items():
        room = float(np.minimum(g.share_cap[proj] * E_t, g.investor_equity).sum())
        if E_t > room * (1 + 1e-9):
            lines.append(
                f"  {proj} needs ${E_t / 1e9:,.3f}B but the caps let investors fund only ${room / 1e9:,.3f}B"
            )
    if len(lines) == 1:
        lines.append("  no single investor or project explains it; the caps interact across projects")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# cap tables


def governance(equity_pct: pd.Series, takes_board_seats: pd.Series) -> pd.DataFrame:
    """Board seat / observer / information-rights flags from the holding (%), see module docstring."""
    board = (equity_pct >= BOARD_SEAT_MIN_PCT) & takes_board_seats
    observer = (~board) & (equity_pct >= OBSERVER_MIN_PCT)
    info = equity_pct >= INFORMATION_RIGHTS_MIN_PCT
    return pd.DataFrame({"board_seat": board, "observer": observer, "information_rights": info})


def cap_tables(alloc: pd.DataFrame, investors: pd.DataFrame, caps: pd.DataFrame | None) -> pd.DataFrame:
    """Cumulative cap tables after each financing round (see the module docstring)."""
    if not len(alloc):
        return pd.DataFrame(columns=CAP_TABLE_COLUMNS)
    by_class, by_project = cap_lookup(caps)
    inv = investors.set_index(investors["investor"].astype(str))
    rows: list[pd.DataFrame] = []
    for proj, grp in alloc.groupby("project", sort=True):
        rounds = sorted(grp["period"].astype(int).unique())
        for p in rounds:
            upto = grp[grp["period"] <= p]
            cum = upto.groupby("investor")["equity_usd"].sum()
            cum = cum[cum > 0]
            now = grp[grp["period"] == p].groupby("investor")["equity_usd"].sum()
            pro = grp[grp["period"] == p].groupby("investor")["pro_rata_usd"].sum()
            total = float(cum.sum())
            first = grp.iloc[0]
            frame = pd.DataFrame(
                {
                    "project": proj,
                    "asset_class": first["asset_class"],
                    "region": first["region"],
                    "period": p,
                    "investor": cum.index.astype(str),
                    "equity_usd": now.reindex(cum.index).fillna(0.0).to_numpy(float),
                    "cumulative_equity_usd": cum.to_numpy(float),
                    "project_equity_usd": total,
                    "equity_pct": 100.0 * cum.to_numpy(float) / total,
                    "pro_rata_usd": pro.reindex(cum.index).fillna(0.0).to_numpy(float),
                }
            )
            rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    out["economic_pct"] = out["equity_pct"]
    out["voting_pct"] = out["equity_pct"]
    known = out["investor"].isin(inv.index)
    out["name"] = out["investor"].map(inv["name"]).where(known, "not funded (plan shortfall)")
    out["country"] = out["investor"].map(inv["country"]).where(known, "")
    out["investor_type"] = out["investor"].map(inv["investor_type"]).where(known, "")
    out["government_ownership_pct"] = (
        out["investor"].map(inv["government_ownership_pct"]).where(known, 0.0).astype(float)
    )
    takes_seats = out["investor"].map(inv["board_seat"].map(is_true)).where(known, False).astype(bool)
    flags = governance(out["equity_pct"], takes_seats)
    unfunded = ~known
    for col in flags.columns:
        out[col] = flags[col] & ~unfunded
    caps_pct: list[float] = []
    reasons: list[str] = []
    for i, a, pr in zip(out["investor"], out["asset_class"], out["project"], strict=True):
        share, reason = by_class.get((i, a), (1.0, ""))
        ps, pr_reason = by_project.get((i, pr), (1.0, ""))
        if ps < share:
            share, reason = ps, pr_reason
        caps_pct.append(100.0 * share)
        reasons.append(reason)
    out["max_share_pct"] = caps_pct
    out["cap_reason"] = reasons
    return (
        out[CAP_TABLE_COLUMNS]
        .sort_values(["asset_class", "project", "period", "investor"])
        .reset_index(drop=True)
    )


def final_cap_tables(table: pd.DataFrame) -> pd.DataFrame:
    """Each project's cap table after its last round (one row per project and investor)."""
    if not len(table):
        return table
    last = table.groupby("project")["period"].transform("max")
    return table[table["period"] == last].reset_index(drop=True)
