"""What every household action shares: the database session, the verified user, which household.

Actions are thin: they find out who is asking (actions/identity.py), load that user from the
database and call the domain services with them as the actor, which enforce permissions.
"""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions import messages
from actions.identity import identity_of
from shuiwu.models import Household, Role, User
from shuiwu.timeutil import today_local

log = logging.getLogger(__name__)


class BlockingAction(Action, ABC):
    """An action whose work blocks (database, knowledge base, models): it runs in a worker
    thread, so one slow answer does not hold up every other conversation in the app."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        return await asyncio.to_thread(self.work, dispatcher, tracker, domain)

    @abstractmethod
    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        """What run() would do, synchronously."""


def today() -> date:
    return today_local()


@contextmanager
def db() -> Iterator[Session]:
    from shuiwu.db import session_scope

    with session_scope() as session:
        yield session


def current_intent(tracker: Tracker) -> str | None:
    # Button payloads ("/query_bill") may come without a ranking; fall back to the intent.
    return tracker.get_intent_of_latest_message(skip_fallback_intent=True) or (
        tracker.latest_message.get("intent") or {}
    ).get("name")


def latest_entity(tracker: Tracker, name: str) -> str | None:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == name and entity.get("value") not in (None, ""):
            return str(entity["value"])
    return None


def load_user(session: Session, tracker: Tracker) -> User | None:
    """The verified, active user of this conversation, with a live login session on the web
    channel; None for a visitor (or a session that has ended: they are asked to log in)."""
    identity = identity_of(tracker)
    if identity.anonymous:
        return None
    user = session.get(User, identity.user_id)
    if user is None or not user.is_active:
        return None
    if identity.channel == "web":
        # The token the chat socket was opened with may outlive its login session (logout,
        # "不是我本人", password change end it at once): no personal data after that.
        from shuiwu.errors import Unauthorized
        from shuiwu.services import sessions

        try:
            sessions.check(session, identity.session_id, user)
        except Unauthorized:
            return None
    return user


def ask_to_login(dispatcher: CollectingDispatcher, intent: str | None) -> None:
    dispatcher.utter_message(text=messages.household_needs_login(intent))
    dispatcher.utter_message(json_message={"type": "login", "url": messages.LOGIN_URL})


def intent_payload(intent: str, **entities: Any) -> str:
    """A button payload that re-asks `intent` with entities: /query_bill{"account_no":"…"}."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def household_label(household: Household) -> str:
    place = f"{household.district}{household.community}".strip()
    return f"{household.account_no}（{place}）" if place else household.account_no


@dataclass
class Resolved:
    user: User | None
    household: Household | None

    @property
    def ok(self) -> bool:
        return self.household is not None


def resolve_household(
    session: Session, tracker: Tracker, dispatcher: CollectingDispatcher, intent: str | None
) -> Resolved:
    """The resident's household this request is about, or None after telling them what is missing:
    log in (visitors), bind one (none bound), or pick one (several bound: buttons)."""
    from shuiwu.services.households import list_households

    user = load_user(session, tracker)
    if user is None:
        ask_to_login(dispatcher, intent)
        return Resolved(None, None)
    if user.role is not Role.RESIDENT:
        dispatcher.utter_message(text=messages.STAFF_USE_CONSOLE)
        return Resolved(user, None)
    households = list_households(session, user)
    if not households:
        dispatcher.utter_message(
            text=messages.household_needs_binding(intent),
            buttons=[{"title": "绑定户号", "payload": "/bind_account"}],
        )
        return Resolved(user, None)
    wanted = latest_entity(tracker, "account_no") or tracker.get_slot("account_no")
    chosen = next((h for h in households if wanted and h.account_no == wanted.strip()), None)
    if chosen is None and len(households) == 1:
        chosen = households[0]
    if chosen is None:
        dispatcher.utter_message(
            text=messages.WHICH_HOUSEHOLD.format(count=len(households)),
            buttons=[
                {"title": household_label(h), "payload": intent_payload(intent or "query_bill", account_no=h.account_no)}
                for h in households[:5]
            ],
        )
    return Resolved(user, chosen)
