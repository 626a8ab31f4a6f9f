"""Custom actions against trackers as Rasa sends them, on a real database.

Identity comes only from the verified sender id + metadata: a resident sees their own
household's numbers, a visitor is asked to log in, and another household's data never shows.
"""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import actions.bill
import actions.usage
from actions import messages
from actions.bill import ActionShowBill, ActionShowPaymentHistory
from actions.confirm import explicit_yes, plain_yes
from actions.fallback import ActionFallback
from actions.forms import ActionCancelForm, ActionCheckHousehold
from actions.meter import ActionSubmitMeterReading, ValidateMeterReadingForm
from actions.pay import ActionSubmitPayment, ValidatePaymentForm
from actions.repair import (
    ActionAskRepairConfirm,
    ActionRepairStatus,
    ActionSubmitRepair,
    ValidateRepairForm,
)
from actions.usage import ActionShowUsage
from shuiwu.models import BillLine, BillStatus, ChargeKind, Payment, Reading, ReadingStatus, Ticket
from tests.api.homes import make_home
from tests.assistant.trackers import anonymous, auth, run, slot_events, texts, tracker

TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    for module in (actions.bill, actions.usage):
        monkeypatch.setattr(module, "today", lambda: TODAY)


@pytest.fixture
def resident_a(session, make_user):
    from shuiwu.billing.tariffs import ensure_default_tariffs

    ensure_default_tariffs(session)
    session.commit()
    user = make_user("resident")
    home = make_home(session, "3101200456", owner=user)
    return user, home


@pytest.fixture
def resident_b(session, make_user):
    user = make_user("resident")
    home = make_home(session, "3101200999", owner=user, bills=((10, "123.45", BillStatus.UNPAID),))
    return user, home


def say(action, text, intent, who, **kw):
    return run(action, tracker(text, intent, sender=who["sender"], metadata=who["metadata"], **kw))


def test_resident_gets_their_own_bill(resident_a):
    user, home = resident_a
    messages, _ = say(ActionShowBill(), "我家水费多少", "query_bill", auth(user))
    reply = texts(messages)
    assert "3101200456" in reply
    assert "86.72 元" in reply  # October's bill, unpaid
    assert "待缴合计 **86.72 元**" in reply
    assert any(b["payload"] == "/pay_bill" for m in messages for b in m.get("buttons", []))


def test_a_month_named_in_chinese_picks_that_bill(resident_a):
    user, _ = resident_a
    messages, _ = say(ActionShowBill(), "九月份的水费", "query_bill", auth(user))
    assert "2026年9月的水费为 **71.30 元**" in texts(messages)
    assert "86.72" not in texts(messages)


def test_the_tier_breakdown_is_explained_in_words(session, resident_a):
    from shuiwu.billing.tariffs import ensure_default_tariffs

    user, home = resident_a
    tariff = ensure_default_tariffs(session)[-1]
    bill = next(b for b in home_bills(session, home) if b.period_start.month == 10)
    bill.lines = [
        BillLine(kind=ChargeKind.BASE, tier_no=1, tariff_id=tariff.id, usage_m3=Decimal("5"),
                 unit_price=Decimal("3.45"), amount=Decimal("17.25")),
        BillLine(kind=ChargeKind.BASE, tier_no=2, tariff_id=tariff.id, usage_m3=Decimal("10"),
                 unit_price=Decimal("4.83"), amount=Decimal("48.30")),
        BillLine(kind=ChargeKind.SEWAGE, tier_no=None, tariff_id=tariff.id, usage_m3=Decimal("15"),
                 unit_price=Decimal("1.41"), amount=Decimal("21.17")),
    ]
    session.commit()
    messages, _ = say(ActionShowBill(), "上个月水费", "query_bill", auth(user))
    reply = texts(messages)
    assert "第一阶梯 5 吨 × 3.45 元/吨 = 17.25 元" in reply
    assert "第二阶梯 10 吨 × 4.83 元/吨 = 48.30 元" in reply
    assert "污水处理费" in reply
    assert "跨进了第二阶梯" in reply


def home_bills(session, home):
    from shuiwu.models import Bill

    return list(session.scalars(select(Bill).where(Bill.household_id == home.id)))


