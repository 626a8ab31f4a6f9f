"""Repairs in chat: the repair form (category, location, description, photos/videos, contact time),
filing the ticket, and its progress."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.common import (
    BlockingAction,
    ask_to_login,
    db,
    latest_entity,
    load_user,
    resolve_household,
)
from actions.confirm import explicit_yes
from actions.forms import FORM_SLOTS, CorrectableFormValidation
from actions.identity import upload_ids
from shuiwu.errors import DomainError

_LOCATION_WORDS = re.compile(r"[楼层室栋幢单元号路街巷院门口]|厨房|卫生间|厕所|阳台|客厅|小区|地下室|楼道|表井|马路")
_TIME_WORDS = re.compile(r"上午|下午|晚上|中午|早上|明天|今天|后天|周[一二三四五六日末]|星期|随时|\d{1,2}点|几点|时间")


def _length_ok(value: Any, low: int, high: int) -> str | None:
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    return text if low <= len(text) <= high else None


class ValidateRepairForm(CorrectableFormValidation):
    def name(self) -> str:
        return "validate_repair_form"

    def form_name(self) -> str:
        return "repair_form"

    def correction_target(self, value: str, tracker: Tracker) -> str | None:
        from shuiwu.services.tickets import category_from_text

        if category_from_text(value) is not None and not _LOCATION_WORDS.search(value):
            return "repair_category"
        if _TIME_WORDS.search(value):
            return "repair_contact_time"
        if _LOCATION_WORDS.search(value):
            return "repair_location"
        return None

    def extra_events(self, dispatcher, tracker: Tracker):
        new = upload_ids(tracker)
        if not new:
            return []
        have = list(tracker.get_slot("repair_uploads") or [])
        merged = have + [u for u in new if u not in have]
        dispatcher.utter_message(text=f"已收到 {len(merged)} 个照片/视频，会随报修单一起提交。")
        return [SlotSet("repair_uploads", merged[:9])]

    def validate_repair_category(self, value, dispatcher, tracker, domain):
        from shuiwu.models import TicketCategory
        from shuiwu.services.tickets import category_from_text

        if value is None:
            return {"repair_category": None}
        category = category_from_text(str(value))
        if category is None:
            if _length_ok(value, 2, 200) is None:
                dispatcher.utter_message(text="没太明白是什么问题，请点选下面的类型，或用一句话说说。")
                return {"repair_category": None}
            category = TicketCategory.OTHER
        return {"repair_category": category.value}

    def validate_repair_location(self, value, dispatcher, tracker, domain):
        text = _length_ok(value, 2, 200)
        if text is None:
            dispatcher.utter_message(text="位置请写得具体一点（2 到 200 个字），比如“3栋2单元楼道”。")
        return {"repair_location": text}

    def validate_repair_description(self, value, dispatcher, tracker, domain):
        text = _length_ok(value, 2, 1000)
        if text is None:
            dispatcher.utter_message(text="情况描述请控制在 2 到 1000 个字。")
        return {"repair_description": text}

    def validate_repair_contact_time(self, value, dispatcher, tracker, domain):
        text = _length_ok(value, 2, 100)
        if text is None:
            dispatcher.utter_message(text="请说一个方便联系的时间，比如“明天上午”。")
        return {"repair_contact_time": text}

    def validate_repair_confirm(self, value, dispatcher, tracker, domain):
        # The slot takes any answer to the summary; only a plain yes (or the button) files it,
        # so nonsense or a half-read summary never becomes a ticket.
        if value is None:
            return {"repair_confirm": None}
        if explicit_yes(tracker.latest_message):
            return {"repair_confirm": True}
        dispatcher.utter_message(text=messages.REPAIR_CONFIRM_UNCLEAR)
        return {"repair_confirm": None}


class ActionAskRepairConfirm(BlockingAction):
    """The summary of the ticket about to be filed, with 确认提交 / 不报了."""

    def name(self) -> str:
        return "action_ask_repair_confirm"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        from shuiwu.models import TicketCategory
        from shuiwu.services.tickets import CATEGORY_LABELS

        try:
            category = CATEGORY_LABELS[TicketCategory(tracker.get_slot("repair_category") or "other")]
        except ValueError:
            category = CATEGORY_LABELS[TicketCategory.OTHER]
        uploads = list(tracker.get_slot("repair_uploads") or [])
        attachments = messages.REPAIR_CONFIRM_ATTACHMENTS.format(count=len(uploads)) if uploads else ""
        dispatcher.utter_message(
            text=messages.REPAIR_CONFIRM.format(
                category=category,
                location=tracker.get_slot("repair_location") or "",
                description=tracker.get_slot("repair_description") or "",
                contact_time=tracker.get_slot("repair_contact_time") or "",
                attachments=attachments,
            ),
            buttons=[{"title": "确认提交", "payload": "/affirm"},
                     {"title": "不报了", "payload": "/deny"}],
        )
        return []


class ActionSubmitRepair(BlockingAction):
    def name(self) -> str:
        return "action_submit_repair"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        from shuiwu.models import TicketCategory
        from shuiwu.services.tickets import CATEGORY_LABELS, attachments_from_uploads, create_ticket

        reset = [SlotSet(s, None) for s in FORM_SLOTS["repair_form"]]
        if tracker.get_slot("repair_confirm") is not True:
            # Only reachable if the form ended some other way than the resident's yes.
            dispatcher.utter_message(text=messages.REPAIR_NOT_CONFIRMED)
            return reset
        with db() as session:
            found = resolve_household(session, tracker, dispatcher, "report_repair")
            if not found.ok:
                return reset
            files, skipped = attachments_from_uploads(
                session, found.user, list(tracker.get_slot("repair_uploads") or []))
            try:
                ticket = create_ticket(
                    session, found.user, found.household.id,
                    category=tracker.get_slot("repair_category") or "other",
                    location=tracker.get_slot("repair_location") or "",
                    description=tracker.get_slot("repair_description") or "",
                    contact_time=tracker.get_slot("repair_contact_time") or "",
                    attachments=files,
                )
            except DomainError as exc:
                dispatcher.utter_message(text=f"报修没有提交成功：{exc.message}")
                return reset
            label = CATEGORY_LABELS[TicketCategory(ticket.category)]
            text = (f"报修已提交，单号 **{ticket.ticket_no}**（户号 {found.household.account_no}，{label}）。"
                    f"维修人员会在您方便的时间（{tracker.get_slot('repair_contact_time')}）联系您，"
                    "进度可以随时问我“报修进度”。")
            if files:
                text += f"\n已附 {len(files)} 个照片/视频。"
            if skipped:
                text += f"\n有 {skipped} 个文件找不到或不属于您，未附上。"
            dispatcher.utter_message(text=text, buttons=[
                {"title": "查询报修进度", "payload": "/repair_status"}])
        return reset


class ActionRepairStatus(BlockingAction):
    def name(self) -> str:
        return "action_repair_status"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        from shuiwu.models import Role
        from shuiwu.services.tickets import get_ticket, list_tickets, status_text

        with db() as session:
            user = load_user(session, tracker)
            if user is None:
                ask_to_login(dispatcher, "repair_status")
                return []
            if user.role is not Role.RESIDENT:
                dispatcher.utter_message(text=messages.STAFF_USE_CONSOLE)
                return []
            number = latest_entity(tracker, "ticket_no")
            try:
                tickets = [get_ticket(session, user, number)] if number else list_tickets(session, user, limit=5)
            except DomainError as exc:
                dispatcher.utter_message(text=exc.message)
                return []
            if not tickets:
                dispatcher.utter_message(text="您还没有报修记录。需要报修吗？",
                                         buttons=[{"title": "我要报修", "payload": "/report_repair"}])
                return []
            head = "报修进度：" if len(tickets) == 1 else f"您最近的 {len(tickets)} 张报修单："
            dispatcher.utter_message(text=head + "\n" + "\n".join(f"- {status_text(t)}" for t in tickets))
        return []
