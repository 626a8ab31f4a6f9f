"""Login sessions and their refresh tokens, one-time codes, and messages sent out."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuiwu.crypto import Encrypted
from shuiwu.db import Base
from shuiwu.models._types import UTCDateTime, str_enum, utcnow


class AuthSession(Base):
    """One login on one device: the family of refresh tokens that descend from it.

    Access tokens carry the session id, so revoking the session (logout, "not me", a reused
    refresh token, a password reset) ends it everywhere at once.
    """

    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_user_created", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, also the JWT `sid`
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    method: Mapped[str] = mapped_column(String(16))  # password | sms_code
    device: Mapped[str] = mapped_column(String(128), default="")  # e.g. "Chrome · Windows"
    device_id: Mapped[str | None] = mapped_column(String(64))  # the browser's own random id
    ip: Mapped[str | None] = mapped_column(Encrypted("auth_sessions.ip"))
    network: Mapped[str] = mapped_column(String(64), default="")  # keyed hash of the IP's /16
    place: Mapped[str] = mapped_column(String(64), default="")  # what the resident is shown
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(32))

    tokens: Mapped[list[RefreshToken]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )


class RefreshToken(Base):
    """Only the SHA-256 of a refresh token is stored; each is good for one rotation."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[AuthSession] = relationship(back_populates="tokens")


class CodePurpose(enum.StrEnum):
    REGISTER = "register"  # verify the phone or email of a new account
    LOGIN = "login"  # phone + SMS code login
    RESET = "reset"  # forgotten password
    CHANGE_CONTACT = "change_contact"  # verify a new phone or email in settings


class VerificationCode(Base):
    """A 6-digit code sent to a phone or an email: single use, 5 minutes, 5 tries.

    The destination is kept as its blind index and the code as a keyed hash, so the table
    reveals neither.
    """

    __tablename__ = "verification_codes"
    __table_args__ = (Index("ix_verification_codes_target", "target_bidx", "purpose", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[CodePurpose] = mapped_column(str_enum(CodePurpose, "code_purpose"))
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    target_bidx: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the code confirms, e.g. a pending registration (JSON), encrypted like any personal data.
    payload: Mapped[str | None] = mapped_column(Encrypted("verification_codes.payload"))


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # accepted by Twilio / the SMTP server
    LOCAL = "local"  # no carrier configured: kept here for development
    FAILED = "failed"


class OutboxMessage(Base):
    """Every SMS and email the platform sends, and what became of it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    recipient: Mapped[str] = mapped_column(Encrypted("outbox_messages.recipient"))
    template: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(128), default="")
    body: Mapped[str] = mapped_column(Encrypted("outbox_messages.body"))  # may hold a code
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.QUEUED
    )
    provider_ref: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
