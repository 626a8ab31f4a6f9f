"""Paying bills online: starting a payment at a gateway, confirming it from the gateway's notify.

A resident pays the bills of households bound to them; customer service and admins may start
a payment for any household (audited, like every staff access to accounts). A bill has at
most one pending online payment at a time, so asking twice returns the same one. A payment
only succeeds from a notify whose signature verifies and whose amount matches to the cent.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuiwu.config import get_settings
from shuiwu.errors import Conflict, DomainError, InvalidInput, NotFound
from shuiwu.models import (
    Bill,
    BillStatus,
    Payment,
    PaymentMethod,
    PaymentOrder,
    PaymentStatus,
    User,
)
from shuiwu.models._types import utcnow
from shuiwu.payment_gateways import (
    GatewayError,
    NotifyRejected,
    Order,
    PaidNotice,
    by_name,
    gateway_for,
)
from shuiwu.services import audit, notifications
from shuiwu.services.households import Access, get_household
from shuiwu.timeutil import LOCAL_TZ

log = logging.getLogger(__name__)

ONLINE_METHODS = (PaymentMethod.WECHAT, PaymentMethod.ALIPAY, PaymentMethod.BANK_CARD)
METHOD_LABELS = {
    PaymentMethod.WECHAT: "微信支付",
    PaymentMethod.ALIPAY: "支付宝",
    PaymentMethod.BANK_CARD: "银行卡",
    PaymentMethod.COUNTER: "营业厅",
}
STATUS_LABELS = {
    PaymentStatus.PENDING: "待支付",
    PaymentStatus.SUCCEEDED: "支付成功",
    PaymentStatus.FAILED: "已关闭",
    PaymentStatus.REFUNDED: "已退款",
}
BILL_NOT_FOUND = "未找到该账单，或您无权查看"
PAYMENT_NOT_FOUND = "未找到该缴费记录，或您无权查看"


class GatewayUnavailable(DomainError):
    status_code = 502
    code = "gateway_unavailable"


def _parse_method(method: str) -> PaymentMethod:
    try:
        parsed = PaymentMethod(str(method).strip().lower())
    except ValueError:
        parsed = None
    if parsed not in ONLINE_METHODS:
        raise InvalidInput("请选择微信支付、支付宝或银行卡", field="method")
    return parsed


def _visible(session: Session, actor: User, model, row_id: object, missing: str, *, lock: bool = False):
    """A bill or payment the actor may see through its household; anything else, someone
    else's included, is the same "not found", so ids cannot be probed."""
    row = session.get(model, row_id, with_for_update=lock) if isinstance(row_id, int) else None
    if row is None:
        raise NotFound(missing)
    try:
        get_household(session, actor, row.household_id, Access.BILLS)
    except NotFound:
        raise NotFound(missing) from None
    return row


def _bill_for(session: Session, actor: User, bill_id: int, *, lock: bool = False) -> Bill:
    return _visible(session, actor, Bill, bill_id, BILL_NOT_FOUND, lock=lock)


def _check_amount(bill: Bill, amount: object) -> None:
    if amount is None:
        return
    try:
        wanted = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput("缴费金额格式不正确", field="amount") from None
    if wanted != bill.amount:
        raise InvalidInput(f"缴费金额与账单应缴金额 ¥{bill.amount} 不符", field="amount")


def payment_out(payment: Payment, order: PaymentOrder | None = None) -> dict:
    """A payment as the API and the assistant show it."""
    bill = payment.bill
    return {
        "payment_id": payment.id,
        "bill_id": payment.bill_id,
        "household_id": payment.household_id,
        "period": f"{bill.period_start:%Y-%m}" if bill else None,
        "amount": f"{payment.amount:.2f}",
        "method": payment.method.value,
        "method_label": METHOD_LABELS[payment.method],
        "status": payment.status.value,
        "status_label": STATUS_LABELS[payment.status],
        "pay_url": order.pay_url if order and payment.status is PaymentStatus.PENDING else None,
        "created_at": payment.created_at.isoformat(),
        "paid_at": payment.paid_at.isoformat() if payment.paid_at else None,
    }


def _order_of(session: Session, payment: Payment) -> PaymentOrder | None:
    return session.scalar(select(PaymentOrder).where(PaymentOrder.payment_id == payment.id))


def _notify_url(gateway: str) -> str:
    settings = get_settings()
    base = (settings.payment_notify_base_url or settings.base_url).rstrip("/")
    return f"{base}/api/v1/payments/notify/{'wechat' if gateway == 'wechatpay' else 'alipay'}"


