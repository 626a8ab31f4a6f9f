"""Human handoff of chat conversations: the queue, staff replies, and Rasa told to pause/resume.

There is no second chat system. The resident stays in their Rasa conversation: `action_handoff`
files a request here and pauses the conversation; staff replies are stored here and relayed
into it by running `action_relay_agent_message` through Rasa's HTTP API (so they reach the
resident's open socket through the channel); closing resumes the conversation.
Staff actions are for customer service and admins, and every one is audited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuiwu.config import get_settings
from shuiwu.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from shuiwu.models import (
    AuditEntry,
    HandoffMessage,
    HandoffRequest,
    HandoffStatus,
    Role,
    StaffFunction,
    User,
)
from shuiwu.models._types import utcnow
from shuiwu.services import audit
from shuiwu.timeutil import LOCAL_TZ

log = logging.getLogger(__name__)

RELAY_ACTION = "action_relay_agent_message"
OPEN = (HandoffStatus.WAITING, HandoffStatus.ACTIVE)
MAX_TRANSCRIPT_TURNS = 30
MAX_MESSAGE_CHARS = 2000
NOT_FOUND = "未找到该会话"
AGENT_JOINED = "人工客服已接入，请问有什么可以帮您？"
AGENT_LEFT = "本次人工服务已结束，感谢您的耐心。智能助手小水继续为您服务，有需要随时叫我。"


class RasaUnavailable(DomainError):
    status_code = 502
    code = "rasa_unavailable"


# -- service hours ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceHours:
    start: time
    end: time

    @property
    def label(self) -> str:
        return f"{self.start:%-H:%M}–{self.end:%-H:%M}"

    def open_at(self, moment: datetime) -> bool:
        local = moment.astimezone(LOCAL_TZ).time()
        return self.start <= local < self.end


def service_hours() -> ServiceHours:
    """The hours staff answer chats, from the setting "8:00-20:00" (local time)."""
    raw = get_settings().handoff_hours
    try:
        start, end = (datetime.strptime(part.strip(), "%H:%M").time() for part in raw.split("-"))
    except ValueError:
        log.error("HANDOFF_HOURS %r is not like 8:00-20:00; using 8:00-20:00", raw)
        start, end = time(8), time(20)
    return ServiceHours(start, end)


# -- the resident's side (called by the chat actions) -----------------------------------------


def _queue_position(session: Session, request: HandoffRequest) -> int:
    """1 = next to be served."""
    ahead = session.scalar(
        select(func.count()).select_from(HandoffRequest).where(
            HandoffRequest.status == HandoffStatus.WAITING,
            HandoffRequest.after_hours.is_(False),
            HandoffRequest.id < request.id,
        )
    )
    return (ahead or 0) + 1


def request_handoff(
    session: Session,
    *,
    sender_id: str,
    user_id: int | None,
    channel: str | None,
    transcript: list[dict[str, Any]],
    now: datetime | None = None,
) -> dict:
    """File (or find) the open handoff request of a conversation.

    `user_id` is the identity the channel verified (None for a visitor); the transcript is the
    last turns of the conversation, kept so staff see the context even if Rasa is down.
    Returns {"handoff_id", "status", "position", "in_hours", "hours", "already_waiting"}.
    """
    if not sender_id or len(sender_id) > 128:
        raise InvalidInput("会话标识无效", field="sender_id")
    now = now or utcnow()
    hours = service_hours()
    in_hours = hours.open_at(now)
    turns = transcript[-MAX_TRANSCRIPT_TURNS:]
    request = session.scalar(
        select(HandoffRequest).where(HandoffRequest.sender_id == sender_id,
                                     HandoffRequest.status.in_(OPEN))
    )
    already = request is not None
    if user_id is not None and session.get(User, user_id) is None:
        user_id = None  # an account deleted since the socket connected: a visitor now
    if request is None:
        request = HandoffRequest(sender_id=sender_id, user_id=user_id, channel=(channel or "")[:32],
                                 after_hours=not in_hours, transcript=turns, created_at=now)
        session.add(request)
    else:
        request.transcript = turns
        if in_hours and request.after_hours:  # asked again once staff are in: join the queue
            request.after_hours = False
            request.created_at = now
    session.flush()
    position = _queue_position(session, request) if request.status is HandoffStatus.WAITING else 0
    session.commit()
    return {"handoff_id": request.id, "status": request.status.value, "position": position,
            "in_hours": in_hours, "hours": hours.label, "already_waiting": already}


def take_pending_messages(session: Session, sender_id: str) -> list[dict]:
    """Staff messages of the conversation not yet shown to the resident, marked shown.

    [{"text", "from_agent"}]: from_agent False for the notices we write ourselves.
    """
    found = session.scalars(
        select(HandoffMessage)
        .join(HandoffRequest)
        .where(HandoffRequest.sender_id == sender_id, HandoffMessage.relayed_at.is_(None))
        .order_by(HandoffMessage.id)
        .with_for_update()
    ).all()
    now = utcnow()
    for message in found:
        message.relayed_at = now
    session.commit()
    return [{"text": m.text, "from_agent": m.agent_id is not None} for m in found]


# -- Rasa's HTTP API --------------------------------------------------------------------------


def _rasa(method: str, path: str, **kw) -> httpx.Response:
    settings = get_settings()
    params = dict(kw.pop("params", {}))
    if settings.rasa_token:
        params["token"] = settings.rasa_token
    try:
        response = httpx.request(method, settings.rasa_url.rstrip("/") + path, params=params,
                                 timeout=15, **kw)
    except httpx.HTTPError as exc:
        raise RasaUnavailable("暂时无法连接对话服务，请稍后重试") from exc
    if response.status_code >= 400:
        log.warning("rasa %s %s → %s %s", method, path, response.status_code, response.text[:300])
        raise RasaUnavailable("对话服务拒绝了请求，请稍后重试")
    return response


def _conversation(sender_id: str) -> str:
    return "/conversations/" + quote(sender_id, safe="")


def relay(sender_id: str) -> bool:
    """Have Rasa run the relay action in the conversation, to the resident's live channel."""
    try:
        _rasa("POST", _conversation(sender_id) + "/execute", json={"name": RELAY_ACTION},
              params={"output_channel": "latest"})
    except RasaUnavailable:
        return False
    return True


