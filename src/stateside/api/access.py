"""Who may see what: the one place where a run's tables are filtered by the viewer's role.

Every route and page that shows run data gets it through this module, so the rules hold
for the API and the dashboard alike:

* **admin, analyst** — everything.
* **investor** (bound to investor *I*) — the rows of *I* in the tables that have one row
  per investor (:data:`INVESTOR_TABLES`: commitments, equity, cap-table rows, returns,
  cash flows); the coalition's tables with no investor dimension (:data:`COALITION_TABLES`:
  what is built where and when, totals by asset class, project-level economics), whole;
  nothing else. Another investor's id, name or amounts never reach it: rows of coalition
  tables and summary lines that name another investor are dropped, and text cells of
  its own rows that name one are withheld. "Naming" is decided on structured ids, never
  substrings: a text cell names investor *X* when one of its parts (split at ``/ ; , | :``
  and spaces) *is* X's id, or the whole cell is X's name — so an investor ``ae`` is found
  in ``ae/datacenter`` however short its id, and not in ``aerospace``. Summary figures
  computed from tables an investor may not read (:data:`INVESTOR_WITHHELD_SUMMARY`) are
  withheld. Tables the service does not know are refused.
  Runs: an investor sees only the runs of coalitions it is part of (its id among the
  run's investors) and never the members of sweeps (:func:`can_see_run`).
* **state_official** (bound to state *S*) — the rows of *S* in every table with a region
  (projects, capacity, campuses, fabs, emissions, jobs, and the cap-table rows of projects
  in *S*: the capital landing there); corridors touching *S*; nothing national.
* **reviewer** — read-only: ownership and cap tables (:data:`REVIEWER_TABLES`), the
  scenario's ownership inputs and the security review, for all projects.

Input tables (the scenario a run was planned from) follow the same rules.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from stateside.api.auth import Principal
from stateside.api.problems import Problem, forbidden

FULL = ("admin", "analyst")

#: one row per investor (column ``investor``)
INVESTOR_TABLES: frozenset[str] = frozenset(
    {
        "capital",
        "capital_by_investor",
        "capital_pipeline",
        "cap_tables",
        "investor_returns",
        "investor_cashflows",
    }
)
#: the coalition's plan with no investor dimension: an investor sees them whole
COALITION_TABLES: frozenset[str] = frozenset(
    {
        "builds",
        "dispatch",
        "emissions",
        "unserved",
        "prices",
        "corridors",
        "campuses",
        "campus_power",
        "fabs",
        "it_capacity",
        "chips",
        "equity_need",
        "costs",
        "violations",
        "project_economics",
        "project_cashflows",
        "jobs",
        "emissions_detail",
        "chips_complementarity",
        "chips_fabs",
        "impact_coefficients",
        "impact_sources",
        "dispatch_t",
        "storage_t",
        "flows_t",
        "prices_t",
    }
)
#: summary figures an investor does not see: computed from per-country or per-investor tables it
#: may not read (the allied share of capital, with two countries, is the other country's share)
INVESTOR_WITHHELD_SUMMARY: tuple[tuple[str, str], ...] = (("impact", "allied_capital_share"),)
#: reference data anyone who may see a run may read
REFERENCE_TABLES: frozenset[str] = frozenset({"impact_coefficients", "impact_sources"})
#: what a reviewer reads: ownership and the projects it is of
REVIEWER_TABLES: frozenset[str] = (
    frozenset({"cap_tables", "capital", "campuses", "campus_power", "fabs"}) | REFERENCE_TABLES
)
#: national tables a state official does not see even though they might have a region column
NATIONAL_TABLES: frozenset[str] = frozenset(
    {"capital", "capital_by_investor", "capital_pipeline", "investor_returns", "investor_cashflows"}
)

INPUT_INVESTOR_TABLES: frozenset[str] = frozenset({"investors", "commitments", "share_caps"})
INPUT_REVIEWER_TABLES: frozenset[str] = frozenset(
    {"investors", "entities", "ownership", "control", "share_caps", "campuses", "fabs"}
)

REGION_COLUMNS: tuple[str, ...] = ("region", "state")
IDENTITY_FIELDS: tuple[str, ...] = ("scenario", "scenario_hash", "status", "mode")
WITHHELD = "(withheld: names another investor)"


#: where a text cell is split into the parts compared with investor ids
_PARTS = re.compile(r"[/;,|:\s]+")


@dataclass(frozen=True)
class Naming:
    """Which text names another investor: a part equal to one of ``ids``, or a whole cell equal
    (case-insensitively) to one of ``names``."""

    ids: frozenset[str]
    names: frozenset[str]

    def search(self, text: str) -> bool:
        """Whether ``text`` names one of the investors (structured: ids as parts, names whole)."""
        if text.strip().casefold() in self.names:
            return True
        return any(part in self.ids for part in _PARTS.split(text) if part)


@dataclass
class Parties:
    """Who and where in one run: investor ids with their names, and each project's region."""

    investors: dict[str, str] = field(default_factory=dict)
    project_region: dict[str, str] = field(default_factory=dict)
    _naming: dict[str, Naming | None] = field(default_factory=dict, repr=False)

    def others(self, investor: str | None) -> Naming | None:
        """What names any investor other than ``investor`` (None if there is none)."""
        key = investor or ""
        if key not in self._naming:
            mine = {investor or "", self.investors.get(investor or "", "")}
            ids = frozenset(i for i in self.investors if i and i not in mine)
            names = frozenset(
                n.strip().casefold()
                for i, n in self.investors.items()
                if i != investor
                and n.strip()
                and n.strip().casefold() not in {m.casefold() for m in mine if m}
            )
            self._naming[key] = Naming(ids, names) if ids or names else None
        return self._naming[key]


