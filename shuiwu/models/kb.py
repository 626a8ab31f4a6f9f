"""Knowledge base as the app stores it: entries with every version kept, residents' ratings, the
staff queue of unanswered and down-voted questions, and the generation counter replicas compare
to know when their search index is behind the database."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuiwu.db import Base
from shuiwu.models._types import UTCDateTime, str_enum, utcnow


class KbKind(enum.StrEnum):
    FAQ = "faq"  # 常见问题
    DOC = "doc"  # 长文档


class KbStatus(enum.StrEnum):
    PUBLISHED = "published"  # 已发布
    RETIRED = "retired"  # 已下线


class QueueReason(enum.StrEnum):
    UNANSWERED = "unanswered"  # 智能客服答不上
    DOWNVOTED = "downvoted"  # 居民点了"没帮助"


class QueueStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class KbEntry(Base):
    """One FAQ entry or document. The current text is copied here from its newest version so
    lists and keyword search need no join; `generation` is the counter value of its last change."""

    __tablename__ = "kb_entries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # slug, e.g. pay-autopay
    kind: Mapped[KbKind] = mapped_column(str_enum(KbKind, "kb_kind"), default=KbKind.FAQ)
    category: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    alt_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner: Mapped[str] = mapped_column(String(64), default="")
    review_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[KbStatus] = mapped_column(str_enum(KbStatus, "kb_status"), default=KbStatus.PUBLISHED)
    version: Mapped[int] = mapped_column(Integer, default=1)
    generation: Mapped[int] = mapped_column(Integer, default=0, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[KbVersion]] = relationship(
        back_populates="entry", order_by="KbVersion.version", cascade="all, delete-orphan"
    )


class KbVersion(Base):
    """A full snapshot of an entry as saved once; never changed afterwards."""

    __tablename__ = "kb_versions"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("kb_entries.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[KbKind] = mapped_column(str_enum(KbKind, "kb_version_kind"))
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    alt_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner: Mapped[str] = mapped_column(String(64), default="")
    review_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[KbStatus] = mapped_column(str_enum(KbStatus, "kb_version_status"))
    note: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[KbEntry] = relationship(back_populates="versions")


class KbFeedback(Base):
    """有帮助/没帮助 on an entry, with the question the resident had asked (if any)."""

    __tablename__ = "kb_feedback"
    __table_args__ = (Index("ix_kb_feedback_entry_created", "entry_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("kb_entries.id", ondelete="CASCADE"))
    helpful: Mapped[bool] = mapped_column(Boolean)
    question: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbQueueItem(Base):
    """A question the knowledge base did not answer well, waiting for staff to write an entry.
    The same open question asked again counts up instead of adding a row."""

    __tablename__ = "kb_queue"
    __table_args__ = (Index("ix_kb_queue_status_updated", "status", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    reason: Mapped[QueueReason] = mapped_column(str_enum(QueueReason, "kb_queue_reason"))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    entry_id: Mapped[str | None] = mapped_column(ForeignKey("kb_entries.id", ondelete="SET NULL"))
    times: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[QueueStatus] = mapped_column(
        str_enum(QueueStatus, "kb_queue_status"), default=QueueStatus.OPEN
    )
    resolved_entry_id: Mapped[str | None] = mapped_column(
        ForeignKey("kb_entries.id", ondelete="SET NULL")
    )
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KbState(Base):
    """One row: the generation counter, bumped by every change to the entries."""

    __tablename__ = "kb_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
