"""Self-service meter reading in chat: a photo (upload id in the message metadata) read by the
vision service, or digits typed by the resident (kept for staff review)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.common import BlockingAction, db, resolve_household
from actions.confirm import explicit_yes
from actions.forms import FORM_SLOTS, QUESTIONS, CorrectableFormValidation
from actions.identity import upload_ids
from shuiwu.errors import DomainError

_DIGITS = re.compile(r"(?<![0-9.])(\d{1,6}(?:\.\d{1,3})?)(?![0-9])")
PHOTO_REPLIES = {
    "accepted": "照片识别成功：{reason}。读数 **{reading}** 已记录，谢谢您自助抄表！",
    "review": "照片已收到，识别读数为 {reading}，{reason}。已交给工作人员复核，结果会通知您。",
    "rejected": "这张照片没能识别出读数：{reason}。请靠近一些、对准计数窗口重新拍一张，或直接输入读数。",
}


def typed_reading(text: str | None) -> Decimal | None:
    """The reading typed in a message ("读数是 01234" → 1234); None if there is no such number."""
    numbers = _DIGITS.findall(text or "")
    if len(numbers) != 1:
        return None
    try:
        return Decimal(numbers[0])
    except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
        return None


def record_typed_reading(session, user, household, value: Decimal) -> tuple[str, Decimal | None]:
    """Keep a typed reading for staff review (never accepted unchecked). Returns (status, last)."""
    from shuiwu.models import Reading, ReadingSource, ReadingStatus
    from shuiwu.models._types import utcnow
    from shuiwu.services import audit
    from shuiwu.services.households import Access, get_household, last_reading

    household = get_household(session, user, household.id, Access.HOUSEHOLD)
    meter = household.active_meter
    if meter is None:
        raise DomainError("该户号没有在用的水表，请联系客服")
    if value >= Decimal(10) ** meter.digits:
        raise DomainError(f"读数超出了这块水表的量程（{meter.digits} 位整数），请核对后重新输入")
    last = last_reading(session, household)
    reading = Reading(meter_id=meter.id, value=value, read_at=utcnow(), source=ReadingSource.MANUAL,
                      status=ReadingStatus.PENDING_REVIEW, note="居民在智能客服中自报读数")
    session.add(reading)
    session.flush()
    audit.record(session, user, "reading.self_report", "reading", reading.id, household_id=household.id)
    return "review", (Decimal(last.value) if last else None)


class ValidateMeterReadingForm(CorrectableFormValidation):
    def name(self) -> str:
        return "validate_meter_reading_form"

    def form_name(self) -> str:
        return "meter_reading_form"

    async def extract_meter_reading(self, dispatcher, tracker: Tracker, domain):
        uploads = upload_ids(tracker)
        if uploads:
            return {"meter_reading": f"upload:{uploads[0]}"}
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        value = typed_reading(tracker.latest_message.get("text"))
        if tracker.get_slot("meter_photo_id") and value is None:
            if explicit_yes(tracker.latest_message):
                return {"meter_reading": "confirm"}
            if intent in ("affirm", "nlu_fallback"):
                # Not a plain yes (or nonsense): nothing is recorded; ask again, with the button.
                dispatcher.utter_message(text=messages.READING_CONFIRM_UNCLEAR,
                                         buttons=[{"title": "读数正确", "payload": "/affirm"}])
                return {"meter_reading": None}
        return {"meter_reading": str(value)} if value is not None else {}

    def validate_meter_reading(self, value, dispatcher, tracker, domain):
        if not value:
            return {"meter_reading": None}
        text = str(value)
        if text.startswith("upload:"):
            return self._photo(text.removeprefix("upload:"), dispatcher, tracker)
        photo_id = tracker.get_slot("meter_photo_id")
        if photo_id:
            return self._confirm(photo_id, None if text == "confirm" else text, dispatcher, tracker)
        if text == "confirm":
            return {"meter_reading": None}
        return {"meter_reading": text}

    def _photo(self, upload_id: str, dispatcher, tracker) -> dict[str, Any]:
        with db() as session:
            found = resolve_household(session, tracker, dispatcher, "submit_meter_reading")
            if not found.ok:
                return {"meter_reading": None}
            try:
                from shuiwu.services.meter_photos import read_photo
            except ImportError:
                return {"meter_reading": f"photo:{upload_id}:pending"}
            try:
                result = read_photo(session, found.user, found.household.id, int(upload_id))
            except (DomainError, ValueError) as exc:
                dispatcher.utter_message(text=getattr(exc, "message", "照片无法识别，请重新拍一张"))
                return {"meter_reading": None}
        status = result.get("status")
        if status == "confirm":
            dispatcher.utter_message(
                text=f"识别出的读数是 **{result.get('reading')}**，请核对表上的黑色数字：对的话请点“读数正确”，不对请直接输入正确读数。",
                buttons=[{"title": "读数正确", "payload": "/affirm"}])
            return {"meter_reading": None, "meter_photo_id": str(result.get("photo_id"))}
        return {"meter_reading": f"photo:{result.get('photo_id')}:{status}:{result.get('reading') or ''}:{result.get('reason') or ''}"}

    def _confirm(self, photo_id: str, value: str | None, dispatcher, tracker) -> dict[str, Any]:
        from shuiwu.services.meter_photos import confirm_photo

        with db() as session:
            found = resolve_household(session, tracker, dispatcher, "submit_meter_reading")
            if not found.ok:
                return {"meter_reading": None}
            try:
                result = confirm_photo(session, found.user, int(photo_id), value)
            except (DomainError, ValueError) as exc:
                dispatcher.utter_message(text=getattr(exc, "message", "读数确认失败，请重新输入"))
                return {"meter_reading": None}
        return {"meter_reading": f"photo:{result.get('photo_id')}:{result.get('status')}:{result.get('reading') or ''}:{result.get('reason') or ''}",
                "meter_photo_id": None}


class ActionAskMeterReading(Action):
    """Overrides the plain question when a photo's reading awaits confirmation."""

    def name(self) -> str:
        return "action_ask_meter_reading"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        if not tracker.get_slot("meter_photo_id"):
            dispatcher.utter_message(text=QUESTIONS["meter_reading"]["text"])
        return []


