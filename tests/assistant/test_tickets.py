"""Repair tickets: filed for one's own household only, progress visible to the household alone."""

from __future__ import annotations

import pytest

from shuiwu.errors import Forbidden, InvalidInput, NotFound
from shuiwu.models import TicketCategory, TicketStatus
from shuiwu.services import tickets
from tests.api.homes import make_home


@pytest.fixture
def homes(session, make_user):
    a, b = make_user("resident"), make_user("resident")
    return a, make_home(session, "3101200456", owner=a), b, make_home(session, "3101200999", owner=b)


def _file(session, user, home, **kw):
    fields = {"category": "leak", "location": "3栋2单元楼道", "description": "水管接头在滴水",
              "contact_time": "明天上午"} | kw
    return tickets.create_ticket(session, user, home.id, **fields)


def test_resident_files_and_follows_a_ticket(session, homes):
    a, home_a, _, _ = homes
    ticket = _file(session, a, home_a)
    session.commit()
    assert ticket.ticket_no.startswith("T") and len(ticket.ticket_no) == 13
    assert ticket.status is TicketStatus.SUBMITTED and ticket.events[0].to_status is TicketStatus.SUBMITTED
    assert tickets.get_ticket(session, a, ticket.ticket_no.lower()).id == ticket.id
    assert [t.id for t in tickets.list_tickets(session, a)] == [ticket.id]
    assert "已提交" in tickets.status_text(ticket) and "漏水" in tickets.status_text(ticket)


def test_nobody_files_or_reads_for_another_household(session, homes, make_user):
    a, home_a, b, home_b = homes
    with pytest.raises(NotFound):
        _file(session, a, home_b)
    ticket = _file(session, b, home_b)
    session.commit()
    with pytest.raises(NotFound) as missing:
        tickets.get_ticket(session, a, ticket.ticket_no)
    with pytest.raises(NotFound) as other:
        tickets.get_ticket(session, a, "T209901010000")
    assert missing.value.message == other.value.message  # numbers cannot be probed
    assert tickets.list_tickets(session, a) == []
    with pytest.raises(Forbidden):
        _file(session, make_user("staff"), home_a)


@pytest.mark.parametrize(
    ("field", "value"),
    [("location", ""), ("description", "x" * 1001), ("contact_time", "  "), ("description", "漏")],
)
def test_bad_input_is_refused_and_nothing_is_written(session, homes, field, value):
    a, home_a, _, _ = homes
    with pytest.raises(InvalidInput):
        _file(session, a, home_a, **{field: value})
    assert tickets.list_tickets(session, a) == []


@pytest.mark.parametrize(
    ("words", "category"),
    [("水管爆了", TicketCategory.LEAK), ("水是黄的", TicketCategory.WATER_QUALITY),
     ("水压太小", TicketCategory.LOW_PRESSURE), ("水表不转了", TicketCategory.METER_FAULT),
     ("家里没水", TicketCategory.NO_WATER), ("leak", TicketCategory.LEAK), ("你好", None)],
)
def test_categories_from_residents_words(words, category):
    assert tickets.category_from_text(words) is category
