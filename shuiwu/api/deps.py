"""What a route needs, as annotated dependencies: `SessionDep`, `CurrentUser`, `StaffUser`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from shuiwu.db import new_session
from shuiwu.errors import Forbidden, Unauthorized
from shuiwu.models import Role, User
from shuiwu.services import accounts

_bearer = HTTPBearer(auto_error=False)


def get_session() -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error.

    Scope "function": the commit happens before the response is sent, so a client that reads
    right after a write sees it, and a failed commit is an error response, not a 200 for data
    that was never stored (FastAPI's default "request" scope ends the dependency afterwards).
    """
    session = new_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user of a valid access token whose login session is still live."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("请先登录")
    user, auth_session = accounts.identify(session, credentials.credentials)
    request.state.session_id = auth_session.id
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_staff_user(user: CurrentUser) -> User:
    if user.role not in (Role.STAFF, Role.ADMIN):
        raise Forbidden("无权访问工作人员功能")
    return user


StaffUser = Annotated[User, Depends(get_staff_user)]


def get_admin_user(user: CurrentUser) -> User:
    if user.role != Role.ADMIN:
        raise Forbidden("只有管理员可以访问")
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]


def current_session_id(request: Request, _user: CurrentUser) -> str:
    """The login session (JWT `sid`) the current request's access token belongs to."""
    return request.state.session_id


CurrentSessionId = Annotated[str, Depends(current_session_id)]


def client_ip(request: Request) -> str | None:
    # Behind the reverse proxy, uvicorn's --proxy-headers (trusted hosts only) sets this.
    return request.client.host if request.client else None
