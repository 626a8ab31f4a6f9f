"""Human handoff through the real stack: Rasa (trained model, our web channel) with a token on its
HTTP API, the app, and a resident's socket. The resident asks for a person, the assistant goes
quiet, customer service answers from the console API, and closing hands the chat back."""

from __future__ import annotations

import httpx
import pytest

from actions.handoff import AGENT_PREFIX
from shuiwu.services.handoff import AGENT_JOINED, AGENT_LEFT
from tests.channels.client import ChatClient, texts

pytestmark = [pytest.mark.rasa, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def stack(chat_stack):
    # Shared with the other chat modules; its staff are in whenever the suite runs (HANDOFF_HOURS).
    return chat_stack


@pytest.fixture(scope="module")
def resident_name(stack):
    return stack.new_resident("handoff_resident")


def _staff(stack) -> httpx.Client:
    login = stack.login("demo_staff")
    return httpx.Client(base_url=stack.app, timeout=60,
                        headers={"Authorization": f"Bearer {login['access_token']}"})


def test_a_person_takes_over_the_chat_and_hands_it_back(stack, resident_name):
    resident = stack.login(resident_name)
    chat = ChatClient(stack.rasa, {"token": resident["access_token"]})
    staff = _staff(stack)
    try:
        asked = texts(chat.ask("我要转人工客服"))
        assert "正在为您转接人工客服" in asked, asked

        # The queue is the stack's: other modules' conversations may be in it too.
        [queued] = [h for h in staff.get("/api/v1/chat/handoffs").json() if h["sender_id"] == chat.sender_id]
        assert queued["sender_id"] == chat.sender_id and queued["status"] == "waiting"
        assert queued["user_id"] == resident["user"]["id"]

        # Paused: the assistant no longer answers what the resident writes.
        ack = chat.send("我家厨房水管一直在滴水")
        assert ack["ok"], ack
        assert [n for n, _ in chat.pending(3) if n == "bot_uttered"] == []

        accepted = staff.post(f"/api/v1/chat/handoffs/{queued['id']}/accept").json()
        assert accepted["relayed"] is True
        assert chat.wait_for("bot_uttered", timeout=30)["text"] == AGENT_JOINED

        detail = staff.get(f"/api/v1/chat/handoffs/{queued['id']}").json()
        assert detail["transcript_live"] is True
        assert "我家厨房水管一直在滴水" in [t["text"] for t in detail["transcript"]]

        sent = staff.post(f"/api/v1/chat/handoffs/{queued['id']}/messages",
                          json={"text": "请先关闭厨房角阀，师傅一小时内上门。"}).json()
        assert sent["relayed"] is True
        assert chat.wait_for("bot_uttered", timeout=30)["text"] == AGENT_PREFIX + "请先关闭厨房角阀，师傅一小时内上门。"

        closed = staff.post(f"/api/v1/chat/handoffs/{queued['id']}/close").json()
        assert (closed["relayed"], closed["resumed"]) == (True, True)
        assert chat.wait_for("bot_uttered", timeout=30)["text"] == AGENT_LEFT
        tracker = stack.rasa_get(f"/conversations/{chat.sender_id}/tracker").json()
        assert tracker["paused"] is False

        # The assistant answers again.
        assert texts(chat.ask("你好")).strip()
    finally:
        chat.close()
        staff.close()


def test_the_console_api_refuses_residents_even_with_rasa_running(stack, resident_name):
    resident = stack.login(resident_name)
    r = httpx.get(f"{stack.app}/api/v1/chat/handoffs",
                  headers={"Authorization": f"Bearer {resident['access_token']}"}, timeout=30)
    assert (r.status_code, r.json()["error"]["message"]) == (403, "无权访问工作人员功能")
