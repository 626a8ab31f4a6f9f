"""Request and response bodies of the public API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=254, description="用户名、手机号或邮箱")
    password: str = Field(min_length=1, max_length=128)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserOut


class MeterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    serial_no: str
    caliber_mm: int
    digits: int
    decimals: int
    installed_on: date


class ReadingOut(BaseModel):
    value: Decimal
    read_at: datetime
    source: str


class HouseholdOut(BaseModel):
    id: int
    account_no: str
    address: str
    district: str
    holder_name: str
    meter: MeterOut | None
    last_reading: ReadingOut | None


class BillLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    tier_no: int | None
    usage_m3: Decimal
    unit_price: Decimal
    amount: Decimal


class BillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    period_start: date
    period_end: date
    usage_m3: Decimal
    amount: Decimal
    due_date: date
    status: str
    lines: list[BillLineOut]


class DistrictSummaryOut(BaseModel):
    district: str
    households: int
    usage_m3_30d: Decimal


class UsagePointOut(BaseModel):
    period: str = Field(description="日 2026-11-03 / 月 2026-11 / 年 2026")
    usage_m3: Decimal


class UsageOut(BaseModel):
    household_id: int
    granularity: str
    unit: str = "m³"
    start: date
    end: date
    total_m3: Decimal
    points: list[UsagePointOut]


class BillPreviewOut(BaseModel):
    """This month so far, priced with the tariff in force, and what is still owed."""

    household_id: int
    period_start: date
    period_end: date
    usage_m3: Decimal
    ytd_before_m3: Decimal = Field(description="本年此前已计费水量，决定所处阶梯")
    amount: Decimal
    lines: list[BillLineOut]
    amount_due: Decimal = Field(description="未缴及逾期账单合计")


class IssueBillIn(BaseModel):
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="账期月份，如 2026-10")
