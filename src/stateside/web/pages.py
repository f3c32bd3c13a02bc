"""The dashboard's pages (server-rendered), mounted on the API application by :func:`mount`.

Pages: sign in; runs (and, for analysts, start a run); a run's overview (tile map of the
states, build timeline, capital stack, key figures); a page per state and per investor;
the security review; scenarios (upload, with validation errors shown); a job's progress.
Each reads data through :mod:`stateside.api.access`, exactly as the API does.
"""

from __future__ import annotations

import math
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import pandas as pd
from fastapi import APIRouter, Depends, FastAPI, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from stateside import __version__
from stateside.api import access, auth, scenarios
from stateside.api.deps import CSRF_COOKIE, SESSION_COOKIE, AppState, app_state, optional_principal
from stateside.api.jobs import create_job, get_job, list_jobs
from stateside.api.problems import Problem, forbidden, not_found
from stateside.api.rundata import RunData, runs_page
from stateside.report import fmt
from stateside.web import charts, ratepayer

HERE = Path(__file__).resolve().parent
RUN_PATTERN = r"^(latest(~[0-9]{1,6})?|[0-9a-f]{4,32})$"

router = APIRouter(include_in_schema=False)

Viewer = Annotated[auth.Principal | None, Depends(optional_principal)]
St = Annotated[AppState, Depends(app_state)]


@lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.filters["usd"] = fmt.usd
    e.filters["num"] = fmt.num
    e.filters["pct"] = fmt.pct
    e.globals["version"] = __version__
    return e


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    viewer: auth.Principal | None = ctx.get("user")
    csrf = viewer.csrf_token if viewer is not None else request.cookies.get(CSRF_COOKIE, "")
    html = env().get_template(template).render(request=request, csrf_token=csrf or "", **ctx)
    return HTMLResponse(html, status_code=status)


def need(p: auth.Principal | None) -> auth.Principal:
    if p is None:
        raise Problem(401, "sign in to see this page", kind="unauthenticated")
    return p


def error_page(request: Request, problem: Problem) -> Response | None:
    """The HTML answer to a problem on a page (a redirect to sign in for 401); None for JSON clients."""
    accept = request.headers.get("accept", "")
    if "text/html" not in accept and "*/*" not in accept and accept:
        return None
    if problem.status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return render(
        request, "error.html", status=problem.status, problem=problem.body(request.url.path), user=None
    )


# --------------------------------------------------------------------------------------
# formatting tables for templates

PCT_COLUMNS = frozenset(
    {
        "share",
        "irr",
        "irr_real",
        "equity_irr",
        "equity_irr_real",
        "project_irr",
        "probability",
        "debt_fraction",
    }
)


