"""A resident sees only the households bound to them; staff look up by 户号 and are audited."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from shuiwu.models import (
    AuditEntry,
    Bill,
    BillLine,
    ChargeKind,
    DistrictFlow,
    Household,
    HouseholdMember,
    Meter,
    Reading,
    ReadingSource,
    ReadingStatus,
    Tariff,
)
from tests.conftest import login


@pytest.fixture
def household(session):
    def make(account_no: str, owner=None, district: str = "东湖区") -> Household:
        h = Household(
            account_no=account_no, holder_name="王建国", address=f"清河市{district}滨江路8号",
            district=district, community="锦绣花园",
        )
        session.add(h)
        session.flush()
        meter = Meter(household_id=h.id, serial_no=f"M{account_no}", installed_on=date(2024, 1, 1))
        session.add(meter)
        session.flush()
        session.add_all([
            Reading(meter_id=meter.id, value=Decimal("100.000"), source=ReadingSource.REMOTE,
                    read_at=datetime(2026, 10, 1, tzinfo=UTC)),
            Reading(meter_id=meter.id, value=Decimal("115.250"), source=ReadingSource.REMOTE,
                    read_at=datetime(2026, 11, 1, tzinfo=UTC)),
            Reading(meter_id=meter.id, value=Decimal("999.000"), source=ReadingSource.PHOTO,
                    status=ReadingStatus.PENDING_REVIEW, read_at=datetime(2026, 11, 2, tzinfo=UTC)),
        ])
        if owner is not None:
            session.add(HouseholdMember(user_id=owner.id, household_id=h.id))
        session.commit()
        return h

    return make


def test_resident_sees_own_household_with_meter_and_last_accepted_reading(client, make_user, household):
    owner = make_user("resident")
    mine = household("0101000001", owner)
    household("0101000002", make_user("resident"))
    response = client.get("/api/v1/households", headers=login(client, owner.username))
    assert response.status_code == 200
    [only] = response.json()
    assert only["id"] == mine.id and only["account_no"] == "0101000001"
    assert only["holder_name"] == "王**"
    assert only["meter"]["serial_no"] == "M0101000001"
    # the pending photo reading (999) is not shown as the latest
    assert Decimal(only["last_reading"]["value"]) == Decimal("115.250")


def test_resident_cannot_read_another_households_bills(client, make_user, household):
    owner = make_user("resident")
    other = household("0101000003", make_user("resident"))
    household("0101000004", owner)
    headers = login(client, owner.username)
    for path in (f"/api/v1/households/{other.id}", f"/api/v1/households/{other.id}/bills",
                 "/api/v1/households/999999/bills"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "未找到该户号，或您无权查看"


def test_bills_come_newest_first_with_itemised_lines(client, make_user, household, session):
    owner = make_user("resident")
    h = household("0101000005", owner)
    tariff = Tariff(name="居民阶梯水价", effective_from=date(2024, 1, 1),
                    water_resource_fee=Decimal("1.57"), sewage_fee=Decimal("1.36"))
    session.add(tariff)
    session.flush()
    for month in (9, 10):
        bill = Bill(household_id=h.id, period_start=date(2026, month, 1),
                    period_end=date(2026, month, 30), usage_m3=Decimal("10.000"),
                    amount=Decimal("50.00"), due_date=date(2026, month + 1, 20))
        bill.lines = [BillLine(kind=ChargeKind.BASE, tier_no=1, tariff_id=tariff.id,
                               usage_m3=Decimal("10.000"), unit_price=Decimal("2.07"),
                               amount=Decimal("20.70"))]
        session.add(bill)
    session.commit()
    response = client.get(f"/api/v1/households/{h.id}/bills", headers=login(client, owner.username))
    assert [b["period_start"] for b in response.json()] == ["2026-10-01", "2026-09-01"]
    assert response.json()[0]["lines"][0]["kind"] == "base"
    assert response.json()[0]["amount"] == "50.00"


def test_staff_lookup_by_account_no_is_audited_and_residents_get_no_console(
    client, make_user, household, session
):
    staff = make_user("staff", staff_function="customer_service")
    h = household("0101000006", make_user("resident"))
    headers = login(client, staff.username)
    assert client.get("/api/v1/households", headers=headers).json() == []
    found = client.get("/api/v1/households?account_no=0101000006", headers=headers).json()
    assert [x["id"] for x in found] == [h.id]
    audited = session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == staff.id, AuditEntry.action == "household.view")
    ).all()
    assert [a.object_id for a in audited] == [str(h.id)]

    resident = make_user("resident")
    denied = client.get("/api/v1/districts/summary", headers=login(client, resident.username))
    assert denied.status_code == 403
    assert denied.json()["error"]["message"] == "无权访问工作人员功能"


def test_district_summary_counts_households_and_sums_recent_inflow(client, make_user, household, session):
    from shuiwu.timeutil import today_local

    household("0101000007", district="东湖区")
    household("0101000008", district="东湖区")
    household("0201000001", district="西山区")
    today = today_local()
    session.add_all([
        DistrictFlow(district="东湖区", day=today, volume_m3=Decimal("1000.5")),
        DistrictFlow(district="东湖区", day=date(2000, 1, 1), volume_m3=Decimal(99999)),
    ])
    session.commit()
    staff = make_user("staff")
    rows = client.get("/api/v1/districts/summary", headers=login(client, staff.username)).json()
    assert rows == [
        {"district": "东湖区", "households": 2, "usage_m3_30d": "1000.500"},
        {"district": "西山区", "households": 1, "usage_m3_30d": "0.000"},
    ]
