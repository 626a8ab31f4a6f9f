"""Who is talking (never from slots) and Chinese date expressions, with a fixed "today"."""

from __future__ import annotations

from datetime import date

import pytest

from actions.dates import cn_number, parse_period
from actions.identity import identity_of, upload_ids
from tests.assistant.trackers import tracker

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("上个月水费多少", date(2026, 10, 1), date(2026, 10, 31)),
        ("上月", date(2026, 10, 1), date(2026, 10, 31)),
        ("上上个月", date(2026, 9, 1), date(2026, 9, 30)),
        ("去年十二月的账单", date(2025, 12, 1), date(2025, 12, 31)),
        ("最近三个月用了多少水", date(2026, 9, 1), date(2026, 11, 24)),
        ("近两个月", date(2026, 10, 1), date(2026, 11, 24)),
        ("本月", date(2026, 11, 1), date(2026, 11, 30)),
        ("这个月", date(2026, 11, 1), date(2026, 11, 30)),
        ("3月份用水", date(2026, 3, 1), date(2026, 3, 31)),
        ("12月", date(2025, 12, 1), date(2025, 12, 31)),  # December not yet come: last year's
        ("2026年5月", date(2026, 5, 1), date(2026, 5, 31)),
        ("二〇二五年三月", date(2025, 3, 1), date(2025, 3, 31)),
        ("去年", date(2025, 1, 1), date(2025, 12, 31)),
        ("今年一共用了多少", date(2026, 1, 1), date(2026, 11, 24)),
        ("最近7天", date(2026, 11, 18), date(2026, 11, 24)),
        ("昨天", date(2026, 11, 24), date(2026, 11, 24)),
        ("上周", date(2026, 11, 16), date(2026, 11, 22)),
    ],
)
def test_chinese_dates_become_periods(text, start, end):
    period = parse_period(text, TODAY)
    assert period is not None, text
    assert (period.start, period.end) == (start, end)


def test_january_last_month_is_december_of_last_year():
    period = parse_period("上个月", date(2026, 1, 10))
    assert (period.start, period.end) == (date(2025, 12, 1), date(2025, 12, 31))


@pytest.mark.parametrize("text", ["查水费", "", "户号3101200456", "13个月", "2026年13月"])
def test_no_date_or_nonsense_gives_none(text):
    assert parse_period(text, TODAY) is None


def test_cn_numbers():
    assert [cn_number(t) for t in ("三", "十", "十二", "二十", "两", "12", "x")] == [3, 10, 12, 20, 2, 12, None]


def _t(sender, metadata):
    return tracker("查水费", "query_bill", sender=sender, metadata=metadata)


def test_logged_in_user_from_sender_and_metadata():
    who = identity_of(_t("user-7", {"auth": {"user_id": 7, "role": "resident", "channel": "web"}}))
    assert (who.user_id, who.role, who.channel) == (7, "resident", "web")


@pytest.mark.parametrize(
    ("sender", "metadata"),
    [
        ("user-7", {}),  # no verified metadata
        ("user-7", {"auth": {"user_id": 8}}),  # sender and metadata disagree
        ("anon-abc", {"auth": {"user_id": 7}}),  # a visitor cannot claim a user
        ("user-7", {"auth": {"user_id": "7"}}),  # wrong type
        ("user-1", {"auth": {"user_id": True}}),  # True is not user 1
        ("user-07", {"auth": {"user_id": 7}}),
        ("user-7", {"auth": "7"}),
    ],
)
def test_anything_else_is_anonymous(sender, metadata):
    assert identity_of(_t(sender, metadata)).anonymous


def test_slots_never_make_an_identity():
    t = tracker("查水费", "query_bill", sender="anon-x", slots={"account_no": "3101200456"})
    t.slots["user_id"] = 7
    assert identity_of(t).anonymous


def test_upload_ids_from_metadata_are_checked():
    t = tracker("", "submit_meter_reading", sender="user-1",
                metadata={"uploads": [{"id": 5}, {"id": "../x"}, {"id": True}], "upload_id": "9"})
    assert upload_ids(t) == ["9", "5"]