def test_anonymous_visitor_is_asked_to_log_in(resident_a):
    messages, events = say(ActionShowBill(), "我家这个月水费多少", "query_bill", anonymous())
    assert "登录" in texts(messages) and "86.72" not in texts(messages)
    assert {"type": "login", "url": "/login"} in [m.get("custom") for m in messages]
    assert events == []


def test_a_sender_id_without_matching_metadata_is_anonymous(resident_a):
    user, _ = resident_a
    messages, _ = run(ActionShowBill(), tracker("查水费", "query_bill", sender=f"user-{user.id}", metadata={}))
    assert "登录" in texts(messages) and "86.72" not in texts(messages)


def test_a_chat_whose_login_session_ended_is_asked_to_log_in_again(session, resident_a):
    # The socket's access token lives on for minutes after logout or "不是我本人"; the session
    # it names does not.
    from shuiwu.services import sessions
    from tests.assistant.trackers import live_session

    user, _ = resident_a
    sid = live_session(user.id)
    assert "86.72" in texts(say(ActionShowBill(), "查水费", "query_bill", auth(user, sid))[0])
    sessions.revoke(session, user, sid, reason="logout")
    session.commit()
    messages, _ = say(ActionShowBill(), "查水费", "query_bill", auth(user, sid))
    assert "登录" in texts(messages) and "86.72" not in texts(messages)
    # A token without a session id (forged or from an old channel) is no better.
    forged = auth(user)
    forged["metadata"]["auth"].pop("session_id")
    assert "86.72" not in texts(say(ActionShowBill(), "查水费", "query_bill", forged)[0])


def test_another_households_bill_is_never_shown(resident_a, resident_b):
    user_a, _ = resident_a
    _, home_b = resident_b
    # A names B's 户号 (as a typed entity and as the slot a button would set).
    messages, _ = say(ActionShowBill(), "户号3101200999的水费", "query_bill", auth(user_a),
                      entities=[{"entity": "account_no", "value": home_b.account_no}],
                      slots={"account_no": home_b.account_no})
    reply = texts(messages)
    assert "123.45" not in reply and home_b.account_no not in reply
    assert "3101200456" in reply  # A's own household instead
    history, _ = say(ActionShowPaymentHistory(), "缴费记录", "query_payment_history", auth(user_a),
                     slots={"account_no": home_b.account_no})
    assert home_b.account_no not in texts(history)


def test_a_resident_without_a_household_is_offered_binding(make_user):
    user = make_user("resident")
    messages, _ = say(ActionShowBill(), "查水费", "query_bill", auth(user))
    assert "还没有绑定户号" in texts(messages)
    assert messages[0]["buttons"] == [{"title": "绑定户号", "payload": "/bind_account"}]


def test_two_households_ask_which_with_buttons(session, resident_a):
    user, _ = resident_a
    make_home(session, "3101200777", owner=user, bills=((10, "40.00", BillStatus.UNPAID),))
    messages, _ = say(ActionShowBill(), "查水费", "query_bill", auth(user))
    assert "绑定了 2 个户号" in texts(messages)
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ['/query_bill{"account_no":"3101200456"}', '/query_bill{"account_no":"3101200777"}']
    # The button's answer picks that household.
    chosen, _ = say(ActionShowBill(), payloads[1], "query_bill", auth(user),
                    entities=[{"entity": "account_no", "value": "3101200777"}])
    assert "3101200777" in texts(chosen) and "40.00 元" in texts(chosen) and "86.72" not in texts(chosen)


def test_staff_are_sent_to_the_console(make_user, resident_a):
    staff = make_user("staff")
    messages, _ = say(ActionShowBill(), "查水费", "query_bill", auth(staff))
    assert "客服工作台" in texts(messages) and "86.72" not in texts(messages)


def test_usage_with_chart_payload(session, resident_a):
    user, _ = resident_a
    messages, _ = say(ActionShowUsage(), "最近三个月用了多少水", "query_usage", auth(user))
    reply = texts(messages)
    assert "3101200456" in reply and "最近3个月" in reply and "共用水" in reply
    chart = next(m["custom"] for m in messages if m.get("custom"))
    assert chart["type"] == "chart" and chart["option"]["series"][0]["type"] == "bar"
    assert len(chart["option"]["xAxis"]["data"]) == 3  # Sep, Oct, Nov


