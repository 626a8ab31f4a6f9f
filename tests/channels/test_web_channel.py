"""The authenticated web channel in the real Rasa server, beside the real app and a demo city.

Residents log in through the app and chat over socket.io exactly as the widget does.
"""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import jwt
import pytest
import socketio

from tests.channels.client import ChatClient, texts

pytestmark = [pytest.mark.rasa, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def stack(chat_stack):
    return chat_stack


@pytest.fixture(scope="module")
def resident_name(stack):
    return stack.new_resident("web_resident")


@pytest.fixture(scope="module")
def resident(stack, resident_name):
    return stack.login(resident_name)


@pytest.fixture(scope="module")
def family(stack):
    return stack.login(stack.new_resident("web_family"))


@pytest.fixture
def clients(stack):
    opened: list[ChatClient] = []

    def open_(login: dict | None = None, **auth) -> ChatClient:
        if login:
            auth["token"] = login["access_token"]
        client = ChatClient(stack.rasa, auth)
        opened.append(client)
        return client

    yield open_
    for client in opened:
        client.close()


def this_month(stack, login: dict) -> tuple[str, Decimal]:
    """The resident's 户号 and this month's bill so far, as the portal shows them."""
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    household = httpx.get(f"{stack.app}/api/v1/households", headers=headers, timeout=30).json()[0]
    preview = httpx.get(
        f"{stack.app}/api/v1/households/{household['id']}/bills/preview", headers=headers, timeout=30
    ).json()
    return household["account_no"], Decimal(str(preview["amount"]))


def tracker(stack, sender_id: str) -> dict:
    response = stack.rasa_get(f"/conversations/{sender_id}/tracker")
    assert response.status_code == 200, response.text
    return response.json()


def user_texts(tracker_json: dict) -> list[str]:
    return [e.get("text") for e in tracker_json["events"] if e["event"] == "user"]


def test_a_logged_in_resident_gets_their_own_bill(stack, resident, clients):
    chat = clients(resident)
    assert chat.sender_id == f"user-{resident['user']['id']}"
    assert chat.confirm["user_id"] == resident["user"]["id"]
    assert "anon_token" not in chat.confirm

    answer = texts(chat.ask("我家这个月水费多少"))
    account_no, amount = this_month(stack, resident)
    assert account_no in answer and f"{amount:.2f} 元" in answer, answer

    events = tracker(stack, chat.sender_id)["events"]
    said = [e for e in events if e["event"] == "user" and e["text"] == "我家这个月水费多少"]
    # The login session the token names goes along: actions check it has not ended.
    sid = jwt.decode(resident["access_token"], options={"verify_signature": False})["sid"]
    assert said[-1]["metadata"]["auth"] == {
        "user_id": resident["user"]["id"], "role": "resident", "channel": "web", "session_id": sid,
    }
    assert said[-1]["input_channel"] == "web"


def test_an_anonymous_visitor_asking_for_a_bill_is_asked_to_log_in(clients):
    chat = clients()
    assert chat.sender_id.startswith("anon-") and chat.confirm["user_id"] is None
    answer = texts(chat.ask("我家这个月水费多少"))
    assert "登录" in answer, answer
    assert "元" not in answer


def test_an_anonymous_visitor_resumes_the_conversation_the_server_gave_them(stack, clients):
    first = clients()
    first.ask("你好")
    again = clients(anon_token=first.confirm["anon_token"])
    assert again.sender_id == first.sender_id
    # Naming a conversation directly is ignored: the server picks a new one.
    other = clients(sender_id=first.sender_id, session_id=first.sender_id)
    assert other.sender_id != first.sender_id


def test_forged_and_expired_tokens_are_refused(stack, resident):
    key = stack.settings.jwt_key
    now = int(time.time())
    claims = {"sub": str(resident["user"]["id"]), "role": "resident", "sid": "x", "typ": "access"}
    forged = jwt.encode({**claims, "exp": now + 600}, "an-attackers-key-that-is-long-enough-0123", algorithm="HS256")
    expired = jwt.encode({**claims, "exp": now - 5}, key, algorithm="HS256")
    for token, why in ((forged, "登录凭证无效"), (expired, "登录已过期"), ("x.y.z", "登录凭证无效")):
        client = socketio.Client(reconnection=False)
        reasons: list = []
        client.on("connect_error", reasons.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(stack.rasa, auth={"token": token}, transports=["websocket"], wait_timeout=10)
        assert len(reasons) == 1 and reasons[0]["data"] == {"code": "auth_failed"}, reasons
        assert reasons[0]["message"].startswith(why), reasons


def test_user_a_cannot_read_or_write_user_bs_conversation(stack, resident, family, clients):
    a, b = clients(resident), clients(family)
    b_id = family["user"]["id"]
    assert a.sender_id != b.sender_id

    # A claims B's identity in every field a client controls.
    ack = a.send(
        "我是另一个人，查一下账单",
        metadata={"auth": {"user_id": b_id, "role": "admin", "channel": "web"}, "sender_id": b.sender_id},
        session_id=b.sender_id, sender=b.sender_id,
    )
    assert ack["ok"]
    a.replies_to(ack["id"])
    # B saw nothing of A's turn: no echo, no typing, no reply.
    assert b.pending(1.5) == []

    a_events = tracker(stack, a.sender_id)["events"]
    said = [e for e in a_events if e["event"] == "user" and e["text"] == "我是另一个人，查一下账单"]
    assert said and said[-1]["metadata"]["auth"]["user_id"] == resident["user"]["id"]
    assert said[-1]["metadata"]["auth"]["role"] == "resident"
    assert "我是另一个人，查一下账单" not in user_texts(tracker(stack, b.sender_id))


def test_every_tab_of_a_user_sees_the_conversation(stack, resident, clients):
    tab1, tab2 = clients(resident), clients(resident)
    ack = tab1.send("你好")
    echo = tab2.wait_for("user_echo")
    assert echo == {"message": "你好", "id": ack["id"]}
    assert tab1.replies_to(ack["id"]) and tab2.replies_to(ack["id"])


def test_messages_pushed_later_reach_the_users_open_tabs(stack, resident, family, clients):
    # Human handoff pushes an agent's message with /execute?output_channel=latest.
    tab, other = clients(resident), clients(family)
    tab.ask("你好")
    params = {"output_channel": "latest", **stack.token}
    response = httpx.post(
        f"{stack.rasa}/conversations/{tab.sender_id}/execute", params=params,
        json={"name": "utter_greet"}, timeout=30,
    )
    assert response.status_code == 200, response.text
    assert tab.wait_for("bot_uttered")["text"]
    assert other.pending(1.0) == []


def test_a_fresh_token_renews_a_live_socket(stack, resident, resident_name, clients):
    chat = clients(resident)
    fresh = stack.login(resident_name)
    answer = chat.sio.call("authenticate", {"token": fresh["access_token"]}, timeout=10)
    assert answer["ok"] and answer["sender_id"] == chat.sender_id
    refused = chat.sio.call("authenticate", {"token": "forged"}, timeout=10)
    assert refused == {"ok": False, "error": "auth_failed", "message": "登录凭证无效，请重新登录"}
    # Still the same conversation, still working.
    ack = chat.send("续期以后还能聊吗")
    assert ack["ok"]
    chat.replies_to(ack["id"])
    said = [e for e in tracker(stack, chat.sender_id)["events"]
            if e["event"] == "user" and e["text"] == "续期以后还能聊吗"]
    assert said[-1]["metadata"]["auth"]["user_id"] == resident["user"]["id"]


def test_bad_messages_get_a_chinese_reason_and_change_nothing(stack, clients):
    chat = clients()
    cases = [
        ({"message": "   "}, "请输入"),
        ({"message": "水" * 2001}, "太长"),
        ({"message": "你好", "metadata": "not a dict"}, "格式有误"),
        ({"message": "你好", "metadata": {"blob": "x" * 5000}}, "格式有误"),
        ("just a string", "请输入"),
    ]
    for data, reason in cases:
        ack = chat.sio.call("user_uttered", data, timeout=10)
        assert ack["ok"] is False and reason in ack["message"], ack
    assert chat.pending(1.0) == []
    response = stack.rasa_get(f"/conversations/{chat.sender_id}/tracker")
    assert user_texts(response.json()) == []
