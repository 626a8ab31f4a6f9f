"""Repair tickets (报修工单): a resident files one for a household bound to them, follows its
progress, and lists their own. Customer service see and dispatch every ticket; field repair
staff see the ones assigned to them.

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
    StaffFunction,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketEvent,
    TicketStatus,
    User,
)
from shuiwu.models._types import utcnow
from shuiwu.services import audit
from shuiwu.services.households import Access, get_household, is_staff, may_see_account_data
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
# Each status: its short name (a step of the progress) and what it means for the resident.
_STATUS_TEXT = {
    TicketStatus.SUBMITTED: ("已提交", "已提交，等待派单"),
    TicketStatus.ASSIGNED: ("已派单", "已派单，维修人员将与您联系"),
    TicketStatus.IN_PROGRESS: ("维修中", "处理中"),
    TicketStatus.RESOLVED: ("已修好", "已修好"),
    TicketStatus.CLOSED: ("已关闭", "已关闭"),
    TicketStatus.CANCELLED: ("已撤销", "已撤销"),
}
STATUS_LABELS = {status: text for status, (_, text) in _STATUS_TEXT.items()}
STATUS_VERBS = {status: name for status, (name, _) in _STATUS_TEXT.items()}
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
    """A ticket by its number, if the actor may see it (same answer as a missing one if not):
    residents their households', customer service all, field repair the ones assigned to them."""
    number = (ticket_no or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{1,2}\d{8,14}", number):
        raise NotFound(NOT_FOUND)
    return _one_visible(session, actor, Ticket.ticket_no == number)


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


# --- Following a ticket through: dispatch, repair, the resident's confirmation ------------------
#
# Customer service (and admins) dispatch: they see every ticket, assign it to a field repair
# colleague and may move or cancel it. Field repair staff see only the tickets assigned to them and
# move them along (on the way, being repaired, repaired). The resident who may see a ticket can
# withdraw it before work starts, and once it is repaired either confirm it (closed) or say it is
# not fixed (back to being repaired). Every move is an event the resident sees as progress, and a
# move made by someone else notifies the reporter.

NOT_DISPATCHER = "只有客服人员可以派单"
NOT_ASSIGNEE_STAFF = "请选择一位在岗的维修人员"
NOTE_NEEDED = {
    TicketStatus.RESOLVED: "请写明处理结果",
    TicketStatus.CANCELLED: "请写明撤销原因",
}
RESIDENT_REOPEN_NOTE = "请说明还有什么问题没有修好"
ASSIGNED_NOTE = "已安排维修人员，会在您方便的时间与您联系"
MAX_NOTE = 500
# (from, to) each kind of actor may make.
_REPAIR_MOVES = {
    (TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS),
    (TicketStatus.ASSIGNED, TicketStatus.RESOLVED),
    (TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED),
}
_DISPATCH_MOVES = _REPAIR_MOVES | {
    (TicketStatus.SUBMITTED, TicketStatus.CANCELLED),
    (TicketStatus.ASSIGNED, TicketStatus.CANCELLED),
    (TicketStatus.IN_PROGRESS, TicketStatus.CANCELLED),
    (TicketStatus.RESOLVED, TicketStatus.CLOSED),
    (TicketStatus.RESOLVED, TicketStatus.IN_PROGRESS),
}
_RESIDENT_MOVES = {
    (TicketStatus.SUBMITTED, TicketStatus.CANCELLED),
    (TicketStatus.ASSIGNED, TicketStatus.CANCELLED),
    (TicketStatus.RESOLVED, TicketStatus.CLOSED),
    (TicketStatus.RESOLVED, TicketStatus.IN_PROGRESS),
}


def allowed_moves(actor: User) -> set[tuple[TicketStatus, TicketStatus]]:
    """The (from, to) moves this actor may make on a ticket they can see."""
    if not is_staff(actor):
        return _RESIDENT_MOVES
    return _DISPATCH_MOVES if may_dispatch(actor) else _REPAIR_MOVES


def may_dispatch(actor: User) -> bool:
    """Customer service and admins: the same people who may see a household's accounts."""
    return may_see_account_data(actor)


def _is_field_repair(actor: User) -> bool:
    return actor.role is Role.STAFF and actor.staff_function is StaffFunction.FIELD_REPAIR


def _with_details():
    return (selectinload(Ticket.events), selectinload(Ticket.attachments))


# The name the pages use for each move (a resident's or staff's "back to repair" is a reopen).
_ACTION_NAMES = {TicketStatus.IN_PROGRESS: "in_progress", TicketStatus.RESOLVED: "resolved",
                 TicketStatus.CLOSED: "close", TicketStatus.CANCELLED: "cancel"}


def actions_for(actor: User, ticket: Ticket) -> list[str]:
    """What `actor` may do with `ticket` now: assign, in_progress, resolved, close, reopen,
    cancel — the buttons a page shows."""
    found = ["assign"] if may_dispatch(actor) and ticket.status in OPEN_STATUSES else []
    for start, to in sorted(allowed_moves(actor), key=lambda m: list(TicketStatus).index(m[1])):
        if start is ticket.status:
            reopen = start is TicketStatus.RESOLVED and to is TicketStatus.IN_PROGRESS
            found.append("reopen" if reopen else _ACTION_NAMES[to])
    return found


def ticket_by_id(session: Session, actor: User, ticket_id: int) -> Ticket:
    """A ticket the actor may see: the resident's own households', every one for customer
    service, the ones assigned to them for field repair; anything else is "not found"."""
    return _one_visible(session, actor, Ticket.id == ticket_id)


def _one_visible(session: Session, actor: User, condition) -> Ticket:
    query = select(Ticket).options(*_with_details()).where(condition)
    if not is_staff(actor):
        query = query.where(_visible(actor))
    elif not may_dispatch(actor):
        query = query.where(Ticket.assignee_id == actor.id)
    ticket = session.scalar(query)
    if ticket is None:
        raise NotFound(NOT_FOUND)
    if is_staff(actor) and ticket.household_id is not None:
        get_household(session, actor, ticket.household_id, Access.HOUSEHOLD)  # audited
    return ticket


def staff_queue(
    session: Session, actor: User, *, status: TicketStatus | None = None, mine: bool = False,
    limit: int = 100,
) -> list[Ticket]:
    """Tickets for the console, oldest open first: all of them for customer service, the
    assigned ones for field repair (`mine` narrows customer service to their own too)."""
    if not is_staff(actor):
        raise Forbidden("仅工作人员可以查看报修工单")
    query = select(Ticket).options(*_with_details())
    if not may_dispatch(actor) or mine:
        query = query.where(Ticket.assignee_id == actor.id)
    if status is not None:
        query = query.where(Ticket.status == status)
    else:
        query = query.where(Ticket.status.in_(OPEN_STATUSES + (TicketStatus.RESOLVED,)))
    query = query.order_by(Ticket.created_at, Ticket.id).limit(max(1, min(limit, 500)))
    tickets = list(session.scalars(query))
    if tickets:
        audit.record(session, actor, "ticket.list", "ticket", None, count=len(tickets),
                     status=status.value if status else "open")
    return tickets


def repair_staff(session: Session, actor: User) -> list[User]:
    """Active field repair staff a dispatcher may assign to."""
    if not may_dispatch(actor):
        raise Forbidden(NOT_DISPATCHER)
    return list(session.scalars(
        select(User).where(User.role == Role.STAFF, User.staff_function == StaffFunction.FIELD_REPAIR,
                           User.is_active.is_(True)).order_by(User.username)
    ))


def _note(note: str | None) -> str | None:
    text = re.sub(r"\s+", " ", note or "").strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"说明太长了，请控制在 {MAX_NOTE} 字以内", field="note")
    return text or None


