"""User and role administration: only admins list, create and change accounts.

Contacts are shown masked; every role change is audited with what it was and what it became;
an admin cannot take away their own admin role or deactivate themselves, so there is always
at least one admin left.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shuiwu.crypto import blind_index
from shuiwu.errors import Forbidden, InvalidInput, NotFound
from shuiwu.models import Role, StaffFunction, User
from shuiwu.services import accounts, audit, sessions

ADMINS_ONLY = "只有管理员可以管理用户和角色"
USER_NOT_FOUND = "未找到该用户"
NOT_OWN_ADMIN_ROLE = "不能取消自己的管理员角色"
NOT_OWN_DEACTIVATION = "不能停用自己的账号"
NEEDS_FUNCTION = "工作人员须选择岗位：客服或维修"
FUNCTION_ONLY_FOR_STAFF = "只有工作人员需要选择岗位"
MAX_LIMIT = 200


def _require_admin(actor: User) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden(ADMINS_ONLY)


def list_users(
    session: Session,
    actor: User,
    *,
    q: str | None = None,
    role: Role | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[User], int]:
    """Users matching `q` (part of a username, or an exact phone or email), newest first."""
    _require_admin(actor)
    query = select(User)
    if q and q.strip():
        q = q.strip()
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                User.username.ilike(pattern, escape="\\"),
                User.phone_bidx == blind_index("phone", q),
                User.email_bidx == blind_index("email", q),
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(User.id.desc()).limit(max(1, min(limit, MAX_LIMIT))).offset(max(0, offset))
    )
    return list(rows), total


def _check_function(role: Role, staff_function: StaffFunction | None) -> None:
    if role is Role.STAFF and staff_function is None:
        raise InvalidInput(NEEDS_FUNCTION, field="staff_function")
    if role is not Role.STAFF and staff_function is not None:
        raise InvalidInput(FUNCTION_ONLY_FOR_STAFF, field="staff_function")


def create(
    session: Session,
    actor: User,
    *,
    username: str,
    password: str,
    role: Role,
    staff_function: StaffFunction | None = None,
    display_name: str = "",
    phone: str | None = None,
    email: str | None = None,
) -> User:
    _require_admin(actor)
    _check_function(role, staff_function)
    return accounts.create_user(
        session, actor, username=username, password=password, role=role,
        display_name=display_name, phone=phone or None, email=email or None,
        staff_function=staff_function,
    )


def update(
    session: Session,
    actor: User,
    user_id: int,
    *,
    role: Role | None = None,
    staff_function: StaffFunction | None = None,
    staff_function_given: bool = False,
    is_active: bool | None = None,
    display_name: str | None = None,
) -> User:
    """Change a user's role, staff function, active flag or display name (admins only)."""
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    if user.id == actor.id:
        if role is not None and role is not Role.ADMIN:
            raise Forbidden(NOT_OWN_ADMIN_ROLE)
        if is_active is False:
            raise Forbidden(NOT_OWN_DEACTIVATION)

    new_role = role if role is not None else user.role
    if staff_function_given or staff_function is not None:
        new_function = staff_function
    elif new_role is Role.STAFF:
        new_function = user.staff_function
    else:
        new_function = None  # leaving staff drops the function
    _check_function(new_role, new_function)
    if (new_role, new_function) != (user.role, user.staff_function):
        audit.record(
            session, actor, "user.role_change", "user", user.id,
            **{
                "from": {"role": user.role.value,
                         "staff_function": user.staff_function.value if user.staff_function else None},
                "to": {"role": new_role.value,
                       "staff_function": new_function.value if new_function else None},
            },
        )
        user.role, user.staff_function = new_role, new_function

    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        # Their refresh tokens die with the sessions; access tokens already fail, since the
        # auth dependency refuses inactive users.
        revoked = 0 if is_active else sessions.revoke_all(session, user, reason="deactivated")
        audit.record(
            session, actor, "user.activate" if is_active else "user.deactivate", "user", user.id,
            sessions_revoked=revoked,
        )

    if display_name is not None and display_name.strip() != user.display_name:
        audit.record(
            session, actor, "user.update", "user", user.id,
            display_name={"from": user.display_name, "to": display_name.strip()},
        )
        user.display_name = display_name.strip()
    session.flush()
    return user
