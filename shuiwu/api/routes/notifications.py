"""The signed-in user's in-app notifications."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from shuiwu.api.deps import CurrentUser, SessionDep
from shuiwu.api.schemas import NotificationOut
from shuiwu.services import notifications as service

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("", response_model=list[NotificationOut], summary="我的通知（最新在前）")
def list_notifications(
    user: CurrentUser,
    session: SessionDep,
    unread: bool = Query(False, description="只看未读"),
    limit: int = Query(50, ge=1, le=service.MAX_LIMIT),
) -> list[NotificationOut]:
    found = service.list_for(session, user, unread_only=unread, limit=limit)
    return [NotificationOut.model_validate(n) for n in found]


@router.post("/read-all", status_code=204, summary="全部标为已读")
def read_all(user: CurrentUser, session: SessionDep) -> Response:
    service.mark_all_read(session, user)
    return Response(status_code=204)


@router.post("/{notification_id}/read", status_code=204, summary="标为已读")
def read(notification_id: int, user: CurrentUser, session: SessionDep) -> Response:
    service.mark_read(session, user, notification_id)
    return Response(status_code=204)
