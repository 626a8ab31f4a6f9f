"""Household-specific requests (bills, usage, repairs, readings…) asked in chat."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import messages


class ActionHouseholdRequest(Action):
    """Tells the resident that this request needs a logged-in, bound household.

    Chat has no verified identity yet (the authenticated channel comes later), so the
    answer names the capability asked for and points to the portal instead of guessing.
    """

    def name(self) -> str:
        return "action_household_request"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[dict[str, Any]]:
        # Button payloads ("/query_bill") may come without a ranking; fall back to the intent.
        intent = tracker.get_intent_of_latest_message(skip_fallback_intent=True) or (
            tracker.latest_message.get("intent") or {}
        ).get("name")
        dispatcher.utter_message(text=messages.household_needs_login(intent))
        return []