def test_household_forms_do_not_start_for_visitors():
    messages, events = say(ActionCheckHousehold(), "我要报修", "report_repair", anonymous())
    assert slot_events(events)["household_ready"] is False
    assert "登录" in texts(messages)


def test_payment_form_prefills_the_only_open_bill(resident_a):
    user, home = resident_a
    _, events = say(ActionCheckHousehold(), "交水费", "pay_bill", auth(user))
    slots = slot_events(events)
    assert slots["household_ready"] is True and slots["account_no"] == "3101200456"
    assert slots["pay_bill_id"] is not None


def test_repair_form_correction_and_ticket(session, resident_a, resident_b):
    user, home = resident_a
    who = auth(user)
    filled = {"repair_category": "leak", "repair_location": "二楼卫生间", "account_no": home.account_no}
    # "不对，是三楼" while being asked for the description corrects the location.
    messages, events = say(ValidateRepairForm(), "不对，是三楼卫生间", "deny", who, slots={
        **filled, "requested_slot": "repair_description"}, active_loop="repair_form",
        events=[{"event": "slot", "name": "repair_location", "value": "二楼卫生间"}])
    assert slot_events(events)["repair_location"] == "三楼卫生间"
    assert "已把位置改为“三楼卫生间”" in texts(messages)

    messages, events = say(ActionSubmitRepair(), "确认提交", "affirm", who, slots={
        **filled, "repair_location": "三楼卫生间", "repair_description": "水管接头一直在滴水",
        "repair_contact_time": "明天上午", "repair_confirm": True})
    ticket = session.scalars(select(Ticket)).one()
    assert ticket.household_id == home.id and ticket.reporter_id == user.id
    assert "三楼卫生间" in ticket.description and ticket.category.value == "leak"
    assert ticket.ticket_no in texts(messages)
    assert slot_events(events)["repair_location"] is None  # the form is cleared

    status, _ = say(ActionRepairStatus(), "我的报修怎么样了", "repair_status", who)
    assert ticket.ticket_no in texts(status) and "已提交" in texts(status)
    # Resident B cannot see A's ticket, even by its number.
    other, _ = say(ActionRepairStatus(), f"{ticket.ticket_no}处理到哪了", "repair_status", auth(resident_b[0]),
                   entities=[{"entity": "ticket_no", "value": ticket.ticket_no}])
    assert "未找到该报修单" in texts(other) and "三楼" not in texts(other)


REPAIR_FILLED = {"repair_category": "leak", "repair_location": "三楼卫生间",
                 "repair_description": "水管接头一直在滴水", "repair_contact_time": "明天上午",
                 "requested_slot": "repair_confirm"}


def test_the_repair_summary_shows_what_will_be_filed(session, resident_a):
    user, home = resident_a
    shown, events = say(ActionAskRepairConfirm(), "明天上午", "inform", auth(user),
                        slots={**REPAIR_FILLED, "account_no": home.account_no,
                               "repair_uploads": ["11", "12"]}, active_loop="repair_form")
    text = texts(shown)
    for part in ("漏水", "三楼卫生间", "水管接头一直在滴水", "明天上午", "照片/视频：2 个"):
        assert part in text, text
    assert [b["title"] for b in shown[0]["buttons"]] == ["确认提交", "不报了"]
    assert events == [] and session.scalars(select(Ticket)).all() == []


@pytest.mark.parametrize("text,intent,confidence", [
    ("阿巴阿巴", "affirm", 0.78), ("🤔🤔", "nlu_fallback", 0.9), ("差不多吧", "affirm", 0.95),
    ("三楼卫生间", "inform", 0.99)])
