"""The run store on SQLite and PostgreSQL: round trip, migrations, crash safety, concurrent saves,
finding, diffing and exporting runs, ``plan --reuse`` and the ``stateside runs`` commands.

PostgreSQL tests need ``STATESIDE_TEST_PG_URL`` (``.ci/run`` starts a private server and sets
it); each test gets a new database beside it. Without it they are skipped.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import pickle
import signal
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

import test_store_workers
from stateside.plan import Plan, load_plan_dir
from stateside.run import run_plan
from stateside.scenario.load import load_checked, load_scenario
from stateside.scenario.types import Scenario
from stateside.store import api, db
from stateside.store.codec import CodecError

TINY = Path(__file__).parent / "fixtures" / "tiny"
PG_URL = os.environ.get("STATESIDE_TEST_PG_URL", "").strip()
PG_SKIP = (
    "PostgreSQL store tests need STATESIDE_TEST_PG_URL=postgresql+psycopg://user@host:port/db "
    "(a server where the tests may create databases); .ci/run starts one and sets it"
)


@pytest.fixture(scope="module")
def planned() -> tuple[Plan, Scenario]:
    """The tiny fixture, planned once for the module."""
    scenario = load_scenario(TINY)
    return run_plan(scenario), scenario


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        db.dispose_all()
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    name = f"stateside_test_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'store.db'}"
    db.dispose_all()


def assert_same_plan(loaded: Plan, plan: Plan) -> None:
    assert list(loaded.tables) == list(plan.tables)
    for name, df in plan.tables.items():
        assert_frame_equal(loaded.tables[name], df, check_exact=True, obj=name)
    assert loaded.summary() == plan.summary()
    assert (loaded.status, loaded.termination, loaded.diagnosis) == (
        plan.status,
        plan.termination,
        plan.diagnosis,
    )
    assert loaded.build_seconds == plan.build_seconds and loaded.solve_seconds == plan.solve_seconds


def counts(url: str) -> tuple[int, int]:
    """Rows in runs and run_tables, read on a fresh engine (nothing cached)."""
    engine = sa.create_engine(db.database_url(url))
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT count(*) FROM runs")).scalar_one()
        tables = conn.execute(sa.text("SELECT count(*) FROM run_tables")).scalar_one()
    engine.dispose()
    return int(runs), int(tables)


# --------------------------------------------------------------------------------------
# round trip and migrations (both backends)


def test_a_run_round_trips(db_url: str, planned: tuple[Plan, Scenario]) -> None:
    plan, scenario = planned
    run_id = api.save_run(plan, scenario, code_version="9.9.9", url=db_url)
    assert_same_plan(api.load_run(run_id, url=db_url), plan)
    # the inputs too: settings, all 16 tables and the rules give the same content hash
    back = api.load_run_scenario(run_id, url=db_url)
    assert back.content_hash() == scenario.content_hash() == plan.scenario_hash
    for name, df in scenario.tables.items():
        assert_frame_equal(back.tables[name], df, check_exact=True, obj=name)
    (info,) = api.list_runs(url=db_url)
    assert (info.id, info.scenario_name, info.mode, info.code_version) == (run_id, "tiny", "target", "9.9.9")
    assert info.objective_usd == plan.objective_usd
    # 21 result tables + 16 scenario tables, each one row
    assert counts(db_url) == (1, len(plan.tables) + len(scenario.tables))


def test_migrations_run_from_an_empty_database_and_match_the_models(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from stateside.store.models import Base

    engine = db.engine_for(db_url)
    assert db.current_revision(engine) == db.HEAD_REVISION
    cfg = Config()
    cfg.set_main_option("script_location", str(db.migrations_dir()))
    assert ScriptDirectory.from_config(cfg).get_current_head() == db.HEAD_REVISION
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == []
    # opening an up-to-date store again reads the revision only: Alembic is not run
    db.dispose_all()
    monkeypatch.setattr(db, "upgrade", lambda *_: pytest.fail("migrated an up-to-date store"))
    db.engine_for(db_url)


def test_a_store_of_a_newer_schema_is_refused_clearly(sqlite_url: str) -> None:
    db.engine_for(sqlite_url)
    db.dispose_all()
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(db.StoreError, match="has a schema this version of stateside does not know"):
        db.engine_for(sqlite_url)


# --------------------------------------------------------------------------------------
# crash safety (both backends)


def test_a_crash_in_the_middle_of_saving_leaves_no_half_saved_run(
    db_url: str, planned: tuple[Plan, Scenario], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, scenario = planned
    engine = db.engine_for(db_url)
    inserted: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO RUN_TABLES"):
            inserted.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    real = api.encode_frame
    calls = {"n": 0}

    def failing(df: pd.DataFrame, where: str = "table") -> bytes:
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt  # not even an Exception: Ctrl-C while saving
        return real(df, where)

    monkeypatch.setattr(api, "encode_frame", failing)
    with pytest.raises(KeyboardInterrupt):
        api.save_run(plan, scenario, url=db_url)
    sa.event.remove(engine, "before_cursor_execute", count)
    assert len(inserted) == 5  # five tables had reached the database …
    assert counts(db_url) == (0, 0)  # … and none of the run is kept
    monkeypatch.setattr(api, "encode_frame", real)

    # a table that cannot be stored, half-way through: a clear error and, again, nothing kept
    bad = replace(
        plan, tables={**dict(list(plan.tables.items())[:4]), "odd": pd.DataFrame({"x": [object()]})}
    )
    with pytest.raises(CodecError, match=r"result table odd\.x"):
        api.save_run(bad, scenario, url=db_url)
    assert counts(db_url) == (0, 0)
    # the store is not left locked: the next save goes through
    api.save_run(plan, scenario, url=db_url)
    assert counts(db_url) == (1, len(plan.tables) + len(scenario.tables))


def test_a_killed_saving_process_leaves_no_run(
    db_url: str, planned: tuple[Plan, Scenario], tmp_path: Path
) -> None:
    pickled = tmp_path / "planned.pickle"
    pickled.write_bytes(pickle.dumps(planned))
    db.engine_for(db_url)  # migrated before the child starts
    ctx = mp.get_context("spawn")
    flushed = ctx.Event()
    child = ctx.Process(target=test_store_workers.save_slowly_then_wait, args=(db_url, str(pickled), flushed))
    child.start()
    try:
        assert flushed.wait(60), "the child never started saving"
    finally:
        os.kill(child.pid or 0, signal.SIGKILL)
        child.join(30)
    assert child.exitcode == -signal.SIGKILL
    assert counts(db_url) == (0, 0)
    api.save_run(*planned, url=db_url)
    assert counts(db_url)[0] == 1


def test_two_processes_saving_at_once_do_not_corrupt_the_store(
    db_url: str, planned: tuple[Plan, Scenario], tmp_path: Path
) -> None:
    plan, _ = planned
    pickled = tmp_path / "planned.pickle"
    pickled.write_bytes(pickle.dumps(planned))
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(target=test_store_workers.save_runs, args=(db_url, str(pickled), 5, barrier))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    runs = api.list_runs(url=db_url)
    assert len(runs) == 10 and len({r.id for r in runs}) == 10
    for r in runs:
        assert_same_plan(api.load_run(r.id, url=db_url), plan)
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# --------------------------------------------------------------------------------------
# finding, reuse, diff, export (SQLite)


def test_runs_are_found_by_prefix_latest_and_hash(
    sqlite_url: str, planned: tuple[Plan, Scenario], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, scenario = planned
    ids = iter([uuid.UUID("abc10000" + "0" * 24), uuid.UUID("abc20000" + "0" * 24), uuid.uuid4()])
    monkeypatch.setattr(api.uuid, "uuid4", lambda: next(ids))
    first = api.save_run(plan, scenario, url=sqlite_url)
    second = api.save_run(plan, scenario, url=sqlite_url)
    assert api.resolve_run("latest", sqlite_url) == second
    assert api.resolve_run("latest~1", sqlite_url) == first
    assert api.resolve_run("ABC1", sqlite_url) == first
    assert [r.id for r in api.list_runs(url=sqlite_url)] == [second, first]
    with pytest.raises(db.StoreError, match="run 'abc' is ambiguous: it starts abc10000, abc20000"):
        api.resolve_run("abc", sqlite_url)
    with pytest.raises(db.StoreError, match=r"'latest~2': the store .* holds 2 runs"):
        api.resolve_run("latest~2", sqlite_url)
    with pytest.raises(db.StoreError, match="expected a run id"):
        api.resolve_run("no such run", sqlite_url)
    assert api.find_run_by_hash(scenario.content_hash(), "target", url=sqlite_url) == second
    assert api.find_run_by_hash(scenario.content_hash(), "budget", url=sqlite_url) is None
    assert (
        api.find_run_by_hash(scenario.content_hash(), "target", code_version="0.0.0", url=sqlite_url) is None
    )
    # a run that did not solve is never reused
    failed = replace(plan, termination="time_limit", tables={})
    api.save_run(failed, scenario, url=sqlite_url)
    assert api.find_run_by_hash(scenario.content_hash(), "target", url=sqlite_url) == second


def test_the_service_resolves_runs_with_the_same_lookup_and_answers_problems(
    sqlite_url: str, planned: tuple[Plan, Scenario], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web service's resolver shares the store's lookup, with its own grammar (4+ hex
    characters) and 404 / 409 problems instead of :class:`StoreError`."""
    from stateside.api.problems import Problem
    from stateside.api.rundata import resolve

    plan, scenario = planned
    ids = iter([uuid.UUID("abcd1000" + "0" * 24), uuid.UUID("abcd2000" + "0" * 24)])
    monkeypatch.setattr(api.uuid, "uuid4", lambda: next(ids))
    first = api.save_run(plan, scenario, url=sqlite_url)
    second = api.save_run(plan, scenario, url=sqlite_url)
    assert resolve("latest", sqlite_url) == second
    assert resolve("latest~1", sqlite_url) == first
    assert resolve("ABCD1", sqlite_url) == first
    for ref, status in [("abcd", 409), ("abc", 404), ("latest~2", 404), ("ffff", 404)]:
        with pytest.raises(Problem) as caught:
            resolve(ref, sqlite_url)
        assert caught.value.status == status, ref


