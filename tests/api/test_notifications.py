"""A user's own notifications: newest first, unread filter, marking read; others' are not found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shuiwu.models import Notification, NotificationChannel
from tests.conftest import login

BASE = datetime(2026, 11, 1, 8, tzinfo=UTC)


def add(session, user, n: int, *, kind="bill_issued", read=False) -> Notification:
    note = Notification(
        user_id=user.id, channel=NotificationChannel.IN_APP, kind=kind, title=f"通知{n}",
        body=f"第 {n} 条", created_at=BASE + timedelta(hours=n), read_at=BASE if read else None,
    )
    session.add(note)
    session.commit()
    return note


def test_own_notifications_newest_first_and_unread_filter(client, session, make_user):
    me, other = make_user("resident"), make_user("resident")
    for n in (1, 2, 3):
        add(session, me, n, read=(n == 1))
    add(session, other, 9)
    headers = login(client, me.username)
    every = client.get("/api/v1/notifications", headers=headers).json()
    assert [x["title"] for x in every] == ["通知3", "通知2", "通知1"]
    assert set(every[0]) == {"id", "kind", "title", "body", "created_at", "read_at"}
    unread = client.get("/api/v1/notifications", params={"unread": "true"}, headers=headers).json()
    assert [x["title"] for x in unread] == ["通知3", "通知2"]
    assert len(client.get("/api/v1/notifications", params={"limit": 1}, headers=headers).json()) == 1
    assert client.get("/api/v1/notifications", params={"limit": 0}, headers=headers).status_code == 422


def test_marking_read_touches_only_ones_own(client, session, make_user):
    me, other = make_user("resident"), make_user("resident")
    mine = add(session, me, 1)
    add(session, me, 2)
    theirs = add(session, other, 3)
    headers = login(client, me.username)
    assert client.post(f"/api/v1/notifications/{mine.id}/read", headers=headers).status_code == 204
    assert client.post(f"/api/v1/notifications/{mine.id}/read", headers=headers).status_code == 204
    refused = client.post(f"/api/v1/notifications/{theirs.id}/read", headers=headers)
    assert refused.status_code == 404 and refused.json()["error"]["message"] == "未找到该通知"
    unread = client.get("/api/v1/notifications?unread=true", headers=headers).json()
    assert [x["title"] for x in unread] == ["通知2"]

    assert client.post("/api/v1/notifications/read-all", headers=headers).status_code == 204
    assert client.get("/api/v1/notifications?unread=true", headers=headers).json() == []
    session.expire_all()
    assert session.get(Notification, theirs.id).read_at is None
