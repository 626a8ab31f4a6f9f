"""The console's 报修工单 page in Chromium: customer service dispatch a resident's repair ticket,
the field repairer sees only that one, starts it and reports it repaired (a 处理结果 is required),
and the resident is told of each step. On a phone the queue is a list that fits the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shuiwu.models import Notification, StaffFunction, Ticket, TicketStatus
from shuiwu.services import tickets
from tests.api.homes import make_home
from tests.browser.test_portal import sign_in

pytestmark = pytest.mark.browser

ADDRESS = "清河市东湖区滨江路01号"  # make_home's address for account 0601000001
PHONE = "13900001111"


def file_ticket(session, resident, home, **kw):
    fields = {"category": "leak", "location": "厨房水槽下面", "description": "接头一直在滴水，柜子湿了",
              "contact_time": "工作日晚上"} | kw
    ticket = tickets.create_ticket(session, resident, home.id, **fields)
    session.commit()
    return ticket


def open_console(open_page, live_server, username, **size):
    page = open_page(**size)
    page.goto(live_server + "/console/tickets")
    sign_in(page, live_server, username)
    expect(page).to_have_url(live_server + "/console/tickets")
    expect(page.get_by_role("heading", name="报修工单")).to_be_visible()
    return page


def drawer_of(page, ticket):
    return page.get_by_role("dialog", name=f"报修单 {ticket.ticket_no}")


def test_clerk_dispatches_and_the_repairer_reports_it_repaired(session, live_server, open_page, make_user):
    resident = make_user("resident")
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE, display_name="王芳")
    fixer = make_user("staff", staff_function=StaffFunction.FIELD_REPAIR, display_name="李强")
    home = make_home(session, "0601000001", owner=resident)
    leak = file_ticket(session, resident, home)
    other = file_ticket(session, resident, home, category="low_pressure", location="卫生间",
                        description="淋浴水压很小", contact_time="周末全天")

    # Customer service see both tickets, waiting to be dispatched.
    clerk_page = open_console(open_page, live_server, clerk.username)
    expect(clerk_page.get_by_test_id("ticket-count")).to_have_text("共 2 张")
    row = clerk_page.locator(".ticket-table .el-table__row", has_text=leak.ticket_no)
    for text in ("0601000001", "漏水/爆管", "待派单", "未派单", "位置：厨房水槽下面"):
        expect(row).to_contain_text(text)

    # The detail: where to go, whom to call, what is wrong, and the progress so far.
    row.get_by_role("button", name=leak.ticket_no).click()
    drawer = drawer_of(clerk_page, leak)
    expect(drawer).to_contain_text(ADDRESS)
    expect(drawer.get_by_role("link", name=PHONE)).to_have_attribute("href", f"tel:{PHONE}")
    expect(drawer).to_contain_text("接头一直在滴水，柜子湿了")
    expect(drawer.locator(".timeline")).to_contain_text("居民在线报修")

    # Dispatching needs someone chosen; then it goes to 李强.
    drawer.get_by_role("button", name="派单", exact=True).click()
    expect(drawer).to_contain_text("请选择维修人员")
    drawer.get_by_text("选择维修人员", exact=True).click()  # the select's placeholder
    clerk_page.get_by_role("option", name="李强").click()
    drawer.get_by_role("button", name="派单", exact=True).click()
    expect(clerk_page.get_by_text("已派单给李强")).to_be_visible()
    expect(drawer.locator(".detail-head")).to_contain_text("已派单")
    expect(drawer.get_by_role("button", name="改派", exact=True)).to_be_visible()
    expect(row).to_contain_text("已派单")
    expect(row).to_contain_text("李强")

    # The repairer sees only the ticket given to them, and no dispatching.
    fixer_page = open_console(open_page, live_server, fixer.username)
    rows = fixer_page.locator(".ticket-table .el-table__row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(leak.ticket_no)
    expect(fixer_page.get_by_test_id("ticket-count")).to_have_text("共 1 张")
    expect(fixer_page.get_by_text("只看派给我的")).to_have_count(0)
    rows.first.click()
    drawer = drawer_of(fixer_page, leak)
    expect(drawer).to_contain_text(ADDRESS)
    expect(drawer.get_by_role("button", name="派单")).to_have_count(0)
    expect(drawer.get_by_role("button", name="撤销工单")).to_have_count(0)

    drawer.get_by_role("button", name="开始维修").click()
    expect(fixer_page.get_by_text("已开始维修")).to_be_visible()
    expect(drawer.locator(".detail-head")).to_contain_text("维修中")
    expect(drawer.get_by_role("button", name="开始维修")).to_have_count(0)

    # 已修好 asks what was done: an empty answer is refused and nothing changes.
    drawer.get_by_role("button", name="已修好", exact=True).click()
    dialog = fixer_page.get_by_role("dialog", name="标记为已修好")
    dialog.get_by_role("button", name="确认已修好").click()
    expect(dialog.get_by_text(re.compile("请填写处理结果|请写明处理结果"))).to_be_visible()
    session.expire_all()
    assert session.get(Ticket, leak.id).status is TicketStatus.IN_PROGRESS

    dialog.get_by_label("处理结果").fill("更换了水槽下的角阀，试水无渗漏")
    dialog.get_by_role("button", name="确认已修好").click()
    expect(fixer_page.get_by_text("已标记为已修好")).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(drawer.locator(".detail-head")).to_contain_text("已修好")
    expect(drawer.locator(".timeline")).to_contain_text("更换了水槽下的角阀，试水无渗漏")
    expect(drawer.get_by_role("button", name="已修好", exact=True)).to_have_count(0)

    # Customer service see it repaired after 刷新, ready for the follow-up call.
    clerk_page.keyboard.press("Escape")
    expect(drawer_of(clerk_page, leak)).to_be_hidden()
    clerk_page.get_by_role("button", name="刷新").click()
    expect(row).to_contain_text("已修好")

    session.expire_all()
    done = session.get(Ticket, leak.id)
    assert done.status is TicketStatus.RESOLVED and done.assignee_id == fixer.id
    assert session.get(Ticket, other.id).status is TicketStatus.SUBMITTED
    titles = session.scalars(
        select(Notification.title)
        .where(Notification.user_id == resident.id, Notification.kind == "ticket_status")
        .order_by(Notification.id)
    ).all()
    assert titles == ["报修进度：已派单", "报修进度：维修中", "报修进度：已修好"]


def test_the_queue_fits_a_phone(session, live_server, open_page, make_user):
    resident = make_user("resident")
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    home = make_home(session, "0601000001", owner=resident)
    ticket = file_ticket(session, resident, home, location="小区北门进去第三栋楼后面地下车库入口旁边的水表井里面",
                         description="水表井里一直在冒水，地面都湿透了，晚上也能听到流水声")

    page = open_console(open_page, live_server, clerk.username, width=360, height=740)
    card = page.locator(f"[data-ticket='{ticket.ticket_no}']")
    for text in ("待派单", "未派单", "0601000001", "位置：小区北门"):
        expect(card).to_contain_text(text)
    expect(page.locator(".ticket-table")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    card.click()
    drawer = drawer_of(page, ticket)
    expect(drawer).to_contain_text(ADDRESS)
    assert drawer.bounding_box()["width"] == pytest.approx(360, abs=1)  # the whole screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Filters that match nothing say so.
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    page.get_by_text("已撤销", exact=True).click()
    expect(page.get_by_text("没有符合条件的工单")).to_be_visible()
    expect(page.get_by_test_id("ticket-count")).to_have_text("共 0 张")