def cell(col: str, v: Any) -> str:
    """A table cell as text, formatted by its column's unit."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (tuple, list)):
        return "; ".join(map(str, v)) or "–"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if isinstance(v, float) and not math.isfinite(v):
            return "–"
        if v == 0:
            v = 0.0 if isinstance(v, float) else 0  # no "-0"
        if col.endswith("_usd"):
            return fmt.usd(v)
        if col in PCT_COLUMNS or col.endswith("_share"):
            return fmt.pct(v)
        if col.endswith("_pct"):
            return fmt.pct_points(v)
        if col in ("period", "year") or col.endswith(("_year", "_period")):
            return fmt.year(v)
        if isinstance(v, int):
            return fmt.num(v)
        return fmt.num(v, 2 if abs(v) < 100 else 0)
    return fmt.text(v)


#: headers for columns whose name does not read well once its underscores are spaces
HEADERS: dict[str, str] = {
    "capex_usd": "capex",
    "capex_total_usd": "capex, all assets",
    "capex_datacenter_usd": "capex, AI campuses",
    "capex_generation_usd": "capex, generation",
    "capex_storage_usd": "capex, storage",
    "capex_transmission_usd": "capex, transmission",
    "capex_fab_usd": "capex, fabs",
    "capex_usd_per_capita": "capex per resident, USD",
    "chips_grants_usd": "CHIPS grants",
    "allied_equity_usd": "allied equity",
    "new_it_mw": "new IT, MW",
    "it_mw_online": "IT online, MW",
    "grid_load_mw": "grid load, MW",
    "new_mw": "new, MW",
    "capacity_mw": "capacity, MW",
    "capacity_forward_mw": "capacity forward, MW",
    "region_from": "from",
    "region_to": "to",
    "co2_t": "CO2, t/yr",
    "fab_accelerators_per_year": "accelerators per year",
    "construction_job_years": "construction job-years",
    "quantity_unit": "unit",
    "source_id": "source",
    "coefficient_ids": "coefficients",
    "source_ids": "sources",
}
_UNIT_SUFFIXES = (("_usd", ""), ("_mwh", ", MWh"), ("_mw", ", MW"), ("_pct", ", %"), ("_t", ", t"))


def header(col: str) -> str:
    """A column as a table header a reader understands: ``capex_datacenter_usd`` → "capex, AI
    campuses"; otherwise underscores become spaces and a unit suffix moves after a comma (money
    columns are formatted with their unit in each cell)."""
    from stateside.web.ratepayer import RATEPAYER_HEADERS

    if col in HEADERS:
        return HEADERS[col]
    if col in RATEPAYER_HEADERS:
        return RATEPAYER_HEADERS[col]
    for suffix, unit in _UNIT_SUFFIXES:
        if col.endswith(suffix) and len(col) > len(suffix):
            return col[: -len(suffix)].replace("_", " ") + unit
    return col.replace("_", " ")


def tbl(df: pd.DataFrame | None, columns: list[str] | None = None, limit: int = 500) -> dict[str, Any] | None:
    """A table for the ``table`` macro: header, formatted rows, which columns are numeric."""
    if df is None:
        return None
    cols = [c for c in (columns or list(df.columns)) if c in df.columns]
    numeric = [
        bool(pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])) for c in cols
    ]
    rows = [
        [cell(c, v) for c, v in zip(cols, rec, strict=True)]
        for rec in df[cols].head(limit).itertuples(index=False, name=None)
    ]
    return {
        "columns": cols,
        "headers": [header(c) for c in cols],
        "numeric": numeric,
        "rows": rows,
        "total": len(df),
        "shown": len(rows),
    }


# --------------------------------------------------------------------------------------
# sign in and out


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/runs"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, st: St, p: Viewer, next: str | None = None) -> Response:
    if p is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    resp = render(request, "login.html", user=None, next=_safe_next(next), login_csrf=csrf)
    if request.cookies.get(CSRF_COOKIE) != csrf:
        resp.set_cookie(
            CSRF_COOKIE, csrf, httponly=False, secure=st.config.secure_cookies, samesite="strict", path="/"
        )
    return resp


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    st: St,
    name: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/runs",
) -> Response:
    from stateside.api.routes_auth import check_password, client_address, set_session_cookies

    cookie = request.cookies.get(CSRF_COOKIE)
    if not auth.same_secret(csrf_token, cookie):
        raise Problem(403, "the sign-in form expired; load the page again", kind="csrf")
    try:  # the API's sign-in limits apply (429 while locked out)
        p: auth.Principal | None = await check_password(st, name, password, client_address(request))
    except Problem as exc:
        if exc.status != 401:
            raise
        p = None
    if p is None:
        return render(
            request,
            "login.html",
            status=401,
            user=None,
            next=_safe_next(next),
            login_csrf=cookie,
            error="Wrong user name or password.",
            name=name,
        )
    secret, csrf = auth.start_session(p.user_id, st.config.session_hours, st.url)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookies(resp, st, secret, csrf)
    return resp


@router.post("/logout")
def logout(request: Request, st: St, p: Viewer) -> Response:
    from stateside.api.routes_auth import clear_session_cookies

    need(p)
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        auth.end_session(secret, st.url)
    resp = RedirectResponse("/login", status_code=303)
    clear_session_cookies(resp, st)
    return resp


# --------------------------------------------------------------------------------------
# runs


@router.get("/")
def home(p: Viewer) -> Response:
    return RedirectResponse("/runs" if p is not None else "/login", status_code=303)


@router.get("/runs", response_class=HTMLResponse)
def runs(request: Request, st: St, p: Viewer, offset: int = 0) -> Response:
    user = need(p)
    offset = max(0, min(offset, 10**9))
    items, total = runs_page(offset, 50, st.url, user, st.runs)
    ctx: dict[str, Any] = {
        "user": user,
        "runs": [access.run_listing(user, i.to_dict()) for i in items],
        "total": total,
        "offset": offset,
    }
    if user.can_write:
        ctx["scenarios"] = [s.to_dict() for s in scenarios.list_scenarios(0, 200, st.url)[0]]
        ctx["jobs"] = [j.to_dict() for j in list_jobs(0, 10, None, st.url)[0]]
    return render(request, "runs.html", **ctx)


@router.post("/runs/start")
def start_run(
    st: St,
    p: Viewer,
    scenario_id: Annotated[str, Form(max_length=32)],
    mode: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    user = need(p)
    if not user.can_write:
        raise forbidden(f"role {user.role} cannot start plans")
    if scenarios.get_scenario(scenario_id, st.url) is None:
        raise not_found(f"scenario {scenario_id}")
    if mode not in ("", "target", "budget"):
        raise Problem(422, "mode must be target or budget", kind="invalid-request")
    job_id = create_job("plan", scenario_id, mode or None, {}, user.user_id, st.url)
    st.runner.submit(job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, st: St, p: Viewer, job_id: str) -> Response:
    user = need(p)
    if not access.can_read_jobs(user):
        raise forbidden(f"role {user.role} does not follow jobs")
    job = get_job(job_id, st.url) if len(job_id) == 32 else None
    if job is None:
        raise not_found(f"job {job_id}")
    return render(request, "job.html", user=user, job=job.to_dict())


def _load(st: AppState, run: str, user: auth.Principal) -> RunData:
    import re

    if not re.fullmatch(RUN_PATTERN, run):
        raise not_found(f"run {run!r}")
    data: RunData = st.runs.get(run, user)
    return data


def _vk(user: auth.Principal) -> tuple[str, str | None, str | None]:
    """What a view depends on: the role and its binding (not who the user is)."""
    return (user.role, user.investor, user.state)


def _view(user: auth.Principal, d: RunData) -> dict[str, pd.DataFrame]:
    """Every result table ``user`` may see, filtered (once per run and kind of viewer)."""

    def make() -> dict[str, pd.DataFrame]:
        return {
            n: access.result_table(user, n, d.plan.tables[n], d.parties)
            for n in access.visible_tables(user, d.plan.tables)
        }

    out: dict[str, pd.DataFrame] = d.memo(("view", _vk(user)), make)
    return out


def _kpis(
    user: auth.Principal, d: RunData, t: dict[str, pd.DataFrame], summary: dict[str, Any]
) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = [("Status", str(summary.get("status", d.info.status)), d.info.mode)]
    it = t.get("it_capacity")
    if it is not None and len(it):
        last = it.sort_values("period").iloc[-1]
        out.append(
            (
                "AI IT capacity online",
                f"{fmt.num(last['online_mw'])} MW",
                f"by {int(last['period'])}, target {fmt.num(last['target_mw'])} MW",
            )
        )
    eq = t.get("equity_need")
    if eq is not None and len(eq):
        out.append(("Capex", fmt.usd(eq["capex_usd"].sum()), "all periods, coalition total"))
        out.append(
            (
                "Equity",
                fmt.usd(eq["equity_usd"].sum()),
                f"debt {fmt.usd(eq['debt_usd'].sum())}, grants {fmt.usd(eq['grants_usd'].sum())}",
            )
        )
    if user.role in access.FULL or user.role == "investor":
        obj = summary.get("objective_usd")
        if obj is not None:
            out.append(("System cost", fmt.usd(obj), "discounted, objective"))
    em = t.get("emissions")
    if em is not None and len(em):
        last_p = int(em["period"].max())
        out.append(
            (
                "Power-sector CO2",
                f"{fmt.num(em[em['period'] == last_p]['co2_t'].sum() / 1e6, 1)} Mt",
                f"in {last_p}",
            )
        )
    ret = t.get("investor_returns")
    if user.role == "investor" and ret is not None and len(ret):
        r = ret.iloc[0]
        out.append(
            (
                "Your equity in the plan",
                fmt.usd(r["plan_equity_usd"]),
                f"committed {fmt.usd(r['committed_usd'])}",
            )
        )
        out.append(("Your NPV", fmt.usd(r["npv_usd"]), f"IRR {fmt.pct(r['irr'])}"))
    return out


@router.get("/runs/{run}", response_class=HTMLResponse)
def run_page(request: Request, st: St, p: Viewer, run: str) -> Response:
    user = need(p)
    d = _load(st, run, user)
    if user.role == "state_official":
        return RedirectResponse(f"/runs/{d.id}/states/{user.state}", status_code=303)
    t = _view(user, d)
    view = charts.plan_view(d.plan, t)
    names = d.regions()
    summary = access.run_summary(user, d.plan.summary(), d.parties)
    figs = d.memo(
        ("overview", _vk(user)),
        lambda: charts.figure_specs(
            {
                "fig-map": charts.state_map(t, names),
                "fig-it": charts.it_capacity(view),
                "fig-timeline": charts.build_timeline(view, d.scenario),
                "fig-capital": charts.capital_stack(
                    view, d.scenario, user.investor if user.role == "investor" else None
                ),
            }
        ),
    )
    investors = sorted(
        {
            str(i)
            for n in ("investor_returns", "capital", "cap_tables")
            if (df := t.get(n)) is not None and "investor" in df.columns
            for i in df["investor"]
        }
    )
    if user.role == "investor":
        investors = [user.investor] if user.investor else []
    return render(
        request,
        "run.html",
        user=user,
        run=access.run_listing(user, d.info.to_dict()),
        kpis=_kpis(user, d, t, summary),
        figures=figs,
        states=names,
        investors=[(i, d.parties.investors.get(i, i)) for i in investors],
        diagnosis=summary.get("diagnosis") or [],
        tables=[(n, len(df)) for n, df in t.items()],
        can_report=access.can_read_report(user) and d.scenario is not None,
    )


@router.get("/runs/{run}/states/{state}", response_class=HTMLResponse)
def state_page(request: Request, st: St, p: Viewer, run: str, state: str) -> Response:
    user = need(p)
    state = state.upper()
    access.require_state(user, state)
    d = _load(st, run, user)
    names = d.regions()
    if state not in names:
        raise not_found(f"state {state} in run {d.id[:8]}")
    t = _view(user, d)
    here: dict[str, pd.DataFrame] = d.memo(
        ("here", _vk(user), state),
        lambda: {
            n: access.state_rows(df, state, d.parties)
            for n, df in t.items()
            if n not in access.REFERENCE_TABLES
        },
    )
    view = charts.plan_view(d.plan, here)
    figs = d.memo(
        ("state", _vk(user), state),
        lambda: charts.figure_specs(
            {
                "fig-map": charts.state_map(
                    t if user.role != "state_official" else here,
                    names if user.role != "state_official" else {state: names[state]},
                ),
                "fig-timeline": charts.build_timeline(view, d.scenario),
                "fig-builds": charts.bars(
                    here.get("builds", pd.DataFrame()),
                    "period",
                    "new_mw",
                    "technology",
                    "New generation and storage by period",
                    unit="MW",
                ),
                "fig-prices": ratepayer.price_figure(view, d.scenario, state),
            }
        ),
    )
    prices = ratepayer.ratepayer_table(here, state)
    sections = []
    for name, cols, title in (
        ("state_benefits", None, "What the state gets"),
        (
            "ratepayer_impact",
            [
                "period",
                "price_change_usd_per_mwh",
                "cost_change_usd_per_mwh_other_load",
                "price_usd_per_mwh",
                "counterfactual_price_usd_per_mwh",
                "other_load_mwh",
                "coalition_load_mwh",
            ],
            "Ratepayers: against the same plan without the coalition",
        ),
        (
            "campuses",
            ["campus", "period", "new_modules", "new_it_mw", "it_mw_online", "grid_load_mw", "capex_usd"],
            "AI campuses",
        ),
        ("fabs", ["fab", "period", "decided", "online", "capex_usd", "grant_usd", "power_mw"], "Fabs"),
        ("builds", ["technology", "period", "new_mw", "capacity_mw", "capex_usd"], "Generation and storage"),
        (
            "corridors",
            ["corridor", "region_from", "region_to", "period", "new_mw", "capacity_forward_mw", "capex_usd"],
            "Transmission",
        ),
        (
            "jobs",
            [
                "asset",
                "technology",
                "period",
                "phase",
                "quantity",
                "quantity_unit",
                "construction_job_years",
                "permanent_jobs",
                "source_id",
            ],
            "Jobs",
        ),
        ("emissions", None, "Power-sector emissions"),
        (
            "cap_tables",
            ["project", "period", "investor", "name", "country", "equity_usd", "equity_pct", "board_seat"],
            "Capital landing here (cap tables)",
        ),
    ):
        df = here.get(name)
        if df is not None and len(df):
            if name == "builds":
                df = df[(df["new_mw"].abs() > 1e-6)]
            sections.append((title, name, tbl(df, cols)))
    return render(
        request,
        "state.html",
        user=user,
        run=access.run_listing(user, d.info.to_dict()),
        state=state,
        state_name=names[state],
        figures=figs,
        sections=sections,
        prices=tbl(prices),
    )


@router.get("/runs/{run}/investors/{investor}", response_class=HTMLResponse)
def investor_page(request: Request, st: St, p: Viewer, run: str, investor: str) -> Response:
    user = need(p)
    access.require_investor(user, investor)
    d = _load(st, run, user)
    if investor not in d.parties.investors:
        raise not_found(f"investor {investor} in run {d.id[:8]}")
    t = _view(user, d)
    mine = {
        n: df[df["investor"].astype(str) == investor]
        for n, df in t.items()
        if n in access.INVESTOR_TABLES and "investor" in df.columns
    }
    figs = d.memo(
        ("investor", _vk(user), investor),
        lambda: charts.figure_specs(
            {
                "fig-equity": charts.bars(
                    mine.get("capital", pd.DataFrame()),
                    "period",
                    "equity_usd",
                    "asset_class",
                    "Equity by period and asset class",
                    1e9,
                    "USD bn",
                ),
                "fig-flows": charts.cashflows(mine.get("investor_cashflows", pd.DataFrame())),
            }
        ),
    )
    sections = []
    for name, cols, title in (
        (
            "investor_returns",
            [
                "committed_usd",
                "expected_usd",
                "plan_equity_usd",
                "invested_usd",
                "distributed_usd",
                "npv_usd",
                "irr",
                "irr_status",
                "payback_year",
                "projects",
            ],
            "Returns",
        ),
        (
            "capital_pipeline",
            ["year", "period", "stage", "amount_usd", "probability", "committed_usd", "expected_usd"],
            "Commitments",
        ),
        ("capital", ["asset_class", "period", "equity_usd", "share"], "Equity by asset class"),
        (
            "cap_tables",
            [
                "project",
                "asset_class",
                "region",
                "period",
                "equity_usd",
                "cumulative_equity_usd",
                "project_equity_usd",
                "equity_pct",
                "voting_pct",
                "board_seat",
                "observer",
            ],
            "Cap-table rows",
        ),
    ):
        df = mine.get(name)
        if df is not None:
            sections.append((title, name, tbl(df, cols)))
    eq = t.get("equity_need")
    coalition = (
        tbl(
            eq.groupby("asset_class", as_index=False)[
                ["capex_usd", "debt_usd", "grants_usd", "equity_usd"]
            ].sum()
        )
        if eq is not None and len(eq)
        else None
    )
    return render(
        request,
        "investor.html",
        user=user,
        run=access.run_listing(user, d.info.to_dict()),
        investor=investor,
        investor_name=d.parties.investors.get(investor, investor),
        figures=figs,
        sections=sections,
        coalition=coalition,
    )


@router.get("/runs/{run}/security", response_class=HTMLResponse)
def security_page(request: Request, st: St, p: Viewer, run: str) -> Response:
    from stateside.report.security import REVIEW_COLUMNS, worst_by_project

    user = need(p)
    d = _load(st, run, user)
    rows, note = d.reviews()
    shown = access.security_rows(user, rows, d.parties) if rows is not None else None
    worst = None
    counts: dict[str, int] = {}
    if shown is not None and len(shown):
        worst = tbl(worst_by_project(shown))
        counts = {str(k): int(v) for k, v in shown["outcome"].value_counts().items()}
    return render(
        request,
        "security.html",
        user=user,
        run=access.run_listing(user, d.info.to_dict()),
        note=note,
        counts=counts,
        worst=worst,
        # the review table as the report has it, less its "changes" column
        reviews=tbl(shown, [c for c in REVIEW_COLUMNS if c != "changes"]) if shown is not None else None,
    )


# --------------------------------------------------------------------------------------
# scenarios


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios_page(request: Request, st: St, p: Viewer, uploaded: str | None = None) -> Response:
    user = need(p)
    if not access.can_read_scenarios(user):
        raise forbidden(f"role {user.role} may not read scenario folders")
    items, _ = scenarios.list_scenarios(0, 200, st.url)
    return render(
        request, "scenarios.html", user=user, scenarios=[s.to_dict() for s in items], uploaded=uploaded
    )


@router.post("/scenarios/upload", response_class=HTMLResponse)
async def upload_page(request: Request, st: St, p: Viewer, file: UploadFile) -> Response:
    import anyio

    from stateside.api.routes_scenarios import read_upload, upload_problem
    from stateside.scenario.errors import ScenarioError

    user = need(p)
    if not user.can_write:
        raise forbidden(f"role {user.role} cannot upload scenarios")
    data = await read_upload(file, st.config.max_upload_bytes)
    try:
        rec = await anyio.to_thread.run_sync(
            lambda: scenarios.store_upload(
                data,
                file.filename or "scenario.zip",
                user.user_id,
                st.config.max_unpacked_bytes,
                st.config.max_files,
                st.url,
            )
        )
    except (ScenarioError, scenarios.UploadError) as exc:
        problem = upload_problem(exc)
        items, _ = scenarios.list_scenarios(0, 200, st.url)
        return render(
            request,
            "scenarios.html",
            status=problem.status,
            user=user,
            scenarios=[s.to_dict() for s in items],
            problem=problem.body(),
            filename=file.filename,
        )
    return RedirectResponse(f"/scenarios?uploaded={rec.id}", status_code=303)


# --------------------------------------------------------------------------------------
# assets


def plotly_js_path() -> Path:
    """plotly.min.js of the installed plotly package (the app serves it; no CDN)."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def mount(app: FastAPI) -> None:
    """Add the pages, ``/static`` (styles, script) and ``/static/plotly.min.js`` to ``app``."""

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(
            plotly_js_path(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(router)
