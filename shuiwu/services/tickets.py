"""Repair tickets (报修工单): a resident files one for a household bound to them, follows its
progress, and lists their own. Staff see every ticket of the households they may see.

Everything a resident typed is checked for length; another household's ticket answers exactly
like a missing one, so ticket numbers cannot be probed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from shuiwu.errors import Forbidden, InvalidInput, NotFound
from shuiwu.models import (
    BindingStatus,
    HouseholdMember,
    Role,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketEvent,
    TicketStatus,
    User,
)
from shuiwu.models._types import utcnow
from shuiwu.services import audit
from shuiwu.services.households import Access, get_household, is_staff
from shuiwu.timeutil import LOCAL_TZ

NOT_FOUND = "未找到该报修单，或您无权查看"
RESIDENTS_ONLY = "报修请由绑定该户号的居民本人提交"
MAX_ATTACHMENTS = 9
MAX_TEXT = {"location": 200, "description": 1000, "contact_time": 100}
MIN_DESCRIPTION = 2

CATEGORY_LABELS = {
    TicketCategory.LEAK: "漏水/爆管",
    TicketCategory.NO_WATER: "无水",
    TicketCategory.LOW_PRESSURE: "水压低",
    TicketCategory.WATER_QUALITY: "水质问题",
    TicketCategory.METER_FAULT: "水表故障",
    TicketCategory.OTHER: "其他",
}
STATUS_LABELS = {
    TicketStatus.SUBMITTED: "已提交，等待派单",
    TicketStatus.ASSIGNED: "已派单，维修人员将与您联系",
    TicketStatus.IN_PROGRESS: "处理中",
    TicketStatus.RESOLVED: "已修好",
    TicketStatus.CLOSED: "已关闭",
    TicketStatus.CANCELLED: "已撤销",
}
OPEN_STATUSES = (TicketStatus.SUBMITTED, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS)

# Words residents use for each kind of problem, most specific first.
_CATEGORY_WORDS: Sequence[tuple[TicketCategory, tuple[str, ...]]] = (
    (TicketCategory.METER_FAULT, ("水表故障", "水表坏", "表坏", "水表不转", "不走字", "表盘", "水表玻璃", "水表走得", "表不转")),
    (TicketCategory.WATER_QUALITY, ("水质", "黄水", "发黄", "水是黄", "浑浊", "异味", "怪味", "红水", "有沙", "锈")),
    (TicketCategory.LOW_PRESSURE, ("水压", "出水小", "出水特别小", "水流小", "水小")),
    (TicketCategory.NO_WATER, ("无水", "没水", "停水", "不出水", "断水")),
    (TicketCategory.LEAK, ("漏水", "漏", "爆管", "爆", "跑水", "渗水", "滴水", "冒水", "喷水", "冻裂", "破了")),
)


def category_from_text(text: str | None) -> TicketCategory | None:
    """The category a resident's words name ("水管爆了" → leak); None if none does."""
    if not text:
        return None
    value = text.strip()
    for category in TicketCategory:
        if value in (category.value, CATEGORY_LABELS[category]):
            return category
    for category, words in _CATEGORY_WORDS:
        if any(w in value for w in words):
            return category
    if value in ("其他", "其它", "别的"):
        return TicketCategory.OTHER
    return None


@dataclass(frozen=True)
class NewAttachment:
    kind: str  # image | video
    storage_key: str
    content_type: str
    size_bytes: int


def _clean(value: str | None, field: str, label: str) -> str:
    text = re.sub(r"\s+", " ", value or "").strip()
    if not text:
        raise InvalidInput(f"请填写{label}", field=field)
    if len(text) > MAX_TEXT[field]:
        raise InvalidInput(f"{label}太长了，请控制在 {MAX_TEXT[field]} 字以内", field=field)
    return text


def _new_ticket_no(session: Session) -> str:
    """T + local date + 4 random digits (unique; retried on the rare clash)."""
    day = utcnow().astimezone(LOCAL_TZ).strftime("%Y%m%d")
    for _ in range(20):
        candidate = f"T{day}{secrets.randbelow(10**4):04d}"
        if session.scalar(select(Ticket.id).where(Ticket.ticket_no == candidate)) is None:
            return candidate
    return f"T{day}{secrets.randbelow(10**8):08d}"