def start_payment(
    session: Session, actor: User, bill_id: int, method: str, *, amount: object = None
) -> dict:
    """Start (or resume) paying a bill online: the payment and where to pay.

    Refuses a bill that is paid or cancelled, an amount other than the bill's, and a bill of
    a household the actor may not see; nothing is written then. The same bill and method
    asked for again returns the same pending payment; another method closes the pending one.
    """
    chosen = _parse_method(method)
    bill = _bill_for(session, actor, bill_id, lock=True)
    if bill.status is BillStatus.PAID:
        raise Conflict("该账单已缴清，无需重复缴费")
    if bill.status is BillStatus.CANCELLED:
        raise InvalidInput("该账单已作废，无需缴费", field="bill_id")
    _check_amount(bill, amount)

    pending = session.scalars(
        select(Payment).where(Payment.bill_id == bill.id, Payment.status == PaymentStatus.PENDING)
    ).all()
    for payment in pending:
        order = _order_of(session, payment)
        if payment.method is chosen and payment.amount == bill.amount and order is not None:
            return payment_out(payment, order)
        # Another method (or a stale amount): this order will not be used; a late success
        # notify for it is still honoured, since the resident's money moved.
        payment.status = PaymentStatus.FAILED
        audit.record(session, actor, "payment.close", "payment", payment.id, reason="replaced")

    payment = Payment(household_id=bill.household_id, bill_id=bill.id, payer_id=actor.id,
                      amount=bill.amount, method=chosen, status=PaymentStatus.PENDING)
    session.add(payment)
    session.flush()
    gateway = gateway_for(chosen.value)
    out_trade_no = f"SW{payment.created_at.astimezone(LOCAL_TZ):%Y%m%d}{payment.id:010d}"
    household = bill.household
    order = Order(
        out_trade_no=out_trade_no,
        amount=bill.amount,
        description=f"水费-户号{household.account_no}-{bill.period_start:%Y年%m月}",
        notify_url=_notify_url(gateway.name),
        return_url=f"{get_settings().base_url.rstrip('/')}/bills?payment={payment.id}",
    )
    try:
        pay_url = gateway.create(order, chosen.value)
    except GatewayError as exc:
        log.warning("gateway %s refused order %s: %s", gateway.name, out_trade_no, exc.message)
        raise GatewayUnavailable(exc.message) from exc
    placed = PaymentOrder(payment_id=payment.id, out_trade_no=out_trade_no, gateway=gateway.name,
                          pay_url=pay_url)
    session.add(placed)
    session.flush()
    audit.record(session, actor, "payment.start", "payment", payment.id, bill_id=bill.id,
                 method=chosen.value, amount=str(bill.amount))
    # Committed before anyone sees the pay URL: a notify for an order we forgot would be lost.
    session.commit()
    return payment_out(payment, placed)


def get_payment(session: Session, actor: User, payment_id: int) -> dict:
    """A payment the actor may see (their household's, or any for customer service)."""
    payment = _visible(session, actor, Payment, payment_id, PAYMENT_NOT_FOUND)
    return payment_out(payment, _order_of(session, payment))


def payment_history(session: Session, actor: User, household_id: int, *, limit: int = 50) -> list[dict]:
    """A household's payments, newest first (online and at the counter)."""
    household = get_household(session, actor, household_id, Access.BILLS)
    payments = session.scalars(
        select(Payment)
        .where(Payment.household_id == household.id)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(max(1, min(limit, 200)))
    ).all()
    return [payment_out(p, _order_of(session, p)) for p in payments]


def confirm_notify(session: Session, gateway_name: str, headers: dict[str, str], body: bytes) -> Payment:
    """Apply a gateway's asynchronous notify: the payment succeeds and its bill is paid.

    Raises NotifyRejected (and changes nothing) unless the notify verifies, names one of our
    orders and carries exactly the payment's amount. Replays of an applied notify are no-ops.
    """
    gateway = by_name(gateway_name)
    notice: PaidNotice = gateway.parse_notify(headers, body)
    order = session.scalar(
        select(PaymentOrder)
        .where(PaymentOrder.out_trade_no == notice.out_trade_no, PaymentOrder.gateway == gateway.name)
        .with_for_update()
    )
    if order is None:
        raise NotifyRejected("unknown order")
    return _apply(session, order, notice, source="notify")


def reconcile(session: Session, actor: User, payment_id: int) -> dict:
    """Ask the gateway about a pending payment (its answer is signed too) and apply a success.

    For the notify that never came: the resident paid, the gateway knows, we did not hear.
    """
    get_payment(session, actor, payment_id)  # the same access rule
    payment = session.get(Payment, payment_id)
    order = _order_of(session, payment)
    if payment.status is PaymentStatus.PENDING and order is not None:
        notice = by_name(order.gateway).lookup(order.out_trade_no)  # None: unknown or unreachable
        if notice is not None:
            try:
                _apply(session, order, notice, source="query")
            except NotifyRejected:
                session.rollback()
    return get_payment(session, actor, payment_id)


def _apply(session: Session, order: PaymentOrder, notice: PaidNotice, *, source: str) -> Payment:
    payment = session.get(Payment, order.payment_id, with_for_update=True)
    if notice.amount != payment.amount:
        audit.record_standalone(session, None, "payment.amount_mismatch", "payment", payment.id,
                                expected=str(payment.amount), notified=str(notice.amount))
        raise NotifyRejected("amount mismatch")
    if not notice.paid or payment.status is PaymentStatus.SUCCEEDED:
        session.commit()
        return payment  # nothing new: not a success, or already applied (a replay)
    now = utcnow()
    payment.status = PaymentStatus.SUCCEEDED
    payment.provider_ref = notice.transaction_id
    payment.paid_at = now
    order.notified_at = now
    bill = payment.bill
    if bill is not None and bill.status in (BillStatus.UNPAID, BillStatus.OVERDUE):
        bill.status = BillStatus.PAID
    elif bill is not None:
        # Paid twice (a replaced order's late success): customer service refunds it.
        audit.record(session, None, "payment.duplicate", "payment", payment.id, bill_id=bill.id)
    audit.record(session, None, "payment.succeeded", "payment", payment.id,
                 gateway=order.gateway, amount=str(payment.amount), source=source)
    if payment.payer_id is not None:
        period = f"{bill.period_start:%Y年%m月}" if bill else ""
        notifications.notify(
            session, payment.payer_id, "payment_succeeded", "缴费成功",
            f"您通过{METHOD_LABELS[payment.method]}缴纳的{period}水费 ¥{payment.amount} 已到账，"
            "账单已结清。感谢您按时缴费！",
        )
    # Durable before the gateway hears "received": after that it will not send it again.
    session.commit()
    return payment
