"""Sweeps on Dask: throughput on 1 and 2 workers, and a sweep killed with SIGKILL then resumed.

1. **Throughput.** The same 16-scenario Monte Carlo sweep (campus and generation capex
   drawn, 16 distinct scenarios) is run on a fresh LocalCluster of 1 worker and of 2
   workers (one thread each, HiGHS threads = 1), each into a fresh store with reuse off.
   Throughput is scenarios solved per minute between the first submission and the last
   saved member (cluster start-up reported apart). The machine's load average is printed
   with each run: on a shared machine other processes take cores too.
2. **Kill and resume.** ``stateside sweep run FILE --workers 2`` is started in its own
   process group; once at least ``--kill-after`` members are saved the whole group (client
   and workers) is killed with SIGKILL. Then the same file is run again. Checks: the store
   passes SQLite's integrity check, every member saved before the kill is kept with the same
   run, every run saved before the kill is used by a member (none is solved twice), and
   the resumed sweep solves only the scenarios that had no run.

    .venv/bin/python benchmarks/bench_sweep.py [--scenario tiny|default] [--members 16] [--only throughput|kill]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"


def sweep_yaml(scenario: str, members: int) -> str:
    where = f"scenario: {TINY}\n" if scenario == "tiny" else ""
    return f"""name: bench-{scenario}-{members}
{where}seed: 17
samples: {members}
parameters:
  - name: campus capex
    target: campuses.capex_usd_per_kw_it
    distribution: {{kind: lognormal, median: 1.0, sigma: 0.1}}
  - name: generation capex
    target: technology_costs.capex_usd_per_kw
    distribution: {{kind: triangular, low: 0.9, mode: 1.0, high: 1.3}}