def create_ticket(
    session: Session,
    actor: User,
    household_id: int,
    *,
    category: TicketCategory | str,
    location: str,
    description: str,
    contact_time: str,
    attachments: Iterable[NewAttachment] = (),
) -> Ticket:
    """File a repair ticket for a household bound to the resident."""
    if actor.role is not Role.RESIDENT:
        raise Forbidden(RESIDENTS_ONLY)
    household = get_household(session, actor, household_id, Access.HOUSEHOLD)
    try:
        category = TicketCategory(category)
    except ValueError:
        category = category_from_text(str(category)) or TicketCategory.OTHER
    location = _clean(location, "location", "故障位置")
    description = _clean(description, "description", "情况描述")
    if len(description) < MIN_DESCRIPTION:
        raise InvalidInput("请把情况描述得具体一些", field="description")
    contact_time = _clean(contact_time, "contact_time", "方便联系的时间")
    files = list(attachments)
    if len(files) > MAX_ATTACHMENTS:
        raise InvalidInput(f"每张报修单最多附 {MAX_ATTACHMENTS} 个照片或视频", field="attachments")
    ticket = Ticket(
        ticket_no=_new_ticket_no(session),
        household_id=household.id,
        reporter_id=actor.id,
        category=category,
        description=f"位置：{location}\n情况：{description}\n方便联系时间：{contact_time}",
        status=TicketStatus.SUBMITTED,
    )
    ticket.attachments = [
        TicketAttachment(kind=f.kind, storage_key=f.storage_key, content_type=f.content_type,
                         size_bytes=f.size_bytes)
        for f in files
    ]
    ticket.events = [TicketEvent(actor_id=actor.id, from_status=None, to_status=TicketStatus.SUBMITTED,
                                 note="居民在线报修")]
    session.add(ticket)
    session.flush()
    audit.record(session, actor, "ticket.create", "ticket", ticket.id,
                 household_id=household.id, category=category.value, attachments=len(files))
    return ticket


def _visible(actor: User):
    """Tickets a resident may see: filed by them, or of a household bound to them."""
    bound = select(HouseholdMember.household_id).where(
        HouseholdMember.user_id == actor.id, HouseholdMember.status == BindingStatus.ACTIVE
    )
    return or_(Ticket.reporter_id == actor.id, Ticket.household_id.in_(bound))


def get_ticket(session: Session, actor: User, ticket_no: str) -> Ticket:
    """A ticket by its number, if the actor may see it (same answer as a missing one if not)."""
    number = (ticket_no or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{1,2}\d{8,14}", number):
        raise NotFound(NOT_FOUND)
    query = select(Ticket).options(selectinload(Ticket.events)).where(Ticket.ticket_no == number)
    if not is_staff(actor):
        query = query.where(_visible(actor))
    ticket = session.scalar(query)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    if is_staff(actor) and ticket.household_id is not None:
        get_household(session, actor, ticket.household_id, Access.HOUSEHOLD)  # audited
    return ticket


def list_tickets(
    session: Session, actor: User, *, household_id: int | None = None, limit: int = 5
) -> list[Ticket]:
    """The resident's tickets, newest first (optionally of one of their households)."""
    query = select(Ticket).options(selectinload(Ticket.events)).order_by(
        Ticket.created_at.desc(), Ticket.id.desc()
    ).limit(max(1, min(limit, 50)))
    if household_id is not None:
        household = get_household(session, actor, household_id, Access.HOUSEHOLD)
        query = query.where(Ticket.household_id == household.id)
    elif is_staff(actor):
        return []  # staff name the household they look at
    if not is_staff(actor):
        query = query.where(_visible(actor))
    return list(session.scalars(query))


def status_text(ticket: Ticket) -> str:
    """One line of progress for the resident: number, kind, status and when it last moved."""
    last = ticket.events[-1].at if ticket.events else ticket.updated_at
    when = last.astimezone(LOCAL_TZ).strftime("%m月%d日 %H:%M") if last else ""
    return (f"报修单 {ticket.ticket_no}（{CATEGORY_LABELS[ticket.category]}）："
            f"{STATUS_LABELS[ticket.status]}，更新于 {when}")
