"""The web service under abuse and the account lifecycle (issue 15, points 1-4 and 6).

* bodies: a chunked oversize body is answered 413 on the bytes read, before authentication,
  with no growth of the server's memory or temporary folder (a real uvicorn server);
* sign-in: the 11th bad sign-in of an account is refused whatever the password, addresses
  are limited too, argon2 work is bounded; weak passwords are refused;
* investor data: filtered by structured ids (a two-character investor id), runs of other
  coalitions and sweep members hidden, per-country summary figures withheld;
* accounts: disable, enable, delete, reset a password, revoke, token expiry, names unique
  regardless of case, bindings checked;
* the low findings: huge path numbers, offline API docs, the report's sandbox, CSV formulas,
  1e300, 405 Allow, non-UTF-8 JSON, deeply nested sweep files, no jobs/worker import cycle.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import os
import select
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from api_support import PASSWORD, TINY, Service, service, tiny_plan, zip_folder
from stateside.api import access, auth
from stateside.api.tables import table_csv
from stateside.store.api import save_run

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with service(tmp_path_factory.mktemp("hardening"), max_upload_bytes=200_000) as s:
        yield s


def _problem(r: Any, status: int, kind: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers
    body: dict[str, Any] = r.json()
    if kind is not None:
        assert body["type"] == f"urn:stateside:problem:{kind}", body
    return body


# --------------------------------------------------------------------------------------
# 1. request bodies: counted as read, before authentication (a real server)

SERVER = textwrap.dedent(
    """
    import sys, uvicorn
    from stateside.api.app import create_app
    from stateside.api.config import ApiConfig
    app = create_app(ApiConfig(db_url=sys.argv[1], job_workers=0, max_upload_bytes=2 * 2**20))
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    """
)


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _chunked_flood(
    port: int, path: str, headers: dict[str, str], total_bytes: int, prefix: bytes = b""
) -> tuple[bytes, int]:
    """Send a chunked body of up to ``total_bytes`` until the server answers; (answer, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock.sendall(head.encode())
    if prefix:
        sock.sendall(b"%x\r\n" % len(prefix) + prefix + b"\r\n")
    chunk = b"x" * 2**20
    frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    sent = 0
    answer = b""
    try:
        while sent < total_bytes:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.settimeout(5)
            sock.sendall(frame)
            sent += len(chunk)
    except OSError:
        pass  # the server closed the connection after answering
    try:
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer:
            part = sock.recv(65536)
            if not part:
                break
            answer += part
    except OSError:
        pass
    sock.close()
    return answer, sent


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """uvicorn in its own process on a private store and a private temporary folder."""
    from stateside.store import db

    tmp = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{tmp / 'live.db'}"
    db.engine_for(url)
    auth.create_user("ana", "analyst", PASSWORD, url=url)
    token = auth.issue_token("ana", "tests", url)[1]
    db.dispose_all()
    spool = tmp / "spool"
    spool.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TMPDIR": str(spool)}
    proc = subprocess.Popen([sys.executable, "-c", SERVER, url, str(port)], env=env)
    try:
        t0 = time.monotonic()
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None, "the server did not start"
                assert time.monotonic() - t0 < 60
                time.sleep(0.2)
        yield {"port": port, "pid": proc.pid, "spool": spool, "token": token}
    finally:
        proc.terminate()
        proc.wait(10)


#: the start of a multipart upload of one file (its bytes follow)
MULTIPART_HEAD = (
    b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.zip"\r\n'
    b"Content-Type: application/zip\r\n\r\n"
)


@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("/api/session", "application/json"),
        ("/api/scenarios", "multipart/form-data; boundary=xyz"),
        ("/scenarios/upload", "multipart/form-data; boundary=xyz"),
    ],
)
def test_a_chunked_oversize_body_without_credentials_is_413_with_no_memory_or_disk_growth(
    live: dict[str, Any], path: str, ctype: str
) -> None:
    before = _rss_bytes(live["pid"])
    answer, sent = _chunked_flood(live["port"], path, {"Content-Type": ctype}, 300 * 2**20)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"application/problem+json" in answer
    assert sent < 64 * 2**20  # cut off long before the 300 MiB (what is sent is the kernel's buffers)
    assert _rss_bytes(live["pid"]) - before < 30 * 2**20
    assert list(live["spool"].iterdir()) == []  # nothing spooled to the temporary folder


