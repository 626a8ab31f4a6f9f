"""知识库：问答、条目编辑、反馈（issue 6）."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