def test_plan_with_store_reuses_an_identical_scenario(
    sqlite_url: str, planned: tuple[Plan, Scenario], monkeypatch: pytest.MonkeyPatch
) -> None:
    import stateside.run

    plan, scenario = planned
    solves: list[str | None] = []

    def fake_run_plan(s: Scenario, mode: str | None = None, progress: Any = None) -> Plan:
        solves.append(mode)
        return plan

    monkeypatch.setattr(stateside.run, "run_plan", fake_run_plan)
    from stateside.planning import plan_with_store

    _, id1, reused1 = plan_with_store(scenario, reuse=True, url=sqlite_url)
    assert (reused1, len(solves)) == (False, 1)  # nothing stored yet: solved and saved
    p2, id2, reused2 = plan_with_store(scenario, reuse=True, url=sqlite_url)
    assert (reused2, id2, len(solves)) == (True, id1, 1)  # the stored run, not a new solve
    assert_same_plan(p2, plan)
    _, id3, reused3 = plan_with_store(scenario, reuse=False, url=sqlite_url)
    assert (reused3, len(solves)) == (False, 2) and id3 != id1
    # another mode is another question
    _, _, reused4 = plan_with_store(scenario, mode="budget", reuse=True, url=sqlite_url)
    assert reused4 is False and solves[-1] == "budget"


