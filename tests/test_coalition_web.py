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


def _records(
    g: object, saved_of: dict[str, float], extra: dict[str, float] | None = None
) -> dict[int, MemberRecord]:
    """Made-up member records of a game: v additive in ``saved_of`` (USD bn) over the players in S."""
    out = {}
    codes = [p.code for p in g.players]  # type: ignore[attr-defined]
    values = g.values()  # type: ignore[attr-defined]
    for idx, _dropped in enumerate(values):
        if idx < len(g.masks):  # type: ignore[attr-defined]
            mask = g.masks[idx]  # type: ignore[attr-defined]
            saved = sum(saved_of[codes[i]] for i in game.members(mask, g.n)) * 1e9  # type: ignore[attr-defined]
        else:  # the unblocked coalition: everyone, the excluded too
            saved = (sum(saved_of.values()) + sum((extra or {}).values())) * 1e9
        out[idx] = MemberRecord(
            sample_index=idx, design="grid", role="", grid_point=idx, draw=0, scenario_hash=f"h{idx}",
            status=OK, termination="optimal", run_id=None, reused=False, values={},
            metrics={"objective_usd": 20e9 - saved, "it_mw_online.2030": saved / 1e7},
        )  # fmt: skip
    return out


def test_excluded_member_and_sampled_game_from_records(svc: tuple[Service, str]) -> None:
    """--exclude AE: the game is played by US and JP; the unblocked plan says what blocking AE costs.
    A sampled game of an additive v is exact (every ordering gives each its own weight), s.e. 0."""
    from stateside.coalition.value import analyse

    s, _ = svc
    g = make_game(s.scenario, by="country", metric="capacity", exclude=["AE"])
    assert [p.code for p in g.players] == ["US", "JP"] and g.unblocked_index == 4
    assert g.values()[-1] == [] and all("ae_fund" in v for v in g.values()[:-1])
    cv = analyse("x" * 32, g, _records(g, {"US": 3.0, "JP": 2.0}, {"AE": 4.0}))
    d = cv.to_dict()
    assert d["shapley"] == pytest.approx({"US": 300.0, "JP": 200.0})
    assert d["blocked"]["excluded"] == ["AE"]
    assert d["blocked"]["it_mw_lost"] == pytest.approx(400.0)
    assert d["blocked"]["cost_increase_usd"] == pytest.approx(4e9)
    g2 = make_game(s.scenario, by="investor", metric="cost", samples=6, seed=3)
    d2 = analyse("y" * 32, g2, _records(g2, {"us_lab": 3.0, "jp_corp": 2.0, "ae_fund": 4.0})).to_dict()
    assert d2["method"] == "sampled" and d2["samples"] == 6
    assert d2["shapley"] == pytest.approx({"us_lab": 3e9, "jp_corp": 2e9, "ae_fund": 4e9})
    assert d2["shapley_std_error"] == pytest.approx({"us_lab": 0.0, "jp_corp": 0.0, "ae_fund": 0.0}, abs=1e-3)
    assert d2["core"] is None
    partial = _records(g2, {"us_lab": 3.0, "jp_corp": 2.0, "ae_fund": 4.0})
    partial.pop(0)
    cv3 = analyse("z" * 32, g2, partial)
    assert not cv3.complete and cv3.to_dict()["missing"] == [[]]
