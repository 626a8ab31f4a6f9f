"""Bills in chat: a month's amount with its tiers explained in words, and the payment history."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.common import BlockingAction, current_intent, db, resolve_household, today
from actions.dates import parse_period
from actions.messages import m3, yuan
from shuiwu.errors import DomainError
from shuiwu.timeutil import LOCAL_TZ

TIER_NAMES = {1: "第一阶梯", 2: "第二阶梯", 3: "第三阶梯", 4: "第四阶梯"}
STATUS_WORDS = {"unpaid": "待缴", "paid": "已缴清", "overdue": "已逾期", "cancelled": "已作废"}
PAYMENT_STATUS = {"pending": "处理中", "succeeded": "成功", "failed": "失败", "refunded": "已退款"}
METHOD_WORDS = {"wechat": "微信", "alipay": "支付宝", "bank_card": "银行卡", "counter": "营业厅"}


def explain_charges(lines: Iterable[Any]) -> str:
    """Bill lines (BillLine or pricing.Charge) in words:
    "第一阶梯 10 吨 × 3.45 元/吨 = 34.50 元；水资源费 …；污水处理费 …"."""
    parts = []
    for line in lines:
        kind = getattr(line.kind, "value", line.kind)
        if kind == "base":
            name = TIER_NAMES.get(line.tier_no, f"第{line.tier_no}阶梯")
        elif kind == "water_resource":
            name = "水资源费"
        else:
            name = "污水处理费"
        parts.append(f"{name} {m3(line.usage_m3)} × {line.unit_price:.2f} 元/吨 = {yuan(line.amount)}")
    return "；".join(parts)


def tier_note(lines: Iterable[Any]) -> str:
    tiers = sorted({line.tier_no for line in lines if getattr(line.kind, "value", line.kind) == "base"})
    if len(tiers) > 1:
        return (f"这期的用水跨进了{TIER_NAMES.get(tiers[-1], '更高阶梯')}：阶梯按全年累计用水量计算，"
                "累计超过上一档的部分按更高的单价收费。")
    if tiers and tiers[0] > 1:
        return f"今年累计用水量已超过第一阶梯，这期全部按{TIER_NAMES.get(tiers[0], '更高阶梯')}计价。"
    return ""


def bill_text(household, bill) -> str:
    status = STATUS_WORDS.get(getattr(bill.status, "value", bill.status), "")
    text = (f"户号 {household.account_no} {bill.period_start:%Y年%-m月}的水费为 **{yuan(bill.amount)}**"
            f"（用水 {m3(bill.usage_m3)}，{status}")
    if status in ("待缴", "已逾期"):
        text += f"，请在 {bill.due_date:%Y年%-m月%-d日} 前缴纳"
    text += "）。"
    if bill.lines:
        text += f"\n明细：{explain_charges(bill.lines)}。"
        note = tier_note(bill.lines)
        if note:
            text += f"\n{note}"
    return text


class ActionShowBill(BlockingAction):
    def name(self) -> str:
        return "action_show_bill"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        from shuiwu.billing import bills as billing
        from shuiwu.services.households import bills as household_bills

        intent = current_intent(tracker) or "query_bill"
        now = today()
        period = parse_period(tracker.latest_message.get("text") or "", now)
        with db() as session:
            found = resolve_household(session, tracker, dispatcher, intent)
            if not found.ok:
                return []
            household, user = found.household, found.user
            try:
                bills = household_bills(session, user, household.id, limit=36)
                if period and period.start.year == now.year and period.start.month == now.month:
                    preview = billing.preview(session, user, household.id, today=now)
                    self._preview(dispatcher, household, preview)
                    return []
                if period:
                    chosen = [b for b in bills if period.start <= b.period_start <= period.end]
                    if not chosen:
                        dispatcher.utter_message(
                            text=f"户号 {household.account_no} 在{period.label}还没有出具账单。")
                        return []
                    for bill in sorted(chosen, key=lambda b: b.period_start)[:6]:
                        dispatcher.utter_message(text=bill_text(household, bill))
                    if len(chosen) > 1:
                        total = sum((Decimal(b.amount) for b in chosen), Decimal(0))
                        dispatcher.utter_message(text=f"{period.label}合计 {yuan(total)}。")
                    return []
                owed = billing.amount_due(session, user, household.id)
                if bills:
                    dispatcher.utter_message(text=bill_text(household, bills[0]))
                else:
                    dispatcher.utter_message(text=f"户号 {household.account_no} 还没有出具过账单。")
                try:
                    preview = billing.preview(session, user, household.id, today=now)
                except DomainError:  # e.g. no tariff for this month yet: the bill above still stands
                    preview = None
                if preview is not None and preview.usage_m3 > 0:
                    dispatcher.utter_message(
                        text=f"本月截至昨天已用水 {m3(preview.usage_m3)}，按现行水价约 {yuan(preview.amount)}（月底出账为准）。")
                buttons = [{"title": "查看用水量", "payload": "/query_usage"}]
                if owed > 0:
                    dispatcher.utter_message(
                        text=f"目前待缴合计 **{yuan(owed)}**。",
                        buttons=[{"title": "立即缴费", "payload": "/pay_bill"}, *buttons],
                    )
                else:
                    dispatcher.utter_message(text="目前没有待缴的水费。", buttons=buttons)
            except DomainError as exc:
                dispatcher.utter_message(text=exc.message)
        return []

    @staticmethod
    def _preview(dispatcher: CollectingDispatcher, household, preview) -> None:
        if preview.usage_m3 <= 0:
            dispatcher.utter_message(
                text=f"户号 {household.account_no} 本月还没有新的用水记录，账单将在下月初出具。")
            return
        text = (f"户号 {household.account_no} 本月（{preview.start:%-m月%-d日}至{preview.end:%-m月%-d日}）"
                f"已用水 {m3(preview.usage_m3)}，按现行水价约 **{yuan(preview.amount)}**，"
                "正式金额以月底出具的账单为准。")
        if preview.charges:
            text += f"\n明细：{explain_charges(preview.charges)}。"
            note = tier_note(preview.charges)
            if note:
                text += f"\n{note}"
        dispatcher.utter_message(text=text)


class ActionShowPaymentHistory(BlockingAction):
    def name(self) -> str:
        return "action_show_payment_history"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        from shuiwu.models import Payment
        from shuiwu.services.households import Access, get_household

        with db() as session:
            found = resolve_household(session, tracker, dispatcher, "query_payment_history")
            if not found.ok:
                return []
            try:
                # The service checks the user may read this household's bills and payments.
                household = get_household(session, found.user, found.household.id, Access.BILLS)
            except DomainError as exc:
                dispatcher.utter_message(text=exc.message)
                return []
            payments = list(session.scalars(
                select(Payment).where(Payment.household_id == household.id)
                .order_by(Payment.created_at.desc()).limit(6)
            ))
            if not payments:
                dispatcher.utter_message(text=f"户号 {household.account_no} 还没有缴费记录。")
                return []
            lines = []
            for p in payments:
                when = (p.paid_at or p.created_at).astimezone(LOCAL_TZ)
                lines.append(
                    f"- {when:%Y-%m-%d} {METHOD_WORDS.get(p.method.value, p.method.value)} "
                    f"{yuan(p.amount)}（{PAYMENT_STATUS.get(p.status.value, p.status.value)}）")
            dispatcher.utter_message(
                text=f"户号 {household.account_no} 最近的缴费记录：\n" + "\n".join(lines))
        return []
