"""User and role administration (admins only; the service refuses everyone else)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from shuiwu.api.deps import CurrentUser, SessionDep
from shuiwu.api.schemas import AdminUserCreateIn, AdminUserOut, AdminUserPatchIn
from shuiwu.masking import mask_email, mask_phone
from shuiwu.models import Role, StaffFunction, User
from shuiwu.services import users_admin as service

router = APIRouter(prefix="/api/v1/admin/users", tags=["admin"])


def _user_out(user: User) -> AdminUserOut:
    return AdminUserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role.value,
        staff_function=user.staff_function.value if user.staff_function else None,
        is_active=user.is_active,
        phone=mask_phone(user.phone),
        email=mask_email(user.email),
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


@router.get("", response_model=list[AdminUserOut], summary="用户列表（管理员）")
def list_users(
    user: CurrentUser,
    session: SessionDep,
    response: Response,
    q: str | None = Query(None, max_length=254, description="用户名片段，或完整手机号/邮箱"),
    role: Role | None = Query(None, description="resident | staff | admin"),
    limit: int = Query(50, ge=1, le=service.MAX_LIMIT),
    offset: int = Query(0, ge=0),
) -> list[AdminUserOut]:
    found, total = service.list_users(session, user, q=q, role=role, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [_user_out(u) for u in found]


@router.post("", response_model=AdminUserOut, status_code=201, summary="创建账号（管理员）")
def create_user(body: AdminUserCreateIn, user: CurrentUser, session: SessionDep) -> AdminUserOut:
    made = service.create(
        session, user,
        username=body.username,
        password=body.password,
        role=Role(body.role),
        staff_function=StaffFunction(body.staff_function) if body.staff_function else None,
        display_name=body.display_name,
        phone=body.phone,
        email=body.email,
    )
    return _user_out(made)


@router.patch("/{user_id}", response_model=AdminUserOut, summary="修改角色、岗位或停用账号（管理员）")
def update_user(user_id: int, body: AdminUserPatchIn, user: CurrentUser, session: SessionDep) -> AdminUserOut:
    changed = service.update(
        session, user, user_id,
        role=Role(body.role) if body.role else None,
        staff_function=StaffFunction(body.staff_function) if body.staff_function else None,
        staff_function_given="staff_function" in body.model_fields_set,
        is_active=body.is_active,
        display_name=body.display_name,
    )
    return _user_out(changed)
