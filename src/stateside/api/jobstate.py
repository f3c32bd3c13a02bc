"""Job rows: their states, creating, reading and ending them (no processes here).

A job is a row of the ``jobs`` table: ``queued`` when submitted, ``running`` once a worker
process took it (``stage`` and ``progress`` follow the plan's stages), then ``succeeded``
(with the id of the saved run, or of the sweep), ``failed`` (with the error, one line per
scenario problem), ``cancelled`` or ``interrupted``. Both the server
(:mod:`stateside.api.jobs`) and the worker processes (:mod:`stateside.api.worker`) use this
module; neither imports the other's module at load time.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from stateside.store.db import as_utc, session
from stateside.store.models import Job, User

log = logging.getLogger("stateside.api.jobs")

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, INTERRUPTED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
    "interrupted",
)
ACTIVE = (QUEUED, RUNNING)
FINISHED = (SUCCEEDED, FAILED, CANCELLED, INTERRUPTED)
KINDS = ("plan", "sweep")


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(dt: datetime | None) -> datetime | None:
    return None if dt is None else as_utc(dt)


@dataclass
class JobInfo:
    """A job as the API shows it."""

    id: str
    kind: str
    status: str
    stage: str | None
    progress: float
    scenario_id: str | None
    mode: str | None
    params: dict[str, Any]
    run_id: str | None
    result: dict[str, Any] | None
    error: str | None
    created_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d is not None else None

        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "stage": self.stage,
            "progress": self.progress,
            "scenario_id": self.scenario_id,
            "mode": self.mode,
            "params": self.params,
            "run_id": self.run_id,
            "result": self.result,
            "error": self.error,
            "created_by": self.created_by,
            "created_at": iso(self.created_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
        }


def _info(j: Job, user: str | None) -> JobInfo:
    created = _utc(j.created_at)
    assert created is not None
    return JobInfo(
        id=j.id,
        kind=j.kind,
        status=j.status,
        stage=j.stage,
        progress=float(j.progress),
        scenario_id=j.scenario_id,
        mode=j.mode,
        params=dict(json.loads(j.params_json or "{}")),
        run_id=j.run_id,
        result=json.loads(j.result_json) if j.result_json else None,
        error=j.error,
        created_by=user,
        created_at=created,
        started_at=_utc(j.started_at),
        finished_at=_utc(j.finished_at),
    )


def create_job(
    kind: str,
    scenario_id: str | None,
    mode: str | None,
    params: dict[str, Any],
    created_by: int | None,
    url: str | None = None,
) -> str:
    """A new ``queued`` job; its id."""
    job_id = uuid.uuid4().hex
    with session(url, write=True) as s:
        s.add(
            Job(
                id=job_id,
                kind=kind,
                status=QUEUED,
                stage=None,
                progress=0.0,
                scenario_id=None if scenario_id == "default" else scenario_id,
                mode=mode,
                params_json=json.dumps({**params, "scenario": scenario_id}),
                created_by=created_by,
                created_at=_now(),
            )
        )
    return job_id


def get_job(job_id: str, url: str | None = None) -> JobInfo | None:
    with session(url) as s:
        row = s.execute(
            select(Job, User.name).outerjoin(User, User.id == Job.created_by).where(Job.id == job_id)
        ).first()
    return _info(row[0], row[1]) if row is not None else None


def list_jobs(
    offset: int, limit: int, kind: str | None = None, url: str | None = None
) -> tuple[list[JobInfo], int]:
    q = select(Job, User.name).outerjoin(User, User.id == Job.created_by)
    c = select(func.count()).select_from(Job)
    if kind is not None:
        q = q.where(Job.kind == kind)
        c = c.where(Job.kind == kind)
    with session(url) as s:
        total = int(s.scalar(c) or 0)
        rows = s.execute(q.order_by(Job.created_at.desc(), Job.id).offset(offset).limit(limit)).all()
    return [_info(j, u) for j, u in rows], total


def set_state(
    job_id: str,
    url: str | None = None,
    only_if: tuple[str, ...] | None = None,
    **values: Any,
) -> bool:
    """Update job ``job_id`` (only while its status is one of ``only_if``); whether a row changed."""
    q = update(Job).where(Job.id == job_id)
    if only_if is not None:
        q = q.where(Job.status.in_(only_if))
    with session(url, write=True) as s:
        res = s.execute(q.values(**values))
        return bool(getattr(res, "rowcount", 0))


def end_job(job_id: str, url: str | None, status: str, error: str) -> bool:
    """End job ``job_id`` with ``status`` (failed, cancelled, interrupted) and ``error``, if it is
    still queued or running; whether it was."""
    return set_state(job_id, url, only_if=ACTIVE, status=status, finished_at=_now(), error=error)


#: the error of a job the server stopped while it was queued or running
STOPPED_ERROR = "the server stopped before this job finished; start it again"


def interrupt_stale(runner: str, url: str | None = None) -> int:
    """Mark jobs left queued or running by any other runner ``interrupted``; how many."""
    with session(url, write=True) as s:
        res = s.execute(
            update(Job)
            .where(Job.status.in_(ACTIVE), (Job.runner.is_(None)) | (Job.runner != runner))
            .values(
                status=INTERRUPTED,
                finished_at=_now(),
                error=STOPPED_ERROR,
            )
        )
        return int(getattr(res, "rowcount", 0) or 0)
