"""The forecast page in a real browser: parameters, a background job with its progress bar,
chart and table, reload, save, reopen, clear; a wrong range is refused at once; a phone fits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from shuiwu.timeutil import today_local
from tests.browser.test_portal import sign_in
from tests.forecasting.homes import reading_home

pytestmark = pytest.mark.browser


def pick_date(page, placeholder: str, day) -> None:
    box = page.get_by_placeholder(placeholder)
    box.click()
    box.fill(day.isoformat())
    box.press("Enter")
    page.locator("h1.page-title").click()  # close the calendar


def test_a_resident_forecasts_saves_reopens_and_clears(live_server, open_page, session, make_user):
    resident = make_user("resident")
    home = reading_home(session, "3101000201", owner=resident)
    today = today_local()
    page = open_page()
    page.goto(live_server + "/forecast")
    sign_in(page, live_server, resident.username)
    expect(page.locator("h1.page-title")).to_have_text("用水预测", timeout=30_000)
    # Their own household is the region; every model has its one-line description.
    expect(page.locator("[data-test=forecast-regions]")).to_contain_text(f"户号 {home.account_no}")
    expect(page.get_by_text("LightGBM：用日历和前几周同期用水量学习规律")).to_be_visible()
    expect(page.get_by_text("粒度影响精度：")).to_be_visible()

    # A wrong range is refused as soon as it is picked, with what is wrong.
    pick_date(page, "选择结束日期", today - timedelta(days=3))
    expect(page.get_by_text("结束日期不能早于开始日期")).to_be_visible()
    page.locator("[data-test=forecast-generate]").click()
    expect(page.locator("[data-test=forecast-error]")).to_contain_text("请先改正标红的参数")
    pick_date(page, "选择结束日期", today + timedelta(days=27))
    expect(page.get_by_text("结束日期不能早于开始日期")).to_have_count(0)
    page.get_by_text("按小时").click()
    expect(page.get_by_text("户号只有逐日数据，不能按小时预测")).to_be_visible()
    page.get_by_text("按周").click()
    expect(page.get_by_text("户号只有逐日数据")).to_have_count(0)
    page.get_by_text("LightGBM：用日历").click()

    # 生成预测: the real job drives the progress bar; then chart, table, reading and log.
    page.locator("[data-test=forecast-generate]").click()
    expect(page.locator("[data-test=forecast-progress]")).to_be_visible()
    expect(page.locator("[data-test=forecast-step]")).to_contain_text("已完成", timeout=90_000)
    chart = page.locator("[data-test=forecast-chart]")
    expect(chart.locator("canvas")).to_have_count(1)
    table = page.locator("[data-test=forecast-table]")
    expect(table).to_contain_text("起一周")
    expect(table).to_contain_text("95%区间")
    expect(page.locator("[data-test=forecast-reading]")).to_contain_text("预计这 28 天共用水约")
    expect(page.locator("[data-test=forecast-model]")).to_have_text("LightGBM（日历与前几周同期特征）")
    expect(page.locator("[data-test=forecast-backtest]")).to_contain_text("季节朴素")
    expect(page.locator("[data-test=forecast-log]")).to_contain_text("预测完成")
    expect(page).to_have_url(re.compile(r"job=\d+"))

    # A reload finds the same task and its results.
    page.reload()
    expect(page.locator("[data-test=forecast-table]")).to_contain_text("起一周")
    expect(page.locator("[data-test=forecast-step]")).to_contain_text("已完成")

    # 保存 with a name; 清空 resets everything; the saved task reopens with its results.
    page.locator("[data-test=forecast-save]").click()
    dialog = page.get_by_role("dialog", name="保存预测任务")
    dialog.locator("input").fill("我家四周用水")
    dialog.get_by_role("button", name="保存").click()
    expect(page.locator("[data-test=forecast-saved-name]")).to_have_text("已保存：我家四周用水")
    page.locator("[data-test=forecast-clear]").click()
    expect(page.locator("[data-test=forecast-table]")).to_have_count(0)
    expect(page.locator("[data-test=forecast-chart]")).to_have_count(0)
    expect(page.get_by_placeholder("选择结束日期")).to_have_value((today + timedelta(days=13)).isoformat())
    expect(page).not_to_have_url(re.compile(r"job="))
    page.locator("[data-test=forecast-saved]").click()
    item = page.locator("[data-test=forecast-saved-item]")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("我家四周用水")
    item.get_by_role("button", name="打开").click()
    expect(page.locator("[data-test=forecast-table]")).to_contain_text("起一周")
    expect(page.get_by_placeholder("选择结束日期")).to_have_value((today + timedelta(days=27)).isoformat())

    # On a phone (360 px) the page still fits: nothing wider than the screen.
    phone = open_page(width=360, height=740)
    phone.goto(live_server + "/forecast")
    sign_in(phone, live_server, resident.username)
    expect(phone.locator("[data-test=forecast-generate]")).to_be_visible(timeout=30_000)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"页面宽 {width}px，超出手机屏幕"
