"""上传：聊天与报修中的图片、视频（类型按内容识别，大小受限）。"""

from __future__ import annotations

from fastapi import APIRouter, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from shuiwu.api.deps import CurrentUser, SessionDep
from shuiwu.config import get_settings
from shuiwu.errors import InvalidInput
from shuiwu.services import uploads as service

router = APIRouter(prefix="/api/v1", tags=["uploads"])


class UploadOut(BaseModel):
    upload_id: int
    kind: str
    content_type: str
    size: int


async def read_limited(file: UploadFile) -> bytes:
    """The file's bytes, refusing before reading more than the largest upload allowed."""
    settings = get_settings()
    limit = max(settings.upload_max_image_mb, settings.upload_max_video_mb) * 1048576
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"文件太大，超过 {limit // 1048576} MB 的上限", field="file")
    return data


@router.post("/uploads", response_model=UploadOut, status_code=201, summary="上传照片或视频")
async def upload(file: UploadFile, user: CurrentUser, session: SessionDep) -> UploadOut:
    data = await read_limited(file)
    saved = service.save_upload(session, user, data, file.filename, file.content_type)
    return UploadOut(upload_id=saved.id, kind=saved.kind, content_type=saved.content_type,
                     size=saved.size)


@router.get("/uploads/{upload_id}", summary="下载自己上传的文件（工作人员可看全部）")
def download(upload_id: int, user: CurrentUser, session: SessionDep) -> Response:
    found = service.get_upload(session, user, upload_id)
    return Response(service.read_bytes(found), media_type=found.content_type,
                    headers={"Cache-Control": "private, max-age=300",
                             "X-Content-Type-Options": "nosniff"})
