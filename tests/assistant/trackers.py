"""Run custom actions the way the app's /webhook does, against trackers built like Rasa's."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from shuiwu.config import ROOT

DOMAIN = yaml.safe_load((ROOT / "assistant" / "domain.yml").read_text(encoding="utf-8"))


def live_session(user_id: int) -> str:
    """A login session of the user, as signing in makes one (its id is what the token names)."""
    from shuiwu.db import session_scope
    from shuiwu.models import User
    from shuiwu.services import sessions

    with session_scope() as s:
        issued = sessions.start(s, s.get(User, user_id), method="password", remember=False,
                                ip="127.0.0.1", user_agent="pytest", device_id="pytest")
        return issued.auth.id


def auth(user, session_id: str | None = None) -> dict[str, Any]:
    """What the verified web channel sets for a logged-in user: sender id and metadata (with a
    live login session unless `session_id` names another)."""
    sid = session_id or live_session(user.id)
    return {"sender": f"user-{user.id}", "metadata": {"auth": {
        "user_id": user.id, "role": user.role.value, "channel": "web", "session_id": sid}}}


def anonymous() -> dict[str, Any]:
    return {"sender": f"anon-{uuid.uuid4().hex[:12]}", "metadata": {"auth": {"user_id": None, "role": None, "channel": "web"}}}


def tracker(
    text: str,
    intent: str,
    *,
    sender: str,
    metadata: dict | None = None,
    entities: list[dict] | None = None,
    slots: dict[str, Any] | None = None,
    events: list[dict] | None = None,
    active_loop: str | None = None,
    confidence: float = 0.99,
) -> Tracker:
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots or {})
    history = list(events or []) + [{"event": "user", "text": text, "parse_data": message, "metadata": metadata or {}}]
    return Tracker(
        sender_id=sender,
        slots=all_slots,
        latest_message=message,
        events=history,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action, t: Tracker) -> tuple[list[dict], list[dict]]:
    """(messages the resident sees, events returned) of one action run."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, t, DOMAIN)
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    return dispatcher.messages, list(result or [])


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
