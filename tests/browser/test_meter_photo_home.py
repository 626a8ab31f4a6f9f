"""拍照上传读数 on the portal home page in Chromium against the real app and the real reader: a
resident photographs the meter, sees the reading and what happens to it, corrects a doubtful
one (it goes to staff), retakes a photo that is too dark, confirms one, and the 最新读数 card
follows only what was really stored."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from shuiwu.models import Reading, ReadingSource
from shuiwu.models.photos import MeterPhoto, PhotoStatus
from tests.api.photohelpers import dark_photo, home_with_last, meter_photo
from tests.browser.test_portal import sign_in
from tests.vision.conftest import needs_datasets

pytestmark = [pytest.mark.browser, *needs_datasets]

# A clear synthetic photo of a meter showing 131.4565 (tests/api/test_readings_photo.py: the
# reader is sure of every digit). What it reads is taken from the API's answer, not assumed.
CLEAR = (23, 131.4565)
ACCEPTED = (21, 131.4565)  # a clear photo the calibrated reader accepts (as in test_readings_photo)
STATUS_TEXT = {"accepted": "已自动入账", "confirm": "请确认读数", "review": "已提交人工审核"}
READING_TIMEOUT = 90_000  # the first photo also loads the models; the machine is shared


def shot(page, name: str) -> None:
    """For a person to look at, not compared: saved only when SCREENSHOTS_DIR is set."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def photo_file(data: bytes, name: str = "meter.jpg") -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def open_home(page, base, username):
    page.goto(base + "/login")
    sign_in(page, base, username)
    expect(page).to_have_url(base + "/")


def send_photo(page, dialog, data: bytes) -> tuple[int, dict]:
    """Choose the photo, see its preview, upload it; the API's status and answer."""
    dialog.get_by_label("选择水表照片").set_input_files(photo_file(data))
    preview = dialog.get_by_role("img", name="待上传的水表照片预览")
    expect(preview).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/readings/photo"), timeout=READING_TIMEOUT
    ) as answered:
        dialog.get_by_role("button", name="上传识别").click()
    return answered.value.status, answered.value.json()


def expect_result(dialog, body: dict) -> None:
    """What the resident sees is what the server said: reading, each digit, status, reason."""
    expect(dialog.get_by_test_id("photo-reading")).to_have_text(f"{body['reading']} m³")
    expect(dialog.get_by_test_id("photo-status")).to_have_text(STATUS_TEXT[body["status"]])
    wheels = dialog.get_by_role("list", name="逐位识别结果").get_by_role("listitem")
    expect(wheels).to_have_text([d["value"] for d in body["digits"]])
    doubtful = [d["value"] for d in body["digits"] if d["confidence"] < 0.8]
    expect(dialog.locator(".wheel.doubtful")).to_have_count(len(doubtful))
    if body["reason"]:
        expect(dialog.get_by_test_id("photo-reason")).to_have_text(body["reason"])


def counts(session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(MeterPhoto)),
        session.scalar(select(func.count()).select_from(Reading)),
    )


