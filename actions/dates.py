"""Chinese date expressions → a period (first day, last day): 上个月, 去年十二月, 最近三个月, 3月份…

Pure functions with the "today" passed in, so they are tested with a fixed date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(\d{1,4}|[零〇一二两三四五六七八九十]{1,3})"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str  # how a reply names it: 2026年10月, 最近3个月…
    granularity: str = "month"  # day | month | year: how usage over it is best shown

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


def cn_number(text: str) -> int | None:
    """"12", "十二", "二十", "三" → int; None when it is not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, units = text.partition("十")
        value = (_CN_DIGITS[tens] if tens else 1) * 10
        return value + (_CN_DIGITS[units] if units else 0) if len(units) <= 1 else None
    if len(text) == 1:
        return _CN_DIGITS[text]
    # 二〇二六 written digit by digit
    return int("".join(str(_CN_DIGITS[c]) for c in text))


def shift_month(day: date, months: int) -> date:
    """The first day of the month `months` away from `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_period(year: int, month: int, label: str | None = None) -> Period:
    start = date(year, month, 1)
    end = shift_month(start, 1) - timedelta(days=1)
    return Period(start, end, label or f"{year}年{month}月")


def _year_word(word: str, today: date) -> int | None:
    return {"今": today.year, "本": today.year, "去": today.year - 1, "前": today.year - 2,
            "明": today.year + 1}.get(word)


def parse_period(text: str, today: date) -> Period | None:
    """The first date expression in `text`, or None. Month periods end on the month's last day
    even when that is in the future (callers cap at yesterday when they read measurements)."""
    if not text:
        return None
    t = re.sub(r"\s+", "", text)

    m = re.search(r"(?:最近|近|过去)" + _NUM + r"个?(月|天|日|年|周|星期)", t)
    if m:
        n = cn_number(m.group(1))
        unit = m.group(2)
        if n and 0 < n <= 120:
            yesterday = today - timedelta(days=1)
            if unit == "月":
                return Period(shift_month(today, -(n - 1)), yesterday, f"最近{n}个月")
            if unit == "年":
                return Period(shift_month(today, -(12 * n - 1)), yesterday, f"最近{n}年", "year")
            days = n * 7 if unit in ("周", "星期") else n
            word = f"最近{n}周" if unit in ("周", "星期") else f"最近{n}天"
            return Period(today - timedelta(days=days), yesterday, word, "day")

    m = re.search(r"(\d{4}|[零〇一二三四五六七八九]{4}|[今本去前明])年(?:的)?" + _NUM + r"月份?", t)
    if m:
        year = _year_word(m.group(1), today) or cn_number(m.group(1))
        month = cn_number(m.group(2))
        if year and month and 1 <= month <= 12 and 2000 <= year <= 2100:
            return month_period(year, month)
        return None  # "2026年13月": a date, but not one that exists

    m = re.search(r"(上上|上|这|本|当|下)个?月", t)
    if m:
        offset = {"上上": -2, "上": -1, "这": 0, "本": 0, "当": 0, "下": 1}[m.group(1)]
        first = shift_month(today, offset)
        return month_period(first.year, first.month)

    m = re.search(r"(?<![0-9年])" + _NUM + r"月(?:份)?", t)
    if m and not re.search(r"个月", t[m.start():m.end() + 1]):
        month = cn_number(m.group(1))
        if month and 1 <= month <= 12:
            # "3月份" said in November means this year's March; a month still ahead means last year's.
            year = today.year if month <= today.month else today.year - 1
            return month_period(year, month)

    m = re.search(r"(\d{4}|[今本去前])年", t)
    if m:
        year = _year_word(m.group(1), today) or cn_number(m.group(1))
        if year and 2000 <= year <= 2100:
            end = min(date(year, 12, 31), today - timedelta(days=1))
            return Period(date(year, 1, 1), end, f"{year}年", "year")

    if "昨天" in t:
        day = today - timedelta(days=1)
        return Period(day, day, "昨天", "day")
    if "前天" in t:
        day = today - timedelta(days=2)
        return Period(day, day, "前天", "day")
    m = re.search(r"(上|这|本)(?:周|星期|礼拜)", t)
    if m:
        monday = today - timedelta(days=today.weekday())
        if m.group(1) == "上":
            return Period(monday - timedelta(days=7), monday - timedelta(days=1), "上周", "day")
        return Period(monday, today - timedelta(days=1), "本周", "day")
    return None
