"""Helpers of the auth-flow tests: a client at its own IP, and reading what the outbox holds."""

from __future__ import annotations

import itertools
import random
import re
import uuid

from sqlalchemy import select

from shuiwu.models import OutboxMessage

# Public addresses, different each run, so rate-limit windows (also in Redis) never collide.
_octets = itertools.count(random.randint(1, 200) * 256)


def new_ip(first: int = 36) -> str:
    n = next(_octets)
    return f"{first}.{random.randint(1, 250)}.{n // 256 % 250 + 1}.{n % 250 + 1}"


def client_at(ip: str):
    from fastapi.testclient import TestClient

    from shuiwu.main import create_app

    return TestClient(create_app(), client=(ip, 50000))


def unique(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def phone_ending(last4: str = "8000") -> str:
    """A random mainland mobile number masked as 138****<last4>."""
    return f"138{random.randint(0, 9999):04d}{last4}"


def outbox(session, recipient: str | None = None) -> list[OutboxMessage]:
    session.expire_all()
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [m for m in rows if recipient is None or m.recipient == recipient]


def last_code(session, recipient: str) -> str:
    bodies = [m.body for m in outbox(session, recipient)]
    codes = [c for body in bodies for c in re.findall(r"验证码(?:为)? (\d{6})", body)]
    assert codes, f"no code sent to {recipient}: {bodies}"
    return codes[-1]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"
