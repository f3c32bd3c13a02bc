"""The store's tables (SQLAlchemy 2 typed models).

* ``runs`` — one row per saved plan run: identity, scenario hash and name, mode, solver
  status and timing, code version, the scenario settings (JSON) and the plan's summary,
  diagnosis and extra figures (JSON text, so NaN survives on every backend);
* ``run_tables`` — every table of a run: the plan's result tables (``kind='result'``) and
  the scenario's input tables (``kind='input'``), each one compressed blob in the
  column-typed encoding of :mod:`stateside.store.codec`.

The web service (:mod:`stateside.api`, revision ``0002``) adds ``users``, ``api_tokens``,
``web_sessions``, ``scenarios`` (uploaded scenario folders, zipped) and ``jobs`` (plans
and sweeps run outside the request, their state and progress).

Sweeps (:mod:`stateside.sweep`, revision ``0003``) add ``sweeps`` (a sweep file run on one
base scenario) and ``sweep_members`` (each finished member: its values, metrics and the
run that solved it).

Revision ``0004`` adds token expiry (``api_tokens.expires_at``), when a password was
last set (``users.password_changed_at``) and ``server_leases``: the one web server that
runs jobs on a store holds a lease there and renews it (:mod:`stateside.api.lease`).

The schema itself is created and changed only by the Alembic migrations in
``migrations/versions``; a test checks that the migrated database matches these models.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

RESULT = "result"
INPUT = "input"


class Base(DeclarativeBase):
    """Declarative base of the store's models."""


class Run(Base):
    """A saved plan run."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    scenario_name: Mapped[str] = mapped_column(String(200))
    scenario_hash: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(40))
    termination: Mapped[str] = mapped_column(String(200))
    objective_usd: Mapped[float | None] = mapped_column(Double)
    mip_gap: Mapped[float | None] = mapped_column(Double)
    build_seconds: Mapped[float] = mapped_column(Double)
    solve_seconds: Mapped[float] = mapped_column(Double)
    code_version: Mapped[str] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(Text)
    settings_json: Mapped[str] = mapped_column(Text)
    rules_yaml: Mapped[str | None] = mapped_column(Text)
    summary_json: Mapped[str] = mapped_column(Text)
    diagnosis_json: Mapped[str] = mapped_column(Text)
    extra_json: Mapped[str] = mapped_column(Text)

    tables: Mapped[list[RunTable]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        Index("ix_runs_scenario_hash_mode", "scenario_hash", "mode"),
        Index("ix_runs_created_at", "created_at"),
    )


class RunTable(Base):
    """One table of a run, encoded as one blob."""

    __tablename__ = "run_tables"

    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    n_rows: Mapped[int] = mapped_column(Integer)
    n_columns: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    run: Mapped[Run] = relationship(back_populates="tables")


# --------------------------------------------------------------------------------------
# the web service (revision 0002)


class User(Base):
    """An account of the web service; ``role`` decides what it may see (:mod:`stateside.api.access`)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    investor: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(Boolean)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_users_name", "name", unique=True),)


class ApiToken(Base):
    """A bearer token of a user; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_api_tokens_token_hash", "token_hash", unique=True),
        Index("ix_api_tokens_user_id", "user_id"),
    )


class WebSession(Base):
    """A browser session: the SHA-256 of its cookie value, its CSRF token and its expiry."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_web_sessions_user_id", "user_id"),)


class ScenarioUpload(Base):
    """A scenario folder uploaded as a zip file that passed validation (the zip is kept as sent)."""

    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    size_bytes: Mapped[int] = mapped_column(Integer)
    warnings_json: Mapped[str] = mapped_column(Text)
    summary_json: Mapped[str] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_scenarios_created_at", "created_at"),)


class Job(Base):
    """A plan or sweep run outside the request: its state, progress and result."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(40))
    progress: Mapped[float] = mapped_column(Double)
    scenario_id: Mapped[str | None] = mapped_column(ForeignKey("scenarios.id", ondelete="SET NULL"))
    mode: Mapped[str | None] = mapped_column(String(20))
    params_json: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    result_json: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    runner: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_jobs_status", "status"),
        Index("ix_jobs_created_at", "created_at"),
    )


class ServerLease(Base):
    """Who runs jobs on this store: one row per lease name, held by one server until ``expires_at``.

    The holder renews it every few seconds; another server may take it only once it has
    expired (revision 0004)."""

    __tablename__ = "server_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    renewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --------------------------------------------------------------------------------------
# sweeps (revision 0003; written by stateside.sweep)


class Sweep(Base):
    """A sweep: a sweep file run on one base scenario (:mod:`stateside.sweep`).

    Its id is a hash of the file's parameters and the base scenario's content hash, so
    running the same file again finds the same sweep and resumes it.
    """

    __tablename__ = "sweeps"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    name: Mapped[str] = mapped_column(String(200))
    scenario_name: Mapped[str] = mapped_column(String(200))
    scenario_hash: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(20))
    n_members: Mapped[int] = mapped_column(Integer)
    code_version: Mapped[str] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(Text)
    spec_json: Mapped[str] = mapped_column(Text)
    spec_yaml: Mapped[str] = mapped_column(Text)

    members: Mapped[list[SweepMember]] = relationship(
        back_populates="sweep", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (Index("ix_sweeps_created_at", "created_at"),)


class SweepMember(Base):
    """One finished member of a sweep: its values, the run that solved it and its metrics."""

    __tablename__ = "sweep_members"

    sweep_id: Mapped[str] = mapped_column(ForeignKey("sweeps.id", ondelete="CASCADE"), primary_key=True)
    sample_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    design: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(200))
    grid_point: Mapped[int | None] = mapped_column(Integer)
    draw: Mapped[int | None] = mapped_column(Integer)
    scenario_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    termination: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    reused: Mapped[bool] = mapped_column(Boolean)
    values_json: Mapped[str] = mapped_column(Text)
    metrics_json: Mapped[str] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    seconds: Mapped[float] = mapped_column(Double)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    sweep: Mapped[Sweep] = relationship(back_populates="members")

    __table_args__ = (Index("ix_sweep_members_scenario_hash", "scenario_hash"),)
