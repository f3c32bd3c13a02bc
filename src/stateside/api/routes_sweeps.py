"""Sweeps: scenario variations and Monte Carlo (:mod:`stateside.sweep`), run as background jobs.

A sweep is started with a sweep file (YAML, as for ``stateside sweep``) and a stored
scenario; its members are planned on a Dask cluster inside the job's worker process and
saved as runs. Results — P10/P50/P90 of the metrics, the tornado, every member — are read
from the store. Sweeps are an analyst's tool: admins and analysts only (a sweep's values
can name investors, e.g. which commitments close).
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from stateside.api import access, scenarios
from stateside.api.deps import Page, SmallPage, State, User, Writer, paged
from stateside.api.jobs import create_job, get_job
from stateside.api.problems import Problem, forbidden, not_found, problem_responses
from stateside.api.rundata import resolve_stored
from stateside.api.schemas import JobOut, NewSweep
from stateside.api.schemas import Page as PageModel
from stateside.api.tables import records
from stateside.store.db import session

router = APIRouter(
    prefix="/api/sweeps", tags=["sweeps"], responses=problem_responses(400, 401, 403, 404, 422)
)

SweepRef = Annotated[
    str,
    Path(
        pattern=r"^(latest(~[0-9]{1,6})?|[0-9a-f]{4,32})$",
        description="A sweep id, a unique prefix, 'latest'.",
    ),
]


def _readable(p: Any) -> None:
    if not access.is_full(p):
        raise forbidden(f"role {p.role} does not read sweeps (admins and analysts run and read them)")


def resolve_sweep(ref: str, url: str | None) -> str:
    """The full id of sweep ``ref``; 404 / 409 problems."""
    from stateside.store.models import Sweep

    return resolve_stored(ref, url, Sweep, "sweep")


@router.get("", response_model=PageModel, summary="Stored sweeps, newest first")
def list_all(p: User, st: State, pg: SmallPage) -> dict[str, Any]:
    _readable(p)
    from stateside.store.models import Sweep
    from stateside.sweep.store import list_sweeps

    with session(st.url) as s:
        total = int(s.scalar(select(func.count()).select_from(Sweep)) or 0)
    items = list_sweeps(limit=pg.offset + pg.limit, url=st.url)[pg.offset :]
    return paged([i.to_dict() for i in items], total, pg)


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    summary="Run a sweep as a background job",
    description="The sweep file is checked first (a problem of kind sweep-invalid says what is wrong); "
    "the job's `result.sweep_id` names the sweep as soon as it runs.",
)
def start(body: NewSweep, p: Writer, st: State) -> JSONResponse:
    from stateside.sweep.spec import SweepError, parse_spec

    try:
        parse_spec(body.spec_yaml, "sweep file")
    except SweepError as exc:
        raise Problem(422, str(exc), kind="sweep-invalid", title="The sweep file is not valid") from None
    except RecursionError:
        raise Problem(
            422,
            "sweep file: nested too deeply to read (a sweep file is a few levels of mappings and lists)",
            kind="sweep-invalid",
            title="The sweep file is not valid",
        ) from None
    if scenarios.get_scenario(body.scenario_id, st.url) is None:
        raise not_found(f"scenario {body.scenario_id}")
    workers = min(body.workers, os.cpu_count() or 1)
    job_id = create_job(
        "sweep", body.scenario_id, None, {"spec_yaml": body.spec_yaml, "workers": workers}, p.user_id, st.url
    )
    st.runner.submit(job_id)
    job = get_job(job_id, st.url)
    assert job is not None
    return JSONResponse(job.to_dict(), status_code=202, headers={"Location": f"/api/jobs/{job_id}"})


@router.get("/{sweep}", summary="A sweep: its file, progress, P10/P50/P90 of the metrics and the tornado")
def show(sweep: SweepRef, p: User, st: State) -> dict[str, Any]:
    _readable(p)
    from stateside.sweep.analysis import load_results, sweep_percentiles, sweep_tornado

    sid = resolve_sweep(sweep, st.url)
    res = load_results(sid, st.url)
    out = res.info.to_dict()
    out["spec_yaml"] = res.info.spec_yaml
    out["percentiles"] = records(sweep_percentiles(res)) if len(res.metrics) else []
    tornado = sweep_tornado(res) if res.info.spec.tornado is not None and len(res.metrics) else None
    out["tornado"] = records(tornado) if tornado is not None else []
    return out


@router.get("/{sweep}/members", summary="A sweep's finished members: values, status, run, metrics")
def members(sweep: SweepRef, p: User, st: State, pg: Page) -> dict[str, Any]:
    _readable(p)
    import pandas as pd

    from stateside.sweep.analysis import load_results

    res = load_results(resolve_sweep(sweep, st.url), st.url)
    frame = pd.concat(
        [res.members, res.values.add_prefix("value."), res.metrics.add_prefix("metric.")], axis=1
    ).reset_index()
    return {
        "sweep_id": res.info.id,
        "total": len(frame),
        "offset": pg.offset,
        "limit": pg.limit,
        "rows": records(frame.iloc[pg.offset : pg.offset + pg.limit]),
    }
