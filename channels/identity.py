"""Who is on a chat socket: the app's access JWT verified, or a server-chosen anonymous id.

Pure PyJWT, no Rasa: the same checks as shuiwu/security.py (HS256, required exp/sub/sid,
typ "access"), so a token the app would refuse is refused here too.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"  # shuiwu/security.py ALGORITHM
ANON_TYP = "chat_anon"
ANON_DAYS = 7


class IdentityError(Exception):
    """A token we refuse; `message` is shown to the visitor in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Identity:
    sender_id: str  # also the socket.io room of every tab of this person
    user_id: int | None
    role: str | None
    expires_at: float | None  # the access token's exp; None for anonymous visitors
    session_id: str | None = None  # the login session the token names (the app checks it is live)

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    def auth_metadata(self) -> dict:
        return {"user_id": self.user_id, "role": self.role, "channel": "web",
                "session_id": self.session_id}

    def expired(self, now: float | None = None) -> bool:
        return self.expires_at is not None and (now or time.time()) >= self.expires_at


def user_from_token(token: str, key: str) -> Identity:
    """The resident/staff member of a valid, unexpired access token."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "sid"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise IdentityError("登录已过期，请重新登录后再试") from exc
    except jwt.InvalidTokenError as exc:
        raise IdentityError("登录凭证无效，请重新登录") from exc
    if claims.get("typ") != "access":
        raise IdentityError("登录凭证无效，请重新登录")
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise IdentityError("登录凭证无效，请重新登录") from exc
    return Identity(f"user-{user_id}", user_id, str(claims.get("role") or "resident"),
                    float(claims["exp"]), str(claims["sid"]))


def new_anonymous() -> Identity:
    return Identity(f"anon-{secrets.token_hex(12)}", None, None, None)


def anonymous_token(identity: Identity, key: str) -> str:
    """Lets the same browser resume its anonymous conversation after a reload; we signed it."""
    now = int(time.time())
    claims = {"sub": identity.sender_id, "typ": ANON_TYP, "iat": now, "exp": now + ANON_DAYS * 86400}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def anonymous_from_token(token: str, key: str) -> Identity | None:
    """The anonymous id we issued earlier; None (a fresh one is chosen) when not ours or old."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.InvalidTokenError:
        return None
    sub = claims.get("sub")
    if claims.get("typ") != ANON_TYP or not isinstance(sub, str) or not sub.startswith("anon-"):
        return None
    return Identity(sub, None, None, None)


def identify(auth: object, key: str) -> Identity:
    """The identity of a connection from its socket.io `auth` payload.

    {"token": access JWT} → that user (refused if invalid); otherwise anonymous, resuming
    {"anon_token": …} when we issued it. A client never picks its own sender id.
    """
    auth = auth if isinstance(auth, dict) else {}
    token = auth.get("token")
    if token:
        if not isinstance(token, str) or len(token) > 4096:
            raise IdentityError("登录凭证无效，请重新登录")
        return user_from_token(token, key)
    anon = auth.get("anon_token")
    if isinstance(anon, str) and len(anon) <= 1024:
        resumed = anonymous_from_token(anon, key)
        if resumed:
            return resumed
    return new_anonymous()
