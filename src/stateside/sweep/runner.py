"""Run a sweep on Dask distributed: each member solved in a worker, saved as it finishes.

By default a :class:`distributed.LocalCluster` on this machine (``workers`` processes,
one thread each, no dashboard); with ``scheduler="tcp://HOST:8786"`` an existing cluster,
whose workers must have the same stateside installed (checked before anything is sent).
Each member's HiGHS runs with ``solver_threads`` (default 1) threads, so N workers use
N cores.

The client process is the store's only writer: as each member's future completes, its
plan is saved as a run (:func:`stateside.store.api.save_run`) and its member row — values,
metrics, run id — is written (:mod:`stateside.sweep.store`). Nothing is lost but the
members in flight when the sweep is killed.

Resume: the sweep's id is a hash of the sweep file's parameters and the base scenario,
so running the same file again finds the same sweep. A member is done when its row
exists, solved, with the same scenario content hash (members are identified by that hash
and their sample index); only the others are solved. Before solving, a member whose
scenario was already solved — by another member of this sweep, or by any run in the store
of the same content hash, mode and stateside version that reached optimality (as ``plan
--reuse``) — takes that run instead: a sweep killed between saving a run and writing its
member row loses nothing either.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from stateside import __version__
from stateside.plan import Plan
from stateside.scenario.types import Scenario
from stateside.sweep.analysis import metrics_of
from stateside.sweep.apply import apply_sample, apply_values
from stateside.sweep.sample import Sample, samples
from stateside.sweep.spec import SweepError, SweepSpec, sweep_id
from stateside.sweep.store import ERROR, OK, MemberRecord, load_members, save_members, save_sweep

if TYPE_CHECKING:
    from stateside.model.solve import StartBasis

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------
# in the worker


@dataclass
class MemberResult:
    """What a worker sends back for one solved scenario."""

    scenario_hash: str
    plan: Plan | None
    metrics: dict[str, float]
    seconds: float
    error: str | None = None
    worker_pid: int = 0


def solve_member(
    base: Scenario,
    spec_json: str,
    values: dict[str, Any],
    mode: str | None,
    start: StartBasis | None = None,
) -> MemberResult:
    """Apply ``values`` to ``base`` and plan it (runs in a Dask worker), its LP relaxation
    started from ``start`` when given (the base scenario's basis, :func:`member_start`).

    Failures come back as a result with ``error`` set, so one bad member does not stop
    the sweep.
    """
    from stateside.run import run_plan

    _quiet_linopy()
    t0 = time.perf_counter()
    scenario_hash = ""
    try:
        spec = SweepSpec.model_validate_json(spec_json)
        scenario = apply_values(base, spec, values)
        scenario_hash = scenario.content_hash()
        # no diagnosis re-solves per member
        plan = run_plan(scenario, mode=mode, diagnose=False, start_basis=start)
        return MemberResult(
            scenario_hash=scenario_hash,
            plan=plan,
            metrics=metrics_of(plan),
            seconds=time.perf_counter() - t0,
            worker_pid=os.getpid(),
        )
    except Exception as exc:  # a worker never raises: the error is recorded on the member
        text = str(exc).strip().splitlines()
        return MemberResult(
            scenario_hash=scenario_hash,
            plan=None,
            metrics={},
            seconds=time.perf_counter() - t0,
            error=f"{type(exc).__name__}: {text[0] if text else ''}",
            worker_pid=os.getpid(),
        )


def member_start(base: Scenario, spec_json: str, mode: str | None) -> StartBasis | None:
    """The base scenario's LP-relaxation basis, as members see it (the sweep's solver
    settings applied, no parameter changed): every member whose model has the same shape
    starts its relaxation from it (runs in a Dask worker; None if anything fails — the
    members then start cold)."""
    from stateside.run import relaxation_start

    _quiet_linopy()
    try:
        spec = SweepSpec.model_validate_json(spec_json)
        return relaxation_start(apply_values(base, spec, {}), mode)
    except Exception:  # a start is an optimisation only
        return None


class _DropMessage(logging.Filter):
    """Drops log records whose message starts with ``prefix``."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