def _edited(scenario: Scenario) -> Scenario:
    """The scenario with TX 2030 demand +10 TWh, one commitment row more and a 6 % discount rate."""
    demand = scenario.demand.copy()
    row = (demand["region"] == "TX") & (demand["period"] == 2030)
    demand.loc[row, "annual_demand_mwh"] += 10e6
    commitments = pd.concat(
        [scenario.commitments, scenario.commitments.iloc[[0]].assign(year=2031)], ignore_index=True
    )
    settings = scenario.settings.model_copy(update={"discount_rate": 0.06})
    return replace(
        scenario, settings=settings, tables={**scenario.tables, "demand": demand, "commitments": commitments}
    )


def test_diff_shows_changed_inputs_and_results(sqlite_url: str, planned: tuple[Plan, Scenario]) -> None:
    plan, scenario = planned
    a = api.save_run(plan, scenario, url=sqlite_url)
    same = api.diff_runs(a, api.save_run(plan, scenario, url=sqlite_url), url=sqlite_url)
    assert same.same_inputs and same.same_results

    builds = plan.tables["builds"].copy()
    builds.loc[0, "new_mw"] += 100.0
    other = replace(plan, tables={**plan.tables, "builds": builds}, objective_usd=plan.objective_usd + 1e9)
    b = api.save_run(other, _edited(scenario), url=sqlite_url)
    d = api.diff_runs(a, b, url=sqlite_url)
    assert [(c.name, c.a, c.b) for c in d.settings] == [("discount_rate", 0.05, 0.06)]
    by_table = {t.table: t for t in d.inputs}
    assert set(by_table) == {"demand", "commitments"}
    (change,) = by_table["demand"].rows
    old = float(
        scenario.demand.loc[
            (scenario.demand["region"] == "TX") & (scenario.demand["period"] == 2030), "annual_demand_mwh"
        ].iloc[0]
    )
    assert change.key.startswith("TX/2030") and change.change == "changed"  # + the demand case, if keyed
    assert [(f.name, f.a, f.b) for f in change.fields] == [("annual_demand_mwh", old, old + 10e6)]
    first = scenario.commitments.iloc[0]
    assert [(r.key, r.change) for r in by_table["commitments"].rows] == [
        (f"{first['investor']}/2031", "added")
    ]
    assert [(c.name, c.b - c.a) for c in d.summary] == [("objective_usd", pytest.approx(1e9))]
    assert [(g.table, g.figure, g.delta) for g in d.results] == [
        ("builds", "sum of new_mw", pytest.approx(100.0))
    ]
    json.dumps(d.to_dict())  # JSON-ready


