"""Staff edit an FAQ entry in the console; a resident on a phone asks on the FAQ page and gets
the new answer, opens the cited entry and rates it — the real app, the real engine, Chromium."""

from __future__ import annotations

import re
import shutil

import httpx
import pytest
from playwright.sync_api import expect

from tests.api.kb_helpers import seed_kb
from tests.conftest import DEMO_PASSWORD
from tests.servers import running_app

# Building the search index of the whole knowledge base takes a minute or more on a busy machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

NEW_TEXT = "过户手续费已全部取消，在微信公众号提交材料后两个工作日内办结"


@pytest.fixture
def kb_server(db_url, session, tmp_path):
    """The app with its own data directory: this test's keys plus a copy of the search index
    this process built (embedding the whole knowledge base again would take a minute)."""
    from tests.browser.conftest import DIST

    if not (DIST / "index.html").is_file():
        pytest.fail("前端尚未构建：请先 cd web_widget && npm run build", pytrace=False)
    from shuiwu.config import get_settings
    from shuiwu.services import kb

    seed_kb(session)
    kb.sync_engine(session)
    data = get_settings().data_dir
    server_dir = tmp_path / "server-data"
    if data.is_dir():  # keys this process wrote (not every run writes any)
        shutil.copytree(data, server_dir, ignore=shutil.ignore_patterns("chroma"))
    shutil.copytree(kb.engine().settings.location, server_dir / "chroma")
    with running_app(env={"DATA_DIR": str(server_dir)}) as base:
        # The first question loads the embedding model; do it before the browser is waiting.
        r = httpx.post(f"{base}/api/v1/kb/ask", json={"question": "怎么交水费"}, timeout=400)
        assert r.status_code == 200, r.text
        yield base


def sign_in(page, base, username):
    page.goto(base + "/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(base + "/login")


def test_staff_edit_an_answer_and_a_resident_sees_it_on_the_faq_page(kb_server, open_page, make_user, session):
    staff = make_user("staff", username="kb_editor", display_name="客服 王芳")
    resident = make_user("resident", username="li_na")

    # Staff find 办理过户要收费吗？ in the console and rewrite its answer.
    console = open_page()
    sign_in(console, kb_server, staff.username)
    console.goto(kb_server + "/console/knowledge")
    console.locator("input[name=kb_q]").fill("acct-03")
    console.get_by_role("button", name="查询").click()
    row = console.locator(".el-table__row", has_text="办理过户要收费吗")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="编辑").click()
    body = console.locator("textarea[name=kb_body]")
    expect(body).to_have_value(re.compile("不收取任何手续费"))
    body.fill(NEW_TEXT + "。过户时只需结清截至分界读数的水费。")
    console.locator("input[name=kb_note]").fill("过户费政策更新")
    console.locator("[data-test=kb-save]").click()
    expect(console.get_by_text("已保存为第 2 版，立即生效")).to_be_visible()

    # History shows the change as removed and added lines.
    row.get_by_role("button", name="历史").click()
    newest = console.locator("section.version[data-version='2']")
    expect(newest.locator(".line.added")).to_contain_text(NEW_TEXT)
    expect(newest.locator(".line.removed")).to_contain_text("不收取任何手续费")
    expect(newest).to_contain_text("过户费政策更新")

    # A resident on a phone asks in their own words and gets the new answer at once.
    phone = open_page(width=360, height=760)
    sign_in(phone, kb_server, resident.username)
    phone.goto(kb_server + "/faq")
    phone.locator("input[name=kb_question]").fill("过户要交手续费吗")
    phone.get_by_role("button", name="问智能客服").click()
    answer = phone.locator("[data-test=kb-answer]")
    expect(answer).to_contain_text(NEW_TEXT)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The cited source opens the full entry; 没帮助 sends the question to the staff queue.
    answer.get_by_role("link", name="办理过户要收费吗？").click()
    expect(phone).to_have_url(kb_server + "/faq?entry=acct-03")
    entry = phone.locator("[data-test=kb-entry]")
    expect(entry).to_contain_text(NEW_TEXT)
    entry.get_by_role("button", name="没帮助").click()
    expect(entry.get_by_role("status")).to_contain_text("感谢反馈")

    console.keyboard.press("Escape")
    console.get_by_role("tab", name="待处理问题").click()
    expect(console.locator(".q-item", has_text="办理过户要收费吗")).to_contain_text("居民点了没帮助")
