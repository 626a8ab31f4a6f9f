"""A fake Alipay open-API gateway for development and tests: real parameters, real RSA2 signatures.

`POST /gateway.do` answers alipay.trade.precreate and alipay.trade.query (signed JSON);
`GET /gateway.do` is the alipay.trade.page.pay cashier. When the payer confirms, it posts
the signed trade_status_sync notify to the order's notify_url and returns to return_url.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from html import escape
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from shuiwu.payment_gateways.alipay import sign_content
from shuiwu.payment_gateways.fake_wechatpay import page
from shuiwu.payment_gateways.keys import dev_key, load_private, rsa_sign, rsa_verify
from shuiwu.timeutil import LOCAL_TZ

BAD_SIGN = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature",
            "sub_msg": "验签出错"}


@dataclass
class FakeAlipay:
    app_id: str
    app_public: RSAPublicKey
    alipay_private: RSAPrivateKey
    orders: dict[str, dict] = field(default_factory=dict)
    sent: list[dict] = field(default_factory=list)  # notifies posted: {"url", "body"}

    def answer(self, method: str, node: dict) -> Response:
        name = method.replace(".", "_") + "_response"
        raw = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
        body = f'{{"{name}":{raw},"sign":"{rsa_sign(self.alipay_private, raw)}"}}'
        return Response(body, media_type="application/json;charset=utf-8")

    def verified(self, params: dict[str, str]) -> bool:
        return (params.get("app_id") == self.app_id and params.get("sign_type") == "RSA2"
                and rsa_verify(self.app_public, sign_content(params), params.get("sign", "")))

    def _place(self, request: Request, params: dict[str, str]) -> dict | None:
        try:
            biz = json.loads(params.get("biz_content", ""))
            amount = Decimal(biz["total_amount"])
            out_trade_no = str(biz["out_trade_no"])
        except (ValueError, KeyError, TypeError, InvalidOperation):
            return None
        known = self.orders.get(out_trade_no)
        if known is not None:
            return known if known["amount"] == amount else None
        token = secrets.token_urlsafe(12)
        base = str(request.base_url).rstrip("/")
        self.orders[out_trade_no] = order = {
            "out_trade_no": out_trade_no, "amount": amount, "subject": biz.get("subject", ""),
            "notify_url": params.get("notify_url", ""), "return_url": params.get("return_url", ""),
            "token": token, "trade_status": "WAIT_BUYER_PAY",
            "trade_no": datetime.now(LOCAL_TZ).strftime("%Y%m%d") + "2200" + secrets.token_hex(7)[:14],
            "qr_code": f"{base}/qr/{token}",
        }
        return order

    def notify_of(self, order: dict) -> str:
        now = datetime.now(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")
        amount = f"{order['amount']:.2f}"
        params = {
            "notify_time": now, "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16), "app_id": self.app_id, "charset": "utf-8",
            "version": "1.0", "sign_type": "RSA2", "trade_no": order["trade_no"],
            "out_trade_no": order["out_trade_no"], "buyer_id": "2088102177846880",
            "trade_status": "TRADE_SUCCESS", "total_amount": amount, "receipt_amount": amount,
            "buyer_pay_amount": amount, "subject": order["subject"], "gmt_create": now,
            "gmt_payment": now,
        }
        params["sign"] = rsa_sign(self.alipay_private, sign_content(params, exclude=("sign", "sign_type")))
        return urlencode(params)

    # -- routes ---------------------------------------------------------------------------

    async def api(self, request: Request) -> Response:
        params = {k: str(v) for k, v in (await request.form()).items()}
        method = params.get("method", "")
        if not self.verified(params):
            return self.answer(method or "error", BAD_SIGN)
        if method == "alipay.trade.precreate":
            order = self._place(request, params)
            if order is None:
                return self.answer(method, {"code": "40004", "msg": "Business Failed",
                                            "sub_code": "ACQ.INVALID_PARAMETER", "sub_msg": "参数无效"})
            return self.answer(method, {"code": "10000", "msg": "Success",
                                        "out_trade_no": order["out_trade_no"], "qr_code": order["qr_code"]})
        if method == "alipay.trade.query":
            biz = json.loads(params.get("biz_content") or "{}")
            order = self.orders.get(str(biz.get("out_trade_no")))
            if order is None:
                return self.answer(method, {"code": "40004", "msg": "Business Failed",
                                            "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"})
            return self.answer(method, {"code": "10000", "msg": "Success", "trade_no": order["trade_no"],
                                        "out_trade_no": order["out_trade_no"],
                                        "trade_status": order["trade_status"],
                                        "total_amount": f"{order['amount']:.2f}"})
        return self.answer(method or "error", {"code": "40004", "msg": "Business Failed",
                                               "sub_code": "isv.invalid-method", "sub_msg": "不存在的方法名"})

    def _cashier(self, order: dict) -> HTMLResponse:
        form = (f'<p>{escape(order["subject"])}</p><p class="amount">¥{order["amount"]:.2f}</p>'
                f'<form method="post" action="/cashier/confirm"><input type="hidden" name="token" '
                f'value="{escape(order["token"])}"><button type="submit">确认付款</button></form>')
        return HTMLResponse(page("支付宝收银台（模拟）", form))

    async def page_pay(self, request: Request) -> Response:
        params = dict(request.query_params)
        if params.get("method") != "alipay.trade.page.pay" or not self.verified(params):
            return HTMLResponse(page("支付请求无效", "<p>验签出错，请返回商户页面重新发起支付。</p>"), 400)
        order = self._place(request, params)
        if order is None:
            return HTMLResponse(page("支付请求无效", "<p>订单参数无效。</p>"), 400)
        return self._cashier(order)

    async def qr(self, request: Request) -> Response:
        order = next((o for o in self.orders.values() if o["token"] == request.path_params["token"]), None)
        if order is None:
            return HTMLResponse(page("二维码已失效", "<p>该二维码无效或已过期。</p>"), 404)
        return self._cashier(order)

    async def confirm(self, request: Request) -> Response:
        token = str((await request.form()).get("token", ""))
        order = next((o for o in self.orders.values() if o["token"] == token), None)
        if order is None:
            return HTMLResponse(page("订单不存在", "<p>该订单无效或已过期。</p>"), 404)
        order["trade_status"] = "TRADE_SUCCESS"
        body = self.notify_of(order)
        self.sent.append({"url": order["notify_url"], "body": body})
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.post(order["notify_url"], content=body.encode(), headers={
                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
            status = f"{answer.status_code} {answer.text[:20]}"
        except httpx.HTTPError:
            status = "0"
        if order["return_url"]:
            return RedirectResponse(order["return_url"], status_code=303,
                                    headers={"X-Fake-Notify-Status": status})
        return HTMLResponse(page("付款成功", f"<p>已付款 ¥{order['amount']:.2f}，请返回商户页面查看。</p>"),
                            headers={"X-Fake-Notify-Status": status})

    def asgi(self) -> Starlette:
        return Starlette(routes=[
            Route("/gateway.do", self.api, methods=["POST"]),
            Route("/gateway.do", self.page_pay, methods=["GET"]),
            Route("/qr/{token}", self.qr, methods=["GET"]),
            Route("/cashier/confirm", self.confirm, methods=["POST"]),
        ])


def from_settings(settings) -> FakeAlipay:
    data = settings.data_dir
    return FakeAlipay(
        app_id=settings.alipay_app_id,
        app_public=load_private(dev_key(data, "alipay_app")).public_key(),
        alipay_private=load_private(dev_key(data, "alipay_platform")),
    )


def dev_app(settings) -> Starlette:
    return from_settings(settings).asgi()
