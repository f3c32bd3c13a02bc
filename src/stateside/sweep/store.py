"""Sweeps in the run store: the ``sweeps`` row and one ``sweep_members`` row per finished member.

Each member's plan is saved as an ordinary run (:func:`stateside.store.api.save_run`, one
transaction), then its member row — values, metrics, the run's id — is written (a second,
small transaction). A sweep killed between the two leaves a run without its member row;
resuming finds that run by its scenario content hash and records the member without
solving it again (:mod:`stateside.sweep.runner`).

Every function takes ``url`` (default: ``$STATESIDE_DB_URL``, see :mod:`stateside.store.db`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from stateside import __version__
from stateside.store.db import as_utc, session
from stateside.store.models import Sweep, SweepMember
from stateside.store.refs import resolve_ref
from stateside.sweep.spec import SweepSpec

OK = "ok"
ERROR = "error"


def _dumps(obj: Any) -> str:
    return json.dumps(obj, allow_nan=True, separators=(",", ":"))


@dataclass(frozen=True)
class SweepInfo:
    """A stored sweep's identity (no members)."""

    id: str
    created_at: datetime
    name: str
    scenario_name: str
    scenario_hash: str
    mode: str
    n_members: int
    code_version: str
    source: str | None
    spec: SweepSpec
    spec_yaml: str
    n_done: int = 0
    n_failed: int = 0

    @property
    def short_id(self) -> str:
        return self.id[:8]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "name": self.name,
            "scenario": self.scenario_name,
            "scenario_hash": self.scenario_hash,
            "mode": self.mode,
            "n_members": self.n_members,
            "n_done": self.n_done,
            "n_failed": self.n_failed,
            "code_version": self.code_version,
            "source": self.source,
        }


@dataclass
class MemberRecord:
    """One finished (or failed) member, as stored."""

    sample_index: int
    design: str
    role: str
    grid_point: int | None
    draw: int | None
    scenario_hash: str
    status: str
    termination: str
    run_id: str | None
    reused: bool
    values: dict[str, Any]
    metrics: dict[str, float]
    error: str | None = None
    seconds: float = 0.0
    finished_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ok(self) -> bool:
        return self.status == OK


def save_sweep(
    sweep_id: str,
    spec: SweepSpec,
    spec_yaml: str,
    scenario_name: str,
    scenario_hash: str,
    mode: str,
    n_members: int,
    source: str | None = None,
    url: str | None = None,
) -> bool:
    """Record the sweep if it is not in the store yet; True when it was already there (a resume)."""
    with session(url, write=True) as s:
        if s.get(Sweep, sweep_id) is not None:
            return True
        s.add(
            Sweep(
                id=sweep_id,
                created_at=datetime.now(UTC),
                name=spec.name,
                scenario_name=scenario_name,
                scenario_hash=scenario_hash,
                mode=mode,
                n_members=n_members,
                code_version=__version__,
                source=source,
                spec_json=spec.model_dump_json(),
                spec_yaml=spec_yaml,
            )
        )
    return False


def _row(sweep_id: str, m: MemberRecord) -> SweepMember:
    return SweepMember(
        sweep_id=sweep_id,
        sample_index=m.sample_index,
        design=m.design,
        role=m.role,
        grid_point=m.grid_point,
        draw=m.draw,
        scenario_hash=m.scenario_hash,
        status=m.status,
        termination=m.termination,
        run_id=m.run_id,
        reused=m.reused,
        values_json=_dumps(m.values),
        metrics_json=_dumps(m.metrics),
        error=m.error,
        seconds=float(m.seconds) if math.isfinite(m.seconds) else 0.0,
        finished_at=m.finished_at,
    )


def save_members(sweep_id: str, members: list[MemberRecord], url: str | None = None) -> None:
    """Write (or overwrite) member rows, in one transaction."""
    if not members:
        return
    with session(url, write=True) as s:
        for m in members:
            s.merge(_row(sweep_id, m))


def _record(r: SweepMember) -> MemberRecord:
    return MemberRecord(
        sample_index=r.sample_index,
        design=r.design,
        role=r.role,
        grid_point=r.grid_point,
        draw=r.draw,
        scenario_hash=r.scenario_hash,
        status=r.status,
        termination=r.termination,
        run_id=r.run_id,
        reused=bool(r.reused),
        values=dict(json.loads(r.values_json)),
        metrics={
            str(k): float(v) if v is not None else math.nan for k, v in json.loads(r.metrics_json).items()
        },
        error=r.error,
        seconds=float(r.seconds),
        finished_at=as_utc(r.finished_at),
    )


def load_members(sweep_id: str, url: str | None = None) -> list[MemberRecord]:
    """Every stored member row of a sweep, by index."""
    with session(url) as s:
        rows = s.scalars(
            select(SweepMember).where(SweepMember.sweep_id == sweep_id).order_by(SweepMember.sample_index)
        )
        return [_record(r) for r in rows]


def resolve_sweep(ref: str, url: str | None = None) -> str:
    """The full id of the sweep ``ref`` names: an id, a unique prefix, ``latest`` or ``latest~N``."""
    return resolve_ref(ref, url, Sweep, "sweep", "stateside sweep list")


def _info(r: Sweep, done: int, failed: int) -> SweepInfo:
    return SweepInfo(
        id=r.id,
        created_at=as_utc(r.created_at),
        name=r.name,
        scenario_name=r.scenario_name,
        scenario_hash=r.scenario_hash,
        mode=r.mode,
        n_members=r.n_members,
        code_version=r.code_version,
        source=r.source,
        spec=SweepSpec.model_validate_json(r.spec_json),
        spec_yaml=r.spec_yaml,
        n_done=done,
        n_failed=failed,
    )


def _counts(s: Any, ids: list[str]) -> dict[tuple[str, str], int]:
    if not ids:
        return {}
    rows = s.execute(
        select(SweepMember.sweep_id, SweepMember.status, func.count())
        .where(SweepMember.sweep_id.in_(ids))
        .group_by(SweepMember.sweep_id, SweepMember.status)
    )
    return {(str(a), str(b)): int(c) for a, b, c in rows}


def sweep_info(ref: str, url: str | None = None) -> SweepInfo:
    """A stored sweep's identity and how many of its members are done."""
    sweep_id = resolve_sweep(ref, url)
    with session(url) as s:
        r = s.get(Sweep, sweep_id)
        assert r is not None
        counts = _counts(s, [sweep_id])
        return _info(r, counts.get((sweep_id, OK), 0), counts.get((sweep_id, ERROR), 0))


def list_sweeps(limit: int | None = None, url: str | None = None) -> list[SweepInfo]:
    """Stored sweeps, newest first."""
    q = select(Sweep).order_by(Sweep.created_at.desc(), Sweep.id.desc())
    if limit is not None:
        q = q.limit(limit)
    with session(url) as s:
        rows = list(s.scalars(q))
        counts = _counts(s, [r.id for r in rows])
        return [_info(r, counts.get((r.id, OK), 0), counts.get((r.id, ERROR), 0)) for r in rows]
