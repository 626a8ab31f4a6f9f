"""报修工单：居民提交（文字、照片、视频）并跟进进度；客服派单，维修人员处理。"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from shuiwu.api.deps import CurrentUser, SessionDep, StaffUser
from shuiwu.errors import InvalidInput
from shuiwu.models import Household, Ticket, TicketStatus, User
from shuiwu.services import tickets as service
from shuiwu.services.households import is_staff

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])

StatusName = Literal["submitted", "assigned", "in_progress", "resolved", "closed", "cancelled"]


class TicketIn(BaseModel):
    household_id: int
    category: str = Field(..., max_length=32, description="leak | no_water | low_pressure | water_quality | meter_fault | other")
    location: str = Field(..., max_length=400)
    description: str = Field(..., max_length=2000)
    contact_time: str = Field(..., max_length=200)
    upload_ids: list[int] = Field(default_factory=list, max_length=20, description="POST /api/v1/uploads 返回的编号")


class StatusIn(BaseModel):
    status: StatusName
    note: str | None = Field(None, max_length=2000)


class AssignIn(BaseModel):
    assignee_id: int
    note: str | None = Field(None, max_length=2000)


class EventOut(BaseModel):
    at: datetime
    status: str
    label: str
    note: str | None
    by: str  # 居民 / 客服 / 维修人员 — never a staff member's account name to the resident


class AttachmentOut(BaseModel):
    upload_id: int | None
    kind: str
    content_type: str
    url: str | None


class TicketOut(BaseModel):
    id: int
    ticket_no: str
    household_id: int | None
    account_no: str | None
    category: str
    category_label: str
    status: str
    status_label: str
    description: str
    created_at: datetime
    updated_at: datetime
    events: list[EventOut]
    attachments: list[AttachmentOut]
    actions: list[str]  # what the caller may do now: assign, in_progress, resolved, close, reopen, cancel
    # For staff only: where to go and whom to call, and who has it.
    address: str | None = None
    contact_phone: str | None = None
    assignee: str | None = None


def _by(session, event) -> str:
    if event.actor_id is None:
        return "系统"
    actor = session.get(User, event.actor_id)
    if actor is None or not is_staff(actor):
        return "居民"
    return "客服" if service.may_dispatch(actor) else "维修人员"


def _out(session, user: User, ticket: Ticket) -> TicketOut:
    household = session.get(Household, ticket.household_id) if ticket.household_id else None
    out = TicketOut(
        id=ticket.id, ticket_no=ticket.ticket_no, household_id=ticket.household_id,
        account_no=household.account_no if household else None,
        category=ticket.category.value, category_label=service.CATEGORY_LABELS[ticket.category],
        status=ticket.status.value, status_label=service.STATUS_LABELS[ticket.status],
        description=ticket.description, created_at=ticket.created_at, updated_at=ticket.updated_at,
        events=[EventOut(at=e.at, status=e.to_status.value, label=service.STATUS_VERBS[e.to_status],
                         note=e.note, by=_by(session, e)) for e in ticket.events],
        attachments=[_attachment(a) for a in ticket.attachments],
        actions=service.actions_for(user, ticket),
    )
    if is_staff(user):
        out.address = household.address if household else None
        out.contact_phone = household.phone if household else None
        assignee = session.get(User, ticket.assignee_id) if ticket.assignee_id else None
        out.assignee = assignee.username if assignee else None
    return out


def _attachment(a) -> AttachmentOut:
    upload_id = int(a.storage_key.split(":", 1)[1]) if a.storage_key.startswith("upload:") else None
    return AttachmentOut(upload_id=upload_id, kind=a.kind, content_type=a.content_type,
                         url=f"/api/v1/uploads/{upload_id}" if upload_id else None)


@router.post("", status_code=201, response_model=TicketOut, summary="提交报修（居民本人，可附照片/视频）")
def create(body: TicketIn, user: CurrentUser, session: SessionDep) -> TicketOut:
    files, skipped = service.attachments_from_uploads(session, user, body.upload_ids)
    if skipped:
        raise InvalidInput("有照片或视频找不到或不是您上传的，请重新上传后再提交", field="upload_ids")
    ticket = service.create_ticket(
        session, user, body.household_id, category=body.category, location=body.location,
        description=body.description, contact_time=body.contact_time, attachments=files,
    )
    return _out(session, user, service.ticket_by_id(session, user, ticket.id))


@router.get("", response_model=list[TicketOut], summary="我的报修（居民）")
def mine(
    user: CurrentUser, session: SessionDep, household_id: int | None = Query(None),
    limit: int = Query(50, ge=1, le=50),
) -> list[TicketOut]:
    if is_staff(user):
        raise InvalidInput("工作人员请使用工单队列 /api/v1/tickets/queue", field="role")
    found = service.list_tickets(session, user, household_id=household_id, limit=limit)
    return [_out(session, user, t) for t in found]


@router.get("/queue", response_model=list[TicketOut], summary="工单队列（客服：全部；维修人员：派给自己的）")
def queue(
    user: StaffUser, session: SessionDep, status: StatusName | None = Query(None),
    mine: bool = Query(False, description="只看派给我的"), limit: int = Query(100, ge=1, le=500),
) -> list[TicketOut]:
    found = service.staff_queue(session, user, status=TicketStatus(status) if status else None,
                                mine=mine, limit=limit)
    return [_out(session, user, t) for t in found]


@router.get("/repair-staff", summary="可派单的维修人员（客服）")
def repair_staff(user: StaffUser, session: SessionDep) -> list[dict]:
    return [{"id": u.id, "name": u.display_name or u.username, "username": u.username}
            for u in service.repair_staff(session, user)]


@router.get("/{ticket_id}", response_model=TicketOut, summary="报修单详情与进度")
def detail(ticket_id: int, user: CurrentUser, session: SessionDep) -> TicketOut:
    return _out(session, user, service.ticket_by_id(session, user, ticket_id))


@router.post("/{ticket_id}/status", response_model=TicketOut, summary="更新进度（撤销、维修中、已修好、确认、还没修好）")
def change_status(ticket_id: int, body: StatusIn, user: CurrentUser, session: SessionDep) -> TicketOut:
    ticket = service.change_status(session, user, ticket_id, body.status, body.note)
    return _out(session, user, ticket)


@router.post("/{ticket_id}/assign", response_model=TicketOut, summary="派单（客服）")
def assign(ticket_id: int, body: AssignIn, user: StaffUser, session: SessionDep) -> TicketOut:
    ticket = service.assign(session, user, ticket_id, body.assignee_id, body.note)
    return _out(session, user, ticket)
