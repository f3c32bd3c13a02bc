"""The web service's API: sign in, sessions and CSRF, API tokens, problem details, result tables
(JSON and CSV, paginated), scenario upload with validation errors, users, the HTML report."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from api_support import PASSWORD, TINY, Service, service, zip_folder
from stateside.api import auth

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with service(tmp_path_factory.mktemp("api"), max_upload_bytes=200_000) as s:
        yield s


def assert_problem(r: object, status: int, kind: str | None = None) -> dict[str, object]:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith(PROBLEM)  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["title"] and "instance" in body
    if kind is not None:
        assert body["type"] == f"urn:stateside:problem:{kind}"
    return dict(body)


# --------------------------------------------------------------------------------------
# authentication


def test_no_or_bad_credentials_are_401_problems(svc: Service) -> None:
    r = svc.client.get("/api/runs")
    assert_problem(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert_problem(svc.client.get("/api/runs", headers={"Authorization": "Bearer sst_nope"}), 401)
    assert_problem(svc.client.get("/api/runs", headers={"Authorization": "Bearer garbage"}), 401)
    assert_problem(svc.client.post("/api/session", json={"name": "ana", "password": "wrong password"}), 401)
    assert_problem(svc.client.post("/api/session", json={"name": "nobody", "password": PASSWORD}), 401)


def test_passwords_are_argon2id_and_tokens_are_stored_hashed(svc: Service) -> None:
    u = auth.get_user("ana", svc.url)
    assert u is not None and u.password_hash.startswith("$argon2id$") and PASSWORD not in u.password_hash
    import sqlalchemy as sa

    engine = sa.create_engine(svc.url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM api_tokens")).scalars().all()
    engine.dispose()
    assert svc.tokens["ana"] not in stored
    assert auth.sha256(svc.tokens["ana"]) in stored


def test_session_cookies_csrf_and_sign_out(svc: Service) -> None:
    c = svc.client
    r = c.post("/api/session", json={"name": "ana", "password": PASSWORD})
    assert r.status_code == 200, r.text
    cookies = {h.split("=", 1)[0]: h for h in r.headers.get_list("set-cookie")}
    session_cookie, csrf_cookie = cookies["stateside_session"], cookies["stateside_csrf"]
    for flag in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert flag in session_cookie
    assert "Secure" in csrf_cookie and "SameSite=strict" in csrf_cookie and "HttpOnly" not in csrf_cookie
    csrf = r.json()["csrf_token"]
    assert c.cookies.get("stateside_csrf") == csrf
    assert c.get("/api/me").json() == {
        "name": "ana",
        "role": "analyst",
        "investor": None,
        "state": None,
        "via": "session",
    }
    # a state-changing request of the session without the double-submitted token is refused
    assert_problem(c.post("/api/me/tokens", json={"label": "x"}), 403, "csrf")
    assert_problem(
        c.post("/api/me/tokens", json={"label": "x"}, headers={"X-CSRF-Token": "forged"}), 403, "csrf"
    )
    made = c.post("/api/me/tokens", json={"label": "from the browser"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201 and made.json()["token"].startswith("sst_")
    # another user's session: its own CSRF token does not open this session
    other = svc.client.__class__(svc.client.app, base_url="https://testserver")
    r2 = other.post("/api/session", json={"name": "rev", "password": PASSWORD})
    assert_problem(
        c.post("/api/me/tokens", json={}, headers={"X-CSRF-Token": r2.json()["csrf_token"]}), 403, "csrf"
    )
    # sign out ends the session on the server, not only in this client
    stolen = c.cookies.get("stateside_session")
    assert c.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    other.close()
    replay = svc.client.__class__(
        svc.client.app, base_url="https://testserver", cookies={"stateside_session": stolen}
    )
    assert_problem(replay.get("/api/me"), 401)
    replay.close()
    assert_problem(c.get("/api/me"), 401)


def test_tokens_of_a_user_are_listed_and_revoked_only_by_that_user(svc: Service) -> None:
    made = svc.post("rev", "/api/me/tokens", json={"label": "script"})
    assert made.status_code == 201
    token_id, token = made.json()["id"], made.json()["token"]
    assert any(t["id"] == token_id and t["token"] is None for t in svc.get("rev", "/api/me/tokens").json())
    assert svc.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "rev"
    # another user cannot revoke it (and cannot tell it exists)
    assert_problem(svc.delete("ana", f"/api/me/tokens/{token_id}"), 404)
    assert svc.delete("rev", f"/api/me/tokens/{token_id}").status_code == 204
    assert_problem(svc.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}), 401)


# --------------------------------------------------------------------------------------
# problem details


def test_every_error_is_a_problem_document(svc: Service) -> None:
    body = assert_problem(svc.get("ana", "/api/no/such/thing"), 404, "not-found")
    assert body["instance"] == "/api/no/such/thing"
    assert_problem(svc.get("ana", "/api/runs/0123456789abcdef"), 404, "not-found")
    body = assert_problem(svc.get("ana", "/api/runs?limit=0"), 422, "invalid-request")
    assert body["errors"] == [
        {"where": "query.limit", "message": "Input should be greater than or equal to 1"}
    ]
    assert_problem(svc.get("ana", f"/api/runs/{svc.run_id}/tables/no_such_table"), 404)
    assert_problem(svc.post("ana", "/api/runs", json={"scenario_id": "nope"}), 404)
    assert_problem(svc.post("ana", "/api/runs", json={"scenario_id": "default", "extra": 1}), 422)
    assert_problem(svc.client.put("/api/runs", headers=svc.h("ana")), 405)


# --------------------------------------------------------------------------------------
# runs and tables


def test_runs_list_and_detail(svc: Service) -> None:
    page = svc.get("ana", "/api/runs").json()
    assert page["total"] == 1 and page["items"][0]["id"] == svc.run_id
    assert page["items"][0]["it_capacity_mw"] == {"2028": 300.0, "2030": 600.0}
    d = svc.get("ana", f"/api/runs/{svc.run_id[:8]}").json()
    assert d["id"] == svc.run_id and d["scenario"] == "tiny"
    assert d["summary"]["it_capacity_mw"] == {"2028": 300.0, "2030": 600.0}
    assert set(d["tables"]) == set(svc.plan.tables) and "commitments" in d["inputs"]
    assert svc.get("ana", "/api/runs/latest").json()["id"] == svc.run_id


def test_tables_as_json_with_pagination(svc: Service) -> None:
    r = svc.get("ana", f"/api/runs/{svc.run_id}/tables/it_capacity")
    t = r.json()
    assert [c["name"] for c in t["columns"]] == ["period", "target_mw", "online_mw", "short_mw"]
    assert [row["period"] for row in t["rows"]] == [2028, 2030]
    assert [row["online_mw"] for row in t["rows"]] == pytest.approx([300.0, 600.0])
    # the tiny plan's 2028 datacenter equity (3 modules x 100 MW x $11,000/kW = $3.3 bn, half debt)
    # split between jp_corp (at most 60 %, its cap) and us_lab: the API answers the plan's rows
    cap = svc.get("ana", f"/api/runs/{svc.run_id}/tables/capital").json()["rows"]
    by = {(r["investor"], r["period"]): r["equity_usd"] for r in cap}
    plan_cap = svc.plan.tables["capital"]
    assert by == pytest.approx(
        {
            (str(i), int(p)): float(e)
            for i, p, e in plan_cap[["investor", "period", "equity_usd"]].itertuples(index=False)
        }
    )
    total_2028 = sum(v for (_, p), v in by.items() if p == 2028)
    assert total_2028 == pytest.approx(1.65e9)  # the 2028 datacenter round, whoever holds it
    assert by[("jp_corp", 2028)] <= 0.6 * total_2028 * (1 + 1e-9)
    full = svc.plan.tables["builds"]
    r = svc.get("ana", f"/api/runs/{svc.run_id}/tables/builds?offset=10&limit=5")
    page = r.json()
    assert page["total"] == len(full) and page["offset"] == 10 and len(page["rows"]) == 5
    assert page["rows"][0]["technology"] == full.iloc[10]["technology"]
    assert r.headers["x-total-count"] == str(len(full))
    assert 'rel="next"' in r.headers["link"] and 'rel="prev"' in r.headers["link"]


def test_tables_as_csv(svc: Service) -> None:
    r = svc.get("ana", f"/api/runs/{svc.run_id}/tables/campuses?format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert (
        len(rows) == 4
        and rows[0]["campus"] == "camp_tx"
        and float(rows[1]["it_mw_online"]) == pytest.approx(600.0)
    )
    r2 = svc.get("ana", f"/api/runs/{svc.run_id}/tables/campuses?limit=1", headers={"Accept": "text/csv"})
    assert r2.text.splitlines() == r.text.splitlines()[:2]
    ins = svc.get("ana", f"/api/runs/{svc.run_id}/inputs/commitments?format=csv")
    assert sum(1 for _ in csv.DictReader(io.StringIO(ins.text))) == 6


def test_security_review_rows(svc: Service) -> None:
    r = svc.get("ana", f"/api/runs/{svc.run_id}/security").json()
    rows = r["rows"]
    # one row per project, round and investor of the plan's cap tables (camp_tx: 2 rounds)
    cap = svc.plan.tables["cap_tables"]
    assert r["total"] == len(rows) == len(cap) >= 4
    assert {(x["project"], x["investor"]) for x in rows} == set(
        zip(cap["project"].astype(str), cap["investor"].astype(str), strict=True)
    )
    assert {x["project"] for x in rows} == {"camp_tx"} and {"jp_corp", "us_lab"} <= {
        x["investor"] for x in rows
    }
    jp = next(x for x in rows if x["investor"] == "jp_corp" and x["period"] == 2028)
    assert 0 < jp["voting_pct"] <= 60.0 + 1e-6 and jp["outcome"] in (
        "clear",
        "voluntary_notice",
        "mandatory_declaration",
    )


def test_html_report(svc: Service) -> None:
    r = svc.get("ana", f"/api/runs/{svc.run_id}/report")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Stateside plan report" in r.text and "default-src 'none'" in r.headers["content-security-policy"]


# --------------------------------------------------------------------------------------
# scenarios


def test_upload_list_download_delete(svc: Service) -> None:
    data = zip_folder(TINY)
    r = svc.post("ana", "/api/scenarios", files={"file": ("tiny.zip", data, "application/zip")})
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["name"] == "tiny" and rec["uploaded_by"] == "ana" and rec["summary"]["regions"] == 3
    assert r.headers["location"] == f"/api/scenarios/{rec['id']}"
    assert rec["content_hash"] == svc.scenario.content_hash()
    listed = svc.get("ana", "/api/scenarios").json()
    assert [s["id"] for s in listed["items"]][:1] == [rec["id"]] and listed["items"][-1]["id"] == "default"
    assert svc.get("ana", f"/api/scenarios/{rec['id']}/download").content == data
    default_zip = svc.get("ana", "/api/scenarios/default/download").content
    assert "default/scenario.yaml" in zipfile.ZipFile(io.BytesIO(default_zip)).namelist()
    assert svc.delete("ana", f"/api/scenarios/{rec['id']}").status_code == 204
    assert_problem(svc.get("ana", f"/api/scenarios/{rec['id']}"), 404)
    assert_problem(svc.delete("ana", "/api/scenarios/default"), 409)


def test_a_scenario_with_problems_is_refused_with_file_row_column_issues(svc: Service) -> None:
    bad = zip_folder(
        TINY,
        prefix="",
        change={
            "campuses.csv": (b"camp_nm,New Mexico campus,NM,100,", b"camp_nm,New Mexico campus,NM,lots,"),
            "investors.csv": (b"jp_corp,Nippon Strategic,JP,", b"jp_corp,Nippon Strategic,XX,"),
        },
    )
    r = svc.post("ana", "/api/scenarios", files={"file": ("bad.zip", bad, "application/zip")})
    body = assert_problem(r, 422, "scenario-invalid")
    texts = [i["text"] for i in body["issues"]]
    assert "campuses.csv:3:module_it_mw: expected a number, found 'lots'" in texts
    assert any(t.startswith("investors.csv:3:country:") for t in texts)
    issue = next(i for i in body["issues"] if i["file"] == "campuses.csv")
    assert (issue["row"], issue["column"], issue["severity"]) == (3, "module_it_mw", "error")
    assert "/tmp" not in r.text and "stateside-upload" not in r.text  # no server paths
    assert svc.get("ana", "/api/scenarios").json()["total"] == 1  # nothing stored (the default only)


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        (b"not a zip at all", 400, "not a zip"),
        (_zip({"readme.txt": b"hi"}), 400, "no scenario.yaml"),
        (_zip({"../scenario.yaml": b"name: x"}), 400, "outside the folder"),
        (_zip({"a/b/scenario.yaml": b"name: x"}), 400, "nested too deep"),
        (_zip({"profiles.csv": random.Random(0).randbytes(300_000)}), 413, "larger than"),
    ],
)
def test_unusable_zips_are_refused(svc: Service, payload: bytes, status: int, words: str) -> None:
    r = svc.post("ana", "/api/scenarios", files={"file": ("x.zip", payload, "application/zip")})
    body = assert_problem(r, status)
    assert words in str(body["detail"])


def test_a_zip_bomb_stops_at_the_unpacked_limit(tmp_path: Path) -> None:
    from stateside.api import scenarios

    bomb = _zip({"scenario.yaml": b"name: x\n", "demand.csv": b"0" * 5_000_000})
    assert len(bomb) < 20_000
    with pytest.raises(scenarios.UploadError, match="unpacks to more than"):
        scenarios.check_zip(bomb, max_unpacked_bytes=1_000_000, max_files=10)


# --------------------------------------------------------------------------------------
# users


def test_admin_adds_users_with_checked_roles_and_bindings(svc: Service) -> None:
    new = {"name": "kim", "role": "investor", "password": "a long password", "investor": "ae_fund"}
    r = svc.post("root", "/api/users", json=new)
    assert r.status_code == 201 and r.json()["investor"] == "ae_fund"
    assert_problem(svc.post("root", "/api/users", json=new), 409, "user-exists")
    assert_problem(
        svc.post("root", "/api/users", json={**new, "name": "lee", "investor": None}), 422, "bad-user"
    )
    assert_problem(
        svc.post(
            "root",
            "/api/users",
            json={**new, "name": "lee", "role": "state_official", "investor": None, "state": "T1"},
        ),
        422,
    )
    assert_problem(svc.post("root", "/api/users", json={**new, "name": "lee", "password": "short"}), 422)
    names = [u["name"] for u in svc.get("root", "/api/users").json()]
    assert "kim" in names and "lee" not in names
    assert (
        svc.client.post("/api/session", json={"name": "kim", "password": "a long password"}).status_code
        == 200
    )


# --------------------------------------------------------------------------------------
# the CLI: stateside users, stateside serve


def test_cli_users_add_token_list_and_serve_help() -> None:
    from typer.testing import CliRunner

    from stateside.cli import app

    runner = CliRunner()
    r = runner.invoke(
        app,
        ["users", "add", "jo", "--role", "investor", "--investor", "NoSuchInvestor", "--password-stdin"],
        input="a fine password\n",
    )
    assert r.exit_code == 1 and "no investor 'NoSuchInvestor'" in r.output
    r = runner.invoke(
        app,
        ["users", "add", "jo", "--role", "investor", "--investor", "jp_strategic", "--password-stdin"],
        input="a fine password\n",
    )
    assert r.exit_code == 0, r.output
    assert "Added jo: investor (investor jp_strategic)." in r.output
    r = runner.invoke(
        app, ["users", "add", "jo", "--role", "analyst", "--password-stdin"], input="a fine password\n"
    )
    assert r.exit_code == 1 and "there is already a user 'jo'" in r.output
    r = runner.invoke(
        app, ["users", "add", "tx", "--role", "state_official", "--password-stdin"], input="pw\n"
    )
    assert r.exit_code == 1 and "--state XX" in r.output
    r = runner.invoke(
        app, ["users", "add", "zz", "--role", "analyst"], input="long password\nother password\n"
    )
    assert r.exit_code == 1 and "the two passwords differ" in r.output
    r = runner.invoke(app, ["users", "token", "jo", "--label", "ci"])
    assert r.exit_code == 0 and r.output.strip().startswith("sst_")
    assert auth.principal_from_token(r.output.strip()) is not None  # the store of $STATESIDE_DB_URL
    assert runner.invoke(app, ["users", "token", "nobody"]).exit_code == 1
    listing = runner.invoke(app, ["users", "list"]).output
    assert "jo" in listing and "jp_strategic" in listing
    r = runner.invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "--port" in r.output and "--insecure-cookies" in r.output


def test_a_body_over_the_limit_is_refused_before_it_is_read(svc: Service) -> None:
    big = b"x" * (200_000 + 2**20 + 10)
    r = svc.post("ana", "/api/scenarios", files={"file": ("big.zip", big, "application/zip")})
    body = assert_problem(r, 413, "too-large")
    assert "larger than" in str(body["detail"])
