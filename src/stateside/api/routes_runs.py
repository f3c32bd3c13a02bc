"""Runs: list, show, result and input tables (JSON or CSV, a page at a time), the HTML report,
the security review; start a plan as a job."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse

from stateside.api import access, scenarios
from stateside.api.deps import Page, SmallPage, State, User, Writer, paged
from stateside.api.jobs import create_job, get_job
from stateside.api.problems import Problem, forbidden, not_found, problem_responses
from stateside.api.rundata import RunData, runs_page
from stateside.api.schemas import JobOut, NewRun, ReviewOut, RunDetail, RunPage, TableInfo, TableOut
from stateside.api.tables import link_header, records, table_csv, table_json

router = APIRouter(prefix="/api/runs", tags=["runs"], responses=problem_responses(400, 401, 403, 404, 422))

RunRef = Annotated[
    str,
    Path(
        pattern=r"^(latest(~[0-9]{1,6})?|[0-9a-f]{4,32})$",
        description="A run id, a unique prefix of one (4+ characters), 'latest' or 'latest~N'.",
    ),
]
TableName = Annotated[str, Path(pattern=r"^[A-Za-z0-9_]{1,100}$")]
Format = Annotated[
    Literal["json", "csv"] | None, Query(description="json (default) or csv; or send Accept: text/csv.")
]


def run_listing(p: Any, info: Any) -> dict[str, Any]:
    return access.run_listing(p, info.to_dict())


@router.get("", response_model=RunPage, summary="Saved runs, newest first")
def list_all(p: User, st: State, pg: SmallPage) -> dict[str, Any]:
    items, total = runs_page(pg.offset, pg.limit, st.url, p, st.runs)
    return paged([run_listing(p, i) for i in items], total, pg)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    summary="Plan a scenario as a background job",
    description="Answers at once with the job (status `queued`); follow it at /api/jobs/{id}. "
    "When it succeeds, `run_id` names the saved run.",
)
def start(body: NewRun, p: Writer, st: State) -> JSONResponse:
    if scenarios.get_scenario(body.scenario_id, st.url) is None:
        raise not_found(f"scenario {body.scenario_id}")
    job_id = create_job("plan", body.scenario_id, body.mode, {}, p.user_id, st.url)
    st.runner.submit(job_id)
    job = get_job(job_id, st.url)
    assert job is not None
    return JSONResponse(job.to_dict(), status_code=202, headers={"Location": f"/api/jobs/{job_id}"})


def load(st: Any, run: str, viewer: Any = None) -> RunData:
    """Run ``run`` as ``viewer`` may open it (404 for a run it may not see)."""
    data: RunData = st.runs.get(run, viewer)
    return data


@router.get("/{run}", response_model=RunDetail, summary="A run: identity, summary, the tables you may read")
def show(run: RunRef, p: User, st: State) -> dict[str, Any]:
    d = load(st, run, p)
    out = run_listing(p, d.info)
    out["summary"] = access.run_summary(p, d.plan.summary(), d.parties)
    out["tables"] = access.visible_tables(p, d.plan.tables)
    out["inputs"] = access.input_tables_visible(p, d.inputs)
    return out


def _infos(p: Any, tables: dict[str, Any], names: list[str], getter: Any) -> list[dict[str, Any]]:
    out = []
    for n in names:
        df = getter(p, n, tables[n])
        out.append({"name": n, "rows": len(df), "columns": [str(c) for c in df.columns]})
    return out


@router.get("/{run}/tables", response_model=list[TableInfo], summary="The result tables you may read")
def tables(run: RunRef, p: User, st: State) -> list[dict[str, Any]]:
    d = load(st, run, p)
    names = access.visible_tables(p, d.plan.tables)
    return _infos(p, d.plan.tables, names, lambda p, n, df: access.result_table(p, n, df, d.parties))


def _wants_csv(fmt: str | None, accept: str | None) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return bool(accept) and "text/csv" in (accept or "") and "application/json" not in (accept or "")


def _answer(request: Request, name: str, df: Any, pg: Any, fmt: str | None, accept: str | None) -> Response:
    total = len(df)
    headers = {"X-Total-Count": str(total)}
    link = link_header(request.url.path, pg.offset, pg.limit, total, f"&format={fmt}" if fmt else "")
    if link:
        headers["Link"] = link
    if _wants_csv(fmt, accept):
        body = table_csv(df.iloc[pg.offset : pg.offset + pg.limit])
        headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    return JSONResponse(table_json(name, df, pg.offset, pg.limit), headers=headers)


_TABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


@router.get(
    "/{run}/tables/{name}",
    response_model=TableOut,
    summary="One result table, a page of rows (JSON or CSV)",
    responses=_TABLE_RESPONSES,
)
def table(
    run: RunRef,
    name: TableName,
    p: User,
    st: State,
    pg: Page,
    request: Request,
    format: Format = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    d = load(st, run, p)
    df = d.plan.tables.get(name)
    if df is None:
        raise not_found(f"table {name!r} of run {d.id[:8]}")
    return _answer(request, name, access.result_table(p, name, df, d.parties), pg, format, accept)


@router.get("/{run}/inputs", response_model=list[TableInfo], summary="The scenario input tables you may read")
def inputs(run: RunRef, p: User, st: State) -> list[dict[str, Any]]:
    d = load(st, run, p)
    ins = d.inputs
    names = access.input_tables_visible(p, ins)
    return _infos(p, ins, names, lambda p, n, df: access.input_table(p, n, df, d.parties))


@router.get(
    "/{run}/inputs/{name}",
    response_model=TableOut,
    summary="One scenario input table of the run, a page of rows (JSON or CSV)",
    responses=_TABLE_RESPONSES,
)
def input_table(
    run: RunRef,
    name: TableName,
    p: User,
    st: State,
    pg: Page,
    request: Request,
    format: Format = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    d = load(st, run, p)
    df = d.inputs.get(name)
    if df is None:
        raise not_found(f"input table {name!r} of run {d.id[:8]}")
    return _answer(request, name, access.input_table(p, name, df, d.parties), pg, format, accept)


@router.get(
    "/{run}/security",
    response_model=ReviewOut,
    summary="The security review of the run's cap tables: one row per project, round and investor",
)
def security(run: RunRef, p: User, st: State, pg: Page) -> dict[str, Any]:
    d = load(st, run, p)
    rows, note = d.reviews()
    shown = access.security_rows(p, rows, d.parties) if rows is not None else None
    total = 0 if shown is None else len(shown)
    return {
        "run_id": d.id,
        "note": note,
        "total": total,
        "offset": pg.offset,
        "limit": pg.limit,
        "rows": [] if shown is None else records(shown.iloc[pg.offset : pg.offset + pg.limit]),
    }


@router.get(
    "/{run}/report",
    response_class=HTMLResponse,
    summary="The HTML report of the run (one self-contained file; admins and analysts)",
    responses={200: {"content": {"text/html": {}}}, **problem_responses(409)},
)
def report(run: RunRef, p: User, st: State) -> Response:
    if not access.can_read_report(p):
        raise forbidden(f"the report shows every investor; role {p.role} may not read it")
    d = load(st, run, p)
    if d.scenario is None:
        raise Problem(409, "this run was saved without its scenario, so it has no report", kind="no-scenario")
    html = report_html(st, d)
    from stateside.report.build import CSP

    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            # sandboxed: the report's inline scripts run in an opaque origin, away from the app's
            # cookies and API (no allow-same-origin)
            "Content-Security-Policy": f"{CSP}; sandbox allow-scripts allow-popups allow-downloads",
            "Content-Disposition": f'inline; filename="report-{d.id[:8]}.html"',
        },
    )


def report_html(st: Any, d: RunData) -> bytes:
    """The report of run ``d`` (rendered once per run and kept for the next few)."""
    cached: bytes | None = st.reports.get(d.id)
    if cached is not None:
        return cached
    from stateside.report import render_report

    assert d.scenario is not None
    html = render_report(d.plan, d.scenario, generated_at=d.info.created_at).encode()
    st.reports[d.id] = html
    while len(st.reports) > st.config.report_cache_size:
        st.reports.pop(next(iter(st.reports)))
    return html
