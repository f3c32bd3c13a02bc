"""One server per store (issue 15, point 5): the lease, a second server refused or waiting, and
workers that stop when their job is cancelled or their server is gone, saving no stray run."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api_support import TINY, service, zip_folder
from stateside.api import jobs, lease, scenarios
from stateside.api.app import create_app
from stateside.api.config import ApiConfig
from stateside.store import db
from stateside.store.models import Run


def test_a_second_server_on_the_same_store_is_refused(tmp_path: Path) -> None:
    with service(tmp_path, workers=0) as s:
        job_id = s.post("ana", "/api/runs", json={"scenario_id": "default"}).json()["id"]
        second = create_app(ApiConfig(db_url=s.url, job_workers=0))
        with pytest.raises(lease.LeaseHeld, match="another server") as err, TestClient(second):
            pass
        assert "one server per store" in str(err.value)
        # the first server's job was not touched by the refused one
        assert s.get("ana", f"/api/jobs/{job_id}").json()["status"] == "queued"
        held = lease.current(s.url)
        assert held is not None and held.holder == s.client.app.state.stateside.runner.id  # type: ignore[attr-defined]
    assert lease.current(s.url) is None  # released when the server stopped


def test_a_second_server_can_wait_for_the_first_to_stop(tmp_path: Path) -> None:
    started: list[float] = []
    with service(tmp_path, workers=0) as s:
        url = s.url

        def second() -> None:
            app = create_app(ApiConfig(db_url=url, job_workers=0, lease_wait_s=30.0))
            with TestClient(app):
                started.append(time.monotonic())

        t = threading.Thread(target=second)
        t.start()
        time.sleep(1.0)
        assert not started  # still waiting while the first one runs
        stopped = time.monotonic()
    t.join(30)
    assert started and started[0] >= stopped


def test_stateside_serve_refuses_a_store_another_server_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from stateside.cli import app

    url = f"sqlite:///{tmp_path / 'serve.db'}"
    monkeypatch.setenv("STATESIDE_DB_URL", url)
    db.engine_for(url)
    lease.acquire("someone-else", url, ttl_s=60)
    r = CliRunner().invoke(app, ["serve", "--port", "8765"])
    assert r.exit_code == 1 and "another server" in r.output and "--wait" in r.output
    db.dispose_all()


def _store_with_tiny_upload(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    db.engine_for(url)
    rec = scenarios.store_upload(zip_folder(TINY), "tiny.zip", None, 200 * 2**20, 200, url)
    return url, rec.id


def _runs(url: str) -> int:
    with db.session(url) as s:
        return int(s.scalar(select(func.count()).select_from(Run)) or 0)


def _worker(job_id: str, url: str) -> subprocess.Popen[bytes]:
    code = "import sys; from stateside.api.worker import run_job; run_job(sys.argv[1], sys.argv[2])"
    return subprocess.Popen([sys.executable, "-c", code, job_id, url])


def test_a_worker_whose_server_is_gone_stops_and_saves_nothing(tmp_path: Path) -> None:
    # as after kill -9 of the server alone: the job's runner holds no lease any more
    url, scenario_id = _store_with_tiny_upload(tmp_path)
    job_id = jobs.create_job("plan", scenario_id, None, {}, None, url)
    jobs.set_state(job_id, url, runner="a-server-killed-with-9")
    proc = _worker(job_id, url)
    assert proc.wait(60) != 0
    job = jobs.get_job(job_id, url)
    assert job is not None and job.status == "interrupted" and "lease" in (job.error or "")
    assert job.run_id is None and _runs(url) == 0  # no run saved, none dangling
    db.dispose_all()


def test_a_cancelled_job_stops_its_worker_and_saves_nothing(tmp_path: Path) -> None:
    url, scenario_id = _store_with_tiny_upload(tmp_path)
    lease.acquire("this-server", url, ttl_s=120)
    job_id = jobs.create_job("plan", scenario_id, None, {}, None, url)
    jobs.set_state(job_id, url, runner="this-server")
    proc = _worker(job_id, url)
    t0 = time.monotonic()
    while (job := jobs.get_job(job_id, url)) is not None and job.status == "queued":
        assert time.monotonic() - t0 < 60 and proc.poll() is None
        time.sleep(0.05)
    assert jobs.end_job(job_id, url, jobs.CANCELLED, "cancelled by a user")  # as a second process would
    assert proc.wait(60) != 0
    job = jobs.get_job(job_id, url)
    assert job is not None and job.status == "cancelled" and job.run_id is None
    assert _runs(url) == 0
    db.dispose_all()


def test_a_worker_of_a_live_server_saves_and_links_its_run(tmp_path: Path) -> None:
    url, scenario_id = _store_with_tiny_upload(tmp_path)
    lease.acquire("this-server", url, ttl_s=120)
    job_id = jobs.create_job("plan", scenario_id, None, {}, None, url)
    jobs.set_state(job_id, url, runner="this-server")
    assert _worker(job_id, url).wait(120) == 0
    job = jobs.get_job(job_id, url)
    assert job is not None and job.status == "succeeded" and job.run_id is not None
    assert _runs(url) == 1
    db.dispose_all()


def test_a_run_saved_after_its_job_ended_is_discarded_not_left_dangling(tmp_path: Path) -> None:
    # the job is cancelled in the moment between the run's save and its link to the job
    url, scenario_id = _store_with_tiny_upload(tmp_path)
    lease.acquire("this-server", url, ttl_s=120)
    job_id = jobs.create_job("plan", scenario_id, None, {}, None, url)
    jobs.set_state(job_id, url, runner="this-server")
    code = (
        "import sys\n"
        "from stateside.api import jobstate, worker\n"
        "real = worker._plan\n"
        "def plan_then_cancelled(job_id, url, *a, **k):\n"
        "    out = real(job_id, url, *a, **k)\n"
        "    jobstate.end_job(job_id, url, jobstate.CANCELLED, 'cancelled by a user')\n"
        "    return out\n"
        "worker._plan = plan_then_cancelled\n"
        "worker.run_job(sys.argv[1], sys.argv[2])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, job_id, url], timeout=120)
    assert proc.returncode == 0
    job = jobs.get_job(job_id, url)
    assert job is not None and job.status == "cancelled" and job.run_id is None
    assert _runs(url) == 0  # the run it saved was deleted again
    db.dispose_all()


def test_a_disarmed_watchdog_never_signals_even_mid_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The watchdog's check of the job is under way when the worker moves on to saving
    (disarm): the check then finds the job cancelled, and must not kill the worker, or the
    run just being saved would be left unlinked (a race CI hit under load)."""
    from stateside.api import worker

    entered, release = threading.Event(), threading.Event()
    kills: list[int] = []

    def slow_check(*_a: object) -> str:
        entered.set()
        release.wait(10)
        return "the job is cancelled"

    monkeypatch.setattr(worker, "WATCH_INTERVAL_S", 0.01)
    monkeypatch.setattr(worker, "still_wanted", slow_check)
    monkeypatch.setattr(worker.os, "kill", lambda pid, sig: kills.append(sig))
    dog = worker._Watchdog("job", None, None)
    assert entered.wait(10)
    dog.disarm()
    release.set()
    time.sleep(0.2)
    assert kills == []
    # armed, the same check does stop the worker
    entered.clear()
    release.clear()
    armed = worker._Watchdog("job", None, None)
    assert entered.wait(10)
    release.set()
    t0 = time.monotonic()
    while not kills and time.monotonic() - t0 < 5:
        time.sleep(0.01)
    armed.disarm()
    assert len(kills) == 1
