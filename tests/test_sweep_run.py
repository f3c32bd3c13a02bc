"""A real sweep on the tiny fixture, on Dask: partial run, resume, known answers, the CLI.

The sweep scales every campus's capex by 0.8, 1.0 and 1.2 (a grid) with a tornado. On the
tiny scenario the plan builds 600 MW of IT at camp_tx (USD 11,000/kW) whatever the scale,
so datacenter capex is exactly USD 6.6 bn × the scale: a metric linear in the parameter.
The tornado's base (the scenario as given) is the 1.0 grid point and its low and high runs
are the 0.8 and 1.2 grid points, so six members need three solves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stateside.cli import app
from stateside.scenario.load import load_scenario
from stateside.store.api import list_runs
from stateside.sweep.analysis import load_results, sweep_percentiles, sweep_tornado
from stateside.sweep.runner import MemberResult, SweepOutcome, _finish, _Member, run_sweep
from stateside.sweep.sample import Sample
from stateside.sweep.spec import load_spec, parse_spec

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
DC_CAPEX_USD = 600 * 1000 * 11_000.0  # 600 MW of IT at USD 11,000/kW

SWEEP = f"""
name: tiny-campus-capex
scenario: {TINY}
parameters:
  - name: campus capex
    target: campuses.capex_usd_per_kw_it
    values: [0.8, 1.0, 1.2]
tornado: {{metric: capex_usd.datacenter}}
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A 2-worker local Dask cluster, reached by address (as --scheduler does)."""
    import logging
    import warnings

    from distributed import LocalCluster

    warnings.filterwarnings("ignore", message=r"Port \d+ is already in use")
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    ) as c:
        yield str(c.scheduler_address)


@pytest.fixture(scope="module")
def swept(cluster: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Solve one scenario of the sweep (its own 1-worker LocalCluster), then resume it on the cluster."""
    tmp = tmp_path_factory.mktemp("sweep")
    url = f"sqlite:///{tmp / 'runs.db'}"
    file = tmp / "sweep.yaml"
    file.write_text(SWEEP)
    spec = load_spec(file)
    base = load_scenario(TINY)
    first = run_sweep(spec, base, SWEEP, workers=1, url=url, limit=1, progress=False)
    after_first = {m: r for m, r in load_results(first.sweep_id, url).members["run_id"].items()}
    second = run_sweep(spec, base, SWEEP, scheduler=cluster, url=url, progress=False)
    third = run_sweep(spec, base, SWEEP, scheduler=cluster, url=url, progress=False)
    return {
        "url": url,
        "file": file,
        "first": first,
        "second": second,
        "third": third,
        "after_first": after_first,
        "results": load_results(first.sweep_id, url),
    }


def test_a_partial_run_solves_only_what_it_was_allowed(swept: dict[str, object]) -> None:
    first = swept["first"]
    assert isinstance(first, SweepOutcome)
    assert (first.n_members, first.solved, first.already_done, first.workers) == (6, 1, 0, 1)
    assert first.left == 4  # 0.8 solved: the grid point and the tornado's low run share it
    assert swept["after_first"] == {0: swept["after_first"][0], 4: swept["after_first"][0]}  # type: ignore[index]


def test_resuming_solves_only_the_unfinished_scenarios(swept: dict[str, object]) -> None:
    first, second, third = swept["first"], swept["second"], swept["third"]
    assert (
        isinstance(first, SweepOutcome)
        and isinstance(second, SweepOutcome)
        and isinstance(third, SweepOutcome)
    )
    assert second.sweep_id == first.sweep_id and second.resumed
    assert (second.already_done, second.solved, second.failed, second.left) == (2, 2, 0, 0)
    assert second.reused == 2  # the tornado's base and high runs share the 1.0 and 1.2 solves
    assert (third.already_done, third.solved) == (6, 0)  # a finished sweep solves nothing
    # three solves in all: the store holds three runs, and member 0 kept its first run
    runs = list_runs(url=str(swept["url"]))
    assert len(runs) == 3
    results = swept["results"]
    assert results.members.at[0, "run_id"] == swept["after_first"][0]  # type: ignore[attr-defined,index]
    assert set(results.members["run_id"]) == {r.id for r in runs}  # type: ignore[attr-defined]
    assert list(results.members["status"]) == ["ok"] * 6  # type: ignore[attr-defined]


def test_datacenter_capex_is_linear_in_the_scale(swept: dict[str, object]) -> None:
    results = swept["results"]
    capex = results.metrics["capex_usd.datacenter"]  # type: ignore[attr-defined]
    values = results.values["campus capex"]  # type: ignore[attr-defined]
    for idx in range(3):
        assert capex[idx] == pytest.approx(DC_CAPEX_USD * values[idx], rel=1e-9)
    assert list(results.metrics["it_mw_online.2030"][:3]) == pytest.approx([600.0] * 3)  # type: ignore[attr-defined]
    p = sweep_percentiles(results, ["capex_usd.datacenter"]).iloc[0]  # type: ignore[arg-type]
    # three values 5.28, 6.6, 7.92 bn: P10 at position 0.2 between the first two, P90 at 1.8
    assert p.p10 == pytest.approx(DC_CAPEX_USD * (0.8 + 0.2 * 0.2), rel=1e-9)
    assert p.p50 == pytest.approx(DC_CAPEX_USD, rel=1e-9)
    assert p.p90 == pytest.approx(DC_CAPEX_USD * (1.0 + 0.8 * 0.2), rel=1e-9)


