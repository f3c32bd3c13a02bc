"""Coalition value on Dask: wall time of ``stateside coalition value`` with N workers.

Runs ``stateside coalition value [SCENARIO] --by country --metric cost --workers N --json
--no-reuse`` in a fresh run store and reports the wall time, the number of coalitions
planned, the cluster's start-up, the mean solve time per coalition and the machine's load
average before and after (on a shared machine other processes take cores too), plus the
JSON's headline numbers (v(∅), v(N), Shapley values). ``--limit-s`` stops the run after
that many seconds (SIGKILL of the whole process group) and reports how far it got; running
the benchmark again with ``--resume STORE`` continues in the same store.

    .venv/bin/python benchmarks/bench_coalition.py [--scenario tiny|default] [--workers 2] [--limit-s 900]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"


def _count_members(db: Path) -> tuple[int, float]:
    import sqlite3

    if not db.exists():
        return 0, 0.0
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "select count(*), coalesce(avg(nullif(seconds, 0)), 0) from sweep_members where status='ok'"
        )
        n, mean = rows.fetchone()
        return int(n), float(mean)
    except sqlite3.Error:
        return 0, 0.0
    finally:
        con.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", choices=("tiny", "default"), default="default")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--by", default="country")
    ap.add_argument("--metric", default="cost")
    ap.add_argument("--limit-s", type=float, default=None, help="kill the run after this many seconds")
    ap.add_argument("--resume", type=Path, default=None, help="an existing store folder to continue in")
    args = ap.parse_args()

    store = args.resume or Path(tempfile.mkdtemp(prefix="bench-coalition-"))
    db = store / "runs.db"
    env = {**os.environ, "STATESIDE_DB_URL": f"sqlite:///{db}"}
    cmd = [str(Path(sys.executable).parent / "stateside"), "coalition", "value"]
    if args.scenario == "tiny":
        cmd.append(str(TINY))
    cmd += ["--by", args.by, "--metric", args.metric, "--workers", str(args.workers), "--json", "--no-reuse"]
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    killed = False
    try:
        out, err = proc.communicate(timeout=args.limit_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        killed = True
    wall = time.perf_counter() - t0
    done, mean_solve = _count_members(db)
    result: dict[str, object] = {
        "scenario": args.scenario,
        "by": args.by,
        "metric": args.metric,
        "workers": args.workers,
        "wall_s": round(wall, 1),
        "killed_after_limit": killed,
        "members_done": done,
        "mean_solve_s": round(mean_solve, 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(),
        "store": str(store),
        "exit_code": None if killed else proc.returncode,
    }
    if not killed and proc.returncode == 0:
        d = json.loads(out)
        result.update(
            {
                "coalitions": len(d["coalitions"]),
                "v_empty": d["v_empty"],
                "v_grand": d["v_grand"],
                "shapley": d["shapley"],
                "core_empty": (d["core"] or {}).get("empty"),
                "cluster_s": d["run"]["cluster_seconds"],
                "solve_wall_s": d["run"]["solve_wall_seconds"],
                "solved": d["run"]["solved"],
            }
        )
    elif not killed:
        result["stderr_tail"] = err[-2000:]
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
