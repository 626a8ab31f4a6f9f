"""The resident's 报修 page in Chromium on a phone: a repair is filed with a photo (a fake one is
refused with the server's reason), follows each step staff take, and is sent back when it is not
fixed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shuiwu.models import StaffFunction, Ticket, TicketAttachment, TicketStatus
from shuiwu.services import tickets
from tests.api.homes import make_home
from tests.api.test_uploads import png
from tests.browser.test_portal import sign_in

pytestmark = [pytest.mark.browser]


def test_a_resident_files_a_repair_and_follows_it_on_a_phone(session, live_server, open_page, make_user):
    resident = make_user("resident")
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    fixer = make_user("staff", staff_function=StaffFunction.FIELD_REPAIR)
    make_home(session, "3300000001", owner=resident)

    page = open_page(width=360, height=740)
    page.goto(live_server + "/login")
    sign_in(page, live_server, resident.username)
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(live_server + "/repairs")
    expect(page.get_by_text("还没有报修记录")).to_be_visible()

    page.get_by_role("button", name="我要报修").click()
    form = page.get_by_role("dialog", name="我要报修")
    # Nothing filled in: each field says what it needs, and nothing is sent.
    form.get_by_role("button", name="提交报修").click()
    expect(form.get_by_text("请选择问题类型")).to_be_visible()
    expect(form.get_by_text("请填写故障位置，例如“厨房水槽下面”")).to_be_visible()
    assert session.scalars(select(Ticket)).all() == []

    form.get_by_text("漏水/爆管").click()
    form.get_by_placeholder("例如：厨房水槽下面").fill("厨房水槽下面")
    form.get_by_placeholder("从什么时候开始").fill("接头一直在滴水，柜子都湿了")
    form.get_by_placeholder("例如：明天上午").fill("明天上午")
    picker = form.get_by_label("添加照片或视频")
    picker.set_input_files({"name": "fake.jpg", "mimeType": "image/jpeg", "buffer": b"MZ\x90\x00 not a photo"})
    expect(form.get_by_text("不支持的文件类型", exact=False)).to_be_visible()
    form.get_by_role("button", name="提交报修").click()
    expect(form.get_by_text("有文件没有上传成功，请删除后再提交")).to_be_visible()
    form.get_by_role("button", name="删除 fake.jpg").click()
    picker.set_input_files({"name": "leak.png", "mimeType": "image/png", "buffer": png()})
    expect(form.get_by_role("img", name="leak.png")).to_be_visible()
    expect(form.get_by_text("上传中")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "360px 宽度下出现横向滚动"
    form.get_by_role("button", name="提交报修").click()
    expect(page.get_by_text(re.compile(r"报修已提交，单号 T\d+"))).to_be_visible()

    ticket = session.scalars(select(Ticket)).one()
    assert len(session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)).all()) == 1
    row = page.locator(f"[data-ticket='{ticket.ticket_no}']")
    expect(row).to_contain_text("待派单")
    expect(row).to_contain_text("接头一直在滴水")
    # Before work starts it can be withdrawn; its progress has its first step, with the time.
    row.click()
    drawer = page.get_by_role("dialog", name=f"报修单 {ticket.ticket_no}")
    expect(drawer.get_by_role("button", name="撤销报修")).to_be_visible()
    expect(drawer.locator(".el-timeline-item__timestamp")).to_have_text(re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    drawer.get_by_role("button", name="关闭此对话框").click()
    expect(drawer).to_be_hidden()

    # Staff dispatch and repair it; the resident sees each step after a reload.
    tickets.assign(session, clerk, ticket.id, fixer.id)
    tickets.change_status(session, fixer, ticket.id, "resolved", "更换了水槽下的角阀")
    session.commit()
    page.reload()
    row = page.locator(f"[data-ticket='{ticket.ticket_no}']")
    expect(row).to_contain_text("已修好")
    expect(row).to_contain_text("请确认是否修好")
    row.click()
    drawer = page.get_by_role("dialog", name=f"报修单 {ticket.ticket_no}")
    expect(drawer).to_contain_text("更换了水槽下的角阀")
    expect(drawer).to_contain_text("维修人员")
    expect(drawer).not_to_contain_text(fixer.username)
    expect(drawer.get_by_role("img", name="报修照片")).to_be_visible()

    # Not fixed: a reason is needed, then it goes back to the repairer.
    drawer.get_by_role("button", name="还没修好").click()
    drawer.get_by_role("button", name="提交").click()
    expect(drawer.get_by_text("请说明还有什么问题没有修好")).to_be_visible()
    session.expire_all()
    assert session.get(Ticket, ticket.id).status is TicketStatus.RESOLVED
    drawer.get_by_label("还有什么问题没有修好").fill("角阀还在渗水")
    drawer.get_by_role("button", name="提交").click()
    expect(page.get_by_text("已退回维修，维修人员会再与您联系")).to_be_visible()
    expect(drawer).to_contain_text("角阀还在渗水")
    session.expire_all()
    assert session.get(Ticket, ticket.id).status is TicketStatus.IN_PROGRESS
