"""The diagnosis names the cause of a shortfall and the amount that closes it.

Each scenario is built to fail for one known reason (committed capital, gas-turbine
deliveries, accelerator imports, share caps, a reserve margin, a corridor). For each:
the top named cause is that reason, measured by a re-solve with it relaxed; and the
amount the diagnosis states closes the gap — the scenario re-planned with the limit
raised by exactly that amount has no shortfall left.

Model units: GW, $M. Campus capex 10,000 $/kW: a 100 MW module costs $1B (no debt).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest

import factory as f
from stateside.diagnosis import explain_plan, explained_lines
from stateside.model.build import build_model
from stateside.model.data import prepare
from stateside.model.solve import solve
from stateside.plan import Plan, extract_plan
from stateside.scenario.types import Scenario

GAS = {"technology": "gas", "fuel": "gas", "heat_rate_mmbtu_per_mwh": 7.0}
GAS_COST = {"technology": "gas", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 10.0}
CAMPUS = {"campus": "k1", "region": "AA", "module_it_mw": 100, "max_modules": 10}


def plan_of(sc: Scenario, regions: list[str], caps: pd.DataFrame | None = None, resolve: bool = True) -> Plan:
    typ = f.typical(regions)
    built = build_model(prepare(sc, typ, caps))
    result = solve(built, sc.settings.solver)
    assert result.optimal, result
    plan = extract_plan(built, result, "test", 0.0)
    explain_plan(plan, built, result, sc.settings.solver, resolve=resolve)
    return plan


def it_short_mw(plan: Plan) -> float:
    v = plan.table("violations")
    return float(v.loc[v["kind"] == "it_target", "amount"].sum())


def top(plan: Plan) -> dict[str, Any]:
    """The first named cause of the first shortfall."""
    detail = plan.extra["diagnosis_detail"]
    assert detail, plan.diagnosis
    first = detail[0]
    assert first["named"], first
    named = [c for c in first["candidates"] if c["family"] == first["named"][0]]
    return named[0]


def with_settings(sc: Scenario, **over: Any) -> Scenario:
    s = sc.settings.model_copy(update=over)
    return dataclasses.replace(sc, settings=s)


# --------------------------------------------------------------------------- capital


def _capital_case(commitment_usd: float) -> Scenario:
    st = f.settings(it_target_mw={2026: 500.0})
    return f.scenario(
        st,
        ["AA"],
        [GAS],
        [GAS_COST],
        {"AA": 0.0},
        existing=[{"region": "AA", "technology": "gas", "capacity_mw": 5000}],
        campuses=[CAMPUS],
        investors=[{"investor": "a"}],
        commitments=[{"investor": "a", "year": 2026, "amount_usd": commitment_usd}],
    )


def test_capital_is_named_with_the_equity_that_closes_the_gap() -> None:
    """$2.5B buys 2 of the 5 modules of a 500 MW target ($0.5B is left, less than a module):
    300 MW short; the 5 modules need $5B, so $2.5B more committed equity from a in 2026."""
    plan = plan_of(_capital_case(2.5e9), ["AA"])
    assert it_short_mw(plan) == pytest.approx(300.0)
    cause = top(plan)
    assert cause["family"] == "capital" and cause["method"] == "re-solve"
    assert cause["closed_share"] == pytest.approx(1.0)
    (amount,) = cause["amounts"]
    assert amount["verify"]["investor"] == "a" and amount["verify"]["year"] == 2026
    assert amount["value"] == pytest.approx(2.5e9, rel=1e-6)
    line = plan.diagnosis[0]
    assert line.startswith("2026 IT target short by 300 MW")
    assert "mainly committed equity" in line and "$2.5B more committed equity from a by 2026" in line
    # re-planned with that much more committed: nothing short
    fixed = plan_of(_capital_case(2.5e9 + amount["value"]), ["AA"], resolve=False)
    assert it_short_mw(fixed) == pytest.approx(0.0, abs=1e-6)
    assert fixed.diagnosis == []


# --------------------------------------------------------------------------- turbines


def _turbine_case(supply_mw_per_year: float) -> Scenario:
    st = f.settings(
        start_year=2025, it_target_mw={2026: 500.0}, turbine_supply_mw_per_year=supply_mw_per_year
    )
    return f.scenario(
        st, ["AA"], [{**GAS, "uses_gas_turbine": True}], [GAS_COST], {"AA": 0.0}, campuses=[CAMPUS]
    )


def test_turbine_deliveries_are_named_with_the_mw_that_close_the_gap() -> None:
    """Only new gas can power the campus and 300 MW of turbines arrive: 200 MW short;
    +200 MW of deliveries a year closes it."""
    plan = plan_of(_turbine_case(300.0), ["AA"])
    assert it_short_mw(plan) == pytest.approx(200.0)
    cause = top(plan)
    assert cause["family"] == "turbines" and cause["closed_share"] == pytest.approx(1.0)
    (amount,) = cause["amounts"]
    assert amount["value"] == pytest.approx(200.0, rel=1e-6)
    assert "+200 MW of gas-turbine deliveries by 2026" in plan.diagnosis[0]
    more = amount["verify"]["turbine_supply_mw_per_year_increase"]
    fixed = plan_of(_turbine_case(300.0 + more), ["AA"], resolve=False)
    assert it_short_mw(fixed) == pytest.approx(0.0, abs=1e-6)


def test_without_resolves_the_screen_names_the_limits_that_hold() -> None:
    """Without re-solves (extract_plan alone) the line names the limits that hold at the
    plan, says their effect is not measured, and gives no amount."""
    plan = plan_of(_turbine_case(300.0), ["AA"], resolve=False)
    line = plan.diagnosis[0]
    assert line.startswith("2026 IT target short by 200 MW")
    assert (
        "limits that hold at the plan (effect not measured): gas-turbine deliveries (300 MW by 2026)" in line
    )
    assert plan.extra["diagnosis_detail"][0]["candidates"][0]["closed_share"] is None


# --------------------------------------------------------------------------- imports


def _import_case(limit_per_year: float) -> Scenario:
    st = f.settings(
        it_target_mw={2026: 500.0},
        chips={"accelerators_per_mw_it": 1000.0, "import_limit_per_year": limit_per_year},
    )
    return f.scenario(
        st,
        ["AA"],
        [GAS],
        [GAS_COST],
        {"AA": 0.0},
        existing=[{"region": "AA", "technology": "gas", "capacity_mw": 5000}],
        campuses=[CAMPUS],
    )


def test_accelerator_imports_are_named_with_the_imports_that_close_the_gap() -> None:
    """1,000 accelerators per MW and 200,000 imports a year: 200 MW of a 500 MW target;
    +300,000 a year closes it."""
    plan = plan_of(_import_case(200_000.0), ["AA"])
    assert it_short_mw(plan) == pytest.approx(300.0)
    cause = top(plan)
    assert cause["family"] == "imports" and cause["closed_share"] == pytest.approx(1.0)
    (amount,) = cause["amounts"]
    assert amount["value"] == pytest.approx(300_000.0, rel=1e-6)
    assert "accelerator imports" in plan.diagnosis[0]
    fixed = plan_of(
        _import_case(200_000.0 + amount["verify"]["import_limit_per_year_increase"]), ["AA"], resolve=False
    )
    assert it_short_mw(fixed) == pytest.approx(0.0, abs=1e-6)


# --------------------------------------------------------------------------- share caps


def _cap_case() -> Scenario:
    st = f.settings(it_target_mw={2026: 300.0})
    return f.scenario(
        st,
        ["AA"],
        [GAS],
        [GAS_COST],
        {"AA": 0.0},
        existing=[{"region": "AA", "technology": "gas", "capacity_mw": 5000}],
        campuses=[CAMPUS],
        investors=[{"investor": "a"}, {"investor": "b"}],
        commitments=[
            {"investor": "a", "year": 2026, "amount_usd": 10e9},
            {"investor": "b", "year": 2026, "amount_usd": 10e9},
        ],
    )


def _caps(a: float, b: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"investor": "a", "asset_class": "datacenter", "max_share": a, "reason": "rule A"},
            {"investor": "b", "asset_class": "datacenter", "max_share": b, "reason": "rule B"},
        ]
    )


def test_share_caps_are_named_with_the_caps_that_close_the_gap() -> None:
    """a may hold 20 % and b 60 % of the campus equity: together they cannot fund any of it
    although both have $10B left. The caps are named (with their reasons), capital is not;
    the caps stated close the gap."""
    plan = plan_of(_cap_case(), ["AA"], _caps(0.2, 0.6))
    assert it_short_mw(plan) == pytest.approx(300.0)
    families = [c["family"] for c in plan.extra["diagnosis_detail"][0]["candidates"]]
    assert "capital" not in families
    cause = top(plan)
    assert cause["family"] == "share_cap" and cause["closed_share"] == pytest.approx(1.0)
    assert "rule A" in cause["limit_text"] and "rule B" in cause["limit_text"]
    stated = {a["verify"]["investor"]: a["verify"]["max_share"] for a in cause["amounts"]}
    # the caps the re-solve went beyond (the LP is indifferent to which), each as the
    # other investor's cap leaves it: a 1 - 60 % = 40 %, b 1 - 20 % = 80 %
    expected = {"a": 0.4, "b": 0.8}
    assert stated and all(v == pytest.approx(expected[k]) for k, v in stated.items())
    inv, share = next(iter(stated.items()))
    was = {"a": "20.0%", "b": "60.0%"}[inv]
    assert f"a cap of {share:.1%} for {inv} on datacenter instead of {was}" in plan.diagnosis[0]
    fixed = plan_of(_cap_case(), ["AA"], _caps(stated.get("a", 0.2), stated.get("b", 0.6)), resolve=False)
    assert it_short_mw(fixed) == pytest.approx(0.0, abs=1e-6)


# --------------------------------------------------------------------------- reserve margin


def _reserve_case(margin: float) -> Scenario:
    """1,495.5 MW of existing gas, nothing buildable, background peak 1.2 GW: at a 15 %
    margin one 100 MW module fits (1.15 x 1.3 = 1.495 GW) and a second would leave the
    margin 114.5 MW short (dearer than the module is worth); two fit at 1.4955 / 1.4 - 1
    = 6.82 %."""
    st = f.settings(it_target_mw={2026: 200.0}, reserve_margin=margin)
    return f.scenario(
        st,
        ["AA"],
        [{**GAS, "buildable": False}],
        [GAS_COST],
        {"AA": 1.2 * 8_760_000},
        existing=[{"region": "AA", "technology": "gas", "capacity_mw": 1495.5}],
        campuses=[CAMPUS],
    )


def test_reserve_margin_is_named_with_the_margin_that_closes_the_gap() -> None:
    plan = plan_of(_reserve_case(0.15), ["AA"])
    assert it_short_mw(plan) == pytest.approx(100.0)
    assert list(plan.table("violations")["kind"]) == ["it_target"]
    cause = top(plan)
    assert cause["family"] == "reserve" and cause["closed_share"] == pytest.approx(1.0)
    (amount,) = cause["amounts"]
    assert amount["verify"]["reserve_margin"] == pytest.approx(0.068)  # 6.82 % rounded down
    assert amount["verify"]["firm_mw"] == pytest.approx(114.5, rel=1e-6)  # 1.15 x 1.4 GW - 1.4955 GW
    assert "reserve margin of 6.8% in AA instead of 15%" in plan.diagnosis[0]
    fixed = plan_of(_reserve_case(amount["verify"]["reserve_margin"]), ["AA"], resolve=False)
    assert it_short_mw(fixed) == pytest.approx(0.0, abs=1e-6)


# --------------------------------------------------------------------------- corridor


def _corridor_case(forward_mw: float) -> Scenario:
    """The campus is in BB, which has no generation; AA's gas reaches it over one corridor."""
    st = f.settings(it_target_mw={2026: 300.0}, firm_import_share=1.0)
    return f.scenario(
        st,
        ["AA", "BB"],
        [{**GAS, "buildable": False}],
        [GAS_COST],
        {},
        existing=[{"region": "AA", "technology": "gas", "capacity_mw": 5000}],
        corridors=[
            {
                "corridor": "AA-BB",
                "region_from": "AA",
                "region_to": "BB",
                "existing_mw_forward": forward_mw,
                "existing_mw_reverse": forward_mw,
            }
        ],
        campuses=[{**CAMPUS, "region": "BB"}],
    )


