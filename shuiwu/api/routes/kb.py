"""知识库：问答、条目浏览与编辑、历史与回滚、批量导入导出、评价与待处理问题（issue 6）.

Anyone (signed in or not) may ask, browse published entries and rate them; edits are staff-only
and audited. The rules live in shuiwu.services.kb; these handlers only translate.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from shuiwu import ratelimit
from shuiwu.api.deps import SessionDep, StaffUser, client_ip
from shuiwu.errors import InvalidInput
from shuiwu.models import KbEntry, KbQueueItem, KbVersion, User
from shuiwu.services import accounts
from shuiwu.services import kb as service

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])
_bearer = HTTPBearer(auto_error=False)


def optional_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User | None:
    """The signed-in user, or None for a visitor. A token that is sent must be valid (401)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        return None
    user, _ = accounts.identify(session, credentials.credentials)
    return user


MaybeUser = Annotated[User | None, Depends(optional_user)]

# Open to visitors, and each question or down-vote may add to the staff queue: keep it humane.
ASK_LIMIT = ratelimit.Limit(30, 60)
RATE_LIMIT = ratelimit.Limit(20, 60)


def _who(user: User | None, request: Request) -> str:
    return f"user:{user.id}" if user else f"ip:{client_ip(request)}"


# ── Shapes ─────────────────────────────────────────────────────────────────────────────────


class AskIn(BaseModel):
    question: str = Field(..., min_length=1, max_length=500, description="居民的问题")
    channel: str = Field("web", max_length=16)


class AnswerOut(BaseModel):
    text: str
    confident: bool
    sources: list[dict[str, Any]]
    related: list[dict[str, Any]]
    suggestions: list[dict[str, Any]]
    handoff: bool = False


class EntryFields(BaseModel):
    kind: Literal["faq", "doc"] | None = None
    category: str | None = Field(None, max_length=32)
    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=20000)
    tags: list[str] | None = Field(None, max_length=20)
    alt_questions: list[str] | None = Field(None, max_length=20)
    owner: str | None = Field(None, max_length=64)
    review_date: date | None = None
    note: str = Field("", max_length=200, description="修改说明")


class EntryCreateIn(EntryFields):
    id: str = Field(..., min_length=2, max_length=64, description="条目编号，如 pay-autopay")
    queue_item_id: int | None = Field(None, description="为哪条待处理问题而写")


class EntryOut(BaseModel):
    id: str
    kind: str
    category: str
    title: str
    body: str
    tags: list[str]
    alt_questions: list[str]
    owner: str
    review_date: date | None
    status: str
    version: int
    updated_at: datetime
    helpful: int = 0
    unhelpful: int = 0


class EntryListOut(BaseModel):
    entries: list[EntryOut]
    categories: list[dict[str, Any]]


class DiffLine(BaseModel):
    op: str  # added | removed | same | gap
    text: str


class VersionOut(BaseModel):
    version: int
    title: str
    category: str
    status: str
    note: str
    author: str
    created_at: datetime
    diff: list[DiffLine]


class RollbackIn(BaseModel):
    version: int = Field(..., ge=1)


class RetireIn(BaseModel):
    note: str = Field("", max_length=200)


class RateIn(BaseModel):
    helpful: bool
    question: str = Field("", max_length=500)
    channel: str = Field("web", max_length=16)


class ImportIn(BaseModel):
    filename: str = Field(..., min_length=1, max_length=200)
    content_base64: str = Field(..., min_length=1, max_length=7_000_000, description="文件内容（base64）")


class ImportOut(BaseModel):
    created: int
    updated: int
    unchanged: int


class QueueItemOut(BaseModel):
    id: int
    question: str
    reason: str
    channel: str
    entry_id: str | None
    times: int
    status: str
    resolved_entry_id: str | None
    created_at: datetime
    updated_at: datetime


class QueueCloseIn(BaseModel):
    entry_id: str | None = Field(None, max_length=64, description="为它写的条目")


def entry_out(row: KbEntry, counts: dict[str, dict[str, int]] | None = None) -> EntryOut:
    c = (counts or {}).get(row.id, {})
    return EntryOut(
        id=row.id, kind=str(row.kind), category=row.category, title=row.title, body=row.body,
        tags=list(row.tags or []), alt_questions=list(row.alt_questions or []), owner=row.owner,
        review_date=row.review_date, status=str(row.status), version=row.version,
        updated_at=row.updated_at, helpful=c.get("helpful", 0), unhelpful=c.get("unhelpful", 0),
    )


def version_out(v: KbVersion, diff: list[dict]) -> VersionOut:
    return VersionOut(version=v.version, title=v.title, category=v.category, status=str(v.status),
                      note=v.note, author=v.author_name, created_at=v.created_at,
                      diff=[DiffLine(**d) for d in diff])


def queue_out(item: KbQueueItem) -> QueueItemOut:
    return QueueItemOut(
        id=item.id, question=item.question, reason=str(item.reason), channel=item.channel,
        entry_id=item.entry_id, times=item.times, status=str(item.status),
        resolved_entry_id=item.resolved_entry_id, created_at=item.created_at,
        updated_at=item.updated_at,
    )


def _fields(body: EntryFields) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True, exclude={"note", "id", "queue_item_id"})


# ── Residents and visitors ─────────────────────────────────────────────────────────────────


