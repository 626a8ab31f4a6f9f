"""The local outbox, for development: what would have gone out by SMS and email.

Admins only, and never in production (404 there), since bodies hold live codes.
"""

from __future__ import annotations

from fastapi import APIRouter

from shuiwu.api.deps import AdminUser, SessionDep
from shuiwu.api.schemas import OutboxMessageOut
from shuiwu.config import get_settings
from shuiwu.errors import NotFound
from shuiwu.services import messaging

router = APIRouter(prefix="/api/v1/admin/outbox", tags=["admin"])


@router.get("", response_model=list[OutboxMessageOut], summary="本地发件箱（开发用） / local outbox")
def list_outbox(user: AdminUser, session: SessionDep) -> list[OutboxMessageOut]:
    if get_settings().environment == "production":
        raise NotFound("请求的资源不存在")
    return [OutboxMessageOut.model_validate(m) for m in messaging.latest(session, 100)]