def test_a_signed_in_chunked_upload_is_cut_at_the_upload_limit(live: dict[str, Any]) -> None:
    before = _rss_bytes(live["pid"])
    answer, sent = _chunked_flood(
        live["port"],
        "/api/scenarios",
        {"Content-Type": "multipart/form-data; boundary=xyz", "Authorization": f"Bearer {live['token']}"},
        300 * 2**20,
        prefix=MULTIPART_HEAD,
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 64 * 2**20
    assert _rss_bytes(live["pid"]) - before < 40 * 2**20
    assert list(live["spool"].iterdir()) == []  # the partly spooled file was removed


def test_a_fake_token_does_not_buy_the_upload_limit(live: dict[str, Any]) -> None:
    answer, _ = _chunked_flood(
        live["port"],
        "/api/scenarios",
        {"Content-Type": "multipart/form-data; boundary=xyz", "Authorization": "Bearer sst_forged"},
        8 * 2**20,
    )
    assert answer.startswith(b"HTTP/1.1 413") and b"sign in first" in answer


def test_a_declared_oversize_body_is_refused_before_reading(svc: Service) -> None:
    r = svc.client.post(
        "/api/session",
        content=b"{}",
        headers={"Content-Length": str(10**9), "Content-Type": "application/json"},
    )
    _problem(r, 413, "too-large")


# --------------------------------------------------------------------------------------
# 2. sign-in: throttle, bounded argon2 work, password rules


def test_the_11th_bad_sign_in_is_refused_even_with_the_right_password(svc: Service) -> None:
    auth.create_user("victim", "analyst", PASSWORD, url=svc.url)
    for _ in range(10):
        _problem(svc.client.post("/api/session", json={"name": "victim", "password": "not it at all"}), 401)
    r = svc.client.post("/api/session", json={"name": "victim", "password": PASSWORD})
    body = _problem(r, 429, "too-many-sign-ins")
    assert int(r.headers["retry-after"]) >= 1 and "try again in" in body["detail"]
    # the lock is per account: another user signs in; an admin's reset clears it
    assert svc.client.post("/api/session", json={"name": "ana", "password": PASSWORD}).status_code == 200
    r = svc.client.patch(
        "/api/users/victim", json={"password": "a new long passphrase"}, headers=svc.h("root")
    )
    assert r.status_code == 200, r.text
    ok = svc.client.post("/api/session", json={"name": "victim", "password": "a new long passphrase"})
    assert ok.status_code == 200


def test_the_throttle_limits_addresses_and_backs_off() -> None:
    now = [0.0]
    t = auth.LoginThrottle(account_limit=10, address_limit=50, base_lock_s=60, clock=lambda: now[0])
    for i in range(49):
        t.failed(f"user{i}", "203.0.113.9")
    assert t.retry_after_s("fresh", "203.0.113.9") == 0
    t.failed("user49", "203.0.113.9")
    assert t.retry_after_s("fresh", "203.0.113.9") == pytest.approx(60)  # the address is locked
    assert t.retry_after_s("fresh", "198.51.100.1") == 0  # other addresses are not
    for _ in range(10):
        t.failed("bob", None)
    assert t.retry_after_s("bob", None) == pytest.approx(60)
    now[0] += 61
    t.failed("bob", None)  # one more failure after the lock: twice as long
    assert t.retry_after_s("bob", None) == pytest.approx(120)
    t.succeeded("bob")
    assert t.retry_after_s("bob", None) == 0


def test_a_locked_out_address_is_answered_before_routing(svc: Service) -> None:
    st = svc.client.app.state.stateside  # type: ignore[attr-defined]
    saved = st.throttle
    st.throttle = auth.LoginThrottle(address_limit=2)
    try:
        for name in ("nobody1", "nobody2"):
            _problem(svc.client.post("/api/session", json={"name": name, "password": "wrong guess"}), 401)
        r = svc.client.post("/api/session", json={"name": "ana", "password": PASSWORD})
        body = _problem(r, 429, "too-many-sign-ins")
        assert "from this address" in body["detail"] and int(r.headers["retry-after"]) >= 1
        # not even a body is needed: the gate answers before the route reads one
        _problem(svc.client.post("/api/session", content=b"not json"), 429)
        assert svc.get("ana", "/api/me").status_code == 200  # tokens are not affected
    finally:
        st.throttle = saved


def test_argon2_work_is_bounded_and_the_excess_refused_at_once() -> None:
    gate = auth.HashGate(concurrent=2, waiting=3)
    active = peak = 0
    results: list[bool] = []

    async def one() -> None:
        nonlocal active, peak
        async with gate.slot() as ok:
            results.append(ok)
            if ok:
                active += 1
                peak = max(peak, active)
                await asyncio.sleep(0.05)
                active -= 1

    async def flood() -> None:
        await asyncio.gather(*(one() for _ in range(40)))

    asyncio.run(flood())
    assert peak == 2
    assert results.count(True) == 5 and results.count(False) == 35  # 2 running + 3 waiting


def test_a_sign_in_flood_is_answered_503_not_queued(svc: Service) -> None:
    st = svc.client.app.state.stateside  # type: ignore[attr-defined]
    saved = st.hash_gate
    st.hash_gate = auth.HashGate(concurrent=1, waiting=0)
    st.hash_gate._sem = asyncio.Semaphore(0)  # every slot taken, nobody may wait
    try:
        r = svc.client.post("/api/session", json={"name": "ana", "password": PASSWORD})
        _problem(r, 503, "busy")
        assert r.headers["retry-after"] == "1" and st.hash_gate.refused == 1
    finally:
        st.hash_gate = saved


@pytest.mark.parametrize(
    "weak", ["password", "12345678", "password123", "qwertyuiop", "aaaaaaaaaaaa", "weakuser42", "short"]
)
def test_weak_passwords_are_refused(svc: Service, weak: str) -> None:
    r = svc.client.post(
        "/api/users", json={"name": "weakuser42", "role": "analyst", "password": weak}, headers=svc.h("root")
    )
    body = _problem(r, 422, "bad-user")
    assert "password" in body["detail"]
    assert auth.get_user("weakuser42", svc.url) is None


def test_a_password_with_the_user_name_in_it_is_refused() -> None:
    with pytest.raises(auth.AuthError, match="user name"):
        auth.check_password_rules("Marigold-2026!", "marigold")
    auth.check_password_rules("a sound long passphrase", "marigold")  # a good one passes


# --------------------------------------------------------------------------------------
# 3. investor data: structured ids, runs of its coalition only, no sweep members


def test_a_two_character_investor_id_is_filtered_by_id_not_substring() -> None:
    who = access.Parties(investors={"ae": "AE", "jp_corp": "Nippon Strategic"})
    jp = auth.Principal(1, "jp", "investor", investor="jp_corp")
    violations = pd.DataFrame(
        {
            "kind": ["commitment", "commitment", "target", "target"],
            "period": [2028, 2028, 2028, 2030],
            "where": ["ae/datacenter", "jp_corp/datacenter", "aerospace corridor", "national"],
            "amount": [1.0, 2.0, 3.0, 4.0],
            "unit": ["USD", "USD", "MW", "MW"],
        }
    )
    seen = access.result_table(jp, "violations", violations, who)
    assert list(seen["where"]) == ["jp_corp/datacenter", "aerospace corridor", "national"]
    # ae sees its own row and not jp_corp's; a cell that is another investor's whole name is named too
    ae = auth.Principal(2, "ae", "investor", investor="ae")
    assert list(access.result_table(ae, "violations", violations, who)["where"]) == [
        "ae/datacenter",
        "aerospace corridor",
        "national",
    ]
    assert who.others("ae") is not None and who.others("ae").search("Nippon Strategic")  # type: ignore[union-attr]
    summary = {
        "finance": {"investors": {"ae": {"npv_usd": 1.0}, "jp_corp": {"npv_usd": 2.0}}},
        "notes": ["ae: short"],
    }
    assert access.run_summary(jp, summary, who) == {
        "finance": {"investors": {"jp_corp": {"npv_usd": 2.0}}},
        "notes": [],
    }


@pytest.fixture(scope="module")
def other_runs(svc: Service) -> dict[str, str]:
    """A run of a coalition without jp_corp, and a sweep member."""
    plan, scenario = tiny_plan()
    other = copy.copy(plan)
    other.tables = {
        n: (df[df["investor"] != "jp_corp"] if "investor" in df.columns else df)
        for n, df in plan.tables.items()
    }
    inv = scenario.tables["investors"]
    inputs = dataclasses.replace(
        scenario, tables={**scenario.tables, "investors": inv[inv["investor"] != "jp_corp"]}
    )
    return {
        "other": save_run(other, inputs, source="tests: another coalition", url=svc.url),
        "member": save_run(plan, scenario, source="sweep abcd1234 member 3", url=svc.url),
    }


def test_an_investor_sees_only_its_coalitions_runs_and_no_sweep_members(
    svc: Service, other_runs: dict[str, str]
) -> None:
    listed = {r["id"] for r in svc.get("jp", "/api/runs").json()["items"]}
    assert listed == {svc.run_id}
    for run in other_runs.values():
        _problem(svc.get("jp", f"/api/runs/{run}"), 404, "not-found")
        _problem(svc.get("jp", f"/api/runs/{run}/tables/builds"), 404)
    # us_lab is in the other coalition, but no one but admins and analysts opens sweep members
    assert {r["id"] for r in svc.get("us", "/api/runs").json()["items"]} == {svc.run_id, other_runs["other"]}
    _problem(svc.get("tex", f"/api/runs/{other_runs['member']}"), 404)
    _problem(svc.get("rev", f"/api/runs/{other_runs['member']}"), 404)
    assert svc.get("ana", f"/api/runs/{other_runs['member']}").status_code == 200
    assert len(svc.get("ana", "/api/runs").json()["items"]) == 3
    # "latest" for jp is jp's latest run, not the sweep member saved after it
    assert svc.get("jp", "/api/runs/latest").json()["id"] == svc.run_id
    # the dashboard follows the same rule
    svc.client.cookies.clear()
    assert svc.client.post("/api/session", json={"name": "jp", "password": PASSWORD}).status_code == 200
    page = svc.client.get("/runs")
    assert other_runs["member"][:8] not in page.text and other_runs["other"][:8] not in page.text
    assert svc.client.get(f"/runs/{other_runs['member']}").status_code == 404
    svc.client.cookies.clear()


def test_an_investor_summary_withholds_the_per_country_share(svc: Service) -> None:
    full = svc.get("ana", f"/api/runs/{svc.run_id}").json()["summary"]
    assert "allied_capital_share" in full["impact"]
    mine = svc.get("jp", f"/api/runs/{svc.run_id}").json()["summary"]
    assert "allied_capital_share" not in mine["impact"]
    _problem(svc.get("jp", f"/api/runs/{svc.run_id}/tables/capital_by_country"), 403)


# --------------------------------------------------------------------------------------
# 4. account lifecycle


def _signed_in(svc: Service, name: str, password: str = PASSWORD) -> int:
    svc.client.cookies.clear()
    code = int(svc.client.post("/api/session", json={"name": name, "password": password}).status_code)
    return code


def test_disable_enable_reset_revoke_delete_through_the_api(svc: Service) -> None:
    root = svc.h("root")
    auth.create_user("temp", "reviewer", PASSWORD, url=svc.url)
    token = auth.issue_token("temp", "t", svc.url)[1]
    th = {"Authorization": f"Bearer {token}"}
    assert svc.client.get("/api/me", headers=th).status_code == 200
    assert _signed_in(svc, "temp") == 200
    r = svc.client.patch("/api/users/temp", json={"disabled": True}, headers=root)
    assert r.status_code == 200 and r.json()["user"]["disabled"] is True
    _problem(svc.client.get("/api/me", headers=th), 401)
    assert svc.client.get("/api/me").status_code == 401  # the session was ended
    assert _signed_in(svc, "temp") == 401
    svc.client.cookies.clear()
    assert svc.client.patch("/api/users/temp", json={"disabled": False}, headers=root).status_code == 200
    assert svc.client.get("/api/me", headers=th).status_code == 200
    # a new password ends sessions, keeps tokens
    assert _signed_in(svc, "temp") == 200
    svc.client.cookies.clear()
    r = svc.client.patch("/api/users/temp", json={"password": "another good passphrase"}, headers=root)
    assert r.json()["sessions_ended"] == 1
    assert _signed_in(svc, "temp") == 401 and _signed_in(svc, "temp", "another good passphrase") == 200
    svc.client.cookies.clear()
    r = svc.client.patch("/api/users/temp", json={"revoke": True}, headers=root)
    assert r.json()["tokens_revoked"] == 1
    _problem(svc.client.get("/api/me", headers=th), 401)
    assert svc.client.delete("/api/users/temp", headers=root).status_code == 204
    _problem(svc.client.get("/api/users/temp", headers=root), 404)
    # no self-harm, and only admins manage users
    _problem(svc.client.delete("/api/users/root", headers=root), 409)
    _problem(svc.client.patch("/api/users/root", json={"disabled": True}, headers=root), 409)
    _problem(svc.client.patch("/api/users/ana", json={"disabled": True}, headers=svc.h("ana")), 403)


def test_the_last_admin_cannot_be_disabled_or_deleted(tmp_path: Path) -> None:
    from stateside.store import db

    url = f"sqlite:///{tmp_path / 'one.db'}"
    db.engine_for(url)
    auth.create_user("boss", "admin", PASSWORD, url=url)
    with pytest.raises(auth.AuthError, match="last enabled admin"):
        auth.set_disabled("boss", True, url)
    with pytest.raises(auth.AuthError, match="last enabled admin"):
        auth.delete_user("boss", url)
    db.dispose_all()


def test_tokens_expire(svc: Service) -> None:
    token_id, token = auth.issue_token("rev", "short-lived", svc.url, days=1)
    h = {"Authorization": f"Bearer {token}"}
    assert svc.client.get("/api/me", headers=h).status_code == 200
    listed = {t["id"]: t for t in svc.client.get("/api/me/tokens", headers=h).json()}
    assert listed[token_id]["expires_at"] and listed[token_id]["expired"] is False
    engine = sa.create_engine(svc.url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE api_tokens SET expires_at = :t WHERE id = :i"),
            {"t": "2020-01-01 00:00:00.000000", "i": token_id},
        )
    engine.dispose()
    _problem(svc.client.get("/api/me", headers=h), 401, "unauthenticated")
    with pytest.raises(auth.AuthError, match="at most 366"):
        auth.issue_token("rev", "forever", svc.url, days=10_000)


def test_names_are_unique_regardless_of_case_and_bindings_are_checked(svc: Service) -> None:
    root = svc.h("root")

    def add(**body: Any) -> Any:
        return svc.client.post("/api/users", json={"password": "a perfectly fine one", **body}, headers=root)

    body = _problem(add(name="ROOT", role="admin"), 409, "user-exists")
    assert "differ only in case" in body["detail"]
    assert (
        "NoSuchInvestor"
        in _problem(add(name="x1", role="investor", investor="NoSuchInvestor"), 422)["detail"]
    )
    assert "ZZ" in _problem(add(name="x2", role="state_official", state="ZZ"), 422)["detail"]
    assert add(name="x3", role="state_official", state="tx").status_code == 201  # a known state, any case
    assert add(name="x4", role="investor", investor="ae_fund").status_code == 201  # from the saved run


def test_the_users_cli_disables_resets_revokes_and_deletes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from stateside.cli import app
    from stateside.store import db

    monkeypatch.setenv("STATESIDE_DB_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> Any:
        return runner.invoke(app, ["users", *args], input=stdin)

    assert (
        run("add", "boss", "--role", "admin", "--password-stdin", stdin="a fine long password\n").exit_code
        == 0
    )
    assert run("add", "al", "--role", "analyst", "--password-stdin", stdin="password\n").exit_code == 1
    assert (
        run("add", "al", "--role", "analyst", "--password-stdin", stdin="another fine one\n").exit_code == 0
    )
    token = run("token", "al", "--days", "30").output.strip()
    assert auth.principal_from_token(token) is not None
    r = run("disable", "AL")  # names match regardless of case
    assert r.exit_code == 0 and "Disabled al" in r.output
    assert auth.principal_from_token(token) is None and "disabled" in run("list").output
    assert run("enable", "al").exit_code == 0 and auth.principal_from_token(token) is not None
    r = run("reset-password", "al", "--password-stdin", stdin="1234567890\n")
    assert r.exit_code == 1 and "common" in r.output
    assert run("reset-password", "al", "--password-stdin", stdin="a brand new passphrase\n").exit_code == 0
    assert auth.authenticate("al", "a brand new passphrase") is not None
    r = run("revoke", "al")
    assert r.exit_code == 0 and "Revoked 1 token" in r.output and auth.principal_from_token(token) is None
    r = run("disable", "boss")
    assert r.exit_code == 1 and "last enabled admin" in r.output
    assert run("delete", "al", "--yes").exit_code == 0 and auth.get_user("al") is None
    assert run("delete", "nobody", "--yes").exit_code == 1
    db.dispose_all()


# --------------------------------------------------------------------------------------
# 6. the low findings


def test_a_huge_token_id_is_a_422_not_a_500(svc: Service) -> None:
    _problem(svc.delete("ana", "/api/me/tokens/" + "9" * 40), 422)
    _problem(svc.delete("ana", f"/api/me/tokens/{2**63 - 1}"), 404)


def test_api_docs_are_served_from_the_package(svc: Service) -> None:
    page = svc.client.get("/api/docs")
    assert page.status_code == 200 and "/api/docs/static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower() and "<script>" not in page.text  # no inline script for the CSP
    js = svc.client.get("/api/docs/static/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert svc.client.get("/api/docs/static/swagger-ui.css").status_code == 200
    assert "SwaggerUIBundle" in svc.client.get("/api/docs/init.js").text


def test_the_report_is_served_sandboxed(svc: Service) -> None:
    r = svc.get("ana", f"/api/runs/{svc.run_id}/report")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "sandbox allow-scripts" in csp and "allow-same-origin" not in csp


def test_csv_cells_cannot_start_a_formula() -> None:
    df = pd.DataFrame(
        {"name": ['=HYPERLINK("http://x")', "+1", "-cmd", "@SUM(A1)", "plain"], "v": [1, -2, 3, 4, 5]}
    )
    text = table_csv(df)
    assert "'=HYPERLINK" in text and "\n'+1," in text and "\n'-cmd," in text and "\n'@SUM" in text
    assert "\nplain,5" in text and ",-2\n" in text  # numbers untouched


def test_an_upload_with_1e300_is_refused_at_upload(svc: Service) -> None:
    data = zip_folder(TINY, change={"commitments.csv": (b"2026,1500000000", b"2026,1e300")})
    r = svc.post("ana", "/api/scenarios", files={"file": ("big.zip", data, "application/zip")})
    body = _problem(r, 422, "scenario-invalid")
    assert any(i["file"].endswith("commitments.csv") and "1e+15" in i["expected"] for i in body["issues"]), (
        body
    )


def test_405_lists_every_allowed_method(svc: Service) -> None:
    r = svc.client.put("/api/runs", headers=svc.h("ana"))
    _problem(r, 405, "method-not-allowed")
    assert set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_non_utf8_json_is_a_documented_400(svc: Service) -> None:
    r = svc.client.post(
        "/api/session",
        content='{"name": "é"}'.encode("latin-1"),
        headers={"Content-Type": "application/json"},
    )
    body = _problem(r, 400, "bad-body")
    assert "UTF-8" in body["detail"]
    schema = svc.client.get("/api/openapi.json").json()
    for path, method in (
        ("/api/session", "post"),
        ("/api/users", "post"),
        ("/api/runs", "post"),
        ("/api/sweeps", "post"),
    ):
        assert "400" in schema["paths"][path][method]["responses"], path


def test_a_deeply_nested_sweep_file_is_a_422(svc: Service) -> None:
    r = svc.post("ana", "/api/sweeps", json={"scenario_id": "default", "spec_yaml": "a: " + "[" * 5000})
    body = _problem(r, 422, "sweep-invalid")
    assert "nested too deeply" in body["detail"]


def test_jobs_and_worker_do_not_import_each_other() -> None:
    import ast

    import stateside.api.worker as worker

    tree = ast.parse(Path(worker.__file__).read_text())
    imported = {
        n.module if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in n.names
    }
    imported |= {
        f"stateside.api.{a.name}"
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module == "stateside.api"
        for a in n.names
    }
    assert "stateside.api.jobs" not in imported and "stateside.api.jobstate" in imported


def test_tokens_made_before_revision_0004_get_an_expiry(tmp_path: Path) -> None:
    from stateside.store import db

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    db.upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (name, role, password_hash, created_at, disabled) "
                "VALUES ('old', 'analyst', 'x', '2026-01-01 00:00:00', 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO api_tokens (user_id, token_hash, label, created_at) "
                "VALUES (1, :h, 'before 0004', '2026-01-01 00:00:00')"
            ),
            {"h": auth.sha256("sst_old")},
        )
    db.upgrade(engine)
    with engine.connect() as conn:
        expires = conn.execute(sa.text("SELECT expires_at FROM api_tokens")).scalar()
    engine.dispose()
    assert expires is not None
    assert auth.principal_from_token("sst_old", url) is not None  # still valid, for 90 days
    db.dispose_all()
