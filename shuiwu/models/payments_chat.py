"""Online payment orders at the gateways, and human handoff of chat conversations."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuiwu.db import Base
from shuiwu.models._types import UTCDateTime, str_enum, utcnow
from shuiwu.models.billing import Payment


class PaymentOrder(Base):
    """The order a payment placed at a gateway: our order number and where the payer pays."""

    __tablename__ = "payment_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("payments.id", ondelete="CASCADE"), unique=True
    )
    out_trade_no: Mapped[str] = mapped_column(String(32), unique=True)
    gateway: Mapped[str] = mapped_column(String(16))  # wechatpay | alipay
    pay_url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payment: Mapped[Payment] = relationship()


class HandoffStatus(enum.StrEnum):
    WAITING = "waiting"  # in the queue
    ACTIVE = "active"  # a staff member has accepted it
    CLOSED = "closed"


class HandoffRequest(Base):
    """A chat conversation handed from the assistant to a person."""

    __tablename__ = "handoff_requests"
    __table_args__ = (Index("ix_handoff_requests_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)  # Rasa conversation id
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[HandoffStatus] = mapped_column(
        str_enum(HandoffStatus, "handoff_status"), default=HandoffStatus.WAITING
    )
    after_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last turns before the request, as [{"role": "user"|"bot", "text", "at"}]
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    messages: Mapped[list[HandoffMessage]] = relationship(
        back_populates="handoff", order_by="HandoffMessage.id", cascade="all, delete-orphan"
    )


class HandoffMessage(Base):
    """What staff say to the resident; relayed into the conversation by the assistant."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(
        ForeignKey("handoff_requests.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    handoff: Mapped[HandoffRequest] = relationship(back_populates="messages")
