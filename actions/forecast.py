"""Usage forecast in chat: the forecasting service's outlook for the resident's household."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import BlockingAction, db, resolve_household
from shuiwu.errors import DomainError

log = logging.getLogger(__name__)
NOT_READY = "用水预测功能正在接入中，暂时无法给出预测。您可以先问我“最近的用水量”看看用水趋势。"
FAILED = "抱歉，这次没能算出预测结果，请稍后再试。您可以先看看最近的用水量。"


class ActionForecastUsage(BlockingAction):
    def name(self) -> str:
        return "action_forecast_usage"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        with db() as session:
            found = resolve_household(session, tracker, dispatcher, "forecast_usage")
            if not found.ok:
                return []
            try:
                from shuiwu.services.forecasts import household_outlook
            except ImportError:
                dispatcher.utter_message(text=NOT_READY)
                return []
            try:
                outlook = household_outlook(session, found.user, found.household.id, days=30)
            except DomainError as exc:
                dispatcher.utter_message(text=exc.message)
                return []
            except Exception:  # a model failing on odd data must not end the conversation
                log.exception("forecast failed in chat")
                dispatcher.utter_message(text=FAILED, buttons=[{"title": "查看用水量", "payload": "/query_usage"}])
                return []
        dispatcher.utter_message(text=outlook.get("text") or FAILED)
        if outlook.get("chart"):
            dispatcher.utter_message(json_message={
                "type": "chart", "title": "未来 30 天用水预测", "option": outlook["chart"]})
        return []
