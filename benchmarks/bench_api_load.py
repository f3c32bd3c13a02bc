"""Load on the web service: concurrent users reading run pages, over loopback.

Starts ``stateside serve`` (uvicorn, one process) on 127.0.0.1 at a free port, on a new
SQLite store holding one planned run (the tiny test scenario, or ``--default`` for the
embedded default US scenario) and one user per role, each with an API token. Then
``--users`` threads, each with its own HTTP connection, loop over a mix of what a
dashboard user reads: the run overview page (tile map, timeline, capital stack), a state
page, an investor page, the security review page, the run as JSON and a result table as
JSON, each as a user of a different role. It stops after ``--requests`` requests or
``--seconds`` seconds, whichever comes first, and prints the p50/p95/p99 latency per kind
of request and overall, the throughput and the error count (any status other than 200,
or no answer). The first request of each kind (loading the run, importing plotly) is
timed on its own before the load starts and left out of the percentiles.

``--flood N`` runs N more threads beside the readers, each signing in with wrong passwords
(``POST /api/session``) as fast as the server answers — a sign-in flood of the kind the
issue-15 review ran (40 parallel attempts) — bounded by ``--flood-requests`` and the same
``--seconds``, loopback only. It reports how the flood was answered (401 after an argon2
check, 429 locked out, 503 refused at once), the server's peak memory (VmRSS sampled every
0.1 s) and the readers' latency beside it.

    .venv/bin/python benchmarks/bench_api_load.py [--users 8] [--requests 2000] [--seconds 60] [--default]
        [--flood 40] [--flood-requests 5000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
PASSWORD = "benchmark password"
USERS = {
    "ana": ("analyst", None, None),
    "inv": ("investor", "jp_corp", None),
    "tex": ("state_official", None, "TX"),
    "rev": ("reviewer", None, None),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss(pid: int) -> float:
    """The resident memory of process ``pid`` in bytes (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return 0.0


def setup(url: str, default: bool) -> tuple[str, dict[str, str], str, str]:
    """Plan, save the run, add the users: (run id, tokens, investor id, state)."""
    from stateside.api import auth
    from stateside.run import run_plan
    from stateside.scenario.load import load_default, load_scenario
    from stateside.store.api import save_run

    scenario = load_default() if default else load_scenario(TINY)
    plan = run_plan(scenario)
    run_id = save_run(plan, scenario, source="benchmark", url=url)
    inv = plan.tables["capital"]["investor"].iloc[0] if len(plan.tables["capital"]) else "jp_corp"
    state = str(plan.tables["campuses"].sort_values("it_mw_online")["region"].iloc[-1])
    tokens = {}
    for name, (role, investor, st) in USERS.items():
        investor = str(inv) if role == "investor" else None
        st = state if role == "state_official" else None
        auth.create_user(name, role, PASSWORD, investor, st, url)
        tokens[name] = auth.issue_token(name, "benchmark", url)[1]
    return run_id, tokens, str(inv), state


def requests_mix(run_id: str, investor: str, state: str) -> list[tuple[str, str, str]]:
    """(kind, user, path) of one round of a dashboard user's reading."""
    return [
        ("overview page (analyst)", "ana", f"/runs/{run_id}"),
        ("overview page (investor)", "inv", f"/runs/{run_id}"),
        ("state page (state official)", "tex", f"/runs/{run_id}/states/{state}"),
        ("investor page (investor)", "inv", f"/runs/{run_id}/investors/{investor}"),
        ("security page (reviewer)", "rev", f"/runs/{run_id}/security"),
        ("run JSON (investor)", "inv", f"/api/runs/{run_id}"),
        ("table JSON cap_tables (reviewer)", "rev", f"/api/runs/{run_id}/tables/cap_tables"),
        ("runs list page (state official)", "tex", "/runs"),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=8, help="concurrent users (threads, one connection each)")
    ap.add_argument("--requests", type=int, default=2000, help="stop after this many requests")
    ap.add_argument("--seconds", type=float, default=60.0, help="stop after this many seconds")
    ap.add_argument("--default", action="store_true", help="plan the embedded default scenario (about 10 s)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--flood", type=int, default=0, help="threads of wrong-password sign-ins beside the load")
    ap.add_argument("--flood-requests", type=int, default=5000, help="at most this many flood sign-ins")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="stateside-bench-api-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    t0 = time.perf_counter()
    run_id, tokens, investor, state = setup(url, args.default)
    setup_s = time.perf_counter() - t0
    port = _free_port()
    env = {**os.environ, "STATESIDE_DB_URL": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stateside.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--jobs",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        t_start = time.monotonic()
        while True:
            try:
                if httpx.get(f"{base}/api/openapi.json", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() - t_start > 60:
                raise SystemExit(
                    f"the server did not start:\n{server.stderr.read() if server.stderr else ''}"
                )
            time.sleep(0.1)
        startup_s = time.monotonic() - t_start
        mix = requests_mix(run_id, investor, state)
        cold: dict[str, float] = {}
        with httpx.Client(base_url=base, timeout=60.0) as c:
            for kind, user, path in mix:
                t = time.perf_counter()
                r = c.get(path, headers={"Authorization": f"Bearer {tokens[user]}"})
                cold[kind] = time.perf_counter() - t
                if r.status_code != 200:
                    raise SystemExit(f"{kind}: {path} answered {r.status_code}: {r.text[:300]}")

        lock = threading.Lock()
        results: list[tuple[str, float, bool]] = []
        issued = 0
        deadline = time.monotonic() + args.seconds

        def user_loop(i: int) -> None:
            nonlocal issued
            with httpx.Client(base_url=base, timeout=60.0) as c:
                k = i
                while True:
                    with lock:
                        if issued >= args.requests or time.monotonic() >= deadline:
                            return
                        issued += 1
                    kind, user, path = mix[k % len(mix)]
                    k += 1
                    t = time.perf_counter()
                    try:
                        ok = (
                            c.get(path, headers={"Authorization": f"Bearer {tokens[user]}"}).status_code
                            == 200
                        )
                    except httpx.HTTPError:
                        ok = False
                    dt = time.perf_counter() - t
                    with lock:
                        results.append((kind, dt, ok))

        flood: dict[int, int] = {}
        flood_times: list[float] = []
        flood_sent = 0
        stop = threading.Event()
        rss_peak = [_rss(server.pid)]

        def flood_loop(i: int) -> None:
            nonlocal flood_sent
            names = [*USERS, "nobody", "admin", "root"]
            with httpx.Client(base_url=base, timeout=60.0) as c:
                k = i
                while not stop.is_set():
                    with lock:
                        if flood_sent >= args.flood_requests:
                            return
                        flood_sent += 1
                    k += 1
                    t = time.perf_counter()
                    try:
                        code = c.post(
                            "/api/session", json={"name": names[k % len(names)], "password": f"guess {k}"}
                        ).status_code
                    except httpx.HTTPError:
                        code = 0
                    dt = time.perf_counter() - t
                    with lock:
                        flood[code] = flood.get(code, 0) + 1
                        flood_times.append(dt)

        def sample_rss() -> None:
            while not stop.wait(0.1):
                rss_peak[0] = max(rss_peak[0], _rss(server.pid))

        threads = [threading.Thread(target=user_loop, args=(i,)) for i in range(args.users)]
        flooders = [threading.Thread(target=flood_loop, args=(i,)) for i in range(args.flood)]
        sampler = threading.Thread(target=sample_rss, daemon=True)
        rss_before = _rss(server.pid)
        t_load = time.perf_counter()
        sampler.start()
        for th in flooders + threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t_load
        stop.set()
        for th in flooders:
            th.join()
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()

    def stats(values: list[float]) -> dict[str, float]:
        a = np.array(values) * 1000.0
        return {
            "n": len(a),
            "p50_ms": float(np.percentile(a, 50)),
            "p95_ms": float(np.percentile(a, 95)),
            "p99_ms": float(np.percentile(a, 99)),
            "max_ms": float(a.max()),
        }

    kinds = [k for k, _, _ in mix]
    per_kind = {
        k: stats([dt for kk, dt, _ in results if kk == k])
        for k in kinds
        if any(kk == k for kk, _, _ in results)
    }
    out: dict[str, Any] = {
        "date": str(date.today()),
        "machine": f"{platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()})",
        "scenario": "default" if args.default else "tiny",
        "users": args.users,
        "requests": len(results),
        "errors": sum(1 for _, _, ok in results if not ok),
        "seconds": wall,
        "requests_per_s": len(results) / wall if wall > 0 else 0.0,
        "setup_s": setup_s,
        "server_start_s": startup_s,
        "cold_first_request_ms": {k: v * 1000.0 for k, v in cold.items()},
        "overall": stats([dt for _, dt, _ in results]),
        "per_kind": per_kind,
        "server_rss_mib": {"before": rss_before / 2**20, "peak": rss_peak[0] / 2**20},
    }
    if args.flood:
        out["flood"] = {
            "threads": args.flood,
            "sign_ins": sum(flood.values()),
            "by_status": {str(k): v for k, v in sorted(flood.items())},
            "latency": stats(flood_times) if flood_times else {},
        }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"# web service load, {out['date']}, {out['machine']}")
    print(
        f"scenario {out['scenario']}, {args.users} concurrent users, {out['requests']} requests in "
        f"{wall:.1f} s ({out['requests_per_s']:.1f}/s), errors: {out['errors']}; server started in {startup_s:.1f} s"
    )
    print(
        f"\n{'request':36s} {'n':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'max ms':>8s} {'cold ms':>8s}"
    )
    for k, s in per_kind.items():
        print(
            f"{k:36s} {s['n']:6d} {s['p50_ms']:8.1f} {s['p95_ms']:8.1f} {s['p99_ms']:8.1f} {s['max_ms']:8.1f} "
            f"{cold[k] * 1000:8.1f}"
        )
    o = out["overall"]
    print(
        f"{'all':36s} {o['n']:6d} {o['p50_ms']:8.1f} {o['p95_ms']:8.1f} {o['p99_ms']:8.1f} {o['max_ms']:8.1f}"
    )
    m = out["server_rss_mib"]
    print(f"\nserver memory (VmRSS): {m['before']:.0f} MiB before the load, {m['peak']:.0f} MiB at its peak")
    if args.flood:
        f = out["flood"]
        lat = f["latency"]
        print(
            f"sign-in flood: {f['threads']} threads, {f['sign_ins']} wrong sign-ins answered {f['by_status']} "
            f"(p50 {lat.get('p50_ms', 0):.1f} ms, p95 {lat.get('p95_ms', 0):.1f} ms, max {lat.get('max_ms', 0):.1f} ms)"
        )


if __name__ == "__main__":
    main()
