"""Self-registration: details and a code to the phone or email first, the account after.

Until the code comes back nothing but the pending code exists (its payload holds the
details, encrypted, with the password already hashed). A phone or email that already has an
account gets a notice instead of a code, and the caller the very same answer.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shuiwu import ratelimit as rl
from shuiwu import security
from shuiwu.config import get_settings
from shuiwu.errors import Conflict, InvalidInput
from shuiwu.masking import mask_email, mask_phone
from shuiwu.models import CodePurpose, Role, User
from shuiwu.models._types import utcnow
from shuiwu.services import accounts, audit, codes, messaging, passwords

SENT = "验证码已发送至 {masked}，{minutes} 分钟内有效"
USERNAME_TAKEN = "用户名已被使用，请换一个"
CONTACT_TAKEN = "该手机号或邮箱已注册，请直接登录或找回密码"


def start(
    session: Session,
    *,
    username: str,
    password: str,
    password_confirm: str,
    verify_via: str,
    phone: str | None = None,
    email: str | None = None,
    display_name: str | None = None,
    ip: str | None = None,
) -> dict:
    """Check the details and send the code (or, for a taken contact, the notice)."""
    username = username.strip()
    phone = (phone or "").strip() or None
    email = (email or "").strip() or None
    accounts.check_username(username)
    if phone:
        accounts.check_phone(phone)
    if email:
        accounts.check_email(email)
    if verify_via == "sms" and not phone:
        raise InvalidInput("选择短信验证时请填写手机号", field="phone")
    if verify_via == "email" and not email:
        raise InvalidInput("选择邮箱验证时请填写邮箱", field="email")
    passwords.check_confirmation(password, password_confirm)
    passwords.check_strength(password, username=username, phone=phone or "")
    rl.hit(f"register:ip:{ip}", codes.SEND_PER_IP, "注册请求过于频繁")
    target = phone if verify_via == "sms" else email
    key = codes.key_of(verify_via, target)
    codes.limit_sending(key)
    # Hashed whether or not it will be kept, so both branches take the same time.
    password_hash = security.hash_password(password)
    column = User.phone_bidx if verify_via == "sms" else User.email_bidx
    existing = session.scalar(select(User).where(column == key))
    if existing is not None:
        messaging.send(session, verify_via, target, f"register_exists_{verify_via}", existing)
    else:
        payload = {
            "username": username,
            "password_hash": password_hash,
            "phone": phone if verify_via == "sms" else None,
            "email": email if verify_via == "email" else None,
            "display_name": (display_name or "").strip() or username,
        }
        code = codes.issue(session, CodePurpose.REGISTER, verify_via, key, payload=json.dumps(payload))
        link = f"{get_settings().base_url.rstrip('/')}/verify?{urlencode({'target': target, 'code': code})}"
        messaging.send(session, verify_via, target, "register_code", code=code, link=link)
    masked = mask_phone(target) if verify_via == "sms" else mask_email(target)
    minutes = max(1, get_settings().code_ttl_seconds // 60)
    return {"message": SENT.format(masked=masked, minutes=minutes), "channel": verify_via,
            "target_masked": masked}


def verify(session: Session, target: str, code: str, *, username: str | None = None,
           ip: str | None = None) -> User:
    """The code back: the account is created, active, with that contact verified.

    A username taken in the meantime is a 409 and leaves the code usable, so the resident can
    pick another one (`username`) without a new code.
    """
    target = target.strip()
    channel = "email" if "@" in target else "sms"
    rl.hit(f"register:verify:ip:{ip}", codes.VERIFY_PER_IP, "尝试过于频繁")
    key = codes.key_of(channel, target)
    pending = codes.verify(session, CodePurpose.REGISTER, key, code)
    details = json.loads(pending.payload or "{}")
    if username:
        accounts.check_username(username.strip())
        details["username"] = username.strip()
    if session.scalar(select(User.id).where(User.username == details["username"])) is not None:
        raise Conflict(USERNAME_TAKEN, field="username")
    column = User.phone_bidx if channel == "sms" else User.email_bidx
    if session.scalar(select(User.id).where(column == key)) is not None:
        raise Conflict(CONTACT_TAKEN, field="target")
    codes.consume(session, pending)
    now = utcnow()
    user = User(
        username=details["username"],
        password_hash=details["password_hash"],
        role=Role.RESIDENT,
        display_name=details.get("display_name") or details["username"],
        phone=details.get("phone"),
        email=details.get("email"),
        phone_verified_at=now if channel == "sms" else None,
        email_verified_at=now if channel == "email" else None,
        password_changed_at=now,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # the same name or contact registered a moment ago
        raise Conflict(USERNAME_TAKEN, field="username") from None
    audit.record(session, user, "auth.register", "user", user.id, ip=ip, channel=channel)
    return user
