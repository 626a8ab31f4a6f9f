"""The app and the fake WeChat Pay / Alipay gateways as real HTTP servers, wired to each other."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from shuiwu.config import get_settings
from shuiwu.payment_gateways import fake_alipay, fake_wechatpay, local


@dataclass
class PayStack:
    app: httpx.Client
    wechat: fake_wechatpay.FakeWechatPay
    alipay: fake_alipay.FakeAlipay
    wechat_url: str
    alipay_url: str


@contextmanager
def pay_stack(monkeypatch) -> Iterator[PayStack]:
    """Fakes with this test's development keys, the app told where they are and vice versa."""
    settings = get_settings()
    wechat, alipay = fake_wechatpay.from_settings(settings), fake_alipay.from_settings(settings)
    servers = [local.serve(wechat.asgi()), local.serve(alipay.asgi())]
    app_port = local.free_port()
    monkeypatch.setenv("WECHATPAY_BASE_URL", servers[0].url)
    monkeypatch.setenv("ALIPAY_GATEWAY_URL", servers[1].url + "/gateway.do")
    monkeypatch.setenv("PUBLIC_URL", f"http://127.0.0.1:{app_port}")
    get_settings.cache_clear()
    from shuiwu.main import create_app

    servers.append(local.serve(create_app(), port=app_port))
    try:
        with httpx.Client(base_url=servers[2].url, timeout=30) as client:
            yield PayStack(client, wechat, alipay, servers[0].url, servers[1].url)
    finally:
        for server in servers:
            server.stop()