def _append_events(sender_id: str, events: list[dict]) -> None:
    _rasa("POST", _conversation(sender_id) + "/tracker/events", json=events,
          params={"output_channel": "latest"})


def rasa_transcript(sender_id: str) -> list[dict]:
    """The conversation as Rasa has it: [{"role": "user"|"bot", "text", "at"}]."""
    tracker = _rasa("GET", _conversation(sender_id) + "/tracker").json()
    turns = []
    for event in tracker.get("events") or []:
        if event.get("event") in ("user", "bot") and event.get("text"):
            at = datetime.fromtimestamp(float(event.get("timestamp") or 0), LOCAL_TZ)
            turns.append({"role": event["event"], "text": event["text"], "at": at.isoformat()})
    return turns[-200:]


# -- the staff side -----------------------------------------------------------------------------


def _check_agent(actor: User) -> None:
    if not (actor.role is Role.ADMIN or (
        actor.role is Role.STAFF and actor.staff_function is StaffFunction.CUSTOMER_SERVICE
    )):
        raise Forbidden("只有客服人员可以接待在线咨询")


def _get(session: Session, actor: User, handoff_id: int, *, lock: bool = False) -> HandoffRequest:
    _check_agent(actor)
    request = session.get(HandoffRequest, handoff_id, with_for_update=lock)
    if request is None:
        raise NotFound(NOT_FOUND)
    return request


def _own(actor: User, request: HandoffRequest) -> None:
    if request.status is HandoffStatus.CLOSED:
        raise Conflict("该会话已结束")
    if request.status is HandoffStatus.WAITING:
        raise Conflict("请先接待该会话")
    if request.agent_id != actor.id and actor.role is not Role.ADMIN:
        raise Forbidden("该会话由其他客服接待")


def handoff_out(session: Session, request: HandoffRequest) -> dict:
    agent = session.get(User, request.agent_id) if request.agent_id else None
    resident = session.get(User, request.user_id) if request.user_id else None
    return {
        "id": request.id,
        "sender_id": request.sender_id,
        "user_id": request.user_id,
        "resident": resident.display_name if resident else "访客（未登录）",
        "channel": request.channel,
        "status": request.status.value,
        "after_hours": request.after_hours,
        "agent": agent.display_name if agent else None,
        "agent_id": request.agent_id,
        "created_at": request.created_at.isoformat(),
        "accepted_at": request.accepted_at.isoformat() if request.accepted_at else None,
        "closed_at": request.closed_at.isoformat() if request.closed_at else None,
        "last_user_text": next((t["text"] for t in reversed(request.transcript or [])
                                if t.get("role") == "user"), ""),
        "position": _queue_position(session, request) if request.status is HandoffStatus.WAITING else 0,
    }


