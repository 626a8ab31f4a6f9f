"""User accounts: creation by operators, login (password or SMS code) with lockout, lookup by
access token, and changing the verified phone or email.

No answer here tells whether an account exists: unknown login names fail, count and lock
exactly like known ones, and every password login runs one Argon2 verification.
"""

from __future__ import annotations

import re
from datetime import timedelta

import jwt
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shuiwu import ratelimit as rl
from shuiwu import security
from shuiwu.config import get_settings
from shuiwu.crypto import blind_index
from shuiwu.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from shuiwu.masking import mask_email, mask_phone
from shuiwu.models import AuditEntry, AuthSession, CodePurpose, Role, StaffFunction, User
from shuiwu.models._types import utcnow
from shuiwu.services import audit, codes, messaging, passwords, sessions
from shuiwu.services import message_templates as texts

USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,31}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

LOGIN_FAILED = "用户名或密码错误"
LOCKED = "尝试次数过多，账号已临时锁定，请 {minutes} 分钟后再试或通过短信验证码登录/找回密码"
SMS_LOGIN_SENT = "如该手机号已注册，验证码已发送，{minutes} 分钟内有效"
CONTACT_CODE_SENT = "验证码已发送至 {masked}，{minutes} 分钟内有效"
CONTACT_UNAVAILABLE = "该手机号或邮箱无法绑定，请换一个"
TOKEN_INVALID = "登录凭证无效，请重新登录"

# Failed logins from one address, counted on the audit trail (shared by every replica, and
# successful logins don't count: carrier NAT puts many residents behind one IP).
LOGIN_FAILURES_PER_IP = rl.Limit(20, 600)
# Failures of login names that match no account, so they lock like real ones do.
UNKNOWN_NAME_WINDOW_S = 30 * 86400

# Kept for callers of the first version; the rules live in passwords.
check_password_strength = passwords.check_strength


def create_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    password: str,
    role: Role = Role.RESIDENT,
    display_name: str = "",
    phone: str | None = None,
    email: str | None = None,
    staff_function: StaffFunction | None = None,
) -> User:
    """Create an active account. `actor=None` means the operator's command line."""
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden("只有管理员可以创建账号")
    check_username(username)
    if phone is not None:
        check_phone(phone)
    if email is not None:
        check_email(email)
    passwords.check_strength(password, username=username, phone=phone or "")
    clauses = [User.username == username]
    if phone:
        clauses.append(User.phone_bidx == blind_index("phone", phone))
    if email:
        clauses.append(User.email_bidx == blind_index("email", email))
    if session.scalar(select(User.id).where(or_(*clauses))) is not None:
        raise Conflict("用户名、手机号或邮箱已被使用", field="username")
    user = User(
        username=username,
        password_hash=security.hash_password(password),
        role=role,
        display_name=display_name or username,
        phone=phone,
        email=email,
        staff_function=staff_function if role == Role.STAFF else None,
        # Made by an operator, who vouches for the contact details given.
        phone_verified_at=utcnow() if phone else None,
        email_verified_at=utcnow() if email else None,
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, role=role.value)
    return user


def check_username(username: str) -> None:
    if not USERNAME_RE.match(username):
        raise InvalidInput("用户名须以字母开头，由 3–32 位字母、数字或下划线组成", field="username")


def check_phone(phone: str, field: str = "phone") -> None:
    if not PHONE_RE.match(phone):
        raise InvalidInput("请输入有效的 11 位手机号", field=field)


def check_email(email: str, field: str = "email") -> None:
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise InvalidInput("请输入有效的邮箱地址", field=field)


def find_by_login(session: Session, login: str) -> User | None:
    """The account a login name (username, email or phone) names, if any."""
    login = login.strip()
    return session.scalar(
        select(User).where(
            or_(
                User.username == login,
                User.email_bidx == blind_index("email", login),
                User.phone_bidx == blind_index("phone", login),
            )
        )
    )


