"""Human handoff in chat: queue the conversation for a person, and relay what staff write.

`action_handoff` files the request (with the last turns) and pauses the conversation, so the
assistant stays quiet while a person answers; outside service hours it records the request
without pausing and offers a repair ticket instead. `action_relay_agent_message` is run by
the app through Rasa's HTTP API whenever staff write: it utters their pending messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import CollectingDispatcher

from actions.common import db
from actions.identity import identity_of
from shuiwu.services import handoff as service
from shuiwu.timeutil import LOCAL_TZ

TRANSCRIPT_TURNS = 20
AGENT_PREFIX = "【人工客服】"
REPAIR_BUTTON = {"title": "在线报修", "payload": "/report_repair"}


def queued_text(position: int, already: bool) -> str:
    ahead = position - 1
    start = "您已在人工客服队列中" if already else "好的，正在为您转接人工客服"
    if ahead <= 0:
        return f"{start}，您是下一位，客服马上就来，请稍候。客服接入后会直接在这里回复您。"
    return f"{start}，您前面还有 {ahead} 位用户在等待，请稍候。客服接入后会直接在这里回复您。"


def after_hours_text(hours: str, logged_in: bool) -> str:
    if logged_in:
        follow_up = "已为您登记留言（包括刚才的对话），客服上班后会尽快在这里或通过站内通知回复您。"
    else:
        follow_up = "您目前未登录，客服无法回访；登录后再留言，客服上班后会尽快回复您。"
    return (f"人工客服的服务时间是每天 {hours}，现在暂时无人值守。{follow_up}"
            "如遇漏水、爆管等紧急情况，请直接在线报修，抢修班组 24 小时值守。")


def recent_transcript(tracker: Tracker, turns: int = TRANSCRIPT_TURNS) -> list[dict[str, str]]:
    """The last user and bot messages: what staff read first."""
    found = []
    for event in tracker.events or []:
        if event.get("event") in ("user", "bot") and event.get("text"):
            at = datetime.fromtimestamp(float(event.get("timestamp") or 0), LOCAL_TZ)
            found.append({"role": event["event"], "text": str(event["text"])[:2000],
                          "at": at.isoformat()})
    return found[-turns:]


class ActionHandoff(Action):
    """The resident asked for a person: they join the queue (or leave a message after hours)."""

    def name(self) -> str:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        identity = identity_of(tracker)
        with db() as session:
            queued = service.request_handoff(
                session,
                sender_id=tracker.sender_id,
                user_id=identity.user_id,
                channel=identity.channel or tracker.get_latest_input_channel(),
                transcript=recent_transcript(tracker),
            )
        if not queued["in_hours"] and queued["status"] == "waiting":
            dispatcher.utter_message(text=after_hours_text(queued["hours"], not identity.anonymous),
                                     buttons=[REPAIR_BUTTON])
            return []
        if queued["status"] == "active":
            dispatcher.utter_message(text="人工客服正在为您服务，请直接说明您的问题。")
        else:
            dispatcher.utter_message(text=queued_text(queued["position"], queued["already_waiting"]))
        return [ConversationPaused()]


class ActionRelayAgentMessage(Action):
    """What staff wrote, shown to the resident in the conversation (run by the app via Rasa)."""

    def name(self) -> str:
        return "action_relay_agent_message"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        with db() as session:
            pending = service.take_pending_messages(session, tracker.sender_id)
        for message in pending:
            text = AGENT_PREFIX + message["text"] if message["from_agent"] else message["text"]
            dispatcher.utter_message(text=text)
        return []
