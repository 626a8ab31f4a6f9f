"""The chat widget in Chromium against the real app and the real Rasa server: a resident logs
in, opens the widget, asks for the bill, uses a quick reply and sends a meter photo."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DIST
from tests.browser.test_portal import sign_in
from tests.channels.test_web_channel import this_month

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def stack(request):
    if not (DIST / "widget" / "widget.js").is_file():
        pytest.fail("挂件尚未构建：cd web_widget && npm run build", pytrace=False)
    return request.getfixturevalue("chat_stack")


@pytest.fixture(scope="module")
def resident_name(stack):
    return stack.new_resident("widget_resident")


def meter_photo() -> bytes:
    """A real JPEG: a dark counter window with white digits on a grey meter face."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (150, 155, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((140, 190, 500, 270), fill=(20, 20, 20))
    for i, digit in enumerate("00386"):
        draw.text((170 + i * 64, 215), digit, fill=(245, 245, 245))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def open_chat_on_a_phone(stack, open_page, username: str):
    """A phone-sized page, signed in as `username`, with the chat window open and greeted."""
    page = open_page(width=360, height=740)
    page.goto(stack.app + "/login")
    sign_in(page, stack.app, username)
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.get_by_role("button", name="在线客服").click()
    dialog = page.get_by_role("dialog", name="智慧水务在线客服")
    expect(dialog).to_be_visible()
    log = dialog.get_by_role("log", name="对话记录")
    expect(log).to_contain_text("您好")
    return page, dialog, log


def test_a_resident_chats_in_the_widget_on_a_phone(stack, resident_name, open_page):
    page, dialog, log = open_chat_on_a_phone(stack, open_page, resident_name)
    expect(dialog).to_contain_text("已登录")
    box = dialog.get_by_role("textbox", name="输入您的问题")
    expect(box).to_be_focused()

    # The bill, with this resident's own amount.
    box.fill("我家这个月水费多少")
    box.press("Enter")
    expect(log.locator(".msg.user").last).to_have_text("我家这个月水费多少")
    account_no, amount = this_month(stack, stack.login(resident_name))
    expect(log.locator(".msg.bot").last).to_contain_text(f"{amount:.2f} 元", timeout=60_000)
    expect(log.locator(".msg.bot").last).to_contain_text(account_no)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "360px 宽度下出现横向滚动"

    # A quick-reply button: a repair asks which kind of problem, with buttons; one click answers.
    box.fill("我要报修")
    box.press("Enter")
    replies = log.get_by_role("group", name="快捷回复").last
    first = replies.get_by_role("button").first
    expect(first).to_be_visible(timeout=60_000)
    title = first.inner_text()
    bots = log.locator(".msg.bot").count()
    first.click()
    expect(log.locator(".msg.user").last).to_have_text(title)
    expect(first).to_be_disabled()
    expect(log.locator(".msg.bot")).not_to_have_count(bots, timeout=60_000)
    expect(dialog.locator(".typing")).to_be_hidden(timeout=60_000)

    # A photo: uploaded with the resident's token, then sent with its upload id.
    bots = log.locator(".msg.bot").count()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/uploads")) as uploaded:
        dialog.get_by_label("上传照片或拍照").set_input_files(
            {"name": "meter.jpg", "mimeType": "image/jpeg", "buffer": meter_photo()}
        )
    assert uploaded.value.status == 201, uploaded.value.text()
    photo = log.locator(".msg.user").last
    expect(photo.get_by_role("img")).to_be_visible()
    expect(photo).not_to_contain_text("失败")
    expect(photo).not_to_contain_text("等待发送", timeout=30_000)
    expect(log.locator(".msg.bot")).not_to_have_count(bots, timeout=60_000)

    # The conversation is still there after a reload, and the window too.
    page.reload()
    expect(page.get_by_role("dialog", name="智慧水务在线客服")).to_be_visible()
    expect(page.get_by_role("log", name="对话记录")).to_contain_text("我家这个月水费多少")


def test_a_repair_is_filed_only_after_the_summary_is_confirmed(stack, open_page):
    from sqlalchemy import func, select

    from shuiwu.models import Ticket, User

    name = stack.new_resident("widget_repair")
    with stack.session() as session:
        user_id = session.scalar(select(User.id).where(User.username == name))

    def tickets() -> int:
        with stack.session() as session:
            return session.scalar(select(func.count(Ticket.id)).where(Ticket.reporter_id == user_id))

    page, dialog, log = open_chat_on_a_phone(stack, open_page, name)
    box = dialog.get_by_role("textbox", name="输入您的问题")

    for text, asked in (("家里厨房水管漏水了", "具体位置"), ("厨房水槽下面", "描述"),
                        ("接头一直滴水", "联系"), ("明天上午", "请核对报修信息")):
        box.fill(text)
        box.press("Enter")
        expect(log.locator(".msg.bot").last).to_contain_text(asked, timeout=60_000)
    summary = log.locator(".msg.bot").last
    # The summary is a readable list, with the resident's own words, and nothing is filed yet.
    expect(summary.locator("li")).to_have_count(4)
    expect(summary).to_contain_text("厨房水槽下面")
    expect(summary).to_contain_text("明天上午")
    assert tickets() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "360px 宽度下出现横向滚动"

    log.get_by_role("group", name="快捷回复").last.get_by_role("button", name="确认提交").click()
    expect(log.locator(".msg.bot").last).to_contain_text("报修已提交", timeout=60_000)
    assert tickets() == 1


def test_an_anonymous_visitor_on_another_site_is_asked_to_log_in(stack, open_page):
    page = open_page()
    page.set_content(
        f'<h1>合作方页面</h1><p class="host">宿主样式</p><script src="{stack.app}/widget/widget.js"></script>'
    )
    page.get_by_role("button", name="在线客服").click()
    dialog = page.get_by_role("dialog", name="智慧水务在线客服")
    expect(dialog).to_contain_text("访客")
    expect(dialog.get_by_label("上传照片或拍照")).to_be_hidden()
    box = dialog.get_by_role("textbox", name="输入您的问题")
    box.fill("我家这个月水费多少")
    box.press("Enter")
    answer = dialog.get_by_role("log").locator(".msg.bot").last
    expect(answer).to_contain_text("登录", timeout=60_000)
    # Our /login link points back at the service, not at the host site.
    expect(answer.get_by_role("link").first).to_have_attribute("href", re.compile(rf"^{re.escape(stack.app)}/"))
    # Nothing of the widget leaks into the host page.
    assert page.evaluate(
        "typeof window.Vue === 'undefined' && document.styleSheets.length === 0"
        " && getComputedStyle(document.querySelector('.host')).color === 'rgb(0, 0, 0)'"
    )
    # Keyboard: Escape closes the window and gives focus back to the launcher.
    box.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="在线客服")).to_be_focused()
