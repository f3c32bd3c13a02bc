"""Jobs: a plan runs in a worker process and its run is saved; progress is followed through the
API; failures, cancelling, and a server restart (finished results kept, unfinished jobs
marked interrupted)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_support import TINY, Service, service, zip_folder
from stateside.api.app import create_app
from stateside.api.config import ApiConfig


def wait_for(svc: Service, job_id: str, timeout_s: float = 120.0) -> tuple[dict[str, Any], list[str]]:
    """The finished job, and the stages seen while polling."""
    seen: list[str] = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        job = svc.get("ana", f"/api/jobs/{job_id}").json()
        if job["stage"] and (not seen or seen[-1] != job["stage"]):
            seen.append(job["stage"])
        if job["status"] not in ("queued", "running"):
            return job, seen
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s")


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with service(tmp_path_factory.mktemp("jobs"), workers=1) as s:
        yield s


def test_a_plan_job_runs_in_a_worker_and_saves_its_run(svc: Service) -> None:
    up = svc.post("ana", "/api/scenarios", files={"file": ("tiny.zip", zip_folder(TINY), "application/zip")})
    assert up.status_code == 201
    r = svc.post("ana", "/api/runs", json={"scenario_id": up.json()["id"]})
    assert r.status_code == 202 and r.json()["status"] == "queued"
    assert r.headers["location"] == f"/api/jobs/{r.json()['id']}"
    job, stages = wait_for(svc, r.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["progress"] == 1.0 and job["stage"] == "done" and job["created_by"] == "ana"
    assert job["started_at"] <= job["finished_at"]
    # stages are reported in order (a fast stage may pass between two polls)
    order = ["load", "profiles", "caps", "build", "solve", "results", "finance", "impact", "save", "done"]
    assert [s for s in order if s in stages] == stages
    run = svc.get("ana", f"/api/runs/{job['run_id']}").json()
    assert run["scenario"] == "tiny" and run["source"] == f"upload:{up.json()['id']}"
    assert run["it_capacity_mw"] == pytest.approx({"2028": 300.0, "2030": 600.0})
    assert run["scenario_hash"] == svc.scenario.content_hash()
    listed = svc.get("ana", "/api/jobs?kind=plan").json()
    assert listed["items"][0]["id"] == job["id"]


def test_a_job_whose_scenario_is_gone_fails_with_a_clear_error(svc: Service) -> None:
    from stateside.api.jobs import create_job

    up = svc.post(
        "ana", "/api/scenarios", files={"file": ("t.zip", zip_folder(TINY), "application/zip")}
    ).json()
    job_id = create_job("plan", up["id"], None, {}, None, svc.url)  # queued, not yet given to the runner
    assert svc.delete("ana", f"/api/scenarios/{up['id']}").status_code == 204
    svc.client.app.state.stateside.runner.submit(job_id)  # type: ignore[attr-defined]
    job, _ = wait_for(svc, job_id)
    assert job["status"] == "failed" and job["run_id"] is None
    assert job["error"] == f"UploadError: no scenario {up['id']}"


SWEEP = """name: api-capex
parameters:
  - name: campus capex
    target: campuses.capex_usd_per_kw_it
    op: scale
    values: [1.0, 1.2]
