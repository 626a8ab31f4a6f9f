"""Households with months of daily meter readings and districts with daily inflows, for the
forecast service and page tests."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shuiwu.models import DistrictFlow, Household, HouseholdMember, Meter, Reading, ReadingSource
from shuiwu.timeutil import today_local


def daily_use(day: date, scale: float = 1.0) -> float:
    """m³ used on a day: more at weekends, a little more in summer, a fixed wobble."""
    weekend = 0.12 if day.weekday() >= 5 else 0.0
    season = 0.05 * math.sin(2 * math.pi * day.timetuple().tm_yday / 365)
    return round(scale * (0.40 + weekend + season + 0.02 * math.sin(day.toordinal() * 1.7)), 3)


def reading_home(
    session,
    account_no: str,
    *,
    owner=None,
    days: int = 150,
    scale: float = 1.0,
    district: str = "东城区",
) -> Household:
    """A household whose remote meter reads every evening at 23:00 up to yesterday."""
    h = Household(
        account_no=account_no,
        holder_name="王建国",
        address=f"清河市东城区望湖路{account_no[-3:]}号",
        district=district,
        community="锦绣花园",
        phone="13900001111",
    )
    session.add(h)
    session.flush()
    end = today_local() - timedelta(days=1)
    first = end - timedelta(days=days - 1)
    meter = Meter(
        household_id=h.id, serial_no=f"QH{account_no}", installed_on=first - timedelta(days=30)
    )
    session.add(meter)
    session.flush()
    register = 100.0
    rows = []
    for i in range(days):
        day = first + timedelta(days=i)
        register += daily_use(day, scale)
        at = datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
        rows.append(
            Reading(
                meter_id=meter.id,
                value=Decimal(f"{register:.3f}"),
                read_at=at,
                source=ReadingSource.REMOTE,
            )
        )
    session.add_all(rows)
    if owner is not None:
        session.add(HouseholdMember(user_id=owner.id, household_id=h.id))
    session.commit()
    return h


def district_flows(session, name: str = "东城区", days: int = 200, gaps: int = 3) -> None:
    end = today_local() - timedelta(days=1)
    for i in range(days):
        day = end - timedelta(days=days - 1 - i)
        volume = None if i in range(40, 40 + gaps) else Decimal(f"{2000 * daily_use(day):.3f}")
        session.add(
            DistrictFlow(
                district=name, day=day, volume_m3=volume, hours_observed=24 if volume else 0
            )
        )
    session.commit()
