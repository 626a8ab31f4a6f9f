"""Password login and the current user, as the portal and the chat widget use them."""

from tests.conftest import DEMO_PASSWORD, login


def test_login_by_username_email_or_phone_returns_a_working_token(client, make_user):
    user = make_user("resident", phone="13800138000", email="li@example.cn", display_name="李娜")
    for login_name in (user.username, "li@example.cn", "13800138000"):
        headers = login(client, login_name)
        me = client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200
        assert me.json() == {
            "id": user.id, "username": user.username, "display_name": "李娜", "role": "resident",
            "phone_masked": "138****8000", "email_masked": "l***@example.cn",
            "phone_verified": True, "email_verified": True, "staff_function": None,
        }


def test_wrong_password_and_unknown_user_get_the_same_chinese_message(client, make_user):
    user = make_user("resident")
    wrong = client.post("/api/v1/auth/login", json={"username": user.username, "password": "nope12345"})
    unknown = client.post("/api/v1/auth/login", json={"username": "nobody", "password": DEMO_PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["message"] == "用户名或密码错误"


def test_forged_or_missing_token_is_refused(client):
    assert client.get("/api/v1/me").json()["error"]["message"] == "请先登录"
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401
    assert forged.json()["error"]["message"] == "登录凭证无效，请重新登录"


def test_deactivated_user_cannot_log_in(client, make_user, session):
    user = make_user("resident")
    user.is_active = False
    session.commit()
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": DEMO_PASSWORD})
    assert response.status_code == 401


def test_login_is_audited(client, make_user, session):
    from sqlalchemy import select

    from shuiwu.models import AuditEntry

    user = make_user("resident")
    login(client, user.username)
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == user.id)).all()
    assert "auth.login" in actions


def test_staff_see_their_function_so_the_console_shows_only_their_tools(client, make_user):
    from shuiwu.models import StaffFunction

    fitter = make_user("staff", staff_function=StaffFunction.FIELD_REPAIR)
    me = client.get("/api/v1/me", headers=login(client, fitter.username)).json()
    assert (me["role"], me["staff_function"]) == ("staff", "field_repair")
