"""What a worker process does with one job (started by :class:`stateside.api.jobs.JobRunner`).

Imported by the forkserver before any job (so the planning code is loaded once), then
run in a fresh child per job: load the job's scenario, plan it (reporting each stage to
the ``jobs`` row), save the run, and record the outcome. Every outcome — success, a
scenario with problems, a solver error — is written to the job's row; an exit code other
than 0 only happens if the process is killed.

A watchdog thread checks the job's row and its server's lease every
:data:`WATCH_INTERVAL_S` seconds: when the job was cancelled, or the server that started
it no longer holds the store's lease (it was killed, or another server took over), the
worker stops (SIGTERM to itself, so a sweep's Dask cluster closes). A plan's worker
disarms its watchdog before it checks the job one last time and saves the run (so no
signal can land between the save and the link); the run is linked to its job in the same
step that marks the job succeeded, and if the job is no longer running by then, the run
just saved is deleted again — a run is never left unlinked.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from stateside.api import jobstate as jobs
from stateside.api import lease
from stateside.api.scenarios import DEFAULT_ID, load_stored
from stateside.run import STAGES, run_plan
from stateside.scenario.errors import ScenarioError
from stateside.store.db import session
from stateside.store.models import Job, Run

#: seconds between two checks of the job's row and the server's lease
WATCH_INTERVAL_S = 1.0
#: the error of a job whose server went away while it ran
ORPHANED_ERROR = "the server that started this job stopped (its lease on the store is gone); start it again"

log = logging.getLogger("stateside.api.worker")

#: the stages a plan job goes through, in order (the plan's own, then saving)
PLAN_STAGES: tuple[str, ...] = ("load", *STAGES, "save")


def _now() -> datetime:
    return datetime.now(UTC)


def _terminate(_signum: int, _frame: Any) -> None:
    raise SystemExit(143)


def run_job(job_id: str, url: str | None) -> None:
    """Run job ``job_id`` of the store at ``url`` to its end, writing its state as it goes.

    SIGTERM (the server stopping, a user cancelling) raises SystemExit, so a sweep's Dask
    cluster is closed on the way out."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        with session(url) as s:
            job = s.get(Job, job_id)
            if job is None:
                return
            kind, mode, params = job.kind, job.mode, dict(json.loads(job.params_json or "{}"))
            runner = job.runner
        started = jobs.set_state(
            job_id, url, only_if=(jobs.QUEUED,), status=jobs.RUNNING, started_at=_now(), stage="load"
        )
        if not started:
            return
        watchdog = _Watchdog(job_id, url, runner)
        if kind == "plan":
            result = _plan(job_id, url, mode, params, runner, watchdog)
        elif kind == "sweep":
            result = _sweep(job_id, url, params)
        else:
            raise ValueError(f"unknown job kind {kind!r}")
        watchdog.disarm()
        done = jobs.set_state(
            job_id,
            url,
            only_if=(jobs.RUNNING,),
            status=jobs.SUCCEEDED,
            finished_at=_now(),
            progress=1.0,
            stage="done",
            **result,
        )
        if not done and result.get("run_id"):
            _discard(str(result["run_id"]), url, job_id)
    except ScenarioError as exc:
        _fail(job_id, url, "\n".join(str(i) for i in exc.errors) or str(exc))
    except Exception as exc:
        log.error("job %s failed:\n%s", job_id, traceback.format_exc())
        _fail(job_id, url, f"{type(exc).__name__}: {exc}")


def still_wanted(job_id: str, url: str | None, runner: str | None) -> str | None:
    """None while the job should go on; else why it should stop (cancelled, ended, orphaned)."""
    with session(url) as s:
        job = s.get(Job, job_id)
        status = job.status if job is not None else None
    if status != jobs.RUNNING:
        return f"the job is {status or 'gone'}"
    if runner is not None and not lease.holds(runner, url):
        return "its server's lease is gone"
    return None


class _Watchdog:
    """Stops this worker (SIGTERM to itself) once its job is no longer wanted — until it is
    disarmed. The check and the signal happen under a lock that :meth:`disarm` takes too,
    so once ``disarm()`` has returned no signal can come: a check that was under way when
    the job was cancelled cannot kill the worker after it has moved on to saving."""

    def __init__(self, job_id: str, url: str | None, runner: str | None) -> None:
        self._job_id, self._url, self._runner = job_id, url, runner
        self._stop = threading.Event()
        self._lock = threading.Lock()
        threading.Thread(target=self._watch, daemon=True).start()

    def disarm(self) -> None:
        with self._lock:
            self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_INTERVAL_S):
            try:
                why = still_wanted(self._job_id, self._url, self._runner)
            except Exception:  # the store did not answer: try again
                continue
            if why is None:
                continue
            with self._lock:
                if self._stop.is_set():
                    return  # disarmed meanwhile: the worker checks for itself
                log.warning("job %s: stopping its worker: %s", self._job_id, why)
                if "lease" in why:
                    jobs.end_job(self._job_id, self._url, jobs.INTERRUPTED, ORPHANED_ERROR)
                os.kill(os.getpid(), signal.SIGTERM)
                return