def _move(session: Session, actor: User, ticket: Ticket, to: TicketStatus, note: str | None) -> Ticket:
    """Record the move and tell the reporter when someone else made it."""
    event = TicketEvent(actor_id=actor.id, from_status=ticket.status, to_status=to, note=note)
    ticket.events.append(event)
    ticket.status = to
    ticket.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "ticket.status", "ticket", ticket.id,
                 from_status=event.from_status.value if event.from_status else None, to_status=to.value)
    if ticket.reporter_id is not None and ticket.reporter_id != actor.id:
        from shuiwu.services import notifications

        body = f"报修单 {ticket.ticket_no}（{CATEGORY_LABELS[ticket.category]}）：{STATUS_LABELS[to]}。"
        if note:
            body += f"说明：{note}"
        if to is TicketStatus.RESOLVED:
            body += "如果问题还在，请在“报修”页面点“还没修好”。"
        notifications.notify(session, ticket.reporter_id, "ticket_status",
                             f"报修进度：{STATUS_VERBS[to]}", body)
    return ticket


def assign(session: Session, actor: User, ticket_id: int, assignee_id: int,
           note: str | None = None) -> Ticket:
    """Dispatch (or re-dispatch) an open ticket to a field repair colleague."""
    if not may_dispatch(actor):
        raise Forbidden(NOT_DISPATCHER)
    ticket = ticket_by_id(session, actor, ticket_id)
    if ticket.status not in OPEN_STATUSES:
        raise InvalidInput(f"这张报修单{STATUS_LABELS[ticket.status]}，不能再派单", field="status")
    assignee = session.get(User, assignee_id)
    if assignee is None or not assignee.is_active or not _is_field_repair(assignee):
        raise InvalidInput(NOT_ASSIGNEE_STAFF, field="assignee_id")
    ticket.assignee_id = assignee.id
    # The note is the resident's to read: never a staff account name.
    text = _note(note) or ASSIGNED_NOTE
    if ticket.status is TicketStatus.SUBMITTED:
        return _move(session, actor, ticket, TicketStatus.ASSIGNED, text)
    ticket.events.append(TicketEvent(actor_id=actor.id, from_status=ticket.status,
                                     to_status=ticket.status, note=text))
    session.flush()
    audit.record(session, actor, "ticket.reassign", "ticket", ticket.id, assignee_id=assignee.id)
    return ticket


