"""Login and the current user."""

from __future__ import annotations

from fastapi import APIRouter, Request

from shuiwu import security
from shuiwu.api.deps import CurrentUser, SessionDep, client_ip
from shuiwu.api.schemas import LoginIn, TokenOut, UserOut
from shuiwu.services import accounts

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/login", response_model=TokenOut, summary="密码登录 / password login")
def login(body: LoginIn, session: SessionDep, request: Request) -> TokenOut:
    user = accounts.authenticate(session, body.username, body.password, ip=client_ip(request))
    token, expires_in = security.create_access_token(user.id, user.role.value)
    return TokenOut(access_token=token, expires_in=expires_in, user=UserOut.model_validate(user))


@router.get("/me", response_model=UserOut, summary="当前用户 / current user")
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
