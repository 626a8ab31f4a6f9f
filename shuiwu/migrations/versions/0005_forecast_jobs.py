"""Forecasting: saved forecast tasks, their jobs, results and logs (issue 8).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("draft", "queued", "running", "done", "failed", "cancelled")


def upgrade() -> None:
    op.create_table(
        "forecast_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "owner_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("saved", sa.Boolean, nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                *STATUSES,
                name="forecast_job_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.SmallInteger, nullable=False),
        sa.Column("step", sa.String(120), nullable=False),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("result", sa.JSON),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True)),
        sa.Column("saved_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_forecast_jobs_owner_id", "forecast_jobs", ["owner_id"])
    op.create_index("ix_forecast_jobs_status_created", "forecast_jobs", ["status", "created_at"])
    op.create_table(
        "forecast_job_logs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "job_id",
            sa.Integer,
            sa.ForeignKey("forecast_jobs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_forecast_job_logs_job_id", "forecast_job_logs", ["job_id"])
    op.create_table(
        "forecast_snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("history_end", sa.Date, nullable=False),
        sa.Column("model", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index(
        "ix_forecast_snapshots_level_key", "forecast_snapshots", ["level", "key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_forecast_snapshots_level_key", table_name="forecast_snapshots")
    op.drop_table("forecast_snapshots")
    op.drop_index("ix_forecast_job_logs_job_id", table_name="forecast_job_logs")
    op.drop_table("forecast_job_logs")
    op.drop_index("ix_forecast_jobs_status_created", table_name="forecast_jobs")
    op.drop_index("ix_forecast_jobs_owner_id", table_name="forecast_jobs")
    op.drop_table("forecast_jobs")
