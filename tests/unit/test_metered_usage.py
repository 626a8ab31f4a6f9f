"""From register readings to daily use: rollover, meter replacement, misreads and rounding."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from shuiwu.billing.usage import MeterSpan, intervals, local_midnight, register_delta, spread_by_day

D = Decimal


def at(day: date, hour: int = 0) -> datetime:
    return local_midnight(day) + timedelta(hours=hour)


def test_rollover_9999_to_0000_counts_the_wrap():
    assert register_delta(D("9999.800"), D("0000.300"), D(10000)) == D("0.500")
    # A fall in the middle of the range is a misread, not a wrap: it adds nothing.
    assert register_delta(D("5000.000"), D("4990.000"), D(10000)) == 0


def test_rollover_reading_sequence_gives_steady_daily_use():
    meter = MeterSpan(1, 4, at(date(2020, 1, 1)), D(0))
    values = ["9998.8", "9999.4", "0000.0", "0000.6"]
    rows = [(1, at(date(2025, 3, 1) + timedelta(days=i)), D(v)) for i, v in enumerate(values)]
    daily = spread_by_day(intervals([meter], rows), date(2025, 3, 1), date(2025, 3, 3))
    assert daily == [(date(2025, 3, 1), D("0.6")), (date(2025, 3, 2), D("0.6")), (date(2025, 3, 3), D("0.6"))]


def test_meter_replacement_bills_the_old_meter_to_its_final_register_then_the_new_one():
    old = MeterSpan(1, 5, at(date(2018, 1, 1)), D(0), removed_at=at(date(2025, 3, 2), 12),
                    final_value=D("1234.900"))
    new = MeterSpan(2, 5, at(date(2025, 3, 2), 12), D("0.000"))
    rows = [
        (1, at(date(2025, 3, 1)), D("1234.000")),
        (1, at(date(2025, 3, 2)), D("1234.500")),
        (2, at(date(2025, 3, 3)), D("0.700")),
        (2, at(date(2025, 3, 4)), D("1.300")),
    ]
    daily = dict(spread_by_day(intervals([old, new], rows), date(2025, 3, 1), date(2025, 3, 3)))
    # 2 March: 0.4 m³ on the old meter until noon, then 0.7 m³ on the new one from zero.
    assert daily == {date(2025, 3, 1): D("0.5"), date(2025, 3, 2): D("1.1"), date(2025, 3, 3): D("0.6")}


def test_use_between_sparse_readings_is_spread_over_the_days_they_close():
    meter = MeterSpan(1, 5, at(date(2025, 5, 1), 9), D(100))  # installed at the first reading
    # Manual readings at odd hours: 10 m³ from 1 May 09:00 to 4 May 14:00.
    rows = [(1, at(date(2025, 5, 1), 9), D("100.000")), (1, at(date(2025, 5, 4), 14), D("110.000"))]
    daily = spread_by_day(intervals([meter], rows), date(2025, 5, 1), date(2025, 5, 5))
    assert [v for _, v in daily] == [D(0), D("3.333"), D("3.334"), D("3.333"), D(0)]
    assert sum(v for _, v in daily) == D("10.000")


def test_days_use_the_local_calendar_not_utc():
    meter = MeterSpan(1, 5, datetime(2020, 1, 1, tzinfo=UTC), D(0))
    # 23:00 Beijing time on 1 May is 15:00 UTC the same day; 1 m³ used in the last hour of 1 May.
    rows = [(1, at(date(2025, 4, 30), 22), D("10")), (1, at(date(2025, 5, 1), 22), D("10")),
            (1, at(date(2025, 5, 1), 23), D("11"))]
    daily = spread_by_day(intervals([meter], rows), date(2025, 5, 1), date(2025, 5, 2))
    assert daily == [(date(2025, 5, 1), D("1.000")), (date(2025, 5, 2), D("0.000"))]


def test_a_reading_at_midnight_closes_the_day_before():
    meter = MeterSpan(1, 5, at(date(2020, 1, 1)), D(0))
    rows = [(1, at(date(2025, 4, 30), 23), D("10")), (1, at(date(2025, 5, 2)), D("12"))]
    daily = spread_by_day(intervals([meter], rows), date(2025, 5, 1), date(2025, 5, 2))
    assert daily == [(date(2025, 5, 1), D("2.000")), (date(2025, 5, 2), D("0.000"))]