"""


def _load(scenario: str) -> object:
    from stateside.scenario.load import load_default, load_scenario

    return load_scenario(TINY) if scenario == "tiny" else load_default()


def throughput(scenario: str, members: int, workers: int, tmp: Path) -> dict[str, object]:
    from stateside.sweep.runner import run_sweep
    from stateside.sweep.spec import parse_spec

    text = sweep_yaml(scenario, members)
    spec = parse_spec(text)
    url = f"sqlite:///{tmp / f'throughput-{workers}.db'}"
    load = os.getloadavg()[0]
    cpu0 = _cpu_times()
    t0 = time.perf_counter()
    out = run_sweep(spec, _load(scenario), text, workers=workers, url=url, reuse=False, progress=False)  # type: ignore[arg-type]
    wall = time.perf_counter() - t0
    cpu1 = _cpu_times()
    assert out.solved == members and out.failed == 0, out.to_dict()
    return {
        "workers": workers,
        "solved": out.solved,
        "cluster_s": round(out.cluster_seconds, 2),
        "solve_wall_s": round(out.solve_wall_seconds, 2),
        "total_s": round(wall, 2),
        "per_min": round(60 * out.solved / out.solve_wall_seconds, 2),
        "median_solve_s": round(statistics.median(out.solve_seconds), 2),
        "sum_solve_s": round(sum(out.solve_seconds), 1),
        # share of the workers' wall time spent inside solve_member (1.0: never idle, no overhead)
        "busy": round(sum(out.solve_seconds) / (workers * out.solve_wall_seconds), 3),
        "worker_pids": len(out.worker_pids),
        "load_before": round(load, 2),
        # cores' time used by other processes during the run (machine busy minus this sweep)
        "other_cores": round(_other_cores(cpu0, cpu1, wall), 2),
        # cores this sweep used on average (client, scheduler and workers)
        "sweep_cores": round((cpu1[1] - cpu0[1]) / wall, 2),
    }


def _cpu_times() -> tuple[float, float]:
    """(CPU seconds the machine has been busy, CPU seconds of this process and its children)."""
    import psutil

    t = psutil.cpu_times()
    busy = t.user + t.system + getattr(t, "nice", 0.0) + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)
    me = psutil.Process()
    c = me.cpu_times()
    ours = c.user + c.system + c.children_user + c.children_system  # children that have exited
    for child in me.children(recursive=True):  # and those still running
        try:
            ct = child.cpu_times()
            ours += ct.user + ct.system
        except psutil.Error:
            continue
    return busy, ours


def _other_cores(before: tuple[float, float], after: tuple[float, float], wall: float) -> float:
    """Average number of cores other processes of the machine used meanwhile."""
    return max(0.0, (after[0] - before[0]) - (after[1] - before[1])) / wall


def _members(url: str, sweep_id: str) -> dict[int, str | None]:
    from stateside.store.db import dispose_all
    from stateside.sweep.store import load_members

    rows = {m.sample_index: m.run_id for m in load_members(sweep_id, url) if m.ok}
    dispose_all()
    return rows


def _run_ids(db: Path) -> set[str]:
    with sqlite3.connect(db) as con:
        return {r[0] for r in con.execute("SELECT id FROM runs")}


def _alive_in_group(pgid: int, wait_s: float = 5.0) -> list[int]:
    """Processes of group ``pgid`` still running (not zombies) after up to ``wait_s`` seconds."""
    import psutil

    deadline = time.perf_counter() + wait_s
    while True:
        alive = []
        for p in psutil.process_iter(["pid", "status"]):
            try:
                if os.getpgid(p.pid) == pgid and p.info["status"] != psutil.STATUS_ZOMBIE:
                    alive.append(p.pid)
            except (ProcessLookupError, psutil.Error):
                continue
        if not alive or time.perf_counter() > deadline:
            return alive
        time.sleep(0.2)


def kill_and_resume(scenario: str, members: int, kill_after: int, tmp: Path) -> dict[str, object]:
    from stateside.sweep.runner import prepare
    from stateside.sweep.spec import parse_spec

    text = sweep_yaml(scenario, members)
    file = tmp / "kill.yaml"
    file.write_text(text)
    db = tmp / "kill.db"
    url = f"sqlite:///{db}"
    env = {**os.environ, "STATESIDE_DB_URL": url}
    sid, _ = prepare(parse_spec(text), _load(scenario))  # type: ignore[arg-type]
    cmd = [sys.executable, "-m", "stateside.cli", "sweep", "run", str(file), "--workers", "2", "--json"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    saved: dict[int, str | None] = {}
    while time.perf_counter() - t0 < 900:
        time.sleep(0.2)
        if proc.poll() is not None:
            raise RuntimeError("the sweep finished before it could be killed: raise --members")
        if db.exists():
            try:
                saved = _members(url, sid)
            except Exception:  # the store is being created
                continue
            if len(saved) >= kill_after:
                break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = time.perf_counter() - t0
    leftovers = _alive_in_group(proc.pid)
    with sqlite3.connect(db) as con:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    at_kill = _members(url, sid)
    runs_at_kill = _run_ids(db)
    # resume: the same command, to the end
    t1 = time.perf_counter()
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(res.stdout[-2000:] + res.stderr[-2000:])
    resumed = json.loads(res.stdout)["run"]
    final = _members(url, sid)
    runs_final = _run_ids(db)
    kept = all(final.get(i) == r for i, r in at_kill.items())
    orphan_runs = runs_at_kill - set(at_kill.values())
    return {
        "members": members,
        "saved_when_killed": len(at_kill),
        "runs_when_killed": len(runs_at_kill),
        "killed_after_s": round(killed_at, 1),
        "processes_alive_after_kill": len(leftovers),
        "sqlite_integrity": integrity,
        "resume_already_done": resumed["already_done"],
        "resume_solved": resumed["solved"],
        "resume_reused": resumed["reused"],
        "resume_s": round(time.perf_counter() - t1, 1),
        "final_members": len(final),
        "members_kept_with_same_run": kept,
        "runs_saved_before_kill_used": (runs_at_kill <= set(final.values())),
        "orphan_runs_reused": len(orphan_runs),
        "runs_total": len(runs_final),
        "no_scenario_solved_twice": len(runs_final) == members,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", choices=("tiny", "default"), default="tiny")
    ap.add_argument("--members", type=int, default=16)
    ap.add_argument("--kill-after", type=int, default=6)
    ap.add_argument("--only", choices=("throughput", "kill"), default=None)
    args = ap.parse_args()
    print(
        f"# sweeps on Dask, {args.scenario} scenario, {args.members} members, {date.today()}, "
        f"{platform.node()} ({os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()})"
    )
    import distributed

    print(f"# dask/distributed {distributed.__version__}")
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as d:
        tmp = Path(d)
        if args.only in (None, "throughput"):
            rows = [throughput(args.scenario, args.members, w, tmp) for w in (1, 2)]
            for r in rows:
                print(json.dumps(r))
            speedup = float(rows[1]["per_min"]) / float(rows[0]["per_min"])  # type: ignore[arg-type]
            print(f"throughput 2 workers / 1 worker: {speedup:.2f}x (target >= 1.7x)")
        if args.only in (None, "kill"):
            r = kill_and_resume(args.scenario, args.members, args.kill_after, tmp)
            print(json.dumps(r))
            ok = (
                r["members_kept_with_same_run"]
                and r["runs_saved_before_kill_used"]
                and r["no_scenario_solved_twice"]
                and r["sqlite_integrity"] == "ok"
                and r["final_members"] == args.members
            )
            print("kill and resume: " + ("no finished scenario lost, none solved twice" if ok else "FAILED"))


if __name__ == "__main__":
    main()
