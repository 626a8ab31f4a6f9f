"""Payment gateways behind one interface: WeChat Pay (API v3) and Alipay (open API, RSA2).

`gateway_for(method)` picks the client for a payment method from the settings. Without
configured gateway URLs (development, tests) the clients talk to the local fakes of
`fake_wechatpay` / `fake_alipay`, started on first use; they speak the real wire formats,
so the same client code talks to the real providers once their URLs and keys are set.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class GatewayError(Exception):
    """The gateway could not be reached or refused the order; the message is for the payer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotifyRejected(Exception):
    """A notify that is not provably from the gateway (bad signature, stale, wrong merchant)."""


@dataclass(frozen=True)
class Order:
    out_trade_no: str
    amount: Decimal  # yuan
    description: str
    notify_url: str
    return_url: str


@dataclass(frozen=True)
class PaidNotice:
    """What a verified notify says happened to an order."""

    out_trade_no: str
    transaction_id: str
    amount: Decimal  # yuan
    paid: bool


@dataclass(frozen=True)
class NotifyAnswer:
    status: int
    body: str
    media_type: str


class Gateway(Protocol):
    name: str

    def create(self, order: Order, method: str) -> str:
        """Place the order; the URL (or QR content) where the payer pays."""

    def parse_notify(self, headers: dict[str, str], body: bytes) -> PaidNotice:
        """Verify and decode an asynchronous notify; raises NotifyRejected."""

    def lookup(self, out_trade_no: str) -> PaidNotice | None:
        """The order's state by active query, for a notify that never came."""

    def ack(self) -> NotifyAnswer: ...

    def reject(self, reason: str) -> NotifyAnswer: ...


def gateway_for(method: str, settings=None) -> Gateway:
    """WeChat Pay for "wechat"; Alipay for "alipay" (QR) and "bank_card" (cashier page)."""
    from shuiwu.config import get_settings
    from shuiwu.payment_gateways import alipay, wechatpay

    settings = settings or get_settings()
    if method == "wechat":
        return wechatpay.client(settings)
    if method in ("alipay", "bank_card"):
        return alipay.client(settings)
    raise ValueError(f"no online gateway for {method!r}")


def by_name(name: str, settings=None) -> Gateway:
    return gateway_for("wechat" if name == "wechatpay" else "alipay", settings)
