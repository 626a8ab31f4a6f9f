"""The Rasa action endpoint: Rasa's action calls run our actions; bad calls get a Chinese error."""

from __future__ import annotations

import zlib

from actions import messages


def action_call(action: str, intent: str, text: str) -> dict:
    """A call as Rasa 3.6 sends it after the resident said `text`."""
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97},
        "intent_ranking": [
            {"name": intent, "confidence": 0.97},
            {"name": "greet", "confidence": 0.01},
        ],
        "entities": [],
    }
    return {
        "next_action": action,
        "sender_id": "resident-1",
        "version": "3.6.21",
        "domain": {"intents": [intent, "greet"], "entities": [], "slots": {}, "responses": {},
                   "actions": [action]},
        "tracker": {
            "sender_id": "resident-1",
            "slots": {},
            "latest_message": parse,
            "latest_event_time": 1700000000.0,
            "paused": False,
            "events": [
                {"event": "action", "name": "action_session_start", "timestamp": 1700000000.0},
                {"event": "session_started", "timestamp": 1700000000.0},
                {"event": "action", "name": "action_listen", "timestamp": 1700000000.0},
                {"event": "user", "text": text, "parse_data": parse, "timestamp": 1700000000.0},
            ],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
    }


def test_a_visitors_bill_question_is_asked_to_log_in(client):
    # "resident-1" with no verified channel metadata is a visitor (actions/identity.py).
    response = client.post(
        "/webhook", json=action_call("action_show_bill", "query_bill", "这个月水费多少")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["events"] == []
    assert body["responses"][0]["text"] == messages.household_needs_login("query_bill")
    assert "查询水费账单" in body["responses"][0]["text"]


def test_each_household_intent_gets_its_own_wording(client):
    repair = client.post(
        "/webhook", json=action_call("action_check_household", "report_repair", "漏水了")
    )
    assert "在线报修" in repair.json()["responses"][0]["text"]


def test_compressed_calls_are_accepted(client):
    # Rasa deflates calls when COMPRESS_ACTION_SERVER_REQUEST=true.
    import json

    raw = json.dumps(action_call("action_check_household", "pay_bill", "交水费")).encode()
    response = client.post(
        "/webhook", content=zlib.compress(raw),
        headers={"Content-Encoding": "deflate", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert "缴纳水费" in response.json()["responses"][0]["text"]


def test_unknown_action_is_404_with_a_chinese_message(client):
    response = client.post("/webhook", json=action_call("action_no_such_thing", "greet", "你好"))
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["code"] == "action_not_found"
    assert body["error"]["message"] == "找不到自定义动作“action_no_such_thing”"
    assert body["action_name"] == "action_no_such_thing"


def test_malformed_json_is_400_with_a_chinese_message(client):
    response = client.post(
        "/webhook", content=b'{"next_action": "action_household_request", ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "请求体不是有效的 JSON 对象"


def test_a_call_without_tracker_is_400(client):
    response = client.post("/webhook", json={"next_action": "action_household_request"})
    assert response.status_code == 400
    assert "tracker" in response.json()["error"]["message"]
    response = client.post("/webhook", json=["not", "an", "object"])
    assert response.status_code == 400
    response = client.post("/webhook", json={"tracker": {"sender_id": "x"}})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "请求体缺少要运行的动作名（next_action）"


def test_health(client):
    assert client.get("/webhook/health").json() == {"status": "ok"}