def by_phone(session: Session, phone: str) -> User | None:
    return session.scalar(select(User).where(User.phone_bidx == blind_index("phone", phone)))


def _lock_minutes(failures: int) -> int:
    """lockout_minutes at the limit, doubling with each further failure, up to the maximum."""
    settings = get_settings()
    extra = min(failures - settings.login_max_failures, 16)
    return min(settings.lockout_minutes * 2**extra, settings.lockout_max_minutes)


def _locked(minutes: int) -> rl.TooManyRequests:
    return rl.TooManyRequests(LOCKED.format(minutes=minutes), minutes * 60)


def _limit_failures_from(session: Session, ip: str | None) -> None:
    if not ip:
        return
    limit = LOGIN_FAILURES_PER_IP
    since = utcnow() - timedelta(seconds=limit.window_s)
    failures = session.scalar(
        select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "auth.login_failed", AuditEntry.ip == ip, AuditEntry.at > since
        )
    )
    if failures >= limit.count:
        raise rl.TooManyRequests(f"登录尝试过于频繁（请 {limit.window_s // 60} 分钟后再试）", limit.window_s)


def authenticate(session: Session, login: str, password: str, *, ip: str | None = None) -> User:
    """Username, email or phone plus password.

    Fails with one message for an unknown name, a wrong password or a disabled account. After
    login_max_failures failures the name locks, progressively longer; while locked even the
    right password is refused (an SMS code still works). Failures are committed and audited
    although the request fails.
    """
    _limit_failures_from(session, ip)
    user = find_by_login(session, login)
    ok = security.verify_password(user.password_hash if user else None, password)
    now = utcnow()
    if user is None:
        failures, _ = rl.store().incr(f"login:unknown:{codes.key_of('login', login)}", UNKNOWN_NAME_WINDOW_S)
        audit.record(session, None, "auth.login_failed", "user", None, ip=ip, reason="unknown")
        session.commit()
        if failures >= get_settings().login_max_failures:
            raise _locked(_lock_minutes(failures))
        raise Unauthorized(LOGIN_FAILED)
    locked = user.locked_until is not None and user.locked_until > now
    if locked or not ok or not user.is_active:
        # Tries while locked count too, exactly as for unknown names (which cannot tell apart).
        user.failed_logins = min((user.failed_logins or 0) + 1, 10_000)
        reason = "locked" if locked else ("inactive" if ok else "password")
        audit.record(session, user, "auth.login_failed", "user", user.id, ip=ip, reason=reason)
        if user.failed_logins >= get_settings().login_max_failures:
            minutes = _lock_minutes(user.failed_logins)
            user.locked_until = now + timedelta(minutes=minutes)
            session.commit()
            raise _locked(minutes)
        session.commit()
        raise Unauthorized(LOGIN_FAILED)
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    user.last_login_at = now
    return user


