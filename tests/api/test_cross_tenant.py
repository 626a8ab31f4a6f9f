"""Resident A can neither read nor change anything of resident B's through any route that takes
an id; staff see only what their function needs; nothing but the public routes answers anonymously.

The routes are discovered from the app itself. A new route that takes an id fails this module
until it is listed in COVERED (with the body to send) or EXCLUDED (with the reason), and a new
/api/ route fails the anonymous check until it is either protected or listed in PUBLIC.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from shuiwu.db import Base, new_session
from shuiwu.models import (
    AuditEntry,
    AuthSession,
    Bill,
    HouseholdMember,
    Notification,
    NotificationChannel,
    Payment,
    PaymentMethod,
    StaffFunction,
    Ticket,
    TicketCategory,
)
from tests.api.homes import make_home
from tests.conftest import login

ID_PARAM = re.compile(r"\{(\w+_id|id)(?::\w+)?\}")
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")

# Every route that takes an id, and the body resident A sends with B's ids (None: no body).
COVERED: dict[tuple[str, str], dict | None] = {
    ("GET", "/api/v1/households/{household_id}"): None,
    ("GET", "/api/v1/households/{household_id}/bills"): None,
    ("GET", "/api/v1/households/{household_id}/bills/preview"): None,
    ("POST", "/api/v1/households/{household_id}/bills"): {"month": "2026-10"},
    ("GET", "/api/v1/households/{household_id}/usage"): None,
    ("GET", "/api/v1/households/{household_id}/usage.csv"): None,
    ("DELETE", "/api/v1/households/{household_id}/binding"): None,
    ("POST", "/api/v1/bindings/{binding_id}/approve"): {"note": "本人申请"},
    ("POST", "/api/v1/bindings/{binding_id}/reject"): {"note": "抢占他人户号"},
    ("PATCH", "/api/v1/admin/users/{user_id}"): {"role": "admin", "is_active": False},
    ("POST", "/api/v1/notifications/{notification_id}/read"): None,
    ("DELETE", "/api/v1/auth/sessions/{session_id}"): None,
    ("GET", "/api/v1/payments/{payment_id}"): None,
    ("POST", "/api/v1/payments/{payment_id}/sync"): None,
    ("GET", "/api/v1/households/{household_id}/payments"): None,
    ("GET", "/api/v1/forecasts/jobs/{job_id}"): None,
    ("POST", "/api/v1/forecasts/jobs/{job_id}/cancel"): None,
    ("POST", "/api/v1/forecasts/jobs/{job_id}/save"): {"name": "抢来的预测"},
    ("DELETE", "/api/v1/forecasts/jobs/{job_id}"): None,
    ("GET", "/api/v1/forecasts/jobs/{job_id}/export"): None,
    ("GET", "/api/v1/forecasts/households/{household_id}/outlook"): None,
    ("GET", "/api/v1/documents/bindings/{binding_id}"): None,
    ("GET", "/api/v1/uploads/{upload_id}"): None,
    ("POST", "/api/v1/readings/photos/{photo_id}/confirm"): {},
    ("GET", "/api/v1/readings/photos/{photo_id}/window.png"): None,
    ("GET", "/api/v1/readings/photos/{photo_id}/image"): None,
    ("POST", "/api/v1/readings/photos/{photo_id}/approve"): {},
    ("POST", "/api/v1/readings/photos/{photo_id}/correct"): {"value": "1.000"},
    ("POST", "/api/v1/readings/photos/{photo_id}/reject"): {"note": "不是本户"},
    ("GET", "/api/v1/tickets/{ticket_id}"): None,
    ("POST", "/api/v1/tickets/{ticket_id}/status"): {"status": "cancelled", "note": "不修了"},
    ("POST", "/api/v1/tickets/{ticket_id}/assign"): {"assignee_id": 1},
}
# Routes with an id that a resident cannot aim at someone else's data, and why.
_KB_SHARED = "knowledge-base entries are shared content, not a resident's data; writes are staff-only (403 for residents: tests/api/test_kb_editing.py)"
EXCLUDED: dict[tuple[str, str], str] = {
    **{("POST" if suffix else "GET", f"/api/v1/chat/handoffs/{{handoff_id}}{suffix}"):
       "staff console of human handoff: residents get 403 (tests/api/test_handoff.py)"
       for suffix in ("", "/accept", "/messages", "/close")},
    ("GET", "/api/v1/kb/entries/{entry_id}"): "published FAQ entries are public reading",
    ("POST", "/api/v1/kb/entries/{entry_id}/rate"): "anyone may rate a published FAQ entry",
    ("PUT", "/api/v1/kb/entries/{entry_id}"): _KB_SHARED,
    ("POST", "/api/v1/kb/entries/{entry_id}/retire"): _KB_SHARED,
    ("POST", "/api/v1/kb/entries/{entry_id}/rollback"): _KB_SHARED,
    ("GET", "/api/v1/kb/entries/{entry_id}/history"): _KB_SHARED,
    ("POST", "/api/v1/kb/queue/{item_id}/close"): "the staff queue of unanswered questions; staff-only",
    ("POST", "/api/v1/documents/{read_id}/confirm"): "read_id is a signed token bound to the user who read the document; anyone else's is not found (tests/documents/test_documents_api.py)",
}
# /api/ routes that answer without a login, and why that is safe.
PUBLIC: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/auth/login"): "signing in",
    ("POST", "/api/v1/auth/login/sms/send"): "signing in by SMS code (rate-limited)",
    ("POST", "/api/v1/auth/login/sms"): "signing in by SMS code",
    ("POST", "/api/v1/auth/register"): "self-registration",
    ("POST", "/api/v1/auth/register/verify"): "self-registration",
    ("POST", "/api/v1/auth/password/forgot"): "password reset by code",
    ("POST", "/api/v1/auth/password/reset"): "password reset by code",
    ("POST", "/api/v1/auth/not-me"): "the signed link of a new-place alert",
    ("POST", "/api/v1/auth/logout"): "ends whatever session the caller names; quiet if none",
    ("POST", "/api/v1/kb/ask"): "the FAQ assistant answers visitors too (questions only, no personal data)",
    ("GET", "/api/v1/kb/entries"): "published FAQ entries are public reading",
    ("GET", "/api/v1/kb/entries/{entry_id}"): "published FAQ entries are public reading",
    ("POST", "/api/v1/kb/entries/{entry_id}/rate"): "有帮助/没帮助 on a published entry, anonymous allowed",
    ("POST", "/api/v1/payments/notify/wechat"): "gateway callback, accepted only if WeChat signed it",
    ("POST", "/api/v1/payments/notify/alipay"): "gateway callback, accepted only if Alipay signed it",
}


def _app_routes() -> list[tuple[str, str]]:
    """(method, full path) of every API route, included routers flattened."""
    from fastapi.routing import iter_route_contexts

    from shuiwu.main import create_app

    found = set()
    for route in iter_route_contexts(create_app().routes):
        if isinstance(route.original_route, APIRoute):
            found.update((method, route.path) for method in route.methods - {"HEAD"})
    return sorted(found, key=lambda r: (r[1], r[0]))


ROUTES = _app_routes()
ID_ROUTES = [r for r in ROUTES if ID_PARAM.search(r[1])]
API_ROUTES = [r for r in ROUTES if r[1].startswith("/api/")]


def _name(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1]}"


def test_every_id_route_is_exercised_or_excluded_with_a_reason():
    uncovered = [r for r in ID_ROUTES if r not in COVERED and r not in EXCLUDED]
    stale = [r for r in (*COVERED, *EXCLUDED) if r not in ID_ROUTES]
    print(f"\n{len(COVERED)} id-taking routes exercised as another resident:")
    for route in COVERED:
        print("  ", _name(route))
    for route, why in EXCLUDED.items():
        print("   excluded:", _name(route), "—", why)
    assert not uncovered, f"未覆盖的路由，请加入 COVERED 或 EXCLUDED：{[_name(r) for r in uncovered]}"
    assert not stale, f"已不存在的路由：{[_name(r) for r in stale]}"
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert len(ID_ROUTES) == len(COVERED) + len(EXCLUDED)


@pytest.fixture
def tenants(session, make_user):
    """Resident A with a household of their own; resident B with a household, a bill, a ticket,
    a payment, a notification, a login session and a binding."""
    a, b = make_user("resident"), make_user("resident")
    home_a = make_home(session, "0401000001", owner=a)
    home_b = make_home(session, "0401000002", owner=b, holder_name="刘芳")
    bill_b = session.scalar(select(Bill).where(Bill.household_id == home_b.id).limit(1))
    binding_b = session.scalar(select(HouseholdMember).where(HouseholdMember.user_id == b.id))
    now = datetime.now(UTC)
    ticket_b = Ticket(ticket_no="T20261101001", household_id=home_b.id, reporter_id=b.id,
                      category=TicketCategory.LEAK, description="厨房水管漏水")
    payment_b = Payment(household_id=home_b.id, bill_id=bill_b.id, payer_id=b.id,
                        amount=Decimal("86.72"), method=PaymentMethod.WECHAT)
    note_b = Notification(user_id=b.id, channel=NotificationChannel.IN_APP, kind="bill_issued",
                          title="账单已出", body="您的 10 月账单已出")
    login_b = AuthSession(id="b" * 32, user_id=b.id, method="password",
                          expires_at=now + timedelta(days=1))
    session.add_all([ticket_b, payment_b, note_b, login_b])
    session.commit()
    ids_of_b = {
        "household_id": home_b.id, "bill_id": bill_b.id, "ticket_id": ticket_b.id,
        "payment_id": payment_b.id, "notification_id": note_b.id, "session_id": login_b.id,
        "binding_id": binding_b.id, "user_id": b.id,
    }
    from shuiwu.models import ForecastJob, JobStatus

    job_b = ForecastJob(owner_id=b.id, config={"regions": []}, status=JobStatus.DONE, result={"regions": []})
    session.add(job_b)
    session.commit()
    ids_of_b["job_id"] = job_b.id
    from shuiwu.models.photos import MeterPhoto, PhotoStatus, Upload

    upload_b = Upload(key="b" * 32, owner_id=b.id, kind="image", content_type="image/jpeg",
                      size=1, sha256="0" * 64)
    session.add(upload_b)
    session.flush()
    photo_b = MeterPhoto(household_id=home_b.id, meter_id=home_b.active_meter.id,
                         upload_id=upload_b.id, submitted_by_id=b.id, status=PhotoStatus.CONFIRM,
                         proposed_value=Decimal("120.500"), digits=[], reason="", wheels=0)
    session.add(photo_b)
    session.commit()
    ids_of_b["upload_id"], ids_of_b["photo_id"] = upload_b.id, photo_b.id
    return a, home_a, ids_of_b


# Changed by reading on purpose: the audit log (append-only, may note a refused attempt) and a
# session's last-seen time (touched by A's own requests).
IGNORED_TABLES = {"audit_log"}
IGNORED_COLUMNS = {"auth_sessions": {"last_seen_at"}}


def fingerprint() -> dict[str, str]:
    """A hash of every row of every table, read through a new session."""
    import shuiwu.models  # noqa: F401  (registers the tables)

    digests = {}
    with new_session() as s:
        for table in Base.metadata.sorted_tables:
            if table.name in IGNORED_TABLES:
                continue
            skip = IGNORED_COLUMNS.get(table.name, set())
            columns = [c for c in table.columns if c.name not in skip]
            rows = s.execute(select(*columns).order_by(*table.primary_key.columns)).all()
            digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def _fill(path: str, ids: dict) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name not in ids:
            pytest.fail(f"不知道为路径参数 {name} 提供哪个他人的 id：请在 tenants 中补充")
        return str(ids[name])

    return PARAM.sub(one, path)


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("route", ID_ROUTES, ids=_name)
def test_resident_cannot_touch_another_residents_data(client, tenants, route):
    if route in EXCLUDED:
        pytest.skip(EXCLUDED[route])
    if route not in COVERED:
        pytest.fail(f"未覆盖的路由 {_name(route)}：请加入 COVERED 或 EXCLUDED")
    a, home_a, ids_of_b = tenants
    headers = login(client, a.username)
    # The identity works: A reaches A's own household.
    assert client.get(f"/api/v1/households/{home_a.id}", headers=headers).status_code == 200
    method, path = route
    before = fingerprint()
    body = COVERED[route]
    r = client.request(method, _fill(path, ids_of_b), headers=headers,
                       json=body if body is not None else None)
    assert r.status_code in (403, 404), f"{_name(route)} → {r.status_code} {r.text}"
    assert _chinese(r.json()["error"]["message"]), r.text
    assert fingerprint() == before, f"{_name(route)} changed the database"


@pytest.mark.parametrize("route", API_ROUTES, ids=_name)
def test_anonymous_callers_get_401_everywhere_but_public_routes(client, route):
    if route in PUBLIC:
        pytest.skip(f"public: {PUBLIC[route]}")
    method, path = route
    filled = PARAM.sub("1", path)
    r = client.request(method, filled, json={} if method in ("POST", "PUT", "PATCH") else None)
    assert r.status_code == 401, f"{_name(route)} → {r.status_code} {r.text}"
    assert _chinese(r.json()["error"]["message"])


def test_field_repair_sees_households_but_not_accounts_or_roles(client, session, make_user):
    home = make_home(session, "0401000003", owner=make_user("resident"))
    fixer = make_user("staff", staff_function=StaffFunction.FIELD_REPAIR)
    headers = login(client, fixer.username)
    assert client.get(f"/api/v1/households/{home.id}", headers=headers).status_code == 200
    found = client.get("/api/v1/households", params={"account_no": "0401000003"}, headers=headers)
    assert [h["id"] for h in found.json()] == [home.id]
    for suffix in ("bills", "bills/preview", "usage", "usage.csv"):
        r = client.get(f"/api/v1/households/{home.id}/{suffix}", headers=headers)
        assert r.status_code == 403, (suffix, r.text)
        assert r.json()["error"]["message"] == "您的岗位无权查看账单、用水量或缴费信息"
    # Refused before any lookup: an id that does not exist answers the same.
    assert client.get("/api/v1/households/999999/bills", headers=headers).status_code == 403
    r = client.patch(f"/api/v1/admin/users/{fixer.id}", headers=headers, json={"role": "admin"})
    assert r.status_code == 403
    actions = session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor_id == fixer.id, AuditEntry.object_type == "household")).all()
    assert actions == ["household.view", "household.view"]


def test_customer_service_reads_accounts_audited_but_cannot_change_roles(client, session, make_user):
    resident = make_user("resident")
    home = make_home(session, "0401000004", owner=resident)
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    headers = login(client, clerk.username)
    assert client.get(f"/api/v1/households/{home.id}/bills", headers=headers).status_code == 200
    export = client.get(f"/api/v1/households/{home.id}/usage.csv", headers=headers)
    assert export.status_code == 200 and export.text.startswith("\ufeff户号")
    audited = session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor_id == clerk.id, AuditEntry.object_id == str(home.id))).all()
    assert sorted(audited) == ["bill.view", "usage.export", "usage.view"]

    promote = client.patch(f"/api/v1/admin/users/{clerk.id}", headers=headers, json={"role": "admin"})
    assert promote.status_code == 403
    make_admin = client.post("/api/v1/admin/users", headers=headers, json={
        "username": "new_boss", "password": "Boss2026power", "role": "admin"})
    assert make_admin.status_code == 403
    assert session.scalar(select(func.count()).where(AuditEntry.action == "user.role_change")) == 0
    assert session.scalar(select(func.count()).where(AuditEntry.action == "user.create",
                                                     AuditEntry.actor_id == clerk.id)) == 0


def test_a_residents_own_export_is_audited_too(client, session, make_user):
    resident = make_user("resident")
    home = make_home(session, "0401000005", owner=resident)
    r = client.get(f"/api/v1/households/{home.id}/usage.csv", headers=login(client, resident.username))
    assert r.status_code == 200
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "usage.export")).all()
    assert (entry.actor_id, entry.object_id) == (resident.id, str(home.id))
