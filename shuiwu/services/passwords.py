"""Password rules, and the flows that change a password: forgotten (by code) and changed."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from shuiwu import ratelimit as rl
from shuiwu import security
from shuiwu.errors import InvalidInput, Unauthorized
from shuiwu.models import CodePurpose, User
from shuiwu.models._types import utcnow
from shuiwu.services import audit, codes, messaging, sessions
from shuiwu.services import message_templates as texts

COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")

FORGOT_SENT = "如账号存在，验证码已发送至其绑定的手机或邮箱"
RESET_DONE = "密码已重置，请用新密码登录"
CHANGED = "密码已修改，其他设备已退出登录"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def check_strength(password: str, *, username: str = "", phone: str = "") -> None:
    """≥8 characters with letters and digits; not a common password; not the username or phone."""
    if len(password) < 8:
        raise InvalidInput("密码长度至少为 8 位", field="password")
    if len(password) > 128:
        raise InvalidInput("密码长度不能超过 128 位", field="password")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise InvalidInput("密码须同时包含字母和数字", field="password")
    lowered = password.lower()
    if lowered in common_passwords():
        raise InvalidInput("该密码过于常见，容易被猜到，请换一个", field="password")
    if username and username.lower() in lowered:
        raise InvalidInput("密码不能包含用户名", field="password")
    if phone and phone in password:
        raise InvalidInput("密码不能包含手机号", field="password")


def check_confirmation(password: str, confirm: str) -> None:
    if password != confirm:
        raise InvalidInput("两次输入的密码不一致", field="password_confirm")


def forgot(session: Session, login: str, *, ip: str | None) -> str:
    """Send a reset code to the account's verified phone (or email). Same answer either way."""
    from shuiwu.services import accounts

    login = login.strip()
    rl.hit(f"reset:ip:{ip}", codes.SEND_PER_IP, "发送验证码过于频繁")
    target_key = codes.key_of("login", login)
    codes.limit_sending(target_key)
    user = accounts.find_by_login(session, login)
    if user is None or not user.is_active:
        return FORGOT_SENT
    channel, address = _reset_contact(user, login)
    if channel is None:
        return FORGOT_SENT
    code = codes.issue(session, CodePurpose.RESET, channel, target_key, user=user)
    messaging.send(session, channel, address, "reset_code", user=user, code=code)
    return FORGOT_SENT


def _reset_contact(user: User, login: str) -> tuple[str | None, str | None]:
    """Where the code goes: the contact named, else the verified phone, else the verified email."""
    if user.email and user.email_verified_at and login.lower() == user.email.lower():
        return "email", user.email
    if user.phone and user.phone_verified_at:
        return "sms", user.phone
    if user.email and user.email_verified_at:
        return "email", user.email
    return None, None


def reset(
    session: Session, login: str, code: str, password: str, confirm: str, *, ip: str | None
) -> None:
    """A new password by code: every session ends, and the owner is told."""

    login = login.strip()
    rl.hit(f"reset:verify:ip:{ip}", codes.VERIFY_PER_IP, "尝试过于频繁")
    check_confirmation(password, confirm)
    check_strength(password)
    pending = codes.verify(session, CodePurpose.RESET, codes.key_of("login", login), code)
    user = session.get(User, pending.user_id) if pending.user_id else None
    if user is None or not user.is_active:
        raise InvalidInput(codes.WRONG_CODE, field="code")
    check_strength(password, username=user.username, phone=user.phone or "")
    codes.consume(session, pending)
    _set_password(user, password)
    sessions.revoke_all(session, user, reason="password_reset")
    audit.record(session, user, "auth.password_reset", "user", user.id, ip=ip)
    when = texts.local_time(utcnow())
    messaging.notify(session, user, "password_reset_notice", when=when)


def change(session: Session, user: User, old: str, password: str, confirm: str, *, sid: str | None,
           ip: str | None) -> None:
    """A signed-in resident's new password: the other devices are signed out."""
    rl.hit(f"pwchange:user:{user.id}", rl.Limit(10, 3600), "尝试过于频繁")
    if not security.verify_password(user.password_hash, old):
        raise Unauthorized("原密码错误")
    check_confirmation(password, confirm)
    check_strength(password, username=user.username, phone=user.phone or "")
    _set_password(user, password)
    sessions.revoke_all(session, user, reason="password_change", keep=sid)
    audit.record(session, user, "auth.password_change", "user", user.id, ip=ip)
    messaging.notify(session, user, "password_changed_notice", when=texts.local_time(utcnow()))


def _set_password(user: User, password: str) -> None:
    user.password_hash = security.hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
