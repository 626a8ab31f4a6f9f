"""Accounts and security in a real browser: registration by SMS code, 记住我 and silent refresh,
signing out another device, a forgotten password, and binding a 户号 — against the real app
and database. Codes are read from the outbox table, as a developer would read the local outbox.
"""

from __future__ import annotations

import re
import time as clock
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shuiwu.timeutil import today_local
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

CODE_RE = re.compile(r"验证码(?:为)?\s*(\d{6})")


def outbox_code(recipient: str, *, after: int = 0, timeout: float = 10.0) -> tuple[str, int]:
    """The newest code sent to `recipient` (SMS or email) with an outbox id above `after`."""
    from shuiwu.db import new_session
    from shuiwu.models import OutboxMessage

    deadline = clock.monotonic() + timeout
    while True:
        s = new_session()
        try:
            rows = s.scalars(
                select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id.desc())
            ).all()
            for message in rows:  # recipient and body are decrypted by the ORM
                found = CODE_RE.search(message.body)
                if message.recipient == recipient and found:
                    return found.group(1), message.id
        finally:
            s.close()
        if clock.monotonic() > deadline:
            pytest.fail(f"发件箱中没有发给 {recipient} 的验证码")
        clock.sleep(0.2)


def last_outbox_id() -> int:
    from sqlalchemy import func

    from shuiwu.db import new_session
    from shuiwu.models import OutboxMessage

    s = new_session()
    try:
        return s.scalar(select(func.max(OutboxMessage.id))) or 0
    finally:
        s.close()


def password_login(page, username, password=DEMO_PASSWORD, *, remember=False):
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    if remember:
        page.locator(".el-checkbox:visible", has_text="记住我（30 天内免登录）").click()
    page.get_by_role("button", name="登录", exact=True).click()


def refresh_cookie(context):
    return next((c for c in context.cookies() if c["name"] == "shuiwu_refresh"), None)


def test_a_visitor_registers_with_an_sms_code_and_lands_on_home(live_server, open_page, make_user):
    make_user("resident", username="chen_jing")  # the name is taken while the code is on its way
    page = open_page()
    page.goto(live_server + "/login")
    page.get_by_role("link", name="立即注册").click()
    expect(page).to_have_url(live_server + "/register")
    expect(page.get_by_role("heading", name="注册账号")).to_be_visible()

    # The client checks mirror the server's: weak password, mismatched confirmation, bad phone.
    page.locator("input[name=username]").fill("chen_jing")
    page.locator("input[name=display_name]").fill("陈静")
    page.locator("input[name=phone]").fill("12345")
    page.locator("input[name=password]").fill("abcdefgh")
    expect(page.get_by_test_id("password-strength")).to_contain_text("密码须同时包含字母和数字")
    page.locator("input[name=password_confirm]").fill("Other2026x")
    page.get_by_role("button", name="下一步：短信验证").click()
    expect(page.get_by_text("请输入有效的 11 位手机号")).to_be_visible()
    expect(page.locator(".el-form-item__error", has_text="密码须同时包含字母和数字")).to_be_visible()
    expect(page.get_by_text("两次输入的密码不一致")).to_be_visible()

    page.locator("input[name=phone]").fill("13912345601")
    page.locator("input[name=password]").fill("Shuiwu2026ok")
    expect(page.get_by_test_id("password-strength")).to_contain_text("密码强度")
    page.locator("input[name=password_confirm]").fill("Shuiwu2026ok")
    page.get_by_role("button", name="下一步：短信验证").click()

    # The code step: masked number, a running resend countdown.
    expect(page.get_by_test_id("code-sent-to")).to_contain_text("139****5601")
    expect(page.locator(".code-button")).to_contain_text("秒后重新获取")
    expect(page.locator(".code-button")).to_be_disabled()
    code, _ = outbox_code("13912345601")

    page.locator("input[name=code]").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="完成注册").click()
    expect(page.locator(".form-error, .el-form-item__error").first).to_be_visible()

    # The username went to someone else meanwhile: pick another, the same code still works.
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="完成注册").click()
    expect(page.get_by_text("用户名已被使用，请换一个")).to_be_visible()
    page.locator("input[name=new_username]").fill("chen_jing2")
    page.get_by_role("button", name="完成注册").click()

    expect(page).to_have_url(live_server + "/")
    expect(page.locator(".page-title")).to_contain_text("陈静")
    expect(page.get_by_text("您的账号尚未绑定户号")).to_be_visible()
    expect(page.get_by_role("button", name="立即绑定户号")).to_be_visible()