def _discard(run_id: str, url: str | None, job_id: str) -> None:
    """Delete a run saved for a job that was cancelled or interrupted meanwhile (nobody links it)."""
    log.warning("job %s ended before its run %s was linked: the run is discarded", job_id, run_id)
    with session(url, write=True) as s:
        row = s.get(Run, run_id)
        if row is not None:
            s.delete(row)


def _fail(job_id: str, url: str | None, error: str) -> None:
    try:
        jobs.end_job(job_id, url, jobs.FAILED, error)
    except Exception:  # the store itself is gone: nothing more to record
        log.error("cannot record the failure of job %s:\n%s", job_id, traceback.format_exc())


#: seconds between two solve-progress lines in the job log
SOLVE_LOG_INTERVAL_S = 5.0


def _stage(job_id: str, url: str | None, stages: tuple[str, ...]) -> Any:
    def step(stage: str) -> None:
        i = stages.index(stage) if stage in stages else 0
        jobs.set_state(job_id, url, only_if=(jobs.RUNNING,), stage=stage, progress=i / len(stages))

    last = [0.0]

    def on_solve(event: Any) -> None:
        """Solve events (stateside.model.solve.SolveEvent: stage, elapsed time, plan, bound,
        gap) to the job log; progress events at most every few seconds."""
        now = time.monotonic()
        if event.kind == "progress" and now - last[0] < SOLVE_LOG_INTERVAL_S:
            return
        last[0] = now
        log.info("job %s: solve %.1f s %s %s", job_id, event.elapsed_s, event.kind, event.describe())

    step.on_solve = on_solve  # type: ignore[attr-defined]
    return step


def _plan(
    job_id: str,
    url: str | None,
    mode: str | None,
    params: dict[str, Any],
    runner: str | None = None,
    watchdog: _Watchdog | None = None,
) -> dict[str, Any]:
    from stateside.store.api import save_run

    step = _stage(job_id, url, PLAN_STAGES)
    scenario_id = str(params.get("scenario") or DEFAULT_ID)
    scenario = load_stored(scenario_id, url)
    plan = run_plan(scenario, mode=mode, progress=step)
    if watchdog is not None:
        watchdog.disarm()  # from here the worker checks for itself: the save is never cut short
    why = still_wanted(job_id, url, runner)
    if why is not None:  # cancelled or orphaned while solving: nothing to save
        if "lease" in why:
            jobs.end_job(job_id, url, jobs.INTERRUPTED, ORPHANED_ERROR)
        raise SystemExit(f"not saving the run: {why}")
    step("save")
    source = "default" if scenario_id == DEFAULT_ID else f"upload:{scenario_id}"
    run_id = save_run(plan, scenario, source=source, url=url)
    return {"run_id": run_id, "result_json": json.dumps({"status": plan.termination or plan.status})}


def _sweep(job_id: str, url: str | None, params: dict[str, Any]) -> dict[str, Any]:
    """Run a sweep (:func:`stateside.sweep.runner.run_sweep`) on a local Dask cluster in this process."""
    from stateside.sweep.runner import run_sweep
    from stateside.sweep.spec import parse_spec, sweep_id

    spec_yaml = str(params.get("spec_yaml") or "")
    spec = parse_spec(spec_yaml, "sweep file")
    scenario_id = str(params.get("scenario") or DEFAULT_ID)
    base = load_stored(scenario_id, url)
    sid = sweep_id(spec, base.content_hash())
    jobs.set_state(
        job_id, url, only_if=(jobs.RUNNING,), stage="solve", result_json=json.dumps({"sweep_id": sid})
    )
    stop = threading.Event()
    follower = threading.Thread(target=_follow_sweep, args=(job_id, url, sid, stop), daemon=True)
    follower.start()
    try:
        outcome = run_sweep(
            spec,
            base,
            spec_yaml,
            workers=int(params.get("workers") or 1),
            url=url,
            source="default" if scenario_id == DEFAULT_ID else f"upload:{scenario_id}",
            progress=False,
        )
    finally:
        stop.set()
        follower.join(5.0)
    return {"result_json": json.dumps(outcome.to_dict())}


def _follow_sweep(job_id: str, url: str | None, sid: str, stop: threading.Event) -> None:
    """Copy the sweep's finished share of members into the job's progress, every second."""
    from stateside.sweep.store import sweep_info

    while not stop.wait(1.0):
        try:
            info = sweep_info(sid, url)
        except Exception:  # the sweep row is not written yet
            continue
        if info.n_members:
            done = (info.n_done + info.n_failed) / info.n_members
            jobs.set_state(job_id, url, only_if=(jobs.RUNNING,), progress=min(0.99, done))