def test_corridor_is_named_with_the_capability_that_closes_the_gap() -> None:
    """At the peak the campus's energy and its firm import share the corridor: 200 MW of
    corridor carries one 100 MW module of a 300 MW target; three need +400 MW."""
    plan = plan_of(_corridor_case(200.0), ["AA", "BB"])
    assert it_short_mw(plan) == pytest.approx(200.0)
    cause = top(plan)
    assert cause["family"] == "corridor" and cause["closed_share"] == pytest.approx(1.0)
    forward = [a for a in cause["amounts"] if a["verify"]["direction"] == "forward"]
    assert forward and forward[0]["value"] == pytest.approx(400.0, rel=1e-6)
    assert "+400 MW of AA-BB capability (forward)" in plan.diagnosis[0]
    fixed = plan_of(_corridor_case(200.0 + forward[0]["value"]), ["AA", "BB"], resolve=False)
    assert it_short_mw(fixed) == pytest.approx(0.0, abs=1e-6)


# --------------------------------------------------------------------------- output


def test_explain_lists_every_candidate_and_json_carries_the_detail() -> None:
    """--explain's lines list every candidate with its measured effect (here the turbines,
    and campus sites that do not bind); the summary carries diagnosis and diagnosis_detail."""
    plan = plan_of(_turbine_case(300.0), ["AA"])
    lines = explained_lines(plan)
    assert lines[0] == "2026 IT target short by 200 MW (target 500 MW, online 300 MW)"
    assert lines[1].startswith("    1. gas-turbine deliveries — +200 MW") and lines[1].endswith("[re-solve]")
    assert len(lines) == 1 + len(plan.extra["diagnosis_detail"][0]["candidates"])
    s = plan.summary()
    assert s["diagnosis"] == plan.diagnosis
    detail = s["diagnosis_detail"][0]
    assert detail["kind"] == "it_target" and detail["period"] == 2026
    assert detail["amount"] == pytest.approx(200.0)
    assert {"family", "method", "closed_share", "amounts", "text"} <= set(detail["candidates"][0])
    assert np.isfinite(s["diagnosis_resolves"]["families"]["turbines"])