def test_a_scenario_saved_by_an_older_stateside_is_a_clear_error(
    sqlite_url: str, planned: tuple[Plan, Scenario]
) -> None:
    run_id = api.save_run(*planned, code_version="0.0.1", url=sqlite_url)
    engine = db.engine_for(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE runs SET settings_json = replace(settings_json, '\"name\"', '\"old_name\"')")
        )
    with pytest.raises(
        db.StoreError, match=r"saved by stateside 0\.0\.1 with settings this version cannot read"
    ):
        api.load_run_scenario(run_id, url=sqlite_url)
    assert_same_plan(api.load_run(run_id, url=sqlite_url), planned[0])  # the results still load


def test_export_writes_the_plan_and_a_scenario_folder_that_plans_again(
    sqlite_url: str, planned: tuple[Plan, Scenario], tmp_path: Path
) -> None:
    plan, scenario = planned
    run_id = api.save_run(plan, scenario, url=sqlite_url)
    out = api.export_run(run_id[:6], tmp_path / "export", url=sqlite_url)
    exported, result = load_checked(out / "scenario")
    assert not result.issues
    assert exported.content_hash() == scenario.content_hash()
    back = load_plan_dir(out)
    assert back.summary()["objective_usd"] == plan.summary()["objective_usd"]
    assert set(back.tables) == set(plan.tables)
    assert back.tables["builds"]["new_mw"].sum() == pytest.approx(plan.tables["builds"]["new_mw"].sum())
    assert json.loads((out / "run.json").read_text())["id"] == run_id


# --------------------------------------------------------------------------------------
# configuration