def test_an_unclear_answer_to_the_repair_summary_files_nothing(session, resident_a, text, intent,
                                                              confidence):
    user, home = resident_a
    t = tracker(text, intent, sender=auth(user)["sender"], metadata=auth(user)["metadata"],
                slots={**REPAIR_FILLED, "account_no": home.account_no}, active_loop="repair_form",
                confidence=confidence)
    dispatcher = CollectingDispatcher()
    assert ValidateRepairForm().validate_repair_confirm(text, dispatcher, t, {}) == {"repair_confirm": None}
    assert texts(dispatcher.messages) == messages.REPAIR_CONFIRM_UNCLEAR
    # Were the form to end some other way, the submit step still files nothing.
    shown, events = run(ActionSubmitRepair(), t)
    assert "没有提交" in texts(shown) and slot_events(events)["repair_location"] is None
    assert session.scalars(select(Ticket)).all() == []


@pytest.mark.parametrize("text", ["确认提交", "确认", "好的", "/affirm"])
def test_a_plain_yes_to_the_repair_summary_is_taken(resident_a, text):
    user, home = resident_a
    t = tracker(text, "affirm", sender=auth(user)["sender"], metadata=auth(user)["metadata"],
                slots={**REPAIR_FILLED, "account_no": home.account_no}, active_loop="repair_form")
    dispatcher = CollectingDispatcher()
    assert ValidateRepairForm().validate_repair_confirm(True, dispatcher, t, {}) == {"repair_confirm": True}
    assert dispatcher.messages == []


def test_cancelling_a_form_clears_it():
    messages, events = run(ActionCancelForm(), tracker("算了", "deny", sender="anon-1", active_loop="repair_form",
                                                       slots={"repair_location": "三楼"}))
    assert "已取消本次报修" in texts(messages)
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    assert slot_events(events)["repair_location"] is None


def test_payment_not_confirmed_creates_nothing(session, resident_a):
    user, _ = resident_a
    _, events = say(ActionCheckHousehold(), "交水费", "pay_bill", auth(user))
    bill_id = slot_events(events)["pay_bill_id"]
    messages, _ = say(ActionSubmitPayment(), "不了", "deny", auth(user), slots={
        "pay_bill_id": bill_id, "pay_method": "wechat", "pay_confirm": False, "account_no": "3101200456"})
    assert "已取消这次缴费" in texts(messages)
    assert session.scalars(select(Payment)).all() == []


def test_typed_meter_reading_is_kept_for_review(session, resident_a):
    user, home = resident_a
    who = auth(user)
    _, events = say(ValidateMeterReadingForm(), "读数是 00120", "submit_meter_reading", who,
                    slots={"requested_slot": "meter_reading", "account_no": home.account_no},
                    active_loop="meter_reading_form")
    assert slot_events(events)["meter_reading"] == "120"
    messages, _ = say(ActionSubmitMeterReading(), "读数是 00120", "submit_meter_reading", who,
                      slots={"meter_reading": "120", "account_no": home.account_no})
    assert "读数 120 已登记" in texts(messages)
    pending = session.scalars(select(Reading).where(Reading.status == ReadingStatus.PENDING_REVIEW)).all()
    assert [r.value for r in pending] == [Decimal("120.000")]


def test_a_second_miss_offers_a_human():
    first = tracker("咕噜咕噜", "nlu_fallback", sender="anon-1")
    messages, _ = run(ActionFallback(), first)
    assert 2 <= len(messages[0]["buttons"]) <= 3
    assert "/human_handoff" not in [b["payload"] for b in messages[0]["buttons"]]
    second = tracker("哔哔啵", "nlu_fallback", sender="anon-1", events=[
        {"event": "user", "text": "咕噜咕噜", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "bot", "text": "抱歉"}])
    messages, _ = run(ActionFallback(), second)
    assert messages[0]["buttons"][0]["payload"] == "/human_handoff"


# Confirmations: nonsense that the model happens to call "affirm" pays and records nothing.


def _pay_slots(session, user):
    _, events = say(ActionCheckHousehold(), "交水费", "pay_bill", auth(user))
    return {"pay_bill_id": slot_events(events)["pay_bill_id"], "pay_method": "wechat",
            "account_no": "3101200456", "requested_slot": "pay_confirm"}


