"""What all forms share: cancelling ("算了"), correcting an earlier answer mid-way
("不对，是三楼"), the questions they ask, and the check that decides whether a household form
may start at all (logged in, a household bound and chosen)."""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.common import (
    BlockingAction,
    ask_to_login,
    current_intent,
    db,
    intent_payload,
    load_user,
    resolve_household,
)
from shuiwu.models import Role

FORM_SLOTS: dict[str, list[str]] = {
    "repair_form": ["repair_category", "repair_location", "repair_description",
                    "repair_contact_time", "repair_uploads", "repair_confirm"],
    "payment_form": ["pay_bill_id", "pay_method", "pay_confirm"],
    "bind_form": ["bind_account_no", "bind_holder_name", "bind_proof"],
    "meter_reading_form": ["meter_reading", "meter_photo_id"],
}
FORM_OF_INTENT = {
    "report_repair": "repair_form",
    "pay_bill": "payment_form",
    "bind_account": "bind_form",
    "submit_meter_reading": "meter_reading_form",
}

# "不对，是三楼" / "错了，应该是明天上午" / "改成卫生间": a correction and its new value.
_CORRECTION = re.compile(
    r"^\s*(?:不对|不是|错了|说错了|搞错了|弄错了|写错了|更正一下|更正|纠正一下)"
    r"[\s,，。.!！、]*(?:应该是|是|改成|改为|换成)?\s*(?P<value>.+?)\s*[。.!！]*$"
    r"|^\s*(?:改成|改为|换成|应该是)\s*(?P<value2>.+?)\s*[。.!！]*$"
)


_NOT_A_VALUE = {"的", "了", "啊", "吧", "呢", "这个", "那个", "这样", "不对", "不是", "对", "是"}


def correction_value(text: str | None) -> str | None:
    """The new value of a correction, or None when the message is not one (or has no value)."""
    match = _CORRECTION.match(text or "")
    if not match:
        return None
    value = (match.group("value") or match.group("value2") or "").strip(" ，,。")
    if not value or value in _NOT_A_VALUE or correction_value(value) is not None:
        return None
    return value


