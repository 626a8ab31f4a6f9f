"""Password and SMS-code login as an attacker would try them: guessing locks, codes don't
yield, and no answer tells whether an account exists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shuiwu.models import AuditEntry, User, VerificationCode
from shuiwu.models._types import utcnow
from tests.api.authflow import client_at, last_code, new_ip, outbox, phone_ending, unique, wrong
from tests.conftest import DEMO_PASSWORD

LOGIN = "/api/v1/auth/login"


def attempt(client, name, password="Wrong2026pass"):
    r = client.post(LOGIN, json={"username": name, "password": password})
    return r.status_code, r.json(), r.headers.get("retry-after")


def test_password_guessing_locks_the_account_even_for_the_right_password(db_url, session, make_user):
    user = make_user("resident", username=unique("guess"))
    client = client_at(new_ip())
    for _ in range(4):
        status, body, _ = attempt(client, user.username)
        assert (status, body["error"]["message"]) == (401, "用户名或密码错误")
    status, body, retry = attempt(client, user.username)
    assert status == 429 and retry == "60"
    assert body["error"]["message"] == "尝试次数过多，账号已临时锁定，请 1 分钟后再试或通过短信验证码登录/找回密码"

    # Locked: the right password is refused too, and trying again doubles the wait.
    status, body, _ = attempt(client, user.username, DEMO_PASSWORD)
    assert status == 429 and "请 2 分钟后再试" in body["error"]["message"]
    session.expire_all()
    assert session.get(User, user.id).failed_logins == 6

    # Time travel past the lock: the right password works and the count starts over.
    session.get(User, user.id).locked_until = utcnow() - timedelta(seconds=1)
    session.commit()
    status, body, _ = attempt(client, user.username, DEMO_PASSWORD)
    assert status == 200, body
    session.expire_all()
    fresh = session.get(User, user.id)
    assert fresh.failed_logins == 0 and fresh.locked_until is None
    failures = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "auth.login_failed", AuditEntry.actor_id == user.id))
    assert failures == 6


def test_an_unknown_name_fails_and_locks_exactly_like_a_real_one(db_url, make_user):
    user = make_user("resident", username=unique("real"))
    client = client_at(new_ip())
    real = [attempt(client, user.username) for _ in range(7)]
    nobody = unique("nobody")
    ghost = [attempt(client, nobody) for _ in range(7)]
    assert real == ghost
    assert [s for s, _, _ in real] == [401] * 4 + [429] * 3


def test_too_many_failed_logins_from_one_address_are_refused(db_url, make_user, monkeypatch):
    from shuiwu import ratelimit
    from shuiwu.services import accounts

    monkeypatch.setattr(accounts, "LOGIN_FAILURES_PER_IP", ratelimit.Limit(3, 600))
    client = client_at(new_ip())
    users = [make_user("resident", username=unique("ip")) for _ in range(4)]
    assert attempt(client, users[0].username, DEMO_PASSWORD)[0] == 200  # successes don't count
    for u in users[:3]:
        assert attempt(client, u.username)[0] == 401
    status, body, retry = attempt(client, users[3].username, DEMO_PASSWORD)
    assert status == 429 and body["error"]["message"].startswith("登录尝试过于频繁") and retry == "600"
    assert attempt(client_at(new_ip()), users[3].username, DEMO_PASSWORD)[0] == 200


def test_logout_makes_the_access_token_useless_at_once(db_url, make_user):
    user = make_user("resident", username=unique("out"))
    client = client_at(new_ip())
    token = client.post(LOGIN, json={"username": user.username, "password": DEMO_PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    out = client.post("/api/v1/auth/logout", headers=headers)
    assert out.status_code == 204 and "shuiwu_refresh" not in client.cookies
    after = client.get("/api/v1/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["error"]["message"] == "登录状态已失效，请重新登录"
    assert client.post("/api/v1/auth/refresh").status_code == 401


def _sms_user(make_user):
    phone = phone_ending()
    return make_user("resident", username=unique("sms"), phone=phone), phone


def test_sms_code_answer_is_the_same_for_registered_and_unknown_phones(db_url, session, make_user):
    user, phone = _sms_user(make_user)
    stranger = phone_ending()  # same mask 138****8000
    client = client_at(new_ip())
    known = client.post("/api/v1/auth/login/sms/send", json={"phone": phone})
    unknown = client.post("/api/v1/auth/login/sms/send", json={"phone": stranger})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    assert known.json() == {"message": "如该手机号已注册，验证码已发送，5 分钟内有效"}
    # Only the outbox knows the difference.
    assert [m.template for m in outbox(session, phone)] == ["login_code"]
    assert outbox(session, stranger) == []
    guess = wrong(last_code(session, phone))
    bad_known = client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": guess})
    bad_unknown = client.post("/api/v1/auth/login/sms", json={"phone": stranger, "code": guess})
    assert (bad_known.status_code, bad_known.json()) == (bad_unknown.status_code, bad_unknown.json())
    assert bad_known.json()["error"]["message"] == "验证码错误或已失效"


def test_an_sms_code_logs_in_once_and_works_while_the_password_is_locked(db_url, session, make_user):
    user, phone = _sms_user(make_user)
    client = client_at(new_ip())
    for _ in range(5):
        attempt(client, user.username)
    assert attempt(client, user.username, DEMO_PASSWORD)[0] == 429
    assert client.post("/api/v1/auth/login/sms/send", json={"phone": phone}).status_code == 202
    code = last_code(session, phone)
    ok = client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code, "remember": True})
    assert ok.status_code == 200, ok.text
    assert ok.json()["user"]["username"] == user.username and ok.json()["session_id"]
    again = client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
    assert again.status_code == 422 and again.json()["error"]["message"] == "验证码错误或已失效"
    session.expire_all()
    assert session.get(User, user.id).locked_until is None


def test_a_code_cannot_be_brute_forced(db_url, session, make_user):
    _, phone = _sms_user(make_user)
    client = client_at(new_ip())
    client.post("/api/v1/auth/login/sms/send", json={"phone": phone})
    code = last_code(session, phone)
    for _ in range(5):
        r = client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": wrong(code)})
        assert r.status_code == 422
    sixth = client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
    assert sixth.status_code == 422 and sixth.json()["error"]["message"] == "验证码错误或已失效"
    session.expire_all()
    assert session.scalar(select(VerificationCode.attempts)) == 5


def test_an_expired_code_is_refused(db_url, session, make_user):
    _, phone = _sms_user(make_user)
    client = client_at(new_ip())
    client.post("/api/v1/auth/login/sms/send", json={"phone": phone})
    code = last_code(session, phone)
    row = session.scalar(select(VerificationCode))
    assert row.expires_at - row.created_at == timedelta(minutes=5)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    r = client.post("/api/v1/auth/login/sms", json={"phone": phone, "code": code})
    assert r.status_code == 422


def test_a_second_code_within_a_minute_is_refused(db_url, make_user):
    _, phone = _sms_user(make_user)
    client = client_at(new_ip())
    assert client.post("/api/v1/auth/login/sms/send", json={"phone": phone}).status_code == 202
    again = client.post("/api/v1/auth/login/sms/send", json={"phone": phone})
    assert again.status_code == 429 and again.json()["error"]["message"].startswith("获取验证码过于频繁")


@pytest.mark.parametrize("remember", [True, False])
def test_login_sets_an_httponly_strict_refresh_cookie(db_url, make_user, remember):
    user = make_user("resident", username=unique("ck"))
    client = client_at(new_ip())
    r = client.post(LOGIN, json={"username": user.username, "password": DEMO_PASSWORD,
                                 "remember": remember, "device_id": "dev-1"})
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "user", "session_id"}
    assert body["expires_in"] == 900 and body["token_type"] == "bearer"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("shuiwu_refresh=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/api/v1/auth" in cookie
    assert ("Max-Age=2592000" in cookie) is remember
    assert "Secure" not in cookie  # plain http here; https requests get Secure