def parties(tables: dict[str, pd.DataFrame], inputs: dict[str, pd.DataFrame] | None = None) -> Parties:
    """The :class:`Parties` of a run from its result tables and (if saved) its input tables."""
    out = Parties()
    inv = (inputs or {}).get("investors")
    if inv is not None and {"investor", "name"} <= set(inv.columns):
        out.investors.update({str(i): str(n) for i, n in zip(inv["investor"], inv["name"], strict=True)})
    for name in INVESTOR_TABLES:
        df = tables.get(name)
        if df is None or "investor" not in df.columns:
            continue
        names = df["name"] if "name" in df.columns else df["investor"]
        for i, n in zip(df["investor"], names, strict=True):
            out.investors.setdefault(str(i), str(n))
    for name, key in (
        ("project_economics", "project"),
        ("cap_tables", "project"),
        ("campuses", "campus"),
        ("fabs", "fab"),
    ):
        for src in (tables.get(name), (inputs or {}).get(name)):
            if src is not None and {key, "region"} <= set(src.columns):
                for p, r in zip(src[key], src["region"], strict=True):
                    if isinstance(r, str):
                        out.project_region.setdefault(str(p), r)
    return out


# --------------------------------------------------------------------------------------
# what a viewer may open


def is_full(viewer: Principal) -> bool:
    return viewer.role in FULL


def can_read_scenarios(viewer: Principal) -> bool:
    """Scenario folders hold every investor's commitments: admins and analysts only."""
    return is_full(viewer)


def can_read_report(viewer: Principal) -> bool:
    """The HTML report shows every investor: admins and analysts only."""
    return is_full(viewer)


def can_read_jobs(viewer: Principal) -> bool:
    return is_full(viewer)


def can_view_state(viewer: Principal, state: str) -> bool:
    if viewer.role == "state_official":
        return state.upper() == (viewer.state or "")
    return viewer.role in (*FULL, "investor", "reviewer")


def can_view_investor(viewer: Principal, investor: str) -> bool:
    if viewer.role == "investor":
        return investor == viewer.investor
    return viewer.role in (*FULL, "reviewer")


def require_state(viewer: Principal, state: str) -> None:
    if not can_view_state(viewer, state):
        raise forbidden(f"a state official of {viewer.state} sees only {viewer.state}")


def require_investor(viewer: Principal, investor: str) -> None:
    if not can_view_investor(viewer, investor):
        if viewer.role == "investor":
            raise forbidden(f"investor user {viewer.name} sees only investor {viewer.investor}")
        raise forbidden(f"role {viewer.role} does not see investors' pages")