class ActionSubmitMeterReading(BlockingAction):
    def name(self) -> str:
        return "action_submit_meter_reading"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        reset = [SlotSet(s, None) for s in FORM_SLOTS["meter_reading_form"]]
        value = str(tracker.get_slot("meter_reading") or "")
        if value.startswith("photo:"):
            _, _photo_id, status, reading, reason = (value.split(":", 4) + ["", "", "", ""])[:5]
            if status == "pending":
                dispatcher.utter_message(text="照片已收到，将由工作人员核对读数，结果会通知您。")
            else:
                template = PHOTO_REPLIES.get(status, PHOTO_REPLIES["review"])
                dispatcher.utter_message(text=template.format(reading=reading or "未识别", reason=reason or "需要人工核对"))
            return reset
        try:
            typed = Decimal(value)
        except InvalidOperation:
            dispatcher.utter_message(text="没有收到有效的读数，请重新开始自助抄表。")
            return reset
        with db() as session:
            found = resolve_household(session, tracker, dispatcher, "submit_meter_reading")
            if not found.ok:
                return reset
            try:
                _, last = record_typed_reading(session, found.user, found.household, typed)
            except DomainError as exc:
                dispatcher.utter_message(text=exc.message)
                return reset
        text = f"读数 {typed} 已登记（户号 {found.household.account_no}），工作人员核对后生效。"
        if last is not None and typed < last:
            text += f"\n注意：这个读数比上次的 {last} 还小，请再核对一下表上的黑色数字。"
        dispatcher.utter_message(text=text)
        return reset
