"""Coalition value: Shapley arithmetic on hand-worked games, and a real value run on Dask.

The scenario run is the tiny fixture made symmetric: two US investors with the same type,
attributes and commitments (``us_lab`` and ``twin``) and a third (``idle``) with no
commitment at all. By investor that is three players, eight coalitions but four distinct
scenarios (adding ``idle`` changes nothing, so its coalitions share the plans).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path

import pandas as pd
import pytest

from stateside.coalition import game
from stateside.coalition.value import CoalitionError, load_value, make_game, players_of, run_value
from stateside.scenario.load import load_scenario
from stateside.scenario.types import Scenario

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


# --------------------------------------------------------------------------------------
# hand-worked games


def _glove() -> dict[int, float]:
    """Player 0 owns a left glove, players 1 and 2 a right glove each; a pair is worth 1.

    Shapley values by hand: (2/3, 1/6, 1/6); the core is {(1, 0, 0)}: not empty."""
    v = {}
    for mask in range(8):
        left = mask & 1
        right = bin(mask >> 1).count("1")
        v[mask] = float(min(left, right))
    return v


def test_shapley_glove_game_by_hand() -> None:
    phi = game.shapley_exact(_glove(), 3)
    assert phi == pytest.approx([2 / 3, 1 / 6, 1 / 6])
    assert sum(phi) == pytest.approx(_glove()[7] - _glove()[0])  # efficiency
    assert phi[1] == pytest.approx(phi[2])  # symmetry
    assert game.leave_one_out(_glove(), 3) == pytest.approx([1.0, 0.0, 0.0])
    assert not game.core_is_empty(_glove(), 3).empty


def test_best_known_cost_is_monotone_and_names_its_plan() -> None:
    """Costs by hand: {} 10, {0} 6, {1} 8, {0,1} 7 — a heuristic plan for {0,1} dearer than
    {0}'s, which is feasible for {0,1} too (more capital): {0,1} takes cost 6 from {0}.
    An unplanned (NaN) coalition keeps its NaN unless a sub-coalition has a plan."""
    best, source = game.best_known({0: 10.0, 1: 6.0, 2: 8.0, 3: 7.0})
    assert best == {0: 10.0, 1: 6.0, 2: 8.0, 3: 6.0}
    assert source == {0: 0, 1: 1, 2: 2, 3: 1}
    best, source = game.best_known({0: 10.0, 1: math.nan})
    assert best == {0: 10.0, 1: 10.0} and source[1] == 0
    # with it, no member's marginal contribution is negative: v = cost(∅) - best
    v = {m: 10.0 - c for m, c in game.best_known({0: 10.0, 1: 6.0, 2: 8.0, 3: 7.0})[0].items()}
    assert min(game.shapley_exact(v, 2)) >= 0.0


def test_core_of_majority_game_is_empty() -> None:
    """Any two of three players win 1: every pair needs 1, so Σx ≥ 3/2 > 1 = v(N)."""
    v = {m: (1.0 if bin(m).count("1") >= 2 else 0.0) for m in range(8)}
    check = game.core_is_empty(v, 3)
    assert check.empty
    assert check.min_total == pytest.approx(1.5)
    assert game.shapley_exact(v, 3) == pytest.approx([1 / 3] * 3)


def test_sampled_agrees_with_exact_within_its_error() -> None:
    """A five-player additive-plus-synergy game: sampled values within 4 standard errors of exact,
    and efficient exactly (each ordering's contributions sum to v(N) − v(∅))."""
    n = 5
    w = [3.0, 1.0, 4.0, 1.0, 5.0]

    def val(mask: int) -> float:
        members = game.members(mask, n)
        return sum(w[i] for i in members) + (2.0 if {0, 2} <= set(members) else 0.0) + 0.5 * len(members) ** 2

    v = {m: val(m) for m in game.all_masks(n)}
    exact = game.shapley_exact(v, n)
    perms = game.sample_permutations(n, 200, seed=7)
    s = game.shapley_sampled(v, n, perms)
    assert sum(s.shapley) == pytest.approx(v[31] - v[0])
    for e, x, se in zip(exact, s.shapley, s.std_error, strict=True):
        assert abs(e - x) <= 4 * se + 1e-9
    assert any(se > 0 for se in s.std_error)
    # the prefixes the orderings visit are what a sampled run plans
    masks = game.prefix_masks(perms, n)
    assert 0 in masks and 31 in masks
    assert all(
        (m | 1 << i) in masks or m >> i & 1
        for p in perms
        for k in range(n)
        for m in [sum(1 << j for j in p[:k])]
        for i in [p[k]]
    )


def test_exact_matches_permutation_definition() -> None:
    """φ as the mean over all n! orderings equals the subset formula."""
    n = 4
    v = {m: float((m * 37) % 11) for m in range(16)}
    v[0] = 0.0
    every = [list(p) for p in itertools.permutations(range(n))]
    assert game.shapley_sampled(v, n, every).shapley == pytest.approx(game.shapley_exact(v, n))


# --------------------------------------------------------------------------------------
# a value run on the tiny scenario


def _symmetric_tiny() -> Scenario:
    sc = load_scenario(TINY)
    t = dict(sc.tables)
    inv = sc.investors.copy()
    same = inv[inv["investor"] == "us_lab"].iloc[0].to_dict()
    same.update({"entity": None})
    twin = {**same, "investor": "twin", "name": "Twin Lab"}
    idle = {**same, "investor": "idle", "name": "Idle Partner"}
    t["investors"] = pd.DataFrame([{**same}, twin, idle], columns=inv.columns)
    com = sc.commitments[sc.commitments["investor"] == "us_lab"].copy()
    t["commitments"] = pd.concat([com, com.assign(investor="twin")], ignore_index=True)
    t["share_caps"] = sc.share_caps.iloc[0:0]
    return dataclasses.replace(sc, tables=t)


def test_players_by_country_and_investor() -> None:
    sc = load_scenario(TINY)
    assert [p.code for p in players_of(sc, "country")] == ["US", "JP", "AE"]
    by_inv = {p.code: p.committed_usd for p in players_of(sc, "investor")}
    assert by_inv == {"us_lab": 3e9, "jp_corp": 2e9, "ae_fund": 4e9}
    with pytest.raises(CoalitionError, match="no member 'XX' by country; the members are US, JP, AE"):
        make_game(sc, exclude=["XX"])
    g = make_game(sc, by="investor", samples=5, seed=1)
    assert g.method == "sampled"
    grand = game.full_mask(3)
    assert all(grand & ~(1 << i) in g.masks for i in range(3))  # leave-one-out always planned


@pytest.fixture(scope="module")
def valued(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Plan two scenarios and stop (as if killed), then run again: the rest, nothing twice."""
    url = f"sqlite:///{tmp_path_factory.mktemp('coalition') / 'runs.db'}"
    sc = _symmetric_tiny()
    g = make_game(sc, by="investor", metric="cost")
    first, out1 = run_value(sc, g, workers=2, url=url, limit=2, progress=False)
    second, out2 = run_value(sc, g, workers=2, url=url, progress=False)
    return {"first": first, "out1": out1, "second": second, "out2": out2, "url": url, "game": g}


def test_killed_value_run_resumes_without_resolving(valued: dict[str, object]) -> None:
    out1, out2 = valued["out1"], valued["out2"]
    assert out1.solved == 2 and out1.left > 0  # type: ignore[attr-defined]
    assert not valued["first"].complete  # type: ignore[attr-defined]
    assert out2.resumed  # type: ignore[attr-defined]
    assert out2.solved == 2  # four distinct scenarios in all, two solved before  # type: ignore[attr-defined]
    assert out2.already_done >= 2  # type: ignore[attr-defined]
    assert out2.sweep_id == out1.sweep_id  # type: ignore[attr-defined]


def test_value_efficiency_symmetry_and_null_member(valued: dict[str, object]) -> None:
    cv = valued["second"]
    d = cv.to_dict()  # type: ignore[attr-defined]
    assert d["method"] == "exact" and not d["missing"]
    assert set(d) >= {"players", "shapley", "leave_one_out", "v_grand", "v_empty"}
    phi = d["shapley"]
    assert d["v_empty"] == 0.0
    assert d["v_grand"] > 0  # the coalition's capital saves system cost
    assert sum(phi.values()) == pytest.approx(d["v_grand"] - d["v_empty"], rel=1e-9)
    assert phi["us_lab"] == pytest.approx(phi["twin"], rel=1e-6)
    assert phi["idle"] == pytest.approx(0.0, abs=1e-3)
    loo = {r["member"]: r for r in d["leave_one_out"]}
    assert loo["idle"]["value_lost"] == pytest.approx(0.0, abs=1e-3)
    assert loo["idle"]["it_mw_lost"] == pytest.approx(0.0, abs=1e-6)
    assert loo["idle"]["campuses_dropped"] == [] and loo["idle"]["states_dropped"] == []
    assert loo["us_lab"]["value_lost"] > 0
    assert loo["us_lab"]["cost_increase_usd"] == pytest.approx(loo["us_lab"]["value_lost"], rel=1e-9)
    shares = {r["member"]: r for r in d["sharing"]}
    assert shares["us_lab"]["shapley_share"] == pytest.approx(0.5, rel=1e-6)
    assert shares["idle"]["shapley_share"] == pytest.approx(0.0, abs=1e-9)
    assert sum(r["shapley_it_mw"] for r in d["sharing"]) == pytest.approx(cv.it_mw[7])  # type: ignore[attr-defined]
    assert d["core"] is not None


def test_stored_value_reads_back(valued: dict[str, object]) -> None:
    cv = valued["second"]
    again = load_value(cv.sweep_id[:8], str(valued["url"]))  # type: ignore[attr-defined]
    assert again.shapley == pytest.approx(cv.shapley)  # type: ignore[attr-defined]
    assert math.isfinite(again.v[7])


def test_show_cli_and_report_section(
    valued: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from stateside.cli import app
    from stateside.report.coalition import coalition_section_html

    monkeypatch.setenv("STATESIDE_DB_URL", str(valued["url"]))
    cv = valued["second"]
    runner = CliRunner()
    res = runner.invoke(app, ["coalition", "show", "latest", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["sweep_id"] == cv.sweep_id  # type: ignore[attr-defined]
    assert d["shapley"]["us_lab"] == pytest.approx(d["shapley"]["twin"], rel=1e-6)
    res = runner.invoke(app, ["coalition", "show", "latest"])
    assert res.exit_code == 0 and "What each member brings" in res.output
    html = coalition_section_html(d)
    assert 'id="coalition"' in html and "twin" in html and "Shapley" in html
    grand_run = next(r for r in valued["second"].to_dict()["coalitions"] if len(r["members"]) == 3)  # type: ignore[attr-defined]
    assert grand_run["value"] == pytest.approx(d["v_grand"])
    assert grand_run["run_id"]
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", grand_run["run_id"][:12], "--coalition", "latest", "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert 'id="coalition"' in page and "Coalition value: what each member brings" in page
    res = runner.invoke(app, ["coalition", "show", "nosuch"])
    assert res.exit_code == 1 and "error:" in res.output