def test_a_resident_corrects_retakes_and_confirms_on_a_phone(
    session, live_server, open_page, make_user
):
    resident = make_user("resident")
    # The last reading 20.000 two days ago makes ~131 m³ a big jump: the resident is asked.
    home = home_with_last(session, "3200000101", resident, "20.000", days_ago=2)
    page = open_page(width=360, height=740)
    open_home(page, live_server, resident.username)
    card = page.get_by_test_id("last-reading")
    expect(card).to_have_text(re.compile(r"^\s*20\.000\s*m³"))
    shot(page, "home_360")

    # The chat launcher floats above the page; while the dialog is open it must not cover the
    # dialog's buttons on a phone.
    launcher = page.get_by_role("button", name="在线客服")
    expect(launcher).to_be_visible()
    page.get_by_role("button", name="拍照上传读数").click()
    dialog = page.get_by_role("dialog", name="拍照上传读数")
    expect(launcher).to_be_hidden()
    expect(dialog).to_contain_text("正对表盘")
    expect(dialog).to_contain_text("光线充足")
    expect(dialog).to_contain_text("对准计数窗口")
    expect(dialog.get_by_role("button", name="上传识别")).to_be_disabled()
    shot(page, "meter_photo_tips_360")

    status, body = send_photo(page, dialog, meter_photo(*CLEAR))
    assert status == 200, body
    assert body["status"] == "confirm", body  # the jump, not the photo, asks for confirmation
    expect_result(dialog, body)
    expect(dialog).to_contain_text("请核对读数")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "360px 宽度下出现横向滚动"
    shot(page, "meter_photo_confirm_360")

    # 修改读数: the input is checked before anything is sent.
    dialog.get_by_role("button", name="修改读数").click()
    box = dialog.get_by_role("textbox", name="水表上的读数")
    expect(box).to_have_value(body["reading"])
    box.fill("三十一")
    dialog.get_by_role("button", name="提交读数").click()
    expect(dialog).to_contain_text("读数格式不对")
    box.fill("31.4567")
    dialog.get_by_role("button", name="提交读数").click()
    expect(dialog).to_contain_text("该水表读数最多 3 位小数")
    session.expire_all()
    assert session.get(MeterPhoto, body["photo_id"]).status is PhotoStatus.CONFIRM

    box.fill("31.456")
    with page.expect_response(
        lambda r: r.url.endswith(f"/photos/{body['photo_id']}/confirm")
    ) as confirmed:
        dialog.get_by_role("button", name="提交读数").click()
    assert confirmed.value.json()["status"] == "review"
    outcome = dialog.get_by_test_id("photo-outcome")
    expect(outcome).to_contain_text("已提交人工审核")
    expect(outcome).to_contain_text("住户更正读数为 31.456")
    expect(dialog.get_by_role("button", name="读数正确")).to_have_count(0)
    session.expire_all()
    photo = session.get(MeterPhoto, body["photo_id"])
    assert photo.status is PhotoStatus.REVIEW and photo.final_value == Decimal("31.456")
    assert photo.reading_id is None  # staff decide; nothing was stored
    shot(page, "meter_photo_review_360")

    # A photo too dark to read: the server's reason, a retake, and nothing stored.
    before = counts(session)
    dialog.get_by_role("button", name="再拍一张").click()
    status, refused = send_photo(page, dialog, dark_photo())
    assert status == 422, refused
    message = refused["error"]["message"]
    assert "照片太暗" in message
    expect(dialog.get_by_role("alert")).to_contain_text(message)
    expect(dialog).to_contain_text("请按上面的要点重新拍一张")
    expect(dialog.get_by_role("button", name="上传识别")).to_be_disabled()
    expect(dialog.get_by_test_id("photo-reading")).to_have_count(0)
    assert counts(session) == before
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "360px 宽度下出现横向滚动"
    shot(page, "meter_photo_dark_360")

    # The retake, confirmed as read: stored, and the card shows it once the dialog closes.
    status, again = send_photo(page, dialog, meter_photo(*CLEAR))
    assert status == 200 and again["status"] == "confirm", again
    expect_result(dialog, again)
    with page.expect_response(
        lambda r: r.url.endswith(f"/photos/{again['photo_id']}/confirm")
    ) as confirmed:
        dialog.get_by_role("button", name="读数正确").click()
    assert confirmed.value.json()["status"] == "accepted"
    expect(dialog.get_by_test_id("photo-status")).to_have_text("已确认入账")
    expect(dialog.get_by_test_id("photo-outcome")).to_contain_text(
        f"读数 {again['reading']} m³ 已确认并入账"
    )
    dialog.get_by_role("button", name="完成").click()
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_visible()
    expect(card).to_have_text(re.compile(rf"^\s*{re.escape(again['reading'])}\s*m³"))
    expect(page.locator(".reading-card")).to_contain_text("拍照自助抄表")

    session.expire_all()
    stored = session.scalars(
        select(Reading).where(
            Reading.meter_id == home.active_meter.id, Reading.source == ReadingSource.PHOTO
        )
    ).all()
    assert [r.value for r in stored] == [Decimal(again["reading"])]


def test_an_accepted_reading_shows_on_the_card_at_once(session, live_server, open_page, make_user):
    resident = make_user("resident")
    # 131.000 yesterday: a clear photo of ~131.5 is an ordinary day's use and goes straight in.
    home_with_last(session, "3200000102", resident, "131.000", days_ago=1)
    page = open_page()
    open_home(page, live_server, resident.username)
    card = page.get_by_test_id("last-reading")
    expect(card).to_have_text(re.compile(r"^\s*131\.000\s*m³"))

    page.get_by_role("button", name="拍照上传读数").click()
    dialog = page.get_by_role("dialog", name="拍照上传读数")
    status, body = send_photo(page, dialog, meter_photo(*ACCEPTED))
    assert status == 200 and body["status"] == "accepted", body
    expect_result(dialog, body)
    expect(dialog.get_by_role("button", name="读数正确")).to_have_count(0)
    dialog.get_by_role("button", name="完成").click()
    expect(card).to_have_text(re.compile(rf"^\s*{re.escape(body['reading'])}\s*m³"))
    expect(page.locator(".reading-card")).to_contain_text("拍照自助抄表")
