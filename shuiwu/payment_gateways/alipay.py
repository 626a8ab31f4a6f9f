"""Alipay open-API client: alipay.trade.precreate (QR), alipay.trade.page.pay (cashier), notifies.

Wire format as documented by Alipay (opendocs.alipay.com): every call is a set of form
parameters (app_id, method, charset, sign_type=RSA2, timestamp, version, notify_url,
biz_content as JSON) signed with SHA256withRSA over the parameters sorted by name and
joined as k=v&k=v (empty values and `sign` left out). Answers are JSON whose
`<method>_response` node is signed as the exact text it has in the answer; asynchronous
notifies are form posts verified the same way without `sign` and `sign_type`.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode

import httpx

from shuiwu.payment_gateways import GatewayError, NotifyAnswer, NotifyRejected, Order, PaidNotice
from shuiwu.payment_gateways.keys import AlipayKeys, alipay_keys, rsa_sign, rsa_verify
from shuiwu.timeutil import LOCAL_TZ

UNREACHABLE = "暂时无法连接支付宝，请稍后再试"
PAID_STATES = ("TRADE_SUCCESS", "TRADE_FINISHED")


def sign_content(params: dict[str, str], *, exclude: tuple[str, ...] = ("sign",)) -> str:
    return "&".join(
        f"{k}={params[k]}" for k in sorted(params) if k not in exclude and params[k] not in ("", None)
    )


def response_node(text: str, node: str) -> tuple[dict, str]:
    """The `node` object of an answer and its exact text, which is what Alipay signed."""
    key = f'"{node}"'
    at = text.find(key)
    if at < 0:
        raise ValueError(f"no {node} in answer")
    start = text.index(":", at + len(key)) + 1
    while text[start] in " \t\r\n":
        start += 1
    value, end = json.JSONDecoder().raw_decode(text, start)
    return value, text[start:end]


class Alipay:
    name = "alipay"

    def __init__(self, gateway_url: str, app_id: str, keys: AlipayKeys, timeout: float = 10):
        self.gateway_url = gateway_url
        self.app_id = app_id
        self.keys = keys
        self.timeout = timeout

    def signed_params(self, method: str, biz: dict, *, notify_url: str = "", return_url: str = "") -> dict:
        params = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "notify_url": notify_url,
            "return_url": return_url,
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params = {k: v for k, v in params.items() if v}
        params["sign"] = rsa_sign(self.keys.app_private, sign_content(params))
        return params

    def _call(self, method: str, biz: dict, notify_url: str = "") -> dict:
        params = self.signed_params(method, biz, notify_url=notify_url)
        try:
            response = httpx.post(self.gateway_url, data=params, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise GatewayError(UNREACHABLE) from exc
        node = method.replace(".", "_") + "_response"
        try:
            data, raw = response_node(response.text, node)
            signature = json.loads(response.text).get("sign", "")
        except ValueError as exc:
            raise GatewayError("支付宝的应答无法识别，已停止下单") from exc
        if data.get("code") != "10000":
            raise GatewayError(f"支付宝拒绝了下单：{data.get('sub_msg') or data.get('msg')}")
        if not rsa_verify(self.keys.alipay_public, raw, signature):
            raise GatewayError("支付宝的应答未通过验签，已停止下单")
        return data

    def precreate(self, order: Order) -> str:
        """The QR code content (a URL the Alipay app opens)."""
        data = self._call("alipay.trade.precreate", {
            "out_trade_no": order.out_trade_no,
            "total_amount": f"{order.amount:.2f}",
            "subject": order.description,
        }, notify_url=order.notify_url)
        return data["qr_code"]

    def page_pay_url(self, order: Order, *, bank_card: bool) -> str:
        """The cashier page to send the payer's browser to (no server call: a signed GET)."""
        biz = {
            "out_trade_no": order.out_trade_no,
            "product_code": "FAST_INSTANT_TRADE_PAY",
            "total_amount": f"{order.amount:.2f}",
            "subject": order.description,
        }
        if bank_card:
            biz["enable_pay_channels"] = "debitCardExpress,creditCardExpress,bankPay"
        params = self.signed_params("alipay.trade.page.pay", biz, notify_url=order.notify_url,
                                    return_url=order.return_url)
        return f"{self.gateway_url}?{urlencode(params)}"

    def create(self, order: Order, method: str) -> str:
        if method == "bank_card":
            return self.page_pay_url(order, bank_card=True)
        return self.precreate(order)

    def lookup(self, out_trade_no: str) -> PaidNotice | None:
        """The trade's state by alipay.trade.query (signed answer); None if Alipay has none."""
        try:
            data = self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        except GatewayError:
            return None
        return PaidNotice(
            out_trade_no=out_trade_no,
            transaction_id=str(data.get("trade_no", "")),
            amount=Decimal(data["total_amount"]),
            paid=data.get("trade_status") in PAID_STATES,
        )

    def parse_notify(self, headers: dict[str, str], body: bytes) -> PaidNotice:
        try:
            params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except ValueError as exc:
            raise NotifyRejected("malformed notify") from exc
        if params.get("sign_type") != "RSA2" or not params.get("sign"):
            raise NotifyRejected("unsigned notify")
        content = sign_content(params, exclude=("sign", "sign_type"))
        if not rsa_verify(self.keys.alipay_public, content, params["sign"]):
            raise NotifyRejected("bad signature")
        if params.get("app_id") != self.app_id:
            raise NotifyRejected("another app's notify")
        try:
            return PaidNotice(
                out_trade_no=params["out_trade_no"],
                transaction_id=params["trade_no"],
                amount=Decimal(params["total_amount"]),
                paid=params.get("trade_status") in PAID_STATES,
            )
        except (KeyError, InvalidOperation) as exc:
            raise NotifyRejected("malformed notify") from exc

    def ack(self) -> NotifyAnswer:
        return NotifyAnswer(200, "success", "text/plain")

    def reject(self, reason: str) -> NotifyAnswer:
        return NotifyAnswer(400, "failure", "text/plain")


def client(settings) -> Alipay:
    from shuiwu.payment_gateways.local import dev_fake_url

    url = settings.alipay_gateway_url or dev_fake_url("alipay", settings) + "/gateway.do"
    return Alipay(url, settings.alipay_app_id, alipay_keys(settings))