def change_status(session: Session, actor: User, ticket_id: int, to: TicketStatus | str,
                  note: str | None = None) -> Ticket:
    """Move a ticket along, if this actor may make this move from where it is."""
    try:
        to = TicketStatus(to)
    except ValueError:
        raise InvalidInput("未知的工单状态", field="status") from None
    ticket = ticket_by_id(session, actor, ticket_id)
    if (ticket.status, to) not in allowed_moves(actor):
        raise InvalidInput(
            f"这张报修单目前{STATUS_LABELS[ticket.status]}，不能改为“{STATUS_VERBS[to]}”",
            field="status",
        )
    text = _note(note)
    reopen = not is_staff(actor) and to is TicketStatus.IN_PROGRESS
    if text is None and (to in NOTE_NEEDED and is_staff(actor) or reopen):
        raise InvalidInput(RESIDENT_REOPEN_NOTE if reopen else NOTE_NEEDED[to], field="note")
    if text is None and not is_staff(actor):
        text = {TicketStatus.CANCELLED: "居民撤销报修", TicketStatus.CLOSED: "居民确认已修好"}.get(to)
    return _move(session, actor, ticket, to, text)


def attachments_from_uploads(session: Session, actor: User, upload_ids: Iterable) -> tuple[list[NewAttachment], int]:
    """The actor's own uploads as ticket attachments, and how many ids were not theirs or unknown."""
    from shuiwu.errors import DomainError
    from shuiwu.services.uploads import get_upload

    found, skipped = [], 0
    for raw in upload_ids:
        try:
            upload = get_upload(session, actor, int(raw))
        except (DomainError, ValueError, TypeError):
            skipped += 1
            continue
        if upload.owner_id != actor.id:  # staff may read uploads; they attach only their own
            skipped += 1
            continue
        found.append(NewAttachment(kind=upload.kind, storage_key=f"upload:{upload.id}",
                                   content_type=upload.content_type, size_bytes=upload.size))
    return found, skipped
