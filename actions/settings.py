"""Personal settings asked in chat: where to change them (the portal's settings page)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.common import BlockingAction, ask_to_login, db, load_user


class ActionUpdateSettings(BlockingAction):
    def name(self) -> str:
        return "action_update_settings"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        with db() as session:
            if load_user(session, tracker) is None:
                ask_to_login(dispatcher, "update_settings")
                return []
        # Phone numbers and passwords change only with a code or the old password: on the
        # settings page, never by a chat message anyone at an unlocked screen could type.
        dispatcher.utter_message(
            text=(f"手机号、邮箱、密码和通知方式请在[个人设置]({messages.SETTINGS_URL})中修改："
                  "修改手机号需要短信验证码，修改密码需要输入原密码，这样更安全。"))
        return []
