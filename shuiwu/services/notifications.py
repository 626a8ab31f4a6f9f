"""In-app notifications: what the platform tells a user (binding decisions, new-place logins, bills).

A user only ever sees and marks their own; someone else's notification is "not found".
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shuiwu.errors import NotFound
from shuiwu.models import Notification, NotificationChannel, User
from shuiwu.models._types import utcnow

NOT_FOUND = "未找到该通知"
MAX_LIMIT = 200


def notify(
    session: Session,
    user: User | int,
    kind: str,
    title: str,
    body: str,
    *,
    channel: NotificationChannel = NotificationChannel.IN_APP,
) -> Notification:
    """Queue a notification for `user` in the caller's transaction."""
    note = Notification(
        user_id=user if isinstance(user, int) else user.id,
        channel=channel,
        kind=kind,
        title=title,
        body=body,
    )
    session.add(note)
    session.flush()
    return note


def list_for(
    session: Session, actor: User, *, unread_only: bool = False, limit: int = 50
) -> list[Notification]:
    """The actor's in-app notifications, newest first."""
    query = select(Notification).where(
        Notification.user_id == actor.id, Notification.channel == NotificationChannel.IN_APP
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return list(session.scalars(query.limit(max(1, min(limit, MAX_LIMIT)))))


def unread_count(session: Session, actor: User) -> int:
    return session.scalar(
        select(func.count()).where(
            Notification.user_id == actor.id,
            Notification.channel == NotificationChannel.IN_APP,
            Notification.read_at.is_(None),
        )
    ) or 0


def mark_read(session: Session, actor: User, notification_id: int) -> Notification:
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != actor.id:
        raise NotFound(NOT_FOUND)
    if note.read_at is None:
        note.read_at = utcnow()
    return note


def mark_all_read(session: Session, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many were."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0
