"""Repair tickets through the API, on a real database: a resident files one with a photo and a
video, customer service dispatch it, field repair move it along, the resident follows each step
(and is notified) and confirms or reopens it. Each role sees and does only what it should."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shuiwu.models import Notification, StaffFunction, Ticket, TicketEvent
from tests.api.homes import make_home
from tests.api.test_uploads import MP4, png
from tests.conftest import login


@pytest.fixture
def people(client, session, make_user):
    resident, other = make_user("resident"), make_user("resident")
    home = make_home(session, "0501000001", owner=resident)
    make_home(session, "0501000002", owner=other)
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    fixer = make_user("staff", staff_function=StaffFunction.FIELD_REPAIR)
    other_fixer = make_user("staff", staff_function=StaffFunction.FIELD_REPAIR)
    return {
        "home": home, "fixer": fixer,
        "resident": login(client, resident.username), "other": login(client, other.username),
        "clerk": login(client, clerk.username), "fixer_h": login(client, fixer.username),
        "other_fixer": login(client, other_fixer.username),
    }


def upload(client, headers, data: bytes, name: str) -> int:
    response = client.post("/api/v1/uploads", headers=headers, files={"file": (name, data, "image/png")})
    assert response.status_code == 201, response.text
    return response.json()["upload_id"]


def file_ticket(client, people, **extra):
    body = {"household_id": people["home"].id, "category": "leak", "location": "厨房水槽下面",
            "description": "接头一直在滴水，柜子湿了", "contact_time": "明天上午"} | extra
    return client.post("/api/v1/tickets", json=body, headers=people["resident"])


def ticket_count(session) -> int:
    return session.scalar(select(func.count(Ticket.id)))


def test_a_repair_goes_from_filing_to_the_residents_confirmation(client, session, people):
    photo = upload(client, people["resident"], png(), "leak.png")
    video = upload(client, people["resident"], MP4, "leak.mp4")
    filed = file_ticket(client, people, upload_ids=[photo, video])
    assert filed.status_code == 201, filed.text
    ticket = filed.json()
    assert ticket["status_label"] == "已提交，等待派单" and ticket["category_label"] == "漏水/爆管"
    assert [a["kind"] for a in ticket["attachments"]] == ["image", "video"]
    assert "厨房水槽下面" in ticket["description"] and ticket["actions"] == ["cancel"]
    assert ticket.get("address") is None  # staff-only fields stay empty for the resident
    tid = ticket["id"]
    # The resident's own list shows it; the photo can be opened from it.
    mine = client.get("/api/v1/tickets", headers=people["resident"]).json()
    assert [t["ticket_no"] for t in mine] == [ticket["ticket_no"]]
    assert client.get(ticket["attachments"][0]["url"], headers=people["resident"]).content == png()

    # Customer service see it in the queue with the address, and dispatch it.
    queue = client.get("/api/v1/tickets/queue", headers=people["clerk"]).json()
    assert [t["id"] for t in queue] == [tid]
    assert queue[0]["address"].startswith("清河市") and queue[0]["contact_phone"] == "13900001111"
    staff = client.get("/api/v1/tickets/repair-staff", headers=people["clerk"]).json()
    assert people["fixer"].id in [s["id"] for s in staff]
    assigned = client.post(f"/api/v1/tickets/{tid}/assign", json={"assignee_id": people["fixer"].id},
                           headers=people["clerk"])
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "assigned"

    # Only the assigned repairer sees it in their queue.
    assert [t["id"] for t in client.get("/api/v1/tickets/queue", headers=people["fixer_h"]).json()] == [tid]
    assert client.get("/api/v1/tickets/queue", headers=people["other_fixer"]).json() == []
    assert client.get(f"/api/v1/tickets/{tid}", headers=people["other_fixer"]).status_code == 404
    for step, note in (("in_progress", None), ("resolved", "更换了水槽下的角阀")):
        moved = client.post(f"/api/v1/tickets/{tid}/status", json={"status": step, "note": note},
                            headers=people["fixer_h"])
        assert moved.status_code == 200, moved.text

    # The resident sees every step, who took it (not the staff account), and was told each time.
    seen = client.get(f"/api/v1/tickets/{tid}", headers=people["resident"]).json()
    assert [e["label"] for e in seen["events"]] == ["已提交", "已派单", "维修中", "已修好"]
    assert [e["by"] for e in seen["events"]] == ["居民", "客服", "维修人员", "维修人员"]
    assert seen["events"][-1]["note"] == "更换了水槽下的角阀"
    assert people["fixer"].username not in str(seen)
    assert seen["actions"] == ["reopen", "close"]
    notes = client.get("/api/v1/notifications", headers=people["resident"]).json()
    assert [n["title"] for n in notes][:3] == ["报修进度：已修好", "报修进度：维修中", "报修进度：已派单"]
    assert "更换了水槽下的角阀" in notes[0]["body"]

    # Not fixed after all: back to the repairer, with what is still wrong; then confirmed.
    no_note = client.post(f"/api/v1/tickets/{tid}/status", json={"status": "in_progress"},
                          headers=people["resident"])
    assert no_note.status_code == 422 and no_note.json()["error"]["message"] == "请说明还有什么问题没有修好"
    reopened = client.post(f"/api/v1/tickets/{tid}/status",
                           json={"status": "in_progress", "note": "角阀还在渗水"}, headers=people["resident"])
    assert reopened.json()["status"] == "in_progress"
    client.post(f"/api/v1/tickets/{tid}/status", json={"status": "resolved", "note": "重新缠了生料带"},
                headers=people["fixer_h"])
    closed = client.post(f"/api/v1/tickets/{tid}/status", json={"status": "closed"}, headers=people["resident"])
    assert closed.json()["status_label"] == "已关闭" and closed.json()["actions"] == []
    assert session.scalar(select(func.count(TicketEvent.id))) == 7


def test_another_resident_can_neither_see_nor_touch_a_ticket(client, session, people):
    tid = file_ticket(client, people).json()["id"]
    assert client.get(f"/api/v1/tickets/{tid}", headers=people["other"]).status_code == 404
    cancel = client.post(f"/api/v1/tickets/{tid}/status", json={"status": "cancelled"}, headers=people["other"])
    assert cancel.status_code == 404
    assert client.get("/api/v1/tickets", headers=people["other"]).json() == []
    # Nor file one for a household that is not theirs.
    theirs = client.post("/api/v1/tickets", headers=people["other"], json={
        "household_id": people["home"].id, "category": "leak", "location": "门口",
        "description": "漏水", "contact_time": "随时"})
    assert theirs.status_code == 404 and ticket_count(session) == 1


def test_someone_elses_upload_cannot_be_attached(client, session, people):
    theirs = upload(client, people["other"], png(), "x.png")
    refused = file_ticket(client, people, upload_ids=[theirs])
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == "有照片或视频找不到或不是您上传的，请重新上传后再提交"
    assert ticket_count(session) == 0


@pytest.mark.parametrize(("extra", "message"), [
    ({"description": " "}, "请填写情况描述"),
    ({"location": "楼" * 201}, "故障位置太长了，请控制在 200 字以内"),
    ({"contact_time": ""}, "请填写方便联系的时间"),
])
def test_bad_input_files_nothing(client, session, people, extra, message):
    response = file_ticket(client, people, **extra)
    assert response.status_code == 422 and response.json()["error"]["message"] == message
    assert ticket_count(session) == 0


def test_each_role_makes_only_its_own_moves(client, session, people):
    tid = file_ticket(client, people).json()["id"]
    # A repairer cannot dispatch, and cannot see an unassigned ticket at all.
    assert client.post(f"/api/v1/tickets/{tid}/assign", json={"assignee_id": people["fixer"].id},
                       headers=people["fixer_h"]).status_code == 403
    assert client.post(f"/api/v1/tickets/{tid}/status", json={"status": "in_progress"},
                       headers=people["fixer_h"]).status_code == 404
    # A resident cannot mark their own ticket repaired, nor assign it.
    skip = client.post(f"/api/v1/tickets/{tid}/status", json={"status": "resolved"}, headers=people["resident"])
    assert skip.status_code == 422 and "不能改为“已修好”" in skip.json()["error"]["message"]
    assert client.post(f"/api/v1/tickets/{tid}/assign", json={"assignee_id": people["fixer"].id},
                       headers=people["resident"]).status_code == 403
    # Dispatching to someone who is not field repair staff is refused.
    wrong = client.post(f"/api/v1/tickets/{tid}/assign", json={"assignee_id": 999999}, headers=people["clerk"])
    assert wrong.status_code == 422 and wrong.json()["error"]["message"] == "请选择一位在岗的维修人员"
    # Marking repaired needs a note of what was done; cancelling by staff needs a reason.
    client.post(f"/api/v1/tickets/{tid}/assign", json={"assignee_id": people["fixer"].id}, headers=people["clerk"])
    bare = client.post(f"/api/v1/tickets/{tid}/status", json={"status": "resolved"}, headers=people["fixer_h"])
    assert bare.status_code == 422 and bare.json()["error"]["message"] == "请写明处理结果"
    assert session.get(Ticket, tid).status.value == "assigned"
    # The resident may still withdraw it before work starts; after that nothing moves it.
    withdrawn = client.post(f"/api/v1/tickets/{tid}/status", json={"status": "cancelled"}, headers=people["resident"])
    assert withdrawn.json()["status_label"] == "已撤销"
    late = client.post(f"/api/v1/tickets/{tid}/status", json={"status": "in_progress"}, headers=people["fixer_h"])
    assert late.status_code == 422
    # The withdrawal is not notified back to the resident who made it.
    kinds = session.scalars(select(Notification.title).where(Notification.kind == "ticket_status")).all()
    assert kinds == ["报修进度：已派单"]


def test_staff_use_the_queue_not_the_residents_list(client, people):
    response = client.get("/api/v1/tickets", headers=people["clerk"])
    assert response.status_code == 422 and "工单队列" in response.json()["error"]["message"]
    assert client.get("/api/v1/tickets/queue", headers=people["resident"]).status_code == 403
