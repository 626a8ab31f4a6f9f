"""People who use the platform and what they may do."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuiwu.crypto import Encrypted, EncryptedJSON, blind_index
from shuiwu.db import Base
from shuiwu.models._types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from shuiwu.models.households import Household


class Role(enum.StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    ADMIN = "admin"


class StaffFunction(enum.StrEnum):
    """What a staff member does; least privilege follows from it."""

    CUSTOMER_SERVICE = "customer_service"
    FIELD_REPAIR = "field_repair"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # Personal data encrypted at rest; looked up through the keyed blind indexes beside them.
    email: Mapped[str | None] = mapped_column(Encrypted("users.email"))
    email_bidx: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(Encrypted("users.phone"))
    phone_bidx: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(SmallInteger, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), default=Role.RESIDENT)
    staff_function: Mapped[StaffFunction | None] = mapped_column(
        str_enum(StaffFunction, "staff_function")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[HouseholdMember]] = relationship(
        back_populates="user", foreign_keys="HouseholdMember.user_id"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}>"

    @property
    def is_verified(self) -> bool:
        """Self-registered accounts become usable once a phone or an email is verified."""
        return self.phone_verified_at is not None or self.email_verified_at is not None


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _user_blind_indexes(_mapper, _conn, user: User) -> None:
    user.email_bidx = blind_index("email", user.email)
    user.phone_bidx = blind_index("phone", user.phone)


class BindingStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # disputed: waits for staff approval
    REVOKED = "revoked"


class HouseholdMember(Base):
    """A resident account bound to a household (户号)."""

    __tablename__ = "household_members"
    __table_args__ = (UniqueConstraint("user_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(16), default="owner")
    status: Mapped[BindingStatus] = mapped_column(
        str_enum(BindingStatus, "binding_status"), default=BindingStatus.ACTIVE
    )
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A disputed binding: what the resident said, and the staff member who decided.
    evidence: Mapped[dict[str, Any] | None] = mapped_column(
        EncryptedJSON("household_members.evidence"), default=dict
    )
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    household: Mapped[Household] = relationship(back_populates="members")

