"""Why a plan falls short: each shortfall, the limits that may cause it, ranked by their effect.

A shortfall is an elastic slack in use (the ``violations`` table): an IT target short, a
reserve margin short, equity short, accelerators short or a security cap exceeded. For
each one the diagnosis names the limits that can cause it — the *candidates* — in six
families (plus campus sites):

============  ==========================================  ====================================
family        limit (ModelData field)                     the amount that would close the gap
============  ==========================================  ====================================
turbines      ``turbine_limit_gw`` (national deliveries)  MW more deliveries by a year
capital       ``capital_available_musd`` per investor     USD more committed equity by a year
imports       ``import_limit_million_per_year``           accelerators a year more imports
domestic      ``min_domestic_share`` per period           the domestic-share rule that would do
share_cap     ``max_share`` per investor and class        the share cap that would do
reserve       ``reserve_margin`` per region               the margin that would do (and firm MW)
corridor      ``corridor_fwd_gw`` / ``corridor_rev_gw``   MW more corridor capability
sites         ``campus_max_modules``                      modules more at a campus
============  ==========================================  ====================================

Two methods, and the diagnosis says which gave each number:

1. **Screen and duals** (:func:`screen`, no solve): a limit is a candidate when it holds
   with equality at the plan, in the shortfall's period or before, where it can matter
   (campus regions for an IT target, the short region for a reserve margin; a share cap
   only where the investor has capital left). Its dual from the fixed LP ranks it first
   (``rent``: |dual| x |limit|, $M), and where the shortfall's slack is continuous
   (reserve, equity, accelerators, caps) the dual also estimates the amount:
   shortfall x slack penalty / |dual| (valid while the same limits bind). With the
   integers fixed — as they are in the LP the duals come from — an IT target shortfall
   has no dual link to any limit, so its candidates are ranked by re-solves only.
2. **Re-solves** (:func:`measure`, run by :mod:`stateside.run` after the plan): each
   family is relaxed on its own (every candidate of the family at once, by a large
   amount), the model is rebuilt from the modified ModelData and solved again with the
   integers free (the staged solve of :mod:`stateside.model.solve`: campus modules and
   fabs may change — with them fixed no limit could close an IT target). The share of
   each shortfall that the relaxed plan closes ranks the families; what the relaxed plan
   uses of each limit beyond its original value is *the amount that would close the gap*
   (it does close it: the relaxed plan stays feasible with the limit raised by just that
   amount). Where the limit also binds for cost alone (cheap turbines, cheap imports over
   a corridor) the amount is an upper bound: the relaxed plan may use more than the
   shortfall needs. Re-solves run only when there is a shortfall, once per family, within
   a time budget (:data:`RESOLVE_BUDGET_FACTOR`). When no family closes a shortfall on its
   own, one more re-solve relaxes all of its families together.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from stateside.model.data import ACCELERATORS_PER_MILLION, MW_PER_GW, USD_PER_MUSD, ModelData
from stateside.model.inputs.penalties import (
    PENALTY_CHIPS_MUSD_PER_MILLION,
    PENALTY_EQUITY_MUSD_PER_MUSD,
    PENALTY_SECURITY_MUSD_PER_MUSD,
)
from stateside.scenario.settings import coalition_asset_classes

if TYPE_CHECKING:
    from stateside.model.build import BuiltModel
    from stateside.model.solve import SolveResult
    from stateside.plan import Plan
    from stateside.scenario.settings import SolverSettings

TOL = 1e-6
#: a re-solve that closes less than this share of a shortfall is not named as its cause
MIN_CLOSED_SHARE = 0.05
#: a re-solve that leaves less than this share of a shortfall open closes it
CLOSED = 0.995
#: how far each family is relaxed (model units): large against any plan, small for numerics
RELAX_TURBINE_GW = 1e3
RELAX_CAPITAL_MUSD = 1e6
RELAX_IMPORT_MILLION_PER_YEAR = 1e3
RELAX_CORRIDOR_GW = 1e3
RELAX_SITE_MODULES = 1e3
#: corridors relaxed at most (highest rent first)
MAX_CORRIDORS = 6
#: the re-solves together may take this many times the plan's own solve (at least MIN_BUDGET_S)
RESOLVE_BUDGET_FACTOR = 2.0
MIN_BUDGET_S = 90.0

#: the order of the re-solves (and of ties in the ranking): full campus sites first (a hard
#: cap on IT), then money, equipment and rules, then the grid
FAMILY_ORDER = ("sites", "capital", "turbines", "imports", "domestic", "share_cap", "reserve", "corridor")
#: which families can cause which shortfall kind
FAMILIES_FOR = {
    "it_target": FAMILY_ORDER,
    "equity": ("capital", "share_cap"),
    "accelerators": ("imports", "domestic"),
    "security_cap": ("capital", "share_cap"),
    "reserve_margin": ("turbines", "corridor"),
}
FAMILY_LABEL = {
    "capital": "committed equity",
    "turbines": "gas-turbine deliveries",
    "imports": "accelerator imports",
    "domestic": "the domestic-share rule for accelerators",
    "share_cap": "share caps",
    "reserve": "the reserve margin",
    "corridor": "corridor capability",
    "sites": "campus sites",
}


@dataclass
class Amount:
    """How much more of one limit the relaxed plan uses (user units)."""

    what: str  # the limit, in words ("sponsor's committed equity", "AR-LA capability")
    period: int | None
    value: float
    unit: str  # "USD", "MW", "accelerators/yr", "share", "modules", "margin"
    text: str  # plain words: "+$3.0B by 2032"
    verify: dict[str, Any] = field(default_factory=dict)  # machine-readable: the limit and its new value


@dataclass
class Candidate:
    """One family of limits that holds at the plan where it could cause a shortfall."""

    family: str
    items: list[str]  # the limits of the family that hold (investors, periods, corridors ...)
    limit_text: str  # the limits in words
    rent_musd: float = 0.0  # sum of |dual| x |limit| over the items (the dual ranking)
    dual_estimate: Amount | None = None
    closed_share: float | None = None  # re-solve: share of the shortfall closed
    amounts: list[Amount] = field(default_factory=list)
    method: str = "screen"  # "screen" (holds at the plan), "dual", "re-solve"
    note: str = ""

    def effect_text(self) -> str:
        label = FAMILY_LABEL[self.family]
        if self.method == "re-solve" and self.closed_share is not None:
            if self.closed_share < MIN_CLOSED_SHARE:
                return f"{label} ({self.limit_text}): relaxing it closes none of the gap [re-solve]"
            how = (
                "would close it"
                if self.closed_share >= CLOSED
                else f"would close {self.closed_share:.0%} of it"
            )
            amounts = "; ".join(a.text for a in self.amounts) or "no more than the limit"
            return f"{label} — {amounts} {how} [re-solve]"
        if self.dual_estimate is not None:
            return f"{label} ({self.limit_text}) — about {self.dual_estimate.text} would close it [dual estimate]"
        return f"{label} ({self.limit_text})" + (f" [{self.note}]" if self.note else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "label": FAMILY_LABEL[self.family],
            "limits": self.items,
            "limit_text": self.limit_text,
            "method": self.method,
            "closed_share": self.closed_share,
            "amounts": [dataclasses.asdict(a) for a in self.amounts],
            "dual_estimate": dataclasses.asdict(self.dual_estimate) if self.dual_estimate else None,
            "rent_usd": self.rent_musd * USD_PER_MUSD,
            "note": self.note,
            "text": self.effect_text(),
        }


@dataclass
class Shortfall:
    kind: str
    period: int
    where: str
    amount: float  # user units
    unit: str
    headline: str
    candidates: list[Candidate] = field(default_factory=list)
    together_share: float | None = None  # re-solve with every candidate family relaxed at once
    together_amounts: list[Amount] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.kind, self.period, self.where)

    def ranked(self) -> list[Candidate]:
        def order(c: Candidate) -> tuple[float, float, float, int]:
            measured = c.closed_share if c.closed_share is not None else -1.0
            has_dual = 1.0 if c.dual_estimate is not None else 0.0
            return (-measured, -has_dual, -c.rent_musd, FAMILY_ORDER.index(c.family))

        return sorted(self.candidates, key=order)

    def named(self) -> list[Candidate]:
        """The top one or two causes: measured ones that close some of the gap, else the
        first two of the screen."""
        ranked = self.ranked()
        closing = [c for c in ranked if (c.closed_share or 0.0) >= MIN_CLOSED_SHARE]
        if closing:
            return closing[:2]
        # nothing measured closes any of it: the candidates not measured (none re-solved,
        # or the time budget ran out before them), if any
        return [c for c in ranked if c.closed_share is None][:2]

    def sentence(self, explain: bool = False) -> str:
        shown = self.ranked() if explain else self.named()
        text = self.headline
        if not self.candidates:
            return text + ("; no limit of the plan holds where it could cause it" if explain else "")
        if not shown and self.together_share is not None:
            return text + "; no single limit closes it; " + self.together_text()
        if not shown:
            return text + (
                "; no single limit closes it when relaxed alone (several together, or a limit "
                "the diagnosis does not relax: lead times, build limits, earliest years)"
            )
        parts = [c.effect_text() for c in shown]
        measured = shown[0].closed_share is not None
        lead = ": mainly " if measured else "; limits that hold at the plan (effect not measured): "
        text += lead + parts[0] + "".join(f"; then {p}" for p in parts[1:])
        if self.together_share is not None:
            text += "; " + self.together_text()
        rest = len(self.candidates) - len(shown)
        if rest > 0 and not explain:
            text += f" (+{rest} more with --explain)"
        return text

    def together_text(self) -> str:
        share = self.together_share or 0.0
        how = "would close it" if share >= CLOSED else f"would close {share:.0%} of it"
        amounts = [a.text for a in self.together_amounts]
        listed = "; ".join(amounts[:4]) + (f"; and {len(amounts) - 4} more" if len(amounts) > 4 else "")
        return f"all of them together — {listed or 'no more than the limits'} — {how} [re-solve]"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "period": self.period,
            "where": self.where,
            "amount": self.amount,
            "unit": self.unit,
            "headline": self.headline,
            "summary": self.sentence(),
            "explained": self.sentence(explain=True),
            "named": [c.family for c in self.named()],
            "together": None
            if self.together_share is None
            else {
                "closed_share": self.together_share,
                "amounts": [dataclasses.asdict(a) for a in self.together_amounts],
                "text": self.together_text(),
            },
            "candidates": [c.as_dict() for c in self.ranked()],
        }


# ---------------------------------------------------------------- formatting


def fmt_usd(x: float) -> str:
    if abs(x) >= 1e9:
        return f"${x / 1e9:,.1f}B"
    return f"${x / 1e6:,.0f}M"


def _years(p: int | None) -> str:
    return f" by {p}" if p is not None else ""


# ---------------------------------------------------------------- reading a solved model


def _sol(m: linopy.Model, name: str) -> xr.DataArray | None:
    if name not in m.variables:
        return None
    return m.variables[name].solution.fillna(0.0)


def _dual(m: linopy.Model, name: str) -> xr.DataArray | None:
    if name not in m.constraints:
        return None
    try:
        dual = m.constraints[name].dual
    except (AttributeError, KeyError, ValueError):
        return None
    if dual is None:
        return None
    return dual.fillna(0.0)


def _rent(m: linopy.Model, name: str, sel: dict[str, Any]) -> float:
    """sum |dual| x |rhs| over the selected rows ($M)."""
    dual = _dual(m, name)
    if dual is None:
        return 0.0
    rhs = m.constraints[name].rhs
    sub = {k: v for k, v in sel.items() if k in dual.dims}
    return float((abs(dual.sel(sub)) * abs(rhs.sel(sub))).sum())


def _dual_at(m: linopy.Model, name: str, sel: dict[str, Any]) -> float:
    dual = _dual(m, name)
    if dual is None:
        return 0.0
    sub = {k: v for k, v in sel.items() if k in dual.dims}
    return float(abs(dual.sel(sub)).max()) if dual.sel(sub).size else 0.0


def _upto(d: ModelData, period: int) -> list[int]:
    return [int(p) for p in d.periods if int(p) <= period]


def _campus_regions(d: ModelData) -> list[str]:
    regs: list[str] = []
    if d.has_campuses:
        regs += [str(r) for r in d.campus_region.values]
    if d.has_fabs:
        regs += [str(r) for r in d.fab_region.values]
    return list(dict.fromkeys(regs))


# ---------------------------------------------------------------- the screen


def _lump_gw(d: ModelData, s: Shortfall) -> float:
    """For an IT target: the grid GW at peak one more module needs (modules are whole,
    so a limit with less than this left holds the plan as surely as one used up)."""
    if s.kind != "it_target" or not d.has_campuses:
        return 0.0
    return float((d.campus_module_gw * d.campus_peak_factor).max()) * (1.0 + float(d.reserve_margin.max()))


def _lump_equity_musd(d: ModelData, s: Shortfall) -> float:
    """For an IT target: the equity of the cheapest module ($M)."""
    if s.kind != "it_target" or not d.has_campuses:
        return 0.0
    dc = 1.0 - float(d.debt_share.sel(asset_class="datacenter")) if "datacenter" in d.asset_classes else 1.0
    per_gw = d.campus_capex_musd_per_gw * dc
    if d.it_coalition and "it_equipment" in d.asset_classes:
        it = d.it_rest_musd_per_gw + d.accelerators_million_per_gw * d.accelerator_price_musd_per_million
        per_gw = per_gw + it * (1.0 - float(d.debt_share.sel(asset_class="it_equipment")))
    return float((d.campus_module_gw * per_gw).min())


def _lump_chips_million(d: ModelData, s: Shortfall) -> float:
    if s.kind != "it_target" or not d.has_campuses:
        return 0.0
    return float(d.campus_module_gw.max()) * d.accelerators_million_per_gw


def shortfalls(d: ModelData, violations: pd.DataFrame) -> list[Shortfall]:
    out: list[Shortfall] = []
    for row in violations.itertuples():
        p, kind, where, amount = int(row.period), str(row.kind), str(row.where), float(row.amount)
        if kind == "it_target":
            target = float(d.it_target_gw.sel(period=p)) * MW_PER_GW
            head = (
                f"{p} IT target short by {amount:,.0f} MW (target {target:,.0f} MW, "
                f"online {target - amount:,.0f} MW)"
            )
        elif kind == "reserve_margin":
            rho = float(d.reserve_margin.sel(region=where))
            need = (1 + rho) * float(d.peak_gw.sel(region=where, period=p)) * MW_PER_GW
            head = (
                f"reserve margin in {where} short by {amount:,.0f} MW in {p} (background requirement "
                f"{need:,.0f} MW before campuses and fabs; margin {rho:.1%})"
            )
        elif kind == "equity":
            head = f"{p} {where} equity short by {fmt_usd(amount)}: committed capital does not cover it"
        elif kind == "accelerators":
            head = (
                f"{p} accelerators short by {amount:,.0f}: fab output, imports and the domestic-share "
                "rule cannot supply the new campuses"
            )
        elif kind == "security_cap":
            inv, cls = where.split("/")
            reason = d.max_share_reason.get((inv, cls), "share cap")
            cap = float(d.max_share.sel(investor=inv, asset_class=cls))
            head = (
                f"{p} {inv} would hold {fmt_usd(amount)} of {cls} equity above its {cap:.1%} cap "
                f"({reason}); no other investor can take it"
            )
        else:
            head = f"{p} {kind} short by {amount:,.4g} {row.unit} ({where})"
        out.append(Shortfall(kind, p, where, amount, str(row.unit), head))
    return out


def screen(m: linopy.Model, d: ModelData, violations: pd.DataFrame) -> list[Shortfall]:
    """Each shortfall with the candidate limits that hold at the plan (no solve)."""
    out = shortfalls(d, violations)
    for s in out:
        for fam in FAMILIES_FOR.get(s.kind, ()):
            cand = _SCREENS[fam](m, d, s)
            if cand is not None:
                _dual_estimate(m, d, s, cand)
                s.candidates.append(cand)
    return out


def _screen_turbines(m: linopy.Model, d: ModelData, s: Shortfall) -> Candidate | None:
    if d.turbine_limit_gw is None or "turbine_supply" not in m.constraints:
        return None
    build = _sol(m, "build")
    assert build is not None
    techs = d.technologies[d.uses_turbine.values]
    built = build.sel(technology=techs).sum(["technology", "region"])
    lump = _lump_gw(d, s)
    held = [
        p
        for p in _upto(d, s.period)
        if float(built.sel(period=p)) >= float(d.turbine_limit_gw.sel(period=p)) - lump - TOL
    ]
    if not held:
        return None
    text = ", ".join(f"{float(d.turbine_limit_gw.sel(period=p)) * MW_PER_GW:,.0f} MW by {p}" for p in held)
    rent = sum(_rent(m, "turbine_supply", {"period": p}) for p in held)
    return Candidate("turbines", [str(p) for p in held], text, rent)


def _capital_left(m: linopy.Model, d: ModelData) -> xr.DataArray | None:
    eq = _sol(m, "equity")
    if eq is None:
        return None
    used = eq.sum("asset_class").cumsum("period")
    return (d.capital_available_musd.cumsum("period") - used).transpose("investor", "period")


def _screen_capital(m: linopy.Model, d: ModelData, s: Shortfall) -> Candidate | None:
    left = _capital_left(m, d)
    if left is None:
        return None
    periods = _upto(d, s.period)
    lump = _lump_equity_musd(d, s)
    committed = d.capital_available_musd.sel(period=periods).sum("period")
    held = [
        str(i)
        for i in d.investors
        if float(committed.sel(investor=i)) > TOL  # an investor with nothing committed is no limit
        and float(left.sel(investor=i, period=periods).min()) <= lump + TOL * 10
    ]
    if not held:
        return None
    rent = sum(_rent(m, "capital_available", {"investor": i, "period": periods}) for i in held)
    text = (
        ", ".join(held[:6])
        + (f" and {len(held) - 6} more" if len(held) > 6 else "")
        + (" fully committed" if lump <= 0 else " with less left than one more module needs")
    )
    return Candidate("capital", held, text, rent)


def _screen_imports(m: linopy.Model, d: ModelData, s: Shortfall) -> Candidate | None:
    imp = _sol(m, "chips_import")
    if imp is None:
        return None
    need = _need(m, d)
    held = [
        p
        for p in _upto(d, s.period)
        if float(imp.sel(period=p))
        >= d.import_limit_million_per_year * float(d.period_gap_years.sel(period=p))
        - _lump_chips_million(d, s)
        - TOL
        and (need is None or float(need.sel(period=p)) > TOL)
    ]
    if not held:
        return None
    text = (
        f"{d.import_limit_million_per_year * ACCELERATORS_PER_MILLION:,.0f} a year, reached in "
        + ", ".join(map(str, held))
    )
    rent = sum(_rent(m, "chips_balance", {"period": p}) for p in held)
    return Candidate("imports", [str(p) for p in held], text, rent)


def _need(m: linopy.Model, d: ModelData) -> xr.DataArray | None:
    if "chips_balance" not in m.constraints:
        return None
    con = m.constraints["chips_balance"]
    dom, imp, short = _sol(m, "chips_domestic"), _sol(m, "chips_import"), _sol(m, "chips_short")
    assert dom is not None and imp is not None and short is not None
    # chips_balance: dom + imp + short - need >= 0 (its slack does not depend on where
    # linopy puts constants)
    return dom + imp + short - (con.lhs.solution.fillna(0.0) - con.rhs)


def _screen_domestic(m: linopy.Model, d: ModelData, s: Shortfall) -> Candidate | None:
    if "chips_domestic_share" not in m.constraints:
        return None
    con = m.constraints["chips_domestic_share"]
    slack = con.lhs.solution.fillna(0.0) - con.rhs
    held = [
        p
        for p in _upto(d, s.period)
        if float(d.min_domestic_share.sel(period=p)) > 0
        and float(slack.sel(period=p)) <= _lump_chips_million(d, s) + TOL
    ]
    if not held:
        return None
    text = ", ".join(f"{float(d.min_domestic_share.sel(period=p)):.0%} in {p}" for p in held)
    rent = sum(_rent(m, "chips_domestic_share", {"period": p}) for p in held)
    return Candidate("domestic", [str(p) for p in held], text, rent)


def _screen_share_cap(m: linopy.Model, d: ModelData, s: Shortfall) -> Candidate | None:
    eq = _sol(m, "equity")
    left = _capital_left(m, d)
    if eq is None or left is None or "share_cap" not in m.constraints:
        return None
    owned = coalition_asset_classes(d.settings.finance)
    total = eq.sum("investor")
    periods = _upto(d, s.period)
    held: list[str] = []
    texts: list[str] = []
    rent = 0.0
    for i in d.investors:
        for a in d.asset_classes:
            cap = float(d.max_share.sel(investor=i, asset_class=a))
            if cap >= 1.0 or a not in owned:
                continue
            if s.kind == "security_cap" and s.where != f"{i}/{a}":
                continue
            for p in periods:
                at_cap = (
                    float(eq.sel(investor=i, asset_class=a, period=p))
                    >= cap * float(total.sel(asset_class=a, period=p)) - TOL * 10
                )
                if at_cap and float(left.sel(investor=i, period=p)) > TOL * 10:
                    held.append(f"{i}/{a}")
                    reason = d.max_share_reason.get((str(i), str(a)), "share cap")
                    texts.append(f"{i} on {a} at {cap:.0%} ({reason})")
                    rent += _rent(m, "share_cap", {"investor": i, "asset_class": a, "period": periods})
                    break
    if not held:
        return None
    text = "; ".join(texts[:4]) + (f"; {len(texts) - 4} more" if len(texts) > 4 else "")
    return Candidate("share_cap", held, text, rent)


def _firm(m: linopy.Model, built_expr: Any, d: ModelData) -> tuple[xr.DataArray, xr.DataArray] | None:
    """(firm capacity, load at peak) per region and period (GW) at the solution."""
    if "reserve_margin" not in m.constraints:
        return None
    con = m.constraints["reserve_margin"]
    factor = 1.0 + d.reserve_margin
    short = _sol(m, "reserve_short")
    assert short is not None
    extra = xr.zeros_like(d.peak_gw)
    if built_expr is not None and built_expr.campus_peak is not None:
        extra = extra + built_expr.campus_peak.solution.fillna(0.0)
    if built_expr is not None and built_expr.fab_load is not None:
        extra = extra + built_expr.fab_load.solution.fillna(0.0)
    # firm + short - factor * (peak + extra) >= 0; linopy keeps constants (the existing
    # fleet, the background peak) on the right, so read the slack, which does not depend on that
    slack = con.lhs.solution.fillna(0.0) - con.rhs
    firm = slack - short + factor * (d.peak_gw + extra)
    return firm.transpose("region", "period"), (d.peak_gw + extra).transpose("region", "period")


def _screen_reserve(m: linopy.Model, d: ModelData, s: Shortfall) -> Candidate | None:
    if "reserve_margin" not in m.constraints:
        return None
    con = m.constraints["reserve_margin"]
    slack = (con.lhs.solution.fillna(0.0) - con.rhs).transpose("region", "period")
    periods = _upto(d, s.period)
    lump = _lump_gw(d, s)
    held = [
        r
        for r in _campus_regions(d)
        if float(d.reserve_margin.sel(region=r)) > 0
        and float(slack.sel(region=r, period=periods).min()) <= lump + TOL * 10
    ]
    if not held:
        return None
    text = ", ".join(f"{r} {float(d.reserve_margin.sel(region=r)):.0%}" for r in held)
    rent = sum(_rent(m, "reserve_margin", {"region": r, "period": periods}) for r in held)
    return Candidate("reserve", held, text, rent)


_FLOW_LIMITS = (
    "flow_forward_limit",
    "flow_reverse_limit",
    "flow_forward_peak_limit",
    "flow_reverse_peak_limit",
)
_FIRM_LIMITS = ("firm_forward_limit", "firm_reverse_limit")


def _corridor_limits(m: linopy.Model) -> list[tuple[xr.DataArray, xr.DataArray, xr.DataArray]]:
    """For each flow and firm limit on corridors: the least slack of a valid row, the
    largest |dual| and the rent sum |dual| x |rhs|, each by (corridor, period) — one
    evaluation of every constraint (per corridor it took seconds per shortfall)."""
    out: list[tuple[xr.DataArray, xr.DataArray, xr.DataArray]] = []
    for name in (*_FLOW_LIMITS, *_FIRM_LIMITS):
        if name not in m.constraints:
            continue
        con = m.constraints[name]
        if "corridor" not in con.labels.dims:
            continue
        keep = [dim for dim in ("corridor", "period") if dim in con.labels.dims]
        other = [dim for dim in con.labels.dims if dim not in keep]
        valid = con.labels >= 0
        slack = abs(con.rhs - con.lhs.solution).where(valid, np.inf)
        dual = _dual(m, name)
        dual = abs(dual) if dual is not None else xr.zeros_like(slack)
        out.append(
            (
                slack.min(other) if other else slack,
                dual.max(other) if other else dual,
                (dual * abs(con.rhs)).where(valid, 0.0).sum(other) if other else dual * abs(con.rhs),
            )
        )
    return out


def _screen_corridor(m: linopy.Model, d: ModelData, s: Shortfall) -> Candidate | None:
    if not len(d.corridors):
        return None
    regions = [s.where] if s.kind == "reserve_margin" else _campus_regions(d)
    periods = _upto(d, s.period)
    lump = _lump_gw(d, s)
    limits = _corridor_limits(m)
    ends_from = [str(v) for v in d.corridor_from.values]
    ends_to = [str(v) for v in d.corridor_to.values]
    scored: list[tuple[float, str]] = []
    for i, c in enumerate(d.corridors.values):
        if not {ends_from[i], ends_to[i]} & set(regions):
            continue
        held = False
        rent = 0.0
        for slack, dual, rents in limits:
            sub = {k: v for k, v in (("corridor", c), ("period", periods)) if k in slack.dims}
            if bool((slack.sel(sub) <= lump + TOL * 10).any()) or (
                dual.sel(sub).size and float(dual.sel(sub).max()) > TOL
            ):
                held = True
            rent += float(rents.sel(sub).sum())
        if held:
            scored.append((rent, str(c)))
    if not scored:
        return None
    scored.sort(key=lambda x: -x[0])
    chosen = [c for _, c in scored[:MAX_CORRIDORS]]
    text = ", ".join(chosen) + (f" and {len(scored) - len(chosen)} more" if len(scored) > len(chosen) else "")
    return Candidate("corridor", chosen, text, sum(r for r, _ in scored[:MAX_CORRIDORS]))


def _screen_sites(m: linopy.Model, d: ModelData, s: Shortfall) -> Candidate | None:
    n = _sol(m, "modules")
    if n is None or s.kind != "it_target":
        return None
    total = n.sum("period")
    allowed = d.campus_allowed.sel(period=_upto(d, s.period)).any("period")
    full = [
        str(k)
        for k in d.campuses
        if bool(allowed.sel(campus=k))
        and float(total.sel(campus=k)) >= float(d.campus_max_modules.sel(campus=k)) - TOL
    ]
    if not full:
        return None
    text = f"all modules used at {', '.join(full[:5])}" + (" …" if len(full) > 5 else "")
    return Candidate("sites", full, text, _rent(m, "campus_site_limit", {"campus": full}))


_SCREENS = {
    "turbines": _screen_turbines,
    "capital": _screen_capital,
    "imports": _screen_imports,
    "domestic": _screen_domestic,
    "share_cap": _screen_share_cap,
    "reserve": _screen_reserve,
    "corridor": _screen_corridor,
    "sites": _screen_sites,
}

#: penalty of each continuous shortfall slack, $M per model unit (target_short has no dual
#: link to any limit once the integers are fixed)
_PENALTY = {
    "equity": PENALTY_EQUITY_MUSD_PER_MUSD,
    "accelerators": PENALTY_CHIPS_MUSD_PER_MILLION,
    "security_cap": PENALTY_SECURITY_MUSD_PER_MUSD,
}
_TO_MODEL = {"MW": 1 / MW_PER_GW, "USD": 1 / USD_PER_MUSD, "accelerators": 1 / ACCELERATORS_PER_MILLION}
_CONSTRAINT = {
    "turbines": ("turbine_supply", "MW", MW_PER_GW),
    "capital": ("capital_available", "USD", USD_PER_MUSD),
    "imports": ("chips_balance", "accelerators", ACCELERATORS_PER_MILLION),
    "domestic": ("chips_domestic_share", "accelerators", ACCELERATORS_PER_MILLION),
    "reserve": ("reserve_margin", "MW", MW_PER_GW),
    "corridor": ("firm_forward_limit", "MW", MW_PER_GW),
}


def _dual_estimate(m: linopy.Model, d: ModelData, s: Shortfall, c: Candidate) -> None:
    """amount ≈ shortfall x penalty / |dual| for continuous slacks (see module doc)."""
    if c.family not in _CONSTRAINT:
        return
    if s.kind == "reserve_margin":
        penalty = float(d.reserve_penalty_musd_per_gw.sel(region=s.where, period=s.period))
    elif s.kind in _PENALTY:
        penalty = _PENALTY[s.kind]
    else:
        return
    name, unit, scale = _CONSTRAINT[c.family]
    periods = _upto(d, s.period)
    duals = []
    for item in c.items:
        sel: dict[str, Any] = {"period": periods}
        if c.family == "capital":
            sel["investor"] = item
        elif c.family == "corridor":
            sel["corridor"] = item
        elif c.family == "reserve":
            sel["region"] = item
        names = _FIRM_LIMITS if c.family == "corridor" else (name,)
        duals.append(max(_dual_at(m, n, sel) for n in names))
    lam = max(duals) if duals else 0.0
    if lam <= TOL:
        return
    short_model = s.amount * _TO_MODEL.get(s.unit, 1.0)
    value = short_model * penalty / lam * scale
    if c.family == "corridor":  # the firm limits' right-hand side is phi x capability
        value /= max(d.firm_import_share, 1e-9)
    text = fmt_usd(value) if unit == "USD" else f"+{value:,.0f} {unit}"
    c.dual_estimate = Amount(FAMILY_LABEL[c.family], s.period, value, unit, text)
    c.method = "dual"


# ---------------------------------------------------------------- re-solves


def relax(d: ModelData, family: str, items: list[str]) -> ModelData:
    """ModelData with one family of limits relaxed (see the module table)."""
    if family == "turbines":
        assert d.turbine_limit_gw is not None
        add = xr.zeros_like(d.turbine_limit_gw)
        add.loc[{"period": [int(p) for p in items]}] = RELAX_TURBINE_GW
        return dataclasses.replace(d, turbine_limit_gw=d.turbine_limit_gw + add)
    if family == "capital":
        cap = d.capital_available_musd.copy()
        first = d.periods[0]
        for i in items:
            cap.loc[{"investor": i, "period": first}] = (
                float(cap.sel(investor=i, period=first)) + RELAX_CAPITAL_MUSD
            )
        return dataclasses.replace(d, capital_available_musd=cap)
    if family == "imports":
        return dataclasses.replace(
            d, import_limit_million_per_year=d.import_limit_million_per_year + RELAX_IMPORT_MILLION_PER_YEAR
        )
    if family == "domestic":
        share = d.min_domestic_share.copy()
        share.loc[{"period": [int(p) for p in items]}] = 0.0
        return dataclasses.replace(d, min_domestic_share=share)
    if family == "share_cap":
        caps = d.max_share.copy()
        for key in items:
            inv, cls = key.split("/")
            caps.loc[{"investor": inv, "asset_class": cls}] = 1.0
        return dataclasses.replace(d, max_share=caps)
    if family == "reserve":
        rho = d.reserve_margin.copy()
        rho.loc[{"region": items}] = 0.0
        return dataclasses.replace(d, reserve_margin=rho)
    if family == "corridor":
        fwd, rev = d.corridor_fwd_gw.copy(), d.corridor_rev_gw.copy()
        fwd.loc[{"corridor": items}] = fwd.sel(corridor=items) + RELAX_CORRIDOR_GW
        rev.loc[{"corridor": items}] = rev.sel(corridor=items) + RELAX_CORRIDOR_GW
        return dataclasses.replace(d, corridor_fwd_gw=fwd, corridor_rev_gw=rev)
    if family == "sites":
        mx = d.campus_max_modules.copy()
        mx.loc[{"campus": items}] = mx.sel(campus=items) + RELAX_SITE_MODULES
        return dataclasses.replace(d, campus_max_modules=mx)
    raise ValueError(f"unknown family {family!r}")


def _amounts(family: str, items: list[str], d: ModelData, built: BuiltModel) -> list[Amount]:
    """What the relaxed plan (built, solved) uses of each limit beyond the original d."""
    m, e = built.model, built.expressions
    out: list[Amount] = []
    if family == "turbines":
        assert d.turbine_limit_gw is not None
        build = _sol(m, "build")
        assert build is not None
        techs = d.technologies[d.uses_turbine.values]
        used = build.sel(technology=techs).sum(["technology", "region"])
        for p in items:
            extra = (
                float(used.sel(period=int(p))) - float(d.turbine_limit_gw.sel(period=int(p)))
            ) * MW_PER_GW
            if extra > 1e-3:
                gap = float(d.period_gap_years.sel(period=int(p)))
                out.append(
                    Amount(
                        "gas-turbine deliveries",
                        int(p),
                        extra,
                        "MW",
                        f"+{extra:,.0f} MW of gas-turbine deliveries by {p} (+{extra / gap:,.0f} MW a year)",
                        {"turbine_supply_mw_per_year_increase": extra / gap},
                    )
                )
    elif family == "capital":
        eq = _sol(m, "equity")
        assert eq is not None
        over = (
            eq.sum("asset_class").cumsum("period") - d.capital_available_musd.cumsum("period")
        ) * USD_PER_MUSD
        for i in items:
            row = over.sel(investor=i)
            if float(row.max()) > 1e3:
                first = int(row["period"].values[int(np.argmax(row.values > 1e3))])
                value = float(row.max())
                out.append(
                    Amount(
                        f"{i}'s committed equity",
                        first,
                        value,
                        "USD",
                        f"about {fmt_usd(value)} more committed equity from {i} by {first}",
                        {"investor": i, "year": first, "amount_usd": value},
                    )
                )
        if len(out) > 1:
            total = sum(a.value for a in out)
            first = min(a.period or 0 for a in out)
            out.insert(
                0,
                Amount(
                    "committed equity",
                    first,
                    total,
                    "USD",
                    f"about {fmt_usd(total)} more committed equity by {first}",
                ),
            )
    elif family == "imports":
        imp = _sol(m, "chips_import")
        assert imp is not None
        per_year = (imp / d.period_gap_years - d.import_limit_million_per_year) * ACCELERATORS_PER_MILLION
        value = float(per_year.max())
        if value > 0.5:
            year = int(per_year["period"].values[int(np.argmax(per_year.values))])
            out.append(
                Amount(
                    "accelerator imports",
                    year,
                    value,
                    "accelerators/yr",
                    f"+{value:,.0f} accelerators a year of imports (in {year})",
                    {"import_limit_per_year_increase": value},
                )
            )
    elif family == "domestic":
        dom, imp = _sol(m, "chips_domestic"), _sol(m, "chips_import")
        assert dom is not None and imp is not None
        for p in items:
            bought = float(dom.sel(period=int(p)) + imp.sel(period=int(p)))
            rule = float(d.min_domestic_share.sel(period=int(p)))
            share = float(dom.sel(period=int(p))) / bought if bought > TOL else rule
            if share < rule - 1e-4:
                shown = math.floor(share * 1000) / 1000
                out.append(
                    Amount(
                        "domestic share",
                        int(p),
                        shown,
                        "share",
                        f"a domestic share of {shown:.1%} instead of {rule:.0%} in {p}",
                        {"period": int(p), "min_domestic_share": shown},
                    )
                )
    elif family == "share_cap":
        eq = _sol(m, "equity")
        assert eq is not None
        class_total = eq.sum("investor")
        # The LP is indifferent to how equity is split, so the relaxed plan may put a whole
        # class on one investor. The cap an investor needs is what the others cannot take at
        # their own (original) caps with the capital they have left from that period on.
        spare_now = (
            d.capital_available_musd.cumsum("period") - eq.sum("asset_class").cumsum("period")
        ).transpose("investor", "period")
        spare_from = spare_now.copy(
            data=np.minimum.accumulate(spare_now.values[:, ::-1], axis=1)[:, ::-1]
        ).clip(min=0.0)
        for key in items:
            inv, cls = key.split("/")
            e_i = eq.sel(investor=inv, asset_class=cls)
            t = class_total.sel(asset_class=cls)
            used_share = float((e_i / t.where(t > TOL)).max(skipna=True).fillna(0.0))
            others = [j for j in d.investors if str(j) != inv]
            room_others = sum(
                (
                    xr.apply_ufunc(
                        np.minimum,
                        float(d.max_share.sel(investor=j, asset_class=cls)) * t,
                        eq.sel(investor=j, asset_class=cls) + spare_from.sel(investor=j),
                    )
                    for j in others
                ),
                xr.zeros_like(t),
            )
            need_share = float(
                ((t - room_others).clip(min=0.0) / t.where(t > TOL)).max(skipna=True).fillna(0.0)
            )
            share = min(max(need_share, 0.0), used_share)
            cap = float(d.max_share.sel(investor=inv, asset_class=cls))
            if share > cap + 1e-4:
                shown = math.ceil(share * 1000) / 1000
                out.append(
                    Amount(
                        f"{inv}'s cap on {cls}",
                        None,
                        shown,
                        "share",
                        f"a cap of {shown:.1%} for {inv} on {cls} instead of {cap:.1%}",
                        {"investor": inv, "asset_class": cls, "max_share": shown},
                    )
                )
    elif family == "reserve":
        got = _firm(m, e, built.data)  # margin relaxed to 0 in built.data
        if got is not None:
            firm, load = got
            for r in items:
                rho = float(d.reserve_margin.sel(region=r))
                has_load = load.sel(region=r) > TOL
                margin = (firm.sel(region=r) / load.sel(region=r).where(has_load) - 1.0).min(skipna=True)
                short_mw = float(((1 + rho) * load.sel(region=r) - firm.sel(region=r)).max()) * MW_PER_GW
                if short_mw > 1e-3 and bool(np.isfinite(margin)):
                    shown = max(math.floor(float(margin) * 1000) / 1000, 0.0)
                    out.append(
                        Amount(
                            f"reserve margin in {r}",
                            None,
                            shown,
                            "margin",
                            f"a reserve margin of {shown:.1%} in {r} instead of {rho:.0%} "
                            f"(or +{short_mw:,.0f} MW of accredited firm capacity there)",
                            {"region": r, "reserve_margin": shown, "firm_mw": short_mw},
                        )
                    )
    elif family == "corridor":
        flow = _sol(m, "flow")
        x: xr.DataArray | None = (
            e.corridor_expansion.solution.fillna(0.0) if e.corridor_expansion is not None else None
        )
        fwd, rev = _sol(m, "firm_forward"), _sol(m, "firm_reverse")
        assert flow is not None and fwd is not None and rev is not None
        peak = d.peak_snapshot
        phi = max(d.firm_import_share, 1e-9)
        # Firm capacity lent costs nothing, so the relaxed LP may lend far more than the
        # receiving region needs: lend only what it needs (its reserve slack is given back,
        # corridor by corridor), then size the capability for that and the energy flows.
        surplus: xr.DataArray | None = None
        if "reserve_margin" in m.constraints:
            con = m.constraints["reserve_margin"]
            surplus = (
                (con.lhs.solution.fillna(0.0) - con.rhs).clip(min=0.0).transpose("region", "period").copy()
            )

        def needed(lent: xr.DataArray, region: str) -> xr.DataArray:
            if surplus is None:
                return lent
            spare = surplus.sel(region=region)
            keep = (lent - spare).clip(min=0.0)
            surplus.loc[{"region": region}] = spare - (lent - keep)
            return keep

        for c in items:
            f = flow.sel(corridor=c)
            xc: xr.DataArray | float = x.sel(corridor=c) if x is not None else 0.0
            fwd_c = needed(fwd.sel(corridor=c), str(d.corridor_to.sel(corridor=c).item()))
            rev_c = needed(rev.sel(corridor=c), str(d.corridor_from.sel(corridor=c).item()))
            need_f = xr.concat([(f + fwd_c * peak).max(["day", "step"]), fwd_c / phi], "k").max("k") - xc
            need_r = xr.concat([(-f + rev_c * peak).max(["day", "step"]), rev_c / phi], "k").max("k") - xc
            extra_f = float((need_f - d.corridor_fwd_gw.sel(corridor=c)).max()) * MW_PER_GW
            extra_r = float((need_r - d.corridor_rev_gw.sel(corridor=c)).max()) * MW_PER_GW
            for extra, direction in ((extra_f, "forward"), (extra_r, "reverse")):
                if extra > 1e-3:
                    out.append(
                        Amount(
                            f"{c} capability",
                            None,
                            extra,
                            "MW",
                            f"+{extra:,.0f} MW of {c} capability ({direction})",
                            {"corridor": c, "direction": direction, "mw_increase": extra},
                        )
                    )
    elif family == "sites":
        n = _sol(m, "modules")
        assert n is not None
        for k in items:
            extra = float(n.sel(campus=k).sum()) - float(d.campus_max_modules.sel(campus=k))
            if extra > 1e-6:
                mw = extra * float(d.campus_module_gw.sel(campus=k)) * MW_PER_GW
                out.append(
                    Amount(
                        f"{k} modules",
                        None,
                        extra,
                        "modules",
                        f"+{extra:,.0f} modules ({mw:,.0f} MW) at {k}",
                        {"campus": k, "max_modules_increase": extra},
                    )
                )
    return out


def measure(
    built: BuiltModel,
    result: SolveResult,
    found: list[Shortfall],
    settings: SolverSettings,
    budget_s: float | None = None,
) -> dict[str, Any]:
    """Re-solve once per candidate family with it relaxed; fill each candidate's
    closed share and amounts. Returns what was done (families, seconds, skipped)."""
    from stateside.model.build import build_model, legacy_semantics
    from stateside.model.solve import solve
    from stateside.plan import _violations

    d = built.data
    families: dict[str, list[str]] = {}
    for s in found:
        for c in s.candidates:
            items = families.setdefault(c.family, [])
            items.extend(i for i in c.items if i not in items)
    budget = (
        budget_s if budget_s is not None else max(MIN_BUDGET_S, RESOLVE_BUDGET_FACTOR * result.solve_seconds)
    )
    t0 = time.perf_counter()
    done: dict[str, float] = {}
    skipped: list[str] = []

    def resolve(
        fams: list[str],
    ) -> tuple[dict[tuple[str, int, str], float], dict[str, list[Amount]], bool] | None:
        """Re-solve with the families relaxed together: what is left short, the amounts
        each family uses, whether the solve hit its time limit; None if out of budget."""
        left = budget - (time.perf_counter() - t0)
        if left < 1.0:
            return None
        solver = settings.model_copy(update={"time_limit_s": float(min(settings.time_limit_s, left))})
        relaxed = d
        for fam in fams:
            relaxed = relax(relaxed, fam, families[fam])
        rb = build_model(relaxed)
        rr = solve(rb, solver)
        if not rr.usable:
            return None
        with legacy_semantics():
            viol = _violations(rb.model, relaxed)
            amounts = {fam: _amounts(fam, families[fam], d, rb) for fam in fams}
        after = {(str(r.kind), int(r.period), str(r.where)): float(r.amount) for r in viol.itertuples()}
        return after, amounts, rr.time_limit_reached

    def closed(s: Shortfall, after: dict[tuple[str, int, str], float]) -> float:
        return max(0.0, min(1.0, 1.0 - after.get(s.key, 0.0) / s.amount)) if s.amount > 0 else 1.0

    measured = [fam for fam in FAMILY_ORDER if fam in families]
    for fam in measured:
        start = time.perf_counter()
        got = resolve([fam])
        if got is None:
            skipped.append(fam)
            continue
        done[fam] = round(time.perf_counter() - start, 3)
        after, amounts, limited = got
        for s in found:
            for c in s.candidates:
                if c.family != fam:
                    continue
                c.closed_share = closed(s, after)
                c.amounts = amounts[fam]
                c.method = "re-solve"
                if limited:
                    c.note = "re-solve stopped at its time limit: the best plan found was measured"
    for s in found:
        for c in s.candidates:
            if c.family in skipped and c.closed_share is None:
                c.note = "not re-solved (time budget of the diagnosis spent, or no usable re-solve)"
    # no single family closes a shortfall: all of its families relaxed together
    open_ = [
        s
        for s in found
        if len(s.candidates) > 1 and max((c.closed_share or 0.0) for c in s.candidates) < CLOSED
    ]
    together = sorted(
        {c.family for s in open_ for c in s.candidates if c.family in done}, key=FAMILY_ORDER.index
    )
    if len(together) > 1:
        start = time.perf_counter()
        got = resolve(together)
        if got is not None:
            done["together"] = round(time.perf_counter() - start, 3)
            after, amounts, _ = got
            for s in open_:
                mine = [c.family for c in s.ranked() if c.family in together]
                s.together_share = closed(s, after)
                s.together_amounts = [a for fam in mine for a in amounts[fam]]
        else:
            skipped.append("together")
    return {"families": done, "skipped": skipped, "budget_s": round(budget, 1)}


def sentences(found: list[Shortfall], explain: bool = False) -> list[str]:
    return [s.sentence(explain=explain) for s in found]


def detail(found: list[Shortfall]) -> list[dict[str, Any]]:
    return [s.as_dict() for s in found]


def explain_plan(
    plan: Plan,
    built: BuiltModel,
    result: SolveResult,
    settings: SolverSettings,
    resolve: bool = True,
    budget_s: float | None = None,
) -> None:
    """Rewrite ``plan.diagnosis`` with the measured causes (the run layer's step after the
    solve) and put the structured diagnosis in ``plan.extra['diagnosis_detail']`` (and
    what the re-solves did in ``plan.extra['diagnosis_resolves']``)."""
    from stateside.model.build import legacy_semantics
    from stateside.plan import unserved_lines

    violations = plan.tables.get("violations")
    if violations is None or violations.empty:
        plan.extra["diagnosis_detail"] = []
        return
    with legacy_semantics():
        found = screen(built.model, built.data, violations)
    if resolve:
        plan.extra["diagnosis_resolves"] = measure(built, result, found, settings, budget_s)
    plan.diagnosis = sentences(found) + unserved_lines(plan.tables.get("unserved", pd.DataFrame()))
    plan.extra["diagnosis_detail"] = detail(found)


def explained_lines(plan: Plan) -> list[str]:
    """``plan --explain``: each shortfall, then every candidate cause on its own line with
    its measured effect (best first), then the other diagnosis lines (lost load)."""
    found = plan.extra.get("diagnosis_detail") or []
    lines: list[str] = []
    for s in found:
        lines.append(str(s.get("headline")))
        cands = s.get("candidates") or []
        for k, c in enumerate(cands, 1):
            lines.append(f"    {k}. {c.get('text')}")
        if not cands:
            lines.append("    no limit of the plan holds where it could cause it")
        if s.get("together"):
            lines.append(f"    {s['together']['text']}")
    summaries = {str(s.get("summary")) for s in found}
    return lines + [line for line in plan.diagnosis if line not in summaries]
