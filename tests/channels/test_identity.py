"""The chat channel's token checks (channels/identity.py) against tokens the app really issues."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest

from channels.identity import (
    IdentityError,
    anonymous_token,
    identify,
    new_anonymous,
)
from shuiwu import security
from shuiwu.config import get_settings


@pytest.fixture
def key(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield get_settings().jwt_key
    get_settings.cache_clear()


def test_an_access_token_of_the_app_binds_the_conversation_to_its_user(key):
    token, _ = security.create_access_token(42, "resident", "s" * 32)
    identity = identify({"token": token}, key)
    assert identity.sender_id == "user-42"
    assert identity.auth_metadata() == {
        "user_id": 42, "role": "resident", "channel": "web", "session_id": "s" * 32,
    }
    assert not identity.expired()


def test_expired_forged_and_foreign_tokens_are_refused_in_chinese(key, monkeypatch):
    monkeypatch.setenv("ACCESS_TOKEN_MINUTES", "-1")
    get_settings.cache_clear()
    expired, _ = security.create_access_token(42, "resident", "s" * 32)
    with pytest.raises(IdentityError, match="登录已过期"):
        identify({"token": expired}, key)

    now = int(time.time())
    claims = {"sub": "42", "role": "resident", "sid": "x", "exp": now + 600, "typ": "access"}
    forged = jwt.encode(claims, "not-the-key-but-long-enough-for-hs256-0123456789", algorithm="HS256")
    with pytest.raises(IdentityError, match="登录凭证无效"):
        identify({"token": forged}, key)
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(IdentityError, match="登录凭证无效"):
        identify({"token": unsigned}, key)
    # A "not me" link token is signed by the app too, but is not a login.
    not_me = security.create_not_me_token(42, "s" * 32)
    with pytest.raises(IdentityError):
        identify({"token": not_me}, key)
    with pytest.raises(IdentityError):
        identify({"token": "garbage"}, key)
    with pytest.raises(IdentityError):
        identify({"token": {"sub": "42"}}, key)


def test_anonymous_visitors_get_an_id_the_server_chose_and_can_resume_it(key):
    first = identify({}, key)
    assert first.sender_id.startswith("anon-") and first.user_id is None
    assert identify(None, key).sender_id != first.sender_id
    # The same browser after a reload: the token we issued brings back the same conversation.
    resumed = identify({"anon_token": anonymous_token(first, key)}, key)
    assert resumed.sender_id == first.sender_id
    assert resumed.auth_metadata() == {
        "user_id": None, "role": None, "channel": "web", "session_id": None,
    }


def test_a_client_cannot_choose_an_anonymous_or_user_conversation(key):
    # Anonymous tokens signed elsewhere, or naming a user's conversation, start a fresh one.
    victim = new_anonymous()
    forged = anonymous_token(victim, "not-the-key-but-long-enough-for-hs256-0123456789")
    assert identify({"anon_token": forged}, key).sender_id != victim.sender_id
    now = int(time.time())
    as_user = jwt.encode({"sub": "user-7", "typ": "chat_anon", "exp": now + 600}, key, algorithm="HS256")
    assert identify({"anon_token": as_user}, key).sender_id.startswith("anon-")
    # An anonymous token is no login either.
    with pytest.raises(IdentityError):
        identify({"token": anonymous_token(victim, key)}, key)
    # Whatever else the client puts in its auth is ignored.
    assert identify({"sender_id": "user-7", "session_id": "user-7"}, key).sender_id.startswith("anon-")


def test_anonymous_tokens_expire(key):
    now = int(time.time())
    old = jwt.encode(
        {"sub": "anon-abc", "typ": "chat_anon", "exp": now - int(timedelta(minutes=1).total_seconds())},
        key, algorithm="HS256",
    )
    assert identify({"anon_token": old}, key).sender_id != "anon-abc"