def test_the_default_store_is_a_file_in_the_users_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(db.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert db.database_url().database == str(tmp_path / "stateside" / "stateside.db")
    monkeypatch.setenv(db.ENV_VAR, "postgresql://u:secret@h:5/d")
    url = db.database_url()
    assert url.drivername == "postgresql+psycopg" and "secret" not in db.display_url(url)
    monkeypatch.setenv(db.ENV_VAR, "not a url")
    with pytest.raises(db.StoreError, match="STATESIDE_DB_URL: expected a database URL"):
        db.database_url()


def test_an_unreachable_database_is_a_clear_error() -> None:
    with pytest.raises(
        db.StoreError, match=r"cannot open the run store postgresql\+psycopg://x:\*\*\*@127.0.0.1:9/d"
    ):
        db.engine_for("postgresql://x:pw@127.0.0.1:9/d")


# --------------------------------------------------------------------------------------
# the runs commands


def test_runs_commands(sqlite_url: str, planned: tuple[Plan, Scenario], tmp_path: Path) -> None:
    from stateside.cli.runs import runs_app

    plan, scenario = planned
    runner = CliRunner()
    env = {db.ENV_VAR: sqlite_url, "COLUMNS": "200"}

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(runs_app, list(args), env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        return result.exit_code, result.output

    code, out = invoke("list")
    assert code == 0 and "No runs saved" in out
    a = api.save_run(plan, scenario, url=sqlite_url)
    b = api.save_run(plan, _edited(scenario), url=sqlite_url)
    code, out = invoke("list")
    assert code == 0 and a[:8] in out and b[:8] in out and "tiny" in out
    assert out.index(b[:8]) < out.index(a[:8])  # newest first
    assert f"{plan.objective_usd / 1e9:,.1f}" in out  # cost in USD bn
    code, out = invoke("list", "--json")
    assert [r["id"] for r in json.loads(out)] == [b, a]

    code, out = invoke("show", a[:8])
    assert code == 0 and f"Run {a}" in out and "Plan tiny [target mode] optimal" in out
    assert "AI IT capacity online (MW)" in out

    code, out = invoke("diff", a[:8], "latest")
    assert code == 0
    assert "discount_rate" in out and "0.05" in out and "0.06" in out
    assert "Input table demand: 1 changed" in out and "TX/2030" in out
    assert "Input table commitments: 1 added" in out
    assert "Results: identical" in out

    code, out = invoke("export", "latest", str(tmp_path / "exp"))
    assert code == 0 and (tmp_path / "exp" / "scenario" / "scenario.yaml").is_file()

    code, out = invoke("show", "ffffffffffff")
    assert code == 1 and out.startswith("error: no run 'ffffffffffff'")
    env[db.ENV_VAR] = "postgresql://x@127.0.0.1:9/d"
    code, out = invoke("list")
    assert code == 1 and out.startswith(
        "error: cannot open the run store postgresql+psycopg://x@127.0.0.1:9/d"
    )


# --------------------------------------------------------------------------------------
# runs diff in a planner's terms; sweep members out of 'runs list' and 'latest'


def test_diff_names_campuses_prices_investors_and_security(
    sqlite_url: str, planned: tuple[Plan, Scenario]
) -> None:
    """Run B is run A with one more campus online, a dearer TX and a smaller sponsor stake:
    the planner's view names each, with A, B and the change, in MW, USD/MWh and USD bn."""
    plan, scenario = planned
    a = api.save_run(plan, scenario, url=sqlite_url)
    last = int(plan.table("prices")["period"].max())
    campuses = pd.concat(
        [
            plan.table("campuses"),
            pd.DataFrame(
                [
                    {
                        "campus": "new_one",
                        "region": "NM",
                        "period": last,
                        "it_mw_online": 300.0,
                        "new_it_mw": 300.0,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    prices = plan.table("prices").copy()
    prices.loc[(prices["region"] == "TX") & (prices["period"] == last), "price_usd_per_mwh"] += 7.5
    finance = json.loads(json.dumps(plan.extra["finance"]))
    first = next(iter(finance["investors"]))
    finance["investors"][first]["plan_equity_usd"] -= 2e9
    other = replace(
        plan,
        tables={**plan.tables, "campuses": campuses, "prices": prices},
        extra={**plan.extra, "finance": finance},
    )
    b = api.save_run(other, scenario, url=sqlite_url)
    d = api.diff_runs(a, b, url=sqlite_url)
    by = {(c.section, c.item): c for c in d.planner}
    camp = by[("Campuses", "new_one (NM)")]
    assert (camp.a, camp.b, camp.note, camp.unit) == (0.0, 300.0, "added", "MW IT")
    tx = by[("Prices by state", "TX")]
    assert tx.delta == pytest.approx(7.5) and tx.unit == f"USD/MWh in {last}"
    inv = by[("Investors", f"{first}: equity")]
    assert inv.delta == pytest.approx(-2.0) and inv.unit == "USD bn"
    # nothing else moved: no other price, no capacity, no security outcome
    assert {c.section for c in d.planner} == {"Campuses", "Prices by state", "Investors", "Headline"} - {
        "Headline"
    }
    json.dumps(d.to_dict())
    # a run against itself: nothing in the planner's view
    assert api.diff_runs(a, a, url=sqlite_url).planner == []


def test_sweep_members_are_hidden_and_latest_is_the_users_plan(
    sqlite_url: str, planned: tuple[Plan, Scenario]
) -> None:
    plan, scenario = planned
    mine = api.save_run(plan, scenario, url=sqlite_url)
    member = api.save_run(plan, scenario, source="sweep 1a2b3c4d member 3", url=sqlite_url)
    assert [r.id for r in api.list_runs(url=sqlite_url, sweeps=False)] == [mine]
    listed = api.list_runs(url=sqlite_url)
    assert [(r.id, r.sweep) for r in listed] == [(member, "sweep 1a2b3c4d member 3"), (mine, None)]
    assert api.resolve_run("latest", sqlite_url) == mine
    assert api.resolve_run(member[:8], sqlite_url) == member  # still reachable by its id
    with pytest.raises(db.StoreError, match="holds 1 run planned"):
        api.resolve_run("latest~1", sqlite_url)

    from stateside.cli.runs import runs_app

    env = {db.ENV_VAR: sqlite_url, "COLUMNS": "80"}
    out = CliRunner().invoke(runs_app, ["list"], env=env).output
    # at 80 columns the id and the scenario hash are whole (8 characters each)
    assert mine[:8] in out and scenario.content_hash()[:8] in out
    assert member[:8] not in out
    out = CliRunner().invoke(runs_app, ["list", "--sweeps"], env={**env, "COLUMNS": "120"}).output
    assert member[:8] in out and "sweep 1a2b3c4d member 3" in out


def test_diff_of_the_default_and_one_more_campus_fits_a_screen(sqlite_url: str, tmp_path: Path) -> None:
    """The default scenario against a copy with one more (cheaper) campus, both solved: the
    diff names the new campus and fits in 60 lines at 100 columns; --all shows everything."""
    from stateside.cli.runs import runs_app
    from stateside.scenario.load import copy_default, load_default

    base = load_default()
    folder = copy_default(tmp_path / "more")
    campuses = pd.read_csv(folder / "campuses.csv")
    extra = campuses.iloc[[0]].assign(
        campus="ok_tulsa", name="Tulsa campus", region="OK", capex_usd_per_kw_it=9000.0, max_modules=5
    )
    pd.concat([campuses, extra]).to_csv(folder / "campuses.csv", index=False)
    more = load_scenario(folder)

    def without_counterfactual(sc: Scenario) -> Scenario:
        # the ratepayer counterfactual (a second LP per plan) is not what this test is about
        impact = sc.settings.impact.model_copy(update={"ratepayer_counterfactual": False})
        return Scenario(
            settings=sc.settings.model_copy(update={"impact": impact}),
            tables=sc.tables,
            profiles=sc.profiles,
            source_dir=sc.source_dir,
            rules_yaml=sc.rules_yaml,
        )

    base, more = without_counterfactual(base), without_counterfactual(more)
    a = api.save_run(run_plan(base), base, url=sqlite_url)
    b = api.save_run(run_plan(more), more, url=sqlite_url)
    env = {db.ENV_VAR: sqlite_url, "COLUMNS": "100"}
    result = CliRunner().invoke(runs_app, ["diff", a[:8], b[:8]], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) <= 60, result.output
    assert "Input table campuses: 1 added: ok_tulsa" in result.output
    assert "ok_tulsa (OK) (added)" in result.output
    assert "discounted system cost" in result.output
    assert "sum of" not in result.output  # no column sums by default
    full = CliRunner().invoke(runs_app, ["diff", a[:8], b[:8], "--all"], env=env).output
    assert len(full.splitlines()) > len(lines) and "Summary figures changed" in full