def _table_allowed(viewer: Principal, name: str, df: pd.DataFrame | None) -> bool:
    role = viewer.role
    if role in FULL:
        return True
    if role == "reviewer":
        return name in REVIEWER_TABLES
    if role == "investor":
        return name in INVESTOR_TABLES or name in COALITION_TABLES
    if role == "state_official":
        if name in REFERENCE_TABLES:
            return True
        if name in NATIONAL_TABLES or df is None:
            return False
        cols = set(df.columns)
        return (
            bool(cols & set(REGION_COLUMNS))
            or {"region_from", "region_to"} <= cols
            or ("project" in cols and name.startswith("project"))
        )
    return False


def visible_tables(viewer: Principal, tables: dict[str, pd.DataFrame]) -> list[str]:
    """The result tables ``viewer`` may open, in the plan's order."""
    return [n for n, df in tables.items() if _table_allowed(viewer, n, df)]


def result_table(viewer: Principal, name: str, df: pd.DataFrame, who: Parties) -> pd.DataFrame:
    """The rows and cells of result table ``name`` that ``viewer`` may see; 403 if none."""
    if not _table_allowed(viewer, name, df):
        raise forbidden(f"role {viewer.role} may not read table {name!r}")
    return _rows_for(viewer, name, df, who, INVESTOR_TABLES)


def _rows_for(
    viewer: Principal, name: str, df: pd.DataFrame, who: Parties, per_investor: Iterable[str]
) -> pd.DataFrame:
    role = viewer.role
    if role in FULL or role == "reviewer":
        return df
    if role == "investor":
        if name in per_investor and "investor" in df.columns:
            own = df[df["investor"].astype(str) == (viewer.investor or "")]
            return _withhold_cells(own, who.others(viewer.investor))
        return _drop_rows_naming(df, who.others(viewer.investor))
    if role == "state_official":
        return state_rows(df, viewer.state or "", who)
    raise forbidden(f"role {role} may not read run tables")


def input_tables_visible(viewer: Principal, inputs: dict[str, pd.DataFrame]) -> list[str]:
    return [n for n, df in inputs.items() if _input_allowed(viewer, n, df)]


def _input_allowed(viewer: Principal, name: str, df: pd.DataFrame) -> bool:
    role = viewer.role
    if role in FULL:
        return True
    if role == "reviewer":
        return name in INPUT_REVIEWER_TABLES
    if role == "investor":
        return name in INPUT_INVESTOR_TABLES
    if role == "state_official":
        return bool(set(df.columns) & set(REGION_COLUMNS)) or {"region_from", "region_to"} <= set(df.columns)
    return False


def input_table(viewer: Principal, name: str, df: pd.DataFrame, who: Parties) -> pd.DataFrame:
    """The rows of scenario input table ``name`` that ``viewer`` may see; 403 if none."""
    if not _input_allowed(viewer, name, df):
        raise forbidden(f"role {viewer.role} may not read input table {name!r}")
    return _rows_for(viewer, name, df, who, INPUT_INVESTOR_TABLES)


def state_rows(df: pd.DataFrame, state: str, who: Parties) -> pd.DataFrame:
    cols = set(df.columns)
    for col in REGION_COLUMNS:
        if col in cols:
            return df[df[col].astype(str) == state]
    if {"region_from", "region_to"} <= cols:
        return df[(df["region_from"].astype(str) == state) | (df["region_to"].astype(str) == state)]
    if "project" in cols:
        mine = {p for p, r in who.project_region.items() if r == state}
        return df[df["project"].astype(str).isin(mine)]
    return df.iloc[0:0]


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]


def _names_other(pattern: Naming, v: Any) -> bool:
    if isinstance(v, str):
        return pattern.search(v)
    if isinstance(v, (tuple, list)):
        return any(_names_other(pattern, x) for x in v)
    return False


def _drop_rows_naming(df: pd.DataFrame, pattern: Naming | None) -> pd.DataFrame:
    cols = _text_columns(df)
    if pattern is None or not cols or not len(df):
        return df
    bad = pd.Series(False, index=df.index)
    for c in cols:
        bad |= df[c].map(lambda v: _names_other(pattern, v)).astype(bool)
    return df[~bad]


def _withhold_cells(df: pd.DataFrame, pattern: Naming | None) -> pd.DataFrame:
    cols = _text_columns(df)
    if pattern is None or not cols or not len(df):
        return df
    out = df
    for c in cols:
        hit = df[c].map(lambda v: _names_other(pattern, v)).astype(bool)
        if hit.any():
            if out is df:
                out = df.copy()
            out[c] = out[c].astype(object)
            out.loc[hit, c] = WITHHELD
    return out


