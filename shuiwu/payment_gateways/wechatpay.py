"""WeChat Pay API v3 client: Native orders, signed requests, verified answers and notifies.

Wire format as documented by WeChat Pay (pay.weixin.qq.com/doc/v3):
- each request carries `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
  signature=…,timestamp=…,serial_no=…`, the signature being SHA256withRSA by the merchant key
  over "METHOD\\nURL\\nTIMESTAMP\\nNONCE\\nBODY\\n";
- answers and notifies carry Wechatpay-Timestamp/-Nonce/-Signature/-Serial, signed by the
  platform key over "TIMESTAMP\\nNONCE\\nBODY\\n";
- a notify's `resource` is AEAD_AES_256_GCM-encrypted with the APIv3 key.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from decimal import Decimal

import httpx
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shuiwu.payment_gateways import GatewayError, NotifyAnswer, NotifyRejected, Order, PaidNotice
from shuiwu.payment_gateways.keys import WechatKeys, rsa_sign, rsa_verify, wechat_keys

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
MAX_SKEW_SECONDS = 300  # WeChat's own SDKs refuse answers and notifies older than 5 minutes
UNREACHABLE = "暂时无法连接微信支付，请稍后再试"


def authorization(keys: WechatKeys, mchid: str, method: str, url_path: str, body: str,
                  *, timestamp: int | None = None, nonce: str | None = None) -> str:
    timestamp = timestamp or int(time.time())
    nonce = nonce or secrets.token_hex(16).upper()
    message = f"{method}\n{url_path}\n{timestamp}\n{nonce}\n{body}\n"
    signature = rsa_sign(keys.merchant_private, message)
    return (f'{SCHEMA} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{keys.merchant_serial}"')


def decrypt_resource(apiv3_key: str, resource: dict) -> dict:
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise NotifyRejected("unknown algorithm")
    try:
        plain = AESGCM(apiv3_key.encode()).decrypt(
            resource["nonce"].encode(),
            base64.b64decode(resource["ciphertext"]),
            (resource.get("associated_data") or "").encode(),
        )
        return json.loads(plain)
    except Exception as exc:  # InvalidTag, bad base64, bad JSON: all mean "not from WeChat"
        raise NotifyRejected("resource does not decrypt") from exc


class WechatPay:
    name = "wechatpay"

    def __init__(self, base_url: str, mchid: str, appid: str, keys: WechatKeys, timeout: float = 10):
        self.base_url = base_url.rstrip("/")
        self.mchid = mchid
        self.appid = appid
        self.keys = keys
        self.timeout = timeout

    def _verify(self, headers, body: str) -> None:
        timestamp = headers.get("wechatpay-timestamp", "")
        nonce = headers.get("wechatpay-nonce", "")
        signature = headers.get("wechatpay-signature", "")
        if not (timestamp.isdigit() and nonce and signature):
            raise NotifyRejected("missing signature headers")
        if abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
            raise NotifyRejected("stale timestamp")
        if not rsa_verify(self.keys.platform_public, f"{timestamp}\n{nonce}\n{body}\n", signature):
            raise NotifyRejected("bad signature")

    def _request(self, method: str, path: str, payload: dict | None = None) -> dict:
        body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        headers = {
            "Authorization": authorization(self.keys, self.mchid, method, path, body),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": "shuiwu/1.0",
        }
        try:
            response = httpx.request(method, self.base_url + path, content=body.encode() or None,
                                     headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise GatewayError(UNREACHABLE) from exc
        text = response.text
        try:
            self._verify(response.headers, text)
        except NotifyRejected as exc:
            # An answer we cannot prove came from WeChat is no answer: never show its URL.
            raise GatewayError("微信支付的应答未通过验签，已停止下单") from exc
        data = response.json() if text else {}
        if response.status_code >= 400:
            raise GatewayError(f"微信支付拒绝了下单：{data.get('message') or data.get('code')}")
        return data

    def create(self, order: Order, method: str) -> str:
        data = self._request("POST", "/v3/pay/transactions/native", {
            "appid": self.appid,
            "mchid": self.mchid,
            "description": order.description,
            "out_trade_no": order.out_trade_no,
            "notify_url": order.notify_url,
            "amount": {"total": int(order.amount * 100), "currency": "CNY"},
        })
        return data["code_url"]

    def lookup(self, out_trade_no: str) -> PaidNotice | None:
        """The order's state by query (signed answer); None if WeChat does not know it."""
        try:
            tx = self._request(
                "GET", f"/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={self.mchid}"
            )
        except GatewayError:
            return None
        return PaidNotice(
            out_trade_no=out_trade_no,
            transaction_id=str(tx.get("transaction_id", "")),
            amount=Decimal(int(tx["amount"]["total"])) / 100,
            paid=tx.get("trade_state") == "SUCCESS",
        )

    def parse_notify(self, headers: dict[str, str], body: bytes) -> PaidNotice:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotifyRejected("not UTF-8") from exc
        self._verify({k.lower(): v for k, v in headers.items()}, text)
        try:
            envelope = json.loads(text)
            resource = envelope["resource"]
        except (ValueError, KeyError, TypeError) as exc:
            raise NotifyRejected("malformed notify") from exc
        tx = decrypt_resource(self.keys.apiv3_key, resource)
        if tx.get("mchid") != self.mchid or tx.get("appid") != self.appid:
            raise NotifyRejected("another merchant's transaction")
        try:
            return PaidNotice(
                out_trade_no=str(tx["out_trade_no"]),
                transaction_id=str(tx["transaction_id"]),
                amount=Decimal(int(tx["amount"]["total"])) / 100,
                paid=envelope.get("event_type") == "TRANSACTION.SUCCESS"
                and tx.get("trade_state") == "SUCCESS",
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise NotifyRejected("malformed transaction") from exc

    def ack(self) -> NotifyAnswer:
        return NotifyAnswer(204, "", "application/json")

    def reject(self, reason: str) -> NotifyAnswer:
        return NotifyAnswer(400, json.dumps({"code": "FAIL", "message": reason}, ensure_ascii=False),
                            "application/json")


def client(settings) -> WechatPay:
    from shuiwu.payment_gateways.local import dev_fake_url

    base = settings.wechatpay_base_url or dev_fake_url("wechatpay", settings)
    return WechatPay(base, settings.wechatpay_mchid, settings.wechatpay_appid, wechat_keys(settings))
