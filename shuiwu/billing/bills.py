"""Bills from meter readings: the running month's preview for a resident, issuing a month's bill
for staff, and what a household still owes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuiwu.billing.pricing import Charge, price_usage, total
from shuiwu.billing.tariffs import tariff_specs
from shuiwu.billing.usage import period_usage
from shuiwu.errors import Conflict, Forbidden, InvalidInput
from shuiwu.models import (
    Bill,
    BillLine,
    BillStatus,
    ChargeKind,
    Household,
    Role,
    StaffFunction,
    User,
)
from shuiwu.services import audit
from shuiwu.services.households import get_household

ZERO = Decimal(0)
M3 = Decimal("0.001")
OPEN = (BillStatus.UNPAID, BillStatus.OVERDUE)


@dataclass(frozen=True)
class PricedPeriod:
    household_id: int
    start: date
    end: date
    usage_m3: Decimal
    ytd_before_m3: Decimal
    charges: list[Charge]

    @property
    def amount(self) -> Decimal:
        return total(self.charges)


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following - timedelta(days=1)


def due_date(period_end: date) -> date:
    """Payable until the last day of the month after the period (the FAQ says so too)."""
    _, end = month_bounds(period_end + timedelta(days=1))
    return end


def billed_this_year(session: Session, household_id: int, before: date) -> Decimal:
    """Volume already billed this calendar year before `before`: where the tiers stand."""
    used = session.scalar(
        select(func.sum(Bill.usage_m3)).where(
            Bill.household_id == household_id,
            Bill.status != BillStatus.CANCELLED,
            Bill.period_start >= date(before.year, 1, 1),
            Bill.period_end < before,
        )
    )
    return Decimal(used or 0)


def price_period(session: Session, household: Household, start: date, end: date) -> PricedPeriod:
    if end < start:
        raise InvalidInput("账期结束日期不能早于开始日期", field="period_end")
    days = period_usage(session, household.id, start, end)
    ytd = billed_this_year(session, household.id, start)
    charges = price_usage(days, tariff_specs(session, household.tariff_class), ytd)
    used = sum((v for _, v in days), ZERO).quantize(M3)
    return PricedPeriod(household.id, start, end, used, ytd, charges)


def preview(session: Session, actor: User, household_id: int, *, today: date) -> PricedPeriod:
    """This month so far (to yesterday, whose reading is the latest complete day)."""
    household = get_household(session, actor, household_id)
    start, _ = month_bounds(today)
    end = today - timedelta(days=1)
    if end < start:  # the 1st: nothing measured yet this month
        end = start - timedelta(days=1)
        return PricedPeriod(household.id, start, end, ZERO, billed_this_year(session, household.id, start), [])
    return price_period(session, household, start, end)


def _may_issue(actor: User) -> bool:
    return actor.role is Role.ADMIN or (
        actor.role is Role.STAFF and actor.staff_function is StaffFunction.CUSTOMER_SERVICE
    )


def issue_bill(
    session: Session, actor: User, household_id: int, month: date, *, today: date
) -> Bill:
    """Issue the bill for a whole past month from the readings. Customer service or admin only."""
    if not _may_issue(actor):
        raise Forbidden("无权出具账单")
    household = get_household(session, actor, household_id)
    start, end = month_bounds(month)
    if end >= today:
        raise InvalidInput("账期尚未结束，不能出账", field="month")
    exists = session.scalar(
        select(Bill.id).where(Bill.household_id == household.id, Bill.period_start == start)
    )
    if exists is not None:
        raise Conflict(f"户号 {household.account_no} 的 {start:%Y年%m月} 账单已出具")
    priced = price_period(session, household, start, end)
    bill = Bill(
        household_id=household.id,
        period_start=start,
        period_end=end,
        usage_m3=priced.usage_m3,
        amount=priced.amount,
        due_date=due_date(end),
        status=BillStatus.PAID if priced.amount == 0 else BillStatus.UNPAID,
    )
    bill.lines = [
        BillLine(
            kind=ChargeKind(c.kind),
            tier_no=c.tier_no,
            tariff_id=c.tariff_id,
            usage_m3=c.usage_m3.quantize(M3),
            unit_price=c.unit_price,
            amount=c.amount,
        )
        for c in priced.charges
    ]
    session.add(bill)
    session.flush()
    audit.record(
        session, actor, "bill.issue", "bill", bill.id,
        household_id=household.id, period=f"{start:%Y-%m}", amount=str(bill.amount),
    )
    return bill


def amount_due(session: Session, actor: User, household_id: int) -> Decimal:
    """What the household still owes: its unpaid and overdue bills."""
    household = get_household(session, actor, household_id)
    owed = session.scalar(
        select(func.sum(Bill.amount)).where(Bill.household_id == household.id, Bill.status.in_(OPEN))
    )
    return Decimal(owed or 0).quantize(Decimal("0.01"))
