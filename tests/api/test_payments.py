"""Paying a bill online end to end: app ⇄ fake WeChat Pay / Alipay over real HTTP, with their
real signatures; forged, replayed and wrong-amount notifies; other residents kept out."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from shuiwu.config import get_settings
from shuiwu.db import new_session
from shuiwu.models import Bill, BillStatus, Notification, Payment, PaymentStatus
from shuiwu.payment_gateways.alipay import sign_content
from shuiwu.payment_gateways.keys import rsa_sign
from tests.api.homes import make_home
from tests.api.payflow import pay_stack
from tests.conftest import login


@pytest.fixture
def paystack(db_url, monkeypatch):
    with pay_stack(monkeypatch) as stack:
        yield stack


def _unpaid_bill(household_id: int) -> Bill:
    with new_session() as s:
        return s.scalar(select(Bill).where(Bill.household_id == household_id,
                                           Bill.status == BillStatus.UNPAID))


def _state(payment_id: int) -> tuple[str, str, int]:
    """(payment status, its bill's status, notifications of the payer) read afresh."""
    with new_session() as s:
        payment = s.get(Payment, payment_id)
        notes = s.scalar(select(func.count()).select_from(Notification)
                         .where(Notification.user_id == payment.payer_id,
                                Notification.kind == "payment_succeeded"))
        return payment.status.value, payment.bill.status.value, notes


def _resident_with_bill(session, make_user, account_no="0501000001"):
    user = make_user("resident")
    home = make_home(session, account_no, owner=user)
    return user, home, _unpaid_bill(home.id)


def _pending(paystack, session, make_user) -> tuple[dict, Bill, dict]:
    """A resident's login headers, their unpaid bill and a pending WeChat payment of it."""
    user, _, bill = _resident_with_bill(session, make_user)
    headers = login(paystack.app, user.username)
    payment = paystack.app.post("/api/v1/payments", headers=headers,
                                json={"bill_id": bill.id, "method": "wechat"})
    return headers, bill, payment.json()


def test_wechat_pay_end_to_end(paystack, session, make_user):
    user, home, bill = _resident_with_bill(session, make_user)
    app = paystack.app
    headers = login(app, user.username)

    started = app.post("/api/v1/payments", headers=headers,
                       json={"bill_id": bill.id, "method": "wechat", "amount": "86.72"})
    assert started.status_code == 200, started.text
    payment = started.json()
    assert (payment["amount"], payment["method"], payment["status"]) == ("86.72", "wechat", "pending")
    assert payment["pay_url"].startswith(paystack.wechat_url + "/wxpay/bizpayurl?pr=")
    # The order reached the gateway in WeChat's format: amount in fen, our notify URL.
    [order] = paystack.wechat.orders.values()
    assert order["total"] == 8672
    assert order["notify_url"].endswith("/api/v1/payments/notify/wechat")
    assert "0501000001" in order["description"]

    again = app.post("/api/v1/payments", headers=headers, json={"bill_id": bill.id, "method": "wechat"})
    assert again.json()["payment_id"] == payment["payment_id"]
    assert again.json()["pay_url"] == payment["pay_url"]
    assert len(paystack.wechat.orders) == 1

    # The payer scans: the page shows the amount, confirming makes WeChat post the notify.
    scan = httpx.get(payment["pay_url"])
    assert "¥86.72" in scan.text
    token = parse_qs(urlparse(payment["pay_url"]).query)["pr"][0]
    paid = httpx.post(paystack.wechat_url + "/wxpay/confirm", data={"pr": token})
    assert paid.headers["X-Fake-Notify-Status"] == "204"

    polled = app.get(f"/api/v1/payments/{payment['payment_id']}", headers=headers).json()
    assert (polled["status"], polled["status_label"], polled["pay_url"]) == ("succeeded", "支付成功", None)
    bills = app.get(f"/api/v1/households/{home.id}/bills", headers=headers).json()
    assert {b["id"]: b["status"] for b in bills}[bill.id] == "paid"
    notes = app.get("/api/v1/notifications", headers=headers).json()
    assert notes[0]["title"] == "缴费成功" and "¥86.72" in notes[0]["body"]
    history = app.get(f"/api/v1/households/{home.id}/payments", headers=headers).json()
    assert [(p["payment_id"], p["status"]) for p in history] == [(payment["payment_id"], "succeeded")]
    with new_session() as s:
        ref = s.get(Payment, payment["payment_id"]).provider_ref
    assert ref == order["transaction_id"]

    twice = app.post("/api/v1/payments", headers=headers, json={"bill_id": bill.id, "method": "alipay"})
    assert twice.status_code == 409
    assert twice.json()["error"]["message"] == "该账单已缴清，无需重复缴费"


def test_alipay_qr_and_bank_card_cashier(paystack, session, make_user):
    user, home, bill = _resident_with_bill(session, make_user)
    app = paystack.app
    headers = login(app, user.username)

    qr = app.post("/api/v1/payments", headers=headers, json={"bill_id": bill.id, "method": "alipay"}).json()
    assert qr["pay_url"].startswith(paystack.alipay_url + "/qr/")
    # Changing one's mind: bank card closes the QR order and sends the payer to the cashier.
    card = app.post("/api/v1/payments", headers=headers, json={"bill_id": bill.id, "method": "bank_card"})
    card = card.json()
    assert card["payment_id"] != qr["payment_id"]
    assert app.get(f"/api/v1/payments/{qr['payment_id']}", headers=headers).json()["status"] == "failed"
    url = urlparse(card["pay_url"])
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["method"] == "alipay.trade.page.pay" and params["sign_type"] == "RSA2"
    assert json.loads(params["biz_content"])["total_amount"] == "86.72"

    cashier = httpx.get(card["pay_url"])
    assert cashier.status_code == 200 and "¥86.72" in cashier.text
    # A tampered amount in the URL breaks Alipay's signature check.
    tampered = card["pay_url"].replace("86.72", "0.01")
    assert httpx.get(tampered).status_code == 400

    [order] = [o for o in paystack.alipay.orders.values() if o["return_url"]]
    done = httpx.post(paystack.alipay_url + "/cashier/confirm", data={"token": order["token"]})
    assert done.status_code == 303
    assert done.headers["location"].endswith(f"/bills?payment={card['payment_id']}")
    assert done.headers["X-Fake-Notify-Status"] == "200 success"
    assert _state(card["payment_id"]) == ("succeeded", "paid", 1)


def test_forged_notifies_are_refused_and_change_nothing(paystack, session, make_user):
    app = paystack.app
    headers, bill, wx = _pending(paystack, session, make_user)
    [order] = paystack.wechat.orders.values()
    real_headers, real_body = paystack.wechat.notify_of({**order, "trade_state": "SUCCESS"})

    # Signed by a key that is not WeChat's platform key.
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = dict(real_headers)
    message = f"{forged['Wechatpay-Timestamp']}\n{forged['Wechatpay-Nonce']}\n{real_body}\n"
    forged["Wechatpay-Signature"] = rsa_sign(impostor, message)
    r = app.post("/api/v1/payments/notify/wechat", content=real_body, headers=forged)
    assert r.status_code == 400 and r.json()["code"] == "FAIL"
    # Genuine signature, edited body.
    edited = real_body.replace('"summary":"支付成功"', '"summary":"ok"')
    assert app.post("/api/v1/payments/notify/wechat", content=edited, headers=real_headers).status_code == 400
    # No signature at all, and garbage.
    assert app.post("/api/v1/payments/notify/wechat", content=real_body).status_code == 400
    assert app.post("/api/v1/payments/notify/wechat", content=b"\xff" * 10).status_code == 400
    huge = real_body + " " * 70_000
    assert app.post("/api/v1/payments/notify/wechat", content=huge, headers=real_headers).status_code == 400
    assert _state(wx["payment_id"]) == ("pending", "unpaid", 0)

    # Alipay: a notify signed by someone else, and one with the sign removed.
    ali = app.post("/api/v1/payments", headers=headers, json={"bill_id": bill.id, "method": "alipay"}).json()
    [ali_order] = paystack.alipay.orders.values()
    params = {k: v[0] for k, v in parse_qs(paystack.alipay.notify_of(ali_order)).items()}
    params["sign"] = rsa_sign(impostor, sign_content(params, exclude=("sign", "sign_type")))
    r = app.post("/api/v1/payments/notify/alipay", data=params)
    assert (r.status_code, r.text) == (400, "failure")
    del params["sign"]
    assert app.post("/api/v1/payments/notify/alipay", data=params).status_code == 400
    assert _state(ali["payment_id"]) == ("pending", "unpaid", 0)


def test_replayed_notify_is_applied_once(paystack, session, make_user):
    app = paystack.app
    headers, bill, wx = _pending(paystack, session, make_user)
    [order] = paystack.wechat.orders.values()
    httpx.post(paystack.wechat_url + "/wxpay/confirm", data={"pr": order["token"]})
    [sent] = paystack.wechat.sent
    for _ in range(3):  # WeChat retries until it sees a 2xx; a replay must not pay twice
        r = app.post("/api/v1/payments/notify/wechat", content=sent["body"], headers=sent["headers"])
        assert r.status_code == 204
    assert _state(wx["payment_id"]) == ("succeeded", "paid", 1)
    with new_session() as s:
        assert s.scalar(select(func.count()).select_from(Payment)
                        .where(Payment.status == PaymentStatus.SUCCEEDED)) == 1


def test_a_notify_with_another_amount_is_refused(paystack, session, make_user):
    app = paystack.app
    headers, bill, wx = _pending(paystack, session, make_user)
    [order] = paystack.wechat.orders.values()
    # Correctly signed by the gateway, but for 1 fen: never marks an 86.72 bill paid.
    notify_headers, body = paystack.wechat.notify_of({**order, "total": 1})
    r = app.post("/api/v1/payments/notify/wechat", content=body, headers=notify_headers)
    assert r.status_code == 400
    assert _state(wx["payment_id"]) == ("pending", "unpaid", 0)

    ali = app.post("/api/v1/payments", headers=headers, json={"bill_id": bill.id, "method": "alipay"}).json()
    [ali_order] = paystack.alipay.orders.values()
    body = paystack.alipay.notify_of({**ali_order, "amount": Decimal("8.67")})
    r = app.post("/api/v1/payments/notify/alipay", content=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (r.status_code, r.text) == (400, "failure")
    assert _state(ali["payment_id"]) == ("pending", "unpaid", 0)


def _payment_rows() -> int:
    with new_session() as s:
        return s.scalar(select(func.count()).select_from(Payment))


def test_bad_requests_get_chinese_answers_and_write_nothing(paystack, session, make_user):
    owner, home, bill = _resident_with_bill(session, make_user)
    other = make_user("resident")
    make_home(session, "0501000002", owner=other)
    app = paystack.app
    mine, theirs = login(app, owner.username), login(app, other.username)
    paid_bill = session.scalar(select(Bill).where(Bill.household_id == home.id,
                                                  Bill.status == BillStatus.PAID))
    cases = [
        (theirs, {"bill_id": bill.id, "method": "wechat"}, 404, "未找到该账单，或您无权查看"),
        (mine, {"bill_id": 999999, "method": "wechat"}, 404, "未找到该账单，或您无权查看"),
        (mine, {"bill_id": bill.id, "method": "wechat", "amount": "80.00"}, 422,
         "缴费金额与账单应缴金额 ¥86.72 不符"),
        (mine, {"bill_id": bill.id, "method": "wechat", "amount": "八十"}, 422, "缴费金额格式不正确"),
        (mine, {"bill_id": bill.id, "method": "counter"}, 422, "请选择微信支付、支付宝或银行卡"),
        (mine, {"bill_id": paid_bill.id, "method": "wechat"}, 409, "该账单已缴清，无需重复缴费"),
    ]
    for headers, body, status, message in cases:
        r = app.post("/api/v1/payments", headers=headers, json=body)
        assert (r.status_code, r.json()["error"]["message"]) == (status, message), body
    assert _payment_rows() == 0

    started = app.post("/api/v1/payments", headers=mine, json={"bill_id": bill.id, "method": "wechat"})
    pid = started.json()["payment_id"]
    assert app.get(f"/api/v1/payments/{pid}", headers=theirs).status_code == 404
    assert app.get(f"/api/v1/households/{home.id}/payments", headers=theirs).status_code == 404


def test_an_unreachable_gateway_is_said_in_chinese_and_leaves_no_payment(
    paystack, session, make_user, monkeypatch
):
    from shuiwu.services import payments

    user, home, bill = _resident_with_bill(session, make_user)
    monkeypatch.setenv("WECHATPAY_BASE_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    try:
        payments.start_payment(session, user, bill.id, "wechat")
    except payments.GatewayUnavailable as exc:
        assert exc.message == "暂时无法连接微信支付，请稍后再试" and exc.status_code == 502
    else:
        raise AssertionError("no error for an unreachable gateway")
    session.rollback()
    assert _payment_rows() == 0


def test_a_lost_notify_is_made_up_for_by_asking_the_gateway(paystack, session, make_user):
    app = paystack.app
    headers, bill, wx = _pending(paystack, session, make_user)
    sync = f"/api/v1/payments/{wx['payment_id']}/sync"
    # Not paid yet: asking changes nothing.
    assert app.post(sync, headers=headers).json()["status"] == "pending"
    # Paid at WeChat, but the notify never arrived.
    [order] = paystack.wechat.orders.values()
    order["trade_state"] = "SUCCESS"
    assert app.get(f"/api/v1/payments/{wx['payment_id']}", headers=headers).json()["status"] == "pending"
    synced = app.post(sync, headers=headers).json()
    assert (synced["status"], synced["status_label"]) == ("succeeded", "支付成功")
    assert _state(wx["payment_id"]) == ("succeeded", "paid", 1)
    # The notify arriving late is then a replay.
    notify_headers, body = paystack.wechat.notify_of(order)
    assert app.post("/api/v1/payments/notify/wechat", content=body, headers=notify_headers).status_code == 204
    assert _state(wx["payment_id"]) == ("succeeded", "paid", 1)


def test_alipay_query_answers_are_checked_like_notifies(paystack, session, make_user):
    user, home, bill = _resident_with_bill(session, make_user)
    app = paystack.app
    headers = login(app, user.username)
    ali = app.post("/api/v1/payments", headers=headers, json={"bill_id": bill.id, "method": "alipay"}).json()
    [order] = paystack.alipay.orders.values()
    order.update(trade_status="TRADE_SUCCESS", amount=Decimal("1.00"))  # a trade for another sum
    assert app.post(f"/api/v1/payments/{ali['payment_id']}/sync", headers=headers).json()["status"] == "pending"
    order.update(amount=Decimal("86.72"))
    assert app.post(f"/api/v1/payments/{ali['payment_id']}/sync", headers=headers).json()["status"] == "succeeded"
    assert _state(ali["payment_id"]) == ("succeeded", "paid", 1)


def test_without_gateway_settings_development_pays_through_local_fakes(db_url, session, make_user, monkeypatch):
    """`make run` with nothing configured: the app starts the fakes itself on free ports."""
    from shuiwu.main import create_app
    from shuiwu.payment_gateways import local

    user, home, bill = _resident_with_bill(session, make_user)
    port = local.free_port()
    monkeypatch.setenv("PUBLIC_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    server = local.serve(create_app(), port=port)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as app:
            headers = login(app, user.username)
            payment = app.post("/api/v1/payments", headers=headers,
                               json={"bill_id": bill.id, "method": "bank_card"}).json()
            assert payment["pay_url"].startswith("http://127.0.0.1:")
            assert "/gateway.do?" in payment["pay_url"] and f":{port}/" not in payment["pay_url"]
            cashier = httpx.get(payment["pay_url"])
            assert "¥86.72" in cashier.text
            token = cashier.text.split('name="token" value="')[1].split('"')[0]
            gateway = payment["pay_url"].split("/gateway.do")[0]
            done = httpx.post(gateway + "/cashier/confirm", data={"token": token})
            assert done.headers["X-Fake-Notify-Status"] == "200 success"
            assert app.get(f"/api/v1/payments/{payment['payment_id']}", headers=headers).json()[
                "status"] == "succeeded"
    finally:
        server.stop()
