"""Shared fixtures: a fresh database per test, settings pointing at it, an API client, users."""

from __future__ import annotations

import itertools
import uuid

import pytest

from shuiwu.config import get_settings
from tests.databases import DatabaseFactory

DEMO_PASSWORD = "Qinghe2026water"


@pytest.fixture(scope="session", autouse=True)
def _scratch_data_dir(tmp_path_factory):
    """No test may write into the checkout's var/ (a developer's real demo data and keys)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATA_DIR", str(tmp_path_factory.mktemp("data")))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory):
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def chat_stack(database_factory, tmp_path_factory):
    """The real chat stack (Rasa, the app, a seeded demo city; tests/channels/stack.py), started the
    first time a test needs it and shared by the rest of the session: Rasa is slow to start."""
    from tests.channels.stack import running_chat_stack

    with running_chat_stack(database_factory.new(), tmp_path_factory.mktemp("chat_stack")) as stack:
        yield stack


@pytest.fixture
def db_url(database_factory, tmp_path, monkeypatch) -> str:
    """A fresh migrated database; the app's settings point at it for this test."""
    url = database_factory.new()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # nothing listens: tests opt in to Rasa
    monkeypatch.setenv("LOG_JSON", "false")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    # Rate-limit counters of their own: ids repeat in every fresh database, Redis outlives runs.
    monkeypatch.setenv("REDIS_NAMESPACE", f"test-{uuid.uuid4().hex[:12]}")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    from shuiwu.db import engine_for

    engine_for(url).dispose()


@pytest.fixture
def session(db_url):
    from shuiwu.db import new_session

    s = new_session()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def client(db_url):
    from fastapi.testclient import TestClient

    from shuiwu.main import create_app

    with TestClient(create_app()) as c:
        yield c


_counter = itertools.count(1)


@pytest.fixture
def make_user(session):
    """Create a committed user: make_user("resident") → User (password DEMO_PASSWORD)."""
    from shuiwu.models import Role
    from shuiwu.services import accounts

    def make(role: str = "resident", **kw):
        n = next(_counter)
        user = accounts.create_user(
            session,
            None,
            username=kw.pop("username", f"user{n}_{role}"),
            password=kw.pop("password", DEMO_PASSWORD),
            role=Role(role),
            **kw,
        )
        session.commit()
        return user

    return make


def login(client, username: str, password: str = DEMO_PASSWORD, *, remember: bool = False,
          device_id: str | None = None) -> dict:
    """Log in through the API; the Authorization header of the new access token."""
    body = {"username": username, "password": password, "remember": remember}
    if device_id:
        body["device_id"] = device_id
    response = client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
