"""Only admins list, create and change users; role changes are audited; admins cannot lock themselves out."""

from __future__ import annotations

from sqlalchemy import select

from shuiwu.models import AuditEntry, AuthSession, Role, StaffFunction, User
from tests.conftest import DEMO_PASSWORD, login

USERS = "/api/v1/admin/users"


def test_admin_lists_users_with_masked_contacts(client, make_user):
    admin = make_user("admin")
    make_user("resident", username="liming", phone="13812348000", email="liming@example.cn")
    make_user("staff", username="li_clerk", staff_function=StaffFunction.CUSTOMER_SERVICE)
    headers = login(client, admin.username)
    found = client.get(USERS, params={"q": "li"}, headers=headers)
    assert found.status_code == 200, found.text
    by_name = {u["username"]: u for u in found.json()}
    assert set(by_name) == {"liming", "li_clerk"} and found.headers["X-Total-Count"] == "2"
    assert by_name["liming"]["phone"] == "138****8000"
    assert by_name["liming"]["email"] == "l***@example.cn"
    assert by_name["li_clerk"]["staff_function"] == "customer_service"
    staff_only = client.get(USERS, params={"role": "staff"}, headers=headers).json()
    assert [u["username"] for u in staff_only] == ["li_clerk"]
    by_phone = client.get(USERS, params={"q": "13812348000"}, headers=headers).json()
    assert [u["username"] for u in by_phone] == ["liming"]
    assert "13812348000" not in found.text and "liming@example.cn" not in found.text


def test_admin_creates_staff_who_can_sign_in(client, make_user):
    admin = make_user("admin")
    headers = login(client, admin.username)
    made = client.post(USERS, headers=headers, json={
        "username": "zhou_repair", "password": "Repair2026ok", "role": "staff",
        "staff_function": "field_repair", "display_name": "维修 周强", "phone": "13700001234",
    })
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "staff" and made.json()["staff_function"] == "field_repair"
    assert made.json()["phone"] == "137****1234"
    login(client, "zhou_repair", "Repair2026ok")

    no_function = client.post(USERS, headers=headers, json={
        "username": "nofunc", "password": "Repair2026ok", "role": "staff"})
    assert no_function.status_code == 422
    assert no_function.json()["error"]["fields"] == [
        {"field": "staff_function", "message": "工作人员须选择岗位：客服或维修"}]
    taken = client.post(USERS, headers=headers, json={
        "username": "zhou_repair", "password": "Repair2026ok", "role": "resident"})
    assert taken.status_code == 409


def test_role_changes_are_audited_with_from_and_to(client, session, make_user):
    admin = make_user("admin")
    resident = make_user("resident")
    headers = login(client, admin.username)
    r = client.patch(f"{USERS}/{resident.id}", headers=headers,
                     json={"role": "staff", "staff_function": "customer_service"})
    assert r.status_code == 200, r.text
    assert (r.json()["role"], r.json()["staff_function"]) == ("staff", "customer_service")
    r = client.patch(f"{USERS}/{resident.id}", headers=headers, json={"role": "resident"})
    assert (r.json()["role"], r.json()["staff_function"]) == ("resident", None)
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "user.role_change").order_by(AuditEntry.id)
    ).all()
    assert [(e.actor_id, e.object_id) for e in entries] == [(admin.id, str(resident.id))] * 2
    assert entries[0].detail == {
        "from": {"role": "resident", "staff_function": None},
        "to": {"role": "staff", "staff_function": "customer_service"},
    }
    assert entries[1].detail["to"] == {"role": "resident", "staff_function": None}
    # A name change is not a role change.
    client.patch(f"{USERS}/{resident.id}", headers=headers, json={"display_name": "李女士"})
    assert len(session.scalars(select(AuditEntry).where(AuditEntry.action == "user.role_change")).all()) == 2
    unknown = client.patch(f"{USERS}/999999", headers=headers, json={"role": "admin"})
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "未找到该用户"


def test_an_admin_cannot_demote_or_deactivate_themselves(client, session, make_user):
    admin = make_user("admin")
    headers = login(client, admin.username)
    for body, message in (({"role": "staff", "staff_function": "customer_service"}, "不能取消自己的管理员角色"),
                          ({"is_active": False}, "不能停用自己的账号")):
        r = client.patch(f"{USERS}/{admin.id}", headers=headers, json=body)
        assert r.status_code == 403 and r.json()["error"]["message"] == message
    session.expire_all()
    me = session.get(User, admin.id)
    assert me.role is Role.ADMIN and me.is_active


def test_a_deactivated_user_is_signed_out_at_once(client, session, make_user):
    admin, clerk = make_user("admin"), make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    clerk_headers = login(client, clerk.username)
    assert client.get("/api/v1/me", headers=clerk_headers).status_code == 200
    r = client.patch(f"{USERS}/{clerk.id}", headers=login(client, admin.username), json={"is_active": False})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert client.get("/api/v1/me", headers=clerk_headers).status_code == 401
    refused = client.post("/api/v1/auth/login", json={"username": clerk.username, "password": DEMO_PASSWORD})
    assert refused.status_code == 401
    entry = session.scalar(select(AuditEntry).where(
        AuditEntry.action == "user.deactivate", AuditEntry.object_id == str(clerk.id)))
    assert entry.detail == {"sessions_revoked": 1}
    # Their login sessions are ended too, so no refresh token brings them back.
    logins = session.scalars(select(AuthSession).where(AuthSession.user_id == clerk.id)).all()
    assert [(a.revoked_at is not None, a.revoke_reason) for a in logins] == [(True, "deactivated")]


def test_only_admins_manage_users(client, make_user):
    target = make_user("resident")
    for role, function in (("staff", StaffFunction.CUSTOMER_SERVICE), ("staff", StaffFunction.FIELD_REPAIR),
                           ("resident", None)):
        actor = make_user(role, staff_function=function) if function else make_user(role)
        headers = login(client, actor.username)
        attempts = (
            client.get(USERS, headers=headers),
            client.patch(f"{USERS}/{target.id}", headers=headers, json={"role": "admin"}),
            client.patch(f"{USERS}/{actor.id}", headers=headers, json={"role": "admin"}),
            client.post(USERS, headers=headers, json={
                "username": f"boss_{actor.id}", "password": "Boss2026power", "role": "admin"}),
        )
        for r in attempts:
            assert r.status_code == 403, (role, function, r.request.url, r.text)
            assert r.json()["error"]["message"] == "只有管理员可以管理用户和角色"
