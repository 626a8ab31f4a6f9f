"""Paying a bill in chat: the payment form (which bill, 微信/支付宝/银行卡, confirm) and the
payment itself, created by the payment service, which returns where to pay."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.common import BlockingAction, db, intent_payload, resolve_household
from actions.confirm import explicit_yes
from actions.forms import FORM_SLOTS, CorrectableFormValidation
from actions.messages import yuan
from shuiwu.errors import DomainError

METHODS = {
    "wechat": "微信支付", "alipay": "支付宝", "bank_card": "银行卡",
}
_METHOD_WORDS = (
    ("wechat", ("wechat", "微信", "vx", "威信")),
    ("alipay", ("alipay", "支付宝", "阿里")),
    ("bank_card", ("bank_card", "银行卡", "刷卡", "储蓄卡", "信用卡", "银联", "云闪付")),
)
PAYMENT_NOT_READY = "在线缴费正在接入中，暂时无法在这里付款。您可以到营业厅或通过银行代扣缴纳，给您添麻烦了。"


def method_from_text(text: str | None) -> str | None:
    value = (text or "").strip().lower()
    for method, words in _METHOD_WORDS:
        if any(w in value for w in words):
            return method
    return None


def open_bills(session, user, household_id: int) -> list:
    from shuiwu.models import BillStatus
    from shuiwu.services.households import bills

    return [b for b in bills(session, user, household_id, limit=24)
            if b.status in (BillStatus.UNPAID, BillStatus.OVERDUE)]


def _bill_of(session, tracker: Tracker, dispatcher: CollectingDispatcher):
    """The chosen bill, if it is an open bill of the resident's chosen household."""
    raw = tracker.get_slot("pay_bill_id")
    found = resolve_household(session, tracker, dispatcher, "pay_bill")
    if not found.ok or raw is None:
        return found, None
    bill = next((b for b in open_bills(session, found.user, found.household.id) if str(b.id) == str(raw)), None)
    return found, bill


class ActionAskPayBillId(BlockingAction):
    def name(self) -> str:
        return "action_ask_pay_bill_id"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        with db() as session:
            found = resolve_household(session, tracker, dispatcher, "pay_bill")
            if not found.ok:
                return []
            bills = open_bills(session, found.user, found.household.id)
            if not bills:
                dispatcher.utter_message(text="目前没有待缴的账单。如果不需要了，说“算了”即可。")
                return []
            dispatcher.utter_message(
                text=f"户号 {found.household.account_no} 有 {len(bills)} 期待缴账单，请选择要缴的一期：",
                buttons=[{"title": f"{b.period_start:%Y年%-m月} {yuan(b.amount)}",
                          "payload": intent_payload("pay_bill", bill_id=str(b.id))} for b in bills[:6]],
            )
        return []


class ValidatePaymentForm(CorrectableFormValidation):
    def name(self) -> str:
        return "validate_payment_form"

    def form_name(self) -> str:
        return "payment_form"

    def correction_target(self, value: str, tracker: Tracker) -> str | None:
        return "pay_method" if method_from_text(value) else None

    def validate_pay_bill_id(self, value, dispatcher, tracker, domain):
        with db() as session:
            tracker.slots["pay_bill_id"] = value
            found, bill = _bill_of(session, tracker, dispatcher)
            if found.ok and bill is None:
                dispatcher.utter_message(text="这期账单不在您的待缴账单里，请从下面的按钮里选择。")
            return {"pay_bill_id": str(bill.id) if bill else None}

    def validate_pay_method(self, value, dispatcher, tracker, domain):
        method = method_from_text(str(value)) if value else None
        if value and method is None:
            dispatcher.utter_message(text="目前支持微信支付、支付宝和银行卡，请从中选择一种。")
        return {"pay_method": method}

    def validate_pay_confirm(self, value, dispatcher, tracker, domain):
        # The slot's mapping takes any `affirm`; money moves only on a plain, confident yes.
        if value is True and not explicit_yes(tracker.latest_message):
            dispatcher.utter_message(text=messages.PAY_CONFIRM_UNCLEAR)
            return {"pay_confirm": None}
        return {"pay_confirm": bool(value) if value is not None else None}


class ActionAskPayConfirm(BlockingAction):
    def name(self) -> str:
        return "action_ask_pay_confirm"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        with db() as session:
            found, bill = _bill_of(session, tracker, dispatcher)
            if bill is None:
                return [SlotSet("pay_bill_id", None)] if found.ok else []
            method = METHODS.get(tracker.get_slot("pay_method") or "", "")
            dispatcher.utter_message(
                text=(f"请确认：用{method}缴纳户号 {found.household.account_no} "
                      f"{bill.period_start:%Y年%-m月}的水费 **{yuan(bill.amount)}**？"),
                buttons=[{"title": "确认缴费", "payload": "/affirm"},
                         {"title": "取消", "payload": "/deny"}],
            )
        return []


class ActionSubmitPayment(BlockingAction):
    def name(self) -> str:
        return "action_submit_payment"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        reset = [SlotSet(s, None) for s in FORM_SLOTS["payment_form"]]
        if tracker.get_slot("pay_confirm") is not True:
            dispatcher.utter_message(text="好的，已取消这次缴费，没有扣款。")
            return reset
        if not explicit_yes(tracker.latest_message):
            # Only reachable if something other than the form's check set the slot.
            dispatcher.utter_message(text=messages.PAY_CONFIRM_UNCLEAR)
            return [SlotSet("pay_confirm", None)]
        try:
            from shuiwu.services.payments import start_payment
        except ImportError:
            dispatcher.utter_message(text=PAYMENT_NOT_READY)
            return reset
        with db() as session:
            found, bill = _bill_of(session, tracker, dispatcher)
            if bill is None:
                if found.ok:
                    dispatcher.utter_message(text="这期账单已不在待缴列表中（可能已经缴清），无需再付。")
                return reset
            try:
                payment = start_payment(session, found.user, bill.id, tracker.get_slot("pay_method"))
            except DomainError as exc:
                dispatcher.utter_message(text=f"缴费没有发起成功：{exc.message}")
                return reset
        method = METHODS.get(str(payment.get("method")), str(payment.get("method")))
        amount = payment.get("amount")
        url = payment.get("pay_url")
        text = f"已为您创建缴费订单，{method}支付 **{amount} 元**。"
        if url:
            text += f"\n请点击[前往支付]({url})完成付款，付款成功后账单会自动更新为已缴。"
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(json_message={
            "type": "payment",
            "payment_id": payment.get("payment_id"),
            "amount": str(amount),
            "method": payment.get("method"),
            "status": payment.get("status"),
            "pay_url": url,
        })
        return reset
