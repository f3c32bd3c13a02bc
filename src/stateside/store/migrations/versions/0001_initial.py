"""Runs and their tables.

Revision ID: 0001
Revises:
Create Date: 2026-05-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scenario_name", sa.String(200), nullable=False),
        sa.Column("scenario_hash", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("termination", sa.String(200), nullable=False),
        sa.Column("objective_usd", sa.Double(), nullable=True),
        sa.Column("mip_gap", sa.Double(), nullable=True),
        sa.Column("build_seconds", sa.Double(), nullable=False),
        sa.Column("solve_seconds", sa.Double(), nullable=False),
        sa.Column("code_version", sa.String(100), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.Column("rules_yaml", sa.Text(), nullable=True),
        sa.Column("summary_json", sa.Text(), nullable=False),
        sa.Column("diagnosis_json", sa.Text(), nullable=False),
        sa.Column("extra_json", sa.Text(), nullable=False),
    )
    op.create_index("ix_runs_scenario_hash_mode", "runs", ["scenario_hash", "mode"])
    op.create_index("ix_runs_created_at", "runs", ["created_at"])
    op.create_table(
        "run_tables",
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("n_columns", sa.Integer(), nullable=False),
        sa.Column("encoding", sa.String(40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("run_tables")
    op.drop_index("ix_runs_created_at", table_name="runs")
    op.drop_index("ix_runs_scenario_hash_mode", table_name="runs")
    op.drop_table("runs")
