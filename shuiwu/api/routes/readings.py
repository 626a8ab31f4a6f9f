"""抄表照片识别与审核（issue 7）."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
