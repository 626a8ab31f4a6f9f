"""User accounts: creation by operators, password login, lookup by token."""

from __future__ import annotations

import re

import jwt
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shuiwu import security
from shuiwu.crypto import blind_index
from shuiwu.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from shuiwu.models import Role, StaffFunction, User
from shuiwu.models._types import utcnow
from shuiwu.services import audit

USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,31}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

LOGIN_FAILED = "用户名或密码错误"


def check_password_strength(password: str, *, username: str = "", phone: str = "") -> None:
    """The manual's rule (≥8 characters, letters and digits) plus the obvious leaks."""
    if len(password) < 8:
        raise InvalidInput("密码长度至少为 8 位", field="password")
    if len(password) > 128:
        raise InvalidInput("密码长度不能超过 128 位", field="password")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise InvalidInput("密码须同时包含字母和数字", field="password")
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise InvalidInput("密码不能包含用户名", field="password")
    if phone and phone in password:
        raise InvalidInput("密码不能包含手机号", field="password")


def create_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    password: str,
    role: Role = Role.RESIDENT,
    display_name: str = "",
    phone: str | None = None,
    email: str | None = None,
    staff_function: StaffFunction | None = None,
) -> User:
    """Create an active account. `actor=None` means the operator's command line."""
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden("只有管理员可以创建账号")
    if not USERNAME_RE.match(username):
        raise InvalidInput("用户名须以字母开头，由 3–32 位字母、数字或下划线组成", field="username")
    if phone is not None and not PHONE_RE.match(phone):
        raise InvalidInput("请输入有效的 11 位手机号", field="phone")
    if email is not None and not EMAIL_RE.match(email):
        raise InvalidInput("请输入有效的邮箱地址", field="email")
    check_password_strength(password, username=username, phone=phone or "")
    clauses = [User.username == username]
    if phone:
        clauses.append(User.phone_bidx == blind_index("phone", phone))
    if email:
        clauses.append(User.email_bidx == blind_index("email", email))
    if session.scalar(select(User.id).where(or_(*clauses))) is not None:
        raise Conflict("用户名、手机号或邮箱已被使用", field="username")
    user = User(
        username=username,
        password_hash=security.hash_password(password),
        role=role,
        display_name=display_name or username,
        phone=phone,
        email=email,
        staff_function=staff_function if role == Role.STAFF else None,
        # Made by an operator, who vouches for the contact details given.
        phone_verified_at=utcnow() if phone else None,
        email_verified_at=utcnow() if email else None,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, role=role.value)
    return user


def find_by_login(session: Session, login: str) -> User | None:
    """The account a login name (username, email or phone) names, if any."""
    login = login.strip()
    return session.scalar(
        select(User).where(
            or_(
                User.username == login,
                User.email_bidx == blind_index("email", login),
                User.phone_bidx == blind_index("phone", login),
            )
        )
    )


def authenticate(session: Session, login: str, password: str, *, ip: str | None = None) -> User:
    """Username, email or phone plus password. One message for every failure."""
    user = find_by_login(session, login)
    ok = security.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        audit.record_standalone(session, user, "auth.login_failed", "user", user.id if user else None, ip=ip)
        raise Unauthorized(LOGIN_FAILED)
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    user.last_login_at = utcnow()
    audit.record(session, user, "auth.login", "user", user.id, ip=ip)
    return user


def user_from_token(session: Session, token: str) -> User:
    try:
        claims = security.decode_access_token(token)
    except jwt.ExpiredSignatureError:
        raise Unauthorized("登录已过期，请重新登录") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("登录凭证无效，请重新登录") from None
    user = session.get(User, int(claims["sub"]))
    if user is None or not user.is_active:
        raise Unauthorized("登录凭证无效，请重新登录")
    return user