# --------------------------------------------------------------------------------------
# summaries and run listings


def scrub(value: Any, pattern: Naming | None) -> Any:
    """``value`` without the strings, list items and dict entries that name another investor."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return None if pattern.search(value) else value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if pattern.search(str(k)):
                continue
            s = scrub(v, pattern)
            if s is None and v is not None:
                continue
            out[k] = s
        return out
    if isinstance(value, (list, tuple)):
        kept = []
        for v in value:
            s = scrub(v, pattern)
            if s is None and v is not None:
                continue
            kept.append(s)
        return kept
    return value


def run_summary(viewer: Principal, summary: dict[str, Any], who: Parties) -> dict[str, Any]:
    """The plan summary (``stateside plan --json``) as ``viewer`` may see it."""
    if viewer.role in FULL:
        return summary
    if viewer.role == "investor":
        s = dict(summary)
        fin = s.get("finance")
        if isinstance(fin, dict):
            fin = dict(fin)
            invs = fin.get("investors")
            if isinstance(invs, dict):
                fin["investors"] = {k: v for k, v in invs.items() if k == viewer.investor}
            fin.pop("syndication", None)
            s["finance"] = fin
        for section, key in INVESTOR_WITHHELD_SUMMARY:
            part = s.get(section)
            if isinstance(part, dict) and key in part:
                s[section] = {k: v for k, v in part.items() if k != key}
        out = scrub(s, who.others(viewer.investor))
        return out if isinstance(out, dict) else {}
    return {k: summary[k] for k in IDENTITY_FIELDS if k in summary}


def is_sweep_source(source: str | None) -> bool:
    """Whether a run's ``source`` says a sweep saved it (``sweep ID member N``)."""
    return bool(source) and str(source).startswith("sweep ")


def can_see_run(viewer: Principal, run_investors: frozenset[str], sweep_member: bool) -> bool:
    """Whether ``viewer`` may open a run at all (its rows are then filtered as above).

    Admins and analysts: every run. Everyone else: no sweep members (sweeps are an analyst's
    tool). Investors: only the runs whose scenario has their investor id (their coalition's
    plans); state officials and reviewers: every other run."""
    if is_full(viewer):
        return True
    if sweep_member:
        return False
    if viewer.role == "investor":
        return bool(viewer.investor) and viewer.investor in run_investors
    return viewer.role in ("state_official", "reviewer")


def run_listing(viewer: Principal, info: dict[str, Any]) -> dict[str, Any]:
    """One entry of the runs list (:meth:`stateside.store.api.RunInfo.to_dict`) as ``viewer`` may see it."""
    if viewer.role in FULL:
        return info
    out = dict(info)
    out["source"] = None
    if viewer.role != "investor":
        out["objective_usd"] = None
        out["it_capacity_mw"] = {}
    return out


def security_rows(viewer: Principal, reviews: pd.DataFrame, who: Parties) -> pd.DataFrame:
    """The security review rows (one per project, round and investor) ``viewer`` may see."""
    role = viewer.role
    if role in FULL or role == "reviewer":
        return reviews
    if role == "investor":
        own = reviews[reviews["investor"].astype(str) == (viewer.investor or "")]
        return _withhold_cells(own, who.others(viewer.investor))
    if role == "state_official":
        mine = {p for p, r in who.project_region.items() if r == viewer.state}
        return reviews[reviews["project"].astype(str).isin(mine)]
    raise forbidden(f"role {role} may not read the security review")


def finite(x: Any) -> float | None:
    """A JSON-safe float (None for NaN, ±inf, None)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


__all__ = [
    "COALITION_TABLES",
    "INVESTOR_TABLES",
    "REVIEWER_TABLES",
    "Naming",
    "Parties",
    "Problem",
    "can_read_jobs",
    "can_read_report",
    "can_read_scenarios",
    "can_see_run",
    "can_view_investor",
    "can_view_state",
    "input_table",
    "input_tables_visible",
    "parties",
    "result_table",
    "run_listing",
    "run_summary",
    "security_rows",
    "visible_tables",
]