@pytest.mark.parametrize("text,confidence", [("阿巴阿巴", 0.78), ("啊啊啊", 0.86), ("好的", 0.62)])
def test_an_unclear_yes_to_a_payment_is_asked_again(session, resident_a, text, confidence):
    user, _ = resident_a
    slots = _pay_slots(session, user)
    t = tracker(text, "affirm", sender=auth(user)["sender"], metadata=auth(user)["metadata"],
                slots={**slots, "pay_confirm": True}, active_loop="payment_form", confidence=confidence)
    dispatcher = CollectingDispatcher()
    result = ValidatePaymentForm().validate_pay_confirm(True, dispatcher, t, {})
    assert result == {"pay_confirm": None}
    assert texts(dispatcher.messages) == messages.PAY_CONFIRM_UNCLEAR
    # Even if the slot were set some other way, the submit step refuses too.
    shown, events = run(ActionSubmitPayment(), t)
    assert "还没有扣款" in texts(shown) and slot_events(events) == {"pay_confirm": None}
    assert session.scalars(select(Payment)).all() == []


@pytest.mark.parametrize("text", ["确认", "是的", "好的！", "/affirm"])
def test_a_plain_yes_to_a_payment_is_taken(session, resident_a, text):
    user, _ = resident_a
    t = tracker(text, "affirm", sender=auth(user)["sender"], metadata=auth(user)["metadata"],
                slots={**_pay_slots(session, user), "pay_confirm": True}, active_loop="payment_form")
    dispatcher = CollectingDispatcher()
    assert ValidatePaymentForm().validate_pay_confirm(True, dispatcher, t, {}) == {"pay_confirm": True}
    assert dispatcher.messages == []


@pytest.mark.parametrize("text,intent", [("阿巴阿巴", "affirm"), ("🤔🤔", "nlu_fallback")])
def test_an_unclear_answer_does_not_confirm_a_photo_reading(text, intent):
    t = tracker(text, intent, sender="user-1", confidence=0.78, active_loop="meter_reading_form",
                slots={"requested_slot": "meter_reading", "meter_photo_id": "7"})
    dispatcher = CollectingDispatcher()
    extracted = asyncio.run(ValidateMeterReadingForm().extract_meter_reading(dispatcher, t, {}))
    assert extracted == {"meter_reading": None}
    assert dispatcher.messages[0]["text"] == messages.READING_CONFIRM_UNCLEAR
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm"]


def test_the_reading_button_or_a_plain_yes_confirms_a_photo_reading():
    for text in ("/affirm", "对"):
        t = tracker(text, "affirm", sender="user-1", active_loop="meter_reading_form",
                    slots={"requested_slot": "meter_reading", "meter_photo_id": "7"})
        dispatcher = CollectingDispatcher()
        assert asyncio.run(ValidateMeterReadingForm().extract_meter_reading(dispatcher, t, {})) == {
            "meter_reading": "confirm"}
        assert dispatcher.messages == []


def test_not_understood_inside_a_form_leaves_the_form_to_ask_again():
    messages_, _ = run(ActionFallback(), tracker("咕噜咕噜", "nlu_fallback", sender="anon-1",
                                                 active_loop="payment_form"))
    assert texts(messages_) == messages.FALLBACK_IN_FORM
    assert not messages_[0].get("buttons")  # no buttons that would lead out of the form


@pytest.mark.parametrize("text", ["是的", "对对对", "好的好的", "确认缴费", "嗯嗯", "没问题啊", "OK", "是的，确认", "行"])
def test_plain_affirmatives(text):
    assert plain_yes(text)


@pytest.mark.parametrize("text", ["阿巴阿巴", "啊啊啊", "🤔", "是我", "不确认", "好像不对", "asdf", "", "确认个鬼"])
def test_anything_else_is_not_a_plain_yes(text):
    assert not plain_yes(text)


def test_explicit_yes_needs_the_intent_the_confidence_and_the_words():
    def msg(text, intent="affirm", confidence=0.99):
        return {"text": text, "intent": {"name": intent, "confidence": confidence}}

    assert explicit_yes(msg("确认")) and explicit_yes(msg("/affirm", confidence=1.0))
    assert not explicit_yes(msg("确认", confidence=0.7))
    assert not explicit_yes(msg("确认", intent="deny"))
    assert not explicit_yes(msg("阿巴阿巴"))
    assert not explicit_yes(msg("/deny", confidence=1.0))