def _quiet_linopy() -> None:
    """Keep linopy's notice about HiGHS's LP method on a model with (fixed) integers out of the
    sweep's output: workers print to the sweep's terminal, once per solve. Once per process."""
    lg = logging.getLogger("linopy.solvers")
    if not any(isinstance(f, _DropMessage) for f in lg.filters):
        lg.addFilter(_DropMessage("The HiGHS solver ignores quadratic terms / integrality"))


def worker_version() -> str:
    """The stateside version a worker runs (checked before a sweep is sent to a cluster)."""
    return __version__


# --------------------------------------------------------------------------------------
# in the client


@dataclass
class _Member:
    sample: Sample
    scenario_hash: str
    mode: str


@dataclass
class SweepOutcome:
    """What one call of :func:`run_sweep` did."""

    sweep_id: str
    n_members: int
    resumed: bool
    already_done: int = 0
    solved: int = 0
    reused: int = 0
    failed: int = 0
    left: int = 0
    workers: int = 0
    cluster_seconds: float = 0.0
    solve_wall_seconds: float = 0.0
    seconds: float = 0.0
    solve_seconds: list[float] = field(default_factory=list)
    worker_pids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sweep_id": self.sweep_id,
            "n_members": self.n_members,
            "resumed": self.resumed,
            "already_done": self.already_done,
            "solved": self.solved,
            "reused": self.reused,
            "failed": self.failed,
            "left": self.left,
            "workers": self.workers,
            "cluster_seconds": round(self.cluster_seconds, 3),
            "solve_wall_seconds": round(self.solve_wall_seconds, 3),
            "seconds": round(self.seconds, 3),
            "scenarios_per_minute": round(60.0 * self.solved / self.solve_wall_seconds, 3)
            if self.solve_wall_seconds > 0
            else None,
        }


def prepare(spec: SweepSpec, base: Scenario) -> tuple[str, list[_Member]]:
    """The sweep id and every member with its scenario content hash and mode.

    Every sample is applied here, in the client, so a value that makes an impossible
    scenario stops the sweep before anything is solved.
    """
    out: list[_Member] = []
    for s in samples(spec, base):
        scenario = apply_sample(base, spec, s)
        mode = spec.mode or scenario.settings.mode
        out.append(_Member(sample=s, scenario_hash=scenario.content_hash(), mode=mode))
    return sweep_id(spec, base.content_hash()), out


