"""Issuing bills from stored readings: what staff and residents see, on a real database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from shuiwu.billing import bills
from shuiwu.billing.tariffs import ensure_default_tariffs
from shuiwu.billing.usage import local_midnight
from shuiwu.errors import Conflict, Forbidden, InvalidInput, NotFound
from shuiwu.models import (
    AuditEntry,
    BillStatus,
    Household,
    HouseholdMember,
    Meter,
    Reading,
    ReadingSource,
    ReadingStatus,
    StaffFunction,
)
from tests.conftest import login

D = Decimal
TODAY = date(2025, 4, 10)


def read_at(day: date) -> datetime:
    return local_midnight(day) + timedelta(hours=23)


@pytest.fixture
def home(session, make_user):
    """A family whose old 4-digit meter wraps past 9999 in February and is replaced on 15 March.

    Remote readings at 23:00. The old meter reads 9950 on 31 Dec and gains 1 m³ a day, so it
    passes 9999 → 0000 on 19 February; it is taken off at midnight after its 14 March reading
    and the new one, starting at 0, gains 0.5 m³ a day. One misread photo was rejected.
    """
    ensure_default_tariffs(session)
    owner = make_user("resident")
    h = Household(account_no="0101000042", holder_name="王建国", address="清河市东湖区柳岸路8号1单元302室",
                  district="东湖区", community="柳岸小区")
    session.add(h)
    session.flush()
    old = Meter(household_id=h.id, serial_no="QH17000042", digits=4, decimals=3,
                installed_on=date(2017, 6, 1), removed_on=date(2025, 3, 15))
    new = Meter(household_id=h.id, serial_no="QH25000042", digits=5, decimals=3,
                installed_on=date(2025, 3, 15), initial_value=D(0))
    session.add_all([old, new])
    session.flush()
    day, value = date(2024, 12, 31), D("9950.000")
    while day < date(2025, 3, 15):
        session.add(Reading(meter_id=old.id, value=value % 10000, read_at=read_at(day),
                            source=ReadingSource.REMOTE))
        day += timedelta(days=1)
        value += 1
    old.final_value = (value - 1) % 10000  # its register when taken off: 0023.000
    session.add(Reading(meter_id=old.id, value=D("1234.000"), read_at=read_at(date(2025, 2, 10)) + timedelta(hours=1),
                        source=ReadingSource.PHOTO, status=ReadingStatus.REJECTED))
    new_value = D(0)
    while day < TODAY:
        new_value += D("0.5")
        session.add(Reading(meter_id=new.id, value=new_value, read_at=read_at(day),
                            source=ReadingSource.REMOTE))
        day += timedelta(days=1)
    session.add(HouseholdMember(user_id=owner.id, household_id=h.id))
    session.commit()
    return owner, h


def test_february_bill_counts_the_rollover_and_ignores_the_rejected_misread(session, make_user, home):
    _, h = home
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    jan = bills.issue_bill(session, clerk, h.id, date(2025, 1, 1), today=TODAY)
    feb = bills.issue_bill(session, clerk, h.id, date(2025, 2, 1), today=TODAY)
    session.commit()
    assert jan.usage_m3 == D(31) and feb.usage_m3 == D(28)  # 9981 → (wrap) → 0009
    assert feb.due_date == date(2025, 3, 31)
    assert sum(line.amount for line in feb.lines) == feb.amount
    # 59 m³ this year: all at tier 1 of the 2021 tariff (2.05 + 0.40 + 0.95 = 3.40 ¥/m³).
    assert feb.amount == D("95.20") and jan.amount == D("105.40")
    assert {(line.kind.value, line.tier_no) for line in feb.lines} == {
        ("base", 1), ("water_resource", None), ("sewage", None)}
    logged = session.scalars(select(AuditEntry).where(AuditEntry.action == "bill.issue")).all()
    assert [(e.actor_id, e.detail["period"]) for e in logged] == [(clerk.id, "2025-01"), (clerk.id, "2025-02")]


def test_march_bill_spans_the_meter_replacement(session, make_user, home):
    _, h = home
    admin = make_user("admin")
    march = bills.issue_bill(session, admin, h.id, date(2025, 3, 1), today=TODAY)
    # 1–14 March on the old meter (1 m³ a day), 15–31 on the new one (0.5 m³ a day).
    assert march.usage_m3 == D("14") + D("8.5")


def test_tiers_follow_what_was_billed_earlier_in_the_year(session, make_user, home):
    _, h = home
    admin = make_user("admin")
    # Pretend January had used most of tier 1 (a big leak was billed).
    jan = bills.issue_bill(session, admin, h.id, date(2025, 1, 1), today=TODAY)
    jan.usage_m3 = D(170)
    session.flush()
    feb = bills.issue_bill(session, admin, h.id, date(2025, 2, 1), today=TODAY)
    tiers = {line.tier_no: line.usage_m3 for line in feb.lines if line.kind.value == "base"}
    assert tiers == {1: D(10), 2: D(18)}


def test_who_may_issue_and_what_is_refused(session, make_user, home):
    owner, h = home
    field = make_user("staff", staff_function=StaffFunction.FIELD_REPAIR)
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    with pytest.raises(Forbidden):
        bills.issue_bill(session, owner, h.id, date(2025, 1, 1), today=TODAY)
    with pytest.raises(Forbidden):
        bills.issue_bill(session, field, h.id, date(2025, 1, 1), today=TODAY)
    with pytest.raises(InvalidInput, match="账期尚未结束"):
        bills.issue_bill(session, clerk, h.id, date(2025, 4, 1), today=TODAY)
    bills.issue_bill(session, clerk, h.id, date(2025, 1, 1), today=TODAY)
    with pytest.raises(Conflict, match="已出具"):
        bills.issue_bill(session, clerk, h.id, date(2025, 1, 1), today=TODAY)


def test_resident_sees_this_months_preview_and_what_is_owed(session, make_user, home):
    owner, h = home
    admin = make_user("admin")
    for month in (1, 2, 3):
        bills.issue_bill(session, admin, h.id, date(2025, month, 1), today=TODAY)
    session.commit()
    preview = bills.preview(session, owner, h.id, today=TODAY)
    assert (preview.start, preview.end) == (date(2025, 4, 1), date(2025, 4, 9))
    assert preview.usage_m3 == D("4.5")
    assert preview.ytd_before_m3 == D("81.5")
    # March: 22.5 m³ × 2.05 = 46.13, resource fee 9.00, sewage 21.38 (rounded per line).
    assert bills.amount_due(session, owner, h.id) == D("105.40") + D("95.20") + D("76.51")
    stranger = make_user("resident")
    with pytest.raises(NotFound):
        bills.preview(session, stranger, h.id, today=TODAY)
    with pytest.raises(NotFound):
        bills.amount_due(session, stranger, h.id)


def test_bills_over_the_api(client, session, make_user, home):
    owner, h = home
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    resident = login(client, owner.username)
    # Residents cannot issue bills, not even for their own household.
    refused = client.post(f"/api/v1/households/{h.id}/bills", json={"month": "2025-01"}, headers=resident)
    assert refused.status_code == 403 and refused.json()["error"]["message"] == "无权出具账单"
    staff = login(client, clerk.username)
    bad = client.post(f"/api/v1/households/{h.id}/bills", json={"month": "2025-13"}, headers=staff)
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == [{"field": "month", "message": "格式不正确"}]
    made = client.post(f"/api/v1/households/{h.id}/bills", json={"month": "2025-02"}, headers=staff)
    assert made.status_code == 201, made.text
    assert D(made.json()["usage_m3"]) == D(28) and D(made.json()["amount"]) == D("95.20")
    again = client.post(f"/api/v1/households/{h.id}/bills", json={"month": "2025-02"}, headers=staff)
    assert again.status_code == 409 and "已出具" in again.json()["error"]["message"]

    listed = client.get(f"/api/v1/households/{h.id}/bills", headers=resident).json()
    assert [(b["period_start"], b["status"]) for b in listed] == [("2025-02-01", BillStatus.UNPAID.value)]
    r = client.get(f"/api/v1/households/{h.id}/bills/preview", headers=resident)
    assert r.status_code == 200, r.text
    body = r.json()
    assert D(body["amount"]) == sum((D(line["amount"]) for line in body["lines"]), D(0))
    assert D(body["amount_due"]) == D("95.20")
    stranger = login(client, make_user("resident").username)
    assert client.get(f"/api/v1/households/{h.id}/bills/preview", headers=stranger).status_code == 404
