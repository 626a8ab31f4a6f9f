"""Online bill payment: start a payment, poll it, the payment history, and the gateways' notifies."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shuiwu.api.deps import CurrentUser, SessionDep
from shuiwu.payment_gateways import NotifyRejected, by_name
from shuiwu.services import payments as service

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["payments"])
MAX_NOTIFY_BYTES = 64 * 1024


class StartPaymentIn(BaseModel):
    bill_id: int = Field(ge=1, le=2**31 - 1)
    method: str = Field(max_length=16, description="wechat | alipay | bank_card")
    amount: str | None = Field(None, max_length=16, description="页面显示的应缴金额（元），用于核对")


class PaymentOut(BaseModel):
    payment_id: int
    bill_id: int | None
    household_id: int
    period: str | None
    amount: str
    method: str
    method_label: str
    status: str
    status_label: str
    pay_url: str | None
    created_at: str
    paid_at: str | None


@router.post("/payments", response_model=PaymentOut, summary="发起缴费（同一账单重复发起返回同一笔待支付）")
def start_payment(body: StartPaymentIn, user: CurrentUser, session: SessionDep) -> PaymentOut:
    return PaymentOut(**service.start_payment(session, user, body.bill_id, body.method, amount=body.amount))


@router.get("/payments/{payment_id}", response_model=PaymentOut, summary="缴费状态")
def get_payment(payment_id: int, user: CurrentUser, session: SessionDep) -> PaymentOut:
    return PaymentOut(**service.get_payment(session, user, payment_id))


@router.post("/payments/{payment_id}/sync", response_model=PaymentOut,
             summary="向支付机构查询这笔缴费（付款后迟迟未到账时）")
def sync_payment(payment_id: int, user: CurrentUser, session: SessionDep) -> PaymentOut:
    return PaymentOut(**service.reconcile(session, user, payment_id))


@router.get("/households/{household_id}/payments", response_model=list[PaymentOut], summary="缴费记录")
def payment_history(
    household_id: int, user: CurrentUser, session: SessionDep, limit: int = Query(50, ge=1, le=200)
) -> list[PaymentOut]:
    return [PaymentOut(**p) for p in service.payment_history(session, user, household_id, limit=limit)]


async def _notify(request: Request, session, gateway_name: str) -> Response:
    gateway = by_name(gateway_name)
    declared = request.headers.get("content-length", "0")
    too_big = not declared.isdigit() or int(declared) > MAX_NOTIFY_BYTES
    body = b"" if too_big else await request.body()
    if too_big or len(body) > MAX_NOTIFY_BYTES:
        answer = gateway.reject("通知内容过大")
    else:
        try:
            await run_in_threadpool(
                service.confirm_notify, session, gateway_name, dict(request.headers), body
            )
            answer = gateway.ack()
        except NotifyRejected as exc:
            await run_in_threadpool(session.rollback)
            log.warning("%s notify rejected: %s", gateway_name, exc)
            answer = gateway.reject("验签失败或订单信息不符")
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)


@router.post("/payments/notify/wechat", include_in_schema=False)
async def wechat_notify(request: Request, session: SessionDep) -> Response:
    return await _notify(request, session, "wechatpay")


@router.post("/payments/notify/alipay", include_in_schema=False)
async def alipay_notify(request: Request, session: SessionDep) -> Response:
    return await _notify(request, session, "alipay")
