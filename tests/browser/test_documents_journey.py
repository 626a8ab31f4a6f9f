"""Documents on the binding page in Chromium against the real app and the real OCR: a resident
who cannot bind asks for a review, photographs the water bill, checks and corrects what was
read, confirms it, adds an ID card (number masked on screen), and customer service find both
on the binding exactly as confirmed."""

from __future__ import annotations

import os
import random
import re
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from shuiwu.models import StaffFunction
from tests.api.homes import make_home
from tests.browser.test_portal import sign_in
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser

READ_TIMEOUT = 180_000  # one OCR read is 2–3 s of CPU, much longer on a shared machine
SEED = 20261125


@pytest.fixture(scope="module")
def documents():
    """A water bill and an ID card with known values, photographed cleanly (fixed seed)."""
    from vision.documents import render

    try:
        render.font_paths()
    except render.NoCjkFont as exc:
        pytest.skip(str(exc))
    rng = random.Random(SEED)
    return {kind: render.sample(kind, rng, "clean") for kind in ("water_bill", "id_card")}


def shot(page, name: str) -> None:
    """For a person to look at, not compared: saved only when SCREENSHOTS_DIR is set."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def read_document(page, box, jpeg: bytes, name: str) -> dict:
    """Choose the photo in the document box (a keyboard can reach the picker too); the API's
    reading of it."""
    picker = box.get_by_label("选择照片")
    picker.focus()
    expect(picker).to_be_focused()
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/documents/read"), timeout=READ_TIMEOUT
    ) as answer:
        picker.set_input_files(
            {"name": name, "mimeType": "image/jpeg", "buffer": jpeg}
        )
    assert answer.value.status == 200, answer.value.text()
    return answer.value.json()


def expect_fields(box, read: dict) -> None:
    """Every field the server read is on screen, under its label, with the value it read."""
    expect(box).to_contain_text(f"识别为「{read['type_label']}」")
    for key, field in read["fields"].items():
        expect(box.get_by_text(field["label"], exact=True)).to_be_visible()
        expect(box.locator(f"input[name={key}]")).to_have_value(field["value"] or "")


@contextmanager
def staff_api(base: str, username: str):
    """An HTTP client signed in as `username`, against the running app."""
    with httpx.Client(base_url=base, timeout=30) as client:
        token = client.post(
            "/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}
        )
        token.raise_for_status()
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


def test_a_resident_sends_a_bill_and_an_id_card_for_review(
    session, live_server, open_page, make_user, documents
):
    bill, card = documents["water_bill"], documents["id_card"]
    account_no = bill.truth["account_no"]
    make_home(session, account_no, holder_name=bill.truth["name"])
    resident = make_user("resident")
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)

    page = open_page(width=360, height=740)
    page.goto(live_server + "/login")
    sign_in(page, live_server, resident.username)
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(live_server + "/bind")

    # Cannot prove the binding online: ask for a review, then documents are offered.
    page.get_by_label("户号", exact=True).fill(account_no)
    page.get_by_label("户主姓名", exact=True).fill(bill.truth["name"])
    page.get_by_role("button", name="申请人工审核").click()
    page.get_by_label("情况说明").fill("房屋已过户，账单上仍是原户主姓名")
    page.get_by_role("button", name="提交人工审核").click()
    expect(page.get_by_text("已提交人工审核").first).to_be_visible()
    box = page.locator(".document-confirm")
    expect(box).to_contain_text("补充材料")

    # The water bill: every field read is shown to check.
    read = read_document(page, box, bill.jpeg(), "bill.jpg")
    assert read["type"] == "water_bill", read
    expect_fields(box, read)
    for label in ("户号", "金额"):
        expect(box.get_by_text(label, exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "360px 宽度下出现横向滚动"
    shot(page, "documents_bill_360")

    # A date that does not exist is refused by the server, under its field, and nothing is kept.
    date = box.locator("input[name=date]")
    date.fill("2026-02-30")
    box.get_by_role("button", name="确认提交").click()
    refused = box.locator(".el-form-item", has=page.locator("input[name=date]"))
    expect(refused.locator(".el-form-item__error")).to_contain_text("出账日期")
    expect(box.get_by_role("button", name="确认提交")).to_be_visible()

    # The resident corrects the amount (and puts the date back), then confirms.
    date.fill(read["fields"]["date"]["value"] or bill.truth["date"])
    corrected = str(Decimal(bill.truth["amount"]) + Decimal("1.00"))
    box.locator("input[name=amount]").fill(corrected)
    with page.expect_response(
        lambda r: "/api/v1/documents/" in r.url and r.url.endswith("/confirm")
    ) as done:
        box.get_by_role("button", name="确认提交").click()
    assert done.value.status == 200, done.value.text()
    confirmed = done.value.json()
    assert confirmed["stored"] == "evidence", confirmed
    expect(box.get_by_text(confirmed["message"])).to_be_visible()
    expect(box.locator("input[name=amount]")).to_have_count(0)

    # An ID card for the 过户: its number stays masked on screen.
    number = card.truth["id_number"]
    read_card = read_document(page, box, card.jpeg(), "card.jpg")
    assert read_card["type"] == "id_card", read_card
    expect_fields(box, read_card)
    masked = f"{number[:4]}**********{number[-4:]}"
    expect(box.locator("input[name=id_number]")).to_have_value(masked)
    on_screen = page.evaluate(
        "document.body.innerText + [...document.querySelectorAll('input')].map(i => i.value).join(' ')"
    )
    assert number not in on_screen
    shot(page, "documents_id_card_360")
    with page.expect_response(lambda r: r.url.endswith("/confirm")) as done:
        box.get_by_role("button", name="确认提交").click()
    assert done.value.json()["stored"] == "transfer_request", done.value.text()
    expect(box).to_contain_text("过户")

    # Customer service find both documents on the pending binding, as the resident confirmed them.
    with staff_api(live_server, clerk.username) as api:
        pending = api.get("/api/v1/bindings/pending").json()
        binding = next(
            b
            for b in pending
            if b["account_no"] == account_no and b["requested_by"]["id"] == resident.id
        )
        docs = api.get(f"/api/v1/documents/bindings/{binding['id']}").json()
    assert [d["type"] for d in docs] == ["water_bill", "id_card"]
    stored_bill, stored_card = (d["fields"] for d in docs)
    expected_bill = {k: f["value"] for k, f in read["fields"].items()}
    expected_bill.update(
        amount=corrected, date=read["fields"]["date"]["value"] or bill.truth["date"]
    )
    assert stored_bill == expected_bill
    assert stored_card["id_number"] == masked
    assert not any(k.endswith("_sealed") for k in stored_card)
