"""The console's 抄表复核 page in Chromium: a doubtful meter photo shows with its counter window,
proposed reading and history chart; staff correct one and reject another."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shuiwu.models import Reading, ReadingSource, StaffFunction
from shuiwu.services import meter_photos
from tests.api.photohelpers import home_with_last, meter_photo
from tests.browser.test_portal import sign_in
from tests.vision.conftest import needs_datasets

pytestmark = [pytest.mark.browser, *needs_datasets]


def test_staff_correct_and_reject_doubtful_meter_photos(session, live_server, open_page, make_user):
    resident = make_user("resident")
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    home = home_with_last(session, "3200000001", resident, "2500.000")
    first = meter_photos.read_photo(session, resident, home.id, data=meter_photo(23, 131.4565))
    second = meter_photos.read_photo(session, resident, home.id, data=meter_photo(23, 131.4565))
    session.commit()
    assert first["status"] == second["status"] == "review"

    page = open_page()
    page.goto(live_server + "/login")
    sign_in(page, live_server, clerk.username)
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(live_server + "/console/readings")
    card = page.locator(f"[data-photo='{first['photo_id']}']")
    expect(card).to_contain_text("3200000001")
    expect(card).to_contain_text("131.456")
    expect(card).to_contain_text("小于上次读数 2500.000")
    photo = card.get_by_role("img", name="住户上传的水表照片")
    expect(photo).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    expect(card.get_by_role("img", name="计数窗口")).to_be_visible()
    expect(card.get_by_role("img", name="历史读数走势")).to_be_visible()

    card.get_by_placeholder("更正读数").fill("2531.456")
    card.get_by_role("button", name="更正并入账").click()
    expect(page.get_by_text("已更正为 2531.456 并入账")).to_be_visible()
    expect(card).to_have_count(0)

    other = page.locator(f"[data-photo='{second['photo_id']}']")
    other.get_by_role("button", name="驳回").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox").fill("照片不是本户水表")
    dialog.get_by_role("button", name="驳回").click()
    expect(page.get_by_text("没有待复核的抄表照片")).to_be_visible()

    session.expire_all()
    photo_readings = session.scalars(
        select(Reading).where(Reading.source == ReadingSource.PHOTO, Reading.meter_id == home.active_meter.id)
    ).all()
    assert [r.value for r in photo_readings] == [Decimal("2531.456")]
