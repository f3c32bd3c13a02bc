"""Sweeps and their members (stateside.sweep).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scenario_name", sa.String(200), nullable=False),
        sa.Column("scenario_hash", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("n_members", sa.Integer(), nullable=False),
        sa.Column("code_version", sa.String(100), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("spec_yaml", sa.Text(), nullable=False),
    )
    op.create_index("ix_sweeps_created_at", "sweeps", ["created_at"])
    op.create_table(
        "sweep_members",
        sa.Column(
            "sweep_id", sa.String(32), sa.ForeignKey("sweeps.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("sample_index", sa.Integer(), primary_key=True),
        sa.Column("design", sa.String(20), nullable=False),
        sa.Column("role", sa.String(200), nullable=False),
        sa.Column("grid_point", sa.Integer(), nullable=True),
        sa.Column("draw", sa.Integer(), nullable=True),
        sa.Column("scenario_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("termination", sa.String(200), nullable=False),
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
        sa.Column("reused", sa.Boolean(), nullable=False),
        sa.Column("values_json", sa.Text(), nullable=False),
        sa.Column("metrics_json", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sweep_members_scenario_hash", "sweep_members", ["scenario_hash"])


def downgrade() -> None:
    op.drop_index("ix_sweep_members_scenario_hash", table_name="sweep_members")
    op.drop_table("sweep_members")
    op.drop_index("ix_sweeps_created_at", table_name="sweeps")
    op.drop_table("sweeps")
