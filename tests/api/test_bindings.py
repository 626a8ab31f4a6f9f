"""Binding a 户号 needs the holder's name plus the last bill or the meter; disputes go to staff."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shuiwu import ratelimit
from shuiwu.models import (
    AuditEntry,
    BillStatus,
    BindingStatus,
    HouseholdMember,
    Notification,
    StaffFunction,
)
from shuiwu.services import bindings
from tests.api.homes import make_home
from tests.conftest import login

MISMATCH = "信息核对不一致，请检查户号、户主姓名和账单金额（或水表编号）"
ACCOUNTS = ("0301000001", "0301000002", "0301000003", "0309999999")


@pytest.fixture(autouse=True)
def fresh_limits():
    """Counters outlive a test (in process, or in Redis): start each test from zero."""
    def clear():
        for n in range(1, 60):
            ratelimit.reset(bindings.user_key(n))
            ratelimit.reset(bindings.dispute_key(n))
        for account_no in ACCOUNTS:
            ratelimit.reset(bindings.account_key(account_no))
    clear()
    yield
    clear()


def bind(client, headers, **body):
    return client.post("/api/v1/households/bind", json={"account_no": "0301000001", **body},
                       headers=headers)


def members(session, household_id):
    session.expire_all()
    return session.scalars(
        select(HouseholdMember).where(HouseholdMember.household_id == household_id)
        .order_by(HouseholdMember.id)
    ).all()


def test_holder_name_and_last_bill_bind_the_household(client, session, make_user):
    home = make_home(session, "0301000001")
    resident = make_user("resident")
    headers = login(client, resident.username)
    assert client.get("/api/v1/households", headers=headers).json() == []

    r = bind(client, headers, holder_name=" 王建国 ", last_bill_amount="86.72")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] == home.id and body["account_no"] == "0301000001"
    assert body["holder_name"] == "王**" and body["meter"]["serial_no"] == "QH0301000001"
    assert [h["id"] for h in client.get("/api/v1/households", headers=headers).json()] == [home.id]
    [member] = members(session, home.id)
    assert (member.status, member.relation) == (BindingStatus.ACTIVE, "owner")
    assert member.evidence == {"verified_by": ["bill"]}

    again = bind(client, headers, holder_name="王建国", last_bill_amount="86.72")
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "您已绑定该户号"


def test_meter_number_works_too_and_later_members_are_family(client, session, make_user):
    home = make_home(session, "0301000001")
    owner, spouse = make_user("resident"), make_user("resident")
    assert bind(client, login(client, owner.username), holder_name="王建国",
                meter_serial="QH0301000001").status_code == 201
    # Full-width spaces in the name, a lower-case serial with spaces: still the same record.
    r = bind(client, login(client, spouse.username), holder_name="王　建国",
             meter_serial="  qh0301000001 ")
    assert r.status_code == 201, r.text
    assert [(m.user_id, m.relation) for m in members(session, home.id)] == [
        (owner.id, "owner"), (spouse.id, "family"),
    ]


def test_a_wrong_detail_and_an_unknown_account_get_the_same_answer(client, session, make_user):
    home = make_home(session, "0301000001", bills=(
        (9, "71.30", BillStatus.PAID), (10, "99.99", BillStatus.CANCELLED),
    ))
    resident = make_user("resident")
    headers = login(client, resident.username)
    attempts = [
        {"holder_name": "李建国", "last_bill_amount": "71.30"},  # wrong name
        {"holder_name": "王建国", "last_bill_amount": "71.31"},  # wrong amount
        {"holder_name": "王建国", "last_bill_amount": "99.99"},  # a cancelled bill is no proof
        {"holder_name": "王建国", "meter_serial": "QH0301000009"},  # wrong meter
        {"holder_name": "王建国", "last_bill_amount": "71.30", "account_no": "0309999999"},  # no such 户号
    ]
    for body in attempts:
        r = bind(client, headers, **body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"] == {"code": "invalid_input", "message": MISMATCH, "fields": []}
    assert members(session, home.id) == []
    failed = session.scalar(select(func.count()).where(
        AuditEntry.action == "household.bind_failed", AuditEntry.actor_id == resident.id))
    assert failed == 5

    need = bind(client, headers, holder_name="王建国")
    assert need.status_code == 422
    assert need.json()["error"]["fields"][0]["message"] == "请填写最近一期账单金额或水表编号"


def test_the_amount_compares_as_a_decimal(client, session, make_user):
    make_home(session, "0301000001", bills=((10, "86.70", BillStatus.UNPAID),))
    resident = make_user("resident")
    r = bind(client, login(client, resident.username), holder_name="王建国", last_bill_amount="86.7")
    assert r.status_code == 201, r.text


def test_failures_are_limited_per_user_and_per_account(client, session, make_user):
    make_home(session, "0301000001")
    guesser = make_user("resident")
    headers = login(client, guesser.username)
    for amount in ("1.00", "2.00", "3.00", "4.00", "5.00"):
        assert bind(client, headers, holder_name="王建国", last_bill_amount=amount).status_code == 422
    # The sixth try is refused before the record is looked at, even with the right amount.
    blocked = bind(client, headers, holder_name="王建国", last_bill_amount="86.72")
    assert blocked.status_code == 429
    assert blocked.json()["error"]["message"].startswith("核对失败次数过多")
    assert int(blocked.headers["Retry-After"]) > 0

    # Ten attempts a day on one 户号, from any number of accounts (the refused one not counted).
    for amounts in (("6.00", "7.00"), ("8.00", "9.00"), ("10.00",)):
        other = login(client, make_user("resident").username)
        for amount in amounts:
            assert bind(client, other, holder_name="王建国", last_bill_amount=amount).status_code == 422
    assert bind(client, other, holder_name="王建国", last_bill_amount="86.72").status_code == 429


def test_staff_cannot_bind_households_to_themselves(client, session, make_user):
    make_home(session, "0301000001")
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    r = bind(client, login(client, clerk.username), holder_name="王建国", last_bill_amount="86.72")
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "只有居民账号可以绑定户号"


def dispute(client, headers, account_no="0301000001"):
    return client.post("/api/v1/households/bind/dispute", headers=headers, json={
        "account_no": account_no, "holder_name": "赵丽", "note": "房屋已过户，户主名尚未变更",
        "contact_phone": "13712345678",
    })


def test_a_dispute_is_stored_for_review_and_unknown_accounts_answer_alike(client, session, make_user):
    home = make_home(session, "0301000001")
    buyer = make_user("resident")
    headers = login(client, buyer.username)
    known, unknown = dispute(client, headers), dispute(client, headers, "0309999999")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json() == {"message": "已提交人工审核，客服将在 1–2 个工作日内处理"}
    [pending] = members(session, home.id)
    assert pending.status == BindingStatus.PENDING and pending.user_id == buyer.id
    assert pending.evidence == {"holder_name": "赵丽", "contact_phone": "13712345678"}
    assert pending.note == "房屋已过户，户主名尚未变更"
    assert session.scalar(select(func.count()).select_from(HouseholdMember)) == 1
    # A pending binding shows nothing yet.
    assert client.get("/api/v1/households", headers=headers).json() == []
    assert client.get(f"/api/v1/households/{home.id}", headers=headers).status_code == 404


def test_customer_service_reviews_disputes_and_the_resident_is_told(client, session, make_user):
    home = make_home(session, "0301000001")
    buyer = make_user("resident", phone="13812348000")
    rejected_one = make_user("resident")
    dispute(client, login(client, buyer.username))
    dispute(client, login(client, rejected_one.username))
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    headers = login(client, clerk.username)

    listed = client.get("/api/v1/bindings/pending", headers=headers)
    assert listed.status_code == 200, listed.text
    first, second = listed.json()
    assert first["account_no"] == "0301000001" and first["address"] == home.address
    assert first["holder_name"] == "王**"
    assert first["requested_by"] == {"id": buyer.id, "username": buyer.username, "phone": "138****8000"}
    assert first["evidence"]["holder_name"] == "赵丽" and first["note"].startswith("房屋已过户")
    assert session.scalar(select(func.count()).where(
        AuditEntry.action == "binding.view_pending", AuditEntry.actor_id == clerk.id)) == 1

    approved = client.post(f"/api/v1/bindings/{first['id']}/approve", headers=headers, json={})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "active" and approved.json()["relation"] == "owner"
    assert client.post(f"/api/v1/bindings/{first['id']}/approve", headers=headers).status_code == 409

    no_reason = client.post(f"/api/v1/bindings/{second['id']}/reject", headers=headers, json={})
    assert no_reason.status_code == 422
    rejected = client.post(f"/api/v1/bindings/{second['id']}/reject", headers=headers,
                           json={"note": "未能提供房产证明"})
    assert rejected.json()["status"] == "revoked"
    assert client.get("/api/v1/bindings/pending", headers=headers).json() == []

    buyer_headers = login(client, buyer.username)
    assert [h["id"] for h in client.get("/api/v1/households", headers=buyer_headers).json()] == [home.id]
    [told] = client.get("/api/v1/notifications", headers=buyer_headers).json()
    assert told["kind"] == "binding_approved" and "0301000001" in told["body"]
    [refused] = client.get("/api/v1/notifications", headers=login(client, rejected_one.username)).json()
    assert refused["title"] == "户号绑定未通过" and "未能提供房产证明" in refused["body"]
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == clerk.id)))
    assert {"binding.approve", "binding.reject"} <= actions
    assert session.scalar(select(func.count()).select_from(Notification)) == 2


@pytest.mark.parametrize("role, function", [
    ("staff", StaffFunction.FIELD_REPAIR), ("staff", None), ("resident", None),
])
def test_only_customer_service_and_admins_review(client, session, make_user, role, function):
    make_home(session, "0301000001")
    dispute(client, login(client, make_user("resident").username))
    [pending] = session.scalars(select(HouseholdMember)).all()
    other = make_user(role, staff_function=function) if function else make_user(role)
    headers = login(client, other.username)
    for method, path, body in (
        ("GET", "/api/v1/bindings/pending", None),
        ("POST", f"/api/v1/bindings/{pending.id}/approve", {}),
        ("POST", f"/api/v1/bindings/{pending.id}/reject", {"note": "不予通过"}),
    ):
        r = client.request(method, path, headers=headers, json=body)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"]["message"] == "只有客服或管理员可以审核户号绑定"
    session.expire_all()
    assert session.get(HouseholdMember, pending.id).status == BindingStatus.PENDING
    admin = make_user("admin")
    assert client.post(f"/api/v1/bindings/{pending.id}/approve",
                       headers=login(client, admin.username)).status_code == 200


def test_a_resident_unbinds_only_their_own_household(client, session, make_user):
    mine_owner, other_owner = make_user("resident"), make_user("resident")
    mine = make_home(session, "0301000001", owner=mine_owner)
    theirs = make_home(session, "0301000002", owner=other_owner)
    headers = login(client, mine_owner.username)
    assert client.delete(f"/api/v1/households/{theirs.id}/binding", headers=headers).status_code == 404
    r = client.delete(f"/api/v1/households/{mine.id}/binding", headers=headers)
    assert r.status_code == 204
    assert client.get("/api/v1/households", headers=headers).json() == []
    again = client.delete(f"/api/v1/households/{mine.id}/binding", headers=headers)
    assert again.status_code == 404
    assert again.json()["error"]["message"] == "未找到该户号，或您无权查看"
    assert [m.status for m in members(session, theirs.id)] == [BindingStatus.ACTIVE]
    # Binding again later reuses the row, with proof.
    assert bind(client, headers, holder_name="王建国", last_bill_amount="86.72").status_code == 201
