"""用水预测任务（issue 8）."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
