"""A fake WeChat Pay API v3 for development and tests: real wire format, real signatures.

It checks the merchant's WECHATPAY2-SHA256-RSA2048 Authorization, signs its answers with the
platform key, and when the payer "scans" (opens code_url and confirms) it posts the notify
with an AEAD_AES_256_GCM-encrypted resource, as WeChat does. State lives in memory.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from shuiwu.payment_gateways.keys import dev_apiv3_key, dev_key, load_private, rsa_sign, rsa_verify
from shuiwu.payment_gateways.wechatpay import MAX_SKEW_SECONDS, SCHEMA
from shuiwu.timeutil import LOCAL_TZ

AUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class FakeWechatPay:
    mchid: str
    appid: str
    merchant_public: RSAPublicKey
    platform_private: RSAPrivateKey
    apiv3_key: str
    platform_serial: str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
    orders: dict[str, dict] = field(default_factory=dict)
    sent: list[dict] = field(default_factory=list)  # notifies posted: {"url", "headers", "body"}

    def signed_headers(self, body: str) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        return {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": self.platform_serial,
            "Wechatpay-Signature": rsa_sign(self.platform_private, f"{timestamp}\n{nonce}\n{body}\n"),
            "Request-ID": uuid.uuid4().hex,
        }

    def answer(self, status: int, payload: dict) -> Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return Response(body, status_code=status, media_type="application/json",
                        headers=self.signed_headers(body))

    def authorised(self, request: Request, body: str) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith(SCHEMA + " "):
            return False
        params = dict(AUTH_PARAM.findall(header))
        timestamp = params.get("timestamp", "")
        if params.get("mchid") != self.mchid or not timestamp.isdigit():
            return False
        if abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
            return False
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = f"{request.method}\n{path}\n{timestamp}\n{params.get('nonce_str', '')}\n{body}\n"
        return rsa_verify(self.merchant_public, message, params.get("signature", ""))

    def notify_of(self, order: dict) -> tuple[dict[str, str], str]:
        """The notify WeChat posts for a paid order: encrypted resource, signed envelope."""
        now = datetime.now(LOCAL_TZ).isoformat(timespec="seconds")
        tx = {
            "mchid": self.mchid, "appid": self.appid, "out_trade_no": order["out_trade_no"],
            "transaction_id": order["transaction_id"], "trade_type": "NATIVE",
            "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
            "success_time": now, "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": order["total"], "payer_total": order["total"],
                       "currency": "CNY", "payer_currency": "CNY"},
        }
        nonce = secrets.token_hex(6)  # 12 characters, as WeChat sends
        ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(
            nonce.encode(), json.dumps(tx, ensure_ascii=False).encode(), b"transaction"
        )
        envelope = {
            "id": str(uuid.uuid4()), "create_time": now, "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(ciphertext).decode(),
                         "associated_data": "transaction", "nonce": nonce},
        }
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        return {"Content-Type": "application/json", **self.signed_headers(body)}, body

    # -- routes ---------------------------------------------------------------------------

    async def native(self, request: Request) -> Response:
        body = (await request.body()).decode()
        if not self.authorised(request, body):
            return self.answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        try:
            order = json.loads(body)
            total = int(order["amount"]["total"])
            out_trade_no = str(order["out_trade_no"])
            wanted = (order["appid"], order["mchid"], order["description"], order["notify_url"])
        except (ValueError, KeyError, TypeError):
            return self.answer(400, {"code": "PARAM_ERROR", "message": "参数错误"})
        if wanted[:2] != (self.appid, self.mchid) or total <= 0:
            return self.answer(400, {"code": "PARAM_ERROR", "message": "appid和mch_id不匹配"})
        known = self.orders.get(out_trade_no)
        if known is not None:
            if known["total"] != total:
                return self.answer(400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"})
            return self.answer(200, {"code_url": known["code_url"]})
        token = secrets.token_urlsafe(12)
        base = str(request.base_url).rstrip("/")
        self.orders[out_trade_no] = {
            "out_trade_no": out_trade_no, "total": total, "description": wanted[2],
            "notify_url": wanted[3], "token": token, "trade_state": "NOTPAY",
            "transaction_id": "4200" + secrets.token_hex(12)[:24],
            # Opaque QR content; a real one is weixin://wxpay/bizpayurl?pr=…, ours opens a page.
            "code_url": f"{base}/wxpay/bizpayurl?pr={token}",
        }
        return self.answer(200, {"code_url": self.orders[out_trade_no]["code_url"]})

    async def query(self, request: Request) -> Response:
        if not self.authorised(request, ""):
            return self.answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        order = self.orders.get(request.path_params["out_trade_no"])
        if order is None:
            return self.answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        return self.answer(200, {
            "appid": self.appid, "mchid": self.mchid, "out_trade_no": order["out_trade_no"],
            "trade_state": order["trade_state"], "amount": {"total": order["total"], "currency": "CNY"},
            **({"transaction_id": order["transaction_id"]} if order["trade_state"] == "SUCCESS" else {}),
        })

    def _by_token(self, token: str) -> dict | None:
        return next((o for o in self.orders.values() if o["token"] == token), None)

    async def scan_page(self, request: Request) -> Response:
        order = self._by_token(request.query_params.get("pr", ""))
        if order is None:
            return HTMLResponse(page("二维码已失效", "<p>该支付二维码无效或已过期。</p>"), 404)
        yuan = f"{order['total'] / 100:.2f}"
        form = (f'<p>{escape(order["description"])}</p><p class="amount">¥{yuan}</p>'
                f'<form method="post" action="confirm"><input type="hidden" name="pr" '
                f'value="{escape(order["token"])}"><button type="submit">确认支付</button></form>')
        return HTMLResponse(page("微信支付（模拟）", form))

    async def confirm(self, request: Request) -> Response:
        form = await request.form()
        order = self._by_token(str(form.get("pr", "")))
        if order is None:
            return HTMLResponse(page("二维码已失效", "<p>该支付二维码无效或已过期。</p>"), 404)
        order["trade_state"] = "SUCCESS"
        headers, body = self.notify_of(order)
        self.sent.append({"url": order["notify_url"], "headers": headers, "body": body})
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.post(order["notify_url"], content=body.encode(), headers=headers)
            status = answer.status_code
        except httpx.HTTPError:
            status = 0
        return HTMLResponse(page("支付成功", f"<p>已支付 ¥{order['total'] / 100:.2f}，请返回商户页面查看。</p>"),
                            headers={"X-Fake-Notify-Status": str(status)})

    def asgi(self) -> Starlette:
        return Starlette(routes=[
            Route("/v3/pay/transactions/native", self.native, methods=["POST"]),
            Route("/v3/pay/transactions/jsapi", self.native, methods=["POST"]),
            Route("/v3/pay/transactions/out-trade-no/{out_trade_no}", self.query, methods=["GET"]),
            Route("/wxpay/bizpayurl", self.scan_page, methods=["GET"]),
            Route("/wxpay/confirm", self.confirm, methods=["POST"]),
        ])


def page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{title}</title>'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            '<body style="font-family:sans-serif;max-width:24em;margin:3em auto;text-align:center">'
            f"<h1>{title}</h1>{body}</body></html>")


def from_settings(settings) -> FakeWechatPay:
    """The fake that matches this installation's development keys."""
    data = settings.data_dir
    return FakeWechatPay(
        mchid=settings.wechatpay_mchid,
        appid=settings.wechatpay_appid,
        merchant_public=load_private(dev_key(data, "wechatpay_merchant")).public_key(),
        platform_private=load_private(dev_key(data, "wechatpay_platform")),
        apiv3_key=dev_apiv3_key(data),
    )


def dev_app(settings) -> Starlette:
    return from_settings(settings).asgi()
