"""Forecast tasks (a configuration, the background job that runs it, its results and log) and
the nightly forecasts kept per household and district for quick answers (issue 8)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuiwu.db import Base
from shuiwu.models._types import UTCDateTime, str_enum, utcnow


class JobStatus(enum.StrEnum):
    DRAFT = "draft"  # a saved configuration that has not been run
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ForecastJob(Base):
    """One forecast task: what the user asked for, how far the background run got, its result."""

    __tablename__ = "forecast_jobs"
    __table_args__ = (Index("ix_forecast_jobs_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    saved: Mapped[bool] = mapped_column(Boolean, default=False)  # 保存: listed to reopen
    config: Mapped[dict] = mapped_column(JSON)
    status: Mapped[JobStatus] = mapped_column(
        str_enum(JobStatus, "forecast_job_status"), default=JobStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)  # 0–100
    step: Mapped[str] = mapped_column(String(120), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    logs: Mapped[list[ForecastJobLog]] = relationship(
        back_populates="job", order_by="ForecastJobLog.id", cascade="all, delete-orphan"
    )


class ForecastJobLog(Base):
    """A step of a task, as the page's log shows it."""

    __tablename__ = "forecast_job_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("forecast_jobs.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    level: Mapped[str] = mapped_column(String(8), default="info")
    message: Mapped[str] = mapped_column(Text)

    job: Mapped[ForecastJob] = relationship(back_populates="logs")


class ForecastSnapshot(Base):
    """The latest nightly forecast of one household or district (daily), for quick answers."""

    __tablename__ = "forecast_snapshots"
    __table_args__ = (Index("ix_forecast_snapshots_level_key", "level", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16))  # household | district
    key: Mapped[str] = mapped_column(String(64))  # household id or district name
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    history_end: Mapped[date] = mapped_column(Date)
    model: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict] = mapped_column(JSON)  # dates, yhat, intervals, notes
