"""Refresh-token rotation, a stolen token used twice, the sessions page, new-place alerts."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from shuiwu.models import AuditEntry, AuthSession, Notification
from tests.api.authflow import client_at, new_ip, outbox, phone_ending, unique
from tests.conftest import DEMO_PASSWORD

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"


def sign_in(client, user, **extra):
    r = client.post(LOGIN, json={"username": user.username, "password": DEMO_PASSWORD, **extra})
    assert r.status_code == 200, r.text
    return r.json(), {"Authorization": f"Bearer {r.json()['access_token']}"}


def spent_a_minute_ago(session, token: str) -> None:
    from datetime import timedelta

    from shuiwu import security
    from shuiwu.models import RefreshToken

    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == security.token_hash(token)))
    row.used_at -= timedelta(seconds=60)
    session.commit()


def test_two_tabs_refreshing_together_keep_the_session(db_url, session, make_user):
    user = make_user("resident", username=unique("tabs"))
    tab_a = client_at(new_ip())
    first, _ = sign_in(tab_a, user, remember=True)
    shared = tab_a.cookies["shuiwu_refresh"]
    # Both tabs send the cookie they share at the same moment: the second sees it just spent.
    assert tab_a.post(REFRESH, json={"refresh_token": shared}).status_code == 200
    tab_b = tab_a.post(REFRESH, json={"refresh_token": shared})
    assert tab_b.status_code == 200, tab_b.text
    assert tab_b.json()["session_id"] == first["session_id"]
    session.expire_all()
    assert session.get(AuthSession, first["session_id"]).revoked_at is None
    # The grace is for the token rotated last, and only for seconds: later it is a replay.
    spent_a_minute_ago(session, shared)
    assert tab_a.post(REFRESH, json={"refresh_token": shared}).status_code == 401
    session.expire_all()
    assert session.get(AuthSession, first["session_id"]).revoke_reason == "refresh_reuse"


def test_refresh_rotates_the_cookie_and_keeps_the_session(db_url, make_user):
    user = make_user("resident", username=unique("rot"))
    client = client_at(new_ip())
    first, _ = sign_in(client, user, remember=True)
    old = client.cookies["shuiwu_refresh"]
    r = client.post(REFRESH)
    assert r.status_code == 200, r.text
    assert r.json()["session_id"] == first["session_id"]
    assert r.json()["user"]["username"] == user.username
    assert client.cookies["shuiwu_refresh"] != old
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.status_code == 200
    # Non-browser clients may send the token in the body instead.
    token = client.cookies["shuiwu_refresh"]
    other = client_at(new_ip())
    assert other.post(REFRESH, json={"refresh_token": token}).status_code == 200


def test_a_stolen_refresh_token_used_twice_kills_the_whole_family(db_url, session, make_user):
    user = make_user("resident", username=unique("fam"), phone=phone_ending())
    owner = client_at(new_ip())
    login, headers = sign_in(owner, user, remember=True)
    stolen = owner.cookies["shuiwu_refresh"]

    # The thief refreshes first with the copy; then the owner's browser uses it again.
    thief = client_at(new_ip())
    got = thief.post(REFRESH, json={"refresh_token": stolen})
    assert got.status_code == 200
    thief_headers = {"Authorization": f"Bearer {got.json()['access_token']}"}
    spent_a_minute_ago(session, stolen)  # the owner's browser refreshes some time later
    reuse = owner.post(REFRESH)
    assert reuse.status_code == 401
    assert reuse.json()["error"]["message"] == "登录状态已失效，请重新登录"

    # Everything descending from that login is dead: the thief's rotated token and every
    # access token of the session, the owner's included.
    assert thief.post(REFRESH).status_code == 401
    assert client_at(new_ip()).post(REFRESH, json={"refresh_token": thief.cookies["shuiwu_refresh"]}).status_code == 401
    assert owner.get("/api/v1/me", headers=headers).status_code == 401
    assert owner.get("/api/v1/me", headers=thief_headers).status_code == 401

    session.expire_all()
    auth = session.get(AuthSession, login["session_id"])
    assert auth.revoked_at is not None and auth.revoke_reason == "refresh_reuse"
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.refresh_reuse"))
    told = session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    assert [n.kind for n in told] == ["refresh_reuse"]
    assert "重复使用" in outbox(session, user.phone)[-1].body


def test_refresh_from_a_foreign_page_is_refused(db_url, make_user):
    user = make_user("resident", username=unique("csrf"))
    client = client_at(new_ip())
    sign_in(client, user)
    evil = client.post(REFRESH, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert client.post(REFRESH, headers={"Origin": "http://testserver"}).status_code == 200


def test_sessions_page_lists_and_revokes_devices(db_url, make_user):
    user = make_user("resident", username=unique("dev"))
    other_user = make_user("resident", username=unique("dev"))
    phone = client_at(new_ip())
    laptop = client_at(new_ip())
    a, a_headers = sign_in(phone, user, device_id="phone-1")
    b, b_headers = sign_in(laptop, user, remember=True, device_id="laptop-1")
    c, _ = sign_in(client_at(new_ip()), other_user)

    listed = laptop.get("/api/v1/auth/sessions", headers=b_headers).json()
    assert {s["id"] for s in listed} == {a["session_id"], b["session_id"]}
    current = [s for s in listed if s["current"]]
    assert [s["id"] for s in current] == [b["session_id"]] and current[0]["remember"] is True
    assert set(listed[0]) == {"id", "device", "place", "created_at", "last_seen_at", "current", "remember"}
    assert listed[0]["place"].startswith("IP ") and listed[0]["place"].endswith(".*.*")

    assert laptop.delete(f"/api/v1/auth/sessions/{c['session_id']}", headers=b_headers).status_code == 404
    assert laptop.delete(f"/api/v1/auth/sessions/{a['session_id']}", headers=b_headers).status_code == 204
    assert phone.get("/api/v1/me", headers=a_headers).status_code == 401
    sign_in(phone, user, device_id="phone-1")
    assert laptop.post("/api/v1/auth/sessions/revoke-others", headers=b_headers).status_code == 204
    assert [s["id"] for s in laptop.get("/api/v1/auth/sessions", headers=b_headers).json()] == [b["session_id"]]


def test_a_login_from_a_new_place_alerts_and_not_me_signs_out_everywhere(db_url, session, make_user):
    user = make_user("resident", username=unique("place"), phone=phone_ending())
    home_ip = "36.112.5.7"
    home = client_at(home_ip)
    _, home_headers = sign_in(home, user, device_id="home-pc")
    sign_in(client_at("36.112.88.9"), user)  # same /16: the same place
    sign_in(client_at(new_ip(58)), user, device_id="home-pc")  # same browser elsewhere
    assert session.scalars(select(Notification).where(Notification.user_id == user.id)).all() == []

    intruder = client_at("61.135.1.2")
    _, intruder_headers = sign_in(intruder, user, device_id="strange")
    session.expire_all()
    [alert] = session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    assert alert.kind == "login_new_place"
    assert re.fullmatch(
        r"您的账号于 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d 在 IP 61\.135\.\*\.\*（.+）登录。"
        r"如非本人操作，请点击 \S+ 立即退出所有设备并修改密码。",
        alert.body,
    ), alert.body
    sms = outbox(session, user.phone)[-1]
    assert sms.template == "new_place" and sms.body.startswith("【智慧水务】您的账号于")
    link = re.search(r"(\S+/not-me\?token=\S+)", sms.body).group(1)
    token = parse_qs(urlsplit(link).query)["token"][0]

    r = client_at(new_ip()).post("/api/v1/auth/not-me", json={"token": token})
    assert r.status_code == 200
    assert r.json() == {"message": "已退出该账号的所有设备，请立即修改密码"}
    assert home.get("/api/v1/me", headers=home_headers).status_code == 401
    assert intruder.get("/api/v1/me", headers=intruder_headers).status_code == 401
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.not_me"))
    forged = client_at(new_ip()).post("/api/v1/auth/not-me", json={"token": home_headers["Authorization"][7:]})
    assert forged.status_code == 401  # an access token is not a not-me token


def test_the_first_login_ever_does_not_alert(db_url, session, make_user):
    user = make_user("resident", username=unique("first"))
    sign_in(client_at(new_ip()), user)
    assert session.scalars(select(Notification).where(Notification.user_id == user.id)).all() == []
