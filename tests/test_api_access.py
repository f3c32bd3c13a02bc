"""Role-based access, for every role against every resource type, through the API and the pages.

The leak tests read everything an investor may read (API answers as JSON and CSV, and the
dashboard's pages) and search it for the other investors' ids, names and amounts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from api_support import TINY, USERS, Service, service, zip_folder
from stateside.api.access import COALITION_TABLES, INVESTOR_TABLES
from stateside.report import fmt

ALL = tuple(USERS)
FULL = ("root", "ana")
INVESTORS = ("jp", "us", "ae")
STATES = ("tex", "nm")

#: result tables each role reads (the tiny plan has these)
STATE_TABLES = {
    "builds", "dispatch", "emissions", "unserved", "prices", "corridors", "campuses", "fabs", "cap_tables",
    "project_economics", "project_cashflows", "jobs", "emissions_detail", "state_benefits", "chips_fabs",
    "impact_coefficients", "impact_sources", "dispatch_t", "storage_t", "flows_t", "prices_t",
}  # fmt: skip
#: tables a plan may have or not, depending on the model's version (a state official reads those there are)
STATE_TABLES_IF_PRESENT = {
    "campus_power",
    "counterfactual_builds",
    "counterfactual_corridors",
    "counterfactual_prices",
    "ratepayer_impact",
}
REVIEWER_TABLES = {
    "cap_tables", "capital", "campuses", "campus_power", "fabs", "impact_coefficients", "impact_sources",
}  # fmt: skip
INVESTOR_INPUTS = {"investors", "commitments", "share_caps"}
REVIEWER_INPUTS = {"investors", "entities", "ownership", "control", "share_caps", "campuses", "fabs"}
STATE_INPUTS = {
    "regions", "corridors", "cost_multipliers", "existing_capacity", "demand", "campuses", "fabs", "fuel_prices",
}  # fmt: skip


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with service(tmp_path_factory.mktemp("access")) as s:
        yield s


def _expected_tables(user: str, names: list[str]) -> set[str]:
    role = USERS[user][0]
    if role in ("admin", "analyst"):
        return set(names)
    if role == "investor":
        return (INVESTOR_TABLES | COALITION_TABLES) & set(names)
    if role == "state_official":
        return STATE_TABLES | (STATE_TABLES_IF_PRESENT & set(names))
    return REVIEWER_TABLES


@pytest.mark.parametrize("user", ALL)
def test_each_role_reads_exactly_its_result_tables(svc: Service, user: str) -> None:
    names = list(svc.plan.tables)
    expected = _expected_tables(user, names)
    listed = {t["name"] for t in svc.get(user, f"/api/runs/{svc.run_id}/tables").json()}
    assert listed == expected
    assert set(svc.get(user, f"/api/runs/{svc.run_id}").json()["tables"]) == expected
    for name in names:
        r = svc.get(user, f"/api/runs/{svc.run_id}/tables/{name}")
        assert r.status_code == (200 if name in expected else 403), (user, name, r.text[:200])
        if r.status_code == 403:
            assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("user", ALL)
def test_each_role_reads_exactly_its_input_tables(svc: Service, user: str) -> None:
    role = USERS[user][0]
    inputs = set(svc.scenario.tables)
    expected = {
        "admin": inputs,
        "analyst": inputs,
        "investor": INVESTOR_INPUTS,
        "state_official": STATE_INPUTS,
        "reviewer": REVIEWER_INPUTS,
    }[role]
    assert {t["name"] for t in svc.get(user, f"/api/runs/{svc.run_id}/inputs").json()} == expected
    for name in inputs:
        r = svc.get(user, f"/api/runs/{svc.run_id}/inputs/{name}")
        assert r.status_code == (200 if name in expected else 403), (user, name)


# status codes of every other resource type, per role: (method, path, body) → {user: status}
def _matrix(svc: Service) -> list[tuple[str, str, dict[str, Any] | None, dict[str, int]]]:
    run = svc.run_id
    everyone = dict.fromkeys(ALL, 200)
    writers = {u: (200 if u in FULL else 403) for u in ALL}
    return [
        ("GET", "/api/me", None, everyone),
        ("GET", "/api/runs", None, everyone),
        ("GET", f"/api/runs/{run}", None, everyone),
        ("GET", f"/api/runs/{run}/security", None, everyone),
        ("GET", f"/api/runs/{run}/report", None, writers),
        ("GET", "/api/scenarios", None, writers),
        ("GET", "/api/scenarios/default", None, writers),
        ("GET", "/api/scenarios/default/download", None, writers),
        ("GET", "/api/jobs", None, writers),
        ("GET", "/api/sweeps", None, writers),
        ("GET", "/api/users", None, {u: (200 if u == "root" else 403) for u in ALL}),
        ("POST", "/api/runs", {"scenario_id": "default"}, {u: (202 if u in FULL else 403) for u in ALL}),
        ("POST", "/api/me/tokens", {"label": "t"}, dict.fromkeys(ALL, 201)),
        (
            "POST",
            "/api/users",
            {"name": "x", "role": "analyst", "password": "long enough pw"},
            {u: (201 if u == "root" else 403) for u in ALL},
        ),
        (
            "DELETE",
            "/api/scenarios/0123456789abcdef0123456789abcdef",
            None,
            {u: (404 if u in FULL else 403) for u in ALL},
        ),
        ("GET", "/runs", None, everyone),
        ("GET", f"/runs/{run}/security", None, everyone),
        ("GET", "/scenarios", None, writers),
        ("GET", f"/runs/{run}/states/TX", None, {u: (403 if u == "nm" else 200) for u in ALL}),
        ("GET", f"/runs/{run}/states/NM", None, {u: (403 if u == "tex" else 200) for u in ALL}),
        (
            "GET",
            f"/runs/{run}/investors/jp_corp",
            None,
            {u: (200 if u in (*FULL, "rev", "jp") else 403) for u in ALL},
        ),
        (
            "GET",
            f"/runs/{run}/investors/us_lab",
            None,
            {u: (200 if u in (*FULL, "rev", "us") else 403) for u in ALL},
        ),
    ]


def test_every_role_against_every_resource_type(svc: Service) -> None:
    failures = []
    for method, path, body, expected in _matrix(svc):
        for user, status in expected.items():
            if method == "POST" and path == "/api/users" and body is not None:
                body = {**body, "name": f"x{user}"}
            r = svc.client.request(method, path, headers=svc.h(user), json=body, follow_redirects=False)
            if r.status_code != status:
                failures.append(f"{user} {method} {path}: {r.status_code}, expected {status}")
            if r.status_code >= 400 and path.startswith("/api"):
                assert r.headers["content-type"].startswith("application/problem+json")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("user", (*INVESTORS, *STATES, "rev"))
def test_read_only_roles_cannot_write(svc: Service, user: str) -> None:
    data = zip_folder(TINY)
    r = svc.post(user, "/api/scenarios", files={"file": ("t.zip", data, "application/zip")})
    assert r.status_code == 403 and "read-only" in r.json()["detail"]
    assert svc.post(user, "/api/runs", json={"scenario_id": "default"}).status_code == 403
    assert svc.post(user, "/api/jobs/0123456789abcdef0123456789abcdef/cancel").status_code == 403
    assert (
        svc.post(
            user, "/api/users", json={"name": "y", "role": "admin", "password": "long enough pw"}
        ).status_code
        == 403
    )
    assert svc.delete(user, "/api/scenarios/default").status_code == 403
    # and the pages' forms refuse them too (token users need no CSRF token)
    assert (
        svc.post(user, "/runs/start", data={"scenario_id": "default"}, follow_redirects=False).status_code
        == 403
    )
    page = svc.post(user, "/scenarios/upload", files={"file": ("t.zip", data, "application/zip")})
    assert page.status_code == 403


def test_a_state_official_sees_only_its_state(svc: Service) -> None:
    run = svc.run_id
    for table in ("campuses", "builds", "cap_tables", "jobs", "project_economics", "state_benefits"):
        rows = svc.get("tex", f"/api/runs/{run}/tables/{table}").json()["rows"]
        assert rows and {r["region"] for r in rows} == {"TX"}, table
    nm = svc.get("nm", f"/api/runs/{run}/tables/campuses").json()["rows"]
    assert {r["campus"] for r in nm} == {"camp_nm"}
    cors = svc.get("nm", f"/api/runs/{run}/tables/corridors").json()["rows"]
    assert {r["corridor"] for r in cors} == {"NM-TX"}
    # NM has no project with a cap table: no capital lands there, and none of TX's shows
    assert svc.get("nm", f"/api/runs/{run}/tables/cap_tables").json()["rows"] == []
    assert svc.get("nm", f"/api/runs/{run}/security").json()["rows"] == []
    assert {r["project"] for r in svc.get("tex", f"/api/runs/{run}/security").json()["rows"]} == {"camp_tx"}
    flows = svc.get("nm", f"/api/runs/{run}/tables/project_cashflows").json()
    assert flows["total"] == 0
    assert svc.get("tex", f"/api/runs/{run}/tables/project_cashflows").json()["total"] > 0
    detail = svc.get("tex", f"/api/runs/{run}").json()
    assert set(detail["summary"]) <= {"scenario", "scenario_hash", "status", "mode"}
    assert detail["objective_usd"] is None and detail["it_capacity_mw"] == {}
    # the overview sends a state official to its own state's page
    r = svc.get("nm", f"/runs/{run}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/runs/{run}/states/NM"


def test_a_reviewer_reads_ownership_for_all_projects_but_not_money_flows(svc: Service) -> None:
    run = svc.run_id
    cap = svc.get("rev", f"/api/runs/{run}/tables/cap_tables").json()
    assert cap["total"] == len(svc.plan.tables["cap_tables"])
    assert {r["investor"] for r in cap["rows"]} == set(svc.plan.tables["cap_tables"]["investor"].astype(str))
    assert len(svc.get("rev", f"/api/runs/{run}/security").json()["rows"]) == len(
        svc.plan.tables["cap_tables"]
    )
    for table in ("investor_returns", "capital_pipeline", "investor_cashflows"):
        assert svc.get("rev", f"/api/runs/{run}/tables/{table}").status_code == 403
    assert svc.get("rev", f"/api/runs/{run}/inputs/commitments").status_code == 403
    assert svc.get("rev", f"/api/runs/{run}/inputs/ownership").json()["total"] == 2


# --------------------------------------------------------------------------------------
# investors: own rows, and nothing of anyone else


def _others(svc: Service, me: str) -> tuple[list[str], list[float], set[str]]:
    """The other investors' ids and names, their amounts that are not also a coalition total or one
    of its own, and how those visible numbers look when rounded for the pages."""
    inv = svc.scenario.investors
    words = [w for i, n in zip(inv["investor"], inv["name"], strict=True) if i != me for w in (i, n)]
    tables = dict(svc.plan.tables)
    visible_numbers: set[float] = set()
    for name, df in tables.items():
        if name in COALITION_TABLES:
            visible_numbers |= _numbers(df)
    for name in INVESTOR_TABLES:
        df = tables.get(name)
        if df is not None:
            visible_numbers |= _numbers(df[df["investor"] == me])
    amounts: set[float] = set()
    for name in INVESTOR_TABLES:
        df = tables.get(name)
        if df is not None:
            amounts |= _numbers(df[df["investor"] != me])
    com = svc.scenario.commitments
    amounts |= _numbers(com[com["investor"] != me][["amount_usd"]])
    secret = sorted(a for a in amounts if not any(math.isclose(a, v, rel_tol=1e-9) for v in visible_numbers))
    return words, secret, {f for v in visible_numbers for f in _rounded(v)}


def _numbers(df: pd.DataFrame) -> set[float]:
    """Money-sized numbers of a frame (at least $1M: years, shares and counts are not amounts)."""
    out: set[float] = set()
    for c in df.columns:
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            for v in df[c].dropna():
                if math.isfinite(float(v)) and abs(float(v)) >= 1e6:
                    out.add(abs(float(v)))
    return out


def _rounded(x: float) -> set[str]:
    """The rounded form of an amount on the pages ($2.3 bn, $660 M)."""
    return {fmt.usd(x)}


def _renderings(x: float, visible: set[str]) -> list[str]:
    """How an amount can appear: exact JSON/CSV numbers, with separators, and its rounded forms
    unless a number the investor may see rounds to the same text."""
    forms = {repr(x), repr(float(round(x, 2))), f"{x:,.0f}"} | (_rounded(x) - visible)
    if x == int(x):
        forms.add(str(int(x)))
    return sorted(forms)


def _everything(svc: Service, user: str) -> dict[str, str]:
    """Every API answer and page the user may read about the run."""
    run = svc.run_id
    out: dict[str, str] = {}

    def get(path: str) -> None:
        r = svc.get(user, path)
        assert r.status_code == 200, (path, r.status_code)
        out[path] = r.text

    for path in ("/api/runs", f"/api/runs/{run}", f"/api/runs/{run}/tables", f"/api/runs/{run}/inputs"):
        get(path)
    for t in svc.get(user, f"/api/runs/{run}/tables").json():
        get(f"/api/runs/{run}/tables/{t['name']}")
        get(f"/api/runs/{run}/tables/{t['name']}?format=csv")
    for t in svc.get(user, f"/api/runs/{run}/inputs").json():
        get(f"/api/runs/{run}/inputs/{t['name']}")
    get(f"/api/runs/{run}/security")
    get("/runs")
    get(f"/runs/{run}")
    get(f"/runs/{run}/security")
    for state in ("TX", "OK", "NM"):
        get(f"/runs/{run}/states/{state}")
    me = USERS[user][1]
    get(f"/runs/{run}/investors/{me}")
    return out


@pytest.mark.parametrize("user", INVESTORS)
def test_an_investor_sees_no_other_investors_ids_names_or_amounts(svc: Service, user: str) -> None:
    me = USERS[user][1]
    assert me is not None
    words, secret, visible = _others(svc, me)
    assert len(words) == 4
    if me == "jp_corp":
        # hand-picked: us_lab's 2028 equity and its NPV are among the amounts searched for
        npv = float(svc.plan.tables["investor_returns"].set_index("investor").at["us_lab", "npv_usd"])
        capital = svc.plan.tables["capital"]
        us_2028 = float(
            capital[(capital["investor"] == "us_lab") & (capital["period"] == 2028)]["equity_usd"].sum()
        )
        for amount in (us_2028, npv):
            assert any(math.isclose(a, amount, rel_tol=1e-9) for a in secret)
    pages = _everything(svc, user)
    found = []
    for path, text in pages.items():
        for w in words:
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", text, re.IGNORECASE):
                found.append(f"{path}: names {w!r}")
        for a in secret:
            for form in _renderings(a, visible):
                if re.search(rf"(?<![0-9.,]){re.escape(form)}(?![0-9])", text):
                    found.append(f"{path}: amount {a} as {form!r}")
    assert not found, "\n".join(found[:20])


def test_an_investor_gets_its_own_rows(svc: Service) -> None:
    run = svc.run_id
    cap = svc.get("jp", f"/api/runs/{run}/tables/capital").json()["rows"]
    mine = svc.plan.tables["capital"]
    mine = mine[mine["investor"] == "jp_corp"]
    assert len(mine) >= 1
    assert [(r["investor"], r["period"], r["equity_usd"]) for r in cap] == [
        (i, int(p), pytest.approx(float(e)))
        for i, p, e in mine[["investor", "period", "equity_usd"]].itertuples(index=False)
    ]
    ret = svc.get("jp", f"/api/runs/{run}/tables/investor_returns").json()["rows"]
    assert [r["investor"] for r in ret] == ["jp_corp"] and ret[0]["committed_usd"] == pytest.approx(1e9)
    com = svc.get("jp", f"/api/runs/{run}/inputs/commitments").json()["rows"]
    assert sorted(r["amount_usd"] for r in com) == [1e9, 1e9]
    rows = svc.get("jp", f"/api/runs/{run}/security").json()["rows"]
    cap_tables = svc.plan.tables["cap_tables"]
    assert {r["investor"] for r in rows} == {"jp_corp"} and len(rows) == int(
        (cap_tables["investor"] == "jp_corp").sum()
    )
    summary = svc.get("jp", f"/api/runs/{run}").json()["summary"]
    assert list(summary["finance"]["investors"]) == ["jp_corp"]
    # coalition totals are there, in aggregate: capex of the whole plan ($6.6 bn of campus)
    assert summary["capex_usd"]["datacenter"] == pytest.approx(6.6e9)
    # another investor sees exactly its own capital rows and its commitments
    ae = svc.get("ae", f"/api/runs/{run}/tables/capital").json()
    capital = svc.plan.tables["capital"]
    assert ae["total"] == int((capital["investor"] == "ae_fund").sum())
    assert {r["investor"] for r in ae["rows"]} <= {"ae_fund"}
    assert svc.get("ae", f"/api/runs/{run}/tables/capital_pipeline").json()["total"] == 2


def test_an_investor_page_shows_its_figures(svc: Service) -> None:
    html = svc.get("jp", f"/runs/{svc.run_id}/investors/jp_corp").text
    capital = svc.plan.tables["capital"]
    equity = float(capital[capital["investor"] == "jp_corp"]["equity_usd"].sum())
    assert "Nippon Strategic" in html and fmt.usd(equity) in html and "$1.0 bn" in html
    assert 'id="fig-equity"' in html and "other investors (total)" not in html
    overview = svc.get("jp", f"/runs/{svc.run_id}").text
    assert "other investors (total)" in overview  # the capital stack shows the others only as a total
