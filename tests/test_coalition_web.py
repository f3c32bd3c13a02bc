"""Coalition value in the web service: the JSON route and the dashboard page (admins and analysts).

The stored result is written directly (a game on the tiny scenario with made-up member
metrics, no solve): v by country is additive, US 3, JP 2, AE 4 (USD bn saved), so every
Shapley value is its own contribution."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api_support import Service, service
from stateside.coalition import game
from stateside.coalition.value import make_game, sweep_spec
from stateside.sweep.store import OK, MemberRecord, save_members, save_sweep

SAVED_BN = {"US": 3.0, "JP": 2.0, "AE": 4.0}


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, str]]:
    with service(tmp_path_factory.mktemp("coalition-web")) as s:
        g = make_game(s.scenario, by="country", metric="cost")
        spec = sweep_spec(g)
        sid = "c0a11710" + "0" * 24
        save_sweep(sid, spec, "", "tiny", s.scenario.content_hash(), g.mode, len(g.masks), None, s.url)
        codes = [p.code for p in g.players]
        records = []
        for idx, mask in enumerate(g.masks):
            saved = sum(SAVED_BN[codes[i]] for i in game.members(mask, g.n)) * 1e9
            records.append(
                MemberRecord(
                    sample_index=idx, design="grid", role="", grid_point=idx, draw=0, scenario_hash=f"h{idx}",
                    status=OK, termination="optimal", run_id=None, reused=False, values={},
                    metrics={"objective_usd": 20e9 - saved, "it_mw_online.2030": saved / 1e7},
                )
            )  # fmt: skip
        save_members(sid, records, s.url)
        yield s, sid


def test_json_route_for_analysts_only(svc: tuple[Service, str]) -> None:
    s, sid = svc
    r = s.get("ana", "/api/coalitions/latest")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["sweep_id"] == sid
    assert d["v_empty"] == 0.0 and d["v_grand"] == pytest.approx(9e9)
    assert d["shapley"] == pytest.approx({k: v * 1e9 for k, v in SAVED_BN.items()})
    assert d["core"]["empty"] is False
    assert s.get("root", f"/api/coalitions/{sid[:8]}").status_code == 200
    assert s.get("jp", "/api/coalitions/latest").status_code == 403
    assert s.get("tex", "/api/coalitions/latest").status_code == 403
    assert s.get(None, "/api/coalitions/latest").status_code == 401
    assert s.get("ana", "/api/coalitions/abcdef12").status_code == 404


def test_dashboard_page(svc: tuple[Service, str]) -> None:
    s, sid = svc
    r = s.get("ana", f"/coalition/{sid[:8]}", headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    assert "what each member brings" in r.text and "table-members" in r.text and "AE" in r.text
    assert "coalition-shares" in r.text
    r = s.get("us", "/coalition/latest", headers={"Accept": "text/html"})
    assert r.status_code == 403
