"""Households (户号), their meters and the readings taken from them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuiwu.crypto import Encrypted
from shuiwu.db import Base
from shuiwu.models._types import VOLUME, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from shuiwu.models.accounts import HouseholdMember, User


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_no: Mapped[str] = mapped_column(String(20), unique=True)  # 户号
    # Personal data, encrypted at rest. District and community stay clear for statistics.
    holder_name: Mapped[str] = mapped_column(Encrypted("households.holder_name"))  # 户主
    address: Mapped[str] = mapped_column(Encrypted("households.address"))
    district: Mapped[str] = mapped_column(String(32), index=True)
    community: Mapped[str] = mapped_column(String(64), default="")
    phone: Mapped[str | None] = mapped_column(Encrypted("households.phone"))
    persons: Mapped[int] = mapped_column(SmallInteger, default=3)
    tariff_class: Mapped[str] = mapped_column(String(16), default="residential")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[HouseholdMember]] = relationship(back_populates="household")
    meters: Mapped[list[Meter]] = relationship(
        back_populates="household", order_by="Meter.installed_on"
    )

    @property
    def active_meter(self) -> Meter | None:
        active = [m for m in self.meters if m.removed_on is None]
        return active[-1] if active else None


class Meter(Base):
    """A physical meter. A replacement is a new row; the old one gets `removed_on`."""

    __tablename__ = "meters"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    serial_no: Mapped[str] = mapped_column(String(32), unique=True)  # 表号
    caliber_mm: Mapped[int] = mapped_column(SmallInteger, default=15)  # 口径
    digits: Mapped[int] = mapped_column(SmallInteger, default=5)  # integer wheels
    decimals: Mapped[int] = mapped_column(SmallInteger, default=3)
    installed_on: Mapped[date] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    initial_value: Mapped[Decimal] = mapped_column(VOLUME, default=Decimal(0))
    final_value: Mapped[Decimal | None] = mapped_column(VOLUME)  # register when removed

    household: Mapped[Household] = relationship(back_populates="meters")

    @property
    def rollover_at(self) -> Decimal:
        """The register wraps to zero at 10^digits m³ (9999.999 → 0000.000 for 4 digits)."""
        return Decimal(10) ** self.digits


class ReadingSource(enum.StrEnum):
    MANUAL = "manual"
    PHOTO = "photo"
    REMOTE = "remote"


class ReadingStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"


class Reading(Base):
    __tablename__ = "readings"
    __table_args__ = (Index("ix_readings_meter_time", "meter_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"))
    value: Mapped[Decimal] = mapped_column(VOLUME)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[ReadingSource] = mapped_column(str_enum(ReadingSource, "reading_source"))
    status: Mapped[ReadingStatus] = mapped_column(
        str_enum(ReadingStatus, "reading_status"), default=ReadingStatus.ACCEPTED
    )
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meter: Mapped[Meter] = relationship()
    confirmed_by: Mapped[User | None] = relationship()


class DistrictFlow(Base):
    """Daily inflow into a district metered area (from the bulk meters), m³."""

    __tablename__ = "district_flows"

    id: Mapped[int] = mapped_column(primary_key=True)
    district: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    volume_m3: Mapped[Decimal | None] = mapped_column(VOLUME)  # None: bulk meter gap
    hours_observed: Mapped[int] = mapped_column(Integer, default=24)

    __table_args__ = (Index("ix_district_flows_district_day", "district", "day", unique=True),)
