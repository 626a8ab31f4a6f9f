"""Messages out: SMS through Twilio, email through SMTP, else the local outbox.

Every message is a row of the outbox first (recipient and body encrypted), then handed to
the carrier if one is configured. Requests whose answer must not reveal whether an account
exists defer the hand-over until after the response (`defer` / `take_deferred` / `deliver`),
so a Twilio round trip cannot be timed.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from shuiwu.config import get_settings
from shuiwu.models import Notification, NotificationChannel, OutboxMessage, OutboxStatus, User
from shuiwu.models._types import utcnow
from shuiwu.services import message_templates as texts

log = logging.getLogger(__name__)
_DEFER = "shuiwu.outbox.deferred"


def send_sms(session: Session, to: str, template: str, user: User | None = None, **params) -> OutboxMessage:
    return _send(session, "sms", to, template, user, params)


def send_email(session: Session, to: str, template: str, user: User | None = None, **params) -> OutboxMessage:
    return _send(session, "email", to, template, user, params)


def send(session: Session, channel: str, to: str, template: str, user: User | None = None, **params) -> OutboxMessage:
    return _send(session, channel, to, template, user, params)


def notify(session: Session, user: User, template: str, *, kind: str | None = None, **params) -> None:
    """Tell a resident in the app and on their verified phone (else verified email)."""
    title, body = texts.plain(template, **params)
    session.add(
        Notification(
            user_id=user.id, channel=NotificationChannel.IN_APP, kind=kind or template,
            title=title, body=body,
        )
    )
    if user.phone and user.phone_verified_at:
        send_sms(session, user.phone, template, user, **params)
    elif user.email and user.email_verified_at:
        send_email(session, user.email, template, user, **params)


def _send(session: Session, channel: str, to: str, template: str, user: User | None, params: dict) -> OutboxMessage:
    subject, body = texts.render(template, channel, **params)
    message = OutboxMessage(
        channel=channel,
        recipient=to,
        template=template,
        subject=subject if channel == "email" else "",
        body=body,
        user_id=user.id if user else None,
        status=OutboxStatus.QUEUED,
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    deferred = session.info.get(_DEFER)
    if deferred is not None:
        deferred.append(message.id)
    else:
        _deliver(message)
    return message


# -- deferring delivery until after the response ------------------------------------------


def defer(session: Session) -> None:
    """From now on, messages of this session are only queued; see take_deferred."""
    session.info.setdefault(_DEFER, [])


def take_deferred(session: Session) -> list[int]:
    """Commit the queued messages and return their ids for `deliver` (a background task)."""
    ids = session.info.pop(_DEFER, [])
    session.commit()
    return ids


def deliver(ids: list[int]) -> None:
    if not ids:
        return
    from shuiwu.db import session_scope

    with session_scope() as session:
        for message in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))):
            if message.status == OutboxStatus.QUEUED:
                _deliver(message)


# -- carriers -------------------------------------------------------------------------------


def _deliver(message: OutboxMessage) -> None:
    settings = get_settings()
    try:
        if message.channel == "sms" and settings.twilio_account_sid and settings.twilio_auth_token:
            message.provider_ref = _twilio_send(message.recipient, message.body)
            message.status = OutboxStatus.SENT
        elif message.channel == "email" and settings.smtp_host:
            message.provider_ref = _smtp_send(message.recipient, message.subject, message.body)
            message.status = OutboxStatus.SENT
        else:
            message.status = OutboxStatus.LOCAL
        message.sent_at = utcnow()
    except Exception as exc:  # the carrier's failure is recorded, never shown
        log.warning("message %s not delivered: %s", message.id, exc)
        message.status = OutboxStatus.FAILED
        message.error = str(exc)[:2000]


def e164(phone: str) -> str:
    """Mainland mobile numbers as Twilio wants them: +86…"""
    return phone if phone.startswith("+") else f"+86{phone}"


def _twilio_send(to: str, body: str) -> str:
    """POST …/Accounts/{sid}/Messages.json, as Twilio's REST API defines it; returns the SM sid."""
    settings = get_settings()
    sid = settings.twilio_account_sid
    form = {"To": e164(to), "Body": body}
    if settings.twilio_from.startswith("MG"):
        form["MessagingServiceSid"] = settings.twilio_from
    else:
        form["From"] = settings.twilio_from
    url = f"{settings.twilio_api_base.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
    response = httpx.post(url, data=form, auth=(sid, settings.twilio_auth_token), timeout=10)
    if response.status_code >= 400:
        try:
            detail = response.json()
            reason = f"Twilio {detail.get('code')}: {detail.get('message')}"
        except ValueError:
            reason = response.text[:500]
        raise RuntimeError(f"HTTP {response.status_code} {reason}")
    return response.json()["sid"]


def _smtp_send(to: str, subject: str, body: str) -> str:
    settings = get_settings()
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = to
    email["Subject"] = subject
    domain = settings.smtp_from.rsplit("@", 1)[-1].strip("> ") or "shuiwu.local"
    email["Message-ID"] = make_msgid(domain=domain)
    email.set_content(body, charset="utf-8")
    html = "<br>".join(escape(line) for line in body.splitlines())
    email.add_alternative(f"<html><body><p>{html}</p></body></html>", subtype="html", charset="utf-8")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(email)
    return email["Message-ID"].strip("<>")[:64]


def latest(session: Session, limit: int = 100) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)
        )
    )