def test_cli_plan_json_carries_the_detail_and_explain_lists_every_candidate(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The tiny scenario with a 2030 target of 2,000 MW (its sites hold 1,200 MW):
    `plan --json` has the diagnosis lines and diagnosis_detail with re-solved candidates;
    `plan --reuse --explain` lists every candidate of the stored run, one per line."""
    import json
    import shutil
    from pathlib import Path

    from typer.testing import CliRunner

    from stateside.cli import app

    monkeypatch.setenv("STATESIDE_DB_URL", f"sqlite:///{tmp_path / 'runs.db'}")
    dest = tmp_path / "short"
    shutil.copytree(Path(__file__).parent / "fixtures" / "tiny", dest)
    yaml = (dest / "scenario.yaml").read_text()
    (dest / "scenario.yaml").write_text(yaml.replace("{2028: 300, 2030: 600}", "{2028: 300, 2030: 2000}"))
    result = CliRunner().invoke(app, ["plan", str(dest), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    (short,) = [s for s in summary["diagnosis_detail"] if s["kind"] == "it_target" and s["period"] == 2030]
    assert short["amount"] >= 800.0 - 1e-6  # 2,000 MW against at most 1,200 MW of sites
    assert summary["diagnosis"][0] == short["summary"]
    families = [c["family"] for c in short["candidates"]]
    assert "sites" in families and "capital" in families
    resolved = set(summary["diagnosis_resolves"]["families"]) - {"together"}
    assert "sites" in resolved and resolved <= set(families)  # sites are re-solved first
    for c in short["candidates"]:  # measured, or said not to be (the time budget of a loaded machine)
        assert c["method"] == "re-solve" if c["family"] in resolved else "not re-solved" in c["note"]

    again = CliRunner().invoke(app, ["plan", str(dest), "--reuse", "--explain"])
    assert again.exit_code == 0, again.output
    text = again.output
    assert "2030 IT target short by" in text
    for k in range(1, len(families) + 1):
        assert f"    {k}. " in text
    assert "campus sites" in text and "[re-solve]" in text


def _firm_import_case(capability_mw: float) -> Scenario:
    """AA: 1 GW of gas that cannot grow, a flat 1 GW load and a 15 % margin (1,150 MW
    needed); BB's spare gas lends firm capacity over a corridor, half its capability
    (firm_import_share 0.5): 100 MW of corridor lends 50 MW, 100 MW short."""
    st = f.settings(reserve_margin=0.15, firm_import_share=0.5)
    dear = {"technology": "gas_b", "buildable": False}  # BB's gas costs more: no flows to AA
    return f.scenario(
        st,
        ["AA", "BB"],
        [{**GAS, "buildable": False}, dear],
        [GAS_COST, {"technology": "gas_b", "capex_usd_per_kw": 1000.0, "variable_om_usd_per_mwh": 20.0}],
        {"AA": 8_760_000.0},
        existing=[
            {"region": "AA", "technology": "gas", "capacity_mw": 1000},
            {"region": "BB", "technology": "gas_b", "capacity_mw": 2000},
        ],
        corridors=[
            {
                "corridor": "BB-AA",
                "region_from": "BB",
                "region_to": "AA",
                "existing_mw_forward": capability_mw,
                "existing_mw_reverse": capability_mw,
            }
        ],
    )


def test_reserve_shortfall_names_the_corridor_by_dual_and_by_resolve() -> None:
    """A regional reserve margin short (a continuous slack): the corridor's dual estimates
    the capability that closes it (100 MW short / 0.5 = +200 MW) and the re-solve agrees;
    re-planned with +200 MW the region is short no more."""
    plan = plan_of(_firm_import_case(100.0), ["AA", "BB"])
    v = plan.table("violations")
    assert list(v["kind"]) == ["reserve_margin"] and v["amount"].iloc[0] == pytest.approx(100.0)
    cause = top(plan)
    assert cause["family"] == "corridor" and cause["closed_share"] == pytest.approx(1.0)
    assert cause["dual_estimate"]["value"] == pytest.approx(200.0, rel=1e-6)
    forward = [a for a in cause["amounts"] if a["verify"]["direction"] == "forward"]
    assert forward[0]["value"] == pytest.approx(200.0, rel=1e-6)
    assert plan.diagnosis[0].startswith("reserve margin in AA short by 100 MW in 2026")
    assert "+200 MW of BB-AA capability (forward)" in plan.diagnosis[0]
    fixed = plan_of(_firm_import_case(100.0 + forward[0]["value"]), ["AA", "BB"], resolve=False)
    assert fixed.table("violations").empty


def _two_limit_case(commitment_usd: float, supply_mw_per_year: float) -> Scenario:
    st = f.settings(
        start_year=2025, it_target_mw={2026: 500.0}, turbine_supply_mw_per_year=supply_mw_per_year
    )
    return f.scenario(
        st,
        ["AA"],
        [{**GAS, "uses_gas_turbine": True}],
        [GAS_COST],
        {"AA": 0.0},
        campuses=[CAMPUS],
        investors=[{"investor": "a"}],
        commitments=[{"investor": "a", "year": 2026, "amount_usd": commitment_usd}],
    )


def test_two_limits_that_bind_together_are_measured_together() -> None:
    """$3B and 300 MW of turbines each allow exactly 3 of the 5 modules: relaxing either
    alone closes nothing, so the line says no single limit closes it and gives what both
    together need ($2B and +200 MW) — which, applied, leave nothing short."""
    plan = plan_of(_two_limit_case(3e9, 300.0), ["AA"])
    assert it_short_mw(plan) == pytest.approx(200.0)
    detail = plan.extra["diagnosis_detail"][0]
    shares = {c["family"]: c["closed_share"] for c in detail["candidates"]}
    assert shares["capital"] == pytest.approx(0.0) and shares["turbines"] == pytest.approx(0.0)
    assert detail["named"] == []
    together = detail["together"]
    assert together["closed_share"] == pytest.approx(1.0)
    line = plan.diagnosis[0]
    assert "no single limit closes it; all of them together" in line
    verify = [a["verify"] for a in together["amounts"]]
    equity = sum(v["amount_usd"] for v in verify if "amount_usd" in v)
    turbines = sum(
        v["turbine_supply_mw_per_year_increase"] for v in verify if "turbine_supply_mw_per_year_increase" in v
    )
    assert equity == pytest.approx(2e9, rel=1e-6) and turbines == pytest.approx(200.0, rel=1e-6)
    fixed = plan_of(_two_limit_case(3e9 + equity, 300.0 + turbines), ["AA"], resolve=False)
    assert it_short_mw(fixed) == pytest.approx(0.0, abs=1e-6)
