"""FAQ and outage questions: answered by the knowledge base (anyone may ask, logged in or not)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.common import BlockingAction, db, load_user
from actions.identity import identity_of

log = logging.getLogger(__name__)


def ask_knowledge_base(tracker: Tracker, question: str):
    """The knowledge base's Answer (text, confident, sources, suggestions), or None if it failed."""
    channel = identity_of(tracker).channel or "web"
    try:
        with db() as session:
            try:
                from shuiwu.services.kb import ask
            except ImportError:
                from knowledge_base import answer

                return answer(question)
            return ask(session, load_user(session, tracker), question, channel)
    except Exception:  # the KB's own failures (index missing…) must not end the conversation
        log.exception("knowledge base failed for a chat question")
        return None


def send_answer(dispatcher: CollectingDispatcher, answer) -> None:
    buttons = []
    for item in list(getattr(answer, "suggestions", None) or [])[:3]:
        question = item.get("question") if isinstance(item, dict) else None
        if question:
            buttons.append({"title": question[:30], "payload": question[:200]})
    if not answer.confident and len(buttons) < 3:
        buttons.append({"title": "转人工客服", "payload": "/human_handoff"})
    text = answer.text
    sources = [s.get("title") for s in (getattr(answer, "sources", None) or [])
               if isinstance(s, dict) and s.get("title")]
    if answer.confident and sources:
        text += "\n\n来源：" + "、".join(dict.fromkeys(sources[:3]))
    dispatcher.utter_message(text=text, buttons=buttons)


class ActionAnswerFaq(BlockingAction):
    def name(self) -> str:
        return "action_answer_faq"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        question = (tracker.latest_message.get("text") or "").strip()
        answer = ask_knowledge_base(tracker, question) if question and not question.startswith("/") else None
        if answer is None:
            dispatcher.utter_message(text=messages.FAQ_UNAVAILABLE,
                                     buttons=[{"title": "转人工客服", "payload": "/human_handoff"}])
            return []
        send_answer(dispatcher, answer)
        return []


class ActionWaterOutage(BlockingAction):
    def name(self) -> str:
        return "action_water_outage"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        question = (tracker.latest_message.get("text") or "").strip()
        if question.startswith("/"):
            question = "停水了怎么办，什么时候恢复供水"
        answer = ask_knowledge_base(tracker, question)
        if answer is not None and answer.confident:
            send_answer(dispatcher, answer)
            return []
        dispatcher.utter_message(text=messages.OUTAGE_FALLBACK, buttons=[
            {"title": "我要报修", "payload": "/report_repair"},
            {"title": "转人工客服", "payload": "/human_handoff"},
        ])
        return []
