"""The resident portal and the staff console in a real browser against the real app."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from shuiwu.timeutil import LOCAL_TZ, today_local
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ACCOUNT_NO = "3202009001"
ADDRESS = "清河市清源区文昌路88号 翠湖苑3栋2单元502室"


def seed_household(session, user):
    """One household bound to `user`: meter, 120 days of readings, an unpaid and a paid bill."""
    from shuiwu.models import (
        Bill,
        BillLine,
        BillStatus,
        ChargeKind,
        Household,
        HouseholdMember,
        Meter,
        Reading,
        ReadingSource,
        Tariff,
        TariffTier,
    )

    today = today_local()
    household = Household(
        account_no=ACCOUNT_NO, holder_name="张伟", address=ADDRESS, district="清源区", persons=3
    )
    session.add(household)
    session.flush()
    session.add(HouseholdMember(user_id=user.id, household_id=household.id))
    meter = Meter(
        household_id=household.id, serial_no="NB2026900001", caliber_mm=15,
        installed_on=today - timedelta(days=400),
    )
    session.add(meter)
    session.flush()
    value = Decimal("100.000")
    for back in range(120, 0, -1):
        day = today - timedelta(days=back)
        value += Decimal("0.350") + Decimal(back % 5) / 10  # 0.35–0.75 m³ a day
        session.add(Reading(
            meter_id=meter.id, value=value, source=ReadingSource.REMOTE,
            read_at=datetime.combine(day, time(22, 0), LOCAL_TZ),
        ))

    tariff = Tariff(
        name="居民生活用水", effective_from=today.replace(month=1, day=1) - timedelta(days=400),
        water_resource_fee=Decimal("0.57"), sewage_fee=Decimal("1.40"),
    )
    tariff.tiers = [TariffTier(tier_no=1, upper_m3=Decimal("180"), base_price=Decimal("3.45")),
                    TariffTier(tier_no=2, upper_m3=None, base_price=Decimal("4.83"))]
    session.add(tariff)
    session.flush()

    def bill(months_back, status, usage, lines):
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        for _ in range(months_back):
            first = (first - timedelta(days=1)).replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        b = Bill(
            household_id=household.id, period_start=first, period_end=last,
            usage_m3=Decimal(usage), amount=sum(Decimal(a) for *_, a in lines),
            due_date=last + timedelta(days=30), status=status,
        )
        b.lines = [BillLine(kind=k, tier_no=t, tariff_id=tariff.id, usage_m3=Decimal(u),
                            unit_price=Decimal(p), amount=Decimal(a)) for k, t, u, p, a in lines]
        session.add(b)

    bill(0, BillStatus.UNPAID, "16.000", [
        (ChargeKind.BASE, 1, "16.000", "3.45", "55.20"),
        (ChargeKind.WATER_RESOURCE, None, "16.000", "0.57", "9.12"),
        (ChargeKind.SEWAGE, None, "16.000", "1.40", "22.40"),
    ])
    bill(1, BillStatus.PAID, "10.000", [
        (ChargeKind.BASE, 1, "10.000", "3.45", "34.50"),
        (ChargeKind.WATER_RESOURCE, None, "10.000", "0.57", "5.70"),
        (ChargeKind.SEWAGE, None, "10.000", "1.40", "14.00"),
    ])
    session.commit()
    return household


def sign_in(page, base, username, password=DEMO_PASSWORD):
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_resident_signs_in_sees_usage_and_bills(live_server, open_page, session, make_user):
    resident = make_user("resident", username="zhang_wei", display_name="张伟")
    seed_household(session, resident)
    page = open_page()

    # A visitor is sent to the login page; a wrong password is refused in Chinese.
    page.goto(live_server + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="账号登录")).to_be_visible()
    sign_in(page, live_server, "zhang_wei", "wrong-password-1")
    expect(page.locator(".login-error")).to_contain_text("用户名或密码错误")
    expect(page).to_have_url(re.compile(r"/login$"))

    # The right one lands on 首页 with the household and its usage chart.
    sign_in(page, live_server, "zhang_wei")
    expect(page).to_have_url(live_server + "/")
    expect(page.get_by_test_id("account-no")).to_have_text(ACCOUNT_NO)
    expect(page.get_by_text(ADDRESS)).to_be_visible()
    expect(page.get_by_text("NB2026900001")).to_be_visible()
    expect(page.get_by_test_id("last-reading")).to_contain_text("m³")
    chart = page.locator(".chart-wrap")
    expect(chart).to_have_attribute("data-granularity", "day")
    expect(chart).to_have_attribute("data-points", "30")
    expect(chart.locator("canvas")).to_be_visible()
    renders = int(chart.locator(".echart").get_attribute("data-renders"))

    # 月 asks the API for months and redraws the chart.
    page.locator(".el-radio-button", has_text="月").click()
    expect(chart).to_have_attribute("data-granularity", "month")
    expect(chart).to_have_attribute("data-points", "12")
    expect(chart.locator(".echart")).not_to_have_attribute("data-renders", str(renders))
    expect(chart.locator("canvas")).to_be_visible()

    # 导出 downloads the same months as CSV, with the session's token.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="导出").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"usage-{ACCOUNT_NO}-month-")
    csv_text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[0] == "户号,月份,用水量（立方米）"
    assert csv_text.count(ACCOUNT_NO) == 13  # 12 months and the total

    # 账单: the unpaid bill's amount, status in Chinese, and its itemised lines.
    page.locator("nav.nav").get_by_role("link", name="账单").click()
    expect(page).to_have_url(live_server + "/bills")
    table = page.locator(".bill-table")
    expect(table).to_contain_text("¥86.72")
    expect(table).to_contain_text("未缴")
    expect(table).to_contain_text("已缴")
    expect(page.locator(".summary")).to_contain_text("¥86.72")
    table.locator(".el-table__expand-icon").first.click()
    expect(table.get_by_text("基本水费（第1阶梯）")).to_be_visible()
    expect(table.get_by_text("污水处理费")).to_be_visible()
    expect(table.get_by_text("¥22.40")).to_be_visible()

    # The staff console is not for residents.
    expect(page.locator("nav.nav")).not_to_contain_text("工作台")
    page.goto(live_server + "/console")
    expect(page).to_have_url(live_server + "/")
    expect(page.get_by_test_id("account-no")).to_have_text(ACCOUNT_NO)

    # 退出 ends the session: protected pages go back to the login page.
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(live_server + "/bills")
    expect(page).to_have_url(re.compile(r"/login\?redirect=/bills$"))


def test_staff_see_the_console_and_look_up_a_household(live_server, open_page, session, make_user):
    resident = make_user("resident")
    seed_household(session, resident)
    make_user("staff", username="wang_fang", display_name="客服 王芳")
    page = open_page()

    page.goto(live_server + "/console")
    expect(page).to_have_url(re.compile(r"/login\?redirect=/console$"))
    sign_in(page, live_server, "wang_fang")
    expect(page).to_have_url(live_server + "/console")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator("nav.nav")).to_contain_text("工作台")
    expect(page.locator(".district-table")).to_contain_text("清源区")
    expect(page.locator(".districts canvas")).to_be_visible()

    page.locator("input[name=account_no]").fill("0000000000")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("未找到该户号，请核对后重试")).to_be_visible()
    page.locator("input[name=account_no]").fill(ACCOUNT_NO)
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".result")).to_contain_text(ADDRESS)
    expect(page.locator(".result")).to_contain_text("张*")  # the holder's name stays masked


def test_the_portal_fits_a_phone_and_the_widget_stands_alone(live_server, open_page, session, make_user):
    resident = make_user("resident", username="li_na", display_name="李娜")
    seed_household(session, resident)
    page = open_page(width=360, height=740)

    page.goto(live_server + "/login")
    sign_in(page, live_server, "li_na")
    expect(page.get_by_test_id("account-no")).to_have_text(ACCOUNT_NO)
    expect(page.locator(".chart-wrap canvas")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "页面在 360px 宽度下出现横向滚动"

    # The top-bar links fold into a drawer.
    expect(page.locator("nav.nav")).to_be_hidden()
    page.get_by_role("button", name="打开导航").click()
    page.locator(".drawer-nav").get_by_role("link", name="账单").click()
    expect(page).to_have_url(live_server + "/bills")
    expect(page.locator(".bill-list")).to_contain_text("¥86.72")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The chat widget placeholder: one script, its own shadow root, no Vue on the host page.
    host = open_page()
    host.set_content(f'<p>合作方页面</p><script src="{live_server}/widget/widget.js"></script>')
    expect(host.get_by_role("button", name="在线客服")).to_be_visible()
    host.get_by_role("button", name="在线客服").click()
    expect(host.get_by_role("dialog", name="智慧水务在线客服")).to_be_visible()
    assert host.evaluate("typeof window.Vue === 'undefined' && !document.querySelector('[data-v-app]')")
