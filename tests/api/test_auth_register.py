"""Self-registration: nothing exists until the code comes back, and the answer never tells
whether the phone or email already has an account."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from shuiwu.models import AuditEntry, User
from tests.api.authflow import client_at, last_code, new_ip, outbox, phone_ending, unique, wrong

REGISTER = "/api/v1/auth/register"
VERIFY = "/api/v1/auth/register/verify"


def details(**over):
    body = {"username": unique("new"), "phone": phone_ending(), "password": "Lanhai2026x",
            "password_confirm": "Lanhai2026x", "verify_via": "sms", "display_name": "王芳"}
    return {**body, **over}


def users(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(User))


def test_registration_answers_the_same_for_a_taken_and_a_free_phone(db_url, session, make_user):
    taken = make_user("resident", phone=phone_ending("8000")).phone
    free = phone_ending("8000")  # both show as 138****8000
    client = client_at(new_ip())
    a = client.post(REGISTER, json=details(phone=taken))
    b = client.post(REGISTER, json=details(phone=free))
    assert (a.status_code, a.json()) == (b.status_code, b.json())
    assert a.status_code == 202
    assert a.json() == {"message": "验证码已发送至 138****8000，5 分钟内有效", "channel": "sms",
                        "target_masked": "138****8000"}
    notice = outbox(session, taken)[-1]
    assert "该手机号已注册" in notice.body and "如非本人操作请忽略" in notice.body
    assert not re.search(r"\d{6}", notice.body)
    assert "验证码" in outbox(session, free)[-1].body


def test_no_account_exists_until_the_code_is_verified(db_url, session):
    client = client_at(new_ip())
    before = users(session)
    body = details()
    assert client.post(REGISTER, json=body).status_code == 202
    assert users(session) == before
    code = last_code(session, body["phone"])
    r = client.post(VERIFY, json={"target": body["phone"], "code": code})
    assert r.status_code == 201, r.text
    assert users(session) == before + 1
    token = r.json()
    assert token["user"]["username"] == body["username"] and token["user"]["display_name"] == "王芳"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert me["phone_verified"] is True and me["email_verified"] is False
    assert me["phone_masked"] == "138****8000"
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.register"))
    # The code is spent.
    again = client.post(VERIFY, json={"target": body["phone"], "code": code})
    assert again.status_code == 422 and again.json()["error"]["message"] == "验证码错误或已失效"
    # The new account logs in with its password.
    login = client.post("/api/v1/auth/login", json={"username": body["phone"], "password": "Lanhai2026x"})
    assert login.status_code == 200


def test_email_registration_carries_a_link_with_the_code(db_url, session):
    client = client_at(new_ip())
    email = f"{unique('mail')}@example.cn"
    body = details(phone=None, email=email, verify_via="email")
    r = client.post(REGISTER, json=body)
    assert r.json()["target_masked"].endswith("***@example.cn")
    [mail] = outbox(session, email)
    assert mail.subject == "智慧水务服务平台 · 注册验证码"
    link = re.search(r"(http\S+/verify\?\S+)", mail.body).group(1)
    query = parse_qs(urlsplit(link).query)
    assert query["target"] == [email]
    done = client.post(VERIFY, json={"target": email, "code": query["code"][0]})
    assert done.status_code == 201
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {done.json()['access_token']}"}).json()[
        "email_verified"] is True


def test_a_username_taken_meanwhile_is_a_409_and_another_can_be_chosen(db_url, session, make_user):
    client = client_at(new_ip())
    body = details()
    client.post(REGISTER, json=body)
    make_user("resident", username=body["username"])
    code = last_code(session, body["phone"])
    taken = client.post(VERIFY, json={"target": body["phone"], "code": code})
    assert taken.status_code == 409
    assert taken.json()["error"]["message"] == "用户名已被使用，请换一个"
    other = unique("other")
    ok = client.post(VERIFY, json={"target": body["phone"], "code": code, "username": other})
    assert ok.status_code == 201 and ok.json()["user"]["username"] == other


def test_registration_codes_cannot_be_guessed(db_url, session):
    client = client_at(new_ip())
    body = details()
    client.post(REGISTER, json=body)
    code = last_code(session, body["phone"])
    for _ in range(5):
        assert client.post(VERIFY, json={"target": body["phone"], "code": wrong(code)}).status_code == 422
    assert client.post(VERIFY, json={"target": body["phone"], "code": code}).status_code == 422
    assert users(session) == 0


def test_password_rules_and_confirmation(db_url):
    client = client_at(new_ip())
    cases = {
        "abc12": "密码长度至少为 8 位",
        "abcdefgh": "密码须同时包含字母和数字",
        "woaini1314": "该密码过于常见，容易被猜到，请换一个",
        "qq123456": "该密码过于常见，容易被猜到，请换一个",
        "A1qaz2wsx": None,  # not on the list: fine
    }
    for password, message in cases.items():
        r = client.post(REGISTER, json=details(password=password, password_confirm=password))
        if message is None:
            assert r.status_code == 202, r.text
        else:
            assert r.status_code == 422 and r.json()["error"]["message"] == message
    name = unique("zhao")
    r = client.post(REGISTER, json=details(username=name, password=f"{name}9x", password_confirm=f"{name}9x"))
    assert r.json()["error"]["message"] == "密码不能包含用户名"
    phone = phone_ending()
    r = client.post(REGISTER, json=details(phone=phone, password=f"a{phone}", password_confirm=f"a{phone}"))
    assert r.json()["error"]["message"] == "密码不能包含手机号"
    r = client.post(REGISTER, json=details(password_confirm="Different2026"))
    assert r.json()["error"]["fields"] == [{"field": "password_confirm", "message": "两次输入的密码不一致"}]
    r = client.post(REGISTER, json=details(phone=None, verify_via="sms"))
    assert r.json()["error"]["message"] == "选择短信验证时请填写手机号"
