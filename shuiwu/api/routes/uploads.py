"""上传：聊天与报修中的图片、视频（类型按内容识别，大小受限）。"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
