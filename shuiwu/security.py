"""Password hashing (Argon2id), signed tokens (short-lived access JWTs, "not me" links) and
opaque refresh tokens, of which only a SHA-256 is ever stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shuiwu.config import get_settings
from shuiwu.models._types import utcnow

_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile
# Verifying against this keeps the timing of "no such user" the same as "wrong password".
_DUMMY_HASH = _hasher.hash("shuiwu-timing-equaliser")
ALGORITHM = "HS256"
NOT_ME_DAYS = 7


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Always runs exactly one Argon2 verification, whether or not there is a hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def create_access_token(user_id: int, role: str, sid: str) -> tuple[str, int]:
    """A JWT naming the login session (`sid`), so revoking the session ends the token too."""
    settings = get_settings()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "role": role,
        "sid": sid,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    return jwt.encode(claims, settings.jwt_key, algorithm=ALGORITHM), int(lifetime.total_seconds())


def _decode(token: str, typ: str, *, verify_exp: bool = True) -> dict:
    claims = jwt.decode(
        token,
        get_settings().jwt_key,
        algorithms=[ALGORITHM],
        options={"require": ["exp", "sub", "sid"], "verify_exp": verify_exp},
    )
    if claims.get("typ") != typ:
        raise jwt.InvalidTokenError(f"not a {typ} token")
    return claims


def decode_access_token(token: str, *, verify_exp: bool = True) -> dict:
    """The token's claims; raises jwt.InvalidTokenError when forged, expired or malformed."""
    return _decode(token, "access", verify_exp=verify_exp)


def create_not_me_token(user_id: int, sid: str) -> str:
    """The one-click "not me" link of a new-place alert: good for nothing else."""
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "sid": sid,
        "iat": now,
        "exp": now + timedelta(days=NOT_ME_DAYS),
        "typ": "not_me",
    }
    return jwt.encode(claims, get_settings().jwt_key, algorithm=ALGORITHM)


def decode_not_me_token(token: str) -> dict:
    return _decode(token, "not_me")


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def new_session_id() -> str:
    return secrets.token_hex(16)  # 32 characters, the width of auth_sessions.id


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
