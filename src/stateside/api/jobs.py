"""Jobs: plans and sweeps run outside the request, in worker processes, their state in the database.

A job is a row of the ``jobs`` table: ``queued`` when submitted, ``running`` once a worker
process took it (``stage`` and ``progress`` follow the plan's stages), then ``succeeded``
(with the id of the saved run, or of the sweep), ``failed`` (with the error, one line per
scenario problem), ``cancelled`` or ``interrupted``.

:class:`JobRunner` keeps at most ``workers`` jobs running, each in its own process forked
from a *forkserver* that has already imported the planning code (so a job starts in
milliseconds, and a crashing solver takes down one job, never the server). Everything a
job produces is written to the database by the worker itself, so any server process —
or the next one — sees it. When the server stops, its running jobs are killed and
marked ``interrupted``; when a server starts, jobs left ``queued`` or ``running`` by a
server that is gone are marked ``interrupted`` too (runs already saved are kept).
One server process per database runs jobs (``stateside serve`` starts one).
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import threading
import uuid
from collections import deque
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


# --------------------------------------------------------------------------------------
# the runner


def _context() -> Any:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["stateside.api.worker"])
    return ctx


class JobRunner:
    """Runs queued jobs in worker processes, at most ``workers`` at once (0: never runs them)."""

    def __init__(self, url: str | None, workers: int) -> None:
        self.url = url
        self.workers = max(0, int(workers))
        self.id = uuid.uuid4().hex
        self._queue: deque[str] = deque()
        self._running: dict[str, Any] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._ctx: Any = None

    # -- lifecycle

    def start(self) -> None:
        """Mark jobs of earlier servers interrupted and start dispatching."""
        n = interrupt_stale(self.id, self.url)
        if n:
            log.warning("%d job(s) of an earlier server were interrupted", n)
        if self.workers and self._thread is None:
            self._ctx = _context()
            self._thread = threading.Thread(target=self._loop, name="stateside-jobs", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Kill running jobs and mark this runner's unfinished jobs ``interrupted``."""
        with self._cond:
            self._stopping = True
            procs = dict(self._running)
            queued = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            proc.join(timeout_s)
            if proc.is_alive():
                proc.kill()
                proc.join(1.0)
        for job_id in [*procs, *queued]:
            end_job(job_id, self.url, INTERRUPTED, STOPPED_ERROR)
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    # -- jobs

    def submit(self, job_id: str) -> None:
        set_state(job_id, self.url, only_if=(QUEUED,), runner=self.id)
        with self._cond:
            self._queue.append(job_id)
            self._cond.notify_all()

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job of this runner; whether it was."""
        with self._cond:
            if job_id in self._queue:
                self._queue.remove(job_id)
                proc = None
            else:
                proc = self._running.get(job_id)
        if proc is not None:
            proc.terminate()
        return end_job(job_id, self.url, CANCELLED, "cancelled by a user")

    @property
    def busy(self) -> int:
        with self._cond:
            return len(self._running) + len(self._queue)

    def _loop(self) -> None:
        """Reap finished workers and start queued jobs; processes start outside the lock (the
        first start waits for the forkserver to import the planning code)."""
        from stateside.api.worker import run_job

        while True:
            with self._cond:
                if self._stopping:
                    return
                finished = [(j, p) for j, p in self._running.items() if not p.is_alive()]
                for job_id, _ in finished:
                    del self._running[job_id]
                starting: list[str] = []
                while self._queue and len(self._running) + len(starting) < self.workers:
                    starting.append(self._queue.popleft())
            for job_id, proc in finished:
                self._reaped(job_id, proc)
            for job_id in starting:
                # not a daemon: a sweep's job starts a Dask cluster of its own processes
                proc = self._ctx.Process(target=run_job, args=(job_id, self.url), daemon=False)
                try:
                    proc.start()
                except Exception as exc:  # cannot fork: the job fails, the server goes on
                    log.exception("cannot start a worker for job %s", job_id)
                    end_job(job_id, self.url, FAILED, f"cannot start a worker process: {exc}")
                    continue
                with self._cond:
                    stopping = self._stopping
                    if not stopping:
                        self._running[job_id] = proc
                if stopping:  # stop() ran while this one was starting
                    proc.terminate()
                    proc.join(5.0)
                    end_job(job_id, self.url, INTERRUPTED, STOPPED_ERROR)
            with self._cond:
                if not self._stopping and not (self._queue and len(self._running) < self.workers):
                    self._cond.wait(0.2)

    def _reaped(self, job_id: str, proc: Any) -> None:
        """A worker that ended: if it did not record the job's end itself, the job failed."""
        proc.join()
        code = proc.exitcode
        if code != 0:
            end_job(
                job_id,
                self.url,
                FAILED,
                f"the worker process ended with exit code {code} before the job finished",
            )