def send_login_code(session: Session, phone: str, *, ip: str | None) -> str:
    """A login code by SMS if the phone belongs to an account. The same answer either way."""
    phone = phone.strip()
    check_phone(phone)
    rl.hit(f"code:ip:{ip}", codes.SEND_PER_IP, "发送验证码过于频繁")
    key = codes.key_of("sms", phone)
    codes.limit_sending(key)
    user = by_phone(session, phone)
    if user is not None and user.is_active and user.phone_verified_at is not None:
        code = codes.issue(session, CodePurpose.LOGIN, "sms", key, user=user)
        messaging.send_sms(session, phone, "login_code", user, code=code)
    return SMS_LOGIN_SENT.format(minutes=max(1, get_settings().code_ttl_seconds // 60))


def authenticate_by_code(session: Session, phone: str, code: str, *, ip: str | None) -> User:
    """Phone + SMS code. Works while the password is locked: it is the way out of a lockout."""
    phone = phone.strip()
    check_phone(phone)
    rl.hit(f"code:verify:ip:{ip}", codes.VERIFY_PER_IP, "尝试过于频繁")
    try:
        pending = codes.verify(session, CodePurpose.LOGIN, codes.key_of("sms", phone), code)
    except InvalidInput:
        audit.record(session, None, "auth.login_failed", "user", None, ip=ip, reason="sms_code")
        session.commit()
        raise
    user = session.get(User, pending.user_id) if pending.user_id else None
    if user is None or not user.is_active:
        raise InvalidInput(codes.WRONG_CODE, field="code")
    codes.consume(session, pending)
    user.last_login_at = utcnow()
    return user


def identify(session: Session, token: str) -> tuple[User, AuthSession]:
    """The user and live session an access token stands for; 401 once the session ended."""
    try:
        claims = security.decode_access_token(token)
    except jwt.ExpiredSignatureError:
        raise Unauthorized("登录已过期，请重新登录") from None
    except jwt.InvalidTokenError:
        raise Unauthorized(TOKEN_INVALID) from None
    user = session.get(User, int(claims["sub"]))
    if user is None or not user.is_active:
        raise Unauthorized(TOKEN_INVALID)
    return user, sessions.check(session, claims.get("sid"), user)


def user_from_token(session: Session, token: str) -> User:
    return identify(session, token)[0]


def send_contact_code(session: Session, user: User, channel: str, target: str, *, ip: str | None) -> str:
    """A code to a new phone or email. Sent even if the target is taken: that shows at change."""
    target = target.strip()
    _check_contact(channel, target)
    rl.hit(f"code:ip:{ip}", codes.SEND_PER_IP, "发送验证码过于频繁")
    key = codes.key_of(channel, target)
    codes.limit_sending(key)
    code = codes.issue(session, CodePurpose.CHANGE_CONTACT, channel, key, user=user)
    what = "手机号" if channel == "sms" else "邮箱"
    messaging.send(session, channel, target, "contact_code", user, code=code, what=what)
    masked = mask_phone(target) if channel == "sms" else mask_email(target)
    return CONTACT_CODE_SENT.format(masked=masked, minutes=max(1, get_settings().code_ttl_seconds // 60))


def change_contact(
    session: Session, user: User, channel: str, target: str, code: str, *, ip: str | None
) -> User:
    """Replace the phone or email with a verified new one; the old one is told."""
    target = target.strip()
    _check_contact(channel, target)
    rl.hit(f"code:verify:ip:{ip}", codes.VERIFY_PER_IP, "尝试过于频繁")
    key = codes.key_of(channel, target)
    pending = codes.verify(session, CodePurpose.CHANGE_CONTACT, key, code, user_id=user.id)
    column = User.phone_bidx if channel == "sms" else User.email_bidx
    if session.scalar(select(User.id).where(column == key, User.id != user.id)) is not None:
        raise Conflict(CONTACT_UNAVAILABLE, field="target")
    codes.consume(session, pending)
    what = "手机号" if channel == "sms" else "邮箱"
    old_channel, old = ("sms", user.phone) if channel == "sms" else ("email", user.email)
    old_verified = user.phone_verified_at if channel == "sms" else user.email_verified_at
    if channel == "sms":
        user.phone, user.phone_verified_at = target, utcnow()
        masked = mask_phone(target)
    else:
        user.email, user.email_verified_at = target, utcnow()
        masked = mask_email(target)
    session.flush()
    audit.record(session, user, "auth.contact_change", "user", user.id, ip=ip, channel=channel)
    if old and old_verified and old != target:
        messaging.send(session, old_channel, old, "contact_changed_notice", user,
                       what=what, when=texts.local_time(utcnow()), masked=masked)
    return user


def _check_contact(channel: str, target: str) -> None:
    if channel == "sms":
        check_phone(target, field="target")
    elif channel == "email":
        check_email(target, field="target")
    else:
        raise InvalidInput("验证方式须为 sms 或 email", field="channel")
