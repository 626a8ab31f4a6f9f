"""Request and response bodies of the public API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=254, description="用户名、手机号或邮箱")
    password: str = Field(min_length=1, max_length=128)
    remember: bool = Field(False, description="记住我：长期有效的刷新令牌")
    device_id: str | None = Field(None, max_length=64, description="浏览器自己生成的随机设备号")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    staff_function: str | None = None  # customer_service | field_repair, for staff


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserOut
    session_id: str | None = None


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


# --- Household bindings, user administration, notifications -----------------------------


class BindHouseholdIn(BaseModel):
    account_no: str = Field(min_length=1, max_length=20, description="户号")
    holder_name: str = Field(min_length=1, max_length=64, description="户主姓名")
    last_bill_amount: Decimal | None = Field(
        None, ge=0, description="最近一期账单金额（元），如 \"86.72\""
    )
    meter_serial: str | None = Field(None, max_length=32, description="水表编号（表号）")


class BindingDisputeIn(BaseModel):
    account_no: str = Field(min_length=1, max_length=20, description="户号")
    holder_name: str = Field(min_length=1, max_length=64, description="户主姓名")
    note: str = Field(min_length=1, max_length=500, description="情况说明，如房屋过户")
    contact_phone: str | None = Field(
        None, pattern=r"^[0-9+\- ]{7,20}$", description="联系电话（手机或座机）"
    )


class MessageOut(BaseModel):
    message: str


class RequesterOut(BaseModel):
    id: int
    username: str
    phone: str | None = Field(description="脱敏手机号")


class PendingBindingOut(BaseModel):
    id: int
    household_id: int
    account_no: str
    address: str
    holder_name: str = Field(description="脱敏户主姓名")
    requested_by: RequesterOut
    evidence: dict
    note: str | None
    requested_at: datetime


class BindingReviewIn(BaseModel):
    note: str | None = Field(None, max_length=500, description="审核说明（驳回时必填）")


class BindingOut(BaseModel):
    id: int
    household_id: int
    status: str
    relation: str
    reviewed_at: datetime | None


class AdminUserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    staff_function: str | None
    is_active: bool
    phone: str | None = Field(description="脱敏手机号，如 138****8000")
    email: str | None = Field(description="脱敏邮箱，如 l***@example.cn")
    created_at: datetime
    last_login_at: datetime | None


class AdminUserCreateIn(BaseModel):
    username: str = Field(min_length=1, max_length=32)
    password: str = Field(min_length=1, max_length=128)
    role: Literal["resident", "staff", "admin"]
    staff_function: Literal["customer_service", "field_repair"] | None = None
    display_name: str = Field("", max_length=64)
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)


class AdminUserPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["resident", "staff", "admin"] | None = None
    staff_function: Literal["customer_service", "field_repair"] | None = None
    is_active: bool | None = None
    display_name: str | None = Field(None, min_length=1, max_length=64)


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


# -- accounts and sessions (issue 4) ----------------------------------------------------------

Channel = Literal["sms", "email"]
Code = Field(min_length=1, max_length=12, description="6 位验证码")


class MeOut(UserOut):
    phone_masked: str | None = None
    email_masked: str | None = None
    phone_verified: bool = False
    email_verified: bool = False


class RegisterIn(BaseModel):
    username: str = Field(min_length=1, max_length=32)
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    password: str = Field(min_length=1, max_length=128)
    password_confirm: str = Field(min_length=1, max_length=128)
    verify_via: Channel
    display_name: str | None = Field(None, max_length=64)


class RegisterOut(BaseModel):
    message: str
    channel: Channel
    target_masked: str


class RegisterVerifyIn(BaseModel):
    target: str = Field(min_length=1, max_length=254, description="接收验证码的手机号或邮箱")
    code: str = Code
    username: str | None = Field(None, max_length=32, description="用户名被占用时换一个")


class SmsSendIn(BaseModel):
    phone: str = Field(min_length=1, max_length=20)


class SmsLoginIn(BaseModel):
    phone: str = Field(min_length=1, max_length=20)
    code: str = Code
    remember: bool = False
    device_id: str | None = Field(None, max_length=64)


class RefreshIn(BaseModel):
    refresh_token: str | None = Field(None, max_length=256, description="非浏览器客户端使用")


class SessionOut(BaseModel):
    id: str
    device: str
    place: str
    created_at: datetime
    last_seen_at: datetime
    current: bool
    remember: bool


class ForgotIn(BaseModel):
    login: str = Field(min_length=1, max_length=254, description="手机号或邮箱")


class ResetIn(BaseModel):
    login: str = Field(min_length=1, max_length=254)
    code: str = Code
    password: str = Field(min_length=1, max_length=128)
    password_confirm: str = Field(min_length=1, max_length=128)


class PasswordChangeIn(BaseModel):
    old_password: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=128)
    password_confirm: str = Field(min_length=1, max_length=128)


class ContactCodeIn(BaseModel):
    channel: Channel
    target: str = Field(min_length=1, max_length=254)


class ContactChangeIn(BaseModel):
    channel: Channel
    target: str = Field(min_length=1, max_length=254)
    code: str = Code


class ContactChangeOut(BaseModel):
    user: MeOut


class NotMeIn(BaseModel):
    token: str = Field(min_length=1, max_length=2048)


class OutboxMessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    recipient: str
    template: str
    subject: str
    body: str
    user_id: int | None
    status: str
    provider_ref: str | None
    error: str | None
    created_at: datetime
    sent_at: datetime | None
