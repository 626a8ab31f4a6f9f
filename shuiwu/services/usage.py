"""A household's water use by day, month or year, as the resident's portal charts and exports it.

Reading it is bills-and-usage access (customer service, admins, the bound resident); every
export is audited, whoever makes it, because a file leaves the platform.
"""

from __future__ import annotations

import csv
import enum
import io
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from shuiwu.errors import InvalidInput
from shuiwu.models import User
from shuiwu.services import audit
from shuiwu.services.households import Access, get_household

M3 = Decimal("0.001")


class Granularity(enum.StrEnum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


LABELS = {Granularity.DAY: "日", Granularity.MONTH: "月", Granularity.YEAR: "年"}
# The longest span one request may cover, so a chart stays readable and a query stays cheap.
MAX_DAYS = {Granularity.DAY: 366, Granularity.MONTH: 366 * 5, Granularity.YEAR: 366 * 10}


@dataclass(frozen=True)
class UsagePoint:
    period: str  # 2026-11-03 / 2026-11 / 2026
    usage_m3: Decimal


@dataclass(frozen=True)
class UsageSeries:
    household_id: int
    account_no: str
    granularity: Granularity
    start: date
    end: date
    points: list[UsagePoint]

    @property
    def total_m3(self) -> Decimal:
        return sum((p.usage_m3 for p in self.points), Decimal(0))


def default_range(granularity: Granularity, today: date) -> tuple[date, date]:
    """Up to yesterday (today's reading is not in yet): 30 days, 12 months or 3 years."""
    end = today - timedelta(days=1)
    if granularity is Granularity.DAY:
        return end - timedelta(days=29), end
    if granularity is Granularity.MONTH:
        year, month = end.year, end.month - 11
        if month < 1:
            year, month = year - 1, month + 12
        return date(year, month, 1), end
    return date(end.year - 2, 1, 1), end


def _bucket(day: date, granularity: Granularity) -> str:
    if granularity is Granularity.DAY:
        return day.isoformat()
    if granularity is Granularity.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}"


def usage_series(
    session: Session,
    actor: User,
    household_id: int,
    granularity: Granularity,
    *,
    today: date,
    start: date | None = None,
    end: date | None = None,
) -> UsageSeries:
    household = get_household(session, actor, household_id, Access.USAGE)
    default_start, default_end = default_range(granularity, today)
    start = start or default_start
    end = end or default_end
    if start > end:
        raise InvalidInput("开始日期不能晚于结束日期", field="start")
    if (end - start).days + 1 > MAX_DAYS[granularity]:
        raise InvalidInput(
            f"按{LABELS[granularity]}查询最多 {MAX_DAYS[granularity]} 天，请缩短时间范围", field="start"
        )
    from shuiwu.billing.usage import period_usage

    buckets: OrderedDict[str, Decimal] = OrderedDict()
    day = start
    while day <= end:  # every bucket present, so gaps show as zero rather than vanish
        buckets.setdefault(_bucket(day, granularity), Decimal(0))
        day += timedelta(days=1)
    for day, used in period_usage(session, household.id, start, end):
        key = _bucket(day, granularity)
        if key in buckets:
            buckets[key] += used
    points = [UsagePoint(k, v.quantize(M3)) for k, v in buckets.items()]
    return UsageSeries(household.id, household.account_no, granularity, start, end, points)


def export_csv(
    session: Session,
    actor: User,
    household_id: int,
    granularity: Granularity,
    *,
    today: date,
    start: date | None = None,
    end: date | None = None,
) -> tuple[UsageSeries, str]:
    """The series and its CSV text; the export itself goes on the audit log."""
    series = usage_series(
        session, actor, household_id, granularity, today=today, start=start, end=end
    )
    audit.record(
        session, actor, "usage.export", "household", series.household_id,
        granularity=series.granularity.value, start=series.start.isoformat(),
        end=series.end.isoformat(),
    )
    return series, to_csv(series)


def to_csv(series: UsageSeries) -> str:
    """UTF-8 with BOM so that Excel on a Chinese Windows opens it without mojibake."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    period_header = {Granularity.DAY: "日期", Granularity.MONTH: "月份", Granularity.YEAR: "年份"}
    writer.writerow(["户号", period_header[series.granularity], "用水量（立方米）"])
    for p in series.points:
        writer.writerow([series.account_no, p.period, f"{p.usage_m3:.3f}"])
    writer.writerow([series.account_no, "合计", f"{series.total_m3:.3f}"])
    return out.getvalue()
