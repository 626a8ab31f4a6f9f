"""抄表照片识别与审核（issue 7）：住户拍照抄表、确认读数；工作人员复核队列。"""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from shuiwu.api.deps import CurrentUser, SessionDep, StaffUser
from shuiwu.api.routes.uploads import read_limited
from shuiwu.services import meter_photos as service
from shuiwu.services import uploads

router = APIRouter(prefix="/api/v1/readings", tags=["readings"])


class ConfirmIn(BaseModel):
    value: str | None = Field(None, max_length=20, description="更正后的读数；不填 = 确认识别结果")


class CorrectIn(BaseModel):
    value: str = Field(..., max_length=20)
    note: str | None = Field(None, max_length=500)


class RejectIn(BaseModel):
    note: str = Field(..., max_length=500)


class ApproveIn(BaseModel):
    note: str | None = Field(None, max_length=500)


@router.post("/photo", summary="拍照抄表：上传水表照片（或已上传的 upload_id）")
async def read_photo(
    user: CurrentUser,
    session: SessionDep,
    household_id: int = Form(...),
    file: UploadFile | None = File(None),
    upload_id: int | None = Form(None),
) -> dict:
    data = await read_limited(file) if file is not None else None
    return service.read_photo(session, user, household_id, upload_id=upload_id, data=data)


@router.post("/photos/{photo_id}/confirm", summary="住户确认或更正识别读数")
def confirm(photo_id: int, body: ConfirmIn, user: CurrentUser, session: SessionDep) -> dict:
    return service.confirm_photo(session, user, photo_id, body.value)


@router.get("/review", summary="抄表复核队列（工作人员）")
def review_queue(
    user: StaffUser, session: SessionDep,
    status: str = Query("review", max_length=12), limit: int = Query(50, ge=1, le=200),
) -> list[dict]:
    return service.review_queue(session, user, status=status, limit=limit)


@router.get("/photos/{photo_id}/window.png", summary="识别出的计数窗口（工作人员）")
def window(photo_id: int, user: StaffUser, session: SessionDep) -> Response:
    return Response(service.window_png(session, user, photo_id), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


@router.get("/photos/{photo_id}/image", summary="原始照片（工作人员）")
def image(photo_id: int, user: StaffUser, session: SessionDep) -> Response:
    upload = service.photo_upload(session, user, photo_id)
    return Response(uploads.read_bytes(upload), media_type=upload.content_type,
                    headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"})


@router.post("/photos/{photo_id}/approve", summary="复核通过")
def approve(photo_id: int, body: ApproveIn, user: StaffUser, session: SessionDep) -> dict:
    return service.approve(session, user, photo_id, body.note)


@router.post("/photos/{photo_id}/correct", summary="更正读数（错识的字轮存为训练数据）")
def correct(photo_id: int, body: CorrectIn, user: StaffUser, session: SessionDep) -> dict:
    return service.correct(session, user, photo_id, body.value, body.note)


@router.post("/photos/{photo_id}/reject", summary="驳回（不入账）")
def reject(photo_id: int, body: RejectIn, user: StaffUser, session: SessionDep) -> dict:
    return service.reject(session, user, photo_id, body.note)