def test_remember_me_keeps_a_resident_signed_in_in_a_new_tab(live_server, open_page, make_user):
    make_user("resident", username="zhou_min", display_name="周敏")
    page = open_page()
    page.goto(live_server + "/login")
    password_login(page, "zhou_min", remember=True)
    expect(page).to_have_url(live_server + "/")
    cookie = refresh_cookie(page.context)
    assert cookie and cookie["httpOnly"], "刷新令牌应保存在 HttpOnly Cookie 中"
    assert cookie["expires"] > clock.time() + 29 * 86400, "记住我：刷新令牌应约 30 天有效"
    device_id = page.evaluate("localStorage.getItem('shuiwu.device_id')")
    assert re.fullmatch(r"[0-9a-f]{32}", device_id)

    # A new tab has no sessionStorage (like a browser restart): the cookie signs it back in.
    tab = page.context.new_page()
    with tab.expect_response("**/api/v1/auth/refresh") as refreshed:
        tab.goto(live_server + "/settings")
    assert refreshed.value.status == 200
    expect(tab).to_have_url(live_server + "/settings")
    expect(tab.get_by_test_id("profile")).to_contain_text("zhou_min")
    assert tab.evaluate("JSON.parse(sessionStorage.getItem('shuiwu.session')).token")  # a new access token
    assert tab.evaluate("localStorage.getItem('shuiwu.device_id')") == device_id

    # 退出 ends it for good: the next new tab is asked to log in.
    tab.get_by_role("button", name="退出").click()
    expect(tab).to_have_url(re.compile(r"/login$"))
    again = page.context.new_page()
    again.goto(live_server + "/bills")
    expect(again).to_have_url(re.compile(r"/login\?redirect=/bills$"))
    tab.close()
    again.close()


def test_signing_out_another_device_from_settings(live_server, open_page, make_user):
    make_user("resident", username="wu_lei", display_name="吴磊")
    laptop = open_page()
    laptop.goto(live_server + "/login")
    password_login(laptop, "wu_lei")
    expect(laptop).to_have_url(live_server + "/")

    phone = open_page(width=360, height=740)  # a second browser: its own cookies and device_id
    phone.goto(live_server + "/login")
    password_login(phone, "wu_lei", remember=True)
    expect(phone).to_have_url(live_server + "/")

    laptop.locator("nav.nav").get_by_role("link", name="设置").click()
    sessions = laptop.get_by_test_id("session")
    expect(sessions).to_have_count(2)
    expect(sessions.filter(has_text="当前设备")).to_have_count(1)
    expect(sessions.filter(has_text="30 天免登录")).to_have_count(1)
    other = laptop.locator("[data-testid=session][data-current=false]")
    other.get_by_role("button", name="退出此设备").click()
    laptop.get_by_role("button", name="退出该设备").click()
    expect(laptop.get_by_text("该设备已退出登录")).to_be_visible()
    expect(sessions).to_have_count(1)

    # The phone's next API call fails, its refresh cookie is dead too: back to the login page.
    phone.get_by_role("button", name="打开导航").click()
    phone.locator(".drawer-nav").get_by_role("link", name="设置").click()
    expect(phone).to_have_url(re.compile(r"/login\?redirect=/settings$"))
    expect(phone.get_by_text("登录已失效，请重新登录")).to_be_visible()


