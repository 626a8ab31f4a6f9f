"""Binding a household in chat: 户号, the holder's name and one more proof (last bill amount or
meter number), checked by the bindings service (rate-limited, one message for every mismatch)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import BlockingAction, db, load_user
from actions.forms import FORM_SLOTS, CorrectableFormValidation
from shuiwu.errors import DomainError

_ACCOUNT = re.compile(r"(?<![0-9])(\d{10})(?![0-9])")
_SERIAL = re.compile(r"(?i)(?<![0-9a-z])([a-z]{0,4}\d{6,14})(?![0-9])")
_AMOUNT = re.compile(r"(?<![0-9.])(\d{1,6}(?:\.\d{1,2})?)\s*(?:元|块)?")


def parse_proof(text: str | None) -> tuple[Decimal | None, str | None]:
    """"56.80元" → (56.80, None); "NB2312345678" → (None, "NB2312345678"); else (None, None)."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    serial = _SERIAL.search(value)
    if serial and re.search(r"[A-Za-z]", serial.group(1)):
        return None, serial.group(1).upper()
    amount = _AMOUNT.fullmatch(value.replace("，", "").replace(",", "")) or (
        _AMOUNT.search(value) if ("元" in value or "块" in value or "金额" in value) else None)
    if amount:
        return Decimal(amount.group(1)).quantize(Decimal("0.01")), None
    if serial:
        return None, serial.group(1)
    return None, None


class ValidateBindForm(CorrectableFormValidation):
    def name(self) -> str:
        return "validate_bind_form"

    def form_name(self) -> str:
        return "bind_form"

    def correction_target(self, value: str, tracker: Tracker) -> str | None:
        if _ACCOUNT.search(value):
            return "bind_account_no"
        amount, serial = parse_proof(value)
        if amount is not None or serial is not None:
            return "bind_proof"
        return "bind_holder_name"

    def validate_bind_account_no(self, value, dispatcher, tracker, domain):
        match = _ACCOUNT.search(unicodedata.normalize("NFKC", str(value or "")))
        if not match:
            dispatcher.utter_message(text="户号是 10 位数字，请核对后重新输入。")
            return {"bind_account_no": None}
        return {"bind_account_no": match.group(1)}

    def validate_bind_holder_name(self, value, dispatcher, tracker, domain):
        name = re.sub(r"^(?:户主(?:姓名)?(?:是|叫)?|我叫|叫)", "", str(value or "").strip()).strip()
        if not 1 <= len(name) <= 40 or re.search(r"\d", name):
            dispatcher.utter_message(text="请输入户主的姓名（不含数字，40 字以内）。")
            return {"bind_holder_name": None}
        return {"bind_holder_name": name}

    def validate_bind_proof(self, value, dispatcher, tracker, domain):
        amount, serial = parse_proof(str(value or ""))
        if amount is None and serial is None:
            dispatcher.utter_message(text="请输入最近一期账单金额（如 56.80 元）或水表编号（如 NB2312345678）。")
            return {"bind_proof": None}
        return {"bind_proof": str(amount) + "元" if amount is not None else serial}


class ActionSubmitBinding(BlockingAction):
    def name(self) -> str:
        return "action_submit_binding"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        from shuiwu.services.bindings import Proof, bind

        reset = [SlotSet(s, None) for s in FORM_SLOTS["bind_form"]]
        amount, serial = parse_proof(tracker.get_slot("bind_proof"))
        with db() as session:
            user = load_user(session, tracker)
            if user is None:
                from actions.common import ask_to_login

                ask_to_login(dispatcher, "bind_account")
                return reset
            try:
                household = bind(
                    session, user, tracker.get_slot("bind_account_no") or "",
                    Proof(holder_name=tracker.get_slot("bind_holder_name") or "",
                          last_bill_amount=amount, meter_serial=serial),
                )
            except DomainError as exc:
                dispatcher.utter_message(
                    text=f"绑定没有成功：{exc.message}。",
                    buttons=[{"title": "重新绑定", "payload": "/bind_account"},
                             {"title": "转人工客服", "payload": "/human_handoff"}])
                return reset
            account_no = household.account_no
        dispatcher.utter_message(
            text=f"户号 {account_no} 已绑定到您的账号，现在可以查询账单和用水情况了。",
            buttons=[{"title": "查询水费", "payload": "/query_bill"},
                     {"title": "查看用水量", "payload": "/query_usage"}])
        return [*reset, SlotSet("account_no", account_no)]
