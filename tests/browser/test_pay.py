"""Paying a bill from the 账单 page in Chromium: the dialog, the (fake) WeChat Pay page in a new
window, and the bill turning 已缴 once the gateway's signed notify reached the app."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shuiwu.config import get_settings
from shuiwu.payment_gateways import fake_alipay, fake_wechatpay, local
from tests.api.homes import make_home
from tests.browser.test_portal import sign_in
from tests.servers import running_app

pytestmark = pytest.mark.browser


@pytest.fixture
def gateways(db_url):
    settings = get_settings()  # this test's DATA_DIR: the app subprocess derives the same keys
    wechat, alipay = fake_wechatpay.from_settings(settings), fake_alipay.from_settings(settings)
    servers = [local.serve(wechat.asgi()), local.serve(alipay.asgi())]
    yield {"WECHATPAY_BASE_URL": servers[0].url, "ALIPAY_GATEWAY_URL": servers[1].url + "/gateway.do"}
    for server in servers:
        server.stop()


def _decode_qr(png: bytes) -> str:
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text, "二维码无法识别"
    return text


@pytest.mark.parametrize(("method", "button"), [("微信支付", "确认支付"), ("银行卡", "确认付款")])
def test_a_resident_pays_a_bill_from_the_bills_page(
    gateways, open_page, session, make_user, method, button
):
    resident = make_user("resident", display_name="王建国")
    make_home(session, "0601000001", owner=resident)
    with running_app(env=gateways) as base:
        page = open_page()
        page.goto(base + "/login")
        sign_in(page, base, resident.username)
        expect(page).to_have_url(base + "/")
        page.goto(base + "/bills")

        unpaid = page.locator(".bill-table .el-table__row").filter(has_text="未缴")
        expect(unpaid).to_have_count(1)
        unpaid.get_by_role("button", name="缴费").click()
        dialog = page.get_by_role("dialog", name="缴纳水费")
        expect(dialog).to_contain_text("¥86.72")
        dialog.get_by_text(method, exact=True).click()
        if method == "微信支付":
            # WeChat Pay's code_url opens only in WeChat: the page shows it as a QR code, which
            # the payer's phone scans (here: decoded from the screen and opened in a new page).
            with page.expect_response(lambda r: r.url.endswith("/api/v1/payments")) as started:
                dialog.get_by_role("button", name="确认支付 ¥86.72").click()
            code = dialog.get_by_role("img", name="微信支付二维码")
            expect(code).to_be_visible()
            assert len(page.context.pages) == 1, "微信支付不应再打开新窗口"
            scanned = _decode_qr(code.screenshot())
            assert scanned == started.value.json()["pay_url"], scanned
            expect(dialog).to_contain_text("扫一扫")
            popup = page.context.new_page()
            popup.goto(scanned)
        else:
            with page.context.expect_page() as popup_info:
                dialog.get_by_role("button", name="确认支付 ¥86.72").click()
            popup = popup_info.value
        expect(popup.get_by_text("¥86.72")).to_be_visible()
        expect(dialog).to_contain_text("等待支付结果")

        popup.get_by_role("button", name=button).click()
        expect(dialog.get_by_text("缴费成功")).to_be_visible(timeout=20_000)
        expect(dialog).to_contain_text(f"已通过{method}支付 ¥86.72")
        dialog.get_by_role("button", name="完成").click()
        expect(page.locator(".bill-table .el-table__row").filter(has_text="未缴")).to_have_count(0)
        expect(page.get_by_role("button", name="缴费")).to_have_count(0)
