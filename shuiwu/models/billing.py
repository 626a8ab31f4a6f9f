"""Tiered residential tariffs (阶梯水价), bills with their itemised lines, and payments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuiwu.crypto import Encrypted, blind_index
from shuiwu.db import Base
from shuiwu.models._types import MONEY, PRICE, VOLUME, UTCDateTime, str_enum, utcnow
from shuiwu.models.households import Household


class Tariff(Base):
    """A price schedule in force from `effective_from` until the next version of the same class.

    Tiers are on cumulative use within a calendar year; the water-resource fee and the
    sewage charge are per m³ on top of the tier's base price and are itemised on the bill.
    """

    __tablename__ = "tariffs"
    __table_args__ = (UniqueConstraint("tariff_class", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_class: Mapped[str] = mapped_column(String(16), default="residential")
    name: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[date] = mapped_column(Date)
    water_resource_fee: Mapped[Decimal] = mapped_column(PRICE)  # 水资源费 ¥/m³
    sewage_fee: Mapped[Decimal] = mapped_column(PRICE)  # 污水处理费 ¥/m³
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tiers: Mapped[list[TariffTier]] = relationship(
        back_populates="tariff", order_by="TariffTier.tier_no", cascade="all, delete-orphan"
    )


class TariffTier(Base):
    __tablename__ = "tariff_tiers"
    __table_args__ = (UniqueConstraint("tariff_id", "tier_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariffs.id", ondelete="CASCADE"))
    tier_no: Mapped[int] = mapped_column(SmallInteger)
    # Upper bound of annual cumulative use for this tier (m³); None = unbounded last tier.
    upper_m3: Mapped[Decimal | None] = mapped_column(VOLUME)
    base_price: Mapped[Decimal] = mapped_column(PRICE)  # 基本水价 ¥/m³

    tariff: Mapped[Tariff] = relationship(back_populates="tiers")


class BillStatus(enum.StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


class Bill(Base):
    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("household_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    usage_m3: Mapped[Decimal] = mapped_column(VOLUME)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[BillStatus] = mapped_column(
        str_enum(BillStatus, "bill_status"), default=BillStatus.UNPAID
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship()
    lines: Mapped[list[BillLine]] = relationship(
        back_populates="bill", order_by="BillLine.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="bill")


class ChargeKind(enum.StrEnum):
    BASE = "base"  # 基本水费 (per tier)
    WATER_RESOURCE = "water_resource"  # 水资源费
    SEWAGE = "sewage"  # 污水处理费


class BillLine(Base):
    __tablename__ = "bill_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChargeKind] = mapped_column(str_enum(ChargeKind, "charge_kind"))
    tier_no: Mapped[int | None] = mapped_column(SmallInteger)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariffs.id"))
    usage_m3: Mapped[Decimal] = mapped_column(VOLUME)
    unit_price: Mapped[Decimal] = mapped_column(PRICE)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    bill: Mapped[Bill] = relationship(back_populates="lines")


class PaymentMethod(enum.StrEnum):
    WECHAT = "wechat"
    ALIPAY = "alipay"
    BANK_CARD = "bank_card"
    COUNTER = "counter"  # 营业厅


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_household_created", "household_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id", ondelete="SET NULL"))
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING
    )
    # The payment provider's transaction number: encrypted, unique through its blind index.
    provider_ref: Mapped[str | None] = mapped_column(Encrypted("payments.provider_ref"))
    provider_ref_bidx: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    bill: Mapped[Bill | None] = relationship(back_populates="payments")


@event.listens_for(Payment, "before_insert")
@event.listens_for(Payment, "before_update")
def _payment_blind_index(_mapper, _conn, payment: Payment) -> None:
    payment.provider_ref_bidx = blind_index("provider_ref", payment.provider_ref)
