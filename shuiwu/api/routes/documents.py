"""票据与证件识别（issue 7）：识别后由居民或客服确认，确认前不保存任何内容。"""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from shuiwu.api.deps import CurrentUser, SessionDep, client_ip
from shuiwu.api.routes.uploads import read_limited
from shuiwu.services import documents as service

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])


class FieldOut(BaseModel):
    label: str
    value: str | None
    confidence: float
    error: str | None = None


class DocumentReadOut(BaseModel):
    read_id: str = Field(description="确认时使用的识别编号（24 小时内有效）")
    type: str
    type_label: str
    fields: dict[str, FieldOut]
    required: list[str]
    warnings: list[str]
    rotation: int
    seconds: float


class ConfirmIn(BaseModel):
    fields: dict[str, str | None] = Field(description="核对（或更正）后的字段；身份证号保持打码表示沿用识别结果")
    account_no: str | None = Field(None, max_length=20, description="户号（单据上没有户号时填写）")
    binding_id: int | None = Field(None, description="工作人员：附加到哪一个绑定申请")
    note: str | None = Field(None, max_length=200)


class ConfirmOut(BaseModel):
    message: str
    stored: str


@router.post("/read", response_model=DocumentReadOut, summary="识别单据照片（不保存，返回待确认的字段）")
async def read(
    user: CurrentUser,
    session: SessionDep,
    file: UploadFile | None = File(None),
    upload_id: int | None = Form(None),
    type: str | None = Form(None, description="单据类型，默认自动识别"),
) -> DocumentReadOut:
    data = await read_limited(file) if file is not None else None
    return DocumentReadOut(**service.read(session, user, upload_id=upload_id, data=data, doc_type=type))


@router.post("/{read_id}/confirm", response_model=ConfirmOut, summary="确认（可更正）识别结果并提交")
def confirm(read_id: str, body: ConfirmIn, user: CurrentUser, session: SessionDep, request: Request) -> ConfirmOut:
    done = service.confirm(
        session, user, read_id, body.fields, account_no=body.account_no,
        binding_id=body.binding_id, note=body.note, ip=client_ip(request),
    )
    return ConfirmOut(message=done.message, stored=done.stored)


@router.get("/bindings/{binding_id}", summary="绑定申请所附的单据（客服、管理员；身份证号打码）")
def of_binding(binding_id: int, user: CurrentUser, session: SessionDep) -> list[dict]:
    return service.documents_of_binding(session, user, binding_id)