class ActionCancelForm(Action):
    """The resident said "算了" in a form: stop it and forget what was filled in."""

    def name(self) -> str:
        return "action_cancel_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        form = (tracker.active_loop or {}).get("name")
        label = messages.FORM_LABELS.get(form or "", "办理")
        dispatcher.utter_message(text=messages.FORM_CANCELLED.format(label=label))
        events: list[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        events += [SlotSet(slot, None) for slot in FORM_SLOTS.get(form or "", [])]
        return events


class ActionCheckHousehold(BlockingAction):
    """Before a household form starts: is the resident logged in, with a household chosen?

    Sets household_ready (the rules branch on it) and, for a payment with exactly one bill to
    pay, pre-fills pay_bill_id. Whatever is missing is told to the resident here.
    """

    def name(self) -> str:
        return "action_check_household"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        intent = current_intent(tracker)
        form = FORM_OF_INTENT.get(intent or "")
        # A fresh start: nothing of an earlier attempt of this form carries over.
        events: list[EventType] = [SlotSet(s, None) for s in FORM_SLOTS.get(form or "", [])
                                   if s not in ("repair_category",)]
        with db() as session:
            if intent == "bind_account":
                user = load_user(session, tracker)
                if user is None:
                    ask_to_login(dispatcher, intent)
                    return [*events, SlotSet("household_ready", False)]
                if user.role is not Role.RESIDENT:
                    dispatcher.utter_message(text=messages.STAFF_USE_CONSOLE)
                    return [*events, SlotSet("household_ready", False)]
                return [*events, SlotSet("household_ready", True)]
            found = resolve_household(session, tracker, dispatcher, intent)
            if not found.ok:
                return [*events, SlotSet("household_ready", False)]
            events.append(SlotSet("account_no", found.household.account_no))
            if intent == "pay_bill":
                from actions.pay import open_bills

                bills = open_bills(session, found.user, found.household.id)
                if not bills:
                    dispatcher.utter_message(
                        text=f"户号 {found.household.account_no} 目前没有待缴的账单，无需缴费。")
                    return [*events, SlotSet("household_ready", False)]
                if len(bills) == 1:
                    events.append(SlotSet("pay_bill_id", str(bills[0].id)))
            if intent == "report_repair":
                # "水管爆了" already says what is wrong: keep it, drop anything older.
                from shuiwu.services.tickets import category_from_text

                said = category_from_text(tracker.latest_message.get("text"))
                events.append(SlotSet("repair_category", said.value if said else None))
        return [*events, SlotSet("household_ready", True)]


class CorrectableFormValidation(FormValidationAction):
    """A form's validation that also understands corrections of earlier answers."""

    @abstractmethod
    def form_name(self) -> str:
        """The form this validates (abstract: rasa-sdk registers only concrete actions)."""

    def correction_target(self, value: str, tracker: Tracker) -> str | None:
        """Which slot a correction's value is about; None = the one answered last."""
        return None

    def extra_events(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Slots this form fills from anything but the text (e.g. uploads in the metadata)."""
        return []

    def _last_filled(self, tracker: Tracker) -> str | None:
        slots = FORM_SLOTS[self.form_name()]
        for event in reversed(tracker.events):
            if event.get("event") == "slot" and event.get("name") in slots and event.get("value") is not None:
                return event["name"]
        return None

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        extra = self.extra_events(dispatcher, tracker)
        text = tracker.latest_message.get("text") or ""
        value = correction_value(text)
        requested = tracker.get_slot("requested_slot")
        if value and not text.startswith("/"):
            target = self.correction_target(value, tracker) or self._last_filled(tracker) or requested
            if target:
                validator = getattr(self, f"validate_{target}", None)
                checked = {target: value}
                if validator is not None:
                    result = validator(value, dispatcher, tracker, domain)
                    checked = await result if hasattr(result, "__await__") else result
                events: list[EventType] = [SlotSet(k, v) for k, v in checked.items()]
                if checked.get(target) is not None and target != requested:
                    shown = checked[target]
                    dispatcher.utter_message(text=messages.CORRECTED.format(
                        field=FIELD_NAMES.get(target, "这一项"), value=shown))
                if requested and requested != target and tracker.get_slot(requested) == text:
                    events.append(SlotSet(requested, None))  # the correction is not an answer
                return extra + events
        return extra + await super().run(dispatcher, tracker, domain)


FIELD_NAMES = {
    "repair_category": "问题类型",
    "repair_location": "位置",
    "repair_description": "情况描述",
    "repair_contact_time": "联系时间",
    "pay_method": "支付方式",
    "bind_account_no": "户号",
    "bind_holder_name": "户主姓名",
    "bind_proof": "核对信息",
    "meter_reading": "读数",
}

def _buttons(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"title": title, "payload": payload} for title, payload in pairs]


# The questions forms ask, one action per slot (Rasa runs action_ask_<slot>).
QUESTIONS: dict[str, dict[str, Any]] = {
    "repair_category": {
        "text": "请问是什么问题？",
        "buttons": _buttons(("漏水/爆管", "漏水"), ("水压低", "水压低"), ("水质发黄/有异味", "水质问题"),
                            ("水表故障", "水表故障")),
    },
    "repair_location": {"text": "请告诉我具体位置，比如“家里厨房”“3栋2单元楼道”或“小区东门路边”。"},
    "repair_description": {"text": "请简单描述一下情况（比如从什么时候开始、严不严重）。方便的话可以同时上传照片或视频。"},
    "repair_contact_time": {"text": "维修师傅什么时间方便联系您？比如“今天下午”“明天上午9点以后”“随时都行”。"},
    "pay_method": {
        "text": "请选择支付方式：",
        "buttons": _buttons(*((label, intent_payload("pay_bill", pay_method=method)) for method, label in (
            ("wechat", "微信支付"), ("alipay", "支付宝"), ("bank_card", "银行卡")))),
    },
    "bind_account_no": {"text": "请输入要绑定的户号（10 位数字，印在水费账单或缴费通知单上）。"},
    "bind_holder_name": {"text": "请输入户主姓名，用于核对身份。"},
    "bind_proof": {"text": "请再提供一项核对信息：最近一期账单金额（如 56.80 元）或水表编号（如 NB2312345678）。"},
    "meter_reading": {"text": "请拍一张清晰的水表照片上传，或者直接输入表上黑色的整数读数（如 01234）。"},
}


def _ask_action(slot: str) -> type[Action]:
    question = QUESTIONS[slot]

    class AskSlot(Action):
        def name(self) -> str:
            return f"action_ask_{slot}"

        def run(self, dispatcher, tracker, domain):
            dispatcher.utter_message(text=question["text"], buttons=question.get("buttons", []))
            return []

    AskSlot.__name__ = AskSlot.__qualname__ = "ActionAsk" + "".join(p.title() for p in slot.split("_"))
    return AskSlot


# Module-level names, so rasa-sdk's registry (it collects Action subclasses) finds each one.
ASK_ACTIONS = {slot: _ask_action(slot) for slot in QUESTIONS if slot != "meter_reading"}  # meter.py asks that one
globals().update({cls.__name__: cls for cls in ASK_ACTIONS.values()})