def test_a_forgotten_password_is_reset_with_an_sms_code(live_server, open_page, make_user):
    make_user("resident", username="sun_li", phone="13912345602")
    page = open_page(width=360, height=740)
    page.goto(live_server + "/login")
    page.get_by_role("link", name="忘记密码").click()
    expect(page).to_have_url(live_server + "/forgot")

    page.locator("input[name=login]").fill("1391234")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("请输入注册时使用的手机号或邮箱")).to_be_visible()

    before = last_outbox_id()
    page.locator("input[name=login]").fill("13912345602")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("input[name=code]")).to_be_visible()
    code, _ = outbox_code("13912345602", after=before)
    page.locator("input[name=code]").fill(code)
    page.locator("input[name=password]").fill("Xinmima2026")
    page.locator("input[name=password_confirm]").fill("Xinmima2026")
    page.get_by_role("button", name="重置密码").click()

    expect(page).to_have_url(re.compile(r"/login\?notice=reset$"))
    expect(page.get_by_text("密码已重置，请使用新密码登录")).to_be_visible()
    password_login(page, "sun_li", DEMO_PASSWORD)
    expect(page.locator(".login-error:visible")).to_contain_text("用户名或密码错误")
    password_login(page, "13912345602", "Xinmima2026")
    expect(page).to_have_url(live_server + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_resident_binds_a_household_with_the_last_bill(live_server, open_page, session, make_user):
    from shuiwu.models import Bill, BillStatus, Household

    make_user("resident", username="zheng_hua", display_name="郑华")
    today = today_local()
    household = Household(
        account_no="3202009077", holder_name="郑华", address="清河市清源区河滨路16号 1栋301室",
        district="清源区", persons=2,
    )
    session.add(household)
    session.flush()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    session.add(Bill(
        household_id=household.id, period_start=first, period_end=last, usage_m3=Decimal("12.000"),
        amount=Decimal("66.24"), due_date=last + timedelta(days=30), status=BillStatus.UNPAID,
    ))
    session.commit()

    page = open_page()
    page.goto(live_server + "/login")
    password_login(page, "zheng_hua")
    page.get_by_role("button", name="立即绑定户号").click()
    expect(page).to_have_url(live_server + "/bind")

    # A wrong amount: the server's Chinese message, and the way to a human review.
    page.locator("input[name=account_no]").fill("3202009077")
    page.locator("input[name=holder_name]").fill("郑华")
    page.locator("input[name=last_bill_amount]").fill("60.00")
    page.get_by_role("button", name="确认绑定").click()
    error = page.locator(".bind-error")
    expect(error).to_contain_text("信息核对不一致")
    expect(error.get_by_role("button", name="申请人工审核")).to_be_visible()

    page.locator("input[name=last_bill_amount]").fill("66.24")
    page.get_by_role("button", name="确认绑定").click()
    expect(page).to_have_url(live_server + "/")
    expect(page.get_by_test_id("account-no")).to_have_text("3202009077")
    expect(page.get_by_text("清河市清源区河滨路16号 1栋301室")).to_be_visible()
    expect(page.get_by_role("button", name="绑定新户号")).to_be_visible()


def test_sms_login_dispute_review_and_the_notification_bell(live_server, open_page, session, make_user):
    from shuiwu.models import Household

    make_user("resident", username="he_ping", display_name="何平", phone="13912345603")
    make_user("admin", username="guanli", display_name="管理员 赵")
    session.add(Household(account_no="3202009088", holder_name="何建国", address="清河市清源区滨江路9号 5栋101室",
                          district="清源区", persons=4))
    session.commit()

    # 短信验证码登录.
    page = open_page()
    page.goto(live_server + "/login")
    page.get_by_role("tab", name="短信验证码登录").click()
    page.locator("input[name=phone]").fill("13912345603")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator(".code-button:visible")).to_contain_text("秒后重新获取")
    code, _ = outbox_code("13912345603")
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(live_server + "/")
    expect(page.locator(".page-title")).to_contain_text("何平")

    # The name on the account is the previous owner's: ask for a human review instead.
    page.get_by_role("button", name="立即绑定户号").click()
    page.locator("input[name=account_no]").fill("3202009088")
    page.locator("input[name=holder_name]").fill("何平")
    page.locator("input[name=last_bill_amount]").fill("35.00")
    page.get_by_role("button", name="确认绑定").click()
    expect(page.locator(".bind-error")).to_contain_text("信息核对不一致")
    page.locator(".bind-error").get_by_role("button", name="申请人工审核").click()
    page.locator("textarea[name=note]").fill("房屋已过户，账单上仍是原户主何建国")
    page.get_by_role("button", name="提交人工审核").click()
    expect(page.get_by_text("已提交人工审核").first).to_be_visible()

    # An admin approves it in 工作台 › 绑定审核 and can read the dev outbox.
    admin = open_page()
    admin.goto(live_server + "/login")
    password_login(admin, "guanli")
    expect(admin).to_have_url(live_server + "/console")
    admin.get_by_role("link", name="绑定审核").click()
    request = admin.get_by_test_id("binding-request").filter(has_text="3202009088")
    expect(request).to_contain_text("房屋已过户")
    expect(request).to_contain_text("何*")  # the record's holder stays masked
    request.get_by_role("button", name="通过").click()
    confirm = admin.get_by_role("dialog", name="通过绑定申请")
    expect(confirm).to_contain_text("he_ping")
    confirm.get_by_role("button", name="通过").click()
    expect(admin.get_by_text("已通过，用户将收到通知")).to_be_visible()
    expect(admin.get_by_text("暂无待审核的绑定申请")).to_be_visible()
    admin.get_by_role("link", name="发件箱（开发）").click()
    expect(admin.get_by_test_id("outbox-message").filter(has_text="13912345603").first).to_contain_text("验证码")

    # The resident's bell counts it; reading it clears the count; 首页 shows the 户号.
    page.goto(live_server + "/")
    bell = page.get_by_test_id("bell")
    expect(bell).to_have_attribute("aria-label", "消息通知，1 条未读")
    expect(page.get_by_test_id("account-no")).to_have_text("3202009088")
    bell.click()
    panel = page.get_by_role("dialog", name="消息通知")
    expect(panel).to_contain_text("户号绑定已通过")
    panel.get_by_role("button", name="查看全部消息").click()
    expect(page).to_have_url(live_server + "/notifications")
    page.locator("main .note", has_text="户号绑定已通过").click()
    expect(bell).to_have_attribute("aria-label", "消息通知")


