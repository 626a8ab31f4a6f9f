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
