"""The store's tables (SQLAlchemy 2 typed models).

* ``runs`` — one row per saved plan run: identity, scenario hash and name, mode, solver
  status and timing, code version, the scenario settings (JSON) and the plan's summary,
  diagnosis and extra figures (JSON text, so NaN survives on every backend);
* ``run_tables`` — every table of a run: the plan's result tables (``kind='result'``) and
  the scenario's input tables (``kind='input'``), each one compressed blob in the
  column-typed encoding of :mod:`stateside.store.codec`.

The schema itself is created and changed only by the Alembic migrations in
``migrations/versions``; a test checks that the migrated database matches these models.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
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
