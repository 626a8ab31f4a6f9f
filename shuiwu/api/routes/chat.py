"""在线客服：人工接待、会话（issue 5）. The staff side of human handoff: queue, transcript, replies."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shuiwu.api.deps import SessionDep, StaffUser
from shuiwu.services import handoff as service

router = APIRouter(prefix="/api/v1/chat", tags=["chat"])


class AgentMessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=service.MAX_MESSAGE_CHARS)


@router.get("/handoffs", summary="人工接待队列（客服、管理员）")
def list_handoffs(
    user: StaffUser,
    session: SessionDep,
    status: Literal["open", "waiting", "active", "closed"] = Query("open"),
    limit: int = Query(100, ge=1, le=500),
) -> list[dict]:
    return service.list_handoffs(session, user, status=status, limit=limit)


@router.get("/handoffs/{handoff_id}", summary="会话详情与对话记录")
def get_handoff(handoff_id: int, user: StaffUser, session: SessionDep) -> dict:
    return service.get_handoff(session, user, handoff_id)


@router.post("/handoffs/{handoff_id}/accept", summary="接待")
def accept(handoff_id: int, user: StaffUser, session: SessionDep) -> dict:
    return service.accept(session, user, handoff_id)


@router.post("/handoffs/{handoff_id}/messages", summary="回复居民")
def send_message(handoff_id: int, body: AgentMessageIn, user: StaffUser, session: SessionDep) -> dict:
    return service.send_message(session, user, handoff_id, body.text)


@router.post("/handoffs/{handoff_id}/close", summary="结束人工服务，交还智能助手")
def close(handoff_id: int, user: StaffUser, session: SessionDep) -> dict:
    return service.close(session, user, handoff_id)
