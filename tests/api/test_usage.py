"""Usage by day, month and year, and its CSV export: a resident's own household only."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from shuiwu.models import Household, HouseholdMember, Meter, Reading, ReadingSource, ReadingStatus
from tests.conftest import login


@pytest.fixture
def metered_home(session, make_user):
    """One reading a day (local midnight) from 2026-09-01 to 2026-11-01: 0.5 m³ a day, one misread."""
    owner = make_user("resident")
    h = Household(account_no="0202000001", holder_name="李秀英", address="清河市西岭区青松路3号",
                  district="西岭区", community="青松苑")
    session.add(h)
    session.flush()
    meter = Meter(household_id=h.id, serial_no="M0202000001", installed_on=date(2025, 1, 1),
                  digits=5, decimals=3)
    session.add(meter)
    session.flush()
    day, value = date(2026, 9, 1), Decimal("200.000")
    while day <= date(2026, 11, 1):
        # Local midnight in Shanghai is 16:00 UTC the day before.
        at = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)
        session.add(Reading(meter_id=meter.id, value=value, read_at=at, source=ReadingSource.REMOTE))
        day += timedelta(days=1)
        value += Decimal("0.5")
    session.add(Reading(meter_id=meter.id, value=Decimal("99999.000"), source=ReadingSource.PHOTO,
                        status=ReadingStatus.REJECTED, read_at=datetime(2026, 10, 15, 3, tzinfo=UTC)))
    session.add(HouseholdMember(user_id=owner.id, household_id=h.id))
    session.commit()
    return owner, h


def test_daily_usage_ignores_rejected_readings(client, metered_home):
    owner, home = metered_home
    r = client.get(f"/api/v1/households/{home.id}/usage",
                   params={"granularity": "day", "start": "2026-10-01", "end": "2026-10-31"},
                   headers=login(client, owner.username))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unit"] == "m³" and len(body["points"]) == 31
    assert {Decimal(p["usage_m3"]) for p in body["points"]} == {Decimal("0.5")}
    assert Decimal(body["total_m3"]) == Decimal("15.5")


def test_monthly_usage_buckets_by_calendar_month(client, metered_home):
    owner, home = metered_home
    r = client.get(f"/api/v1/households/{home.id}/usage",
                   params={"granularity": "month", "start": "2026-09-01", "end": "2026-10-31"},
                   headers=login(client, owner.username))
    assert r.status_code == 200, r.text
    assert [(p["period"], Decimal(p["usage_m3"])) for p in r.json()["points"]] == [
        ("2026-09", Decimal("15.0")), ("2026-10", Decimal("15.5")),
    ]


def test_csv_export_opens_in_excel_with_chinese_headers(client, metered_home):
    owner, home = metered_home
    r = client.get(f"/api/v1/households/{home.id}/usage.csv",
                   params={"granularity": "month", "start": "2026-09-01", "end": "2026-10-31"},
                   headers=login(client, owner.username))
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff户号,月份,用水量（立方米）")
    assert "0202000001,2026-10,15.500" in text and "合计,30.500" in text


def test_another_residents_household_is_not_found(client, metered_home, make_user):
    _, home = metered_home
    stranger = make_user("resident")
    r = client.get(f"/api/v1/households/{home.id}/usage", headers=login(client, stranger.username))
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "未找到该户号，或您无权查看"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"granularity": "week"}, "取值必须是以下之一"),
        ({"start": "2026-10-31", "end": "2026-10-01"}, "开始日期不能晚于结束日期"),
        ({"granularity": "day", "start": "2024-01-01", "end": "2026-10-01"}, "请缩短时间范围"),
        ({"start": "昨天"}, ""),
    ],
)
def test_bad_ranges_get_a_chinese_message(client, metered_home, params, message):
    owner, home = metered_home
    r = client.get(f"/api/v1/households/{home.id}/usage", params=params,
                   headers=login(client, owner.username))
    assert r.status_code == 422
    error = r.json()["error"]
    assert message in (error["fields"][0]["message"] if error["fields"] else error["message"])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(error))