def test_the_tornado_of_the_real_sweep(swept: dict[str, object]) -> None:
    t = sweep_tornado(swept["results"])  # type: ignore[arg-type]
    row = t.iloc[0]
    assert (row.parameter, row.low_value, row.high_value) == ("campus capex", 0.8, 1.2)
    assert row.metric_base == pytest.approx(DC_CAPEX_USD, rel=1e-9)
    assert row.effect_low == pytest.approx(-0.2 * DC_CAPEX_USD, rel=1e-9)
    assert row.swing == pytest.approx(0.4 * DC_CAPEX_USD, rel=1e-9)


def test_cli_runs_shows_and_lists_the_sweep(
    swept: dict[str, object], cluster: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STATESIDE_DB_URL", str(swept["url"]))
    runner = CliRunner()
    # 'stateside sweep FILE' is 'stateside sweep run FILE'; the sweep is finished, nothing is solved
    res = runner.invoke(app, ["sweep", str(swept["file"]), "--scheduler", cluster, "--json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["run"]["solved"] == 0 and payload["run"]["already_done"] == 6
    assert payload["tornado"]["metric"] == "capex_usd.datacenter"
    sid = payload["sweep"]["id"]
    html = tmp_path / "sweep.html"
    res = runner.invoke(app, ["sweep", "show", sid[:8], "--html", str(html)])
    assert res.exit_code == 0, res.output
    assert "Tornado on capex_usd.datacenter (USD bn): base 6.60" in res.stdout
    assert "6 of 6 done" in res.stdout
    assert html.read_text().startswith("<!DOCTYPE html>")
    res = runner.invoke(app, ["sweep", "list", "--json"])
    assert [s["n_done"] for s in json.loads(res.stdout)] == [6]


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["sweep", str(tmp_path / "none.yaml")])
    assert res.exit_code == 1 and "cannot read the sweep file" in res.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nparameters:\n  - {target: campuses.pue, values: [1.2], distribution: {kind: pipeline}}\n"
    )
    res = runner.invoke(app, ["sweep", "run", str(bad)])
    assert res.exit_code == 1 and f"error: {bad}: parameters[0]:" in res.stdout
    res = runner.invoke(app, ["sweep", "show", "latest"])
    assert res.exit_code == 1 and "holds 0 sweeps" in res.stdout


def test_a_run_saved_without_its_member_row_is_taken_not_solved(
    swept: dict[str, object], cluster: str
) -> None:
    """As if killed between saving member 1's run and writing its row: the resume reuses that run."""
    from sqlalchemy import delete

    from stateside.store.db import session
    from stateside.store.models import SweepMember

    url = str(swept["url"])
    results = swept["results"]
    sid = results.info.id  # type: ignore[attr-defined]
    run_1 = results.members.at[1, "run_id"]  # type: ignore[attr-defined]
    with session(url, write=True) as s:
        s.execute(
            delete(SweepMember).where(SweepMember.sweep_id == sid, SweepMember.sample_index.in_([1, 3]))
        )
    out = run_sweep(
        load_spec(Path(str(swept["file"]))),
        load_scenario(TINY),
        SWEEP,
        scheduler=cluster,
        url=url,
        progress=False,
    )
    assert (out.already_done, out.solved, out.reused) == (4, 0, 2)
    after = load_results(sid, url).members
    assert after.at[1, "run_id"] == run_1 and after.at[3, "run_id"] == run_1
    assert len(list_runs(url=url)) == 3


class _Broken:
    def result(self) -> MemberResult:
        raise RuntimeError("worker lost")


def test_a_failed_member_is_recorded_as_an_error() -> None:
    outcome = SweepOutcome(sweep_id="0" * 32, n_members=1, resumed=False)
    member = _Member(
        sample=Sample(index=3, design="grid", values={"x": 1}, grid_point=3), scenario_hash="h", mode="target"
    )
    spec = parse_spec("name: t\nparameters:\n  - {name: x, target: fabs.capex_usd, values: [1]}")
    records = _finish(_Broken(), [member], spec, None, "0" * 32, outcome, None, None, None)  # type: ignore[arg-type]
    assert outcome.failed == 1 and outcome.solved == 0
    assert records[0].status == "error" and records[0].error == "RuntimeError: worker lost"


def test_members_start_from_the_base_scenarios_basis(tmp_path: Path) -> None:
    """member_start solves the base scenario's relaxation once; a member that changes
    numbers only (campus capex) starts its relaxation from that basis and finds the same
    plan as a cold start."""
    from stateside.sweep.runner import member_start, solve_member

    file = tmp_path / "sweep.yaml"
    file.write_text(SWEEP)
    spec = load_spec(file)
    base = load_scenario(TINY)
    spec_json = spec.model_dump_json()
    start = member_start(base, spec_json, None)
    assert start is not None
    values = {"campus capex": 1.2}
    warm = solve_member(base, spec_json, values, None, start)
    cold = solve_member(base, spec_json, values, None)
    assert warm.error is None and cold.error is None and warm.plan is not None and cold.plan is not None
    assert warm.plan.extra["warm_started"] and not cold.plan.extra["warm_started"]
    assert warm.metrics["objective_usd"] == pytest.approx(cold.metrics["objective_usd"], rel=1e-7)
    assert spec.warm_start  # on by default; warm_start: false in the sweep file turns it off
