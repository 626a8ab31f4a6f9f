"""Metered use: from a household's accepted readings to the volume used on each local day.

A meter's register only goes up, except when it wraps (99999.999 → 00000.000 for five
wheels) or the meter is replaced, so the volume between two readings is the difference of
registers, plus one wrap when the register fell from near the top to near zero; across a
replacement it is the old meter's last reading to its final register, then the new meter's
initial register to its first reading.

A reading closes the local (Asia/Shanghai) day it is taken on — one taken at exactly
midnight closes the day before — so the daily remote reading at 23:00 gives that day's
use, and a month's use is the last reading of the month minus the last of the month before,
as the utility bills it. Use between sparse readings is spread evenly over the days they
close; daily figures are rounded to the litre by carrying the remainder forward, so they
add up exactly to the registers' difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuiwu.models import Meter, Reading, ReadingStatus
from shuiwu.timeutil import LOCAL_TZ

LITRE = Decimal("0.001")
ZERO = Decimal(0)
# A wrap is believed only when the register was in the top tenth and is now in the bottom
# tenth of its range; any other fall is a misread, which contributes nothing.
WRAP_BAND = Decimal("0.1")


@dataclass(frozen=True)
class MeterSpan:
    """What usage needs to know of a meter."""

    meter_id: int
    digits: int
    installed_at: datetime
    initial_value: Decimal
    removed_at: datetime | None = None
    final_value: Decimal | None = None

    @property
    def wrap(self) -> Decimal:
        return Decimal(10) ** self.digits


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime
    volume: Decimal


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def register_delta(before: Decimal, after: Decimal, wrap: Decimal) -> Decimal:
    """m³ used between two registers of one meter (handles the 9999 → 0000 rollover)."""
    if after >= before:
        return after - before
    if before >= wrap * (1 - WRAP_BAND) and after < wrap * WRAP_BAND:
        return wrap - before + after
    return ZERO


def intervals(meters: Sequence[MeterSpan], readings: Iterable[tuple[int, datetime, Decimal]]) -> list[Interval]:
    """Consumption intervals from accepted readings `(meter_id, read_at, value)` in time order."""
    by_meter: dict[int, list[tuple[datetime, Decimal]]] = {m.meter_id: [] for m in meters}
    for meter_id, at, value in readings:
        if meter_id in by_meter:
            by_meter[meter_id].append((at, value))
    out: list[Interval] = []
    for meter in sorted(meters, key=lambda m: m.installed_at):
        points = sorted(by_meter[meter.meter_id])
        # The installation is a reading of the initial register; a removal of the final one.
        points.insert(0, (meter.installed_at, meter.initial_value))
        if meter.removed_at is not None and meter.final_value is not None:
            points.append((meter.removed_at, meter.final_value))
        for (t0, v0), (t1, v1) in zip(points, points[1:], strict=False):
            if t1 <= t0:
                continue
            out.append(Interval(t0, t1, register_delta(v0, v1, meter.wrap)))
    return out


def closing_day(at: datetime) -> date:
    """The local day a reading closes: its own date, or the day before for 00:00 sharp."""
    return (at.astimezone(LOCAL_TZ) - timedelta(microseconds=1)).date()


def spread_by_day(items: Iterable[Interval], start: date, end: date) -> list[tuple[date, Decimal]]:
    """Litre-rounded use on each local day from `start` to `end` (inclusive)."""
    days = (end - start).days + 1
    raw = [ZERO] * days
    for iv in items:
        first, last = closing_day(iv.start), closing_day(iv.end)
        # The days this interval closes: the day after the earlier reading's, up to the later
        # reading's; two readings on one day put it all on that day.
        n = max((last - first).days, 1)
        day = max(start, last - timedelta(days=n - 1))
        share = iv.volume / n
        while iv.volume and day <= min(end, last):
            raw[(day - start).days] += share
            day += timedelta(days=1)
    # Round the running total, not each day, so the days add up to the metered volume.
    out, carried, running = [], ZERO, ZERO
    for i, value in enumerate(raw):
        running += value
        rounded = running.quantize(LITRE)
        out.append((start + timedelta(days=i), rounded - carried))
        carried = rounded
    return out


def meter_spans(session: Session, household_id: int) -> list[MeterSpan]:
    meters = session.scalars(select(Meter).where(Meter.household_id == household_id)).all()
    return [
        MeterSpan(
            meter_id=m.id,
            digits=m.digits,
            installed_at=local_midnight(m.installed_on),
            initial_value=Decimal(m.initial_value),
            removed_at=local_midnight(m.removed_on) if m.removed_on else None,
            final_value=None if m.final_value is None else Decimal(m.final_value),
        )
        for m in meters
    ]


def period_usage(session: Session, household_id: int, start: date, end: date) -> list[tuple[date, Decimal]]:
    """Use on each day from `start` to `end` from the accepted readings around that period."""
    meters = meter_spans(session, household_id)
    if not meters:
        return [(start + timedelta(days=i), ZERO) for i in range((end - start).days + 1)]
    ids = [m.meter_id for m in meters]
    lo, hi = local_midnight(start), local_midnight(end + timedelta(days=1))
    accepted = (Reading.meter_id.in_(ids), Reading.status == ReadingStatus.ACCEPTED)
    cols = (Reading.meter_id, Reading.read_at, Reading.value)
    inside = session.execute(select(*cols).where(*accepted, Reading.read_at > lo, Reading.read_at <= hi)).all()
    # The last reading before the period and the first after it, per meter, bound the
    # intervals that straddle the period's edges.
    edges = []
    for meter_id in ids:
        for cond, order in ((Reading.read_at <= lo, Reading.read_at.desc()), (Reading.read_at > hi, Reading.read_at)):
            row = session.execute(
                select(*cols).where(Reading.meter_id == meter_id, Reading.status == ReadingStatus.ACCEPTED, cond)
                .order_by(order).limit(1)
            ).first()
            if row is not None:
                edges.append(row)
    rows = [(m, at, Decimal(v)) for m, at, v in [*edges, *inside]]
    return spread_by_day(intervals(meters, rows), start, end)