"""


def test_a_sweep_job_runs_on_dask_and_its_results_are_read(svc: Service) -> None:
    bad = svc.post(
        "ana", "/api/sweeps", json={"scenario_id": "default", "spec_yaml": "name: x\nparameters: []"}
    )
    assert bad.status_code == 422 and bad.json()["type"].endswith("sweep-invalid")
    up = svc.post(
        "ana", "/api/scenarios", files={"file": ("t.zip", zip_folder(TINY), "application/zip")}
    ).json()
    r = svc.post("ana", "/api/sweeps", json={"scenario_id": up["id"], "spec_yaml": SWEEP, "workers": 1})
    assert r.status_code == 202 and r.json()["kind"] == "sweep"
    job, _ = wait_for(svc, r.json()["id"], timeout_s=180)
    assert job["status"] == "succeeded", job
    assert (job["result"]["n_members"], job["result"]["solved"], job["result"]["failed"]) == (2, 2, 0)
    sweep = svc.get("ana", f"/api/sweeps/{job['result']['sweep_id'][:8]}").json()
    assert sweep["name"] == "api-capex" and sweep["n_done"] == 2
    # the tiny plan builds 600 MW of IT at $11,000/kW whatever the scale: capex $6.6 bn x (1.0, 1.2)
    members = svc.get("ana", f"/api/sweeps/{sweep['id']}/members").json()["rows"]
    capex = sorted(m["metric.capex_usd.datacenter"] for m in members)
    assert capex == pytest.approx([6.6e9, 7.92e9])
    assert {m["status"] for m in members} == {"ok"} and all(m["run_id"] for m in members)
    listed = svc.get("ana", "/api/sweeps").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == sweep["id"]
    assert svc.get("jp", f"/api/sweeps/{sweep['id']}").status_code == 403


def test_cancel_a_queued_job(tmp_path: Path) -> None:
    with service(tmp_path, workers=0) as s:
        job = s.post("ana", "/api/runs", json={"scenario_id": "default"}).json()
        r = s.post("ana", f"/api/jobs/{job['id']}/cancel")
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        again = s.post("ana", f"/api/jobs/{job['id']}/cancel")
        assert again.status_code == 409 and again.json()["type"].endswith("job-finished")


def test_a_restart_keeps_finished_runs_and_marks_unfinished_jobs_interrupted(tmp_path: Path) -> None:
    with service(tmp_path, workers=1) as s:
        done = s.post("ana", "/api/runs", json={"scenario_id": "default"}).json()
        # a plan of the default scenario takes several seconds: stop the server while it runs
        t0 = time.monotonic()
        while s.get("ana", f"/api/jobs/{done['id']}").json()["status"] == "queued":
            assert time.monotonic() - t0 < 60
            time.sleep(0.1)
        queued = s.post("ana", "/api/runs", json={"scenario_id": "default"}).json()
        url, tokens, run_id = s.url, s.tokens, s.run_id
    # the server stopped (the TestClient ran the app's shutdown): its worker was killed
    app = create_app(ApiConfig(db_url=url, job_workers=0))
    with TestClient(app, base_url="https://testserver") as c:
        h = {"Authorization": f"Bearer {tokens['ana']}"}
        for job_id in (done["id"], queued["id"]):
            job = c.get(f"/api/jobs/{job_id}", headers=h).json()
            assert job["status"] == "interrupted" and "start it again" in job["error"]
            assert job["finished_at"] is not None
        runs = c.get("/api/runs", headers=h).json()
        assert [r["id"] for r in runs["items"]] == [
            run_id
        ]  # the run saved before is kept, nothing half-saved
        assert c.get(f"/api/runs/{run_id}/tables/it_capacity", headers=h).status_code == 200


def test_jobs_left_by_a_server_that_died_are_interrupted_at_the_next_start(tmp_path: Path) -> None:
    from stateside.api import jobs

    with service(tmp_path, workers=0, lease_ttl_s=1.0) as s:
        url, tokens = s.url, s.tokens
        job_id = s.post("ana", "/api/runs", json={"scenario_id": "default"}).json()["id"]
        # as if a worker had started it and the server was then killed (no shutdown ran, and its
        # lease is no longer renewed)
        jobs.set_state(job_id, url, status=jobs.RUNNING, stage="solve", runner="a-server-that-died")
        runner = s.client.app.state.stateside.runner  # type: ignore[attr-defined]
        runner._renew_stop.set()
        runner.stop = lambda *a, **k: None
    # the next server waits for the dead one's lease to expire, then takes over
    app = create_app(ApiConfig(db_url=url, job_workers=0, lease_wait_s=10.0))
    with TestClient(app, base_url="https://testserver") as c:
        job = c.get(f"/api/jobs/{job_id}", headers={"Authorization": f"Bearer {tokens['ana']}"}).json()
        assert (job["status"], job["stage"]) == ("interrupted", "solve")


PG_URL = os.environ.get("STATESIDE_TEST_PG_URL", "").strip()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new database on the test PostgreSQL server (skipped without one, as the store tests)."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need STATESIDE_TEST_PG_URL (.ci/run starts a server and sets it)")
    import sqlalchemy as sa

    from stateside.store import db

    name = f"stateside_api_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(db.database_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield db.database_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        db.dispose_all()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_service_on_postgresql(pg_url: str) -> None:
    """Accounts, sessions, an upload, a plan job in a worker and a restart, on PostgreSQL."""
    from api_support import PASSWORD, make_users, tiny_plan
    from stateside.store.api import save_run

    plan, scenario = tiny_plan()
    save_run(plan, scenario, source="tests", url=pg_url)  # users are bound to its investors
    tokens = make_users(pg_url)
    h = {"Authorization": f"Bearer {tokens['ana']}"}
    app = create_app(ApiConfig(db_url=pg_url, job_workers=1))
    with TestClient(app, base_url="https://testserver") as c:
        assert (
            c.post("/api/session", json={"name": "jp", "password": PASSWORD}).json()["investor"] == "jp_corp"
        )
        assert c.get("/api/me").json()["via"] == "session"
        up = c.post(
            "/api/scenarios", headers=h, files={"file": ("t.zip", zip_folder(TINY), "application/zip")}
        )
        assert up.status_code == 201
        job_id = c.post("/api/runs", headers=h, json={"scenario_id": up.json()["id"]}).json()["id"]
        t0 = time.monotonic()
        while (job := c.get(f"/api/jobs/{job_id}", headers=h).json())["status"] in ("queued", "running"):
            assert time.monotonic() - t0 < 120
            time.sleep(0.2)
        assert job["status"] == "succeeded", job
        rows = c.get(
            f"/api/runs/{job['run_id']}/tables/capital", headers={"Authorization": f"Bearer {tokens['jp']}"}
        )
        assert [r["investor"] for r in rows.json()["rows"]] == ["jp_corp"]
        queued = create_job_row(pg_url)
    app2 = create_app(ApiConfig(db_url=pg_url, job_workers=0))
    with TestClient(app2, base_url="https://testserver") as c:
        assert c.get(f"/api/jobs/{queued}", headers=h).json()["status"] == "interrupted"
        assert c.get(f"/api/jobs/{job_id}", headers=h).json()["status"] == "succeeded"


def create_job_row(url: str) -> str:
    """A job left running by a server that is gone."""
    from stateside.api import jobs

    job_id = jobs.create_job("plan", "default", None, {}, None, url)
    jobs.set_state(job_id, url, status=jobs.RUNNING, runner="gone")
    return job_id
