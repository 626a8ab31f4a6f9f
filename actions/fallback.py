"""When the assistant does not understand: two or three suggestions, and a human the second time."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import messages

SUGGESTIONS = [
    {"title": "查询水费", "payload": "/query_bill"},
    {"title": "停水咨询", "payload": "/water_outage"},
    {"title": "在线报修", "payload": "/report_repair"},
]
HANDOFF = [
    {"title": "转人工客服", "payload": "/human_handoff"},
    {"title": "查询水费", "payload": "/query_bill"},
]


def stuck_before(tracker: Tracker) -> bool:
    """Was the user message before this one also not understood?"""
    seen = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        seen += 1
        if seen == 2:
            intent = (event.get("parse_data") or {}).get("intent") or {}
            return intent.get("name") == "nlu_fallback"
    return False


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        if (tracker.active_loop or {}).get("name"):
            # The form asks its own question again next; other topics' buttons would lead away.
            dispatcher.utter_message(text=messages.FALLBACK_IN_FORM)
            return []
        if stuck_before(tracker):
            dispatcher.utter_message(text=messages.FALLBACK_TWICE, buttons=HANDOFF)
        else:
            dispatcher.utter_message(text=messages.FALLBACK, buttons=SUGGESTIONS)
        return []
