"""Human handoff: the chat actions against trackers, and the staff console's API with Rasa's HTTP
API answered at the boundary by a real HTTP server (tests/api/rasa_boundary.py) that checks the
token and runs the relay action through the app's /webhook as Rasa does."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from actions.handoff import AGENT_PREFIX
from shuiwu.config import get_settings
from shuiwu.db import new_session
from shuiwu.models import AuditEntry, HandoffMessage, HandoffRequest, StaffFunction
from shuiwu.payment_gateways import local
from shuiwu.services import handoff as service
from tests.api.rasa_boundary import FakeRasa
from tests.conftest import login

MORNING = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Beijing: staff are in
NIGHT = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)  # 22:30 in Beijing


@pytest.fixture
def clock(monkeypatch):
    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(service, "utcnow", lambda: moment)

    set_to(MORNING)
    return set_to


def action_call(action: str, sender_id: str, text: str, metadata: dict | None = None,
                events: list | None = None) -> dict:
    parse = {"text": text, "intent": {"name": "human_handoff", "confidence": 0.96},
             "intent_ranking": [{"name": "human_handoff", "confidence": 0.96}], "entities": [],
             "metadata": metadata or {}}
    history = events or [
        {"event": "user", "text": "我家水管漏水了", "timestamp": 1764036000.0, "metadata": metadata or {}},
        {"event": "bot", "text": "请问漏水的位置在哪里？", "timestamp": 1764036001.0},
    ]
    return {
        "next_action": action, "sender_id": sender_id, "version": "3.6.21",
        "domain": {"intents": ["human_handoff"], "entities": [], "slots": {}, "responses": {},
                   "actions": [action]},
        "tracker": {
            "sender_id": sender_id, "slots": {}, "latest_message": parse, "paused": False,
            "latest_event_time": 1764036002.0, "latest_input_channel": "authenticated_web",
            "active_loop": {}, "latest_action_name": "action_listen",
            "events": [*history, {"event": "user", "text": text, "parse_data": parse,
                                  "metadata": metadata or {}, "timestamp": 1764036002.0}],
        },
    }


def auth(user_id: int) -> dict:
    return {"auth": {"user_id": user_id, "role": "resident", "channel": "web"}}


def _run(client, *args, **kw) -> tuple[list[dict], list[str]]:
    r = client.post("/webhook", json=action_call(*args, **kw))
    assert r.status_code == 200, r.text
    return r.json()["events"], [m["text"] for m in r.json()["responses"]]


def _requests() -> list[HandoffRequest]:
    with new_session() as s:
        return list(s.scalars(select(HandoffRequest).order_by(HandoffRequest.id)))


def test_action_handoff_queues_pauses_and_tells_the_place(client, make_user, clock):
    user = make_user("resident")
    events, texts = _run(client, "action_handoff", f"user-{user.id}", "转人工", auth(user.id))
    assert events == [{"event": "pause", "timestamp": None}]
    assert texts == ["好的，正在为您转接人工客服，您是下一位，客服马上就来，请稍候。客服接入后会直接在这里回复您。"]
    [request] = _requests()
    assert (request.sender_id, request.user_id, request.channel, request.status.value) == (
        f"user-{user.id}", user.id, "web", "waiting")
    assert [t["text"] for t in request.transcript] == ["我家水管漏水了", "请问漏水的位置在哪里？", "转人工"]

    # A visitor asks too: second in the queue, recorded without a user.
    events, texts = _run(client, "action_handoff", "anon-5f2c9a", "找人工客服")
    assert events[0]["event"] == "pause"
    assert "您前面还有 1 位用户在等待" in texts[0]
    # Asking again does not queue twice.
    _, texts = _run(client, "action_handoff", f"user-{user.id}", "人呢", auth(user.id))
    assert texts[0].startswith("您已在人工客服队列中，您是下一位")
    assert [(r.sender_id, r.user_id) for r in _requests()] == [(f"user-{user.id}", user.id), ("anon-5f2c9a", None)]


def test_identity_comes_from_the_channel_not_the_sender_id(client, make_user, clock):
    victim, visitor = make_user("resident"), make_user("resident")
    # Metadata says one user, the conversation is bound to another: treated as a visitor.
    _run(client, "action_handoff", f"user-{victim.id}", "转人工", auth(visitor.id))
    assert _requests()[0].user_id is None


def test_after_hours_the_request_is_kept_but_the_assistant_keeps_answering(client, make_user, clock):
    clock(NIGHT)
    user = make_user("resident")
    r = client.post("/webhook", json=action_call("action_handoff", f"user-{user.id}", "转人工", auth(user.id)))
    body = r.json()
    assert body["events"] == []  # not paused: nobody would answer
    [reply] = body["responses"]
    assert "每天 8:00–20:00" in reply["text"] and "已为您登记留言" in reply["text"]
    assert reply["buttons"] == [{"title": "在线报修", "payload": "/report_repair"}]
    [request] = _requests()
    assert request.after_hours and request.status.value == "waiting"

    _, texts = _run(client, "action_handoff", "anon-77aa", "人工")
    assert "未登录，客服无法回访" in texts[0]


def test_relay_utters_each_pending_message_once(client, make_user, clock, session):
    user = make_user("resident")
    _run(client, "action_handoff", f"user-{user.id}", "转人工", auth(user.id))
    [request] = _requests()
    agent = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    session.add_all([
        HandoffMessage(handoff_id=request.id, agent_id=None, text=service.AGENT_JOINED),
        HandoffMessage(handoff_id=request.id, agent_id=agent.id, text="您好，请问漏水点在哪个房间？"),
    ])
    session.commit()
    _, texts = _run(client, "action_relay_agent_message", f"user-{user.id}", "", auth(user.id))
    assert texts == [service.AGENT_JOINED, AGENT_PREFIX + "您好，请问漏水点在哪个房间？"]
    _, texts = _run(client, "action_relay_agent_message", f"user-{user.id}", "", auth(user.id))
    assert texts == []
    # Another conversation's relay never shows this one's messages.
    _, texts = _run(client, "action_relay_agent_message", "anon-other", "")
    assert texts == []


# -- the staff console against Rasa's HTTP API ---------------------------------------------------


@dataclass
class Console:
    app: httpx.Client
    rasa: FakeRasa


@pytest.fixture
def console(db_url, monkeypatch, clock):
    app_port = local.free_port()
    rasa = FakeRasa(f"http://127.0.0.1:{app_port}/webhook", token="rasa-token-for-tests")
    rasa_server = local.serve(rasa.asgi())
    monkeypatch.setenv("RASA_URL", rasa_server.url)
    monkeypatch.setenv("RASA_TOKEN", rasa.token)
    get_settings.cache_clear()
    from shuiwu.main import create_app

    app_server = local.serve(create_app(), port=app_port)
    try:
        with httpx.Client(base_url=app_server.url, timeout=30) as client:
            yield Console(client, rasa)
    finally:
        app_server.stop()
        rasa_server.stop()


def _resident_asks_for_a_person(console: Console, user) -> str:
    sender = f"user-{user.id}"
    console.rasa.user_says(sender, "我家水管漏水了", intent="report_repair", metadata=auth(user.id))
    console.rasa.bot_says(sender, "请问漏水的位置在哪里？")
    console.rasa.user_says(sender, "我要人工", intent="human_handoff", metadata=auth(user.id))
    console.rasa.run_action(sender, "action_handoff")
    assert console.rasa.trackers[sender]["paused"]
    return sender


def test_staff_accept_read_reply_and_close(console, make_user):
    resident = make_user("resident", display_name="张伟")
    sender = _resident_asks_for_a_person(console, resident)
    agent = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE, display_name="客服小李")
    headers = login(console.app, agent.username)

    [queued] = console.app.get("/api/v1/chat/handoffs", headers=headers).json()
    assert (queued["status"], queued["resident"], queued["position"]) == ("waiting", "张伟", 1)
    assert queued["last_user_text"] == "我要人工"

    accepted = console.app.post(f"/api/v1/chat/handoffs/{queued['id']}/accept", headers=headers).json()
    assert (accepted["status"], accepted["agent"], accepted["relayed"]) == ("active", "客服小李", True)
    assert console.rasa.delivered[sender][-1] == service.AGENT_JOINED

    detail = console.app.get(f"/api/v1/chat/handoffs/{queued['id']}", headers=headers).json()
    assert detail["transcript_live"] is True
    assert [t["text"] for t in detail["transcript"] if t["role"] == "user"] == ["我家水管漏水了", "我要人工"]

    # While paused, the resident writes; staff see it in the transcript Rasa keeps.
    console.rasa.user_says(sender, "厨房水槽下面", intent="out_of_scope", metadata=auth(resident.id))
    sent = console.app.post(f"/api/v1/chat/handoffs/{queued['id']}/messages", headers=headers,
                            json={"text": "收到，请先关闭总阀，维修师傅一小时内到。"})
    assert sent.status_code == 200 and sent.json()["relayed"] is True
    assert console.rasa.delivered[sender][-1] == AGENT_PREFIX + "收到，请先关闭总阀，维修师傅一小时内到。"
    detail = console.app.get(f"/api/v1/chat/handoffs/{queued['id']}", headers=headers).json()
    assert "厨房水槽下面" in [t["text"] for t in detail["transcript"]]

    closed = console.app.post(f"/api/v1/chat/handoffs/{queued['id']}/close", headers=headers).json()
    assert (closed["status"], closed["relayed"], closed["resumed"]) == ("closed", True, True)
    assert console.rasa.delivered[sender][-1] == service.AGENT_LEFT
    assert console.rasa.trackers[sender]["paused"] is False
    # Listening again, so the next message is read like any other.
    assert console.rasa.trackers[sender]["events"][-1] == {
        "event": "action", "name": "action_listen", "timestamp": pytest.approx(time.time(), abs=60)}
    assert console.app.get("/api/v1/chat/handoffs", headers=headers).json() == []

    with new_session() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "handoff")
                            .order_by(AuditEntry.id)).all()
    # Read twice, audited once: the console polls the open chat.
    assert actions == ["handoff.accept", "handoff.view", "handoff.message", "handoff.close"]
    # Every call carried Rasa's token (the boundary refuses any other).
    assert ("POST", f"/conversations/{sender}/tracker/events") in console.rasa.calls


def test_only_customer_service_handles_chats_and_one_agent_per_chat(console, make_user):
    resident = make_user("resident")
    _resident_asks_for_a_person(console, resident)
    [request] = _requests()
    first = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    second = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    fixer = make_user("staff", staff_function=StaffFunction.FIELD_REPAIR)
    base = f"/api/v1/chat/handoffs/{request.id}"

    for who, message in ((resident, "无权访问工作人员功能"), (fixer, "只有客服人员可以接待在线咨询")):
        headers = login(console.app, who.username)
        for method, path in (("GET", "/api/v1/chat/handoffs"), ("GET", base), ("POST", base + "/accept"),
                             ("POST", base + "/close")):
            r = console.app.request(method, path, headers=headers)
            assert (r.status_code, r.json()["error"]["message"]) == (403, message), (method, path)

    h1, h2 = login(console.app, first.username), login(console.app, second.username)
    assert console.app.post(base + "/messages", headers=h1, json={"text": "您好"}).json()["error"][
        "message"] == "请先接待该会话"
    assert console.app.post(base + "/accept", headers=h1).status_code == 200
    taken = console.app.post(base + "/accept", headers=h2)
    assert (taken.status_code, taken.json()["error"]["message"]) == (409, "该会话已由其他客服接待")
    other = console.app.post(base + "/messages", headers=h2, json={"text": "我来"})
    assert (other.status_code, other.json()["error"]["message"]) == (403, "该会话由其他客服接待")
    empty = console.app.post(base + "/messages", headers=h1, json={"text": "   "})
    assert (empty.status_code, empty.json()["error"]["message"]) == (422, "消息不能为空")
    assert console.app.get("/api/v1/chat/handoffs/999999", headers=h1).status_code == 404


def test_a_message_rasa_refuses_is_kept_and_goes_out_with_the_next(console, make_user, monkeypatch):
    resident = make_user("resident")
    sender = _resident_asks_for_a_person(console, resident)
    [request] = _requests()
    agent = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    headers = login(console.app, agent.username)
    console.app.post(f"/api/v1/chat/handoffs/{request.id}/accept", headers=headers)

    monkeypatch.setenv("RASA_TOKEN", "wrong-token")
    get_settings.cache_clear()
    r = console.app.post(f"/api/v1/chat/handoffs/{request.id}/messages", headers=headers,
                         json={"text": "请问您家的户号是多少？"})
    assert r.status_code == 200 and r.json()["relayed"] is False
    assert AGENT_PREFIX + "请问您家的户号是多少？" not in console.rasa.delivered[sender]
    detail = console.app.get(f"/api/v1/chat/handoffs/{request.id}", headers=headers).json()
    assert detail["transcript_live"] is False  # the saved transcript instead
    assert [t["text"] for t in detail["transcript"]][-1] == "我要人工"
    assert [m["relayed"] for m in detail["messages"]] == [True, False]

    monkeypatch.setenv("RASA_TOKEN", console.rasa.token)
    get_settings.cache_clear()
    console.app.post(f"/api/v1/chat/handoffs/{request.id}/messages", headers=headers, json={"text": "收到"})
    assert console.rasa.delivered[sender][-2:] == [AGENT_PREFIX + "请问您家的户号是多少？", AGENT_PREFIX + "收到"]
