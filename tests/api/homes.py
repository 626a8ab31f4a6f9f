"""Households with a meter, readings and bills, for the binding and cross-tenant tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from shuiwu.models import (
    Bill,
    BillStatus,
    Household,
    HouseholdMember,
    Meter,
    Reading,
    ReadingSource,
)


def make_home(
    session,
    account_no: str,
    *,
    owner=None,
    holder_name: str = "王建国",
    serial_no: str | None = None,
    bills: tuple[tuple[int | date, str, BillStatus], ...] = (
        (9, "71.30", BillStatus.PAID),
        (10, "86.72", BillStatus.UNPAID),
    ),
) -> Household:
    """A household in 2026 with one meter, two readings and a bill per (month of 2026 or the
    period's first day, amount, status)."""
    h = Household(
        account_no=account_no, holder_name=holder_name, address=f"清河市东湖区滨江路{account_no[-2:]}号",
        district="东湖区", community="锦绣花园", phone="13900001111",
    )
    session.add(h)
    session.flush()
    meter = Meter(household_id=h.id, serial_no=serial_no or f"QH{account_no}", installed_on=date(2024, 1, 1))
    session.add(meter)
    session.flush()
    session.add_all([
        Reading(meter_id=meter.id, value=Decimal("100.000"), source=ReadingSource.REMOTE,
                read_at=datetime(2026, 10, 1, tzinfo=UTC)),
        Reading(meter_id=meter.id, value=Decimal("115.250"), source=ReadingSource.REMOTE,
                read_at=datetime(2026, 11, 1, tzinfo=UTC)),
    ])
    for period, amount, status in bills:
        start = period if isinstance(period, date) else date(2026, period, 1)
        following = date(start.year + start.month // 12, start.month % 12 + 1, 28)
        session.add(Bill(household_id=h.id, period_start=start,
                         period_end=start.replace(day=28), usage_m3=Decimal("15.000"),
                         amount=Decimal(amount), due_date=following, status=status))
    if owner is not None:
        session.add(HouseholdMember(user_id=owner.id, household_id=h.id))
    session.commit()
    return h
