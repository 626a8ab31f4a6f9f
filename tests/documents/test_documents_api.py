"""POST /api/v1/documents/read and /{read_id}/confirm against the real database: nothing is
kept until confirmed, what is kept lands where customer service already look, ID numbers are
encrypted at rest and masked in every answer and log, bad files and other people's uploads
are refused in Chinese with nothing stored."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select, text

from shuiwu import crypto
from shuiwu.db import new_session
from shuiwu.models import AuditEntry, BindingStatus, HouseholdMember, Notification, StaffFunction
from shuiwu.models.photos import Upload
from shuiwu.services.documents import ID_CONTEXT
from tests.api.homes import make_home
from tests.conftest import login
from tests.vision.conftest import png_header

READ = "/api/v1/documents/read"


def counts() -> dict[str, int]:
    with new_session() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m))
                for m in (HouseholdMember, AuditEntry, Notification, Upload)}


def _chinese(message: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in message)


def _confirm_body(read: dict, **extra) -> dict:
    return {"fields": {k: f["value"] for k, f in read["fields"].items()}, **extra}


def test_id_card_read_stores_nothing_then_files_a_transfer_request(
    client, session, make_user, samples, id_card_jpeg, caplog
):
    resident, other = make_user("resident"), make_user("resident")
    staff = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    home = make_home(session, "3101000007", holder_name="王建国")
    number = samples["id_card"].truth["id_number"]
    masked = f"{number[:4]}**********{number[-4:]}"
    me, them, cs = (login(client, u.username) for u in (resident, other, staff))
    caplog.set_level(logging.DEBUG)

    before = counts()
    response = client.post(READ, headers=me, files={"file": ("card.jpg", id_card_jpeg, "image/jpeg")})
    assert response.status_code == 200, response.text
    read = response.json()
    assert read["type"] == "id_card" and read["type_label"] == "居民身份证"
    assert read["fields"]["id_number"]["value"] == masked
    assert read["fields"]["name"]["value"] == samples["id_card"].truth["name"]
    assert number not in response.text
    assert counts() == before  # reading kept nothing

    # someone else cannot use my read
    theirs = client.post(f"/api/v1/documents/{read['read_id']}/confirm",
                         headers=them, json=_confirm_body(read, account_no="3101000007"))
    assert theirs.status_code == 404 and "重新上传" in theirs.text
    assert counts() == before

    done = client.post(f"/api/v1/documents/{read['read_id']}/confirm", headers=me,
                       json=_confirm_body(read, account_no="3101000007"))
    assert done.status_code == 200, done.text
    assert done.json()["stored"] == "binding_request" and "审核" in done.json()["message"]

    session.expire_all()
    member = session.scalar(select(HouseholdMember).where(HouseholdMember.user_id == resident.id))
    assert member.household_id == home.id and member.status is BindingStatus.PENDING
    doc = member.evidence["documents"][0]
    assert doc["type"] == "id_card" and doc["fields"]["id_number"] == masked
    assert crypto.keyring().decrypt(doc["fields"]["id_number_sealed"], ID_CONTEXT) == number
    raw = session.execute(text("SELECT evidence FROM household_members WHERE id = :i"), {"i": member.id}).scalar()
    assert number not in str(raw) and masked not in str(raw)  # the whole evidence is ciphertext

    # customer service see it, masked; another resident may not
    shown = client.get(f"/api/v1/documents/bindings/{member.id}", headers=cs)
    assert shown.status_code == 200 and shown.json()[0]["fields"]["id_number"] == masked
    assert number not in shown.text and "sealed" not in shown.text
    queue = client.get("/api/v1/bindings/pending", headers=cs)
    assert number not in queue.text
    refused = client.get(f"/api/v1/documents/bindings/{member.id}", headers=them)
    assert refused.status_code == 403
    assert number not in caplog.text and number[6:14] not in caplog.text


def test_bill_of_a_bound_household_is_kept_as_evidence_with_corrections(client, session, make_user, samples):
    bill = samples["water_bill"]
    resident, other = make_user("resident"), make_user("resident")
    make_home(session, bill.truth["account_no"], owner=resident)
    me, them = login(client, resident.username), login(client, other.username)
    uploaded = client.post("/api/v1/uploads", headers=me, files={"file": ("bill.jpg", bill.jpeg(), "image/jpeg")})
    assert uploaded.status_code == 201, uploaded.text
    upload_id = uploaded.json()["upload_id"]

    before = counts()
    stolen = client.post(READ, headers=them, data={"upload_id": str(upload_id)})
    assert stolen.status_code == 404 and "无权" in stolen.text
    assert counts() == before

    read = client.post(READ, headers=me, data={"upload_id": str(upload_id)})
    assert read.status_code == 200, read.text
    read = read.json()
    assert read["type"] == "water_bill"
    assert read["fields"]["account_no"]["value"] == bill.truth["account_no"]
    assert read["fields"]["amount"]["value"] == bill.truth["amount"]
    assert counts() == before

    body = _confirm_body(read)
    bad = client.post(f"/api/v1/documents/{read['read_id']}/confirm", headers=me,
                      json={**body, "fields": {**body["fields"], "date": "2024-02-30"}})
    assert bad.status_code == 422 and "日期" in bad.text
    assert counts() == before

    body["fields"]["amount"] = "12.3"  # the resident corrects what was read
    done = client.post(f"/api/v1/documents/{read['read_id']}/confirm", headers=me, json=body)
    assert done.status_code == 200, done.text
    assert done.json()["stored"] == "evidence"
    session.expire_all()
    member = session.scalar(select(HouseholdMember).where(HouseholdMember.user_id == resident.id))
    assert member.status is BindingStatus.ACTIVE
    doc = member.evidence["documents"][-1]
    assert doc["fields"]["amount"] == "12.30" and doc["upload_id"] == upload_id
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "document.confirm"))
    assert entry.detail["doc_type"] == "water_bill" and "12.30" not in str(entry.detail)


@pytest.mark.parametrize(
    ("name", "payload", "expect"),
    [
        ("forged.jpg", b"MZ\x90\x00 this is a program, not a photo" * 20, "不是照片"),
        ("huge.jpg", b"\xff\xd8\xff\xe0" + b"\0" * (16 * 1048576), "MB"),
        ("bomb.png", png_header(30000, 30000), "像素"),
        ("empty.jpg", b"", "空"),
    ],
)
def test_bad_files_are_refused_in_chinese_and_nothing_is_stored(client, make_user, name, payload, expect):
    me = login(client, make_user("resident").username)
    before = counts()
    response = client.post(READ, headers=me, files={"file": (name, payload, "image/jpeg")})
    assert response.status_code == 422, response.text
    assert expect in response.text and _chinese(response.text)
    assert counts() == before


def test_read_needs_a_login_and_a_file(client, make_user):
    assert client.post(READ, files={"file": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")}).status_code == 401
    response = client.post(READ, headers=login(client, make_user("resident").username))
    assert response.status_code == 422 and "上传" in response.text


def test_reading_is_rate_limited_per_user(client, make_user):
    me = login(client, make_user("resident").username)
    forged = {"file": ("x.jpg", b"not a photo at all, just text" * 4, "image/jpeg")}
    for _ in range(30):
        assert client.post(READ, headers=me, files=forged).status_code == 422
    response = client.post(READ, headers=me, files=forged)
    assert response.status_code == 429 and "识别次数过多" in response.text


def test_customer_service_attach_a_counter_document_to_a_binding(client, session, make_user, samples):
    resident = make_user("resident")
    cs = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    repair = make_user("staff", staff_function=StaffFunction.FIELD_REPAIR)
    make_home(session, "3102000011", owner=resident)
    binding = session.scalar(select(HouseholdMember).where(HouseholdMember.user_id == resident.id))
    staff_headers, repair_headers = login(client, cs.username), login(client, repair.username)

    read = client.post(READ, headers=staff_headers,
                       files={"file": ("invoice.jpg", samples["invoice"].jpeg(), "image/jpeg")})
    assert read.status_code == 200, read.text
    read = read.json()
    assert read["type"] == "invoice"
    url = f"/api/v1/documents/{read['read_id']}/confirm"
    nowhere = client.post(url, headers=staff_headers, json=_confirm_body(read))
    assert nowhere.status_code == 422 and "绑定申请" in nowhere.text

    done = client.post(url, headers=staff_headers, json=_confirm_body(read, binding_id=binding.id))
    assert done.status_code == 200 and done.json()["stored"] == "attached"
    listed = client.get(f"/api/v1/documents/bindings/{binding.id}", headers=staff_headers).json()
    assert [d["type"] for d in listed] == ["invoice"]
    assert listed[0]["fields"]["invoice_no"] == samples["invoice"].truth["invoice_no"]
    # field repair staff have no business with account paperwork
    assert client.get(f"/api/v1/documents/bindings/{binding.id}", headers=repair_headers).status_code == 403
