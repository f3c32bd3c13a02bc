"""Jobs: follow a plan or sweep running in the background, cancel it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from stateside.api import access
from stateside.api.deps import SmallPage, State, User, Writer, paged
from stateside.api.jobs import ACTIVE, get_job, list_jobs
from stateside.api.problems import Problem, forbidden, not_found, problem_responses
from stateside.api.schemas import JobOut, JobPage

router = APIRouter(prefix="/api/jobs", tags=["jobs"], responses=problem_responses(401, 403, 404, 422))

JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="A job id.")]


def _readable(p: Any) -> None:
    if not access.can_read_jobs(p):
        raise forbidden(f"role {p.role} does not follow jobs (admins and analysts start and follow them)")


@router.get("", response_model=JobPage, summary="Jobs, newest first")
def list_all(
    p: User,
    st: State,
    pg: SmallPage,
    kind: Annotated[Literal["plan", "sweep"] | None, Query(description="Only plans or only sweeps.")] = None,
) -> dict[str, Any]:
    _readable(p)
    items, total = list_jobs(pg.offset, pg.limit, kind, st.url)
    return paged([j.to_dict() for j in items], total, pg)


@router.get("/{job_id}", response_model=JobOut, summary="A job: status, stage, progress, its run when done")
def show(job_id: JobId, p: User, st: State) -> dict[str, Any]:
    _readable(p)
    job = get_job(job_id, st.url)
    if job is None:
        raise not_found(f"job {job_id}")
    return job.to_dict()


@router.post(
    "/{job_id}/cancel",
    response_model=JobOut,
    summary="Cancel a queued or running job",
    responses=problem_responses(409),
)
def cancel(job_id: JobId, p: Writer, st: State) -> dict[str, Any]:
    job = get_job(job_id, st.url)
    if job is None:
        raise not_found(f"job {job_id}")
    if job.status not in ACTIVE or not st.runner.cancel(job_id):
        raise Problem(
            409,
            f"job {job_id[:8]} is {job.status}; only queued or running jobs can be cancelled",
            kind="job-finished",
        )
    out = get_job(job_id, st.url)
    assert out is not None
    return out.to_dict()
