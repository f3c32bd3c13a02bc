"""Jobs: a plan runs in a worker process and its run is saved; progress is followed through the
API; failures, cancelling, and a server restart (finished results kept, unfinished jobs
marked interrupted)."""

from __future__ import annotations

import time
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

    with service(tmp_path, workers=0) as s:
        url, tokens = s.url, s.tokens
        job_id = s.post("ana", "/api/runs", json={"scenario_id": "default"}).json()["id"]
        # as if a worker had started it and the server was then killed (no shutdown ran)
        jobs.set_state(job_id, url, status=jobs.RUNNING, stage="solve", runner="a-server-that-died")
        s.client.app.state.stateside.runner.stop = lambda *a, **k: None  # type: ignore[attr-defined]
    app = create_app(ApiConfig(db_url=url, job_workers=0))
    with TestClient(app, base_url="https://testserver") as c:
        job = c.get(f"/api/jobs/{job_id}", headers={"Authorization": f"Bearer {tokens['ana']}"}).json()
        assert (job["status"], job["stage"]) == ("interrupted", "solve")
