"""Rasa action endpoint (the rasa-sdk executor behind a route). Filled in with the actions package."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["rasa"])


@router.get("/webhook/health", summary="动作服务健康检查")
def webhook_health() -> dict:
    return {"status": "ok"}
