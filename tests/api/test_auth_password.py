"""Forgotten and changed passwords, and a new phone: codes, revocation, notices."""

from __future__ import annotations

from sqlalchemy import select

from shuiwu.models import AuditEntry, Notification
from tests.api.authflow import client_at, last_code, new_ip, outbox, phone_ending, unique, wrong
from tests.conftest import DEMO_PASSWORD

FORGOT = "/api/v1/auth/password/forgot"
RESET = "/api/v1/auth/password/reset"


def sign_in(client, login, password=DEMO_PASSWORD):
    r = client.post("/api/v1/auth/login", json={"username": login, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_forgot_answers_the_same_whether_or_not_the_account_exists(db_url, session, make_user):
    user = make_user("resident", phone=phone_ending())
    stranger = phone_ending()
    client = client_at(new_ip())
    a = client.post(FORGOT, json={"login": user.phone})
    b = client.post(FORGOT, json={"login": stranger})
    assert (a.status_code, a.json()) == (b.status_code, b.json())
    assert a.status_code == 202
    assert a.json() == {"message": "如账号存在，验证码已发送至其绑定的手机或邮箱"}
    assert [m.template for m in outbox(session, user.phone)] == ["reset_code"]
    assert outbox(session, stranger) == []
    code = wrong(last_code(session, user.phone))
    body = {"code": code, "password": "Xinmima2026", "password_confirm": "Xinmima2026"}
    ra = client.post(RESET, json={"login": user.phone, **body})
    rb = client.post(RESET, json={"login": stranger, **body})
    assert (ra.status_code, ra.json()) == (rb.status_code, rb.json())


def test_reset_signs_out_everywhere_and_tells_the_owner(db_url, session, make_user):
    user = make_user("resident", username=unique("reset"), phone=phone_ending(), email="r@example.cn")
    laptop = client_at(new_ip())
    old_headers = sign_in(laptop, user.username)
    client = client_at(new_ip())
    client.post(FORGOT, json={"login": "r@example.cn"})
    assert [m.template for m in outbox(session, "r@example.cn")] == ["reset_code"]
    code = last_code(session, "r@example.cn")
    common = client.post(RESET, json={"login": "r@example.cn", "code": code, "password": "abc123456",
                                      "password_confirm": "abc123456"})
    assert common.status_code == 422
    done = client.post(RESET, json={"login": "r@example.cn", "code": code, "password": "Xinmima2026",
                                    "password_confirm": "Xinmima2026"})
    assert done.status_code == 200, done.text
    assert done.json() == {"message": "密码已重置，请用新密码登录"}
    assert laptop.get("/api/v1/me", headers=old_headers).status_code == 401
    assert laptop.post("/api/v1/auth/refresh").status_code == 401
    bad = client.post("/api/v1/auth/login", json={"username": user.username, "password": DEMO_PASSWORD})
    assert bad.status_code == 401
    sign_in(client, user.username, "Xinmima2026")
    again = client.post(RESET, json={"login": "r@example.cn", "code": code, "password": "Other2026pw",
                                     "password_confirm": "Other2026pw"})
    assert again.status_code == 422  # single use
    session.expire_all()
    [notice] = [m for m in outbox(session, user.phone) if m.template == "password_reset_notice"]
    assert "密码已于" in notice.body and "所有设备均已退出登录" in notice.body
    kinds = session.scalars(select(Notification.kind).where(Notification.user_id == user.id)).all()
    assert "password_reset_notice" in kinds
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.password_reset"))


def test_changing_the_password_signs_out_the_other_devices(db_url, session, make_user):
    user = make_user("resident", username=unique("chg"))
    here, there = client_at(new_ip()), client_at(new_ip())
    headers, other = sign_in(here, user.username), sign_in(there, user.username)
    wrong_old = here.post("/api/v1/auth/password/change", headers=headers, json={
        "old_password": "Nope2026nope", "password": "Xinmima2026", "password_confirm": "Xinmima2026"})
    assert wrong_old.status_code == 401 and wrong_old.json()["error"]["message"] == "原密码错误"
    ok = here.post("/api/v1/auth/password/change", headers=headers, json={
        "old_password": DEMO_PASSWORD, "password": "Xinmima2026", "password_confirm": "Xinmima2026"})
    assert ok.status_code == 200
    assert here.get("/api/v1/me", headers=headers).status_code == 200
    assert there.get("/api/v1/me", headers=other).status_code == 401


def test_a_new_phone_after_verification_and_a_taken_one_refused(db_url, session, make_user):
    user = make_user("resident", username=unique("ct"), phone=phone_ending())
    neighbour = make_user("resident", phone=phone_ending())
    client = client_at(new_ip())
    headers = sign_in(client, user.username)
    old_phone, new_phone = user.phone, phone_ending("1234")
    sent = client.post("/api/v1/auth/contact/send-code", headers=headers,
                       json={"channel": "sms", "target": new_phone})
    assert sent.status_code == 202 and "138****1234" in sent.json()["message"]
    changed = client.post("/api/v1/auth/contact/change", headers=headers, json={
        "channel": "sms", "target": new_phone, "code": last_code(session, new_phone)})
    assert changed.status_code == 200, changed.text
    assert changed.json()["user"]["phone_masked"] == "138****1234"
    assert "更换为 138****1234" in outbox(session, old_phone)[-1].body
    sign_in(client, new_phone)

    # Someone else's number: the code is sent (nothing told), the change is refused.
    client.post("/api/v1/auth/contact/send-code", headers=headers,
                json={"channel": "sms", "target": neighbour.phone})
    taken = client.post("/api/v1/auth/contact/change", headers=headers, json={
        "channel": "sms", "target": neighbour.phone, "code": last_code(session, neighbour.phone)})
    assert taken.status_code == 409
    assert taken.json()["error"]["message"] == "该手机号或邮箱无法绑定，请换一个"
