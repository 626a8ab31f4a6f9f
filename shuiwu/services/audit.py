"""Append-only audit trail of security-relevant actions and staff access to personal data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shuiwu.models import AuditEntry, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object = None,
    *,
    ip: str | None = None,
    **detail: Any,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            detail=detail,
            ip=ip,
        )
    )


def record_standalone(
    session: Session,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object = None,
    *,
    ip: str | None = None,
    **detail: Any,
) -> None:
    """Record in a transaction of its own, committed now.

    For events about a request that is going to fail (a wrong password): the request's own
    transaction is rolled back, but the attempt must stay on record.
    """
    own = Session(bind=session.get_bind())
    try:
        record(own, actor, action, object_type, object_id, ip=ip, **detail)
        own.commit()
    finally:
        own.close()
