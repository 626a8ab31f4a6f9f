"""Water use in chat: by day, month or year, compared with last year and with similar households,
with a chart (ECharts option sent as a custom payload)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.common import BlockingAction, db, resolve_household, today
from actions.dates import Period, parse_period, shift_month
from actions.messages import m3
from shuiwu.errors import DomainError

# Averages of fewer households than this are not shown: they would say too much about the others.
MIN_PEERS = 5


def pick_granularity(period: Period | None, text: str) -> str:
    if any(w in text for w in ("每天", "每日", "日用", "天")):
        return "day"
    if any(w in text for w in ("每年", "按年", "年度")):
        return "year"
    if period is None:
        return "month"
    if period.granularity == "day" or (period.months == 1 and period.granularity == "month"):
        return "day"
    if period.granularity == "year" and period.months > 24:
        return "year"
    return "month"


def one_year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def usage_chart(title: str, points, granularity: str, last_year: list[Decimal] | None = None) -> dict:
    """An ECharts option: bars for this household, a line for the same period last year."""
    unit = {"day": "日", "month": "月", "year": "年"}[granularity]
    series: list[dict] = [{
        "name": "本户用水（吨）", "type": "bar",
        "data": [float(p.usage_m3) for p in points],
    }]
    if last_year is not None:
        series.append({"name": "去年同期（吨）", "type": "line", "data": [float(v) for v in last_year]})
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 40, "right": 16, "top": 40, "bottom": 48},
        "xAxis": {"type": "category", "name": unit, "data": [p.period for p in points]},
        "yAxis": {"type": "value", "name": "吨"},
        "series": series,
    }


def compare_words(now: Decimal, before: Decimal, what: str) -> str:
    if before <= 0:
        return ""
    change = (now - before) / before * 100
    if abs(change) < 5:
        return f"和{what}（{m3(before)}）基本持平"
    word = "多" if change > 0 else "少"
    return f"比{what}（{m3(before)}）{word}了 {abs(change):.0f}%"


def peer_average(session, household, start: date, end: date) -> tuple[Decimal, int] | None:
    """Average billed use per household of the same district and size over whole billed months
    in [start, end]; None when too few such households have bills then."""
    from shuiwu.models import Bill, BillStatus, Household

    row = session.execute(
        select(func.sum(Bill.usage_m3), func.count(func.distinct(Bill.household_id)))
        .join(Household, Household.id == Bill.household_id)
        .where(
            Household.district == household.district,
            Household.persons == household.persons,
            Household.id != household.id,
            Bill.status != BillStatus.CANCELLED,
            Bill.period_start >= start,
            Bill.period_end <= end,
        )
    ).one()
    total, count = row
    if not count or count < MIN_PEERS:
        return None
    return (Decimal(total) / count, count)


class ActionShowUsage(BlockingAction):
    def name(self) -> str:
        return "action_show_usage"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        from shuiwu.services.usage import Granularity, usage_series

        text = tracker.latest_message.get("text") or ""
        now = today()
        yesterday = now - timedelta(days=1)
        period = parse_period(text, now)
        granularity = pick_granularity(period, text)
        if period is None:
            if granularity == "day":
                period = Period(now - timedelta(days=30), yesterday, "最近30天", "day")
            elif granularity == "year":
                period = Period(date(now.year - 2, 1, 1), yesterday, "最近三年", "year")
            else:
                period = Period(shift_month(now, -11), yesterday, "最近12个月")
        start, end = period.start, min(period.end, yesterday)
        if end < start:
            dispatcher.utter_message(text=f"{period.label}还没有用水数据（当天的读数次日才会统计）。")
            return []
        with db() as session:
            found = resolve_household(session, tracker, dispatcher, "query_usage")
            if not found.ok:
                return []
            household, user = found.household, found.user
            try:
                series = usage_series(session, user, household.id, Granularity(granularity),
                                      today=now, start=start, end=end)
                before = usage_series(session, user, household.id, Granularity(granularity),
                                      today=now, start=one_year_earlier(start), end=one_year_earlier(end))
            except DomainError as exc:
                dispatcher.utter_message(text=exc.message)
                return []
            total, last_total = series.total_m3, before.total_m3
            days = (end - start).days + 1
            text = (f"户号 {household.account_no} {period.label}（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）"
                    f"共用水 **{m3(total)}**，日均 {m3(total / days)}")
            compare = compare_words(total, last_total, "去年同期")
            text += f"，{compare}。" if compare else "；去年同期没有可比的数据。"
            peers = peer_average(session, household, start, end)
            if peers:
                average, count = peers
                text += (f"\n同片区 {household.persons} 口之家（{count} 户）同期户均用水 {m3(average)}，"
                         f"您家{compare_words(total, average, '户均').replace('比户均', '比他们')}。")
            dispatcher.utter_message(text=text)
            last_year = [p.usage_m3 for p in before.points] if len(before.points) == len(series.points) else None
            dispatcher.utter_message(json_message={
                "type": "chart",
                "title": f"{period.label}用水量",
                "option": usage_chart(f"{period.label}用水量", series.points, granularity,
                                      last_year if last_total > 0 else None),
            })
        return []