def _record(
    m: _Member,
    status: str,
    termination: str,
    run_id: str | None,
    reused: bool,
    metrics: dict[str, float],
    error: str | None = None,
    seconds: float = 0.0,
) -> MemberRecord:
    s = m.sample
    return MemberRecord(
        sample_index=s.index,
        design=s.design,
        role=s.role,
        grid_point=s.grid_point,
        draw=s.draw,
        scenario_hash=m.scenario_hash,
        status=status,
        termination=termination,
        run_id=run_id,
        reused=reused,
        values=s.values,
        metrics=metrics,
        error=error,
        seconds=seconds,
        finished_at=datetime.now(UTC),
    )


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    """A Dask client: of a new LocalCluster (``workers`` processes × 1 thread) or of ``scheduler``."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise SweepError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    with warnings.catch_warnings():
        # without a dashboard the scheduler still serves health checks over HTTP, on port 8787
        # or, when another cluster has it, on a free port: the notice says so, harmlessly
        warnings.filterwarnings("ignore", message=r"Port \d+ is already in use")
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _check_workers(client: Any, where: str) -> int:
    """Number of workers; a SweepError when there are none or they run another stateside."""
    try:
        client.wait_for_workers(1, timeout=60)
        versions = client.run(worker_version)
    except Exception as exc:
        raise SweepError(
            f"the Dask workers of {where} cannot run stateside ({type(exc).__name__}: {exc}); "
            "install the same stateside on every worker"
        ) from None
    other = sorted({str(v) for v in versions.values()} - {__version__})
    if other:
        raise SweepError(
            f"the Dask workers of {where} run stateside {', '.join(other)}, this is {__version__}; "
            "install the same version on every worker"
        )
    return len(versions)


def run_sweep(
    spec: SweepSpec,
    base: Scenario,
    spec_yaml: str = "",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    url: str | None = None,
    limit: int | None = None,
    reuse: bool = True,
    source: str | None = None,
    console: Console | None = None,
    progress: bool = True,
) -> SweepOutcome:
    """Run (or resume) the sweep ``spec`` on ``base``; members are saved as they finish.

    ``limit`` solves at most that many scenarios in this call (the rest are left for a
    later call). ``reuse=False`` solves every member not yet done even when an identical
    scenario's run is in the store.
    """
    from stateside.store.api import find_run_by_hash, load_run, save_run
    from stateside.store.db import engine_for

    t_start = time.perf_counter()
    engine_for(url)  # a bad store URL fails now, not after the first solve
    err = console or Console(stderr=True, highlight=False)
    show = progress and err.is_terminal
    say = (lambda msg: err.print(msg, markup=False, highlight=False)) if progress else (lambda msg: None)

    sid, members = prepare(spec, base)
    base_mode = spec.mode or base.settings.mode
    resumed = save_sweep(
        sid, spec, spec_yaml, base.settings.name, base.content_hash(), base_mode, len(members), source, url
    )
    outcome = SweepOutcome(sweep_id=sid, n_members=len(members), resumed=resumed)

    stored = {m.sample_index: m for m in load_members(sid, url)}
    done_hash: dict[tuple[str, str], MemberRecord] = {}
    pending: list[_Member] = []
    for m in members:
        rec = stored.get(m.sample.index)
        if rec is not None and rec.ok and rec.scenario_hash == m.scenario_hash:
            outcome.already_done += 1
            done_hash.setdefault((m.scenario_hash, m.mode), rec)
        else:
            pending.append(m)

    # members whose scenario is already solved: in this sweep, or (reuse) anywhere in the store
    groups: dict[tuple[str, str], list[_Member]] = {}
    for m in pending:
        groups.setdefault((m.scenario_hash, m.mode), []).append(m)
    to_solve: list[list[_Member]] = []
    reused_records: list[MemberRecord] = []
    for key, group in groups.items():
        prior = done_hash.get(key)
        if prior is not None:
            reused_records += [
                _record(m, OK, prior.termination, prior.run_id, True, prior.metrics) for m in group
            ]
            continue
        found = find_run_by_hash(key[0], key[1], code_version=__version__, url=url) if reuse else None
        if found is not None:
            plan = load_run(found, url)
            metrics = metrics_of(plan)
            reused_records += [_record(m, OK, plan.termination, found, True, metrics) for m in group]
            continue
        to_solve.append(group)
    save_members(sid, reused_records, url)
    outcome.reused = len(reused_records)
    if limit is not None:
        outcome.left = sum(len(g) for g in to_solve[limit:])
        to_solve = to_solve[:limit]

    n_pending = sum(len(g) for g in to_solve)
    say(
        f"sweep {sid[:8]} {spec.name!r}: {len(members)} members, {outcome.already_done} done before"
        + (f", {outcome.reused} from stored runs" if outcome.reused else "")
        + f", {len(to_solve)} scenario{'s' if len(to_solve) != 1 else ''} to solve"
        + (f" ({outcome.left} members left for later)" if outcome.left else "")
    )
    if not to_solve:
        outcome.seconds = time.perf_counter() - t_start
        return outcome

    n_workers = max(1, min(workers or (os.cpu_count() or 1), len(to_solve)))
    where = scheduler or f"a local cluster of {n_workers} worker{'s' if n_workers != 1 else ''}"
    t_cluster = time.perf_counter()
    with dask_client(n_workers, scheduler) as client:
        outcome.workers = _check_workers(client, where)
        outcome.cluster_seconds = time.perf_counter() - t_cluster
        say(f"solving on {where} ({outcome.workers} worker{'s' if outcome.workers != 1 else ''})")
        _solve_all(
            client, spec, base, sid, to_solve, n_pending, outcome, url, source, err, show, say, save_run
        )
    outcome.seconds = time.perf_counter() - t_start
    return outcome


def _solve_all(
    client: Any,
    spec: SweepSpec,
    base: Scenario,
    sid: str,
    to_solve: list[list[_Member]],
    n_pending: int,
    outcome: SweepOutcome,
    url: str | None,
    source: str | None,
    err: Console,
    show: bool,
    say: Any,
    save_run: Any,
) -> None:
    from distributed import as_completed

    spec_json = spec.model_dump_json()
    base_future = client.scatter(base, broadcast=True)
    t0 = time.perf_counter()
    token = uuid.uuid4().hex[:8]
    # members start their relaxations from the base scenario's basis (one relaxation,
    # solved first): a few hundred simplex iterations each instead of ~70,000
    start = None
    if spec.warm_start and len(to_solve) > 1:
        start = client.submit(
            member_start,
            base_future,
            spec_json,
            spec.mode or base.settings.mode,
            key=f"stateside-sweep-{sid[:8]}-start-{token}",
        )
    futures: dict[Any, list[_Member]] = {}
    for group in to_solve:
        first = group[0]
        fut = client.submit(
            solve_member,
            base_future,
            spec_json,
            first.sample.values,
            first.mode,
            start,
            key=f"stateside-sweep-{sid[:8]}-{first.sample.index}-{token}",
            retries=1,
        )
        futures[fut] = group
    bar = (
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[note]}"),
            console=err,
        )
        if show
        else None
    )
    done = 0
    try:
        with bar if bar is not None else nullcontext():
            task = bar.add_task(f"sweep {sid[:8]}", total=n_pending, note="") if bar is not None else None
            for fut in as_completed(list(futures)):
                group = futures.pop(fut)
                records = _finish(fut, group, spec, base, sid, outcome, url, source, save_run)
                save_members(sid, records, url)
                done += len(group)
                note = f"solved {outcome.solved} · failed {outcome.failed}"
                if bar is not None and task is not None:
                    bar.update(task, advance=len(group), note=note)
                elif not show:
                    last = records[0]
                    what = (
                        f"failed: {last.error}"
                        if not last.ok
                        else f"{last.termination} in {last.seconds:.1f} s"
                    )
                    say(f"[{done}/{n_pending}] member #{last.sample_index} {what}")
    except KeyboardInterrupt:
        for fut in futures:
            fut.cancel()
        say(f"interrupted: {done} of {n_pending} members saved; run the sweep again to resume")
        raise
    finally:
        outcome.solve_wall_seconds = time.perf_counter() - t0


def _finish(
    fut: Any,
    group: list[_Member],
    spec: SweepSpec,
    base: Scenario,
    sid: str,
    outcome: SweepOutcome,
    url: str | None,
    source: str | None,
    save_run: Any,
) -> list[MemberRecord]:
    """Save one completed future's plan as a run and return its members' records."""
    try:
        res: MemberResult = fut.result()
    except Exception as exc:  # the worker died, the task was cancelled
        res = MemberResult(
            scenario_hash="", plan=None, metrics={}, seconds=0.0, error=f"{type(exc).__name__}: {exc}"
        )
    first = group[0]
    if res.error is None and res.scenario_hash != first.scenario_hash:
        res.error = (
            f"the worker's scenario hash {res.scenario_hash[:12]} differs from the client's "
            f"{first.scenario_hash[:12]}: client and workers run different code"
        )
    if res.error is not None or res.plan is None:
        outcome.failed += len(group)
        return [_record(m, ERROR, "", None, False, {}, res.error, res.seconds) for m in group]
    scenario = apply_sample(base, spec, first.sample)
    run_id = save_run(res.plan, scenario, source=f"sweep {sid[:8]} member {first.sample.index}", url=url)
    outcome.solved += 1
    outcome.reused += len(group) - 1
    outcome.solve_seconds.append(res.seconds)
    if res.worker_pid and res.worker_pid not in outcome.worker_pids:
        outcome.worker_pids.append(res.worker_pid)
    term = res.plan.termination or res.plan.status
    return [
        _record(m, OK, term, run_id, i > 0, res.metrics, None, res.seconds if i == 0 else 0.0)
        for i, m in enumerate(group)
    ]