def test_the_email_verification_link_and_the_not_me_link(live_server, open_page):
    from shuiwu import security
    from shuiwu.db import new_session
    from shuiwu.models import User

    # Registration by email: the link in the message opens /verify, which signs the resident in.
    page = open_page(width=360, height=740)
    page.goto(live_server + "/register")
    page.locator("input[name=username]").fill("qian_yu")
    page.locator(".el-radio-button", has_text="邮箱").click()
    page.locator("input[name=email]").fill("qian.yu@example.cn")
    page.locator("input[name=password]").fill("Shuiwu2026ok")
    page.locator("input[name=password_confirm]").fill("Shuiwu2026ok")
    page.get_by_role("button", name="下一步：邮箱验证").click()
    expect(page.get_by_test_id("code-sent-to")).to_contain_text("q***@example.cn")
    expect(page.get_by_test_id("code-sent-to")).to_contain_text("点击邮件中的链接")
    code, message_id = outbox_code("qian.yu@example.cn")
    from shuiwu.models import OutboxMessage

    s = new_session()
    try:
        body = s.get(OutboxMessage, message_id).body
    finally:
        s.close()
    query = re.search(r"/verify\?(\S+)", body).group(1)
    assert f"code={code}" in query

    page.goto(f"{live_server}/verify?{query}")
    expect(page.get_by_text("验证成功")).to_be_visible()
    page.get_by_role("button", name="进入首页").click()
    expect(page).to_have_url(live_server + "/")
    expect(page.locator(".page-title")).to_contain_text("qian_yu")

    # Opening the same link again: the code is spent, said in Chinese.
    again = open_page()
    again.goto(f"{live_server}/verify?{query}")
    expect(again.get_by_text("验证未成功")).to_be_visible()

    # The "not me" link of a new-place alert ends every session, this phone's included.
    sid = page.evaluate("JSON.parse(sessionStorage.getItem('shuiwu.session')).sessionId")
    s = new_session()
    try:
        user_id = s.query(User.id).filter(User.username == "qian_yu").scalar()
    finally:
        s.close()
    again.goto(f"{live_server}/not-me?token={security.create_not_me_token(user_id, sid)}")
    again.get_by_role("button", name="确认不是我本人，退出所有设备").click()
    expect(again.get_by_text("已退出所有设备")).to_be_visible()
    again.get_by_role("button", name="立即重置密码").click()
    expect(again).to_have_url(live_server + "/forgot")

    page.get_by_role("button", name="打开导航").click()
    page.locator(".drawer-nav").get_by_role("link", name="设置").click()
    expect(page).to_have_url(re.compile(r"/login\?redirect=/settings$"))
