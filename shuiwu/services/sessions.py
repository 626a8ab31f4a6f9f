"""Login sessions: one per login on one device, holding a family of rotating refresh tokens.

A refresh token is good for exactly one rotation. Presenting one a second time means two
parties hold it (one of them a thief), so the whole session is revoked: the thief's copy,
the owner's current token and every access token naming the session stop working at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from shuiwu import security
from shuiwu.config import get_settings
from shuiwu.errors import NotFound, Unauthorized
from shuiwu.models import AuthSession, RefreshToken, User
from shuiwu.models._types import utcnow
from shuiwu.services import audit, messaging, places
from shuiwu.services import message_templates as texts

SESSION_ENDED = "登录状态已失效，请重新登录"
NOT_ME_DONE = "已退出该账号的所有设备，请立即修改密码"
LAST_SEEN_EVERY = timedelta(minutes=1)


@dataclass
class Issued:
    """What a login or a refresh hands out."""

    user: User
    auth: AuthSession
    access_token: str
    expires_in: int
    refresh_token: str


def lifetime(remember: bool) -> timedelta:
    settings = get_settings()
    return timedelta(days=settings.refresh_token_days) if remember else timedelta(hours=settings.session_hours)


def start(
    session: Session,
    user: User,
    *,
    method: str,
    remember: bool,
    ip: str | None,
    user_agent: str | None,
    device_id: str | None,
) -> Issued:
    """A new session after a successful login; a login from a new place raises an alert."""
    now = utcnow()
    network = places.network_key(ip)
    device_id = (device_id or "").strip()[:64] or None
    seen_before = session.scalar(select(AuthSession.id).where(AuthSession.user_id == user.id).limit(1))
    known_place = None
    if seen_before:
        # An unreadable address ("" network) counts as one place, so it never alerts by itself.
        same = [AuthSession.network == network]
        if device_id:
            same.append(AuthSession.device_id == device_id)
        known_place = session.scalar(
            select(AuthSession.id).where(AuthSession.user_id == user.id, or_(*same)).limit(1)
        )
    auth = AuthSession(
        id=security.new_session_id(),
        user_id=user.id,
        remember=remember,
        method=method,
        device=places.device_of(user_agent)[:128],
        device_id=device_id,
        ip=ip,
        network=network,
        place=places.describe(ip)[:64],
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime(remember),
    )
    session.add(auth)
    refresh = _new_refresh(session, auth)
    user.last_login_at = now
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    audit.record(session, user, "auth.login", "user", user.id, ip=ip, method=method, session_id=auth.id,
                 remember=remember)
    if seen_before and not known_place:
        _alert_new_place(session, user, auth)
    return _issue(user, auth, refresh)


def _new_refresh(session: Session, auth: AuthSession) -> str:
    token = security.new_refresh_token()
    session.add(
        RefreshToken(
            session_id=auth.id, token_hash=security.token_hash(token), issued_at=utcnow(),
            expires_at=auth.expires_at,
        )
    )
    return token


def _issue(user: User, auth: AuthSession, refresh: str) -> Issued:
    access, expires_in = security.create_access_token(user.id, user.role.value, auth.id)
    return Issued(user, auth, access, expires_in, refresh)


def _alert_new_place(session: Session, user: User, auth: AuthSession) -> None:
    link = f"{get_settings().base_url.rstrip('/')}/not-me?token={security.create_not_me_token(user.id, auth.id)}"
    messaging.notify(
        session, user, "new_place", kind="login_new_place",
        when=texts.local_time(auth.created_at), place=auth.place, device=auth.device, link=link,
    )


def refresh(session: Session, token: str, *, ip: str | None) -> Issued:
    """Rotate: the presented token is spent, a new one (and a new access token) returned."""
    now = utcnow()
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == security.token_hash(token)))
    if row is None:
        raise Unauthorized(SESSION_ENDED)
    auth = row.session
    user = session.get(User, auth.user_id)
    if auth.revoked_at is not None or auth.expires_at <= now or user is None or not user.is_active:
        raise Unauthorized(SESSION_ENDED)
    if row.expires_at <= now:
        raise Unauthorized(SESSION_ENDED)
    spent = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1 and not _concurrent_refresh(session, row, now):
        _reused(session, user, auth, ip)
    auth.expires_at = now + lifetime(auth.remember)  # sliding: an active device stays signed in
    auth.last_seen_at = now
    new = _new_refresh(session, auth)
    return _issue(user, auth, new)


def _concurrent_refresh(session: Session, row: RefreshToken, now) -> bool:
    """Two tabs of one browser refreshing at the same moment send the same token: the one
    rotated last, seconds ago. That is not theft; anything older or later still is."""
    session.refresh(row)
    if row.used_at is None:
        return False
    latest = session.scalar(
        select(func.max(RefreshToken.used_at)).where(RefreshToken.session_id == row.session_id)
    )
    grace = timedelta(seconds=get_settings().refresh_reuse_grace_seconds)
    return row.used_at == latest and now - row.used_at <= grace


def _reused(session: Session, user: User, auth: AuthSession, ip: str | None) -> None:
    """A spent token came back: end the family, tell the owner, and refuse."""
    _revoke(auth, "refresh_reuse")
    audit.record(session, user, "auth.refresh_reuse", "auth_session", auth.id, ip=ip)
    messaging.notify(session, user, "refresh_reuse", when=texts.local_time(utcnow()))
    session.commit()  # the revocation must stand although this request fails
    raise Unauthorized(SESSION_ENDED)


def _revoke(auth: AuthSession, reason: str) -> None:
    if auth.revoked_at is None:
        auth.revoked_at = utcnow()
        auth.revoke_reason = reason


def active(session: Session, user: User) -> list[AuthSession]:
    return list(
        session.scalars(
            select(AuthSession)
            .where(
                AuthSession.user_id == user.id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > utcnow(),
            )
            .order_by(AuthSession.last_seen_at.desc())
        )
    )


def revoke(session: Session, user: User, sid: str, *, reason: str = "revoked") -> None:
    """End one of the user's own sessions; someone else's is 'not found'."""
    auth = session.get(AuthSession, sid)
    if auth is None or auth.user_id != user.id or auth.revoked_at is not None:
        raise NotFound("该登录设备不存在或已退出")
    _revoke(auth, reason)


def revoke_all(session: Session, user: User, *, reason: str, keep: str | None = None) -> int:
    """End every active session of the user, except `keep` (the one asking)."""
    ended = 0
    for auth in active(session, user):
        if auth.id != keep:
            _revoke(auth, reason)
            ended += 1
    return ended


def logout(session: Session, *, sid: str | None = None, refresh_token: str | None = None,
           ip: str | None = None) -> None:
    """End the session named by an access token's sid or by a refresh token. Quiet if neither."""
    auth = session.get(AuthSession, sid) if sid else None
    if auth is None and refresh_token:
        row = session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == security.token_hash(refresh_token))
        )
        auth = row.session if row else None
    if auth is None or auth.revoked_at is not None:
        return
    _revoke(auth, "logout")
    audit.record(session, session.get(User, auth.user_id), "auth.logout", "auth_session", auth.id, ip=ip)


def check(session: Session, sid: str | None, user: User) -> AuthSession:
    """The live session an access token names; touches last_seen_at at most once a minute."""
    auth = session.get(AuthSession, sid) if sid else None
    now = utcnow()
    if auth is None or auth.user_id != user.id or auth.revoked_at is not None or auth.expires_at <= now:
        raise Unauthorized(SESSION_ENDED)
    if now - auth.last_seen_at >= LAST_SEEN_EVERY:
        auth.last_seen_at = now
    return auth


def not_me(session: Session, token: str, *, ip: str | None) -> str:
    """The alert's one click: every session of the account ends."""
    import jwt

    try:
        claims = security.decode_not_me_token(token)
    except jwt.InvalidTokenError:
        raise Unauthorized("链接无效或已过期，请登录后在“登录设备”中处理") from None
    user = session.get(User, int(claims["sub"]))
    if user is None:
        raise Unauthorized("链接无效或已过期，请登录后在“登录设备”中处理")
    ended = revoke_all(session, user, reason="not_me")
    audit.record(session, user, "auth.not_me", "user", user.id, ip=ip, session_id=claims["sid"], ended=ended)
    return NOT_ME_DONE
