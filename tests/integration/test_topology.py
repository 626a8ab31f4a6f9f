"""The production topology in miniature: two app processes behind one port, sharing state.

Whatever database the suite runs on (SQLite file, or PostgreSQL when DATABASE_URL is set)
and Redis when REDIS_URL is set, a login answered by one process must be honoured by the
other, and a change made through one must be visible through the other.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD
from tests.servers import running_app


@pytest.fixture
def two_workers(db_url, make_user):
    # Both workers must agree on the key generated in DATA_DIR, not bring their own.
    with running_app(workers=2, env={"SECRET_KEY": ""}) as base:
        yield base


def _fresh(base: str, method: str, path: str, **kw) -> httpx.Response:
    # A new connection each time, so the kernel hands it to either worker.
    with httpx.Client(base_url=base, timeout=10) as c:
        return c.request(method, path, **kw)


def test_a_token_from_one_worker_is_honoured_by_the_other(two_workers, make_user):
    user = make_user("resident", username="zhang_wei")
    login = _fresh(two_workers, "POST", "/api/v1/auth/login",
                   json={"username": "zhang_wei", "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    issuer = login.headers["X-Served-By"]

    served_by: dict[str, int] = {}
    for _ in range(120):
        r = _fresh(two_workers, "GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        assert r.json()["username"] == user.username
        served_by[r.headers["X-Served-By"]] = served_by.get(r.headers["X-Served-By"], 0) + 1
        if len(served_by) == 2 and issuer in served_by:
            break
    assert len(served_by) == 2, f"只有一个进程在应答：{served_by}"


def test_both_workers_write_to_the_same_database(two_workers, make_user, session):
    from sqlalchemy import func, select

    from shuiwu.models import AuditEntry

    admin = make_user("admin", username="admin_li")
    seen: dict[str, int] = {}
    attempts = 0
    while len(seen) < 2 and attempts < 60:
        attempts += 1
        bad = _fresh(two_workers, "POST", "/api/v1/auth/login",
                     json={"username": admin.username, "password": "wrong-password-1"})
        # After login_max_failures the account locks (429): still a failure, still audited.
        assert bad.status_code in (401, 429), bad.text
        message = bad.json()["error"]["message"]
        assert message == "用户名或密码错误" or message.startswith("尝试次数过多，账号已临时锁定")
        seen[bad.headers["X-Served-By"]] = seen.get(bad.headers["X-Served-By"], 0) + 1
    assert len(seen) == 2
    # Every failed attempt, whichever worker took it, is on the one audit trail.
    session.expire_all()
    failures = session.scalar(
        select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "auth.login_failed", AuditEntry.actor_id == admin.id
        )
    )
    assert failures == attempts
