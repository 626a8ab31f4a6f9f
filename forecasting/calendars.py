"""Holiday calendars per region, from maintained packages (never a hand-typed list).

A day is an *off day* when water use looks like a rest day (weekend or holiday);
Prophet gets public holidays as events and off days as a condition on the daily shape.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd

REGIONS = ("cn", "it-bwdf")

# The BWDF city's local patron-saint holiday (the competition calendar marks it).
_IT_LOCAL_HOLIDAYS = ((11, 3, "Local holiday (3 November)"),)
MAKEUP_WORKDAY = "调休上班"


def check_region(region: str) -> str:
    if region not in REGIONS:
        raise ValueError(
            f"unknown forecast region {region!r}; expected one of {', '.join(REGIONS)}"
        )
    return region


@lru_cache(maxsize=64)
def _days(region: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    dates = pd.date_range(start, end, freq="D")
    names: list[str] = []
    offday: list[bool] = []
    makeup: list[bool] = []
    if region == "cn":
        import chinese_calendar

        for d in dates.date:
            try:
                is_holiday, name = chinese_calendar.get_holiday_detail(d)
            except NotImplementedError:  # year not yet published by the State Council
                is_holiday, name = d.weekday() >= 5, None
            names.append(str(name) if is_holiday and name else "")
            offday.append(bool(is_holiday))
            makeup.append(not is_holiday and d.weekday() >= 5)
    else:
        import holidays

        years = range(start.year, end.year + 1)
        italy = holidays.Italy(years=years)
        for year in years:
            for month, day, label in _IT_LOCAL_HOLIDAYS:
                italy[dt.date(year, month, day)] = label
        for d in dates.date:
            # holidays' "National Unity Day" is a Sunday observance, not a day off: Sundays cover it.
            name = italy.get(d, "")
            names.append(name)
            offday.append(bool(name) or d.weekday() == 6)
            makeup.append(False)
    return pd.DataFrame({"holiday": names, "offday": offday, "makeup_workday": makeup}, index=dates)


def day_calendar(region: str, start, end) -> pd.DataFrame:
    """Per date from start to end: `holiday` (name or ""), `offday`, `makeup_workday` (调休)."""
    check_region(region)
    return _days(region, pd.Timestamp(start).date(), pd.Timestamp(end).date()).copy()


def is_offday(region: str, day) -> bool:
    day = pd.Timestamp(day).normalize()
    return bool(day_calendar(region, day, day)["offday"].iloc[0])


def is_makeup_workday(region: str, day) -> bool:
    day = pd.Timestamp(day).normalize()
    return bool(day_calendar(region, day, day)["makeup_workday"].iloc[0])


def prophet_holidays(region: str, start, end) -> pd.DataFrame:
    """Prophet's `holidays` frame: public holidays as one event each, plus (cn) the 调休
    working days as their own event, so their effect is estimated separately."""
    days = day_calendar(region, start, end)
    rows = [(d, "public_holiday") for d in days.index[days["holiday"] != ""]]
    rows += [(d, MAKEUP_WORKDAY) for d in days.index[days["makeup_workday"]]]
    if not rows:
        return pd.DataFrame({"ds": pd.to_datetime([]), "holiday": []})
    return pd.DataFrame(rows, columns=["ds", "holiday"]).sort_values("ds", ignore_index=True)
