"""People who use the platform and what they may do."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), default=Role.RESIDENT)
    staff_function: Mapped[StaffFunction | None] = mapped_column(
        str_enum(StaffFunction, "staff_function")
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[HouseholdMember]] = relationship(back_populates="user")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}>"


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

    user: Mapped[User] = relationship(back_populates="memberships")
    household: Mapped[Household] = relationship(back_populates="members")