def list_handoffs(session: Session, actor: User, *, status: str = "open", limit: int = 100) -> list[dict]:
    """The queue: waiting first (oldest first), then active; or closed ones, newest first."""
    _check_agent(actor)
    query = select(HandoffRequest)
    if status == "open":
        query = query.where(HandoffRequest.status.in_(OPEN)).order_by(
            HandoffRequest.status.desc(), HandoffRequest.created_at, HandoffRequest.id)
    elif status in (s.value for s in HandoffStatus):
        query = query.where(HandoffRequest.status == HandoffStatus(status))
        query = query.order_by(HandoffRequest.created_at.desc() if status == "closed"
                               else HandoffRequest.created_at)
    else:
        raise InvalidInput("状态只能是 open、waiting、active 或 closed", field="status")
    found = session.scalars(query.limit(max(1, min(limit, 500)))).all()
    return [handoff_out(session, r) for r in found]


def get_handoff(session: Session, actor: User, handoff_id: int) -> dict:
    """One conversation with its transcript: Rasa's, or the saved one if Rasa cannot answer."""
    request = _get(session, actor, handoff_id)
    seen = session.scalar(select(AuditEntry.id).where(
        AuditEntry.object_type == "handoff", AuditEntry.object_id == str(request.id),
        AuditEntry.actor_id == actor.id, AuditEntry.action == "handoff.view").limit(1))
    if seen is None:  # once per agent and chat: the console polls the open chat every 3 s
        audit.record(session, actor, "handoff.view", "handoff", request.id, sender_id=request.sender_id)
    try:
        transcript, live = rasa_transcript(request.sender_id), True
    except RasaUnavailable:
        transcript, live = list(request.transcript or []), False
    messages = [{"id": m.id, "text": m.text, "from_agent": m.agent_id is not None,
                 "created_at": m.created_at.isoformat(), "relayed": m.relayed_at is not None}
                for m in request.messages]
    return {**handoff_out(session, request), "transcript": transcript, "transcript_live": live,
            "messages": messages}


def _say(session: Session, request: HandoffRequest, text: str, agent: User | None) -> HandoffMessage:
    message = HandoffMessage(handoff_id=request.id, agent_id=agent.id if agent else None, text=text)
    session.add(message)
    session.flush()
    return message


def accept(session: Session, actor: User, handoff_id: int) -> dict:
    """Take a waiting conversation: it is paused in Rasa and the resident hears a person joined."""
    request = _get(session, actor, handoff_id, lock=True)
    if request.status is not HandoffStatus.WAITING:
        raise Conflict("该会话已由其他客服接待" if request.status is HandoffStatus.ACTIVE else "该会话已结束")
    request.status = HandoffStatus.ACTIVE
    request.agent_id = actor.id
    request.accepted_at = utcnow()
    _say(session, request, AGENT_JOINED, None)
    audit.record(session, actor, "handoff.accept", "handoff", request.id)
    session.commit()
    try:  # after hours the assistant did not pause; pausing twice is harmless
        _append_events(request.sender_id, [{"event": "pause"}])
    except RasaUnavailable:
        log.warning("could not pause conversation %s", request.sender_id)
    relayed = relay(request.sender_id)
    return {**handoff_out(session, request), "relayed": relayed}


def send_message(session: Session, actor: User, handoff_id: int, text: str) -> dict:
    """Store the agent's message, then relay it; an unrelayed one goes out with the next relay."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("消息不能为空", field="text")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(f"消息不能超过 {MAX_MESSAGE_CHARS} 个字", field="text")
    request = _get(session, actor, handoff_id)
    _own(actor, request)
    message = _say(session, request, text, actor)
    audit.record(session, actor, "handoff.message", "handoff", request.id, message_id=message.id)
    session.commit()
    relayed = relay(request.sender_id)
    session.refresh(message)
    return {"id": message.id, "text": message.text, "relayed": relayed and message.relayed_at is not None}


def close(session: Session, actor: User, handoff_id: int) -> dict:
    """End the human part: the resident is told, and the assistant answers again."""
    request = _get(session, actor, handoff_id, lock=True)
    if request.status is HandoffStatus.WAITING:
        # Closing unanswered (e.g. the resident left): the agent takes it to close it.
        request.agent_id = actor.id
    else:
        _own(actor, request)
    request.status = HandoffStatus.CLOSED
    request.closed_at = utcnow()
    _say(session, request, AGENT_LEFT, None)
    audit.record(session, actor, "handoff.close", "handoff", request.id)
    session.commit()
    relayed = relay(request.sender_id)
    resumed = True
    try:
        # Listening again, as after any bot turn: the rules and policies then read the next
        # message like any other (after the relay action they would predict nothing).
        _append_events(request.sender_id, [{"event": "resume"},
                                           {"event": "action", "name": "action_listen"}])
    except RasaUnavailable:
        resumed = False
    return {**handoff_out(session, request), "relayed": relayed, "resumed": resumed}
