"""The demo city: a small one seeded into a fresh database looks like a real utility's data."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from shuiwu.demo.city import DEMO_ACCOUNTS
from shuiwu.demo.seed import plan_city, seed
from shuiwu.models import (
    Bill,
    BillLine,
    BindingStatus,
    DistrictFlow,
    FaqEntry,
    Household,
    HouseholdMember,
    Meter,
    Payment,
    Reading,
    ReadingStatus,
    Ticket,
    TicketEvent,
    User,
)
from shuiwu.services.accounts import authenticate
from shuiwu.timeutil import LOCAL_TZ
from tests.conftest import DEMO_PASSWORD

TODAY = date(2026, 3, 15)
HOUSEHOLDS = 30


@pytest.fixture
def city(session):
    report = seed(session, households=HOUSEHOLDS, today=TODAY)
    session.commit()
    return report


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_small_city_has_everything_a_demo_needs(session, city):
    assert city.created
    assert city.households == count(session, Household) == HOUSEHOLDS
    assert count(session, Bill) == HOUSEHOLDS * 24
    assert city.readings == count(session, Reading)
    assert count(session, Ticket) >= 6 and count(session, TicketEvent) > count(session, Ticket)
    assert count(session, Payment) > 0
    assert count(session, FaqEntry) >= 15
    assert "30 户" in city.summary()
    assert set(city.as_dict()) >= {
        "households",
        "meters",
        "readings",
        "bills",
        "payments",
        "tickets",
        "users",
        "district_flow_days",
        "created",
    }
    addresses = session.scalars(select(Household.address)).all()
    assert all(a.startswith("清河市") and "单元" in a and a.endswith("室") for a in addresses)
    assert len(set(session.scalars(select(Household.account_no)))) == HOUSEHOLDS


def test_every_household_has_two_years_of_daily_readings_up_to_yesterday(session, city):
    per_household = dict(
        session.execute(
            select(Meter.household_id, func.count(Reading.id))
            .join(Reading, Reading.meter_id == Meter.id)
            .group_by(Meter.household_id)
        ).all()
    )
    assert len(per_household) == HOUSEHOLDS
    # about 760 days (24 whole months plus this month so far); real remote-meter gaps are kept
    assert all(600 <= n <= 800 for n in per_household.values()), per_household
    last = session.scalar(select(func.max(Reading.read_at)))
    assert last.astimezone(LOCAL_TZ).date() == TODAY - timedelta(days=1)


def test_registers_only_go_up_except_a_real_rollover_or_a_meter_change(session, city):
    meters = {m.id: m for m in session.scalars(select(Meter))}
    rows = session.execute(
        select(Reading.meter_id, Reading.value, Reading.status).order_by(
            Reading.meter_id, Reading.read_at
        )
    ).all()
    previous: dict[int, Decimal] = {}
    rollovers = 0
    held = defaultdict(int)
    for meter_id, value, status in rows:
        if status != ReadingStatus.ACCEPTED:
            held[status] += 1
            continue
        before = previous.get(meter_id)
        if before is not None and value < before:
            wrap = meters[meter_id].rollover_at
            assert before > wrap * Decimal("0.95") and value < wrap * Decimal("0.05"), (
                meter_id,
                before,
                value,
            )
            rollovers += 1
        previous[meter_id] = value
    assert rollovers >= 1  # the demo family's old 4-digit meter passes 9999.999
    assert held[ReadingStatus.PENDING_REVIEW] > 0  # the source meters' real glitches stay visible
    replaced = session.scalars(select(Meter).where(Meter.removed_on.is_not(None))).all()
    assert replaced
    for old in replaced:
        assert old.final_value is not None
        successor = session.scalar(
            select(Meter).where(
                Meter.household_id == old.household_id, Meter.installed_on == old.removed_on
            )
        )
        assert successor is not None and successor.removed_on is None


def test_bill_lines_add_up_and_statuses_are_a_realistic_mix(session, city):
    lines = dict(
        session.execute(
            select(BillLine.bill_id, func.sum(BillLine.amount)).group_by(BillLine.bill_id)
        ).all()
    )
    bills = session.scalars(select(Bill)).all()
    for bill in bills:
        assert Decimal(lines.get(bill.id, 0)).quantize(Decimal("0.01")) == bill.amount
    statuses = {b.status.value for b in bills}
    assert "paid" in statuses and statuses & {"unpaid", "overdue"}
    paid = {b.id for b in bills if b.status.value == "paid" and b.amount > 0}
    paid_bills = set(session.scalars(select(Payment.bill_id).where(Payment.status == "succeeded")))
    assert paid <= paid_bills
    inflow = session.scalar(select(func.sum(DistrictFlow.volume_m3)))
    gaps = session.scalar(select(func.count()).where(DistrictFlow.volume_m3.is_(None)))
    billed = session.scalar(select(func.sum(Bill.usage_m3)))
    assert gaps > 0  # the bulk meters' real gaps are kept as gaps
    assert 1.05 < float(inflow) / float(billed) < 1.6


def test_demo_accounts_log_in_and_the_family_sees_two_households(session, city):
    for account in DEMO_ACCOUNTS:
        assert account.password == DEMO_PASSWORD
        user = authenticate(session, account.username, account.password)
        assert user.role.value == account.role
    family = session.scalar(select(User).where(User.username == "demo_family"))
    bound = session.scalars(
        select(HouseholdMember).where(
            HouseholdMember.user_id == family.id, HouseholdMember.status == BindingStatus.ACTIVE
        )
    ).all()
    assert len(bound) == 2


def test_seed_is_idempotent(session, city):
    before = city.as_dict()
    again = seed(session, households=HOUSEHOLDS, today=TODAY)
    session.commit()
    assert again.created is False
    assert "已有数据" in again.summary()
    after = again.as_dict()
    for key in ("households", "meters", "readings", "bills", "payments", "tickets", "users"):
        assert after[key] == before[key], key
    assert count(session, User) == before["users"]


def test_same_seed_gives_the_same_city(session, city):
    first = [h.account_no for h in plan_city(HOUSEHOLDS, TODAY)]
    assert first == [h.account_no for h in plan_city(HOUSEHOLDS, TODAY)]
    assert first != [h.account_no for h in plan_city(HOUSEHOLDS, TODAY, random_seed=7)]
    stored = session.scalars(select(Household.account_no).order_by(Household.id)).all()
    assert stored == first