@router.post("/ask", response_model=AnswerOut, summary="问智能客服（知识库问答）")
def ask(body: AskIn, user: MaybeUser, session: SessionDep, request: Request) -> AnswerOut:
    ratelimit.hit(f"kb-ask:{_who(user, request)}", ASK_LIMIT, "提问太频繁了")
    answer = service.ask(session, user, body.question, channel=body.channel)
    return AnswerOut(**answer.to_dict())


@router.get("/entries", response_model=EntryListOut, summary="条目列表：按分类与关键词")
def list_entries(
    user: MaybeUser,
    session: SessionDep,
    category: str | None = Query(None, max_length=32),
    q: str | None = Query(None, max_length=200, description="关键词，空格分隔"),
    include_retired: bool = Query(False, description="工作人员：含已下线条目"),
    status: Literal["published", "retired"] | None = Query(None, description="工作人员：按状态"),
) -> EntryListOut:
    rows = service.list_entries(session, user, category=category, q=q,
                                include_retired=include_retired, status=status)
    counts = service.feedback_counts(session, [r.id for r in rows]) if service.is_staff(user) else None
    return EntryListOut(entries=[entry_out(r, counts) for r in rows],
                        categories=service.categories(session))


@router.get("/entries/{entry_id}", response_model=EntryOut, summary="条目详情")
def get_entry(entry_id: str, user: MaybeUser, session: SessionDep) -> EntryOut:
    return entry_out(service.get_entry(session, user, entry_id))


@router.post("/entries/{entry_id}/rate", status_code=204, summary="有帮助 / 没帮助")
def rate(entry_id: str, body: RateIn, user: MaybeUser, session: SessionDep, request: Request) -> Response:
    ratelimit.hit(f"kb-rate:{_who(user, request)}", RATE_LIMIT, "评价太频繁了")
    service.rate(session, user, entry_id, body.helpful, body.question, channel=body.channel)
    return Response(status_code=204)


# ── Staff ──────────────────────────────────────────────────────────────────────────────────


@router.post("/entries", response_model=EntryOut, status_code=201, summary="新建条目（工作人员）")
def create_entry(body: EntryCreateIn, user: StaffUser, session: SessionDep, request: Request) -> EntryOut:
    row = service.create_entry(session, user, {"id": body.id, **_fields(body)}, note=body.note,
                               ip=client_ip(request), queue_item_id=body.queue_item_id)
    return entry_out(row)


@router.put("/entries/{entry_id}", response_model=EntryOut, summary="修改条目，生成新版本（工作人员）")
def update_entry(entry_id: str, body: EntryFields, user: StaffUser, session: SessionDep,
                 request: Request) -> EntryOut:
    row = service.update_entry(session, user, entry_id, _fields(body), note=body.note,
                               ip=client_ip(request))
    return entry_out(row)


@router.post("/entries/{entry_id}/retire", response_model=EntryOut, summary="下线条目（工作人员）")
def retire_entry(entry_id: str, body: RetireIn, user: StaffUser, session: SessionDep,
                 request: Request) -> EntryOut:
    return entry_out(service.retire_entry(session, user, entry_id, note=body.note, ip=client_ip(request)))


@router.get("/entries/{entry_id}/history", response_model=list[VersionOut], summary="版本历史与差异")
def history(entry_id: str, user: StaffUser, session: SessionDep) -> list[VersionOut]:
    return [version_out(h["version"], h["diff"]) for h in service.history(session, user, entry_id)]


@router.post("/entries/{entry_id}/rollback", response_model=EntryOut, summary="回滚到某个版本（工作人员）")
def rollback(entry_id: str, body: RollbackIn, user: StaffUser, session: SessionDep,
             request: Request) -> EntryOut:
    return entry_out(service.rollback(session, user, entry_id, body.version, ip=client_ip(request)))


@router.get("/export", summary="导出全部条目（CSV 或 Excel）")
def export(user: StaffUser, session: SessionDep,
           format: Literal["csv", "xlsx"] = Query("csv")) -> Response:
    content, media_type = service.export_entries(session, user, format)
    filename = f"knowledge-base-{date.today().isoformat()}.{format}"
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/import", response_model=ImportOut, summary="批量导入（CSV 或 Excel，全部成功才写入）")
def import_entries(body: ImportIn, user: StaffUser, session: SessionDep, request: Request) -> ImportOut:
    fmt = body.filename.rsplit(".", 1)[-1].lower() if "." in body.filename else ""
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput("只支持 .csv 或 .xlsx 文件", field="file")
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("文件内容无法读取，请重新选择文件", field="file") from None
    return ImportOut(**service.import_entries(session, user, content, fmt, ip=client_ip(request)))


@router.get("/queue", response_model=list[QueueItemOut], summary="待处理问题：答不上与没帮助")
def queue(user: StaffUser, session: SessionDep,
          status: Literal["open", "done", "all"] = Query("open")) -> list[QueueItemOut]:
    return [queue_out(i) for i in service.queue(session, user, status=status)]


@router.post("/queue/{item_id}/close", response_model=QueueItemOut, summary="标记待处理问题已处理")
def close_queue_item(item_id: int, body: QueueCloseIn, user: StaffUser, session: SessionDep,
                     request: Request) -> QueueItemOut:
    item = service.close_queue_item(session, user, item_id, resolved_entry_id=body.entry_id,
                                    ip=client_ip(request))
    return queue_out(item)
