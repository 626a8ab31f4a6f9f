"""One-time codes: 6 digits, single use, expire after code_ttl_seconds, code_max_attempts tries.

A code is kept as a keyed hash under the blind index of where it was sent, so the table
reveals neither. Every try is counted (and committed) before the code is compared, so
concurrent guesses cannot get more tries than the limit, and a failing request still counts.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shuiwu import ratelimit as rl
from shuiwu.config import get_settings
from shuiwu.crypto import keyring, normalise
from shuiwu.errors import InvalidInput
from shuiwu.models import CodePurpose, User, VerificationCode
from shuiwu.models._types import utcnow

WRONG_CODE = "验证码错误或已失效"

SEND_PER_IP = rl.Limit(10, 600)  # codes (and register/reset requests) sent from one address
SEND_PER_TARGET = rl.Limit(1, 60)  # one code a minute to one phone or mailbox
SEND_PER_TARGET_DAY = rl.Limit(10, 86400)
VERIFY_PER_IP = rl.Limit(30, 600)


def key_of(kind: str, value: str) -> str:
    """The blind index a code is filed under: `sms`/`email` for contacts, `login` for resets."""
    kind = {"sms": "phone"}.get(kind, kind)
    value = value.strip().lower() if kind == "login" else normalise(kind, value)
    return keyring().blind_index(kind, value)


def _hash(target_key: str, code: str) -> str:
    return keyring().blind_index("code", f"{target_key}:{code.strip()}")


def limit_sending(target_key: str) -> None:
    """Per-destination limits, the same whether or not an account stands behind it."""
    rl.hit(f"code:target:{target_key}", SEND_PER_TARGET, "获取验证码过于频繁")
    rl.hit(f"code:target-day:{target_key}", SEND_PER_TARGET_DAY, "今日获取验证码次数过多")


def issue(
    session: Session,
    purpose: CodePurpose,
    channel: str,
    target_key: str,
    *,
    user: User | None = None,
    payload: str | None = None,
) -> str:
    """A fresh code for this destination and purpose; earlier ones stop working."""
    now = utcnow()
    session.execute(
        update(VerificationCode)
        .where(
            VerificationCode.target_bidx == target_key,
            VerificationCode.purpose == purpose,
            VerificationCode.consumed_at.is_(None),
        )
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        VerificationCode(
            purpose=purpose,
            channel=channel,
            target_bidx=target_key,
            user_id=user.id if user else None,
            code_hash=_hash(target_key, code),
            created_at=now,
            expires_at=now + timedelta(seconds=get_settings().code_ttl_seconds),
            attempts=0,
            payload=payload,
        )
    )
    session.flush()
    return code


def verify(
    session: Session, purpose: CodePurpose, target_key: str, code: str, *, user_id: int | None = None
) -> VerificationCode:
    """The pending code this one matches; raises InvalidInput(WRONG_CODE) otherwise.

    Commits the request's transaction (the counted try must outlive a failing request), so
    call it before writing anything else.
    """
    now = utcnow()
    pending = session.scalar(
        select(VerificationCode)
        .where(
            VerificationCode.target_bidx == target_key,
            VerificationCode.purpose == purpose,
            VerificationCode.consumed_at.is_(None),
        )
        .order_by(VerificationCode.created_at.desc(), VerificationCode.id.desc())
        .limit(1)
    )
    if pending is None or pending.expires_at <= now:
        raise InvalidInput(WRONG_CODE, field="code")
    if user_id is not None and pending.user_id != user_id:
        raise InvalidInput(WRONG_CODE, field="code")
    counted = session.execute(
        update(VerificationCode)
        .where(
            VerificationCode.id == pending.id,
            VerificationCode.attempts < get_settings().code_max_attempts,
            VerificationCode.consumed_at.is_(None),
        )
        .values(attempts=VerificationCode.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if counted != 1 or not hmac.compare_digest(pending.code_hash, _hash(target_key, code)):
        raise InvalidInput(WRONG_CODE, field="code")
    return pending


def consume(session: Session, pending: VerificationCode) -> None:
    """Use the code up; of two requests racing with the same code only one gets here."""
    used = session.execute(
        update(VerificationCode)
        .where(VerificationCode.id == pending.id, VerificationCode.consumed_at.is_(None))
        .values(consumed_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        raise InvalidInput(WRONG_CODE, field="code")
