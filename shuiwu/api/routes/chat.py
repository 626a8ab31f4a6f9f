"""在线客服：人工接待、会话（issue 5）."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
