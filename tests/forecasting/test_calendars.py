"""Holiday calendars per region: the demo city's (with 调休) and the BWDF city's."""

from __future__ import annotations

import pytest

from forecasting.calendars import (
    MAKEUP_WORKDAY,
    day_calendar,
    is_makeup_workday,
    is_offday,
    prophet_holidays,
)


def test_cn_national_day_is_a_holiday():
    days = day_calendar("cn", "2026-10-01", "2026-10-01")
    assert bool(days["offday"].iloc[0])
    assert days["holiday"].iloc[0] != ""


def test_cn_makeup_saturday_is_a_working_day_with_its_own_effect():
    # 2026-02-28 is a Saturday worked in exchange for the Spring Festival break.
    assert not is_offday("cn", "2026-02-28")
    assert is_makeup_workday("cn", "2026-02-28")
    assert is_offday("cn", "2026-03-07")  # an ordinary Saturday rests
    events = prophet_holidays("cn", "2026-01-01", "2026-12-31")
    makeup = events[events["holiday"] == MAKEUP_WORKDAY]["ds"].dt.strftime("%Y-%m-%d")
    assert "2026-02-28" in set(makeup)
    assert "2026-10-01" in set(
        events[events["holiday"] == "public_holiday"]["ds"].dt.strftime("%Y-%m-%d")
    )


def test_bwdf_calendar_marks_the_local_holiday_and_sundays():
    assert is_offday("it-bwdf", "2022-11-03")
    assert day_calendar("it-bwdf", "2022-11-03", "2022-11-03")["holiday"].iloc[0] != ""
    assert is_offday("it-bwdf", "2022-07-31")  # a Sunday
    assert is_offday("it-bwdf", "2022-11-01")  # All Saints
    assert not is_offday("it-bwdf", "2022-07-25")  # a Monday
    assert not is_offday("it-bwdf", "2022-07-30")  # Saturdays are working days there
    assert not is_makeup_workday("it-bwdf", "2022-07-30")


def test_unknown_region_is_refused():
    with pytest.raises(ValueError, match="region"):
        day_calendar("mars", "2022-01-01", "2022-01-02")
