"""The job runner: plans and sweeps run outside the request, in worker processes.

Job rows and their states are in :mod:`stateside.api.jobstate` (re-exported here).
:class:`JobRunner` keeps at most ``workers`` jobs running, each in its own process forked
from a *forkserver* that has already imported the planning code (so a job starts in
milliseconds, and a crashing solver takes down one job, never the server). Everything a
job produces is written to the database by the worker itself, so any server process —
or the next one — sees it.

One server per store runs jobs: the runner takes the store's lease
(:mod:`stateside.api.lease`) when it starts — a second server on the same store is
refused (or waits) — and renews it while it runs. When the server stops, its running
jobs are killed and marked ``interrupted`` and the lease released; when a server starts,
jobs left ``queued`` or ``running`` by a server that is gone are marked ``interrupted``
(runs already saved are kept). A worker stops its job when the job is cancelled or its
server's lease is gone (:mod:`stateside.api.worker`), and a run it saved after that is
discarded, so no run is left unlinked.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
import time
import uuid
from collections import deque
from typing import Any

from stateside.api import lease
from stateside.api.jobstate import (
    ACTIVE,
    CANCELLED,
    FAILED,
    FINISHED,
    INTERRUPTED,
    KINDS,
    QUEUED,
    RUNNING,
    STOPPED_ERROR,
    SUCCEEDED,
    JobInfo,
    create_job,
    end_job,
    get_job,
    interrupt_stale,
    list_jobs,
    set_state,
)

log = logging.getLogger("stateside.api.jobs")

__all__ = [
    "ACTIVE",
    "CANCELLED",
    "FAILED",
    "FINISHED",
    "INTERRUPTED",
    "KINDS",
    "QUEUED",
    "RUNNING",
    "STOPPED_ERROR",
    "SUCCEEDED",
    "JobInfo",
    "JobRunner",
    "create_job",
    "end_job",
    "get_job",
    "interrupt_stale",
    "list_jobs",
    "set_state",
]

# --------------------------------------------------------------------------------------
# the runner


def _context() -> Any:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["stateside.api.worker"])
    return ctx


class JobRunner:
    """Runs queued jobs in worker processes, at most ``workers`` at once (0: never runs them)."""

    def __init__(
        self,
        url: str | None,
        workers: int,
        lease_ttl_s: float = lease.DEFAULT_TTL_S,
        lease_wait_s: float = 0.0,
    ) -> None:
        self.url = url
        self.workers = max(0, int(workers))
        self.id = uuid.uuid4().hex
        self.lease_ttl_s = lease_ttl_s
        self.lease_wait_s = lease_wait_s
        self.lease_lost = False
        self._renewer: threading.Thread | None = None
        self._renew_stop = threading.Event()
        self._queue: deque[str] = deque()
        self._running: dict[str, Any] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._ctx: Any = None

    # -- lifecycle

    def start(self) -> None:
        """Take the store's lease (:class:`stateside.api.lease.LeaseHeld` if another server holds it,
        after waiting up to ``lease_wait_s``), mark jobs of earlier servers interrupted and start
        dispatching."""
        deadline = time.monotonic() + self.lease_wait_s
        while True:
            try:
                lease.acquire(self.id, self.url, self.lease_ttl_s)
                break
            except lease.LeaseHeld:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        self._renew_stop.clear()
        self._renewer = threading.Thread(target=self._renew, name="stateside-lease", daemon=True)
        self._renewer.start()
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
        self._renew_stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout_s)
            self._renewer = None
        try:
            lease.release(self.id, self.url)
        except Exception:  # the store is gone: the lease expires by itself
            log.warning("could not release the server lease; it expires in %.0f s", self.lease_ttl_s)

    def _renew(self) -> None:
        """Renew the lease every third of its lifetime; if it was lost (the store was unreachable
        for longer than its lifetime and another server took it), stop running jobs."""
        while not self._renew_stop.wait(self.lease_ttl_s / 3):
            try:
                ok = lease.renew(self.id, self.url, self.lease_ttl_s)
            except Exception:
                log.warning("could not renew the server lease (store unreachable?)")
                continue
            if not ok:
                log.error("this server lost its lease on the store: another server runs its jobs now")
                self.lease_lost = True
                with self._cond:
                    self._queue.clear()
                return

    # -- jobs

    def submit(self, job_id: str) -> None:
        if self.lease_lost:
            end_job(job_id, self.url, INTERRUPTED, "this server lost its lease on the store; submit it again")
            return
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
