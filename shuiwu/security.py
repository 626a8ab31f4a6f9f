"""Password hashing (Argon2id) and signed access tokens (JWT, short-lived)."""

from __future__ import annotations

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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def create_access_token(user_id: int, role: str) -> tuple[str, int]:
    settings = get_settings()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "role": role,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    return jwt.encode(claims, settings.jwt_key, algorithm=ALGORITHM), int(lifetime.total_seconds())


def decode_access_token(token: str) -> dict:
    """The token's claims; raises jwt.InvalidTokenError when forged, expired or malformed."""
    claims = jwt.decode(
        token, get_settings().jwt_key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
    )
    if claims.get("typ") != "access":
        raise jwt.InvalidTokenError("not an access token")
    return claims
