"""Save plan runs, find them again, load, compare and export them.

A run is written in one transaction (:func:`save_run`): the ``runs`` row — scenario
hash, name and settings, mode, solver status and timing, code version, summary — and
one ``run_tables`` row per result table of the plan and per input table of the
scenario (plus its hourly profiles, if it has its own). If anything fails on the way,
nothing of the run is kept.

Every function that takes a run accepts its full id, a unique prefix of it (as shown by
``stateside runs list``), ``latest`` or ``latest~N`` (the N-th before the latest), and
an optional ``url`` (default: ``$STATESIDE_DB_URL``, else the SQLite file in the user's
data directory; see :mod:`stateside.store.db`).
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import select

from stateside import __version__
from stateside.plan import Plan
from stateside.scenario.settings import Settings
from stateside.scenario.types import Scenario
from stateside.store.codec import ENCODING, decode_frame, encode_frame
from stateside.store.db import StoreError, as_utc, session
from stateside.store.diff import (
    SUMMARY_SKIP,
    RunDiff,
    diff_profiles,
    diff_results,
    diff_settings,
    diff_table,
    diff_values,
    flatten,
    planner_changes,
)
from stateside.store.models import INPUT, RESULT, Run, RunTable, SweepMember
from stateside.store.refs import not_sweep_member, resolve_ref

PROFILES = "profiles"

#: Solver statuses whose plan may be reused by ``plan --reuse``.
REUSABLE_TERMINATIONS = ("optimal",)


@dataclass(frozen=True)
class RunInfo:
    """A saved run's identity and headline figures (no tables)."""

    id: str
    created_at: datetime
    scenario_name: str
    scenario_hash: str
    mode: str
    status: str
    termination: str
    objective_usd: float | None
    mip_gap: float | None
    build_seconds: float
    solve_seconds: float
    code_version: str
    source: str | None
    summary: dict[str, Any]
    sweep: str | None = None  # "sweep 1a2b3c4d member 7" for a sweep member's run

    @property
    def short_id(self) -> str:
        return self.id[:8]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (``stateside runs list --json``)."""
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "scenario": self.scenario_name,
            "scenario_hash": self.scenario_hash,
            "mode": self.mode,
            "status": self.status,
            "termination": self.termination,
            "objective_usd": self.objective_usd,
            "mip_gap": self.mip_gap,
            "build_seconds": self.build_seconds,
            "solve_seconds": self.solve_seconds,
            "code_version": self.code_version,
            "source": self.source,
            "sweep": self.sweep,
            "it_capacity_mw": self.summary.get("it_capacity_mw", {}),
        }


# --------------------------------------------------------------------------------------
# JSON with NaN kept (text columns, so every backend stores it as written)


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if isinstance(o, (datetime, pd.Timestamp)):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"cannot store a value of type {type(o).__name__} in a run's JSON")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, default=_json_default, allow_nan=True, separators=(",", ":"))


def _float_or_none(x: float | None) -> float | None:
    if x is None:
        return None
    v = float(x)
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------------------
# save


def _rows(plan: Plan, scenario: Scenario | None) -> Iterator[tuple[str, str, pd.DataFrame]]:
    for name, df in plan.tables.items():
        yield RESULT, name, df
    if scenario is not None:
        for name, df in scenario.tables.items():
            yield INPUT, name, df
        if scenario.profiles is not None:
            yield PROFILES, PROFILES, scenario.profiles


def save_run(
    plan: Plan,
    scenario: Scenario | None = None,
    code_version: str = __version__,
    source: str | None = None,
    url: str | None = None,
) -> str:
    """Save ``plan`` (and the ``scenario`` it was planned from) in one transaction; its new run id.

    Without ``scenario`` only the results are kept (and ``runs diff`` cannot compare inputs).
    ``source`` says where the scenario came from (a folder, "default"); it defaults to the
    scenario's folder.
    """
    run_id = uuid.uuid4().hex
    if source is None and scenario is not None and scenario.source_dir is not None:
        source = str(scenario.source_dir)
    settings_json = scenario.settings.model_dump_json() if scenario is not None else "null"
    row = Run(
        id=run_id,
        created_at=datetime.now(UTC),
        scenario_name=plan.scenario_name,
        scenario_hash=plan.scenario_hash or (scenario.content_hash() if scenario is not None else ""),
        mode=plan.mode,
        status=plan.status,
        termination=plan.termination,
        objective_usd=_float_or_none(plan.objective_usd),
        mip_gap=_float_or_none(plan.mip_gap),
        build_seconds=float(plan.build_seconds),
        solve_seconds=float(plan.solve_seconds),
        code_version=code_version,
        source=source,
        settings_json=settings_json,
        rules_yaml=scenario.rules_yaml if scenario is not None else None,
        summary_json=_dumps(plan.summary()),
        diagnosis_json=_dumps(list(plan.diagnosis)),
        extra_json=_dumps(plan.extra),
    )
    with session(url, write=True) as s:
        s.add(row)
        s.flush()
        for position, (kind, name, df) in enumerate(_rows(plan, scenario)):
            _add_table(s, run_id, kind, name, position, df)
    return run_id


def _add_table(s: Any, run_id: str, kind: str, name: str, position: int, df: pd.DataFrame) -> None:
    """Encode one table and send its row (flushed: it is in the transaction from here on)."""
    data = encode_frame(df, where=f"{kind} table {name}")
    s.add(
        RunTable(
            run_id=run_id,
            kind=kind,
            name=name,
            position=position,
            n_rows=len(df),
            n_columns=df.shape[1],
            encoding=ENCODING,
            data=data,
        )
    )
    s.flush()


# --------------------------------------------------------------------------------------
# find


def resolve_run(ref: str, url: str | None = None) -> str:
    """The full id of the run ``ref`` names: an id, a unique prefix, ``latest`` or ``latest~N``
    (the latest plans a user ran: sweep members do not count)."""
    return resolve_ref(ref, url, Run, "run", "stateside runs list")


def _info(r: Run) -> RunInfo:
    return RunInfo(
        id=r.id,
        created_at=as_utc(r.created_at),
        scenario_name=r.scenario_name,
        scenario_hash=r.scenario_hash,
        mode=r.mode,
        status=r.status,
        termination=r.termination,
        objective_usd=r.objective_usd,
        mip_gap=r.mip_gap,
        build_seconds=r.build_seconds,
        solve_seconds=r.solve_seconds,
        code_version=r.code_version,
        source=r.source,
        summary=json.loads(r.summary_json),
    )


def list_runs(
    limit: int | None = None,
    scenario_name: str | None = None,
    scenario_hash: str | None = None,
    url: str | None = None,
    sweeps: bool = True,
) -> list[RunInfo]:
    """Saved runs, newest first (optionally only those of one scenario name or hash).

    With ``sweeps`` (the default) the runs of sweep members are listed too, tagged
    (:attr:`RunInfo.sweep`); without, only the runs a user planned (``stateside runs list``)."""
    q = select(Run).order_by(Run.created_at.desc(), Run.id.desc())
    if not sweeps:
        q = q.where(not_sweep_member())
    if scenario_name is not None:
        q = q.where(Run.scenario_name == scenario_name)
    if scenario_hash is not None:
        q = q.where(Run.scenario_hash == scenario_hash)
    if limit is not None:
        q = q.limit(limit)
    with session(url) as s:
        infos = [_info(r) for r in s.scalars(q)]
        if not sweeps:
            return infos
        ids = [i.id for i in infos]
        members = s.execute(
            select(SweepMember.run_id, SweepMember.sweep_id, SweepMember.sample_index).where(
                SweepMember.run_id.in_(ids), SweepMember.reused.is_(False)
            )
        ).all()
    tags = {str(r): f"sweep {str(sw)[:8]} member {int(k)}" for r, sw, k in members}
    return [
        replace(i, sweep=tags.get(i.id) or (i.source if _is_sweep_source(i.source) else None)) for i in infos
    ]


def _is_sweep_source(source: str | None) -> bool:
    parts = (source or "").split()
    return len(parts) == 4 and parts[0] == "sweep" and parts[2] == "member"


def run_info(run: str, url: str | None = None) -> RunInfo:
    """The identity and headline figures of one run."""
    run_id = resolve_run(run, url)
    with session(url) as s:
        r = s.get(Run, run_id)
        assert r is not None
        return _info(r)


def find_run_by_hash(
    scenario_hash: str,
    mode: str,
    code_version: str | None = None,
    url: str | None = None,
) -> str | None:
    """The newest run of an identical scenario (same content hash) in ``mode`` that solved to optimality.

    With ``code_version``, only runs saved by that version of stateside count.
    """
    q = (
        select(Run.id)
        .where(
            Run.scenario_hash == scenario_hash,
            Run.mode == mode,
            Run.termination.in_(REUSABLE_TERMINATIONS),
        )
        .order_by(Run.created_at.desc(), Run.id.desc())
        .limit(1)
    )
    if code_version is not None:
        q = q.where(Run.code_version == code_version)
    with session(url) as s:
        found = s.scalars(q).first()
    return str(found) if found is not None else None


# --------------------------------------------------------------------------------------
# load


def _tables(s: Any, run_id: str, kinds: tuple[str, ...]) -> dict[str, dict[str, pd.DataFrame]]:
    out: dict[str, dict[str, pd.DataFrame]] = {k: {} for k in kinds}
    rows = s.execute(
        select(RunTable.kind, RunTable.name, RunTable.encoding, RunTable.data)
        .where(RunTable.run_id == run_id, RunTable.kind.in_(kinds))
        .order_by(RunTable.position)
    )
    for kind, name, encoding, data in rows:
        if encoding != ENCODING:
            raise StoreError(
                f"run {run_id[:8]}: table {name} is stored as {encoding!r}, which this stateside cannot read"
            )
        out[kind][name] = decode_frame(bytes(data))
    return out


def load_run(run: str, url: str | None = None) -> Plan:
    """The plan of a saved run, with exactly the tables it was saved with."""
    run_id = resolve_run(run, url)
    with session(url) as s:
        r = s.get(Run, run_id)
        assert r is not None
        tables = _tables(s, run_id, (RESULT,))[RESULT]
        return Plan(
            scenario_name=r.scenario_name,
            mode=r.mode,
            status=r.status,
            termination=r.termination,
            objective_usd=r.objective_usd if r.objective_usd is not None else math.nan,
            mip_gap=r.mip_gap,
            build_seconds=r.build_seconds,
            solve_seconds=r.solve_seconds,
            tables=tables,
            diagnosis=list(json.loads(r.diagnosis_json)),
            scenario_hash=r.scenario_hash,
            extra=dict(json.loads(r.extra_json)),
        )


def load_run_scenario(run: str, url: str | None = None) -> Scenario:
    """The scenario a run was planned from (settings, every table, profiles, rules)."""
    run_id = resolve_run(run, url)
    with session(url) as s:
        r = s.get(Run, run_id)
        assert r is not None
        if r.settings_json == "null":
            raise StoreError(f"run {run_id[:8]} was saved without its scenario inputs")
        parts = _tables(s, run_id, (INPUT, PROFILES))
        source = r.source
        try:
            settings = Settings.model_validate_json(r.settings_json)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise StoreError(
                f"run {run_id[:8]} was saved by stateside {r.code_version} with settings this version "
                f"cannot read ({where}: {first['msg']}; {exc.error_count()} problem(s)); "
                "'stateside runs diff' and 'runs show' still work"
            ) from None
        return Scenario(
            settings=settings,
            tables=parts[INPUT],
            profiles=parts[PROFILES].get(PROFILES),
            source_dir=Path(source) if source else None,
            rules_yaml=r.rules_yaml,
        )


# --------------------------------------------------------------------------------------
# diff


def diff_runs(a: str, b: str, url: str | None = None) -> RunDiff:
    """What changed from run ``a`` to run ``b``: settings and input rows, summary and result tables.

    See :mod:`stateside.store.diff`. Inputs are compared only when both runs were saved with
    their scenario (``RunDiff.inputs_compared``).
    """
    ids = [resolve_run(a, url), resolve_run(b, url)]
    runs: list[Run] = []
    parts: list[dict[str, dict[str, pd.DataFrame]]] = []
    with session(url) as s:
        for run_id in ids:
            r = s.get(Run, run_id)
            assert r is not None
            runs.append(r)
            parts.append(_tables(s, run_id, (RESULT, INPUT, PROFILES)))
    ra, rb = runs
    pa, pb = parts
    out = RunDiff(
        a=ids[0], b=ids[1], inputs_compared=ra.settings_json != "null" and rb.settings_json != "null"
    )
    if out.inputs_compared:
        out.settings = diff_settings(ra.settings_json, rb.settings_json, ra.rules_yaml, rb.rules_yaml)
        for name in dict.fromkeys([*pa[INPUT], *pb[INPUT]]):
            td = diff_table(name, pa[INPUT].get(name), pb[INPUT].get(name))
            if td is not None:
                out.inputs.append(td)
        prof = diff_profiles(pa[PROFILES].get(PROFILES), pb[PROFILES].get(PROFILES))
        if prof is not None:
            out.inputs.append(prof)
    out.summary = diff_values(
        flatten(json.loads(ra.summary_json)),
        flatten(json.loads(rb.summary_json)),
        close=True,
        skip=SUMMARY_SKIP,
    )
    out.results = diff_results(pa[RESULT], pb[RESULT])
    security = None
    if out.inputs_compared:
        security = (_security_counts(ids[0], pa[RESULT], url), _security_counts(ids[1], pb[RESULT], url))
        if None in security:
            security = None
    out.planner = planner_changes(
        pa[RESULT],
        pb[RESULT],
        json.loads(ra.summary_json),
        json.loads(rb.summary_json),
        security,  # type: ignore[arg-type]
    )
    return out


def _security_counts(run_id: str, tables: dict[str, pd.DataFrame], url: str | None) -> dict[str, int] | None:
    """Holdings (project, investor) of a run's cap tables by their worst review outcome; None
    when the run cannot be reviewed (no cap tables, or its scenario no longer loads)."""
    if "cap_tables" not in tables or not len(tables["cap_tables"]):
        return None
    from stateside.report.security import review_cap_tables
    from stateside.scenario.errors import ScenarioError
    from stateside.security.rules import SEVERITY

    try:
        scenario = load_run_scenario(run_id, url)
    except (StoreError, ScenarioError, ValueError, KeyError):
        return None
    plan = Plan(
        scenario_name="",
        mode="",
        status="",
        termination="",
        objective_usd=0.0,
        mip_gap=None,
        build_seconds=0.0,
        solve_seconds=0.0,
        tables={"cap_tables": tables["cap_tables"]},
    )
    reviews, _ = review_cap_tables(plan, scenario)
    if reviews is None:
        return None
    sev = reviews.assign(_sev=reviews["outcome"].map(SEVERITY).fillna(0))
    worst = sev.loc[sev.groupby(["project", "investor"])["_sev"].idxmax(), "outcome"]
    return {str(k): int(v) for k, v in worst.value_counts().items()}


# --------------------------------------------------------------------------------------
# export


def export_run(run: str, directory: Path, fmt: str = "csv", url: str | None = None) -> Path:
    """Write a run's result tables and summary.json into ``directory`` (as ``stateside plan --out``)
    and its scenario inputs into ``directory/scenario`` (a folder ``stateside plan`` can run again).
    """
    from stateside.store.export import write_scenario_dir

    run_id = resolve_run(run, url)
    plan = load_run(run_id, url)
    directory = Path(directory)
    plan.to_dir(directory, fmt=fmt)
    info = run_info(run_id, url)
    (directory / "run.json").write_text(json.dumps(info.to_dict(), indent=2) + "\n")
    with session(url) as s:
        r = s.get(Run, run_id)
        has_inputs = r is not None and r.settings_json != "null"
    if has_inputs:
        write_scenario_dir(load_run_scenario(run_id, url), directory / "scenario")
    return directory
