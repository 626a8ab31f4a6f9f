"""The console's 人工客服 page in Chromium: a resident's handed-over chat in the queue, accepted,
answered and closed; Rasa's HTTP API answered at the boundary by tests/api/rasa_boundary.py."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from actions.handoff import AGENT_PREFIX
from shuiwu.models import StaffFunction
from shuiwu.payment_gateways import local
from shuiwu.services.handoff import AGENT_JOINED, AGENT_LEFT
from tests.api.rasa_boundary import FakeRasa
from tests.browser.test_portal import sign_in
from tests.servers import running_app

pytestmark = pytest.mark.browser


def test_customer_service_answers_a_handed_over_chat(db_url, open_page, make_user):
    resident = make_user("resident", display_name="赵敏")
    agent = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE, display_name="客服 陈静")
    rasa = FakeRasa(webhook_url="", token="console-test-token")
    rasa_server = local.serve(rasa.asgi())
    env = {"RASA_URL": rasa_server.url, "RASA_TOKEN": rasa.token, "HANDOFF_HOURS": "0:00-23:59"}
    try:
        with running_app(env=env) as base:
            rasa.webhook_url = base + "/webhook"
            sender = f"user-{resident.id}"
            auth = {"auth": {"user_id": resident.id, "role": "resident", "channel": "web"}}
            rasa.user_says(sender, "水表一直在转，家里没开水", intent="complain", metadata=auth)
            rasa.user_says(sender, "我要找人工", intent="human_handoff", metadata=auth)
            rasa.run_action(sender, "action_handoff")

            page = open_page()
            page.goto(base + "/login")
            sign_in(page, base, agent.username)
            expect(page).not_to_have_url(re.compile(r"/login"))
            page.goto(base + "/console/chats")
            item = page.get_by_role("button", name="赵敏")
            expect(item).to_contain_text("第 1 位")
            expect(item).to_contain_text("我要找人工")
            item.click()

            log = page.get_by_role("log", name="对话记录")
            expect(log).to_contain_text("水表一直在转，家里没开水")
            page.get_by_role("button", name="接待").click()
            expect(log).to_contain_text(AGENT_JOINED)
            assert rasa.delivered[sender][-1] == AGENT_JOINED

            page.get_by_role("textbox", name="回复内容").fill("请关闭总阀看看水表是否还在转。")
            page.get_by_role("button", name="发送").click()
            expect(log).to_contain_text(AGENT_PREFIX + "请关闭总阀看看水表是否还在转。")
            assert rasa.trackers[sender]["paused"] is True

            page.get_by_role("button", name="结束服务").click()
            page.get_by_role("dialog").get_by_role("button", name="结束").click()
            expect(page.get_by_text("暂无等待人工服务的居民")).to_be_visible()
            assert rasa.delivered[sender][-1] == AGENT_LEFT
            assert rasa.trackers[sender]["paused"] is False
    finally:
        rasa_server.stop()
